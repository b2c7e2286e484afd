/* holo_ext.h — libholo's extended interface: the chunk-level building blocks that tools moving
 * and serving chunks need (holonet, holofs), beyond holo.h's whole-file API.
 *
 * Like zstd's static-linking-only section: these declarations are part of the library's
 * boundary (fs/ and net/ are built against holo.h and this file only, with -Icodec), but they
 * expose more of the formats than holo.h does and may change with them. The byte layouts the
 * functions check are described in holo(5) and doc/formats.md.
 */
#ifndef HOLO_EXT_H
#define HOLO_EXT_H

#include "holo.h"
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- limits ----------------------------------------------------------------------------- */
#define HOLO_MAX_CHUNK_FILE (1ull << 31)   /* largest chunk or recovery file we read */

/* Bytes of the decoded output a header claims (W*H*3, frames*channels*2, binary length):
 * what a decode would allocate, to be checked before anything is inflated. */
uint64_t holo_claimed_output(const holo_chunk_hdr *h);
/* Bytes a decode of the set holds for its decoded data at its peak (besides the chunks it
 * reads and a view rendered from it), from the headers (holo_info_dir): 3 per pixel, 8 for
 * JPEG v4 (coefficient planes and the rebuilt file), 2 per audio sample, a binary's length.
 * Saturates. For budgets that must refuse or queue a decode before it starts. */
uint64_t holo_decode_bytes_estimate(const holo_info *info);

/* ---- stream memory budget --------------------------------------------------------------- */
/* One bound on the memory of many holo_streams (holofs: one per mount): their decoded frames
 * and decoders (stored-frame buffer, zstd context) are charged to it while allocated.
 * Read-ahead runs only while it fits; a read needing memory waits its turn (first come, first
 * served) while idle buffers of every stream on the budget are reclaimed, and runs alone when
 * its need exceeds the whole budget: the charged memory stays within max(bytes, one read's
 * need: a frame plus a stored frame), whatever the number of streams; no read fails for it.
 * Per stream, outside the charge: the frame index, a read-ahead thread, a few KiB. */
typedef struct holo_membudget holo_membudget;
holo_membudget *holo_membudget_new(uint64_t bytes);
void holo_membudget_free(holo_membudget *b);   /* after every stream on it closed */
/* Bytes charged now and at most so far. */
void holo_membudget_stat(holo_membudget *b, uint64_t *used, uint64_t *peak);
/* Before s's first read: s draws its memory from b (until holo_stream_close). */
void holo_stream_set_budget(holo_stream *s, holo_membudget *b);

/* ---- chunk validation ------------------------------------------------------------------- */
/* Uncompressed bytes of the residual slice of block b in a v1/v2 or HOBI encoding: the golden
 * or strided slice length (doc/formats.md §Slices) times 2 (int16 residuals of images and
 * audio) or 1 (binary bytes); 0 for v3/v4, whose blocks are not slices of one residual. */
uint64_t holo_chunk_slice_bytes(const holo_chunk_hdr *h, uint32_t b);

/* holo_chunk_parse plus the payload rules of holo(5) "CHUNK VALIDITY": for v1/v2/HOBI the
 * residual slice must inflate to exactly holo_chunk_slice_bytes(h, block_id) bytes, the audio
 * coarse signal to coarse_frames*channels*2, the binary prefix to prefix_len, and an image
 * thumbnail must decode as a PNG; v3 and v4 chunks are checked as holo_chunk_parse does (v4
 * whole, CRC included). Inflation is bounded by the lengths the header claims. HOLO_EINVAL with
 * a message naming `name`, or HOLO_EUNSUPPORTED from the parser. */
int holo_chunk_check(const uint8_t *buf, size_t len, const char *name, holo_chunk_hdr *h,
                     holo_err *err);

/* ---- chunk lists ------------------------------------------------------------------------ */
typedef struct holo_chunkfile {
    char name[64];            /* chunk_NNNN.holo */
    double score;             /* from .meta, 0 if none */
    int64_t mtime_ns;
} holo_chunkfile;

typedef struct holo_chunklist {
    char dir[4096];
    holo_chunkfile *files;    /* in processing order */
    size_t n;
    size_t n_all;             /* chunk files in the directory before max_chunks */
} holo_chunklist;

/* List chunk_*.holo in dir sorted byte-wise; apply prefer_gain and max_chunks from o (the
 * order of doc/formats.md §Chunk order). */
int holo_chunklist_scan(const char *dir, const holo_decode_opts *o, holo_chunklist *l,
                        holo_err *err);
void holo_chunklist_free(holo_chunklist *l);

/* ---- recovery chunks (HORC, doc/formats.md §HORC) ----------------------------------------- */
/* recovery_*.holo names in dir, sorted byte-wise, NULL-terminated; NULL when there are none. */
char **holo_recovery_list(const char *dir, size_t *count);
void holo_recovery_list_free(char **names);

/* Headers only: 1 when hdr[0..len), the start of a file of file_size bytes, is a HORC chunk of
 * the encoding whose data chunk header is ref (kind, version, block count and, for v1/v2/HOBI,
 * the slice length); *coded_id (may be NULL) gets its coded id. 0 otherwise. */
int holo_recovery_peek(const uint8_t *hdr, size_t len, uint64_t file_size,
                       const holo_chunk_hdr *ref, uint32_t *coded_id);

/* The whole recovery chunk buf[0..len): its header matches ref as holo_recovery_peek checks,
 * and it parses completely (coefficients, payload inflating to its slice length). 0 with
 * *coded_id set, or HOLO_EINVAL with a message naming `name`. */
int holo_recovery_check(const uint8_t *buf, size_t len, const char *name,
                        const holo_chunk_hdr *ref, uint32_t *coded_id, holo_err *err);

/* ---- HOPK containers (doc/formats.md §HOPK) ---------------------------------------------- */
typedef struct holo_pack_object {
    holo_kind kind;                 /* IMAGE or AUDIO */
    uint64_t offset, residual_len;
    char coarse_file[64];
    uint32_t h, w, th, tw;          /* image: size and coarse_shape [th, tw, 3] */
    uint32_t sample_rate, channels, frames, coarse_len;   /* audio */
} holo_pack_object;

typedef struct holo_pack_index {
    uint32_t block_count;
    uint64_t total_residual;
    size_t n_objects;
    holo_pack_object *objects;
} holo_pack_index;

/* Pack `n` inputs (extension .wav -> audio, anything else -> image) into outdir, atomically.
 * Uses o->block_count (explicit, clamped to [1, N_total]) or else o->chunk_kb (default 32 KB,
 * the kb variant of doc/formats.md §Block count), o->coarse_side (16), o->coarse_frames (2048),
 * o->threads. */
int holo_pack(const char *const *inputs, size_t n, const char *outdir, const holo_encode_opts *o,
              holo_err *err);

/* 1 when dir holds a container manifest (manifest.json with "objects"). */
int holo_pack_probe(const char *dir);
/* Parse and validate dir/manifest.json. */
int holo_pack_read_index(const char *dir, holo_pack_index *idx, holo_err *err);
void holo_pack_index_free(holo_pack_index *idx);

/* Unpack object `index` from the chunks present (o: max_chunks; may be NULL). Images come back
 * in out->pixels, audio in out->samples; out->info describes the object and the chunk set. */
int holo_unpack(const char *dir, size_t index, const holo_decode_opts *o, holo_decoded *out,
                holo_err *err);

/* ---- small-file packs (holo(5) "SMALL-FILE PACKS") ------------------------------------- */
/* DIR/.holo-pack holds the chunk sets of DIR's small files as records, in place of one X.holo/
 * directory each. A member X reads exactly as DIR/X.holo/ did; X.holo/ (or a plain X) beside it
 * wins over it. */
#define HOLO_SPACK_NAME ".holo-pack"
#define HOLO_SPACK_MAX_DEFAULT (16u << 10)   /* sets up to 16 KiB: a larger one as a directory
                                                 takes at most 1.5x its bytes on 4 KiB blocks */
typedef struct holo_spack_member {
    char name[256];            /* X (the set was X.holo/) */
    uint32_t mode, uid, gid;   /* the set directory's */
    int64_t mtime_ns;
    uint64_t offset;           /* where its record starts in the pack */
    uint32_t length;           /* the record's bytes */
    uint32_t nfiles;
    uint64_t bytes;            /* the set's files' bytes */
} holo_spack_member;

typedef struct holo_spack {
    holo_spack_member *m;      /* live members, sorted by name */
    size_t n;
    uint64_t valid_end;        /* end of the last valid record */
    size_t bad_records;        /* records skipped: torn or corrupt */
    int torn_tail;
} holo_spack;

typedef struct holo_spack_stats {
    size_t packed, left;       /* sets moved into the pack; X.holo/ directories left as they are */
    uint64_t bytes;
} holo_spack_stats;

/* Scan pack (a missing file is an empty pack): its live members. 0 or an error naming it. */
int holo_spack_read(const char *pack, holo_spack *p, holo_err *err);
void holo_spack_free(holo_spack *p);
const holo_spack_member *holo_spack_find(const holo_spack *p, const char *name);
/* Write member m's set as the directory outdir, which must not exist (a temporary, then a
 * rename; durable: synced first, as encodes are). Its record is read and checked again. */
int holo_spack_extract(const char *pack, const holo_spack_member *m, const char *outdir, int durable,
                       holo_err *err);
/* Move dir's small sets (every X.holo/ of regular files totalling <= max_bytes, 0 = default)
 * into dir/.holo-pack: the records are appended and synced before each directory is removed,
 * and a directory changed meanwhile is left. */
int holo_spack_add(const char *dir, size_t max_bytes, holo_spack_stats *stats, holo_err *err);
/* Append a record that removes member name (nothing when it is not there, or when unless_gone
 * is not NULL and that path does not exist: the set's directory, checked under the pack's
 * lock, so a member is never dropped after holo_spack_add removed its directory). */
int holo_spack_remove(const char *pack, const char *name, const char *unless_gone, holo_err *err);
/* Rewrite pack with its live records only (a temporary, then a rename). */
int holo_spack_compact(const char *pack, holo_err *err);

/* ---- files ------------------------------------------------------------------------------- */
/* Read a whole file (at most cap bytes) into a malloc'd buffer. */
int holo_read_file(const char *path, size_t cap, uint8_t **buf, size_t *len, holo_err *err);
/* Write all of data to fd, retrying short writes and EINTR. 0, or -1 with errno set (EIO when
 * write() made no progress without an error). */
int holo_write_all(int fd, const void *data, size_t len);
/* Remove path and everything in it (best effort). */
void holo_rmtree(const char *path);

/* ---- SHA-256 (FIPS 180-4) and HMAC-SHA256 (RFC 2104) --------------------------------------- */
/* Self-contained on purpose: holo.sum and the optional HNET tag take no crypto dependency. */
typedef struct sha256_ctx {
    uint32_t h[8];
    uint64_t len;          /* bytes hashed so far */
    uint8_t buf[64];
    size_t fill;
} sha256_ctx;

void sha256_init(sha256_ctx *c);
void sha256_update(sha256_ctx *c, const void *data, size_t len);
void sha256_final(sha256_ctx *c, uint8_t out[32]);
void sha256(const void *data, size_t len, uint8_t out[32]);

/* HMAC with a precomputed key: init once, then mac many messages. */
typedef struct hmac_sha256_key {
    sha256_ctx inner, outer;   /* states after absorbing key^ipad / key^opad */
} hmac_sha256_key;

void hmac_sha256_init(hmac_sha256_key *k, const uint8_t *key, size_t keylen);
void hmac_sha256(const hmac_sha256_key *k, const void *msg, size_t len, uint8_t out[32]);
/* Constant-time comparison of n bytes; 1 when equal. */
int hmac_equal(const uint8_t *a, const uint8_t *b, size_t n);

#ifdef __cplusplus
}
#endif
#endif
