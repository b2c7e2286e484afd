/* t_pnm_recipe.c — the PPM/PGM recipe (codec/common/pnm_recipe.c) and the recipe dispatch
 * (recipe.c): header bytes + samples + trailing bytes come back exactly; 16-bit and broken
 * files are refused with the reason.
 *
 *   prove -v build/tests/t_pnm_recipe.t
 */
#include "tap.h"
#include "internal.h"
#include "pnm_recipe.h"
#include "png_recipe.h"

#include <stdlib.h>
#include <string.h>

/* header + w*h*ch samples (i*7 mod maxval+1) + tail */
static uint8_t *pnm(const char *header, uint32_t w, uint32_t h, int ch, int maxval,
                    const char *tail, size_t *len)
{
    size_t hl = strlen(header), tl = strlen(tail), n = (size_t)w * h * ch;
    uint8_t *b = malloc(hl + n + tl);
    memcpy(b, header, hl);
    for (size_t i = 0; i < n; i++) b[hl + i] = (uint8_t)((i * 7) % (unsigned)(maxval + 1));
    memcpy(b + hl + n, tail, tl);
    *len = hl + n + tl;
    return b;
}

static void round_trip(const char *what, const char *header, uint32_t w, uint32_t h, int ch,
                       int maxval, const char *tail)
{
    size_t len;
    uint8_t *f = pnm(header, w, h, ch, maxval, tail, &len);
    holo_recipe r;
    holo_err e = { 0 };
    int rc = pnm_recipe_make(f, len, "x.ppm", &r, &e);
    if (ok(rc == 0 && r.w == w && r.h == h && r.channels == ch, "%s: recipe (%s)", what,
           rc ? e.msg : r.how)) {
        is_bytes(r.pixels, (size_t)w * h * ch, f + strlen(header), (size_t)w * h * ch,
                 "%s: the pixels are the samples, unscaled", what);
        uint8_t *back = NULL;
        size_t blen = 0;
        holo_recipe_build(r.blob, r.bloblen, r.pixels, w, h, &back, &blen, &e);
        is_bytes(back, blen, f, len, "%s: rebuilt byte for byte via holo_recipe_build", what);
        is_int(holo_recipe_channels(r.blob, r.bloblen), ch, "%s: holo_recipe_channels", what);
        free(back);
        holo_recipe_free(&r);
    } else {
        skip(3, "no recipe");
    }
    free(f);
}

static void refused(const char *what, const uint8_t *f, size_t len, int code, const char *why)
{
    holo_recipe r;
    holo_err e = { 0 };
    int rc = pnm_recipe_make(f, len, "x.ppm", &r, &e);
    ok(rc == code && strstr(e.msg, why) && !strncmp(e.msg, "x.ppm: ", 7) && !r.blob,
       "%s: refused (%d) \"%s\"", what, rc, e.msg);
}

int main(void)
{
    plan(0);
    round_trip("P6 as ImageMagick writes it", "P6\n5 3\n255\n", 5, 3, 3, 255, "");
    round_trip("P5", "P5\n4 4\n255\n", 4, 4, 1, 255, "");
    round_trip("P6 with comments and odd spacing", "P6 # made by hand\n 5\t3 # size\n255\r", 5, 3, 3, 255, "");
    round_trip("P5 maxval 100", "P5\n7 2\n100\n", 7, 2, 1, 100, "");
    round_trip("P6 followed by a second image", "P6\n2 2\n255\n", 2, 2, 3, 255, "P6\n1 1\n255\nabc");

    size_t len;
    uint8_t *f = pnm("P6\n5 3\n65535\n", 5, 3, 6, 255, "", &len);
    refused("16-bit P6", f, len, HOLO_EUNSUPPORTED, "16-bit samples (maxval 65535)");
    free(f);
    f = pnm("P6\n5 3\n255\n", 5, 3, 3, 255, "", &len);
    refused("truncated by one sample byte", f, len - 1, HOLO_EINVAL, "truncated: 44 sample bytes, 5x3 needs 45");
    refused("header cut before maxval", f, 6, HOLO_EINVAL, "bad or truncated PPM/PGM header");
    free(f);
    refused("ASCII P3", (const uint8_t *)"P3\n1 1\n255\n0 0 0\n", 16, HOLO_EINVAL, "not a binary PPM/PGM file");
    refused("width 0", (const uint8_t *)"P6\n0 1\n255\n", 11, HOLO_EINVAL, "bad or truncated PPM/PGM header");
    refused("width beyond 65535", (const uint8_t *)"P5\n99999999999 1\n255\n", 22, HOLO_EINVAL, "bad or truncated");
    refused("no whitespace after maxval", (const uint8_t *)"P5\n1 1\n255", 10, HOLO_EINVAL, "bad or truncated");
    refused("65535x65535 claimed (over 2^28 pixels)", (const uint8_t *)"P5\n65535 65535\n255\n", 20, HOLO_EUNSUPPORTED, "out of range");
    /* the recipe's pixel cap, HOLO_RECIPE_MAX_PIXELS = 2^27 (the default decode limit): at it
     * the header passes and the samples are missing; one column more is out of range */
    refused("16384x8192 (2^27 pixels, the cap), no samples", (const uint8_t *)"P5\n16384 8192\n255\n", 18,
            HOLO_EINVAL, "truncated: 0 sample bytes, 16384x8192 needs 134217728");
    refused("16385x8192 (over the cap)", (const uint8_t *)"P5\n16385 8192\n255\n", 18, HOLO_EUNSUPPORTED,
            "image size 16385x8192 out of range");

    /* build: a recipe of another family or size, or damaged, fails with a message */
    f = pnm("P6\n5 3\n255\n", 5, 3, 3, 255, "tail", &len);
    holo_recipe r;
    holo_err e = { 0 };
    if (!pnm_recipe_make(f, len, NULL, &r, &e)) {
        uint8_t *out = NULL;
        size_t olen = 0;
        int rc = pnm_recipe_build(r.blob, r.bloblen, r.pixels, 4, 3, &out, &olen, &e);
        ok(rc == HOLO_EINVAL && !out && strstr(e.msg, "made for 5x3, pixels are 4x3"), "wrong size: %s", e.msg);
        rc = pnm_recipe_build(r.blob, r.bloblen - 1, r.pixels, 5, 3, &out, &olen, &e);
        ok(rc == HOLO_EINVAL && !out && strstr(e.msg, "malformed"), "truncated recipe: %s", e.msg);
        rc = png_recipe_build(r.blob, r.bloblen, r.pixels, 5, 3, &out, &olen, &e);
        ok(rc == HOLO_EINVAL && !out, "a PNM recipe given to the PNG builder: %s", e.msg);
        memcpy(r.blob, "XXXX", 4);
        rc = holo_recipe_build(r.blob, r.bloblen, r.pixels, 5, 3, &out, &olen, &e);
        ok(rc == HOLO_EINVAL && !out && strstr(e.msg, "unknown recipe type"), "unknown magic: %s", e.msg);
        is_int(holo_recipe_channels(r.blob, r.bloblen), 0, "unknown magic: 0 channels");
        holo_recipe_free(&r);
    } else {
        ok(0, "recipe: %s", e.msg);
    }
    free(f);
    return done_testing();
}
