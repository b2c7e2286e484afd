/* tx.c — `holonet tx`: send a file (encoded into a private temporary directory) or an existing
 * NAME.holo directory as one HNET transfer, repeated in loops.
 *
 *   holonet tx photo.png 127.0.0.1 --port 5000 --loops 3
 *
 * Each loop: one META, then every chunk in a fresh random order (or gain order with
 * --prefer-gain), each chunk as segments of --payload bytes. chunk_index = block id (the number
 * in chunk_NNNN.holo, ordered numerically), so indices stay right beyond 10000 chunks.
 * Recovery chunks (recovery_NNNN.holo, HORC) follow the data chunks in every loop, in coded_id
 * order, as chunk_index HNET_REC_BASE + coded_id.
 */
#include "holonet.h"
#include "hnet.h"
#include "holo_ext.h"
#include "netutil.h"
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64

typedef struct tx_chunk {
    uint32_t id;
    char name[64];
    uint8_t *data;
    size_t len;
} tx_chunk;

typedef struct tx_opts {
    const char *input, *host, *keyfile, *iface;
    unsigned port;
    long chunk_kb;
    uint64_t loops, payload, rate;
    double delay, recovery;
    int codec_version, prefer_gain, ttl;
} tx_opts;

typedef struct tx_sock {
    int fd;
    struct sockaddr_storage to;
    socklen_t tolen;
    uint8_t *bufs;            /* BATCH x payload */
    size_t lens[BATCH];
    int n;
    uint64_t sent, bytes;     /* flushed */
    uint64_t queued;          /* bytes in the batch, not yet flushed */
    double start;
    uint64_t seq;             /* keyed: last sequence number of this transfer */
} tx_sock;

static void usage(FILE *f)
{
    fputs("usage: holonet tx FILE|DIR.holo HOST [--port 5000] [--chunk-kb 32] [--loops 3]\n"
          "                  [--payload 1400] [--delay 0.0005 | --rate BYTES/S]\n"
          "                  [--codec-version N] [--recovery R] [--prefer-gain] [--ttl N]\n"
          "                  [--iface NAME] [--key FILE]\n", f);
}

static int cmp_id(const void *a, const void *b)
{
    const tx_chunk *x = a, *y = b;
    return x->id < y->id ? -1 : x->id > y->id;
}

static void free_chunks(tx_chunk *c, size_t n)
{
    for (size_t i = 0; i < n; i++) free(c[i].data);
    free(c);
}

/* Load every chunk_N.holo of dir, sorted by N. */
static int load_chunks(const char *dir, tx_chunk **out, size_t *count)
{
    DIR *d = opendir(dir);
    if (!d) {
        net_log("%s: %s", dir, strerror(errno));
        return -1;
    }
    tx_chunk *c = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    int rc = 0;
    while ((e = readdir(d))) {
        uint32_t id;
        if (hnet_chunk_name_parse(e->d_name, &id)) continue;
        if (n == cap) {
            tx_chunk *nc = realloc(c, (cap = cap ? cap * 2 : 64) * sizeof *c);
            if (!nc) { rc = -1; break; }
            c = nc;
        }
        char path[4400];
        holo_err err = { 0 };
        memset(&c[n], 0, sizeof c[n]);
        c[n].id = id;
        snprintf(c[n].name, sizeof c[n].name, "%.63s", e->d_name);
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (holo_read_file(path, HOLO_MAX_CHUNK_FILE, &c[n].data, &c[n].len, &err)) {
            net_log("%s", err.msg);
            rc = -1;
            break;
        }
        n++;
    }
    closedir(d);
    if (rc) {
        free_chunks(c, n);
        return -1;
    }
    if (n == 0) {
        net_log("%s: no chunk_*.holo files", dir);
        free(c);
        return -1;
    }
    qsort(c, n, sizeof *c, cmp_id);
    for (size_t i = 1; i < n; i++)
        if (c[i].id == c[i - 1].id) {
            net_log("%s: %s and %s have the same block number", dir, c[i - 1].name, c[i].name);
            free_chunks(c, n);
            return -1;
        }
    *out = c;
    *count = n;
    return 0;
}

/* Load dir's recovery_*.holo whose header matches the data chunks (ref): id = HNET_REC_BASE +
 * coded_id. Others are skipped with a warning. *count may be 0. */
static int load_recovery(const char *dir, const holo_chunk_hdr *ref, tx_chunk **out,
                         size_t *count)
{
    size_t nn = 0, n = 0;
    char **names = holo_recovery_list(dir, &nn);
    *out = NULL;
    *count = 0;
    if (!names) return 0;
    tx_chunk *c = calloc(nn, sizeof *c);
    if (!c) {
        holo_recovery_list_free(names);
        return -1;
    }
    for (size_t i = 0; i < nn; i++) {
        char path[4400];
        holo_err err = { 0 };
        tx_chunk *k = &c[n];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        snprintf(k->name, sizeof k->name, "%.63s", names[i]);
        if (holo_read_file(path, HOLO_MAX_CHUNK_FILE, &k->data, &k->len, &err)) {
            net_log("warning: %s; not sent", err.msg);
            continue;
        }
        uint32_t coded = 0;
        if (!holo_recovery_peek(k->data, k->len, k->len, ref, &coded) || coded >= HNET_REC_MAX) {
            net_log("warning: %s: not a recovery chunk of this encoding; not sent", path);
            free(k->data);
            k->data = NULL;
            continue;
        }
        k->id = HNET_REC_BASE + coded;
        n++;
    }
    holo_recovery_list_free(names);
    qsort(c, n, sizeof *c, cmp_id);
    for (size_t i = 1; i < n; i++)
        if (c[i].id == c[i - 1].id) {
            net_log("%s: %s and %s have the same coded_id", dir, c[i - 1].name, c[i].name);
            free_chunks(c, n);
            return -1;
        }
    if (!n) {
        free(c);
        c = NULL;
    }
    *out = c;
    *count = n;
    return 0;
}

/* Gain order: the codec's chunk list with prefer_gain (manifest, else .meta scores). */
static size_t *gain_order(const char *dir, const tx_chunk *c, size_t n)
{
    holo_decode_opts o;
    holo_decode_opts_init(&o);
    o.prefer_gain = 1;
    holo_chunklist l;
    size_t *ord = malloc(n * sizeof *ord), k = 0;
    if (!ord || holo_chunklist_scan(dir, &o, &l, NULL)) {
        free(ord);
        return NULL;
    }
    for (size_t i = 0; i < l.n && k < n; i++)
        for (size_t j = 0; j < n; j++)
            if (!strcmp(l.files[i].name, c[j].name)) { ord[k++] = j; break; }
    holo_chunklist_free(&l);
    if (k != n) {
        free(ord);
        return NULL;
    }
    return ord;
}

/* ---- sending ---------------------------------------------------------------------------- */
static void flush(tx_sock *s, size_t payload)
{
    struct mmsghdr mm[BATCH];
    struct iovec iov[BATCH];
    int done = 0;
    for (int i = 0; i < s->n; i++) {
        iov[i] = (struct iovec){ s->bufs + (size_t)i * payload, s->lens[i] };
        mm[i].msg_hdr = (struct msghdr){ .msg_name = &s->to, .msg_namelen = s->tolen,
                                         .msg_iov = &iov[i], .msg_iovlen = 1 };
    }
    while (done < s->n) {
        int r = sendmmsg(s->fd, mm + done, (unsigned)(s->n - done), 0);
        if (r < 0) {
            if (errno == EINTR || errno == ENOBUFS || errno == EAGAIN) {
                if (holonet_stop) break;
                struct timespec ts = { 0, 200000 };
                nanosleep(&ts, NULL);
                continue;
            }
            /* ICMP errors (ECONNREFUSED) and the like: UDP is fire and forget, skip it */
            done++;
            continue;
        }
        for (int i = 0; i < r; i++) s->bytes += s->lens[done + i];
        s->sent += (uint64_t)r;
        done += r;
    }
    s->n = 0;
    s->queued = 0;
}

static void sleep_s(double s)
{
    if (s <= 0) return;
    struct timespec ts = { (time_t)s, (long)((s - (double)(time_t)s) * 1e9) };
    while (nanosleep(&ts, &ts) && errno == EINTR && !holonet_stop) {}
}

/* Queue one datagram (header + payload + the keyed trailer), then pace. */
static void emit(tx_sock *s, const tx_opts *o, const hmac_sha256_key *key, const hnet_hdr *h,
                 const uint8_t *p, size_t n)
{
    uint8_t *b = s->bufs + (size_t)s->n * o->payload;
    hnet_pack(b, h);
    if (n) memcpy(b + HNET_HDR, p, n);
    size_t len = HNET_HDR + n;
    if (key) {
        hnet_auth_append(key, b, len, (uint64_t)net_wall_ms(), ++s->seq);
        len += HNET_AUTH;
    }
    s->lens[s->n++] = len;
    s->queued += len;
    int is_data = h->type == HNET_DATA;
    if (o->rate) {   /* a datagram may leave once the bytes before it fit the rate */
        double due = s->start + (double)(s->bytes + s->queued - len) / (double)o->rate;
        double now = net_now_s();
        if (due > now) {
            flush(s, o->payload);
            sleep_s(due - now);
        } else if (s->n == BATCH) {
            flush(s, o->payload);
        }
    } else if (o->delay > 0) {
        flush(s, o->payload);
        if (is_data) sleep_s(o->delay);
    } else if (s->n == BATCH) {
        flush(s, o->payload);
    }
}

static int open_socket(tx_sock *s, const tx_opts *o)
{
    char msg[512];
    if (net_resolve(o->host, o->port, &s->to, &s->tolen, msg, sizeof msg)) {
        net_log("%s", msg);
        return -1;
    }
    s->fd = socket(s->to.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s->fd < 0) {
        net_log("socket: %s", strerror(errno));
        return -1;
    }
    int big = 4 << 20;
    setsockopt(s->fd, SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
    int v6 = s->to.ss_family == AF_INET6;
    if (net_is_multicast((struct sockaddr *)&s->to)) {
        int ttl = o->ttl >= 0 ? o->ttl : 1;
        unsigned ifi = 0;
        if (o->iface && !(ifi = if_nametoindex(o->iface))) {
            net_log("%s: no such interface", o->iface);
            return -1;
        }
        if (v6) {
            setsockopt(s->fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &ttl, sizeof ttl);
            if (ifi) setsockopt(s->fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &ifi, sizeof ifi);
        } else {
            setsockopt(s->fd, IPPROTO_IP, IP_MULTICAST_TTL, &ttl, sizeof ttl);
            if (ifi) {
                struct ip_mreqn m = { .imr_ifindex = (int)ifi };
                setsockopt(s->fd, IPPROTO_IP, IP_MULTICAST_IF, &m, sizeof m);
            }
        }
    } else {
        if (o->ttl >= 0) {
            if (v6) setsockopt(s->fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &o->ttl, sizeof o->ttl);
            else setsockopt(s->fd, IPPROTO_IP, IP_TTL, &o->ttl, sizeof o->ttl);
        }
        if (o->iface && setsockopt(s->fd, SOL_SOCKET, SO_BINDTODEVICE, o->iface,
                                   (socklen_t)strlen(o->iface))) {
            net_log("%s: %s", o->iface, strerror(errno));
            return -1;
        }
    }
    return 0;
}

static int send_transfer(const tx_opts *o, const char *dir, const char *name,
                         const hmac_sha256_key *key)
{
    tx_chunk *c, *rc = NULL;
    size_t n, nr = 0;
    holo_chunk_hdr ref;
    if (load_chunks(dir, &c, &n)) return -1;
    size_t seg = o->payload - HNET_HDR - (key ? HNET_AUTH : 0);
    uint64_t total = c[n - 1].id + 1ull, bytes = 0, dgrams = 0;
    /* a partial directory still announces its full block count */
    for (size_t i = 0; i < n; i++) {
        holo_chunk_hdr h;
        holo_err err = { 0 };
        /* v1-v3 HOCH, HOAU, HOBI and our HOV4 (reference receivers decode only v1/v2) */
        if (holo_chunk_parse(c[i].data, c[i].len, c[i].name, &h, &err)) {
            net_log("%s/%s: %s; holonet sends only HOCH, HOAU, HOBI and HOV4 chunks",
                    dir, c[i].name, err.msg);
            free_chunks(c, n);
            return -1;
        }
        if (i == 0) ref = h;
        else if (!holo_chunk_same_set(&ref, &h)) {
            net_log("%s: %s and %s are not from the same encoding", dir, c[0].name, c[i].name);
            free_chunks(c, n);
            return -1;
        }
        if (h.block_count > total) total = h.block_count;
        uint64_t segs = c[i].len ? (c[i].len + seg - 1) / seg : 1;
        if (segs > 65535) {
            net_log("%s: %zu bytes need %llu segments of %zu bytes (at most 65535); raise "
                    "--payload or lower --chunk-kb", c[i].name, c[i].len,
                    (unsigned long long)segs, seg);
            free_chunks(c, n);
            return -1;
        }
        bytes += c[i].len;
        dgrams += segs;
    }
    if (total >= HNET_REC_BASE) {
        net_log("%s: too many chunks", dir);
        free_chunks(c, n);
        return -1;
    }
    if (load_recovery(dir, &ref, &rc, &nr)) {
        free_chunks(c, n);
        return -1;
    }
    for (size_t i = 0; i < nr; i++) {
        uint64_t segs = rc[i].len ? (rc[i].len + seg - 1) / seg : 1;
        if (segs > 65535) {
            net_log("%s: %zu bytes need more than 65535 segments; raise --payload", rc[i].name,
                    rc[i].len);
            free_chunks(c, n);
            free_chunks(rc, nr);
            return -1;
        }
        bytes += rc[i].len;
        dgrams += segs;
    }
    size_t nlen = strlen(name);
    if (HNET_HDR + nlen + (key ? HNET_AUTH : 0) > o->payload || nlen > HNET_NAME_MAX) {
        net_log("warning: the name \"%s\" does not fit in a %llu-byte META; sending it without "
                "a name (receivers use transfer_<id>)", name, (unsigned long long)o->payload);
        nlen = 0;
    } else if (!hnet_name_ok((const uint8_t *)name, nlen)) {
        net_log("warning: \"%s\" is not a safe file name; holofs receivers will use "
                "transfer_<id>", name);
    }
    size_t *gain = o->prefer_gain ? gain_order(dir, c, n) : NULL;
    if (o->prefer_gain && !gain) net_log("warning: no gain order in %s; using random order", dir);
    uint32_t id = 0;
    /* never 0 (doc/transport.md §Receiver rules, item 10) */
    while (!id) net_random(&id, sizeof id);

    tx_sock s = { .fd = -1 };
    size_t *ord = malloc(n * sizeof *ord);
    s.bufs = malloc((size_t)BATCH * o->payload);
    int ret = 0;
    if (!ord || !s.bufs || open_socket(&s, o)) {
        ret = -1;
        goto out;
    }
    char to[128];
    net_addr_str((struct sockaddr *)&s.to, to, sizeof to);
    net_log("sending \"%s\" to %s: transfer_id=%u, %zu chunks (total %llu) + %zu recovery, "
            "%llu bytes, %llu datagrams per loop, payload %llu, loops %llu", name, to,
            (unsigned)id, n, (unsigned long long)total, nr, (unsigned long long)bytes, (unsigned long long)dgrams + 1,
            (unsigned long long)o->payload, (unsigned long long)o->loops);
    s.start = net_now_s();
    for (uint64_t loop = 0; loop < o->loops && !holonet_stop; loop++) {
        hnet_hdr h = { HNET_VERSION, HNET_META, id, (uint32_t)total, 0, 0, 0 };
        emit(&s, o, key, &h, (const uint8_t *)name, nlen);
        for (size_t i = 0; i < n; i++) ord[i] = gain ? gain[i] : i;
        if (!gain) {   /* a fresh Fisher-Yates shuffle each loop */
            for (size_t i = n; i > 1; i--) {
                uint64_t r;
                net_random(&r, sizeof r);
                size_t j = (size_t)(r % i), t = ord[i - 1];
                ord[i - 1] = ord[j];
                ord[j] = t;
            }
        }
        for (size_t k = 0; k < n + nr && !holonet_stop; k++) {
            const tx_chunk *ck = k < n ? &c[ord[k]] : &rc[k - n];   /* recovery last */
            size_t segs = ck->len ? (ck->len + seg - 1) / seg : 1;
            for (size_t i = 0; i < segs && !holonet_stop; i++) {
                size_t off = i * seg, len = ck->len - off < seg ? ck->len - off : seg;
                hnet_hdr d = { HNET_VERSION, HNET_DATA, id, (uint32_t)total, ck->id,
                               (uint16_t)i, (uint16_t)segs };
                emit(&s, o, key, &d, ck->data + off, len);
            }
            if (net_log_tty())
                net_bar("loop %llu/%llu  %zu/%zu chunks  %llu datagrams",
                        (unsigned long long)loop + 1, (unsigned long long)o->loops, k + 1, n + nr,
                        (unsigned long long)s.sent + (unsigned long long)s.n);
        }
        flush(&s, o->payload);
        net_log("loop %llu/%llu sent", (unsigned long long)loop + 1, (unsigned long long)o->loops);
    }
    flush(&s, o->payload);
    double el = net_now_s() - s.start;
    net_log("%s: %llu datagrams, %llu bytes in %.3f s (%.0f datagrams/s, %.2f MB/s)",
            holonet_stop ? "interrupted" : "done", (unsigned long long)s.sent,
            (unsigned long long)s.bytes, el, el > 0 ? (double)s.sent / el : 0,
            el > 0 ? (double)s.bytes / el / 1e6 : 0);
    if (holonet_stop) ret = -1;
out:
    if (s.fd >= 0) close(s.fd);
    free(s.bufs);
    free(ord);
    free(gain);
    free_chunks(c, n);
    free_chunks(rc, nr);
    return ret;
}

/* Parity of a binary v4 encode when --recovery is not given: ceil(k/4) chunks. */
#define TX_BINARY4_RECOVERY 0.25

int holonet_tx_main(int argc, char **argv)
{
    tx_opts o = { .port = 5000, .chunk_kb = 32, .loops = 3, .payload = 1400, .delay = 0.0005,
                  .codec_version = 2, .ttl = -1 };
    static const struct option lo[] = {
        { "port", 1, 0, 'p' }, { "chunk-kb", 1, 0, 'c' }, { "loops", 1, 0, 'l' },
        { "payload", 1, 0, 'P' }, { "delay", 1, 0, 'd' }, { "rate", 1, 0, 'r' },
        { "codec-version", 1, 0, 'V' }, { "recovery", 1, 0, 'R' }, { "prefer-gain", 0, 0, 'g' }, { "ttl", 1, 0, 't' },
        { "iface", 1, 0, 'I' }, { "key", 1, 0, 'k' }, { "help", 0, 0, 'h' }, { 0, 0, 0, 0 } };
    int ch, recovery_given = 0;
    uint64_t v;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        switch (ch) {
        case 'p': if (net_parse_port(optarg, &o.port)) goto bad; break;
        case 'c': if (net_parse_u64(optarg, &v) || !v || v > 1u << 20) goto bad;
            o.chunk_kb = (long)v; break;
        case 'l': if (net_parse_u64(optarg, &o.loops) || !o.loops) goto bad; break;
        case 'P': if (net_parse_u64(optarg, &o.payload) || o.payload > HNET_MAX_DGRAM) goto bad;
            break;
        case 'd': if (net_parse_double(optarg, &o.delay) || o.delay < 0 || o.delay > 60) goto bad;
            break;
        case 'r': if (net_parse_u64(optarg, &o.rate)) goto bad; break;
        case 'V': if (net_parse_u64(optarg, &v) || v < 1 || v > 4) goto bad;
            o.codec_version = (int)v; break;
        case 'R': if (net_parse_double(optarg, &o.recovery) || !(o.recovery >= 0) ||
                      o.recovery > 16) goto bad;
            recovery_given = 1;
            break;
        case 'g': o.prefer_gain = 1; break;
        case 't': if (net_parse_u64(optarg, &v) || v > 255) goto bad; o.ttl = (int)v; break;
        case 'I': o.iface = optarg; break;
        case 'k': o.keyfile = optarg; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (argc - optind != 2) {
        usage(stderr);
        return 2;
    }
    o.input = argv[optind];
    o.host = argv[optind + 1];
    net_log_init("tx");
    if (o.payload <= HNET_HDR + (o.keyfile ? HNET_AUTH : 0)) {
        net_log("--payload %llu leaves no room for data (header %d%s bytes)",
                (unsigned long long)o.payload, HNET_HDR, o.keyfile ? " + keyed trailer 48" : "");
        return 2;
    }
    hmac_sha256_key key;
    char msg[600];
    if (o.keyfile && hnet_key_load(o.keyfile, &key, msg, sizeof msg)) {
        net_log("%s", msg);
        return 1;
    }
    holonet_on_signals();
    struct stat st;
    if (stat(o.input, &st)) {
        net_log("%s: %s", o.input, strerror(errno));
        return 1;
    }
    char *copy = strdup(o.input), name[512];
    if (!copy) return 1;
    size_t cl = strlen(copy);
    while (cl > 1 && copy[cl - 1] == '/') copy[--cl] = 0;
    snprintf(name, sizeof name, "%s", basename(copy));
    free(copy);
    int rc;
    if (S_ISDIR(st.st_mode)) {   /* an existing NAME.holo is sent as is */
        size_t nl = strlen(name);
        if (nl > 5 && !strcmp(name + nl - 5, ".holo")) name[nl - 5] = 0;
        rc = send_transfer(&o, o.input, name, o.keyfile ? &key : NULL);
    } else {
        /* a private temporary directory, never <input>.holo next to the input
         * (doc/transport.md §Receiver rules, item 11) */
        char tmp[4096], out[4700];
        const char *td = getenv("TMPDIR");
        snprintf(tmp, sizeof tmp, "%s/holonet-tx.XXXXXX", td && *td ? td : "/tmp");
        if (!mkdtemp(tmp)) {
            net_log("%s: %s", tmp, strerror(errno));
            return 1;
        }
        snprintf(out, sizeof out, "%s/%s.holo", tmp, name);
        holo_encode_opts eo;
        holo_encode_opts_init(&eo);
        eo.chunk_kb = o.chunk_kb;
        eo.codec_version = o.codec_version;
        eo.recovery = o.recovery;
        /* Binary v4 over a lossy link: any k of n chunks rebuild the file, so parity is what
         * makes a loop that lost chunks still complete; 0.25 by default (holonet(1)). */
        if (o.codec_version == 4 && !recovery_given && holo_detect_mode(o.input) == HOLO_KIND_BINARY)
            eo.recovery = TX_BINARY4_RECOVERY;
        /* a JPEG crosses a lossy link with tiers sized for the quality floors (HO4J robust) */
        eo.robust = 1;
        holo_err err = { 0 };
        double t0 = net_now_s();
        rc = holo_encode_file(o.input, out, &eo, &err);
        if (rc) net_log("%s", err.msg);
        else if (!holonet_stop) {
            net_log("encoded %s in %.2f s", o.input, net_now_s() - t0);
            rc = send_transfer(&o, out, name, o.keyfile ? &key : NULL);
        }
        holo_rmtree(tmp);
    }
    return rc ? 1 : 0;
bad:
    fprintf(stderr, "holonet tx: bad option value: %s\n", optarg);
    return 2;
}
