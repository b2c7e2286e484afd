/* pngthumb.h — the Pillow 9.4-compatible PNG writer for v1/v2 thumbnails
 * (doc/formats.md §Thumbnail PNG).
 *
 * Byte-exact with Image.save(format="PNG") of an 8-bit RGB image: per-row filter chosen from
 * None/Up/Sub/Paeth by Pillow's cost rule, one zlib stream (level 6, memLevel 9, Z_FILTERED),
 * IDAT chunks of max(65536, 4*W) bytes. Chunk bytes depend on it, so do not "improve" it.
 */
#ifndef HOLO_PNGTHUMB_H
#define HOLO_PNGTHUMB_H

#include "holo.h"

/* Encode rgb (w x h, packed) into a malloc'd PNG in *out. 0 or HOLO_ENOMEM/HOLO_EINVAL. */
int holo_pngthumb_write(const uint8_t *rgb, uint32_t w, uint32_t h, uint8_t **out,
                        size_t *outlen, holo_err *err);

/* The filtered scanlines (filter byte + 3*w bytes per row) that the writer deflates; for tests.
 * raw must hold h * (1 + 3*w) bytes. */
void holo_pngthumb_filter(const uint8_t *rgb, uint32_t w, uint32_t h, uint8_t *raw);

#endif
