/* t_gf256.c — GF(256) tables and region operations against doc/formats.md §HORC (GF(256)) and
 * tables/horc_vectors.json; the SIMD and table paths must agree. */
#include "tap.h"
#include "gf256.h"
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint8_t slow_mul(uint8_t a, uint8_t b)
{
    unsigned r = 0, x = a;
    for (int i = 0; i < 8; i++) {
        if (b & (1u << i)) r ^= x;
        x <<= 1;
        if (x & 0x100) x ^= 0x11D;
    }
    return (uint8_t)r;
}

int main(void)
{
    plan(0);
    holo_gf_init();
    static const uint8_t exp16[16] = {1, 2, 4, 8, 16, 32, 64, 128, 29, 58, 116, 232, 205, 135, 19, 38};
    is_bytes(holo_gf_exp, 16, exp16, 16, "exp[0..15] as Appendix A");
    is_int(holo_gf_mul(2, 128), 0x1D, "mul(2,128)");
    is_int(holo_gf_mul(0x53, 0xCA), 0x8F, "mul(0x53,0xCA)");
    is_int(holo_gf_inv(2), 0x8E, "inv(2)");

    int bad = 0, badinv = 0;
    for (int a = 0; a < 256; a++) {
        for (int b = 0; b < 256; b++)
            if (holo_gf_mul((uint8_t)a, (uint8_t)b) != slow_mul((uint8_t)a, (uint8_t)b)) bad++;
        if (a && holo_gf_mul((uint8_t)a, holo_gf_inv((uint8_t)a)) != 1) badinv++;
    }
    is_int(bad, 0, "mul agrees with carry-less multiply mod 0x11D on all 65536 pairs");
    is_int(badinv, 0, "a * inv(a) = 1 for a = 1..255");

    char path[4096];
    snprintf(path, sizeof path, "%s/formats/tables/horc_vectors.json", tap_vectors());
    json_error_t je;
    json_t *root = json_load_file(path, 0, &je);
    if (!root) {
        skip(2, "horc_vectors.json not found");
    } else {
        json_t *g = json_object_get(root, "gf256");
        size_t i;
        json_t *v;
        int nm = 0, bm = 0, ni = 0, bi = 0;
        json_array_foreach(json_object_get(g, "mul_samples"), i, v) {
            nm++;
            if (holo_gf_mul((uint8_t)json_integer_value(json_array_get(v, 0)),
                            (uint8_t)json_integer_value(json_array_get(v, 1))) !=
                json_integer_value(json_array_get(v, 2))) bm++;
        }
        json_array_foreach(json_object_get(g, "inv_samples"), i, v) {
            ni++;
            if (holo_gf_inv((uint8_t)json_integer_value(json_array_get(v, 0))) !=
                json_integer_value(json_array_get(v, 1))) bi++;
        }
        ok(nm > 0 && bm == 0, "%d mul samples from the vectors", nm);
        ok(ni > 0 && bi == 0, "%d inv samples from the vectors", ni);
        json_decref(root);
    }

    /* Region ops: odd lengths exercise the SIMD tail; compare with the scalar map. */
    enum { L = 1037 };
    uint8_t src[L], d1[L], d2[L], want[L];
    unsigned seed = 12345;
    for (int i = 0; i < L; i++) { seed = seed * 1103515245 + 12345; src[i] = (uint8_t)(seed >> 16); }
    int badreg = 0;
    for (int simd = 0; simd < 2; simd++) {
        holo_gf_set_simd(simd);
        for (int c = 0; c < 256; c++) {
            for (int i = 0; i < L; i++) d1[i] = d2[i] = (uint8_t)(i * 7);
            holo_gf_muladd(d1, src, (uint8_t)c, L);
            for (int i = 0; i < L; i++) want[i] = (uint8_t)((i * 7) ^ slow_mul((uint8_t)c, src[i]));
            if (memcmp(d1, want, L)) badreg++;
            memcpy(d2, src, L);
            holo_gf_scale(d2, (uint8_t)c, L);
            for (int i = 0; i < L; i++) want[i] = slow_mul((uint8_t)c, src[i]);
            if (memcmp(d2, want, L)) badreg++;
        }
        is_int(badreg, 0, "muladd/scale correct for every coefficient (simd=%d)", simd);
    }
    holo_gf_set_simd(1);
    return done_testing();
}
