/* image3.c — HOCH version 3 "olonomic" images (doc/formats.md §HOCH v3): OLOI blob, coarse models
 * (downsample, latent_lowfreq, ae_latent), quantized block-DCT residual. */
#include "v3.h"
#include "dct.h"
#include "imageio.h"
#include "pngthumb.h"
#include "resample.h"
#include <math.h>
#include "par.h"
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

enum { MODEL_DOWNSAMPLE, MODEL_LOWFREQ, MODEL_AE };
#define LOWFREQ_K 6

typedef struct oloi {
    int meta_ver, n, q, flags;
    uint32_t pad_h, pad_w;
    char model[256];
    const uint8_t *payload;
    size_t payload_len;
} oloi;

static int model_id(const char *name)
{
    if (!strcmp(name, "latent_lowfreq")) return MODEL_LOWFREQ;
    if (!strcmp(name, "ae_latent")) return MODEL_AE;
    return MODEL_DOWNSAMPLE;    /* unknown names: downsample (doc/formats.md §HOCH v3) */
}

static int oloi_parse(const uint8_t *p, size_t len, const char *name, oloi *m, holo_err *err)
{
    memset(m, 0, sizeof *m);
    if (len < 16 || memcmp(p, "OLOI", 4))
        return holo_seterr(err, HOLO_EINVAL, "%s: missing OLOI coarse metadata", name);
    m->meta_ver = p[4];
    m->n = p[5];
    m->q = p[6] < 1 ? 1 : p[6] > 100 ? 100 : p[6];
    m->flags = p[7];
    m->pad_h = (uint32_t)p[8] << 8 | p[9];
    m->pad_w = (uint32_t)p[10] << 8 | p[11];
    uint32_t plen = holo_rd32(p + 12);
    size_t off;
    if (m->meta_ver == 1) {
        off = 16;
        strcpy(m->model, "downsample");
    } else if (m->meta_ver == 2) {
        if (len < 17) return holo_seterr(err, HOLO_EINVAL, "%s: truncated OLOI blob", name);
        size_t nl = p[16];
        if (17 + nl > len) return holo_seterr(err, HOLO_EINVAL, "%s: OLOI model name past the end", name);
        holo_v3_model_name(p + 17, nl, m->model);
        off = 17 + nl;
    } else {
        return holo_seterr(err, HOLO_EUNSUPPORTED, "%s: OLOI meta version %d", name, m->meta_ver);
    }
    if (m->n < 1) return holo_seterr(err, HOLO_EINVAL, "%s: OLOI block size 0", name);
    if ((uint64_t)off + plen > len)
        return holo_seterr(err, HOLO_EINVAL, "%s: OLOI payload runs past the blob", name);
    m->payload = p + off;
    m->payload_len = plen;
    return 0;
}

/* ---- plane transforms ------------------------------------------------------------------ */

/* Blocks of one plane (H x W float32, edge-replicated beyond), keep coefficients per block. */
static int plane_forward(holo_dct *d, const float *plane, uint32_t H, uint32_t W, uint32_t bh,
                         uint32_t bw, int keep, int16_t *out, float *blk)
{
    const int n = d->n;
    int clipped = 0;
    for (uint32_t by = 0; by < bh; by++)
        for (uint32_t bx = 0; bx < bw; bx++) {
            for (int r = 0; r < n; r++) {
                uint64_t y = (uint64_t)by * n + r;
                if (y >= H) y = H - 1;
                for (int c = 0; c < n; c++) {
                    uint64_t x = (uint64_t)bx * n + c;
                    if (x >= W) x = W - 1;
                    blk[r * n + c] = plane[y * W + x];
                }
            }
            clipped |= holo_dct_forward(d, blk, out, keep);
            out += keep;
        }
    return clipped;
}

/* Inverse of every block of one plane, cropped to H x W into `plane`. `per` coefficients per
 * block in `in`, of which `have` are used. */
static void plane_inverse(holo_dct *d, const int16_t *in, uint32_t bh, uint32_t bw, int per,
                          int have, float *plane, uint32_t H, uint32_t W, float *blk)
{
    const int n = d->n;
    for (uint32_t by = 0; by < bh; by++)
        for (uint32_t bx = 0; bx < bw; bx++) {
            holo_dct_inverse(d, in, have, blk);
            in += per;
            for (int r = 0; r < n; r++) {
                uint64_t y = (uint64_t)by * n + r;
                if (y >= H) break;
                for (int c = 0; c < n; c++) {
                    uint64_t x = (uint64_t)bx * n + c;
                    if (x >= W) break;
                    plane[y * W + x] = blk[r * n + c];
                }
            }
        }
}

static uint32_t pad_for(uint32_t v, int n) { return (uint32_t)((n - (int)(v % (uint32_t)n)) % n); }

/* The residual transform of a whole image, spread over threads by block rows (channel c,
 * block row by): encode reads img - up and writes V; decode reads the collected set block by
 * block and writes pix = trunc(clamp(up + spatial)). Each thread owns its scratch. */
typedef struct rows_scratch {
    holo_dct d;
    float *blk;
    int16_t *got;               /* decode */
} rows_scratch;

typedef struct rows_job {
    int n, q, encode;
    uint32_t H, W, bh, bw;
    const uint8_t *img, *up;
    int16_t *V;                 /* encode */
    const holo_v3_set *set;     /* decode */
    uint8_t *pix;
    rows_scratch *sc;           /* [thread] */
    atomic_int clipped;
} rows_job;

/* Each thread's scratch: a DCT and its block buffers. */
static int rows_init(void *arg, unsigned t)
{
    rows_job *j = arg;
    rows_scratch *sc = &j->sc[t];
    const int nn = j->n * j->n;
    sc->blk = malloc((size_t)nn * sizeof *sc->blk);
    sc->got = j->encode ? NULL : malloc((size_t)nn * sizeof *sc->got);
    if (!sc->blk || (!j->encode && !sc->got) || holo_dct_init(&sc->d, j->n, j->q)) {
        free(sc->blk);
        free(sc->got);
        return -1;
    }
    return 0;
}

static void rows_fini(void *arg, unsigned t)
{
    rows_job *j = arg;
    holo_dct_free(&j->sc[t].d);
    free(j->sc[t].blk);
    free(j->sc[t].got);
}

/* Block row `row` (channel row / bh, block row row % bh). */
static int rows_item(void *arg, unsigned row, unsigned t)
{
    rows_job *j = arg;
    const int n = j->n, nn = n * n;
    holo_dct *d = &j->sc[t].d;
    float *blk = j->sc[t].blk;
    int16_t *got = j->sc[t].got;
    int clipped = 0;
    uint32_t c = row / j->bh, by = row % j->bh;
    for (uint32_t bx = 0; bx < j->bw; bx++) {
        uint64_t at = (((uint64_t)c * j->bh + by) * j->bw + bx) * (uint64_t)nn;
        if (j->encode) {
            int16_t *coef = j->V + at;
            for (int r = 0; r < n; r++) {
                uint64_t y = (uint64_t)by * n + r;
                if (y >= j->H) y = j->H - 1;            /* replicate the last row ... */
                for (int cc = 0; cc < n; cc++) {
                    uint64_t x = (uint64_t)bx * n + cc;
                    if (x >= j->W) x = j->W - 1;        /* ... and the last column */
                    uint64_t i = (y * j->W + x) * 3 + c;
                    blk[r * n + cc] = (float)((int)j->img[i] - (int)j->up[i]);
                }
            }
            clipped |= holo_dct_forward(d, blk, coef, nn);
        } else {
            holo_v3_gather(j->set, at, (uint64_t)nn, got);
            holo_dct_inverse(d, got, nn, blk);
            for (int r = 0; r < n; r++) {
                uint64_t y = (uint64_t)by * n + r;
                if (y >= j->H) break;
                for (int cc = 0; cc < n; cc++) {
                    uint64_t x = (uint64_t)bx * n + cc;
                    if (x >= j->W) break;
                    uint64_t i = (y * j->W + x) * 3 + c;
                    /* float32 sum, clamp, then truncation toward zero (quirk Q8). */
                    float v = (float)j->up[i] + blk[r * n + cc];
                    j->pix[i] = v <= 0.0f ? 0 : v >= 255.0f ? 255 : (uint8_t)v;
                }
            }
        }
    }
    if (clipped) atomic_store(&j->clipped, 1);
    return 0;
}

/* Returns 0, or HOLO_ENOMEM; *clipped gets the encoder's clip flag. */
static int run_rows(rows_job *j, int threads, int *clipped)
{
    rows_scratch sc[PAR_MAX_THREADS];
    j->sc = sc;
    atomic_init(&j->clipped, 0);
    int rc = par_for_each(3 * j->bh, (unsigned)holo_thread_count(threads), rows_item, rows_init, rows_fini, j);
    if (clipped) *clipped = atomic_load(&j->clipped);
    return rc ? HOLO_ENOMEM : 0;
}

/* ---- coarse models --------------------------------------------------------------------- */

/* PNG thumbnail -> bicubic W x H. */
static int decode_png_up(const uint8_t *png, size_t len, uint32_t H, uint32_t W, const char *name,
                         uint8_t *up, holo_err *err)
{
    holo_image th;
    int rc = holo_image_decode(png, len, name, &th, err);
    if (rc) return rc;
    rc = holo_resize_rgb8(th.rgb, th.w, th.h, up, W, H, 1);
    holo_image_free(&th);
    if (rc) return holo_seterr(err, rc, "%s: cannot resample the coarse thumbnail", name);
    return 0;
}

static int decode_lowfreq(const oloi *m, uint32_t H, uint32_t W, const char *name, uint8_t *up,
                          holo_err *err)
{
    if (m->payload_len < 1) return holo_seterr(err, HOLO_EINVAL, "%s: empty latent_lowfreq payload", name);
    const int n = m->n, nn = n * n;
    int K = m->payload[0];
    if (K < 1) K = 1;
    if (K > nn) K = nn;
    uint32_t bh = (H + pad_for(H, n)) / (uint32_t)n, bw = (W + pad_for(W, n)) / (uint32_t)n;
    uint64_t need = 3ull * bh * bw * (uint64_t)K;
    uint8_t *z = NULL;
    size_t zl = 0;
    int rc = holo_inflate(m->payload + 1, m->payload_len - 1, (size_t)(2 * need) + 65536, &z, &zl,
                          err, name);
    if (rc) return rc;
    if (zl / 2 < need) {
        free(z);
        return holo_seterr(err, HOLO_EINVAL, "%s: latent_lowfreq payload too short", name);
    }
    int16_t *coef = malloc(need * sizeof *coef);
    float *plane = malloc((size_t)H * W * sizeof *plane);
    float *blk = malloc((size_t)nn * sizeof *blk);
    holo_dct d;
    int drc = holo_dct_init(&d, n, m->q);
    if (!coef || !plane || !blk || drc) {
        free(z); free(coef); free(plane); free(blk); holo_dct_free(&d);
        return holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", name);
    }
    for (uint64_t i = 0; i < need; i++) coef[i] = (int16_t)(z[2 * i] | z[2 * i + 1] << 8);
    free(z);
    for (int c = 0; c < 3; c++) {
        plane_inverse(&d, coef + (uint64_t)c * bh * bw * K, bh, bw, K, K, plane, H, W, blk);
        for (uint64_t i = 0; i < (uint64_t)H * W; i++) {
            float v = nearbyintf(plane[i]);
            up[i * 3 + c] = v <= 0.0f ? 0 : v >= 255.0f ? 255 : (uint8_t)v;
        }
    }
    free(coef); free(plane); free(blk);
    holo_dct_free(&d);
    return 0;
}

/* up = model.decode(payload). */
static int model_decode(const oloi *m, uint32_t H, uint32_t W, const char *name, uint8_t *up,
                        holo_err *err)
{
    switch (model_id(m->model)) {
    case MODEL_LOWFREQ:
        return decode_lowfreq(m, H, W, name, up, err);
    case MODEL_AE: {
        /* u32 png_len, u32 latent_len, PNG, latent. Without weights the PNG is what counts. */
        if (m->payload_len < 8) return holo_seterr(err, HOLO_EINVAL, "%s: truncated ae_latent payload", name);
        uint32_t pl = holo_rd32(m->payload);
        if (8ull + pl > m->payload_len)
            return holo_seterr(err, HOLO_EINVAL, "%s: ae_latent PNG runs past the payload", name);
        return decode_png_up(m->payload + 8, pl, H, W, name, up, err);
    }
    default:
        return decode_png_up(m->payload, m->payload_len, H, W, name, up, err);
    }
}

/* ---- decoder --------------------------------------------------------------------------- */

typedef struct img3_ctx {
    oloi meta;
    uint8_t *blob;             /* copy of the reference OLOI blob (meta.payload points into it) */
    uint8_t *up;
    uint32_t bh, bw;
} img3_ctx;

/* Blocks down and across (doc/formats.md §HOCH v3, decoding). */
static void block_grid(const holo_chunk_hdr *h, const oloi *m, uint32_t *bh, uint32_t *bw)
{
    const uint32_t n = (uint32_t)m->n;
    *bh = (h->height + m->pad_h + n - 1) / n;
    *bw = (h->width + m->pad_w + n - 1) / n;
    if (*bh < 1) *bh = 1;
    if (*bw < 1) *bw = 1;
}

uint64_t holo_image3_count(const holo_chunk_hdr *h, const uint8_t *blob, size_t len)
{
    oloi m;
    uint32_t bh, bw;
    if (oloi_parse(blob, len, "", &m, NULL)) return 0;
    block_grid(h, &m, &bh, &bw);
    return 3ull * bh * bw * (uint64_t)m.n * m.n;
}

static int img3_set_reference(void *vctx, const holo_chunk_hdr *h, const uint8_t *blob,
                              size_t len, const char *name, uint64_t *N, holo_err *err)
{
    img3_ctx *x = vctx;
    oloi m;
    int rc = oloi_parse(blob, len, name, &m, err);
    if (rc) return rc;
    const uint32_t n = (uint32_t)m.n;
    /* Pads are trusted by the reference (Q25); we accept only what an encoder can write. */
    if (m.pad_h >= n || m.pad_w >= n)
        return holo_seterr(err, HOLO_EINVAL, "%s: OLOI padding %u/%u not below block size %u", name,
                           m.pad_h, m.pad_w, n);
    uint32_t bh, bw;
    block_grid(h, &m, &bh, &bw);
    uint8_t *up = malloc((size_t)h->height * h->width * 3);
    if (!up) return holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", name);
    rc = model_decode(&m, h->height, h->width, name, up, err);
    if (rc) { free(up); return rc; }
    uint8_t *copy = malloc(len ? len : 1);
    if (!copy) { free(up); return holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", name); }
    memcpy(copy, blob, len);
    m.payload = copy + (m.payload - blob);
    x->meta = m;
    x->blob = copy;
    x->up = up;
    x->bh = bh;
    x->bw = bw;
    *N = 3ull * bh * bw * n * n;
    return 0;
}

int holo_image3_decode(const holo_chunklist *l, const holo_decode_opts *o, holo_decoded *out,
                       holo_err *err)
{
    img3_ctx x = {0};
    holo_v3_ops ops = { HOLO_KIND_IMAGE, holo_image3_count, img3_set_reference, &x };
    holo_v3_set s;
    int rc = holo_v3_collect(l, &ops, o, &s, err);
    if (rc) { free(x.up); free(x.blob); return rc; }
    const uint32_t H = s.ref.height, W = s.ref.width;
    uint8_t *pix = malloc((size_t)H * W * 3);
    rows_job j = { .n = x.meta.n, .q = x.meta.q, .encode = 0, .H = H, .W = W, .bh = x.bh,
                   .bw = x.bw, .up = x.up, .set = &s, .pix = pix };
    if (!pix || run_rows(&j, o ? o->threads : 0, NULL)) {
        rc = holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", l->dir);
        free(pix);
        goto out;
    }
    memset(out, 0, sizeof *out);
    holo_v3_info(&s, &out->info);
    out->pixels = pix;
out:
    free(x.up);
    free(x.blob);
    holo_v3_set_free(&s);
    return rc;
}

/* ---- encoder --------------------------------------------------------------------------- */

static int oloi_build(int n, int q, int flags, uint32_t pad_h, uint32_t pad_w, const char *model,
                      const uint8_t *payload, size_t plen, uint8_t **out, size_t *outlen,
                      holo_err *err, const char *name)
{
    size_t nl = strlen(model);
    if (nl > 255) nl = 255;
    if (plen > UINT32_MAX - 1024) return holo_seterr(err, HOLO_EINVAL, "%s: coarse payload too large", name);
    size_t total = 17 + nl + plen;
    uint8_t *b = malloc(total);
    if (!b) return holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", name);
    memcpy(b, "OLOI", 4);
    b[4] = 2;
    b[5] = (uint8_t)n;
    b[6] = (uint8_t)q;
    b[7] = (uint8_t)flags;
    b[8] = (uint8_t)(pad_h >> 8); b[9] = (uint8_t)pad_h;
    b[10] = (uint8_t)(pad_w >> 8); b[11] = (uint8_t)pad_w;
    holo_wr32(b + 12, (uint32_t)plen);
    b[16] = (uint8_t)nl;
    memcpy(b + 17, model, nl);
    memcpy(b + 17 + nl, payload, plen);
    *out = b;
    *outlen = total;
    return 0;
}

/* Thumbnail PNG of doc/formats.md §HOCH v1/v2, encoding steps 2-3. */
static int make_thumb_png(const holo_image *im, uint32_t side, uint8_t **png, size_t *plen,
                          const char *name, holo_err *err)
{
    uint32_t tw, th;
    holo_thumb_size(im->w, im->h, side, &tw, &th);
    uint8_t *t = malloc((size_t)tw * th * 3);
    if (!t) return holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", name);
    int rc = holo_resize_rgb8(im->rgb, im->w, im->h, t, tw, th, 1);
    if (rc) { free(t); return holo_seterr(err, rc, "%s: thumbnail resample failed", name); }
    rc = holo_pngthumb_write(t, tw, th, png, plen, err);
    free(t);
    return rc;
}

/* latent_lowfreq payload: u8 K || zlib9(first K zig-zag coefficients of the image itself). */
static int make_lowfreq(const holo_image *im, holo_dct *d, uint8_t **pay, size_t *plen,
                        const char *name, holo_err *err)
{
    const uint32_t H = im->h, W = im->w;
    const int n = d->n, nn = n * n;
    int K = LOWFREQ_K > nn ? nn : LOWFREQ_K;
    uint32_t bh = (H + pad_for(H, n)) / (uint32_t)n, bw = (W + pad_for(W, n)) / (uint32_t)n;
    uint64_t cnt = 3ull * bh * bw * (uint64_t)K;
    int16_t *coef = malloc(cnt * sizeof *coef);
    uint8_t *le = malloc(cnt ? cnt * 2 : 1);
    float *plane = malloc((size_t)H * W * sizeof *plane);
    float *blk = malloc((size_t)nn * sizeof *blk);
    int rc = 0;
    if (!coef || !le || !plane || !blk) { rc = holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", name); goto out; }
    for (int c = 0; c < 3; c++) {
        for (uint64_t i = 0; i < (uint64_t)H * W; i++) plane[i] = (float)im->rgb[i * 3 + c];
        plane_forward(d, plane, H, W, bh, bw, K, coef + (uint64_t)c * bh * bw * K, blk);
    }
    for (uint64_t i = 0; i < cnt; i++) {
        le[2 * i] = (uint8_t)coef[i];
        le[2 * i + 1] = (uint8_t)((uint16_t)coef[i] >> 8);
    }
    uint8_t *z;
    size_t zl;
    rc = holo_zlib9(le, (size_t)(cnt * 2), &z, &zl, err);
    if (rc) goto out;
    *pay = malloc(zl + 1);
    if (!*pay) { free(z); rc = holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", name); goto out; }
    (*pay)[0] = (uint8_t)K;
    memcpy(*pay + 1, z, zl);
    *plen = zl + 1;
    free(z);
out:
    free(coef); free(le); free(plane); free(blk);
    return rc;
}

int holo_image3_encode(const char *input, const char *tmpdir, const holo_encode_opts *o,
                       holo_err *err)
{
    int n = o->block_size ? o->block_size : 8;
    int q = o->quality ? o->quality : 50;
    if (q < 1) q = 1;
    if (q > 100) q = 100;
    if (n < 1 || n > HOLO_DCT_MAX)
        return holo_seterr(err, HOLO_EINVAL, "%s: DCT block size %d out of range 1-255", input, n);
    char model[256];
    const char *mn = o->coarse_model ? o->coarse_model : "";
    holo_v3_model_name((const uint8_t *)mn, strlen(mn), model);
    if (strcmp(model, "downsample") && strcmp(model, "latent_lowfreq") && strcmp(model, "ae_latent"))
        return holo_seterr(err, HOLO_EINVAL,
                           "%s: unknown coarse model '%s' (downsample, latent_lowfreq, ae_latent)",
                           input, mn);
    uint32_t side = o->coarse_side ? o->coarse_side : 16;

    holo_image im;
    int rc = holo_image_read(input, &im, err);
    if (rc) return rc;
    const uint32_t H = im.h, W = im.w;
    uint8_t *payload = NULL, *blob = NULL, *up = NULL;
    int16_t *V = NULL;
    size_t plen = 0, blen = 0;
    holo_dct d;
    if (holo_dct_init(&d, n, q)) { holo_image_free(&im); return holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", input); }

    /* 1. Coarse payload, and up = what a decoder rebuilds from it (closed loop). */
    if (!strcmp(model, "latent_lowfreq")) {
        rc = make_lowfreq(&im, &d, &payload, &plen, input, err);
    } else {
        uint8_t *png;
        size_t pl;
        rc = make_thumb_png(&im, side, &png, &pl, input, err);
        if (!rc && !strcmp(model, "ae_latent")) {
            payload = malloc(pl + 8);
            if (!payload) rc = holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", input);
            else {
                holo_wr32(payload, (uint32_t)pl);
                holo_wr32(payload + 4, 0);      /* no autoencoder weights: latent_len 0 */
                memcpy(payload + 8, png, pl);
                plen = pl + 8;
            }
            free(png);
        } else if (!rc) {
            payload = png;
            plen = pl;
        }
    }
    if (rc) goto out;
    oloi m = { .meta_ver = 2, .n = n, .q = q, .payload = payload, .payload_len = plen };
    strcpy(m.model, model);
    up = malloc((size_t)H * W * 3);
    if (!up) { rc = holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", input); goto out; }
    if ((rc = model_decode(&m, H, W, input, up, err))) goto out;

    /* 2-8. Residual, padded blocks, DCT, quantization, zig-zag. */
    uint32_t pad_h = pad_for(H, n), pad_w = pad_for(W, n);
    uint32_t bh = (H + pad_h) / (uint32_t)n, bw = (W + pad_w) / (uint32_t)n;
    uint64_t nn = (uint64_t)n * n, N = 3ull * bh * bw * nn;
    V = malloc(N * sizeof *V);
    if (!V) { rc = holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", input); goto out; }
    int flags = 0;
    rows_job j = { .n = n, .q = q, .encode = 1, .H = H, .W = W, .bh = bh, .bw = bw,
                   .img = im.rgb, .up = up, .V = V };
    if (run_rows(&j, o->threads, &flags)) { rc = holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", input); goto out; }

    /* 9-11. OLOI blob, block count, chunks with scores and manifest. */
    if ((rc = oloi_build(n, q, flags, pad_h, pad_w, model, payload, plen, &blob, &blen, err, input)))
        goto out;
    uint32_t B = holo_v3_block_count(o, 32, N, blen);
    holo_enc_plan p = {0};
    p.hdr.kind = HOLO_KIND_IMAGE;
    p.hdr.version = 3;
    p.hdr.height = H;
    p.hdr.width = W;
    p.hdr.channels = 3;
    p.hdr.block_count = B;
    p.coarse = blob;
    p.coarse_len = blen;
    p.resid16 = V;
    p.n = N;
    p.golden = 1;
    p.write_scores = 2;
    p.zlib_level = o->zlib_level;
    p.base_kind = "image";
    rc = holo_write_chunks(tmpdir, &p, o->threads, err);
    /* 12. Recovery chunks. */
    if (!rc && o->recovery > 0) rc = holo_v3_write_recovery(tmpdir, 1, V, N, B, o->recovery, err);
out:
    holo_dct_free(&d);
    holo_image_free(&im);
    free(payload); free(blob); free(up); free(V);
    return rc;
}
