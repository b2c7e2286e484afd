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
/* The byte output of renormalisation (carry through the cached byte; not for callers). */
void v4_enc_shift_low(v4_enc *e);
#define V4_RC_TOP (1u << 24)
/* One bit with P(0) = p0 / 65536 given by the caller's own model (inline: the inner loop of
 * coders that adapt their probabilities themselves). */
static inline void v4_enc_bit_p0(v4_enc *e, uint32_t p0, int bit)
{
    uint32_t bound = (e->range >> 16) * p0;
    if (!bit) {
        e->range = bound;
    } else {
        e->low += bound;
        e->range -= bound;
    }
    while (e->range < V4_RC_TOP) {
        e->range <<= 8;
        v4_enc_shift_low(e);
    }
}
void v4_enc_raw(v4_enc *e, uint32_t v, int nbits);
/* Flush; returns 0 or -1 on allocation failure. The stream is e->buf[0..e->len). */
int v4_enc_finish(v4_enc *e);
void v4_enc_free(v4_enc *e);

void v4_dec_init(v4_dec *d, const uint8_t *buf, size_t len);

static inline uint32_t v4_prob_p0(const v4_prob *p) { return ((uint32_t)p->fast + p->slow) >> 1; }
static inline void v4_prob_adapt(v4_prob *p, int bit)
{
    /* both candidates computed, one selected: the bit is unpredictable, a branch is not */
    uint16_t f0 = (uint16_t)(p->fast + ((65536u - p->fast) >> 4)), f1 = (uint16_t)(p->fast - (p->fast >> 4));
    uint16_t s0 = (uint16_t)(p->slow + ((65536u - p->slow) >> 6)), s1 = (uint16_t)(p->slow - (p->slow >> 6));
    p->fast = bit ? f1 : f0;
    p->slow = bit ? s1 : s0;
}
/* Inline: the per-bit encoder is the inner loop of every v4 encode. */
static inline void v4_enc_bit(v4_enc *e, v4_prob *p, int bit)
{
    v4_enc_bit_p0(e, v4_prob_p0(p), bit);
    v4_prob_adapt(p, bit);
}
/* Reading past the end yields zero bytes: hostile streams decode to garbage, never out of
 * bounds. */
static inline uint8_t v4_dec_next(v4_dec *d) { return d->pos < d->len ? d->buf[d->pos++] : 0; }
/* One bit with P(0) = p0 / 65536 (the counterpart of v4_enc_bit_p0). */
static inline int v4_dec_bit_p0(v4_dec *d, uint32_t p0)
{
    uint32_t bound = (d->range >> 16) * p0;
    int bit = d->code >= bound;
    d->code -= bit ? bound : 0;
    d->range = bit ? d->range - bound : bound;
    while (d->range < V4_RC_TOP) {
        d->range <<= 8;
        d->code = d->code << 8 | v4_dec_next(d);
    }
    return bit;
}
static inline int v4_dec_bit(v4_dec *d, v4_prob *p)
{
    int bit = v4_dec_bit_p0(d, v4_prob_p0(p));
    v4_prob_adapt(p, bit);
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
/* Column-window entry points, for rows too large to hold whole: dst ^= c * src over len bytes
 * (parity of columns [x, x+w) is the sum over data rows j of coef(id, j) * row_j[x..x+w)), and
 * the m x m matrix inv (row-major) with data_j = sum_r inv[j*m + r] * row(ids[r]). Returns 0,
 * -1 if the ids are not distinct / out of range. */
void v4_rs_mul_add(uint8_t *dst, const uint8_t *src, size_t len, uint8_t c);
int v4_rs_invert(const unsigned *ids, unsigned m, uint8_t *inv);


/* ---- v4_container.c: the chunk every non-image codec of the family writes ------------------
 * (holo(5) "V4 CONTAINER"; images keep their HOV4 header for now.)
 *
 * A chunk set of n chunks (1 <= n <= 255) carries up to V4C_MAX_TIERS protected streams
 * ("tiers") and, per chunk, an unprotected share U. Tier t is a stream of S_t bytes cut into
 * m_t rows of R_t = ceil(S_t / m_t) bytes (zero padded) and coded with the systematic Cauchy
 * Reed-Solomon code of v4_rs.c: chunk i < m_t carries data row i, chunk i >= m_t the parity row
 * i, so any m_t chunks recover the tier. m_t = 1 puts the whole stream, verbatim, in every chunk
 * (codec parameters, indexes, previews): a replica, not the Cauchy row (which for m = 1 would be
 * the stream scaled by 1/i). A chunk:
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

#include "holo.h"
#define V4C_REVISION 1
#define V4C_MAX_M1 (64u << 20)        /* cap on one chunk's replicated (m = 1) bytes */
#define V4C_MAX_U (1u << 30)          /* cap on one chunk's U */

/* Magic "HO4" + a letter other than 'V' (HOV4 images keep their own header). */
int v4c_probe(const uint8_t *buf, size_t len);
/* Serialise h (its crc fields as given) into out. */
void v4c_hdr_emit(const v4c_hdr *h, uint8_t out[V4C_HDR_LEN]);
/* Parse and check a header against the caps and, when file_size != 0, against the chunk's
 * size (header + rows + U must be exactly file_size). CRCs are not checked here. */
int v4c_hdr_parse(const uint8_t *buf, size_t len, uint64_t file_size, const char *name,
                  v4c_hdr *h, holo_err *err);
/* Row length of tier t (ceil(S/m)) and its offset inside a chunk. */
uint64_t v4c_row_len(const v4c_hdr *h, unsigned t);
uint64_t v4c_row_off(const v4c_hdr *h, unsigned t);

/* Writing. A tier's bytes come from memory (mem) or, for streams too large to hold, from a
 * read callback returning 0 when it filled buf with len bytes from offset off. */
typedef int (*v4c_read_fn)(void *ctx, uint64_t off, void *buf, size_t len);
typedef struct v4c_source {
    unsigned m;                       /* 1..n; 1 = replicated */
    uint64_t S;
    const uint8_t *mem;               /* or NULL: use read/ctx */
    v4c_read_fn read;
    void *ctx;
} v4c_source;

typedef struct v4c_spec {
    char magic[4];
    uint8_t flags;
    unsigned n;
    uint64_t content_id;
    uint8_t sha256[32];
    uint64_t length;
    unsigned ntiers;
    v4c_source tier[V4C_MAX_TIERS];
    const uint8_t *const *u;          /* u[i], u_len[i]: chunk i's U; both NULL = none */
    const uint32_t *u_len;
} v4c_spec;

/* Write chunk_0000.holo .. chunk_{n-1}.holo into dir (an empty temporary directory, committed
 * by the caller with holo_tmpdir_commit). Memory: about (n - m + 2) windows of <= 1 MiB. */
int v4c_write(const char *dir, const v4c_spec *spec, holo_err *err);

/* Reading. Opening scans chunk_*.holo (O_NOFOLLOW), parses every header, keeps the group of
 * the majority (magic, content id, n, length, tiers); chunks that disagree, fail their CRC or
 * repeat an id are skipped with a warning through o->warn, and count as missing. verify:
 * V4C_VERIFY_HEAD reads headers only (for stat: sizes are known, the replicated tiers are not
 * loaded or checked); V4C_VERIFY_M1 also loads and checks the replicated tiers;
 * V4C_VERIFY_ALL also reads every chunk whole through its crc_rows, so that no chunk with a
 * corrupt row or U is ever used (codecs with small chunks that decode them whole: JPEG, audio,
 * dictionaries; binary sets check frames as they read them instead). */
#define V4C_VERIFY_HEAD 0
#define V4C_VERIFY_M1 1
#define V4C_VERIFY_ALL 2
typedef struct v4c_reader v4c_reader;
int v4c_open(const char *dir, const holo_decode_opts *o, int verify, v4c_reader **out,
             holo_err *err);
void v4c_close(v4c_reader *r);
const v4c_hdr *v4c_header(const v4c_reader *r);   /* the set's header (id of one member) */
const char *v4c_dir(const v4c_reader *r);
int v4c_has(const v4c_reader *r, unsigned id);
unsigned v4c_present(const v4c_reader *r);
unsigned v4c_skipped(const v4c_reader *r);        /* chunk files not used */
unsigned v4c_files(const v4c_reader *r);
uint64_t v4c_bytes(const v4c_reader *r);          /* bytes of the chunks used */
int64_t v4c_newest_mtime(const v4c_reader *r);
int v4c_fd(const v4c_reader *r, unsigned id);   /* chunk id's open file, -1: absent */
/* What every codec's holo_info shares, from the reader: kind, version 4, block count, the
 * original length, chunks present/bad/files, chunk bytes, newest mtime, and exact = every
 * chunk present (a codec with a weaker rule overrides it). */
void v4c_fill_info(const v4c_reader *r, holo_kind kind, holo_info *info);
/* The replicated tier t (m = 1), loaded and CRC-checked at open (V4C_VERIFY_M1 and up). */
const uint8_t *v4c_m1(const v4c_reader *r, unsigned t);
/* 1 when stream bytes [off, off+len) of protected tier t can be read (data rows present or
 * at least m chunks). */
int v4c_readable(const v4c_reader *r, unsigned t, uint64_t off, uint64_t len);
/* Read [off, off+len) of tier t: data rows by pread, missing rows rebuilt column-wise from m
 * chunks. avoid (or V4C_NO_AVOID): a chunk id not to trust (its bytes failed a check).
 * HOLO_EHOLE when too few chunks hold the range. Safe to call from several threads. */
#define V4C_NO_AVOID 0xFFFFu
/* Read chunk id whole (rows and U) through its crc_rows: 0, HOLO_EINVAL when it differs. */
int v4c_check_rows(const v4c_reader *r, unsigned id, holo_err *err);
/* Chunk id's U share (malloc'd into *u), after checking the CRC of the chunk's rows and U;
 * HOLO_EINVAL when the chunk fails it. Reads the chunk whole: for codecs with small chunks. */
int v4c_read_u(const v4c_reader *r, unsigned id, uint8_t **u, uint32_t *len, holo_err *err);
int v4c_read(const v4c_reader *r, unsigned t, uint64_t off, void *buf, size_t len,
             unsigned avoid, holo_err *err);
/* Count chunk id as missing for every later v4c_read / v4c_readable (its bytes failed a
 * check: several corrupt chunks are avoided together). Safe with concurrent reads. */
void v4c_distrust(v4c_reader *r, unsigned id);

#endif
