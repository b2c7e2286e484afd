/* relay.c — `holonet relay`: a UDP channel emulator (loss, duplication, reordering, delay,
 * rate limit) for demos and tests on machines without netem.
 *
 *   holonet relay --listen 6000 --to 127.0.0.1:5000 --loss 0.3 --seed 1
 *
 * Decisions come from a seeded PRNG in datagram arrival order, so a fixed seed and the same
 * input sequence give the same losses. A summary of what was done is printed at exit.
 */
#include "holonet.h"
#include "netutil.h"
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAXQ 65536
#define MAXQ_BYTES (64u << 20)

typedef struct pkt {
    int64_t due_us;
    uint64_t seq;
    size_t len;
    uint8_t *data;
} pkt;

typedef struct relay {
    pkt *heap;
    size_t n;
    uint64_t qbytes, seq;
    uint64_t rng;
    pkt held;                 /* reordering: a datagram waiting for the next one to pass it */
    int has_held;
    int64_t held_since;
    uint64_t in, out, lost, duped, reordered, overflow, bytes_out;
} relay;

static uint64_t rnd64(relay *r)   /* splitmix64 */
{
    uint64_t z = (r->rng += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static double rnd01(relay *r) { return (double)(rnd64(r) >> 11) / 9007199254740992.0; }

static int64_t now_us(void) { return (int64_t)(net_now_s() * 1e6); }

static int earlier(const pkt *a, const pkt *b)
{
    return a->due_us < b->due_us || (a->due_us == b->due_us && a->seq < b->seq);
}

static int push(relay *r, pkt p)
{
    if (r->n == MAXQ || r->qbytes + p.len > MAXQ_BYTES) {
        r->overflow++;
        free(p.data);
        return -1;
    }
    size_t i = r->n++;
    while (i && earlier(&p, &r->heap[(i - 1) / 2])) {
        r->heap[i] = r->heap[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    r->heap[i] = p;
    r->qbytes += p.len;
    return 0;
}

static pkt pop(relay *r)
{
    pkt top = r->heap[0], last = r->heap[--r->n];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= r->n) break;
        if (c + 1 < r->n && earlier(&r->heap[c + 1], &r->heap[c])) c++;
        if (!earlier(&r->heap[c], &last)) break;
        r->heap[i] = r->heap[c];
        i = c;
    }
    if (r->n) r->heap[i] = last;
    r->qbytes -= top.len;
    return top;
}

static void usage(FILE *f)
{
    fputs("usage: holonet relay --listen PORT --to HOST:PORT [--bind ADDR] [--loss P] [--dup P]\n"
          "                     [--reorder P] [--delay-ms N] [--rate BYTES/S] [--seed N]\n"
          "                     [--idle-exit SECONDS]\n", f);
}

int holonet_relay_main(int argc, char **argv)
{
    const char *bindaddr = "0.0.0.0", *to = NULL;
    unsigned port = 0;
    double loss = 0, dup = 0, reorder = 0, delay_ms = 0, idle_exit = 0;
    uint64_t rate = 0, seed = 0;
    int have_seed = 0, have_port = 0;
    static const struct option lo[] = {
        { "listen", 1, 0, 'l' }, { "to", 1, 0, 't' }, { "bind", 1, 0, 'b' },
        { "loss", 1, 0, 'L' }, { "dup", 1, 0, 'D' }, { "reorder", 1, 0, 'R' },
        { "delay-ms", 1, 0, 'd' }, { "rate", 1, 0, 'r' }, { "seed", 1, 0, 's' },
        { "idle-exit", 1, 0, 'i' }, { "help", 0, 0, 'h' }, { 0, 0, 0, 0 } };
    int ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        switch (ch) {
        case 'l': if (net_parse_port(optarg, &port)) goto bad; have_port = 1; break;
        case 't': to = optarg; break;
        case 'b': bindaddr = optarg; break;
        case 'L': if (net_parse_double(optarg, &loss) || loss < 0 || loss > 1) goto bad; break;
        case 'D': if (net_parse_double(optarg, &dup) || dup < 0 || dup > 1) goto bad; break;
        case 'R': if (net_parse_double(optarg, &reorder) || reorder < 0 || reorder > 1) goto bad;
            break;
        case 'd': if (net_parse_double(optarg, &delay_ms) || delay_ms < 0 || delay_ms > 60000)
                goto bad;
            break;
        case 'r': if (net_parse_u64(optarg, &rate)) goto bad; break;
        case 's': if (net_parse_u64(optarg, &seed)) goto bad; have_seed = 1; break;
        case 'i': if (net_parse_double(optarg, &idle_exit) || idle_exit < 0) goto bad; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (!have_port || !to || optind != argc) {
        usage(stderr);
        return 2;
    }
    net_log_init("relay");
    char msg[512];
    struct sockaddr_storage la, ta;
    socklen_t ll, tl;
    if (net_resolve(bindaddr, port, &la, &ll, msg, sizeof msg) ||
        net_resolve_hostport(to, &ta, &tl, msg, sizeof msg)) {
        net_log("%s", msg);
        return 1;
    }
    int in = socket(la.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    int out = socket(ta.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    int big = 16 << 20;
    if (in < 0 || out < 0) {
        net_log("socket: %s", strerror(errno));
        return 1;
    }
    if (setsockopt(in, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof big))
        setsockopt(in, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
    setsockopt(out, SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
    if (bind(in, (struct sockaddr *)&la, ll)) {
        net_log("bind %s port %u: %s", bindaddr, port, strerror(errno));
        close(in);
        close(out);
        return 1;
    }
    if (!have_seed) net_random(&seed, sizeof seed);
    relay r = { .rng = seed };
    r.heap = malloc(MAXQ * sizeof *r.heap);
    uint8_t *buf = malloc(65536);
    if (!r.heap || !buf) return 1;
    net_log("%s port %u -> %s: loss %.3f, dup %.3f, reorder %.3f, delay %.1f ms, rate %llu B/s, "
            "seed %llu", bindaddr, port, to, loss, dup, reorder, delay_ms,
            (unsigned long long)rate, (unsigned long long)seed);
    holonet_on_signals();
    int64_t next_send = 0, last_in = 0;
    while (!holonet_stop) {
        int64_t now = now_us(), wait_ms = 100;
        if (r.n) {
            int64_t due = r.heap[0].due_us > next_send ? r.heap[0].due_us : next_send;
            wait_ms = due <= now ? 0 : (due - now + 999) / 1000;
            if (wait_ms > 100) wait_ms = 100;
        }
        struct pollfd p = { .fd = in, .events = POLLIN };
        int pr = poll(&p, 1, (int)wait_ms);
        now = now_us();
        while (pr > 0) {
            ssize_t n = recv(in, buf, 65536, MSG_DONTWAIT);
            if (n < 0) break;
            r.in++;
            last_in = now;
            if (rnd01(&r) < loss) {
                r.lost++;
                continue;
            }
            int copies = 1 + (rnd01(&r) < dup);
            r.duped += (uint64_t)(copies - 1);
            for (int c = 0; c < copies; c++) {
                pkt k = { now + (int64_t)(delay_ms * 1000), r.seq++, (size_t)n, malloc((size_t)n ? (size_t)n : 1) };
                if (!k.data) continue;
                memcpy(k.data, buf, (size_t)n);
                if (c == 0 && !r.has_held && rnd01(&r) < reorder) {
                    r.held = k;   /* sent after the next datagram (or after 50 ms) */
                    r.has_held = 1;
                    r.held_since = now;
                    r.reordered++;
                    continue;
                }
                push(&r, k);
                if (r.has_held && c == copies - 1 && k.seq != r.held.seq) {
                    r.held.due_us = k.due_us;
                    r.held.seq = r.seq++;
                    push(&r, r.held);
                    r.has_held = 0;
                }
            }
        }
        if (r.has_held && now - r.held_since > 50000) {
            r.held.seq = r.seq++;
            push(&r, r.held);
            r.has_held = 0;
        }
        while (r.n && r.heap[0].due_us <= now && next_send <= now) {
            pkt k = pop(&r);
            if (sendto(out, k.data, k.len, 0, (struct sockaddr *)&ta, tl) >= 0) {
                r.out++;
                r.bytes_out += k.len;
            }
            free(k.data);
            if (rate) {   /* serialisation time of this datagram on a link of `rate` B/s */
                int64_t base = next_send > now - 1000 ? next_send : now;
                next_send = base + (int64_t)((double)k.len * 1e6 / (double)rate);
            }
        }
        if (idle_exit > 0 && last_in && !r.n && !r.has_held &&
            now - last_in > (int64_t)(idle_exit * 1e6))
            break;
    }
    if (r.has_held) free(r.held.data);
    while (r.n) free(pop(&r).data);
    net_log("summary: %llu datagrams in, %llu out (%llu bytes), %llu lost, %llu duplicated, "
            "%llu reordered, %llu queue overflows", (unsigned long long)r.in,
            (unsigned long long)r.out, (unsigned long long)r.bytes_out, (unsigned long long)r.lost,
            (unsigned long long)r.duped, (unsigned long long)r.reordered,
            (unsigned long long)r.overflow);
    free(r.heap);
    free(buf);
    close(in);
    close(out);
    return 0;
bad:
    fprintf(stderr, "holonet relay: bad option value: %s\n", optarg);
    return 2;
}
