/* rx.c — `holonet rx`: receive HNET transfers from a UDP socket (or replay a hex capture) into
 * the store, with per-transfer progress and a final summary.
 *
 *   holonet rx --port 5000 --base-dir inbox --decode-mode none     # store mode, for holofs
 *   holonet rx --replay capture.hex --base-dir out                 # offline: one hex line each
 */
#include "holonet.h"
#include "hexcap.h"
#include "netutil.h"
#include "store.h"
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#define BATCH 32
#define RXBUF 65536

typedef struct rx_opts {
    const char *bind, *base, *replay, *keyfile, *iface, *capture;
    unsigned port;
    double idle;
    uint64_t payload, max_output;
    net_mode mode;
    int do_fsync;
    hnet_limits lim;
} rx_opts;

typedef struct rx_ctx {
    hnet_sink store_sink;     /* wrapped */
    uint64_t kernel_drops;
    FILE *capture;            /* --capture: every datagram received, as a hex line */
    int seen;                 /* a chunk has landed: best/strict exit once all are finalised */
    int replay;               /* virtual clock: no rates */
    /* per transfer progress step already reported (non-terminal) */
} rx_ctx;

static void usage(FILE *f)
{
    fputs("usage: holonet rx [--bind ADDR] [--port 5000] [--base-dir DIR] [--idle-timeout 30]\n"
          "                  [--payload 65507] [--decode-mode best|strict|none] [--key FILE]\n"
          "                  [--max-mem BYTES] [--max-transfers N] [--max-chunk BYTES]\n"
          "                  [--iface NAME] [--fsync] [--replay CAPTURE.hex]\n"
          "                  [--capture OUT.hex] [--pin-source] [--max-output BYTES]\n"
          "                  [--max-skew SECONDS]\n", f);
}

/* ---- sink wrapper: progress lines and per-transfer summaries --------------------------- */
static void w_start(void *ctx, hnet_transfer *t)
{
    rx_ctx *c = ctx;
    /* no line yet: any datagram starts a transfer; store.c says "started" when a chunk lands */
    c->store_sink.on_start(c->store_sink.ctx, t);
}

static void w_name(void *ctx, hnet_transfer *t)
{
    rx_ctx *c = ctx;
    c->store_sink.on_name(c->store_sink.ctx, t);
}

static int w_chunk(void *ctx, hnet_transfer *t, uint32_t i, const uint8_t *b, size_t n)
{
    rx_ctx *c = ctx;
    uint32_t before = net_store_stored(t);
    int r = c->store_sink.on_chunk(c->store_sink.ctx, t, i, b, n);
    uint32_t now = net_store_stored(t);
    if (r >= 0) c->seen = 1;   /* a forged datagram never lands, so it cannot end rx */
    /* one line per 10% step when stderr is not a terminal (the bar covers terminals) */
    if (!net_log_tty() && now != before && t->total &&
        (uint64_t)now * 10 / t->total != (uint64_t)before * 10 / t->total && now < t->total)
        net_log("transfer %u: %u/%u chunks", (unsigned)t->id, (unsigned)now, (unsigned)t->total);
    return r;
}

static void w_end(void *ctx, hnet_transfer *t, int why)
{
    rx_ctx *c = ctx;
    uint32_t stored = net_store_stored(t);
    double secs = (double)(t->last_ms - t->first_ms) / 1000.0;
    char rate[96] = "";
    if (secs > 0 && !c->replay)
        snprintf(rate, sizeof rate, " in %.3f s (%.0f datagrams/s, %.2f MB/s)", secs,
                 (double)t->datagrams / secs, (double)t->bytes / secs / 1e6);
    /* a transfer that landed nothing may be one of a flood of forged ids */
    void (*say)(const char *, ...) = t->landed ? net_log : net_log_limited;
    say("transfer %u %s: %u/%u chunks, %llu datagrams%s, %llu duplicates, %llu rejected%s",
        (unsigned)t->id, t->name[0] ? t->name : "(no name)", (unsigned)stored, (unsigned)t->total,
        (unsigned long long)t->datagrams, rate, (unsigned long long)t->dups,
        (unsigned long long)t->drops,
        why == HNET_END_IDLE ? "" : why == HNET_END_EVICTED ? " (evicted)" : " (shutdown)");
    c->store_sink.on_end(c->store_sink.ctx, t, why);
}

static void draw_bars(hnet_rx *r)
{
    if (!net_log_tty()) return;
    char line[256];
    size_t off = 0;
    for (hnet_transfer *t = hnet_rx_transfers(r); t && off < 200; t = t->next) {
        uint32_t s = net_store_stored(t);
        int w = 20, fill = t->total ? (int)((uint64_t)s * w / t->total) : 0;
        char bar[32];
        for (int i = 0; i < w; i++) bar[i] = i < fill ? '#' : '.';
        bar[w] = 0;
        off += (size_t)snprintf(line + off, sizeof line - off, "%s%.24s [%s] %u/%u",
                                off ? "  " : "", t->name[0] ? t->name : "?", bar, (unsigned)s,
                                (unsigned)t->total);
    }
    if (off) net_bar("%s", line);
}

/* Peak resident set of this process (the kernel's VmHWM). */
static long max_rss_kib(void)
{
    struct rusage ru;
    return getrusage(RUSAGE_SELF, &ru) ? -1 : ru.ru_maxrss;
}

/* Drop counts by reason, "short 3, magic 12", counting from `since` (NULL: from zero). */
static void drop_reasons(const uint64_t *drops, const uint64_t *since, char *out, size_t outsz)
{
    size_t off = 0;
    out[0] = 0;
    for (int i = 1; i < HNET_DROP_NCODES && off < outsz; i++)
        if (drops[i] > (since ? since[i] : 0))
            off += (size_t)snprintf(out + off, outsz - off, "%s%s %llu", off ? ", " : "",
                                    hnet_drop_name(-i),
                                    (unsigned long long)(drops[i] - (since ? since[i] : 0)));
}

/* Every REPORT_MS while datagrams are being dropped: one line with the reasons, instead of a
 * line per bogus datagram or transfer. */
#define REPORT_MS 10000
typedef struct drop_report {
    int64_t last_ms;
    uint64_t drops[HNET_DROP_NCODES], dropped, suppressed;
} drop_report;

static void report_drops(hnet_rx *r, drop_report *d, int64_t now)
{
    const hnet_stats *st = hnet_rx_stats(r);
    if (now - d->last_ms < REPORT_MS) return;
    d->last_ms = now;
    uint64_t sup = net_log_suppressed();
    if (st->dropped == d->dropped && sup == d->suppressed) return;
    char why[512];
    drop_reasons(st->drops, d->drops, why, sizeof why);
    net_log("last %d s: dropped %llu datagrams%s%s%s, %llu log lines suppressed", REPORT_MS / 1000,
            (unsigned long long)(st->dropped - d->dropped), why[0] ? " (" : "", why,
            why[0] ? ")" : "", (unsigned long long)(sup - d->suppressed));
    memcpy(d->drops, st->drops, sizeof d->drops);
    d->dropped = st->dropped;
    d->suppressed = sup;
}

static void summary(hnet_rx *r, net_store *s, rx_ctx *c)
{
    const hnet_stats *st = hnet_rx_stats(r);
    const net_store_stats *ss = net_store_get_stats(s);
    char reasons[480], why[512] = "";
    drop_reasons(st->drops, NULL, reasons, sizeof reasons);
    if (reasons[0]) snprintf(why, sizeof why, " (%s)", reasons);
    net_bar_clear();
    net_log("summary: %llu transfers, %llu chunks landed (%llu recovery, %llu already stored, %llu invalid, "
            "%llu conflicting), %llu datagrams (%llu bytes), %llu segments, %llu duplicates, "
            "%llu rejects%s, %llu kernel drops, %llu refused transfers, %llu log lines suppressed, "
            "peak memory %llu bytes, max RSS %ld KiB",
            (unsigned long long)st->transfers, (unsigned long long)ss->landed,
            (unsigned long long)ss->recovery, (unsigned long long)ss->identical, (unsigned long long)ss->invalid,
            (unsigned long long)ss->conflicts, (unsigned long long)st->datagrams,
            (unsigned long long)st->bytes, (unsigned long long)st->segments,
            (unsigned long long)(st->dup_segments + st->late), (unsigned long long)st->dropped,
            why, (unsigned long long)c->kernel_drops, (unsigned long long)ss->refused,
            (unsigned long long)net_log_suppressed(), (unsigned long long)st->mem_peak,
            max_rss_kib());
}

/* ---- sources ---------------------------------------------------------------------------- */
/* Replay a capture: one datagram per line in hex; blank lines and '#' comments skipped. Time is
 * virtual (1 ms per datagram), so idle expiry never triggers mid-replay. */
static int replay(hnet_rx *r, const rx_opts *o)
{
    FILE *f = strcmp(o->replay, "-") ? fopen(o->replay, "r") : stdin;
    if (!f) {
        net_log("%s: %s", o->replay, strerror(errno));
        return -1;
    }
    hexcap h = { .f = f };
    uint8_t *dg = malloc(RXBUF);
    int64_t now = 0;
    long len;
    while (dg && !holonet_stop && (len = hexcap_next(&h, dg, RXBUF)) >= 0) {
        if ((uint64_t)len > o->payload) hnet_rx_count_drop(r, HNET_DROP_TRUNC);
        else hnet_rx_feed(r, dg, (size_t)len, now);
        now++;
    }
    hnet_rx_expire(r, INT64_MAX, 0);   /* end of the capture: like an idle timeout */
    if (h.bad) net_log("%s: %ld lines are not hex datagrams, skipped", o->replay, h.bad);
    hexcap_free(&h);
    free(dg);
    if (f != stdin) fclose(f);
    return 0;
}

static int open_socket(const rx_opts *o, char *msg, size_t msgsz)
{
    struct sockaddr_storage ss;
    socklen_t sl;
    if (net_resolve(o->bind, o->port, &ss, &sl, msg, msgsz)) return -1;
    int mcast = net_is_multicast((struct sockaddr *)&ss);
    int fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(msg, msgsz, "socket: %s", strerror(errno));
        return -1;
    }
    int one = 1, big = 64 << 20;
    if (mcast) setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    /* a large receive queue absorbs bursts; FORCE works as root, the plain one up to rmem_max */
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof big))
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
    setsockopt(fd, SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof one);
    if (bind(fd, (struct sockaddr *)&ss, sl)) {
        snprintf(msg, msgsz, "bind %s port %u: %s", o->bind, o->port, strerror(errno));
        close(fd);
        return -1;
    }
    if (mcast) {
        unsigned ifi = o->iface ? if_nametoindex(o->iface) : 0;
        int e;
        if (ss.ss_family == AF_INET) {
            struct ip_mreqn m = { .imr_multiaddr = ((struct sockaddr_in *)&ss)->sin_addr,
                                  .imr_ifindex = (int)ifi };
            e = setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &m, sizeof m);
        } else {
            struct ipv6_mreq m = { .ipv6mr_multiaddr = ((struct sockaddr_in6 *)&ss)->sin6_addr,
                                   .ipv6mr_interface = ifi };
            e = setsockopt(fd, IPPROTO_IPV6, IPV6_JOIN_GROUP, &m, sizeof m);
        }
        if (e) {
            snprintf(msg, msgsz, "join group %s: %s", o->bind, strerror(errno));
            close(fd);
            return -1;
        }
    }
    return fd;
}

static int serve(hnet_rx *r, rx_ctx *c, const rx_opts *o)
{
    char msg[512];
    int fd = open_socket(o, msg, sizeof msg);
    if (fd < 0) {
        net_log("%s", msg);
        return -1;
    }
    net_log("listening on %s port %u, storing into %s (%s mode)", o->bind, o->port, o->base,
            o->mode == NET_MODE_NONE ? "store" : o->mode == NET_MODE_STRICT ? "strict" : "best");
    static uint8_t bufs[BATCH][RXBUF];
    static char ctl[BATCH][CMSG_SPACE(sizeof(uint32_t))];
    struct mmsghdr mm[BATCH];
    struct iovec iov[BATCH];
    struct sockaddr_storage from[BATCH];
    uint32_t last_ovfl = 0;
    int64_t idle_ms = (int64_t)(o->idle * 1000), last_tick = 0;
    drop_report rep = { .last_ms = net_now_ms() };
    while (!holonet_stop) {
        struct pollfd p = { .fd = fd, .events = POLLIN };
        int pr = poll(&p, 1, 200);
        int64_t now = net_now_ms();
        hnet_rx_set_wall_ms(r, net_wall_ms());   /* keyed: the sent_ms check */
        if (pr > 0) {
            for (int i = 0; i < BATCH; i++) {
                iov[i] = (struct iovec){ bufs[i], RXBUF };
                mm[i].msg_hdr = (struct msghdr){ .msg_name = &from[i],
                                                 .msg_namelen = sizeof from[i],
                                                 .msg_iov = &iov[i], .msg_iovlen = 1,
                                                 .msg_control = ctl[i],
                                                 .msg_controllen = sizeof ctl[i] };
                mm[i].msg_len = 0;
            }
            int n = recvmmsg(fd, mm, BATCH, MSG_DONTWAIT, NULL);
            for (int i = 0; i < n; i++) {
                for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mm[i].msg_hdr); cm;
                     cm = CMSG_NXTHDR(&mm[i].msg_hdr, cm))
                    if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SO_RXQ_OVFL) {
                        uint32_t v;
                        memcpy(&v, CMSG_DATA(cm), sizeof v);
                        c->kernel_drops += v - last_ovfl;
                        last_ovfl = v;
                    }
                if (c->capture) {
                    for (unsigned k = 0; k < mm[i].msg_len; k++)
                        fprintf(c->capture, "%02x", bufs[i][k]);
                    fputc('\n', c->capture);
                }
                if ((mm[i].msg_hdr.msg_flags & MSG_TRUNC) || mm[i].msg_len > o->payload)
                    hnet_rx_count_drop(r, HNET_DROP_TRUNC);
                else
                    hnet_rx_feed_from(r, bufs[i], mm[i].msg_len, now, &from[i],
                                      mm[i].msg_hdr.msg_namelen);
            }
            if (n > 0 && c->capture) fflush(c->capture);   /* a capture is usable while rx runs */
            if (n < 0 && errno != EAGAIN && errno != EINTR) net_log("recv: %s", strerror(errno));
        }
        if (now - last_tick >= 200) {
            last_tick = now;
            if (idle_ms > 0) hnet_rx_expire(r, now, idle_ms);
            report_drops(r, &rep, now);
            draw_bars(r);
            /* best/strict: the reference exits once its transfer is finalised */
            if (o->mode != NET_MODE_NONE && c->seen && hnet_rx_count(r) == 0) break;
        }
    }
    close(fd);
    return 0;
}

int holonet_rx_main(int argc, char **argv)
{
    rx_opts o = { .bind = "0.0.0.0", .base = ".", .port = 5000, .idle = 30, .payload = 65507,
                  .max_output = NET_MAX_OUTPUT_DEFAULT };
    double skew;
    hnet_limits_default(&o.lim);
    static const struct option lo[] = {
        { "bind", 1, 0, 'b' }, { "port", 1, 0, 'p' }, { "base-dir", 1, 0, 'd' },
        { "idle-timeout", 1, 0, 'i' }, { "payload", 1, 0, 'P' }, { "decode-mode", 1, 0, 'm' },
        { "key", 1, 0, 'k' }, { "max-mem", 1, 0, 'M' }, { "max-transfers", 1, 0, 'T' },
        { "max-chunk", 1, 0, 'C' }, { "fsync", 0, 0, 'f' }, { "replay", 1, 0, 'r' },
        { "iface", 1, 0, 'I' }, { "capture", 1, 0, 'c' }, { "pin-source", 0, 0, 'S' },
        { "max-output", 1, 0, 'O' }, { "max-skew", 1, 0, 'K' }, { "help", 0, 0, 'h' },
        { 0, 0, 0, 0 } };
    int ch;
    uint64_t v;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        switch (ch) {
        case 'b': o.bind = optarg; break;
        case 'p': if (net_parse_port(optarg, &o.port)) goto bad; break;
        case 'd': o.base = optarg; break;
        case 'i': if (net_parse_double(optarg, &o.idle) || o.idle < 0) goto bad; break;
        case 'P': if (net_parse_u64(optarg, &o.payload) || o.payload < HNET_HDR) goto bad; break;
        case 'm':
            if (!strcmp(optarg, "best")) o.mode = NET_MODE_BEST;
            else if (!strcmp(optarg, "strict")) o.mode = NET_MODE_STRICT;
            else if (!strcmp(optarg, "none")) o.mode = NET_MODE_NONE;
            else goto bad;
            break;
        case 'k': o.keyfile = optarg; break;
        case 'M': if (net_parse_u64(optarg, &o.lim.max_mem) || !o.lim.max_mem) goto bad; break;
        case 'T': if (net_parse_u64(optarg, &v) || !v || v > 65536) goto bad;
            o.lim.max_transfers = (uint32_t)v; break;
        case 'C': if (net_parse_u64(optarg, &o.lim.max_chunk) || !o.lim.max_chunk) goto bad; break;
        case 'f': o.do_fsync = 1; break;
        case 'r': o.replay = optarg; break;
        case 'I': o.iface = optarg; break;
        case 'c': o.capture = optarg; break;
        case 'S': o.lim.pin_source = 1; break;
        case 'O': if (net_parse_u64(optarg, &o.max_output) || !o.max_output) goto bad; break;
        case 'K': if (net_parse_double(optarg, &skew) || skew < 0 || skew > 1e9) goto bad;
            o.lim.max_skew_ms = (int64_t)(skew * 1000); break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind != argc) goto bad_arg;
    if (o.lim.max_transfer_mem > o.lim.max_mem) o.lim.max_transfer_mem = o.lim.max_mem;
    net_log_init("rx");
    hmac_sha256_key key;
    char msg[600];
    if (o.keyfile && hnet_key_load(o.keyfile, &key, msg, sizeof msg)) {
        net_log("%s", msg);
        return 1;
    }
    net_store *s = net_store_open(o.base, o.mode, o.do_fsync, msg, sizeof msg);
    if (!s) {
        net_log("%s", msg);
        return 1;
    }
    net_store_set_max_output(s, o.max_output);
    rx_ctx c = { 0 };
    c.replay = o.replay != NULL;
    if (o.capture && !(c.capture = fopen(o.capture, "a"))) {
        net_log("%s: %s", o.capture, strerror(errno));
        net_store_close(s);
        return 1;
    }
    net_store_sink(s, &c.store_sink);
    hnet_sink sink = { &c, w_start, w_name, w_chunk, w_end };
    hnet_rx *r = hnet_rx_new(&o.lim, &sink, o.keyfile ? &key : NULL);
    if (!r) {
        if (c.capture) fclose(c.capture);
        net_store_close(s);
        net_log("out of memory");
        return 1;
    }
    holonet_on_signals();
    int e = o.replay ? replay(r, &o) : serve(r, &c, &o);
    if (holonet_stop) net_log("interrupted: finalising %zu transfers", hnet_rx_count(r));
    hnet_rx_finish(r);   /* every transfer is finalised (decoded, kept or left in the store) */
    summary(r, s, &c);
    hnet_rx_free(r);
    net_store_close(s);
    if (c.capture) fclose(c.capture);
    return e ? 1 : 0;
bad:
    fprintf(stderr, "holonet rx: bad option value: %s\n", optarg);
    return 2;
bad_arg:
    usage(stderr);
    return 2;
}
