/* fuzz_smallpack.c — libFuzzer target for small-file packs (holo(5) "SMALL-FILE PACKS"):
 * DIR/.holo-pack is scanned, every live member extracted back to a chunk directory and read
 * as a binary set, and the pack compacted and scanned again.
 *
 *   make fuzz && build/fuzz/fuzz_smallpack -max_len=65536 fuzz/corpus/fuzz_smallpack/
 *
 * Byte 0 selects fix-ups: bit 0 recomputes the CRC-32 of every "HOSR" record whose stated
 * length fits, so the parsing behind the CRC (names, LEB128 fields, the files of a set) is
 * reached too; bit 1 runs the compaction. The rest is the pack file. */
#include "internal.h"
#include "holo_ext.h"
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define MAX_EXTRACT 8

static char scratch[PATH_MAX];

static void clear_scratch(void) { holo_rmtree(scratch); }

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The CRC-32 of a record covers everything before its last 4 bytes (all little-endian). */
static void fix_crcs(uint8_t *p, size_t len)
{
    for (size_t i = 0; i + 8 <= len; i++) {
        if (memcmp(p + i, "HOSR", 4) != 0)
            continue;
        uint32_t rl = le32(p + i + 4);
        if (rl < 12 || rl > len - i)
            continue;
        uint32_t crc = (uint32_t)crc32(0L, p + i, (uInt)(rl - 4));
        for (int b = 0; b < 4; b++)
            p[i + rl - 4 + b] = (uint8_t)(crc >> 8 * b);
    }
}

static void read_set(const char *setdir)
{
    holo_decode_opts o;
    holo_decode_opts_init(&o);
    o.max_output = 64u << 20;
    holo_err err;
    holo_stream *s = holo_stream_open(setdir, &o, &err);
    if (!s)
        return;
    uint8_t buf[4096];
    holo_stream_read(s, 0, buf, sizeof buf, &err);
    holo_stream_close(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!scratch[0]) {
        snprintf(scratch, sizeof scratch, "/dev/shm/holo-fuzz-smallpack.%d", (int)getpid());
        atexit(clear_scratch);
    }
    if (size < 1)
        return 0;
    uint8_t flags = data[0];
    size_t len = size - 1;
    uint8_t *pack = malloc(len ? len : 1);
    if (!pack)
        return 0;
    memcpy(pack, data + 1, len);
    if (flags & 1)
        fix_crcs(pack, len);

    holo_rmtree(scratch);
    mkdir(scratch, 0700);
    char path[PATH_MAX], out[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", scratch, HOLO_SPACK_NAME);
    FILE *f = fopen(path, "wb");
    if (f) {
        fwrite(pack, 1, len, f);
        fclose(f);
    }
    free(pack);

    holo_spack p;
    holo_err err;
    if (holo_spack_read(path, &p, &err) == 0) {
        for (size_t i = 0; i < p.n && i < MAX_EXTRACT; i++) {
            snprintf(out, sizeof out, "%s/m%zu.holo", scratch, i);
            if (holo_spack_extract(path, &p.m[i], out, 0, &err) == 0)
                read_set(out);
        }
        holo_spack_free(&p);
    }
    if ((flags & 2) && holo_spack_compact(path, &err) == 0 && holo_spack_read(path, &p, &err) == 0)
        holo_spack_free(&p);
    return 0;
}
