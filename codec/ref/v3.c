/* v3.c — the v3 "olonomic" family (doc/formats.md §HOCH v3, §HOAU v3, §HORC): dispatch, the decode
 * loop shared by image and audio (slices + HORC recovery), and the recovery writer. */
#include "v3.h"
#include "horc.h"
#include "recovery.h"
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#define DENSE_BYTES (16ull << 20)
#define DENSE_RATIO 16

int holo_v3_encode(const char *input, const char *tmpdir, holo_kind kind,
                   const holo_encode_opts *o, holo_err *err)
{
    if (kind == HOLO_KIND_IMAGE) return holo_image3_encode(input, tmpdir, o, err);
    if (kind == HOLO_KIND_AUDIO) return holo_audio3_encode(input, tmpdir, o, err);
    return holo_seterr(err, HOLO_EUNSUPPORTED, "%s: codec version 3 handles images and audio only",
                       input);
}

int holo_v3_decode(const holo_chunklist *l, holo_kind kind, const holo_decode_opts *o,
                   holo_decoded *out, holo_err *err)
{
    if (kind == HOLO_KIND_IMAGE) return holo_image3_decode(l, o, out, err);
    if (kind == HOLO_KIND_AUDIO) return holo_audio3_decode(l, o, out, err);
    return holo_seterr(err, HOLO_EUNSUPPORTED, "%s: no v3 decoder for this kind", l->dir);
}

void holo_v3_model_name(const uint8_t *p, size_t n, char out[256])
{
    size_t k = 0;
    for (size_t i = 0; i < n && k < 255; i++)
        if (p[i] < 0x80) out[k++] = (char)tolower(p[i]);
    out[k] = 0;
    size_t a = 0;
    while (a < k && isspace((unsigned char)out[a])) a++;
    while (k > a && isspace((unsigned char)out[k - 1])) k--;
    memmove(out, out + a, k - a);
    out[k - a] = 0;
    if (!out[0]) strcpy(out, "downsample");
}

uint32_t holo_v3_block_count(const holo_encode_opts *o, uint32_t dflt, uint64_t N, size_t blob)
{
    uint64_t B;
    if (o && o->chunk_kb > 0) B = holo_block_count_kb(2 * N, blob, o->chunk_kb);
    else B = o && o->block_count ? o->block_count : dflt;
    uint64_t hi = N > 1 ? N : 1;
    if (B > hi) B = hi;
    if (B > HOLO_MAX_BLOCKS) B = HOLO_MAX_BLOCKS;
    return B < 1 ? 1 : (uint32_t)B;
}

uint8_t *holo_v3_slice_bytes(const int16_t *V, uint64_t N, uint32_t B, uint32_t b, size_t *len)
{
    uint64_t m = holo_slice_len(N, B, b);
    int16_t *v = malloc(m ? m * 2 : 1);
    uint8_t *out = malloc(m ? m * 2 : 1);
    if (!v || !out) { free(v); free(out); return NULL; }
    holo_slice_gather_i16(V, N, B, b, 1, v);
    for (uint64_t k = 0; k < m; k++) {
        out[2 * k] = (uint8_t)v[k];
        out[2 * k + 1] = (uint8_t)((uint16_t)v[k] >> 8);
    }
    free(v);
    *len = (size_t)(2 * m);
    return out;
}

int holo_v3_write_recovery(const char *dir, uint8_t base_kind, const int16_t *V, uint64_t N,
                           uint32_t B, double overhead, holo_err *err)
{
    uint32_t R = holo_horc_count(B, overhead);
    if (R == 0 || N == 0) return 0;
    uint64_t S = 2 * holo_slice_len(N, B, 0);
    if (S > UINT32_MAX) return holo_seterr(err, HOLO_EINVAL, "%s: slices too large for HORC", dir);
    uint8_t **sl = calloc(B, sizeof *sl);
    size_t *lens = calloc(B, sizeof *lens);
    uint8_t *c = malloc(B);
    int rc = 0;
    if (!sl || !lens || !c) { rc = holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", dir); goto out; }
    for (uint32_t b = 0; b < B; b++)
        if (!(sl[b] = holo_v3_slice_bytes(V, N, B, b, &lens[b]))) {
            rc = holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", dir);
            goto out;
        }
    for (uint32_t r = 0; r < R && !rc; r++) {
        uint8_t *buf;
        size_t bl;
        holo_horc_coeffs(0x686f6c6f66733376ull ^ N, r, B, c);
        rc = holo_horc_build(base_kind, B, r, c, (const uint8_t *const *)sl, lens, (size_t)S, &buf,
                             &bl, err);
        if (rc) break;
        char name[64], path[PATH_MAX];
        snprintf(name, sizeof name, "recovery_%04u.holo", r);
        if (holo_path_join(path, sizeof path, dir, name) < 0)
            rc = holo_seterr(err, HOLO_EINVAL, "%s: path too long", dir);
        else
            rc = holo_write_file_tmp(path, buf, bl, err);
        free(buf);
    }
out:
    if (sl)
        for (uint32_t b = 0; b < B; b++) free(sl[b]);
    free(sl); free(lens); free(c);
    return rc;
}

/* ---- decoding ------------------------------------------------------------------------- */

/* Place i16le bytes as slice b (doc/formats.md §Slices, placement): the first min(m, len_b)
 * values replace what the slice held, later positions keep theirs. */
static void place(holo_v3_set *s, uint32_t b, const uint8_t *raw, size_t len)
{
    uint64_t m = len / 2, want = holo_slice_len(s->N, s->ref.block_count, b);
    if (m > want) m = want;
    if (s->V) {
        int16_t *v = malloc(m ? m * 2 : 1);
        if (!v) return;
        for (uint64_t k = 0; k < m; k++) v[k] = (int16_t)(raw[2 * k] | raw[2 * k + 1] << 8);
        holo_slice_scatter_i16(s->V, s->N, s->ref.block_count, b, 1, v, m);
        free(v);
        return;
    }
    if (m > s->slice_n[b]) {
        int16_t *v = realloc(s->slice[b], m * sizeof *v);
        if (!v) return;
        s->slice[b] = v;
        s->slice_n[b] = m;
    }
    for (uint64_t k = 0; k < m; k++) s->slice[b][k] = (int16_t)(raw[2 * k] | raw[2 * k + 1] << 8);
}

/* x^-1 mod n for gcd(x, n) = 1 (extended Euclid). */
static uint64_t inverse_mod(uint64_t x, uint64_t n)
{
    __int128 r0 = (__int128)n, r1 = (__int128)(x % n), t0 = 0, t1 = 1;
    while (r1) {
        __int128 q = r0 / r1, r = r0 - q * r1, t = t0 - q * t1;
        r0 = r1; r1 = r;
        t0 = t1; t1 = t;
    }
    if (t0 < 0) t0 += (__int128)n;
    return (uint64_t)t0;
}

void holo_v3_gather(const holo_v3_set *s, uint64_t p, uint64_t count, int16_t *out)
{
    const uint64_t N = s->N, B = s->ref.block_count;
    if (s->V) {
        memcpy(out, s->V + p, count * sizeof *out);
        return;
    }
    if (B <= 1) {   /* strided with one block: the slice is V itself */
        for (uint64_t i = 0; i < count; i++, p++)
            out[i] = s->slice[0] && p < s->slice_n[0] ? s->slice[0][p] : 0;
        return;
    }
    /* Position p holds index j = p * step^-1 mod N of the golden walk, i.e. value k = j / B of
     * slice b = j mod B. Consecutive positions step j by step^-1; b and k follow without a
     * division: step^-1 = qi*B + ri, N = qn*B + rn. */
    const uint64_t inv = s->inv_step, qi = inv / B, ri = inv % B, qn = N / B, rn = N % B;
    uint64_t j = (uint64_t)((unsigned __int128)(p % N) * inv % N), b = j % B, k = j / B;
    for (uint64_t i = 0; i < count; i++) {
        out[i] = s->slice[b] && k < s->slice_n[b] ? s->slice[b][k] : 0;
        j += inv;
        b += ri;
        k += qi;
        if (b >= B) { b -= B; k++; }
        if (j >= N || j < inv) {   /* j -= N */
            j -= N;
            if (b < rn) { b += B; k--; }
            b -= rn;
            k -= qn;
        }
    }
}

/* doc/formats.md §HORC: solve for the missing blocks from recovery_*.holo; all or nothing. */
static int recover(holo_v3_set *s, const char *dir, char **names, size_t nnames, uint8_t **raw,
                   size_t *rawlen, const holo_decode_opts *o, holo_err *err)
{
    const uint32_t B = s->ref.block_count;
    const uint64_t S = 2 * holo_slice_len(s->N, B, 0);
    const uint8_t kind = s->ref.kind == HOLO_KIND_IMAGE ? 1 : 2;
    if (S == 0 || S > UINT32_MAX) return 0;
    holo_horc *rec = calloc(nnames, sizeof *rec);
    uint8_t **out = calloc(B, sizeof *out);
    size_t nrec = 0;
    int rc = 0;
    if (!rec || !out) { rc = holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", dir); goto done; }
    for (size_t i = 0; i < nnames; i++) {
        char path[PATH_MAX];
        uint8_t *buf = NULL;
        size_t len = 0;
        holo_err e = {0};
        if (holo_path_join(path, sizeof path, dir, names[i]) < 0) continue;
        /* A valid recovery chunk is at most header + B coefficients + S payload bytes. */
        size_t cap = HOLO_HORC_HDR + (size_t)B + (size_t)S + 1024;
        if (holo_read_chunk(path, cap > HOLO_MAX_CHUNK_FILE ? HOLO_MAX_CHUNK_FILE : cap, &buf, &len, &e)) {
            holo_warnf(o, "%s", e.msg);
            continue;
        }
        holo_horc r;
        int prc = holo_horc_parse(buf, len, (size_t)S, names[i], &r, &e);
        free(buf);
        if (prc) { holo_warnf(o, "%s", e.msg); continue; }
        if (r.base_kind != kind || r.base_version != 3 || r.block_count != B ||
            r.slice_len != S || r.coeff_len < B) {
            holo_warnf(o, "%s: recovery chunk belongs to another encoding", names[i]);
            holo_horc_free(&r);
            continue;
        }
        rec[nrec++] = r;
    }
    int n = holo_rlnc_recover(B, (size_t)S, (const uint8_t *const *)raw, rawlen, rec, nrec, out, err);
    if (n < 0) { rc = n; goto done; }
    if (n == 0) {
        holo_warnf(o, "%s: recovery chunks cannot restore the missing blocks", dir);
        goto done;
    }
    /* Surplus equations must agree with the solution; a corrupted recovery chunk must not
     * place wrong slices silently (quirk Q16): then nothing is recovered. */
    if ((size_t)n < nrec) {
        const uint8_t **all = malloc(B * sizeof *all);
        size_t *alen = malloc(B * sizeof *alen);
        int bad = HOLO_ENOMEM;
        if (all && alen) {
            for (uint32_t b = 0; b < B; b++) {
                all[b] = out[b] ? out[b] : raw[b];
                alen[b] = out[b] ? (size_t)S : rawlen[b];
            }
            bad = holo_rlnc_verify(B, (size_t)S, all, alen, rec, nrec);
        }
        free(all);
        free(alen);
        if (bad < 0) { rc = holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", dir); goto done; }
        if (bad > 0) {
            holo_warnf(o, "%s: %d recovery chunk(s) contradict the others; nothing recovered", dir, bad);
            goto done;
        }
    }
    for (uint32_t b = 0; b < B; b++) {
        if (!out[b]) continue;
        place(s, b, out[b], (size_t)(2 * holo_slice_len(s->N, B, b)));
        s->present[b] = 1;
        s->n_present++;
        s->n_recovered++;
    }
done:
    if (out)
        for (uint32_t b = 0; b < B; b++) free(out[b]);
    free(out);
    for (size_t i = 0; i < nrec; i++) holo_horc_free(&rec[i]);
    free(rec);
    return rc;
}

static int same_set(const holo_chunk_hdr *a, const holo_chunk_hdr *b)
{
    if (a->kind != b->kind || a->block_count != b->block_count || b->version != 3) return 0;
    if (a->kind == HOLO_KIND_IMAGE)
        return a->height == b->height && a->width == b->width && a->channels == b->channels;
    return a->sample_rate == b->sample_rate && a->channels == b->channels &&
           a->frames == b->frames && a->coarse_frames == b->coarse_frames;
}

/* Most values a zlib stream of len bytes inflates to (doc/formats.md §Slices: every chunk's
 * residual is zlib9 of its slice, so B of them carry at most B times the largest one's). */
static uint64_t slice_values_bound(uint64_t len)
{
    return (len + HOLO_ZLIB_SLACK) * HOLO_ZLIB_MAX_RATIO / 2;
}

/* Headers of every v3 file of the kind (64 bytes each), for what a candidate reference's set
 * can carry. */
typedef struct { holo_chunk_hdr h; uint64_t size; int ok; } peeked;

static peeked *peek_all(const holo_chunklist *l, holo_kind kind)
{
    const char *magic = kind == HOLO_KIND_IMAGE ? "HOCH" : "HOAU";
    peeked *p = calloc(l->n ? l->n : 1, sizeof *p);
    for (size_t i = 0; p && i < l->n; i++) {
        uint8_t b[64];
        ssize_t n = holo_peek_file(l->dir, l->files[i].name, b, sizeof b, &p[i].size);
        /* Only HOCH/HOAU headers are parsed from their first bytes and the file size (others,
         * such as v4 containers, are checked whole). */
        p[i].ok = n >= 5 && !memcmp(b, magic, 4) && b[4] == 3 &&
                  !holo_chunk_parse(b, (size_t)n < sizeof b ? (size_t)n : p[i].size,
                                    l->files[i].name, &p[i].h, NULL);
    }
    return p;
}

/* Whether the reference h keeps an N-vector: when it is at most DENSE_BYTES or DENSE_RATIO
 * times the bytes of its set's chunks (complete real sets: 2-5 times), so memory stays
 * proportional to the input; the slice layout costs a cache miss per coefficient read. */
static int dense_layout(const holo_chunklist *l, const peeked *p, const holo_chunk_hdr *h,
                        uint64_t N)
{
    uint64_t set_bytes = 0;
    for (size_t i = 0; i < l->n; i++)
        if (p[i].ok && same_set(h, &p[i].h)) set_bytes += p[i].size;
    return 2 * N <= DENSE_BYTES || 2 * N / DENSE_RATIO <= set_bytes;
}

/* Whether B slices of at most max_resid bytes can carry the N coefficients h claims. */
static int claim_plausible(const holo_chunk_hdr *h, uint64_t N, uint64_t max_resid,
                           const char *name, holo_err *e)
{
    uint64_t max_N = (uint64_t)h->block_count * slice_values_bound(max_resid);
    if (N <= max_N) return 0;
    return holo_seterr(e, HOLO_EINVAL, "%s: claims %llu coefficients, more than its chunks can "
                       "carry (at most %llu: implausible, zlib inflates at most %u:1)", name,
                       (unsigned long long)N, (unsigned long long)max_N,
                       (unsigned)HOLO_ZLIB_MAX_RATIO);
}

/* A candidate reference's claims, before set_reference allocates: the caller's limits, then
 * whether the chunks of its set could inflate to the N coefficients its blob implies. */
static int check_claims(const holo_chunklist *l, const peeked *p, const holo_v3_ops *ops,
                        const holo_decode_opts *o, const holo_chunk_hdr *h, const uint8_t *buf,
                        const char *name, holo_err *e)
{
    int rc = holo_check_limits(h, o, name, e);
    if (rc) return rc;
    uint64_t N = ops->count(h, buf + h->coarse_off, h->coarse_len), max_resid = h->resid_len;
    for (size_t i = 0; i < l->n; i++)
        if (p[i].ok && same_set(h, &p[i].h) && p[i].h.resid_len > max_resid)
            max_resid = p[i].h.resid_len;
    return claim_plausible(h, N, max_resid, name, e);
}

int holo_v3_plausible(const char *dir, const char *name, const holo_chunk_hdr *h,
                      uint64_t max_resid, holo_err *err)
{
    char path[PATH_MAX];
    uint8_t *buf = NULL;
    size_t len = 0;
    if (holo_path_join(path, sizeof path, dir, name) < 0 ||
        holo_read_chunk(path, HOLO_MAX_CHUNK_FILE, &buf, &len, NULL))
        return 0;   /* unreadable: not a claim; decoding reports it */
    uint64_t N = 0;
    if ((uint64_t)h->coarse_off + h->coarse_len <= len)
        N = h->kind == HOLO_KIND_IMAGE ? holo_image3_count(h, buf + h->coarse_off, h->coarse_len)
                                       : holo_audio3_count(h, buf + h->coarse_off, h->coarse_len);
    free(buf);
    if (h->resid_len > max_resid) max_resid = h->resid_len;
    return claim_plausible(h, N, max_resid, name, err);
}

int holo_v3_collect(const holo_chunklist *l, const holo_v3_ops *ops, const holo_decode_opts *o,
                    holo_v3_set *s, holo_err *err)
{
    memset(s, 0, sizeof *s);
    size_t nrecf = 0;
    char **recnames = (o && o->no_recovery) ? NULL : holo_recovery_list(l->dir, &nrecf);
    uint8_t **raw = NULL;      /* first file's inflated bytes per block, only for recovery */
    size_t *rawlen = NULL;
    int have_ref = 0, rc = 0;
    holo_err e, claim = {0};   /* claim: the first reference refused for what it claims */
    char last[sizeof e.msg] = "";   /* why the last candidate was refused, for the final error */
    peeked *pk = peek_all(l, ops->kind);
    if (!pk) { holo_recovery_list_free(recnames); return holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", l->dir); }
    for (size_t i = 0; i < l->n; i++) {
        const char *name = l->files[i].name;
        char path[PATH_MAX];
        uint8_t *buf = NULL;
        size_t len = 0;
        s->n_files++;
        if (holo_path_join(path, sizeof path, l->dir, name) < 0) { s->n_bad++; continue; }
        if (holo_read_chunk(path, HOLO_MAX_CHUNK_FILE, &buf, &len, &e)) {
            holo_warnf(o, "%s", e.msg);
            s->n_bad++;
            continue;
        }
        holo_chunk_hdr h;
        if (holo_chunk_parse(buf, len, name, &h, &e)) {
            holo_warnf(o, "%s", e.msg);
            snprintf(last, sizeof last, "%s", e.msg);
            s->n_bad++;
            free(buf);
            continue;
        }
        if (h.kind != ops->kind || h.version != 3) {   /* other families: silently skipped */
            free(buf);
            continue;
        }
        if (!have_ref) {
            uint64_t N = 0;
            if (check_claims(l, pk, ops, o, &h, buf, name, &e)) {
                if (!claim.code) claim = e;   /* the error itself unless a reference follows */
                s->n_bad++;
                free(buf);
                continue;
            }
            if (ops->set_reference(ops->ctx, &h, buf + h.coarse_off, h.coarse_len, name, &N, &e)) {
                holo_warnf(o, "%s", e.msg);
                snprintf(last, sizeof last, "%s", e.msg);
                s->n_bad++;
                free(buf);
                continue;
            }
            if (claim.code) holo_warnf(o, "%s", claim.msg);
            uint32_t B = h.block_count;
            s->ref = h;
            s->N = N;
            s->inv_step = N > 1 ? inverse_mod(holo_golden_step(N), N) : 1;
            int dense = dense_layout(l, pk, &h, N);
            if (dense) {
                s->V = calloc(N ? N : 1, sizeof *s->V);
            } else {
                s->slice = calloc(B, sizeof *s->slice);
                s->slice_n = calloc(B, sizeof *s->slice_n);
            }
            s->present = calloc(B, 1);
            if (recnames) {
                raw = calloc(B, sizeof *raw);
                rawlen = calloc(B, sizeof *rawlen);
            }
            if ((dense ? !s->V : !s->slice || !s->slice_n) || !s->present ||
                (recnames && (!raw || !rawlen))) {
                free(buf);
                rc = holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", l->dir);
                goto out;
            }
            have_ref = 1;
        } else if (!same_set(&s->ref, &h)) {
            holo_warnf(o, "%s: chunk belongs to another encoding (geometry or block count differs)",
                       name);
            s->n_bad++;
            free(buf);
            continue;
        }
        uint64_t S = 2 * holo_slice_len(s->N, s->ref.block_count, 0);
        uint8_t *z = NULL;
        size_t zl = 0;
        int irc = holo_inflate(buf + h.resid_off, h.resid_len, (size_t)S + 65536, &z, &zl, &e, name);
        if (irc || zl % 2) {
            if (irc) holo_warnf(o, "%s", e.msg);
            else holo_warnf(o, "%s: odd residual length", name);
            s->n_bad++;
            free(z);
            free(buf);
            continue;
        }
        uint32_t b = h.block_id;
        place(s, b, z, zl);
        if (!s->present[b]) { s->present[b] = 1; s->n_present++; }
        if (raw && !raw[b]) { raw[b] = z; rawlen[b] = zl; z = NULL; }
        free(z);
        free(buf);
        if (l->files[i].mtime_ns > s->newest_mtime_ns) s->newest_mtime_ns = l->files[i].mtime_ns;
        s->chunk_bytes += len;
    }
    if (!have_ref && claim.code) {
        rc = holo_seterr(err, claim.code, "%s/%s", l->dir, claim.msg);
        goto out;
    }
    if (!have_ref) {
        rc = holo_seterr(err, HOLO_ENOCHUNKS, "%s: no usable v3 %s chunk%s%.600s", l->dir,
                         holo_kind_name(ops->kind), last[0] ? " (last: " : "", last[0] ? last : "");
        if (last[0] && err) strncat(err->msg, ")", sizeof err->msg - strlen(err->msg) - 1);
        goto out;
    }
    if (recnames && s->n_present < s->ref.block_count)
        rc = recover(s, l->dir, recnames, nrecf, raw, rawlen, o, err);
out:
    if (raw)
        for (uint32_t b = 0; b < s->ref.block_count; b++) free(raw[b]);
    free(raw);
    free(rawlen);
    free(pk);
    holo_recovery_list_free(recnames);
    if (rc) holo_v3_set_free(s);
    return rc;
}

void holo_v3_set_free(holo_v3_set *s)
{
    free(s->V);
    s->V = NULL;
    if (s->slice)
        for (uint32_t b = 0; b < s->ref.block_count; b++) free(s->slice[b]);
    free(s->slice);
    free(s->slice_n);
    free(s->present);
    s->slice = NULL;
    s->slice_n = NULL;
    s->present = NULL;
}

void holo_v3_info(const holo_v3_set *s, holo_info *info)
{
    info->kind = s->ref.kind;
    info->version = 3;
    info->block_count = s->ref.block_count;
    info->chunks_present = s->n_present;
    info->chunks_bad = s->n_bad;
    info->chunk_files = s->n_files;
    info->exact = 0;
    info->newest_mtime_ns = s->newest_mtime_ns;
    info->chunk_bytes = s->chunk_bytes;
    if (s->ref.kind == HOLO_KIND_IMAGE) {
        info->width = s->ref.width;
        info->height = s->ref.height;
        info->channels = 3;
    } else {
        info->channels = s->ref.channels;
        info->sample_rate = s->ref.sample_rate;
        info->frames = s->ref.frames;
    }
}
