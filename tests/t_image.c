/* t_image.c — HOCH v1/v2 image codec against the reference vectors (doc/formats.md §HOCH v1/v2).
 *
 *   HOLO_VECTORS=/work/shared/vectors prove -v build/tests/t_image.t
 *
 * For every image_v1_*, image_v2_* and robust_image_* case: decode all chunks and the
 * case's subset_files, compare pixels with decoded_*.png; encode case.json:input with its
 * encoder_args and compare every chunk file, .meta and manifest.json byte for byte. Then
 * B from target_chunk_kb (block_count.json) and exact round trips of odd generated sizes.
 */
#include "tap.h"
#include "imageio.h"
#include "internal.h"
#include "pngthumb.h"

#include <dirent.h>
#include <jansson.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char tmproot[] = "/tmp/t_image.XXXXXX";

static int cmpstr(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted regular-file names of dir (NULL-terminated), or NULL. */
static char **list_dir(const char *dir, size_t *n)
{
    DIR *d = opendir(dir);
    *n = 0;
    if (!d) return NULL;
    char **v = NULL;
    struct dirent *e;
    while ((e = readdir(d))) {
        /* holo.sum, our integrity sidecar (t_sums.c), is not one of the reference's files */
        if (e->d_name[0] == '.' || !strcmp(e->d_name, HOLO_SUM_NAME)) continue;
        v = realloc(v, (*n + 2) * sizeof *v);
        v[(*n)++] = strdup(e->d_name);
        v[*n] = NULL;
    }
    closedir(d);
    if (v) qsort(v, *n, sizeof *v, cmpstr);
    return v;
}

static void free_list(char **v)
{
    for (size_t i = 0; v && v[i]; i++) free(v[i]);
    free(v);
}

static void rm_rf(const char *dir)
{
    size_t n;
    char **v = list_dir(dir, &n), p[4096];
    for (size_t i = 0; i < n; i++) {
        snprintf(p, sizeof p, "%s/%s", dir, v[i]);
        unlink(p);
    }
    free_list(v);
    rmdir(dir);
}

static int copy_file(const char *from, const char *to)
{
    size_t len;
    uint8_t *b = tap_slurp(from, &len);
    if (!b) return -1;
    FILE *f = fopen(to, "wb");
    int rc = f && fwrite(b, 1, len, f) == len ? 0 : -1;
    if (f) fclose(f);
    free(b);
    return rc;
}

/* Decode dir and compare with the PNG `want`. */
static void decode_compare(const char *dir, const char *want, const char *label)
{
    holo_decoded d;
    holo_decode_opts o;
    holo_err err;
    holo_image ref;
    holo_decode_opts_init(&o);
    int rc = holo_decode_dir(dir, &o, &d, &err);
    if (!is_int(rc, 0, "%s: decode", label)) {
        diag("%s", err.msg);
        return;
    }
    if (holo_image_read(want, &ref, &err)) {
        ok(0, "%s: read %s: %s", label, want, err.msg);
    } else {
        ok(d.info.width == ref.w && d.info.height == ref.h, "%s: size %ux%u", label,
           d.info.width, d.info.height);
        is_bytes(d.pixels, (size_t)d.info.width * d.info.height * 3, ref.rgb,
                 (size_t)ref.w * ref.h * 3, "%s: pixels", label);
        holo_image_free(&ref);
    }
    holo_decoded_free(&d);
}

/* Every file of want_dir must exist in got_dir with the same bytes, and nothing more. */
static void compare_dirs(const char *got_dir, const char *want_dir, const char *label)
{
    size_t ng, nw;
    char **g = list_dir(got_dir, &ng), **w = list_dir(want_dir, &nw);
    int same_names = ng == nw;
    for (size_t i = 0; same_names && i < nw; i++) same_names = !strcmp(g[i], w[i]);
    if (!ok(same_names, "%s: %zu files written, %zu expected", label, ng, nw)) {
        for (size_t i = 0; i < ng; i++) diag("  got %s", g[i]);
    }
    size_t bad = 0;
    for (size_t i = 0; i < nw; i++) {
        char pg[4096], pw[4096];
        snprintf(pg, sizeof pg, "%s/%s", got_dir, w[i]);
        snprintf(pw, sizeof pw, "%s/%s", want_dir, w[i]);
        size_t lg, lw;
        uint8_t *bg = tap_slurp(pg, &lg), *bw = tap_slurp(pw, &lw);
        if (!bg || !bw || lg != lw || memcmp(bg, bw, lw)) {
            if (bad++ < 3)
                is_bytes(bg, bg ? lg : 0, bw, bw ? lw : 0, "%s: %s", label, w[i]);
        }
        free(bg);
        free(bw);
    }
    ok(bad == 0, "%s: %zu files byte-identical (%zu differ)", label, nw, bad);
    free_list(g);
    free_list(w);
}

static void run_case(const char *name, const char *cdir, json_t *c, void *ctx)
{
    char path[4096], chunks[2048];
    (void)ctx;
    tap_pathf(chunks, sizeof chunks, "%s/chunks", cdir);
    json_t *outs = json_object_get(c, "outputs");

    snprintf(path, sizeof path, "%s/%s", cdir,
             json_string_value(json_object_get(outs, "decoded_all")));
    decode_compare(chunks, path, name);

    json_t *subset = json_object_get(c, "subset_files");
    const char *sub_out = json_string_value(json_object_get(outs, "decoded_subset"));
    if (subset && sub_out) {
        char sdir[2048];
        snprintf(sdir, sizeof sdir, "%s/subset", tmproot);
        rm_rf(sdir);
        mkdir(sdir, 0700);
        size_t i;
        json_t *f;
        json_array_foreach(subset, i, f) {
            char from[4096], to[4096];
            snprintf(from, sizeof from, "%s/%s", chunks, json_string_value(f));
            snprintf(to, sizeof to, "%s/%s", sdir, json_string_value(f));
            copy_file(from, to);
        }
        char label[300];
        snprintf(label, sizeof label, "%s subset", name);
        snprintf(path, sizeof path, "%s/%s", cdir, sub_out);
        decode_compare(sdir, path, label);
        rm_rf(sdir);
    }

    json_t *args = json_object_get(c, "encoder_args");
    const char *input = json_string_value(json_object_get(c, "input"));
    if (args && input && !strncmp(name, "image_", 6)) {
        holo_encode_opts eo;
        holo_encode_opts_init(&eo);
        eo.zlib_level = 9;   /* the reference's level: byte-exact chunks */
        eo.block_count = (uint32_t)json_integer_value(json_object_get(args, "block_count"));
        eo.codec_version = (int)json_integer_value(json_object_get(args, "version"));
        if (json_object_get(args, "coarse_max_side"))
            eo.coarse_side = (uint32_t)json_integer_value(json_object_get(args, "coarse_max_side"));
        eo.threads = 2;
        char edir[2048];
        snprintf(edir, sizeof edir, "%s/enc", tmproot);
        rm_rf(edir);
        mkdir(edir, 0700);
        snprintf(path, sizeof path, "%s/formats/%s", tap_vectors(), input);
        holo_err err;
        int rc = holo_image12_encode(path, edir, &eo, &err);
        if (is_int(rc, 0, "%s: encode", name))
            compare_dirs(edir, chunks, name);
        else
            diag("%s", err.msg);
        rm_rf(edir);
    }
}

/* B chosen from target_chunk_kb by real encodes (tables/block_count.json, image v2 rows). */
static void block_count_kb(void)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/formats/tables/block_count.json", tap_vectors());
    json_error_t je;
    json_t *root = json_load_file(path, 0, &je);
    json_t *rows = json_object_get(root, "end_to_end");
    size_t i, done = 0;
    json_t *e;
    json_array_foreach(rows, i, e) {
        json_t *kb = json_object_get(json_object_get(e, "args"), "target_chunk_kb");
        if (strcmp(json_string_value(json_object_get(e, "codec")), "image v2") || !kb) continue;
        holo_encode_opts eo;
        holo_encode_opts_init(&eo);
        eo.zlib_level = 9;   /* the reference's level: byte-exact chunks */
        eo.chunk_kb = (long)json_integer_value(kb);
        eo.threads = 2;
        char in[4096], edir[2048], chunk[2200];
        snprintf(in, sizeof in, "%s/formats/%s", tap_vectors(),
                 json_string_value(json_object_get(e, "input")));
        snprintf(edir, sizeof edir, "%s/kb", tmproot);
        rm_rf(edir);
        mkdir(edir, 0700);
        holo_err err;
        int rc = holo_image12_encode(in, edir, &eo, &err);
        snprintf(chunk, sizeof chunk, "%s/chunk_0000.holo", edir);
        size_t len;
        uint8_t *b = tap_slurp(chunk, &len);
        long want = (long)json_integer_value(json_object_get(e, "chosen_block_count"));
        ok(rc == 0 && b && len >= 30 && (long)holo_rd32(b + 14) == want,
           "%s kb=%ld: B = %ld", json_string_value(json_object_get(e, "input")), eo.chunk_kb,
           b && len >= 30 ? (long)holo_rd32(b + 14) : -1L);
        free(b);
        rm_rf(edir);
        done++;
    }
    ok(done == 3, "%zu block_count rows for image v2 kb", done);
    json_decref(root);
}

/* Odd sizes: encode a generated image through the public API, decode, compare exactly. */
static void round_trip(uint32_t w, uint32_t h, int version, uint32_t B)
{
    uint8_t *px = malloc((size_t)w * h * 3);
    uint32_t s = w * 7919u + h;
    for (size_t i = 0; i < (size_t)w * h * 3; i++) {
        s = s * 1103515245u + 12345u;
        px[i] = (uint8_t)((i * 5 / 3) + (s >> 27));   /* ramp plus noise */
    }
    char in[2048], dir[2048];
    snprintf(in, sizeof in, "%s/rt_%ux%u.ppm", tmproot, w, h);
    snprintf(dir, sizeof dir, "%s/rt_%ux%u.ppm.holo", tmproot, w, h);
    uint8_t *ppm;
    size_t plen;
    holo_err err;
    holo_ppm_encode(px, w, h, &ppm, &plen, &err);
    FILE *f = fopen(in, "wb");
    fwrite(ppm, 1, plen, f);
    fclose(f);
    free(ppm);
    holo_encode_opts eo;
    holo_encode_opts_init(&eo);
    eo.zlib_level = 9;   /* the reference's level: byte-exact chunks */
    eo.mode = HOLO_KIND_IMAGE;
    eo.codec_version = version;
    eo.block_count = B;
    int rc = holo_encode_file(in, dir, &eo, &err);
    if (!is_int(rc, 0, "encode %ux%u v%d B%u", w, h, version, B)) diag("%s", err.msg);
    holo_decoded d;
    rc = holo_decode_dir(dir, NULL, &d, &err);
    if (is_int(rc, 0, "decode %ux%u", w, h)) {
        ok(d.info.width == w && d.info.height == h && d.info.exact, "%ux%u geometry, exact", w, h);
        is_bytes(d.pixels, (size_t)w * h * 3, px, (size_t)w * h * 3, "%ux%u round trip", w, h);
        holo_decoded_free(&d);
    } else {
        diag("%s", err.msg);
    }
    unlink(in);
    rm_rf(dir);
    free(px);
}


/* ---- readers: every PNG colour type and depth, as Pillow's convert("RGB") ------------------ */
/* Write a w x h PNG of colour type ct / depth bd from packed samples (one byte or two bytes
 * big-endian per sample, rows already packed for depths < 8). */
static uint8_t *write_png(uint32_t w, uint32_t h, int ct, int bd, int interlace,
                          const uint8_t *rows, size_t stride, const png_color *pal, int npal,
                          const uint8_t *trns, int ntrns, png_color_16 *trns_col, size_t *len)
{
    char *mem = NULL;
    size_t ml = 0;
    FILE *f = open_memstream(&mem, &ml);
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png_create_info_struct(png);
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        fclose(f);
        free(mem);
        return NULL;
    }
    png_init_io(png, f);
    png_set_IHDR(png, info, w, h, bd, ct, interlace, PNG_COMPRESSION_TYPE_DEFAULT,
                 PNG_FILTER_TYPE_DEFAULT);
    if (pal) png_set_PLTE(png, info, pal, npal);
    if (trns || trns_col) png_set_tRNS(png, info, trns, ntrns, trns_col);
    png_set_gAMA(png, info, 1.0);   /* must be ignored: no gamma correction */
    png_write_info(png, info);
    png_bytep *rp = malloc(h * sizeof *rp);
    for (uint32_t y = 0; y < h; y++) rp[y] = (png_bytep)rows + y * stride;
    png_write_image(png, rp);
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    free(rp);
    fclose(f);
    *len = ml;
    return (uint8_t *)mem;
}

/* lenp is read here, after write_png (an argument) has filled it. */
static void expect_png(const char *label, uint8_t *png, const size_t *lenp, uint32_t w,
                       uint32_t h, const uint8_t *want)
{
    size_t len = *lenp;
    holo_image im;
    holo_err err;
    if (!png) {
        ok(0, "%s: libpng could not write the test file", label);
        return;
    }
    if (is_int(holo_image_decode(png, len, label, &im, &err), 0, "%s: decode", label)) {
        ok(im.w == w && im.h == h, "%s: %ux%u", label, im.w, im.h);
        is_bytes(im.rgb, (size_t)im.w * im.h * 3, want, (size_t)w * h * 3, "%s: RGB", label);
        holo_image_free(&im);
    } else {
        diag("%s", err.msg);
    }
    free(png);
}

static void png_colour_types(void)
{
    enum { W = 11, H = 7 };
    uint8_t rows[H * W * 8], want[H * W * 3];
    size_t len;
    /* grey 8 (with a tRNS colour that must be ignored) */
    for (int i = 0; i < W * H; i++) rows[i] = (uint8_t)(i * 3), want[3 * i] = want[3 * i + 1] = want[3 * i + 2] = (uint8_t)(i * 3);
    png_color_16 tc = { .gray = 6 };
    expect_png("grey8+tRNS", write_png(W, H, PNG_COLOR_TYPE_GRAY, 8, 0, rows, W, NULL, 0, NULL, 0, &tc, &len), &len, W, H, want);
    /* grey 1, 2, 4 bit: values scaled to 0..255 */
    for (int bd = 1; bd <= 4; bd *= 2) {
        int per = 8 / bd, maxv = (1 << bd) - 1;
        size_t stride = (W + per - 1) / per;
        memset(rows, 0, sizeof rows);
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++) {
                int v = (x + y) & maxv, i = y * W + x;
                rows[y * stride + x / per] |= (uint8_t)(v << (8 - bd * (x % per + 1)));
                want[3 * i] = want[3 * i + 1] = want[3 * i + 2] = (uint8_t)(v * 255 / maxv);
            }
        char label[32];
        snprintf(label, sizeof label, "grey%d", bd);
        expect_png(label, write_png(W, H, PNG_COLOR_TYPE_GRAY, bd, 0, rows, stride, NULL, 0, NULL, 0, NULL, &len), &len, W, H, want);
    }
    /* grey 16: high byte */
    for (int i = 0; i < W * H; i++) {
        rows[2 * i] = (uint8_t)(200 - i), rows[2 * i + 1] = (uint8_t)(i * 77);
        want[3 * i] = want[3 * i + 1] = want[3 * i + 2] = (uint8_t)(200 - i);
    }
    expect_png("grey16", write_png(W, H, PNG_COLOR_TYPE_GRAY, 16, 0, rows, 2 * W, NULL, 0, NULL, 0, NULL, &len), &len, W, H, want);
    /* grey+alpha 8: alpha dropped, not composited */
    for (int i = 0; i < W * H; i++) {
        rows[2 * i] = (uint8_t)(i + 100), rows[2 * i + 1] = (uint8_t)(i % 3 ? 0 : 128);
        want[3 * i] = want[3 * i + 1] = want[3 * i + 2] = (uint8_t)(i + 100);
    }
    expect_png("greyalpha8", write_png(W, H, PNG_COLOR_TYPE_GRAY_ALPHA, 8, 0, rows, 2 * W, NULL, 0, NULL, 0, NULL, &len), &len, W, H, want);
    /* RGB 16: high bytes */
    for (int i = 0; i < W * H * 3; i++) rows[2 * i] = (uint8_t)(i * 5), rows[2 * i + 1] = 0xff, want[i] = (uint8_t)(i * 5);
    expect_png("rgb16", write_png(W, H, PNG_COLOR_TYPE_RGB, 16, 0, rows, 6 * W, NULL, 0, NULL, 0, NULL, &len), &len, W, H, want);
    /* RGBA 8 and RGBA 16 */
    for (int i = 0; i < W * H; i++)
        for (int c = 0; c < 4; c++) {
            rows[4 * i + c] = (uint8_t)(c == 3 ? i * 2 : i * 3 + c * 50);
            if (c < 3) want[3 * i + c] = rows[4 * i + c];
        }
    expect_png("rgba8", write_png(W, H, PNG_COLOR_TYPE_RGBA, 8, 0, rows, 4 * W, NULL, 0, NULL, 0, NULL, &len), &len, W, H, want);
    for (int i = 0; i < W * H * 4; i++) rows[2 * i] = (uint8_t)(i * 7), rows[2 * i + 1] = (uint8_t)i;
    for (int i = 0; i < W * H; i++)
        for (int c = 0; c < 3; c++) want[3 * i + c] = (uint8_t)((4 * i + c) * 7);
    expect_png("rgba16", write_png(W, H, PNG_COLOR_TYPE_RGBA, 16, 0, rows, 8 * W, NULL, 0, NULL, 0, NULL, &len), &len, W, H, want);
    /* palette 8 with tRNS (ignored) and palette 2 */
    png_color pal[256];
    uint8_t trns[256];
    for (int i = 0; i < 256; i++) pal[i] = (png_color){(uint8_t)i, (uint8_t)(255 - i), (uint8_t)(i * 7)}, trns[i] = (uint8_t)(i / 2);
    for (int i = 0; i < W * H; i++) {
        rows[i] = (uint8_t)(i * 13);
        want[3 * i] = pal[rows[i]].red, want[3 * i + 1] = pal[rows[i]].green, want[3 * i + 2] = pal[rows[i]].blue;
    }
    expect_png("palette8+tRNS", write_png(W, H, PNG_COLOR_TYPE_PALETTE, 8, 0, rows, W, pal, 256, trns, 256, NULL, &len), &len, W, H, want);
    memset(rows, 0, sizeof rows);
    size_t st2 = (W + 3) / 4;
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            int v = (x * y) & 3, i = y * W + x;
            rows[y * st2 + x / 4] |= (uint8_t)(v << (6 - 2 * (x % 4)));
            want[3 * i] = pal[v].red, want[3 * i + 1] = pal[v].green, want[3 * i + 2] = pal[v].blue;
        }
    expect_png("palette2", write_png(W, H, PNG_COLOR_TYPE_PALETTE, 2, 0, rows, st2, pal, 4, NULL, 0, NULL, &len), &len, W, H, want);
    /* interlaced RGB 8 */
    for (int i = 0; i < W * H * 3; i++) rows[i] = want[i] = (uint8_t)(i * 11 + 3);
    expect_png("rgb8 Adam7", write_png(W, H, PNG_COLOR_TYPE_RGB, 8, PNG_INTERLACE_ADAM7, rows, 3 * W, NULL, 0, NULL, 0, NULL, &len), &len, W, H, want);
    /* truncated PNG: an error, not a partial image */
    uint8_t *full = write_png(W, H, PNG_COLOR_TYPE_RGB, 8, 0, rows, 3 * W, NULL, 0, NULL, 0, NULL, &len);
    holo_image im;
    holo_err err;
    is_int(holo_image_decode(full, len / 2, "half.png", &im, &err), HOLO_EINVAL, "truncated PNG rejected");
    ok(strstr(err.msg, "half.png") != NULL, "message: %s", err.msg);
    free(full);
}

/* Damaged images never crash the readers (run under ASan in `make check`): flip bytes and cut
 * a real thumbnail PNG, a JPEG and a PPM; every result is either an image or a clean error. */
static void corrupt_inputs(void)
{
    uint8_t px[12 * 9 * 3];
    for (size_t i = 0; i < sizeof px; i++) px[i] = (uint8_t)(i * 29);
    uint8_t *src[3];
    size_t len[3];
    holo_err err;
    holo_pngthumb_write(px, 12, 9, &src[0], &len[0], &err);
    holo_jpeg_encode(px, 12, 9, 90, &src[1], &len[1], &err);
    holo_ppm_encode(px, 12, 9, &src[2], &len[2], &err);
    int clean = 1, decoded = 0, rejected = 0;
    uint32_t s = 7;
    for (int k = 0; k < 3; k++)
        for (int t = 0; t < 300; t++) {
            uint8_t *b = malloc(len[k]);
            memcpy(b, src[k], len[k]);
            size_t n = len[k];
            s = s * 1103515245u + 12345u;
            if (t % 3 == 0) n = (s >> 8) % n;                       /* cut */
            for (int f = 0; f < 1 + t % 4; f++) {                  /* flip */
                s = s * 1103515245u + 12345u;
                b[(s >> 8) % len[k]] ^= (uint8_t)(1u << (s % 8));
            }
            holo_image im;
            int rc = holo_image_decode(b, n, "fuzz", &im, &err);
            if (rc == 0) {
                decoded++;
                clean &= im.w > 0 && im.h > 0 && im.rgb != NULL;
                holo_image_free(&im);
            } else {
                rejected++;
                clean &= rc == HOLO_EINVAL || rc == HOLO_EUNSUPPORTED || rc == HOLO_ENOMEM;
            }
            free(b);
        }
    ok(clean && rejected > 0, "900 damaged images: %d decoded, %d rejected cleanly", decoded,
       rejected);
    for (int k = 0; k < 3; k++) free(src[k]);
}

/* Binary PGM/PPM, comments in the header, maxval rescaling. */
static void pnm_inputs(void)
{
    holo_image im;
    holo_err err;
    const char p5[] = "P5 # grey\n3 1\n255\n\x01\x80\xff";
    if (is_int(holo_image_decode((const uint8_t *)p5, sizeof p5 - 1, "p5", &im, &err), 0, "P5")) {
        is_bytes(im.rgb, 9, "\x01\x01\x01\x80\x80\x80\xff\xff\xff", 9, "P5 grey replicated");
        holo_image_free(&im);
    }
    const char p6[] = "P6\n1 2\n15\n\x0f\x00\x07\x01\x02\x03";
    if (is_int(holo_image_decode((const uint8_t *)p6, sizeof p6 - 1, "p6", &im, &err), 0, "P6 maxval 15")) {
        is_bytes(im.rgb, 6, "\xff\x00\x77\x11\x22\x33", 6, "maxval 15 rescaled to 0..255");
        holo_image_free(&im);
    }
    const char p6t[] = "P6\n2 2\n255\n\x01\x02\x03";
    is_int(holo_image_decode((const uint8_t *)p6t, sizeof p6t - 1, "p6t", &im, &err), HOLO_EINVAL, "truncated PPM rejected");
    is_int(holo_image_decode((const uint8_t *)"GIF89a", 6, "g", &im, &err), HOLO_EUNSUPPORTED, "unknown format");
    const char wide[] = "P6\n70000 1\n255\n";
    is_int(holo_image_decode((const uint8_t *)wide, sizeof wide - 1, "wide.ppm", &im, &err), HOLO_ENOMEM,
           "side over 65535 refused before allocating");
}

/* Damaged thumbnails: the hardening of doc/formats.md §HOCH v1/v2 rejects impossible references
 * cleanly. */
static void bad_input(void)
{
    char in[2048], edir[2048];
    snprintf(in, sizeof in, "%s/bad.png", tmproot);
    FILE *f = fopen(in, "wb");
    fputs("\x89PNG\r\n\x1a\nnot really", f);
    fclose(f);
    snprintf(edir, sizeof edir, "%s/bad", tmproot);
    mkdir(edir, 0700);
    holo_encode_opts eo;
    holo_encode_opts_init(&eo);
    eo.zlib_level = 9;   /* the reference's level: byte-exact chunks */
    holo_err err;
    int rc = holo_image12_encode(in, edir, &eo, &err);
    is_int(rc, HOLO_EINVAL, "corrupt PNG input is HOLO_EINVAL");
    ok(strstr(err.msg, "bad.png") != NULL, "message names the file: %s", err.msg);
    eo.codec_version = 3;
    is_int(holo_image12_encode(in, edir, &eo, &err), HOLO_EINVAL, "version 3 refused here");
    unlink(in);
    rm_rf(edir);
}

int main(void)
{
    plan(0);
    if (!mkdtemp(tmproot)) {
        ok(0, "mkdtemp");
        return done_testing();
    }
    static const char *const prefixes[] = { "image_v1_", "image_v2_", "robust_image_", NULL };
    int ran = tap_vector_cases(prefixes, run_case, NULL);
    ok(ran == 12, "%d image v1/v2/robust cases", ran);
    block_count_kb();
    round_trip(1, 1, 2, 32);
    round_trip(1, 37, 2, 8);
    round_trip(41, 1, 1, 5);
    round_trip(2, 300, 2, 7);
    round_trip(33, 17, 2, 1);
    bad_input();
    png_colour_types();
    pnm_inputs();
    corrupt_inputs();
    rm_rf(tmproot);
    return done_testing();
}
