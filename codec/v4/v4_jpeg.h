/* v4_jpeg.h — JPEG files in the v4 family (holo(5) "HO4J"). A Huffman-coded JPEG is split into
 * its quantized DCT coefficients and a "recipe" (the file minus its entropy-coded data, plus
 * the few encoder choices the coefficients do not determine); the two rebuild the file byte
 * for byte. One section per v4_jpeg_*.c file. */
#ifndef HOLO_V4_JPEG_H
#define HOLO_V4_JPEG_H

#include <stddef.h>
#include <stdint.h>
#include "holo.h"
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#define V4J_MAX_COMP 4
#define V4J_MAX_SCANS 512
#define V4J_MAX_COEFS (1u << 27)      /* 256 MiB of int16: a 40 MP 4:4:4 photo fits */
#define V4J_MAX_BLOCKS_PER_MCU 10     /* ITU T.81 B.2.3 */

/* One Huffman table as sent in DHT, with what decoding and encoding need. */
typedef struct v4j_huff {
    uint8_t defined;
    uint16_t nvals;            /* 0..256 */
    uint8_t bits[17];          /* codes of each length 1..16 */
    uint8_t vals[256];
    int32_t maxcode[18];       /* largest code of each length, -1 if none; [17] sentinel */
    int32_t valoff[17];        /* vals index of a code c of length l: c + valoff[l] */
    uint16_t look[256];        /* 8-bit lookahead: len << 8 | symbol, 0 = longer code */
    uint16_t code[256];        /* encoder: code and length of each symbol (0 = none) */
    uint8_t size[256];
} v4j_huff;

typedef struct v4j_comp {
    uint8_t id, h, v, tq;
    uint32_t wb, hb;           /* blocks covering the component (non-interleaved scans) */
    uint32_t bw, bh;           /* blocks of the MCU-padded plane: coef holds bw * bh blocks */
    int16_t *coef;             /* 64 per block, zig-zag order, blocks row by row */
    int16_t *dc;               /* the blocks' DC side by side (v4j_dc_gather), or NULL */
} v4j_comp;

typedef struct v4j_scan {
    uint8_t ns, comp[V4J_MAX_COMP], td[V4J_MAX_COMP], ta[V4J_MAX_COMP];
    uint8_t ss, se, ah, al;
} v4j_scan;

/* A padding exception: the bits that fill the last byte of entropy-coded segment `seg`
 * (counted over the whole file) when they are not all ones. */
typedef struct v4j_pad {
    uint32_t seg;
    uint8_t bits;
} v4j_pad;

typedef struct v4j_jpeg {
    uint32_t width, height;
    uint8_t sof;               /* 0xC0, 0xC1 or 0xC2 */
    uint8_t ncomp, hmax, vmax;
    uint32_t mcux, mcuy;       /* MCUs of an interleaved scan */
    v4j_comp comp[V4J_MAX_COMP];
    uint16_t qt[4][64];        /* quantisation tables (zig-zag order) as last defined */
    /* The recipe: hdr holds the file without its entropy-coded data; piece i ends at
     * piece_end[i] with an SOS segment whose scan data follows in the file; the last piece
     * (ending at hdr_len) runs to EOI and keeps any trailing data. */
    uint8_t *hdr;
    size_t hdr_len;
    uint32_t nscans;
    uint32_t *piece_end;
    uint32_t npad;
    v4j_pad *pad;
} v4j_jpeg;

/* Tables and restart interval, as the marker segments seen so far define them. */
typedef struct v4j_tables {
    v4j_huff dc[4], ac[4];
    uint32_t restart;
    int have_frame;
    int alloc_planes;          /* a SOF allocates the coefficient planes (parsing, not rebuilding) */
} v4j_tables;

/* Bit k set for each non-zero coefficient b[k] of a block, ss <= k <= se (16 at a time with
 * SSE2): coders walk the non-zeros only. */
static inline uint64_t v4j_nonzero_mask(const int16_t *b, int ss, int se)
{
    uint64_t m = 0;
#ifdef __SSE2__
    const __m128i z = _mm_setzero_si128();
    for (int i = ss >> 4; i <= se >> 4; i++) {
        __m128i lo = _mm_loadu_si128((const __m128i *)(const void *)(b + 16 * i));
        __m128i hi = _mm_loadu_si128((const __m128i *)(const void *)(b + 16 * i + 8));
        __m128i zero = _mm_packs_epi16(_mm_cmpeq_epi16(lo, z), _mm_cmpeq_epi16(hi, z));
        m |= (uint64_t)(~(unsigned)_mm_movemask_epi8(zero) & 0xFFFFu) << (16 * i);
    }
#else
    for (int k = ss; k <= se; k++)
        m |= (uint64_t)(b[k] != 0) << k;
#endif
    return m & (~0ull >> (63 - se)) & (~0ull << ss);
}

extern const uint8_t v4j_natural[64];   /* zig-zag index -> natural (row-major) index */
extern const uint8_t v4j_natural_inv[64];   /* natural index -> zig-zag index */

/* ---- v4_jpeg_markers.c: marker segments, frame geometry and the walk both directions share */
/* Interpret the marker segments of buf[*pos..len) until (and including) an SOS segment
 * (returns 1, *scan filled, *pos after it) or EOI (returns 0, *pos after the EOI marker). Errors (HOLO_EINVAL broken, HOLO_EUNSUPPORTED a kind
 * of JPEG we do not handle) set err with the reason. */
int v4j_walk_markers(v4j_jpeg *j, v4j_tables *t, const uint8_t *buf, size_t len, size_t *pos,
                     v4j_scan *scan, holo_err *err);
/* MCUs in a scan and the blocks of MCU m in coding order (with their index in the scan);
 * returns the count of blocks. */
uint32_t v4j_scan_mcus(const v4j_jpeg *j, const v4j_scan *s);
int v4j_mcu_blocks(const v4j_jpeg *j, const v4j_scan *s, uint32_t m,
                   int16_t *blk[V4J_MAX_BLOCKS_PER_MCU], uint8_t sc[V4J_MAX_BLOCKS_PER_MCU]);
void v4j_free(v4j_jpeg *j);

/* ---- v4_jpeg_par.c: both cores ---------------------------------------------------------- */
#include "par.h"
/* work(ctx, i) for every i in [0, n), on this thread and a second one when there is a second
 * core; returns when all are done. */
void v4j_par_for(unsigned n, void (*work)(void *, unsigned), void *ctx);
/* fn(ctx) on a second thread (inline, before v4j_bg_start returns, on one core) until
 * v4j_bg_join: par.h's par_bg. */
typedef par_bg v4j_bg;
void v4j_bg_start(v4j_bg *b, void (*fn)(void *), void *ctx);
void v4j_bg_join(v4j_bg *b);

/* ---- v4_jpeg_parse.c: JPEG file -> coefficients + recipe -------------------------------- */
/* Parse a whole JPEG file. Refuses arithmetic-coded, 12-bit, lossless and hierarchical JPEGs
 * and broken files, with the reason in err. */
int v4j_parse(const uint8_t *buf, size_t len, v4j_jpeg *j, holo_err *err);
/* Each plane's DC values into comp[c].dc (left NULL without memory: readers fall back). */
void v4j_dc_gather(v4j_jpeg *j);
/* Parse, rebuild and compare: 0 when the file comes back byte for byte, else the refusal or
 * HOLO_EUNSUPPORTED "not reproducible: <why>" (the caller falls back to the binary codec). */
int v4j_parse_exact(const uint8_t *buf, size_t len, v4j_jpeg *j, holo_err *err);
/* The rebuild and compare of a parsed j on a second core while the caller works on j
 * (reading only); finish waits and gives what v4j_parse_exact would (j stays the caller's). */
typedef struct v4j_exact {
    v4j_bg bg;
    const v4j_jpeg *j;
    const uint8_t *buf;
    size_t len;
    int rc;
    holo_err err;
} v4j_exact;
void v4j_exact_start(v4j_exact *x, const v4j_jpeg *j, const uint8_t *buf, size_t len);
int v4j_exact_finish(v4j_exact *x, holo_err *err);

/* ---- v4_jpeg_build.c: coefficients + recipe -> JPEG file ------------------------------- */
/* Rebuild the file from j's recipe and coefficients; *out is malloc'd. */
int v4j_rebuild(const v4j_jpeg *j, uint8_t **out, size_t *outlen, holo_err *err);

/* ---- v4_jpeg_recipe.c: the recipe as bytes --------------------------------------------- */
int v4j_recipe_emit(const v4j_jpeg *j, uint8_t **out, size_t *outlen);
/* Read a recipe (untrusted) into an empty j: sets the frame and allocates zeroed planes. */
int v4j_recipe_read(const uint8_t *buf, size_t len, v4j_jpeg *j, holo_err *err);

/* ---- v4_jpeg_coef.c: context coding of the quantized coefficients ----------------------
 * The encoder and the decoder run the same functions (coder.dec selects), so contexts cannot
 * diverge. Blocks are coded row by row inside a rectangle of one component's plane; the
 * neighbour contexts (left, above) come only from inside the rectangle, so rectangles (U
 * tiles) decode independently once the lower bands are known. */
#include "v4_container.h"

typedef struct v4jc_coder {
    int dec;
    v4_enc *e;
    v4_dec *d;
    float *cost;               /* encoder trials: bits spent per coefficient (NULL: none) */
    int costk;                 /* index: 64 * chroma + zig-zag position, 128 + chroma for DC,
                                  130 + chroma for the counts of non-zeros */
} v4jc_coder;
#define V4JC_COST_SLOTS 132

typedef struct v4jc_rect {
    uint32_t x0, y0, x1, y1;   /* blocks [x0,x1) x [y0,y1) */
} v4jc_rect;

typedef struct v4jc_model v4jc_model;   /* adaptive probabilities, luma and chroma apart */
v4jc_model *v4jc_model_new(void);
void v4jc_model_free(v4jc_model *m);
v4jc_model *v4jc_model_clone(const v4jc_model *m);
/* DC from precision `from` to `to` (DC >> to, floor), from = V4JC_DC_NONE for the first pass;
 * predicted from the left/above/above-left values (MED) and clamped into the coarse step
 * already known. */
#define V4JC_DC_NONE 16
/* Coarse DC steps are taken of DC + 0x5555: zero (mid grey) then lies inside a step at every
 * shift rather than on a boundary. */
#define V4JC_DC_BIAS 0x5555
void v4jc_dc(v4jc_coder *cd, v4jc_model *m, int chroma, v4j_comp *k, int from, int to,
             v4jc_rect r);
/* DC from precision `from` (V4JC_DC_NONE: nothing known) to exact, predicted from the pixels
 * across the edges of the left and above blocks: every block's AC must be known already. */
void v4jc_dc_edge(v4jc_coder *cd, v4jc_model *m, int chroma, v4j_comp *k, const uint16_t *q,
                  int from, v4jc_rect r);
/* AC coefficients [k0,k1) (1 <= k0 < k1 <= 64): per block the count of non-zeros, their
 * positions, magnitudes and signs. */
void v4jc_ac(v4jc_coder *cd, v4jc_model *m, int chroma, v4j_comp *k, int k0, int k1,
             v4jc_rect r);
/* The same with positions below ka seen coarsely, magnitude >> sh with the sign (sh = 0: as
 * v4jc_ac): a band inside [1, ka) is coded coarse (a decoder stores the bottom of each step,
 * sign * (|c| << sh)), and a band above ka takes its contexts from the coarse values. */
void v4jc_ac_coarse(v4jc_coder *cd, v4jc_model *m, int chroma, v4j_comp *k, int k0, int k1,
                    int ka, int sh, v4jc_rect r);
/* Positions [k0, k1) (k1 <= 16, from <= 8) of blocks known as magnitude >> from (the
 * encoder's hold the exact values) refined to magnitude >> to (0: exact). */
void v4jc_ac_refine(v4jc_coder *cd, v4jc_model *m, int chroma, v4j_comp *k, int k0, int k1,
                    int from, int to, v4jc_rect r);

/* ---- v4_jpeg_tiers.c: the streams of an HO4J chunk set ----------------------------------
 * Tier 0 (m = 1, every chunk): parameters, the DQT/SOF segments, a DC thumbnail. Tier 1
 * (m1): a finer thumbnail; at block resolution also the first AC positions (luma before
 * chroma). Tier 2 (m2): every block's coarse DC, then the next AC positions. Tier 3 (m2, or n when large): the recipe (needed for the exact file
 * and the original APPn segments). U: DC refined to exact and the remaining AC of tiles of
 * MCUs spread over the chunks. */
#define V4J_TIERS 4
typedef struct v4j_streams {
    unsigned n, m[V4J_TIERS];
    uint8_t *tier[V4J_TIERS];  /* decoding: NULL when not recoverable */
    size_t S[V4J_TIERS];
    uint8_t **u;               /* u[i], u_len[i]: chunk i's U (decoding: NULL if missing) */
    uint32_t *u_len;
} v4j_streams;

/* Budgets of tiers 0..2 as fractions of the JPEG's size (t0 = 0: sized per photo by the
 * profile: the floors 15/20/27 dB from any 1, 4 and 16 of 32 chunks as far as the set's size
 * allows, the JPEG + 4 KiB by default, 1.25x the JPEG when robust). */
typedef struct v4j_budget {
    double t0, t1, t2;
    int robust;
} v4j_budget;

/* A JPEG into the streams of n chunks. Refusals as v4j_parse_exact. */
int v4j_encode(const uint8_t *jpg, size_t len, unsigned n, const v4j_budget *b,
               v4j_streams *out, holo_err *err);
void v4j_streams_free(v4j_streams *s);
/* Bytes of the chunk set the streams make: a container header per chunk, every tier's row,
 * the U shares. */
uint64_t v4j_set_bytes(const v4j_streams *s);
/* Whatever the present streams give, as a JPEG file: the original bytes when everything is
 * there; otherwise missing coefficients are zero (DC at the middle of its known step), coded
 * with the original headers and Huffman tables when the recipe is present and they can code
 * it, else by libjpeg with optimised tables. */
int v4j_decode(const v4j_streams *in, uint8_t **jpg, size_t *len, holo_err *err);
/* Width and height from tier 0 alone, and the encoder's PSNR estimate (dB, 0: none) from any
 * k[i] chunks; 0 or -1 when it is not valid. */
int v4j_frame_size(const uint8_t *t0, size_t S0, uint32_t *w, uint32_t *h, double est[3],
                   unsigned k[3]);

/* ---- v4_jpeg_chunks.c: HO4J chunk sets on disk (v4 container, magic "HO4J") ------------ */
/* Encoding refuses (HOLO_EUNSUPPORTED) JPEGs it cannot rebuild exactly, with the reason;
 * o->block_count chunks (0: 32). Decoding gives the JPEG bytes (the original, SHA-256 checked,
 * when every chunk is there; info.exact) and their pixels; info gives the geometry. */
int holo_v4_jpeg_encode(const char *input, const char *tmpdir, const holo_encode_opts *o,
                        holo_err *err);
/* verify: also decode the streams and compare with the file before writing (the store policy;
 * a mismatch is HOLO_EUNSUPPORTED, as a refusal). */
int holo_v4_jpeg_encode_ex(const char *input, const char *tmpdir, const holo_encode_opts *o,
                           int verify, holo_err *err);
int holo_v4_jpeg_decode(const char *dir, const holo_decode_opts *o, holo_decoded *out,
                        holo_err *err);
int holo_v4_jpeg_info(const char *dir, holo_info *info, holo_err *err);

/* ---- v4_jpeg_out.c: coefficient planes -> a JPEG by libjpeg ------------------------------ */
/* Baseline JPEG with optimised Huffman tables from j's frame, quantisation tables and planes;
 * the APPn/COM segments of `markers` (a recipe, or NULL) are copied. */
int v4j_write_libjpeg(const v4j_jpeg *j, const v4j_jpeg *markers, uint8_t **out, size_t *len,
                      holo_err *err);

#endif
