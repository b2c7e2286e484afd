/* stft.h — STFT of the v3 audio codec (doc/formats.md §HOAU v3): square-rooted symmetric Hann
 * window, quantization steps, frame count, per-channel analysis (float32 framing, double FFT
 * through FFTW3, float32 spectrum) and overlap-add synthesis in double. */
#ifndef HOLO_STFT_H
#define HOLO_STFT_H

#include <stdint.h>

typedef struct holo_stft {
    int n_fft, hop, bins;
    float *w;                 /* window, n_fft */
    float *step;              /* quantization step per bin */
    double *tbuf;             /* n_fft time samples */
    void *fbuf;               /* bins complex doubles (fftw_complex) */
    void *plan_fwd, *plan_inv;
} holo_stft;

/* n_fft >= 1 (capped at 1<<20), hop >= 1 (values below 1 become 1), q clamped to 1..100.
 * 0, HOLO_EINVAL or HOLO_ENOMEM. */
int holo_stft_init(holo_stft *s, int n_fft, int hop, int q);
void holo_stft_free(holo_stft *s);

/* F = max(1, ceil((n - n_fft) / hop) + 1). */
uint64_t holo_stft_frames(uint64_t n, int n_fft, int hop);
void holo_stft_window(int n_fft, float *w);
void holo_stft_steps(int n_fft, int q, float *step);

/* Analyse one channel: x[0..n) (float32), zero-padded to n_fft + (F-1)*hop. For each frame and
 * each bin k < keep, write the pair rne(Re/step), rne(Im/step) clipped to int16 into out
 * (F*keep*2 values). Returns 1 when anything was clipped. */
int holo_stft_analyse(holo_stft *s, const float *x, uint64_t n, uint64_t F, int keep,
                      int16_t *out);

/* Synthesise one channel from coefficient pairs laid out as analyse wrote them (bins >= keep
 * are zero): out[0..n) = overlap-add / max(norm, 1e-8), before rounding. `acc` and `norm` are
 * scratch of at least n_fft + (F-1)*hop doubles. */
void holo_stft_synth(holo_stft *s, const int16_t *in, uint64_t F, int keep, uint64_t n,
                     double *acc, double *norm, double *out);

#endif
