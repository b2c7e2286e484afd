/* assemble.c — the generic decode driver: read the candidate chunks, pick the reference,
 * drop what disagrees with it, inflate the residual slices in parallel, solve for missing
 * blocks from recovery_*.holo when there are some, and place everything.
 *
 * With a place_slice hook (images) the inflate and the placement are fused per block: a worker
 * inflates a block's candidates into its own reusable buffer and places the winner at once, so
 * no slice-sized intermediate of the whole set is ever built. Slices are inflated a second time
 * only when recovery chunks are actually needed (they want the raw known slices). */
#include "internal.h"
#include "par.h"
#include "recovery.h"
#include "sha256.h"
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

typedef struct {
    uint8_t *file;          /* whole chunk file, NULL if not accepted */
    size_t len;
    holo_chunk_hdr h;
    uint8_t *raw;           /* inflated slice */
    size_t raw_len;
    int ok;                 /* inflated and usable */
    int32_t next;           /* fused path: next candidate of the same block in file order, -1 */
    int read_rc;            /* phase 0: 0 read, < 0 failed (read_err), > 0 no path */
    int parse_rc;           /* phase 1: holo_chunk_parse (its message in read_err) */
    int claim_refused;      /* phase 1: refused as a reference by check_claims (read_err) */
} cand;

typedef struct wbuf { uint8_t *p; size_t size; } wbuf;   /* a growing inflate buffer */

typedef struct {
    const holo_chunklist *l;
    const holo_kind_ops *ops;
    const holo_decode_opts *o;
    holo_assembly *a;
    cand *c;
    size_t nc;
    int32_t *winner;        /* per block id: index of the last usable candidate, -1 */
    uint8_t **recovered;    /* per block id: slice solved from recovery chunks, or NULL */
    wbuf (*w)[2];           /* fused path: each thread's two inflate buffers */
    int golden;
    uint64_t cap;           /* inflate cap per slice in bytes */
    int32_t *head;          /* fused path: first candidate of each block, -1 */
    holo_err *read_err;     /* phase 0: per candidate */
} ctx;

/* ---- fused inflate + placement ------------------------------------------------------------ */

/* Inflate into a worker buffer that grows up to cap and is reused from block to block. Same
 * outcomes and messages as holo_inflate (zio.c), which allocates a fresh buffer per slice. */
static int inflate_into(const uint8_t *src, size_t len, size_t cap, size_t hint, wbuf *w,
                        size_t *outlen, holo_err *err, const char *name)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (inflateInit(&zs) != Z_OK) return holo_seterr(err, HOLO_ENOMEM, "%s: zlib init failed", name);
    if (hint > cap) hint = cap;
    if (hint == 0) hint = 1;
    if (w->size < hint) {
        uint8_t *nb = realloc(w->p, hint);
        if (!nb) { inflateEnd(&zs); return holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", name); }
        w->p = nb;
        w->size = hint;
    }
    size_t size = w->size < cap ? w->size : cap, have = 0;
    zs.next_in = (Bytef *)src;
    zs.avail_in = (uInt)len;
    for (;;) {
        zs.next_out = w->p + have;
        zs.avail_out = (uInt)(size - have);
        int rc = inflate(&zs, Z_FINISH);
        have = size - zs.avail_out;
        if (rc == Z_STREAM_END) break;
        if (rc == Z_BUF_ERROR && zs.avail_out == 0) {
            if (size >= cap) {
                inflateEnd(&zs);
                return holo_seterr(err, HOLO_EINVAL, "%s: residual inflates beyond %zu bytes", name, cap);
            }
            size_t ns = size * 2 > cap ? cap : size * 2;
            if (ns > w->size) {
                uint8_t *nb = realloc(w->p, ns);
                if (!nb) { inflateEnd(&zs); return holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", name); }
                w->p = nb;
                w->size = ns;
            }
            size = ns;
            continue;
        }
        inflateEnd(&zs);
        return holo_seterr(err, HOLO_EINVAL, "%s: corrupt zlib stream", name);
    }
    inflateEnd(&zs);
    *outlen = have;
    return 0;
}

/* Per block: inflate every candidate in file order (each failure is warned about, as in the unfused
 * path), keep the last usable one (doc/formats.md §Slices) and place it. Two buffers, so a later
 * corrupt duplicate never spoils an earlier good slice. */
static int fused_one(void *arg, unsigned b, unsigned thread)
{
    ctx *x = arg;
    holo_assembly *a = x->a;
    const holo_kind_ops *ops = x->ops;
    uint32_t B = a->ref.block_count;
    wbuf *w = x->w[thread];
    int cur = 0;
    uint64_t want = holo_slice_len(a->n, B, (uint32_t)b);
    size_t hint = (size_t)want * (size_t)ops->elem_size + 4096;
    int have = -1;
    size_t have_len = 0;
    for (int32_t i = x->head[b]; i >= 0; i = x->c[i].next) {
        cand *c = &x->c[i];
        holo_err e;
        size_t len = 0;
        if (inflate_into(c->file + c->h.resid_off, c->h.resid_len, x->cap, hint, &w[cur], &len,
                         &e, x->l->files[i].name) == 0) {
            if (ops->elem_size == 2 && (len & 1)) {
                snprintf(e.msg, sizeof e.msg, "%s: residual has an odd number of bytes",
                         x->l->files[i].name);
            } else {
                c->ok = 1;
                x->winner[b] = i;
                have = cur;
                have_len = len;
                cur ^= 1;
                continue;
            }
        }
        holo_warnf(x->o, "%s/%s: skipped: %s", x->l->dir, x->l->files[i].name, e.msg);
    }
    if (have < 0) return 0;
    uint64_t m = have_len / (size_t)ops->elem_size;
    if (m > want) m = want;
    ops->place_slice(ops->ctx, a->n, B, (uint32_t)b, x->golden, w[have].p, m);
    a->present[b] = 1;
    return 0;
}

static void fused_fini(void *arg, unsigned thread)
{
    ctx *x = arg;
    free(x->w[thread][0].p);
    free(x->w[thread][1].p);
}

/* Recovery wants the raw bytes of the known slices: inflate the usable candidates again. */
static int reinflate_one(void *arg, unsigned i, unsigned thread)
{
    (void)thread;
    ctx *x = arg;
    cand *c = &x->c[i];
    holo_err e;
    if (c->ok && holo_inflate(c->file + c->h.resid_off, c->h.resid_len, x->cap, &c->raw,
                              &c->raw_len, &e, x->l->files[i].name))
        c->ok = 0;   /* out of memory: the slice is then unknown to the solver */
    return 0;
}

static int inflate_one(void *arg, unsigned i, unsigned thread)
{
    (void)thread;
    ctx *x = arg;
    cand *c = &x->c[i];
    if (!c->file) return 0;
    holo_err e;
    if (holo_inflate(c->file + c->h.resid_off, c->h.resid_len, x->cap, &c->raw, &c->raw_len,
                     &e, x->l->files[i].name) == 0) {
        if (x->ops->elem_size == 2 && (c->raw_len & 1)) {
            snprintf(e.msg, sizeof e.msg, "%s: residual has an odd number of bytes", x->l->files[i].name);
        } else {
            c->ok = 1;
            return 0;
        }
    }
    holo_warnf(x->o, "%s/%s: skipped: %s", x->l->dir, x->l->files[i].name, e.msg);
    free(c->raw);
    c->raw = NULL;
    return 0;
}

static int place_one(void *arg, unsigned b, unsigned thread)
{
    (void)thread;
    ctx *x = arg;
    holo_assembly *a = x->a;
    uint32_t B = a->ref.block_count;
    const uint8_t *raw;
    size_t raw_len;
    uint64_t want = holo_slice_len(a->n, B, (uint32_t)b);
    if (x->winner[b] >= 0) {
        raw = x->c[x->winner[b]].raw;
        raw_len = x->c[x->winner[b]].raw_len;
    } else if (x->recovered && x->recovered[b]) {
        raw = x->recovered[b];
        raw_len = (size_t)want * (size_t)x->ops->elem_size;
    } else {
        return 0;
    }
    if (x->ops->elem_size == 2) {
        uint64_t m = raw_len / 2;
        if (m > want) m = want;
        int16_t *v = malloc(m ? m * 2 : 2);
        if (!v) return 0;   /* leave the slice missing rather than fail the decode */
        for (uint64_t k = 0; k < m; k++)
            v[k] = (int16_t)(uint16_t)(raw[2 * k] | raw[2 * k + 1] << 8);
        holo_slice_scatter_i16(a->resid, a->n, B, (uint32_t)b, x->golden, v, m);
        free(v);
    } else {
        holo_slice_scatter_u8(a->resid, a->n, B, (uint32_t)b, x->golden, raw, raw_len);
    }
    a->present[b] = 1;
    return 0;
}

/* Phase 0, parallel: read the chunk files (the outcome is reported in order by phase 1). */
static int read_one(void *arg, unsigned i, unsigned thread)
{
    (void)thread;
    ctx *x = arg;
    char path[PATH_MAX];
    cand *c = &x->c[i];
    if (holo_path_join(path, sizeof path, x->l->dir, x->l->files[i].name) < 0) {
        c->read_rc = 1;   /* silently not a candidate */
        return 0;
    }
    c->read_rc = holo_read_chunk(path, HOLO_MAX_CHUNK_FILE, &c->file, &c->len, &x->read_err[i]);
    if (c->read_rc == 0 && x->a->sums.loaded &&
        !holo_sums_match(&x->a->sums, x->l->files[i].name, c->file, c->len)) {
        /* a damaged chunk is a missing one: the set's holo.sum says what was written */
        c->read_rc = holo_seterr(&x->read_err[i], HOLO_EINVAL, "%s: does not match its "
                                 "SHA-256 in " HOLO_SUM_NAME, x->l->files[i].name);
        free(c->file);
        c->file = NULL;
    }
    return 0;
}

/* A candidate reference's claims against the limits, before set_reference allocates
 * anything: pixels and output size, then whether the chunks of its set (the parsed candidates
 * that agree with it) could inflate to the residual it claims. */
static int check_claims(const ctx *x, const cand *ref, const char *name, holo_err *e)
{
    int rc = holo_check_limits(&ref->h, x->o, name, e);
    if (rc) return rc;
    uint64_t max_resid = 0, set_bytes = 0;
    for (size_t j = 0; j < x->nc; j++) {
        const cand *c = &x->c[j];
        if (!c->file || c->parse_rc || !holo_chunk_same_set(&ref->h, &c->h)) continue;
        if (c->h.resid_len > max_resid) max_resid = c->h.resid_len;
        set_bytes += c->len;
    }
    return holo_check_plausible(&ref->h, max_resid, set_bytes, name, e);
}

/* Phase 1, sequential: parse and select the candidates. */
static int select_candidates(ctx *x, holo_err *err)
{
    const holo_chunklist *l = x->l;
    const holo_kind_ops *ops = x->ops;
    holo_assembly *a = x->a;
    int have_ref = 0;
    char path[PATH_MAX];
    holo_err claim_err = {0};   /* the first reference refused for what it claims */
    for (size_t i = 0; i < l->n; i++) {
        cand *c = &x->c[i];
        c->parse_rc = c->read_rc ? -1 : holo_chunk_parse(c->file, c->len, l->files[i].name, &c->h,
                                                        &x->read_err[i]);
    }
    for (size_t i = 0; i < l->n; i++) {
        cand *c = &x->c[i];
        const char *name = l->files[i].name;
        a->n_files++;
        if (c->read_rc > 0) continue;
        if (c->read_rc < 0) {
            holo_path_join(path, sizeof path, l->dir, name);
            holo_warnf(x->o, "%s: skipped: %s", path, x->read_err[i].msg);
            a->n_bad++;
            continue;
        }
        int rc = c->parse_rc;
        const char *why = rc ? x->read_err[i].msg : NULL;
        char buf[256];
        if (!rc && c->h.kind != ops->kind) {
            snprintf(buf, sizeof buf, "%s: a %s chunk among %s chunks", name,
                     holo_kind_name(c->h.kind), holo_kind_name(ops->kind));
            why = buf;
        } else if (!rc && !ops->accept_version(c->h.version)) {
            /* another generation of the same kind (v3 beside v1/v2): skipped silently
             * (doc/formats.md §HOCH v1/v2, decoding step 2) */
            free(c->file); c->file = NULL;
            continue;
        } else if (!rc && have_ref && !holo_chunk_same_set(&a->ref, &c->h)) {
            snprintf(buf, sizeof buf, "%s: geometry or block count differs from the first chunk", name);
            why = buf;
        } else if (!rc && !have_ref && check_claims(x, c, name, &x->read_err[i])) {
            /* warned about below, once a reference is found: else it is the error itself */
            if (!claim_err.code) claim_err = x->read_err[i];
            c->claim_refused = 1;
            a->n_bad++;
            free(c->file);
            c->file = NULL;
            continue;
        } else if (!rc && !have_ref) {
            if (ops->set_reference(ops->ctx, &c->h, c->file + c->h.coarse_off, c->h.coarse_len)) {
                snprintf(buf, sizeof buf, "%s: coarse data does not decode", name);
                why = buf;
            } else {
                a->ref = c->h;
                have_ref = 1;
            }
        }
        if (why) {
            holo_warnf(x->o, "%s/%s: skipped: %s", l->dir, name, why);
            a->n_bad++;
            free(c->file);
            c->file = NULL;
            continue;
        }
        if (l->files[i].mtime_ns > a->newest_mtime_ns) a->newest_mtime_ns = l->files[i].mtime_ns;
        a->chunk_bytes += c->len;
    }
    for (size_t i = 0; have_ref && i < l->n; i++)
        if (x->c[i].claim_refused)
            holo_warnf(x->o, "%s/%s: skipped: %s", l->dir, l->files[i].name, x->read_err[i].msg);
    if (!have_ref && claim_err.code)
        return holo_seterr(err, claim_err.code, "%s/%s", l->dir, claim_err.msg);
    if (!have_ref)
        return holo_seterr(err, HOLO_ENOCHUNKS, "%s: no valid %s chunk", l->dir, holo_kind_name(ops->kind));
    return 0;
}

/* Blocks with a non-empty slice that no accepted file carries: solve them from the recovery chunks
 * (doc/formats.md §HORC (solving); base_kind from the family, base_codec_version = the chunk
 * version). Known slices are the first accepted file's bytes per block (quirk Q14). */
static char **recovery_names(ctx *x, size_t *nnames)
{
    holo_assembly *a = x->a;
    const uint32_t B = a->ref.block_count;
    size_t missing = 0;
    for (uint32_t b = 0; b < B; b++)
        missing += x->winner[b] < 0 && holo_slice_len(a->n, B, b) > 0;
    *nnames = 0;
    return missing ? holo_recovery_list(x->l->dir, nnames) : NULL;
}

/* names from recovery_names (freed here). */
static int recover_missing(ctx *x, char **names, size_t nnames, holo_err *err)
{
    holo_assembly *a = x->a;
    const uint32_t B = a->ref.block_count;
    if (!names) return 0;
    int rc = 0;
    const uint8_t **known = calloc(B, sizeof *known);
    size_t *known_len = calloc(B, sizeof *known_len);
    x->recovered = calloc(B, sizeof *x->recovered);
    if (!known || !known_len || !x->recovered) {
        rc = holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", x->l->dir);
        goto out;
    }
    static const uint8_t empty[1];
    for (uint32_t b = 0; b < B; b++)
        if (holo_slice_len(a->n, B, b) == 0) known[b] = empty;   /* nothing to recover */
    for (size_t i = 0; i < x->nc; i++) {
        cand *c = &x->c[i];
        if (c->ok && !known[c->h.block_id]) {
            known[c->h.block_id] = c->raw;
            known_len[c->h.block_id] = c->raw_len;
        }
    }
    size_t S = (size_t)holo_slice_len(a->n, B, 0) * (size_t)x->ops->elem_size;
    int n = holo_recovery_solve(x->l->dir, names, nnames, holo_recovery_kind(x->ops->kind),
                                a->ref.version, B, S, known, known_len, x->o, x->recovered,
                                &a->n_recovery, err);
    if (n < 0) rc = n;
    else a->n_recovered = (uint32_t)n;
out:
    free(known);
    free(known_len);
    holo_recovery_list_free(names);
    return rc;
}

/* The fused path (ops->place_slice): inflate and place per block, then recover if needed. */
static int assemble_fused(ctx *x, int threads, holo_err *err)
{
    holo_assembly *a = x->a;
    const holo_kind_ops *ops = x->ops;
    uint32_t B = a->ref.block_count;
    x->head = malloc(B * sizeof *x->head);
    int32_t *tail = malloc(B * sizeof *tail);
    int rc = 0;
    if (!x->head || !tail) {
        rc = holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", x->l->dir);
        goto out;
    }
    for (uint32_t b = 0; b < B; b++) x->head[b] = tail[b] = -1;
    for (size_t i = 0; i < x->nc; i++) {
        cand *c = &x->c[i];
        c->next = -1;
        if (!c->file) continue;
        uint32_t b = c->h.block_id;
        if (tail[b] < 0) x->head[b] = (int32_t)i;
        else x->c[tail[b]].next = (int32_t)i;
        tail[b] = (int32_t)i;
    }
    if ((rc = ops->place_begin(ops->ctx, &a->ref, a->n, threads))) {
        rc = holo_seterr(err, rc, "%s: out of memory for %llu residual values", x->l->dir,
                         (unsigned long long)a->n);
        goto out;
    }
    wbuf w[PAR_MAX_THREADS][2];
    memset(w, 0, sizeof w);
    x->w = w;
    par_for_each(B, (unsigned)threads, fused_one, NULL, fused_fini, x);
    x->w = NULL;
    for (size_t i = 0; i < x->nc; i++) {
        cand *c = &x->c[i];
        if (!c->ok) { if (c->file) a->n_bad++; continue; }
        a->audio_flags_or |= c->h.flags;
    }
    if (x->o && x->o->no_recovery) goto out;
    size_t nnames;
    char **names = recovery_names(x, &nnames);
    if (!names) goto out;
    par_for((unsigned)x->nc, (unsigned)threads, reinflate_one, x);
    if ((rc = recover_missing(x, names, nnames, err))) goto out;
    for (uint32_t b = 0; b < B && x->recovered; b++)
        if (x->winner[b] < 0 && x->recovered[b]) {
            ops->place_slice(ops->ctx, a->n, B, b, x->golden, x->recovered[b],
                             holo_slice_len(a->n, B, b));
            a->present[b] = 1;
        }
out:
    free(tail);
    return rc;
}

int holo_assemble(const holo_chunklist *l, const holo_kind_ops *ops, const holo_decode_opts *o,
                  holo_assembly *a, holo_err *err)
{
    memset(a, 0, sizeof *a);
    ctx x = { .l = l, .ops = ops, .o = o, .a = a, .nc = l->n };
    x.c = calloc(l->n ? l->n : 1, sizeof *x.c);
    x.read_err = malloc((l->n ? l->n : 1) * sizeof *x.read_err);
    if (!x.c || !x.read_err) {
        free(x.c);
        free(x.read_err);
        return holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", l->dir);
    }
    int threads = holo_thread_count(o ? o->threads : 0);
    holo_sums_load(l->dir, &a->sums);
    par_for((unsigned)x.nc, (unsigned)threads, read_one, &x);
    int rc = select_candidates(&x, err);
    free(x.read_err);
    x.read_err = NULL;
    if (rc) goto out;

    uint32_t B = a->ref.block_count;
    a->n = ops->residual_len ? ops->residual_len(ops->ctx, &a->ref) : holo_chunk_residual_len(&a->ref);
    uint64_t bytes = a->n * (uint64_t)ops->elem_size;
    x.golden = ops->golden_from_v2 ? a->ref.version >= 2 : 1;
    /* A slice may carry surplus values (ignored, doc/formats.md §Slices); allow some but never a
     * bomb. */
    x.cap = holo_slice_len(a->n, B, 0) * (uint64_t)ops->elem_size * 2 + 4096;
    int fused = ops->place_slice && ops->place_begin && !ops->keep_slices;
    if (!fused) a->resid = calloc(bytes ? bytes : 1, 1);
    a->present = calloc(B, 1);
    x.winner = malloc(B * sizeof *x.winner);
    if (ops->keep_slices) {
        a->slices = calloc(B, sizeof *a->slices);
        a->slice_bytes = calloc(B, sizeof *a->slice_bytes);
    }
    if ((!fused && !a->resid) || !a->present || !x.winner ||
        (ops->keep_slices && (!a->slices || !a->slice_bytes))) {
        rc = holo_seterr(err, HOLO_ENOMEM, "%s: out of memory for %llu residual bytes", l->dir,
                         (unsigned long long)bytes);
        goto out;
    }
    for (uint32_t b = 0; b < B; b++) x.winner[b] = -1;
    if (fused) {
        rc = assemble_fused(&x, threads, err);
        if (rc) goto out;
        goto count;
    }
    par_for((unsigned)x.nc, (unsigned)threads, inflate_one, &x);

    for (size_t i = 0; i < x.nc; i++) {
        cand *c = &x.c[i];
        if (!c->ok) { if (c->file) a->n_bad++; continue; }
        /* the later file overwrites (doc/formats.md §Slices) */
        x.winner[c->h.block_id] = (int32_t)i;
        a->audio_flags_or |= c->h.flags;
        if (ops->keep_slices && !a->slices[c->h.block_id]) {   /* recovery: the first wins (Q14) */
            uint8_t *copy = malloc(c->raw_len ? c->raw_len : 1);
            if (!copy) { rc = holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", l->dir); goto out; }
            memcpy(copy, c->raw, c->raw_len);
            a->slices[c->h.block_id] = copy;
            a->slice_bytes[c->h.block_id] = c->raw_len;
        }
    }
    if (!o || !o->no_recovery) {
        size_t nnames;
        char **names = recovery_names(&x, &nnames);
        rc = recover_missing(&x, names, nnames, err);
        if (rc) goto out;
    }
    par_for(B, (unsigned)threads, place_one, &x);
count:
    for (uint32_t b = 0; b < B; b++) a->n_present += a->present[b];
    if (a->n_present == 0 && a->n > 0 && o && o->strict)
        rc = holo_seterr(err, HOLO_ENOCHUNKS, "%s: no residual slice could be read", l->dir);
out:
    for (size_t i = 0; i < x.nc; i++) { free(x.c[i].file); free(x.c[i].raw); }
    free(x.c);
    free(x.winner);
    free(x.head);
    if (x.recovered)
        for (uint32_t b = 0; b < a->ref.block_count; b++) free(x.recovered[b]);
    free(x.recovered);
    if (rc) holo_assembly_free(a);
    return rc;
}

void holo_assembly_free(holo_assembly *a)
{
    holo_sums_free(&a->sums);
    free(a->resid);
    free(a->present);
    if (a->slices)
        for (uint32_t b = 0; b < a->ref.block_count; b++) free(a->slices[b]);
    free(a->slices);
    free(a->slice_bytes);
    memset(a, 0, sizeof *a);
}

void holo_assembly_info(const holo_assembly *a, holo_info *info)
{
    memset(info, 0, sizeof *info);
    const holo_chunk_hdr *h = &a->ref;
    info->kind = h->kind;
    info->version = h->version;
    info->block_count = h->block_count;
    info->width = h->width;
    info->height = h->height;
    info->channels = h->kind == HOLO_KIND_IMAGE ? 3 : h->channels;
    info->sample_rate = h->sample_rate;
    info->frames = h->frames;
    info->length = h->length;
    info->chunks_present = a->n_present;
    info->chunks_bad = a->n_bad;
    info->chunk_files = a->n_files;
    info->exact = a->n_present == h->block_count && !(h->kind == HOLO_KIND_AUDIO && a->audio_flags_or & 1);
    info->newest_mtime_ns = a->newest_mtime_ns;
    info->chunk_bytes = a->chunk_bytes;
    info->recovery_chunks = a->n_recovery;
    info->chunks_recovered = a->n_recovered;
    info->recoverable = a->n_recovered > 0;
}

void holo_assembly_verify(const holo_assembly *a, const holo_decode_opts *o, const char *dir,
                          const void *data, uint64_t len, int i16, holo_info *info)
{
    info->verified = 0;
    if (!info->exact || !a->sums.have_decoded) return;
    uint8_t sha[32];
    if (i16) holo_sha256_i16le(data, (size_t)(len / 2), sha);
    else sha256(data, (size_t)len, sha);
    if (len == a->sums.decoded_len && !memcmp(sha, a->sums.decoded, 32)) {
        info->verified = 1;
        return;
    }
    info->exact = 0;
    holo_warnf(o, "%s: the decoded data does not match %s: not exact", dir, HOLO_SUM_NAME);
}
