/* view.c — serialise a decoded file: images as PNG (fast or stored), JPEG or PPM; audio as the
 * canonical 44-byte-header WAV of doc/formats.md §HOAU v1/v2 (WAV output); binaries as their
 * bytes. */
#include "imageio.h"
#include "internal.h"
#include "wav.h"

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
        if (info->version == 4)
            return v == HOLO_VIEW_WAV ? info->length : 0;
        return v == HOLO_VIEW_WAV ? holo_wav_size(info->channels, info->frames) : 0;
    case HOLO_KIND_BINARY:
        return v == HOLO_VIEW_RAW ? info->length : 0;
    default:
        return 0;
    }
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
        if (in->version == 4 && d->bytes) {   /* HO4A decodes to the WAV file itself */
            if (!(*buf = malloc(in->length ? (size_t)in->length : 1)))
                return holo_seterr(err, HOLO_ENOMEM, "wav: out of memory");
            memcpy(*buf, d->bytes, (size_t)in->length);
            *len = (size_t)in->length;
            return 0;
        }
        if (in->frames && !d->samples) return holo_seterr(err, HOLO_EINVAL, "wav: no samples");
        return holo_wav_render(d->samples, in->channels, in->sample_rate, in->frames, buf, len, err);
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
    if (v == HOLO_VIEW_JPEG && d->bytes) {   /* a decoded JPEG (HO4J): its own bytes */
        uint8_t *p = malloc(in->length ? (size_t)in->length : 1);
        if (!p) return holo_seterr(err, HOLO_ENOMEM, "jpeg: out of memory");
        memcpy(p, d->bytes, (size_t)in->length);
        *buf = p;
        *len = (size_t)in->length;
        return 0;
    }
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
