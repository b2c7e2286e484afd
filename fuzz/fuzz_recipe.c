/* fuzz_recipe.c — libFuzzer target for content sniffing and the image recipes.
 *
 * The input is sniffed, then offered to png_recipe_make (with a small CPU budget) and
 * pnm_recipe_make; a recipe that is found must rebuild the input byte for byte (abort
 * otherwise). The input is also handed to holo_recipe_build as a hostile recipe blob for a
 * 4x4 image. Mutations rarely keep PNG CRCs right, so the PNG path also runs on a copy whose
 * chunk CRCs are re-sealed, which reaches the inflater, the filters and the search. Build: make fuzz; run: build/fuzz/fuzz_recipe DIR (seed it with small PNGs and
 * PPMs). */
#include "internal.h"
#include "png_recipe.h"
#include "pnm_recipe.h"
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static void check_rebuild(const holo_recipe *r, const uint8_t *data, size_t size)
{
    uint8_t *out = NULL;
    size_t olen = 0;
    if (holo_recipe_build(r->blob, r->bloblen, r->pixels, r->w, r->h, &out, &olen, NULL) ||
        olen != size || memcmp(out, data, size))
        abort();              /* a recipe that passed its own check must rebuild the file */
    free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    holo_sniff_type t = holo_sniff(data, size < HOLO_SNIFF_PEEK ? size : HOLO_SNIFF_PEEK);
    if (!holo_sniff_name(t))
        abort();
    holo_recipe r;
    if (png_recipe_make_ex(data, size, "fuzz.png", 200, &r, NULL) == 0) {
        check_rebuild(&r, data, size);
        holo_recipe_free(&r);
    }
    uint8_t *sealed = malloc(size ? size : 1);
    memcpy(sealed, data, size);
    for (size_t off = 8; size >= 8 && off + 12 <= size;) {
        uint32_t cl = holo_rd32(sealed + off);
        if (cl > size - off - 12)
            break;
        holo_wr32(sealed + off + 8 + cl, (uint32_t)crc32(0, sealed + off + 4, cl + 4));
        off += 12 + (size_t)cl;
    }
    if (png_recipe_make_ex(sealed, size, "fuzz.png", 200, &r, NULL) == 0) {
        check_rebuild(&r, sealed, size);
        holo_recipe_free(&r);
    }
    free(sealed);
    if (pnm_recipe_make(data, size, "fuzz.ppm", &r, NULL) == 0) {
        check_rebuild(&r, data, size);
        holo_recipe_free(&r);
    }
    static uint8_t px[4 * 4 * 3];
    uint8_t *out = NULL;
    size_t olen = 0;
    if (holo_recipe_build(data, size, px, 4, 4, &out, &olen, NULL) == 0)
        free(out);
    return 0;
}
