/* t_policy.c — the store policy (codec/policy.c) as a rule table: which codec a file takes,
 * given what its bytes are, whether a recipe re-creates it exactly, and the `pixels` option.
 * The table is the specification (issue 16); each line is one test.
 *
 *   prove -v build/tests/t_policy.t
 */
#include "tap.h"
#include "internal.h"

#include <string.h>

enum { NO_RECIPE = 0, RECIPE = 1 };
enum { BYTES = 0, PIXELS = 1 };

typedef struct rule {
    holo_sniff_type type;
    int recipe_ok, pixels;
    holo_store_codec want;
    const char *why;
} rule;

static const rule rules[] = {
    /* Compressed formats are stored as bytes: decoded they would be bigger, and not the
     * user's file. A recipe cannot apply to them. */
    { HOLO_SNIFF_JPEG, NO_RECIPE, BYTES, HOLO_STORE_JPEG_V4, "JPEG: HO4J (its coefficients; the encoder proves the rebuild, else binary)" },
    { HOLO_SNIFF_MP3, NO_RECIPE, BYTES, HOLO_STORE_BINARY, "MP3: binary" },
    { HOLO_SNIFF_OGG, NO_RECIPE, BYTES, HOLO_STORE_BINARY, "Ogg: binary" },
    { HOLO_SNIFF_FLAC, NO_RECIPE, BYTES, HOLO_STORE_BINARY, "FLAC: binary" },
    { HOLO_SNIFF_AAC, NO_RECIPE, BYTES, HOLO_STORE_BINARY, "AAC: binary" },
    { HOLO_SNIFF_M4A, NO_RECIPE, BYTES, HOLO_STORE_BINARY, "M4A: binary" },
    { HOLO_SNIFF_MP4, NO_RECIPE, BYTES, HOLO_STORE_BINARY, "MP4: binary" },
    { HOLO_SNIFF_MOV, NO_RECIPE, BYTES, HOLO_STORE_BINARY, "MOV: binary" },
    { HOLO_SNIFF_MATROSKA, NO_RECIPE, BYTES, HOLO_STORE_BINARY, "Matroska: binary" },
    { HOLO_SNIFF_WEBM, NO_RECIPE, BYTES, HOLO_STORE_BINARY, "WebM: binary" },
    { HOLO_SNIFF_WEBP, NO_RECIPE, BYTES, HOLO_STORE_BINARY, "WebP: binary" },
    { HOLO_SNIFF_AVIF, NO_RECIPE, BYTES, HOLO_STORE_BINARY, "AVIF: binary" },
    { HOLO_SNIFF_HEIC, NO_RECIPE, BYTES, HOLO_STORE_BINARY, "HEIC: binary" },
    { HOLO_SNIFF_GIF, NO_RECIPE, BYTES, HOLO_STORE_BINARY, "GIF: binary" },
    { HOLO_SNIFF_GZIP, NO_RECIPE, BYTES, HOLO_STORE_BINARY, "gzip: binary" },
    { HOLO_SNIFF_XZ, NO_RECIPE, BYTES, HOLO_STORE_BINARY, "xz: binary" },
    { HOLO_SNIFF_ZSTD, NO_RECIPE, BYTES, HOLO_STORE_BINARY, "zstd: binary" },
    { HOLO_SNIFF_BZIP2, NO_RECIPE, BYTES, HOLO_STORE_BINARY, "bzip2: binary" },
    { HOLO_SNIFF_ZIP, NO_RECIPE, BYTES, HOLO_STORE_BINARY, "zip (docx, jar, odt): binary" },
    { HOLO_SNIFF_7Z, NO_RECIPE, BYTES, HOLO_STORE_BINARY, "7z: binary" },
    { HOLO_SNIFF_RAR, NO_RECIPE, BYTES, HOLO_STORE_BINARY, "rar: binary" },
    { HOLO_SNIFF_PDF, NO_RECIPE, BYTES, HOLO_STORE_BINARY, "PDF: binary" },
    { HOLO_SNIFF_OTHER, NO_RECIPE, BYTES, HOLO_STORE_BINARY, "unknown: binary" },
    /* PNG and PPM/PGM take the v4 image codec only with a verified recipe. */
    { HOLO_SNIFF_PNG, RECIPE, BYTES, HOLO_STORE_IMAGE_RECIPE, "PNG with a recipe: v4 image + recipe" },
    { HOLO_SNIFF_PNG, NO_RECIPE, BYTES, HOLO_STORE_BINARY, "PNG without a recipe (alpha, palette, 16-bit, unknown deflater): binary" },
    { HOLO_SNIFF_PPM, RECIPE, BYTES, HOLO_STORE_IMAGE_RECIPE, "PPM (8-bit): v4 image + header recipe" },
    { HOLO_SNIFF_PGM, RECIPE, BYTES, HOLO_STORE_IMAGE_RECIPE, "PGM (8-bit): v4 image + header recipe" },
    { HOLO_SNIFF_PPM, NO_RECIPE, BYTES, HOLO_STORE_BINARY, "PPM without a recipe (16-bit, truncated): binary" },
    /* Raw audio: audio v4 (HO4A) rebuilds WAV/AIFF byte for byte (store.c verifies each
     * set by decoding it, then falls back to binary); its splitter does not read RF64. */
    { HOLO_SNIFF_WAV, NO_RECIPE, BYTES, HOLO_STORE_AUDIO_V4, "WAV: audio v4 (verified by store.c)" },
    { HOLO_SNIFF_RF64, NO_RECIPE, BYTES, HOLO_STORE_BINARY, "RF64: binary (HO4A does not split it)" },
    { HOLO_SNIFF_AIFF, NO_RECIPE, BYTES, HOLO_STORE_AUDIO_V4, "AIFF: audio v4 (verified by store.c)" },
    /* Raw images the v4 image path has no recipe for. */
    { HOLO_SNIFF_BMP, NO_RECIPE, BYTES, HOLO_STORE_BINARY, "BMP: binary" },
    { HOLO_SNIFF_TIFF, NO_RECIPE, BYTES, HOLO_STORE_BINARY, "TIFF: binary" },
    /* A recipe flag on a type that has no recipe family changes nothing. */
    { HOLO_SNIFF_JPEG, RECIPE, BYTES, HOLO_STORE_JPEG_V4, "JPEG, recipe flag set by mistake: still HO4J" },
    { HOLO_SNIFF_WAV, RECIPE, BYTES, HOLO_STORE_AUDIO_V4, "WAV, recipe flag set by mistake: still audio v4" },
    /* pixels: the old graceful behaviour - decode what the readers decode. */
    { HOLO_SNIFF_JPEG, NO_RECIPE, PIXELS, HOLO_STORE_IMAGE_PIXELS, "pixels, JPEG: v4 pixels" },
    { HOLO_SNIFF_PNG, RECIPE, PIXELS, HOLO_STORE_IMAGE_PIXELS, "pixels, PNG with a recipe: v4 pixels (asked for)" },
    { HOLO_SNIFF_PNG, NO_RECIPE, PIXELS, HOLO_STORE_IMAGE_PIXELS, "pixels, PNG without a recipe: v4 pixels" },
    { HOLO_SNIFF_PPM, NO_RECIPE, PIXELS, HOLO_STORE_IMAGE_PIXELS, "pixels, PPM: v4 pixels" },
    { HOLO_SNIFF_PGM, NO_RECIPE, PIXELS, HOLO_STORE_IMAGE_PIXELS, "pixels, PGM: v4 pixels" },
    { HOLO_SNIFF_WAV, NO_RECIPE, PIXELS, HOLO_STORE_AUDIO_V2, "pixels, WAV: v2 audio" },
    { HOLO_SNIFF_RF64, NO_RECIPE, PIXELS, HOLO_STORE_AUDIO_V2, "pixels, RF64: v2 audio" },
    { HOLO_SNIFF_AIFF, NO_RECIPE, PIXELS, HOLO_STORE_AUDIO_V2, "pixels, AIFF: v2 audio" },
    { HOLO_SNIFF_FLAC, NO_RECIPE, PIXELS, HOLO_STORE_AUDIO_V2, "pixels, FLAC: v2 audio (libsndfile decodes it)" },
    { HOLO_SNIFF_MP3, NO_RECIPE, PIXELS, HOLO_STORE_BINARY, "pixels, MP3: binary (no reader decodes it)" },
    { HOLO_SNIFF_GIF, NO_RECIPE, PIXELS, HOLO_STORE_BINARY, "pixels, GIF: binary (no reader decodes it)" },
    { HOLO_SNIFF_BMP, NO_RECIPE, PIXELS, HOLO_STORE_BINARY, "pixels, BMP: binary (no reader decodes it)" },
    { HOLO_SNIFF_OTHER, NO_RECIPE, PIXELS, HOLO_STORE_BINARY, "pixels, unknown: binary" },
};

typedef struct settle_rule {
    holo_store_codec chosen;
    uint64_t media, binary;
    holo_store_codec want;
    const char *why;
} settle_rule;

static const settle_rule settles[] = {
    { HOLO_STORE_IMAGE_RECIPE, 900, 1000, HOLO_STORE_IMAGE_RECIPE, "recipe store smaller than binary: kept" },
    { HOLO_STORE_IMAGE_RECIPE, 1000, 1000, HOLO_STORE_IMAGE_RECIPE, "recipe store equal to binary: kept" },
    { HOLO_STORE_IMAGE_RECIPE, 1001, 1000, HOLO_STORE_BINARY, "recipe store one byte larger: dropped for binary" },
    { HOLO_STORE_BINARY, 10, 1000, HOLO_STORE_BINARY, "binary stays binary whatever the sizes" },
    { HOLO_STORE_IMAGE_PIXELS, 8500, 1000, HOLO_STORE_IMAGE_PIXELS, "pixels asked for: kept even when larger" },
    { HOLO_STORE_AUDIO_V2, 3000, 1000, HOLO_STORE_AUDIO_V2, "audio samples asked for: kept even when larger" },
};

/* The size rule a media set that is not the file's bytes must meet: file + 1% + 4 KiB. */
typedef struct fit_rule {
    uint64_t media, file;
    int want;
} fit_rule;

static const fit_rule fits[] = {
    { 0, 0, 1 }, { 4096, 0, 1 }, { 4097, 0, 0 },
    { 1000000 + 10000 + 4096, 1000000, 1 }, { 1000000 + 10000 + 4097, 1000000, 0 },
    { 600000, 1000000, 1 },
};

int main(void)
{
    plan(0);
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
        const rule *r = &rules[i];
        holo_store_facts f = { r->type, r->recipe_ok, r->pixels };
        is_str(holo_store_codec_name(holo_store_policy(&f)), holo_store_codec_name(r->want),
               "%s", r->why);
    }
    /* Every type is covered by a rule without pixels: no type falls through untested. */
    for (int t = 0; t < HOLO_SNIFF_COUNT; t++) {
        int covered = 0;
        for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++)
            covered |= rules[i].type == (holo_sniff_type)t && !rules[i].pixels;
        ok(covered, "rule table covers %s", holo_sniff_name((holo_sniff_type)t));
    }
    /* Compressed formats: binary for every combination of the other inputs but pixels (a JPEG
     * tries HO4J first). */
    for (int t = 0; t < HOLO_SNIFF_COUNT; t++) {
        if (!holo_sniff_is_compressed((holo_sniff_type)t) || t == HOLO_SNIFF_JPEG)
            continue;
        holo_store_facts f = { (holo_sniff_type)t, RECIPE, BYTES };
        is_int(holo_store_policy(&f), HOLO_STORE_BINARY, "%s with a recipe flag: binary",
               holo_sniff_name((holo_sniff_type)t));
    }
    /* HO4J's size rule: no larger than the JPEG + 4 KiB. */
    ok(holo_store_jpeg_fits(104096, 100000) && !holo_store_jpeg_fits(104097, 100000) &&
       holo_store_jpeg_fits(0, 0), "JPEG v4 fits up to the JPEG + 4 KiB, not a byte more");
    for (size_t i = 0; i < sizeof settles / sizeof settles[0]; i++) {
        const settle_rule *s = &settles[i];
        is_str(holo_store_codec_name(holo_store_settle(s->chosen, s->media, s->binary)),
               holo_store_codec_name(s->want), "settle: %s", s->why);
    }
    for (size_t i = 0; i < sizeof fits / sizeof fits[0]; i++)
        is_int(holo_store_fits(fits[i].media, fits[i].file), fits[i].want,
               "fits: a %llu-byte set for a %llu-byte file", (unsigned long long)fits[i].media,
               (unsigned long long)fits[i].file);
    return done_testing();
}
