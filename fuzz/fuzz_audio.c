/* fuzz_audio.c — libFuzzer target for the audio side of HO4A: the WAV/AIFF parser that splits a
 * file into samples and a recipe, and the layer decoder that turns received streams back into
 * samples.
 *
 *   make fuzz && build/fuzz/fuzz_audio -max_len=65536 fuzz/corpus/fuzz_audio
 *
 * The first byte picks the path: 0 parses the rest as a WAV/AIFF file; anything else reads the
 * rest as one HO4A chunk of a one-chunk set (header checked by the container, CRCs not, so
 * mutations reach the decoder) and decodes its tiers and U share. */
#include "v4_audio.h"
#include "v4_audio_wav.h"
#include "v4_container.h"
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    const uint8_t *p = data + 1;
    size_t n = size - 1;
    holo_err err;
    if (data[0] == 0) {
        v4a_pcm pcm;
        memset(&pcm, 0, sizeof pcm);
        uint8_t *recipe = NULL;
        size_t rlen = 0;
        if (v4a_wav_split(p, n, "fuzz", &pcm, &recipe, &rlen, &err) == 0) {
            uint8_t *out = NULL;
            size_t olen = 0;
            if (v4a_wav_join(&pcm, recipe, rlen, &out, &olen, NULL, &err) == 0) free(out);
            free(recipe);
            v4a_pcm_free(&pcm);
        }
        return 0;
    }
    v4c_hdr h;
    if (v4c_hdr_parse(p, n, n, "fuzz", &h, NULL) || h.n != 1 || h.ntiers > V4A_TIERS)
        return 0;
    v4a_streams s;
    memset(&s, 0, sizeof s);
    s.n = 1;
    for (unsigned t = 0; t < h.ntiers; t++) {
        s.m[t] = 1;
        s.tier[t] = (uint8_t *)(p + v4c_row_off(&h, t));
        s.tier_len[t] = (size_t)h.S[t];
    }
    uint8_t *u0 = (uint8_t *)(p + v4c_row_off(&h, h.ntiers));
    uint32_t ulen = h.u_len;
    s.u = &u0;
    s.u_len = &ulen;
    s.max_pcm_bytes = 16u << 20;   /* a careful deployment's --max-output */
    v4a_pcm out;
    memset(&out, 0, sizeof out);
    const uint8_t *recipe = NULL;
    size_t rlen = 0;
    int exact = 0;
    if (v4a_decode(&s, &out, &recipe, &rlen, &exact, &err) == 0) v4a_pcm_free(&out);
    return 0;
}
