/* golden.c — golden-ratio permutation, slice layout and block counts
 * (doc/formats.md §Golden permutation, §Slices, §Block count). */
#include "internal.h"
#include <math.h>

static uint64_t gcd64(uint64_t a, uint64_t b)
{
    while (b) { uint64_t t = a % b; a = b; b = t; }
    return a;
}

uint64_t holo_golden_step(uint64_t n)
{
    if (n <= 1) return 1;
    const double g = 0x1.3c6ef372fe950p-1;   /* ((1 + sqrt 5) / 2) - 1 as the reference computes */
    double prod = g * (double)n;
    uint64_t s0 = (uint64_t)prod;            /* trunc */
    if (s0 < 1) s0 = 1;
    for (uint64_t i = 0; i < 4096; i++)
        if (gcd64(s0 + i, n) == 1) return s0 + i;
    return 1;
}

uint64_t holo_slice_len(uint64_t n, uint32_t B, uint32_t b)
{
    if (B == 0 || b >= n) return 0;
    return (n - b + B - 1) / B;
}

/* The k-th index of slice b is ((b + k*B) * step) mod n. Walk it incrementally: exact for any n
 * below 2^63 without 128-bit products (the reference overflows there, quirk Q12). */
typedef struct { uint64_t n, idx, delta; } walker;

static inline uint64_t mulmod(uint64_t a, uint64_t b, uint64_t n)
{
    return (uint64_t)((unsigned __int128)a * b % n);
}

/* Only called with n >= 1 (an empty slice never walks). */
static void walker_init(walker *w, uint64_t n, uint32_t B, uint32_t b)
{
    uint64_t step = holo_golden_step(n);
    w->n = n;
    w->idx = mulmod(b % n, step, n);
    w->delta = mulmod(B % n, step, n);
}

static inline uint64_t walker_next(walker *w)
{
    uint64_t cur = w->idx;
    w->idx += w->delta;
    if (w->idx >= w->n || w->idx < w->delta) w->idx -= w->n;
    return cur;
}

#define DEFINE_SLICE_OPS(SUFFIX, T)                                                               \
void holo_slice_gather_##SUFFIX(const T *R, uint64_t n, uint32_t B, uint32_t b, int golden,      \
                                T *out)                                                           \
{                                                                                                 \
    uint64_t len = holo_slice_len(n, B, b);                                                       \
    if (len == 0) return;                                                                         \
    if (!golden || B <= 1) {                                                                      \
        for (uint64_t k = 0; k < len; k++) out[k] = R[b + k * B];                                 \
        return;                                                                                   \
    }                                                                                             \
    walker w;                                                                                     \
    walker_init(&w, n, B, b);                                                                     \
    for (uint64_t k = 0; k < len; k++) out[k] = R[walker_next(&w)];                               \
}                                                                                                 \
void holo_slice_scatter_##SUFFIX(T *R, uint64_t n, uint32_t B, uint32_t b, int golden,           \
                                 const T *v, uint64_t m)                                          \
{                                                                                                 \
    uint64_t len = holo_slice_len(n, B, b);                                                       \
    if (m > len) m = len;                                                                         \
    if (m == 0) return;                                                                           \
    if (!golden || B <= 1) {                                                                      \
        for (uint64_t k = 0; k < m; k++) R[b + k * B] = v[k];                                     \
        return;                                                                                   \
    }                                                                                             \
    walker w;                                                                                     \
    walker_init(&w, n, B, b);                                                                     \
    for (uint64_t k = 0; k < m; k++) R[walker_next(&w)] = v[k];                                   \
}

DEFINE_SLICE_OPS(i16, int16_t)
DEFINE_SLICE_OPS(u8, uint8_t)

void holo_slice_indices(uint64_t n, uint32_t B, uint32_t b, int golden, uint64_t *out)
{
    uint64_t len = holo_slice_len(n, B, b);
    if (len == 0) return;
    if (!golden || B <= 1) {
        for (uint64_t k = 0; k < len; k++) out[k] = b + k * B;
        return;
    }
    walker w;
    walker_init(&w, n, B, b);
    for (uint64_t k = 0; k < len; k++) out[k] = walker_next(&w);
}

/* ceil(rb / per) computed the way the reference does (double quotient, then ceil), at least 1. */
static uint64_t ceil_blocks(uint64_t rb, uint64_t per)
{
    double q = ceil((double)rb / (double)per);
    if (q < 1) return 1;
    if (q > 1e18) return (uint64_t)1e18;
    return (uint64_t)q;
}

uint64_t holo_block_count_kb(uint64_t resid_bytes, uint64_t coarse_bytes, long kb)
{
    double t = 1024.0 * (double)kb;
    uint64_t T = t < 256 ? 256 : (uint64_t)t;
    uint64_t O = 96 + coarse_bytes;
    if (T <= O + 16) return 1;
    return ceil_blocks(resid_bytes, T - O);
}

uint64_t holo_block_count_bytes(uint64_t resid_bytes, uint64_t coarse_bytes, long max_bytes)
{
    uint64_t T = max_bytes < 256 ? 256 : (uint64_t)max_bytes;
    uint64_t O = 30 + coarse_bytes;
    if (T <= O + 16) return 1;
    return ceil_blocks(resid_bytes, T - O);
}
