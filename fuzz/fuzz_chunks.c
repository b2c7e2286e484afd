/* fuzz_chunks.c — libFuzzer target for the chunk parser and the whole decoder.
 *
 * The input is split at every "\n--\n" into up to 8 chunk files (chunk_0000.holo ...) in a
 * scratch directory, which is then inspected (holo_info_dir) and decoded (holo_decode_dir),
 * both in plain order and with prefer-gain. Build: make fuzz; run: build/fuzz/fuzz_chunks DIR.
 * tests/t_corpus.c replays tests/corpus/chunks/ through the same functions and checks each
 * input's outcome against tests/corpus/expect. */
#include "internal.h"
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

/* Split the input into chunk files of a fresh scratch directory; returns its path.
 * Also called by tests/t_corpus.c to replay the corpus without libFuzzer. */
const char *holo_fuzz_chunks_write(const uint8_t *data, size_t size);
const char *holo_fuzz_chunks_write(const uint8_t *data, size_t size)
{
    if (!scratch[0]) {
        snprintf(scratch, sizeof scratch, "%s/holo-fuzz.%d", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", (int)getpid());
        atexit(clear_scratch);
    }
    clear_scratch();
    const uint8_t *p = data, *end = data + size;
    for (int i = 0; i < 8 && p <= end; i++) {
        const uint8_t *sep = memmem(p, (size_t)(end - p), "\n--\n", 4);
        const uint8_t *stop = sep ? sep : end;
        char name[64], path[PATH_MAX];
        snprintf(name, sizeof name, "chunk_%04d.holo", i);
        holo_path_join(path, sizeof path, scratch, name);
        FILE *f = fopen(path, "wb");
        if (f) { fwrite(p, 1, (size_t)(stop - p), f); fclose(f); }
        if (!sep) break;
        p = sep + 4;
    }
    return scratch;
}

int holo_fuzz_chunks_one(const uint8_t *data, size_t size);
int holo_fuzz_chunks_one(const uint8_t *data, size_t size)
{
    holo_fuzz_chunks_write(data, size);
    holo_info info;
    holo_info_dir(scratch, &info, NULL);
    for (int gain = 0; gain < 2; gain++) {
        holo_decode_opts o;
        holo_decode_opts_init(&o);
        /* the limits a careful deployment sets (holo decode --max-output): the fuzzer looks for
         * crashes and unbounded work, not for claims the user allowed */
        o.max_output = 256u << 20;
        o.max_pixels = 1u << 24;
        o.prefer_gain = gain;
        o.threads = 1;
        holo_decoded d;
        if (holo_decode_dir(scratch, &o, &d, NULL) == 0) {
            uint8_t *buf;
            size_t len;
            holo_view v = d.info.kind == HOLO_KIND_IMAGE ? HOLO_VIEW_STORED_PNG
                        : d.info.kind == HOLO_KIND_AUDIO ? HOLO_VIEW_WAV : HOLO_VIEW_RAW;
            if (holo_view_render(&d, v, &buf, &len, NULL) == 0) free(buf);
            holo_decoded_free(&d);
        }
    }
    return 0;
}

#ifndef HOLO_FUZZ_NO_MAIN
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return holo_fuzz_chunks_one(data, size);
}
#endif
