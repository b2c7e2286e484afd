/* v4_container.h — what every codec of the v4 family shares: the adaptive binary range coder
 * and the systematic Reed-Solomon erasure code that protects tiers (holo(5) "HOV4").
 * Image-specific parts live in v4_codec.h. */
#ifndef HOLO_V4_CONTAINER_H
#define HOLO_V4_CONTAINER_H

#include <stddef.h>
#include <stdint.h>

/* ---- v4_rc.c: binary adaptive range coder (LZMA-style carry-less renormalisation) --------- */
/* P(bit = 0) in 1/65536 as the mean of a fast (shift 4) and a slow (shift 6) estimate. */
typedef struct v4_prob {
    uint16_t fast, slow;
} v4_prob;
#define V4_PROB_INIT ((v4_prob){ 32768, 32768 })

typedef struct v4_enc {
    uint8_t *buf;
    size_t len, cap;
    uint64_t low;
    uint32_t range;
    uint8_t cache;
    uint64_t cache_size;
    int oom;
} v4_enc;

typedef struct v4_dec {
    const uint8_t *buf;
    size_t len, pos;
    uint32_t range, code;
} v4_dec;

void v4_enc_init(v4_enc *e);
void v4_enc_bit(v4_enc *e, v4_prob *p, int bit);
void v4_enc_raw(v4_enc *e, uint32_t v, int nbits);
/* Flush; returns 0 or -1 on allocation failure. The stream is e->buf[0..e->len). */
int v4_enc_finish(v4_enc *e);
void v4_enc_free(v4_enc *e);

void v4_dec_init(v4_dec *d, const uint8_t *buf, size_t len);

#define V4_RC_TOP (1u << 24)
static inline uint32_t v4_prob_p0(const v4_prob *p) { return ((uint32_t)p->fast + p->slow) >> 1; }
static inline void v4_prob_adapt(v4_prob *p, int bit)
{
    /* both candidates computed, one selected: the bit is unpredictable, a branch is not */
    uint16_t f0 = (uint16_t)(p->fast + ((65536u - p->fast) >> 4)), f1 = (uint16_t)(p->fast - (p->fast >> 4));
    uint16_t s0 = (uint16_t)(p->slow + ((65536u - p->slow) >> 6)), s1 = (uint16_t)(p->slow - (p->slow >> 6));
    p->fast = bit ? f1 : f0;
    p->slow = bit ? s1 : s0;
}
/* Reading past the end yields zero bytes: hostile streams decode to garbage, never out of
 * bounds. */
static inline uint8_t v4_dec_next(v4_dec *d) { return d->pos < d->len ? d->buf[d->pos++] : 0; }
static inline int v4_dec_bit(v4_dec *d, v4_prob *p)
{
    uint32_t bound = (d->range >> 16) * v4_prob_p0(p);
    int bit = d->code >= bound;
    d->code -= bit ? bound : 0;
    d->range = bit ? d->range - bound : bound;
    v4_prob_adapt(p, bit);
    while (d->range < V4_RC_TOP) {
        d->range <<= 8;
        d->code = d->code << 8 | v4_dec_next(d);
    }
    return bit;
}
/* Raw bits, up to 16 at a time: the range is split into 2^k equal parts. */
static inline uint32_t v4_dec_raw(v4_dec *d, int nbits)
{
    uint32_t v = 0;
    while (nbits > 0) {
        int k = nbits > 16 ? 16 : nbits;
        nbits -= k;
        d->range >>= k;
        uint32_t q = d->code / d->range;
        if (q >> k)                   /* only in damaged streams */
            q = (1u << k) - 1;
        d->code -= q * d->range;
        v = v << k | q;
        while (d->range < V4_RC_TOP) {
            d->range <<= 8;
            d->code = d->code << 8 | v4_dec_next(d);
        }
    }
    return v;
}

/* ---- v4_rs.c: GF(2^8) (poly 0x11D) systematic Cauchy Reed-Solomon ------------------------- */
/* Coefficient of row i (m <= i < B) on data row j: 1 / (i XOR j), as ISA-L's
 * gf_gen_cauchy1_matrix. */
uint8_t v4_gf_mul(uint8_t a, uint8_t b);
uint8_t v4_gf_inv(uint8_t a);
uint8_t v4_rs_coef(unsigned i, unsigned j);
/* Row `id` (0 <= id < B <= 255) of a stream of S bytes split into m rows of R = ceil(S/m)
 * bytes (zero padded). out holds R bytes. */
void v4_rs_encode_row(const uint8_t *stream, size_t S, unsigned m, unsigned id, uint8_t *out);
/* Recover the stream (S bytes) from m rows with distinct ids. Returns 0, or -1 if the ids are
 * not distinct / out of range. */
int v4_rs_recover(const uint8_t *const *rows, const unsigned *ids, unsigned m, size_t S,
                  uint8_t *stream);
size_t v4_rs_rowlen(size_t S, unsigned m);


/* ---- v4_container.c: the chunk every non-image codec of the family writes ------------------
 * (holo(5) "V4 CONTAINER"; images keep their HOV4 header for now.)
 *
 * A chunk set of n chunks (1 <= n <= 255) carries up to V4C_MAX_TIERS protected streams
 * ("tiers") and, per chunk, an unprotected share U. Tier t is a stream of S_t bytes cut into
 * m_t rows of R_t = ceil(S_t / m_t) bytes (zero padded) and coded with the systematic Cauchy
 * Reed-Solomon code of v4_rs.c: chunk i < m_t carries data row i, chunk i >= m_t the parity row
 * i, so any m_t chunks recover the tier. m_t = 1 puts the whole stream in every chunk (codec
 * parameters, indexes, previews). A chunk:
 *
 *     header (V4C_HDR_LEN bytes, big-endian) | row of tier 0 | row of tier 1 | ... | U
 *
 *   off  size  field
 *     0     4  magic: "HO4B" binary, "HO4J" JPEG, "HO4A" audio
 *     4     1  revision (1)
 *     5     1  flags (codec-specific)
 *     6     2  n, chunks in the set
 *     8     2  id, this chunk (< n)
 *    10     8  content id: ties the chunks of one encode together
 *    18    32  SHA-256 of the original file (a complete decode is checked against it)
 *    50     8  length of the original file in bytes
 *    58     1  ntiers (0..4)
 *    59     1  reserved, 0
 *    60  4x10  per tier slot: m (u16, 1..n; 0 in unused slots), S (u64)
 *   100     4  u_len: bytes of this chunk's U
 *   104     4  CRC-32 of everything after the header (rows and U)
 *   108     4  CRC-32 of the header (this field as 0) and of every m = 1 row
 *   112        rows, then U
 *
 * The two CRCs let a reader trust the small replicated part (parameters, indexes) from a
 * header-sized read, and check the large rows when it reads a chunk whole. Codecs that read
 * ranges of huge rows (binary) carry their own per-frame checks inside the stream. */
#define V4C_HDR_LEN 112
#define V4C_MAX_TIERS 4
#define V4C_MAX_CHUNKS 255

typedef struct v4c_hdr {
    char magic[4];
    uint8_t revision, flags;
    uint16_t n, id;
    uint64_t content_id;
    uint8_t sha256[32];
    uint64_t length;
    uint8_t ntiers;
    uint16_t m[V4C_MAX_TIERS];
    uint64_t S[V4C_MAX_TIERS];
    uint32_t u_len;
    uint32_t crc_rows, crc_head;
} v4c_hdr;

#endif
