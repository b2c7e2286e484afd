/* image12.c — HOCH versions 1 and 2: RGB image, PNG thumbnail + int16 pixel residual
 * (formats.md §5). Encoder: read (imageio.c), bicubic thumbnail (resample.c), Pillow-exact PNG
 * (pngthumb.c), bicubic upscale, residual = img - up, then the generic chunk writer with L1
 * scores. Decoder: the generic assembler with a hook that decodes the reference chunk's
 * thumbnail; output clamp(upscale + R).
 */
#include "imageio.h"
#include "internal.h"
#include "pngthumb.h"
#include "resample.h"

#include <stdlib.h>
#include <string.h>

#define IMAGE_DEFAULT_BLOCKS 32u
#define IMAGE_DEFAULT_SIDE 16u

static uint32_t image_blocks(const holo_encode_opts *o, uint64_t N, size_t coarse_bytes)
{
    uint64_t B = IMAGE_DEFAULT_BLOCKS;
    if (o->chunk_kb > 0)
        B = holo_block_count_kb(2 * N, coarse_bytes, o->chunk_kb);
    else if (o->block_count > 0)
        B = o->block_count;
    if (B > N) B = N;   /* clamp [1, N] (§3) */
    if (B > HOLO_MAX_BLOCKS) B = HOLO_MAX_BLOCKS;
    return B ? (uint32_t)B : 1;
}

int holo_image12_encode(const char *input, const char *tmpdir, const holo_encode_opts *o,
                        holo_err *err)
{
    int version = o->codec_version ? o->codec_version : 2;
    if (version != 1 && version != 2)
        return holo_seterr(err, HOLO_EINVAL, "%s: image codec version %d is not 1 or 2", input,
                           version);
    int threads = holo_thread_count(o->threads);
    holo_image im;
    int rc = holo_image_read(input, &im, err);
    if (rc) return rc;
    uint32_t W = im.w, H = im.h, tw, th;
    uint64_t N = (uint64_t)W * H * 3;
    holo_thumb_size(W, H, o->coarse_side ? o->coarse_side : IMAGE_DEFAULT_SIDE, &tw, &th);
    uint8_t *thumb = malloc((size_t)tw * th * 3), *up = malloc((size_t)N), *png = NULL;
    int16_t *resid = malloc((size_t)N * sizeof *resid);
    size_t pnglen = 0;
    if (!thumb || !up || !resid) {
        rc = holo_seterr(err, HOLO_ENOMEM, "%s: out of memory for %ux%u pixels", input, W, H);
        goto out;
    }
    if ((rc = holo_resize_rgb8(im.rgb, W, H, thumb, tw, th, threads)) ||
        (rc = holo_resize_rgb8(thumb, tw, th, up, W, H, threads))) {
        rc = holo_seterr(err, rc, "%s: out of memory while resampling", input);
        goto out;
    }
    if ((rc = holo_pngthumb_write(thumb, tw, th, &png, &pnglen, err))) goto out;
    for (uint64_t i = 0; i < N; i++) resid[i] = (int16_t)((int)im.rgb[i] - (int)up[i]);

    holo_enc_plan p;
    memset(&p, 0, sizeof p);
    p.hdr.kind = HOLO_KIND_IMAGE;
    p.hdr.version = version;
    p.hdr.height = H;
    p.hdr.width = W;
    p.hdr.channels = 3;
    p.hdr.block_count = image_blocks(o, N, pnglen);
    p.coarse = png;
    p.coarse_len = pnglen;
    p.resid16 = resid;
    p.n = N;
    p.golden = version >= 2;
    p.zlib_level = o->zlib_level;
    p.write_scores = 1;
    p.base_kind = "image";
    /* The input buffers are no longer needed: free them before the chunk writer's peak. */
    holo_image_free(&im);
    free(up);
    up = NULL;
    p.recovery = o->recovery;
    rc = holo_write_chunks(tmpdir, &p, o->threads, err);
out:
    free(png);
    free(resid);
    free(up);
    free(thumb);
    holo_image_free(&im);
    return rc;
}

/* ---- decoder ---------------------------------------------------------------------------- */
typedef struct image_ref {
    const char *dir;
    holo_image thumb;         /* RGB of the reference chunk's coarse payload */
} image_ref;

static int accept_v12(int version) { return version == 1 || version == 2; }

static int image_set_reference(void *ctx, const holo_chunk_hdr *h, const uint8_t *coarse,
                               size_t coarse_len)
{
    image_ref *r = ctx;
    /* Hardening of §5.4 (quirk Q3): only what the encoder can write is a reference. */
    if (h->channels != 3 || !h->width || !h->height ||
        (uint64_t)h->width * h->height > HOLO_MAX_PIXELS)
        return HOLO_EINVAL;
    holo_image t;
    int rc = holo_image_decode(coarse, coarse_len, r->dir, &t, NULL);
    if (rc) return rc;
    holo_image_free(&r->thumb);   /* an earlier candidate whose residual failed */
    r->thumb = t;
    return 0;
}

int holo_image12_decode(const holo_chunklist *l, const holo_decode_opts *o, holo_decoded *out,
                        holo_err *err)
{
    image_ref r = { .dir = l->dir };
    holo_kind_ops ops = { .kind = HOLO_KIND_IMAGE, .accept_version = accept_v12,
                          .set_reference = image_set_reference, .ctx = &r, .elem_size = 2,
                          .golden_from_v2 = 1 };
    holo_assembly a;
    memset(out, 0, sizeof *out);
    int rc = holo_assemble(l, &ops, o, &a, err);
    if (rc) {
        holo_image_free(&r.thumb);
        return rc;
    }
    uint32_t W = a.ref.width, H = a.ref.height;
    uint64_t N = (uint64_t)W * H * 3;
    uint8_t *pix = NULL;
    if (!r.thumb.rgb || a.n != N) {
        rc = holo_seterr(err, HOLO_EINVAL, "%s: image chunks disagree with their reference",
                         l->dir);
        goto out;
    }
    pix = malloc((size_t)N);
    if (!pix) {
        rc = holo_seterr(err, HOLO_ENOMEM, "%s: out of memory for %ux%u pixels", l->dir, W, H);
        goto out;
    }
    /* Upscale and add the residual in one pass: clamp(up + R), §5.4 step 5. */
    if ((rc = holo_resize_rgb8_add(r.thumb.rgb, r.thumb.w, r.thumb.h, pix, W, H, a.resid,
                                   holo_thread_count(o->threads)))) {
        rc = holo_seterr(err, rc, "%s: out of memory while resampling", l->dir);
        goto out;
    }
    holo_assembly_info(&a, &out->info);
    out->info.kind = HOLO_KIND_IMAGE;
    out->info.version = a.ref.version;
    out->info.block_count = a.ref.block_count;
    out->info.width = W;
    out->info.height = H;
    out->info.channels = 3;
    out->info.exact = a.n_present == a.ref.block_count;
    out->pixels = pix;
    pix = NULL;
out:
    free(pix);
    holo_assembly_free(&a);
    holo_image_free(&r.thumb);
    return rc;
}
