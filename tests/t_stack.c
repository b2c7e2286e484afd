/* t_stack.c — stacking: holo_stack_frames (mean of same-size frames, encoded) and
 * holo_stack_holo (mean of decoded captures weighted by their chunk counts).
 *
 * Three noisy frames of a generated image stack to something closer to the clean image than
 * any frame (PSNR gain asserted) and equal to the half-to-even mean computed here; frames of
 * another size and unreadable frames are rejected naming the frame, leaving no output; a full
 * and a partial capture average with weights 8 and 4, for images and (signed) audio. */
#include "internal.h"
#include "stack.h"
#include "tap.h"

#include <dirent.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define W 48u
#define H 32u
#define NPIX ((size_t)W * H * 3)

static char scratch[256];

static uint32_t rng_state = 777;
static uint32_t rnd(void)
{
    rng_state = rng_state * 1664525u + 1013904223u;
    return rng_state >> 8;
}

static int write_png(const char *path, const uint8_t *rgb, uint32_t w, uint32_t h)
{
    holo_decoded d;
    memset(&d, 0, sizeof d);
    d.info.kind = HOLO_KIND_IMAGE;
    d.info.width = w;
    d.info.height = h;
    d.info.channels = 3;
    d.pixels = (uint8_t *)rgb;
    holo_err err = {0};
    int rc = holo_view_write(&d, HOLO_VIEW_PNG, path, &err);
    if (rc) diag("%s", err.msg);
    return rc;
}

static double psnr(const uint8_t *a, const uint8_t *b, size_t n)
{
    double se = 0;
    for (size_t i = 0; i < n; i++) se += ((double)a[i] - b[i]) * ((double)a[i] - b[i]);
    return se == 0 ? 99 : 10 * log10(255.0 * 255.0 * (double)n / se);
}

/* Half to even, independently of the library: 2*sum compared with n*(2q+1). */
static int64_t rne_div(int64_t num, int64_t den)
{
    int64_t q = (int64_t)floor((double)num / (double)den);
    int64_t twice_r = 2 * (num - q * den);
    if (twice_r > den || (twice_r == den && (q % 2 != 0))) q++;
    return q;
}

static int decode_pixels(const char *dir, uint8_t *out, int *exact)
{
    holo_decoded d;
    holo_err err = {0};
    int rc = holo_decode_dir(dir, NULL, &d, &err);
    if (rc) { diag("%s", err.msg); return rc; }
    memcpy(out, d.pixels, NPIX);
    if (exact) *exact = d.info.exact;
    holo_decoded_free(&d);
    return 0;
}

static void test_frames(void)
{
    static uint8_t clean[NPIX], frame[3][NPIX], got[NPIX], want[NPIX];
    for (uint32_t y = 0; y < H; y++)
        for (uint32_t x = 0; x < W; x++)
            for (uint32_t c = 0; c < 3; c++)
                clean[(y * W + x) * 3 + c] = (uint8_t)(40 + x * 3 + y * 2 + c * 20);
    char paths[3][512];
    const char *list[3];
    double best = 0;
    for (int f = 0; f < 3; f++) {
        for (size_t i = 0; i < NPIX; i++) {
            int v = clean[i] + (int)(rnd() % 61) - 30;
            frame[f][i] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
        }
        tap_pathf(paths[f], sizeof paths[f], "%s/frame%d.png", scratch, f);
        write_png(paths[f], frame[f], W, H);
        list[f] = paths[f];
        double p = psnr(frame[f], clean, NPIX);
        if (p > best) best = p;
    }
    for (size_t i = 0; i < NPIX; i++)
        want[i] = (uint8_t)rne_div(frame[0][i] + frame[1][i] + frame[2][i], 3);

    char out[512];
    tap_pathf(out, sizeof out, "%s/stack.holo", scratch);
    holo_encode_opts eo;
    holo_encode_opts_init(&eo);
    eo.block_count = 8;
    holo_err err = {0};
    int rc = holo_stack_frames(list, 3, out, &eo, &err);
    if (!is_int(rc, 0, "stack 3 frames")) diag("%s", err.msg);
    int exact = 0;
    ok(decode_pixels(out, got, &exact) == 0 && exact, "stacked capture decodes exactly");
    is_bytes(got, NPIX, want, NPIX, "stacked image = per-pixel mean, half to even");
    double ps = psnr(got, clean, NPIX);
    ok(ps > best + 3.0, "stack PSNR %.2f dB > best frame %.2f dB + 3", ps, best);
    holo_info in;
    ok(holo_info_dir(out, &in, &err) == 0 && in.block_count == 8 && in.width == W && in.height == H,
       "stacked capture keeps the options (B = 8) and geometry");

    /* Halves round to even: means 0.5 -> 0, 1.5 -> 2, 2.5 -> 2. */
    uint8_t a[12] = {0, 1, 2, 9, 9, 9, 9, 9, 9, 9, 9, 9}, b[12] = {1, 2, 3, 9, 9, 9, 9, 9, 9, 9, 9, 10};
    char pa[512], pb[512], po[512];
    tap_pathf(pa, sizeof pa, "%s/half_a.png", scratch);
    tap_pathf(pb, sizeof pb, "%s/half_b.png", scratch);
    tap_pathf(po, sizeof po, "%s/half.holo", scratch);
    write_png(pa, a, 2, 2);
    write_png(pb, b, 2, 2);
    const char *hl[2] = {pa, pb};
    rc = holo_stack_frames(hl, 2, po, NULL, &err);
    holo_decoded d;
    uint8_t hw[12] = {0, 2, 2, 9, 9, 9, 9, 9, 9, 9, 9, 10};
    if (ok(rc == 0 && holo_decode_dir(po, NULL, &d, &err) == 0, "stack of two 2x2 frames")) {
        is_bytes(d.pixels, 12, hw, 12, "0.5 -> 0, 1.5 -> 2, 2.5 -> 2, 9.5 -> 10");
        holo_decoded_free(&d);
    }

    /* A frame of another size: rejected, naming it; the old output survives untouched. */
    static uint8_t small[(W - 8) * H * 3];
    memset(small, 100, sizeof small);
    char ps2[512];
    tap_pathf(ps2, sizeof ps2, "%s/small.png", scratch);
    write_png(ps2, small, W - 8, H);
    const char *bad[3] = {paths[0], ps2, paths[2]};
    memset(&err, 0, sizeof err);
    rc = holo_stack_frames(bad, 3, out, &eo, &err);
    is_int(rc, HOLO_EINVAL, "frames of different sizes rejected");
    ok(strstr(err.msg, ps2) && strstr(err.msg, "40x32"), "error names the frame: %s", err.msg);
    ok(decode_pixels(out, got, NULL) == 0 && !memcmp(got, want, NPIX), "previous output unchanged");

    char none[512], fresh[512];
    tap_pathf(none, sizeof none, "%s/missing.png", scratch);
    tap_pathf(fresh, sizeof fresh, "%s/fresh.holo", scratch);
    const char *miss[2] = {paths[0], none};
    rc = holo_stack_frames(miss, 2, fresh, NULL, &err);
    ok(rc < 0 && strstr(err.msg, none) && access(fresh, F_OK) != 0,
       "unreadable frame: error names it, no output: %s", err.msg);
    rc = holo_stack_frames(list, 0, fresh, NULL, &err);
    is_int(rc, HOLO_EINVAL, "no frames rejected");
    DIR *dp = opendir(scratch);
    struct dirent *e;
    int left = 0;
    while (dp && (e = readdir(dp))) left += strstr(e->d_name, ".stack-") != NULL;
    if (dp) closedir(dp);
    is_int(left, 0, "no temporary PNG left behind");
}

/* Move chunk_b of dir into a side name so the capture is partial. */
static void drop_chunk(const char *dir, uint32_t b)
{
    char p[1024];
    tap_pathf(p, sizeof p, "%s/chunk_%04u.holo", dir, b);
    unlink(p);
}

static void test_holo_image(void)
{
    static uint8_t img1[NPIX], img2[NPIX], d1[NPIX], d2[NPIX], want[NPIX], plain[NPIX];
    for (size_t i = 0; i < NPIX; i++) {
        img1[i] = (uint8_t)(i * 7 % 251);
        int v = img1[i] + (int)(rnd() % 41) - 20;
        img2[i] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
    }
    char p1[512], p2[512], c1[512], c2[512];
    tap_pathf(p1, sizeof p1, "%s/cap1.png", scratch);
    tap_pathf(p2, sizeof p2, "%s/cap2.png", scratch);
    tap_pathf(c1, sizeof c1, "%s/cap1.holo", scratch);
    tap_pathf(c2, sizeof c2, "%s/cap2.holo", scratch);
    write_png(p1, img1, W, H);
    write_png(p2, img2, W, H);
    holo_encode_opts eo;
    holo_encode_opts_init(&eo);
    eo.block_count = 8;
    eo.pixels = 1;   /* captures are pixel sets: a complete PNG store would be its bytes */
    holo_err err = {0};
    int rc = holo_encode_file(p1, c1, &eo, &err) | holo_encode_file(p2, c2, &eo, &err);
    if (!is_int(rc, 0, "encode two captures")) diag("%s", err.msg);
    for (uint32_t b = 0; b < 4; b++) drop_chunk(c2, b * 2 + 1);   /* capture 2 keeps 4 of 8 */
    decode_pixels(c1, d1, NULL);
    decode_pixels(c2, d2, NULL);
    int differs = 0;
    for (size_t i = 0; i < NPIX; i++) {
        want[i] = (uint8_t)rne_div(8 * (int64_t)d1[i] + 4 * (int64_t)d2[i], 12);
        plain[i] = (uint8_t)rne_div((int64_t)d1[i] + d2[i], 2);
        differs += want[i] != plain[i];
    }
    ok(differs > 0, "weighted and unweighted means differ (%d values): the test can tell", differs);
    const char *dirs[2] = {c1, c2};
    holo_decoded d;
    rc = holo_stack_holo(dirs, 2, NULL, &d, &err);
    if (!is_int(rc, 0, "stack a full and a partial capture")) { diag("%s", err.msg); return; }
    is_bytes(d.pixels, NPIX, want, NPIX, "mean weighted 8:4 by chunk count");
    ok(d.info.chunks_present == 12 && d.info.width == W && d.info.height == H && !d.info.exact,
       "info: geometry, 12 chunks in all, not exact");
    holo_decoded_free(&d);

    const char *one[1] = {c1};
    rc = holo_stack_holo(one, 1, NULL, &d, &err);
    ok(rc == 0 && !memcmp(d.pixels, img1, NPIX) && d.info.exact, "a single full capture is itself, exact");
    if (!rc) holo_decoded_free(&d);

    /* Different geometry: rejected naming the directory. */
    static uint8_t other[(W / 2) * H * 3];
    char p3[512], c3[512];
    tap_pathf(p3, sizeof p3, "%s/cap3.png", scratch);
    tap_pathf(c3, sizeof c3, "%s/cap3.holo", scratch);
    write_png(p3, other, W / 2, H);
    holo_encode_file(p3, c3, &eo, &err);
    const char *mixed[2] = {c1, c3};
    rc = holo_stack_holo(mixed, 2, NULL, &d, &err);
    ok(rc == HOLO_EINVAL && strstr(err.msg, c3) && strstr(err.msg, "24x32") && !d.pixels,
       "captures of different sizes rejected: %s", err.msg);
}

static void test_holo_audio(void)
{
    enum { FR = 1500, CH = 2 };
    static int16_t s1[FR * CH], s2[FR * CH];
    for (int i = 0; i < FR * CH; i++) {
        s1[i] = (int16_t)(9000 * sin(i * 0.031) - 3);
        s2[i] = (int16_t)(s1[i] + (int)(rnd() % 801) - 400);
    }
    char p[2][512], c[2][512];
    holo_encode_opts eo;
    holo_encode_opts_init(&eo);
    eo.block_count = 6;
    eo.pixels = 1;   /* audio captures are sample sets (v2) */
    holo_err err = {0};
    int16_t *src[2] = {s1, s2};
    holo_decoded dec[2];
    for (int k = 0; k < 2; k++) {
        holo_decoded d;
        memset(&d, 0, sizeof d);
        d.info.kind = HOLO_KIND_AUDIO;
        d.info.channels = CH;
        d.info.sample_rate = 8000;
        d.info.frames = FR;
        d.samples = src[k];
        tap_pathf(p[k], sizeof p[k], "%s/aud%d.wav", scratch, k);
        tap_pathf(c[k], sizeof c[k], "%s/aud%d.holo", scratch, k);
        holo_view_write(&d, HOLO_VIEW_WAV, p[k], &err);
        holo_encode_file(p[k], c[k], &eo, &err);
    }
    drop_chunk(c[1], 0);
    drop_chunk(c[1], 3);
    drop_chunk(c[1], 4);                                   /* weights 6 and 3 */
    int rc = holo_decode_dir(c[0], NULL, &dec[0], &err) | holo_decode_dir(c[1], NULL, &dec[1], &err);
    if (!is_int(rc, 0, "decode two audio captures")) { diag("%s", err.msg); return; }
    static int16_t want[FR * CH];
    int neg_half = 0;
    for (int i = 0; i < FR * CH; i++) {
        int64_t num = 6 * (int64_t)dec[0].samples[i] + 3 * (int64_t)dec[1].samples[i];
        want[i] = (int16_t)rne_div(num, 9);
        neg_half += num < 0 && num % 9 != 0;
    }
    holo_decoded_free(&dec[0]);
    holo_decoded_free(&dec[1]);
    ok(neg_half > 0, "negative sums with a remainder exercised (%d)", neg_half);
    const char *dirs[2] = {c[0], c[1]};
    holo_decoded d;
    rc = holo_stack_holo(dirs, 2, NULL, &d, &err);
    if (!is_int(rc, 0, "stack two audio captures")) { diag("%s", err.msg); return; }
    is_bytes(d.samples, sizeof want, want, sizeof want, "audio mean weighted 6:3, half to even");
    ok(d.info.kind == HOLO_KIND_AUDIO && d.info.frames == FR && d.info.chunks_present == 9, "audio info");
    holo_decoded_free(&d);

    /* An image capture among audio ones: rejected. */
    char img[512];
    tap_pathf(img, sizeof img, "%s/cap1.holo", scratch);
    const char *mixed[2] = {c[0], img};
    rc = holo_stack_holo(mixed, 2, NULL, &d, &err);
    ok(rc == HOLO_EINVAL && strstr(err.msg, img), "image among audio captures rejected: %s", err.msg);
}

int main(void)
{
    const char *t = getenv("TMPDIR");
    snprintf(scratch, sizeof scratch, "%s/holo_stack_XXXXXX", t && *t ? t : "/tmp");
    if (!mkdtemp(scratch)) { plan(1); ok(0, "mkdtemp"); return done_testing(); }
    plan(0);
    test_frames();
    test_holo_image();
    test_holo_audio();
    holo_rmtree(scratch);
    return done_testing();
}
