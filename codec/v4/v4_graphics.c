/* v4_graphics.c — the graphics layout of HOV4 for flat synthetic images (doc/holo4.md §Limits,
 * holo(5) flag bit 2): detecting them, the PNG that the top level carries, the LL-only T0
 * preview, and turning a recovered top level back into pixels. The encoder (v4.c) keeps the
 * layout only when it is smaller than the wavelet one. */
#include "imageio.h"
#include "internal.h"
#include "v4_codec.h"
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/* At least half the pixels repeat their left neighbour exactly: synthetic graphics (test
 * cards, screenshots, logos). Photos, even with flat sky, stay far below (sensor noise). */
int v4_looks_flat(const uint8_t *rgb, uint32_t w, uint32_t h)
{
    uint64_t same = 0;
    for (uint32_t y = 0; y < h; y++) {
        const uint8_t *r = rgb + (size_t)y * w * 3;
        for (uint32_t x = 1; x < w; x++)
            same += r[3 * x] == r[3 * x - 3] && r[3 * x + 1] == r[3 * x - 2] &&
                    r[3 * x + 2] == r[3 * x - 1];
    }
    return w > 1 && 2 * same >= (uint64_t)(w - 1) * h;
}

/* The smallest PNG at zlib level 9 over the None, Sub, Up and Paeth filters and the default
 * and filtered strategies. Large images choose on a band of rows, then encode once. */
int v4_best_png(const uint8_t *rgb, uint32_t w, uint32_t h, int threads, uint8_t **out,
                size_t *outlen)
{
    static const int filters[] = { 0, 1, 2, 4 }, strategies[] = { Z_DEFAULT_STRATEGY, Z_FILTERED };
    uint32_t sh = h, y0 = 0;
    if ((uint64_t)w * h > (1u << 20)) {
        sh = (uint32_t)((1u << 18) / w) + 1;          /* about 256 K pixels */
        sh = sh < 8 ? 8 : sh > h ? h : sh;
        y0 = (h - sh) / 2;
    }
    int best = -1;
    *out = NULL;
    *outlen = 0;
    for (int f = 0; f < 8; f++) {
        uint8_t *p = NULL;
        size_t n = 0;
        holo_err e = { 0 };
        if (holo_png_encode_zs(rgb + (size_t)y0 * w * 3, w, sh, 9, filters[f / 2],
                               strategies[f % 2], threads, &p, &n, &e)) {
            free(*out);
            *out = NULL;
            return -1;
        }
        if (best < 0 || n < *outlen) {
            free(*out);
            *out = p;
            *outlen = n;
            best = f;
        } else {
            free(p);
        }
    }
    if (sh == h)
        return 0;
    free(*out);
    *out = NULL;
    holo_err e = { 0 };
    return holo_png_encode_zs(rgb, w, h, 9, filters[best / 2], strategies[best % 2], threads,
                              out, outlen, &e) ? -1 : 0;
}

/* T0 of the graphics layout: the LL bands alone (a blurred but faithful preview; the photo
 * T0's 1% budget leaves flat images black), at the finest step whose B copies cost at most
 * one PNG (at least 256 bytes a chunk) more than an empty T0. The cost falls as the step grows:
 * bisection. */
static int graphics_t0_code(v4_image *im, int sh, v4_enc *e, int threads)
{
    for (int c = 0; c < im->ncomp; c++)
        for (int b = 0; b < im->nbands; b++)
            memset(im->shift[c * im->nbands + b], b == 0 ? sh : V4_MAX_SHIFT, V4_TIERS);
    return v4_code_t0(im, e, threads);
}

static long graphics_t0_len(v4_image *im, int sh, int threads)
{
    v4_enc e;
    if (graphics_t0_code(im, sh, &e, threads))
        return -1;
    long len = (long)e.len;
    v4_enc_free(&e);
    return len;
}

int v4_graphics_t0(v4_image *im, v4_enc *t0, size_t pnglen, int threads)
{
    uint64_t budget = pnglen > 256u * im->B ? pnglen : 256u * im->B;
    long floor_len = graphics_t0_len(im, V4_MAX_SHIFT, threads);
    if (floor_len < 0)
        return -1;
    int lo = -1, hi = 13;                 /* lo: too costly, hi: fits (13: nothing of LL) */
    while (hi - lo > 1) {
        int mid = (lo + hi) / 2;
        long len = graphics_t0_len(im, mid, threads);
        if (len < 0)
            return -1;
        if ((uint64_t)(len > floor_len ? len - floor_len : 0) * im->B <= budget)
            hi = mid;
        else
            lo = mid;
    }
    v4_enc_free(t0);
    if (graphics_t0_code(im, hi > 12 ? V4_MAX_SHIFT : hi, t0, threads))
        return -1;
    /* known[] now holds T0; the signs are what a decoder learns with it */
    for (int c = 0; c < im->ncomp; c++)
        for (size_t i = 0, n = (size_t)im->w * im->h; i < n; i++)
            im->sign[c][i] = im->coef[c][i] < 0;
    return 0;
}

/* Pixels of a graphics-layout top level (a PNG of the whole image), or NULL (with a warning) when
 * it is not a PNG of the header's size. */
uint8_t *v4_graphics_pixels(const uint8_t *png, const v4_hdr *h, const char *nm,
                            const holo_decode_opts *o)
{
    /* Check the size in IHDR before decoding: a hostile stream must not make us allocate. */
    uint32_t len = h->s_len[h->np - 1];
    if (len < 24 || !holo_is_png(png, len) ||
        holo_rd32(png + 16) != h->width || holo_rd32(png + 20) != h->height) {
        holo_warnf(o, "%s: v4 graphics stream is not a %ux%u PNG; showing T0", nm, h->width,
                   h->height);
        return NULL;
    }
    holo_image img = { 0 };
    holo_err e = { 0 };
    if (holo_image_decode(png, len, nm, &img, &e) || img.w != h->width ||
        img.h != h->height) {
        holo_warnf(o, "%s: v4 graphics stream: %s; showing T0", nm,
                   e.code ? e.msg : "wrong size");
        holo_image_free(&img);
        return NULL;
    }
    return img.rgb;
}
