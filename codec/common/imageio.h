/* imageio.h — image files in and out of libholo, always as packed 8-bit RGB.
 *
 * Reading follows Pillow's Image.open(...).convert("RGB"), which is what the reference encoder
 * sees: palette expanded, grey replicated, alpha dropped without compositing, tRNS ignored, no
 * gamma or colour-profile correction. 16-bit samples keep their most significant byte (Pillow's
 * "RGB;16B" unpacker; for 16-bit grey Pillow would clip to 255 instead - we take the MSB there
 * too). Formats: PNG (every colour type and depth, interlaced), JPEG (libjpeg-turbo, grey or
 * YCbCr), binary PPM/PGM (P6/P5, maxval 1..65535, rescaled to 0..255).
 */
#ifndef HOLO_IMAGEIO_H
#define HOLO_IMAGEIO_H

#include "holo.h"

typedef struct holo_image {
    uint32_t w, h;
    uint8_t *rgb;     /* w*h*3, malloc'd */
} holo_image;

void holo_image_free(holo_image *im);

/* 1 when buf starts like a PNG / JPEG / binary PPM-PGM. */
int holo_is_png(const uint8_t *buf, size_t len);
int holo_is_jpeg(const uint8_t *buf, size_t len);
int holo_is_pnm(const uint8_t *buf, size_t len);

/* Decode an image held in memory (format from its magic). `name` is for messages.
 * HOLO_EINVAL for corrupt data, HOLO_EUNSUPPORTED for an unknown format. */
int holo_image_decode(const uint8_t *buf, size_t len, const char *name, holo_image *im,
                      holo_err *err);
/* Read and decode a file. */
int holo_image_read(const char *path, holo_image *im, holo_err *err);

/* ---- writers: all produce a malloc'd buffer -------------------------------------------- */
/* PNG tuned for speed (raw deflate segments compressed in parallel, then joined). */
int holo_png_encode_fast(const uint8_t *rgb, uint32_t w, uint32_t h, int threads,
                         uint8_t **out, size_t *outlen, holo_err *err);
/* Same with an explicit zlib level (0..9) and PNG filter (0 None, 1 Sub, 2 Up, 4 Paeth) for
 * every row; strategy Z_FILTERED when filtering. threads < 1 means 1. */
int holo_png_encode_ex(const uint8_t *rgb, uint32_t w, uint32_t h, int level, int filter,
                       int threads, uint8_t **out, size_t *outlen, holo_err *err);
/* ... and an explicit zlib strategy (Z_DEFAULT_STRATEGY, Z_FILTERED, Z_HUFFMAN_ONLY, Z_RLE);
 * the benchmark that chose the fast defaults uses it. */
int holo_png_encode_zs(const uint8_t *rgb, uint32_t w, uint32_t h, int level, int filter,
                       int strategy, int threads, uint8_t **out, size_t *outlen, holo_err *err);
/* PNG with stored (uncompressed) deflate blocks: its size is holo_png_stored_size(w, h). */
int holo_png_encode_stored(const uint8_t *rgb, uint32_t w, uint32_t h, uint8_t **out,
                           size_t *outlen, holo_err *err);
uint64_t holo_png_stored_size(uint32_t w, uint32_t h);
/* Baseline JPEG, 4:2:0, at the given quality (holo uses 95). */
int holo_jpeg_encode(const uint8_t *rgb, uint32_t w, uint32_t h, int quality, uint8_t **out,
                     size_t *outlen, holo_err *err);
/* Binary PPM "P6\n<w> <h>\n255\n" + pixels; size holo_ppm_size(w, h). */
int holo_ppm_encode(const uint8_t *rgb, uint32_t w, uint32_t h, uint8_t **out, size_t *outlen,
                    holo_err *err);
uint64_t holo_ppm_size(uint32_t w, uint32_t h);
/* Binary PGM "P5\n<w> <h>\n255\n" + the red sample of each (grey) RGB pixel. */
int holo_pgm_encode(const uint8_t *rgb, uint32_t w, uint32_t h, uint8_t **out, size_t *outlen,
                    holo_err *err);
uint64_t holo_pgm_size(uint32_t w, uint32_t h);

#endif
