/* t_v4_rcrs.c — v4 range coder round trips; Cauchy RS recovers from every pattern of m rows. */
#include "tap.h"
#include "v4_codec.h"
#include <stdlib.h>
#include <string.h>

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint32_t rnd(void)
{
    rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17;
    return (uint32_t)(rng >> 11);
}

static int rc_roundtrip(int n, int skew)
{
    int *bits = malloc(n * sizeof *bits), *ctx = malloc(n * sizeof *ctx);
    uint32_t *raw = malloc(n * sizeof *raw);
    v4_prob pe[8], pd[8];
    for (int i = 0; i < 8; i++)
        pe[i] = pd[i] = V4_PROB_INIT;
    v4_enc e;
    v4_enc_init(&e);
    for (int i = 0; i < n; i++) {
        ctx[i] = rnd() & 7;
        bits[i] = (int)(rnd() % 1000) < skew * (ctx[i] + 1) / 8;
        raw[i] = rnd() & 0x1FF;
        v4_enc_bit(&e, &pe[ctx[i]], bits[i]);
        if (i % 7 == 0)
            v4_enc_raw(&e, raw[i], 9);
    }
    int good = v4_enc_finish(&e) == 0;
    v4_dec d;
    v4_dec_init(&d, e.buf, e.len);
    for (int i = 0; i < n && good; i++) {
        good = v4_dec_bit(&d, &pd[ctx[i]]) == bits[i];
        if (good && i % 7 == 0)
            good = v4_dec_raw(&d, 9) == raw[i];
    }
    v4_enc_free(&e);
    free(bits); free(ctx); free(raw);
    return good;
}

/* Every m-subset of B rows of a random stream of S bytes recovers it. */
static int rs_all_subsets(unsigned B, unsigned m, size_t S)
{
    uint8_t *stream = malloc(S + 1), *back = malloc(S + 1);
    size_t R = v4_rs_rowlen(S, m);
    uint8_t *rows = malloc(B * R + 1);
    for (size_t i = 0; i < S; i++)
        stream[i] = (uint8_t)rnd();
    for (unsigned i = 0; i < B; i++)
        v4_rs_encode_row(stream, S, m, i, rows + i * R);
    int good = 1;
    for (uint32_t mask = 0; mask < (1u << B) && good; mask++) {
        if ((unsigned)__builtin_popcount(mask) != m)
            continue;
        const uint8_t *rp[32];
        unsigned ids[32], k = 0;
        /* present rows in a scrambled order: the decoder must not rely on sorted ids */
        for (unsigned i = 0; i < B; i++)
            if (mask & (1u << i)) {
                ids[k] = i; rp[k] = rows + i * R; k++;
            }
        if (k > 1) {
            unsigned a = rnd() % k, t = ids[0]; const uint8_t *tp = rp[0];
            ids[0] = ids[a]; rp[0] = rp[a]; ids[a] = t; rp[a] = tp;
        }
        memset(back, 0xAA, S);
        good = v4_rs_recover(rp, ids, m, S, back) == 0 && memcmp(back, stream, S) == 0;
        if (!good)
            diag("B=%u m=%u S=%zu mask=%#x failed", B, m, S, mask);
    }
    free(stream); free(back); free(rows);
    return good;
}

int main(void)
{
    plan(0);
    ok(rc_roundtrip(1, 500), "range coder: one bit");
    ok(rc_roundtrip(1000, 500), "range coder: 1000 balanced bits");
    ok(rc_roundtrip(200000, 30), "range coder: 200k skewed bits");
    ok(rc_roundtrip(200000, 999), "range coder: 200k nearly-one bits");
    {
        v4_enc e;
        v4_enc_init(&e);
        v4_prob p = V4_PROB_INIT;
        for (int i = 0; i < 100000; i++)
            v4_enc_bit(&e, &p, 0);
        v4_enc_finish(&e);
        ok(e.len < 40, "100k certain zeros cost %zu bytes", e.len);
        v4_enc_free(&e);
    }

    /* GF(2^8) with 0x11D and the ISA-L Cauchy matrix entries. */
    is_int(v4_gf_mul(2, 0x80), 0x1D, "x * x^7 reduces by 0x11D");
    is_int(v4_gf_mul(2, v4_gf_inv(2)), 1, "inverse of 2");
    is_int(v4_gf_inv(2), 0x8E, "1/2 = 0x8E");
    is_int(v4_rs_coef(5, 1), v4_gf_inv(4), "C[5][1] = 1/(5^1)");
    int inv_ok = 1;
    for (int a = 1; a < 256; a++)
        inv_ok &= v4_gf_mul((uint8_t)a, v4_gf_inv((uint8_t)a)) == 1;
    ok(inv_ok, "every non-zero element has an inverse");

    for (unsigned B = 1; B <= 10; B++) {
        unsigned m1 = v4_m1_for(B), m2 = v4_m2_for(B);
        ok(rs_all_subsets(B, m1, 37), "B=%u: every %u of %u rows recover (m1)", B, m1, B);
        ok(rs_all_subsets(B, m2, 101), "B=%u: every %u of %u rows recover (m2)", B, m2, B);
    }
    ok(rs_all_subsets(12, 5, 1000), "B=12 m=5: all 792 patterns");
    ok(rs_all_subsets(16, 8, 64), "B=16 m=8: all 12870 patterns");
    ok(rs_all_subsets(6, 3, 0), "empty stream");
    ok(rs_all_subsets(6, 4, 2), "stream shorter than m");
    {
        uint8_t row[4] = { 0 };
        const uint8_t *rp[2] = { row, row };
        unsigned ids[2] = { 3, 3 };
        uint8_t out[8];
        ok(v4_rs_recover(rp, ids, 2, 8, out) < 0, "duplicate row ids are refused");
    }
    /* Large B: 255 rows, m = 128, a few random patterns. */
    {
        size_t S = 5000;
        unsigned B = 255, m = 128;
        size_t R = v4_rs_rowlen(S, m);
        uint8_t *stream = malloc(S), *back = malloc(S), *rows = malloc(B * R);
        for (size_t i = 0; i < S; i++)
            stream[i] = (uint8_t)rnd();
        for (unsigned i = 0; i < B; i++)
            v4_rs_encode_row(stream, S, m, i, rows + i * R);
        int good = 1;
        for (int trial = 0; trial < 5 && good; trial++) {
            unsigned perm[255], ids[128];
            const uint8_t *rp[128];
            for (unsigned i = 0; i < B; i++)
                perm[i] = i;
            for (unsigned i = B - 1; i > 0; i--) {
                unsigned j = rnd() % (i + 1), t = perm[i];
                perm[i] = perm[j]; perm[j] = t;
            }
            for (unsigned k = 0; k < m; k++) {
                ids[k] = perm[k]; rp[k] = rows + perm[k] * R;
            }
            good = v4_rs_recover(rp, ids, m, S, back) == 0 && memcmp(back, stream, S) == 0;
        }
        ok(good, "B=255 m=128 random patterns recover");
        free(stream); free(back); free(rows);
    }
    return done_testing();
}
