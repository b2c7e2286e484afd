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

/* Streamed overlap-add synthesis of ch channels (doc/formats.md §HOAU v3, decoding). Frames
 * are added in order and a sample is taken out once no later frame reaches it, so the state is
 * ch rings of n_fft + span doubles (and one ring of window sums: they do not depend on the
 * channel), whatever the length. Every sum has the terms of the whole-signal synthesis in the
 * same order, so the output is the same to the bit. */
typedef void (*holo_ola_frame_fn)(void *ctx, uint32_t c, uint64_t i, int16_t *pairs);

typedef struct holo_ola {
    holo_stft *s;
    uint32_t ch;
    int keep;                 /* coefficient pairs per frame (bins >= keep are zero) */
    uint64_t F, P;            /* frames; P = n_fft + (F-1)*hop samples reached by them */
    uint64_t ring, span;      /* ring = n_fft + span slots; at most span samples per take */
    uint64_t next, done;      /* next frame to add; samples taken so far */
    double *acc, *norm;       /* ch x ring; ring */
    int16_t *pairs;           /* one frame's coefficients */
    holo_ola_frame_fn frame;  /* fills channel c, frame i: keep (re, im) pairs */
    void *ctx;
} holo_ola;

/* 0 or HOLO_ENOMEM. s must outlive o (several holo_ola may share it). */
int holo_ola_init(holo_ola *o, holo_stft *s, uint32_t ch, uint64_t F, int keep, uint64_t span,
                  holo_ola_frame_fn frame, void *ctx);
/* The next count (<= span) samples of every channel, interleaved: out[t*ch + c] = overlap-add /
 * max(norm, 1e-8) before rounding, 0 past the last frame. */
void holo_ola_take(holo_ola *o, uint64_t count, double *out);
void holo_ola_free(holo_ola *o);

#endif
