/* t_encode_version.c — the automatic codec version of holo_encode_file (holo.h):
 * holo_encode_opts_init leaves codec_version 0; images are written as v4, audio and binaries
 * as v2; a setting only the v1/v2 image format honours selects v2; an explicit version wins.
 *
 *   HOLO_VECTORS=/work/shared/vectors prove -v build/tests/t_encode_version.t
 */
#include "tap.h"
#include "internal.h"   /* holo.h, holo_rmtree */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char scratch[] = "/tmp/t_encode_version.XXXXXX";

/* Encode `in` with `o` into scratch/NAME; returns the version holo_info_dir reports, or the
 * negative error code; `magic` gets the first 4 bytes of chunk_0000.holo. */
static int encode_version(const char *in, const char *name, const holo_encode_opts *o,
                          char magic[5])
{
    char dir[512], c0[600];
    tap_pathf(dir, sizeof dir, "%s/%s", scratch, name);
    holo_err e = {0};
    int rc = holo_encode_file(in, dir, o, &e);
    if (rc) {
        diag("%s: %s", name, e.msg);
        return rc;
    }
    holo_info info;
    if ((rc = holo_info_dir(dir, &info, &e))) return rc;
    tap_pathf(c0, sizeof c0, "%s/chunk_0000.holo", dir);
    size_t len = 0;
    uint8_t *b = tap_slurp(c0, &len);
    memset(magic, 0, 5);
    if (b && len >= 4) memcpy(magic, b, 4);
    free(b);
    return info.version;
}

int main(void)
{
    plan(0);
    if (!mkdtemp(scratch)) {
        ok(0, "mkdtemp");
        return done_testing();
    }
    holo_encode_opts o;
    holo_encode_opts_init(&o);
    is_int(o.codec_version, 0, "holo_encode_opts_init: codec_version 0 (automatic)");

    /* ---- holo_encode_version: the rule ---------------------------------------------- */
    is_int(holo_encode_version(&o, HOLO_KIND_IMAGE), 4, "automatic: images 4");
    is_int(holo_encode_version(&o, HOLO_KIND_AUDIO), 2, "automatic: audio 2");
    is_int(holo_encode_version(&o, HOLO_KIND_BINARY), 2, "automatic: binaries 2");
    holo_encode_opts t;
#define RULE(field, value, want, what)                                                     \
    do {                                                                                   \
        holo_encode_opts_init(&t);                                                         \
        t.field = value;                                                                   \
        is_int(holo_encode_version(&t, HOLO_KIND_IMAGE), want, "automatic, image, %s", what); \
    } while (0)
    RULE(chunk_kb, 32, 2, "chunk_kb 32: v2 (v4 has no chunk-size formula)");
    RULE(zlib_level, 9, 2, "zlib_level 9: v2");
    RULE(recovery, 0.25, 2, "recovery 0.25: v2 (HORC chunks)");
    RULE(coarse_side, 8, 2, "coarse_side 8: v2");
    RULE(coarse_side, 16, 4, "coarse_side 16 (the default value): v4");
    RULE(block_count, 300, 2, "block_count 300: v2 (v4 holds at most 255 chunks)");
    RULE(block_count, 255, 4, "block_count 255: v4");
    RULE(block_count, 1, 4, "block_count 1: v4");
    RULE(threads, 2, 4, "threads 2: v4");
    RULE(lossy, 1, 4, "lossy: v4");
    holo_encode_opts_init(&t);
    t.chunk_kb = 32;
    t.target_psnr = 30;
    is_int(holo_encode_version(&t, HOLO_KIND_IMAGE), 4, "automatic, image, chunk_kb with a PSNR target: v4 (lossy exists only there)");
    holo_encode_opts_init(&t);
    t.chunk_kb = 32;
    is_int(holo_encode_version(&t, HOLO_KIND_AUDIO), 2, "automatic, audio, chunk_kb: 2");
    for (int v = 1; v <= 4; v++) {
        holo_encode_opts_init(&t);
        t.codec_version = v;
        t.chunk_kb = 32;
        is_int(holo_encode_version(&t, HOLO_KIND_IMAGE), v, "explicit %d wins (image, chunk_kb set)", v);
    }

    /* ---- holo_encode_file with the defaults --------------------------------------------- */
    char png[512], wav[512], bin[512], magic[5];
    tap_pathf(png, sizeof png, "%s/formats/inputs/img_37x23.png", tap_vectors());
    tap_pathf(wav, sizeof wav, "%s/formats/inputs/aud_stereo16_16000.wav", tap_vectors());
    tap_pathf(bin, sizeof bin, "%s/formats/inputs/bin_5000.bin", tap_vectors());
    holo_encode_opts_init(&o);
    is_int(encode_version(png, "img.holo", &o, magic), 4, "PNG with the defaults: v4");
    is_str(magic, "HOV4", "... HOV4 chunks");
    is_int(encode_version(png, "null.holo", NULL, magic), 4, "PNG with NULL options: v4");
    is_int(encode_version(wav, "aud.holo", &o, magic), 2, "WAV with the defaults: v2");
    is_str(magic, "HOAU", "... HOAU chunks");
    is_int(encode_version(bin, "bin.holo", &o, magic), 2, "binary with the defaults: v2");
    is_str(magic, "HOBI", "... HOBI chunks");
    o.mode = HOLO_KIND_IMAGE;
    is_int(encode_version(png, "forced.holo", &o, magic), 4, "mode forced to image: v4");
    holo_encode_opts_init(&o);
    o.chunk_kb = 2;
    is_int(encode_version(png, "kb.holo", &o, magic), 2, "PNG with chunk_kb: v2");
    is_str(magic, "HOCH", "... HOCH chunks");
    holo_encode_opts_init(&o);
    o.codec_version = 2;
    is_int(encode_version(png, "v2.holo", &o, magic), 2, "PNG with codec_version 2: v2");
    o.codec_version = 4;
    is_int(encode_version(wav, "aud4.holo", &o, magic), 4, "WAV with codec_version 4: v4");
    is_str(magic, "HO4A", "... HO4A chunks");
    o.codec_version = 5;
    holo_err e = {0};
    char dir[512];
    tap_pathf(dir, sizeof dir, "%s/bad.holo", scratch);
    ok(holo_encode_file(png, dir, &o, &e) == HOLO_EINVAL && strstr(e.msg, "codec version 5"),
       "codec_version 5 is refused: %s", e.msg);
    o.codec_version = -1;
    ok(holo_encode_file(png, dir, &o, &e) == HOLO_EINVAL, "codec_version -1 is refused");
    holo_rmtree(scratch);
    return done_testing();
}
