/* pnm_recipe.c — PPM/PGM files as header + samples + trailing bytes (pnm_recipe.h).
 *
 * Blob (holo(5) "PNM RECIPE"), big-endian: "HRPM" | revision 1 | channels (1 or 3) |
 * u32 width | u32 height | u32 H, the header bytes | u32 T, the bytes after the samples.
 */
#include "pnm_recipe.h"
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#define PNM_FIXED 14

static int is_space(uint8_t c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* Next decimal field of the header at *off, skipping whitespace and # comments; -1 if none
 * or above max. */
static long header_number(const uint8_t *b, size_t len, size_t *off, long max)
{
    size_t i = *off;
    for (;;) {
        while (i < len && is_space(b[i]))
            i++;
        if (i < len && b[i] == '#') {
            while (i < len && b[i] != '\n' && b[i] != '\r')
                i++;
            continue;
        }
        break;
    }
    long v = 0;
    size_t start = i;
    while (i < len && b[i] >= '0' && b[i] <= '9' && i - start < 10) {
        v = v * 10 + (b[i] - '0');
        i++;
    }
    if (i == start || v > max || (i < len && b[i] >= '0' && b[i] <= '9'))
        return -1;
    *off = i;
    return v;
}

int pnm_recipe_make(const uint8_t *b, size_t len, const char *name, holo_recipe *r,
                    holo_err *err)
{
    memset(r, 0, sizeof *r);
    if (!name)
        name = "PNM";
    if (len < 3 || b[0] != 'P' || (b[1] != '5' && b[1] != '6'))
        return holo_seterr(err, HOLO_EINVAL, "%s: not a binary PPM/PGM file", name);
    int ch = b[1] == '6' ? 3 : 1;
    size_t off = 2;
    long w = header_number(b, len, &off, HOLO_MAX_DIM);
    long h = w > 0 ? header_number(b, len, &off, HOLO_MAX_DIM) : -1;
    long maxval = h > 0 ? header_number(b, len, &off, 65535) : -1;
    if (w <= 0 || h <= 0 || maxval <= 0 || off >= len || !is_space(b[off]))
        return holo_seterr(err, HOLO_EINVAL, "%s: bad or truncated PPM/PGM header", name);
    if (maxval > 255)
        return holo_seterr(err, HOLO_EUNSUPPORTED, "%s: 16-bit samples (maxval %ld)", name,
                           maxval);
    if ((uint64_t)w * (uint64_t)h > HOLO_RECIPE_MAX_PIXELS)
        return holo_seterr(err, HOLO_EUNSUPPORTED, "%s: image size %ldx%ld out of range", name,
                           w, h);
    size_t head = off + 1, npx = (size_t)w * (size_t)h * (size_t)ch;
    if (len - head < npx)
        return holo_seterr(err, HOLO_EINVAL, "%s: truncated: %zu sample bytes, %ldx%ld needs %zu",
                           name, len - head, w, h, npx);
    size_t tail = len - head - npx;
    r->bloblen = PNM_FIXED + 4 + head + 4 + tail;
    r->blob = malloc(r->bloblen);
    r->pixels = malloc(npx);
    if (!r->blob || !r->pixels) {
        holo_recipe_free(r);
        return holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", name);
    }
    uint8_t *o = r->blob;
    memcpy(o, PNM_RECIPE_MAGIC, 4);
    o[4] = 1;
    o[5] = (uint8_t)ch;
    holo_wr32(o + 6, (uint32_t)w);
    holo_wr32(o + 10, (uint32_t)h);
    holo_wr32(o + 14, (uint32_t)head);
    memcpy(o + 18, b, head);
    holo_wr32(o + 18 + head, (uint32_t)tail);
    memcpy(o + 22 + head, b + head + npx, tail);
    memcpy(r->pixels, b + head, npx);
    r->w = (uint32_t)w;
    r->h = (uint32_t)h;
    r->channels = ch;
    snprintf(r->how, sizeof r->how, "%zu header bytes, maxval %ld, %zu trailing bytes", head,
             maxval, tail);
    return 0;
}

/* Header and tail of a blob; -1 when malformed. */
static int blob_read(const uint8_t *b, size_t len, const uint8_t **head, size_t *hlen,
                     const uint8_t **tail, size_t *tlen)
{
    if (!b || len < PNM_FIXED + 8 || memcmp(b, PNM_RECIPE_MAGIC, 4) || b[4] != 1 ||
        (b[5] != 1 && b[5] != 3))
        return -1;
    *hlen = holo_rd32(b + 14);
    if (*hlen > len - PNM_FIXED - 8)
        return -1;
    *head = b + 18;
    *tlen = holo_rd32(b + 18 + *hlen);
    if (*tlen != len - PNM_FIXED - 8 - *hlen)
        return -1;
    *tail = b + 22 + *hlen;
    return 0;
}

int pnm_recipe_channels(const uint8_t *blob, size_t bloblen)
{
    const uint8_t *h, *t;
    size_t hl, tl;
    return blob_read(blob, bloblen, &h, &hl, &t, &tl) ? 0 : blob[5];
}

int pnm_recipe_build(const uint8_t *blob, size_t bloblen, const uint8_t *pixels, uint32_t w,
                     uint32_t h, uint8_t **out, size_t *outlen, holo_err *err)
{
    const uint8_t *head, *tail;
    size_t hlen, tlen;
    *out = NULL;
    *outlen = 0;
    if (blob_read(blob, bloblen, &head, &hlen, &tail, &tlen))
        return holo_seterr(err, HOLO_EINVAL, "PNM recipe: malformed recipe");
    if (holo_rd32(blob + 6) != w || holo_rd32(blob + 10) != h ||
        (uint64_t)w * h > HOLO_RECIPE_MAX_PIXELS)
        return holo_seterr(err, HOLO_EINVAL, "PNM recipe: made for %ux%u, pixels are %ux%u",
                           holo_rd32(blob + 6), holo_rd32(blob + 10), w, h);
    size_t npx = (size_t)w * h * blob[5];
    uint8_t *o = malloc(hlen + npx + tlen);
    if (!o)
        return holo_seterr(err, HOLO_ENOMEM, "PNM recipe: out of memory");
    memcpy(o, head, hlen);
    memcpy(o + hlen, pixels, npx);
    memcpy(o + hlen + npx, tail, tlen);
    *out = o;
    *outlen = hlen + npx + tlen;
    return 0;
}
