/* v3.h — shared internals of the v3 "olonomic" codecs (doc/formats.md §HOCH v3, §HOAU v3, §HORC):
 * the decode loop that collects coefficient slices (plus HORC recovery), the recovery writer, and
 * the per-kind entry points behind holo_v3_encode / holo_v3_decode. */
#ifndef HOLO_V3_H
#define HOLO_V3_H

#include "internal.h"

/* Kind-specific part of the decode loop. */
typedef struct holo_v3_ops {
    holo_kind kind;
    /* The coefficient count N a candidate reference claims (header and blob; 0 when the blob
     * does not parse), checked against what its set's chunks can carry before set_reference. */
    uint64_t (*count)(const holo_chunk_hdr *h, const uint8_t *blob, size_t len);
    /* A candidate reference chunk: parse its OLOI/OLOA blob and decode the coarse model.
     * On success store what synthesis needs in ctx and set *N (coefficient count). */
    int (*set_reference)(void *ctx, const holo_chunk_hdr *h, const uint8_t *blob, size_t len,
                         const char *name, uint64_t *N, holo_err *err);
    void *ctx;
} holo_v3_ops;

typedef struct holo_v3_set {
    holo_chunk_hdr ref;
    uint64_t N;                /* coefficient count */
    /* The coefficients, read with holo_v3_gather: an N-vector V when that is small or not much
     * larger than the chunks (a real set), else slice by slice as they arrived, so memory follows
     * the chunks present whatever N a header claims. */
    int16_t *V;                /* N values, 0 where nothing arrived; or NULL: */
    int16_t **slice;           /* slice[b]: the first slice_n[b] values of slice b, or NULL */
    uint64_t *slice_n;
    uint64_t inv_step;         /* golden layout: position p is index p * inv_step mod N */
    uint8_t *present;          /* present[b]: slice placed from a file or recovered */
    uint32_t n_present;        /* including recovered */
    uint32_t n_recovered;
    uint32_t n_bad, n_files;
    int64_t newest_mtime_ns;
    uint64_t chunk_bytes;
} holo_v3_set;

/* Read, validate and place the chunks of l (doc/formats.md §HOCH v3 and §HOAU v3, decoding),
 * then run HORC recovery unless o->no_recovery. */
int holo_v3_collect(const holo_chunklist *l, const holo_v3_ops *ops, const holo_decode_opts *o,
                    holo_v3_set *s, holo_err *err);
void holo_v3_set_free(holo_v3_set *s);
/* V[p .. p+count) into out: the values placed for those positions, 0 where none arrived. */
void holo_v3_gather(const holo_v3_set *s, uint64_t p, uint64_t count, int16_t *out);

/* The coefficient count N a v3 image / audio reference claims (holo_v3_ops.count). */
uint64_t holo_image3_count(const holo_chunk_hdr *h, const uint8_t *blob, size_t len);
uint64_t holo_audio3_count(const holo_chunk_hdr *h, const uint8_t *blob, size_t len);

/* The v3 plausibility rule for headers-only readers (holo_info_dir): the N that chunk dir/name
 * (parsed as h) claims against what B slices of at most max_resid bytes can carry, as decoding
 * checks it. 0, or HOLO_EINVAL naming the chunk and its claim. */
int holo_v3_plausible(const char *dir, const char *name, const holo_chunk_hdr *h,
                      uint64_t max_resid, holo_err *err);

/* Common info fields from a collected set. */
void holo_v3_info(const holo_v3_set *s, holo_info *info);

/* i16le bytes of slice b of V (golden layout when B > 1); *len = 2 * slice length. */
uint8_t *holo_v3_slice_bytes(const int16_t *V, uint64_t N, uint32_t B, uint32_t b, size_t *len);

/* Write ceil(B * overhead) recovery_%04u.holo files for V into dir (doc/formats.md §HORC). */
int holo_v3_write_recovery(const char *dir, uint8_t base_kind, const int16_t *V, uint64_t N,
                           uint32_t B, double overhead, holo_err *err);

/* Name handling of doc/formats.md §HOCH v3: ASCII only, trimmed, lower-case,
 * empty -> "downsample". */
void holo_v3_model_name(const uint8_t *p, size_t n, char out[256]);

/* B from explicit count / chunk_kb (doc/formats.md §Block count, kb variant, C = blob length, RB =
 * 2N), clamped to [1, max(1, N)]. */
uint32_t holo_v3_block_count(const holo_encode_opts *o, uint32_t dflt, uint64_t N, size_t blob);

int holo_image3_encode(const char *input, const char *tmpdir, const holo_encode_opts *o,
                       holo_err *err);
int holo_image3_decode(const holo_chunklist *l, const holo_decode_opts *o, holo_decoded *out,
                       holo_err *err);
int holo_audio3_encode(const char *input, const char *tmpdir, const holo_encode_opts *o,
                       holo_err *err);
int holo_audio3_decode(const holo_chunklist *l, const holo_decode_opts *o, holo_decoded *out,
                       holo_err *err);
/* Receives a streamed audio decode: once with pcm = NULL when info (as holo_decode_dir fills
 * it) is known, then the frames in order, `frames` interleaved at a time. A non-zero return
 * (a HOLO_E* code) stops the decode and is returned. */
typedef int (*holo_pcm_sink)(void *ctx, const holo_info *info, const int16_t *pcm,
                             uint64_t frames);
/* holo_audio3_decode without holding the output: synthesised SPAN frames at a time, in memory
 * that follows the chunks present and n_fft x channels, not the frame count a header claims. */
int holo_audio3_stream(const holo_chunklist *l, const holo_decode_opts *o, holo_pcm_sink sink,
                       void *sink_ctx, holo_err *err);

#endif
