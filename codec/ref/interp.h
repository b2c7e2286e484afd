/* interp.h — numpy-exact coarse frame selection and linear interpolation for HOAU v1/v2
 * (doc/resample.md §Coarse indices, §Linear interpolation). Pure double arithmetic, no FMA, rne
 * rounding. */
#ifndef HOLO_INTERP_H
#define HOLO_INTERP_H

#include <stdint.h>

/* Element i of numpy linspace(0, S, num) (endpoint=True) in float64. */
double holo_linspace_at(double S, uint64_t num, uint64_t i);

/* Coarse frame count L = min(max(2, coarse_max_frames), n) (0 means the default 2048). */
uint64_t holo_audio_coarse_len(uint64_t n, uint64_t coarse_max_frames);

/* idx[k] = linspace(0, n-1, L, dtype=int64)[k] for k < L. */
void holo_coarse_indices(uint64_t n, uint64_t L, uint64_t *idx);

/* coarse[k*ch + c] = a[idx[k]*ch + c]: L frames picked from n interleaved frames. */
void holo_coarse_pick(const int16_t *a, uint64_t n, uint32_t ch, uint64_t L, int16_t *coarse);

/* up[j*ch + c] = rne((1-α)·coarse[k0] + α·coarse[k1]) with t = linspace(0, L-1, n)[j]. */
void holo_interp_up(const int16_t *coarse, uint64_t L, uint32_t ch, uint64_t n, int16_t *up);
/* Frames [j0, j0 + count) of the same, into up[0 .. count*ch) (streamed decoders). */
void holo_interp_up_range(const int16_t *coarse, uint64_t L, uint32_t ch, uint64_t n, uint64_t j0,
                          uint64_t count, int16_t *up);

#endif
