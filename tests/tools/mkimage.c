/* mkimage — write a deterministic photo-like test image (smooth gradients, soft blobs, hard
 * edges, fine texture and sensor-like noise) as PNG or PPM.
 *   mkimage OUT.png W H [SEED]        (.ppm for binary PPM) */
#include "imageio.h"
#include "internal.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint32_t rng_state;
static uint32_t rnd(void)
{
    rng_state ^= rng_state << 13; rng_state ^= rng_state >> 17; rng_state ^= rng_state << 5;
    return rng_state;
}

int main(int argc, char **argv)
{
    if (argc < 4) { fprintf(stderr, "usage: mkimage OUT.png|OUT.ppm W H [SEED]\n"); return 2; }
    long w = atol(argv[2]), h = atol(argv[3]);
    rng_state = argc > 4 ? (uint32_t)atol(argv[4]) * 2654435761u + 1 : 12345;
    if (w < 1 || h < 1 || w * h > (1L << 28)) { fprintf(stderr, "mkimage: bad size\n"); return 2; }
    uint8_t *rgb = malloc((size_t)w * h * 3);
    if (!rgb) return 1;
    double cx[6], cy[6], rad[6], col[6][3];
    for (int i = 0; i < 6; i++) {
        cx[i] = rnd() % (uint32_t)w; cy[i] = rnd() % (uint32_t)h;
        rad[i] = (double)(w > h ? w : h) * (0.05 + (rnd() % 100) / 400.0);
        for (int c = 0; c < 3; c++) col[i][c] = (double)(rnd() % 200) - 100;
    }
    for (long y = 0; y < h; y++)
        for (long x = 0; x < w; x++) {
            double fx = (double)x / (double)w, fy = (double)y / (double)h;
            double v[3] = { 60 + 120 * fx, 80 + 100 * fy, 140 - 60 * fx * fy };
            for (int i = 0; i < 6; i++) {
                double dx = x - cx[i], dy = y - cy[i];
                double g = exp(-(dx * dx + dy * dy) / (2 * rad[i] * rad[i]));
                for (int c = 0; c < 3; c++) v[c] += col[i][c] * g;
            }
            if (x > w / 3 && x < w / 2 && y > h / 4 && y < h * 3 / 4) { v[0] += 60; v[1] -= 40; }
            double tex = 12 * sin(x * 0.31) * sin(y * 0.23);
            for (int c = 0; c < 3; c++) {
                double n = (double)(rnd() % 13) - 6;
                double p = v[c] + tex + n;
                rgb[((size_t)y * w + x) * 3 + c] = (uint8_t)(p < 0 ? 0 : p > 255 ? 255 : p);
            }
        }
    uint8_t *out;
    size_t len;
    holo_err e;
    char ext[16];
    holo_path_ext(argv[1], ext);
    int rc = !strcmp(ext, ".ppm") ? holo_ppm_encode(rgb, (uint32_t)w, (uint32_t)h, &out, &len, &e)
                                  : holo_png_encode_ex(rgb, (uint32_t)w, (uint32_t)h, 6, 4, 0, &out, &len, &e);
    free(rgb);
    if (rc) { fprintf(stderr, "mkimage: %s\n", e.msg); return 1; }
    rc = holo_write_file_atomic(argv[1], out, len, &e);
    free(out);
    if (rc) { fprintf(stderr, "mkimage: %s\n", e.msg); return 1; }
    return 0;
}
