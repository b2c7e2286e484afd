/* recipe.c — what both recipe families share: freeing, and dispatch by blob magic. */
#include "recipe.h"
#include "internal.h"
#include "png_recipe.h"
#include "pnm_recipe.h"

#include <stdlib.h>
#include <string.h>

void holo_recipe_free(holo_recipe *r)
{
    free(r->pixels);
    free(r->blob);
    r->pixels = r->blob = NULL;
    r->bloblen = 0;
}

int holo_recipe_channels(const uint8_t *blob, size_t bloblen)
{
    if (bloblen >= 4 && !memcmp(blob, PNG_RECIPE_MAGIC, 4))
        return png_recipe_channels(blob, bloblen);
    if (bloblen >= 4 && !memcmp(blob, PNM_RECIPE_MAGIC, 4))
        return pnm_recipe_channels(blob, bloblen);
    return 0;
}

int holo_recipe_build(const uint8_t *blob, size_t bloblen, const uint8_t *pixels, uint32_t w,
                      uint32_t h, uint8_t **out, size_t *outlen, holo_err *err)
{
    if (bloblen >= 4 && !memcmp(blob, PNG_RECIPE_MAGIC, 4))
        return png_recipe_build(blob, bloblen, pixels, w, h, out, outlen, err);
    if (bloblen >= 4 && !memcmp(blob, PNM_RECIPE_MAGIC, 4))
        return pnm_recipe_build(blob, bloblen, pixels, w, h, out, outlen, err);
    *out = NULL;
    *outlen = 0;
    return holo_seterr(err, HOLO_EINVAL, "recipe: unknown recipe type");
}
