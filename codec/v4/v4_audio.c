/* v4_audio.c — the HO4A codec core (layout in v4_audio.h and holo(5) "HO4A"). */
#include "v4_audio.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "internal.h"
#include "par.h"
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#include "v4_container.h"

#define HOP_MIN 256u                  /* MDCT coefficients per frame: 256 (speech, transients) */
#define HOP_MAX 1024u                 /* to 1024 (tonal music), chosen per file */
#define BAND 16u                      /* coefficients per band (zero flags) and per U tile */
#define SHARE_GROUPS 16u              /* the U shares are coded in 16 groups (i mod 16), which the
                                         two threads take in turn as they become free; small groups
                                         (was 8) end the threads' last tasks closer together (decode:
                                         median gap 14 -> 4 ms, 30 s stereo); bytes do not depend on it */
#define PARAM_LEN 40u
#define DELTA_FINE 2.5                /* the lossless quantiser step (sample units; measured 2-3 best) */

/* ---- value coding on the binary range coder ---------------------------------------------- */
/* A value: zero flag, sign, bit length nb, the bit below the leading one, raw low bits. The
 * bit length is coded as steps away from a start `pred` the context predicts (revision 2; 1
 * starts at 1): "nb >= pred" (dn[0]), then unary up (eg) or down (dn), so a well-predicted
 * length costs two or three decisions instead of nb. */
/* Revision 3, in the U shares only: min(nb, 15) (0: the value is zero) is one letter of a
 * 16-letter alphabet whose cumulative frequencies adapt (a fast and a slow estimate, as
 * v4_prob); nb >= 15 continues unary in eg[]. A U value (nb spread over 0..8) then costs one
 * multi-way decision instead of the zero flag and two to five length steps, with fewer
 * mispredicted branches: U share decode CPU 72 -> 62 ms per 30 s stereo, bytes +0.2%. The
 * coarse layers and the remainder (mostly 0 and +-1: one or two decisions) were slower with
 * letters (remainder 33 -> 47 ms), so they keep the binary steps. */
#define NSYM 16u
typedef struct v4a_cdf {
    uint16_t fast[NSYM], slow[NSYM];  /* Q15 estimates of P(letter < i); [0] stays 0 */
    uint16_t seen;                    /* letters coded, to 255: the slow estimate adapts at 1/32
                                         for the first 32, 1/64 to 255, then 1/128 */
} v4a_cdf;

typedef struct vmodel {
    v4_prob zero, sign, eg[33], mant[33], dn[33];   /* sign: adaptive only to avoid the raw coder's division */
    v4a_cdf len;                      /* revision 3, U shares */
} vmodel;

#define VCTX 48
typedef struct layer_models {
    vmodel v[VCTX];
    v4_prob nb[128];                  /* bit tree for the band count of a frame */
    v4_prob bandnz[16];
} layer_models;

static void models_init(layer_models *lm)
{
    for (unsigned c = 0; c < VCTX; c++) {
        lm->v[c].zero = lm->v[c].sign = V4_PROB_INIT;
        for (unsigned i = 0; i < 33; i++)
            lm->v[c].eg[i] = lm->v[c].mant[i] = lm->v[c].dn[i] = V4_PROB_INIT;
        for (unsigned i = 0; i < NSYM; i++)
            lm->v[c].len.fast[i] = lm->v[c].len.slow[i] = (uint16_t)(i * (32768 / NSYM));
        lm->v[c].len.seen = 0;
    }
    for (unsigned i = 0; i < 128; i++)
        lm->nb[i] = V4_PROB_INIT;
    for (unsigned i = 0; i < 16; i++)
        lm->bandnz[i] = V4_PROB_INIT;
}

static unsigned bitlen(uint64_t a) { return a ? 64u - (unsigned)__builtin_clzll(a) : 0; }

/* The coding loops are inlined into their callers (encoder or decoder, never both), whose
 * coder is a local variable: its state stays in registers instead of going through memory at
 * every decision. */
#define HOT static inline __attribute__((always_inline))

/* Two independent jobs on two cores: b beside the caller (par_bg: inline first when no thread
 * can start), a here. */
typedef struct run2_job { v4a_job_fn fn; void *arg; } run2_job;
static void run2_side(void *p) { run2_job *r = p; r->fn(r->arg); }

void v4a_run2(v4a_job_fn fa, void *a, v4a_job_fn fb, void *b)
{
    run2_job side = { fb, b };
    par_bg bg;
    par_bg_start(&bg, run2_side, &side);
    fa(a);
    par_bg_join(&bg);
}

/* Letter i's lower bound in 1/65536 of the range: the mean estimate scaled to leave every
 * letter at least 16/65536 (a letter never seen stays codable). */
HOT uint32_t cdf_bound(const v4a_cdf *c, unsigned i)
{
    return (((uint32_t)c->fast[i] + c->slow[i]) * 65280u >> 16) + 16u * i;
}

#ifdef __SSE2__
/* Both halves of the 16 letters in one pass: the bounds as 16-bit lanes, and the move of every
 * estimate toward 0 (letters <= x) or 32768 (letters > x). Same integers as the plain loops. */
HOT void cdf_adapt_half(uint16_t *est, __m128i idx, __m128i xv, int shift)
{
    __m128i e = _mm_loadu_si128((const __m128i *)est), up_mask = _mm_cmpgt_epi16(idx, xv);
    __m128i up = _mm_add_epi16(e, _mm_srl_epi16(_mm_sub_epi16(_mm_set1_epi16((short)0x8000), e), _mm_cvtsi32_si128(shift)));
    __m128i down = _mm_sub_epi16(e, _mm_srl_epi16(e, _mm_cvtsi32_si128(shift)));
    _mm_storeu_si128((__m128i *)est, _mm_or_si128(_mm_and_si128(up_mask, up), _mm_andnot_si128(up_mask, down)));
}

HOT void cdf_adapt(v4a_cdf *c, unsigned x)
{
    const __m128i xv = _mm_set1_epi16((short)x);
    const __m128i i0 = _mm_setr_epi16(0, 1, 2, 3, 4, 5, 6, 7), i1 = _mm_setr_epi16(8, 9, 10, 11, 12, 13, 14, 15);
    cdf_adapt_half(c->fast, i0, xv, 4);
    cdf_adapt_half(c->fast + 8, i1, xv, 4);
    const int slow = c->seen < 32 ? 5 : c->seen < 255 ? 6 : 7;
    cdf_adapt_half(c->slow, i0, xv, slow);
    cdf_adapt_half(c->slow + 8, i1, xv, slow);
    c->seen += c->seen < 255;
}

/* Bounds of letters 0-7 / 8-15 (cdf_bound) as 16-bit lanes. */
HOT __m128i cdf_bounds_half(const v4a_cdf *c, unsigned h)
{
    const __m128i off = h ? _mm_setr_epi16(128, 144, 160, 176, 192, 208, 224, 240) : _mm_setr_epi16(0, 16, 32, 48, 64, 80, 96, 112);
    __m128i sum = _mm_add_epi16(_mm_loadu_si128((const __m128i *)(c->fast + 8 * h)),
                                _mm_loadu_si128((const __m128i *)(c->slow + 8 * h)));
    return _mm_add_epi16(_mm_mulhi_epu16(sum, _mm_set1_epi16((short)65280)), off);
}
#else
HOT void cdf_adapt(v4a_cdf *c, unsigned x)
{
    for (unsigned i = 0; i < NSYM; i++) {
        uint16_t f = c->fast[i], s = c->slow[i];
        uint16_t fu = (uint16_t)(f + ((32768u - f) >> 4)), fd = (uint16_t)(f - (f >> 4));
        const int sh = c->seen < 32 ? 5 : c->seen < 255 ? 6 : 7;
        uint16_t su = (uint16_t)(s + ((32768u - s) >> sh)), sd = (uint16_t)(s - (s >> sh));
        c->fast[i] = i > x ? fu : fd;
        c->slow[i] = i > x ? su : sd;
    }
    c->seen += c->seen < 255;
}
#endif

HOT void put_letter(v4_enc *e, v4a_cdf *c, unsigned x)
{
    uint32_t r = e->range >> 16, lo = r * cdf_bound(c, x);
    e->low += lo;
    e->range = x + 1 < NSYM ? r * cdf_bound(c, x + 1) - lo : e->range - lo;
    while (e->range < V4_RC_TOP) {
        e->range <<= 8;
        v4_enc_shift_low(e);
    }
    cdf_adapt(c, x);
}

HOT unsigned get_letter(v4_dec *d, v4a_cdf *c)
{
    uint32_t r = d->range >> 16, q = d->code / r;
    q = q > 65535 ? 65535 : q;
    /* the bounds increase from 0: x + 1 of them are <= q */
#ifdef __SSE2__
    uint16_t bd[NSYM + 1];
    const __m128i qv = _mm_set1_epi16((short)q), zero = _mm_setzero_si128();
    __m128i b0 = cdf_bounds_half(c, 0), b1 = cdf_bounds_half(c, 1);
    _mm_storeu_si128((__m128i *)bd, b0);
    _mm_storeu_si128((__m128i *)(bd + 8), b1);
    /* one bit per letter, set for letters 0..x (a prefix; no popcnt in baseline x86-64) */
    unsigned le = (unsigned)_mm_movemask_epi8(_mm_packs_epi16(_mm_cmpeq_epi16(_mm_subs_epu16(b0, qv), zero),
                                                              _mm_cmpeq_epi16(_mm_subs_epu16(b1, qv), zero)));
    unsigned x = (unsigned)__builtin_ctz(~le) - 1;
    uint32_t lo = r * bd[x];
    d->code -= lo;
    d->range = x + 1 < NSYM ? r * bd[x + 1] - lo : d->range - lo;
#else
    unsigned x = 0;
    for (unsigned i = 1; i < NSYM; i++)
        x += cdf_bound(c, i) <= q;
    uint32_t lo = r * cdf_bound(c, x);
    d->code -= lo;
    d->range = x + 1 < NSYM ? r * cdf_bound(c, x + 1) - lo : d->range - lo;
#endif
    while (d->range < V4_RC_TOP) {
        d->range <<= 8;
        d->code = d->code << 8 | v4_dec_next(d);
    }
    cdf_adapt(c, x);
    return x;
}

HOT void put_val(v4_enc *e, vmodel *m, int64_t v, unsigned pred, const int sym)
{
    uint64_t a = v < 0 ? (uint64_t)-v : (uint64_t)v;
    unsigned nb = bitlen(a);
    if (sym) {
        put_letter(e, &m->len, nb < NSYM - 1 ? nb : NSYM - 1);
        if (!v)
            return;
        v4_enc_bit(e, &m->sign, v < 0);
        if (nb >= NSYM - 1) {
            for (unsigned i = NSYM - 1; i < nb; i++)
                v4_enc_bit(e, &m->eg[i], 1);
            if (nb < 32)
                v4_enc_bit(e, &m->eg[nb], 0);
        }
        goto low_bits;
    }
    v4_enc_bit(e, &m->zero, v != 0);
    if (!v)
        return;
    v4_enc_bit(e, &m->sign, v < 0);
    if (pred > 1)
        v4_enc_bit(e, &m->dn[0], nb >= pred);
    if (nb < pred) {
        for (unsigned i = pred - 1; i > 1; i--) {
            v4_enc_bit(e, &m->dn[i], nb < i);
            if (nb >= i)
                break;
        }
    } else {
        for (unsigned i = pred; i < nb; i++)
            v4_enc_bit(e, &m->eg[i], 1);
        if (nb < 32)
            v4_enc_bit(e, &m->eg[nb], 0);
    }
low_bits:
    if (nb >= 2)
        v4_enc_bit(e, &m->mant[nb], (int)(a >> (nb - 2) & 1));
    if (nb >= 3)
        v4_enc_raw(e, (uint32_t)(a & ((1u << (nb - 2)) - 1)), (int)nb - 2);
}

HOT int64_t get_val(v4_dec *d, vmodel *m, unsigned pred, const int sym)
{
    int neg;
    unsigned nb;
    if (sym) {
        nb = get_letter(d, &m->len);
        if (!nb)
            return 0;
        neg = v4_dec_bit(d, &m->sign);
        if (nb == NSYM - 1)
            while (nb < 32 && v4_dec_bit(d, &m->eg[nb]))
                nb++;
        goto low_bits;
    }
    if (!v4_dec_bit(d, &m->zero))
        return 0;
    neg = v4_dec_bit(d, &m->sign);
    nb = pred;
    if (pred > 1 && !v4_dec_bit(d, &m->dn[0])) {
        nb = pred - 1;
        while (nb > 1 && v4_dec_bit(d, &m->dn[nb]))
            nb--;
    } else {
        while (nb < 32 && v4_dec_bit(d, &m->eg[nb]))
            nb++;
    }
low_bits:;
    uint64_t a = 1;
    if (nb >= 2)
        a = 2 | (uint64_t)v4_dec_bit(d, &m->mant[nb]);
    if (nb >= 3)
        a = a << (nb - 2) | v4_dec_raw(d, (int)nb - 2);
    return neg ? -(int64_t)a : (int64_t)a;
}

static void put_tree(v4_enc *e, v4_prob *tree, unsigned v, unsigned bits)
{
    unsigned node = 1;
    for (unsigned i = bits; i-- > 0;) {
        int b = (int)(v >> i & 1);
        v4_enc_bit(e, &tree[node], b);
        node = node * 2 + (unsigned)b;
    }
}

static unsigned get_tree(v4_dec *d, v4_prob *tree, unsigned bits)
{
    unsigned node = 1;
    for (unsigned i = 0; i < bits; i++)
        node = node * 2 + (unsigned)v4_dec_bit(d, &tree[node]);
    return node - (1u << bits);
}

/* ---- layers: successive refinement of q with steps D_0 > D_1 > D_2 > 1 ------------------- */
/* floor((v + floor(D / 2)) / D): v rounded to the nearest multiple of D, in multiples. */
static int64_t round_div(int64_t v, int64_t D)
{
    int64_t t = v + D / 2;
    if ((uint64_t)t < (uint64_t)D)    /* most digits are 0: no division (tens of cycles) */
        return 0;
    if (t >= 0 && t <= UINT32_MAX && D <= UINT32_MAX)
        return (uint32_t)t / (uint32_t)D;   /* a 32-bit division is the faster one */
    return t >= 0 ? t / D : -((-t + D - 1) / D);
}

/* Context class from a neighbourhood magnitude estimate and the parent state. */
static unsigned vctx(uint64_t est, unsigned parent)
{
    unsigned e = bitlen(est);
    return (e > 15 ? 15 : e) * 3 + parent;
}

/* The bit length a neighbourhood estimate predicts: est sums about 2^off times a neighbour's
 * magnitude. off = PRED_NONE (revision 1): always 1. */
#define PRED_NONE 64u
static unsigned vpred(uint64_t est, unsigned off)
{
    unsigned e = bitlen(est);
    e = e > 15 ? 15 : e;
    return e > off + 1 ? e - off : 1;
}

/* nearbyint(v) in the default rounding mode (ties to even), without the library call that
 * saves and restores the floating-point state: below 2^51 in magnitude, adding 1.5 * 2^52
 * leaves no fraction bits, so the sum rounds v to an integer exactly as nearbyint does (a
 * zero may lose its sign; callers convert to integers). Larger values are integers already. */
static inline double round_even(double v)
{
    const double big = 6755399441055744.0;
    return fabs(v) < 2251799813685248.0 ? (v + big) - big : v;
}

static uint64_t mag(int64_t v) { return v < 0 ? (uint64_t)-v : (uint64_t)v; }

/* ---- parameters (the head of tier 0) ------------------------------------------------------ */
typedef struct params {
    unsigned rev;                     /* 1, 2 (predicted bit lengths, see vmodel) or 3 (U letters) */
    unsigned channels, bits, ms, hop;
    uint32_t rate;
    uint64_t frames;
    uint32_t step[V4A_LAYERS];        /* layer steps in units of the fine step; 0: empty */
    uint32_t recipe_len;
} params;

static double channel_step(const params *p, unsigned c)
{
    /* mid/side: an error e_M costs 2 e_M^2 in L/R, e_S costs e_S^2 / 2; equal weighted noise
     * means a finer mid step */
    if (p->ms && c == 0)
        return DELTA_FINE * sqrt(0.5);
    if (p->ms && c == 1)
        return DELTA_FINE * sqrt(2.0);
    return DELTA_FINE;
}

static double channel_weight(const params *p, unsigned c)
{
    return p->ms && c < 2 ? (c == 0 ? 2.0 : 0.5) : 1.0;
}

static uint64_t nframes(uint64_t samples, unsigned hop) { return (samples + hop - 1) / hop + 1; }

static void params_emit(const params *p, uint8_t *b)
{
    memset(b, 0, PARAM_LEN);
    memcpy(b, "A4", 2);
    b[2] = (uint8_t)p->rev;           /* revision */
    b[3] = (uint8_t)p->channels;
    b[4] = (uint8_t)p->bits;
    b[5] = (uint8_t)p->ms;
    b[6] = (uint8_t)bitlen(p->hop - 1);
    holo_wr32(b + 8, p->rate);
    holo_wr32(b + 12, (uint32_t)(p->frames >> 32));
    holo_wr32(b + 16, (uint32_t)p->frames);
    for (unsigned l = 0; l < V4A_LAYERS; l++)
        holo_wr32(b + 20 + 4 * l, p->step[l]);
    holo_wr32(b + 32, p->recipe_len);
}

static int params_parse(const uint8_t *b, size_t len, params *p, holo_err *err)
{
    if (len < PARAM_LEN || memcmp(b, "A4", 2) || b[2] < 1 || b[2] > 3)
        return holo_seterr(err, HOLO_EINVAL, "HO4A: bad parameter block");
    p->rev = b[2];
    p->channels = b[3];
    p->hop = b[6] < 16 ? 1u << b[6] : 0;
    p->bits = b[4];
    p->ms = b[5];
    p->rate = holo_rd32(b + 8);
    p->frames = (uint64_t)holo_rd32(b + 12) << 32 | holo_rd32(b + 16);
    for (unsigned l = 0; l < V4A_LAYERS; l++)
        p->step[l] = holo_rd32(b + 20 + 4 * l);
    p->recipe_len = holo_rd32(b + 32);
    if (p->channels < 1 || p->channels > V4A_MAX_CHANNELS || (p->bits != 8 && p->bits != 16 && p->bits != 24)
        || p->ms > 1 || (p->ms && p->channels < 2) || b[6] < bitlen(HOP_MIN - 1) || b[6] > bitlen(HOP_MAX - 1))
        return holo_seterr(err, HOLO_EINVAL, "HO4A: bad format parameters");
    if (p->frames * p->channels > V4A_MAX_SAMPLES || p->frames > V4A_MAX_SAMPLES)
        return holo_seterr(err, HOLO_EINVAL, "HO4A: %llu samples exceed the cap",
                           (unsigned long long)p->frames);
    for (unsigned l = 0; l < V4A_LAYERS; l++)
        if (p->step[l] > (1u << 31))
            return holo_seterr(err, HOLO_EINVAL, "HO4A: bad layer steps");
    if (p->recipe_len > len - PARAM_LEN)
        return holo_seterr(err, HOLO_EINVAL, "HO4A: recipe longer than tier 0");
    return 0;
}

void v4a_targets(unsigned n, int compact, double snr[V4A_LAYERS], unsigned m[V4A_TIERS])
{
    unsigned m1 = n / 8 ? n / 8 : 1, m2 = n / 2 ? n / 2 : 1;
    m[0] = 1;
    m[1] = m1;
    m[2] = m2;
    m[3] = n;
    if (compact) {
        snr[0] = snr[1] = 0;          /* 0: the layer stays empty */
        snr[2] = 20.5;
    } else {
        snr[0] = 3.5;
        snr[1] = 12.5;
        snr[2] = 30.5;
    }
}

/* ---- shared per-channel views --------------------------------------------------------- */
/* The unified tile order of U: tile t = (frame * channels + channel) * (hop / BAND) + band goes to
 * chunk floor(frac(t * golden) * n), which spreads every chunk's tiles evenly over time and
 * frequency. */
static unsigned tile_chunk(uint64_t t, unsigned n)
{
    uint32_t h = (uint32_t)(t * 2654435769u);
    return (unsigned)(((uint64_t)h * n) >> 32);
}

/* Code one coarse layer (0..2) of every frame and channel. enc or dec is non-NULL. q holds
 * the coefficients (encoder only), qp what the layers so far give (both; updated here). */
HOT int code_layer(v4_enc *enc, v4_dec *dec, const params *p, unsigned l, int32_t *const *q,
                   int32_t *const *qp, uint64_t F)
{
    const unsigned hop = p->hop, nbands = hop / BAND, C = p->channels;
    int64_t D = p->step[l];
    if (D == 0)
        return 0;
    /* Digit magnitudes of this frame (cm, two zeros before) and of each channel's previous
     * frame (pm, a zero either side), so the neighbourhood needs no bounds tests; digits are
     * zero from band nb on, so only [0, nb BAND) is cleared and copied per frame. */
    layer_models *lm = malloc(sizeof *lm);
    uint64_t *prevm = calloc((size_t)C * (hop + 2), sizeof *prevm), *cmb = calloc(hop + 2, sizeof *cmb);
    unsigned *prevlim = calloc(C, sizeof *prevlim);
    uint8_t *prevnz = calloc((size_t)C * nbands, 1);
    int64_t *cur = calloc(hop, sizeof *cur);
    if (!lm || !prevm || !cmb || !prevlim || !prevnz || !cur) {
        free(lm); free(prevm); free(cmb); free(prevlim); free(prevnz); free(cur);
        return -1;
    }
    models_init(lm);
    uint64_t *cm = cmb + 2;
    const unsigned off = p->rev > 1 ? 3 : PRED_NONE;
    for (uint64_t f = 0; f < F; f++)
        for (unsigned c = 0; c < C; c++) {
            int32_t *qf = qp[c] + f * hop;
            const int32_t *qt = enc ? q[c] + f * hop : NULL;
            uint64_t *pm = prevm + (size_t)c * (hop + 2) + 1;
            uint8_t *pnz = prevnz + (size_t)c * nbands;
            unsigned nb = 0;
            if (enc) {
                for (unsigned k = 0; k < hop; k++) {
                    cur[k] = round_div((int64_t)qt[k] - qf[k], D);
                    if (cur[k])
                        nb = k / BAND + 1;
                }
                put_tree(enc, lm->nb, nb, 7);
            } else {
                nb = get_tree(dec, lm->nb, 7);
                if (nb > nbands)
                    nb = nbands;      /* damaged stream */
            }
            for (unsigned b = 0; b < nb; b++) {
                int nz = 1, parent = 0;
                for (unsigned k = b * BAND; k < (b + 1) * BAND; k++)
                    parent |= qf[k] != 0;
                unsigned cx = (unsigned)pnz[b] | (b && pnz[b - 1]) << 1 | (unsigned)parent << 2;
                if (b + 1 < nb) {
                    if (enc) {
                        nz = 0;
                        for (unsigned k = b * BAND; k < (b + 1) * BAND; k++)
                            nz |= cur[k] != 0;
                        v4_enc_bit(enc, &lm->bandnz[cx], nz);
                    } else
                        nz = v4_dec_bit(dec, &lm->bandnz[cx]);
                }
                pnz[b] = (uint8_t)nz;
                if (!nz)
                    continue;
                for (unsigned k = b * BAND; k < (b + 1) * BAND; k++) {
                    const uint64_t *a = cm + k, *o = pm + k;   /* a[-2], o[-1]: the padding */
                    uint64_t est = 2 * a[-1] + a[-2] + 2 * o[0] + o[-1] + o[1];
                    /* parent: what the coarser layers already say about this coefficient */
                    vmodel *m = &lm->v[vctx(est, qf[k] != 0)];
                    if (enc)
                        put_val(enc, m, cur[k], vpred(est, off), 0);
                    else
                        cur[k] = get_val(dec, m, vpred(est, off), 0);
                    cm[k] = mag(cur[k]);
                }
            }
            memset(pnz + nb, 0, nbands - nb);
            const unsigned lim = nb * BAND;
            for (unsigned k = 0; k < lim; k++)
                if (cur[k]) {
                    int64_t v = qf[k] + cur[k] * D;
                    qf[k] = (int32_t)(v > INT32_MAX ? INT32_MAX : v < INT32_MIN ? INT32_MIN : v);
                }
            memcpy(pm, cm, lim * sizeof *cm);
            if (prevlim[c] > lim)
                memset(pm + lim, 0, (prevlim[c] - lim) * sizeof *pm);
            prevlim[c] = lim;
            memset(cm, 0, lim * sizeof *cm);
            memset(cur, 0, lim * sizeof *cur);
        }
    free(lm); free(prevm); free(cmb); free(prevlim); free(prevnz); free(cur);
    return 0;
}

/* The finest layer (q minus the three coarse layers): U share i holds the tiles t with
 * tile_chunk(t, n) == i, in increasing t, coded with models of its own. One pass over the tiles
 * codes every share of group g (i % SHARE_GROUPS == g) whose coder is live (enc[i] or dec[i]
 * non-NULL; a missing share is skipped). Decoding adds the digits of a tile after the
 * tile, so the parent context (the tiers' value) stays the same for encoder and decoder
 * whatever other chunks were applied. */
HOT int code_shares_t(v4_enc *const *enc, v4_dec *const *dec, const params *p, unsigned n,
                      unsigned g, int32_t *const *q, int32_t *const *qp, uint64_t F, const int sym)
{
    const unsigned hop = p->hop, nbands = hop / BAND, G = SHARE_GROUPS;
    layer_models *lms = malloc(((size_t)n + G - 1) / G * sizeof *lms);
    if (!lms)
        return -1;
    for (unsigned i = g; i < n; i += G)
        if (enc ? enc[i] != NULL : dec[i] != NULL)
            models_init(&lms[i / G]);
    int64_t cur[BAND];
    uint64_t t = 0;
    /* A group touches one tile in 16 of qp (10 MB for 30 s stereo), scattered: each is a cache
     * miss the hardware prefetcher does not foresee (11% of decode CPU measured on the load of
     * qb). A cursor PREFETCH_AHEAD tiles ahead asks for the group's next tiles early. */
    enum { PREFETCH_AHEAD = 64 };
    uint64_t ta = PREFETCH_AHEAD, fa = 0;
    unsigned ca = 0, ba = PREFETCH_AHEAD;
    while (ba >= nbands && fa < F) {
        ba -= nbands;
        if (++ca == p->channels) {
            ca = 0;
            fa++;
        }
    }
    for (uint64_t f = 0; f < F; f++)
        for (unsigned c = 0; c < p->channels; c++)
            for (unsigned b = 0; b < nbands; b++, t++) {
                if (fa < F) {
                    unsigned ia = tile_chunk(ta, n);
                    if (ia % G == g && (enc ? enc[ia] != NULL : dec[ia] != NULL)) {
                        __builtin_prefetch(qp[ca] + fa * hop + ba * BAND, 1);
                        if (enc)
                            __builtin_prefetch(q[ca] + fa * hop + ba * BAND, 0);
                    }
                    ta++;
                    if (++ba == nbands) {
                        ba = 0;
                        if (++ca == p->channels) {
                            ca = 0;
                            fa++;
                        }
                    }
                }
                unsigned i = tile_chunk(t, n);
                if (i % G != g)
                    continue;
                v4_enc *e = enc ? enc[i] : NULL;
                v4_dec *d = enc ? NULL : dec[i];
                if (!e && !d)
                    continue;
                layer_models *lm = &lms[i / G];
                int32_t *qb = qp[c] + f * hop + b * BAND;
                const int32_t *qt = e ? q[c] + f * hop + b * BAND : NULL;
                unsigned par[BAND], any = 0;
                for (unsigned k = 0; k < BAND; k++) {
                    par[k] = qb[k] != 0 ? 2 : 0;
                    any |= par[k];
                }
                for (unsigned k = 0; k < BAND; k++)
                    if (!par[k] && ((k && par[k - 1] == 2) || (k + 1 < BAND && par[k + 1] == 2)))
                        par[k] = 1;
                const unsigned off = p->rev > 1 ? 2 : PRED_NONE;
                v4_prob *bnz = &lm->bandnz[any ? 1 : 0];
                if (e) {
                    int nz = 0;
                    for (unsigned k = 0; k < BAND; k++)
                        nz |= (cur[k] = (int64_t)qt[k] - qb[k]) != 0;
                    v4_enc_bit(e, bnz, nz);
                    for (unsigned k = 0; nz && k < BAND; k++) {
                        uint64_t est = 2 * (k ? mag(cur[k - 1]) : 0) + (k > 1 ? mag(cur[k - 2]) : 0);
                        put_val(e, &lm->v[vctx(est, par[k])], cur[k], vpred(est, off), sym);
                    }
                    continue;
                }
                v4_dec dl = *d;           /* the coder's state in registers for the tile */
                if (v4_dec_bit(&dl, bnz))
                    for (unsigned k = 0; k < BAND; k++) {
                        uint64_t est = 2 * (k ? mag(cur[k - 1]) : 0) + (k > 1 ? mag(cur[k - 2]) : 0);
                        cur[k] = get_val(&dl, &lm->v[vctx(est, par[k])], vpred(est, off), sym);
                        int64_t v = qb[k] + cur[k];
                        qb[k] = (int32_t)(v > INT32_MAX ? INT32_MAX : v < INT32_MIN ? INT32_MIN : v);
                    }
                *d = dl;
            }
    free(lms);
    return 0;
}

/* The exact remainder, channel after channel, each value in the context of the last three. */
HOT int code_remainder(v4_enc *enc, v4_dec *dec, const params *p, uint64_t L, int32_t **r)
{
    layer_models *lm = malloc(sizeof *lm);
    if (!lm)
        return -1;
    models_init(lm);
    const unsigned off = p->rev > 1 ? 2 : PRED_NONE;
    for (unsigned c = 0; c < p->channels; c++) {
        uint64_t a1 = 0, a2 = 0, a3 = 0;
        for (uint64_t t = 0; t < L; t++) {
            uint64_t est = 2 * a1 + a2 + a3;
            vmodel *m = &lm->v[vctx(est, 0)];
            unsigned pr = vpred(est, off);
            if (enc)
                put_val(enc, m, r[c][t], pr, 0);
            else {
                int64_t v = get_val(dec, m, pr, 0);
                r[c][t] = (int32_t)(v > INT32_MAX ? INT32_MAX : v < INT32_MIN ? INT32_MIN : v);
            }
            a3 = a2;
            a2 = a1;
            a1 = mag(r[c][t]);
        }
    }
    free(lm);
    return 0;
}

/* The share loop compiled twice: with the letters of revision 3, and with the bit steps of
 * revisions 1 and 2. */
HOT int code_shares(v4_enc *const *enc, v4_dec *const *dec, const params *p, unsigned n,
                    unsigned g, int32_t *const *q, int32_t *const *qp, uint64_t F)
{
    return p->rev >= 3 ? code_shares_t(enc, dec, p, n, g, q, qp, F, 1) : code_shares_t(enc, dec, p, n, g, q, qp, F, 0);
}


/* Rounded inverse MDCT of channel coefficients q (frames f0..f1 - 1) into y (the samples
 * those frames complete, [(f0 - 1) hop, (f1 - 1) hop), below L), plus r[t] when r is non-NULL
 * (the decoder's exact remainder, added in the same pass). Starting one frame early gives the
 * overlap the same sums as one pass over every frame (0 + the earlier frame + this one), so a
 * channel can be synthesised in parts on two cores. */
static int synthesise(v4a_mdct *m, const int32_t *q, uint64_t f0, uint64_t f1, uint64_t L, double step,
                      const int32_t *r, int32_t *y)
{
    const unsigned hop = m->N;
    double *X = malloc(hop * sizeof *X), *yy = malloc(2 * hop * sizeof *yy), *ola = calloc(2 * hop, sizeof *ola);
    if (!X || !yy || !ola) {
        free(X); free(yy); free(ola);
        return -1;
    }
    for (uint64_t f = f0 ? f0 - 1 : 0; f < f1; f++) {
        int any = 0;
        for (unsigned k = 0; k < hop; k++)
            any |= (X[k] = q[f * hop + k] * step) != 0;
        if (any) {
            v4a_mdct_inverse(m, X, yy);
            for (unsigned k = 0; k < 2 * hop; k++)
                ola[k] += yy[k];
        }
        /* samples [(f - 1) hop, f hop) are final now */
        for (unsigned k = 0; k < hop; k++) {
            uint64_t t = (f - 1) * hop + k;
            if (f >= 1 && f >= f0 && t < L) {
                double v = round_even(ola[k]);
                int32_t s = (int32_t)(v > 2147483647.0 ? 2147483647.0 : v < -2147483648.0 ? -2147483648.0 : v);
                y[t] = r ? (int32_t)((int64_t)s + r[t]) : s;
            }
        }
        memmove(ola, ola + hop, hop * sizeof *ola);
        memset(ola + hop, 0, hop * sizeof *ola);
    }
    free(X); free(yy); free(ola);
    return 0;
}

/* Interleaved samples <-> per-channel signals with mid/side on channels 0 and 1:
 * s = L - R, m = R + floor(s / 2) (reversible in integers). */
static void to_channels(const v4a_pcm *p, int ms, int32_t **x)
{
    unsigned C = p->channels;
    for (uint64_t t = 0; t < p->frames; t++)
        for (unsigned c = 0; c < C; c++)
            x[c][t] = p->s[t * C + c];
    if (ms)
        for (uint64_t t = 0; t < p->frames; t++) {
            int32_t s = x[0][t] - x[1][t];
            x[0][t] = x[1][t] + (s >> 1);
            x[1][t] = s;
        }
}

static int32_t clamp_bits(int64_t v, unsigned bits)
{
    int64_t hi = ((int64_t)1 << (bits - 1)) - 1, lo = -hi - 1;
    return (int32_t)(v > hi ? hi : v < lo ? lo : v);
}

/* Samples t0..t1 (the two halves of a decode on two cores). */
typedef struct interleave_job {
    int32_t **x;
    int ms;
    v4a_pcm *p;
    uint64_t t0, t1;
} interleave_job;

static void *from_channels(void *arg)
{
    const interleave_job *j = arg;
    int32_t **x = j->x;
    const int ms = j->ms;
    v4a_pcm *p = j->p;
    unsigned C = p->channels;
    for (uint64_t t = j->t0; t < j->t1; t++) {
        int64_t v[V4A_MAX_CHANNELS];
        for (unsigned c = 0; c < C; c++)
            v[c] = x[c][t];
        if (ms) {
            int64_t r = v[0] - (v[1] >> 1);
            v[0] = v[1] + r;
            v[1] = r;
        }
        for (unsigned c = 0; c < C; c++)
            p->s[t * C + c] = clamp_bits(v[c], p->bits);
    }
    return NULL;
}

/* C zeroed planes of len samples. Large planes are mapped with transparent huge pages asked
 * for: a 30 s stereo decode touches ~40 MB, which in 4 KiB pages costs ~10k page faults. */
static size_t plane_bytes(uint64_t len) { return (len ? len : 1) * sizeof(int32_t); }

static int32_t *plane_alloc(uint64_t len)
{
    size_t bytes = plane_bytes(len);
    if (bytes < ((size_t)2 << 20))
        return calloc(bytes, 1);
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    madvise(p, bytes, MADV_HUGEPAGE);   /* advice only: without THP, 4 KiB pages */
    return p;
}

void v4a_advise_huge(void *p, size_t bytes)
{
    const uintptr_t huge = (uintptr_t)2 << 20, a = ((uintptr_t)p + huge - 1) & ~(huge - 1),
                    b = ((uintptr_t)p + bytes) & ~(huge - 1);
    if (p && b > a)
        madvise((void *)a, b - a, MADV_HUGEPAGE);   /* advice only: without THP, 4 KiB pages */
}

static void plane_free(int32_t *x, uint64_t len)
{
    size_t bytes = plane_bytes(len);
    if (bytes < ((size_t)2 << 20))
        free(x);
    else if (x)
        munmap(x, bytes);
}

static void free_planes(int32_t **x, unsigned C, uint64_t len)
{
    if (!x)
        return;
    for (unsigned c = 0; c < C; c++)
        plane_free(x[c], len);
    free(x);
}

static int32_t **alloc_planes(unsigned C, uint64_t len)
{
    int32_t **x = calloc(C, sizeof *x);
    if (!x)
        return NULL;
    for (unsigned c = 0; c < C; c++)
        if (!(x[c] = plane_alloc(len))) {
            free_planes(x, c, len);
            return NULL;
        }
    return x;
}

/* Mid/side when it shrinks the product of the channel energies (the coding gain). */
static int want_ms(const v4a_pcm *p)
{
    if (p->channels < 2)
        return 0;
    double el = 0, er = 0, em = 0, es = 0;
    for (uint64_t t = 0; t < p->frames; t++) {
        double l = p->s[t * p->channels], r = p->s[t * p->channels + 1], s = l - r, m = r + s / 2;
        el += l * l; er += r * r; em += m * m; es += s * s;
    }
    /* weighted as the quantiser weighs them: 2 e_M^2 + e_S^2 / 2 */
    return (em + 1) * (es + 1) < 0.9 * (el + 1) * (er + 1);
}

static int finish_stream(v4_enc *e, uint8_t **buf, size_t *len, size_t prefix_len, const uint8_t *prefix)
{
    if (v4_enc_finish(e))
        return -1;
    uint8_t *b = malloc(prefix_len + e->len + 1);
    if (!b)
        return -1;
    if (prefix_len)
        memcpy(b, prefix, prefix_len);
    if (e->len)
        memcpy(b + prefix_len, e->buf, e->len);
    *buf = b;
    *len = prefix_len + e->len;
    return 0;
}

/* The estimated cost of one frame length: the sum of log2(1 + |X| / step) over every fourth
 * frame. */
typedef struct hop_job {
    const params *P;
    int32_t **x;
    unsigned hop;
    double cost;
    int rc;
} hop_job;

static void *hop_cost(void *arg)
{
    hop_job *j = arg;
    const params *P = j->P;
    const unsigned hop = j->hop;
    v4a_mdct m;
    double *xb = malloc(2 * hop * sizeof *xb), *X = malloc(hop * sizeof *X), cost = 0;
    j->rc = -1;
    if (!xb || !X || v4a_mdct_init(&m, hop)) {
        free(xb); free(X);
        return NULL;
    }
    uint64_t F = nframes(P->frames, hop);
    for (unsigned c = 0; c < P->channels; c++) {
        double inv = 1.0 / channel_step(P, c);
        for (uint64_t f = 1; f < F; f += 4) {
            for (unsigned k = 0; k < 2 * hop; k++) {
                uint64_t t = (f - 1) * hop + k;
                xb[k] = t < P->frames ? j->x[c][t] : 0.0;
            }
            v4a_mdct_forward(&m, xb, X);
            for (unsigned k = 0; k < hop; k++)
                cost += log2(1 + fabs(X[k]) * inv);
        }
    }
    v4a_mdct_free(&m);
    free(xb); free(X);
    j->cost = cost;
    j->rc = 0;
    return NULL;
}

/* The frame length for the file: the one whose coefficients promise the fewest bits (the two
 * candidates on two cores). Returns 0 when out of memory. */
static unsigned choose_hop(params *P, int32_t **x)
{
    hop_job a = { .P = P, .x = x, .hop = HOP_MIN }, b = { .P = P, .x = x, .hop = HOP_MAX };
    v4a_run2(hop_cost, &a, hop_cost, &b);
    if (a.rc || b.rc)
        return 0;
    return b.cost < a.cost ? HOP_MAX : HOP_MIN;
}

/* Forward MDCT and quantisation of every channel into q; efine collects the weighted error of
 * the quantisation itself. */
typedef struct analyse_job {
    const params *P;
    int32_t **x, **q;
    uint64_t F;
    unsigned side;
    double efine;
    int rc;
} analyse_job;

/* Channels side, side + 2, ... */
static void *analyse_channels(void *arg)
{
    analyse_job *j = arg;
    const params *P = j->P;
    const unsigned hop = P->hop;
    v4a_mdct m;
    j->rc = -1;
    if (v4a_mdct_init(&m, hop))
        return NULL;
    double *xb = malloc(2 * hop * sizeof *xb), *X = malloc(hop * sizeof *X);
    if (!xb || !X) {
        free(xb); free(X); v4a_mdct_free(&m);
        return NULL;
    }
    for (unsigned c = j->side; c < P->channels; c += 2) {
        double step = channel_step(P, c), w = channel_weight(P, c);
        for (uint64_t f = 0; f < j->F; f++) {
            for (unsigned k = 0; k < 2 * hop; k++) {
                uint64_t t = (f - 1) * hop + k;     /* wraps for f = 0, k < hop: outside */
                xb[k] = f * hop + k >= hop && t < P->frames ? j->x[c][t] : 0.0;
            }
            v4a_mdct_forward(&m, xb, X);
            for (unsigned k = 0; k < hop; k++) {
                double v = round_even(X[k] / step);
                v = v > 1073741823.0 ? 1073741823.0 : v < -1073741823.0 ? -1073741823.0 : v;
                j->q[c][f * hop + k] = (int32_t)v;
                j->efine += w * (X[k] - v * step) * (X[k] - v * step);
            }
        }
    }
    free(xb); free(X); v4a_mdct_free(&m);
    j->rc = 0;
    return NULL;
}

static int analyse(const params *P, int32_t **x, uint64_t F, int32_t **q, double *efine)
{
    analyse_job jobs[2] = { { .P = P, .x = x, .q = q, .F = F, .side = 0 },
                            { .P = P, .x = x, .q = q, .F = F, .side = 1 } };
    v4a_run2(analyse_channels, &jobs[0], analyse_channels, &jobs[1]);
    *efine = jobs[0].efine + jobs[1].efine;
    return jobs[0].rc || jobs[1].rc ? -1 : 0;
}

/* The weighted error of refining qp towards q with step D over frames f0, f0 + fstride, ...
 * below f1: per chunk (the tiles each U share holds) and in total. */
typedef struct error_job {
    const params *P;
    int32_t *const *q, *const *qp;
    uint64_t f0, f1;
    int64_t D;
    unsigned n, fstride;
    double per[V4C_MAX_CHUNKS], total;
} error_job;

static void *error_part(void *arg)
{
    error_job *j = arg;
    const params *P = j->P;
    const unsigned hop = P->hop, nbands = hop / BAND;
    const int64_t D = j->D;
    for (uint64_t f = j->f0; f < j->f1; f += j->fstride)
        for (unsigned c = 0; c < P->channels; c++) {
            double ws = channel_weight(P, c) * channel_step(P, c) * channel_step(P, c) * j->fstride;
            uint64_t t = (f * P->channels + c) * nbands;
            for (unsigned b = 0; b < nbands; b++, t++) {
                const int32_t *qt = j->q[c] + f * hop + b * BAND, *qb = j->qp[c] + f * hop + b * BAND;
                int64_t e = 0;
                for (unsigned i = 0; i < BAND; i++) {
                    int64_t r = (int64_t)qt[i] - qb[i], d = r;
                    if ((uint64_t)(r + D / 2) >= (uint64_t)D)  /* else the digit is 0: no division */
                        d = r - round_div(r, D) * D;
                    e += d * d;
                }
                j->per[tile_chunk(t, j->n)] += ws * (double)e;
                j->total += ws * (double)e;
            }
        }
    return NULL;
}

/* The weighted error of refining qp towards q with step D, over every fstride-th frame (the two
 * halves of the frames on two cores). With k > 0, only k of the n chunks' U shares are there,
 * the worst k: the shares refine disjoint tiles to q exactly, so each removes its tiles'
 * error, and the worst k remove least. */
static double layer_error(const params *P, int32_t *const *q, int32_t *const *qp, uint64_t F,
                          int64_t D, unsigned n, unsigned k, unsigned fstride)
{
    uint64_t mid = (F / 2 + fstride - 1) / fstride * fstride;
    error_job a = { .P = P, .q = q, .qp = qp, .f0 = 0, .f1 = mid, .D = D, .n = n, .fstride = fstride },
              b = { .P = P, .q = q, .qp = qp, .f0 = mid, .f1 = F, .D = D, .n = n, .fstride = fstride };
    v4a_run2(error_part, &a, error_part, &b);
    double per[V4C_MAX_CHUNKS], total = a.total + b.total;
    if (!k)
        return total;
    for (unsigned i = 0; i < n; i++)
        per[i] = a.per[i] + b.per[i];
    for (unsigned i = 1; i < n; i++)                 /* insertion sort, ascending */
        for (unsigned j = i; j > 0 && per[j] < per[j - 1]; j--) {
            double tmp = per[j];
            per[j] = per[j - 1];
            per[j - 1] = tmp;
        }
    for (unsigned i = 0; i < k && i < n; i++)
        total -= per[i];
    return total > 0 ? total : 0;
}

/* The largest step whose refinement of qp reaches `snr` dB (with the worst k_shares U shares
 * when k_shares > 0). The error falls with D, though not strictly: a geometric bisection on
 * every eighth frame (every fourth or each below 512 frames), then steps down until the whole
 * signal meets the target. */
static uint32_t pick_step(const params *P, int32_t *const *q, int32_t *const *qp, uint64_t F,
                          double ex, double efine, double snr, unsigned n, unsigned k_shares, int64_t most)
{
    double want = ex / pow(10, snr / 10) - efine;
    if (snr <= 0 || ex <= 0)
        return 0;
    if (want <= 0)
        return 1;
    unsigned sample = F >= 512 ? 8 : F >= 64 ? 4 : 1;
    /* most = max |q - qp|: steps above 2 most + 2 all give digits 0 */
    uint32_t lo = 1, hi = (uint32_t)(2 * most + 2 < (1 << 30) ? 2 * most + 2 : 1 << 30);
    /* invariant: error(lo) meets the target or lo = 1. Bisected geometrically down to 1/32 of
     * the step (the descent below refines by as much): 9 trials instead of ~20. */
    while (hi - lo > 1 && hi - lo > lo / 32) {
        uint32_t mid = (uint32_t)sqrt((double)lo * hi);
        mid = mid <= lo ? lo + 1 : mid >= hi ? hi - 1 : mid;
        if (layer_error(P, q, qp, F, mid, n, k_shares, sample) <= want)
            lo = mid;
        else
            hi = mid;
    }
    while (lo > 1 && layer_error(P, q, qp, F, lo, n, k_shares, 1) > want)
        lo = lo - (lo + 31) / 32;
    return lo;
}

/* Refines qp towards q with step D (samples i0..i1 of every channel) and finds the largest
 * |q - qp| left, the next layer's search bound. */
typedef struct step_job {
    const params *P;
    int32_t *const *q;
    int32_t **qp;
    uint64_t i0, i1;
    int64_t D, most;
} step_job;

static void *apply_part(void *arg)
{
    step_job *j = arg;
    int64_t most = 0;
    for (unsigned c = 0; c < j->P->channels; c++)
        for (uint64_t i = j->i0; i < j->i1; i++) {
            int64_t r = (int64_t)j->q[c][i] - j->qp[c][i];
            if (j->D) {
                int64_t v = round_div(r, j->D) * j->D;
                j->qp[c][i] = (int32_t)(j->qp[c][i] + v);
                r -= v;
            }
            r = r < 0 ? -r : r;
            most = r > most ? r : most;
        }
    j->most = most;
    return NULL;
}

/* apply_part on the two halves of the coefficients; returns the largest |q - qp| left. */
static int64_t apply_step(const params *P, int32_t *const *q, int32_t **qp, uint64_t count, int64_t D)
{
    step_job a = { .P = P, .q = q, .qp = qp, .i0 = 0, .i1 = count / 2, .D = D },
             b = { .P = P, .q = q, .qp = qp, .i0 = count / 2, .i1 = count, .D = D };
    v4a_run2(apply_part, &a, apply_part, &b);
    return a.most > b.most ? a.most : b.most;
}

/* The work of one of the two threads of an encode or decode. */
typedef struct coder_job {
    const params *P;
    uint64_t F, L;
    int32_t **q, **qp, **x, **r;      /* target, partial (layers so far), signal, remainder */
    v4a_streams *s;                   /* encoding: the output */
    const v4a_streams *in;            /* decoding: the input */
    const uint8_t *pre;               /* encoding, side 0: tier 0's parameters and recipe */
    size_t pre_len;
    unsigned n, side, use_shares, have;
    struct decode_sync *sync;         /* decoding */
    int rc;
} coder_job;

/* The shares of group g, in one pass over the tiles. */
static int encode_group(coder_job *j, unsigned g)
{
    v4a_streams *s = j->s;
    v4_enc *encs = malloc(s->n * sizeof *encs), **live = calloc(s->n, sizeof *live);
    int bad = !encs || !live;
    for (unsigned i = g; i < s->n && !bad; i += SHARE_GROUPS) {
        v4_enc_init(&encs[i]);
        live[i] = &encs[i];
    }
    bad = bad || code_shares(live, NULL, j->P, s->n, g, j->q, j->qp, j->F);
    for (unsigned i = g; live && i < s->n; i += SHARE_GROUPS) {
        size_t len = 0;
        if (!bad && (encs[i].oom || finish_stream(&encs[i], &s->u[i], &len, 0, NULL) || len > V4C_MAX_U))
            bad = 1;
        s->u_len[i] = (uint32_t)len;
        if (live[i])
            v4_enc_free(&encs[i]);
    }
    free(encs);
    free(live);
    return bad ? -1 : 0;
}

/* The items of an encode or decode (par_for over CODER_ITEMS on two threads): the two sides'
 * own work first (items 0, 1), then the groups of shares, taken by whichever thread is free
 * (the sides differ in length; the groups even them out). */
#define CODER_ITEMS (2 + SHARE_GROUPS)

/* Side 0: the coarse layers (on a zeroed copy of the partial, rebuilt layer by layer as the
 * decoder will). Side 1: the remainder (the samples minus the rounded synthesis of every
 * layer, as the decoder makes it). The shares see the partial after all coarse layers, as the
 * decoder's do. */
static void *encode_worker(void *arg)
{
    coder_job *j = arg;
    const unsigned hop = j->P->hop;
    const params *P = j->P;
    unsigned C = P->channels;
    j->rc = -1;
    if (j->side == 0) {
        int32_t **qp0 = alloc_planes(C, j->F * hop);
        if (!qp0)
            return NULL;
        for (unsigned l = 0; l < V4A_LAYERS; l++) {
            v4_enc e;
            v4_enc_init(&e);
            int bad = code_layer(&e, NULL, P, l, j->q, qp0, j->F) || e.oom ||
                      finish_stream(&e, &j->s->tier[l], &j->s->tier_len[l], l ? 0 : j->pre_len, j->pre);
            v4_enc_free(&e);
            if (bad) {
                free_planes(qp0, C, j->F * hop);
                return NULL;
            }
        }
        free_planes(qp0, C, j->F * hop);
    } else {
        v4a_mdct m;
        int32_t *y = malloc((j->L ? j->L : 1) * sizeof *y);
        if (!y || v4a_mdct_init(&m, hop)) {
            free(y);
            return NULL;
        }
        int bad = 0;
        for (unsigned c = 0; c < C && !bad; c++) {
            bad = synthesise(&m, j->q[c], 0, j->F, j->L, channel_step(P, c), NULL, y);
            for (uint64_t t = 0; t < j->L; t++)
                j->x[c][t] -= y[t];
        }
        v4a_mdct_free(&m);
        free(y);
        v4_enc e;
        v4_enc_init(&e);
        bad = bad || code_remainder(&e, NULL, P, j->L, j->x) || e.oom ||
              finish_stream(&e, &j->s->tier[3], &j->s->tier_len[3], 0, NULL);
        v4_enc_free(&e);
        if (bad)
            return NULL;
    }
    j->rc = 0;
    return NULL;
}

static int encode_item(void *ctx, unsigned i, unsigned thread)
{
    coder_job *jobs = ctx;
    (void)thread;
    if (i < 2) {
        encode_worker(&jobs[i]);
        return jobs[i].rc;
    }
    return encode_group(&jobs[0], i - 2);
}

/* What the two decode workers share: the shares wait for the coarse layers (their context). */
typedef struct decode_sync {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int layers_done, layers_rc;
} decode_sync;

static int wait_layers(decode_sync *s)
{
    pthread_mutex_lock(&s->mu);
    while (!s->layers_done)
        pthread_cond_wait(&s->cv, &s->mu);
    int rc = s->layers_rc;
    pthread_mutex_unlock(&s->mu);
    return rc;
}

/* The shares present of group g, in one pass over the tiles. */
static int decode_group(coder_job *j, unsigned g)
{
    const v4a_streams *in = j->in;
    if (!j->use_shares || !in->u)
        return 0;
    v4_dec *decs = malloc(in->n * sizeof *decs), **live = calloc(in->n, sizeof *live);
    int rc = -1;
    if (decs && live) {
        for (unsigned i = g; i < in->n; i += SHARE_GROUPS)
            if (in->u[i]) {
                v4_dec_init(&decs[i], in->u[i], in->u_len[i]);
                live[i] = &decs[i];
            }
        rc = code_shares(NULL, live, j->P, in->n, g, NULL, j->qp, j->F);
    }
    free(decs);
    free(live);
    return rc;
}

/* Side 0 decodes the coarse layers, side 1 the remainder (independent of them) meanwhile;
 * the groups of U shares wait for the layers (item 0 is always taken first, so never in
 * vain). */
static void *decode_worker(void *arg)
{
    coder_job *j = arg;
    const v4a_streams *in = j->in;
    decode_sync *sy = j->sync;
    j->rc = -1;
    if (j->side == 0) {
        int rc = 0;
        for (unsigned l = 0; l < j->have && !rc; l++) {
            size_t off = l ? 0 : PARAM_LEN + j->P->recipe_len;
            v4_dec d;
            v4_dec_init(&d, in->tier[l] + off, in->tier_len[l] - off);
            rc = code_layer(NULL, &d, j->P, l, NULL, j->qp, j->F);
        }
        pthread_mutex_lock(&sy->mu);
        sy->layers_done = 1;
        sy->layers_rc = rc;
        pthread_cond_broadcast(&sy->cv);
        pthread_mutex_unlock(&sy->mu);
        if (rc)
            return NULL;
    } else if (j->r) {
        v4_dec d;
        v4_dec_init(&d, in->tier[3], in->tier_len[3]);
        if (code_remainder(NULL, &d, j->P, j->L, j->r))
            return NULL;
    }
    j->rc = 0;
    return NULL;
}

static int decode_item(void *ctx, unsigned i, unsigned thread)
{
    coder_job *jobs = ctx;
    (void)thread;
    if (i < 2) {
        decode_worker(&jobs[i]);
        return jobs[i].rc;
    }
    return wait_layers(jobs[0].sync) || decode_group(&jobs[0], i - 2);
}

/* Side s synthesises half of the frames of every channel (even with one channel, both cores
 * work). */
static void *synth_worker(void *arg)
{
    coder_job *j = arg;
    const unsigned hop = j->P->hop;
    v4a_mdct m;
    j->rc = -1;
    if (v4a_mdct_init(&m, hop))
        return NULL;
    uint64_t half = j->F / 2, f0 = j->side ? half : 0, f1 = j->side ? j->F : half;
    for (unsigned c = 0; c < j->P->channels; c++)
        if (synthesise(&m, j->qp[c], f0, f1, j->L, channel_step(j->P, c), j->r ? j->r[c] : NULL, j->x[c])) {
            v4a_mdct_free(&m);
            return NULL;
        }
    v4a_mdct_free(&m);
    j->rc = 0;
    return NULL;
}

int v4a_encode(const v4a_pcm *p, const uint8_t *recipe, size_t recipe_len, const v4a_opts *o,
               v4a_streams *out, holo_err *err)
{
    memset(out, 0, sizeof *out);
    if (p->channels < 1 || p->channels > V4A_MAX_CHANNELS || (p->bits != 8 && p->bits != 16 && p->bits != 24))
        return holo_seterr(err, HOLO_EUNSUPPORTED, "HO4A: %u channels of %u bits not supported", p->channels, p->bits);
    if (p->frames * p->channels > V4A_MAX_SAMPLES)
        return holo_seterr(err, HOLO_EUNSUPPORTED, "HO4A: too many samples");
    if (o->n < 1 || o->n > V4C_MAX_CHUNKS)
        return holo_seterr(err, HOLO_EINVAL, "HO4A: chunk count %u out of range", o->n);
    if (o->revision > 3)
        return holo_seterr(err, HOLO_EINVAL, "HO4A: revision %u does not exist", o->revision);
    if (recipe_len > (1u << 24))
        return holo_seterr(err, HOLO_EUNSUPPORTED, "HO4A: %zu bytes around the samples", recipe_len);
    params P = { .rev = o->revision ? o->revision : 3, .channels = p->channels, .bits = p->bits, .rate = p->rate, .frames = p->frames,
                 .recipe_len = (uint32_t)recipe_len };
    P.ms = (unsigned)want_ms(p);
    double snr[V4A_LAYERS];
    v4a_targets(o->n, o->compact, snr, out->m);
    out->n = o->n;
    out->max_pcm_bytes = p->frames * p->channels * (p->bits / 8);
    uint64_t L = p->frames, F = 0;
    unsigned C = p->channels;
    int32_t **x = alloc_planes(C, L), **q = NULL, **qp = NULL;
    double efine = 0, ex = 0;
    int rc = HOLO_ENOMEM;
    if (!x)
        goto done;
    to_channels(p, (int)P.ms, x);
    for (uint64_t i = 0; i < L * C; i++)
        ex += (double)p->s[i] * p->s[i];
    if (!(P.hop = choose_hop(&P, x)))
        goto done;
    F = nframes(L, P.hop);
    q = alloc_planes(C, F * P.hop);
    qp = alloc_planes(C, F * P.hop);
    if (!q || !qp)
        goto done;
    if (analyse(&P, x, F, q, &efine))
        goto done;
    /* each layer: the coarsest step that meets its SNR (0 dB target: the layer is empty) */
    int64_t most = apply_step(&P, q, qp, F * P.hop, 0);   /* max |q| */
    for (unsigned l = 0; l < V4A_LAYERS; l++) {
        /* the last coarse layer is decoded with at least m2 chunks' U shares */
        unsigned shares = l + 1 == V4A_LAYERS ? out->m[l] : 0;
        P.step[l] = pick_step(&P, q, qp, F, ex, efine, snr[l], o->n, shares, most);
        if (P.step[l])
            most = apply_step(&P, q, qp, F * P.hop, P.step[l]);
    }
    uint8_t *pre = malloc(PARAM_LEN + recipe_len + 1);
    out->u = calloc(o->n, sizeof *out->u);
    out->u_len = calloc(o->n, sizeof *out->u_len);
    if (!pre || !out->u || !out->u_len) {
        free(pre);
        goto done;
    }
    params_emit(&P, pre);
    if (recipe_len)
        memcpy(pre + PARAM_LEN, recipe, recipe_len);
    /* two threads: the coarse layers and the remainder, then the shares */
    coder_job jobs[2] = {
        { .P = &P, .F = F, .L = L, .q = q, .qp = qp, .x = x, .s = out, .pre = pre, .pre_len = PARAM_LEN + recipe_len, .side = 0 },
        { .P = &P, .F = F, .L = L, .q = q, .qp = qp, .x = x, .s = out, .side = 1 },
    };
    int bad = par_for(CODER_ITEMS, 2, encode_item, jobs);
    free(pre);
    if (bad)
        goto done;
    rc = 0;
done:
    free_planes(x, C, L);
    free_planes(q, C, F * P.hop);
    free_planes(qp, C, F * P.hop);
    if (rc) {
        v4a_streams_free(out);
        return holo_seterr(err, rc, "HO4A: out of memory");
    }
    return 0;
}

int v4a_decode(const v4a_streams *in, v4a_pcm *out, const uint8_t **recipe, size_t *recipe_len,
               int *exact, holo_err *err)
{
    memset(out, 0, sizeof *out);
    *exact = 0;
    params P;
    if (!in->tier[0])
        return holo_seterr(err, HOLO_EINVAL, "HO4A: no parameters");
    int rc = params_parse(in->tier[0], in->tier_len[0], &P, err);
    if (rc)
        return rc;
    if (P.frames * P.channels * (P.bits / 8) > in->max_pcm_bytes)
        return holo_seterr(err, HOLO_EINVAL, "HO4A: parameters claim more samples than the file holds");
    *recipe = in->tier[0] + PARAM_LEN;
    *recipe_len = P.recipe_len;
    uint64_t L = P.frames, F = nframes(L, P.hop);
    const unsigned hop = P.hop;
    unsigned C = P.channels;
    out->channels = C;
    out->bits = P.bits;
    out->rate = P.rate;
    out->frames = L;
    /* The coefficients in one block, whose pages (faulted in by then) take the interleaved
     * samples once synthesis has read them: ~10 MB fewer fresh pages per 30 s stereo. */
    const uint64_t qlen = (uint64_t)C * F * hop;
    int32_t *qblock = plane_alloc(qlen), *qplanes[V4A_MAX_CHANNELS], **q = qplanes, **x = alloc_planes(C, L);
    for (unsigned c = 0; qblock && c < C; c++)
        qplanes[c] = qblock + c * F * hop;
    rc = HOLO_ENOMEM;
    if (!qblock || !x)
        goto done;
    unsigned have = 0;
    while (have < V4A_LAYERS && in->tier[have])
        have++;
    unsigned shares = 0;
    for (unsigned i = 0; have == V4A_LAYERS && in->u && i < in->n; i++)
        shares += in->u[i] != NULL;
    *exact = have == V4A_LAYERS && shares == in->n && in->tier[3];
    /* with every chunk the remainder is decoded into x, and synthesis adds to it */
    int32_t **r = *exact ? x : NULL;
    /* two workers: the layers, the remainder, then the shares; then the channels */
    decode_sync sync = { .mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER };
    coder_job jobs[2] = {
        { .P = &P, .F = F, .L = L, .qp = q, .x = x, .r = r, .in = in, .n = in->n, .side = 0,
          .use_shares = have == V4A_LAYERS, .have = have, .sync = &sync },
        { .P = &P, .F = F, .L = L, .qp = q, .x = x, .r = r, .in = in, .n = in->n, .side = 1,
          .use_shares = have == V4A_LAYERS, .have = have, .sync = &sync },
    };
    int bad = par_for(CODER_ITEMS, 2, decode_item, jobs);
    pthread_mutex_destroy(&sync.mu);
    pthread_cond_destroy(&sync.cv);
    if (bad)
        goto done;
    v4a_run2(synth_worker, &jobs[0], synth_worker, &jobs[1]);
    if (jobs[0].rc || jobs[1].rc)
        goto done;
    out->s = qblock;                  /* q is read; L * C <= qlen */
    out->s_plane = qlen;
    qblock = NULL;
    interleave_job halves[2] = { { .x = x, .ms = (int)P.ms, .p = out, .t0 = 0, .t1 = L / 2 },
                                 { .x = x, .ms = (int)P.ms, .p = out, .t0 = L / 2, .t1 = L } };
    v4a_run2(from_channels, &halves[0], from_channels, &halves[1]);
    rc = 0;
done:
    plane_free(qblock, qlen);
    free_planes(x, C, L);
    if (rc) {
        v4a_pcm_free(out);
        return holo_seterr(err, rc, "HO4A: out of memory");
    }
    return 0;
}

int v4a_peek_format(const uint8_t *tier0, size_t len, v4a_format *f)
{
    params P = {0};   /* filled by params_parse; zeroed for gcc -O3's maybe-uninitialized */
    if (params_parse(tier0, len, &P, NULL))
        return -1;
    *f = (v4a_format){ .channels = P.channels, .bits = P.bits, .rate = P.rate, .frames = P.frames };
    return 0;
}

void v4a_streams_free(v4a_streams *s)
{
    for (unsigned t = 0; t < V4A_TIERS; t++) {
        free(s->tier[t]);
        s->tier[t] = NULL;
    }
    if (s->u)
        for (unsigned i = 0; i < s->n; i++)
            free(s->u[i]);
    free(s->u);
    free(s->u_len);
    s->u = NULL;
    s->u_len = NULL;
}

void v4a_pcm_free(v4a_pcm *p)
{
    if (p->s_plane)
        plane_free(p->s, p->s_plane);
    else
        free(p->s);
    p->s = NULL;
    p->s_plane = 0;
}
