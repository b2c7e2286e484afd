/* fuzz_v4bin.c — libFuzzer target for the v4 container header and the binary v4 (HO4B) frame
 * index and frames.
 *
 *   make fuzz && build/fuzz/fuzz_v4bin -max_len=8192 corpus_dir/
 *
 * The input is one chunk. It goes through v4c_hdr_parse and, when that accepts it, its frame
 * index through v4b_index_parse; then the chunk is written (with its header CRC recomputed, so
 * the content checks behind the CRC are reached) as the only file of a scratch set and read
 * through holo_stream: open, a few ranges, the holes, verify. The input also goes, as filtered
 * bytes, through the column filter's decoder (its first 2 bytes the raw length). */
#include "internal.h"
#include "v4_binary.h"
#include "v4_container.h"
#include "v4_filter.h"
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

static char scratch[PATH_MAX];

static void clear_scratch(void) { holo_rmtree(scratch); }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!scratch[0]) {
        snprintf(scratch, sizeof scratch, "/dev/shm/holo-fuzz-v4bin.%d", (int)getpid());
        atexit(clear_scratch);
    }
    if (size >= 2) {
        size_t n = (size_t)data[0] | (size_t)data[1] << 8;
        uint8_t *raw = malloc(n ? n : 1);
        if (raw && v4f_columns_decode(data + 2, size - 2, raw, n) == 0) {   /* and back */
            uint8_t *again = malloc(V4F_COLUMNS_BOUND(n));
            if (again) v4f_columns_encode(raw, n, again, V4F_COLUMNS_SEP, V4F_COLUMNS_MAXF);
            free(again);
        }
        free(raw);
    }
    v4c_hdr h;
    if (v4c_hdr_parse(data, size, size, "fuzz", &h, NULL)) return 0;
    if (h.ntiers >= 2 && h.m[0] == 1 && V4C_HDR_LEN + h.S[0] <= size) {
        v4b_index x;
        if (v4b_index_parse(data + V4C_HDR_LEN, h.S[0], h.flags, h.length, h.S[1], "fuzz", &x, NULL) == 0)
            free(x.off);
    }
    /* Fix crc_head and read it as a one-chunk set. */
    uint8_t *c = malloc(size);
    memcpy(c, data, size);
    memset(c + 108, 0, 4);
    uLong crc = crc32(0L, c, V4C_HDR_LEN);
    for (unsigned t = 0; t < h.ntiers; t++)
        if (h.m[t] == 1) crc = crc32(crc, c + v4c_row_off(&h, t), (uInt)h.S[t]);
    holo_wr32(c + 108, (uint32_t)crc);
    holo_rmtree(scratch);
    mkdir(scratch, 0700);
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/chunk_0000.holo", scratch);
    FILE *f = fopen(path, "wb");
    if (f) { fwrite(c, 1, size, f); fclose(f); }
    free(c);
    holo_decode_opts o;
    holo_decode_opts_init(&o);
    holo_err err;
    holo_stream *s = holo_stream_open(scratch, &o, &err);
    if (!s) return 0;
    uint8_t buf[4096];
    uint64_t L = holo_stream_size(s);
    holo_stream_read(s, 0, buf, sizeof buf, &err);
    if (L > 10) holo_stream_read(s, L / 2 - 5, buf, 10, &err);
    holo_range r[4];
    holo_stream_holes(s, r, 4);
    holo_stream_info si;
    holo_stream_stat(s, &si);
    if (L <= (1u << 20)) holo_stream_verify(s, &err);
    holo_stream_close(s);
    return 0;
}
