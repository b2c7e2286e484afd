/* t_interp.c — numpy-exact linspace and linear interpolation of HOAU v1/v2
 * (doc/resample.md §Coarse indices, §Linear interpolation) against
 * vectors/formats/tables/audio_linspace.json. */
#include "interp.h"
#include "tap.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- SHA-256 (FIPS 180-4), just enough to check the table's hashes ---- */
typedef struct { uint32_t h[8]; uint8_t buf[64]; uint64_t len; size_t fill; } sha256;
static const uint32_t K256[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};
#define ROR(x, n) ((x) >> (n) | (x) << (32 - (n)))
static void sha_block(sha256 *s, const uint8_t *p)
{
    uint32_t w[64], a[8];
    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | p[4 * i + 1] << 16 | p[4 * i + 2] << 8 | p[4 * i + 3];
    for (int i = 16; i < 64; i++) {
        uint32_t s0 = ROR(w[i - 15], 7) ^ ROR(w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = ROR(w[i - 2], 17) ^ ROR(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    memcpy(a, s->h, sizeof a);
    for (int i = 0; i < 64; i++) {
        uint32_t t1 = a[7] + (ROR(a[4], 6) ^ ROR(a[4], 11) ^ ROR(a[4], 25)) +
                      ((a[4] & a[5]) ^ (~a[4] & a[6])) + K256[i] + w[i];
        uint32_t t2 = (ROR(a[0], 2) ^ ROR(a[0], 13) ^ ROR(a[0], 22)) +
                      ((a[0] & a[1]) ^ (a[0] & a[2]) ^ (a[1] & a[2]));
        memmove(a + 1, a, 7 * sizeof *a);
        a[4] += t1;
        a[0] = t1 + t2;
    }
    for (int i = 0; i < 8; i++) s->h[i] += a[i];
}
static void sha_init(sha256 *s)
{
    static const uint32_t h0[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                   0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    memcpy(s->h, h0, sizeof h0);
    s->len = 0;
    s->fill = 0;
}
static void sha_update(sha256 *s, const void *data, size_t n)
{
    const uint8_t *p = data;
    s->len += n;
    while (n--) {
        s->buf[s->fill++] = *p++;
        if (s->fill == 64) { sha_block(s, s->buf); s->fill = 0; }
    }
}
static void sha_hex(sha256 *s, char out[65])
{
    uint64_t bits = s->len * 8;
    uint8_t pad = 0x80, z = 0, lb[8];
    sha_update(s, &pad, 1);
    while (s->fill != 56) sha_update(s, &z, 1);
    for (int i = 0; i < 8; i++) lb[i] = (uint8_t)(bits >> (56 - 8 * i));
    sha_update(s, lb, 8);
    for (int i = 0; i < 8; i++) sprintf(out + 8 * i, "%08x", s->h[i]);
}
static void le64(uint8_t *o, uint64_t v) { for (int i = 0; i < 8; i++) o[i] = (uint8_t)(v >> 8 * i); }

static double t_at(uint64_t n, uint64_t L, uint64_t j) { return holo_linspace_at((double)(L - 1), n, j); }

static void check_table(void)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/formats/tables/audio_linspace.json", tap_vectors());
    json_error_t je;
    json_t *root = json_load_file(path, 0, &je);
    if (!ok(root && json_is_array(root), "load %s", path)) { diag("%s", je.text); return; }
    size_t i;
    json_t *e;
    json_array_foreach(root, i, e) {
        uint64_t n = json_integer_value(json_object_get(e, "n_frames"));
        uint64_t cmf = json_integer_value(json_object_get(e, "coarse_max_frames"));
        uint64_t L = holo_audio_coarse_len(n, cmf);
        is_int((long long)L, json_integer_value(json_object_get(e, "coarse_len")),
               "n=%llu cmf=%llu: coarse_len", (unsigned long long)n, (unsigned long long)cmf);
        uint64_t *idx = malloc(L * sizeof *idx);
        holo_coarse_indices(n, L, idx);
        sha256 s;
        char hex[65];
        uint8_t b[8];
        sha_init(&s);
        for (uint64_t k = 0; k < L; k++) { le64(b, idx[k]); sha_update(&s, b, 8); }
        sha_hex(&s, hex);
        is_str(hex, json_string_value(json_object_get(e, "coarse_index_sha256_of_int64le")),
               "n=%llu L=%llu: sha256 of the coarse indices", (unsigned long long)n,
               (unsigned long long)L);
        json_t *ci = json_object_get(e, "coarse_indices");
        if (ci) {
            int same = json_array_size(ci) == L;
            for (uint64_t k = 0; same && k < L; k++)
                same = (uint64_t)json_integer_value(json_array_get(ci, k)) == idx[k];
            ok(same, "n=%llu L=%llu: coarse index list", (unsigned long long)n, (unsigned long long)L);
        }
        /* The trap indices: exact rational floor differs, we must follow the double one. */
        json_t *trap = json_object_get(e, "indices_where_float_floor_differs_from_exact_rational_floor");
        size_t ti;
        json_t *tv;
        json_array_foreach(trap, ti, tv) {
            uint64_t k = json_integer_value(tv);
            uint64_t exact = k * (n - 1) / (L - 1);
            ok(idx[k] == exact - 1, "n=%llu L=%llu k=%llu: double floor %llu (exact would be %llu)",
               (unsigned long long)n, (unsigned long long)L, (unsigned long long)k,
               (unsigned long long)idx[k], (unsigned long long)exact);
        }
        sha_init(&s);
        for (uint64_t j = 0; j < n; j++) {
            double t = t_at(n, L, j);
            uint64_t u;
            memcpy(&u, &t, 8);
            le64(b, u);
            sha_update(&s, b, 8);
        }
        sha_hex(&s, hex);
        is_str(hex, json_string_value(json_object_get(e, "t_sha256_of_float64le")),
               "n=%llu L=%llu: sha256 of the positions t", (unsigned long long)n,
               (unsigned long long)L);
        json_t *th = json_object_get(e, "t_hex");
        if (th) {
            int same = json_array_size(th) == n;
            for (uint64_t j = 0; same && j < n; j++)
                same = strtod(json_string_value(json_array_get(th, j)), NULL) == t_at(n, L, j);
            ok(same, "n=%llu L=%llu: t bit for bit", (unsigned long long)n, (unsigned long long)L);
        }
        free(idx);
    }
    json_decref(root);
}

/* up[] through the real interpolator agrees with a plain evaluation of the
 * doc/resample.md §Linear interpolation formula. */
static void check_interp_matches_formula(uint64_t n, uint64_t L, uint32_t ch)
{
    int16_t *coarse = malloc(L * ch * 2), *up = malloc(n * ch * 2);
    uint32_t x = 12345;
    for (uint64_t i = 0; i < L * ch; i++) { x = x * 1103515245u + 12345u; coarse[i] = (int16_t)(x >> 16); }
    holo_interp_up(coarse, L, ch, n, up);
    int bad = 0;
    for (uint64_t j = 0; j < n; j++) {
        double t = t_at(n, L, j), f = floor(t), a = t - f;
        uint64_t k0 = (uint64_t)f, k1 = k0 + 1 < L ? k0 + 1 : L - 1;
        for (uint32_t c = 0; c < ch; c++) {
            double v = (1.0 - a) * coarse[k0 * ch + c] + a * coarse[k1 * ch + c];
            if (up[j * ch + c] != (int16_t)nearbyint(v)) bad++;
        }
    }
    is_int(bad, 0, "interp n=%llu L=%llu ch=%u follows the formula", (unsigned long long)n,
           (unsigned long long)L, ch);
    free(coarse);
    free(up);
}

int main(void)
{
    plan(0);
    /* doc/resample.md §Coarse indices: its examples. */
    is_int((long long)floor(holo_linspace_at(122, 15, 7)), 60, "linspace(0,122,15,int)[7] = 60");
    ok(holo_linspace_at(2, 7, 5) == 1.6666666666666665, "linspace(0,2,7)[5] = 1.6666666666666665");
    ok(holo_linspace_at(5, 1, 0) == 0.0, "num = 1: 0, no endpoint forcing");
    ok(holo_linspace_at(9, 4, 3) == 9.0, "endpoint forced");
    /* doc/resample.md §Coarse indices: n = 136, L = 100, k = 11 → 14 (exact arithmetic says 15). */
    uint64_t idx[100];
    holo_coarse_indices(136, 100, idx);
    is_int((long long)idx[11], 14, "trap n=136 L=100 k=11 -> 14");
    is_int((long long)idx[99], 135, "last index forced to n-1");
    is_int((long long)holo_audio_coarse_len(11025, 0), 2048, "default coarse_max_frames 2048");
    is_int((long long)holo_audio_coarse_len(1000, 1), 2, "coarse length at least 2");
    is_int((long long)holo_audio_coarse_len(5, 2048), 5, "coarse length at most n");

    /* doc/resample.md §Linear interpolation, ties: n = 2001, L = 1001 puts every odd j at α = 0.5;
     * rne, not round-half-away. */
    int16_t coarse[1001], up[2001];
    for (int k = 0; k < 1001; k++) coarse[k] = 0;
    coarse[0] = 0; coarse[1] = 1;      /* j=1: 0.5 → 0 */
    coarse[2] = 1; coarse[3] = 2;      /* j=5 between k=2,3: 1.5 → 2 */
    coarse[4] = -2; coarse[5] = -3;    /* j=9 between k=4,5: -2.5 → -2 */
    coarse[6] = 3; coarse[7] = 4;      /* j=13: 3.5 → 4 */
    holo_interp_up(coarse, 1001, 1, 2001, up);
    is_int(up[1], 0, "tie 0.5 -> 0");
    is_int(up[5], 2, "tie 1.5 -> 2");
    is_int(up[9], -2, "tie -2.5 -> -2");
    is_int(up[13], 4, "tie 3.5 -> 4");
    is_int(up[2000], coarse[1000], "last frame is the last coarse frame");
    /* Extremes stay within int16. */
    int16_t ext[2] = {-32768, 32767}, upx[7];
    holo_interp_up(ext, 2, 1, 7, upx);
    is_int(upx[0], -32768, "extreme start");
    is_int(upx[6], 32767, "extreme end");
    is_int(upx[3], 0, "midpoint -0.5 -> -0 (half to even)");

    check_table();
    check_interp_matches_formula(136, 100, 2);
    check_interp_matches_formula(4411, 2048, 2);
    check_interp_matches_formula(1000, 10, 3);
    return done_testing();
}
