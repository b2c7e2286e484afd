/* resample.h — Pillow 9.4-exact BICUBIC resize of packed 8-bit RGB (doc/resample.md §Bicubic).
 *
 * The v1/v2 image codec makes its thumbnail and the upscale back to full size with this; the
 * residual is taken against the upscale, so every output byte must match Pillow.
 */
#ifndef HOLO_RESAMPLE_H
#define HOLO_RESAMPLE_H

#include <stdint.h>

/* Thumbnail size (doc/resample.md §Thumbnail size): scale = min(1, side/max(W,H)), sides
 * rne(W*scale) >= 1. */
void holo_thumb_size(uint32_t W, uint32_t H, uint32_t side, uint32_t *tw, uint32_t *th);

/* Coefficients of one axis, n_in -> n_out (doc/resample.md §Bicubic). Output o reads inputs lo[o]
 * .. lo[o]+cnt[o]-1 with the 22-bit weights q[o*ksize .. o*ksize+cnt[o]-1]. */
typedef struct holo_rs_axis {
    uint32_t n_in, n_out, ksize;
    int32_t *lo, *cnt, *q;
} holo_rs_axis;

/* 0 or HOLO_ENOMEM. n_in, n_out >= 1. */
int holo_rs_axis_init(holo_rs_axis *a, uint32_t n_in, uint32_t n_out);
void holo_rs_axis_free(holo_rs_axis *a);

/* Resize src (W x H, packed RGB, row-major) into dst (W2 x H2), exactly as
 * Image.resize((W2, H2), BICUBIC): horizontal pass first into an 8-bit intermediate, each pass
 * skipped when its size does not change; equal sizes copy. `threads` > 1 splits rows.
 * Returns 0, HOLO_EINVAL (zero size) or HOLO_ENOMEM. */
int holo_resize_rgb8(const uint8_t *src, uint32_t W, uint32_t H, uint8_t *dst, uint32_t W2,
                     uint32_t H2, int threads);
/* Same, and then dst = clamp(dst + add, 0, 255) with add[] holding W2*H2*3 values (the v1/v2
 * decoder: upscale + residual in one pass over memory). add may be NULL. */
int holo_resize_rgb8_add(const uint8_t *src, uint32_t W, uint32_t H, uint8_t *dst, uint32_t W2,
                         uint32_t H2, const int16_t *add, int threads);

#endif
