/* holo.h — public interface of libholo, the holographic chunk codec.
 *
 * A file is encoded into a directory NAME.holo/ of chunk files. Every chunk holds the same
 * coarse view of the whole file plus a golden-ratio-spread slice of the residual detail, so any
 * non-empty subset of chunks decodes to a coherent, degraded version and the full set gives the
 * original back exactly (formats v1/v2/v4 lossless; see holo(5)). Images are written as v4 by
 * default, audio and binaries as v2.
 *
 *   holo_encode_opts eo;  holo_encode_opts_init(&eo);
 *   holo_encode_file("photo.png", "photo.png.holo", &eo, &err);
 *
 *   holo_decoded d;       holo_decode_opts dopts; holo_decode_opts_init(&dopts);
 *   holo_decode_dir("photo.png.holo", &dopts, &d, &err);   ... d.pixels ...
 *   holo_decoded_free(&d);
 *
 * Every function that can fail returns 0 or a negative HOLO_E* code and, when `err` is not NULL,
 * fills it with the code and a one-line message naming the file and the problem.
 * The library never prints; warnings (skipped chunks) go to the optional callback in the options.
 */
#ifndef HOLO_H
#define HOLO_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- errors ---------------------------------------------------------------------------- */
enum {
    HOLO_OK = 0,
    HOLO_ENOMEM = -1,      /* allocation failed or a size cap was exceeded */
    HOLO_EIO = -2,         /* read/write/rename failed (errno in holo_err.sys_errno) */
    HOLO_EINVAL = -3,      /* corrupt, truncated or hostile data; bad argument */
    HOLO_EUNSUPPORTED = -4,/* valid but not something we handle (format, sample width...) */
    HOLO_ENOCHUNKS = -5,   /* no valid chunk in a directory */
    HOLO_EINCOMPLETE = -6, /* --strict decode and some block is missing */
    HOLO_ETOOBIG = -7,     /* a header claims a size over max_pixels / max_output (EFBIG) */
    HOLO_EHOLE = -8,       /* bytes in a range no chunk set can rebuild (binary v4) */
};

typedef struct holo_err {
    int code;              /* HOLO_E* */
    int sys_errno;         /* errno for HOLO_EIO, else 0 */
    char msg[768];         /* "FILE: problem" */
} holo_err;

/* ---- kinds and chunk headers ----------------------------------------------------------- */
typedef enum { HOLO_KIND_NONE = 0, HOLO_KIND_IMAGE, HOLO_KIND_AUDIO, HOLO_KIND_BINARY } holo_kind;

const char *holo_kind_name(holo_kind k);   /* "image", "audio", "binary", "none" */

/* A parsed chunk header (HOCH, HOAU, HOBI or HOV4). All offsets are checked against the buffer;
 * a HOV4 chunk (version 4) is checked whole, CRC included. */
typedef struct holo_chunk_hdr {
    holo_kind kind;
    int version;              /* 1, 2, 3 or 4 */
    uint32_t block_count;     /* B >= 1 */
    uint32_t block_id;        /* b < B */
    /* image (HOCH) */
    uint32_t height, width, channels;   /* audio uses channels too */
    /* audio (HOAU) */
    uint32_t sample_rate;
    uint32_t frames;          /* n, samples per channel */
    uint32_t coarse_frames;   /* L */
    uint8_t sample_width, flags;
    /* binary (HOBI) */
    uint64_t length;          /* L, total file length */
    uint32_t prefix_len;      /* Cp */
    /* payload placement inside the chunk */
    uint32_t header_len;      /* 30, 36 or 33 */
    uint32_t coarse_off, coarse_len;
    uint32_t resid_off, resid_len;
    uint64_t content_id;      /* v4: identifies one encoding (0 for the other formats) */
} holo_chunk_hdr;

/* Parse the header of a chunk held in buf[0..len). Checks magic, version, B >= 1, b < B, sizes
 * against caps and payload lengths against len. `name` is used for the error message. */
int holo_chunk_parse(const uint8_t *buf, size_t len, const char *name, holo_chunk_hdr *h,
                     holo_err *err);

/* 1 when two chunks belong to the same encoding (same kind, version, geometry, block count). */
int holo_chunk_same_set(const holo_chunk_hdr *a, const holo_chunk_hdr *b);

/* Number of residual elements N the header implies (3*H*W, n*ch, L-Cp). */
uint64_t holo_chunk_residual_len(const holo_chunk_hdr *h);

/* ---- encoding -------------------------------------------------------------------------- */
typedef struct holo_encode_opts {
    holo_kind mode;           /* HOLO_KIND_NONE = from extension, then magic bytes */
    int codec_version;        /* 0 = automatic (the default, see holo_encode_version); 1 or 2:
                                 the reference's lossless formats; 3: lossy DCT/STFT; 4: HOV4
                                 layered wavelet, images only (audio given 4 gets 2) */
    uint32_t block_count;     /* 0 = default (image 32, audio 16, binary 32) or from chunk_kb */
    long chunk_kb;            /* > 0: derive B from a target chunk size
                                 (doc/formats.md §Block count) */
    uint32_t coarse_side;     /* image thumbnail max side, default 16 */
    uint32_t coarse_frames;   /* audio coarse frames, default 2048 */
    int threads;              /* 0 = one per core */
    int zlib_level;           /* residual deflate level 1-9; 0 = default (4: within 0.5% of
                                 level 9, 3-4x faster); 9 gives the reference's exact bytes */
    const char *name_hint;    /* file name used for mode detection instead of the input path */
    /* v3 (doc/formats.md §HOCH v3, §HOAU v3, §HORC) */
    int quality;              /* 1..100, default 50 */
    int block_size;           /* DCT block side, default 8 */
    const char *coarse_model; /* "downsample" (default), "latent_lowfreq", "ae_latent" */
    int n_fft, hop;           /* audio STFT, default 512 / n_fft/2 */
    double recovery;          /* > 0: write ceil(B*recovery) HORC recovery chunks */
    /* v4 (doc/holo4.md §Motivation) */
    int lossy;                /* 0 = lossless profile */
    double target_psnr;       /* > 0: lossy, smallest size reaching this PSNR */
    uint64_t target_bytes;    /* > 0: lossy, best PSNR within this many bytes */
    /* binary v4 (HO4B; holo(5)): codec_version 4 on a binary. recovery > 0 adds ceil(k*recovery)
       parity chunks (n <= 255); block_count > 0 sets k (else from the compressed size). */
    int level;                /* zstd level 1-19; 0 = default (9, 17 for files up to 2 MiB);
                                 HOLO_LEVEL_MAX: the smallest of several settings per frame */
    uint32_t frame_size;      /* bytes per independently compressed frame, 0 = by level */
    /* store policy (codec_version 0): every file is stored so that a complete set gives back its
     * exact bytes — a media codec only with a verified recipe, else binary v4. pixels = 1 keeps
     * the graceful pixel/sample codecs for images and audio without a recipe (read back as a
     * canonical PNG/WAV). */
    int pixels;
    /* JPEG v4 (HO4J; holo(5)): with codec_version 4, a Huffman-coded JPEG input is kept as its
     * own coefficients (the exact file back from all chunks) instead of HOV4; one HO4J cannot
     * rebuild exactly is coded as HOV4. The holo CLI sets it for an explicit --codec-version 4. */
    int keep_jpeg;
    /* HO4J's robust profile (holo(5)): tiers sized for 15/20/27 dB from any 1/4/16 of 32
       chunks on every photo, the set up to 1.25x the JPEG (else the JPEG + 4 KiB). */
    int robust;
    /* audio v4 (HO4A; holo(5)): codec_version 4 on a WAV; block_count = chunks (default 32) */
    int compact;              /* only any half of the chunks protected: near FLAC size */
    /* HO4B files of 1 byte to HOLO_DICT_MAX_FILE are compressed with the store's current
       dictionary (holo(5) "DICTIONARY"): the .holo-dict/ directory to use, NULL = the nearest
       STORE/.holo-dict/ above the output directory, "" = never use a dictionary. */
    const char *dict_dir;
} holo_encode_opts;

#define HOLO_LEVEL_MAX 100

void holo_encode_opts_init(holo_encode_opts *o);

/* The codec version holo_encode_file uses for a file of `kind`: o->codec_version when it is not
 * 0 (4 on a binary: binary v4, HO4B; 2: HOBI), else automatic, first rule that applies:
 *   - an image with a v4-only setting (lossy, target_psnr, target_bytes): 4;
 *   - a setting only the v1/v2 formats honour (chunk_kb > 0, zlib_level > 0, recovery > 0,
 *     coarse_side other than 16, block_count > 255): 2, for every kind, so those settings
 *     keep their meaning;
 *   - pixels = 1, or mode set to image or audio (the media readers asked for): images 4,
 *     audio 2, binaries 4 (HO4B);
 *   - otherwise 0: the store policy picks by content (holo(1) "STORE POLICY"): a PNG or
 *     PPM/PGM that a verified recipe re-creates becomes a v4 image with the recipe when that
 *     is no larger than binary v4, everything else binary v4; a complete set gives back the
 *     file's exact bytes.
 * v4 ignores chunk_kb, zlib_level, recovery and coarse_side and refuses block_count > 255. */
int holo_encode_version(const holo_encode_opts *o, holo_kind kind);

/* Encode `input` into the directory `outdir` atomically: chunks are written into a hidden
 * temporary directory beside outdir which then replaces outdir. On failure nothing changes.
 * outdir gets the input's permission bits, with x added where r is set. */
int holo_encode_file(const char *input, const char *outdir, const holo_encode_opts *o,
                     holo_err *err);

/* Remove what encodes and atomic writes killed mid-way left in `dir`: hidden temporaries named
 * ".holo-tmp-PID-N..." whose process is gone, or unchanged for a day. holo_encode_file does this
 * for the directory it writes into. Returns how many were removed. */
int holo_tmp_sweep(const char *dir);

/* Mode that holo_encode_file would pick for `path` (extension, then magic; binary fallback). */
holo_kind holo_detect_mode(const char *path);

/* ---- directory inspection -------------------------------------------------------------- */
typedef struct holo_info {
    holo_kind kind;
    int version;
    uint32_t block_count;
    uint32_t width, height;            /* image */
    uint32_t channels, sample_rate;    /* audio */
    uint32_t frames;                   /* audio */
    uint64_t length;                   /* binary: file length */
    uint32_t chunks_present;           /* distinct valid block ids */
    uint32_t chunks_bad;               /* files that failed to parse or disagree */
    uint32_t chunk_files;              /* chunk_*.holo files seen */
    int exact;                         /* 1 when a full decode gives the original exactly */
    int verified;                      /* 1 when `exact` was proved by the hashes in the
                                          set's holo.sum (holo(5)); 0: no holo.sum, not
                                          checked (holo_info_dir reads headers only), or v4
                                          (whose chunks carry their own CRC) */
    int64_t newest_mtime_ns;           /* newest chunk file mtime */
    uint64_t chunk_bytes;              /* total bytes of valid chunk files */
    /* recovery chunks (HORC, holo(5)); added for v1/v2 images, audio and binaries */
    uint32_t recovery_chunks;          /* recovery_*.holo whose header matches this encoding */
    int recoverable;                   /* blocks are missing and recovery_chunks >= missing */
    uint32_t chunks_recovered;         /* decode: blocks solved from recovery chunks */
    /* the store contract (holo(1) "STORE POLICY"): which codec holds the file and whether a
     * complete set gives back the original file's bytes */
    char codec[32];                    /* "binary v4", "v4 image", "v4 image + PNG recipe",
                                          "v2 audio", ... (headers only) */
    int exact_bytes;                   /* 1: a complete decode gives the original file's bytes
                                          (binary v4, recipe images, HOBI); 0: a pixel or
                                          sample view (PNG/WAV written by the library) */
    uint64_t file_size;                /* exact_bytes: length of the original file */
    int partial_as_file;               /* 1: an incomplete set still decodes to file_size bytes
                                          in the file's own format (HO4J: a JPEG, padded with
                                          zeros after EOI), so its size is known from headers */
    /* HO4J: the PSNR the encoder estimated (from the coefficients it leaves out; on the test
     * photos 0-2.5 dB under the measured worst subset) from any floor_k[i] chunks; 0: none */
    unsigned floor_k[3];
    double floor_db[3];
    int has_dict;                      /* HO4B compressed with a store dictionary: its id */
    uint8_t dict_id[16];
    char filter[8];                    /* HO4B frame filter (holo(5) "HO4B FILTERS"): "x86",
                                          "arm64", "lines", "columns"; "" none or not binary v4 */
} holo_info;

/* Read only the chunk headers of `dir` (no residual is inflated). Cheap: for stat/ls. Applies
 * the default decode limits (max_pixels, max_output, plausibility), so a set that decoding
 * would refuse is refused here too (HOLO_ETOOBIG or HOLO_EINVAL). */
int holo_info_dir(const char *dir, holo_info *info, holo_err *err);

/* ---- decoding -------------------------------------------------------------------------- */
typedef void (*holo_warn_fn)(void *ctx, const char *msg);

/* Defaults of the limits below: what a header may claim before anything is allocated. */
#define HOLO_DEFAULT_MAX_PIXELS (1ull << 27)      /* 134 M pixels (e.g. 16384 x 8192) */
#define HOLO_DEFAULT_MAX_OUTPUT (64ull << 30)     /* 64 GiB of decoded output */

typedef struct holo_decode_opts {
    int strict;               /* fail with HOLO_EINCOMPLETE unless every block is present */
    uint32_t max_chunks;      /* 0 = all; else use the first N names
                                 (doc/formats.md §Chunk order) */
    int prefer_gain;          /* order chunks by manifest/score before max_chunks */
    int threads;              /* 0 = one per core */
    int no_recovery;          /* ignore recovery_*.holo */
    holo_warn_fn warn;        /* called once per skipped chunk, may be NULL */
    void *warn_ctx;
    uint64_t max_pixels;      /* images: refuse W*H above this (HOLO_ETOOBIG); 0 = default */
    uint64_t max_output;      /* refuse a decoded output (pixels*3, samples*2, binary length)
                                 above this many bytes (HOLO_ETOOBIG); 0 = default */
    int verify_chunks;        /* holo_info_dir_opts only: hash the chunks against holo.sum */
    const char *dict_dir;     /* where HO4B dictionaries are: NULL = the nearest .holo-dict/
                                 above the chunk directory (holo(5) "DICTIONARY") */
    int bytes_only;           /* sets that give back a file (HO4J): its bytes, no pixels */
} holo_decode_opts;

void holo_decode_opts_init(holo_decode_opts *o);

/* holo_info_dir with the limits of o (NULL = defaults). With o->verify_chunks it also hashes
 * every chunk file against the set's holo.sum: a mismatching chunk counts as bad, and `exact`
 * is verified (info->verified = 1) only when every chunk is present and matches. */
int holo_info_dir_opts(const char *dir, const holo_decode_opts *o, holo_info *info,
                       holo_err *err);

typedef struct holo_decoded {
    holo_info info;           /* geometry plus which chunks were used */
    uint8_t *pixels;          /* image: H*W*3 RGB8, row-major */
    int16_t *samples;         /* audio: frames*channels, interleaved */
    uint8_t *bytes;           /* binary: info.length bytes */
} holo_decoded;

int holo_decode_dir(const char *dir, const holo_decode_opts *o, holo_decoded *out,
                    holo_err *err);
void holo_decoded_free(holo_decoded *d);

/* Decode an audio set and write its WAV view (holo_view_render's bytes) to fd. v3 audio is
 * synthesised and written a block at a time, in memory that does not grow with the length a
 * header claims; other audio sets are decoded whole, then written. info (may be NULL) gets
 * what holo_decode_dir would fill. Not an audio set: HOLO_EINVAL; a failed write: HOLO_EIO
 * (fd then holds part of the file). */
int holo_decode_wav_fd(const char *dir, const holo_decode_opts *o, int fd, holo_info *info,
                       holo_err *err);

/* ---- streams: random access to a binary v4 (HO4B) chunk set -------------------------- */
/* The file is cut into independently compressed frames; a read decodes only the frames its
 * range covers, through a small frame cache, so opening is cheap and reads cost bounded
 * memory whatever the file's size. Safe to use from several threads (reads are serialised).
 * Reads in order are followed by a thread decoding the next frames (o->threads = 1: none). */
typedef struct holo_stream holo_stream;
typedef struct holo_range { uint64_t off, len; } holo_range;
typedef struct holo_stream_info {
    uint64_t size;            /* bytes of the original file */
    uint32_t k, n;            /* any k of the n chunks rebuild the file */
    uint32_t chunks_present;
    uint64_t frames;
    uint32_t frame_size;
    uint64_t hole_bytes;      /* bytes no present chunk set can rebuild */
    int verified;             /* 1 after the whole file matched its SHA-256, -1 mismatch */
    uint32_t chunks_corrupt;  /* found by holo_stream_verify (each also warned about) */
    uint64_t hashed_bytes;    /* bytes this stream put through the SHA-256 (0: trusted) */
} holo_stream_info;

/* NULL on failure (err filled): not HO4B (HOLO_EUNSUPPORTED), no valid chunk, bad index. */
holo_stream *holo_stream_open(const char *dir, const holo_decode_opts *o, holo_err *err);
uint64_t holo_stream_size(const holo_stream *s);
void holo_stream_stat(const holo_stream *s, holo_stream_info *info);
/* Read [off, off+len) into buf: the number of bytes read (fewer only at the end of the file),
 * or a negative HOLO_E*: HOLO_EHOLE when the range touches bytes no chunk set can rebuild
 * (the message names the first missing range), HOLO_EINVAL when a frame fails its check. */
int64_t holo_stream_read(holo_stream *s, uint64_t off, void *buf, size_t len, holo_err *err);
/* The missing byte ranges, in order, merged: the total count (ranges[0..min(count,max))). */
size_t holo_stream_holes(holo_stream *s, holo_range *ranges, size_t max);
/* Decode the whole file through SHA-256 and compare with the recorded hash; then read every
 * present chunk whole through its CRC, warning (o->warn) about each corrupt one: a corrupt
 * parity chunk does not make the file wrong, but it no longer protects it. */
int holo_stream_verify(holo_stream *s, holo_err *err);
/* A pass from byte 0 is put through the SHA-256 until one matches; the verdict then holds for
 * the chunk files as they were (a signature of each one's dev, inode, size, mtime and ctime):
 * later passes rely on the frames' CRCs until a chunk is rewritten, added or removed.
 * holo_stream_verified: that verdict (as in holo_stream_info), without the hole scan. */
int holo_stream_verified(holo_stream *s);
/* 1 and the signature, when the stream is verified for chunk files that had not changed for
 * seconds before its pass (a change within a timestamp tick could go unseen): a verdict
 * another stream on the same set can take with holo_stream_trust; 0 otherwise. */
int holo_stream_verified_sig(holo_stream *s, uint8_t sig[32]);
/* 1 when the chunk files still have signature sig: the stream counts as verified without a
 * hashed pass; 0 (nothing changed) when not, or when the stream has begun hashing. */
int holo_stream_trust(holo_stream *s, const uint8_t sig[32]);
void holo_stream_close(holo_stream *s);

/* ---- store dictionaries (holo(5) "DICTIONARY") ----------------------------------------- */
/* Many small files share most of their phrases: a zstd dictionary trained on a sample of them
 * is kept in the store, as its own strongly redundant chunk set STORE/.holo-dict/<id>.holo/
 * (any 4 of its 8 chunks rebuild it), named by id = the first 16 bytes of its SHA-256. HO4B
 * files up to HOLO_DICT_MAX_FILE bytes are compressed with the current dictionary (the one
 * STORE/.holo-dict/CURRENT names) and record its id; decoding needs that dictionary and fails
 * with an error naming it when it is absent or different, never with wrong bytes. */
#define HOLO_DICT_DIRNAME ".holo-dict"
#define HOLO_DICT_ID_LEN 16
#define HOLO_DICT_MAX_FILE (64u << 10)
#define HOLO_DICT_MIN_FILE 1024u              /* smaller files are not sampled for training */

typedef struct holo_dict_train_opts {
    uint64_t max_sample_bytes;  /* 0 = 8 MiB: files are sampled evenly up to this */
    uint32_t dict_size;         /* 0 = measure 64 KiB and 112 KiB, keep the smaller store */
    int force;                  /* write the dictionary even when it does not pay for itself */
} holo_dict_train_opts;

typedef struct holo_dict_stats {
    uint64_t files;             /* small files found (1 KiB - 64 KiB) */
    uint64_t samples, sample_bytes;
    uint32_t dict_size;
    /* measured on held-out samples, scaled to every sample byte: per-file zstd -19 without
       and with the dictionary, and the bytes the dictionary's chunk set costs */
    uint64_t est_plain, est_dict, dict_store_bytes;
} holo_dict_stats;

/* Sample the small files among paths (regular files; directories recursively, where X.holo/
 * chunk sets are decoded; hidden names and .holo-dict are skipped), train a dictionary, write
 * it into dict_dir (created if needed) atomically and make it CURRENT. HOLO_EUNSUPPORTED when
 * there are too few samples or it would not pay for itself (est_dict + dict_store_bytes >=
 * est_plain) unless o->force. id receives its id. o may be NULL. */
int holo_dict_train(const char *const *paths, size_t npaths, const char *dict_dir,
                    const holo_dict_train_opts *o, uint8_t id[HOLO_DICT_ID_LEN],
                    holo_dict_stats *stats, holo_err *err);
/* The CURRENT dictionary's id: 0, HOLO_ENOCHUNKS when the store has none. */
int holo_dict_current(const char *dict_dir, uint8_t id[HOLO_DICT_ID_LEN], holo_err *err);
/* Load and check dictionary id from dict_dir (its chunks rebuilt and compared with its hash). */
int holo_dict_check(const char *dict_dir, const uint8_t id[HOLO_DICT_ID_LEN], holo_err *err);
/* The nearest START/.., START/../.. ... holding a .holo-dict/ directory: its path into out
 * (STORE/.holo-dict). 0, or -1 when there is none. START itself is not looked at. */
int holo_dict_find(const char *start, char *out, size_t outsz);
/* Lower-case hex of an id (32 characters and a NUL). */
void holo_dict_hex(const uint8_t id[HOLO_DICT_ID_LEN], char hex[2 * HOLO_DICT_ID_LEN + 1]);

/* ---- output views ---------------------------------------------------------------------- */
/* How a decoded file is serialised. FAST_PNG is a compressed PNG tuned for speed (holo decode);
 * STORED_PNG uses stored deflate blocks so its size follows from the geometry alone (holofs). */
typedef enum {
    HOLO_VIEW_AUTO = 0,   /* from the output name: .png .jpg/.jpeg .ppm .wav; PNG otherwise */
    HOLO_VIEW_PNG,
    HOLO_VIEW_STORED_PNG,
    HOLO_VIEW_JPEG,
    HOLO_VIEW_PPM,
    HOLO_VIEW_WAV,
    HOLO_VIEW_RAW,        /* binaries: the bytes themselves */
    HOLO_VIEW_PGM,        /* images whose pixels are grey */
} holo_view;

/* Pick the view for an output name and kind (audio is always WAV, binary always RAW). */
holo_view holo_view_for_name(const char *name, holo_kind kind);

/* What decoding a set into a file called `name` writes: the name's extension (any case)
 * decides, the same rule for holo decode and holonet rx (holo(1) "Outputs").
 * HOLO_OUTPUT_FILE: the file the set gives back (d->bytes: a JPEG, a recipe's PNG/PPM/PGM, an
 * HO4A set's WAV/AIFF) has the name's format: write its bytes as they are.
 * HOLO_OUTPUT_VIEW: write holo_view_render(d, holo_view_for_name(name, kind)).
 * HOLO_EINVAL (err: "... not to NAME (use -o NAME.x)"; the caller names the set): no output of
 * this set has that format, e.g. an image as .wav, audio as .png, colour pixels as .pgm.
 * With d = NULL (before decoding) it answers from the headers in `in`: FILE when the name asks
 * for the file (decode with bytes_only), an error only when no decode could write the name;
 * with d, from what the decode gave (in is then ignored). */
enum { HOLO_OUTPUT_VIEW = 0, HOLO_OUTPUT_FILE = 1 };
int holo_output_for_name(const holo_info *in, const holo_decoded *d, const char *name,
                         holo_err *err);
/* The extension (".jpg", ".png", ".pgm", ".aiff", ".wav", ..., "" for binaries) of the format
 * a set decodes to when no name decides: its own file's, else its default view's. d as above. */
const char *holo_output_ext(const holo_info *in, const holo_decoded *d);

/* Exact size in bytes of the view of a file with this geometry, or 0 if it is not known
 * without encoding (PNG, JPEG). Valid for STORED_PNG, PPM, WAV, RAW. */
uint64_t holo_view_size(const holo_info *info, holo_view v);

/* Serialise a decoded file into a malloc'd buffer. */
int holo_view_render(const holo_decoded *d, holo_view v, uint8_t **buf, size_t *len,
                     holo_err *err);

/* Serialise into `path` atomically (temporary name in the same directory, then rename). */
int holo_view_write(const holo_decoded *d, holo_view v, const char *path, holo_err *err);

/* ---- error text and errno --------------------------------------------------------------- */
/* A short constant text for a HOLO_E* code ("corrupt or invalid data"); "unknown error" for
 * codes this version does not know. For messages naming the file use holo_err.msg. */
const char *holo_strerror(int code);

/* The errno a system interface (a FUSE callback, a socket tool) should report for err:
 * ENOMEM, EINVAL, EOPNOTSUPP for HOLO_EUNSUPPORTED, EFBIG for HOLO_ETOOBIG, the recorded errno
 * (else EIO) for HOLO_EIO, EIO for everything else; 0 for HOLO_OK or a NULL err. */
int holo_errno(const holo_err *err);

/* Chunk-level building blocks for tools that move and serve chunks (validation, chunk lists,
 * recovery chunks, HOPK containers) are in holo_ext.h. */

#ifdef __cplusplus
}
#endif
#endif
