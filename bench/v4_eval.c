/* v4_eval.c — evaluation of the v4 codec on real photos.
 *
 *   v4_eval [-b B] [-n SUBSETS] [-s SEED] [-t THREADS] [--lossy] [--quality Q] [--psnr DB]
 *           [--bytes-ratio R] [--no-png] IMAGE...
 *
 * Per image: v4 bytes / PNG bytes (libpng, zlib level 9, best of the five filters and
 * adaptive filtering), encode and decode seconds, then the PSNR mean and worst over SUBSETS
 * random subsets of k chunks for k = 1, 4, 8, 16, 24, 31, 32 (k scaled when B != 32), and
 * the guarantees the encoder stored. Last line: medians. Example:
 *
 *   build/bench/v4_eval /tmp/v4corpus/photos/ *.png
 *   image        ratio  enc s  dec s | k=1 mean/worst | k=4 ... | all   | g4    g16
 */
#include "imageio.h"
#include "internal.h"
#include "v4_codec.h"
#include <math.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

typedef struct membuf {
    size_t len, cap;
    uint8_t *p;
} membuf;

static void png_wr(png_structp png, png_bytep data, png_size_t n)
{
    membuf *m = png_get_io_ptr(png);
    if (m->len + n > m->cap) {
        m->cap = (m->len + n) * 2;
        m->p = realloc(m->p, m->cap);
    }
    memcpy(m->p + m->len, data, n);
    m->len += n;
}
static void png_fl(png_structp png) { (void)png; }

/* PNG size with one filter setting at zlib level 9. */
static size_t png_size(const uint8_t *rgb, uint32_t w, uint32_t h, int grey, int filters)
{
    membuf m = { 0, 0, NULL };
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png_create_info_struct(png);
    uint8_t *row = malloc((size_t)w * 3);
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        free(row); free(m.p);
        return 0;
    }
    png_set_write_fn(png, &m, png_wr, png_fl);
    png_set_IHDR(png, info, w, h, 8, grey ? PNG_COLOR_TYPE_GRAY : PNG_COLOR_TYPE_RGB,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_set_compression_level(png, 9);
    png_set_compression_mem_level(png, 9);
    png_set_filter(png, 0, filters);
    png_write_info(png, info);
    for (uint32_t y = 0; y < h; y++) {
        const uint8_t *src = rgb + (size_t)y * w * 3;
        if (grey)
            for (uint32_t x = 0; x < w; x++)
                row[x] = src[3 * x];
        else
            memcpy(row, src, (size_t)w * 3);
        png_write_row(png, row);
    }
    png_write_end(png, info);
    png_destroy_write_struct(&png, &info);
    free(row); free(m.p);
    return m.len;
}

static size_t png_best(const uint8_t *rgb, uint32_t w, uint32_t h, int grey)
{
    static const int f[] = { PNG_FILTER_NONE, PNG_FILTER_SUB, PNG_FILTER_UP, PNG_FILTER_AVG,
                             PNG_FILTER_PAETH, PNG_ALL_FILTERS };
    size_t best = 0;
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
        size_t s = png_size(rgb, w, h, grey, f[i]);
        if (s && (!best || s < best))
            best = s;
    }
    return best;
}

static double psnr(const uint8_t *a, const uint8_t *b, size_t n)
{
    uint64_t se = 0;
    for (size_t i = 0; i < n; i++) {
        int d = (int)a[i] - b[i];
        se += (uint64_t)(d * d);
    }
    return se ? 10 * log10(255.0 * 255.0 * n / (double)se) : 99.0;
}

static uint64_t rng;
static uint32_t rnd(void)
{
    rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17;
    return (uint32_t)(rng >> 11);
}

static int cmpd(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, n, sizeof *v, cmpd);
    return n == 0 ? 0 : n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

#define NK 7
#define MAXIMG 64

int main(int argc, char **argv)
{
    holo_encode_opts eo;
    holo_encode_opts_init(&eo);
    eo.codec_version = 4;
    unsigned B = 32, nsub = 8;
    double bytes_ratio = 0;
    int no_png = 0, threads = 2;
    unsigned mos_w = 0, mos_h = 0;
    rng = 12345;
    int a = 1;
    for (; a < argc && argv[a][0] == '-'; a++) {
        if (!strcmp(argv[a], "-b") && a + 1 < argc) B = (unsigned)atoi(argv[++a]);
        else if (!strcmp(argv[a], "-n") && a + 1 < argc) nsub = (unsigned)atoi(argv[++a]);
        else if (!strcmp(argv[a], "-s") && a + 1 < argc) rng = strtoull(argv[++a], NULL, 0) | 1;
        else if (!strcmp(argv[a], "-t") && a + 1 < argc) threads = atoi(argv[++a]);
        else if (!strcmp(argv[a], "--lossy")) eo.lossy = 1;
        else if (!strcmp(argv[a], "--quality") && a + 1 < argc) { eo.lossy = 1; eo.quality = atoi(argv[++a]); }
        else if (!strcmp(argv[a], "--psnr") && a + 1 < argc) eo.target_psnr = atof(argv[++a]);
        else if (!strcmp(argv[a], "--bytes-ratio") && a + 1 < argc) bytes_ratio = atof(argv[++a]);
        else if (!strcmp(argv[a], "--no-png")) no_png = 1;
        else if (!strcmp(argv[a], "--mosaic") && a + 1 < argc) {
            if (sscanf(argv[++a], "%ux%u", &mos_w, &mos_h) != 2) mos_w = mos_h = 0;
        }
        else {
            fprintf(stderr, "usage: v4_eval [-b B] [-n N] [-s SEED] [-t T] [--lossy] "
                            "[--quality Q] [--psnr DB] [--bytes-ratio R] IMAGE...\n");
            return 2;
        }
    }
    if (a >= argc) {
        printf("v4_eval: no images given (corpus absent?) - skipped\n");
        return 0;
    }
    eo.block_count = B;
    eo.threads = threads;
    unsigned ks[NK] = { 1, 4, 8, 16, 24, 31, 32 };
    for (int i = 0; i < NK; i++) {
        unsigned k = (unsigned)lround(ks[i] * (double)B / 32.0);
        ks[i] = k < 1 ? 1 : k > B ? B : k;
    }
    static double med_ratio[MAXIMG], med_mean[NK][MAXIMG], med_worst[NK][MAXIMG], med_enc[MAXIMG],
        med_dec[MAXIMG], med_g1[MAXIMG], med_g2[MAXIMG];
    int nimg = 0;
    printf("%-22s %6s %6s %6s", "image", "ratio", "enc_s", "dec_s");
    for (int i = 0; i < NK; i++)
        printf(" | k=%-3u mean/worst", ks[i]);
    printf(" | g%u   g%u\n", v4_m1_for(B), v4_m2_for(B));
    for (; a < argc && nimg < MAXIMG; a++) {
        holo_image img = { 0 };
        holo_err err = { 0 };
        if (holo_image_read(argv[a], &img, &err)) {
            fprintf(stderr, "%s\n", err.msg);
            continue;
        }
        if (mos_w && mos_h) {
            /* A large test photo: the given photos tiled (mirrored) over mos_w x mos_h. */
            uint8_t *big = malloc((size_t)mos_w * mos_h * 3);
            holo_image extra[8];
            int ne = 0;
            extra[ne++] = img;
            for (int b = a + 1; b < argc && ne < 8; b++)
                if (!holo_image_read(argv[b], &extra[ne], &err))
                    ne++;
            uint32_t cw = 1000, ch = 1000;
            for (uint32_t y = 0; y < mos_h; y++)
                for (uint32_t x = 0; x < mos_w; x++) {
                    const holo_image *src = &extra[((y / ch) * 5 + x / cw) % ne];
                    uint32_t sx = x % cw, sy = y % ch;
                    sx = sx % (2 * src->w); if (sx >= src->w) sx = 2 * src->w - 1 - sx;
                    sy = sy % (2 * src->h); if (sy >= src->h) sy = 2 * src->h - 1 - sy;
                    memcpy(big + ((size_t)y * mos_w + x) * 3, src->rgb + ((size_t)sy * src->w + sx) * 3, 3);
                }
            for (int e2 = 1; e2 < ne; e2++)
                holo_image_free(&extra[e2]);
            holo_image_free(&img);
            img.rgb = big; img.w = mos_w; img.h = mos_h;
            a = argc - 1;
        }
        size_t n = (size_t)img.w * img.h;
        int grey = 1;
        for (size_t i = 0; i < n && grey; i++)
            grey = img.rgb[3 * i] == img.rgb[3 * i + 1] && img.rgb[3 * i] == img.rgb[3 * i + 2];
        size_t pngb = no_png ? 0 : png_best(img.rgb, img.w, img.h, grey);
        if (bytes_ratio > 0 && pngb) {
            eo.lossy = 1;
            eo.target_bytes = (uint64_t)(bytes_ratio * pngb);
        }
        char dir[] = "/tmp/v4evalXXXXXX";
        if (!mkdtemp(dir)) {
            perror("mkdtemp");
            return 1;
        }
        v4_stats st;
        double t0 = now();
        if (holo_v4_encode_rgb(img.rgb, img.w, img.h, grey, dir, &eo, argv[a], &st, &err)) {
            fprintf(stderr, "%s\n", err.msg);
            holo_rmtree(dir);
            holo_image_free(&img);
            continue;
        }
        double tenc = now() - t0;
        uint8_t *bufs[256] = { 0 };
        size_t lens[256] = { 0 };
        char names[256][32];
        const char *np[256];
        for (unsigned c = 0; c < B; c++) {
            char path[128];
            snprintf(names[c], sizeof names[c], "chunk_%04u.holo", c);
            np[c] = names[c];
            snprintf(path, sizeof path, "%s/%s", dir, names[c]);
            holo_read_file(path, HOLO_MAX_CHUNK_FILE, &bufs[c], &lens[c], NULL);
        }
        if (getenv("V4_EVAL_KEEP"))
            fprintf(stderr, "kept chunks in %s\n", dir);
        else
            holo_rmtree(dir);
        holo_decode_opts dopt;
        holo_decode_opts_init(&dopt);
        dopt.threads = threads;
        double tdec = 0;
        const char *base = strrchr(argv[a], '/') ? strrchr(argv[a], '/') + 1 : argv[a];
        if (mos_w && mos_h)
            base = "mosaic (12 MP)";
        printf("%-22.22s %6.3f %6.2f", base, pngb ? (double)st.total_bytes / pngb : 0, tenc);
        double mean[NK], worst[NK];
        for (int ki = 0; ki < NK; ki++) {
            unsigned k = ks[ki], reps = k == B ? 1 : nsub;
            double sum = 0, mn = 1e9;
            for (unsigned r = 0; r < reps; r++) {
                unsigned perm[256];
                for (unsigned i = 0; i < B; i++)
                    perm[i] = i;
                for (unsigned i = B - 1; i > 0; i--) {
                    unsigned j = rnd() % (i + 1), t = perm[i];
                    perm[i] = perm[j]; perm[j] = t;
                }
                const uint8_t *sub[256] = { 0 };
                size_t sl[256] = { 0 };
                for (unsigned i = 0; i < k; i++) {
                    sub[perm[i]] = bufs[perm[i]];
                    sl[perm[i]] = lens[perm[i]];
                }
                holo_decoded d;
                double t1 = now();
                int rc = holo_v4_decode_mem(sub, sl, B, np, &dopt, &d, NULL, &err);
                double dt = now() - t1;
                if (k == B)
                    tdec = dt;
                double p = 0;
                if (rc)
                    fprintf(stderr, "decode k=%u: %s\n", k, err.msg);
                else {
                    p = psnr(img.rgb, d.pixels, n * 3);
                    holo_decoded_free(&d);
                }
                sum += p;
                mn = p < mn ? p : mn;
            }
            mean[ki] = sum / reps;
            worst[ki] = mn;
        }
        printf(" %6.2f", tdec);
        for (int ki = 0; ki < NK; ki++)
            printf(" | %6.2f / %6.2f  ", mean[ki], worst[ki]);
        printf(" | %5.2f %5.2f\n", st.psnr1, st.psnr2);
        if (getenv("V4_EVAL_PARTS") && pngb)
            printf("  parts/PNG: T0x%u %.3f  T1x%.0f %.3f  T2x%.0f %.3f  U %.3f  hdr %.3f\n", B,
                   (double)st.t0 * B / pngb, (double)B / v4_m1_for(B),
                   (double)st.t1 * B / v4_m1_for(B) / pngb, (double)B / v4_m2_for(B),
                   (double)st.t2 * B / v4_m2_for(B) / pngb, (double)st.u / pngb,
                   64.0 * B / pngb);
        fflush(stdout);
        med_ratio[nimg] = pngb ? (double)st.total_bytes / pngb : 0;
        med_enc[nimg] = tenc;
        med_dec[nimg] = tdec;
        med_g1[nimg] = st.psnr1;
        med_g2[nimg] = st.psnr2;
        for (int ki = 0; ki < NK; ki++) {
            med_mean[ki][nimg] = mean[ki];
            med_worst[ki][nimg] = worst[ki];
        }
        nimg++;
        for (unsigned c = 0; c < B; c++)
            free(bufs[c]);
        holo_image_free(&img);
    }
    if (nimg) {
        printf("%-22s %6.3f %6.2f %6.2f", "MEDIAN", median(med_ratio, nimg),
               median(med_enc, nimg), median(med_dec, nimg));
        for (int ki = 0; ki < NK; ki++)
            printf(" | %6.2f / %6.2f  ", median(med_mean[ki], nimg), median(med_worst[ki], nimg));
        printf(" | %5.2f %5.2f\n", median(med_g1, nimg), median(med_g2, nimg));
    }
    return 0;
}
