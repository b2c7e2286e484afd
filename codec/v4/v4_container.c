/* v4_container.c — the one place a v4-family chunk set (HO4B, HO4J, HO4A; not HOV4 images) is
 * written and read: header layout, streaming writer with Reed-Solomon parity computed over
 * column windows, and a reader that serves byte ranges of a protected tier from data rows or
 * rebuilds just the needed columns from any m chunks. Layout: v4_container.h, holo(5). */
#include "internal.h"
#include "v4_container.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

/* Column window of the writer and the recovering reader: bounded memory per row. */
#define V4C_WINDOW (1u << 20)

static uint64_t rd64(const uint8_t *p) { return (uint64_t)holo_rd32(p) << 32 | holo_rd32(p + 4); }
static void wr64(uint8_t *p, uint64_t v) { holo_wr32(p, (uint32_t)(v >> 32)); holo_wr32(p + 4, (uint32_t)v); }
static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static void wr16(uint8_t *p, unsigned v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }

/* zlib's crc32 takes uInt lengths. */
static uint32_t crc_update(uint32_t crc, const uint8_t *p, uint64_t len)
{
    while (len) {
        uInt n = len > (1u << 30) ? (1u << 30) : (uInt)len;
        crc = (uint32_t)crc32(crc, p, n);
        p += n;
        len -= n;
    }
    return crc;
}

int v4c_probe(const uint8_t *buf, size_t len)
{
    return len >= 5 && !memcmp(buf, "HO4", 3) && buf[3] >= 'A' && buf[3] <= 'Z' && buf[3] != 'V';
}

uint64_t v4c_row_len(const v4c_hdr *h, unsigned t)
{
    return t < h->ntiers && h->m[t] ? (h->S[t] + h->m[t] - 1) / h->m[t] : 0;
}

uint64_t v4c_row_off(const v4c_hdr *h, unsigned t)
{
    uint64_t off = V4C_HDR_LEN;
    for (unsigned u = 0; u < t; u++) off += v4c_row_len(h, u);
    return off;
}

void v4c_hdr_emit(const v4c_hdr *h, uint8_t out[V4C_HDR_LEN])
{
    memset(out, 0, V4C_HDR_LEN);
    memcpy(out, h->magic, 4);
    out[4] = h->revision;
    out[5] = h->flags;
    wr16(out + 6, h->n);
    wr16(out + 8, h->id);
    wr64(out + 10, h->content_id);
    memcpy(out + 18, h->sha256, 32);
    wr64(out + 50, h->length);
    out[58] = h->ntiers;
    for (unsigned t = 0; t < V4C_MAX_TIERS; t++) {
        wr16(out + 60 + 10 * t, h->m[t]);
        wr64(out + 62 + 10 * t, h->S[t]);
    }
    holo_wr32(out + 100, h->u_len);
    holo_wr32(out + 104, h->crc_rows);
    holo_wr32(out + 108, h->crc_head);
}

int v4c_hdr_parse(const uint8_t *buf, size_t len, uint64_t file_size, const char *name,
                  v4c_hdr *h, holo_err *err)
{
    memset(h, 0, sizeof *h);
    if (len < V4C_HDR_LEN)
        return holo_seterr(err, HOLO_EINVAL, "%s: truncated v4 header (%zu of %d bytes)", name, len,
                           V4C_HDR_LEN);
    if (!v4c_probe(buf, len))
        return holo_seterr(err, HOLO_EINVAL, "%s: not a v4 container chunk (bad magic)", name);
    memcpy(h->magic, buf, 4);
    h->revision = buf[4];
    h->flags = buf[5];
    h->n = rd16(buf + 6);
    h->id = rd16(buf + 8);
    h->content_id = rd64(buf + 10);
    memcpy(h->sha256, buf + 18, 32);
    h->length = rd64(buf + 50);
    h->ntiers = buf[58];
    h->u_len = holo_rd32(buf + 100);
    h->crc_rows = holo_rd32(buf + 104);
    h->crc_head = holo_rd32(buf + 108);
    if (h->revision != V4C_REVISION)
        return holo_seterr(err, HOLO_EUNSUPPORTED, "%s: v4 container revision %u (only %d is known)",
                           name, h->revision, V4C_REVISION);
    if (h->n < 1 || h->n > V4C_MAX_CHUNKS || h->id >= h->n)
        return holo_seterr(err, HOLO_EINVAL, "%s: chunk id %u of %u is out of range", name, h->id, h->n);
    if (h->ntiers > V4C_MAX_TIERS || buf[59] != 0)
        return holo_seterr(err, HOLO_EINVAL, "%s: %u tiers (at most %d)", name, h->ntiers, V4C_MAX_TIERS);
    if (h->length > HOLO_MAX_BINARY)
        return holo_seterr(err, HOLO_EINVAL, "%s: original length %llu exceeds the cap", name,
                           (unsigned long long)h->length);
    if (h->u_len > V4C_MAX_U)
        return holo_seterr(err, HOLO_EINVAL, "%s: U share of %u bytes exceeds the cap", name, h->u_len);
    uint64_t total = V4C_HDR_LEN, m1 = 0;
    for (unsigned t = 0; t < V4C_MAX_TIERS; t++) {
        h->m[t] = rd16(buf + 60 + 10 * t);
        h->S[t] = rd64(buf + 62 + 10 * t);
        if (t >= h->ntiers) {
            if (h->m[t] || h->S[t])
                return holo_seterr(err, HOLO_EINVAL, "%s: unused tier slot %u is not zero", name, t);
            continue;
        }
        /* S <= 2^40 keeps every sum below in 64 bits; real tiers are capped far lower. */
        if (h->m[t] < 1 || h->m[t] > h->n || h->S[t] > (1ull << 40))
            return holo_seterr(err, HOLO_EINVAL, "%s: tier %u has m = %u, %llu bytes (n = %u)", name,
                               t, h->m[t], (unsigned long long)h->S[t], h->n);
        total += v4c_row_len(h, t);
        if (h->m[t] == 1) m1 += h->S[t];
    }
    if (m1 > V4C_MAX_M1)
        return holo_seterr(err, HOLO_EINVAL, "%s: %llu replicated bytes exceed the cap", name,
                           (unsigned long long)m1);
    total += h->u_len;
    if (file_size && total != file_size)
        return holo_seterr(err, HOLO_EINVAL, "%s: chunk is %llu bytes, its header declares %llu",
                           name, (unsigned long long)file_size, (unsigned long long)total);
    return 0;
}

/* ---- writer ----------------------------------------------------------------------------- */
static int write_all(int fd, const uint8_t *p, size_t len)
{
    while (len) {
        ssize_t w = write(fd, p, len);
        if (w < 0) { if (errno == EINTR) continue; return -1; }
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

/* Stream bytes [off, off+len) of a source, zero past S. */
static int source_read(const v4c_source *s, uint64_t off, uint8_t *buf, size_t len)
{
    size_t have = off >= s->S ? 0 : (s->S - off < len ? (size_t)(s->S - off) : len);
    if (have) {
        if (s->mem) memcpy(buf, s->mem + off, have);
        else if (!s->read || s->read(s->ctx, off, buf, have)) return -1;
    }
    memset(buf + have, 0, len - have);
    return 0;
}

typedef struct wstate {
    int fd[V4C_MAX_CHUNKS];
    uint32_t crc_rows[V4C_MAX_CHUNKS];
    uint32_t crc_m1;          /* CRC of the replicated rows, the same in every chunk */
    uint64_t m1_len;
} wstate;

static int put(wstate *w, unsigned i, const uint8_t *p, size_t len)
{
    w->crc_rows[i] = crc_update(w->crc_rows[i], p, len);
    return write_all(w->fd[i], p, len);
}

/* One tier: column windows [x, x+win); data row j to chunk j, parity rows accumulated. */
static int write_tier(wstate *w, const v4c_spec *sp, const v4c_source *src, const char *dir,
                      holo_err *err)
{
    unsigned n = sp->n, m = src->m;
    uint64_t R = (src->S + m - 1) / m;
    size_t win = V4C_WINDOW;
    if (win > R) win = R ? (size_t)R : 1;
    uint8_t *data = malloc(win), *par = n > m && m > 1 ? malloc((size_t)(n - m) * win) : NULL;
    if (!data || (n > m && m > 1 && !par)) { free(data); free(par); return holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", dir); }
    int rc = 0;
    for (uint64_t x = 0; x < R && !rc; x += win) {
        size_t cw = R - x < win ? (size_t)(R - x) : win;
        if (m == 1) {   /* replicated verbatim into every chunk */
            if (source_read(src, x, data, cw)) { rc = holo_seterr(err, HOLO_EIO, "%s: cannot read the stream to protect", dir); break; }
            w->crc_m1 = crc_update(w->crc_m1, data, cw);
            for (unsigned i = 0; i < n && !rc; i++)
                if (put(w, i, data, cw)) rc = holo_seterr_sys(err, errno, "%s: chunk %u", dir, i);
            continue;
        }
        if (par) memset(par, 0, (size_t)(n - m) * cw);
        for (unsigned j = 0; j < m && !rc; j++) {
            if (source_read(src, (uint64_t)j * R + x, data, cw)) { rc = holo_seterr(err, HOLO_EIO, "%s: cannot read the stream to protect", dir); break; }
            if (put(w, j, data, cw)) { rc = holo_seterr_sys(err, errno, "%s: chunk %u", dir, j); break; }
            for (unsigned p = 0; p < n - m; p++)
                v4_rs_mul_add(par + (size_t)p * cw, data, cw, v4_rs_coef(m + p, j));
        }
        for (unsigned p = 0; p < n - m && !rc; p++)
            if (put(w, m + p, par + (size_t)p * cw, cw)) rc = holo_seterr_sys(err, errno, "%s: chunk %u", dir, m + p);
    }
    if (m == 1) w->m1_len += R;
    free(data);
    free(par);
    return rc;
}

int v4c_write(const char *dir, const v4c_spec *sp, holo_err *err)
{
    if (sp->n < 1 || sp->n > V4C_MAX_CHUNKS || sp->ntiers > V4C_MAX_TIERS)
        return holo_seterr(err, HOLO_EINVAL, "%s: %u chunks, %u tiers (1-255, at most 4)", dir, sp->n, sp->ntiers);
    v4c_hdr h = { .revision = V4C_REVISION, .flags = sp->flags, .n = (uint16_t)sp->n,
                  .content_id = sp->content_id, .length = sp->length, .ntiers = (uint8_t)sp->ntiers };
    memcpy(h.magic, sp->magic, 4);
    memcpy(h.sha256, sp->sha256, 32);
    for (unsigned t = 0; t < sp->ntiers; t++) {
        if (sp->tier[t].m < 1 || sp->tier[t].m > sp->n)
            return holo_seterr(err, HOLO_EINVAL, "%s: tier %u has m = %u for %u chunks", dir, t, sp->tier[t].m, sp->n);
        h.m[t] = (uint16_t)sp->tier[t].m;
        h.S[t] = sp->tier[t].S;
    }
    wstate *w = calloc(1, sizeof *w);
    if (!w) return holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", dir);
    int rc = 0;
    unsigned opened = 0;
    uint8_t hb[V4C_HDR_LEN] = { 0 };
    char path[PATH_MAX], name[32];
    for (; opened < sp->n; opened++) {
        snprintf(name, sizeof name, "chunk_%04u.holo", opened);
        if (holo_path_join(path, sizeof path, dir, name) < 0) { rc = holo_seterr(err, HOLO_EINVAL, "%s: path too long", dir); break; }
        w->fd[opened] = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (w->fd[opened] < 0) { rc = holo_seterr_sys(err, errno, "%s", path); break; }
        w->crc_rows[opened] = (uint32_t)crc32(0L, Z_NULL, 0);
        if (write_all(w->fd[opened], hb, sizeof hb)) { opened++; rc = holo_seterr_sys(err, errno, "%s", path); break; }
    }
    w->crc_m1 = (uint32_t)crc32(0L, Z_NULL, 0);
    for (unsigned t = 0; t < sp->ntiers && !rc; t++) rc = write_tier(w, sp, &sp->tier[t], dir, err);
    for (unsigned i = 0; i < sp->n && !rc; i++) {
        h.id = (uint16_t)i;
        h.u_len = sp->u && sp->u_len ? sp->u_len[i] : 0;
        if (h.u_len > V4C_MAX_U) { rc = holo_seterr(err, HOLO_EINVAL, "%s: U share of chunk %u too large", dir, i); break; }
        if (h.u_len && put(w, i, sp->u[i], h.u_len)) { rc = holo_seterr_sys(err, errno, "%s: chunk %u", dir, i); break; }
        h.crc_rows = w->crc_rows[i];
        h.crc_head = 0;
        v4c_hdr_emit(&h, hb);
        uint32_t ch = crc_update((uint32_t)crc32(0L, Z_NULL, 0), hb, sizeof hb);
        h.crc_head = (uint32_t)crc32_combine(ch, w->crc_m1, (z_off_t)w->m1_len);
        v4c_hdr_emit(&h, hb);
        if (pwrite(w->fd[i], hb, sizeof hb, 0) != (ssize_t)sizeof hb) rc = holo_seterr_sys(err, errno ? errno : EIO, "%s: chunk %u", dir, i);
    }
    for (unsigned i = 0; i < opened; i++)
        if (close(w->fd[i]) < 0 && !rc) rc = holo_seterr_sys(err, errno, "%s: chunk %u", dir, i);
    free(w);
    return rc;
}

/* ---- reader ----------------------------------------------------------------------------- */
typedef struct cand {
    v4c_hdr h;
    int fd;
    uint64_t size;
    int64_t mtime_ns;
    char name[64];
} cand;

struct v4c_reader {
    char dir[PATH_MAX];
    v4c_hdr hdr;
    int fd[V4C_MAX_CHUNKS];           /* -1: absent */
    uint32_t u_len[V4C_MAX_CHUNKS], crc_rows[V4C_MAX_CHUNKS];
    unsigned present, skipped, files;
    unsigned char distrusted[V4C_MAX_CHUNKS];   /* v4c_distrust: read and written atomically */
    uint64_t bytes;
    int64_t newest_mtime_ns;
    uint8_t *m1[V4C_MAX_TIERS];
};

/* Same encoding: everything but id, U length and the CRCs agrees. */
static int same_set(const v4c_hdr *a, const v4c_hdr *b)
{
    if (memcmp(a->magic, b->magic, 4) || a->flags != b->flags || a->n != b->n ||
        a->content_id != b->content_id || memcmp(a->sha256, b->sha256, 32) ||
        a->length != b->length || a->ntiers != b->ntiers)
        return 0;
    for (unsigned t = 0; t < V4C_MAX_TIERS; t++)
        if (a->m[t] != b->m[t] || a->S[t] != b->S[t]) return 0;
    return 1;
}

static int pread_all(int fd, void *buf, size_t len, uint64_t off)
{
    uint8_t *p = buf;
    while (len) {
        ssize_t r = pread(fd, p, len, (off_t)off);
        if (r < 0) { if (errno == EINTR) continue; return -1; }
        if (r == 0) { errno = EIO; return -1; }   /* the file shrank under us */
        p += r;
        len -= (size_t)r;
        off += (uint64_t)r;
    }
    return 0;
}

/* crc_head: the header with that field zeroed, then every replicated row. Loads those rows
 * into m1 (NULL: only check). */
static int check_head(const cand *c, const uint8_t hb[V4C_HDR_LEN], uint8_t *m1[V4C_MAX_TIERS])
{
    uint8_t z[V4C_HDR_LEN];
    memcpy(z, hb, sizeof z);
    memset(z + 108, 0, 4);
    uint32_t crc = crc_update((uint32_t)crc32(0L, Z_NULL, 0), z, sizeof z);
    for (unsigned t = 0; t < c->h.ntiers; t++) {
        if (c->h.m[t] != 1) continue;
        uint8_t *b = malloc(c->h.S[t] ? c->h.S[t] : 1);
        if (!b) return -1;
        if (pread_all(c->fd, b, c->h.S[t], v4c_row_off(&c->h, t))) { free(b); return -1; }
        crc = crc_update(crc, b, c->h.S[t]);
        if (m1) m1[t] = b; else free(b);
    }
    if (crc == c->h.crc_head) return 0;
    if (m1) for (unsigned t = 0; t < V4C_MAX_TIERS; t++) { free(m1[t]); m1[t] = NULL; }
    return -1;
}

/* crc_rows: every byte after the header (rows and U), read in windows. 0 when it matches,
 * HOLO_EINVAL when it differs, an I/O error code. */
static int check_body(int fd, const v4c_hdr *h, const char *dir, holo_err *err)
{
    uint64_t len = v4c_row_off(h, h->ntiers) - V4C_HDR_LEN + h->u_len;
    uint8_t *buf = malloc(V4C_WINDOW);
    if (!buf) return holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", dir);
    uint32_t crc = (uint32_t)crc32(0L, Z_NULL, 0);
    int rc = 0;
    for (uint64_t off = 0; off < len && !rc; off += V4C_WINDOW) {
        size_t n = len - off < V4C_WINDOW ? (size_t)(len - off) : V4C_WINDOW;
        if (pread_all(fd, buf, n, V4C_HDR_LEN + off)) rc = holo_seterr_sys(err, errno, "%s: chunk %u", dir, h->id);
        else crc = crc_update(crc, buf, n);
    }
    free(buf);
    if (!rc && crc != h->crc_rows)
        rc = holo_seterr(err, HOLO_EINVAL, "%s: chunk %u fails its CRC: its rows are corrupt", dir, h->id);
    return rc;
}

int v4c_open(const char *dir, const holo_decode_opts *o, int verify, v4c_reader **out,
             holo_err *err)
{
    *out = NULL;
    holo_chunklist l;
    int rc = holo_chunklist_scan(dir, o, &l, err);
    if (rc) return rc;
    v4c_reader *r = calloc(1, sizeof *r);
    cand *cs = calloc(l.n ? l.n : 1, sizeof *cs);
    if (!r || !cs) { free(r); free(cs); holo_chunklist_free(&l); return holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", dir); }
    snprintf(r->dir, sizeof r->dir, "%s", dir);
    for (unsigned i = 0; i < V4C_MAX_CHUNKS; i++) r->fd[i] = -1;
    r->files = (unsigned)l.n_all;
    size_t nc = 0;
    char path[PATH_MAX];
    holo_err e;
    for (size_t i = 0; i < l.n; i++) {
        cand *c = &cs[nc];
        c->fd = -1;
        snprintf(c->name, sizeof c->name, "%s", l.files[i].name);
        c->mtime_ns = l.files[i].mtime_ns;
        uint8_t hb[V4C_HDR_LEN];
        struct stat st;
        if (holo_path_join(path, sizeof path, dir, c->name) < 0 ||
            (c->fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0 ||
            fstat(c->fd, &st) < 0 || !S_ISREG(st.st_mode)) {
            holo_warnf(o, "%s: cannot open (or not a regular file), skipped", path);
        } else if (pread_all(c->fd, hb, sizeof hb, 0)) {
            holo_warnf(o, "%s: shorter than a v4 header, skipped", path);
        } else if (v4c_hdr_parse(hb, sizeof hb, (uint64_t)st.st_size, path, &c->h, &e)) {
            holo_warnf(o, "%s, skipped", e.msg);
        } else if (verify >= V4C_VERIFY_M1 && check_head(c, hb, NULL)) {
            holo_warnf(o, "%s: header or index fails its CRC, skipped", path);
        } else if (verify >= V4C_VERIFY_ALL && check_body(c->fd, &c->h, dir, NULL)) {
            holo_warnf(o, "%s: fails its CRC (corrupt rows), skipped as missing", path);
        } else {
            c->size = (uint64_t)st.st_size;
            nc++;
            continue;
        }
        if (c->fd >= 0) close(c->fd);
        r->skipped++;
    }
    holo_chunklist_free(&l);
    /* The majority group wins; ties go to the first in name order. */
    size_t best = 0, best_n = 0;
    for (size_t i = 0; i < nc; i++) {
        size_t k = 0;
        for (size_t j = 0; j < nc; j++) k += same_set(&cs[i].h, &cs[j].h);
        if (k > best_n) { best_n = k; best = i; }
    }
    for (size_t i = 0; i < nc; i++) {
        cand *c = &cs[i];
        if (!same_set(&cs[best].h, &c->h)) {
            holo_warnf(o, "%s/%s: belongs to another encoding than the majority, skipped", dir, c->name);
        } else if (r->fd[c->h.id] >= 0) {
            holo_warnf(o, "%s/%s: repeats chunk id %u, skipped", dir, c->name, c->h.id);
        } else {
            if (!r->present) r->hdr = c->h;
            r->fd[c->h.id] = c->fd;
            r->u_len[c->h.id] = c->h.u_len;
            r->crc_rows[c->h.id] = c->h.crc_rows;
            r->present++;
            r->bytes += c->size;
            if (c->mtime_ns > r->newest_mtime_ns) r->newest_mtime_ns = c->mtime_ns;
            continue;
        }
        close(c->fd);
        r->skipped++;
    }
    free(cs);
    if (!r->present) {
        free(r);
        return holo_seterr(err, HOLO_ENOCHUNKS, "%s: no valid v4 chunk found", dir);
    }
    if (verify >= V4C_VERIFY_M1) {   /* every member passed check_head: load the replicated tiers once */
        for (unsigned i = 0; i < r->hdr.n; i++) {
            if (r->fd[i] < 0) continue;
            uint8_t hb[V4C_HDR_LEN];
            cand c = { .h = r->hdr, .fd = r->fd[i] };
            c.h.id = (uint16_t)i;
            if (pread_all(c.fd, hb, sizeof hb, 0) == 0 && v4c_hdr_parse(hb, sizeof hb, 0, dir, &c.h, NULL) == 0 &&
                check_head(&c, hb, r->m1) == 0)
                break;
        }
        for (unsigned t = 0; t < r->hdr.ntiers; t++)
            if (r->hdr.m[t] == 1 && !r->m1[t]) {
                v4c_close(r);
                return holo_seterr(err, HOLO_EIO, "%s: the replicated tiers changed while reading", dir);
            }
    }
    *out = r;
    return 0;
}

void v4c_close(v4c_reader *r)
{
    if (!r) return;
    for (unsigned i = 0; i < V4C_MAX_CHUNKS; i++) if (r->fd[i] >= 0) close(r->fd[i]);
    for (unsigned t = 0; t < V4C_MAX_TIERS; t++) free(r->m1[t]);
    free(r);
}

const v4c_hdr *v4c_header(const v4c_reader *r) { return &r->hdr; }
const char *v4c_dir(const v4c_reader *r) { return r->dir; }
int v4c_has(const v4c_reader *r, unsigned id) { return id < V4C_MAX_CHUNKS && r->fd[id] >= 0; }
unsigned v4c_present(const v4c_reader *r) { return r->present; }
unsigned v4c_skipped(const v4c_reader *r) { return r->skipped; }
unsigned v4c_files(const v4c_reader *r) { return r->files; }
uint64_t v4c_bytes(const v4c_reader *r) { return r->bytes; }
int64_t v4c_newest_mtime(const v4c_reader *r) { return r->newest_mtime_ns; }
int v4c_fd(const v4c_reader *r, unsigned id) { return id < r->hdr.n ? r->fd[id] : -1; }

void v4c_fill_info(const v4c_reader *r, holo_kind kind, holo_info *info)
{
    const v4c_hdr *h = v4c_header(r);
    info->kind = kind;
    info->version = 4;
    info->block_count = h->n;
    info->length = h->length;
    info->chunks_present = v4c_present(r);
    info->chunks_bad = v4c_skipped(r);
    info->chunk_files = v4c_files(r);
    info->chunk_bytes = v4c_bytes(r);
    info->newest_mtime_ns = v4c_newest_mtime(r);
    info->exact = info->chunks_present == h->n;
}
const uint8_t *v4c_m1(const v4c_reader *r, unsigned t) { return t < V4C_MAX_TIERS ? r->m1[t] : NULL; }

void v4c_distrust(v4c_reader *r, unsigned id)
{
    if (id < V4C_MAX_CHUNKS) __atomic_store_n(&r->distrusted[id], 1, __ATOMIC_RELAXED);
}

/* Present and not distrusted: a chunk whose bytes may be used. */
static int usable(const v4c_reader *r, unsigned id)
{
    return r->fd[id] >= 0 && !__atomic_load_n(&r->distrusted[id], __ATOMIC_RELAXED);
}

int v4c_readable(const v4c_reader *r, unsigned t, uint64_t off, uint64_t len)
{
    const v4c_hdr *h = &r->hdr;
    if (t >= h->ntiers || off > h->S[t] || len > h->S[t] - off) return 0;
    unsigned k = 0;
    for (unsigned i = 0; i < h->n; i++) k += usable(r, i);
    if (len == 0 || k >= h->m[t]) return 1;
    uint64_t R = v4c_row_len(h, t);
    for (uint64_t j = off / R; j <= (off + len - 1) / R; j++)
        if (!usable(r, (unsigned)j)) return 0;
    return 1;
}

/* Rebuild columns [x, x+len) of data row j of tier t from m chunks other than `avoid`. */
static int recover_cols(const v4c_reader *r, unsigned t, unsigned j, uint64_t x, uint8_t *out,
                        size_t len, unsigned avoid, holo_err *err)
{
    const v4c_hdr *h = &r->hdr;
    unsigned m = h->m[t], ids[V4C_MAX_CHUNKS], k = 0;
    for (unsigned i = 0; i < h->n && k < m; i++)   /* data rows first: cheapest to combine */
        if (usable(r, i) && i != avoid) ids[k++] = i;
    if (k < m)
        return holo_seterr(err, HOLO_EHOLE, "%s: only %u of the %u chunks needed to rebuild bytes of row %u",
                           r->dir, k, m, j);
    uint8_t *inv = malloc((size_t)m * m);
    size_t win = len < V4C_WINDOW ? len : V4C_WINDOW;
    uint8_t *tmp = malloc(win ? win : 1);
    int rc = 0;
    if (!inv || !tmp) rc = holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", r->dir);
    else if (v4_rs_invert(ids, m, inv)) rc = holo_seterr(err, HOLO_EINVAL, "%s: chunk ids cannot be inverted", r->dir);
    uint64_t base = v4c_row_off(h, t);
    memset(out, 0, len);
    for (size_t done = 0; done < len && !rc; done += win) {
        size_t w = len - done < win ? len - done : win;
        for (unsigned q = 0; q < m && !rc; q++) {
            uint8_t c = inv[(size_t)j * m + q];
            if (!c) continue;
            if (pread_all(r->fd[ids[q]], tmp, w, base + x + done))
                rc = holo_seterr_sys(err, errno, "%s: chunk %u", r->dir, ids[q]);
            else
                v4_rs_mul_add(out + done, tmp, w, c);
        }
    }
    free(inv);
    free(tmp);
    return rc;
}

int v4c_read(const v4c_reader *r, unsigned t, uint64_t off, void *buf, size_t len,
             unsigned avoid, holo_err *err)
{
    const v4c_hdr *h = &r->hdr;
    if (t >= h->ntiers || off > h->S[t] || len > h->S[t] - off)
        return holo_seterr(err, HOLO_EINVAL, "%s: read past the end of tier %u", r->dir, t);
    uint64_t R = v4c_row_len(h, t), base = v4c_row_off(h, t);
    uint8_t *p = buf;
    while (len) {
        uint64_t j = off / R, x = off % R;
        size_t piece = R - x < len ? (size_t)(R - x) : len;
        int rc;
        if (h->m[t] == 1 && r->m1[t]) {
            memcpy(p, r->m1[t] + off, piece);
            rc = 0;
        } else if (usable(r, (unsigned)j) && j != avoid) {
            rc = pread_all(r->fd[j], p, piece, base + x) ? holo_seterr_sys(err, errno, "%s: chunk %llu", r->dir, (unsigned long long)j) : 0;
        } else if (h->m[t] == 1) {   /* any chunk holds the replica */
            unsigned i = 0;
            while (i < h->n && (!usable(r, i) || i == avoid)) i++;
            rc = i == h->n ? holo_seterr(err, HOLO_EHOLE, "%s: no chunk holds tier %u", r->dir, t)
               : pread_all(r->fd[i], p, piece, base + x) ? holo_seterr_sys(err, errno, "%s: chunk %u", r->dir, i) : 0;
        } else {
            rc = recover_cols(r, t, (unsigned)j, x, p, piece, avoid, err);
        }
        if (rc) return rc;
        p += piece;
        off += piece;
        len -= piece;
    }
    return 0;
}

int v4c_check_rows(const v4c_reader *r, unsigned id, holo_err *err)
{
    if (!v4c_has(r, id)) return holo_seterr(err, HOLO_EINVAL, "%s: chunk %u is not present", r->dir, id);
    uint8_t hb[V4C_HDR_LEN];
    v4c_hdr h;
    if (pread_all(r->fd[id], hb, sizeof hb, 0) || v4c_hdr_parse(hb, sizeof hb, 0, r->dir, &h, err))
        return holo_seterr(err, HOLO_EIO, "%s: chunk %u: cannot read its header", r->dir, id);
    return check_body(r->fd[id], &h, r->dir, err);
}

int v4c_read_u(const v4c_reader *r, unsigned id, uint8_t **u, uint32_t *len, holo_err *err)
{
    *u = NULL;
    *len = 0;
    if (id >= V4C_MAX_CHUNKS || r->fd[id] < 0)
        return holo_seterr(err, HOLO_EINVAL, "%s: chunk %u is not present", r->dir, id);
    uint64_t rows = 0;
    for (unsigned t = 0; t < r->hdr.ntiers; t++)
        rows += v4c_row_len(&r->hdr, t);
    uint64_t body = rows + r->u_len[id];
    uint8_t *b = malloc(body ? body : 1);
    if (!b)
        return holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", r->dir);
    if (pread_all(r->fd[id], b, body, V4C_HDR_LEN)) {
        free(b);
        return holo_seterr_sys(err, errno, "%s: chunk %u", r->dir, id);
    }
    if (crc_update((uint32_t)crc32(0L, Z_NULL, 0), b, body) != r->crc_rows[id]) {
        free(b);
        return holo_seterr(err, HOLO_EINVAL, "%s: chunk %u fails its CRC", r->dir, id);
    }
    memmove(b, b + rows, r->u_len[id]);
    *u = b;
    *len = r->u_len[id];
    return 0;
}
