/* t_v4_dwt.c — the v4 integer transform is exactly reversible for every size and content. */
#include "tap.h"
#include "v4_codec.h"
#include <stdlib.h>
#include <string.h>

static uint64_t rng = 88172645463325252ull;
static uint32_t rnd(void)
{
    rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17;
    return (uint32_t)(rng >> 11);
}

/* content: 0 noise, 1 flat, 2 gradient, 3 smooth + noise */
static void fill(uint8_t *rgb, uint32_t w, uint32_t h, int content)
{
    uint8_t flat[3] = { (uint8_t)rnd(), (uint8_t)rnd(), (uint8_t)rnd() };
    for (uint32_t y = 0; y < h; y++)
        for (uint32_t x = 0; x < w; x++)
            for (int c = 0; c < 3; c++) {
                size_t i = ((size_t)y * w + x) * 3 + c;
                switch (content) {
                case 0: rgb[i] = (uint8_t)rnd(); break;
                case 1: rgb[i] = flat[c]; break;
                case 2: rgb[i] = (uint8_t)((x * 255 / (w ? w : 1) + y * 3 + c * 40) & 255); break;
                default: rgb[i] = (uint8_t)(128 + 100 * ((x / 7 + y / 5) & 1) + (rnd() % 9) - 4); break;
                }
            }
}

static int roundtrip(uint32_t w, uint32_t h, int content)
{
    size_t n = (size_t)w * h;
    uint8_t *rgb = malloc(n * 3), *back = malloc(n * 3);
    int32_t *p[3];
    for (int c = 0; c < 3; c++)
        p[c] = malloc(n * sizeof(int32_t));
    fill(rgb, w, h, content);
    v4_ycocg_fwd(rgb, n, p[0], p[1], p[2]);
    int L = v4_levels(w, h), bad = 0;
    for (int c = 0; c < 3; c++)
        bad |= v4_dwt_fwd(p[c], w, h, L);
    for (int c = 0; c < 3; c++)
        bad |= v4_dwt_inv(p[c], w, h, L);
    v4_ycocg_inv(p[0], p[1], p[2], n, back);
    int same = !bad && memcmp(rgb, back, n * 3) == 0;
    for (int c = 0; c < 3; c++)
        free(p[c]);
    free(rgb); free(back);
    return same;
}

int main(void)
{
    plan(0);
    is_int(v4_levels(1, 1), 0, "1x1 has no levels");
    is_int(v4_levels(16, 3), 0, "16 px: no levels");
    is_int(v4_levels(17, 1), 1, "17 px: one level");
    is_int(v4_levels(4000, 3000), 8, "4000x3000: 8 levels");

    /* Every band tiles the plane exactly once. */
    v4_band b[1 + 3 * V4_MAX_LEVELS];
    int nb = v4_bands(37, 21, v4_levels(37, 21), b);
    uint64_t area = 0;
    for (int i = 0; i < nb; i++)
        area += (uint64_t)b[i].w * b[i].h;
    is_int((long long)area, 37 * 21, "bands of 37x21 cover the plane");

    /* YCoCg-R alone over all 2^24 colours would be slow: sample 200k. */
    int ok_c = 1;
    for (int i = 0; i < 200000 && ok_c; i++) {
        uint8_t px[3] = { (uint8_t)rnd(), (uint8_t)rnd(), (uint8_t)rnd() }, q[3];
        int32_t y, co, cg;
        v4_ycocg_fwd(px, 1, &y, &co, &cg);
        v4_ycocg_inv(&y, &co, &cg, 1, q);
        ok_c = memcmp(px, q, 3) == 0;
    }
    ok(ok_c, "YCoCg-R is reversible");

    static const uint32_t sizes[][2] = { { 1, 1 }, { 1, 2 }, { 2, 1 }, { 1, 37 }, { 53, 1 },
                                         { 17, 17 }, { 33, 31 }, { 2, 2 }, { 3, 5 },
                                         { 64, 64 }, { 129, 65 }, { 1, 300 }, { 300, 2 } };
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++)
        for (int c = 0; c < 4; c++)
            ok(roundtrip(sizes[s][0], sizes[s][1], c), "round trip %ux%u content %d",
               sizes[s][0], sizes[s][1], c);
    for (int i = 0; i < 30; i++) {
        uint32_t w = 1 + rnd() % 200, h = 1 + rnd() % 200;
        ok(roundtrip(w, h, i & 3), "random %ux%u content %d", w, h, i & 3);
    }

    /* Weights: a 2-D band weight is positive and LL gains grow with the level. */
    double wt[1 + 3 * V4_MAX_LEVELS];
    v4_band_weights(256, 256, 4, wt);
    ok(wt[0] > wt[1] && wt[1] > 0.0 && wt[12] > 0.5, "band weights LL %.2f HL4 %.2f HH1 %.2f",
       wt[0], wt[1], wt[12]);
    return done_testing();
}
