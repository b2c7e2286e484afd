/* pngthumb.c — Pillow-compatible PNG writer for v1/v2 thumbnails
 * (doc/formats.md §Thumbnail PNG). */
#include "pngthumb.h"
#include "internal.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/* Pillow's row cost: bytes taken as signed, summed as absolute values. */
static uint64_t cost(const uint8_t *v, size_t n)
{
    uint64_t c = 0;
    for (size_t i = 0; i < n; i++) c += v[i] < 128 ? v[i] : 256u - v[i];
    return c;
}

static uint8_t paeth(int a, int b, int c)
{
    int pa = abs(b - c), pb = abs(a - c), pc = abs(a + b - 2 * c);
    if (pa <= pb && pa <= pc) return (uint8_t)a;
    return (uint8_t)(pb <= pc ? b : c);
}

void holo_pngthumb_filter(const uint8_t *rgb, uint32_t w, uint32_t h, uint8_t *raw)
{
    size_t n = (size_t)w * 3;
    uint8_t *zero = calloc(n ? n : 1, 1), *cand = malloc(n ? n : 1);
    if (!zero || !cand) {   /* tiny buffers; fall back to filter None */
        for (uint32_t y = 0; y < h; y++) {
            raw[y * (n + 1)] = 0;
            memcpy(raw + y * (n + 1) + 1, rgb + y * n, n);
        }
        free(zero);
        free(cand);
        return;
    }
    for (uint32_t y = 0; y < h; y++) {
        const uint8_t *cur = rgb + (size_t)y * n, *up = y ? cur - n : zero;
        uint8_t *dst = raw + (size_t)y * (n + 1);
        dst[0] = 0;
        memcpy(dst + 1, cur, n);
        uint64_t best = cost(dst + 1, n);
        if (best > 0) {   /* Up */
            for (size_t i = 0; i < n; i++) cand[i] = (uint8_t)(cur[i] - up[i]);
            uint64_t c = cost(cand, n);
            if (c < best) { best = c; dst[0] = 2; memcpy(dst + 1, cand, n); }
        }
        if (best > 0) {   /* Sub */
            for (size_t i = 0; i < n; i++) cand[i] = (uint8_t)(cur[i] - (i >= 3 ? cur[i - 3] : 0));
            uint64_t c = cost(cand, n);
            if (c < best) { best = c; dst[0] = 1; memcpy(dst + 1, cand, n); }
        }
        if (best > 0) {   /* Paeth */
            for (size_t i = 0; i < n; i++) {
                int a = i >= 3 ? cur[i - 3] : 0, b = up[i], c = i >= 3 ? up[i - 3] : 0;
                cand[i] = (uint8_t)(cur[i] - paeth(a, b, c));
            }
            uint64_t c = cost(cand, n);
            if (c < best) { best = c; dst[0] = 4; memcpy(dst + 1, cand, n); }
        }
    }
    free(zero);
    free(cand);
}

static void put_chunk(uint8_t **p, const char *type, const uint8_t *data, uint32_t len)
{
    uint8_t *q = *p;
    holo_wr32(q, len);
    memcpy(q + 4, type, 4);
    if (len) memcpy(q + 8, data, len);
    uLong crc = crc32(0L, q + 4, 4);
    if (len) crc = crc32(crc, data, len);
    holo_wr32(q + 8 + len, (uint32_t)crc);
    *p = q + 12 + len;
}

int holo_pngthumb_write(const uint8_t *rgb, uint32_t w, uint32_t h, uint8_t **out,
                        size_t *outlen, holo_err *err)
{
    *out = NULL;
    *outlen = 0;
    if (!w || !h || (uint64_t)w * h > HOLO_MAX_PIXELS)
        return holo_seterr(err, HOLO_EINVAL, "thumbnail: bad size %ux%u", w, h);
    size_t rawlen = (size_t)h * (1 + (size_t)w * 3);
    uint8_t *raw = malloc(rawlen);
    if (!raw) return holo_seterr(err, HOLO_ENOMEM, "thumbnail: out of memory");
    holo_pngthumb_filter(rgb, w, h, raw);

    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (deflateInit2(&zs, 6, Z_DEFLATED, 15, 9, Z_FILTERED) != Z_OK) {
        free(raw);
        return holo_seterr(err, HOLO_ENOMEM, "thumbnail: deflateInit2 failed");
    }
    uLong zcap = deflateBound(&zs, rawlen);
    uint8_t *z = malloc(zcap);
    if (!z) {
        deflateEnd(&zs);
        free(raw);
        return holo_seterr(err, HOLO_ENOMEM, "thumbnail: out of memory");
    }
    zs.next_in = raw;
    zs.avail_in = (uInt)rawlen;
    zs.next_out = z;
    zs.avail_out = (uInt)zcap;
    int zr = deflate(&zs, Z_FINISH);
    size_t zlen = zs.total_out;
    deflateEnd(&zs);
    free(raw);
    if (zr != Z_STREAM_END) {
        free(z);
        return holo_seterr(err, HOLO_ENOMEM, "thumbnail: deflate failed");
    }

    size_t part = (size_t)w * 4 > 65536 ? (size_t)w * 4 : 65536;
    size_t nidat = (zlen + part - 1) / part;
    if (!nidat) nidat = 1;
    size_t total = 8 + 25 + nidat * 12 + zlen + 12;
    uint8_t *png = malloc(total), *p = png;
    if (!png) {
        free(z);
        return holo_seterr(err, HOLO_ENOMEM, "thumbnail: out of memory");
    }
    static const uint8_t sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    memcpy(p, sig, 8);
    p += 8;
    uint8_t ihdr[13];
    holo_wr32(ihdr, w);
    holo_wr32(ihdr + 4, h);
    ihdr[8] = 8; ihdr[9] = 2; ihdr[10] = 0; ihdr[11] = 0; ihdr[12] = 0;
    put_chunk(&p, "IHDR", ihdr, 13);
    for (size_t off = 0; off < zlen || off == 0; off += part) {
        size_t len = zlen - off < part ? zlen - off : part;
        put_chunk(&p, "IDAT", z + off, (uint32_t)len);
        if (off + len >= zlen) break;
    }
    put_chunk(&p, "IEND", NULL, 0);
    free(z);
    *out = png;
    *outlen = (size_t)(p - png);
    return 0;
}
