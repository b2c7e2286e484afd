/* dct.c — DCT matrix, quantization tables, zig-zag and block transforms
 * (doc/formats.md §HOCH v3). */
#include "dct.h"
#include "holo.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const int jpeg_lum[64] = {
    16, 11, 10, 16, 24, 40, 51, 61,     12, 12, 14, 19, 26, 58, 60, 55,
    14, 13, 16, 24, 40, 57, 69, 56,     14, 17, 22, 29, 51, 87, 80, 62,
    18, 22, 37, 56, 68, 109, 103, 77,   24, 35, 55, 64, 81, 104, 113, 92,
    49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
};

void holo_dct_matrix(int n, float *T)
{
    const double pi = 3.14159265358979323846;
    for (int j = 0; j < n; j++) T[j] = (float)(1.0 / sqrt((double)n));
    double a = sqrt(2.0 / (double)n);
    for (int k = 1; k < n; k++)
        for (int j = 0; j < n; j++)
            T[k * n + j] = (float)(a * cos(pi * ((double)j + 0.5) * (double)k / (double)n));
}

/* Linear interpolation of an 8-point grid at c in [0, 7] (numpy interp semantics). */
static double interp8(const double *g, double c)
{
    if (c >= 7.0) return g[7];
    int j = (int)floor(c);
    if (j < 0) j = 0;
    return (g[j + 1] - g[j]) * (c - (double)j) + g[j];
}

void holo_quant_table(int n, int q, float *Q)
{
    if (q < 1) q = 1;
    if (q > 100) q = 100;
    if (n == 8) {
        float s = (float)(q < 50 ? 5000.0 / q : 200.0 - 2.0 * q);
        for (int i = 0; i < 64; i++) {
            float v = floorf(((float)jpeg_lum[i] * s + 50.0f) / 100.0f);
            if (v < 1.0f) v = 1.0f;
            if (v > 32767.0f) v = 32767.0f;
            Q[i] = v;
        }
        return;
    }
    /* Quality is ignored for n != 8 (quirk Q9): bilinear resample of J, columns first. */
    double *c = malloc((size_t)n * sizeof *c);
    float *cols = malloc((size_t)n * 8 * sizeof *cols);
    if (!c || !cols) {
        free(c); free(cols);
        for (int i = 0; i < n * n; i++) Q[i] = 1.0f;
        return;
    }
    for (int i = 0; i < n; i++) c[i] = n == 1 ? 0.0 : (double)i * (7.0 / (double)(n - 1));
    if (n > 1) c[n - 1] = 7.0;
    double g[8];
    for (int col = 0; col < 8; col++) {
        for (int j = 0; j < 8; j++) g[j] = jpeg_lum[j * 8 + col];
        for (int i = 0; i < n; i++) cols[i * 8 + col] = (float)interp8(g, c[i]);
    }
    for (int i = 0; i < n; i++) {
        for (int j = 0; j < 8; j++) g[j] = cols[i * 8 + j];
        for (int k = 0; k < n; k++) {
            double v = nearbyint(interp8(g, c[k]));
            if (v < 1) v = 1;
            if (v > 32767) v = 32767;
            Q[i * n + k] = (float)v;
        }
    }
    free(c);
    free(cols);
}

void holo_zigzag(int n, uint32_t *zz)
{
    uint32_t k = 0;
    for (int s = 0; s <= 2 * n - 2; s++) {
        if (s % 2 == 0) {
            for (int r = s < n - 1 ? s : n - 1; r >= 0 && s - r < n; r--)
                zz[k++] = (uint32_t)(r * n + (s - r));
        } else {
            for (int col = s < n - 1 ? s : n - 1; col >= 0 && s - col < n; col--)
                zz[k++] = (uint32_t)((s - col) * n + col);
        }
    }
}

int holo_dct_init(holo_dct *d, int n, int q)
{
    memset(d, 0, sizeof *d);
    if (n < 1 || n > HOLO_DCT_MAX) return HOLO_EINVAL;
    size_t nn = (size_t)n * (size_t)n;
    d->n = n;
    d->T = malloc(nn * sizeof *d->T);
    d->Q = malloc(nn * sizeof *d->Q);
    d->zz = malloc(nn * sizeof *d->zz);
    d->tmp = malloc(nn * sizeof *d->tmp);
    if (!d->T || !d->Q || !d->zz || !d->tmp) {
        holo_dct_free(d);
        return HOLO_ENOMEM;
    }
    holo_dct_matrix(n, d->T);
    holo_quant_table(n, q, d->Q);
    holo_zigzag(n, d->zz);
    return 0;
}

void holo_dct_free(holo_dct *d)
{
    free(d->T); free(d->Q); free(d->zz); free(d->tmp);
    memset(d, 0, sizeof *d);
}

int holo_dct_forward(holo_dct *d, const float *blk, int16_t *out, int keep)
{
    const int n = d->n;
    const float *T = d->T;
    double *t = d->tmp;
    /* A = T · blk, rounded to float32 like the reference's first product. */
    for (int k = 0; k < n; k++)
        for (int j = 0; j < n; j++) {
            double s = 0;
            for (int m = 0; m < n; m++) s += (double)T[k * n + m] * (double)blk[m * n + j];
            t[k * n + j] = (float)s;
        }
    int clipped = 0;
    for (int i = 0; i < keep; i++) {
        uint32_t p = d->zz[i];
        int r = (int)(p / (uint32_t)n), c = (int)(p % (uint32_t)n);
        double s = 0;
        for (int m = 0; m < n; m++) s += t[r * n + m] * (double)T[c * n + m];
        float x = (float)s;
        float v = nearbyintf(x / d->Q[p]);
        if (v > 32767.0f) { v = 32767.0f; clipped = 1; }
        else if (v < -32768.0f) { v = -32768.0f; clipped = 1; }
        else if (v != v) { v = 0; clipped = 1; }
        out[i] = (int16_t)v;
    }
    return clipped;
}

void holo_dct_inverse(holo_dct *d, const int16_t *in, int have, float *spatial)
{
    const int n = d->n, nn = n * n;
    const float *T = d->T;
    double *t = d->tmp;
    float *X = spatial;      /* dequantized coefficients staged in the output buffer */
    for (int i = 0; i < nn; i++) X[i] = 0.0f;
    /* rowmask: which rows of X hold a nonzero coefficient. Zero terms only add ±0 to the sums,
     * so skipping them changes nothing but speed (residual blocks are sparse). */
    uint8_t rowmask[HOLO_DCT_MAX];
    memset(rowmask, 0, (size_t)n);
    int any = 0;
    for (int i = 0; i < have && i < nn; i++)
        if (in[i]) {
            uint32_t p = d->zz[i];
            X[p] = (float)in[i] * d->Q[p];
            rowmask[p / (uint32_t)n] = 1;
            any = 1;
        }
    if (!any) return;        /* all zero: spatial is already zero */
    /* A = Tᵀ · X (float32), then spatial = A · T. */
    for (int r = 0; r < n; r++)
        for (int c = 0; c < n; c++) {
            double s = 0;
            for (int k = 0; k < n; k++)
                if (rowmask[k]) s += (double)T[k * n + r] * (double)X[k * n + c];
            t[r * n + c] = (float)s;
        }
    for (int r = 0; r < n; r++)
        for (int c = 0; c < n; c++) {
            double s = 0;
            for (int k = 0; k < n; k++) s += t[r * n + k] * (double)T[k * n + c];
            spatial[r * n + c] = (float)s;
        }
}
