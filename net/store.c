/* store.c — validate and land completed chunks, name and adopt transfer directories, finalise
 * transfers (see store.h). All file operations are relative to one directory handle on the
 * receive root; nothing that existed before is ever replaced or deleted. */
#include "store.h"
#include "holo_ext.h"
#include "netutil.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MARKER ".holonet"
#define MAX_CANDIDATES 100
#define MAX_REJECT_LINES 10   /* per transfer that landed chunks; the rest are counted */

struct net_store {
    char base[4096];
    int basefd;
    net_mode mode;
    int do_fsync;
    uint64_t max_output;      /* largest decoded size a chunk header may claim */
    net_store_stats st;
};

typedef struct xstate {
    net_store *s;
    int dirfd;                /* -1 until the first chunk lands */
    char dir[300];            /* directory name inside base */
    int named;                /* dir carries the META name */
    int owned;                /* created by us for this transfer: may be removed after decode */
    int have_ref;
    holo_chunk_hdr ref;       /* first validated chunk: the transfer's geometry */
    uint8_t coarse[32];       /* sha256 of its coarse payload */
    uint32_t stored;          /* chunk files in dir */
    int finalised;
    int refused;              /* its first chunk claimed more than max_output: ignore it */
    uint32_t reject_lines;    /* reject lines logged (MAX_REJECT_LINES once it has landed) */
} xstate;

/* A line about a rejected chunk. Until a chunk of the transfer lands, anyone can cause it, so
 * it goes under the shared log budget; afterwards MAX_REJECT_LINES per transfer. */
static void __attribute__((format(printf, 3, 4)))
reject_log(xstate *x, const hnet_transfer *t, const char *fmt, ...)
{
    char line[1200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (x->dirfd < 0) {
        net_log_limited("transfer %u: %s", (unsigned)t->id, line);
    } else if (x->reject_lines < MAX_REJECT_LINES) {
        if (++x->reject_lines == MAX_REJECT_LINES)
            net_log("transfer %u: %s (further rejects of this transfer are only counted)",
                    (unsigned)t->id, line);
        else
            net_log("transfer %u: %s", (unsigned)t->id, line);
    }
}

/* ---- small file helpers ---------------------------------------------------------------- */
static int read_at(int dirfd, const char *name, size_t cap, uint8_t **out, size_t *len)
{
    int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return -errno;
    struct stat st;
    if (fstat(fd, &st) || !S_ISREG(st.st_mode) || (uint64_t)st.st_size > cap) {
        close(fd);
        return -EINVAL;
    }
    uint8_t *b = malloc(st.st_size ? (size_t)st.st_size : 1);
    size_t n = 0;
    while (b && n < (size_t)st.st_size) {
        ssize_t r = read(fd, b + n, (size_t)st.st_size - n);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        n += (size_t)r;
    }
    close(fd);
    if (!b || n != (size_t)st.st_size) {
        free(b);
        return -EIO;
    }
    *out = b;
    *len = n;
    return 0;
}

/* Write buf under `final` in dirfd without replacing anything: temporary name, then
 * renameat2(RENAME_NOREPLACE) (or link+unlink where that is unsupported).
 * 0 = written, 1 = `final` already exists (nothing written), < 0 = -errno. */
static int write_noreplace(int dirfd, const char *final, const uint8_t *buf, size_t len,
                           int do_fsync)
{
    char tmp[320];
    uint8_t rnd[6];
    net_random(rnd, sizeof rnd);
    /* the name cut to 200 bytes: the temporary fits NAME_MAX whatever final's length */
    snprintf(tmp, sizeof tmp, ".%.200s.tmp%02x%02x%02x%02x%02x%02x", final, rnd[0], rnd[1], rnd[2],
             rnd[3], rnd[4], rnd[5]);
    int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0) return -errno;
    int e = holo_write_all(fd, buf, len) ? -errno : 0;
    if (!e && do_fsync && fsync(fd)) e = -errno;
    if (close(fd) && !e) e = -errno;
    if (!e) {
        if (renameat2(dirfd, tmp, dirfd, final, RENAME_NOREPLACE) == 0) return 0;
        e = -errno;
        if (e == -EINVAL || e == -ENOSYS) {   /* filesystem without RENAME_NOREPLACE */
            e = linkat(dirfd, tmp, dirfd, final, 0) ? -errno : 0;
        }
    }
    unlinkat(dirfd, tmp, 0);
    return e == -EEXIST ? 1 : e;
}

static void marker_write(xstate *x, const hnet_transfer *t)
{
    char m[512];
    int n = snprintf(m, sizeof m, "holonet 1\nid %u\ntotal %u\nname %s\n", (unsigned)t->id,
                     (unsigned)t->total, t->name);
    /* our own file in our own directory: plain temp + rename (replacing) is fine */
    char tmp[64];
    snprintf(tmp, sizeof tmp, "%s.tmp%d", MARKER, (int)getpid());
    int fd = openat(x->dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0) return;
    int e = holo_write_all(fd, m, (size_t)n);
    close(fd);
    if (e || renameat(x->dirfd, tmp, x->dirfd, MARKER)) unlinkat(x->dirfd, tmp, 0);
}

/* Transfer id recorded in BASE/dir/.holonet, or -1 when there is no marker. */
static int64_t marker_id(int basefd, const char *dir)
{
    char path[400];
    snprintf(path, sizeof path, "%s/%s", dir, MARKER);
    uint8_t *b;
    size_t n;
    if (read_at(basefd, path, 4096, &b, &n)) return -1;
    int64_t id = -1;
    char txt[4097];
    memcpy(txt, b, n);
    txt[n] = 0;
    free(b);
    const char *p = strstr(txt, "\nid ");
    if (!strncmp(txt, "holonet 1\n", 10) && p) id = strtoll(p + 4, NULL, 10);
    return id;
}

/* ---- validation ----------------------------------------------------------------------- */
static void coarse_digest(const holo_chunk_hdr *h, const uint8_t *buf, uint8_t out[32])
{
    sha256(buf + h->coarse_off, h->coarse_len, out);
}

/* Chunk-format checks before a chunk may land (doc/transport.md §Receiver, item 5): the
 * library's chunk rules, the transfer's block count and our --max-output. 0 or -1 with why;
 * -2 when the header claims a decoded file larger than max_output (checked before any
 * payload is inflated). */
static int validate(const net_store *s, const hnet_transfer *t, const uint8_t *buf, size_t len,
                    holo_chunk_hdr *h, char *why, size_t whysz)
{
    holo_err err = { 0 };
    if (holo_chunk_parse(buf, len, "chunk", h, &err)) {
        snprintf(why, whysz, "%s", err.msg);
        return -1;
    }
    uint64_t claimed = holo_claimed_output(h);
    if (claimed > s->max_output) {
        snprintf(why, whysz, "its %s v%d header claims a %llu-byte file, more than --max-output %llu",
                 holo_kind_name(h->kind), h->version, (unsigned long long)claimed,
                 (unsigned long long)s->max_output);
        return -2;
    }
    if (h->block_count != t->total) {
        snprintf(why, whysz, "block count %u differs from total_chunks %u", h->block_count, t->total);
        return -1;
    }
    if (holo_chunk_check(buf, len, "chunk", h, &err)) {   /* payloads decode exactly */
        snprintf(why, whysz, "%s", err.msg);
        return -1;
    }
    return 0;
}

/* Does the chunk (h, coarse digest) belong with the reference of x? */
static int consistent(const xstate *x, const holo_chunk_hdr *h, const uint8_t coarse[32])
{
    if (!holo_chunk_same_set(&x->ref, h)) return 0;
    if (h->version <= 2 && memcmp(coarse, x->coarse, 32) != 0) return 0;
    return 1;
}

/* Scan BASE/dir: count the chunk files, take the first parseable one as reference. */
static void load_existing(net_store *s, xstate *x, const char *dir)
{
    int fd = openat(s->basefd, dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return;
    DIR *d = fdopendir(fd);
    if (!d) {
        close(fd);
        return;
    }
    struct dirent *e;
    x->stored = 0;
    x->have_ref = 0;
    while ((e = readdir(d))) {
        uint32_t id;
        if (hnet_chunk_name_parse(e->d_name, &id)) continue;
        uint8_t *b;
        size_t n;
        holo_chunk_hdr h;
        if (read_at(dirfd(d), e->d_name, HOLO_MAX_CHUNK_FILE, &b, &n)) continue;
        if (holo_chunk_parse(b, n, e->d_name, &h, NULL) == 0) {
            x->stored++;
            if (!x->have_ref) {
                x->ref = h;
                coarse_digest(&h, b, x->coarse);
                x->have_ref = 1;
            }
        }
        free(b);
    }
    closedir(d);
}

/* ---- directories ---------------------------------------------------------------------- */
/* Candidate i for a stem: i = 0 "photo.png", then "photo-2.png", "photo-3.png"... */
static int candidate(char *out, size_t outsz, const char *stem, int i, const char *suffix)
{
    int n;
    if (i == 0) {
        n = snprintf(out, outsz, "%s%s", stem, suffix);
    } else {
        const char *dot = strrchr(stem, '.');
        if (!dot || dot == stem) dot = stem + strlen(stem);
        n = snprintf(out, outsz, "%.*s-%d%s%s", (int)(dot - stem), stem, i + 1, dot, suffix);
    }
    return n > 0 && (size_t)n < outsz && n <= 255 ? 0 : -1;
}

/* The transfer's name when it may name entries of base, else NULL (use transfer_<id>). The
 * reassembler admits only names hnet_name_ok accepts (no '/' or '\\', no leading '.' so not
 * "." or "..", not empty, printable UTF-8); the store checks again, so no caller can make it
 * write outside base. It must leave room for "-NN" and ".holo" (or an extension) in NAME_MAX. */
static const char *usable_name(const hnet_transfer *t)
{
    size_t n = strnlen(t->name, sizeof t->name);
    if (n == sizeof t->name || n + 9 > 255 || !hnet_name_ok((const uint8_t *)t->name, n))
        return NULL;
    return t->name;
}

static void stem_of(const hnet_transfer *t, char *stem, size_t sz)
{
    if (usable_name(t)) snprintf(stem, sz, "%s", t->name);
    else snprintf(stem, sz, "transfer_%u", (unsigned)t->id);
}

/* holofs shows DIR X.holo as the file X: a store directory must not hide an entry X of any
 * type, so a name whose X exists counts as taken. */
static int shadows(const net_store *s, const char *dir)
{
    char plain[300];
    size_t n = strlen(dir);
    struct stat st;
    if (n <= 5 || n - 5 >= sizeof plain) return 0;
    memcpy(plain, dir, n - 5);
    plain[n - 5] = 0;
    return fstatat(s->basefd, plain, &st, AT_SYMLINK_NOFOLLOW) == 0 || errno != ENOENT;
}

static int open_dirfd(xstate *x, const char *dir)
{
    int fd = openat(x->s->basefd, dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return -1;
    x->dirfd = fd;
    snprintf(x->dir, sizeof x->dir, "%s", dir);
    return 0;
}

/* Adopt an existing directory if it holds no chunk or chunks of the same encoding. */
static int try_adopt(xstate *x, const char *dir, const holo_chunk_hdr *h, const uint8_t *coarse)
{
    xstate probe = *x;
    load_existing(x->s, &probe, dir);
    if (probe.have_ref && !consistent(&probe, h, coarse)) return -1;
    if (open_dirfd(x, dir)) return -1;
    x->stored = probe.stored;
    return 0;
}

/* Choose the directory when the first chunk of a transfer lands:
 * 1. a directory whose marker names this transfer id (rx restarted mid-transfer);
 * 2. the first free name among <stem>.holo, <stem>-2.holo, ... (created here), where an
 *    existing holonet directory holding the same encoding (same geometry and coarse view) is
 *    joined instead: a repeated send of the same file fills the same store.
 * Directories without a marker (user data, `holo encode` output) are never touched. */
static int ensure_dir(xstate *x, hnet_transfer *t, const holo_chunk_hdr *h, const uint8_t *coarse)
{
    net_store *s = x->s;
    if (x->dirfd >= 0) return 0;
    int fd = dup(s->basefd);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (d) {
        struct dirent *e;
        int found = 0;
        while (!found && (e = readdir(d))) {
            size_t n = strlen(e->d_name);
            if (n < 6 || strcmp(e->d_name + n - 5, ".holo") || e->d_name[0] == '.') continue;
            if (marker_id(s->basefd, e->d_name) == (int64_t)t->id && !shadows(s, e->d_name) &&
                try_adopt(x, e->d_name, h, coarse) == 0)
                found = 1;
        }
        closedir(d);
        if (found) {
            x->owned = 1;   /* created by holonet for this very transfer */
            x->named = strncmp(x->dir, "transfer_", 9) != 0;
            net_log("transfer %u: resuming in %s (%u chunks already stored)", (unsigned)t->id,
                    x->dir, (unsigned)x->stored);
            return 0;
        }
    } else if (fd >= 0) {
        close(fd);
    }
    char stem[300], dir[300];
    stem_of(t, stem, sizeof stem);
    for (int i = 0; i < MAX_CANDIDATES; i++) {
        if (candidate(dir, sizeof dir, stem, i, ".holo")) break;
        if (shadows(s, dir)) continue;   /* taken by the user's X */
        if (mkdirat(s->basefd, dir, 0755) == 0) {
            if (open_dirfd(x, dir)) {
                unlinkat(s->basefd, dir, AT_REMOVEDIR);
                return -1;
            }
            x->owned = 1;
            x->stored = 0;
            x->named = usable_name(t) && strcmp(stem, t->name) == 0;
            marker_write(x, t);
            net_log("transfer %u: started, %u chunks, storing into %s/%s", (unsigned)t->id,
                    (unsigned)t->total, s->base, dir);
            return 0;
        }
        if (errno != EEXIST) {
            net_log("transfer %u: cannot create %s/%s: %s", (unsigned)t->id, s->base, dir,
                    strerror(errno));
            return -1;
        }
        if (marker_id(s->basefd, dir) >= 0 && try_adopt(x, dir, h, coarse) == 0) {
            x->owned = 0;   /* another transfer's store: add to it, never remove it */
            x->named = usable_name(t) != NULL;
            marker_write(x, t);
            net_log("transfer %u: joining %s (same encoding, %u chunks already stored)",
                    (unsigned)t->id, x->dir, (unsigned)x->stored);
            return 0;
        }
    }
    net_log("transfer %u: no free directory name for %s", (unsigned)t->id, stem);
    return -1;
}

/* The name arrived after the directory was created as transfer_<id>.holo: rename it. */
static void rename_to_name(xstate *x, hnet_transfer *t)
{
    char dir[300];
    if (x->dirfd < 0 || x->named || !usable_name(t)) return;
    for (int i = 0; i < MAX_CANDIDATES; i++) {
        if (candidate(dir, sizeof dir, t->name, i, ".holo")) return;
        if (shadows(x->s, dir)) continue;
        if (renameat2(x->s->basefd, x->dir, x->s->basefd, dir, RENAME_NOREPLACE) == 0) {
            net_log("transfer %u: %s -> %s", (unsigned)t->id, x->dir, dir);
            snprintf(x->dir, sizeof x->dir, "%s", dir);
            x->named = 1;
            marker_write(x, t);
            return;
        }
        if (errno != EEXIST) return;
    }
}

/* "recovery_N.holo" as written by land_recovery. */
static int is_recovery_name(const char *n)
{
    size_t l = strlen(n);
    if (l < 15 || l > 30 || strncmp(n, "recovery_", 9) || strcmp(n + l - 5, ".holo")) return 0;
    for (size_t i = 9; i < l - 5; i++)
        if (n[i] < '0' || n[i] > '9') return 0;
    return 1;
}

/* Remove our chunk directory after a decode: only files we know, then the directory. */
static void remove_store(xstate *x)
{
    int fd = dup(x->dirfd);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d) {
        if (fd >= 0) close(fd);
        return;
    }
    struct dirent *e;
    uint32_t id;
    while ((e = readdir(d)))
        if (!hnet_chunk_name_parse(e->d_name, &id) || is_recovery_name(e->d_name) ||
            !strcmp(e->d_name, MARKER) ||
            (e->d_name[0] == '.' && strstr(e->d_name, ".tmp")))
            unlinkat(x->dirfd, e->d_name, 0);
    closedir(d);
    if (unlinkat(x->s->basefd, x->dir, AT_REMOVEDIR) == 0) x->dir[0] = 0;
}

/* ---- finalisation (best / strict) ------------------------------------------------------ */
/* The name the decoded file gets (without the "-N" of a taken name) and what is written under
 * it, by the rule holo decode applies to an output name (holo_output_for_name): the sender's
 * name when what the set gives has that name's format; when it does not (a JPEG sent as
 * photo.png, audio named x.png), the name plus the extension of what the set gives
 * (photo.png.jpg: the JPEG's bytes, not a PNG view of them); without a usable name
 * transfer_<id> and that extension. Never another format's bytes under a name. */
static int output_name(const hnet_transfer *t, const holo_decoded *d, char *stem, size_t sz)
{
    const char *ext = d->info.kind == HOLO_KIND_BINARY ? ".bin" : holo_output_ext(NULL, d);
    if (!usable_name(t)) {
        snprintf(stem, sz, "transfer_%u%s", (unsigned)t->id, ext);
    } else {
        snprintf(stem, sz, "%s", t->name);
        int how = holo_output_for_name(NULL, d, stem, NULL);
        int has_file = d->bytes && d->info.kind != HOLO_KIND_BINARY;
        if (how == HOLO_OUTPUT_FILE || (how == HOLO_OUTPUT_VIEW && !has_file))
            return how;
        snprintf(stem, sz, "%s%s", t->name, ext);
    }
    return holo_output_for_name(NULL, d, stem, NULL);
}

static void finalise(xstate *x, hnet_transfer *t)
{
    net_store *s = x->s;
    if (x->finalised || s->mode == NET_MODE_NONE) return;
    x->finalised = 1;
    t->finished = 1;
    if (x->dirfd < 0) {
        if (!x->refused)
            net_log_limited("transfer %u: no valid chunk received, nothing to decode",
                            (unsigned)t->id);
        return;
    }
    if (s->mode == NET_MODE_STRICT && x->stored < t->total) {
        net_log("transfer %u: strict mode: %u/%u chunks present, not decoded; kept %s/%s",
                (unsigned)t->id, (unsigned)x->stored, (unsigned)t->total, s->base, x->dir);
        s->st.kept++;
        return;
    }
    char path[4400];
    snprintf(path, sizeof path, "%s/%s", s->base, x->dir);
    holo_decode_opts o;
    holo_decode_opts_init(&o);
    o.strict = s->mode == NET_MODE_STRICT;
    holo_decoded d;
    holo_err err = { 0 };
    uint8_t *buf = NULL;
    size_t len = 0;
    memset(&d, 0, sizeof d);
    int e = holo_decode_dir(path, &o, &d, &err);
    char stem[300], out[300];
    if (!e) {
        int how = output_name(t, &d, stem, sizeof stem);
        if (how == HOLO_OUTPUT_FILE && (buf = malloc(d.info.length ? (size_t)d.info.length : 1))) {
            memcpy(buf, d.bytes, (size_t)d.info.length);
            len = (size_t)d.info.length;
        } else if (how != HOLO_OUTPUT_VIEW) {   /* how < 0: not reached, its own extension fits */
            e = how == HOLO_OUTPUT_FILE ? HOLO_ENOMEM : HOLO_EINVAL;
            snprintf(err.msg, sizeof err.msg, "%s", how == HOLO_OUTPUT_FILE ? "out of memory"
                                                    : "no output format fits the set");
        } else {
            e = holo_view_render(&d, holo_view_for_name(stem, d.info.kind), &buf, &len, &err);
        }
    }
    holo_decoded_free(&d);
    if (e) {
        net_log("transfer %u: decode failed: %s; kept %s/%s", (unsigned)t->id, err.msg, s->base,
                x->dir);
        s->st.decode_failed++;
        return;
    }
    int w = 1;
    for (int i = 0; i < MAX_CANDIDATES && w == 1; i++) {
        if (candidate(out, sizeof out, stem, i, "")) break;
        w = write_noreplace(s->basefd, out, buf, len, 1);
    }
    free(buf);
    if (w != 0) {
        net_log("transfer %u: cannot write the decoded file in %s: %s; kept %s", (unsigned)t->id,
                s->base, w == 1 ? "no free name" : strerror(-w), x->dir);
        s->st.decode_failed++;
        return;
    }
    s->st.decoded++;
    net_log("transfer %u: decoded %u/%u chunks into %s/%s", (unsigned)t->id, (unsigned)x->stored,
            (unsigned)t->total, s->base, out);
    if (x->owned) remove_store(x);
}

/* ---- sink callbacks ------------------------------------------------------------------- */
static void on_start(void *ctx, hnet_transfer *t)
{
    xstate *x = calloc(1, sizeof *x);
    if (!x) return;   /* without state every chunk of t is rejected (and counted) */
    x->s = ctx;
    x->dirfd = -1;
    t->user = x;
}

static void on_name(void *ctx, hnet_transfer *t)
{
    (void)ctx;
    xstate *x = t->user;
    /* before a chunk lands the name is anyone's claim: it shows in the "started" line */
    if (!x || x->dirfd < 0) return;
    net_log("transfer %u: name \"%s\", %u chunks", (unsigned)t->id, t->name, (unsigned)t->total);
    rename_to_name(x, t);
}

/* Store `buf` as `name` in x's directory without replacing: 0 landed, 1 identical copy already
 * there, < 0 rejected (I/O error or a different file under that name). */
static int land_file(net_store *s, xstate *x, hnet_transfer *t, uint32_t index, const char *name,
                     const uint8_t *buf, size_t len)
{
    int w = write_noreplace(x->dirfd, name, buf, len, s->do_fsync);
    if (w < 0) {
        s->st.io_errors++;
        net_log("transfer %u: %s/%s/%s: %s", (unsigned)t->id, s->base, x->dir, name, strerror(-w));
        return -1;
    }
    if (w == 1) {   /* already stored: fine if identical, else a conflict */
        uint8_t *old = NULL;
        size_t olen = 0;
        int same = read_at(x->dirfd, name, HOLO_MAX_CHUNK_FILE, &old, &olen) == 0 &&
                   olen == len && memcmp(old, buf, len) == 0;
        free(old);
        if (!same) {
            s->st.conflicts++;
            reject_log(x, t, "chunk %u: a different %s is already stored; kept the old one",
                       (unsigned)index, name);
            return -1;
        }
        s->st.identical++;
    } else {
        s->st.landed++;
    }
    return w;
}

/* A HORC recovery chunk (transport index HNET_REC_BASE + coded_id). It must parse completely
 * (magic, lengths, coefficients, payload inflating to S), carry the coded id of its index and
 * describe the encoding of the data chunks already landed (kind, version, B and, for v1/v2, the
 * slice length S = elem * ceil(N/B)). Until a data chunk has landed there is nothing to check
 * it against: it is refused, and a later loop brings it again. Stored as recovery_%04u.holo. */
static int land_recovery(net_store *s, xstate *x, hnet_transfer *t, uint32_t index,
                         const uint8_t *buf, size_t len)
{
    char why[900] = "";
    holo_err err = { 0 };
    uint32_t coded = 0;
    if (!hnet_is_recovery(index, t->total)) {
        snprintf(why, sizeof why, "a recovery chunk sent as block %u", (unsigned)index);
    } else if (!x->have_ref || x->dirfd < 0) {
        snprintf(why, sizeof why, "recovery chunk before any data chunk (kept for a later loop)");
    } else if (holo_recovery_check(buf, len, "recovery chunk", &x->ref, &coded, &err)) {
        snprintf(why, sizeof why, "%s", err.msg);
    } else if (coded != index - HNET_REC_BASE) {
        snprintf(why, sizeof why, "coded_id %u does not match transport index %u",
                 (unsigned)coded, (unsigned)index);
    }
    if (why[0]) {
        s->st.invalid++;
        reject_log(x, t, "chunk %u rejected: %s", (unsigned)index, why);
        return -1;
    }
    char name[40];
    snprintf(name, sizeof name, "recovery_%04u.holo", (unsigned)coded);
    int w = land_file(s, x, t, index, name, buf, len);
    if (w == 0) s->st.recovery++;
    return w;
}

static int on_chunk(void *ctx, hnet_transfer *t, uint32_t index, const uint8_t *buf, size_t len)
{
    net_store *s = ctx;
    xstate *x = t->user;
    holo_chunk_hdr h;
    char why[900];
    uint8_t coarse[32];
    if (!x) return -1;
    if (x->refused) {
        s->st.invalid++;
        return -1;
    }
    if (index >= t->total || (len >= 4 && memcmp(buf, "HORC", 4) == 0))
        return land_recovery(s, x, t, index, buf, len);
    int v = validate(s, t, buf, len, &h, why, sizeof why);
    if (v == -2 && x->dirfd < 0) {   /* nothing landed: refuse the whole transfer, one line */
        x->refused = 1;
        s->st.invalid++;
        s->st.refused++;
        net_log_limited("transfer %u: refused: chunk %u: %s", (unsigned)t->id, (unsigned)index, why);
        return -1;
    }
    if (v) {
        s->st.invalid++;
        reject_log(x, t, "chunk %u rejected: %s", (unsigned)index, why);
        return -1;
    }
    coarse_digest(&h, buf, coarse);
    if (x->dirfd < 0 && ensure_dir(x, t, &h, coarse)) {
        s->st.io_errors++;
        return -1;
    }
    if (!x->have_ref) {
        x->ref = h;
        memcpy(x->coarse, coarse, 32);
        x->have_ref = 1;
    } else if (!consistent(x, &h, coarse)) {
        s->st.invalid++;
        reject_log(x, t, "chunk %u rejected: not from the same encoding as its siblings",
                   (unsigned)index);
        return -1;
    }
    char name[32];
    hnet_chunk_name(name, h.block_id);
    int w = land_file(s, x, t, index, name, buf, len);
    if (w < 0) return -1;
    if (w == 0) x->stored++;
    if (x->stored >= t->total) {
        if (s->mode == NET_MODE_NONE) {
            if (w == 0)
                net_log("transfer %u: complete, %u/%u chunks in %s/%s", (unsigned)t->id,
                        (unsigned)x->stored, (unsigned)t->total, s->base, x->dir);
        } else {
            finalise(x, t);
        }
    }
    return w;
}

static void on_end(void *ctx, hnet_transfer *t, int why)
{
    (void)ctx;
    xstate *x = t->user;
    if (!x) return;
    if (why == HNET_END_EVICTED && x->dirfd >= 0)
        net_log("transfer %u: evicted (too many concurrent transfers)", (unsigned)t->id);
    if (x->s->mode != NET_MODE_NONE) finalise(x, t);
    else if (x->dirfd >= 0 && x->stored < t->total)
        net_log("transfer %u: idle with %u/%u chunks in %s/%s", (unsigned)t->id,
                (unsigned)x->stored, (unsigned)t->total, x->s->base, x->dir);
    if (x->dirfd >= 0) close(x->dirfd);
    free(x);
    t->user = NULL;
}

/* ---- public --------------------------------------------------------------------------- */
net_store *net_store_open(const char *base, net_mode mode, int do_fsync, char *msg, size_t msgsz)
{
    net_store *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(msg, msgsz, "out of memory");
        return NULL;
    }
    if (strlen(base) >= sizeof s->base) {
        snprintf(msg, msgsz, "%s: path too long", base);
        free(s);
        return NULL;
    }
    snprintf(s->base, sizeof s->base, "%s", base);
    s->basefd = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (s->basefd < 0) {
        snprintf(msg, msgsz, "%s: %s", base, strerror(errno));
        free(s);
        return NULL;
    }
    s->mode = mode;
    s->do_fsync = do_fsync;
    s->max_output = NET_MAX_OUTPUT_DEFAULT;
    return s;
}

void net_store_sink(net_store *s, hnet_sink *k)
{
    memset(k, 0, sizeof *k);
    k->ctx = s;
    k->on_start = on_start;
    k->on_name = on_name;
    k->on_chunk = on_chunk;
    k->on_end = on_end;
}

const net_store_stats *net_store_get_stats(const net_store *s) { return &s->st; }

void net_store_set_max_output(net_store *s, uint64_t bytes) { s->max_output = bytes; }

uint32_t net_store_stored(const hnet_transfer *t)
{
    const xstate *x = t->user;
    return x ? x->stored : 0;
}

const char *net_store_dir(const hnet_transfer *t)
{
    const xstate *x = t->user;
    return x && x->dirfd >= 0 ? x->dir : "";
}

void net_store_close(net_store *s)
{
    if (!s) return;
    close(s->basefd);
    free(s);
}
