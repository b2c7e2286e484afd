/* v4_recipe.c — a v4 image that gives back the user's file, not just its pixels (holo(5)
 * "V4 RECIPE"; issue 16). The chunks carry flag bit 3 and T0 starts with
 *
 *   u64 original file length | 32 bytes SHA-256 of the file | u32 R | R bytes recipe blob
 *
 * (big-endian like the header), then the T0 stream. T0 is in every chunk and under its CRC,
 * so any one chunk names the file's size (holo_info_dir peeks V4_PREFIX_PEEK bytes). A complete
 * set decodes to exact pixels; the recipe (recipe.h) turns them back into the file, which must
 * hash to the SHA-256 before it is handed out as the user's bytes.
 */
#include "internal.h"
#include "v4_codec.h"
#include "sha256.h"
#include <stdlib.h>
#include <string.h>

static void wr64(uint8_t *p, uint64_t v)
{
    holo_wr32(p, (uint32_t)(v >> 32));
    holo_wr32(p + 4, (uint32_t)v);
}

static uint64_t rd64(const uint8_t *p)
{
    return (uint64_t)holo_rd32(p) << 32 | holo_rd32(p + 4);
}

size_t v4_prefix_parse(const uint8_t *t0, size_t t0len, v4_prefix *p)
{
    if (t0len < V4_PREFIX_FIXED)
        return 0;
    p->file_len = rd64(t0);
    memcpy(p->sha, t0 + 8, 32);
    p->bloblen = holo_rd32(t0 + 40);
    if (p->bloblen > t0len - V4_PREFIX_FIXED)
        return 0;
    p->blob = t0 + V4_PREFIX_FIXED;
    return V4_PREFIX_FIXED + (size_t)p->bloblen;
}

const char *v4_codec_name(const v4_hdr *h, const uint8_t *peek, size_t n, uint64_t *file_len)
{
    *file_len = 0;
    if (!(h->flags & V4_FLAG_RECIPE))
        return "v4 image";
    size_t hl = v4_hdr_size(h);
    if (n < hl + V4_PREFIX_FIXED)
        return "v4 image + recipe";
    const uint8_t *t0 = peek + hl;
    *file_len = rd64(t0);
    if (holo_rd32(t0 + 40) >= 4 && n >= hl + V4_PREFIX_FIXED + 4) {
        if (!memcmp(t0 + V4_PREFIX_FIXED, "HRPN", 4))
            return "v4 image + PNG recipe";
        if (!memcmp(t0 + V4_PREFIX_FIXED, "HRPM", 4))
            return "v4 image + PNM recipe";
    }
    return "v4 image + recipe";
}

int holo_v4_encode_recipe(const uint8_t *file, size_t len, const holo_recipe *r,
                          const char *tmpdir, const holo_encode_opts *o, const char *name,
                          holo_err *err)
{
    if (r->bloblen > UINT32_MAX - V4_PREFIX_FIXED)
        return holo_seterr(err, HOLO_EUNSUPPORTED, "%s: recipe too large", name);
    size_t npix = (size_t)r->w * r->h, plen = V4_PREFIX_FIXED + r->bloblen;
    uint8_t *prefix = malloc(plen), *rgb = NULL;
    if (!prefix)
        return holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", name);
    wr64(prefix, len);
    sha256(file, len, prefix + 8);
    holo_wr32(prefix + 40, (uint32_t)r->bloblen);
    memcpy(prefix + V4_PREFIX_FIXED, r->blob, r->bloblen);
    const uint8_t *px = r->pixels;
    if (r->channels == 1) {   /* the v4 coder reads RGB; a grey image is coded as one plane */
        if (!(rgb = malloc(npix * 3))) {
            free(prefix);
            return holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", name);
        }
        for (size_t i = 0; i < npix; i++)
            rgb[3 * i] = rgb[3 * i + 1] = rgb[3 * i + 2] = r->pixels[i];
        px = rgb;
    }
    /* The recipe needs the exact pixels: the lossless profile whatever o asks. */
    holo_encode_opts lossless = *o;
    lossless.lossy = 0;
    lossless.target_psnr = 0;
    lossless.target_bytes = 0;
    int rc = v4_encode_rgb_prefixed(px, r->w, r->h, r->channels == 1, tmpdir, &lossless, name,
                                    prefix, plen, NULL, err);
    free(rgb);
    free(prefix);
    return rc;
}

void v4_recipe_restore(const v4_prefix *p, holo_decoded *out, const char *name,
                       const holo_decode_opts *o)
{
    uint32_t w = out->info.width, h = out->info.height;
    size_t npix = (size_t)w * h;
    int ch = holo_recipe_channels(p->blob, p->bloblen);
    uint8_t *grey = NULL, *file = NULL;
    size_t flen = 0;
    holo_err e = { 0 };
    if (ch == 1 && (grey = malloc(npix)) != NULL)
        for (size_t i = 0; i < npix; i++)
            grey[i] = out->pixels[3 * i];
    if (ch == 0 || (ch == 1 && !grey)) {
        holo_warnf(o, "%s: %s; decoded the pixels only", name,
                   ch ? "out of memory" : "unknown recipe");
        free(grey);
        return;
    }
    int rc = holo_recipe_build(p->blob, p->bloblen, ch == 1 ? grey : out->pixels, w, h, &file,
                               &flen, &e);
    free(grey);
    uint8_t sha[32];
    if (!rc)
        sha256(file, flen, sha);
    if (rc || flen != p->file_len || memcmp(sha, p->sha, 32) != 0) {
        holo_warnf(o, "%s: the recipe did not re-create the original file (%s); decoded the "
                   "pixels only", name, rc ? e.msg : "SHA-256 mismatch");
        free(file);
        return;
    }
    out->bytes = file;
    out->info.length = flen;
    out->info.file_size = flen;
    out->info.exact_bytes = 1;
}
