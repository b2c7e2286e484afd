/* pnm_recipe.h — the PPM/PGM recipe (holo(5) "PNM RECIPE"): a binary PPM (P6) or PGM (P5)
 * with 8-bit samples is its header bytes, the samples and whatever follows them; the recipe
 * keeps the header and the trailing bytes verbatim, the v4 image codec keeps the samples.
 */
#ifndef HOLO_PNM_RECIPE_H
#define HOLO_PNM_RECIPE_H

#include "recipe.h"

#define PNM_RECIPE_MAGIC "HRPM"

/* Split a P5/P6 file (maxval 1..255) into pixels and recipe. The pixels are the file's
 * samples unchanged (not rescaled to 0..255, so the file comes back exactly).
 * HOLO_EUNSUPPORTED for 16-bit samples, HOLO_EINVAL for a corrupt or truncated file;
 * `name` (may be NULL) starts the message. */
int pnm_recipe_make(const uint8_t *buf, size_t len, const char *name, holo_recipe *r,
                    holo_err *err);

/* Re-create the file: header + pixels + trailing bytes. */
int pnm_recipe_build(const uint8_t *blob, size_t bloblen, const uint8_t *pixels, uint32_t w,
                     uint32_t h, uint8_t **out, size_t *outlen, holo_err *err);

/* 1 or 3 for a valid PNM recipe blob, 0 otherwise. */
int pnm_recipe_channels(const uint8_t *blob, size_t bloblen);

#endif
