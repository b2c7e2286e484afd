/* dct.h — block DCT pieces of the v3 image codec (doc/formats.md §HOCH v3, encoding steps 3-5 and
 * decoding): the float32 DCT matrix, quantization tables, zig-zag order and the per-block
 * transforms. Products are accumulated in double and rounded to float32 once per matrix product,
 * which matches the reference's float32 BLAS within the tolerances of doc/formats.md §HOCH v3. */
#ifndef HOLO_DCT_H
#define HOLO_DCT_H

#include <stdint.h>

#define HOLO_DCT_MAX 255

typedef struct holo_dct {
    int n;
    float *T;           /* n*n, T[k*n + j] */
    float *Q;           /* n*n quantization table (row = vertical frequency) */
    uint32_t *zz;       /* n*n: zz[i] = row*n + col of the i-th zig-zag entry */
    double *tmp;        /* n*n scratch */
} holo_dct;

/* 0 or HOLO_ENOMEM / HOLO_EINVAL (n outside 1..255). q is clamped to 1..100. */
int holo_dct_init(holo_dct *d, int n, int q);
void holo_dct_free(holo_dct *d);

/* Building blocks, exposed for tests. */
void holo_dct_matrix(int n, float *T);
void holo_quant_table(int n, int q, float *Q);
void holo_zigzag(int n, uint32_t *zz);

/* Forward: X = T · blk · Tᵀ, out[i] = rne(X[zz[i]] / Q[zz[i]]) clipped to int16; returns 1 when
 * anything was clipped. blk is n*n float32 row-major. Only the first `keep` zig-zag entries are
 * written (keep = n*n for the residual, K for the latent_lowfreq model). */
int holo_dct_forward(holo_dct *d, const float *blk, int16_t *out, int keep);
/* Inverse: X[zz[i]] = in[i] * Q[zz[i]] (missing entries 0), spatial = Tᵀ · X · T (float32). */
void holo_dct_inverse(holo_dct *d, const int16_t *in, int have, float *spatial);

#endif
