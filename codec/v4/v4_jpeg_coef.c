/* v4_jpeg_coef.c — context coding of a JPEG's quantized DCT coefficients with the v4 binary
 * range coder (holo(5) "HO4J", coefficient coding).
 *
 * DC: predicted by MED (LOCO-I) from the left, above and above-left values; the residual is
 * coded as zero flag, sign, unary exponent and mantissa, in contexts of the local gradient.
 * Passes refine DC from one shift to a lower one (DC >> to, knowing DC >> from): the
 * prediction is clamped into the known coarse step.
 *
 * AC band [k0,k1) of a block: the count of non-zeros (context: the neighbours' counts and the
 * block's non-zeros below k0), then for each zig-zag position until the count is used up a
 * non-zero flag (context: position, non-zeros left, the neighbours' magnitudes there), then
 * per non-zero its magnitude as unary exponent + mantissa (context: frequency group, the
 * neighbours' and the block's previous magnitude) and its sign (context: position, the
 * neighbours' signs). */
#include "v4_jpeg.h"
#include <stdlib.h>
#include <string.h>
#include <math.h>

#define NZB 13               /* buckets of a non-zero count */
#define KG 10                /* frequency groups */
#define MB 8                 /* magnitude context buckets */
#define MAXE 18              /* unary exponent steps */

/* A probability that learns fast while its context is young: P(0) moves by 1/(n + 2) of the
 * error for the first RATE_LIMIT bits, then by 1/(RATE_LIMIT + 2). U shares start from few
 * observations each, so early learning speed is most of their cost. */
typedef struct jprob {
    uint16_t p, q, n;
} jprob;
#define RATE_FAST 14
#define RATE_LIMIT 126

typedef struct signed_model {
    jprob zero[16], sign[16], exp[16][MAXE], mant[MAXE][2];
} signed_model;

typedef struct group_model {
    signed_model dc[3];        /* coarse pass, refinement to a shift > 0, to 0 */
    signed_model dc_edge;      /* to 0 from the edges */
    jprob nz[NZB * 4][NZB], nzx[NZB][8];
    jprob flag[64][8][6][3];
    jprob exp[KG][MB][5][3][MAXE];
    jprob mant[KG][MAXE][2];
    jprob sign[64][3];
    /* refinement of coarse AC: a coarse zero's low value (exponent per position and the
     * neighbours' magnitudes, mantissa) and sign; a non-zero's low bits (position, coarse
     * magnitude, bit) */
    jprob ref_exp[16][4][8], ref_mant[8][2], ref_sign[16][3], ref_bit[16][2][8];
} group_model;

struct v4jc_model {
    group_model g[2];
};

static void probs_init(jprob *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (jprob){ 32768, 32768, 0 };
}

v4jc_model *v4jc_model_new(void)
{
    v4jc_model *m = malloc(sizeof *m);
    if (m)
        probs_init((jprob *)m, sizeof *m / sizeof(jprob));
    return m;
}

v4jc_model *v4jc_model_clone(const v4jc_model *m)
{
    v4jc_model *c = malloc(sizeof *c);
    if (c)
        memcpy(c, m, sizeof *c);
    return c;
}

void v4jc_model_free(v4jc_model *m) { free(m); }

/* log2 x for 1 <= x < 2^17: exponent plus the mantissa taken as linear. */
static inline float approx_log2(uint32_t x)
{
    int e = 31 - __builtin_clz(x);
    return (float)e + (float)(x - (1u << e)) / (float)(1u << e);
}

/* 65536 / (n + 2), rounded (32768 for n = 0), for n = 0..RATE_LIMIT + 1: the learning step without a division per bit */
static const uint16_t step_recip[RATE_LIMIT + 2] = {
    32768, 21845, 16384, 13107, 10923, 9362, 8192, 7282, 6554, 5958, 5461, 5041,
    4681, 4369, 4096, 3855, 3641, 3449, 3277, 3121, 2979, 2849, 2731, 2621,
    2521, 2427, 2341, 2260, 2185, 2114, 2048, 1986, 1928, 1872, 1820, 1771,
    1725, 1680, 1638, 1598, 1560, 1524, 1489, 1456, 1425, 1394, 1365, 1337,
    1311, 1285, 1260, 1237, 1214, 1192, 1170, 1150, 1130, 1111, 1092, 1074,
    1057, 1040, 1024, 1008, 993, 978, 964, 950, 936, 923, 910, 898,
    886, 874, 862, 851, 840, 830, 819, 809, 799, 790, 780, 771,
    762, 753, 745, 736, 728, 720, 712, 705, 697, 690, 683, 676,
    669, 662, 655, 649, 643, 636, 630, 624, 618, 612, 607, 601,
    596, 590, 585, 580, 575, 570, 565, 560, 555, 551, 546, 542,
    537, 533, 529, 524, 520, 516, 512, 508
};

static inline int cbit(v4jc_coder *c, jprob *p, int b)
{
    uint16_t pm = (uint16_t)(((uint32_t)p->p + p->q) >> 1);
    if (c->cost)                       /* -log2 P(b), to within 0.09 bit: a trial's estimate */
        c->cost[c->costk] += 16.0f - approx_log2(b ? 65536u - pm : pm);
    if (c->dec)
        b = v4_dec_bit_p0(c->d, pm);
    else
        v4_enc_bit_p0(c->e, pm, b);
    int target = b ? 0 : 65536;
    int np = p->p + (int)((int64_t)(target - p->p) * step_recip[p->n < RATE_FAST ? p->n : RATE_FAST] / 65536);
    int nq = p->q + (int)((int64_t)(target - p->q) * step_recip[p->n] / 65536);
    p->p = (uint16_t)(np < 64 ? 64 : np > 65472 ? 65472 : np);
    p->q = (uint16_t)(nq < 64 ? 64 : nq > 65472 ? 65472 : nq);
    if (p->n < RATE_LIMIT)
        p->n++;
    return b;
}

static inline int nbits(uint32_t v) { return v ? 32 - __builtin_clz(v) : 0; }
static inline int imin(int a, int b) { return a < b ? a : b; }
static inline int iabs(int a) { return a < 0 ? -a : a; }

/* Unary exponent, then the mantissa below the leading one: first bit modelled, the rest
 * modelled per exponent (cheap, and mantissas of small exponents are skewed). v >= 0. */
static uint32_t code_mag(v4jc_coder *c, jprob *exp, jprob (*mant)[2], uint32_t v)
{
    int e = nbits(v), k = 0;
    while (k < MAXE - 1 && cbit(c, &exp[k], k < e))
        k++;
    if (c->dec)
        e = k;
    if (e <= 1)
        return (uint32_t)e;
    uint32_t r = 1;
    for (int b = e - 2; b >= 0; b--)
        r = r << 1 | (uint32_t)cbit(c, &mant[e][b == e - 2 ? 0 : 1], (v >> b) & 1);
    return r;
}

static int code_signed(v4jc_coder *c, signed_model *m, int ctx, int v)
{
    if (cbit(c, &m->zero[ctx], v != 0) == 0)
        return 0;
    int neg = cbit(c, &m->sign[ctx], v < 0);
    uint32_t a = code_mag(c, m->exp[ctx], m->mant, (uint32_t)(iabs(v) - 1)) + 1;
    return neg ? -(int)a : (int)a;
}

static inline int med(int a, int b, int cc)
{
    int mx = a > b ? a : b, mn = a < b ? a : b;
    return cc >= mx ? mn : cc <= mn ? mx : a + b - cc;
}

static inline int16_t *blk(v4j_comp *k, uint32_t x, uint32_t y)
{
    return k->coef + ((size_t)y * k->bw + x) * 64;
}

static inline int floor_shift(int v, int s) { return v >= 0 ? v >> s : -((-v + (1 << s) - 1) >> s); }

/* Neighbour values (a left, b above, c above-left) of `val` inside r, with edge rules. */
#define NEIGHBOURS(val, a, b, cc)                                                   \
    do {                                                                            \
        int has_l = x > r.x0, has_a = y > r.y0;                                     \
        a = has_l ? val(blk(k, x - 1, y)) : has_a ? val(blk(k, x, y - 1)) : 0;      \
        b = has_a ? val(blk(k, x, y - 1)) : a;                                      \
        cc = has_l && has_a ? val(blk(k, x - 1, y - 1)) : has_a ? b : a;            \
    } while (0)

void v4jc_dc(v4jc_coder *cd, v4jc_model *m, int chroma, v4j_comp *k, int from, int to,
             v4jc_rect r)
{
    if (from <= to)
        return;
    signed_model *sm = &m->g[chroma].dc[from >= V4JC_DC_NONE ? 0 : to == 0 ? 2 : 1];
    int steps = from - to;
    if (cd->cost)
        cd->costk = 128 + chroma;
#define AT_TO(p) floor_shift((p)[0] + V4JC_DC_BIAS, to)
    for (uint32_t y = r.y0; y < r.y1; y++)
        for (uint32_t x = r.x0; x < r.x1; x++) {
            int a, b, cc;
            NEIGHBOURS(AT_TO, a, b, cc);
            int16_t *p = blk(k, x, y);
            int pred = med(a, b, cc);
            if (from < V4JC_DC_NONE) {       /* the value lies inside the known coarse step */
                int lo = floor_shift(p[0] + V4JC_DC_BIAS, from) * (1 << steps), hi = lo + (1 << steps) - 1;
                pred = pred < lo ? lo : pred > hi ? hi : pred;
            }
            int ctx = imin(nbits((uint32_t)(iabs(a - cc) + iabs(b - cc))), 15);
            int v = pred + code_signed(cd, sm, ctx, AT_TO(p) - pred);
            if (cd->dec)
                p[0] = (int16_t)(v * (1 << to) - V4JC_DC_BIAS);
        }
#undef AT_TO
}

/* ---- DC from the pixels of the neighbours' edges (Lepton's edge prediction) ----------
 * With a block's AC known, its pixels are known up to the DC offset d = DC * q0 / 8. Each
 * column at the top edge gives one estimate of d: the above block's last two rows continued
 * by their gradient to the boundary must meet this block's first two rows continued the same
 * way; so does each row at the left edge. The mean of the estimates predicts DC, and their
 * spread (how well the picture continues across the edge) is the context. */
/* [u][x] = C(u)/2 cos((2x+1) u pi / 16), as literals: a libm's cos may differ in the last
 * bit, and encoder and decoder must predict alike. */
static const float idct_basis[8][8] = {
    { 0.353553391f, 0.353553391f, 0.353553391f, 0.353553391f, 0.353553391f, 0.353553391f, 0.353553391f, 0.353553391f },
    { 0.490392640f, 0.415734806f, 0.277785117f, 0.097545161f, -0.097545161f, -0.277785117f, -0.415734806f, -0.490392640f },
    { 0.461939766f, 0.191341716f, -0.191341716f, -0.461939766f, -0.461939766f, -0.191341716f, 0.191341716f, 0.461939766f },
    { 0.415734806f, -0.097545161f, -0.490392640f, -0.277785117f, 0.277785117f, 0.490392640f, 0.097545161f, -0.415734806f },
    { 0.353553391f, -0.353553391f, -0.353553391f, 0.353553391f, 0.353553391f, -0.353553391f, -0.353553391f, 0.353553391f },
    { 0.277785117f, -0.490392640f, 0.097545161f, 0.415734806f, -0.415734806f, -0.097545161f, 0.490392640f, -0.277785117f },
    { 0.191341716f, -0.461939766f, 0.461939766f, -0.191341716f, -0.191341716f, 0.461939766f, -0.461939766f, 0.191341716f },
    { 0.097545161f, -0.277785117f, 0.415734806f, -0.490392640f, 0.490392640f, -0.415734806f, 0.277785117f, -0.097545161f },
};

/* The pixels of a block with its DC left out, in its two outer rows and columns on each side
 * (pix[y][x] for y or x in 0, 1, 6, 7; the rest is computed too, as it costs nothing in
 * vector lanes). Only the non-zero coefficients are visited, in zig-zag order, which within a
 * row of frequencies is the order of u: each sum adds the same products in the same order as
 * the full product would (whose zero terms change nothing), so the values are bit for bit. */
static void idct_ac(const int16_t *zz, const uint16_t *q, float pix[8][8])
{
    float tmp[8][8];
    int rows = 0;
    for (uint64_t m = v4j_nonzero_mask(zz, 1, 63); m; m &= m - 1) {
        int i = __builtin_ctzll(m), v = v4j_natural[i] >> 3, u = v4j_natural[i] & 7;
        float f = (float)zz[i] * q[i];
        if (!(rows >> v & 1)) {
            rows |= 1 << v;
            for (int x = 0; x < 8; x++)
                tmp[v][x] = 0;
        }
        for (int x = 0; x < 8; x++)
            tmp[v][x] += idct_basis[u][x] * f;
    }
    for (int y = 0; y < 8; y++) {
        float a[8] = { 0 };
        for (int v = 0; v < 8; v++)
            if (rows >> v & 1)
                for (int x = 0; x < 8; x++)
                    a[x] += idct_basis[v][y] * tmp[v][x];
        memcpy(pix[y], a, sizeof a);
    }
}

/* What a block leaves for its right and lower neighbours: the boundary values its last two
 * columns and rows extrapolate to (DC included once known). */
typedef struct edge_out {
    float right[8], bottom[8];
    float err[2];              /* how far off MED and the edge prediction were here */
} edge_out;

void v4jc_dc_edge(v4jc_coder *cd, v4jc_model *m, int chroma, v4j_comp *k, const uint16_t *q,
                  int from, v4jc_rect r)
{
    signed_model *sm = &m->g[chroma].dc_edge;
    uint32_t w = r.x1 - r.x0;
    edge_out *eo = malloc(2 * (size_t)w * sizeof *eo);
    if (!eo) {
        if (cd->e)
            cd->e->oom = 1;
        return;
    }
    if (cd->cost)
        cd->costk = 128 + chroma;
    float dscale = q[0] / 8.0f;
    for (uint32_t y = r.y0; y < r.y1; y++) {
        edge_out *above = eo + ((y - r.y0) & 1 ? 0 : w), *cur = eo + ((y - r.y0) & 1 ? w : 0);
        for (uint32_t x = r.x0; x < r.x1; x++) {
            int16_t *p = blk(k, x, y);
            float pix[8][8];
            idct_ac(p, q, pix);
            float sum = 0, lo = 1e30f, hi = -1e30f;
            int ne = 0;
            for (int i = 0; y > r.y0 && i < 8; i++, ne++) {
                float e = above[x - r.x0].bottom[i] - (1.5f * pix[0][i] - 0.5f * pix[1][i]);
                sum += e;
                lo = e < lo ? e : lo;
                hi = e > hi ? e : hi;
            }
            for (int i = 0; x > r.x0 && i < 8; i++, ne++) {
                float e = cur[x - r.x0 - 1].right[i] - (1.5f * pix[i][0] - 0.5f * pix[i][1]);
                sum += e;
                lo = e < lo ? e : lo;
                hi = e > hi ? e : hi;
            }
            /* two predictions, blended by how well each did on the left, above and
             * above-right neighbours (the edge one fails on fine texture, MED on gradients) */
            int a, b, cc;
#define EXACT(pp) ((pp)[0] + V4JC_DC_BIAS)
            NEIGHBOURS(EXACT, a, b, cc);
#undef EXACT
            float pm = (float)med(a, b, cc), pe = pm, nerr[2] = { 0, 0 };
            int ctx = 15;
            if (ne) {
                /* clamped: hostile coefficients give pixels far outside any int */
                float d = sum / (float)ne / dscale, sp = (hi - lo) / dscale;
                pe = V4JC_DC_BIAS + (d < -65536 ? -65536 : d > 65536 ? 65536 : d);
                ctx = imin(nbits((uint32_t)(sp < 65536 ? sp : 65536)), 14);
            }
            int nn = 0;
            const edge_out *nb[3] = { x > r.x0 ? &cur[x - r.x0 - 1] : NULL,
                                      y > r.y0 ? &above[x - r.x0] : NULL,
                                      y > r.y0 && x + 1 < r.x1 ? &above[x - r.x0 + 1] : NULL };
            for (int i = 0; i < 3; i++)
                if (nb[i]) {
                    nerr[0] += nb[i]->err[0];
                    nerr[1] += nb[i]->err[1];
                    nn++;
                }
            float wm = 1.0f / (nerr[0] * nerr[0] + 1e-3f), we = 1.0f / (nerr[1] * nerr[1] + 1e-3f);
            float pb = nn ? (wm * pm + we * pe) / (wm + we) : pe;
            int pred = (int)(pb < 0 ? pb - 0.5f : pb + 0.5f);
            if (from < V4JC_DC_NONE) {
                int lo2 = floor_shift(p[0] + V4JC_DC_BIAS, from) * (1 << from);
                int hi2 = lo2 + (1 << from) - 1;
                pred = pred < lo2 ? lo2 : pred > hi2 ? hi2 : pred;
            }
            int v = pred + code_signed(cd, sm, ctx, p[0] + V4JC_DC_BIAS - pred);
            if (cd->dec)
                p[0] = (int16_t)(v - V4JC_DC_BIAS);
            float d = p[0] * dscale;
            cur[x - r.x0].err[0] = fabsf((float)(p[0] + V4JC_DC_BIAS) - pm);
            cur[x - r.x0].err[1] = fabsf((float)(p[0] + V4JC_DC_BIAS) - pe);
            for (int i = 0; i < 8; i++) {
                cur[x - r.x0].bottom[i] = 1.5f * pix[7][i] - 0.5f * pix[6][i] + d;
                cur[x - r.x0].right[i] = 1.5f * pix[i][7] - 0.5f * pix[i][6] + d;
            }
        }
    }
    free(eo);
}

static const uint8_t kgroup[64] = {
    0, 1, 1, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 4, 5, 5, 5, 5, 5, 5, 6, 6, 6, 6, 6, 6, 6,
    7, 7, 7, 7, 7, 7, 7, 7, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 9, 9, 9, 9, 9, 9,
    9, 9, 9, 9, 9, 9, 9, 9,
};

/* Count buckets: 0..4 exact, then 5-6, 7-8, 9-12, 13-16, 17-24, 25-32, 33-48, 49-64. */
static const uint8_t nz_lo[NZB + 1] = { 0, 1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65 };
static int nz_bucket(int n)
{
    int b = 0;
    while (n >= nz_lo[b + 1])
        b++;
    return b;
}

static int code_count(v4jc_coder *c, group_model *g, int ctx, int n, int max)
{
    int b = nz_bucket(n), mb = nz_bucket(max), i = 0;
    while (i < mb && cbit(c, &g->nz[ctx][i], i < b))
        i++;
    if (c->dec)
        b = i;
    int lo = nz_lo[b], span = nz_lo[b + 1] - lo, v = 0;
    int eb = nbits((uint32_t)(span - 1));
    for (int j = eb - 1; j >= 0; j--)
        v = v << 1 | cbit(c, &g->nzx[b][j], ((n - lo) >> j) & 1);
    return lo + v;
}

/* Zig-zag indices of the coefficients one row up and one column left in frequency (both come
 * earlier in zig-zag order), 64 (a zero) when outside the block or DC: AC is coded without
 * knowing DC (U codes AC before refining DC from the block edges). */
static const uint8_t freq_up[64] = {
    64,64,64,2,1,64,64,5,4,3,9,8,7,6,64,64,14,13,12,11,10,20,19,18,17,16,15,64,64,27,26,25,24,23,22,21,34,33,32,31,30,29,28,42,41,40,39,38,37,47,46,45,44,43,53,52,51,50,56,55,54,60,59,61 };
static const uint8_t freq_left[64] = {
    64,64,64,64,2,1,5,4,3,64,64,9,8,7,6,14,13,12,11,10,64,64,20,19,18,17,16,15,27,26,25,24,23,22,21,64,35,34,33,32,31,30,29,41,40,39,38,37,36,48,47,46,45,44,52,51,50,49,57,56,55,59,58,62 };

static const uint8_t left_bucket[16] = { 0, 0, 1, 2, 3, 4, 4, 5, 5, 5, 6, 6, 6, 6, 6, 7 };

static int mag_bucket(int m)
{
    return imin(nbits((uint32_t)m), MB - 1);
}

/* A coefficient as a coarse pass sees it: positions below ka by magnitude >> sh (sign kept). */
static inline int coarse(int v, int sh) { return v >= 0 ? v >> sh : -((-v) >> sh); }
#define VIEW(v, i) ((i) < ka ? coarse((v), sh) : (v))

void v4jc_ac(v4jc_coder *cd, v4jc_model *m, int chroma, v4j_comp *k, int k0, int k1,
             v4jc_rect r)
{
    v4jc_ac_coarse(cd, m, chroma, k, k0, k1, 1, 0, r);
}

void v4jc_ac_coarse(v4jc_coder *cd, v4jc_model *m, int chroma, v4j_comp *k, int k0, int k1,
                    int ka, int sh, v4jc_rect r)
{
    if (sh == 0)
        ka = 1;
    group_model *g = &m->g[chroma];
    uint32_t w = r.x1 - r.x0;
    uint8_t *nzrow = calloc(2 * (size_t)w + 2, 1);  /* counts of the row above and this row */
    if (!nzrow) {
        if (cd->e)
            cd->e->oom = 1;
        return;
    }
    int band = k1 - k0;
    for (uint32_t y = r.y0; y < r.y1; y++) {
        uint8_t *above = nzrow + ((y - r.y0) & 1 ? 0 : w), *cur = nzrow + ((y - r.y0) & 1 ? w : 0);
        for (uint32_t x = r.x0; x < r.x1; x++) {
            int16_t *p = blk(k, x, y);
            int16_t q[65];              /* the block (as seen) with a zero at index 64 */
            memcpy(q, p, 64 * sizeof *q);
            for (int i = 1; i < ka; i++)
                q[i] = (int16_t)coarse(p[i], sh);
            q[64] = 0;
            const int16_t *L = x > r.x0 ? p - 64 : NULL;
            const int16_t *A = y > r.y0 ? p - (size_t)k->bw * 64 : NULL;
            const int16_t *AL = A && L ? A - 64 : NULL;
            int n = 0, lower = 0;
            if (!cd->dec)
                for (int i = k0; i < k1; i++)
                    n += q[i] != 0;
            for (int i = 1; i < k0; i++)
                lower += q[i] != 0;
            int pn = L && A ? (cur[x - r.x0 - 1] + above[x - r.x0] + 1) / 2
                   : L ? cur[x - r.x0 - 1] : A ? above[x - r.x0] : 0;
            int lb = k0 == 1 ? 0 : lower == 0 ? 1 : lower < 4 ? 2 : 3;
            if (cd->cost)
                cd->costk = 130 + chroma;
            n = code_count(cd, g, nz_bucket(pn) * 4 + lb, n, band);
            cur[x - r.x0] = (uint8_t)n;
            int left = n, prev = 0;
            for (int i = k0; i < k1 && left > 0; i++) {
                int na = A ? iabs(VIEW(A[i], i)) : 0, nl = L ? iabs(VIEW(L[i], i)) : 0;
                /* Lepton's weights: 13/32 left, 13/32 above, 6/32 above-left */
                int nb = AL ? (13 * (na + nl) + 6 * iabs(VIEW(AL[i], i)) + 8) >> 4 : 2 * (na + nl);
                int v = q[i];
                if (cd->cost)
                    cd->costk = 64 * chroma + i;
                int fu = iabs(q[freq_up[i]]), fl = iabs(q[freq_left[i]]);
                if (k1 - i > left) {
                        int fc = imin(nbits((uint32_t)nb), 5);
                    int qc = (fu != 0) + (fl != 0);
                    if (!cbit(cd, &g->flag[i][left_bucket[imin(left, 15)]][fc][qc], v != 0)) {
                        if (cd->dec)
                            p[i] = q[i] = 0;
                        continue;
                    }
                }
                left--;
                int mc = mag_bucket(nb);
                int qm = imin(nbits((uint32_t)(fu + fl + prev)), 4);
                int lc = left <= 1 ? 0 : left <= 4 ? 1 : 2;
                int a = (int)code_mag(cd, g->exp[kgroup[i]][mc][qm][lc], g->mant[kgroup[i]], (uint32_t)(iabs(v) - 1)) + 1;
                int va = A ? VIEW(A[i], i) : 0, vl = L ? VIEW(L[i], i) : 0;
                int sa = (va > 0) - (va < 0), sl = (vl > 0) - (vl < 0);
                int sc = sa + sl > 0 ? 2 : sa + sl < 0 ? 1 : 0;
                int neg = cbit(cd, &g->sign[i][sc], v < 0);
                if (cd->dec) {         /* a coarse value sits at the bottom of its step */
                    q[i] = (int16_t)(neg ? -a : a);
                    p[i] = (int16_t)(i < ka ? q[i] * (1 << sh) : q[i]);
                }
                prev = a;
            }
        }
    }
    free(nzrow);
}

/* AC positions [k0, k1) (k1 <= 16) known as magnitude >> from (a decoder's blocks hold the
 * bottom of each step) refined to magnitude >> to. A coarse zero's new value as a unary
 * exponent (context: position, the neighbours' magnitudes >> to there, inside r and refined
 * already) and mantissa, then its sign (context: the neighbours' signs); a non-zero's new
 * bits one by one (context: position, coarse magnitude 1 or more, bit). */
void v4jc_ac_refine(v4jc_coder *cd, v4jc_model *m, int chroma, v4j_comp *k, int k0, int k1,
                    int from, int to, v4jc_rect r)
{
    group_model *g = &m->g[chroma];
    int nbit = from - to;
    if (nbit <= 0 || from > 8 || to < 0 || k1 > 16)
        return;
    for (uint32_t y = r.y0; y < r.y1; y++)
        for (uint32_t x = r.x0; x < r.x1; x++) {
            int16_t *p = blk(k, x, y);
            const int16_t *L = x > r.x0 ? p - 64 : NULL;
            const int16_t *A = y > r.y0 ? p - (size_t)k->bw * 64 : NULL;
            for (int i = k0; i < k1; i++) {
                if (cd->cost)
                    cd->costk = 64 * chroma + i;
                int v = p[i], c = iabs(coarse(v, from));
                int low = (iabs(v) >> to) & ((1 << nbit) - 1);
                int na = A ? coarse(A[i], to) : 0, nl = L ? coarse(L[i], to) : 0;
                int got = 0, neg = v < 0;
                if (c) {
                    for (int b = nbit - 1; b >= 0; b--)
                        got = got << 1 | cbit(cd, &g->ref_bit[i][c > 1][imin(nbit - 1 - b, 7)],
                                               (low >> b) & 1);
                } else {
                    int nc = imin(nbits((uint32_t)(iabs(na) + iabs(nl))), 3);
                    int e = nbits((uint32_t)low), kk = 0;
                    while (kk < nbit && cbit(cd, &g->ref_exp[i][nc][kk], kk < e))
                        kk++;
                    if (cd->dec)
                        e = kk;
                    got = e ? 1 : 0;
                    for (int b = e - 2; b >= 0; b--)
                        got = got << 1 | cbit(cd, &g->ref_mant[e][b == e - 2 ? 0 : 1], (low >> b) & 1);
                    if (got) {
                        int sa = (na > 0) - (na < 0), sl = (nl > 0) - (nl < 0);
                        int sc = sa + sl > 0 ? 2 : sa + sl < 0 ? 1 : 0;
                        neg = cbit(cd, &g->ref_sign[i][sc], v < 0);
                    }
                }
                if (cd->dec) {
                    int a = (c << nbit | got) << to;
                    p[i] = (int16_t)(neg ? -a : a);
                }
            }
        }
}
