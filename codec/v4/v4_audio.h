/* v4_audio.h — HO4A, the audio codec of the v4 family (holo(5) "HO4A").
 *
 * Per channel (stereo pairs as integer mid/side), an orthonormal MDCT of hop N quantised with
 * one fine step; the quantised coefficients are cut into nested layers by rounding to
 * multiples of 2^s (layer l holds the digits between s_{l-1} and s_l), so a decoder holding
 * layers 0..l has every coefficient to within 2^(s_l - 1) steps. Layers 0-2 go to container
 * tiers 0-2 (tier 0 replicated, tiers 1 and 2 Reed-Solomon with any m1 / m2 chunks), the
 * finest layer is spread over the chunks' U shares by time-frequency tile, and the exact
 * remainder (samples minus the rounded inverse MDCT of all layers) is tier 3, which needs every
 * chunk. The codec core works on in-memory streams (v4a_streams); v4_audio_file.c puts them in
 * a chunk directory. */
#ifndef HOLO_V4_AUDIO_H
#define HOLO_V4_AUDIO_H

#include <stddef.h>
#include <stdint.h>

#include "holo.h"

#define V4A_PI 3.14159265358979323846

/* ---- v4_audio_mdct.c ---------------------------------------------------------------------- */
typedef struct v4a_mdct {
    unsigned N;                       /* coefficients per frame, a power of two >= 16 */
    double scale;
    double *win, *pre, *post, *fft, *buf, *u, *v;
} v4a_mdct;
int v4a_mdct_init(v4a_mdct *m, unsigned N);
void v4a_mdct_free(v4a_mdct *m);
/* x: 2N samples -> X: N coefficients; X: N coefficients -> y: 2N windowed samples to
 * overlap-add at hop N. */
void v4a_mdct_forward(v4a_mdct *m, const double *x, double *X);
void v4a_mdct_inverse(v4a_mdct *m, const double *X, double *y);

/* ---- v4_audio.c --------------------------------------------------------------------------- */
#define V4A_MAX_CHANNELS 8
#define V4A_MAX_SAMPLES (1ull << 28)  /* frames * channels (50 minutes of 44.1 kHz stereo): the
                                         decoder's memory stays under 3 GiB */
#define V4A_LAYERS 3                  /* coarse layers in tiers 0..2 */
#define V4A_TIERS 4                   /* + tier 3, the exact remainder */

typedef struct v4a_pcm {
    unsigned channels;                /* 1..8 */
    unsigned bits;                    /* 8, 16 or 24 */
    uint32_t rate;
    uint64_t frames;                  /* samples per channel */
    int32_t *s;                       /* frames * channels, interleaved, signed (8-bit: u - 128) */
    uint64_t s_plane;                 /* 0: s is malloc'd; else v4a_decode's plane of this many
                                         samples (v4a_pcm_free knows both) */
} v4a_pcm;

typedef struct v4a_streams {
    unsigned n;                       /* chunks */
    unsigned m[V4A_TIERS];            /* chunks that recover each tier */
    uint8_t *tier[V4A_TIERS];         /* NULL: not recoverable from the chunks present */
    size_t tier_len[V4A_TIERS];
    uint8_t **u;                      /* n shares; u[i] NULL when chunk i is missing */
    uint64_t max_pcm_bytes;           /* decoding refuses parameters claiming more sample bytes
                                         (the container's file length); the encoder sets the
                                         exact figure */
    uint32_t *u_len;
} v4a_streams;

typedef struct v4a_opts {
    unsigned n;                       /* chunks, 1..255 */
    int compact;                      /* less redundancy: only any n/2 chunks are protected */
    unsigned revision;                /* 0: the current layout (3: U values as letters); 2
                                         (binary length steps) and 1 (plain unary bit lengths)
                                         are kept so tests prove such sets still decode */
} v4a_opts;

/* Encode p (and the container recipe, kept verbatim in tier 0) into streams. */
int v4a_encode(const v4a_pcm *p, const uint8_t *recipe, size_t recipe_len, const v4a_opts *o,
               v4a_streams *out, holo_err *err);
/* Decode what `in` holds. *exact is 1 when every layer and the remainder were present (the
 * samples are the original's). *recipe points into in->tier[0]. Hostile streams decode to
 * garbage or an error, in bounded memory and time. */
int v4a_decode(const v4a_streams *in, v4a_pcm *out, const uint8_t **recipe, size_t *recipe_len,
               int *exact, holo_err *err);
void v4a_streams_free(v4a_streams *s);
/* The format tier 0 records (for info without decoding). */
typedef struct v4a_format {
    unsigned channels, bits;
    uint32_t rate;
    uint64_t frames;
} v4a_format;
int v4a_peek_format(const uint8_t *tier0, size_t len, v4a_format *f);
void v4a_pcm_free(v4a_pcm *p);
/* Two independent jobs on two cores: b on a new thread (inline when none can start), a on the
 * caller's; returns when both are done. */
typedef void *(*v4a_job_fn)(void *);
void v4a_run2(v4a_job_fn fa, void *a, v4a_job_fn fb, void *b);
/* Ask for transparent huge pages on the 2 MiB-aligned part of a fresh large buffer (malloc'd,
 * not yet written), e.g. the 5.3 MB WAV of a 30 s stereo decode: ~1.3k page faults in 4 KiB
 * pages. */
void v4a_advise_huge(void *p, size_t bytes);

/* Layer SNRs (dB) the encoder aims at for tiers 0..2 and the chunk counts it uses (n = 32:
 * 1, 4, 16 by default; compact: tiers 0 and 1 empty, tier 2 any 16). */
void v4a_targets(unsigned n, int compact, double snr[V4A_LAYERS], unsigned m[V4A_TIERS]);

#endif
