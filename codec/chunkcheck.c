/* chunkcheck.c — the payload rules of a chunk (holo(5) "CHUNK VALIDITY"), applied in one place
 * for the decoder's accounting and for tools that accept chunks from the network. */
#include "internal.h"
#include "imageio.h"
#include <stdlib.h>

uint64_t holo_chunk_slice_bytes(const holo_chunk_hdr *h, uint32_t b)
{
    if (h->version > 2) return 0;
    /* images and audio store int16 residuals, binaries raw bytes */
    uint64_t elem = h->kind == HOLO_KIND_BINARY ? 1 : 2;
    return holo_slice_len(holo_chunk_residual_len(h), h->block_count, b) * elem;
}

/* A zlib stream that must inflate to exactly `want` bytes; inflation stops at want. */
static int inflate_exact(const uint8_t *p, size_t n, uint64_t want, const char *name,
                         const char *what, holo_err *err)
{
    holo_err ierr = { 0 };
    uint8_t *out = NULL;
    size_t outlen = 0;
    int bad = want > HOLO_MAX_CHUNK_FILE ||
              holo_inflate(p, n, (size_t)want, &out, &outlen, &ierr, what) || outlen != want;
    free(out);
    if (!bad) return 0;
    return holo_seterr(err, HOLO_EINVAL, "%s: %s does not inflate to %llu bytes%s%s", name, what,
                       (unsigned long long)want, ierr.msg[0] ? ": " : "", ierr.msg);
}

int holo_chunk_check(const uint8_t *buf, size_t len, const char *name, holo_chunk_hdr *h,
                     holo_err *err)
{
    if (!name) name = "chunk";
    int rc = holo_chunk_parse(buf, len, name, h, err);
    if (rc || h->version > 2) return rc;
    if (inflate_exact(buf + h->resid_off, h->resid_len, holo_chunk_slice_bytes(h, h->block_id),
                      name, "residual slice", err))
        return HOLO_EINVAL;
    switch (h->kind) {
    case HOLO_KIND_AUDIO:
        return inflate_exact(buf + h->coarse_off, h->coarse_len,
                             (uint64_t)h->coarse_frames * h->channels * 2, name, "coarse signal",
                             err) ? HOLO_EINVAL : 0;
    case HOLO_KIND_BINARY:
        return inflate_exact(buf + h->coarse_off, h->coarse_len, h->prefix_len, name, "prefix",
                             err) ? HOLO_EINVAL : 0;
    case HOLO_KIND_IMAGE: {   /* the thumbnail must decode (PNG CRCs, zlib) */
        holo_image im = { 0 };
        holo_err ierr = { 0 };
        rc = holo_image_decode(buf + h->coarse_off, h->coarse_len, "thumbnail", &im, &ierr);
        holo_image_free(&im);
        return rc ? holo_seterr(err, HOLO_EINVAL, "%s: %s", name, ierr.msg) : 0;
    }
    default:
        return 0;
    }
}
