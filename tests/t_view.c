/* t_view.c — output views: stored PNG size known up front, fast PNG / PPM / JPEG read back,
 * canonical WAV header, raw bytes, view selection by name, atomic holo_view_write.
 *
 *   HOLO_VECTORS=/work/shared/vectors prove -v build/tests/t_view.t
 */
#include "tap.h"
#include "imageio.h"
#include "internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static uint8_t *gen(uint32_t w, uint32_t h)
{
    uint8_t *p = malloc((size_t)w * h * 3 + 1);
    uint32_t s = w * 31u + h;
    for (size_t i = 0; i < (size_t)w * h * 3; i++) {
        s = s * 1664525u + 1013904223u;
        p[i] = (uint8_t)(((i / 3) % w) * 255 / (w > 1 ? w - 1 : 1) / 2 + (s >> 26));
    }
    return p;
}

static holo_decoded image_of(uint8_t *px, uint32_t w, uint32_t h)
{
    holo_decoded d;
    memset(&d, 0, sizeof d);
    d.info.kind = HOLO_KIND_IMAGE;
    d.info.width = w;
    d.info.height = h;
    d.pixels = px;
    return d;
}

/* Render view v, check its size against holo_view_size when known, decode it back. */
static void image_view(uint32_t w, uint32_t h, holo_view v, const char *label)
{
    uint8_t *px = gen(w, h), *buf = NULL;
    size_t len;
    holo_err err;
    if (v == HOLO_VIEW_JPEG)   /* JPEG is lossy: a smooth picture, so PSNR means something */
        for (size_t i = 0; i < (size_t)w * h * 3; i++)
            px[i] = (uint8_t)((i / 3) % w * 2 + (i / 3) / w + (i % 3) * 40);
    holo_decoded d = image_of(px, w, h);
    if (!is_int(holo_view_render(&d, v, &buf, &len, &err), 0, "%s %ux%u: render", label, w, h)) {
        diag("%s", err.msg);
        free(px);
        return;
    }
    uint64_t want = holo_view_size(&d.info, v);
    if (v == HOLO_VIEW_STORED_PNG || v == HOLO_VIEW_PPM)
        is_int((long long)len, (long long)want, "%s %ux%u: size known up front", label, w, h);
    else
        is_int((long long)want, 0, "%s: size not known up front", label);
    holo_image back;
    if (is_int(holo_image_decode(buf, len, label, &back, &err), 0, "%s: decodes", label)) {
        ok(back.w == w && back.h == h, "%s: geometry", label);
        if (v == HOLO_VIEW_JPEG) {
            double se = 0;
            for (size_t i = 0; i < (size_t)w * h * 3; i++) {
                double e = (double)back.rgb[i] - px[i];
                se += e * e;
            }
            double psnr = 10 * log10(255.0 * 255.0 / (se / ((double)w * h * 3) + 1e-12));
            ok(psnr > 30, "%s: PSNR %.1f dB > 30", label, psnr);
            holo_image cut;
            is_int(holo_image_decode(buf, len * 2 / 3, "cut.jpg", &cut, &err), HOLO_EINVAL,
                   "truncated JPEG rejected");
        } else {
            is_bytes(back.rgb, (size_t)back.w * back.h * 3, px, (size_t)w * h * 3,
                     "%s %ux%u: same pixels", label, w, h);
        }
        holo_image_free(&back);
    } else {
        diag("%s", err.msg);
    }
    free(buf);
    free(px);
}

/* Every level/filter/thread combination of the fast writer is a valid PNG of the same pixels. */
static void fast_png_variants(void)
{
    uint32_t w = 301, h = 977;   /* > 1 MiB of pixels: two segments with 2 threads */
    uint8_t *px = gen(w, h);
    static const int filters[] = {0, 1, 2, 4};
    int good = 0, total = 0;
    for (int f = 0; f < 4; f++)
        for (int lvl = 0; lvl <= 6; lvl += 3)
            for (int t = 1; t <= 3; t++) {
                int strat = (f + lvl + t) % 4;   /* default, filtered, huffman, rle */
                uint8_t *buf;
                size_t len;
                holo_image back = {0};
                total++;
                if (holo_png_encode_zs(px, w, h, lvl, filters[f], strat, t, &buf, &len, NULL) == 0 &&
                    holo_image_decode(buf, len, "fast", &back, NULL) == 0 && back.w == w &&
                    back.h == h && !memcmp(back.rgb, px, (size_t)w * h * 3))
                    good++;
                else
                    diag("filter %d level %d strategy %d threads %d failed", filters[f], lvl, strat, t);
                free(buf);
                holo_image_free(&back);
            }
    is_int(good, total, "fast PNG: %d level/filter/thread variants read back", total);
    free(px);
}

static void wav_view(void)
{
    int16_t s[6] = {1, -2, 300, -32768, 32767, 0};
    holo_decoded d;
    memset(&d, 0, sizeof d);
    d.info.kind = HOLO_KIND_AUDIO;
    d.info.channels = 2;
    d.info.sample_rate = 16000;
    d.info.frames = 3;
    d.samples = s;
    static const uint8_t want[56] = {
        'R', 'I', 'F', 'F', 48, 0, 0, 0, 'W', 'A', 'V', 'E', 'f', 'm', 't', ' ',
        16, 0, 0, 0, 1, 0, 2, 0, 0x80, 0x3e, 0, 0, 0x00, 0xfa, 0, 0,
        4, 0, 16, 0, 'd', 'a', 't', 'a', 12, 0, 0, 0,
        1, 0, 0xfe, 0xff, 0x2c, 0x01, 0x00, 0x80, 0xff, 0x7f, 0, 0};
    uint8_t *buf;
    size_t len;
    holo_err err;
    is_int(holo_view_for_name("x.png", HOLO_KIND_AUDIO), HOLO_VIEW_WAV, "audio is always WAV");
    is_int((long long)holo_view_size(&d.info, HOLO_VIEW_WAV), 56, "WAV size 44 + 12");
    if (is_int(holo_view_render(&d, HOLO_VIEW_AUTO, &buf, &len, &err), 0, "render WAV")) {
        is_bytes(buf, len, want, sizeof want, "canonical 44-byte WAV header + i16le data");
        free(buf);
    }
    is_int(holo_view_render(&d, HOLO_VIEW_PNG, &buf, &len, &err), HOLO_EINVAL,
           "audio as PNG refused");

    /* End to end: a decoded reference audio case renders to the reference WAV bytes. */
    char dir[4096], wav[4096];
    snprintf(dir, sizeof dir, "%s/formats/cases/audio_v2_stereo16_16000_B8/chunks", tap_vectors());
    snprintf(wav, sizeof wav, "%s/formats/cases/audio_v2_stereo16_16000_B8/decoded_all.wav",
             tap_vectors());
    holo_decoded a;
    if (holo_decode_dir(dir, NULL, &a, &err) == 0) {
        size_t wl;
        uint8_t *w = tap_slurp(wav, &wl);
        if (is_int(holo_view_render(&a, HOLO_VIEW_WAV, &buf, &len, &err), 0, "render decoded")) {
            is_bytes(buf, len, w, wl, "audio_v2_stereo16_16000_B8 WAV bytes");
            is_int((long long)holo_view_size(&a.info, HOLO_VIEW_WAV), (long long)wl,
                   "WAV size from geometry");
            free(buf);
        }
        free(w);
        holo_decoded_free(&a);
    } else {
        ok(0, "decode %s: %s", dir, err.msg);
    }
}

static void raw_view(void)
{
    uint8_t bytes[5] = {9, 8, 7, 0, 255};
    holo_decoded d;
    memset(&d, 0, sizeof d);
    d.info.kind = HOLO_KIND_BINARY;
    d.info.length = 5;
    d.bytes = bytes;
    uint8_t *buf;
    size_t len;
    is_int((long long)holo_view_size(&d.info, HOLO_VIEW_AUTO), 5, "raw size");
    if (is_int(holo_view_render(&d, HOLO_VIEW_RAW, &buf, &len, NULL), 0, "render raw")) {
        is_bytes(buf, len, bytes, 5, "raw bytes");
        free(buf);
    }
    d.info.length = 0;
    if (is_int(holo_view_render(&d, HOLO_VIEW_RAW, &buf, &len, NULL), 0, "render empty")) {
        is_int((long long)len, 0, "empty file is empty");
        free(buf);
    }
}

static void names(void)
{
    is_int(holo_view_for_name("a/b.PNG", HOLO_KIND_IMAGE), HOLO_VIEW_PNG, ".PNG");
    is_int(holo_view_for_name("b.jpg", HOLO_KIND_IMAGE), HOLO_VIEW_JPEG, ".jpg");
    is_int(holo_view_for_name("b.JPEG", HOLO_KIND_IMAGE), HOLO_VIEW_JPEG, ".JPEG");
    is_int(holo_view_for_name("b.ppm", HOLO_KIND_IMAGE), HOLO_VIEW_PPM, ".ppm");
    is_int(holo_view_for_name("noext", HOLO_KIND_IMAGE), HOLO_VIEW_PNG, "no extension: PNG");
    is_int(holo_view_for_name("x.wav", HOLO_KIND_BINARY), HOLO_VIEW_RAW, "binary is raw");
}

static void write_atomic(void)
{
    char dir[] = "/tmp/t_view.XXXXXX", path[64];
    if (!ok(mkdtemp(dir) != NULL, "mkdtemp")) return;
    snprintf(path, sizeof path, "%s/out.ppm", dir);
    uint8_t *px = gen(5, 3), *buf;
    size_t len, flen;
    holo_decoded d = image_of(px, 5, 3);
    holo_err err;
    is_int(holo_view_write(&d, holo_view_for_name(path, HOLO_KIND_IMAGE), path, &err), 0,
           "holo_view_write ppm");
    holo_view_render(&d, HOLO_VIEW_PPM, &buf, &len, &err);
    uint8_t *f = tap_slurp(path, &flen);
    is_bytes(f, flen, buf, len, "file holds the rendered view");
    is_bytes(f, 11, "P6\n5 3\n255\n", 11, "PPM header");
    free(f);
    free(buf);
    unlink(path);
    snprintf(path, sizeof path, "%s/missing/out.png", dir);
    int rc = holo_view_write(&d, HOLO_VIEW_PNG, path, &err);
    ok(rc < 0, "write into a missing directory fails (%d)", rc);
    ok(strstr(err.msg, "out.png") != NULL, "message names the file: %s", err.msg);
    free(px);
    rmdir(dir);
}

int main(void)
{
    plan(0);
    static const uint32_t sizes[][2] = {{1, 1}, {1, 9}, {13, 1}, {37, 23}, {641, 577}};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        image_view(sizes[i][0], sizes[i][1], HOLO_VIEW_STORED_PNG, "stored PNG");
        image_view(sizes[i][0], sizes[i][1], HOLO_VIEW_PNG, "fast PNG");
        image_view(sizes[i][0], sizes[i][1], HOLO_VIEW_PPM, "PPM");
    }
    /* 641x577 stored: 1.1 MB raw, so several 64 KiB stored blocks and two IDAT chunks. */
    uint64_t s = holo_png_stored_size(641, 577), raw = 577ull * (1 + 3 * 641);
    is_int((long long)s, (long long)(8 + 25 + 2 * 12 + (2 + (raw + 65534) / 65535 * 5 + raw + 4) + 12),
           "stored size formula, two IDATs");
    image_view(64, 48, HOLO_VIEW_JPEG, "JPEG");
    fast_png_variants();
    wav_view();
    raw_view();
    names();
    write_atomic();
    return done_testing();
}
