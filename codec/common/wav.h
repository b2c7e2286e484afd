/* wav.h — WAV input for the audio codecs and the canonical 16-bit WAV output
 * (doc/formats.md §HOAU v1/v2: WAV input, WAV output).
 *
 * Input: RIFF/WAVE PCM (format tag 1, or WAVE_FORMAT_EXTENSIBLE with the PCM sub-format) with
 * 9-16 bit samples is used as is; 17-24 bit samples become floor(v / 256) (the top 16 bits, no
 * rounding, no dither; quirk Q19). A trailing partial frame is ignored. Anything else that
 * libsndfile can open (8/32-bit PCM, float, double, A-law, FLAC, AIFF, ...) is read as
 * libsndfile's normalised doubles x in [-1, 1) and becomes floor(x * 32768) clipped to int16:
 * integer formats keep their top 16 bits (8-bit: (u - 128) << 8, 32-bit: v >> 16, the same
 * truncation as the 24-bit rule), float 0.5 becomes 16384 and 1.0 clips to 32767. NaN is 0.
 * Fewer than 2 frames is an error. */
#ifndef HOLO_WAV_H
#define HOLO_WAV_H

#include "holo.h"

typedef struct holo_wav {
    uint32_t channels;
    uint32_t sample_rate;
    uint64_t frames;          /* n, samples per channel */
    int16_t *samples;         /* frames * channels, interleaved, malloc'd */
    int src_bits;             /* bits per sample of the source (32 for float) */
    int converted;            /* 1 when read through libsndfile (not 16/24-bit PCM WAV) */
} holo_wav;

/* Read `path` as 16-bit audio. Errors are one line naming the file. */
int holo_wav_read(const char *path, holo_wav *w, holo_err *err);
void holo_wav_free(holo_wav *w);

/* Canonical 44-byte header of a 16-bit PCM WAV holding `frames` frames
 * (doc/formats.md §HOAU v1/v2). */
#define HOLO_WAV_HEADER 44u
/* Size of the whole canonical WAV file, 0 if it does not fit the RIFF 32-bit sizes. */
uint64_t holo_wav_size(uint32_t channels, uint64_t frames);
void holo_wav_header(uint8_t out[HOLO_WAV_HEADER], uint32_t channels, uint32_t sample_rate,
                     uint64_t frames);
/* Header plus i16le samples into a malloc'd buffer. */
int holo_wav_render(const int16_t *samples, uint32_t channels, uint32_t sample_rate,
                    uint64_t frames, uint8_t **buf, size_t *len, holo_err *err);

#endif
