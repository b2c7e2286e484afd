/* v4_jpeg_tiers.c — a JPEG's coefficients cut into the tiers and U tiles of an HO4J chunk set
 * (holo(5) "HO4J").
 *
 *   tier 0 (m = 1, every chunk): parameters, the DQT/SOF segments, a thumbnail: the mean DC of
 *          side x side blocks, coded at a DC shift; of the (side, shift) pairs that fit the
 *          budget, the one whose estimated pixel error is least;
 *   tier 1 (m1): a better thumbnail chosen the same way, if one fits; at block resolution
 *          (side 1: every block's DC >> ts1) also AC positions [1, K1) (luma; chroma
 *          [1, kc(K1))), possibly coarse: magnitudes >> a1 (--robust);
 *   tier 2 (m2): every block's DC >> s2 (the finest shift that fits; refined from ts1 when
 *          tier 1 is at block resolution), tier 1's AC refined to magnitudes >> a2, then AC
 *          positions [K1, K2) (K1 = 1 without) at >> a2, chosen from the bits each position
 *          cost in a trial pass over the whole picture;
 *   tier 3: the recipe (see recipe_pack);
 *   U:     tiles of MCUs, tile (tx, ty) in chunk (tx + a ty) mod n: the low a2 bits of AC
 *          [1, K2), the AC positions [K2, 64) and DC refined to exact, with neighbour
 *          contexts inside the tile.
 *
 * One adaptive model runs through tiers 0, 1 and 2 (a decoder of tier 2 has decoded 0 and 1),
 * and every chunk's U starts from a copy of it as tier 2 left it. A decoder spreads the finest
 * thumbnail it has over the blocks (bilinear), clamps that guess into tier 2's DC steps, and
 * leaves missing AC coefficients zero. */
#include "v4_jpeg.h"
#include "v4_codec.h"
#include "internal.h"
#include <stdlib.h>
#include <string.h>
#include <zstd.h>
#include <math.h>
#include <stdatomic.h>

#define PARAM_LEN 20
#define PARAM_VERSION 4
/* Coarse AC (tiers 1 and 2, --robust): magnitudes >> 1..COARSE_MAX of positions below
 * COARSE_K. A tier 1 paying n/m1 times for its bytes buys far more error per byte with the
 * big coefficients alone: OneStandsOut's position 1 costs 4.9% of the JPEG exact, 0.4% >> 5. */
#define COARSE_MAX 6
#define COARSE_K 16

typedef struct layout {
    unsigned n, m1, m2, tw, th, lattice;
    int side[2], ts[2];        /* thumbnails of tiers 0 and 1: side x side blocks per value,
                                  coded at DC shift ts; side[1] = 0: tier 1 has none */
    int s2;                    /* tier 2's DC shift (U refines DC to exact) */
    int k1[2];                 /* tier 1 at block resolution (side[1] = 1): AC [1, k1) too */
    int a1[2];                 /* ... coarse: magnitudes >> a1 */
    int a2[2];                 /* tier 2: [1, k1) refined to >> a2, [k1, k2) at >> a2; U the rest */
    int k2[2];                 /* AC [k1, k2) in tier 2, [k2, 64) in U; luma, chroma */
    uint8_t est[3];            /* the encoder's PSNR estimate from 1, m1, m2 chunks, dB * 4 */
} layout;

/* What every pass works on: the picture, the cuts, the thumbnails of tiers 0 and 1. */
typedef struct job {
    v4j_jpeg *j;
    layout L;
    v4j_comp th[2][V4J_MAX_COMP];
} job;

static const v4j_budget default_budget = { 0.0005, 0.0040, 0.0350, 0 };

/* The recipe tier: a flag byte (0 stored, 1 zstd) and the recipe. Protected like tier 2 when
 * it is small (<= 1% of the JPEG), else split over all n chunks without parity: it is needed
 * for the exact file (all chunks anyway) and for the original APPn segments in partial
 * decodes. */
#define RECIPE_MAX (64u << 20)
static int recipe_pack(const v4j_jpeg *j, uint8_t **out, size_t *len)
{
    uint8_t *raw = NULL;
    size_t rl = 0;
    if (v4j_recipe_emit(j, &raw, &rl))
        return -1;
    size_t cap = ZSTD_compressBound(rl);
    uint8_t *z = malloc(cap + 1);
    size_t zl = z ? ZSTD_compress(z + 1, cap, raw, rl, 19) : 0;
    if (z && !ZSTD_isError(zl) && zl < rl) {
        z[0] = 1;
        *out = z;
        *len = zl + 1;
        free(raw);
        return 0;
    }
    free(z);
    uint8_t *st = malloc(rl + 1);
    if (!st) {
        free(raw);
        return -1;
    }
    st[0] = 0;
    memcpy(st + 1, raw, rl);
    free(raw);
    *out = st;
    *len = rl + 1;
    return 0;
}

static int recipe_unpack(const uint8_t *p, size_t len, v4j_jpeg *r, holo_err *err)
{
    if (len < 1 || p[0] > 1)
        return holo_seterr(err, HOLO_EINVAL, "HO4J: bad recipe tier");
    if (p[0] == 0)
        return v4j_recipe_read(p + 1, len - 1, r, err);
    unsigned long long rl = ZSTD_getFrameContentSize(p + 1, len - 1);
    if (rl == ZSTD_CONTENTSIZE_ERROR || rl == ZSTD_CONTENTSIZE_UNKNOWN || rl > RECIPE_MAX)
        return holo_seterr(err, HOLO_EINVAL, "HO4J: bad recipe tier");
    uint8_t *raw = malloc(rl + 1);
    if (!raw)
        return holo_seterr(err, HOLO_ENOMEM, "HO4J: out of memory");
    size_t got = ZSTD_decompress(raw, rl, p + 1, len - 1);
    int rc = ZSTD_isError(got) || got != rl ? holo_seterr(err, HOLO_EINVAL, "HO4J: bad recipe tier")
                                            : v4j_recipe_read(raw, rl, r, err);
    free(raw);
    return rc;
}

static int chroma_cut(int k) { return k <= 1 ? 1 : (k + 1) / 2; }

static v4jc_rect plane(const v4j_comp *k) { return (v4jc_rect){ 0, 0, k->bw, k->bh }; }

/* The thumbnail of a component: one value per 2^tl x 2^tl blocks, the rounded mean DC of
 * the blocks of the plane it covers (a "block" of 64 coefficients, so the DC coder codes it). */
static int thumb_alloc(const v4j_comp *k, int side, v4j_comp *t)
{
    memset(t, 0, sizeof *t);
    t->bw = (k->bw + side - 1) / side;
    t->bh = (k->bh + side - 1) / side;
    t->coef = calloc((size_t)t->bw * t->bh, 64 * sizeof *t->coef);
    return t->coef ? 0 : -1;
}

static void thumb_fill(const v4j_comp *k, int side, v4j_comp *t)
{
    for (uint32_t ty = 0; ty < t->bh; ty++)
        for (uint32_t tx = 0; tx < t->bw; tx++) {
            int64_t sum = 0, cnt = 0;
            for (uint32_t y = ty * side; y < k->bh && y < (ty + 1) * side; y++)
                for (uint32_t x = tx * side; x < k->bw && x < (tx + 1) * side; x++, cnt++)
                    sum += k->dc ? k->dc[(size_t)y * k->bw + x] : k->coef[((size_t)y * k->bw + x) * 64];
            int64_t mean = sum >= 0 ? (sum + cnt / 2) / cnt : -((-sum + cnt / 2) / cnt);
            t->coef[((size_t)ty * t->bw + tx) * 64] = (int16_t)mean;
        }
}

/* The DC of block (x, y) from a thumbnail: bilinear between the values' centres. */
static int thumb_at(const v4j_comp *t, int side, uint32_t x, uint32_t y)
{
    double fy = (y + 0.5) / side - 0.5, fx = (x + 0.5) / side - 0.5;
    int y0 = fy < 0 ? 0 : (int)fy, y1 = y0 + 1 < (int)t->bh ? y0 + 1 : y0;
    int x0 = fx < 0 ? 0 : (int)fx, x1 = x0 + 1 < (int)t->bw ? x0 + 1 : x0;
    double wy = fy < 0 ? 0 : fy - y0, wx = fx < 0 ? 0 : fx - x0;
#define TV(xx, yy) t->coef[((size_t)(yy) * t->bw + (xx)) * 64]
    double v = (1 - wy) * ((1 - wx) * TV(x0, y0) + wx * TV(x1, y0)) +
               wy * ((1 - wx) * TV(x0, y1) + wx * TV(x1, y1));
#undef TV
    return (int)(v < 0 ? v - 0.5 : v + 0.5);
}

static void thumb_spread(v4j_comp *k, int side, const v4j_comp *t)
{
    for (uint32_t y = 0; y < k->bh; y++)
        for (uint32_t x = 0; x < k->bw; x++)
            k->coef[((size_t)y * k->bw + x) * 64] = (int16_t)thumb_at(t, side, x, y);
}

/* A thumbnail value as a decoder sees it: the middle of its 2^ts step of DC + bias. */
static int thumb_decoded(int v, int ts)
{
    int q = v + V4JC_DC_BIAS;
    q = q >= 0 ? q >> ts : -((-q + (1 << ts) - 1) >> ts);
    return q * (1 << ts) - V4JC_DC_BIAS + (ts ? 1 << (ts - 1) : 0);
}

static void code_thumbs(v4jc_coder *cd, v4jc_model *m, job *jb, int t)
{
    for (int c = 0; c < jb->j->ncomp; c++)
        v4jc_dc(cd, m, c > 0, &jb->th[t][c], V4JC_DC_NONE, jb->L.ts[t], plane(&jb->th[t][c]));
}

static void code_t0(v4jc_coder *cd, v4jc_model *m, job *jb) { code_thumbs(cd, m, jb, 0); }

/* Tier 1 at block resolution is every block's DC >> ts1 (the thumbnail of side 1: the
 * planes' own DC) and the first AC positions [1, k1); tier 2 refines that DC and goes on
 * from k1 rather than coding them again. */
static int t1_blocks(const layout *L) { return L->side[1] == 1; }

static void code_t1(v4jc_coder *cd, v4jc_model *m, job *jb)
{
    if (jb->L.side[1])
        code_thumbs(cd, m, jb, 1);
    for (int c = 0; t1_blocks(&jb->L) && c < jb->j->ncomp; c++)
        if (jb->L.k1[c > 0] > 1)
            v4jc_ac_coarse(cd, m, c > 0, &jb->j->comp[c], 1, jb->L.k1[c > 0], jb->L.k1[c > 0],
                           jb->L.a1[c > 0], plane(&jb->j->comp[c]));
}

static void dc_only_t2(v4jc_coder *cd, v4jc_model *m, job *jb)
{
    for (int c = 0; c < jb->j->ncomp; c++)
        v4jc_dc(cd, m, c > 0, &jb->j->comp[c], V4JC_DC_NONE, jb->L.s2, plane(&jb->j->comp[c]));
}

static void code_t2(v4jc_coder *cd, v4jc_model *m, job *jb)
{
    v4j_jpeg *j = jb->j;
    const layout *L = &jb->L;
    for (int c = 0; c < j->ncomp; c++) {
        v4j_comp *k = &j->comp[c];
        int g = c > 0;
        v4jc_dc(cd, m, g, k, t1_blocks(L) ? L->ts[1] : V4JC_DC_NONE, L->s2, plane(k));
        if (L->k1[g] > 1 && L->a1[g] > L->a2[g])
            v4jc_ac_refine(cd, m, g, k, 1, L->k1[g], L->a1[g], L->a2[g], plane(k));
        if (L->k2[g] > L->k1[g])
            v4jc_ac_coarse(cd, m, g, k, L->k1[g], L->k2[g], L->k2[g], L->a2[g], plane(k));
    }
}

/* Tiles are counted in MCUs of an interleaved scan; a one-component frame's MCU is a block. */
static uint32_t units_x(const v4j_jpeg *j) { return j->ncomp > 1 ? j->mcux : j->comp[0].bw; }
static uint32_t units_y(const v4j_jpeg *j) { return j->ncomp > 1 ? j->mcuy : j->comp[0].bh; }
static uint32_t tiles_x(const v4j_jpeg *j, const layout *L) { return (units_x(j) + L->tw - 1) / L->tw; }
static uint32_t tiles_y(const v4j_jpeg *j, const layout *L) { return (units_y(j) + L->th - 1) / L->th; }

/* The U share of chunk `id`: its tiles in raster order; per component the low bits of tier
 * 2's coarse AC, the rest of AC and DC refined to exact. */
static void code_u(v4jc_coder *cd, v4jc_model *m, job *jb, unsigned id)
{
    v4j_jpeg *j = jb->j;
    const layout *L = &jb->L;
    uint32_t ntx = tiles_x(j, L), nty = tiles_y(j, L);
    for (uint32_t ty = 0; ty < nty; ty++)       /* tile (tx, ty) is chunk (tx + a ty) mod n's */
        for (uint32_t tx = (uint32_t)((id + L->n - (uint64_t)L->lattice * ty % L->n) % L->n);
             tx < ntx; tx += L->n) {
            for (int c = 0; c < j->ncomp; c++) {
                v4j_comp *k = &j->comp[c];
                int h = j->ncomp > 1 ? k->h : 1, v = j->ncomp > 1 ? k->v : 1;
                v4jc_rect r = { tx * L->tw * h, ty * L->th * v, (tx + 1) * L->tw * h,
                                (ty + 1) * L->th * v };
                if (r.x1 > k->bw) r.x1 = k->bw;
                if (r.y1 > k->bh) r.y1 = k->bh;
                if (r.x0 >= r.x1 || r.y0 >= r.y1)
                    continue;
                /* AC first: DC is predicted from the pixels across the block edges */
                if (L->a2[c > 0] && L->k2[c > 0] > 1)
                    v4jc_ac_refine(cd, m, c > 0, k, 1, L->k2[c > 0], L->a2[c > 0], 0, r);
                if (L->k2[c > 0] < 64)
                    v4jc_ac(cd, m, c > 0, k, L->k2[c > 0], 64, r);
                if (L->s2 > 0)
                    v4jc_dc_edge(cd, m, c > 0, k, j->qt[k->tq], L->s2, r);
            }
        }
}

/* Tiles of MCUs: the largest power-of-two side giving at least 8 tiles per chunk. */
static void choose_tiles(const v4j_jpeg *j, layout *L)
{
    unsigned t = 16;
    while (t > 1 && (uint64_t)((units_x(j) + t - 1) / t) * ((units_y(j) + t - 1) / t) < 8ull * L->n)
        t /= 2;
    L->tw = L->th = t;
}

typedef void (*pass_fn)(v4jc_coder *, v4jc_model *, job *);

/* Bytes a pass would take from model state m (left untouched). */
static size_t trial(pass_fn f, const v4jc_model *m, job *jb)
{
    v4jc_model *c = v4jc_model_clone(m);
    if (!c)
        return SIZE_MAX;
    v4_enc e;
    v4_enc_init(&e);
    v4jc_coder cd = { 0, &e, NULL, NULL, 0 };
    f(&cd, c, jb);
    size_t n = v4_enc_finish(&e) ? SIZE_MAX : e.len;
    v4_enc_free(&e);
    v4jc_model_free(c);
    return n;
}

static void thumbs_free(job *jb)
{
    for (int t = 0; t < 2; t++)
        for (int c = 0; c < V4J_MAX_COMP; c++)
            free(jb->th[t][c].coef);
    memset(jb->th, 0, sizeof jb->th);
}

/* Thumbnail planes of tier t (filled from the coefficients when encoding). */
static int thumbs_make(job *jb, int t, int side, int fill)
{
    for (int c = 0; c < jb->j->ncomp; c++) {
        free(jb->th[t][c].coef);
        jb->th[t][c].coef = NULL;
        if (side && thumb_alloc(&jb->j->comp[c], side, &jb->th[t][c]))
            return -1;
        if (side && fill)
            thumb_fill(&jb->j->comp[c], side, &jb->th[t][c]);
    }
    return 0;
}

/* What a squared coefficient error (times q squared) of component c costs in squared RGB pixel
 * error: the pixels its block covers (a subsampled chroma block more), times the channel
 * gain of YCbCr -> RGB (luma reaches R, G and B; Cb 0.344^2 + 1.772^2, Cr 1.402^2 + 0.714^2).
 * The DCT is orthonormal, so a block's coefficient error is its pixels' error. */
static double comp_gain(const v4j_jpeg *j, int c)
{
    const v4j_comp *k = &j->comp[c];
    double area = (double)(j->hmax / k->h) * (j->vmax / k->v);
    if (j->ncomp != 3)
        return area;
    return area * (c == 0 ? 3.0 : c == 1 ? 3.258 : 2.476);
}

/* PSNR from a squared RGB pixel error, as the tests measure it (RGB, or grey alone). */
static double psnr_of(const v4j_jpeg *j, double se)
{
    double n = (double)j->width * j->height * (j->ncomp == 3 ? 3 : 1);
    return se <= 0 ? 99.0 : 10 * log10(255.0 * 255.0 * n / se);
}

/* The energy of AC at each zig-zag position (weighted as pixel error; luma [0..63], chroma
 * [64..127]): what a decoder missing those positions gets wrong. */
static void ac_energy(const v4j_jpeg *j, double E[128])
{
    memset(E, 0, 128 * sizeof *E);
    for (int c = 0; c < j->ncomp; c++) {
        const v4j_comp *k = &j->comp[c];
        const uint16_t *q = j->qt[k->tq];
        double g = comp_gain(j, c), *e = E + 64 * (c > 0);
        size_t nb = (size_t)k->bw * k->bh;
        for (size_t b = 0; b < nb; b++) {
            const int16_t *p = k->coef + b * 64;
            for (int i = 1; i < 64; i++)
                if (p[i]) {
                    double v = (double)p[i] * q[i];
                    e[i] += g * v * v;
                }
        }
    }
}

static double ac_from(const double E[128], int ncomp, const int k2[2])
{
    double s = 0;
    for (int i = k2[0]; i < 64; i++)
        s += E[i];
    for (int i = k2[1]; ncomp > 1 && i < 64; i++)
        s += E[64 + i];
    return s;
}

/* Squared error of DC known to a step of 2^s (uniform within it). */
static double dc_step_error(const v4j_jpeg *j, int s)
{
    if (s == 0)
        return 0;
    double st = (double)(1 << s), se = 0;
    for (int c = 0; c < j->ncomp; c++) {
        const v4j_comp *k = &j->comp[c];
        double q = j->qt[k->tq][0];
        se += comp_gain(j, c) * (double)k->bw * k->bh * q * q * (st * st - 1) / 12;
    }
    return se;
}

/* Where thumb_at interpolates along one axis for each of n blocks: the two values and the
 * weight of the second (the same doubles thumb_at computes, so the same sums). */
typedef struct axis_w {
    int i0, i1;
    double w;
} axis_w;

static axis_w *axis_weights(uint32_t n, uint32_t tn, int side)
{
    axis_w *a = malloc((size_t)n * sizeof *a + 1);
    for (uint32_t x = 0; a && x < n; x++) {
        double f = (x + 0.5) / side - 0.5;
        int i0 = f < 0 ? 0 : (int)f;
        a[x] = (axis_w){ i0, i0 + 1 < (int)tn ? i0 + 1 : i0, f < 0 ? 0 : f - i0 };
    }
    return a;
}

/* Squared pixel error a decoder showing thumbnail t would make, summed over the picture: a
 * DC error e is e * q / 8 grey levels over the block's pixels (a chroma block of a subsampled
 * component covers more of them). */
static double thumb_error(const job *jb, int t)
{
    const v4j_jpeg *j = jb->j;
    double total = 0;
    for (int c = 0; c < j->ncomp; c++) {
        const v4j_comp *k = &j->comp[c], *th = &jb->th[t][c];
        size_t nt = (size_t)th->bw * th->bh;
        /* the decoded thumbnail values side by side, and thumb_at's weights per row/column */
        int16_t *dec = malloc(nt * sizeof *dec + 1);
        axis_w *ax = axis_weights(k->bw, th->bw, jb->L.side[t]);
        axis_w *ay = axis_weights(k->bh, th->bh, jb->L.side[t]);
        if (!dec || !ax || !ay) {
            free(dec);
            free(ax);
            free(ay);
            return 1e300;
        }
        for (size_t i = 0; i < nt; i++)
            dec[i] = (int16_t)thumb_decoded(th->coef[i * 64], jb->L.ts[t]);
        double q = j->qt[k->tq][0] / 8.0, area = 64.0 * comp_gain(j, c);
        double se = 0;
        /* on large planes every 2nd (4th) block each way: an estimate needs no more */
        size_t nb = (size_t)k->bw * k->bh;
        uint32_t step = nb > (1u << 18) ? 4 : nb > (1u << 15) ? 2 : 1;
        for (uint32_t y = step / 2; y < k->bh; y += step) {
            const int16_t *r0 = dec + (size_t)ay[y].i0 * th->bw, *r1 = dec + (size_t)ay[y].i1 * th->bw;
            double wy = ay[y].w;
            for (uint32_t x = step / 2; x < k->bw; x += step) {
                /* thumb_at(decoded thumbnail, side, x, y) */
                const axis_w *w = &ax[x];
                double wx = w->w;
                double v = (1 - wy) * ((1 - wx) * r0[w->i0] + wx * r0[w->i1]) +
                           wy * ((1 - wx) * r1[w->i0] + wx * r1[w->i1]);
                int at = (int)(v < 0 ? v - 0.5 : v + 0.5);
                size_t b = (size_t)y * k->bw + x;
                double e = ((k->dc ? k->dc[b] : k->coef[b * 64]) - at) * q;
                se += e * e;
            }
        }
        size_t used = (size_t)((k->bh - step / 2 + step - 1) / step) *
                      ((k->bw - step / 2 + step - 1) / step);
        total += se * area * ((double)k->bw * k->bh / (double)(used ? used : 1));
        free(dec);
        free(ax);
        free(ay);
    }
    return total;
}

/* The thumbnails tier t could carry: (side, shift) pairs (sides in steps of about sqrt 2,
 * shifts around the one for 8 grey levels) with their bytes and estimated error, those that
 * fit `budget` (and tier 0's coarsest always). Sized once; each profile reach picks from it. */
static const uint8_t thumb_sides[] = { 1, 2, 3, 4, 6, 8, 11, 16, 23, 32, 45, 64, 91, 128, 181,
                                       255 };
enum { NSIDES = sizeof thumb_sides, NSHIFTS = 5 };
typedef struct thumb_table {
    int top, ts0;
    double bytes[NSIDES][NSHIFTS], err[NSIDES][NSHIFTS];   /* bytes < 0: does not fit */
} thumb_table;

static int thumb_table_fill(job *jb, int t, const v4jc_model *m, double budget, int ts_base,
                            thumb_table *tt)
{
    uint32_t longest = jb->j->comp[0].bw > jb->j->comp[0].bh ? jb->j->comp[0].bw : jb->j->comp[0].bh;
    tt->top = 0;                    /* the first side covering the whole plane */
    while (tt->top + 1 < NSIDES && thumb_sides[tt->top] < longest)
        tt->top++;
    tt->ts0 = ts_base > 2 ? ts_base - 2 : 0;
    int done[NSHIFTS] = { 0 }, alive = NSHIFTS;
    for (int i = 0; i < NSIDES; i++)
        for (int k = 0; k < NSHIFTS; k++)
            tt->bytes[i][k] = -1;
    /* from the coarsest side down while some shift still fits: coarse trials are cheap, and
     * each side's thumbnail is made once for all shifts */
    for (int i = tt->top; i >= 0 && alive; i--) {
        jb->L.side[t] = thumb_sides[i];
        if (thumbs_make(jb, t, thumb_sides[i], 1))
            return -1;
        for (int k = 0; k < NSHIFTS; k++) {
            if (done[k])
                continue;
            jb->L.ts[t] = tt->ts0 + k;
            size_t b = trial(t == 0 ? code_t0 : code_t1, m, jb);
            if (b <= budget || (t == 0 && i == tt->top)) {  /* tier 0 falls back to the coarsest */
                tt->bytes[i][k] = (double)b;
                tt->err[i][k] = thumb_error(jb, t);
            }
            if (b > budget) {
                done[k] = 1;
                alive--;
            }
        }
    }
    return 0;
}

/* The AC a tier at block resolution can add: for each coarse shift a (0: exact; 1..COARSE_MAX
 * only for cuts K <= COARSE_K) and cut K, the error AC positions [K, 64) leave plus what the coarse steps of
 * [1, K) leave (luma; chroma from kc(K)), and the bytes [1, K) cost at that shift. */
typedef struct ac_band {
    double err[COARSE_MAX + 1][65], bytes[COARSE_MAX + 1][65];
    double qerr[COARSE_MAX + 1][65];   /* the coarse steps' part of err */
    int amax;                          /* coarse shifts sized (0: exact only) */
    /* --robust: the error of zig-zag positions 1..5 when the decoder predicts them from a
     * block-resolution DC (coded at shift ts0 + k; [NSHIFTS]: exact), missing (a = 0) or
     * coarse at shift a (a coarse zero's prediction clamped into its step); per luma/chroma */
    int pred, ts0;
    double P[NSHIFTS + 1][COARSE_MAX + 1][2][6];
    double Eq[COARSE_MAX + 1][128];
    const double *E;
    int ncomp;
} ac_band;

/* The error AC leaves with block-resolution DC (shift index k; NSHIFTS exact) when
 * positions [1, K1) are coarse at a1 (exact at a1 = 0), [K1, K2) exact and [K2, 64) missing;
 * chroma from the chroma cuts. With ab->pred, positions 1..5 count the decoder's prediction. */
static double ac_err(const ac_band *ab, int k, int a1, int K1, int K2)
{
    double s = 0;
    for (int g = 0; g < (ab->ncomp > 1 ? 2 : 1); g++) {
        int k1 = g ? (ab->ncomp == 1 ? 1 : chroma_cut(K1)) : K1;
        int k2 = g ? (K2 == K1 ? k1 : chroma_cut(K2)) : K2;
        for (int i = 1; i < 64; i++) {
            if (i < k1 && !a1)
                continue;
            if (i >= k1 && i < k2)
                continue;
            int a = i < k1 ? a1 : 0;
            s += ab->pred && i <= 5 ? ab->P[k][a][g][i] : a ? ab->Eq[a][64 * g + i] : ab->E[64 * g + i];
        }
    }
    return s;
}

static int smooth_coef(int64_t num, int q);

/* ab->P's index for DC known to a step of 2^s (the decoder takes about the middle) */
static int pred_at(const ac_band *ab, int s)
{
    return s < ab->ts0 ? NSHIFTS : s - ab->ts0 < NSHIFTS ? s - ab->ts0 : NSHIFTS - 1;
}

static int pdc(int dc, int ts) { return ts < 0 ? dc : thumb_decoded(dc, ts); }

/* ab->P: per block the prediction libjpeg's block smoothing makes from the 3x3 DC
 * neighbourhood as the decoder has it (ac_predict), against the coefficients. */
static void pred_energy(const v4j_jpeg *j, ac_band *ab)
{
    memset(ab->P, 0, sizeof ab->P);
    for (int c = 0; c < j->ncomp; c++) {
        const v4j_comp *k = &j->comp[c];
        const uint16_t *q = j->qt[k->tq];
        double g = comp_gain(j, c);
        if (!q[0] || !q[1] || !q[2] || !q[3] || !q[4] || !q[5])
            continue;
        /* on large planes every 2nd (4th) block each way, as thumb_error */
        size_t nb = (size_t)k->bw * k->bh;
        uint32_t step = nb > (1u << 18) ? 4 : nb > (1u << 15) ? 2 : 1;
        double scale = 0, Pc[NSHIFTS + 1][COARSE_MAX + 1][6];
        memset(Pc, 0, sizeof Pc);
        for (uint32_t y = step / 2; y < k->bh; y += step)
            for (uint32_t x = step / 2; x < k->bw; x += step) {
                scale++;
                const int16_t *b = k->coef + ((size_t)y * k->bw + x) * 64;
                for (int t = 0; t <= NSHIFTS; t++) {
                    int ts = t == NSHIFTS ? -1 : ab->ts0 + t;
#define DCAT(dx, dy) pdc(k->dc ? k->dc[(size_t)((int64_t)y + (dy) < 0 || y + (dy) >= k->bh ? y : y + (dy)) * \
                              k->bw + ((int64_t)x + (dx) < 0 || x + (dx) >= k->bw ? x : x + (dx))] \
                         : k->coef[((size_t)((int64_t)y + (dy) < 0 || y + (dy) >= k->bh ? y : y + (dy)) * \
                              k->bw + ((int64_t)x + (dx) < 0 || x + (dx) >= k->bw ? x : x + (dx))) * 64], ts)
                    int64_t d1 = DCAT(-1, -1), d2 = DCAT(0, -1), d3 = DCAT(1, -1), d4 = DCAT(-1, 0),
                            d5 = DCAT(0, 0), d6 = DCAT(1, 0), d7 = DCAT(-1, 1), d8 = DCAT(0, 1),
                            d9 = DCAT(1, 1);
#undef DCAT
                    int64_t q0 = q[0];
                    int pred[6] = { 0, smooth_coef(36 * q0 * (d4 - d6), q[1]),
                                    smooth_coef(36 * q0 * (d2 - d8), q[2]),
                                    smooth_coef(9 * q0 * (d2 + d8 - 2 * d5), q[3]),
                                    smooth_coef(5 * q0 * (d1 - d3 - d7 + d9), q[4]),
                                    smooth_coef(9 * q0 * (d4 + d6 - 2 * d5), q[5]) };
                    for (int z = 1; z <= 5; z++) {
                        int v = b[z], av = v < 0 ? -v : v;
                        for (int a = 0; a <= ab->amax; a++) {
                            int cq = av >> a, lim = (1 << a) - 1, r;
                            if (a && cq)
                                r = (v < 0 ? -1 : 1) * ((cq << a) + (lim >> 1));
                            else
                                r = pred[z] < -lim && a ? -lim : pred[z] > lim && a ? lim : pred[z];
                            double d = (double)(v - r) * q[z];
                            Pc[t][a][z] += g * d * d;
                        }
                    }
                }
            }
        double f = scale ? (double)nb / scale : 0;
        for (int t = 0; t <= NSHIFTS; t++)
            for (int a = 0; a <= ab->amax; a++)
                for (int z = 1; z <= 5; z++)
                    ab->P[t][a][c > 0][z] += f * Pc[t][a][z];
    }
}

/* Tier t's thumbnail from the table, with tier 1 at block resolution also the AC cut K1; all
 * errors are the whole picture's (thumbnail and the AC left out). The least error within
 * `least` bytes; if that misses `enough` (> 0), the smallest choice within `most` reaching
 * it, else the least error within `most`. Tier 1 only if it beats tier 0's error `prev`
 * (side 0: none). Sets the layout and makes the planes; *err_out: the error a decoder of this
 * tier gets, *bytes_out its bytes. */
static int thumb_pick(job *jb, int t, const thumb_table *tt, const ac_band *ab, int amax,
                      double least, double most, double enough, double prev, double *err_out,
                      double *bytes_out)
{
    int bs = -1, bk = 0, bK = 1, ba = 0;
    double best = prev, bbytes = 0;
    for (int pass = 0; pass < 2; pass++) {
        double lim = pass == 0 ? least : most;
        if (pass == 1 && !(enough > 0 && best > enough))
            break;
        double ebytes = 1e300, eerr = 0;
        int es = -1, ek = 0, eK = 1, ea = 0;
        for (int i = 0; i <= tt->top; i++)
            for (int k = 0; k < NSHIFTS; k++)
                for (int a = 0; a <= (t == 1 && thumb_sides[i] == 1 ? amax : 0); a++)
                    for (int K = 1; K <= (t == 1 && thumb_sides[i] == 1 ? a ? COARSE_K : 64 : 1);
                         K++) {
                        if (tt->bytes[i][k] < 0 || (a && K == 1))
                            continue;
                        double b = tt->bytes[i][k] + ab->bytes[a][K];
                        double e = tt->err[i][k] + (ab->pred && t == 1 && thumb_sides[i] == 1
                                                    ? ac_err(ab, k, a, K, K) : ab->err[a][K]);
                        if (b > lim && !(t == 0 && i == tt->top))
                            break;
                        if (pass == 1 && e <= enough && e < prev && b < ebytes) {
                            ebytes = b;
                            eerr = e;
                            es = i;
                            ek = k;
                            eK = K;
                            ea = a;
                        }
                        if (e < best && (pass == 0 || es < 0)) {
                            best = e;
                            bbytes = b;
                            bs = i;
                            bk = k;
                            bK = K;
                            ba = a;
                        }
                    }
        if (pass == 1 && es >= 0) {
            bs = es;
            bk = ek;
            bK = eK;
            ba = ea;
            best = eerr;
            bbytes = ebytes;
        }
    }
    jb->L.k1[0] = jb->L.k1[1] = 1;
    jb->L.a1[0] = jb->L.a1[1] = 0;
    if (bs < 0) {                    /* tier 1: nothing beats tier 0 */
        jb->L.side[t] = 0;
        jb->L.ts[t] = 0;
        *err_out = prev;
        *bytes_out = 0;
        return thumbs_make(jb, t, 0, 1);
    }
    jb->L.side[t] = thumb_sides[bs];
    jb->L.ts[t] = tt->ts0 + bk;
    if (t == 1) {
        jb->L.k1[0] = bK;
        jb->L.k1[1] = jb->j->ncomp == 1 ? 1 : chroma_cut(bK);
        jb->L.a1[0] = ba;
        jb->L.a1[1] = jb->L.k1[1] > 1 ? ba : 0;
    }
    *err_out = best;
    *bytes_out = bbytes;
    return thumbs_make(jb, t, thumb_sides[bs], 1);
}

/* Bits each AC position costs (per luma/chroma), from one pass over the picture; on large
 * planes over bands of 4 block rows out of every 16, scaled up (an estimate for tier 2's cut
 * needs no more, and the pass is a sixth of the encoder's time). */
static int position_costs(v4j_jpeg *j, int k1, int sh, float cost[V4JC_COST_SLOTS])
{
    v4jc_model *m = v4jc_model_new();
    if (!m)
        return -1;
    memset(cost, 0, V4JC_COST_SLOTS * sizeof *cost);
    v4_enc e;
    v4_enc_init(&e);
    v4jc_coder cd = { 0, &e, NULL, cost, 0 };
    float slot_scale[V4JC_COST_SLOTS];
    for (int c = 0; c < j->ncomp; c++) {
        v4j_comp *k = &j->comp[c];
        int sample = (size_t)k->bw * k->bh > (1u << 16);
        float before[V4JC_COST_SLOTS];
        memcpy(before, cost, sizeof before);
        uint32_t coded = 0;
        for (uint32_t y = 0; y < k->bh; y += sample ? 16 : k->bh) {
            v4jc_rect r = plane(k);
            r.y0 = y;
            r.y1 = sample && y + 4 < k->bh ? y + 4 : k->bh;
            coded += r.y1 - r.y0;
            v4jc_ac_coarse(&cd, m, c > 0, k, 1, k1, k1, sh, r);
        }
        float f = (float)k->bh / (float)coded;
        for (int i = 0; i < V4JC_COST_SLOTS; i++)
            slot_scale[i] = cost[i] - before[i];
        for (int i = 0; i < V4JC_COST_SLOTS; i++)
            cost[i] = before[i] + f * slot_scale[i];
    }
    v4_enc_free(&e);
    v4jc_model_free(m);
    return 0;
}

/* Bits the AC positions [1, K) (chroma [1, kc(K))) cost: the positions' own bits from the
 * trial pass over [1, 64), and the counts of non-zeros of that pass scaled down to a band of
 * K - 1 positions (a count of fewer positions has fewer values). */
static double band_bits_of(const float *cost, int ncomp, int K, int pass_bits)
{
    double b = 0;
    for (int i = 1; i < K; i++)
        b += cost[i];
    for (int i = 1; ncomp > 1 && i < chroma_cut(K); i++)
        b += cost[64 + i];
    double f = K <= 1 ? 0 : (double)(32 - __builtin_clz((unsigned)(K - 1))) / pass_bits;
    return b + f * (cost[130] + (ncomp > 1 ? cost[131] : 0));
}

static double band_bits(const float *cost, int ncomp, int K) { return band_bits_of(cost, ncomp, K, 6); }

/* Largest luma cut K >= 1 whose band [1, K) fits in `bits`. */
static int cut_for(const float *cost, int ncomp, double bits)
{
    int k = 1;
    while (k < 64 && band_bits(cost, ncomp, k + 1) <= bits)
        k++;
    return k;
}

static size_t param_emit(uint8_t *p, const layout *L)
{
    p[0] = PARAM_VERSION;
    p[1] = (uint8_t)L->n;
    p[2] = (uint8_t)L->m1;
    p[3] = (uint8_t)L->m2;
    p[4] = (uint8_t)L->tw;
    p[5] = (uint8_t)L->th;
    p[6] = (uint8_t)L->lattice;
    p[7] = (uint8_t)L->side[0];
    p[8] = (uint8_t)L->side[1];
    p[9] = (uint8_t)(L->ts[0] << 4 | L->ts[1]);
    p[10] = (uint8_t)L->s2;
    p[11] = (uint8_t)L->k2[0];
    p[12] = (uint8_t)L->k2[1];
    p[13] = L->est[0];
    p[14] = L->est[1];
    p[15] = L->est[2];
    p[16] = (uint8_t)L->k1[0];
    p[17] = (uint8_t)L->k1[1];
    p[18] = (uint8_t)(L->a1[0] | L->a1[1] << 4);
    p[19] = (uint8_t)(L->a2[0] | L->a2[1] << 4);
    return PARAM_LEN;
}

static int param_parse(const uint8_t *p, layout *L)
{
    *L = (layout){ .n = p[1], .m1 = p[2], .m2 = p[3], .tw = p[4], .th = p[5], .lattice = p[6],
                   .side = { p[7], p[8] }, .ts = { p[9] >> 4, p[9] & 15 }, .s2 = p[10],
                   .k2 = { p[11], p[12] }, .est = { p[13], p[14], p[15] },
                   .k1 = { p[16], p[17] }, .a1 = { p[18] & 15, p[18] >> 4 },
                   .a2 = { p[19] & 15, p[19] >> 4 } };
    if (p[0] != PARAM_VERSION || L->n < 1 || L->m1 != v4_m1_for(L->n) ||
        L->m2 != v4_m2_for(L->n) || L->tw < 1 || L->th < 1 || L->lattice != v4_lattice_for(L->n) ||
        L->side[0] < 1 || L->s2 > 15)
        return -1;
    for (int g = 0; g < 2; g++)
        if (L->k2[g] < 1 || L->k2[g] > 64 || L->k1[g] < 1 || L->k1[g] > L->k2[g] ||
            (L->k1[g] > 1 && !t1_blocks(L)) || (t1_blocks(L) && L->s2 > L->ts[1]) ||
            L->a1[g] > COARSE_MAX || (L->a1[g] && (L->k1[g] < 2 || L->k1[g] > COARSE_K)) ||
            (L->a2[g] && (L->k2[g] < 2 || L->k2[g] > COARSE_K)) ||
            (L->k1[g] > 1 ? L->a2[g] > L->a1[g] : L->a1[g] != 0))
            return -1;
    return 0;
}

/* SOI, the DQT and SOF segments of the first piece, EOI: enough to rebuild the frame. */
static int mini_header(const v4j_jpeg *j, uint8_t **out, size_t *len)
{
    uint8_t *b = malloc(j->piece_end[0] + 4);
    if (!b)
        return -1;
    size_t n = 0, p = 2;
    b[n++] = 0xFF;
    b[n++] = 0xD8;
    while (p + 4 <= j->piece_end[0]) {
        while (p < j->piece_end[0] && j->hdr[p] == 0xFF && j->hdr[p + 1] == 0xFF)
            p++;
        uint8_t m = j->hdr[p + 1];
        size_t L = (size_t)j->hdr[p + 2] << 8 | j->hdr[p + 3];
        if (m == 0xDB || (m >= 0xC0 && m <= 0xC2)) {
            memcpy(b + n, j->hdr + p, L + 2);
            n += L + 2;
        }
        p += L + 2;
    }
    b[n++] = 0xFF;
    b[n++] = 0xD9;
    *out = b;
    *len = n;
    return 0;
}

void v4j_streams_free(v4j_streams *s)
{
    for (int t = 0; t < V4J_TIERS; t++)
        free(s->tier[t]);
    for (unsigned i = 0; s->u && i < s->n; i++)
        free(s->u[i]);
    free(s->u);
    free(s->u_len);
    memset(s, 0, sizeof *s);
}

/* Finish a range coder into a tier stream after `prefix` bytes. */
static int take_stream(v4_enc *e, const uint8_t *prefix, size_t plen, uint8_t **out, size_t *len)
{
    if (v4_enc_finish(e))
        return -1;
    *out = malloc(plen + e->len + 1);
    if (!*out)
        return -1;
    if (plen)
        memcpy(*out, prefix, plen);
    memcpy(*out + plen, e->buf, e->len);
    *len = plen + e->len;
    return 0;
}

/* Thumbnail shift: DC steps of about 8 grey levels (a DC unit is q/8 levels). */
static int thumb_shift(const v4j_jpeg *j)
{
    unsigned q = j->qt[j->comp[0].tq][0] ? j->qt[j->comp[0].tq][0] : 1;
    int s = 0;
    while (s < 8 && (q << (s + 1)) <= 64)
        s++;
    return s;
}

uint64_t v4j_set_bytes(const v4j_streams *s)
{
    uint64_t total = 0;
    for (unsigned i = 0; i < s->n; i++) {
        total += V4C_HDR_LEN + s->u_len[i];
        for (int t = 0; t < V4J_TIERS; t++)
            total += s->m[t] == 1 ? s->S[t] : v4_rs_rowlen(s->S[t], s->m[t]);
    }
    return total;
}

/* What a profile aims at: from any one chunk, any m1 (4 of 32) and any n/2, the estimated
 * PSNR of the floors (with a margin: the default profile's estimate leaves out the decoder's
 * AC prediction, so it is low by 0-2.5 dB on photos; --robust counts it at block resolution), inside a set of at most cap * JPEG + slack bytes;
 * tiers grow from the default budgets up to `most` (fractions of the JPEG) to get there. */
typedef struct profile {
    double floor_db[3];
    double cap, slack;
    double most[3];
    double db_per_pct;         /* what 1% of the JPEG more must buy in shortfall */
    double grow_margin;        /* the estimated growth must fit the cap this many times */
    int tries;                 /* sets coded beyond the default one while they exceed the cap */
    int t1_blocks;             /* tier 1 may be at block resolution */
} profile;

/* The default profile keeps a margin of 1/4 of the growth, codes one set beyond the default
 * and leaves tier 1 a thumbnail: with tier 1 at block resolution SafeLanding took 5.6% of its
 * JPEG more for 1.2 dB from 4 chunks, and the median set went from 0.948x to 0.951x. */
static const profile profiles[2] = {
    { { 15.3, 20.3, 27.3 }, 1.00, 4096, { 0.0025, 0.015, 0.15 }, 0.2, 1.25, 1, 0 },  /* default */
    { { 15.3, 20.3, 27.3 }, 1.25, 0, { 0.0080, 0.040, 0.30 }, 0.05, 1.0, 3, 1 },     /* --robust */
};

/* The squared error a PSNR allows. */
static double error_for(const v4j_jpeg *j, double db)
{
    double n = (double)j->width * j->height * (j->ncomp == 3 ? 3 : 1);
    return 255.0 * 255.0 * n / pow(10, db / 10);
}

/* Tier 2: DC >> s2, then AC [1, K2). Within `least` bytes the finest DC that fits, then AC in
 * the bits left; if its error at n/2 chunks (half the tiles missing) is above `enough` (> 0),
 * the cheapest (s2, K2) reaching it within `most`, else the best within `most`. */
/* Bytes of tier 2's DC at shift s (trials cached in dcb[16], < 0 unknown). */
static double dc_bytes(job *jb, const v4jc_model *m, double dcb[16], int s)
{
    if (dcb[s] < 0) {
        int keep = jb->L.s2;
        jb->L.s2 = s;
        dcb[s] = (double)trial(dc_only_t2, m, jb);
        jb->L.s2 = keep;
    }
    return dcb[s];
}

static void choose_t2(job *jb, const v4jc_model *m, const float *cost, const double E[128],
                      double dcb_cache[16], double least, double most, double enough)
{
    v4j_jpeg *j = jb->j;
    layout *L = &jb->L;
    double dc2 = 0;
    for (L->s2 = 0; L->s2 < 15 && (dc2 = dc_bytes(jb, m, dcb_cache, L->s2)) > least; L->s2++)
        ;
    L->k2[0] = L->s2 == 0 ? cut_for(cost, j->ncomp, (least - dc2) * 8) : 1;
    L->k2[1] = j->ncomp == 1 ? 64 : chroma_cut(L->k2[0]);
    if (enough <= 0)
        return;
    double err = 0.5 * (dc_step_error(j, L->s2) + ac_from(E, j->ncomp, L->k2));
    if (err <= enough)
        return;
    int bs = -1, bk = 1;
    double bbytes = 1e300, berr = err;
    for (int s = 0; s <= 8; s++) {
        L->s2 = s;
        double dcb = dc_bytes(jb, m, dcb_cache, s);
        if (dcb > most)
            continue;
        double e_dc = dc_step_error(j, s);
        int k = 1, kk[2] = { 1, j->ncomp == 1 ? 64 : 1 };
        /* the smallest K reaching the target, else the largest that fits */
        while (k < 64 && 0.5 * (e_dc + ac_from(E, j->ncomp, kk)) > enough &&
               dcb + band_bits(cost, j->ncomp, k + 1) / 8 <= most) {
            k++;
            kk[0] = k;
            kk[1] = j->ncomp == 1 ? 64 : chroma_cut(k);
        }
        double bits = band_bits(cost, j->ncomp, k);
        double e = 0.5 * (e_dc + ac_from(E, j->ncomp, kk)), b = dcb + bits / 8;
        int better = e <= enough ? (berr > enough || b < bbytes) : (berr > enough && e < berr);
        if (better) {
            bs = s;
            bk = k;
            bbytes = b;
            berr = e;
        }
    }
    if (bs < 0) {                /* keep the default choice */
        for (L->s2 = 0; L->s2 < 15 && dc_bytes(jb, m, dcb_cache, L->s2) > least; L->s2++)
            ;
        L->k2[0] = L->s2 == 0 ? cut_for(cost, j->ncomp, (least - dcb_cache[0]) * 8) : 1;
        L->k2[1] = j->ncomp == 1 ? 64 : chroma_cut(L->k2[0]);
        return;
    }
    L->s2 = bs;
    L->k2[0] = bk;
    L->k2[1] = j->ncomp == 1 ? 64 : chroma_cut(bk);
}

/* What coarse AC leaves at positions [1, COARSE_K) for shifts 1..COARSE_MAX, weighted as
 * ac_energy: a decoder without the low bits takes the bottom of each step plus half of it
 * (rounded down) and zero for a coarse zero. */
static void coarse_energy(const v4j_jpeg *j, double Eq[COARSE_MAX + 1][128])
{
    memset(Eq, 0, (COARSE_MAX + 1) * sizeof *Eq);
    for (int c = 0; c < j->ncomp; c++) {
        const v4j_comp *k = &j->comp[c];
        const uint16_t *q = j->qt[k->tq];
        double g = comp_gain(j, c);
        size_t nb = (size_t)k->bw * k->bh;
        for (size_t b = 0; b < nb; b++) {
            const int16_t *p = k->coef + b * 64;
            for (int i = 1; i < COARSE_K; i++) {
                int v = p[i] < 0 ? -p[i] : p[i];
                if (!v)
                    continue;
                for (int a = 1; a <= COARSE_MAX; a++) {
                    int cq = v >> a, rec = cq ? (cq << a) + (((1 << a) - 1) >> 1) : 0;
                    double d = (double)(v - rec) * q[i];
                    Eq[a][64 * (c > 0) + i] += g * d * d;
                }
            }
        }
    }
}

/* --robust: tier 2 with coarse AC at shift a (1..COARSE_MAX): of DC shifts s <= 8 and cuts
 * K in [2, COARSE_K], the cheapest whose error from n/2 chunks reaches `enough` within
 * `most` bytes, else the least error within them; 0 when none fits. */
static struct ab_pick { int s2, K; } t2_coarse(job *jb, const v4jc_model *m, const ac_band *ab,
                                               double dcb[16], int a, double most, double enough)
{
    struct ab_pick best = { -1, 0 };
    double bb = 1e300, be = 1e300;
    for (int s = 0; s <= 8; s++) {
        double dcs = dc_bytes(jb, m, dcb, s), dce = dc_step_error(jb->j, s);
        for (int K = 2; K <= COARSE_K; K++) {
            double b = dcs + ab->bytes[a][K];
            if (b > most)
                break;
            double e = 0.5 * (dce + ac_err(ab, pred_at(ab, s), a, K, K));
            int better = e <= enough ? (be > enough || b < bb) : (be > enough && e < be);
            if (better) {
                best = (struct ab_pick){ s, K };
                bb = b;
                be = e;
            }
        }
    }
    return best;
}

/* The AC band a tier at block resolution may carry: cut K's error and bytes (K = 1: none),
 * exact and (costa: the bits of a coarse trial pass over [1, COARSE_K) per shift, or NULL)
 * coarse. */
static void ac_bands(const v4j_jpeg *j, const double E[128], const float *cost,
                     float (*costa)[V4JC_COST_SLOTS], const double Eq[COARSE_MAX + 1][128],
                     ac_band *ab)
{
    memset(ab, 0, sizeof *ab);
    ab->amax = costa ? COARSE_MAX : 0;
    ab->E = E;
    ab->ncomp = j->ncomp;
    memcpy(ab->Eq, Eq, sizeof ab->Eq);
    if (costa) {            /* --robust: the estimates count the decoder's AC prediction */
        ab->pred = 1;
        ab->ts0 = thumb_shift(j) > 2 ? thumb_shift(j) - 2 : 0;
        pred_energy(j, ab);
    }
    for (int a = 0; a <= ab->amax; a++)
        for (int K = 1; K <= (a ? COARSE_K : 64); K++) {
            int kk[2] = { K, chroma_cut(K) };
            double qe = 0;
            for (int i = 1; a && i < K; i++)
                qe += Eq[a][i];
            for (int i = 1; a && j->ncomp > 1 && i < kk[1]; i++)
                qe += Eq[a][64 + i];
            ab->qerr[a][K] = qe;
            ab->err[a][K] = ac_from(E, j->ncomp, kk) + qe;
            ab->bytes[a][K] = (a ? band_bits_of(costa[a - 1], j->ncomp, K, 4)
                                 : band_bits(cost, j->ncomp, K)) / 8;
        }
}

/* A choice for one tier: a thumbnail (side, ts; tier 1 at side 1 also the AC cut k1) with its
 * bytes and whole-picture error, or tier 2's DC shift and AC cut. */
struct cand {
    int side, ts, k1, a1, s2, k2[2], a2;
    double S, err;
};

/* Tiers 0, 1 and 2 as chosen: the layout they make (tier 1 at block resolution pulls tier 2's
 * DC shift down to its own and its AC cut up to K1), the errors from 1, m1 and n/2 chunks
 * (half the tiles missing) in e, and the bytes the set spends on them beyond the coefficients
 * (returned): every chunk carries tier 0, n/m1 times tier 1, n/m2 times tier 2, less what
 * tiers 1 and 2 take from the tiers below them and from U. */
static double combine(const v4j_jpeg *j, layout *L, const struct cand *c0, const struct cand *c1,
                      const struct cand *c2, const double E[128], const ac_band *ab,
                      double dcb[16], job *jb, const v4jc_model *m, double e[3])
{
    int t1_used = c1->side && c1->err < c0->err, blocks = t1_used && c1->side == 1;
    L->side[0] = c0->side;
    L->ts[0] = c0->ts;
    L->side[1] = t1_used ? c1->side : 0;
    L->ts[1] = t1_used ? c1->ts : 0;
    int K1 = blocks ? c1->k1 : 1, K2 = c2->k2[0] > K1 ? c2->k2[0] : K1;
    L->k1[0] = K1;
    L->k1[1] = j->ncomp == 1 ? 1 : chroma_cut(K1);
    int A1 = blocks && K1 > 1 ? c1->a1 : 0;
    L->a1[0] = A1;
    L->a1[1] = L->k1[1] > 1 ? A1 : 0;
    L->k2[0] = K2;
    L->k2[1] = j->ncomp == 1 ? 64 : K2 == c2->k2[0] ? c2->k2[1] : chroma_cut(K2);
    L->s2 = blocks && c2->s2 > c1->ts ? c1->ts : c2->s2;
    /* tier 2's AC no coarser than tier 1's and coarse only below COARSE_K */
    int A2 = K1 > 1 && c2->a2 > A1 ? A1 : c2->a2;
    if (K2 > COARSE_K)
        A2 = 0;
    L->a2[0] = A2;
    L->a2[1] = L->k2[1] > 1 && L->k2[1] <= COARSE_K ? A2 : 0;
    double S2 = dc_bytes(jb, m, dcb, L->s2) + ab->bytes[A2][K2] - ab->bytes[A1][K1];
    if (blocks)   /* the DC tier 1 codes already */
        S2 -= c1->S - ab->bytes[A1][K1];
    if (S2 < 0)
        S2 = 0;
    int kk[2] = { L->k2[0], L->k2[1] };
    e[0] = c0->err;
    e[1] = t1_used ? c1->err : c0->err;
    e[2] = 0.5 * (dc_step_error(j, L->s2) + (ab->pred ? ac_err(ab, pred_at(ab, L->s2), A2, K2, K2)
                                              : ac_from(E, j->ncomp, kk)));
    double n = L->n, S1 = t1_used ? c1->S : 0;
    return n * c0->S + n / L->m1 * S1 - (blocks ? S1 : 0) + (n / L->m2 - 1) * S2;
}

typedef struct u_job {
    job *jb;
    const v4jc_model *m;
    v4j_streams *out;          /* encoding: the shares coded */
    const v4j_streams *in;     /* decoding: the shares read */
    atomic_int failed;
} u_job;

static void u_encode_one(void *arg, unsigned i)
{
    u_job *u = arg;
    v4jc_model *mu = v4jc_model_clone(u->m);
    v4_enc e;
    v4_enc_init(&e);
    v4jc_coder cd = { 0, &e, NULL, NULL, 0 };
    size_t ul = 0;
    if (mu)
        code_u(&cd, mu, u->jb, i);
    if (!mu || take_stream(&e, NULL, 0, &u->out->u[i], &ul) || ul > UINT32_MAX)
        atomic_store(&u->failed, 1);
    u->out->u_len[i] = (uint32_t)ul;
    v4_enc_free(&e);
    v4jc_model_free(mu);
}

static void u_decode_one(void *arg, unsigned i)
{
    u_job *u = arg;
    if (!u->in->u || !u->in->u[i])
        return;
    v4jc_model *mu = v4jc_model_clone(u->m);
    if (!mu) {
        atomic_store(&u->failed, 1);
        return;
    }
    v4_dec d;
    v4_dec_init(&d, u->in->u[i], u->in->u_len[i]);
    v4jc_coder cd = { 1, NULL, &d, NULL, 0 };
    code_u(&cd, mu, u->jb, i);
    v4jc_model_free(mu);
}

/* Code the tiers and U shares of the layout in jb->L from a fresh model. */
static int code_streams(job *jb, const uint8_t *head, size_t hl, size_t len, v4j_streams *out)
{
    v4j_jpeg *j = jb->j;
    const layout *L = &jb->L;
    unsigned n = L->n;
    v4jc_model *m = v4jc_model_new();
    v4_enc e;
    v4_enc_init(&e);
    v4jc_coder cd = { 0, &e, NULL, NULL, 0 };
    int rc = m ? 0 : -1;
    pass_fn passes[3] = { code_t0, code_t1, code_t2 };
    for (int t = 0; t < 3 && rc == 0; t++) {
        v4_enc_init(&e);
        passes[t](&cd, m, jb);
        rc = take_stream(&e, head, t == 0 ? hl : 0, &out->tier[t], &out->S[t]);
        v4_enc_free(&e);
    }
    out->n = n;
    out->m[0] = 1;
    out->m[1] = L->m1;
    out->m[2] = L->m2;
    if (rc == 0)
        rc = recipe_pack(j, &out->tier[3], &out->S[3]);
    out->m[3] = out->S[3] * 100 <= len ? L->m2 : n;
    out->u = calloc(n, sizeof *out->u);
    out->u_len = calloc(n, sizeof *out->u_len);
    if (!out->u || !out->u_len)
        rc = -1;
    if (rc == 0) {
        u_job uj = { jb, m, out, NULL, 0 };
        v4j_par_for(n, u_encode_one, &uj);
        rc = atomic_load(&uj.failed) ? -1 : 0;
    }
    v4_enc_free(&e);
    v4jc_model_free(m);
    return rc;
}

int v4j_encode(const uint8_t *jpg, size_t len, unsigned n, const v4j_budget *b,
               v4j_streams *out, holo_err *err)
{
    memset(out, 0, sizeof *out);
    if (n < 1 || n > 255)
        return holo_seterr(err, HOLO_EINVAL, "HO4J: %u chunks (1..255)", n);
    int fixed = b && b->t0 > 0, t1_blocks = fixed || profiles[b && b->robust].t1_blocks;
    const profile *pf = &profiles[b && b->robust ? 1 : 0];
    if (!fixed)
        b = &default_budget;
    v4j_jpeg j;
    int rc = v4j_parse(jpg, len, &j, err);
    if (rc)
        return rc;
    v4j_dc_gather(&j);          /* the sizing reads every DC many times */
    v4j_exact exact;            /* the rebuild check runs beside the sizing and coding */
    v4j_exact_start(&exact, &j, jpg, len);
    job jb = { .j = &j };
    layout *L = &jb.L;
    *L = (layout){ .n = n, .m1 = v4_m1_for(n), .m2 = v4_m2_for(n), .lattice = v4_lattice_for(n) };
    choose_tiles(&j, L);
    /* a floor under tier 0: below ~400 bytes a thumbnail is too coarse to show anything */
    double B0 = b->t0 * len < 400 ? 400 : b->t0 * len, B1 = b->t1 * len, B2 = b->t2 * len;
    v4jc_model *m = v4jc_model_new();
    float *cost = malloc(V4JC_COST_SLOTS * sizeof *cost);
    uint8_t *mini = NULL, *head = NULL;
    size_t mini_len = 0;
    double E[128], Eq[COARSE_MAX + 1][128] = { { 0 } };
    float (*costa)[V4JC_COST_SLOTS] = NULL;
    if (!m || !cost || position_costs(&j, 64, 0, cost) || mini_header(&j, &mini, &mini_len) ||
        mini_len > 65535 || !(head = malloc(PARAM_LEN + 2 + mini_len))) {
        rc = holo_seterr(err, HOLO_ENOMEM, "HO4J: out of memory");
        goto out;
    }
    ac_energy(&j, E);
    double cap = pf->cap * (double)len + pf->slack;
    /* The default budgets first. If the estimates miss a floor, each tier's choice reaching
     * 1/8, 1/4, 0.35, 1/2, 0.7 and all of the way to the profile's largest is sized on paper,
     * and the combination that fits the cap (less 0.3% of the JPEG; growth as combine() sizes
     * it, times the profile's margin) with the most floors met, then the least shortfall (less
     * 0.2 dB per 1% of the JPEG it adds; robust 0.05) is coded. One that comes out above the
     * cap is dropped and (robust) the next best within the cap less the overshoot is tried,
     * three at most; the default set stays if none fits. */
    enum { NR = 7 };   /* the largest first: the thumbnail tables are sized for it */
    static const double reaches[NR] = { 0, 1, 0.7, 0.5, 0.35, 0.25, 0.125 };
    struct cand cd[3][NR];
    enum { NA = 5 };
    static const int amax_of[NA] = { COARSE_MAX, 4, 3, 2, 0 };
    struct cand cd1[NR * NA];  /* tier 1's (cd[1] unused) */
    struct cand cd2[NR * 5];   /* tier 2's: exact, and coarse at shifts 1..4 */
    int n1 = 0, n2 = 0;
    ac_band acb;
    ac_bands(&j, E, cost, costa, Eq, &acb);
    double enough[3];
    for (int t = 0; t < 3; t++)
        enough[t] = error_for(&j, pf->floor_db[t]);
    thumb_table *tt = malloc(2 * sizeof *tt);
    double dcb_cache[16];
    for (int i = 0; i < 16; i++)
        dcb_cache[i] = -1;
    if (!tt) {
        rc = holo_seterr(err, HOLO_ENOMEM, "HO4J: out of memory");
        goto out;
    }
    double t0_def_err = 0;
    for (int r = 0; r < NR; r++) {
        double most[3] = { B0, B1, B2 };
        for (int t = 0; t < 3; t++) {
            double mo = pf->most[t] * len * reaches[r];
            most[t] = mo > most[t] ? mo : most[t];
        }
        /* the thumbnails' candidates: within the defaults, then (once) within the most */
        if (r <= 1 && (thumb_table_fill(&jb, 0, m, r ? most[0] : B0, thumb_shift(&j), &tt[0]) ||
                       thumb_table_fill(&jb, 1, m, r ? most[1] : B1, thumb_shift(&j), &tt[1]))) {
            free(tt);
            rc = holo_seterr(err, HOLO_ENOMEM, "HO4J: out of memory");
            goto out;
        }
        for (int k = 0; !t1_blocks && r <= 1 && k < NSHIFTS; k++)
            tt[1].bytes[0][k] = -1;             /* side 1: block resolution */
        double terr = 0, tbytes = 0;
        int nomem = thumb_pick(&jb, 0, &tt[0], &acb, 0, B0, most[0], r ? enough[0] : 0, 1e300,
                               &terr, &tbytes);
        cd[0][r] = (struct cand){ .side = L->side[0], .ts = L->ts[0], .err = terr, .S = tbytes };
        if (r == 0)
            t0_def_err = terr;
        /* tier 1's candidates: with tier 1 at block resolution, also with AC no coarser than
         * shift 4, 3, 2 or exact (coarse AC there is coarse in tier 2's view too) */
        for (int ai = 0; ai < (acb.amax ? NA : 1); ai++) {
            nomem |= thumb_pick(&jb, 1, &tt[1], &acb, amax_of[ai], B1, most[1],
                                r ? enough[1] : 0, t0_def_err, &terr, &tbytes);
            cd1[n1++] = (struct cand){ .side = L->side[1], .ts = L->ts[1], .k1 = L->k1[0],
                                       .a1 = L->a1[0], .err = terr, .S = tbytes };
        }
        if (nomem) {
            free(tt);
            rc = holo_seterr(err, HOLO_ENOMEM, "HO4J: out of memory");
            goto out;
        }
        choose_t2(&jb, m, cost, E, dcb_cache, B2, most[2], r ? enough[2] : 0);
        cd2[n2++] = (struct cand){ .s2 = L->s2, .k2 = { L->k2[0], L->k2[1] } };
        for (int a = 1; r && a <= acb.amax && a <= 4; a++) {
            struct ab_pick pk2 = t2_coarse(&jb, m, &acb, dcb_cache, a, most[2], enough[2]);
            if (pk2.s2 >= 0)
                cd2[n2++] = (struct cand){ .s2 = pk2.s2, .a2 = a,
                                           .k2 = { pk2.K, j.ncomp == 1 ? 64 : chroma_cut(pk2.K) } };
        }
        if (fixed)
            break;
        if (r == 0) {                /* the defaults meet every floor: nothing to explore */
            double e[3];
            combine(&j, &jb.L, &cd[0][0], &cd1[0], &cd2[0], E, &acb, dcb_cache, &jb, m, e);
            int short_of = 0;
            for (int t = 0; t < 3; t++)
                short_of |= psnr_of(&j, e[t]) < pf->floor_db[t];
            if (!short_of) {
                fixed = 1;
                break;
            }
            /* tiers 1 and 2 may carry coarse AC beyond the defaults: its bits (a trial pass
             * per shift) and error, sized only now (a sixth of a large photo's encode) */
            if (t1_blocks && (costa = malloc(COARSE_MAX * sizeof *costa))) {
                for (int a = 1; costa && a <= COARSE_MAX; a++)
                    if (position_costs(&j, COARSE_K, a, costa[a - 1])) {
                        free(costa);
                        costa = NULL;
                    }
                if (costa) {
                    coarse_energy(&j, Eq);
                    ac_bands(&j, E, cost, costa, Eq, &acb);
                }
            }
        }
    }
    free(tt);
    int pick[3] = { 0, 0, 0 }, zero[3] = { 0, 0, 0 };
    double over = 0;               /* how far the estimates fell short of a coded set */
    for (int pass = 0; pass <= pf->tries; pass++) {
        int *pk = pass == 0 ? zero : pick;
        if (pass >= 1) {
            memset(pick, 0, sizeof pick);
            double set_def = (double)v4j_set_bytes(out);
            double e[3], x_def = combine(&j, L, &cd[0][0], &cd1[0], &cd2[0], E, &acb,
                                             dcb_cache, &jb, m, e);
            double best = -1e300;
            for (int a0 = 0; !fixed && a0 < NR; a0++)
                for (int a1 = 0; a1 < n1; a1++)
                    for (int a2 = 0; a2 < n2; a2++) {
                        double grow = combine(&j, L, &cd[0][a0], &cd1[a1], &cd2[a2], E, &acb,
                                              dcb_cache, &jb, m, e) - x_def;
                        double score = -pf->db_per_pct * 100 * grow / (double)len;
                        for (int t = 0; t < 3; t++) {
                            double db = psnr_of(&j, e[t]);
                            score += db >= pf->floor_db[t] ? 1000 : db - pf->floor_db[t];
                        }
                        if (set_def + pf->grow_margin * grow + over > cap - 0.003 * (double)len)
                            continue;
                        if (score > best) {
                            best = score;
                            pick[0] = a0;
                            pick[1] = a1;
                            pick[2] = a2;
                        }
                    }
            if (!pk[0] && !pk[1] && !pk[2])
                break;
        }
        double e_at[3];
        combine(&j, L, &cd[0][pk[0]], &cd1[pk[1]], &cd2[pk[2]], E, &acb, dcb_cache, &jb, m,
                e_at);   /* sets the layout */
        if (thumbs_make(&jb, 0, L->side[0], 1) || thumbs_make(&jb, 1, L->side[1], 1)) {
            rc = holo_seterr(err, HOLO_ENOMEM, "HO4J: out of memory");
            goto out;
        }
        for (int t = 0; t < 3; t++) {
            double q = (psnr_of(&j, e_at[t]) - 1) * 4;   /* 1 dB under: rounding in the decoder */
            L->est[t] = (uint8_t)(q >= 255 ? 255 : q <= 0 ? 0 : q);
        }
        size_t hl = param_emit(head, L);
        head[hl++] = (uint8_t)(mini_len >> 8);
        head[hl++] = (uint8_t)mini_len;
        memcpy(head + hl, mini, mini_len);
        hl += mini_len;
        v4j_streams alt;
        memset(&alt, 0, sizeof alt);
        if (code_streams(&jb, head, hl, len, pass == 0 ? out : &alt)) {
            v4j_streams_free(&alt);
            rc = holo_seterr(err, HOLO_ENOMEM, "HO4J: out of memory");
            goto out;
        }
        if (pass >= 1) {
            double got = (double)v4j_set_bytes(&alt);
            if (got <= cap) {
                v4j_streams_free(out);
                *out = alt;
                break;
            }
            v4j_streams_free(&alt);
            over += got - cap + 0.005 * (double)len;
        }
    }
out:
    {
        int xrc = v4j_exact_finish(&exact, rc ? NULL : err);
        rc = rc ? rc : xrc;
    }
    v4jc_model_free(m);
    thumbs_free(&jb);
    free(cost);
    free(costa);
    free(mini);
    free(head);
    v4j_free(&j);
    if (rc)
        v4j_streams_free(out);
    return rc;
}

/* The frame of the mini header (planes allocated and zeroed when alloc). */
static int frame_from_t0(const uint8_t *t0, size_t S0, int alloc, layout *L, v4j_jpeg *j,
                         size_t *coded_at, holo_err *err)
{
    memset(j, 0, sizeof *j);
    if (S0 < PARAM_LEN + 2 || param_parse(t0, L))
        return holo_seterr(err, HOLO_EINVAL, "HO4J: bad parameters in tier 0");
    size_t ml = (size_t)t0[PARAM_LEN] << 8 | t0[PARAM_LEN + 1];
    if (PARAM_LEN + 2 + ml > S0)
        return holo_seterr(err, HOLO_EINVAL, "HO4J: bad parameters in tier 0");
    v4j_tables *t = calloc(1, sizeof *t);
    if (!t)
        return holo_seterr(err, HOLO_ENOMEM, "HO4J: out of memory");
    t->alloc_planes = alloc;
    const uint8_t *mini = t0 + PARAM_LEN + 2;
    size_t pos = 2;
    v4j_scan s;
    int rc = ml < 4 || mini[0] != 0xFF || mini[1] != 0xD8 ? -1
           : v4j_walk_markers(j, t, mini, ml, &pos, &s, err);
    if (rc == 0 && (!t->have_frame || pos != ml))
        rc = -1;
    free(t);
    if (rc) {
        v4j_free(j);
        return holo_seterr(err, HOLO_EINVAL, "HO4J: bad frame in tier 0");
    }
    *coded_at = PARAM_LEN + 2 + ml;
    return 0;
}

static int all_u(const v4j_streams *in)
{
    for (unsigned i = 0; i < in->n; i++)
        if (!in->u || !in->u[i])
            return 0;
    return 1;
}

/* round(num / (q * 256)) away from zero: libjpeg's block smoothing arithmetic */
static int smooth_coef(int64_t num, int q)
{
    int64_t d = (int64_t)q << 8, r = ((int64_t)q << 7) + (num < 0 ? -num : num);
    return (int)(num < 0 ? -(r / d) : r / d);
}

/* Blocks whose low AC coefficients are unknown get the ones JPEG's own smoothing predicts from
 * the 3x3 DC neighbourhood (T.81 K.8, libjpeg's block smoothing for progressive files):
 * zig-zag 1-5 (AC01, AC10, AC20, AC11, AC02), where still zero. A block's AC is known from
 * position 1 with tier 2 and its U share, from K2 with tier 2 alone, from K1 with tier 1
 * alone (1 unless it is at block resolution). */
static void ac_predict(v4j_jpeg *j, const job *jb, const v4j_streams *in, int have_t1,
                       int have_t2)
{
    const layout *L = &jb->L;
    for (int c = 0; c < j->ncomp; c++) {
        v4j_comp *k = &j->comp[c];
        const uint16_t *q = j->qt[k->tq];
        if (!q[0] || !q[1] || !q[2] || !q[3] || !q[4] || !q[5])
            continue;
        uint32_t tw = L->tw * (j->ncomp > 1 ? k->h : 1), th = L->th * (j->ncomp > 1 ? k->v : 1);
        for (uint32_t y = 0; y < k->bh; y++)
            for (uint32_t x = 0; x < k->bw; x++) {
                int from = have_t1 && t1_blocks(L) ? L->k1[c > 0] : 1;
                if (have_t2) {
                    uint64_t id = (x / tw + (uint64_t)L->lattice * (y / th)) % L->n;
                    from = in->u && in->u[id] ? 64 : L->k2[c > 0];
                }
                /* coarse AC without its low bits (tier 1's, or tier 2's without the U share):
                 * the bottom of each step */
                int sh = from == 64 ? 0 : have_t2 ? L->a2[c > 0]
                       : have_t1 && t1_blocks(L) ? L->a1[c > 0] : 0;
                int16_t *b = k->coef + ((size_t)y * k->bw + x) * 64;
                int lim = (1 << sh) - 1, ka = sh ? from : 1;
                for (int z = 1; z < ka; z++)
                    if (b[z])
                        b[z] = (int16_t)(b[z] + (b[z] > 0 ? lim >> 1 : -(lim >> 1)));
                if (from > 5 && ka == 1)
                    continue;
#define DCAT(dx, dy) k->coef[((size_t)((int64_t)y + (dy) < 0 || y + (dy) >= k->bh ? y : y + (dy)) * \
                              k->bw + ((int64_t)x + (dx) < 0 || x + (dx) >= k->bw ? x : x + (dx))) * 64]
                int64_t d1 = DCAT(-1, -1), d2 = DCAT(0, -1), d3 = DCAT(1, -1), d4 = DCAT(-1, 0),
                        d5 = DCAT(0, 0), d6 = DCAT(1, 0), d7 = DCAT(-1, 1), d8 = DCAT(0, 1),
                        d9 = DCAT(1, 1);
#undef DCAT
                int64_t q0 = q[0];
                int pred[6] = { 0, smooth_coef(36 * q0 * (d4 - d6), q[1]),
                                smooth_coef(36 * q0 * (d2 - d8), q[2]),
                                smooth_coef(9 * q0 * (d2 + d8 - 2 * d5), q[3]),
                                smooth_coef(5 * q0 * (d1 - d3 - d7 + d9), q[4]),
                                smooth_coef(9 * q0 * (d4 + d6 - 2 * d5), q[5]) };
                for (int z = from; z <= 5; z++)
                    if (b[z] == 0)
                        b[z] = (int16_t)pred[z];
                for (int z = 1; z < ka && z <= 5; z++)   /* a coarse zero: |AC| <= lim */
                    if (b[z] == 0)
                        b[z] = (int16_t)(pred[z] < -lim ? -lim : pred[z] > lim ? lim : pred[z]);
            }
    }
}

int v4j_frame_size(const uint8_t *t0, size_t S0, uint32_t *w, uint32_t *h, double est[3],
                   unsigned k[3])
{
    layout L;
    v4j_jpeg j;
    size_t at;
    if (frame_from_t0(t0, S0, 0, &L, &j, &at, NULL))
        return -1;
    *w = j.width;
    *h = j.height;
    k[0] = 1;
    k[1] = L.m1;
    k[2] = L.m2;
    for (int t = 0; t < 3; t++)
        est[t] = L.est[t] / 4.0;
    v4j_free(&j);
    return 0;
}

static void decode_pass(pass_fn f, v4jc_model *m, job *jb, const uint8_t *buf, size_t len)
{
    v4_dec d;
    v4_dec_init(&d, buf, len);
    v4jc_coder cd = { 1, NULL, &d, NULL, 0 };
    f(&cd, m, jb);
}

static int16_t *dc_save(const v4j_comp *k)
{
    size_t nb = (size_t)k->bw * k->bh;
    int16_t *g = malloc(nb * sizeof *g + 1);
    for (size_t b = 0; g && b < nb; b++)
        g[b] = k->coef[b * 64];
    return g;
}

/* Each DC (decoded as the bottom of its 2^s step of DC + bias) becomes the guess clamped into
 * the step. */
static void dc_clamp(v4j_comp *k, const int16_t *guess, int s)
{
    if (s == 0)
        return;
    for (size_t b = 0; b < (size_t)k->bw * k->bh; b++) {
        int lo = k->coef[b * 64], hi = lo + (1 << s) - 1, g = guess[b];
        k->coef[b * 64] = (int16_t)(g < lo ? lo : g > hi ? hi : g);
    }
}

/* Values known only to a step of 2^s (of DC + bias) sit in its middle. */
static void dc_centre(v4j_comp *k, int s)
{
    if (s == 0)
        return;
    for (size_t b = 0; b < (size_t)k->bw * k->bh; b++)
        k->coef[b * 64] = (int16_t)(k->coef[b * 64] + (1 << (s - 1)));
}

int v4j_decode(const v4j_streams *in, uint8_t **jpg, size_t *len, holo_err *err)
{
    *jpg = NULL;
    *len = 0;
    if (!in->tier[0])
        return holo_seterr(err, HOLO_EINVAL, "HO4J: no tier 0");
    v4j_jpeg j, r;
    job jb = { .j = &j };
    size_t at = 0;
    int rc = frame_from_t0(in->tier[0], in->S[0], 1, &jb.L, &j, &at, err);
    if (rc)
        return rc;
    v4jc_model *m = NULL;
    if (jb.L.n != in->n)
        rc = holo_seterr(err, HOLO_EINVAL, "HO4J: chunk count differs from tier 0");
    else if (!(m = v4jc_model_new()) || thumbs_make(&jb, 0, jb.L.side[0], 0) ||
             thumbs_make(&jb, 1, jb.L.side[1], 0))
        rc = holo_seterr(err, HOLO_ENOMEM, "HO4J: out of memory");
    if (rc == 0) {
        /* DC from the finest thumbnail present */
        decode_pass(code_t0, m, &jb, in->tier[0] + at, in->S[0] - at);
        int t = 0;
        if (in->tier[1] && jb.L.side[1]) {
            decode_pass(code_t1, m, &jb, in->tier[1], in->S[1]);
            t = 1;
        }
        for (int c = 0; c < j.ncomp; c++) {
            dc_centre(&jb.th[t][c], jb.L.ts[t]);
            thumb_spread(&j.comp[c], jb.L.side[t], &jb.th[t][c]);
        }
    }
    if (rc == 0 && in->tier[1] && in->tier[2]) {
        int16_t *guess[V4J_MAX_COMP];
        for (int c = 0; c < j.ncomp; c++)
            if (!(guess[c] = dc_save(&j.comp[c])))
                rc = holo_seterr(err, HOLO_ENOMEM, "HO4J: out of memory");
        if (rc == 0) {
            decode_pass(code_t2, m, &jb, in->tier[2], in->S[2]);
            /* DC known to a step of 2^s2: the thumbnail's guess inside the step; a tier 1
             * at block resolution only knew a coarser step of the same value, so then the
             * middle of the step */
            for (int c = 0; c < j.ncomp; c++)
                if (t1_blocks(&jb.L))
                    dc_centre(&j.comp[c], jb.L.s2);
                else
                    dc_clamp(&j.comp[c], guess[c], jb.L.s2);
        }
        for (int c = 0; c < j.ncomp; c++)
            free(guess[c]);
        if (rc == 0 && in->u) {
            u_job uj = { &jb, m, NULL, in, 0 };
            v4j_par_for(in->n, u_decode_one, &uj);
            if (atomic_load(&uj.failed))
                rc = holo_seterr(err, HOLO_ENOMEM, "HO4J: out of memory");
        }
    }
    if (rc == 0 && !(in->tier[1] && in->tier[2] && all_u(in)))
        ac_predict(&j, &jb, in, in->tier[1] != NULL, in->tier[1] && in->tier[2]);
    v4jc_model_free(m);
    thumbs_free(&jb);
    int have_recipe = rc == 0 && in->tier[3] && recipe_unpack(in->tier[3], in->S[3], &r, err) == 0;
    if (have_recipe && (r.width != j.width || r.height != j.height || r.ncomp != j.ncomp)) {
        v4j_free(&r);
        have_recipe = 0;
    }
    if (have_recipe) {
        for (int c = 0; c < j.ncomp; c++) {     /* the decoded planes into the recipe's frame */
            int16_t *t = r.comp[c].coef;
            r.comp[c].coef = j.comp[c].coef;
            j.comp[c].coef = t;
        }
        holo_err e2 = { 0 };
        rc = v4j_rebuild(&r, jpg, len, &e2);
        if (rc == HOLO_EUNSUPPORTED)          /* a symbol the original tables cannot code */
            rc = v4j_write_libjpeg(&r, &r, jpg, len, err);
        else if (rc)
            holo_seterr(err, rc, "%s", e2.msg);
        v4j_free(&r);
    } else if (rc == 0)
        rc = v4j_write_libjpeg(&j, NULL, jpg, len, err);
    v4j_free(&j);
    return rc;
}
