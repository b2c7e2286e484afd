/* v4_dwt.c — integer YCoCg-R and the reversible LeGall 5/3 lifting of lossless JPEG 2000
 * (doc/holo4.md §Transform). Whole-sample symmetric extension; a length-1 signal is left unchanged,
 * so every size from 1x1 up is exact. Right shifts of negative values are arithmetic (floor), which
 * gcc and clang guarantee. */
#include "v4_codec.h"
#include <stdlib.h>
#include <string.h>

int v4_levels(uint32_t w, uint32_t h)
{
    uint64_t m = w > h ? w : h;
    int L = 0;
    while (L < V4_MAX_LEVELS && m > (16ull << L))
        L++;
    return L;
}

void v4_ycocg_fwd(const uint8_t *rgb, size_t npix, int32_t *y, int32_t *co, int32_t *cg)
{
    for (size_t i = 0; i < npix; i++) {
        int32_t r = rgb[3 * i], g = rgb[3 * i + 1], b = rgb[3 * i + 2];
        int32_t o = r - b, t = b + (o >> 1), q = g - t;
        co[i] = o; cg[i] = q; y[i] = t + (q >> 1);
    }
}

static inline uint8_t clamp8(int32_t v) { return v < 0 ? 0 : v > 255 ? 255 : (uint8_t)v; }

void v4_ycocg_inv(const int32_t *y, const int32_t *co, const int32_t *cg, size_t npix,
                  uint8_t *rgb)
{
    for (size_t i = 0; i < npix; i++) {
        int32_t t = y[i] - (cg[i] >> 1), g = cg[i] + t, b = t - (co[i] >> 1), r = b + co[i];
        rgb[3 * i] = clamp8(r); rgb[3 * i + 1] = clamp8(g); rgb[3 * i + 2] = clamp8(b);
    }
}

/* 1-D forward lifting of x[0..n) into tmp, then low half first, high half after. */
static void fwd_row(int32_t *x, uint32_t n, int32_t *t)
{
    if (n < 2)
        return;
    uint32_t nh = n / 2, nl = n - nh;
    int32_t *s = t, *d = t + nl;
    for (uint32_t i = 0; i < nh; i++) {
        int32_t right = 2 * i + 2 < n ? x[2 * i + 2] : x[2 * i];
        d[i] = x[2 * i + 1] - ((x[2 * i] + right) >> 1);
    }
    for (uint32_t i = 0; i < nl; i++) {
        int32_t dl = i > 0 ? d[i - 1] : d[0];
        int32_t dr = i < nh ? d[i] : d[i - 1];
        s[i] = x[2 * i] + ((dl + dr + 2) >> 2);
    }
    memcpy(x, t, n * sizeof *x);
}

static void inv_row(int32_t *x, uint32_t n, int32_t *t)
{
    if (n < 2)
        return;
    uint32_t nh = n / 2, nl = n - nh;
    const int32_t *s = x, *d = x + nl;
    /* The symmetric extension at both ends outside the loops, which then have no tests
     * (d[-1] = d[0]; past the end d[nh] = d[nh - 1], t[n] = t[n - 2]). */
    t[0] = s[0] - ((d[0] + d[0] + 2) >> 2);
    for (uint32_t i = 1; i < nh; i++)
        t[2 * i] = s[i] - ((d[i - 1] + d[i] + 2) >> 2);
    if (nl > nh)
        t[2 * nh] = s[nh] - ((d[nh - 1] + d[nh - 1] + 2) >> 2);
    for (uint32_t i = 0; i + 1 < nh; i++)
        t[2 * i + 1] = d[i] + ((t[2 * i] + t[2 * i + 2]) >> 1);
    int32_t right = 2 * nh < n ? t[2 * nh] : t[2 * nh - 2];
    t[2 * nh - 1] = d[nh - 1] + ((t[2 * nh - 2] + right) >> 1);
    memcpy(x, t, n * sizeof *x);
}

/* Vertical lifting of the rw x rh region (rows at `stride`), in strips of COLS columns:
 * one strip's rows fit in L2, and each level reads and writes the plane once. The result
 * of a strip is built in tmp (rh x COLS) and copied back. */
#define COLS 64u
#define ROW(k) (p + (size_t)(k) * stride + x0)

static void fwd_cols(int32_t *p, uint32_t rw, uint32_t rh, size_t stride, int32_t *tmp)
{
    if (rh < 2)
        return;
    uint32_t nh = rh / 2, nl = rh - nh;
    for (uint32_t x0 = 0; x0 < rw; x0 += COLS) {
        uint32_t sw = rw - x0 < COLS ? rw - x0 : COLS;
        int32_t *d = tmp + (size_t)nl * COLS;           /* high rows: tmp rows nl.. */
        for (uint32_t i = 0; i < nh; i++) {
            const int32_t *o = ROW(2 * i + 1), *a = ROW(2 * i);
            const int32_t *b = ROW(2 * i + 2 < rh ? 2 * i + 2 : 2 * i);
            int32_t *di = d + (size_t)i * COLS;
            for (uint32_t x = 0; x < sw; x++)
                di[x] = o[x] - ((a[x] + b[x]) >> 1);
        }
        for (uint32_t i = 0; i < nl; i++) {
            const int32_t *e = ROW(2 * i);
            const int32_t *dl = d + (size_t)(i > 0 ? i - 1 : 0) * COLS;
            const int32_t *dr = d + (size_t)(i < nh ? i : i - 1) * COLS;
            int32_t *si = tmp + (size_t)i * COLS;
            for (uint32_t x = 0; x < sw; x++)
                si[x] = e[x] + ((dl[x] + dr[x] + 2) >> 2);
        }
        for (uint32_t k = 0; k < rh; k++)
            memcpy(ROW(k), tmp + (size_t)k * COLS, sw * sizeof *tmp);
    }
}

static void inv_cols(int32_t *p, uint32_t rw, uint32_t rh, size_t stride, int32_t *tmp)
{
    if (rh < 2)
        return;
    uint32_t nh = rh / 2, nl = rh - nh;
    for (uint32_t x0 = 0; x0 < rw; x0 += COLS) {
        uint32_t sw = rw - x0 < COLS ? rw - x0 : COLS;
        for (uint32_t i = 0; i < nl; i++) {             /* even rows from L and H */
            const int32_t *s = ROW(i);
            const int32_t *dl = ROW(nl + (i > 0 ? i - 1 : 0));
            const int32_t *dr = ROW(nl + (i < nh ? i : i - 1));
            int32_t *e = tmp + (size_t)(2 * i) * COLS;
            for (uint32_t x = 0; x < sw; x++)
                e[x] = s[x] - ((dl[x] + dr[x] + 2) >> 2);
        }
        for (uint32_t i = 0; i < nh; i++) {             /* odd rows from H and the evens */
            const int32_t *d = ROW(nl + i);
            const int32_t *a = tmp + (size_t)(2 * i) * COLS;
            const int32_t *b = tmp + (size_t)(2 * i + 2 < rh ? 2 * i + 2 : 2 * i) * COLS;
            int32_t *o = tmp + (size_t)(2 * i + 1) * COLS;
            for (uint32_t x = 0; x < sw; x++)
                o[x] = d[x] + ((a[x] + b[x]) >> 1);
        }
        for (uint32_t k = 0; k < rh; k++)
            memcpy(ROW(k), tmp + (size_t)k * COLS, sw * sizeof *tmp);
    }
}
#undef ROW

/* Scratch for one plane: a row (w) or a strip of columns (COLS x h). */
static int32_t *scratch(uint32_t w, uint32_t h)
{
    size_t n = (size_t)COLS * h > w ? (size_t)COLS * h : w;
    return malloc((n + 2) * sizeof(int32_t));
}

int v4_dwt_fwd(int32_t *p, uint32_t w, uint32_t h, int levels)
{
    if (levels <= 0 || (uint64_t)w * h == 0)
        return 0;
    int32_t *tmp = scratch(w, h);
    if (!tmp)
        return -1;
    uint32_t rw = w, rh = h;
    for (int l = 0; l < levels; l++) {
        for (uint32_t y = 0; y < rh; y++)
            fwd_row(p + (size_t)y * w, rw, tmp);
        fwd_cols(p, rw, rh, w, tmp);
        rw = (rw + 1) / 2; rh = (rh + 1) / 2;
    }
    free(tmp);
    return 0;
}

int v4_dwt_inv(int32_t *p, uint32_t w, uint32_t h, int levels)
{
    if (levels <= 0 || (uint64_t)w * h == 0)
        return 0;
    int32_t *tmp = scratch(w, h);
    if (!tmp)
        return -1;
    uint32_t rws[V4_MAX_LEVELS + 1], rhs[V4_MAX_LEVELS + 1];
    rws[0] = w; rhs[0] = h;
    for (int l = 1; l <= levels; l++) {
        rws[l] = (rws[l - 1] + 1) / 2; rhs[l] = (rhs[l - 1] + 1) / 2;
    }
    for (int l = levels - 1; l >= 0; l--) {
        inv_cols(p, rws[l], rhs[l], w, tmp);
        for (uint32_t y = 0; y < rhs[l]; y++) {
            int32_t *r = p + (size_t)y * w;
            inv_row(r, rws[l], tmp);
            /* Valid data never comes near 2^24; damaged streams must not overflow. */
            for (uint32_t x = 0; x < rws[l]; x++)
                r[x] = r[x] > (1 << 24) ? (1 << 24) : r[x] < -(1 << 24) ? -(1 << 24) : r[x];
        }
    }
    free(tmp);
    return 0;
}

int v4_bands(uint32_t w, uint32_t h, int levels, v4_band *b)
{
    uint32_t pw = w, ph = h;
    uint32_t lw[V4_MAX_LEVELS + 1], lh[V4_MAX_LEVELS + 1];
    lw[0] = pw; lh[0] = ph;
    for (int l = 1; l <= levels; l++) {
        lw[l] = (lw[l - 1] + 1) / 2; lh[l] = (lh[l - 1] + 1) / 2;
    }
    int n = 0;
    b[n++] = (v4_band){ 0, 0, lw[levels], lh[levels], levels, 0 };
    for (int l = levels; l >= 1; l--) {
        b[n++] = (v4_band){ lw[l], 0, lw[l - 1] - lw[l], lh[l], l, 1 };
        b[n++] = (v4_band){ 0, lh[l], lw[l], lh[l - 1] - lh[l], l, 2 };
        b[n++] = (v4_band){ lw[l], lh[l], lw[l - 1] - lw[l], lh[l - 1] - lh[l], l, 3 };
    }
    return n;
}

/* Energy of the 1-D synthesis of an impulse in the low (high = 0) or high band of level l
 * of a length-n signal transformed with `levels` levels. */
static double gain1d(uint32_t n, int levels, int l, int high, int32_t *x, int32_t *t)
{
    uint32_t len[V4_MAX_LEVELS + 1];
    len[0] = n;
    for (int k = 1; k <= levels; k++)
        len[k] = (len[k - 1] + 1) / 2;
    uint32_t lo = high ? len[l] : 0, hi = high ? len[l - 1] : len[l];
    if (hi <= lo)
        return 1.0;
    const int32_t A = 1 << 16;
    memset(x, 0, n * sizeof *x);
    x[(lo + hi) / 2] = A;
    for (int k = l; k >= 1; k--)
        inv_row(x, len[k - 1], t);
    double e = 0;
    for (uint32_t i = 0; i < n; i++)
        e += (double)x[i] * x[i];
    return e / ((double)A * A);
}

void v4_band_weights(uint32_t w, uint32_t h, int levels, double *wt)
{
    v4_band b[1 + 3 * V4_MAX_LEVELS];
    int n = v4_bands(w, h, levels, b);
    uint32_t m = w > h ? w : h;
    int32_t *x = malloc(2 * (size_t)m * sizeof *x);
    if (!x) {
        for (int i = 0; i < n; i++)
            wt[i] = 1.0;
        return;
    }
    for (int i = 0; i < n; i++) {
        if (levels == 0) {
            wt[i] = 1.0;
            continue;
        }
        int hx = b[i].orient == 1 || b[i].orient == 3, hy = b[i].orient >= 2;
        wt[i] = gain1d(w, levels, b[i].level, hx, x, x + m) *
                gain1d(h, levels, b[i].level, hy, x, x + m);
    }
    free(x);
}
