/* internal.h — shared internals of libholo (not installed). One section per source file. */
#ifndef HOLO_INTERNAL_H
#define HOLO_INTERNAL_H

#include "holo.h"
#include "holo_ext.h"   /* the chunk-level API the tools use */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

/* Residual deflate level when the caller does not choose one (holo_encode_opts.zlib_level = 0).
 * Measured on real photos (astronaut, coffee, chelsea, motorcycle, camera): level 4 is within
 * 0.5% of the reference's level 9 in bytes and 3-4x faster; 9 reproduces the reference's bytes. */
#define HOLO_ZLIB_DEFAULT 4
static inline int holo_zlevel(int requested)
{
    return requested >= 1 && requested <= 9 ? requested : HOLO_ZLIB_DEFAULT;
}

/* Caps on untrusted sizes, checked before any allocation. */
#define HOLO_MAX_PIXELS     (1ull << 28)      /* 268 M pixels (16384 x 16384) */
#define HOLO_MAX_DIM        65535u
#define HOLO_MAX_FRAMES     (1ull << 31)
#define HOLO_MAX_CHANNELS   64u
#define HOLO_MAX_BINARY     (1ull << 36)      /* 64 GiB */
/* HOLO_MAX_CHUNK_FILE: holo_ext.h */
#define HOLO_MAX_BLOCKS     (1u << 20)

/* ---- limits.c: claims against the decode limits (holo_decode_opts) -------------------- */
/* deflate codes at most 258 bytes in 2 bits; the slack covers the zlib header, adler32 and
 * the block headers of tiny streams. */
#define HOLO_ZLIB_MAX_RATIO 1032u
#define HOLO_ZLIB_SLACK     64u
uint64_t holo_limit_pixels(const holo_decode_opts *o);   /* o->max_pixels or the default */
uint64_t holo_limit_output(const holo_decode_opts *o);   /* o->max_output or the default */
/* holo_claimed_output: holo_ext.h */
/* HOLO_ETOOBIG naming `name` when h claims more pixels or output than o allows. */
int holo_check_limits(const holo_chunk_hdr *h, const holo_decode_opts *o, const char *name,
                      holo_err *err);
/* v1/v2/HOBI: HOLO_EINVAL when the claimed residual (and coarse data) cannot come out of
 * chunks whose largest residual stream is max_resid_len bytes; set_bytes is for the message. */
int holo_check_plausible(const holo_chunk_hdr *ref, uint64_t max_resid_len, uint64_t set_bytes,
                         const char *name, holo_err *err);

/* ---- sumfile.c: the holo.sum sidecar (SHA-256 of chunks and of the decoded data) -------- */
#define HOLO_SUM_NAME "holo.sum"
typedef struct holo_sum_entry { char name[64]; uint8_t sha[32]; } holo_sum_entry;
typedef struct holo_sums {
    int loaded;               /* a holo.sum was found and parsed */
    holo_sum_entry *e;        /* sorted by name */
    size_t n;
    int have_decoded;         /* the "# decoded-sha256" line was present */
    uint8_t decoded[32];
    uint64_t decoded_len;
} holo_sums;
/* Load dir/holo.sum (not followed if a symlink); s->loaded = 0 when absent or unusable. */
void holo_sums_load(const char *dir, holo_sums *s);
void holo_sums_free(holo_sums *s);
/* 1 when buf hashes to the entry of `name`, 0 when it differs or name is not listed. */
int holo_sums_match(const holo_sums *s, const char *name, const uint8_t *buf, size_t len);
/* Write dir/holo.sum (inside an encoder's temporary directory): the SHA-256 of every
 * chunk_*.holo and recovery_*.holo in dir and of the decoded data a complete decode gives. */
int holo_sums_write(const char *dir, const uint8_t decoded[32], uint64_t decoded_len,
                    holo_err *err);
/* SHA-256 of int16 samples as little-endian bytes (the decoded audio's hashed form). */
void holo_sha256_i16le(const int16_t *v, size_t count, uint8_t out[32]);

/* ---- err.c ------------------------------------------------------------------------------ */
/* Fill err (may be NULL) with code and printf-style message; returns code. */
int holo_seterr(holo_err *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Same, appending ": strerror(errno)" and recording errno. */
int holo_seterr_sys(holo_err *err, int sys_errno, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void holo_warnf(const holo_decode_opts *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* ---- golden.c: permutation, slicing, block counts ---------------------------------------
 * (doc/formats.md §Golden permutation, §Slices, §Block count) */
uint64_t holo_golden_step(uint64_t n);
/* Elements in slice b of n over B blocks: ceil((n-b)/B), 0 when b >= n. */
uint64_t holo_slice_len(uint64_t n, uint32_t B, uint32_t b);
/* Golden layout is used when golden != 0 and B > 1; strided otherwise. */
void holo_slice_gather_i16(const int16_t *R, uint64_t n, uint32_t B, uint32_t b, int golden,
                           int16_t *out);
void holo_slice_scatter_i16(int16_t *R, uint64_t n, uint32_t B, uint32_t b, int golden,
                            const int16_t *v, uint64_t m);
void holo_slice_gather_u8(const uint8_t *R, uint64_t n, uint32_t B, uint32_t b, int golden,
                          uint8_t *out);
void holo_slice_scatter_u8(uint8_t *R, uint64_t n, uint32_t B, uint32_t b, int golden,
                           const uint8_t *v, uint64_t m);
/* Index list (for tests and recovery): out[k] = element index of the k-th slice value. */
void holo_slice_indices(uint64_t n, uint32_t B, uint32_t b, int golden, uint64_t *out);
/* Block counts from a target chunk size (holographix rules, not clamped). */
uint64_t holo_block_count_kb(uint64_t resid_bytes, uint64_t coarse_bytes, long kb);
uint64_t holo_block_count_bytes(uint64_t resid_bytes, uint64_t coarse_bytes, long max_bytes);

/* ---- zio.c: zlib helpers ---------------------------------------------------------------- */
/* zlib9 exactly as compress2(level 9). *out is malloc'd. */
int holo_zlib9(const void *src, size_t len, uint8_t **out, size_t *outlen, holo_err *err);
/* Same at another level (1..9). */
int holo_zlib(const void *src, size_t len, int level, uint8_t **out, size_t *outlen, holo_err *err);
/* Inflate a zlib stream into a malloc'd buffer of at most `cap` bytes (bomb guard). */
int holo_inflate(const uint8_t *src, size_t len, size_t cap, uint8_t **out, size_t *outlen,
                 holo_err *err, const char *name);

/* ---- fsutil.c: files and atomic writes -------------------------------------------------- */
/* holo_read_file, holo_write_all, holo_rmtree: holo_ext.h */
/* Same for the files of a chunk directory (chunks, holo.sum): a symbolic link is refused
 * (O_NOFOLLOW), so a planted link cannot make a decoder read some other file. */
int holo_read_chunk(const char *path, size_t cap, uint8_t **buf, size_t *len, holo_err *err);
/* Write data to path atomically (a ".holo-tmp-PID-N" file in the same directory, fsync, rename). */
int holo_write_file_atomic(const char *path, const void *data, size_t len, holo_err *err);
/* Write a file inside a private temporary directory (no fsync, no rename): the directory is made
 * durable as a whole by holo_tmpdir_commit. */
int holo_write_file_tmp(const char *path, const void *data, size_t len, holo_err *err);
/* Create a hidden temporary directory ".holo-tmp-PID-N" beside `final_dir` (a short name, so any
 * final name that fits NAME_MAX works); path in tmp. Removes stale temporaries there first. */
int holo_tmpdir_begin(const char *final_dir, char *tmp, size_t tmpsz, holo_err *err);
/* Flush tmp's files (fdatasync each) and tmp itself to disk, then replace final_dir by tmp (old
 * directory removed afterwards). */
int holo_tmpdir_commit(const char *tmp, const char *final_dir, holo_err *err);
/* Give a chunk directory the permissions of the file it encodes (x where r: a directory needs
 * it), so a private file does not become world-readable by being encoded; holofs serves this
 * mode. */
void holo_chunkdir_mode(const char *dir, mode_t file_mode);
/* "a/b" from dir + name into out; returns -1 if it does not fit. */
int holo_path_join(char *out, size_t outsz, const char *dir, const char *name);
/* The first cap bytes of dir/name (a regular file, not a symlink) and its size: bytes read,
 * or -1. For header scans that must not read whole chunks. */
ssize_t holo_peek_file(const char *dir, const char *name, uint8_t *buf, size_t cap,
                       uint64_t *size);
/* Lower-case extension of path including the dot ("" if none), into ext[16]. */
void holo_path_ext(const char *path, char ext[16]);

/* ---- chunkhdr.c: emit headers (parse is public) ----------------------------------------- */
/* Write the fixed header of h (with its coarse_len/resid_len) into out; returns its length. */
size_t holo_chunk_emit(const holo_chunk_hdr *h, uint8_t out[64]);
static inline uint32_t holo_rd32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static inline void holo_wr32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}

/* ---- chunkset.c: holo_chunklist_scan (holo_ext.h) ---------------------------------------- */

/* ---- assemble.c: the generic decode driver ---------------------------------------------- */
/* Kind-specific hooks for the driver. */
typedef struct holo_kind_ops {
    holo_kind kind;
    /* Is this version decoded by this family (e.g. {1,2})? */
    int (*accept_version)(int version);
    /* Decode the coarse payload of a candidate reference chunk; 0 on success. The hook keeps
     * what it needs (thumbnail, coarse frames) in ctx. */
    int (*set_reference)(void *ctx, const holo_chunk_hdr *h, const uint8_t *coarse,
                         size_t coarse_len);
    /* Residual length N for the reference (NULL: holo_chunk_residual_len). */
    uint64_t (*residual_len)(void *ctx, const holo_chunk_hdr *ref);
    void *ctx;
    int elem_size;            /* 2 = int16 residual, 1 = bytes */
    int golden_from_v2;       /* golden layout when version >= 2 and B > 1 (else strided) */
    int keep_slices;          /* keep each block's raw inflated slice (for recovery) */
    /* Optional fused placement (images; perf). When place_slice is set (and keep_slices is
     * not), the driver allocates no resid: it calls place_begin once with the reference and N,
     * then inflates each block in a worker and hands the winning slice's raw little-endian
     * bytes (m values) to place_slice at once, concurrently for distinct blocks. Recovered
     * blocks are handed over the same way. place_begin returns 0 or a negative HOLO_E*. */
    int (*place_begin)(void *ctx, const holo_chunk_hdr *ref, uint64_t n, int threads);
    void (*place_slice)(void *ctx, uint64_t n, uint32_t B, uint32_t b, int golden,
                        const uint8_t *raw, uint64_t m);
} holo_kind_ops;

typedef struct holo_assembly {
    holo_chunk_hdr ref;       /* reference chunk header */
    void *resid;              /* int16_t[n] or uint8_t[n], zero where slices are missing */
    uint64_t n;
    uint8_t *present;         /* present[b] = 1 when slice b was placed */
    uint32_t n_present, n_bad, n_files;
    int64_t newest_mtime_ns;
    uint64_t chunk_bytes;
    uint8_t audio_flags_or;   /* OR of HOAU flags of placed chunks */
    uint8_t **slices;         /* keep_slices: slices[b] = raw slice bytes of the first file, */
    size_t *slice_bytes;      /* or NULL; slice_bytes[b] its length */
    /* recovery (HORC, doc/formats.md §HORC; added for v1/v2/HOBI) */
    uint32_t n_recovered;     /* blocks solved from recovery_*.holo (counted in n_present) */
    uint32_t n_recovery;      /* recovery chunks that matched this encoding */
    holo_sums sums;           /* the set's holo.sum (chunks not matching it were skipped) */
} holo_assembly;

/* Read, validate and place every candidate chunk of l. Zero accepted chunks -> ENOCHUNKS. */
int holo_assemble(const holo_chunklist *l, const holo_kind_ops *ops, const holo_decode_opts *o,
                  holo_assembly *a, holo_err *err);
void holo_assembly_free(holo_assembly *a);
/* Fill the common fields of info from an assembly. */
void holo_assembly_info(const holo_assembly *a, holo_info *info);
/* With info->exact set and a decoded hash in the set's holo.sum: hash the decoded data (i16:
 * int16 samples, hashed little-endian; else bytes) and keep exact only when it matches
 * (info->verified = 1); a mismatch clears exact with a warning. */
void holo_assembly_verify(const holo_assembly *a, const holo_decode_opts *o, const char *dir,
                          const void *data, uint64_t len, int i16, holo_info *info);

/* ---- chunkwrite.c: the generic encode back end ------------------------------------------ */
typedef struct holo_enc_plan {
    holo_chunk_hdr hdr;       /* template: kind, version, geometry, block_count */
    const uint8_t *coarse;    /* coarse payload stored in every chunk */
    size_t coarse_len;
    const int16_t *resid16;   /* exactly one of resid16 / resid8 */
    const uint8_t *resid8;
    uint64_t n;
    int golden;               /* version >= 2 */
    int write_scores;         /* 0: none; 1: L1 score (v1/v2 images); 2: sum of squares (v3):
                                 .meta per chunk + manifest.json */
    int zlib_level;           /* 0 = HOLO_ZLIB_DEFAULT */
    const char *base_kind;    /* "image" / "audio" for the manifest */
    double recovery;          /* > 0: also write ceil(B*recovery) recovery_%04u.holo (HORC,
                                 base_kind from hdr.kind, version hdr.version); 0 = off */
    int write_sums;           /* also write holo.sum with decoded_sha (lossless formats) */
    uint8_t decoded_sha[32];  /* SHA-256 of what a complete decode gives */
    uint64_t decoded_len;     /* its length in bytes */
} holo_enc_plan;

/* Write every chunk of the plan into dir (an empty temporary directory), in parallel. */
int holo_write_chunks(const char *dir, const holo_enc_plan *p, int threads, holo_err *err);
/* Threads to use: o->threads or the number of online CPUs. */
int holo_thread_count(int requested);

/* ---- manifest.c: .meta and manifest.json (jansson for reading) -------------------------- */
/* Python repr() of a double, as doc/formats.md §Manifest. */
void holo_repr_double(double x, char out[40]);
int holo_write_meta(const char *dir, const char *chunk_name, double score, holo_err *err);
int holo_write_manifest(const char *dir, const char *base_kind, int version, uint32_t B,
                        const double *scores, holo_err *err);
/* Read ordered_chunks of a chunk manifest (NULL-terminated malloc'd array) or NULL. */
char **holo_read_manifest_order(const char *dir);

/* ---- per-kind codecs -------------------------------------------------------------------- */
/* Each encoder writes its chunks into tmpdir (an empty directory). */
int holo_image12_encode(const char *input, const char *tmpdir, const holo_encode_opts *o,
                        holo_err *err);
int holo_image12_decode(const holo_chunklist *l, const holo_decode_opts *o, holo_decoded *out,
                        holo_err *err);
int holo_audio12_encode(const char *input, const char *tmpdir, const holo_encode_opts *o,
                        holo_err *err);
int holo_audio12_decode(const holo_chunklist *l, const holo_decode_opts *o, holo_decoded *out,
                        holo_err *err);
int holo_binary_encode(const char *input, const char *tmpdir, const holo_encode_opts *o,
                       holo_err *err);
int holo_binary_decode(const holo_chunklist *l, const holo_decode_opts *o, holo_decoded *out,
                       holo_err *err);


/* Later format generations, dispatched by version/magic. Each returns HOLO_EUNSUPPORTED until
 * implemented. kind is HOLO_KIND_IMAGE or HOLO_KIND_AUDIO. */
int holo_v3_encode(const char *input, const char *tmpdir, holo_kind kind,
                   const holo_encode_opts *o, holo_err *err);
int holo_v3_decode(const holo_chunklist *l, holo_kind kind, const holo_decode_opts *o,
                   holo_decoded *out, holo_err *err);
/* v4 chunks carry their own magic; holo_v4_probe says whether buf starts a v4 chunk. */
int holo_v4_probe(const uint8_t *buf, size_t len);
int holo_v4_encode(const char *input, const char *tmpdir, const holo_encode_opts *o,
                   holo_err *err);
int holo_v4_decode(const holo_chunklist *l, const holo_decode_opts *o, holo_decoded *out,
                   holo_err *err);
int holo_v4_info(const holo_chunklist *l, holo_info *info, holo_err *err);

/* ---- policy.c: which codec stores a file (issue 16; store.c applies it) ---------------- */
#include "sniff.h"

typedef enum holo_store_codec {
    HOLO_STORE_BINARY = 0,      /* binary v4: the file's bytes */
    HOLO_STORE_IMAGE_RECIPE,    /* v4 image of the pixels + the recipe that re-creates the file */
    HOLO_STORE_IMAGE_PIXELS,    /* v4 image of the decoded pixels (the old behaviour) */
    HOLO_STORE_AUDIO_V2,        /* v2 audio of the decoded samples (the old behaviour) */
    HOLO_STORE_AUDIO_V4,        /* HO4A: exact samples + the recipe of the WAV/AIFF's other bytes */
    HOLO_STORE_JPEG_V4,         /* HO4J: the JPEG's coefficients + its recipe (issue 18) */
} holo_store_codec;

typedef struct holo_store_facts {
    holo_sniff_type type;       /* holo_sniff of the file's first bytes */
    int recipe_ok;              /* png_recipe_make / pnm_recipe_make succeeded on the file */
    int pixels;                 /* the user asked for the old behaviour: decode media */
} holo_store_facts;

/* The codec a file takes, before encoding (pure; the rules are tests/t_policy.c). */
holo_store_codec holo_store_policy(const holo_store_facts *f);
/* After encoding both: a recipe store larger than the binary one is dropped for the binary. */
holo_store_codec holo_store_settle(holo_store_codec chosen, uint64_t media_bytes,
                                   uint64_t binary_bytes);
/* A media set that is not the file's bytes must fit the store's size rule: no larger than
 * the file + 1% + 4 KiB (the bound binary v4 keeps for incompressible files). */
int holo_store_fits(uint64_t media_bytes, uint64_t file_bytes);
/* HO4J keeps a JPEG only within the size rule: its set no larger than the JPEG + 4 KiB. */
#define HOLO_STORE_JPEG_SLACK 4096
int holo_store_jpeg_fits(uint64_t set_bytes, uint64_t file_bytes);
/* "binary v4", "v4 image with recipe", ... for messages and holo info. */
const char *holo_store_codec_name(holo_store_codec c);

/* ---- store.c: encode a file by the store policy (codec_version 0, holo_encode_version) ---- */
/* Atomic like holo_encode_file: binary v4, or a verified v4 recipe image when smaller. */
int holo_store_encode(const char *input, const char *outdir, const holo_encode_opts *o,
                      holo_err *err);

#endif
