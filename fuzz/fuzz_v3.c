/* fuzz_v3.c — libFuzzer target for the v3 decoders, HORC recovery and HOPK unpacking.
 *
 * The input is split at every "\n--\n" into up to 8 files in a scratch directory: parts 0-4
 * become chunk_0000.holo ... chunk_0004.holo, parts 5-6 recovery_0000.holo / recovery_0001.holo,
 * part 7 manifest.json (a container manifest makes the directory a HOPK pack; obj_0000_coarse.bin
 * is then part 6). The directory is decoded with and without recovery, and objects 0 and 1 are
 * unpacked. Seeds: join the files of a vectors/formats v3, horc_* or container case with
 * "\n--\n". Build: make fuzz; run: build/fuzz/fuzz_v3 CORPUS_DIR. */
#include "internal.h"
#include "hopk.h"
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char scratch[PATH_MAX];

static void clear_scratch(void)
{
    holo_rmtree(scratch);
    mkdir(scratch, 0700);
}

static void put(const char *name, const uint8_t *p, size_t n)
{
    char path[PATH_MAX];
    if (holo_path_join(path, sizeof path, scratch, name) < 0) return;
    FILE *f = fopen(path, "wb");
    if (f) { fwrite(p, 1, n, f); fclose(f); }
}

int holo_fuzz_v3_one(const uint8_t *data, size_t size)
{
    if (!scratch[0]) {
        snprintf(scratch, sizeof scratch, "%s/holo-fuzz-v3.%d",
                 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", (int)getpid());
        atexit(clear_scratch);
    }
    clear_scratch();
    const uint8_t *p = data, *end = data + size;
    for (int i = 0; i < 8 && p <= end; i++) {
        const uint8_t *sep = memmem(p, (size_t)(end - p), "\n--\n", 4);
        const uint8_t *stop = sep ? sep : end;
        char name[64];
        if (i < 5) snprintf(name, sizeof name, "chunk_%04d.holo", i);
        else if (i < 7) snprintf(name, sizeof name, "recovery_%04d.holo", i - 5);
        else snprintf(name, sizeof name, "manifest.json");
        put(name, p, (size_t)(stop - p));
        if (i == 6) put("obj_0000_coarse.bin", p, (size_t)(stop - p));
        if (!sep) break;
        p = sep + 4;
    }
    for (int rec = 0; rec < 2; rec++) {
        holo_decode_opts o;
        holo_decode_opts_init(&o);
        /* the limits a careful deployment sets (holo decode --max-output): the fuzzer looks for
         * crashes and unbounded work, not for claims the user allowed */
        o.max_output = 256u << 20;
        o.max_pixels = 1u << 24;
        o.no_recovery = rec;
        o.threads = 1;
        holo_decoded d;
        if (holo_decode_dir(scratch, &o, &d, NULL) == 0) holo_decoded_free(&d);
    }
    for (size_t i = 0; i < 2; i++) {
        holo_decoded d;
        if (holo_unpack(scratch, i, NULL, &d, NULL) == 0) holo_decoded_free(&d);
    }
    return 0;
}

#ifndef HOLO_FUZZ_NO_MAIN
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return holo_fuzz_v3_one(data, size);
}
#endif
