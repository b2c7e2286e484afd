/* zio.c — zlib helpers: the reference's compress2(level 9) and a bounded inflate. */
#include "internal.h"
#include <stdlib.h>
#include <zlib.h>

int holo_zlib9(const void *src, size_t len, uint8_t **out, size_t *outlen, holo_err *err)
{
    return holo_zlib(src, len, 9, out, outlen, err);
}

int holo_zlib(const void *src, size_t len, int level, uint8_t **out, size_t *outlen, holo_err *err)
{
    uLong bound = compressBound((uLong)len);
    uint8_t *buf = malloc(bound ? bound : 1);
    if (!buf) return holo_seterr(err, HOLO_ENOMEM, "out of memory compressing %zu bytes", len);
    uLongf n = bound;
    if (compress2(buf, &n, src, (uLong)len, level) != Z_OK) {
        free(buf);
        return holo_seterr(err, HOLO_ENOMEM, "zlib failed compressing %zu bytes", len);
    }
    *out = buf;
    *outlen = n;
    return 0;
}

int holo_inflate(const uint8_t *src, size_t len, size_t cap, uint8_t **out, size_t *outlen,
                 holo_err *err, const char *name)
{
    z_stream zs = {0};
    if (inflateInit(&zs) != Z_OK)
        return holo_seterr(err, HOLO_ENOMEM, "%s: zlib init failed", name);
    /* Start from a guess (deflate rarely beats 8:1 on residuals) and grow up to cap. */
    size_t size = len < cap / 4 ? len * 4 + 64 : cap;
    if (size > cap) size = cap;
    if (size == 0) size = 1;
    uint8_t *buf = malloc(size);
    if (!buf) { inflateEnd(&zs); return holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", name); }
    zs.next_in = (Bytef *)src;
    zs.avail_in = (uInt)len;
    size_t have = 0;
    int rc;
    for (;;) {
        zs.next_out = buf + have;
        zs.avail_out = (uInt)(size - have);
        rc = inflate(&zs, Z_FINISH);
        have = size - zs.avail_out;
        if (rc == Z_STREAM_END) break;
        if (rc == Z_BUF_ERROR && zs.avail_out == 0) {
            if (size >= cap) {
                free(buf); inflateEnd(&zs);
                return holo_seterr(err, HOLO_EINVAL, "%s: residual inflates beyond %zu bytes", name, cap);
            }
            size_t ns = size * 2 > cap ? cap : size * 2;
            uint8_t *nb = realloc(buf, ns);
            if (!nb) { free(buf); inflateEnd(&zs); return holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", name); }
            buf = nb;
            size = ns;
            continue;
        }
        free(buf);
        inflateEnd(&zs);
        return holo_seterr(err, HOLO_EINVAL, "%s: corrupt zlib stream", name);
    }
    inflateEnd(&zs);
    *out = buf;
    *outlen = have;
    return 0;
}
