/* image12.c — HOCH versions 1 and 2: RGB image, PNG thumbnail + int16 pixel residual
 * (doc/formats.md §HOCH v1/v2). Encoder: read (imageio.c), bicubic thumbnail (resample.c),
 * Pillow-exact PNG (pngthumb.c), bicubic upscale, residual = img - up, then the generic chunk
 * writer with L1 scores. Decoder: the generic assembler with a hook that decodes the reference
 * chunk's thumbnail; output clamp(upscale + R). The upscale is made first and each slice is added
 * into it as soon as it is inflated (place hooks): every position receives at most one residual
 * value, so clamp(up + v) per position is the same byte as placing R whole and adding.
 */
#include "imageio.h"
#include "internal.h"
#include "par.h"
#include "sha256.h"
#include "pngthumb.h"
#include "resample.h"

#include <stdlib.h>
#include <string.h>

#define IMAGE_DEFAULT_BLOCKS 32u
#define IMAGE_DEFAULT_SIDE 16u

static uint32_t image_blocks(const holo_encode_opts *o, uint64_t N, size_t coarse_bytes)
{
    uint64_t B = IMAGE_DEFAULT_BLOCKS;
    if (o->chunk_kb > 0)
        B = holo_block_count_kb(2 * N, coarse_bytes, o->chunk_kb);
    else if (o->block_count > 0)
        B = o->block_count;
    if (B > N) B = N;   /* clamp [1, N] (doc/formats.md §Block count) */
    if (B > HOLO_MAX_BLOCKS) B = HOLO_MAX_BLOCKS;
    return B ? (uint32_t)B : 1;
}

int holo_image12_encode(const char *input, const char *tmpdir, const holo_encode_opts *o,
                        holo_err *err)
{
    int version = o->codec_version ? o->codec_version : 2;
    if (version != 1 && version != 2)
        return holo_seterr(err, HOLO_EINVAL, "%s: image codec version %d is not 1 or 2", input,
                           version);
    int threads = holo_thread_count(o->threads);
    holo_image im;
    int rc = holo_image_read(input, &im, err);
    if (rc) return rc;
    uint32_t W = im.w, H = im.h, tw, th;
    uint64_t N = (uint64_t)W * H * 3;
    holo_thumb_size(W, H, o->coarse_side ? o->coarse_side : IMAGE_DEFAULT_SIDE, &tw, &th);
    uint8_t *thumb = malloc((size_t)tw * th * 3), *up = malloc((size_t)N), *png = NULL;
    int16_t *resid = malloc((size_t)N * sizeof *resid);
    size_t pnglen = 0;
    if (!thumb || !up || !resid) {
        rc = holo_seterr(err, HOLO_ENOMEM, "%s: out of memory for %ux%u pixels", input, W, H);
        goto out;
    }
    if ((rc = holo_resize_rgb8(im.rgb, W, H, thumb, tw, th, threads)) ||
        (rc = holo_resize_rgb8(thumb, tw, th, up, W, H, threads))) {
        rc = holo_seterr(err, rc, "%s: out of memory while resampling", input);
        goto out;
    }
    if ((rc = holo_pngthumb_write(thumb, tw, th, &png, &pnglen, err))) goto out;
    for (uint64_t i = 0; i < N; i++) resid[i] = (int16_t)((int)im.rgb[i] - (int)up[i]);

    holo_enc_plan p;
    memset(&p, 0, sizeof p);
    p.hdr.kind = HOLO_KIND_IMAGE;
    p.hdr.version = version;
    p.hdr.height = H;
    p.hdr.width = W;
    p.hdr.channels = 3;
    p.hdr.block_count = image_blocks(o, N, pnglen);
    p.coarse = png;
    p.coarse_len = pnglen;
    p.resid16 = resid;
    p.n = N;
    p.golden = version >= 2;
    p.zlib_level = o->zlib_level;
    p.write_scores = 1;
    p.base_kind = "image";
    p.write_sums = 1;                   /* a complete decode gives the input's pixels back */
    sha256(im.rgb, (size_t)N, p.decoded_sha);
    p.decoded_len = N;
    /* The input buffers are no longer needed: free them before the chunk writer's peak. */
    holo_image_free(&im);
    free(up);
    up = NULL;
    p.recovery = o->recovery;
    rc = holo_write_chunks(tmpdir, &p, o->threads, err);
out:
    free(png);
    free(resid);
    free(up);
    free(thumb);
    holo_image_free(&im);
    return rc;
}

/* ---- decoder ---------------------------------------------------------------------------- */
/* The decoder adds each slice into the upscaled image. Walking a golden slice in key order
 * jumps across the whole image (one cache miss per value), so for big images a slice is first
 * re-ordered by position while it is hot in the cache, then all slices are added window by
 * window of the image (window and streams in cache). The position order of the points
 * x0 + k*delta mod n (k < m) comes from the three-distance theorem: the successor of k is k+u
 * (gap gu), k-v (gap gv) or k+u-v (gap gu+gv), where u and v are the k in [1, m) with the
 * smallest and the largest k*delta mod n. */
#define WIN_SHIFT 18                 /* 256 KiB windows of the output */
#define WIN_NONE UINT32_MAX
#define PF 16                        /* prefetch distance of the walks */
#define SORT_MIN_M 64                /* shorter slices are scattered directly */
#define SORT_MAX_ENTRIES (1u << 20)  /* B * windows bound for the window index */

typedef struct tg_geom { uint64_t m, u, v, gu, gv; } tg_geom;
typedef struct win_entry { uint32_t j, k; uint64_t pos; } win_entry;   /* first point of a window */

typedef struct slice_stream {
    int16_t *s;               /* values in traversal order from k = 0 (circular from x0), in
                                 the pool; NULL when the slice was not sorted */
    tg_geom g;
    win_entry *ent;           /* per window: the first point at or after its start, or j = NONE */
} slice_stream;

typedef struct image_ref {
    const char *dir;
    holo_image thumb;         /* RGB of the reference chunk's coarse payload */
    uint8_t *pix;             /* place hooks: the upscale, then the output; NULL if unusable */
    int sorted;               /* slices go through position-ordered streams */
    uint64_t step, delta;
    uint32_t B, nwin;
    tg_geom g[2];             /* for the two full slice lengths */
    slice_stream *st;         /* sorted: per block, or s = NULL */
    int16_t *pool;            /* sorted: block b's stream at b * slice_len(0) */
    uint64_t m0;
} image_ref;

static int accept_v12(int version) { return version == 1 || version == 2; }

static int image_set_reference(void *ctx, const holo_chunk_hdr *h, const uint8_t *coarse,
                               size_t coarse_len)
{
    image_ref *r = ctx;
    /* Hardening of doc/formats.md §HOCH v1/v2 (quirk Q3): only what the encoder can write is a
     * reference. */
    if (h->channels != 3 || !h->width || !h->height ||
        (uint64_t)h->width * h->height > HOLO_MAX_PIXELS)
        return HOLO_EINVAL;
    holo_image t;
    int rc = holo_image_decode(coarse, coarse_len, r->dir, &t, NULL);
    if (rc) return rc;
    holo_image_free(&r->thumb);   /* an earlier candidate whose residual failed */
    r->thumb = t;
    return 0;
}

static inline uint64_t mulmod(uint64_t a, uint64_t b, uint64_t n)
{
    return (uint64_t)((unsigned __int128)a * b % n);
}

static tg_geom tg_geometry(uint64_t n, uint64_t delta, uint64_t m)
{
    tg_geom g = { .m = m, .gu = UINT64_MAX };
    uint64_t rel = 0, back = n - delta, hi = 0;
    for (uint64_t k = 1; k < m; k++) {
        rel = rel >= back ? rel - back : rel + delta;
        if (rel < g.gu) { g.gu = rel; g.u = k; }
        if (rel > hi) { hi = rel; g.v = k; }
    }
    g.gv = n - hi;
    return g;
}

/* Successor in position order; positions are not reduced mod n (callers do that). */
static inline void tg_next(const tg_geom *g, uint64_t *k, uint64_t *pos)
{
    uint64_t a1 = *k + g->u;
    int c1 = a1 < g->m, c2 = *k >= g->v;
    *pos += c1 ? g->gu : c2 ? g->gv : g->gu + g->gv;
    *k = c1 ? a1 : c2 ? *k - g->v : a1 - g->v;
}

static void image_ref_free_streams(image_ref *r)
{
    if (r->st)
        for (uint32_t b = 0; b < r->B; b++) free(r->st[b].ent);
    free(r->st);
    free(r->pool);
    r->st = NULL;
    r->pool = NULL;
}

/* Upscale the thumbnail into the output buffer before any slice arrives. A reference that does
 * not match N leaves pix NULL: the decode then fails with the usual message. */
static int image_place_begin(void *ctx, const holo_chunk_hdr *ref, uint64_t n, int threads)
{
    image_ref *r = ctx;
    uint32_t W = ref->width, H = ref->height, B = ref->block_count;
    if (!r->thumb.rgb || n != (uint64_t)W * H * 3) return 0;
    r->pix = malloc((size_t)n);
    if (!r->pix) return HOLO_ENOMEM;
    int rc = holo_resize_rgb8(r->thumb.rgb, r->thumb.w, r->thumb.h, r->pix, W, H, threads);
    if (rc) {
        free(r->pix);
        r->pix = NULL;
        return rc;
    }
    uint64_t nwin = (n + (1u << WIN_SHIFT) - 1) >> WIN_SHIFT;
    r->B = B;
    if (ref->version >= 2 && B > 1 && holo_slice_len(n, B, 0) >= SORT_MIN_M &&
        nwin * B <= SORT_MAX_ENTRIES) {
        r->m0 = holo_slice_len(n, B, 0);
        r->st = calloc(B, sizeof *r->st);
        r->pool = malloc((size_t)B * (size_t)r->m0 * sizeof *r->pool);   /* <= n + B values */
        if (!r->st || !r->pool) {   /* unsorted placement is just slower */
            image_ref_free_streams(r);
            return 0;
        }
        r->sorted = 1;
        r->nwin = (uint32_t)nwin;
        r->step = holo_golden_step(n);
        r->delta = mulmod(B % n, r->step, n);
        r->g[0] = tg_geometry(n, r->delta, holo_slice_len(n, B, 0));
        uint64_t m1 = holo_slice_len(n, B, B - 1);
        r->g[1] = m1 == r->g[0].m ? r->g[0] : tg_geometry(n, r->delta, m1);
    }
    return 0;
}

/* *p = clamp(*p + v) without branches (a negative t is zeroed; t > 255 becomes all ones). */
static inline void add_clamped(uint8_t *p, int v)
{
    int32_t t = (int32_t)*p + v;
    t &= ~(t >> 31);
    t |= (255 - t) >> 31;
    *p = (uint8_t)t;
}

static inline int le16(const uint8_t *le)
{
    return (int16_t)(uint16_t)(le[0] | le[1] << 8);
}

/* Re-order slice b into position order (the slice is still in cache) and index its windows. */
static int sort_slice(image_ref *r, uint64_t n, uint32_t b, const uint8_t *le, uint64_t m)
{
    slice_stream *st = &r->st[b];
    st->g = m == r->g[0].m ? r->g[0] : m == r->g[1].m ? r->g[1] : tg_geometry(n, r->delta, m);
    st->ent = malloc((size_t)r->nwin * sizeof *st->ent);
    if (!st->ent) return HOLO_ENOMEM;
    st->s = r->pool + (size_t)b * r->m0;
    for (uint32_t w = 0; w < r->nwin; w++) st->ent[w].j = WIN_NONE;
    const tg_geom g = st->g;
    uint64_t x0 = mulmod(b % n, r->step, n), k = 0, pos = x0, cw = x0 >> WIN_SHIFT;
    /* The slice is bigger than L2: a second cursor prefetches the values PF steps ahead. */
    uint64_t ka = 0, pa = 0;
    for (int i = 0; i < PF; i++) tg_next(&g, &ka, &pa);
    for (uint64_t j = 0; j < m; j++) {
        if (ka < m) __builtin_prefetch(le + 2 * ka);
        tg_next(&g, &ka, &pa);
        st->s[j] = (int16_t)le16(le + 2 * k);
        tg_next(&g, &k, &pos);
        int wrap = pos >= n;      /* the one wrap, to the smallest position */
        if (wrap) pos -= n;
        uint64_t nw = pos >> WIN_SHIFT;
        if ((nw != cw || wrap) && j + 1 < m) {
            st->ent[nw] = (win_entry){ (uint32_t)(j + 1), (uint32_t)k, pos };
            cw = nw;
        }
    }
    if (st->ent[x0 >> WIN_SHIFT].j == WIN_NONE)   /* nothing below x0 in its window */
        st->ent[x0 >> WIN_SHIFT] = (win_entry){ 0, 0, x0 };
    return 0;
}

/* pix[idx_k] = clamp(pix[idx_k] + v_k) over slice b walked in key order (golden.c's layout,
 * doc/formats.md §Slices), prefetching PF positions ahead: used for small images and v1. */
static void scatter_slice(uint8_t *pix, uint64_t n, uint32_t B, uint32_t b, int golden,
                          const uint8_t *le, uint64_t m)
{
    if (!golden || B <= 1) {
        for (uint64_t k = 0; k < m; k++) add_clamped(pix + b + k * B, le16(le + 2 * k));
        return;
    }
    uint64_t step = holo_golden_step(n);
    uint64_t idx = mulmod(b % n, step, n), delta = mulmod(B % n, step, n), back = n - delta;
    uint64_t ahead = idx, k = 0;
    for (int i = 0; i < PF; i++) ahead = ahead >= back ? ahead - back : ahead + delta;
    for (; k + PF < m; k++) {
        __builtin_prefetch(pix + ahead, 1);
        ahead = ahead >= back ? ahead - back : ahead + delta;
        add_clamped(pix + idx, le16(le + 2 * k));
        idx = idx >= back ? idx - back : idx + delta;
    }
    for (; k < m; k++) {
        add_clamped(pix + idx, le16(le + 2 * k));
        idx = idx >= back ? idx - back : idx + delta;
    }
}

static void image_place_slice(void *ctx, uint64_t n, uint32_t B, uint32_t b, int golden,
                              const uint8_t *le, uint64_t m)
{
    image_ref *r = ctx;
    if (!r->pix || m == 0) return;
    if (r->sorted && m >= SORT_MIN_M && sort_slice(r, n, b, le, m) == 0) return;
    scatter_slice(r->pix, n, B, b, golden, le, m);   /* short slice, or out of memory */
}

/* Add the sorted streams to windows [w0, w1) of the output. */
typedef struct merge_job { image_ref *r; uint64_t n; unsigned parts; } merge_job;

/* Share t of the windows, cut into `parts` contiguous ranges. */
static int merge_share(void *p, unsigned t, unsigned thread)
{
    (void)thread;
    merge_job *mj = p;
    image_ref *r = mj->r;
    uint32_t w0 = (uint32_t)((uint64_t)r->nwin * t / mj->parts), w1 = (uint32_t)((uint64_t)r->nwin * (t + 1) / mj->parts);
    for (uint32_t w = w0; w < w1; w++) {
        uint64_t wend = ((uint64_t)w + 1) << WIN_SHIFT;
        if (wend > mj->n) wend = mj->n;
        for (uint32_t b = 0; b < r->B; b++) {
            const slice_stream *st = &r->st[b];
            if (!st->s || st->ent[w].j == WIN_NONE) continue;
            const tg_geom g = st->g;
            const int16_t *s = st->s;
            uint64_t j = st->ent[w].j, k = st->ent[w].k, pos = st->ent[w].pos;
            for (uint64_t left = g.m; pos < wend && left; left--) {
                add_clamped(r->pix + pos, s[j]);
                tg_next(&g, &k, &pos);
                j = j + 1 == g.m ? 0 : j + 1;
            }
        }
    }
    return 0;
}

static void merge_streams(image_ref *r, uint64_t n, int threads)
{
    if (threads > PAR_MAX_THREADS) threads = PAR_MAX_THREADS;
    if (threads > (int)r->nwin) threads = (int)r->nwin;
    if (threads < 1) threads = 1;
    merge_job job = { r, n, (unsigned)threads };
    par_for(job.parts, job.parts, merge_share, &job);
}

int holo_image12_decode(const holo_chunklist *l, const holo_decode_opts *o, holo_decoded *out,
                        holo_err *err)
{
    image_ref r = { .dir = l->dir };
    holo_kind_ops ops = { .kind = HOLO_KIND_IMAGE, .accept_version = accept_v12,
                          .set_reference = image_set_reference, .ctx = &r, .elem_size = 2,
                          .golden_from_v2 = 1, .place_begin = image_place_begin,
                          .place_slice = image_place_slice };
    holo_assembly a;
    memset(out, 0, sizeof *out);
    int rc = holo_assemble(l, &ops, o, &a, err);
    if (rc) {
        holo_image_free(&r.thumb);
        image_ref_free_streams(&r);
        free(r.pix);
        return rc;
    }
    uint32_t W = a.ref.width, H = a.ref.height;
    uint64_t N = (uint64_t)W * H * 3;
    uint8_t *pix = NULL;
    if (!r.thumb.rgb || a.n != N || (!a.resid && !r.pix)) {
        rc = holo_seterr(err, HOLO_EINVAL, "%s: image chunks disagree with their reference",
                         l->dir);
        goto out;
    }
    if (a.resid) {   /* the driver's unfused path: R placed whole */
        if (!r.thumb.rgb || !(pix = malloc((size_t)N))) {
            rc = holo_seterr(err, HOLO_ENOMEM, "%s: out of memory for %ux%u pixels", l->dir, W, H);
            goto out;
        }
        if ((rc = holo_resize_rgb8_add(r.thumb.rgb, r.thumb.w, r.thumb.h, pix, W, H, a.resid,
                                       holo_thread_count(o->threads)))) {
            rc = holo_seterr(err, rc, "%s: out of memory while resampling", l->dir);
            goto out;
        }
    } else {
        if (r.sorted) merge_streams(&r, N, holo_thread_count(o->threads));
        pix = r.pix;
        r.pix = NULL;
    }
    holo_assembly_info(&a, &out->info);
    out->info.kind = HOLO_KIND_IMAGE;
    out->info.version = a.ref.version;
    out->info.block_count = a.ref.block_count;
    out->info.width = W;
    out->info.height = H;
    out->info.channels = 3;
    out->info.exact = a.n_present == a.ref.block_count;
    holo_assembly_verify(&a, o, l->dir, pix, N, 0, &out->info);
    out->pixels = pix;
    pix = NULL;
out:
    image_ref_free_streams(&r);
    free(pix);
    free(r.pix);
    holo_assembly_free(&a);
    holo_image_free(&r.thumb);
    return rc;
}
