/* v4_codec.h — internals of the v4 layered wavelet image codec (doc/holo4.md, holo(5) "HOV4").
 * One section per v4_*.c file; the pieces every v4 codec shares are in v4_container.h. */
#ifndef HOLO_V4_CODEC_H
#define HOLO_V4_CODEC_H

#include <stddef.h>
#include <stdint.h>
#include "holo.h"
#include "v4_container.h"
#include "recipe.h"

/* ---- v4_dwt.c: YCoCg-R and reversible LeGall 5/3 (bit-exact, every size >= 1x1) ---------- */
#define V4_MAX_LEVELS 16
#define V4_MAX_BANDS (3 * (1 + 3 * V4_MAX_LEVELS))

/* Levels L: smallest L with max(W,H) / 2^L <= 16. */
int v4_levels(uint32_t w, uint32_t h);
/* rgb (H*W*3) -> three planes Y, Co, Cg of int32 (H*W each). */
void v4_ycocg_fwd(const uint8_t *rgb, size_t npix, int32_t *y, int32_t *co, int32_t *cg);
/* Inverse with clamping to 0..255 (partial reconstructions can leave the range). */
void v4_ycocg_inv(const int32_t *y, const int32_t *co, const int32_t *cg, size_t npix,
                  uint8_t *rgb);
/* In-place L-level 2-D transform of a w x h plane (Mallat layout: LL top-left).
 * Returns 0 or -1 when the scratch buffer cannot be allocated. */
int v4_dwt_fwd(int32_t *p, uint32_t w, uint32_t h, int levels);
int v4_dwt_inv(int32_t *p, uint32_t w, uint32_t h, int levels);

/* A subband: rectangle of the Mallat plane. Order: LL_L, then per level L..1: HL, LH, HH. */
typedef struct v4_band {
    uint32_t x0, y0, w, h;    /* rectangle in the plane */
    int level;                /* 1..L (LL: L; L = 0 means the untransformed plane) */
    int orient;               /* 0 LL, 1 HL, 2 LH, 3 HH */
} v4_band;
/* Fill bands[] for one component; returns the count 1 + 3L. */
int v4_bands(uint32_t w, uint32_t h, int levels, v4_band *bands);
/* Synthesis energy (pixel-domain sum of squares per unit coefficient) of each band of one
 * component, measured on the integer transform itself. */
void v4_band_weights(uint32_t w, uint32_t h, int levels, double *wt);

/* ---- v4_format.c: the HOV4 chunk header -------------------------------------------------- */
#define V4_MAGIC "HOV4"
#define V4_REVISION 2         /* 2: the PET ladder of protected levels (1: T0/T1/T2, not read) */
#define V4_HDR_LEN 50         /* fixed part; the LEB128 lengths of levels 1.. follow (v4_hdr_size) */
#define V4_CRC_OFF 46
#define V4_MAX_PT 16          /* protected levels at most (the ladder of v4_ladder) */
#define V4_HDR_MAX (V4_HDR_LEN + 5 * (V4_MAX_PT - 1))
#define V4_FLAG_LOSSY 1u
#define V4_FLAG_GREY 2u
/* the top level is a PNG of the whole image; the levels between are empty, no U
 * (doc/holo4.md §Limits) */
#define V4_FLAG_GRAPHICS 4u
#define V4_FLAG_RECIPE 8u      /* T0 starts with the file prefix of v4_recipe.c */
/* every 2x2 block of the image is one colour (a pixel-doubled picture): the planes and
 * streams are of the W/2 x H/2 image, the decoder repeats each pixel (W, H even) */
#define V4_FLAG_DOUBLED 16u

typedef struct v4_hdr {
    uint8_t version;          /* V4_REVISION */
    uint8_t flags;
    uint32_t width, height;
    uint16_t B, id;
    uint8_t levels, tile_log2, lattice, ncomp;
    uint64_t content_id;
    uint8_t np;               /* protected levels (v4_ladder(B)) */
    uint8_t m[V4_MAX_PT];     /* level t is recovered from any m[t] chunks (m[0] = 1) */
    uint8_t m1, m2;           /* m of the 28 dB and of the 35 dB guarantee (m2 = m[np-1]) */
    uint32_t s0_len;          /* = s_len[0] */
    uint32_t s_len[V4_MAX_PT], u_len;
    uint16_t psnr1, psnr2, psnr_all;  /* centi-dB guarantees measured by the encoder;
                                         psnr_all 0xFFFF = lossless */
    uint32_t crc;
} v4_hdr;

/* Lengths stored up to B times (the level lengths of the header, the component lengths of a
 * level stream): LEB128, 7 bits a byte, low first, high bit = more, 1 to 5 bytes.
 * v4_leb_get returns the bytes read, 0 when cut short, over 5 bytes or 32 bits, or not the
 * shortest form. Both are holo_leb128_* (leb128.h) with these bounds. */
size_t v4_leb_put(uint8_t *p, uint32_t v);
size_t v4_leb_get(const uint8_t *p, size_t len, uint64_t *v);
size_t v4_leb_size(uint64_t v);
/* Header bytes of np levels whose streams are len[0..np) bytes long. */
size_t v4_hdr_size_of(unsigned np, const uint64_t *len);
/* Serialise h (crc is computed over header+payload by v4_hdr_seal); v4_hdr_size(h) bytes. */
void v4_hdr_emit(const v4_hdr *h, uint8_t out[V4_HDR_MAX]);
size_t v4_hdr_size(const v4_hdr *h);
/* Compute the CRC-32 of a whole chunk (crc field taken as zero) and store it. */
void v4_hdr_seal(uint8_t *chunk, size_t len);
/* Parse and validate a whole chunk buffer; checks sizes, caps and CRC. */
int v4_hdr_parse(const uint8_t *buf, size_t len, const char *name, v4_hdr *h, holo_err *err);
/* The same checks without the CRC, from the first len (>= V4_HDR_LEN) bytes of a chunk whose
 * whole size is total (directory listings: headers only). */
int v4_hdr_parse_head(const uint8_t *buf, size_t len, uint64_t total, const char *name,
                      v4_hdr *h, holo_err *err);
/* Size of the coded planes: the header's W x H, halved when V4_FLAG_DOUBLED. */
uint32_t v4_plane_w(const v4_hdr *h);
uint32_t v4_plane_h(const v4_hdr *h);
/* Expected sizes. */
unsigned v4_m1_for(unsigned B);
unsigned v4_m2_for(unsigned B);
unsigned v4_lattice_for(unsigned B);
/* The PET ladder of B chunks: m[0..np) ascending, m[0] = 1, every k = 1..ceil(B/2) when that
 * is at most V4_MAX_PT, else a geometric ladder holding ceil(B/8); m[np-1] = ceil(B/2).
 * (B <= 2: {1, 1}, so the graphics layout has a level above T0.) Returns np. */
unsigned v4_ladder(unsigned B, uint8_t m[V4_MAX_PT]);
/* Index of the level whose m is m (the largest m[t] <= m). */
unsigned v4_level_of(const uint8_t *m, unsigned np, unsigned k);
/* Bytes of the payload after the header (T0, every level's row, U). */
size_t v4_chunk_payload(const v4_hdr *h);
/* Offset of level t's row (t >= 1) inside a chunk; U follows the last. */
size_t v4_level_off(const v4_hdr *h, unsigned t);

/* ---- v4_tiers.c: bit-plane tiers and their entropy coding -------------------------------- */
#define V4_TIERS (V4_MAX_PT + 1) /* protected levels T0..T(np-1), then U at index np */
#define V4_MAX_SHIFT 27       /* coefficient magnitudes stay below 2^28 */
#define V4_EMPTY_SHIFT 28     /* s0 of a band with nothing in T0 (s_t = s_t-1: tier t empty) */
#ifndef V4_RECON_NUM
#define V4_RECON_NUM 6        /* dequantise q to q 2^s + (6/16) 2^s: wavelet magnitudes fall off */
#endif
#define V4_SEG 32             /* row segment of one zero flag */
#define V4_NACT 9             /* activity classes */
#define V4_NCTX (2 * V4_NACT + 3) /* activity classes x parent (0 / significant) + 3 refinement */
#define V4_REF_CTX (2 * V4_NACT)  /* the first refinement context */

typedef struct v4_model {     /* adaptive binary models of one (band, tier) */
    v4_prob e[V4_NCTX][32];   /* unary bit-length decisions */
    v4_prob m[V4_NCTX][32];   /* first bit below the leading one, per bit length */
    v4_prob z[8];             /* row segment has a non-zero value (3 context bits) */
    v4_prob sgn[9];           /* sign, by the signs of the W and N neighbours */
} v4_model;

typedef struct v4_counts {   /* decision counts of one band (encoder, U table) */
    uint32_t e[V4_NCTX][32][2];
    uint32_t m[V4_NCTX][32][2];
} v4_counts;

/* Coefficient state shared by the encoder and the decoder. */
typedef struct v4_image {
    uint32_t w, h;
    int levels, ncomp, nbands;        /* nbands per component; global band gb = c*nbands+b */
    v4_band bands[1 + 3 * V4_MAX_LEVELS];
    double weight[V4_MAX_BANDS];      /* synthesis energy incl. colour weight */
    uint8_t shift[V4_MAX_BANDS][V4_TIERS]; /* s0 >= s1 >= ... >= s(np-1) >= sU = shift[np] */
    int np;                           /* protected levels (v4_ladder); U is tier np */
    uint8_t m[V4_MAX_PT];
    int32_t *coef[3];                 /* encoder: exact coefficients (NULL in the decoder) */
    int32_t *known[3];                /* |c| >> s_t for the levels coded so far */
    int32_t *fine[3];                 /* |c| >> sU in tiles whose U was coded */
    uint8_t *sign[3];                 /* 1 = negative, valid once the magnitude is non-zero */
    int32_t *rec[3];                  /* dequantised / reconstructed planes (decoder: fine[]) */
    int shared_rec;
    v4_model *models;                 /* [gb][np] for the protected levels */
    v4_model *uinit;                  /* [gb] initial U models (table at the end of the top level) */
    uint32_t B, lattice;
    int tile_log2;
    uint32_t tiles_x, tiles_y;
    uint8_t *tile_u;                  /* 1 when the tile's U is in fine[] */
    uint32_t amax[V4_MAX_BANDS];      /* encoder: largest magnitude of each band */
} v4_image;

int v4_image_alloc(v4_image *im, uint32_t w, uint32_t h, int ncomp, uint32_t B, int enc);
void v4_image_free(v4_image *im);
/* Reset known/fine/sign/tile_u and models (before a new coding pass over the same image). */
void v4_image_reset(v4_image *im);
/* log2 of the tile side: 32 px, smaller until there are at least B tiles (down to 1 px). */
int v4_tile_log2_for(uint32_t w, uint32_t h, uint32_t B);
static inline uint32_t v4_tile_chunk(const v4_image *im, uint32_t tx, uint32_t ty)
{
    return (uint32_t)(((uint64_t)tx + (uint64_t)im->lattice * ty) % im->B);
}

/* Level t (0..np-1) of the whole image, one sub-stream per component (coded in parallel when
 * threads > 1). Each sub-stream starts with the level's shift table; the top level's ends with
 * the U table.
 * v4_code_tier fills e->buf/e->len (e need not be initialised). */
int v4_code_tier(v4_image *im, int t, v4_enc *e, int threads);
/* Decode tiers 0..*upto (bufs[t]: the tier's whole stream, NULL when not recovered), each
 * component's tiers in sequence on its own thread. *upto is lowered to the last tier whose
 * stream layout is sound; -1 when T0 is unusable (bad layout or shift table). */
int v4_decode_tiers(v4_image *im, const uint8_t *const *bufs, const size_t *lens, int *upto,
                    int threads);
/* The checks of a T0 stream that need no image planes: its component layout and every
 * component's shift table, for a w x h image of ncomp components. 0, or -1 when
 * v4_decode_tiers would find T0 unusable. Lets a decoder refuse a header whose T0 cannot be
 * that image's before allocating planes of the claimed size. */
int v4_check_t0(uint32_t w, uint32_t h, int ncomp, const uint8_t *t0, size_t len);
/* U stream of one chunk: every tile mapped to `chunk`, tiles in raster order. model holds
 * nbands*ncomp v4_model (scratch, reset here). */
int v4_code_u(v4_image *im, uint32_t chunk, v4_model *model, v4_enc *e);
int v4_decode_u(v4_image *im, uint32_t chunk, v4_model *model, const uint8_t *buf, size_t len);
/* Dequantise into rec[] from what is known: tiles with tile_u from fine[] at sU (when
 * have == np-1, the top level), the rest from known[] truncated to tier `have` (-1 = nothing known);
 * known[] holds tier known_tier >= have. */
void v4_dequant(v4_image *im, int have, int known_tier);
/* v4_dequant (have, known_tier), inverse DWT and inverse colour transform into rgb (H*W*3),
 * one thread per component when threads > 1. */
int v4_reconstruct(v4_image *im, int have, int known_tier, uint8_t *rgb, int threads);

/* Largest magnitude of every band into im->amax (encoder, after the forward transform). */
void v4_band_maxima(v4_image *im);
/* Swap in the shifts as coded: a tier holding only zeros in a band (amax below 2^s_t) is
 * marked empty (s0 = 28, s_t = s_t-1) and costs nothing. model receives the shifts to put
 * back (memcpy) after coding. */
void v4_coded_shifts(v4_image *im, uint8_t model[V4_MAX_BANDS][V4_TIERS]);
/* T0 alone at the current shifts, as coded (v4_coded_shifts around a reset and
 * v4_code_tier): trial encodes of T0 and the graphics preview. e need not be initialised. */
int v4_code_t0(v4_image *im, v4_enc *e, int threads);

/* ---- v4_graphics.c: the graphics layout for flat synthetic images ----------------------- */
/* 1 when at least half the pixels repeat their left neighbour exactly. */
int v4_looks_flat(const uint8_t *rgb, uint32_t w, uint32_t h);
/* The smallest PNG of the image over a few filters and zlib strategies (level 9). */
int v4_best_png(const uint8_t *rgb, uint32_t w, uint32_t h, int threads, uint8_t **out,
                size_t *outlen);
/* T0 of the layout (LL bands only) into t0; leaves known[]/sign[] as a decoder of T0 has
 * them, for measuring. 0 or -1 (out of memory). */
int v4_graphics_t0(v4_image *im, v4_enc *t0, size_t pnglen, int threads);
/* Pixels from a recovered top level (a PNG of the header's size; malloc'd), or NULL after a
 * warning through o. */
uint8_t *v4_graphics_pixels(const uint8_t *png, const v4_hdr *h, const char *nm,
                            const holo_decode_opts *o);

/* ---- v4.c: encoder entry from pixels (for tools and tests) ------------------------------- */
typedef struct v4_stats {
    uint64_t total_bytes;
    uint64_t t0, t1, t2, u;           /* stream sizes: T0, the levels 1..np-2 together, the
                                         top level (before RS spreading), U */
    double psnr1, psnr2, psnr_all;    /* measured guarantees (any m1, worst m2, all) */
    int graphics;                     /* 1: the graphics layout (top level = PNG) was chosen */
    int np;                           /* protected levels */
    uint8_t m[V4_MAX_PT];             /* any m[t] chunks recover level t */
    uint64_t lvl[V4_MAX_PT];          /* level stream sizes */
    double lvl_psnr[V4_MAX_PT];       /* PSNR of levels 0..t (top: worst m2 subset with U) */
} v4_stats;

int holo_v4_encode_rgb(const uint8_t *rgb, uint32_t w, uint32_t h, int grey, const char *tmpdir,
                       const holo_encode_opts *o, const char *name, v4_stats *st, holo_err *err);
/* The same, with `prefix` (prefix_len bytes) put at the start of T0 - in every chunk, under
 * its CRC - and flag bit 3 set: the file prefix of v4_recipe.c. */
int v4_encode_rgb_prefixed(const uint8_t *rgb, uint32_t w, uint32_t h, int grey,
                           const char *tmpdir, const holo_encode_opts *o, const char *name,
                           const uint8_t *prefix, size_t prefix_len, v4_stats *st,
                           holo_err *err);
/* Decode from in-memory chunks (NULL entries are missing). Used by holo_v4_decode and tools.
 * tiers (may be NULL) receives the highest protected level decoded: 0 (T0) .. np-1 (+U). */
int holo_v4_decode_mem(const uint8_t *const *chunks, const size_t *lens, size_t n,
                       const char *const *names, const holo_decode_opts *o, holo_decoded *out,
                       int *tiers, holo_err *err);
/* Describe tiers and guarantees of a chunk directory in text (for holo info): HOV4 images
 * and V4 CONTAINER sets (HO4J, HO4A; holo_v4_layout_read). */
int holo_v4_describe(const char *dir, char *out, size_t outsz, holo_err *err);

/* ---- v4_format.c: the tiers of a V4 CONTAINER set, as holo info shows them --------------- */
typedef struct holo_v4_layout {
    char magic[5];            /* "HO4J", "HO4A", "HO4B" */
    unsigned n, present;      /* chunks in the set, usable chunks present */
    uint64_t content_id, length;   /* length: the original file's bytes */
    uint32_t width, height;   /* HO4J: the JPEG's size (from tier 0) */
    unsigned ntiers;
    uint64_t S[V4C_MAX_TIERS];     /* tier t's bytes */
    unsigned m[V4C_MAX_TIERS];     /* any m[t] chunks rebuild it (1: in every chunk) */
    int readable[V4C_MAX_TIERS];   /* tier t can be rebuilt from the chunks present */
} holo_v4_layout;
/* Fill l from dir's headers and replicated tiers; HOLO_EINVAL when dir is not such a set. */
int holo_v4_layout_read(const char *dir, holo_v4_layout *l, holo_err *err);
/* Its text for holo info (lines ending in newlines); the length written, as snprintf. */
int holo_v4_layout_text(const holo_v4_layout *l, char *out, size_t outsz);

/* ---- v4_recipe.c: a v4 image that gives back the user's file (holo(5) "V4 RECIPE") ----- */
/* T0 of a recipe image starts with: u64 file length | SHA-256 of the file | u32 R | R bytes
 * of recipe blob (recipe.h), big-endian like the header; the T0 stream follows. */
#define V4_PREFIX_FIXED 44
/* Bytes of a chunk's start that give the file length and the recipe family. */
#define V4_PREFIX_PEEK (V4_HDR_MAX + V4_PREFIX_FIXED + 4)

typedef struct v4_prefix {
    uint64_t file_len;
    uint8_t sha[32];
    const uint8_t *blob;      /* points into T0 */
    uint32_t bloblen;
} v4_prefix;

/* Parse the prefix from the start of T0 (t0len bytes): its length, or 0 when malformed. */
size_t v4_prefix_parse(const uint8_t *t0, size_t t0len, v4_prefix *p);
/* Codec name from a chunk's first V4_PREFIX_PEEK bytes ("v4 image + PNG recipe", ...);
 * file_len from the prefix (0 without the recipe flag). */
const char *v4_codec_name(const v4_hdr *h, const uint8_t *peek, size_t n, uint64_t *file_len);
/* Encode the recipe's pixels losslessly with the prefix describing file[0..len). */
int holo_v4_encode_recipe(const uint8_t *file, size_t len, const holo_recipe *r,
                          const char *tmpdir, const holo_encode_opts *o, const char *name,
                          holo_err *err);
/* After an exact decode: re-create the file into out->bytes and check its SHA-256 (a
 * mismatch warns through o and leaves only the pixels). */
void v4_recipe_restore(const v4_prefix *p, holo_decoded *out, const char *name,
                       const holo_decode_opts *o);

#endif
