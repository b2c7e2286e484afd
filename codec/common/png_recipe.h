/* png_recipe.h — the PNG recipe (holo(5) "PNG RECIPE"): the zlib parameters, IDAT split,
 * row filter types and verbatim chunks that re-create a PNG file byte for byte from its
 * pixels. Only 8-bit RGB and 8-bit greyscale, non-interlaced PNGs qualify (what the v4 image
 * codec stores exactly). The parameters are found by search against the system zlib: Debian
 * bookworm's zlib 1.2.13; another zlib version may deflate differently, and then a recipe
 * fails its check instead of producing a different file.
 */
#ifndef HOLO_PNG_RECIPE_H
#define HOLO_PNG_RECIPE_H

#include "recipe.h"

typedef holo_recipe png_recipe_out;

#define PNG_RECIPE_MAGIC "HRPN"

/* Find a recipe for png[0..len). On success r holds the pixels (RGB8 or grey8), w, h and the
 * blob, and the blob has been checked: building it from the pixels gave exactly the input.
 * Fails with HOLO_EUNSUPPORTED and a reason ("palette colour", "16-bit samples", "no zlib
 * parameters reproduce the image data", ...) for PNGs that are valid but cannot be re-created,
 * HOLO_EINVAL for corrupt ones (bad CRC, truncated, bad filter type). Messages start "PNG: ". */
int png_recipe_make(const uint8_t *png, size_t len, png_recipe_out *r, holo_err *err);

/* Same with the file name for messages and the parameter search's time budget in
 * milliseconds of CPU time of the calling thread (0: the default, 2 s plus 1 s per 4 MB of filtered rows; a level-9 deflate
 * of a smooth 14 MP image alone can take 40 s). */
int png_recipe_make_ex(const uint8_t *png, size_t len, const char *name, unsigned budget_ms,
                       png_recipe_out *r, holo_err *err);

/* Re-create the PNG file from a recipe blob and the pixels (w * h * channels bytes, channels
 * as the recipe says). *png is malloc'd. */
int png_recipe_build(const uint8_t *blob, size_t bloblen, const uint8_t *pixels, uint32_t w,
                     uint32_t h, uint8_t **png, size_t *len, holo_err *err);

/* 1 or 3 for a valid PNG recipe blob, 0 otherwise. */
int png_recipe_channels(const uint8_t *blob, size_t bloblen);

#endif
