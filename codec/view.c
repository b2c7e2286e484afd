/* view.c — serialise a decoded file: images as PNG (fast or stored), JPEG or PPM; audio as the
 * canonical 44-byte-header WAV of formats.md §6.7; binaries as their bytes. */
#include "imageio.h"
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#define JPEG_QUALITY 95

holo_view holo_view_for_name(const char *name, holo_kind kind)
{
    if (kind == HOLO_KIND_AUDIO) return HOLO_VIEW_WAV;
    if (kind == HOLO_KIND_BINARY) return HOLO_VIEW_RAW;
    char ext[16];
    holo_path_ext(name ? name : "", ext);
    if (!strcmp(ext, ".jpg") || !strcmp(ext, ".jpeg")) return HOLO_VIEW_JPEG;
    if (!strcmp(ext, ".ppm") || !strcmp(ext, ".pnm")) return HOLO_VIEW_PPM;
    return HOLO_VIEW_PNG;
}

static holo_view resolve(holo_kind kind, holo_view v)
{
    if (v != HOLO_VIEW_AUTO) return v;
    return kind == HOLO_KIND_AUDIO ? HOLO_VIEW_WAV
         : kind == HOLO_KIND_BINARY ? HOLO_VIEW_RAW : HOLO_VIEW_PNG;
}

static uint64_t wav_data_bytes(const holo_info *info)
{
    return (uint64_t)info->frames * info->channels * 2;
}

uint64_t holo_view_size(const holo_info *info, holo_view v)
{
    v = resolve(info->kind, v);
    switch (info->kind) {
    case HOLO_KIND_IMAGE:
        if (!info->width || !info->height) return 0;
        if (v == HOLO_VIEW_STORED_PNG) return holo_png_stored_size(info->width, info->height);
        if (v == HOLO_VIEW_PPM) return holo_ppm_size(info->width, info->height);
        return 0;
    case HOLO_KIND_AUDIO:
        return v == HOLO_VIEW_WAV ? 44 + wav_data_bytes(info) : 0;
    case HOLO_KIND_BINARY:
        return v == HOLO_VIEW_RAW ? info->length : 0;
    default:
        return 0;
    }
}

static void le16(uint8_t *p, uint32_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void le32(uint8_t *p, uint32_t v) { le16(p, v); le16(p + 2, v >> 16); }

static int render_wav(const holo_decoded *d, uint8_t **buf, size_t *len, holo_err *err)
{
    const holo_info *in = &d->info;
    uint64_t D = wav_data_bytes(in);
    if (!in->channels || in->channels > 0xffff || D > 0xffffffffu - 36 ||
        (uint64_t)in->sample_rate * in->channels * 2 > 0xffffffffu)
        return holo_seterr(err, HOLO_EUNSUPPORTED, "wav: %u channels x %u frames do not fit a WAV",
                           in->channels, in->frames);
    if (D && !d->samples) return holo_seterr(err, HOLO_EINVAL, "wav: no samples");
    uint8_t *p = malloc((size_t)(44 + D));
    if (!p) return holo_seterr(err, HOLO_ENOMEM, "wav: out of memory");
    memcpy(p, "RIFF", 4);
    le32(p + 4, (uint32_t)(36 + D));
    memcpy(p + 8, "WAVEfmt ", 8);
    le32(p + 16, 16);
    le16(p + 20, 1);
    le16(p + 22, in->channels);
    le32(p + 24, in->sample_rate);
    le32(p + 28, in->sample_rate * in->channels * 2);
    le16(p + 32, in->channels * 2);
    le16(p + 34, 16);
    memcpy(p + 36, "data", 4);
    le32(p + 40, (uint32_t)D);
    for (uint64_t i = 0; i < D / 2; i++) le16(p + 44 + 2 * i, (uint16_t)d->samples[i]);
    *buf = p;
    *len = (size_t)(44 + D);
    return 0;
}

int holo_view_render(const holo_decoded *d, holo_view v, uint8_t **buf, size_t *len,
                     holo_err *err)
{
    *buf = NULL;
    *len = 0;
    const holo_info *in = &d->info;
    v = resolve(in->kind, v);
    if (in->kind == HOLO_KIND_AUDIO) {
        if (v != HOLO_VIEW_WAV)
            return holo_seterr(err, HOLO_EINVAL, "audio can only be written as WAV");
        return render_wav(d, buf, len, err);
    }
    if (in->kind == HOLO_KIND_BINARY) {
        if (v != HOLO_VIEW_RAW)
            return holo_seterr(err, HOLO_EINVAL, "binary files can only be written raw");
        if (in->length > SIZE_MAX - 1) return holo_seterr(err, HOLO_ENOMEM, "raw: too large");
        uint8_t *p = malloc(in->length ? (size_t)in->length : 1);
        if (!p) return holo_seterr(err, HOLO_ENOMEM, "raw: out of memory");
        if (in->length) memcpy(p, d->bytes, (size_t)in->length);
        *buf = p;
        *len = (size_t)in->length;
        return 0;
    }
    if (in->kind != HOLO_KIND_IMAGE || !d->pixels)
        return holo_seterr(err, HOLO_EINVAL, "nothing decoded to write");
    uint32_t w = in->width, h = in->height;
    switch (v) {
    case HOLO_VIEW_PNG:
        return holo_png_encode_fast(d->pixels, w, h, holo_thread_count(0), buf, len, err);
    case HOLO_VIEW_STORED_PNG:
        return holo_png_encode_stored(d->pixels, w, h, buf, len, err);
    case HOLO_VIEW_JPEG:
        return holo_jpeg_encode(d->pixels, w, h, JPEG_QUALITY, buf, len, err);
    case HOLO_VIEW_PPM:
        return holo_ppm_encode(d->pixels, w, h, buf, len, err);
    default:
        return holo_seterr(err, HOLO_EINVAL, "images can be written as PNG, JPEG or PPM only");
    }
}

int holo_view_write(const holo_decoded *d, holo_view v, const char *path, holo_err *err)
{
    uint8_t *buf;
    size_t len;
    int rc = holo_view_render(d, v, &buf, &len, err);
    if (rc) {
        /* Name the output file in the message. */
        if (err) {
            char m[sizeof err->msg];
            snprintf(m, sizeof m, "%s", err->msg);
            holo_seterr(err, rc, "%s: %s", path, m);
        }
        return rc;
    }
    rc = holo_write_file_atomic(path, buf, len, err);
    free(buf);
    return rc;
}
