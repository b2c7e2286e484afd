/* v4_binary.h — binary v4 (HO4B): frame sizes, the frame index, and the hooks encode.c and
 * decode.c call. The stream API itself is public (holo.h, holo_stream_*). */
#ifndef HOLO_V4_BINARY_H
#define HOLO_V4_BINARY_H
#include "holo.h"
#include "v4_container.h"

/* Measured on real files (bench/bench_binary4.sh; a zstd context per frame, size over zstd -19
 * of the whole file, CPU MB/s per core on this 2-core machine):
 *   setting (long-distance matching)  doc tar  libclang  libz3  perl5  status  dpkg.log  MB/s
 *   9, 8 MiB frames (the old default)   1.133    1.156   1.139  1.099   1.085    1.207  33-87
 *   9, 64 MiB frames                    0.886    1.130   1.120  1.099   1.085    1.207  32-95
 *   9, searchLog 6, chain 24, hash 25   0.880    1.109   1.094  1.087   1.071    1.216  14-59
 *   12, 64 MiB                          0.881    1.111   1.096  1.087   1.071    1.216  13-54
 *   13 / 15 (btlazy2)                       -   1.116 / 1.106                            6 / 4
 *   16 (btopt)                              -    1.064                                   2.7
 *   17 (btultra)                                                        1.008    1.074  5-9
 * No setting at 20 MB/s per core (40 MB/s on 2) reaches 1.10x on the libraries: the optimal
 * parsers (16 and up, 2-3 MB/s per core) do. So the default is speed on large files (9 in
 * 64 MiB frames: a tar's repeats lie far apart). Zstd's threads share a frame (2 jobs, ~0.4%
 * each beyond the first).
 * Files up to 2 MiB (one frame) took 17 after a level 9 probe (3-7 MB/s); now zstd 10 without
 * long-distance matching, hash and chain tables of 2^20 entries (the level's 2^22: within 0.1%
 * of the bytes, a third more CPU), two thread jobs from 512 KiB, and the column filter for logs:
 *   zstd alone (1 thread)        status  perl5.tar  libc(x86)  dpkg.log(columns)
 *   9                             1.078    1.095     1.080       1.004
 *   10                            1.069    1.088     1.078       1.003
 *   12                            1.063    1.083     1.077       1.001
 * (ratios to zstd -19 of the raw file; the chunks add ~0.2%, the two jobs 0.4-1%).
 * --level max (64 MiB frames): the smallest of zstd 22, the default (17 on files up to 2 MiB,
 * as before the small-file default changed), and on frames up to 4 MiB
 * 22 with minMatch 4 or 5; 0.998x zstd -19 --long=27 on the doc tar and a library, 0.998-0.999x
 * on dpkg status and a perl5 tar (256 KiB per chunk), 1.002x on dpkg.log (the 132 bytes of
 * chunk header and index on 34 KB; no zstd setting saves more than 48 bytes there).
 * 128 KiB frames (holofs's default, for random reads) cost 1.32-1.36x zstd -19 on the doc tar
 * and libclang, 1.07-1.22x on files up to 2 MiB (then zstd 17); a dictionary
 * trained on the file gains ~3% (zstd --train on 16 KiB samples of libz3, 256 KiB frames)
 * before its own bytes.
 * What did reach 1.10x on libraries at level 9's speed: the x86 branch filter (v4_filter.h)
 * before zstd, libclang 1.138x -> 1.035x, libLLVM 1.150x -> 1.080x; the line filter takes
 * dpkg.log from 1.078x to 1.041x and its --level max from 1.002x to 0.959x zstd -19 --long=27. */
#define V4B_LEVEL_DEFAULT 9
#ifndef V4B_LEVEL_SMALL
#define V4B_LEVEL_SMALL 10                    /* the default for files up to V4B_SMALL_FILE */
#endif
#define V4B_SMALL_FILE (2u << 20)
#define V4B_MAX_SMALL 17                      /* --level max's second candidate on them */
#define V4B_SMALL_TABLE_LOG 20                /* zstd's hash and chain tables for them */
#define V4B_ZSTD_MAX 22                       /* --level max: zstd's ultra level (and 9) */
#define V4B_FRAME_DEFAULT (64u << 20)         /* 64 MiB */
#define V4B_FRAME_MAX_LEVEL (64u << 20)       /* --level max: 64 MiB, zstd 19 */
#define V4B_MAX_CANDIDATES 4                 /* zstd settings tried per frame (--level max) */
#define V4B_MT_FRAME (4u << 20)               /* frames this large: zstd's threads inside each */
#define V4B_MT_JOBS 2u                        /* zstd thread jobs per frame (each costs ~0.4%) */
#define V4B_MT_JOB_MIN (1u << 20)             /* and at least this many bytes each */
#define V4B_SMALL_JOB_MIN (512u << 10)        /* ... in files up to V4B_SMALL_FILE (zstd's least) */
#define V4B_FRAME_MIN 4096u
#define V4B_FRAME_CAP (64u << 20)
#define V4B_BYTES_PER_CHUNK (64u << 10)       /* k = ceil(stream / 64 KiB), clamped */
#define V4B_BYTES_PER_CHUNK_MAX (256u << 10)  /* --level max: 256 KiB */
#define V4B_K_MAX 32u

/* Tier 0 (m = 1): u32 frame size, u64 frame count, then per frame u32 stored length (== raw
 * length: stored raw) and u32 CRC-32 of the stored bytes. Tier 1 (m = k): the frames. */
#define V4B_INDEX_HEAD 12u
#define V4B_INDEX_ENTRY 8u
/* Header flag: the frames are compressed with a store dictionary whose HOLO_DICT_ID_LEN-byte id
 * follows the index entries in tier 0 (holo(5) "DICTIONARY"). */
#define V4B_FLAG_DICT 0x01u

typedef struct v4b_index {
    uint32_t frame_size;
    uint64_t nframes;
    const uint8_t *entries;   /* into the index bytes */
    uint64_t *off;            /* nframes + 1 offsets into the stream (malloc'd) */
} v4b_index;

uint32_t v4b_frame_size_for(int level, uint32_t requested);
uint32_t v4b_k_for(uint64_t stream_bytes, uint32_t per_chunk);
/* Check the index against the file length and the stream length; fills x (free x->off). */
int v4b_index_parse(const uint8_t *idx, uint64_t idx_len, unsigned flags, uint64_t length,
                    uint64_t stream_len, const char *name, v4b_index *x, holo_err *err);
uint32_t v4b_raw_len(const v4b_index *x, uint64_t length, uint64_t f);

int holo_v4_binary_encode(const char *input, const char *tmpdir, const holo_encode_opts *o,
                          holo_err *err);
int holo_v4_binary_decode(const char *dir, const holo_decode_opts *o, holo_decoded *out,
                          holo_err *err);
int holo_v4_binary_info(const char *dir, holo_info *info, holo_err *err);
void holo_v4_binary_fill_info(const v4c_reader *r, holo_info *info);
#endif
