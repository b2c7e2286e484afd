/* v4_audio_wav.h — byte-exact WAV/AIFF <-> samples + recipe for HO4A (holo(5) "HO4A"). */
#ifndef HOLO_V4_AUDIO_WAV_H
#define HOLO_V4_AUDIO_WAV_H

#include "v4_audio.h"

/* Split a WAV or AIFF file (8/16/24-bit PCM, 1-8 channels, any chunks around the data) into samples
 * and the recipe of every other byte. HOLO_EUNSUPPORTED for anything else. */
int v4a_wav_split(const uint8_t *buf, size_t len, const char *name, v4a_pcm *p, uint8_t **recipe,
                  size_t *recipe_len, holo_err *err);
/* Rebuild the file from samples and recipe (malloc'd into *out), on two threads; with sha
 * non-NULL, also the SHA-256 of the file (its first half hashed while the second is packed). */
int v4a_wav_join(const v4a_pcm *p, const uint8_t *recipe, size_t recipe_len, uint8_t **out,
                 size_t *out_len, uint8_t sha[32], holo_err *err);

#endif
