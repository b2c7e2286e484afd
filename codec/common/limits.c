/* limits.c — what a chunk header may claim before anything is allocated: the caller's size
 * limits (max_pixels, max_output) and the plausibility of a claim against the bytes of the
 * chunks that are supposed to carry it (a zlib stream inflates at most ~1032:1). */
#include "internal.h"

#include <string.h>

uint64_t holo_limit_pixels(const holo_decode_opts *o)
{
    return o && o->max_pixels ? o->max_pixels : HOLO_DEFAULT_MAX_PIXELS;
}

uint64_t holo_limit_output(const holo_decode_opts *o)
{
    return o && o->max_output ? o->max_output : HOLO_DEFAULT_MAX_OUTPUT;
}

uint64_t holo_claimed_output(const holo_chunk_hdr *h)
{
    switch (h->kind) {
    case HOLO_KIND_IMAGE: return 3ull * h->width * h->height;
    case HOLO_KIND_AUDIO: return 2ull * h->frames * h->channels;
    case HOLO_KIND_BINARY: return h->length;
    default: return 0;
    }
}

uint64_t holo_decode_bytes_estimate(const holo_info *info)
{
    uint64_t px = (uint64_t)info->width * info->height;   /* both < 2^32: no overflow */
    switch (info->kind) {
    case HOLO_KIND_IMAGE:   /* HO4J: coefficient planes, the rebuilt file and the
                             * decoder's tables, measured 7.3 bytes per pixel (14.7 MP) */
        return strcmp(info->codec, "JPEG v4") == 0 ? (px > UINT64_MAX / 8 ? UINT64_MAX : px * 8)
                                                   : (px > UINT64_MAX / 3 ? UINT64_MAX : px * 3);
    case HOLO_KIND_AUDIO: return info->frames > UINT64_MAX / 2 / (info->channels + 1u)
                                     ? UINT64_MAX : 2ull * info->frames * info->channels;
    default: return info->length;
    }
}

int holo_check_limits(const holo_chunk_hdr *h, const holo_decode_opts *o, const char *name,
                      holo_err *err)
{
    uint64_t pixels = (uint64_t)h->width * h->height, out = holo_claimed_output(h);
    if (h->kind == HOLO_KIND_IMAGE && pixels > holo_limit_pixels(o))
        return holo_seterr(err, HOLO_ETOOBIG, "%s: claims %ux%u = %llu pixels, over the limit of "
                           "%llu (--max-pixels)", name, h->width, h->height,
                           (unsigned long long)pixels, (unsigned long long)holo_limit_pixels(o));
    if (out > holo_limit_output(o))
        return holo_seterr(err, HOLO_ETOOBIG, "%s: claims %llu bytes of output, over the limit "
                           "of %llu (--max-output)", name, (unsigned long long)out,
                           (unsigned long long)holo_limit_output(o));
    return 0;
}

/* a * b, saturating at UINT64_MAX. */
static uint64_t mul_sat(uint64_t a, uint64_t b)
{
    return b && a > UINT64_MAX / b ? UINT64_MAX : a * b;
}

/* Most bytes a zlib stream of `len` bytes can inflate to, with slack for tiny streams. */
static uint64_t inflate_bound(uint64_t len)
{
    return mul_sat(len + HOLO_ZLIB_SLACK, HOLO_ZLIB_MAX_RATIO);
}

int holo_check_plausible(const holo_chunk_hdr *ref, uint64_t max_resid_len, uint64_t set_bytes,
                         const char *name, holo_err *err)
{
    if (ref->version >= 3) return 0;   /* v3 coefficients and v4 tiers are not zlib slices */
    uint64_t elem = ref->kind == HOLO_KIND_BINARY ? 1 : 2;
    uint64_t resid = mul_sat(holo_chunk_residual_len(ref), elem);
    /* Every chunk carries about 1/B of the residual: B slices of at most the largest present. */
    int ok = resid <= mul_sat(ref->block_count, inflate_bound(max_resid_len));
    /* The coarse part is one zlib stream in every chunk (images: a PNG, checked when decoded). */
    if (ref->kind == HOLO_KIND_BINARY)
        ok &= ref->prefix_len <= inflate_bound(ref->coarse_len);
    else if (ref->kind == HOLO_KIND_AUDIO)
        ok &= 2ull * ref->coarse_frames * ref->channels <= inflate_bound(ref->coarse_len);
    if (ok) return 0;
    return holo_seterr(err, HOLO_EINVAL, "%s: claims %llu bytes from %llu bytes of chunks "
                       "(implausible: zlib inflates at most %u:1)", name,
                       (unsigned long long)holo_claimed_output(ref), (unsigned long long)set_bytes,
                       (unsigned)HOLO_ZLIB_MAX_RATIO);
}
