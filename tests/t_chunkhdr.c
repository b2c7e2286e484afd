/* t_chunkhdr.c — chunk header parse/emit round trips and hostile headers. */
#include "internal.h"
#include "tap.h"
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int roundtrip(const holo_chunk_hdr *h)
{
    uint8_t buf[256] = {0};
    size_t n = holo_chunk_emit(h, buf);
    holo_chunk_hdr p;
    holo_err e;
    if (holo_chunk_parse(buf, n + h->coarse_len + h->resid_len, "x", &p, &e)) { diag("%s", e.msg); return 0; }
    uint8_t again[256] = {0};
    size_t m = holo_chunk_emit(&p, again);
    return m == n && !memcmp(buf, again, n) && holo_chunk_same_set(h, &p) && p.block_id == h->block_id &&
           p.coarse_len == h->coarse_len && p.resid_len == h->resid_len;
}

/* Parse buf and check the error code and that the message names the file. */
static void rejects(const uint8_t *buf, size_t len, int code, const char *what)
{
    holo_chunk_hdr h;
    holo_err e = {0};
    int rc = holo_chunk_parse(buf, len, "chunk_0007.holo", &h, &e);
    ok(rc == code && strstr(e.msg, "chunk_0007.holo") != NULL, "rejects %s (%s)", what, e.msg);
}

int main(void)
{
    holo_chunk_hdr img = { .kind = HOLO_KIND_IMAGE, .version = 2, .height = 23, .width = 37,
                           .channels = 3, .block_count = 8, .block_id = 5, .coarse_len = 10, .resid_len = 20 };
    holo_chunk_hdr aud = { .kind = HOLO_KIND_AUDIO, .version = 1, .channels = 2, .sample_width = 2,
                           .flags = 1, .sample_rate = 16000, .frames = 16000, .block_count = 16,
                           .block_id = 15, .coarse_frames = 2048, .coarse_len = 7, .resid_len = 9 };
    holo_chunk_hdr bin = { .kind = HOLO_KIND_BINARY, .version = 2, .length = 5000, .prefix_len = 1024,
                           .block_count = 32, .block_id = 0, .coarse_len = 3, .resid_len = 4 };
    ok(roundtrip(&img), "HOCH header round trip");
    ok(roundtrip(&aud), "HOAU header round trip");
    ok(roundtrip(&bin), "HOBI header round trip");

    /* The example header of doc/formats.md §HOCH v1/v2. */
    static const uint8_t ex[30] = { 'H','O','C','H', 2, 0,0,0,0x17, 0,0,0,0x25, 3, 0,0,0,8, 0,0,0,0,
                                    0,0,0x02,0x1e, 0,0,0x01,0xc9 };
    holo_chunk_hdr h;
    int rc = holo_chunk_parse(ex, 30 + 542 + 457, "ex", &h, NULL);
    ok(rc == 0 && h.height == 23 && h.width == 37 && h.block_count == 8 && h.coarse_len == 542 &&
       h.resid_len == 457 && h.resid_off == 30 + 542, "parses the spec's example header");

    uint8_t b[64];
    memcpy(b, ex, 30);
    rejects(b, 29 + 542 + 457 + 1 - 1, HOLO_EINVAL, "a truncated payload");
    rejects(b, 20, HOLO_EINVAL, "a truncated header");
    memcpy(b, "HOCX", 4); rejects(b, 1100, HOLO_EINVAL, "a bad magic");
    memcpy(b, ex, 30); b[4] = 9; rejects(b, 1100, HOLO_EUNSUPPORTED, "an unknown version");
    memcpy(b, ex, 30); b[13] = 1; rejects(b, 1100, HOLO_EINVAL, "channels other than 3");
    memcpy(b, ex, 30); holo_wr32(b + 14, 0); rejects(b, 1100, HOLO_EINVAL, "a zero block count");
    memcpy(b, ex, 30); holo_wr32(b + 18, 8); rejects(b, 1100, HOLO_EINVAL, "block id >= block count");
    memcpy(b, ex, 30); holo_wr32(b + 5, 0); rejects(b, 1100, HOLO_EINVAL, "a zero height");
    memcpy(b, ex, 30); holo_wr32(b + 5, 0xFFFFFFFF); holo_wr32(b + 9, 0xFFFFFFFF); rejects(b, 1100, HOLO_EINVAL, "a huge image");
    memcpy(b, ex, 30); holo_wr32(b + 22, 0xFFFFFFFF); holo_wr32(b + 26, 0xFFFFFFFF); rejects(b, 1100, HOLO_EINVAL, "lengths that would wrap 32 bits");

    uint8_t a[64];
    size_t n = holo_chunk_emit(&aud, a);
    a[6] = 3; rejects(a, n + 16, HOLO_EUNSUPPORTED, "an audio sample width of 3");
    holo_chunk_emit(&aud, a); a[5] = 0; rejects(a, n + 16, HOLO_EINVAL, "zero audio channels");
    holo_chunk_emit(&aud, a); holo_wr32(a + 24, 1); rejects(a, n + 16, HOLO_EINVAL, "one coarse frame");
    holo_chunk_emit(&aud, a); holo_wr32(a + 24, 16001); rejects(a, n + 16, HOLO_EINVAL, "more coarse frames than frames");

    uint8_t c[64];
    n = holo_chunk_emit(&bin, c);
    memset(c + 5, 0, 8); rejects(c, n + 7, HOLO_EINVAL, "a zero binary length");
    holo_chunk_emit(&bin, c); holo_wr32(c + 21, 6000); rejects(c, n + 7, HOLO_EINVAL, "a prefix longer than the file");
    rejects((const uint8_t *)"HO", 2, HOLO_EINVAL, "two bytes");

    holo_chunk_hdr other = img;
    other.width = 38;
    ok(!holo_chunk_same_set(&img, &other), "different geometry is a different set");
    other = img; other.block_id = 1;
    ok(holo_chunk_same_set(&img, &other), "another block of the same set matches");
    is_int((long long)holo_chunk_residual_len(&img), 3 * 23 * 37, "image residual length");
    is_int((long long)holo_chunk_residual_len(&bin), 5000 - 1024, "binary residual length");

    /* HOV4: the public parser checks the whole chunk (CRC included) and tells encodings apart */
    char tmpl[] = "/tmp/t_chunkhdr.XXXXXX", in[4200], dir[4200], p0[4300], p1[4300];
    if (!mkdtemp(tmpl)) return done_testing();
    snprintf(in, sizeof in, "%s/formats/inputs/img_37x23.png", tap_vectors());
    snprintf(dir, sizeof dir, "%s/v4.holo", tmpl);
    holo_encode_opts eo;
    holo_encode_opts_init(&eo);
    eo.codec_version = 4;
    eo.block_count = 4;
    holo_err e = {0};
    ok(holo_encode_file(in, dir, &eo, &e) == 0, "encode a v4 image (%s)", e.msg);
    snprintf(p0, sizeof p0, "%s/chunk_0000.holo", dir);
    snprintf(p1, sizeof p1, "%s/chunk_0001.holo", dir);
    size_t l0 = 0, l1 = 0;
    uint8_t *c0 = tap_slurp(p0, &l0), *c1 = tap_slurp(p1, &l1);
    holo_chunk_hdr h0, h1;
    ok(c0 && holo_chunk_parse(c0, l0, "chunk_0000.holo", &h0, &e) == 0 && h0.version == 4 &&
       h0.width == 37 && h0.height == 23 && h0.block_count == 4 && h0.block_id == 0,
       "HOV4 header parses: version 4, 37x23, B=4");
    ok(c1 && holo_chunk_parse(c1, l1, "chunk_0001.holo", &h1, &e) == 0 && holo_chunk_same_set(&h0, &h1),
       "two chunks of one v4 encoding are the same set");
    h1.content_id ^= 1;
    ok(!holo_chunk_same_set(&h0, &h1), "another content id is another encoding");
    if (c0) {
        c0[l0 - 1] ^= 0x40;
        rejects(c0, l0, HOLO_EINVAL, "a HOV4 chunk with a flipped payload bit");
        rejects(c0, l0 - 1, HOLO_EINVAL, "a truncated HOV4 chunk");
    }
    free(c0);
    free(c1);
    holo_rmtree(tmpl);
    return done_testing();
}
