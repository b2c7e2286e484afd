/* recipe.h — exact re-creation of an image file from its pixels plus a small "recipe" blob.
 *
 * A recipe holds every byte of the file that is not pixel data (headers, ancillary chunks,
 * trailing bytes) and the parameters that re-encode the pixels into the file's exact bytes.
 * The v4 image codec stores the pixels; the recipe turns them back into the user's file.
 * Families: PNG (png_recipe.h, blob magic "HRPN") and binary PPM/PGM (pnm_recipe.h, "HRPM");
 * holo(5) "PNG RECIPE" and "PNM RECIPE" give the byte layouts.
 */
#ifndef HOLO_RECIPE_H
#define HOLO_RECIPE_H

#include "holo.h"

/* The most pixels a recipe image may have (holo(5) "PNG RECIPE", "PNM RECIPE"): the default
 * decode limit, so every recipe set the store writes decodes under the default --max-pixels
 * and holofs (a larger one failed the store's own verifying decode after a whole encode),
 * and recipes are made, rebuilt and read against one cap. Larger images are binary v4. */
#define HOLO_RECIPE_MAX_PIXELS HOLO_DEFAULT_MAX_PIXELS

typedef struct holo_recipe {
    uint8_t *pixels;          /* w * h * channels bytes, rows top to bottom, malloc'd */
    uint32_t w, h;
    int channels;             /* 1 grey, 3 RGB */
    uint8_t *blob;            /* the serialised recipe, malloc'd */
    size_t bloblen;
    char how[96];             /* what re-creates the file, e.g. "zlib level 6 memLevel 8 ..." */
    unsigned tries;           /* parameter sets tried before the one that fits */
} holo_recipe;

void holo_recipe_free(holo_recipe *r);

/* Re-create the file from a recipe blob of either family (chosen by its magic) and the
 * pixels (w * h * channels bytes, channels as the blob says). *out is malloc'd. */
int holo_recipe_build(const uint8_t *blob, size_t bloblen, const uint8_t *pixels, uint32_t w,
                      uint32_t h, uint8_t **out, size_t *outlen, holo_err *err);

/* Channels (1 or 3) a recipe blob expects, or 0 for a blob that is not a recipe. */
int holo_recipe_channels(const uint8_t *blob, size_t bloblen);

#endif
