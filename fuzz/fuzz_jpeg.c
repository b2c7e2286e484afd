/* fuzz_jpeg.c — libFuzzer target for the JPEG side of HO4J: the JPEG parser and exact
 * rebuild, the recipe reader, and the tier/U decoder that turns received streams back into
 * a JPEG.
 *
 *   make fuzz && build/fuzz/fuzz_jpeg -max_len=65536 corpus_dir/
 *
 * The first byte picks the path: 0 parses the rest as a JPEG file (and rebuilds it), 1 reads
 * it as a recipe, anything else cuts it into tier 0, tier 2 and one U share of a one-chunk set
 * and decodes that. */
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
        size_t a = n / 3, b = n / 3;
        uint8_t *u0 = (uint8_t *)(p + a + b);
        uint32_t ulen = (uint32_t)(n - a - b);
        v4j_streams s;
        memset(&s, 0, sizeof s);
        s.n = 1;
        s.m[0] = 1;
        s.m[2] = 1;
        s.tier[0] = (uint8_t *)p;
        s.S[0] = a;
        s.tier[2] = (uint8_t *)(p + a);
        s.S[2] = b;
        s.u = &u0;
        s.u_len = &ulen;
        uint8_t *out = NULL;
        size_t len = 0;
        if (v4j_decode(&s, &out, &len, &err) == 0) free(out);
    }
    return 0;
}
