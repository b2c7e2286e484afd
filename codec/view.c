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
    if (!strcmp(ext, ".pgm")) return HOLO_VIEW_PGM;
    return HOLO_VIEW_PNG;
}

/* ---- output names: the name's format decides what is written ------------------------------ */
typedef enum {
    OF_NONE,                  /* no extension decode knows */
    OF_PNG, OF_JPEG, OF_PPM, OF_PGM,
    OF_PNM,                   /* .pnm: PPM or PGM; a PNM recipe's file before it is decoded */
    OF_WAV, OF_AIFF,
    OF_SOUND,                 /* an HO4A set's file before it is decoded: WAV or AIFF */
    OF_IMAGE, OF_AUDIO,       /* formats decode never writes (.gif, .webp, .flac, .mp3 ...) */
} out_fmt;

static out_fmt name_format(const char *name)
{
    static const struct { const char *ext; out_fmt f; } t[] = {
        { ".png", OF_PNG }, { ".jpg", OF_JPEG }, { ".jpeg", OF_JPEG }, { ".ppm", OF_PPM },
        { ".pgm", OF_PGM }, { ".pnm", OF_PNM }, { ".wav", OF_WAV }, { ".aiff", OF_AIFF },
        { ".aif", OF_AIFF }, { ".aifc", OF_AIFF },
        { ".pbm", OF_IMAGE }, { ".gif", OF_IMAGE }, { ".webp", OF_IMAGE }, { ".bmp", OF_IMAGE },
        { ".tif", OF_IMAGE }, { ".tiff", OF_IMAGE }, { ".jxl", OF_IMAGE }, { ".avif", OF_IMAGE },
        { ".heic", OF_IMAGE }, { ".flac", OF_AUDIO }, { ".mp3", OF_AUDIO }, { ".ogg", OF_AUDIO },
        { ".opus", OF_AUDIO }, { ".m4a", OF_AUDIO }, { ".aac", OF_AUDIO } };
    char ext[16];
    holo_path_ext(name ? name : "", ext);
    for (size_t i = 0; i < sizeof t / sizeof *t; i++)
        if (!strcmp(ext, t[i].ext)) return t[i].f;
    return OF_NONE;
}

/* The format of a file's bytes, by their magic. */
static out_fmt bytes_format(const uint8_t *b, uint64_t n)
{
    if (n >= 8 && !memcmp(b, "\x89PNG\r\n\x1a\n", 8)) return OF_PNG;
    if (n >= 2 && b[0] == 0xFF && b[1] == 0xD8) return OF_JPEG;
    if (n >= 2 && b[0] == 'P' && b[1] == '6') return OF_PPM;
    if (n >= 2 && b[0] == 'P' && b[1] == '5') return OF_PGM;
    if (n >= 12 && !memcmp(b, "RIFF", 4) && !memcmp(b + 8, "WAVE", 4)) return OF_WAV;
    if (n >= 12 && !memcmp(b, "FORM", 4) && (!memcmp(b + 8, "AIFF", 4) || !memcmp(b + 8, "AIFC", 4)))
        return OF_AIFF;
    return OF_NONE;
}

/* The format of the file a set gives back: from its bytes once decoded (OF_NONE when the
 * decode gave none back: chunks missing, a pixel set), else what its headers promise. */
static out_fmt file_format(const holo_info *in, const holo_decoded *d)
{
    if (d) return d->bytes ? bytes_format(d->bytes, d->info.length) : OF_NONE;
    if (in->kind == HOLO_KIND_AUDIO) return in->version == 4 ? OF_SOUND : OF_NONE;
    if (in->kind != HOLO_KIND_IMAGE || !in->exact_bytes) return OF_NONE;
    if (!strcmp(in->codec, "JPEG v4")) return OF_JPEG;
    if (strstr(in->codec, "PNG recipe")) return OF_PNG;
    if (strstr(in->codec, "PNM recipe")) return OF_PNM;
    return OF_NONE;
}

/* Whether a file of format f may be written under a name of format n. */
static int fits(out_fmt f, out_fmt n)
{
    return f != OF_NONE && (f == n || (n == OF_PNM && (f == OF_PPM || f == OF_PGM)) ||
                            (f == OF_PNM && (n == OF_PPM || n == OF_PGM)) ||
                            (f == OF_SOUND && (n == OF_WAV || n == OF_AIFF)));
}

static int grey_pixels(const holo_decoded *d)
{
    size_t n = (size_t)d->info.width * d->info.height;
    for (size_t i = 0; i < n; i++)
        if (d->pixels[3 * i] != d->pixels[3 * i + 1] || d->pixels[3 * i] != d->pixels[3 * i + 2])
            return 0;
    return 1;
}

int holo_output_for_name(const holo_info *in, const holo_decoded *d, const char *name,
                         holo_err *err)
{
    if (d) in = &d->info;
    if (in->kind == HOLO_KIND_BINARY) return HOLO_OUTPUT_VIEW;   /* its bytes under any name */
    out_fmt n = name_format(name), f = file_format(in, d);
    if (in->kind == HOLO_KIND_AUDIO) {
        if (f != OF_NONE && (n == OF_NONE || fits(f, n))) return HOLO_OUTPUT_FILE;
        if (f == OF_NONE && (n == OF_NONE || n == OF_WAV)) return HOLO_OUTPUT_VIEW;
        if (f == OF_AIFF)
            return holo_seterr(err, HOLO_EINVAL, "the set holds an AIFF file, which decodes to "
                               "AIFF, not to %s (use -o NAME.aiff)", name);
        return holo_seterr(err, HOLO_EINVAL, "an audio set decodes to WAV, not to %s (use -o "
                           "NAME.wav)", name);
    }
    /* before decoding, PGM only for a PNM recipe's set; after, from grey pixels (below) */
    if (n == OF_WAV || n == OF_AIFF || n == OF_AUDIO || n == OF_IMAGE ||
        (n == OF_PGM && !d && f != OF_PNM))
        return holo_seterr(err, HOLO_EINVAL, "an image set decodes to PNG, JPEG or PPM, not to "
                           "%s (use -o NAME.png, .jpg or .ppm)", name);
    if (n != OF_NONE && fits(f, n)) return HOLO_OUTPUT_FILE;
    /* PGM beside the file itself: a view of grey pixels only (a PNM recipe's set without all
     * its chunks, or of a PPM file whose picture happens to be grey) */
    if (n == OF_PGM && (!d->pixels || !grey_pixels(d)))
        return holo_seterr(err, HOLO_EINVAL, "the picture has colour; PGM "
                           "holds grey pixels, not %s (use -o NAME.ppm or .png)", name);
    return HOLO_OUTPUT_VIEW;
}

const char *holo_output_ext(const holo_info *in, const holo_decoded *d)
{
    if (d) in = &d->info;
    switch (file_format(in, d)) {
    case OF_PNG: return ".png";
    case OF_JPEG: return ".jpg";
    case OF_PPM: return ".ppm";
    case OF_PGM: return ".pgm";
    case OF_PNM: return ".pnm";
    case OF_AIFF: return ".aiff";
    default: break;
    }
    return in->kind == HOLO_KIND_AUDIO ? ".wav" : in->kind == HOLO_KIND_IMAGE ? ".png" : "";
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
        if (v == HOLO_VIEW_PGM) return holo_pgm_size(info->width, info->height);
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
    if (v == HOLO_VIEW_JPEG && d->bytes && bytes_format(d->bytes, in->length) == OF_JPEG) {
        /* a decoded JPEG (HO4J): its own bytes (a recipe's PNG/PNM file is not a JPEG) */
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
    case HOLO_VIEW_PGM:
        if (!grey_pixels(d))
            return holo_seterr(err, HOLO_EINVAL, "pgm: the picture has colour");
        return holo_pgm_encode(d->pixels, w, h, buf, len, err);
    default:
        return holo_seterr(err, HOLO_EINVAL, "images can be written as PNG, JPEG, PPM or PGM only");
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
