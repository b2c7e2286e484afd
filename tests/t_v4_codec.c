/* t_v4_codec.c — v4 encode/decode: exact round trips for many sizes and contents, partial
 * decodes of every subset size, B from 1 to 255, rejection of corrupt and mixed chunks. */
#include "tap.h"
#include "internal.h"
#include "v4_codec.h"
#include "imageio.h"
#include <errno.h>
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

/* use[0..255]: k of the first B chunks, chosen at random. */
static void random_use(uint8_t *use, unsigned B, unsigned k)
{
    unsigned perm[256];
    memset(use, 0, 256);
    for (unsigned i = 0; i < B; i++)
        perm[i] = i;
    for (unsigned i = B - 1; i > 0; i--) {
        unsigned j = rnd() % (i + 1), t = perm[i];
        perm[i] = perm[j]; perm[j] = t;
    }
    for (unsigned i = 0; i < k && i < B; i++)
        use[perm[i]] = 1;
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

static char warned[4096];
static void on_warn(void *ctx, const char *msg)
{
    (void)ctx;
    size_t n = strlen(warned);
    snprintf(warned + n, sizeof warned - n, "%s\n", msg);
}

static int last_tiers;

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
    o.warn = on_warn;
    return holo_v4_decode_mem(b, l, e->B, e->np, &o, d, &last_tiers, err);
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

static holo_encode_opts opts(unsigned B)
{
    holo_encode_opts o;
    holo_encode_opts_init(&o);
    o.block_count = B;
    o.threads = 2;
    return o;
}

/* Every subset of the B chunks: the levels recovered follow the ladder exactly, subsets of k
 * chunks below m2 decode identically to the encoder's measurement of their level, the levels
 * rise >= 0.25 dB each from >= 20 dB (>= 28 at m1), and the full set is exact. */
static void all_subsets(unsigned B, uint32_t w, uint32_t h)
{
    uint8_t *rgb = make(w, h, 3);
    holo_encode_opts o = opts(B);
    enc_out e;
    holo_err err = { 0 };
    if (encode(rgb, w, h, 0, &o, &e, &err)) {
        ok(0, "B=%u encode: %s", B, err.msg);
        free(rgb);
        return;
    }
    unsigned m1 = v4_m1_for(B), m2 = v4_m2_for(B), np = (unsigned)e.st.np, top = np - 1;
    int tiers_ok = 1, p1_ok = 1, p2_ok = 1, full_ok = 0, fails = 0, rise_ok = 1;
    double worst_step = 99;
    for (unsigned t = 1; t < top; t++) {
        double step = e.st.lvl_psnr[t] - e.st.lvl_psnr[t - 1];
        worst_step = step < worst_step ? step : worst_step;
    }
    rise_ok = worst_step >= 0.25 && e.st.lvl_psnr[0] >= 20.0 &&
              e.st.lvl_psnr[v4_level_of(e.st.m, np, m1)] >= 28.0;
    double minp2 = 99;
    for (uint32_t mask = 1; mask < (1u << B); mask++) {
        uint8_t use[256] = { 0 };
        unsigned k = 0;
        for (unsigned c = 0; c < B; c++)
            if (mask & (1u << c)) {
                use[c] = 1;
                k++;
            }
        holo_decoded d;
        if (decode(&e, use, &d, &err)) {
            fails++;
            continue;
        }
        int want = (int)v4_level_of(e.st.m, np, k);
        tiers_ok &= last_tiers == want;
        double p = psnr(d.pixels, rgb, (size_t)w * h * 3);
        if (want < (int)top)
            p1_ok &= fabs(p - e.st.lvl_psnr[want]) < 0.01;
        if (want == (int)top && k < B) {
            p2_ok &= p >= 35.0 && p >= e.st.psnr2 - 0.5;
            minp2 = p < minp2 ? p : minp2;
        }
        if (k == B)
            full_ok = memcmp(d.pixels, rgb, (size_t)w * h * 3) == 0;
        holo_decoded_free(&d);
    }
    is_int(fails, 0, "B=%u: all %u subsets decode", B, (1u << B) - 1);
    ok(tiers_ok && np == (B + 1) / 2 + (B < 3), "B=%u: level t from any m[t] chunks (%u "
       "levels), the top from any %u", B, np, m2);
    ok(p1_ok, "B=%u: every subset of 1..m2-1 chunks gives its level's measured PSNR", B);
    ok(rise_ok, "B=%u: levels from %.2f dB (>= 20), %.2f at m1 = %u (>= 28), each >= 0.25 dB "
       "above the one below (smallest step %.2f)", B, e.st.lvl_psnr[0],
       e.st.lvl_psnr[v4_level_of(e.st.m, np, m1)], m1, worst_step);
    ok(p2_ok && e.st.psnr2 >= 35.0, "B=%u: subsets of m2+ chunks >= 35 dB (encoder %.2f, min %.2f)",
       B, e.st.psnr2, minp2);
    ok(full_ok, "B=%u: all chunks exact", B);
    enc_free(&e);
    free(rgb);
}

/* Re-seal a modified chunk so only the stream damage remains (the CRC would catch it). */
static void reseal(uint8_t *c, size_t len) { v4_hdr_seal(c, len); }

int main(void)
{
    plan(0);
    static const uint32_t sizes[][2] = { { 1, 1 }, { 1, 9 }, { 9, 1 }, { 2, 2 }, { 17, 3 },
                                         { 33, 47 }, { 64, 64 }, { 1, 130 }, { 130, 1 },
                                         { 101, 77 }, { 300, 200 } };
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++)
        for (int c = 0; c < 5; c++)
            ok(roundtrip(sizes[s][0], sizes[s][1], c, 32), "exact %ux%u content %d",
               sizes[s][0], sizes[s][1], c);
    static const unsigned Bs[] = { 1, 2, 3, 7, 8, 33, 100, 255 };
    for (size_t i = 0; i < sizeof Bs / sizeof Bs[0]; i++)
        ok(roundtrip(45, 38, 3, Bs[i]), "exact with B=%u", Bs[i]);
    ok(roundtrip(5, 3, 3, 255), "B=255 on a 5x3 image (fewer pixels than chunks)");
    ok(roundtrip(4000, 3000, 3, 32), "exact 4000x3000 (12 MP) photo-like image");

    /* Every missing-chunk pattern at small B. */
    all_subsets(3, 60, 44);
    all_subsets(4, 64, 48);
    all_subsets(6, 70, 50);
    all_subsets(8, 72, 56);

    /* Guarantees on photo-like images and a real photo (the reference's flower, from the
     * vectors) with random subsets (B = 32). */
    char flower[4200];
    tap_pathf(flower, sizeof flower, "%s/formats/inputs/flower_320x320.png", tap_vectors());
    holo_image fl = { 0 };
    holo_err ferr = { 0 };
    int have_flower = holo_image_read(flower, &fl, &ferr) == 0;
    if (!have_flower)
        skip(3, "no reference vectors (flower_320x320.png)");
    for (int img = 0; img < 3 + have_flower; img++) {
        uint32_t w = 160 + 40 * img, h = 120 + 30 * img;
        uint8_t *rgb;
        if (img == 3) {
            w = fl.w; h = fl.h;
            rgb = fl.rgb;
            fl.rgb = NULL;
        } else {
            rgb = make(w, h, img == 2 ? 4 : 3);
        }
        holo_encode_opts o = opts(32);
        enc_out e;
        holo_err err = { 0 };
        if (encode(rgb, w, h, img == 2, &o, &e, &err)) {
            ok(0, "encode: %s", err.msg);
            free(rgb);
            continue;
        }
        ok(e.st.psnr1 >= 28.0 && e.st.psnr2 >= 35.0, "image %d: encoder guarantees %.2f / %.2f dB",
           img, e.st.psnr1, e.st.psnr2);
        double min4 = 99, min16 = 99;
        for (int r = 0; r < 12; r++) {
            for (int pass = 0; pass < 2; pass++) {
                uint8_t use[256];
                random_use(use, 32, pass ? 16 : 4);
                holo_decoded d;
                if (decode(&e, use, &d, &err) == 0) {
                    double p = psnr(d.pixels, rgb, (size_t)w * h * 3);
                    if (pass) min16 = p < min16 ? p : min16;
                    else min4 = p < min4 ? p : min4;
                    holo_decoded_free(&d);
                } else {
                    min4 = 0;
                }
            }
        }
        ok(min4 >= 28.0, "image %d: 12 random subsets of 4 >= 28 dB (min %.2f)", img, min4);
        ok(min16 >= 35.0, "image %d: 12 random subsets of 16 >= 35 dB (min %.2f)", img, min16);
        enc_free(&e);
        free(rgb);
    }

    /* Corruption, truncation, mixed encodes. */
    {
        uint8_t *rgb = make(80, 60, 3), *rgb2 = make(80, 60, 2);
        holo_encode_opts o = opts(8);
        enc_out e, f;
        holo_err err = { 0 };
        ok(encode(rgb, 80, 60, 0, &o, &e, &err) == 0 && encode(rgb2, 80, 60, 0, &o, &f, &err) == 0,
           "two encodes for the corruption tests");
        ok(holo_v4_probe(e.buf[0], e.len[0]) && !holo_v4_probe((const uint8_t *)"HOCH....", 8),
           "probe recognises HOV4 only");
        uint8_t use[256];
        memset(use, 1, sizeof use);
        holo_decoded d;

        /* one flipped payload byte: that chunk is skipped with a CRC message */
        e.buf[3][e.len[3] - 1] ^= 0x40;
        warned[0] = 0;
        int rc = decode(&e, use, &d, &err);
        ok(rc == 0 && strstr(warned, "chunk_0003.holo: v4 chunk CRC mismatch"),
           "corrupted chunk skipped: %s", warned);
        if (!rc) {
            ok(!d.info.exact && d.info.chunks_present == 7 && d.info.chunks_bad == 1,
               "decode reports 7 present, 1 bad");
            holo_decoded_free(&d);
        }
        uint8_t only[256] = { 0 };
        only[3] = 1;
        rc = decode(&e, only, &d, &err);
        ok(rc == HOLO_ENOCHUNKS && strstr(err.msg, "chunk_0003.holo") && strstr(err.msg, "CRC"),
           "only a corrupted chunk: %s", err.msg);
        e.buf[3][e.len[3] - 1] ^= 0x40;

        /* truncated file */
        size_t keep = e.len[5];
        e.len[5] = keep - 7;
        warned[0] = 0;
        rc = decode(&e, use, &d, &err);
        ok(rc == 0 && strstr(warned, "chunk_0005.holo: truncated or padded v4 chunk"),
           "truncated chunk skipped: %s", warned);
        if (!rc)
            holo_decoded_free(&d);
        e.len[5] = keep;

        /* header fields */
        uint8_t hdr[V4_HDR_LEN];
        memcpy(hdr, e.buf[0], V4_HDR_LEN);
        v4_hdr h;
        e.buf[0][10] = 0;   /* B = 0 */
        ok(v4_hdr_parse(e.buf[0], e.len[0], "x", &h, &err) == HOLO_EINVAL &&
           strstr(err.msg, "bad chunk id"), "B = 0 rejected: %s", err.msg);
        memcpy(e.buf[0], hdr, V4_HDR_LEN);
        e.buf[0][4] = 9;
        ok(v4_hdr_parse(e.buf[0], e.len[0], "x", &h, &err) == HOLO_EUNSUPPORTED,
           "unknown revision rejected: %s", err.msg);
        memcpy(e.buf[0], hdr, V4_HDR_LEN);
        e.buf[0][6] = 0; e.buf[0][7] = 0;   /* width 0 */
        ok(v4_hdr_parse(e.buf[0], e.len[0], "x", &h, &err) == HOLO_EINVAL, "zero width rejected: %s",
           err.msg);
        memcpy(e.buf[0], hdr, V4_HDR_LEN);
        ok(v4_hdr_parse(e.buf[0], e.len[0], "x", &h, &err) == 0, "restored header parses");
        /* the LEB128 level lengths: over 5 bytes, not the shortest form, cut short */
        static const uint8_t bad_len[3][6] = { { 0x80, 0x80, 0x80, 0x80, 0x80, 0x01 },
                                               { 0x85, 0x00, 1, 1, 1, 1 },
                                               { 0x85, 0x85, 0x85 } };
        static const size_t bad_n[3] = { 6, 6, 3 };
        for (int i = 0; i < 3; i++) {
            uint8_t hb[V4_HDR_LEN + 6];
            memcpy(hb, hdr, V4_HDR_LEN);
            memcpy(hb + V4_HDR_LEN, bad_len[i], bad_n[i]);
            ok(v4_hdr_parse_head(hb, V4_HDR_LEN + bad_n[i], e.len[0], "x", &h, &err) ==
                   HOLO_EINVAL && strstr(err.msg, "level lengths"),
               "malformed level length %d refused: %s", i, err.msg);
        }

        /* mixed content ids: 2 chunks of another encode among 6 of this one */
        enc_out mix = e;
        mix.buf[1] = f.buf[1];
        mix.len[1] = f.len[1];
        mix.buf[6] = f.buf[6];
        mix.len[6] = f.len[6];
        warned[0] = 0;
        rc = decode(&mix, use, &d, &err);
        ok(rc == 0 && strstr(warned, "belongs to another v4 encode"), "mixed encode chunks reported");
        if (!rc) {
            ok(d.info.chunks_present == 6 && d.info.chunks_bad == 2, "6 used, 2 rejected");
            ok(psnr(d.pixels, rgb, 80 * 60 * 3) > 30, "majority encode decoded");
            holo_decoded_free(&d);
        }

        /* damaged level rows behind a valid CRC: decodes to something, no crash */
        for (unsigned c = 0; c < 8; c++) {
            v4_hdr hc;
            size_t off = v4_hdr_parse(e.buf[c], e.len[c], "x", &hc, &err) ? V4_HDR_LEN
                         : v4_level_off(&hc, 1);
            for (size_t i = off; i < e.len[c]; i += 3)
                e.buf[c][i] ^= (uint8_t)(0x5A + i);
            reseal(e.buf[c], e.len[c]);
        }
        rc = decode(&e, use, &d, &err);
        ok(rc == 0, "garbage streams with valid CRCs decode without failure");
        if (!rc)
            holo_decoded_free(&d);
        /* garbage T0 (shift table) is refused or decoded safely */
        for (unsigned c = 0; c < 8; c++) {
            v4_hdr hc;
            if (v4_hdr_parse(e.buf[c], e.len[c], "x", &hc, &err))
                continue;
            size_t t0 = v4_hdr_size(&hc);
            for (size_t i = t0; i < t0 + 4 && i < e.len[c]; i++)
                e.buf[c][i] = 0xFF;
            reseal(e.buf[c], e.len[c]);
        }
        rc = decode(&e, use, &d, &err);
        ok(rc == HOLO_EINVAL && strstr(err.msg, "T0"), "bad shift table refused: %s", err.msg);
        if (!rc)
            holo_decoded_free(&d);
        enc_free(&e);
        enc_free(&f);
        free(rgb); free(rgb2);
    }

    /* Flat synthetic graphics (holo(1) "Flat graphics"): T2 carries a PNG. */
    {
        const uint32_t w = 160, h = 120;
        uint8_t *card = malloc((size_t)w * h * 3);
        static const uint8_t bars[8][3] = { { 192, 192, 192 }, { 192, 192, 0 }, { 0, 192, 192 },
                                             { 0, 192, 0 }, { 192, 0, 192 }, { 192, 0, 0 },
                                             { 0, 0, 192 }, { 16, 16, 16 } };
        for (uint32_t y = 0; y < h; y++)
            for (uint32_t x = 0; x < w; x++) {
                uint8_t *px = card + ((size_t)y * w + x) * 3;
                if (y < 80)
                    memcpy(px, bars[x * 8 / w], 3);
                else
                    memset(px, ((x / 10 + y / 10) & 1) ? 0 : 255, 3);
            }
        holo_encode_opts o = opts(8);
        enc_out e;
        holo_err err = { 0 };
        int rc = encode(card, w, h, 0, &o, &e, &err);
        ok(rc == 0 && e.st.graphics && e.st.total_bytes < (uint64_t)w * h * 3 / 8,
           "test card: graphics layout, %llu bytes (raw %u)",
           (unsigned long long)e.st.total_bytes, w * h * 3);
        if (!rc) {
            v4_hdr hd;
            ok(v4_hdr_parse(e.buf[0], e.len[0], "x", &hd, &err) == 0 &&
               (hd.flags & V4_FLAG_GRAPHICS) && hd.np == 4 && hd.s_len[1] == 0 &&
               hd.s_len[2] == 0 && hd.s_len[3] > 0 && hd.u_len == 0,
               "graphics flag set, only T0 and the top level, no U");
            int exact_ok = 1, preview_ok = 1;
            double worst = 99;
            for (int r = 0; r < 16; r++) {
                unsigned k = r < 8 ? 4 : 3;                /* m2 = 4 of 8 */
                uint8_t use[256];
                random_use(use, 8, k);
                holo_decoded d;
                if (decode(&e, use, &d, &err)) {
                    exact_ok = preview_ok = 0;
                    continue;
                }
                double p = psnr(d.pixels, card, (size_t)w * h * 3);
                if (k == 4)
                    exact_ok &= p >= 99 && d.info.exact;
                else {
                    preview_ok &= p >= e.st.psnr1 - 0.01 && !d.info.exact;
                    worst = p < worst ? p : worst;
                }
                holo_decoded_free(&d);
            }
            ok(exact_ok, "any 4 of 8 chunks give the card exactly");
            ok(preview_ok && worst > 6.0, "3 of 8 chunks give the T0 preview (%.2f dB, encoder "
               "says >= %.2f)", worst, e.st.psnr1);
            /* A damaged PNG inside valid chunks: warned, the T0 picture instead. */
            e.buf[0][v4_level_off(&hd, hd.np - 1u) + 1] ^= 0x20;
            reseal(e.buf[0], e.len[0]);
            uint8_t use[256];
            memset(use, 1, sizeof use);
            holo_decoded d;
            warned[0] = 0;
            rc = decode(&e, use, &d, &err);
            ok(rc == 0 && strstr(warned, "graphics stream") && !d.info.exact,
               "damaged graphics stream: T0 shown, warned: %s", warned);
            if (!rc)
                holo_decoded_free(&d);
            /* Header rule: a graphics chunk has no level between T0 and the top. */
            holo_wr32(e.buf[1] + V4_HDR_LEN, 5);
            ok(v4_hdr_parse(e.buf[1], e.len[1], "x", &hd, &err) == HOLO_EINVAL &&
               strstr(err.msg, "graphics"), "graphics chunk with a T1 refused: %s", err.msg);
        }
        enc_free(&e);
        o.lossy = 1;
        o.target_psnr = 40;
        rc = encode(card, w, h, 0, &o, &e, &err);
        ok(rc == 0 && !e.st.graphics, "lossy profile never uses the graphics layout");
        enc_free(&e);
        free(card);
        uint8_t *photo = make(160, 120, 3);
        o = opts(8);
        rc = encode(photo, 160, 120, 0, &o, &e, &err);
        ok(rc == 0 && !e.st.graphics, "photo-like image keeps the wavelet layout");
        enc_free(&e);
        free(photo);
    }

    /* Lossy profile: PSNR target and byte budget. */
    {
        uint8_t *rgb = make(128, 96, 3);
        holo_encode_opts o = opts(32);
        o.lossy = 1;
        o.target_psnr = 38.0;
        enc_out e;
        holo_err err = { 0 };
        uint8_t use[256];
        memset(use, 1, sizeof use);
        holo_decoded d;
        ok(encode(rgb, 128, 96, 0, &o, &e, &err) == 0, "lossy encode at 38 dB");
        if (decode(&e, use, &d, &err) == 0) {
            double p = psnr(d.pixels, rgb, 128 * 96 * 3);
            ok(p >= 38.0 && p < 45 && !d.info.exact, "lossy all chunks %.2f dB (>= 38)", p);
            holo_decoded_free(&d);
        }
        uint64_t lossy_bytes = e.st.total_bytes;
        enc_free(&e);
        holo_encode_opts l = opts(32);
        enc_out full;
        encode(rgb, 128, 96, 0, &l, &full, &err);
        ok(lossy_bytes < full.st.total_bytes, "lossy %llu bytes < lossless %llu",
           (unsigned long long)lossy_bytes, (unsigned long long)full.st.total_bytes);
        o.target_psnr = 0;
        o.target_bytes = full.st.total_bytes / 2;
        ok(encode(rgb, 128, 96, 0, &o, &e, &err) == 0 && e.st.total_bytes <= o.target_bytes,
           "byte budget %llu met: %llu", (unsigned long long)o.target_bytes,
           (unsigned long long)e.st.total_bytes);
        enc_free(&e);
        enc_free(&full);
        free(rgb);
    }
    /* A pixel-doubled picture (every 2x2 block one colour) is coded at half size. */
    {
        uint32_t w = 160, h = 120;
        uint8_t *small = make(w / 2, h / 2, 3), *rgb = malloc((size_t)w * h * 3);
        for (uint32_t y = 0; y < h; y++)
            for (uint32_t x = 0; x < w; x++)
                memcpy(rgb + ((size_t)y * w + x) * 3, small + ((size_t)(y / 2) * (w / 2) + x / 2) * 3, 3);
        holo_encode_opts o = opts(8);
        enc_out e, f;
        holo_err err = { 0 };
        v4_hdr hd;
        ok(encode(rgb, w, h, 0, &o, &e, &err) == 0 && v4_hdr_parse(e.buf[0], e.len[0], "x", &hd, &err) == 0 &&
           (hd.flags & V4_FLAG_DOUBLED) && hd.width == w && hd.height == h,
           "doubled picture: flag set, header keeps %ux%u", w, h);
        rgb[0] ^= 1;            /* one pixel breaks the doubling */
        ok(encode(rgb, w, h, 0, &o, &f, &err) == 0 && e.st.total_bytes * 2 < f.st.total_bytes,
           "doubled %llu bytes < half of the same picture undoubled (%llu)",
           (unsigned long long)e.st.total_bytes, (unsigned long long)f.st.total_bytes);
        rgb[0] ^= 1;
        uint8_t use[256];
        memset(use, 1, sizeof use);
        holo_decoded d;
        ok(decode(&e, use, &d, &err) == 0 && d.info.exact && d.info.width == w &&
           memcmp(d.pixels, rgb, (size_t)w * h * 3) == 0, "doubled picture: all chunks exact");
        holo_decoded_free(&d);
        double worst = 99;
        for (int r = 0; r < 6; r++) {
            random_use(use, 8, 1);
            if (decode(&e, use, &d, &err) == 0) {
                double p = psnr(d.pixels, rgb, (size_t)w * h * 3);
                worst = p < worst ? p : worst;
                holo_decoded_free(&d);
            } else
                worst = 0;
        }
        ok(worst >= 20.0, "doubled picture: any one chunk >= 20 dB (worst %.2f)", worst);
        /* The flag on a picture of odd size is refused. */
        e.buf[0][7] = 159;
        e.buf[0][5] |= V4_FLAG_DOUBLED;
        reseal(e.buf[0], e.len[0]);
        ok(v4_hdr_parse(e.buf[0], e.len[0], "x", &hd, &err) == HOLO_EINVAL && strstr(err.msg, "doubled"),
           "doubled flag with an odd width refused: %s", err.msg);
        enc_free(&e);
        enc_free(&f);
        free(rgb);
        free(small);
    }
    /* Directory interface: decode, info and the tier description used by holo info. */
    {
        uint8_t *rgb = make(90, 70, 3);
        holo_encode_opts o = opts(8);
        char dir[] = "/tmp/t_v4_dir_XXXXXX";
        holo_err err = { 0 };
        v4_stats st;
        ok(mkdtemp(dir) && holo_v4_encode_rgb(rgb, 90, 70, 0, dir, &o, "dir", &st, &err) == 0,
           "encode into a directory");
        char path[256];
        snprintf(path, sizeof path, "%s/chunk_0002.holo", dir);
        unlink(path);
        snprintf(path, sizeof path, "%s/chunk_0005.holo", dir);
        unlink(path);
        holo_decode_opts dop;
        holo_decode_opts_init(&dop);
        holo_chunklist l;
        holo_decoded d;
        holo_info info;
        if (holo_chunklist_scan(dir, &dop, &l, &err) == 0) {
            ok(holo_v4_info(&l, &info, &err) == 0 && info.version == 4 && info.width == 90 &&
               info.chunks_present == 6 && !info.exact, "info: v4 90x70, 6 of 8 present");
            ok(holo_v4_decode(&l, &dop, &d, &err) == 0 &&
               psnr(d.pixels, rgb, 90 * 70 * 3) >= st.psnr2 - 0.5, "decode of 6 of 8 chunks");
            holo_decoded_free(&d);
            holo_chunklist_free(&l);
        } else {
            ok(0, "scan: %s", err.msg);
        }
        char text[2048];
        ok(holo_v4_describe(dir, text, sizeof text, &err) == 0, "describe");
        ok(strstr(text, "6/8 chunks present") && strstr(text, "T1:") &&
           strstr(text, "any 2 chunks: recoverable") && strstr(text, "any 4 chunks: recoverable") &&
           strstr(text, "4 levels") &&
           strstr(text, "lossless"), "describe text:\n%s", text);
        /* info reads headers only (a listing of many files must stay cheap): a chunk of
         * the wrong length is bad there, a flipped payload byte only when decoding. */
        size_t l3 = 0, l4 = 0;
        snprintf(path, sizeof path, "%s/chunk_0003.holo", dir);
        uint8_t *c3 = tap_slurp(path, &l3);
        snprintf(path, sizeof path, "%s/chunk_0004.holo", dir);
        uint8_t *c4 = c3 ? tap_slurp(path, &l4) : NULL;
        if (c4) {
            tap_spew(path, c4, l4 - 1);
            c3[l3 / 2] ^= 1;
            snprintf(path, sizeof path, "%s/chunk_0003.holo", dir);
            tap_spew(path, c3, l3);
        }
        if (c4 && holo_chunklist_scan(dir, &dop, &l, &err) == 0) {
            ok(holo_v4_info(&l, &info, &err) == 0 && info.chunks_present == 5 &&
               info.chunks_bad == 1, "info: the truncated chunk is bad, the flipped one "
               "passes the header check (5 present, 1 bad)");
            ok(holo_v4_decode(&l, &dop, &d, &err) == 0 && d.info.chunks_present == 4 &&
               d.info.chunks_bad == 2, "decode: both rejected (4 present, 2 bad)");
            holo_decoded_free(&d);
            holo_chunklist_free(&l);
        } else {
            ok(0, "rewrite chunks 3 and 4");
        }
        free(c3); free(c4);
        holo_rmtree(dir);
        free(rgb);
    }
    /* Each failure of the encoder is reported as what it is, not as "out of memory". */
    {
        uint8_t *rgb = make(40, 30, 3);
        holo_encode_opts o = opts(8);
        holo_err err = { 0 };
        int rc = holo_v4_encode_rgb(rgb, 65535, 65535, 0, NULL, &o, "huge", NULL, &err);
        ok(rc == HOLO_ETOOBIG && strstr(err.msg, "huge: 65535x65535 is over the limit"),
           "over the pixel limit: HOLO_ETOOBIG (%d: %s)", rc, err.msg);
        o.block_count = 256;
        rc = holo_v4_encode_rgb(rgb, 40, 30, 0, NULL, &o, "many", NULL, &err);
        ok(rc == HOLO_EINVAL && strstr(err.msg, "many: v4 supports 1 to 255 chunks, not 256"),
           "256 chunks: HOLO_EINVAL (%d: %s)", rc, err.msg);
        o.block_count = 8;
        rc = holo_v4_encode_rgb(rgb, 40, 30, 0, "/nonexistent/t_v4_dir", &o, "io", NULL, &err);
        ok(rc == HOLO_EIO && err.sys_errno == ENOENT && strstr(err.msg, "/nonexistent/t_v4_dir"),
           "missing output directory: HOLO_EIO, ENOENT (%d: %s)", rc, err.msg);
        free(rgb);
    }
    return done_testing();
}
