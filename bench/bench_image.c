/* bench_image.c — v1/v2 image codec speed against libpng on a generated photo-like image.
 *
 *   build/bench/bench_image [SIDE] [TMPDIR]      (default 3600 -> a 12.96 MP image)
 *
 * Prints MB/s of raw RGB for: libpng encode (level 6) and decode of the same image, holo
 * encode (from PPM, so no input decode is counted, and from PNG), holo decode to pixels,
 * holo decode + fast PNG output, with 1 and 2 threads; then a table of fast-PNG zlib level and
 * filter choices (how FAST_LEVEL / FAST_FILTER in codec/imageio.c were picked).
 */
#include "holo.h"
#include "imageio.h"

#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Smooth gradients + a few hard edges + mild noise: compresses like a photo. */
static uint8_t *photo(uint32_t w, uint32_t h)
{
    uint8_t *p = malloc((size_t)w * h * 3);
    uint32_t s = 12345;
    for (uint32_t y = 0; y < h; y++)
        for (uint32_t x = 0; x < w; x++) {
            double fx = (double)x / w, fy = (double)y / h;
            int base[3] = { (int)(180 * fx + 40 * fy), (int)(120 + 90 * fx * fy),
                            (int)(220 * (1 - fy) * (0.5 + 0.5 * fx)) };
            if ((x / 400 + y / 300) % 5 == 0) base[0] = 240 - base[0] / 3;   /* edges */
            if (x > w / 3 && x < w / 3 + w / 20) base[1] = 30;
            for (int c = 0; c < 3; c++) {
                s = s * 1103515245u + 12345u;
                int v = base[c] + (int)((s >> 16) % 13) - 6;
                p[((size_t)y * w + x) * 3 + c] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
            }
        }
    return p;
}

static int png_write_file(const char *path, const uint8_t *rgb, uint32_t w, uint32_t h)
{
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png_create_info_struct(png);
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        fclose(f);
        return -1;
    }
    png_init_io(png, f);
    png_set_compression_level(png, 6);
    png_set_IHDR(png, info, w, h, 8, PNG_COLOR_TYPE_RGB, 0, 0, 0);
    png_write_info(png, info);
    for (uint32_t y = 0; y < h; y++) png_write_row(png, (png_bytep)rgb + (size_t)y * w * 3);
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    return fclose(f);
}

static int png_read_file(const char *path, uint8_t *rgb, uint32_t w, uint32_t h)
{
    FILE *f = fopen(path, "rb");
    if (!f) return -1;
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png_create_info_struct(png);
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_read_struct(&png, &info, NULL);
        fclose(f);
        return -1;
    }
    png_init_io(png, f);
    png_read_info(png, info);
    if (png_get_image_width(png, info) != w || png_get_image_height(png, info) != h)
        png_error(png, "size");
    for (uint32_t y = 0; y < h; y++) png_read_row(png, rgb + (size_t)y * w * 3, NULL);
    png_destroy_read_struct(&png, &info, NULL);
    fclose(f);
    return 0;
}

static void row(const char *what, int threads, double mb, double secs, double base)
{
    printf("%-34s %7d %9.1f %9.3f", what, threads, mb / secs, secs);
    if (base > 0) printf(" %8.2fx", base / secs);
    printf("\n");
}

/* Best of `reps` wall-clock runs of the statement (the machine is shared: min is stablest). */
#define BEST(reps, var, stmt)                                                                  \
    do {                                                                                       \
        var = 1e30;                                                                            \
        for (int rep_ = 0; rep_ < (reps); rep_++) {                                            \
            double t_ = now();                                                                 \
            stmt;                                                                              \
            t_ = now() - t_;                                                                   \
            if (t_ < var) var = t_;                                                            \
        }                                                                                      \
    } while (0)

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);   /* rows appear as they are measured */
    uint32_t side = argc > 1 ? (uint32_t)atoi(argv[1]) : 3600;
    const char *tmp = argc > 2 ? argv[2] : "/tmp";
    char dir[4096], png[4200], ppm[4200], holo[4200];
    snprintf(dir, sizeof dir, "%s/bench_image.XXXXXX", tmp);
    if (!mkdtemp(dir)) { perror("mkdtemp"); return 1; }
    snprintf(png, sizeof png, "%s/in.png", dir);
    snprintf(ppm, sizeof ppm, "%s/in.ppm", dir);
    snprintf(holo, sizeof holo, "%s/in.holo", dir);
    uint32_t w = side, h = side;
    double mb = (double)w * h * 3 / 1e6;
    uint8_t *rgb = photo(w, h), *back = malloc((size_t)w * h * 3);
    holo_err err;
    int rc = 0;

    printf("image %ux%u RGB (%.1f MB raw); MB/s of raw pixels; best of 3 runs except holo encode;\n"
           "ratio = libpng time / holo time (>= 1: holo is faster)\n", w, h, mb);
    printf("%-34s %7s %9s %9s %9s\n", "operation", "threads", "MB/s", "seconds", "vs libpng");
    double t_penc, t_pdec, t;
    BEST(3, t_penc, rc |= png_write_file(png, rgb, w, h));
    row("libpng encode (level 6)", 1, mb, t_penc, 0);
    BEST(3, t_pdec, rc |= png_read_file(png, back, w, h));
    row("libpng decode", 1, mb, t_pdec, 0);
    if (rc) { fprintf(stderr, "libpng failed\n"); return 1; }

    uint8_t *pb;
    size_t pl;
    holo_ppm_encode(rgb, w, h, &pb, &pl, &err);
    FILE *f = fopen(ppm, "wb");
    fwrite(pb, 1, pl, f);
    fclose(f);
    free(pb);

    for (int threads = 1; threads <= 2; threads++) {
        holo_encode_opts eo;
        holo_encode_opts_init(&eo);
        eo.threads = threads;
        eo.mode = HOLO_KIND_IMAGE;
        eo.codec_version = 2;          /* this bench is the v1/v2 codec (v4: bench_v4) */
        BEST(1, t, rc |= holo_encode_file(ppm, holo, &eo, &err));
        row("holo encode v2 B32 (from PPM)", threads, mb, t, t_penc);
        if (rc) { fprintf(stderr, "%s\n", err.msg); return 1; }

        holo_decode_opts dopt;
        holo_decode_opts_init(&dopt);
        dopt.threads = threads;
        holo_decoded d;
        double t_dec, t_png;
        BEST(3, t_dec, rc |= holo_decode_dir(holo, &dopt, &d, &err); if (rep_ < 2) holo_decoded_free(&d));
        if (rc) { fprintf(stderr, "%s\n", err.msg); return 1; }
        row("holo decode to pixels", threads, mb, t_dec, t_pdec);
        if (memcmp(d.pixels, rgb, (size_t)w * h * 3)) fprintf(stderr, "MISMATCH\n");
        uint8_t *ob;
        size_t ol;
        BEST(3, t_png, holo_png_encode_fast(d.pixels, w, h, threads, &ob, &ol, &err); free(ob));
        row("holo decode + fast PNG output", threads, mb, t_dec + t_png, t_pdec);
        holo_decoded_free(&d);
    }

    printf("\nfast PNG writer alone, 1 thread: zlib level/strategy x filter (size = %% of raw)\n");
    printf("%-14s %-8s %9s %9s %9s\n", "zlib", "filter", "MB/s", "size%", "dec MB/s");
    static const int filt[] = {0, 1, 2, 4};
    static const char *fname[] = {"none", "sub", "up", "paeth"};
    static const struct { int level, strategy; const char *name; } zl[] = {
        {1, Z_DEFAULT_STRATEGY, "1 default"}, {1, Z_RLE, "1 rle"},
        {1, Z_HUFFMAN_ONLY, "1 huffman"}, {2, Z_DEFAULT_STRATEGY, "2 default"}};
    for (size_t zi = 0; zi < sizeof zl / sizeof zl[0]; zi++)
        for (int fi = 0; fi < 4; fi++) {
            uint8_t *ob = NULL;
            size_t ol = 0;
            double te, td;
            BEST(2, te, free(ob); holo_png_encode_zs(rgb, w, h, zl[zi].level, filt[fi],
                                                     zl[zi].strategy, 1, &ob, &ol, &err));
            holo_image im;
            BEST(2, td, holo_image_decode(ob, ol, "x", &im, &err); holo_image_free(&im));
            printf("%-14s %-8s %9.1f %9.1f %9.1f\n", zl[zi].name, fname[fi], mb / te,
                   100.0 * ol / (mb * 1e6), mb / td);
            free(ob);
        }
    free(rgb);
    free(back);
    char cmd[4300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd)) fprintf(stderr, "could not remove %s\n", dir);
    return 0;
}
