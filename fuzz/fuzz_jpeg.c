/* fuzz_jpeg.c — libFuzzer target for the JPEG side of HO4J: the JPEG parser and exact
 * rebuild, the recipe reader, and the tier/U decoder that turns received streams back into
 * a JPEG.
 *
 *   make fuzz && build/fuzz/fuzz_jpeg -max_len=65536 corpus_dir/
 *
 * The first byte picks the path: 0 parses the rest as a JPEG file (and rebuilds it), 1 reads
 * it as a recipe, anything else cuts it into four equal parts, tiers 0, 1 and 2 and the U share
 * of a one-chunk set, and decodes that (seed_streams.bin: a real set so cut, zero padded, tier 0
 * version 4; seed_streams_coarse.bin: the same with tier 1's AC marked coarse, a1 = 2). */
#include "v4_jpeg.h"
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    const uint8_t *p = data + 1;
    size_t n = size - 1;
    holo_err err;
    if (data[0] == 0) {
        v4j_jpeg j;
        memset(&j, 0, sizeof j);
        v4j_parse_exact(p, n, &j, &err);
        v4j_free(&j);
    } else if (data[0] == 1) {
        v4j_jpeg j;
        memset(&j, 0, sizeof j);
        v4j_recipe_read(p, n, &j, &err);
        v4j_free(&j);
    } else {
        /* four equal parts (the last takes the rest): tiers 0, 1, 2 and the U share */
        size_t q = n / 4;
        uint8_t *u0 = (uint8_t *)(p + 3 * q);
        uint32_t ulen = (uint32_t)(n - 3 * q);
        v4j_streams s;
        memset(&s, 0, sizeof s);
        s.n = 1;
        s.m[0] = s.m[1] = s.m[2] = 1;
        for (int t = 0; t < 3; t++) {
            s.tier[t] = (uint8_t *)(p + t * q);
            s.S[t] = q;
        }
        s.u = &u0;
        s.u_len = &ulen;
        uint8_t *out = NULL;
        size_t len = 0;
        if (v4j_decode(&s, &out, &len, &err) == 0) free(out);
    }
    return 0;
}
