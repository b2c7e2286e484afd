/* v4_eval.c — evaluation of the v4 codec on real photos.
 *
 *   v4_eval [-b B] [-n SUBSETS] [-s SEED] [-t THREADS] [--lossy] [--quality Q] [--psnr DB]
 *           [--bytes-ratio R] [--no-png] [--vs-v3] [--curve] [--dump-pixels DIR] IMAGE...
 *
 * Per image: v4 bytes / PNG bytes (libpng, zlib level 9, best of the five filters and
 * adaptive filtering), encode and decode seconds, then the PSNR mean and worst over SUBSETS
 * random subsets of k chunks for k = 1, 4, 8, 16, 24, 31, 32 (k scaled when B != 32), and
 * the guarantees the encoder stored. Last line: medians. With V4_EVAL_PARTS set, each photo
 * also gets its bytes by part as a share of the PNG (every level as stored, U, headers) and
 * the copies beyond one (sum of S_t (B/m_t - 1)): what PET adds to any lossless coder. Example:
 *
 *   build/bench/v4_eval /tmp/v4corpus/photos/ *.png
 *   image        ratio  enc s  dec s | k=1 mean/worst | k=4 ... | all   | g4    g16
 *
 * --vs-v3: the lossy profile against our own v3 encoder (codec_version 3, quality 50, zlib
 * level 9 as the reference, B chunks). Per image: v3 bytes (sum of the chunk files), v4 lossy
 * encoded with target_bytes = those bytes, then for each k the mean PSNR of v3 and of v4 over
 * the same SUBSETS random k-subsets of chunk ids (v4 worst too; drawn from the seed and the
 * file name, so independent of the other images given) and the delta v4 - v3. Last
 * lines: medians, and where the delta is below the target +3.0 dB (doc/holo4.md §Motivation:
 * ">= 3 dB above v3 q50 at every k"). The exit status does not depend on the target.
 */
#include "imageio.h"
#include "internal.h"
#include "v4_codec.h"
#include <math.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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

/* 1 when every pixel has R = G = B (the PNG baseline is then written as grey). */
static int is_grey(const holo_image *img)
{
    size_t n = (size_t)img->w * img->h;
    for (size_t i = 0; i < n; i++)
        if (img->rgb[3 * i] != img->rgb[3 * i + 1] || img->rgb[3 * i] != img->rgb[3 * i + 2])
            return 0;
    return 1;
}

/* Seed the subsets by the file's base name, so an image's figures do not depend on the others;
 * returns that base name. */
static const char *seed_from_name(const char *path, uint64_t seed)
{
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    uint64_t hsh = 1469598103934665603ull;
    for (const char *q = base; *q; q++)
        hsh = (hsh ^ (uint8_t)*q) * 1099511628211ull;
    rng = (seed ^ hsh) | 1;
    return base;
}
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
#define VS_TARGET 3.0   /* dB above v3 q50 at every k (doc/holo4.md §Motivation) */

/* The random subsets of one image: for each k (ks[ki]) reps[ki] permutations of 0..B-1, the
 * first k entries of each being the chunk ids received. Drawn in the order ki, then rep. */
typedef struct subsets {
    unsigned B, nsub, reps[NK];
    unsigned *perm;           /* [NK][nsub][B] */
} subsets;

static unsigned *subset_perm(subsets *s, int ki, unsigned r)
{
    return s->perm + ((size_t)ki * s->nsub + r) * s->B;
}

static int draw_subsets(subsets *s, unsigned B, unsigned nsub, const unsigned *ks)
{
    s->B = B;
    s->nsub = nsub ? nsub : 1;
    s->perm = malloc(sizeof *s->perm * NK * s->nsub * B);
    if (!s->perm)
        return -1;
    for (int ki = 0; ki < NK; ki++) {
        s->reps[ki] = ks[ki] == B ? 1 : s->nsub;
        for (unsigned r = 0; r < s->reps[ki]; r++) {
            unsigned *perm = subset_perm(s, ki, r);
            for (unsigned i = 0; i < B; i++)
                perm[i] = i;
            for (unsigned i = B - 1; i > 0; i--) {
                unsigned j = rnd() % (i + 1), t = perm[i];
                perm[i] = perm[j]; perm[j] = t;
            }
        }
    }
    return 0;
}

/* v4 chunks of one encoding, read into memory (names chunk_%04u.holo). */
typedef struct v4_chunks {
    unsigned B;
    uint8_t *bufs[256];
    size_t lens[256];
    char names[256][32];
    const char *np[256];
    uint64_t bytes;           /* sum of the chunk file sizes */
} v4_chunks;

static void v4_chunks_load(v4_chunks *c, const char *dir, unsigned B)
{
    memset(c, 0, sizeof *c);
    c->B = B;
    for (unsigned i = 0; i < B; i++) {
        char path[4200];
        snprintf(c->names[i], sizeof c->names[i], "chunk_%04u.holo", i);
        c->np[i] = c->names[i];
        snprintf(path, sizeof path, "%s/%s", dir, c->names[i]);
        holo_read_file(path, HOLO_MAX_CHUNK_FILE, &c->bufs[i], &c->lens[i], NULL);
        c->bytes += c->lens[i];
    }
}

static void v4_chunks_free(v4_chunks *c)
{
    for (unsigned i = 0; i < c->B; i++)
        free(c->bufs[i]);
}

/* PSNR of the v4 decode of the chunks perm[0..k); *dt = decode seconds. 0 on error. */
static double v4_subset_psnr(const v4_chunks *c, const unsigned *perm, unsigned k,
                             const holo_decode_opts *dopt, const holo_image *img, double *dt)
{
    const uint8_t *sub[256] = { 0 };
    size_t sl[256] = { 0 };
    for (unsigned i = 0; i < k; i++) {
        sub[perm[i]] = c->bufs[perm[i]];
        sl[perm[i]] = c->lens[perm[i]];
    }
    holo_decoded d;
    holo_err err = { 0 };
    double t1 = now();
    int rc = holo_v4_decode_mem(sub, sl, c->B, c->np, dopt, &d, NULL, &err);
    if (dt)
        *dt = now() - t1;
    if (rc) {
        fprintf(stderr, "v4 decode k=%u: %s\n", k, err.msg);
        return 0;
    }
    double p = psnr(img->rgb, d.pixels, (size_t)img->w * img->h * 3);
    holo_decoded_free(&d);
    return p;
}

/* PSNR of the v3 decode of the chunk files perm[0..k) of v3dir: hard links (symlinks if
 * that fails) in a fresh directory sub, decoded through the public holo_decode_dir.
 * Returns -1 on error. */
static double v3_subset_psnr(const char *v3dir, const char *sub, const unsigned *perm,
                             unsigned k, const holo_decode_opts *dopt, const holo_image *img)
{
    holo_rmtree(sub);
    if (mkdir(sub, 0700)) {
        perror(sub);
        return -1;
    }
    for (unsigned i = 0; i < k; i++) {
        char from[4300], to[4300];
        snprintf(from, sizeof from, "%s/chunk_%04u.holo", v3dir, perm[i]);
        snprintf(to, sizeof to, "%s/chunk_%04u.holo", sub, perm[i]);
        if (link(from, to) && symlink(from, to)) {
            perror(to);
            holo_rmtree(sub);
            return -1;
        }
    }
    holo_decoded d;
    holo_err err = { 0 };
    int rc = holo_decode_dir(sub, dopt, &d, &err);
    holo_rmtree(sub);
    if (rc) {
        fprintf(stderr, "v3 decode k=%u: %s\n", k, err.msg);
        return -1;
    }
    double p = -1;
    if (d.info.width == img->w && d.info.height == img->h && d.pixels)
        p = psnr(img->rgb, d.pixels, (size_t)img->w * img->h * 3);
    else
        fprintf(stderr, "v3 decode k=%u: %ux%u, expected %ux%u\n", k, d.info.width,
                d.info.height, img->w, img->h);
    holo_decoded_free(&d);
    return p;
}

/* --vs-v3: see the header. Returns the exit status. */
static int vs_v3(char **files, int nfiles, const holo_encode_opts *eo4, unsigned B,
                 unsigned nsub, int threads, int no_png, const unsigned *ks)
{
    static double d_med[NK][MAXIMG], v3_med[NK][MAXIMG], v4_med[NK][MAXIMG], v4w_med[NK][MAXIMG],
        ratio_med[MAXIMG], delta[MAXIMG][NK];
    static char names[MAXIMG][64];
    int nimg = 0, status = 0;
    const uint64_t seed = rng;
    holo_decode_opts dopt;
    holo_decode_opts_init(&dopt);
    dopt.threads = threads;
    dopt.no_recovery = 1;
    printf("%-20s %8s %8s %6s", "image", "v3_B", "v4_B", "v3/PNG");
    for (int i = 0; i < NK; i++)
        printf(" | k=%-2u   v3    v4 v4min  delta", ks[i]);
    printf("\n");
    for (int a = 0; a < nfiles && nimg < MAXIMG; a++) {
        holo_image img = { 0 };
        holo_err err = { 0 };
        if (holo_image_read(files[a], &img, &err)) {
            fprintf(stderr, "%s\n", err.msg);
            status = 1;
            continue;
        }
        int grey = is_grey(&img);
        size_t pngb = no_png ? 0 : png_best(img.rgb, img.w, img.h, grey);
        const char *base = seed_from_name(files[a], seed);
        subsets ss;
        if (draw_subsets(&ss, B, nsub, ks)) {
            holo_image_free(&img);
            return 1;
        }
        const char *tbase = getenv("TMPDIR");
        char dir[4096], ppm[4200], v3dir[4200], v4dir[4200], sub[4200];
        snprintf(dir, sizeof dir, "%s/v4evalXXXXXX", tbase && *tbase ? tbase : "/tmp");
        if (!mkdtemp(dir)) {
            perror("mkdtemp");
            free(ss.perm);
            holo_image_free(&img);
            return 1;
        }
        snprintf(ppm, sizeof ppm, "%s/image.ppm", dir);
        snprintf(v3dir, sizeof v3dir, "%s/v3.holo", dir);
        snprintf(v4dir, sizeof v4dir, "%s/v4", dir);
        snprintf(sub, sizeof sub, "%s/sub", dir);
        double m3[NK], m4[NK], w4[NK];
        uint64_t v3bytes = 0;
        v4_chunks c4;
        memset(&c4, 0, sizeof c4);
        int ok = 0;
        /* (1) v3 q50 from the same pixels (a PPM, so both codecs see identical input). */
        uint8_t *pbuf = NULL;
        size_t plen = 0;
        holo_encode_opts eo3;
        holo_encode_opts_init(&eo3);
        eo3.codec_version = 3;
        eo3.quality = 50;
        eo3.block_count = B;
        eo3.zlib_level = 9;            /* the reference's bytes */
        eo3.threads = threads;
        eo3.mode = HOLO_KIND_IMAGE;
        if (holo_ppm_encode(img.rgb, img.w, img.h, &pbuf, &plen, &err) ||
            holo_write_file_atomic(ppm, pbuf, plen, &err) ||
            holo_encode_file(ppm, v3dir, &eo3, &err)) {
            fprintf(stderr, "%s: v3: %s\n", base, err.msg);
            goto next;
        }
        for (unsigned c = 0; c < B; c++) {
            char path[4300];
            struct stat st;
            snprintf(path, sizeof path, "%s/chunk_%04u.holo", v3dir, c);
            if (stat(path, &st)) {
                fprintf(stderr, "%s: v3: %s missing (B = %u?)\n", base, path, B);
                goto next;
            }
            v3bytes += (uint64_t)st.st_size;
        }
        /* (3) v4 lossy at v3's bytes. */
        holo_encode_opts e4 = *eo4;
        e4.lossy = 1;
        e4.target_bytes = v3bytes;
        e4.target_psnr = 0;
        e4.block_count = B;
        e4.threads = threads;
        if (mkdir(v4dir, 0700)) {
            perror(v4dir);
            goto next;
        }
        v4_stats st4;
        if (holo_v4_encode_rgb(img.rgb, img.w, img.h, grey, v4dir, &e4, files[a], &st4, &err)) {
            fprintf(stderr, "%s: v4: %s\n", base, err.msg);
            goto next;
        }
        v4_chunks_load(&c4, v4dir, B);
        /* (2) and (3): the same subsets for both codecs. */
        ok = 1;
        for (int ki = 0; ki < NK && ok; ki++) {
            double s3 = 0, s4 = 0, mn4 = 1e9;
            for (unsigned r = 0; r < ss.reps[ki]; r++) {
                const unsigned *perm = subset_perm(&ss, ki, r);
                double p3 = v3_subset_psnr(v3dir, sub, perm, ks[ki], &dopt, &img);
                double p4 = v4_subset_psnr(&c4, perm, ks[ki], &dopt, &img, NULL);
                if (p3 < 0 || p4 <= 0) {
                    ok = 0;
                    break;
                }
                s3 += p3;
                s4 += p4;
                mn4 = p4 < mn4 ? p4 : mn4;
            }
            m3[ki] = s3 / ss.reps[ki];
            m4[ki] = s4 / ss.reps[ki];
            w4[ki] = mn4;
        }
    next:
        free(pbuf);
        v4_chunks_free(&c4);
        holo_rmtree(dir);
        free(ss.perm);
        holo_image_free(&img);
        if (!ok) {
            fprintf(stderr, "%s: skipped\n", base);
            status = 1;
            continue;
        }
        printf("%-20.20s %8llu %8llu %6.3f", base, (unsigned long long)v3bytes,
               (unsigned long long)c4.bytes, pngb ? (double)v3bytes / pngb : 0);
        for (int ki = 0; ki < NK; ki++)
            printf(" | %5s %5.2f %5.2f %5.2f %+6.2f", "", m3[ki], m4[ki], w4[ki], m4[ki] - m3[ki]);
        printf("\n");
        fflush(stdout);
        snprintf(names[nimg], sizeof names[nimg], "%s", base);
        ratio_med[nimg] = pngb ? (double)v3bytes / pngb : 0;
        for (int ki = 0; ki < NK; ki++) {
            v3_med[ki][nimg] = m3[ki];
            v4_med[ki][nimg] = m4[ki];
            v4w_med[ki][nimg] = w4[ki];
            d_med[ki][nimg] = delta[nimg][ki] = m4[ki] - m3[ki];
        }
        nimg++;
    }
    if (!nimg)
        return status;
    double md[NK];
    printf("%-20s %8s %8s %6.3f", "MEDIAN", "", "", median(ratio_med, nimg));
    for (int ki = 0; ki < NK; ki++) {
        /* medians taken independently per column */
        double a3 = median(v3_med[ki], nimg), a4 = median(v4_med[ki], nimg),
               aw = median(v4w_med[ki], nimg);
        md[ki] = median(d_med[ki], nimg);
        printf(" | %5s %5.2f %5.2f %5.2f %+6.2f", "", a3, a4, aw, md[ki]);
    }
    printf("\n");
    int nbelow = 0;
    printf("median delta below +%.1f dB at k =", VS_TARGET);
    for (int ki = 0; ki < NK; ki++)
        if (md[ki] < VS_TARGET) {
            printf(" %u (%+.2f)", ks[ki], md[ki]);
            nbelow++;
        }
    printf(nbelow ? "\n" : " none (target met at every k)\n");
    int imgs_below = 0;
    for (int i = 0; i < nimg; i++) {
        int first = 1;
        for (int ki = 0; ki < NK; ki++)
            if (delta[i][ki] < VS_TARGET) {
                if (first)
                    printf("  below +%.1f dB: %-20s k =", VS_TARGET, names[i]);
                printf(" %u (%+.2f)", ks[ki], delta[i][ki]);
                first = 0;
            }
        if (!first) {
            printf("\n");
            imgs_below++;
        }
    }
    printf("images with some k below +%.1f dB: %d of %d\n", VS_TARGET, imgs_below, nimg);
    return status;
}

/* --curve: PSNR after every k = 1..B chunks received, as a transfer sees it: SUBSETS random
 * orders of the chunk ids per image (seeded by the file name), the first k of each decoded.
 * Per image: bytes / PNG and the mean PSNR at every k; then the medians over the images, the
 * smallest step median(k+1) - median(k) and the ks whose step is below CURVE_STEP, and the
 * worst PSNR of any order at k = 1, B/8 and B/2 (the floors). Returns the exit status. */
#define CURVE_STEP 0.25   /* dB per chunk (issue 12) */
static int curve(char **files, int nfiles, const holo_encode_opts *eo, unsigned B,
                 unsigned nsub, int threads, int no_png)
{
    static double mean[MAXIMG][256], worst[MAXIMG][256], ratio[MAXIMG];
    int nimg = 0;
    const uint64_t seed = rng;
    holo_decode_opts dopt;
    holo_decode_opts_init(&dopt);
    dopt.threads = threads;
    dopt.no_recovery = 1;
    nsub = nsub ? nsub : 1;
    printf("%-20s %8s %8s %6s %6s |", "image", "v4_B", "png_B", "ratio", "enc_s");
    for (unsigned k = 1; k <= B; k++)
        printf(" %5u", k);
    printf("\n");
    for (int a = 0; a < nfiles && nimg < MAXIMG; a++) {
        holo_image img = { 0 };
        holo_err err = { 0 };
        if (holo_image_read(files[a], &img, &err)) {
            fprintf(stderr, "%s\n", err.msg);
            continue;
        }
        int grey = is_grey(&img);
        size_t pngb = no_png ? 0 : png_best(img.rgb, img.w, img.h, grey);
        const char *base = seed_from_name(files[a], seed);
        char dir[] = "/tmp/v4evalXXXXXX";
        v4_stats st;
        double t0 = now();
        if (!mkdtemp(dir) ||
            holo_v4_encode_rgb(img.rgb, img.w, img.h, grey, dir, eo, files[a], &st, &err)) {
            fprintf(stderr, "%s: %s\n", files[a], err.msg);
            holo_rmtree(dir);
            holo_image_free(&img);
            return 1;
        }
        double tenc = now() - t0;
        v4_chunks c4;
        v4_chunks_load(&c4, dir, B);
        holo_rmtree(dir);
        for (unsigned k = 1; k <= B; k++) {
            mean[nimg][k] = 0;
            worst[nimg][k] = 1e9;
        }
        unsigned perm[256];
        for (unsigned r = 0; r < nsub; r++) {
            for (unsigned i = 0; i < B; i++)
                perm[i] = i;
            for (unsigned i = B - 1; i > 0; i--) {
                unsigned j = rnd() % (i + 1), t = perm[i];
                perm[i] = perm[j]; perm[j] = t;
            }
            for (unsigned k = 1; k <= B; k++) {
                double p = v4_subset_psnr(&c4, perm, k, &dopt, &img, NULL);
                mean[nimg][k] += p / nsub;
                worst[nimg][k] = p < worst[nimg][k] ? p : worst[nimg][k];
            }
        }
        ratio[nimg] = pngb ? (double)c4.bytes / pngb : 0;
        printf("%-20.20s %8llu %8zu %6.3f %6.2f |", base, (unsigned long long)c4.bytes, pngb,
               ratio[nimg], tenc);
        for (unsigned k = 1; k <= B; k++)
            printf(" %5.2f", mean[nimg][k]);
        printf("\n");
        fflush(stdout);
        v4_chunks_free(&c4);
        holo_image_free(&img);
        nimg++;
    }
    if (!nimg)
        return 1;
    double med[256], col[MAXIMG];
    for (int i = 0; i < nimg; i++)
        col[i] = ratio[i];
    printf("%-20s %8s %8s %6.3f %6s |", "MEDIAN", "", "", median(col, nimg), "");
    for (unsigned k = 1; k <= B; k++) {
        for (int i = 0; i < nimg; i++)
            col[i] = mean[i][k];
        med[k] = median(col, nimg);
        printf(" %5.2f", med[k]);
    }
    printf("\n");
    double minstep = 1e9;
    unsigned below = 0;
    printf("steps below %.2f dB (k: median(k+1) - median(k)):", CURVE_STEP);
    for (unsigned k = 1; k < B; k++) {
        double d = med[k + 1] - med[k];
        minstep = d < minstep ? d : minstep;
        if (d < CURVE_STEP) {
            printf(" %u:%+.2f", k, d);
            below++;
        }
    }
    printf("\nsmallest step %+.2f dB; %u of %u steps below %.2f dB\n", minstep, below, B - 1,
           CURVE_STEP);
    unsigned fk[3] = { 1, B / 8 ? B / 8 : 1, B / 2 ? B / 2 : 1 };
    printf("worst of any order (all images):");
    for (int f = 0; f < 3; f++) {
        double w = 1e9;
        for (int i = 0; i < nimg; i++)
            w = worst[i][fk[f]] < w ? worst[i][fk[f]] : w;
        printf(" k=%u %.2f dB%s", fk[f], w, f < 2 ? "," : "\n");
    }
    return 0;
}

/* --dump-pixels DIR: each image's pixels as DIR/<name>.ppm (.pgm when grey), the input the
 * baseline coders of bench_v4.sh are given (a JPEG would otherwise reach cjxl as coefficients,
 * not pixels). Returns the exit status. */
static int dump_pixels(char **files, int nfiles, const char *dir)
{
    for (int a = 0; a < nfiles; a++) {
        holo_image img = { 0 };
        holo_err err = { 0 };
        if (holo_image_read(files[a], &img, &err)) {
            fprintf(stderr, "%s\n", err.msg);
            return 1;
        }
        size_t n = (size_t)img.w * img.h;
        int grey = 1;
        for (size_t i = 0; i < n && grey; i++)
            grey = img.rgb[3 * i] == img.rgb[3 * i + 1] && img.rgb[3 * i] == img.rgb[3 * i + 2];
        const char *base = strrchr(files[a], '/') ? strrchr(files[a], '/') + 1 : files[a];
        char path[4200];
        snprintf(path, sizeof path, "%s/%.*s.%s", dir, (int)strcspn(base, "."), base,
                 grey ? "pgm" : "ppm");
        FILE *f = fopen(path, "wb");
        int bad = !f || fprintf(f, "P%c\n%u %u\n255\n", grey ? '5' : '6', img.w, img.h) < 0;
        for (size_t i = 0; i < n && !bad; i++)
            bad = fwrite(img.rgb + 3 * i, 1, grey ? 1 : 3, f) != (grey ? 1u : 3u);
        if ((f && fclose(f)) || bad) {
            fprintf(stderr, "v4_eval: cannot write %s\n", path);
            holo_image_free(&img);
            return 1;
        }
        holo_image_free(&img);
    }
    return 0;
}

int main(int argc, char **argv)
{
    holo_encode_opts eo;
    holo_encode_opts_init(&eo);
    eo.codec_version = 4;
    unsigned B = 32, nsub = 8;
    double bytes_ratio = 0;
    int no_png = 0, threads = 2, vsv3 = 0, want_curve = 0;
    const char *dump_dir = NULL;
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
        else if (!strcmp(argv[a], "--vs-v3")) vsv3 = 1;
        else if (!strcmp(argv[a], "--curve")) want_curve = 1;
        else if (!strcmp(argv[a], "--dump-pixels") && a + 1 < argc) dump_dir = argv[++a];
        else if (!strcmp(argv[a], "--mosaic") && a + 1 < argc) {
            if (sscanf(argv[++a], "%ux%u", &mos_w, &mos_h) != 2) mos_w = mos_h = 0;
        }
        else {
            fprintf(stderr, "usage: v4_eval [-b B] [-n N] [-s SEED] [-t T] [--lossy] "
                            "[--quality Q] [--psnr DB] [--bytes-ratio R] [--no-png] "
                            "[--mosaic WxH] [--vs-v3] [--curve] [--dump-pixels DIR] IMAGE...\n");
            return 2;
        }
    }
    if (a >= argc) {
        printf("v4_eval: no images given (corpus absent?) - skipped\n");
        return 0;
    }
    if (B < 1 || B > 255) {
        fprintf(stderr, "v4_eval: B must be 1..255\n");
        return 2;
    }
    eo.block_count = B;
    eo.threads = threads;
    unsigned ks[NK] = { 1, 4, 8, 16, 24, 31, 32 };
    for (int i = 0; i < NK; i++) {
        unsigned k = (unsigned)lround(ks[i] * (double)B / 32.0);
        ks[i] = k < 1 ? 1 : k > B ? B : k;
    }
    if (dump_dir)
        return dump_pixels(argv + a, argc - a, dump_dir);
    if (want_curve)
        return curve(argv + a, argc - a, &eo, B, nsub, threads, no_png);
    if (vsv3)
        return vs_v3(argv + a, argc - a, &eo, B, nsub, threads, no_png, ks);
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
        v4_chunks c4;
        v4_chunks_load(&c4, dir, B);
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
        subsets ss;
        if (draw_subsets(&ss, B, nsub, ks)) {
            fprintf(stderr, "out of memory\n");
            return 1;
        }
        double mean[NK], worst[NK];
        for (int ki = 0; ki < NK; ki++) {
            double sum = 0, mn = 1e9;
            for (unsigned r = 0; r < ss.reps[ki]; r++) {
                double dt;
                double p = v4_subset_psnr(&c4, subset_perm(&ss, ki, r), ks[ki], &dopt, &img, &dt);
                if (ks[ki] == B)
                    tdec = dt;
                sum += p;
                mn = p < mn ? p : mn;
            }
            mean[ki] = sum / ss.reps[ki];
            worst[ki] = mn;
        }
        free(ss.perm);
        printf(" %6.2f", tdec);
        for (int ki = 0; ki < NK; ki++)
            printf(" | %6.2f / %6.2f  ", mean[ki], worst[ki]);
        printf(" | %5.2f %5.2f\n", st.psnr1, st.psnr2);
        if (getenv("V4_EVAL_PARTS") && pngb) {
            /* every protected level as stored (B / m copies), then U and the headers */
            printf("  parts/PNG:");
            for (int t = 0; t < st.np; t++)
                printf(" L%d(x%.1f) %.3f", t, (double)B / st.m[t],
                       (double)st.lvl[t] * B / st.m[t] / pngb);
            /* The PET price: every copy of a level beyond the one its information needs. */
            double extra = 0;
            for (int t = 0; t < st.np; t++)
                extra += (double)st.lvl[t] * ((double)B / st.m[t] - 1);
            printf("  U %.3f  hdr %.3f  copies beyond one %.3f\n", (double)st.u / pngb,
                   (double)B * v4_hdr_size_of((unsigned)st.np, st.lvl) / pngb, extra / pngb);
        }
        if (mos_w && mos_h) {
            /* The speed target: best of 3 full decodes, beside libpng decoding the same
             * pixels (PNG from the fast writer), best of 3. */
            unsigned all[256];
            for (unsigned i = 0; i < B; i++)
                all[i] = i;
            double best = 1e9, bpng = 1e9, dt;
            for (int r = 0; r < 3; r++) {
                v4_subset_psnr(&c4, all, B, &dopt, &img, &dt);
                best = dt < best ? dt : best;
            }
            uint8_t *png = NULL;
            size_t pl = 0;
            if (holo_png_encode_fast(img.rgb, img.w, img.h, threads, &png, &pl, &err) == 0) {
                for (int r = 0; r < 3; r++) {
                    holo_image pi = { 0 };
                    double t1 = now();
                    if (holo_image_decode(png, pl, "mosaic.png", &pi, &err) == 0)
                        bpng = now() - t1 < bpng ? now() - t1 : bpng;
                    holo_image_free(&pi);
                }
                free(png);
            }
            printf("  12 MP decode, all chunks, best of 3: %.2f s (target <= 1.5 s); libpng decode "
                   "of the same pixels: %.2f s (v4 takes %.2fx)\n", best, bpng, best / bpng);
        }
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
        v4_chunks_free(&c4);
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
