/* v4_tiers.c — bit-plane tiers of the wavelet coefficients and their context coding
 * (doc/holo4.md §Tiers, §Spreading, §Entropy coding; holo(5) "HOV4 streams").
 *
 * A band's magnitudes a are cut by shifts s0 >= s1 >= ... >= s(np-1) >= sU: level t carries
 * the bits [s_t, s_{t-1}) of a (T0: everything above s0, at most 28 - s0 bits); U (tier np)
 * the bits below the top level's. A level stream holds one binary range-coded sub-stream per
 * component (3 components: u32 length of Y, u32 length of Co, then Y, Co, Cg), so components
 * code and decode in parallel. Every sub-stream starts with the component's shifts of that
 * level (the top level's with sU too), the top level's ends with the component's U table
 * (initial probabilities of the U models).
 *
 * A band pass walks rows in runs of 32 coefficients. In T0 each run starts with a flag
 * "some value is non-zero" (context: previous run's flag, non-zero above, known magnitudes
 * in the run). A value whose magnitude p is already non-zero is refined: top bit modelled,
 * the rest raw. Otherwise its context is min(8, bitlen(2W + 2N + NW + NE + E + S (in U plus
 * 2 parent + 2 per other orientation + 4 Y, where already coded in the tile))) plus 9
 * when the parent (same orientation, one level up) is significant at this step; the value
 * is coded as a unary bit length, one modelled bit below the leading one and raw low bits,
 * then its sign, modelled by the W and N signs. W, N, NW, NE are read at this tier's
 * precision when already coded in the same stream, everything else at the previous tier's.
 *
 * The encoder and the decoder run the same code (`dec` selects), so their contexts cannot
 * diverge. The levels cover whole bands; U covers one tile at a time and reads neighbours
 * outside the tile at the top level's precision, so chunks decode independently. */
#include "internal.h"
#include "par.h"
#include "v4_codec.h"
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <sys/mman.h>

static const double colour_weight[3] = { 3.0, 0.5, 0.75 };

#ifndef V4_TILE_LOG2
#define V4_TILE_LOG2 5
#endif

int v4_tile_log2_for(uint32_t w, uint32_t h, uint32_t B)
{
    int tl = V4_TILE_LOG2;    /* 32 px: more context per U tile than 16 px */
    while (tl > 0) {
        uint64_t tx = ((uint64_t)w + (1u << tl) - 1) >> tl, ty = ((uint64_t)h + (1u << tl) - 1) >> tl;
        if (tx * ty >= B)
            break;
        tl--;
    }
    return tl;
}

static void models_init(v4_model *m, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        for (int c = 0; c < V4_NCTX; c++)
            for (int k = 0; k < 32; k++)
                m[i].e[c][k] = m[i].m[c][k] = V4_PROB_INIT;
        for (int c = 0; c < 8; c++)
            m[i].z[c] = V4_PROB_INIT;
        for (int c = 0; c < 9; c++)
            m[i].sgn[c] = V4_PROB_INIT;
    }
}

void v4_image_reset(v4_image *im)
{
    size_t n = (size_t)im->w * im->h;
    for (int c = 0; c < im->ncomp; c++) {
        memset(im->known[c], 0, n * sizeof(int32_t));
        memset(im->fine[c], 0, n * sizeof(int32_t));
        memset(im->sign[c], 0, n);
    }
    memset(im->tile_u, 0, (size_t)im->tiles_x * im->tiles_y);
    models_init(im->models, (size_t)im->ncomp * im->nbands * im->np);
    models_init(im->uinit, (size_t)im->ncomp * im->nbands);
}

/* A coefficient plane. Large ones ask for transparent huge pages: a 12 MP decode touches
 * 330 MB of fresh planes, and 2 MiB pages take 512 times fewer faults. free() releases it. */
static void *plane_alloc(size_t bytes)
{
    const size_t huge = (size_t)2 << 20;
    if (bytes < 4 * huge)
        return malloc(bytes);
    void *p = NULL;
    if (posix_memalign(&p, huge, bytes))
        return NULL;
#ifdef MADV_HUGEPAGE
    madvise(p, bytes, MADV_HUGEPAGE);     /* advice: without it, ordinary pages */
#endif
    return p;
}

int v4_image_alloc(v4_image *im, uint32_t w, uint32_t h, int ncomp, uint32_t B, int enc)
{
    memset(im, 0, sizeof *im);
    im->w = w; im->h = h; im->ncomp = ncomp; im->B = B;
    im->np = (int)v4_ladder(B, im->m);
    im->levels = v4_levels(w, h);
    im->nbands = v4_bands(w, h, im->levels, im->bands);
    double bw[1 + 3 * V4_MAX_LEVELS];
    v4_band_weights(w, h, im->levels, bw);
    for (int c = 0; c < ncomp; c++)
        for (int b = 0; b < im->nbands; b++)
            im->weight[c * im->nbands + b] = bw[b] * colour_weight[c];
    im->lattice = v4_lattice_for(B);
    im->tile_log2 = v4_tile_log2_for(w, h, B);
    im->tiles_x = (w + (1u << im->tile_log2) - 1) >> im->tile_log2;
    im->tiles_y = (h + (1u << im->tile_log2) - 1) >> im->tile_log2;
    size_t n = (size_t)w * h;
    for (int c = 0; c < ncomp; c++) {
        if (enc && !(im->coef[c] = plane_alloc(n * sizeof(int32_t))))
            goto oom;
        if (!(im->known[c] = plane_alloc(n * sizeof(int32_t))) ||
            !(im->fine[c] = plane_alloc(n * sizeof(int32_t))) || !(im->sign[c] = plane_alloc(n)))
            goto oom;
        /* The decoder dequantises in place (fine[] is read once per coefficient, then
         * replaced); the encoder measures several times and keeps fine[]. */
        if (!enc)
            im->rec[c] = im->fine[c];
        else if (!(im->rec[c] = plane_alloc(n * sizeof(int32_t))))
            goto oom;
    }
    im->tile_u = malloc((size_t)im->tiles_x * im->tiles_y);
    im->models = malloc((size_t)ncomp * im->nbands * im->np * sizeof(v4_model));
    im->uinit = malloc((size_t)ncomp * im->nbands * sizeof(v4_model));
    if (!im->tile_u || !im->models || !im->uinit)
        goto oom;
    im->shared_rec = !enc;
    /* T0 reads known[] as its (zero) previous tier; the decoder reads fine[] / sign[] only
     * where they were written. */
    if (enc)
        v4_image_reset(im);
    else {
        /* known[] is cleared by v4_decode_tiers, one component per thread */
        memset(im->tile_u, 0, (size_t)im->tiles_x * im->tiles_y);
        models_init(im->models, (size_t)ncomp * im->nbands * im->np);
        models_init(im->uinit, (size_t)ncomp * im->nbands);
    }
    return 0;
oom:
    v4_image_free(im);
    return -1;
}

void v4_image_free(v4_image *im)
{
    for (int c = 0; c < 3; c++) {
        free(im->coef[c]); free(im->known[c]); free(im->sign[c]);
        if (im->rec[c] != im->fine[c])
            free(im->rec[c]);
        free(im->fine[c]);
        im->coef[c] = im->known[c] = im->fine[c] = im->rec[c] = NULL;
        im->sign[c] = NULL;
    }
    free(im->tile_u); free(im->models); free(im->uinit);
    im->tile_u = NULL; im->models = NULL; im->uinit = NULL;
}

static inline int bitlen(uint32_t v) { return v ? 32 - __builtin_clz(v) : 0; }

/* Activity class: the octave of act (half octaves, 17 classes, cost U 0.1 to 1.2 %: the
 * models learn slower than the classes separate). */
static inline int act_class(uint32_t act)
{
    int c = bitlen(act);
    return c > V4_NACT - 1 ? V4_NACT - 1 : c;
}

/* Zeros read in place of an absent cross-band term (indices below V4_ZROW). */
#define V4_ZROW 4096
static const int32_t zero_row[V4_ZROW];

/* U's activity also weighs magnitudes coded before in the same tile (weights measured on the
 * skimage photos: U -1.0 to -2.4 %): the parent, the other orientations at the same place,
 * and for Co / Cg the Y band at the same place. */
#ifndef XW_PAR
#define XW_PAR 2
#endif
#ifndef XW_SIB
#define XW_SIB 2
#endif
#ifndef XW_Y
#define XW_Y 4
#endif

/* One coder, two directions. */
typedef struct coder {
    v4_enc *e;
    v4_dec *d;
    v4_counts *cnt;           /* counting pass (encoder, U statistics): no output */
} coder;

enum { M_ENC, M_DEC, M_CNT };   /* code_rect instantiations: encode, decode, count */

static inline __attribute__((always_inline)) uint32_t
code_value(coder *k, v4_dec *dec, const int mode, v4_model *md, int ctx, uint32_t v, int emax)
{
    v4_prob *pe = md ? md->e[ctx] : NULL;     /* NULL in the counting pass */
    int n = 0;
    if (ctx >= V4_REF_CTX && emax <= 24) {
        /* Refinement of a non-zero magnitude: nearly uniform bits; the top one is
         * modelled, the rest are raw. */
        if (mode == M_CNT) {
            k->cnt->m[ctx][0][(v >> (emax - 1)) & 1]++;
            return v;
        }
        if (mode == M_DEC) {
            uint32_t top = (uint32_t)v4_dec_bit(dec, &md->m[ctx][0]);
            return top << (emax - 1) | v4_dec_raw(dec, emax - 1);
        }
        v4_enc_bit(k->e, &md->m[ctx][0], (v >> (emax - 1)) & 1);
        v4_enc_raw(k->e, v, emax - 1);
        return v;
    }
    if (mode == M_DEC) {
        while (n < emax && v4_dec_bit(dec, &pe[n]))
            n++;
        if (n == 0)
            return 0;
        if (n == 1)
            return 1;
        uint32_t top = 2u | (uint32_t)v4_dec_bit(dec, &md->m[ctx][n]);
        return top << (n - 2) | v4_dec_raw(dec, n - 2);
    }
    int len = bitlen(v);
    if (mode == M_CNT) {
        for (n = 0; n < emax; n++) {
            k->cnt->e[ctx][n][len > n]++;
            if (len <= n)
                break;
        }
        if (len >= 2)
            k->cnt->m[ctx][len][(v >> (len - 2)) & 1]++;
        return v;
    }
    for (n = 0; n < emax; n++) {
        v4_enc_bit(k->e, &pe[n], len > n);
        if (len <= n)
            break;
    }
    if (len >= 2) {
        v4_enc_bit(k->e, &md->m[ctx][len], (v >> (len - 2)) & 1);
        v4_enc_raw(k->e, v, len - 2);
    }
    return v;
}

/* Code the rectangle [rx0,rx1) x [ry0,ry1) (band-relative) of band b of component c for
 * tier t. cur receives the new values; prev holds the previous tier's (for the levels both
 * are known[c]; for U, cur = fine[c] and prev = known[c]). */
static inline __attribute__((always_inline)) void
code_rect_as(v4_image *im, int c, int b, int t, uint32_t rx0, uint32_t ry0, uint32_t rx1,
             uint32_t ry1, int32_t *cur, const int32_t *prev, v4_model *md, coder *k,
             const int mode)
{
    const v4_band *bd = &im->bands[b];
    int gb = c * im->nbands + b;
    int s = im->shift[gb][t], sp = t ? im->shift[gb][t - 1] : V4_MAX_SHIFT + 1;
    int nb = sp - s, emax = nb;
    const size_t W = im->w;
    if (rx0 >= rx1 || ry0 >= ry1)
        return;
    if (nb <= 0) {              /* nothing coded: the tier adds no bits */
        if (cur != prev && mode != M_CNT)
            for (uint32_t y = ry0; y < ry1; y++) {
                size_t row = (size_t)(bd->y0 + y) * W + bd->x0;
                memcpy(cur + row + rx0, prev + row + rx0, (rx1 - rx0) * sizeof *cur);
            }
        return;
    }
    const int32_t *exact = im->coef[c];
    /* The decoder state and the band geometry live in registers for the rectangle (stores
     * to cur[] could otherwise alias them). */
    v4_dec dloc, *dec = &dloc;
    if (mode == M_DEC)
        dloc = *k->d;
    uint8_t *sg = im->sign[c];
    const uint32_t mask = nb >= 32 ? 0xFFFFFFFFu : (1u << nb) - 1;
    const uint32_t bw = bd->w, bh = bd->h;
    /* Parent: same orientation one level up, known at this tier (levels: coded earlier in
     * the same pass) or at the top level (U). It is "significant" when its value reaches 2^s. */
    const int32_t *par = NULL;
    uint32_t pw = 0, ph = 0, pthr = 1;
    if (bd->orient && bd->level < im->levels && im->bands[b - 3].w && im->bands[b - 3].h) {
        const v4_band *pb = &im->bands[b - 3];
        int plev = im->shift[gb - 3][t < im->np ? t : im->np - 1];
        par = im->known[c] + (size_t)pb->y0 * W + pb->x0;
        pw = pb->w; ph = pb->h;
        pthr = plev >= s ? 1u : 1u << (s - plev);
    }
    /* U only: magnitudes already coded in this tile at the same precision (sU equal): the
     * parent (same tile when its level is at most the tile's log2 side), the bands of the
     * other orientations of this level at the same position, and for Co / Cg the Y band.
     * The levels: the parent and the other orientations (coded before in the pass), scaled
     * to this band's shift (-0.1 to -0.3 % of the total). */
    const int32_t *xpar = NULL, *xsib[2] = { NULL, NULL }, *xy = NULL;
    uint32_t xsw[2] = { 0, 0 }, xsh[2] = { 0, 0 };
    int xpd = 0, xsd[2] = { 0, 0 };
    if (t == im->np) {
        if (par && bd->level + 1 <= im->tile_log2 && im->shift[gb - 3][t] == s)
            xpar = im->fine[c] + (size_t)im->bands[b - 3].y0 * W + im->bands[b - 3].x0;
        for (int j = 0; j < 2 && j < bd->orient - 1; j++) {
            const v4_band *sb = &im->bands[b - 1 - j];
            if (im->shift[gb - 1 - j][t] != s)
                continue;
            xsib[j] = im->fine[c] + (size_t)sb->y0 * W + sb->x0;
            xsw[j] = sb->w; xsh[j] = sb->h;
        }
        if (c > 0 && im->shift[b][t] == s)
            xy = im->fine[0] + (size_t)bd->y0 * W + bd->x0;
    } else {
        if (par) {
            xpar = im->known[c] + (size_t)im->bands[b - 3].y0 * W + im->bands[b - 3].x0;
            xpd = im->shift[gb - 3][t] - s;
        }
        for (int j = 0; j < 2 && j < bd->orient - 1; j++) {
            const v4_band *sb = &im->bands[b - 1 - j];
            xsib[j] = im->known[c] + (size_t)sb->y0 * W + sb->x0;
            xsw[j] = sb->w; xsh[j] = sb->h;
            xsd[j] = im->shift[gb - 1 - j][t] - s;
        }
    }
    /* Below xlim every term is in range (absent ones read zeros), so they add without
     * tests; the shift to this band's precision is (v << ls) >> rs. */
    uint32_t xlim = V4_ZROW;
    if (xpar && 2 * pw < xlim)
        xlim = 2 * pw;
    for (int j = 0; j < 2; j++)
        if (xsib[j] && xsw[j] < xlim)
            xlim = xsw[j];
    const int pls = xpd > 0 ? (xpd > 24 ? 24 : xpd) : 0, prs = xpd < 0 ? (xpd < -31 ? 31 : -xpd) : 0;
    const int sls0 = xsd[0] > 0 ? (xsd[0] > 24 ? 24 : xsd[0]) : 0;
    const int srs0 = xsd[0] < 0 ? (xsd[0] < -31 ? 31 : -xsd[0]) : 0;
    const int sls1 = xsd[1] > 0 ? (xsd[1] > 24 ? 24 : xsd[1]) : 0;
    const int srs1 = xsd[1] < 0 ? (xsd[1] < -31 ? 31 : -xsd[1]) : 0;
    const int xunit = !(pls | prs | sls0 | srs0 | sls1 | srs1);   /* U: all at this shift */
    for (uint32_t y = ry0; y < ry1; y++) {
        const size_t row = (size_t)(bd->y0 + y) * W + bd->x0;
        const int32_t *prow = par ? par + (size_t)(y >> 1 < ph ? y >> 1 : ph - 1) * W : NULL;
        const int32_t *xprow = xpar && y >> 1 < ph ? xpar + (size_t)(y >> 1) * W : NULL;
        const int32_t *xsrow0 = xsib[0] && y < xsh[0] ? xsib[0] + (size_t)y * W : NULL;
        const int32_t *xsrow1 = xsib[1] && y < xsh[1] ? xsib[1] + (size_t)y * W : NULL;
        const int32_t *xyrow = xy ? xy + (size_t)y * W : NULL;
        const int32_t *zp = xprow ? xprow : zero_row, *zs0 = xsrow0 ? xsrow0 : zero_row,
                      *zs1 = xsrow1 ? xsrow1 : zero_row, *zy = xyrow ? xyrow : zero_row;
        const int hasn = y > ry0, top = y == 0, last = y + 1 >= bh;
        /* interior coefficients of this row: x - rx0 - 1 < nin (x > rx0, x + 1 < rx1, bw) */
        const uint32_t xend = rx1 < bw ? rx1 : bw;
        const uint32_t nin = hasn && !last && xend > rx0 + 2 ? xend - rx0 - 2 : 0;
        int left_nz = 0;
        /* Tile rows are short and far apart: fetch the rows two ahead (their memory is
         * otherwise touched cold, one cache miss per array per row). */
        if (y + 2 < bh)
            for (uint32_t x = rx0; x < rx1 + 16; x += 16) {
                size_t j = row + 2 * W + (x < rx1 ? x : rx1 - 1);
                __builtin_prefetch(prev + j);
                __builtin_prefetch(cur + j, 1);
                __builtin_prefetch(sg + j, 1);
            }
        for (uint32_t xs = rx0; xs < rx1; xs += V4_SEG) {
        uint32_t xe = xs + V4_SEG < rx1 ? xs + V4_SEG : rx1;
        /* Segment flag (T0 only): does any value of this tier in [xs, xe) differ from zero? */
        int anyv = 1;
        if (t < 1) {
            int anyp = 0, above = 0;
            anyv = 0;
            for (uint32_t x = xs; x < xe; x++) {
                anyp |= prev[row + x] != 0;
                if (mode != M_DEC) {
                    uint32_t a = (uint32_t)(exact[row + x] < 0 ? -exact[row + x] : exact[row + x]);
                    anyv |= ((a >> s) & mask) != 0;
                }
            }
            if (y > 0) {
                uint32_t a0 = xs > 0 ? xs - 1 : 0, a1 = xe + 1 < bw ? xe + 1 : bw;
                for (uint32_t x = a0; x < a1 && !above; x++) {
                    int inside = y > ry0 && x >= rx0 && x < rx1;
                    above = (inside ? cur : prev)[row - W + x] != 0;
                }
            }
            int fctx = left_nz + 2 * above + 4 * anyp;
            if (mode == M_DEC)
                anyv = v4_dec_bit(dec, &md->z[fctx]);
            else if (mode == M_ENC)
                v4_enc_bit(k->e, &md->z[fctx], anyv);
            left_nz = anyv;
            if (!anyv) {
                for (uint32_t x = xs; x < xe; x++)
                    cur[row + x] = (int32_t)((uint32_t)prev[row + x] << nb);
                continue;
            }
        }
        for (uint32_t x = xs; x < xe; x++) {
            const size_t i = row + x;
            const uint32_t p = (uint32_t)prev[i];
            /* activity: W, N twice; NW, NE, E, S once; this tier's values where already
             * coded in this rectangle, the previous tier's (scaled) elsewhere. Computed for
             * every coefficient and selected without a branch: whether p is zero is
             * unpredictable, the interior test is not. */
            uint32_t act;
            if (x - rx0 - 1 < nin) {
                act = 2u * (uint32_t)cur[i - 1] + 2u * (uint32_t)cur[i - W] +
                      (uint32_t)cur[i - W - 1] + (uint32_t)cur[i - W + 1] +
                      (((uint32_t)prev[i + 1] + (uint32_t)prev[i + W]) << nb);
            } else {
                const int hasw = x > rx0, right = x + 1 < bw;
                act = 0;
                if (hasw)
                    act += 2u * (uint32_t)cur[i - 1];
                else if (x > 0)
                    act += 2u * ((uint32_t)prev[i - 1] << nb);
                if (hasn)
                    act += 2u * (uint32_t)cur[i - W];
                else if (!top)
                    act += 2u * ((uint32_t)prev[i - W] << nb);
                if (!top) {
                    if (x > 0)
                        act += hasw && hasn ? (uint32_t)cur[i - W - 1]
                                            : (uint32_t)prev[i - W - 1] << nb;
                    if (right)
                        act += x + 1 < rx1 && hasn ? (uint32_t)cur[i - W + 1]
                                                   : (uint32_t)prev[i - W + 1] << nb;
                }
                if (right)
                    act += (uint32_t)prev[i + 1] << nb;
                if (!last)
                    act += (uint32_t)prev[i + W] << nb;
            }
            if (x < xlim && xunit) {
                act += XW_PAR * (uint32_t)zp[x >> 1] + XW_SIB * ((uint32_t)zs0[x] + (uint32_t)zs1[x]) +
                       XW_Y * (uint32_t)zy[x];
            } else if (x < xlim) {
                act += XW_PAR * ((uint32_t)zp[x >> 1] << pls >> prs) +
                       XW_SIB * (((uint32_t)zs0[x] << sls0 >> srs0) + ((uint32_t)zs1[x] << sls1 >> srs1)) +
                       XW_Y * (uint32_t)zy[x];
            } else {
                if (xprow && x >> 1 < pw)
                    act += XW_PAR * ((uint32_t)xprow[x >> 1] << pls >> prs);
                if (xsrow0 && x < xsw[0])
                    act += XW_SIB * ((uint32_t)xsrow0[x] << sls0 >> srs0);
                if (xsrow1 && x < xsw[1])
                    act += XW_SIB * ((uint32_t)xsrow1[x] << sls1 >> srs1);
                if (xyrow)
                    act += XW_Y * (uint32_t)xyrow[x];
            }
            int actx = act_class(act);
            if (prow)
                actx += (uint32_t)prow[x >> 1 < pw ? x >> 1 : pw - 1] >= pthr ? V4_NACT : 0;
            const int ctx = p ? V4_REF_CTX + (p >= 2) + (p >= 4) : actx;
            uint32_t v = 0;
            if (mode != M_DEC) {
                uint32_t a = (uint32_t)(exact[i] < 0 ? -exact[i] : exact[i]);
                v = (a >> s) & mask;
            }
            v = code_value(k, dec, mode, md, ctx, v, emax);
            if (!p && v && mode != M_CNT) {
                /* Sign context: signs of the W and N neighbours when they are known
                 * non-zero (same values the magnitude context read). */
                int sc = 0;
                int32_t wv = x > rx0 ? cur[i - 1] : x > 0 ? prev[i - 1] : 0;
                int32_t nv = hasn ? cur[i - W] : !top ? prev[i - W] : 0;
                if (wv)
                    sc += 1 + (mode == M_DEC ? sg[i - 1] : exact[i - 1] < 0);
                if (nv)
                    sc += 3 * (1 + (mode == M_DEC ? sg[i - W] : exact[i - W] < 0));
                if (mode == M_DEC)
                    sg[i] = (uint8_t)v4_dec_bit(dec, &md->sgn[sc]);
                else
                    v4_enc_bit(k->e, &md->sgn[sc], exact[i] < 0);
            }
            if (mode != M_CNT)  /* counting: fine[] already holds these values */
                cur[i] = (int32_t)(p << nb | v);
        }
        }
    }
    if (mode == M_DEC)
        *k->d = dloc;
}

static void code_rect(v4_image *im, int c, int b, int t, uint32_t rx0, uint32_t ry0,
                      uint32_t rx1, uint32_t ry1, int32_t *cur, const int32_t *prev,
                      v4_model *md, coder *k)
{
    if (k->d)
        code_rect_as(im, c, b, t, rx0, ry0, rx1, ry1, cur, prev, md, k, M_DEC);
    else if (k->cnt)
        code_rect_as(im, c, b, t, rx0, ry0, rx1, ry1, cur, prev, md, k, M_CNT);
    else
        code_rect_as(im, c, b, t, rx0, ry0, rx1, ry1, cur, prev, md, k, M_ENC);
}

/* T0 of the LL band: it is a small smooth picture, so its signed values q = +-(|c| >> s0) are
 * predicted from the decoded neighbours (median of W, N and W + N - NW) and only the residual
 * is coded: its magnitude as a value of context min(8, bitlen(|W - NW| + |N - NW|)), then its
 * sign. Copied into every chunk, T0 is where a bit saved counts B times. */
static void code_ll_t0(v4_image *im, int c, v4_model *md, coder *k)
{
    const v4_band *bd = &im->bands[0];
    int s = im->shift[c * im->nbands][0], nb = V4_MAX_SHIFT + 1 - s;
    if (nb <= 0 || !bd->w || !bd->h)
        return;
    const size_t W = im->w;
    int32_t *cur = im->known[c];
    uint8_t *sg = im->sign[c];
    const int32_t *exact = im->coef[c];
    const int dec = k->d != NULL;
    const int64_t lim = ((int64_t)1 << nb) - 1;
    int emax = nb + 2 > 30 ? 30 : nb + 2;
#define LL_Q(j) ((dec ? sg[j] : exact[j] < 0) ? -(int64_t)cur[j] : (int64_t)cur[j])
    for (uint32_t y = 0; y < bd->h; y++)
        for (uint32_t x = 0; x < bd->w; x++) {
            size_t i = (size_t)(bd->y0 + y) * W + bd->x0 + x;
            int64_t w = x ? LL_Q(i - 1) : y ? LL_Q(i - W) : 0;
            int64_t n = y ? LL_Q(i - W) : w;
            int64_t nw = x && y ? LL_Q(i - W - 1) : n;
            int64_t lo = w < n ? w : n, hi = w < n ? n : w, g = w + n - nw;
            int64_t pred = g < lo ? lo : g > hi ? hi : g;
            int64_t act = (w > nw ? w - nw : nw - w) + (n > nw ? n - nw : nw - n);
            int ctx = bitlen((uint32_t)(act > 0xFFFFFF ? 0xFFFFFF : act));
            ctx = ctx > 8 ? 8 : ctx;
            int64_t q = 0, r = 0;
            if (!dec) {
                uint32_t a = (uint32_t)(exact[i] < 0 ? -exact[i] : exact[i]);
                q = (int64_t)(a >> s);
                q = exact[i] < 0 ? -q : q;
                r = q - pred;
            }
            uint32_t mag = (uint32_t)(r < 0 ? -r : r);
            int neg = r < 0;
            if (dec) {
                mag = code_value(k, k->d, M_DEC, md, ctx, 0, emax);
                neg = mag ? v4_dec_bit(k->d, &md->sgn[ctx]) : 0;
                q = pred + (neg ? -(int64_t)mag : (int64_t)mag);
                q = q < -lim ? -lim : q > lim ? lim : q;
                sg[i] = q < 0;
            } else {
                code_value(k, NULL, M_ENC, md, ctx, mag, emax);
                if (mag)
                    v4_enc_bit(k->e, &md->sgn[ctx], neg);
            }
            cur[i] = (int32_t)(q < 0 ? -q : q);
        }
#undef LL_Q
}

/* Known magnitude q at shift s -> reconstruction point inside [q 2^s, (q+1) 2^s): a bit
 * below the middle, as wavelet magnitudes fall off inside each step. */
static inline int32_t recon(uint32_t q, int s, int neg)
{
    if (!q)
        return 0;
    int64_t m = ((int64_t)q << s) + ((V4_RECON_NUM * ((int64_t)1 << s)) >> 4);
    if (m > (1 << 24))
        m = 1 << 24;
    return (int32_t)(neg ? -m : m);
}

/* U magnitudes q[0..n) at shift s (signs neg[]) -> reconstruction points; out may be q. */
static void recon_span(int32_t *out, const int32_t *q, const uint8_t *neg, size_t n, int s)
{
    if (s == 0) {
        /* Lossless U (the usual case): the value itself, signed; without branches, so the
         * loop vectorises (recon() with s = 0 gives the same). */
        for (size_t x = 0; x < n; x++) {
            int32_t m = q[x] > (1 << 24) ? (1 << 24) : q[x], ng = -(int32_t)(neg[x] & 1);
            out[x] = (m ^ ng) - ng;
        }
        return;
    }
    for (size_t x = 0; x < n; x++)
        out[x] = recon((uint32_t)q[x], s, neg[x]);
}

/* Band-relative range of coordinates [lo, hi) of a level-l band that fall in tile index
 * ti along an axis (tile side 2^tl, band length n). */
static void tile_span(uint32_t ti, int tl, int l, uint32_t n, uint32_t *lo, uint32_t *hi)
{
    uint64_t a = (uint64_t)ti << tl, z = (uint64_t)(ti + 1) << tl;
    uint64_t r = ((uint64_t)1 << l) - 1;
    uint64_t l0 = (a + r) >> l, l1 = (z + r) >> l;
    *lo = (uint32_t)(l0 < n ? l0 : n);
    *hi = (uint32_t)(l1 < n ? l1 : n);
}

/* U of the tiles of `chunk` (all tiles when chunk == UINT32_MAX: the counting pass). */
static int u_pass(v4_image *im, uint32_t chunk, v4_model *model, coder *k, v4_counts *cnts,
                  int only_c)
{
    size_t nm = (size_t)im->ncomp * im->nbands;
    if (model)
        memcpy(model, im->uinit, nm * sizeof *model);   /* initial state sent in the top level */
    for (uint32_t ty = 0; ty < im->tiles_y; ty++)
        for (uint32_t tx = 0; tx < im->tiles_x; tx++) {
            if (chunk != UINT32_MAX && v4_tile_chunk(im, tx, ty) != chunk)
                continue;
            for (int c = 0; c < im->ncomp; c++)
                for (int b = 0; b < im->nbands; b++) {
                    if (only_c >= 0 && c != only_c)
                        break;
                    const v4_band *bd = &im->bands[b];
                    uint32_t x0, x1, y0, y1;
                    tile_span(tx, im->tile_log2, bd->level, bd->w, &x0, &x1);
                    tile_span(ty, im->tile_log2, bd->level, bd->h, &y0, &y1);
                    if (cnts)
                        k->cnt = &cnts[c * im->nbands + b];
                    code_rect(im, c, b, im->np, x0, y0, x1, y1, im->fine[c], im->known[c],
                              model ? &model[c * im->nbands + b] : NULL, k);
                }
            if (cnts)
                continue;
            im->tile_u[(size_t)ty * im->tiles_x + tx] = 1;
            if (k->d && im->shared_rec) {
                /* Decoder: dequantise the tile now, while it is in cache (no other tile
                 * reads this tile's fine[]; rec[] is fine[] in place). */
                for (int c = 0; c < im->ncomp; c++)
                    for (int b = 0; b < im->nbands; b++) {
                        const v4_band *bd = &im->bands[b];
                        int su = im->shift[c * im->nbands + b][im->np];
                        uint32_t x0, x1, y0, y1;
                        tile_span(tx, im->tile_log2, bd->level, bd->w, &x0, &x1);
                        tile_span(ty, im->tile_log2, bd->level, bd->h, &y0, &y1);
                        for (uint32_t y = y0; y < y1; y++) {
                            size_t i = (size_t)(bd->y0 + y) * im->w + bd->x0 + x0;
                            recon_span(im->fine[c] + i, im->fine[c] + i, im->sign[c] + i,
                                       x1 - x0, su);
                        }
                    }
                im->tile_u[(size_t)ty * im->tiles_x + tx] = 2;
            }
        }
    return 0;
}

int v4_code_u(v4_image *im, uint32_t chunk, v4_model *model, v4_enc *e)
{
    coder k = { e, NULL, NULL };
    u_pass(im, chunk, model, &k, NULL, -1);
    return v4_enc_finish(e);
}

int v4_decode_u(v4_image *im, uint32_t chunk, v4_model *model, const uint8_t *buf, size_t len)
{
    v4_dec d;
    v4_dec_init(&d, buf, len);
    coder k = { NULL, &d, NULL };
    return u_pass(im, chunk, model, &k, NULL, -1);
}

/* ---- the U initial-probability table, sent at the end of the top level (doc/holo4.md §Entropy coding: U
 * learns nothing per chunk from scratch). For each band with U bits, each context and each binary
 * decision (bit-length steps e[k], k < nb; first mantissa bit m[n], 2 <= n <= nb): a flag, then 6
 * bits q giving P(0) = q/64 when the decision occurred often enough. */
#ifndef UT_MIN
#define UT_MIN 64             /* rarer decisions learn faster than their table entry costs */
#endif

static int u_nb(const v4_image *im, int gb) { return im->shift[gb][im->np - 1] - im->shift[gb][im->np]; }

static v4_prob q_to_prob(unsigned q) { return (v4_prob){ (uint16_t)(q << 10), (uint16_t)(q << 10) }; }

static unsigned counts_to_q(const uint32_t c[2])
{
    double p0 = (c[0] + 0.5) / (c[0] + c[1] + 1.0);
    long q = lround(p0 * 64);
    return (unsigned)(q < 1 ? 1 : q > 63 ? 63 : q);
}

static void table_io(v4_image *im, int c0, coder *k, const v4_counts *cnts)
{
    v4_prob flag = V4_PROB_INIT;
    models_init(im->uinit + c0 * im->nbands, (size_t)im->nbands);
    for (int gb = c0 * im->nbands; gb < (c0 + 1) * im->nbands; gb++) {
        int nb = u_nb(im, gb);
        if (nb <= 0)
            continue;
        for (int ctx = 0; ctx < V4_NCTX; ctx++)
            for (int j = 0; j < 2 * nb; j++) {
                /* j < nb: e[j]; else m[n] with n = j - nb + 1 (n = 1 is never used) */
                int isE = j < nb, idx = isE ? j : j - nb + 1;
                if (!isE && idx < 2 && !(idx == 1 && ctx >= V4_REF_CTX))
                    continue;
                if (!isE && idx == 1)
                    idx = 0;          /* refinement top bit */
                v4_prob *dst = isE ? &im->uinit[gb].e[ctx][idx] : &im->uinit[gb].m[ctx][idx];
                int have;
                unsigned q = 0;
                if (k->d) {
                    have = v4_dec_bit(k->d, &flag);
                    if (have)
                        q = v4_dec_raw(k->d, 6);
                } else {
                    const uint32_t *c = isE ? cnts[gb].e[ctx][idx] : cnts[gb].m[ctx][idx];
                    have = c[0] + c[1] >= UT_MIN;
                    v4_enc_bit(k->e, &flag, have);
                    if (have) {
                        q = counts_to_q(c);
                        v4_enc_raw(k->e, q, 6);
                    }
                }
                if (have)
                    *dst = q_to_prob(q ? q : 1);
            }
    }
}

/* The shifts of one component at the head of its sub-stream of level t (copied into m[t]
 * chunks each, so coded tightly). T0: for each band in order, s0 minus the previous band's
 * s0 (0 for the first), zigzag-mapped (0, -1, 1, -2, ...); level t >= 1: s_{t-1} - s_t >= 0;
 * the top level then sU the same way below its own shift. Each number in unary with
 * adaptive models per step (steps past 7 share one) and, above T0, by whether the previous
 * band's number was 0. The decoder checks 0 <= s <= 28 and the order. */
static int shift_io(coder *k, v4_prob pm[2][8], int ctx, unsigned *z)
{
    if (k->d) {
        *z = 0;
        while (*z < 63 && v4_dec_bit(k->d, &pm[ctx][*z < 7 ? *z : 7]))
            (*z)++;
    } else {
        for (unsigned i = 0; i <= *z && i < 63; i++)
            v4_enc_bit(k->e, &pm[ctx][i < 7 ? i : 7], i < *z);
    }
    return 0;
}

static int shift_table_io(v4_image *im, int c, int t, coder *k)
{
    v4_prob pm[2][2][8];
    for (int j = 0; j < 2; j++)
        for (int x = 0; x < 2; x++)
            for (int i = 0; i < 8; i++)
                pm[j][x][i] = V4_PROB_INIT;
    int prev0 = 0, prevd[2] = { 0, 0 };
    int ntab = t == im->np - 1 ? 2 : 1;      /* the top level also carries sU */
    for (int gb = c * im->nbands; gb < (c + 1) * im->nbands; gb++)
        for (int j = 0; j < ntab; j++) {
            int tt = t + j;                   /* the shift coded: s_t, then sU */
            unsigned z = 0;
            if (tt == 0) {
                if (!k->d) {
                    int d = im->shift[gb][0] - prev0;
                    z = d >= 0 ? 2u * (unsigned)d : 2u * (unsigned)-d - 1;
                }
                shift_io(k, pm[0], 0, &z);
                if (k->d) {
                    int v = prev0 + ((z & 1) ? -(int)((z + 1) / 2) : (int)(z / 2));
                    if (v < 0 || v > V4_EMPTY_SHIFT)
                        return -1;
                    im->shift[gb][0] = (uint8_t)v;
                }
                prev0 = im->shift[gb][0];
                continue;
            }
            if (!k->d)
                z = (unsigned)(im->shift[gb][tt - 1] - im->shift[gb][tt]);
            shift_io(k, pm[j], prevd[j] != 0, &z);
            if (k->d) {
                int v = im->shift[gb][tt - 1] - (int)z;
                if (v < 0)
                    return -1;
                im->shift[gb][tt] = (uint8_t)v;
            }
            prevd[j] = (int)z;
        }
    return 0;
}

/* One component of level t: its shift table, the pass over its bands, (top level) its part
 * of the U table. Components are independent streams so they code in parallel. */
static int comp_tier(v4_image *im, int c, int t, coder *k)
{
    if (shift_table_io(im, c, t, k))
        return -1;
    for (int b = 0; b < im->nbands; b++) {
        const v4_band *bd = &im->bands[b];
        v4_model *md = &im->models[(c * im->nbands + b) * im->np + t];
        /* A level's models start where the band's models of the level below ended (its
         * decoder has that level): a band refined a plane at a time over many small levels
         * would otherwise learn its statistics anew in each. Not from the LL band's T0,
         * whose values are prediction residuals. A detail band coded for the first time
         * (T0, or nothing in the levels below) starts where the band of its orientation
         * one level up, coded just before, ended in this level. */
        int gb = c * im->nbands + b;
        if (b > 3 && (t == 0 || im->shift[gb][t - 1] >= V4_EMPTY_SHIFT))
            *md = md[-3 * im->np];
        else if (t > 1 || (t == 1 && b > 0))
            *md = md[-1];
        if (t == 0 && b == 0)
            code_ll_t0(im, c, md, k);
        else
            code_rect(im, c, b, t, 0, 0, bd->w, bd->h, im->known[c], im->known[c], md, k);
    }
    if (t == im->np - 1) {
        v4_counts *cnts = NULL;
        if (!k->d) {
            /* Count this component's U decisions over the whole image first. */
            cnts = calloc((size_t)im->ncomp * im->nbands, sizeof *cnts);
            if (!cnts)
                return -2;
            coder kc = { NULL, NULL, NULL };
            u_pass(im, UINT32_MAX, NULL, &kc, cnts, c);
        }
        table_io(im, c, k, cnts);
        free(cnts);
    }
    return 0;
}

typedef struct tier_job {
    v4_image *im;
    int c, t, rc;
    v4_enc e;
    v4_dec d;
} tier_job;

/* Component c of a level (components are independent: each has its own stream). */
static int tier_one(void *arg, unsigned c, unsigned thread)
{
    (void)thread;
    tier_job *j = (tier_job *)arg + c;
    coder k = { j->d.buf ? NULL : &j->e, j->d.buf ? &j->d : NULL, NULL };
    j->rc = comp_tier(j->im, j->c, j->t, &k);
    if (!j->d.buf && !j->rc && v4_enc_finish(&j->e))
        j->rc = -2;
    return 0;
}

/* Stream of a level: ncomp == 3 -> the lengths of components 0 and 1 (v4_leb_put), then the
 * three component streams; ncomp == 1 -> the one stream. */
int v4_code_tier(v4_image *im, int t, v4_enc *e, int threads)
{
    tier_job jobs[3];
    for (int c = 0; c < im->ncomp; c++) {
        jobs[c] = (tier_job){ .im = im, .c = c, .t = t };
        v4_enc_init(&jobs[c].e);
    }
    par_for((unsigned)im->ncomp, threads > 1 ? 2 : 1, tier_one, jobs);   /* two threads at most */
    int rc = 0;
    for (int c = 0; c < im->ncomp; c++)
        rc = rc ? rc : jobs[c].rc;
    if (!rc) {
        size_t tot = (im->ncomp == 3 ? 10 : 0);
        for (int c = 0; c < im->ncomp; c++)
            tot += jobs[c].e.len;
        e->buf = malloc(tot + 1);
        e->len = e->cap = 0;
        if (!e->buf || jobs[0].e.len > UINT32_MAX || (im->ncomp == 3 && jobs[1].e.len > UINT32_MAX))
            rc = -2;
        else {
            uint8_t *p = e->buf;
            if (im->ncomp == 3)
                for (int c = 0; c < 2; c++)
                    p += v4_leb_put(p, (uint32_t)jobs[c].e.len);
            for (int c = 0; c < im->ncomp; c++) {
                if (jobs[c].e.len)
                    memcpy(p, jobs[c].e.buf, jobs[c].e.len);
                p += jobs[c].e.len;
            }
            e->len = (size_t)(p - e->buf);
            e->cap = tot;
        }
    }
    for (int c = 0; c < im->ncomp; c++)
        v4_enc_free(&jobs[c].e);
    return rc ? -1 : 0;
}

/* Component sub-streams of a level stream (layout above). An empty stream gives empty
 * sub-streams (all zero); -1 when the lengths are cut short or do not fit. */
static int split_tier(const v4_image *im, const uint8_t *buf, size_t len, const uint8_t **sub,
                      size_t *sl)
{
    static const uint8_t none[1] = { 0 };
    sub[0] = sub[1] = sub[2] = none;
    sl[0] = sl[1] = sl[2] = 0;
    if (im->ncomp != 3) {
        if (len)
            sub[0] = buf, sl[0] = len;
        return 0;
    }
    if (len == 0)
        return 0;
    uint64_t l0, l1;
    size_t n0 = v4_leb_get(buf, len, &l0), n1 = n0 ? v4_leb_get(buf + n0, len - n0, &l1) : 0;
    if (!n0 || !n1 || l0 + l1 > len - n0 - n1)
        return -1;
    size_t h = n0 + n1;
    size_t off[3] = { h, h + l0, h + l0 + l1 }, l[3] = { l0, l1, len - h - l0 - l1 };
    for (int c = 0; c < 3; c++)
        if (l[c])
            sub[c] = buf + off[c], sl[c] = l[c];
    return 0;
}

typedef struct pipe_job {
    v4_image *im;
    const uint8_t *sub[V4_MAX_PT][3];  /* [level][component] */
    size_t sl[V4_MAX_PT][3];
    int upto;
} pipe_job;

/* Components are independent through the levels (contexts never cross them), so each one runs
 * its tiers in a row: no barrier between tiers, and three jobs share two cores well. */
static int pipe_one(void *arg, unsigned c, unsigned thread)
{
    (void)thread;
    pipe_job *j = arg;
    memset(j->im->known[c], 0, (size_t)j->im->w * j->im->h * sizeof(int32_t));
    for (int t = 0; t <= j->upto; t++) {
        v4_dec d;
        v4_dec_init(&d, j->sub[t][c], j->sl[t][c]);
        coder k = { NULL, &d, NULL };
        if (comp_tier(j->im, (int)c, t, &k))
            return -1;
    }
    return 0;
}

int v4_decode_tiers(v4_image *im, const uint8_t *const *bufs, const size_t *lens, int *upto,
                    int threads)
{
    pipe_job j = { .im = im };
    int top = -1;
    for (int t = 0; t <= *upto; t++) {
        if (!bufs[t] || split_tier(im, bufs[t], lens[t], j.sub[t], j.sl[t]))
            break;
        top = t;
    }
    if (top < 0)
        return -1;
    *upto = j.upto = top;
    return par_for((unsigned)im->ncomp, threads < 1 ? 1 : (unsigned)threads, pipe_one, &j);
}

int v4_check_t0(uint32_t w, uint32_t h, int ncomp, const uint8_t *t0, size_t len)
{
    v4_image im;          /* geometry only: shift_table_io reads nbands, np, writes shift[] */
    memset(&im, 0, sizeof im);
    im.np = 2;            /* T0 is never the top level here (v4_ladder gives np >= 2) */
    im.w = w;
    im.h = h;
    im.ncomp = ncomp;
    im.levels = v4_levels(w, h);
    im.nbands = v4_bands(w, h, im.levels, im.bands);
    const uint8_t *sub[3];
    size_t sl[3];
    if (split_tier(&im, t0, len, sub, sl))
        return -1;
    for (int c = 0; c < ncomp; c++) {
        v4_dec d;
        v4_dec_init(&d, sub[c], sl[c]);
        coder k = { NULL, &d, NULL };
        if (shift_table_io(&im, c, 0, &k))
            return -1;
    }
    return 0;
}

/* tile_u: 0 = no U (dequantise from known[]), 1 = U in fine[], 2 = already dequantised in
 * place by the decoder's U pass. Rows are walked tile span by tile span. */
static void dequant_comp(v4_image *im, int c, int have, int known_tier)
{
    const size_t W = im->w;
    for (int b = 0; b < im->nbands; b++) {
        const v4_band *bd = &im->bands[b];
        int gb = c * im->nbands + b;
        int sk = have >= 0 ? im->shift[gb][have] : 0, su = im->shift[gb][im->np];
        /* known[] may hold a finer tier than `have` (encoder measurements) */
        int drop = have >= 0 && known_tier > have ? sk - im->shift[gb][known_tier] : 0;
        int tl = im->tile_log2, l = bd->level;
        int32_t *rec = im->rec[c], *fine = im->fine[c], *known = im->known[c];
        const uint8_t *sign = im->sign[c];
        for (uint32_t y = 0; y < bd->h; y++) {
            size_t row = (size_t)(bd->y0 + y) * W + bd->x0;
            const uint8_t *tu = im->tile_u + (size_t)(((uint64_t)y << l) >> tl) * im->tiles_x;
            for (uint32_t tx = 0, x0 = 0; x0 < bd->w; tx++) {
                uint32_t lo, x1;
                tile_span(tx, tl, l, bd->w, &lo, &x1);
                if (x1 <= x0)
                    continue;
                int state = have >= im->np - 1 ? tu[tx] : 0;
                if (state == 1)
                    recon_span(rec + row + x0, fine + row + x0, sign + row + x0, x1 - x0, su);
                else if (state == 0 && have >= 0)
                    for (uint32_t x = x0; x < x1; x++)
                        rec[row + x] = recon((uint32_t)known[row + x] >> drop, sk, sign[row + x]);
                else if (state == 0)
                    memset(rec + row + x0, 0, (x1 - x0) * sizeof *rec);
                x0 = x1;
            }
        }
    }
}

void v4_dequant(v4_image *im, int have, int known_tier)
{
    for (int c = 0; c < im->ncomp; c++)
        dequant_comp(im, c, have, known_tier);
}

typedef struct inv_job {
    v4_image *im;
    int c, have, known_tier;
    uint8_t *rgb;
    size_t from, to;
} inv_job;

/* Component c dequantised and inverse-transformed. */
static int inv_one(void *arg, unsigned c, unsigned thread)
{
    (void)thread;
    inv_job *j = (inv_job *)arg + c;
    dequant_comp(j->im, j->c, j->have, j->known_tier);
    return v4_dwt_inv(j->im->rec[j->c], j->im->w, j->im->h, j->im->levels) ? -1 : 0;
}

/* Half h of the pixels to RGB. */
static int colour_one(void *arg, unsigned h, unsigned thread)
{
    (void)thread;
    inv_job *j = (inv_job *)arg + h;
    v4_image *im = j->im;
    if (im->ncomp == 3) {
        v4_ycocg_inv(im->rec[0] + j->from, im->rec[1] + j->from, im->rec[2] + j->from,
                     j->to - j->from, j->rgb + 3 * j->from);
    } else {
        for (size_t i = j->from; i < j->to; i++) {
            int32_t v = im->rec[0][i];
            uint8_t g = v < 0 ? 0 : v > 255 ? 255 : (uint8_t)v;
            j->rgb[3 * i] = j->rgb[3 * i + 1] = j->rgb[3 * i + 2] = g;
        }
    }
    return 0;
}

int v4_reconstruct(v4_image *im, int have, int known_tier, uint8_t *rgb, int threads)
{
    inv_job jobs[3];
    unsigned cap = threads < 1 ? 1 : (unsigned)threads;
    for (int c = 0; c < im->ncomp; c++)
        jobs[c] = (inv_job){ .im = im, .c = c, .have = have, .known_tier = known_tier };
    if (par_for((unsigned)im->ncomp, cap, inv_one, jobs))
        return -1;
    /* Colour transform in two halves. */
    size_t n = (size_t)im->w * im->h;
    inv_job cj[2] = { { .im = im, .rgb = rgb, .from = 0, .to = n / 2 },
                      { .im = im, .rgb = rgb, .from = n / 2, .to = n } };
    par_for(2, cap, colour_one, cj);
    return 0;
}

/* ---- the shifts as coded ------------------------------------------------------------- */
void v4_band_maxima(v4_image *im)
{
    for (int c = 0; c < im->ncomp; c++)
        for (int b = 0; b < im->nbands; b++) {
            const v4_band *bd = &im->bands[b];
            uint32_t m = 0;
            for (uint32_t y = 0; y < bd->h; y++) {
                const int32_t *r = im->coef[c] + (size_t)(bd->y0 + y) * im->w + bd->x0;
                for (uint32_t x = 0; x < bd->w; x++) {
                    uint32_t a = (uint32_t)(r[x] < 0 ? -r[x] : r[x]);
                    m = a > m ? a : m;
                }
            }
            im->amax[c * im->nbands + b] = m;
        }
}

/* The shifts as coded: a tier that holds only zeros in a band (its largest magnitude is
 * below 2^s_t) is marked empty, s0 = 28 or s_t = s_t-1, and costs nothing; every tier's
 * values stay the same. The model keeps its own shifts: swap in, code, swap back. */
void v4_coded_shifts(v4_image *im, uint8_t model[V4_MAX_BANDS][V4_TIERS])
{
    memcpy(model, im->shift, sizeof im->shift);
    for (int gb = 0; gb < im->ncomp * im->nbands; gb++)
        for (int t = 0; t < im->np; t++)
            if ((im->amax[gb] >> im->shift[gb][t]) == 0)
                im->shift[gb][t] = t ? im->shift[gb][t - 1] : V4_EMPTY_SHIFT;
}

int v4_code_t0(v4_image *im, v4_enc *e, int threads)
{
    uint8_t model[V4_MAX_BANDS][V4_TIERS];
    v4_enc_init(e);
    v4_coded_shifts(im, model);
    v4_image_reset(im);
    int rc = v4_code_tier(im, 0, e, threads);
    memcpy(im->shift, model, sizeof model);
    return rc;
}
