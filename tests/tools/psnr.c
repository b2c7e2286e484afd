/* psnr — PSNR in dB between two images of the same size (any format libholo reads: PNG, JPEG,
 * PPM/PGM), over all RGB samples with peak 255.
 *   psnr A B        prints e.g. "41.2873", or "inf" when the pixels are identical
 * Exit 0 on success, 2 on any error (unreadable file, different sizes), with a one-line
 * message naming the file. */
#include "imageio.h"
#include <math.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    holo_image a = {0}, b = {0};
    holo_err err = {0};
    int rc = 2;
    if (argc != 3) {
        fprintf(stderr, "usage: psnr A B\n");
        return 2;
    }
    if (holo_image_read(argv[1], &a, &err) < 0 || holo_image_read(argv[2], &b, &err) < 0) {
        fprintf(stderr, "psnr: %s\n", err.msg);
        goto out;
    }
    if (a.w != b.w || a.h != b.h) {
        fprintf(stderr, "psnr: %s is %ux%u but %s is %ux%u\n", argv[1], a.w, a.h, argv[2],
                b.w, b.h);
        goto out;
    }
    size_t n = (size_t)a.w * a.h * 3;
    double sse = 0;
    for (size_t i = 0; i < n; i++) {
        double d = (double)a.rgb[i] - (double)b.rgb[i];
        sse += d * d;
    }
    if (sse == 0)
        printf("inf\n");
    else
        printf("%.4f\n", 10.0 * log10(255.0 * 255.0 * (double)n / sse));
    rc = 0;
out:
    holo_image_free(&a);
    holo_image_free(&b);
    return rc;
}
