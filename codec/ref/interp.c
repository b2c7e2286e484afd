/* interp.c — see interp.h. The evaluation order is normative: every operation below is one IEEE
 * double rounding, in exactly the order numpy 1.24 performs it (doc/resample.md §Coarse indices,
 * §Linear interpolation). */
#include "interp.h"

#include <math.h>

double holo_linspace_at(double S, uint64_t num, uint64_t i)
{
    if (num <= 1) return 0.0;                  /* num == 1: 0·delta, no endpoint forcing */
    if (i == num - 1) return S;                /* numpy overwrites the endpoint with stop */
    double div = (double)(num - 1);
    double step = S / div;                     /* one division ... */
    if (step != 0.0) return (double)i * step;  /* ... then one multiplication, never i·S/div */
    return ((double)i / div) * S;              /* S == 0 */
}

uint64_t holo_audio_coarse_len(uint64_t n, uint64_t coarse_max_frames)
{
    uint64_t L = coarse_max_frames ? coarse_max_frames : 2048;
    if (L < 2) L = 2;
    return L < n ? L : n;
}

void holo_coarse_indices(uint64_t n, uint64_t L, uint64_t *idx)
{
    double S = n ? (double)(n - 1) : 0.0;
    for (uint64_t k = 0; k < L; k++)
        idx[k] = (uint64_t)floor(holo_linspace_at(S, L, k));   /* integer dtype: floor */
}

void holo_coarse_pick(const int16_t *a, uint64_t n, uint32_t ch, uint64_t L, int16_t *coarse)
{
    double S = n ? (double)(n - 1) : 0.0;
    for (uint64_t k = 0; k < L; k++) {
        uint64_t j = (uint64_t)floor(holo_linspace_at(S, L, k));
        for (uint32_t c = 0; c < ch; c++) coarse[k * ch + c] = a[j * ch + c];
    }
}

void holo_interp_up(const int16_t *coarse, uint64_t L, uint32_t ch, uint64_t n, int16_t *up)
{
    holo_interp_up_range(coarse, L, ch, n, 0, n, up);
}

void holo_interp_up_range(const int16_t *coarse, uint64_t L, uint32_t ch, uint64_t n, uint64_t j0,
                          uint64_t count, int16_t *up)
{
    if (L == 0) return;
    double S = (double)(L - 1);
    /* The same values as holo_linspace_at(S, n, j), with the division hoisted out. */
    double step = n > 1 ? S / (double)(n - 1) : 0.0;
    for (uint64_t j = j0; j < j0 + count && j < n; j++) {
        double t = (n > 1 && j == n - 1) ? S : (double)j * step;
        double f = floor(t);
        uint64_t k0 = (uint64_t)f;
        uint64_t k1 = k0 + 1 < L ? k0 + 1 : L - 1;
        double alpha = t - f;                  /* exact: the fractional part of a double */
        double wa = 1.0 - alpha;
        const int16_t *x0 = coarse + k0 * ch, *x1 = coarse + k1 * ch;
        int16_t *o = up + (j - j0) * ch;
        for (uint32_t c = 0; c < ch; c++) {
            /* Three separately rounded operations; never c0 + α(c1-c0), never an FMA. */
            double p = wa * (double)x0[c];
            double q = alpha * (double)x1[c];
            double v = p + q;
            o[c] = (int16_t)nearbyint(v);      /* half to even, like np.round; within int16 */
        }
    }
}
