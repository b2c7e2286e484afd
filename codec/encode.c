/* encode.c — holo_encode_file: pick the mode and codec, encode into a temporary directory,
 * then swap it in under the final name. */
#include "internal.h"
#include "v4_audio_file.h"
#include "v4_binary.h"
#include "v4_jpeg.h"
#include "v4_dict.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void holo_encode_opts_init(holo_encode_opts *o)
{
    memset(o, 0, sizeof *o);
    o->codec_version = 0;     /* automatic: see holo_encode_version() */
    o->coarse_side = 16;
    o->coarse_frames = 2048;
    o->quality = 50;
    o->block_size = 8;
    o->n_fft = 512;
}

static holo_kind mode_from_ext(const char *path)
{
    static const char *const image[] = { ".png", ".jpg", ".jpeg", ".jpe", ".ppm", ".pgm", ".pnm", NULL };
    static const char *const audio[] = { ".wav", ".wave", ".flac", ".aif", ".aiff", ".aifc", ".ogg",
                                         ".oga", ".au", ".snd", ".caf", ".w64", NULL };
    char ext[16];
    holo_path_ext(path, ext);
    for (int i = 0; image[i]; i++) if (!strcmp(ext, image[i])) return HOLO_KIND_IMAGE;
    for (int i = 0; audio[i]; i++) if (!strcmp(ext, audio[i])) return HOLO_KIND_AUDIO;
    return HOLO_KIND_NONE;
}

static holo_kind mode_from_magic(const uint8_t *m, size_t n)
{
    if (n >= 8 && !memcmp(m, "\x89PNG\r\n\x1a\n", 8)) return HOLO_KIND_IMAGE;
    if (n >= 3 && m[0] == 0xFF && m[1] == 0xD8 && m[2] == 0xFF) return HOLO_KIND_IMAGE;
    if (n >= 3 && m[0] == 'P' && (m[1] == '5' || m[1] == '6') &&
        (m[2] == ' ' || m[2] == '\n' || m[2] == '\r' || m[2] == '\t')) return HOLO_KIND_IMAGE;
    if (n >= 12 && !memcmp(m, "RIFF", 4) && !memcmp(m + 8, "WAVE", 4)) return HOLO_KIND_AUDIO;
    if (n >= 4 && !memcmp(m, "fLaC", 4)) return HOLO_KIND_AUDIO;
    if (n >= 12 && !memcmp(m, "FORM", 4) && (!memcmp(m + 8, "AIFF", 4) || !memcmp(m + 8, "AIFC", 4)))
        return HOLO_KIND_AUDIO;
    return HOLO_KIND_NONE;
}

static holo_kind detect(const char *path, const char *name_hint)
{
    holo_kind k = mode_from_ext(name_hint ? name_hint : path);
    if (k) return k;
    uint8_t m[16];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return HOLO_KIND_BINARY;
    ssize_t n = read(fd, m, sizeof m);
    close(fd);
    k = n > 0 ? mode_from_magic(m, (size_t)n) : HOLO_KIND_NONE;
    return k ? k : HOLO_KIND_BINARY;
}

holo_kind holo_detect_mode(const char *path)
{
    return detect(path, NULL);
}

/* Settings that only the v1/v2 image format (and v3) honours; v4 ignores them. */
static int has_v12_image_setting(const holo_encode_opts *o)
{
    return o->chunk_kb > 0 || o->zlib_level > 0 || o->recovery > 0 ||
           (o->coarse_side && o->coarse_side != 16) || o->block_count > 255;
}

int holo_encode_version(const holo_encode_opts *o, holo_kind kind)
{
    if (o->codec_version) return o->codec_version;
    int v4_only = o->lossy || o->target_psnr > 0 || o->target_bytes > 0;
    if (kind == HOLO_KIND_IMAGE && v4_only) return 4;     /* the lossy profile exists only there */
    if (has_v12_image_setting(o)) return 2;               /* those settings keep their meaning */
    /* pixels, or a mode that asks for the media readers: images v4, audio v2, binaries HO4B */
    if (o->pixels || o->mode == HOLO_KIND_IMAGE || o->mode == HOLO_KIND_AUDIO)
        return kind == HOLO_KIND_AUDIO ? 2 : 4;
    return 0;                                             /* the store policy, by content */
}

/* 1 when the file starts with a JPEG SOI and marker. */
static int starts_as_jpeg(const char *path)
{
    uint8_t b[3] = { 0 };
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t n = fd >= 0 ? read(fd, b, sizeof b) : -1;
    if (fd >= 0) close(fd);
    return n == 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF;
}

/* A small binary in a store that holds a dictionary is written as HO4B with it, whatever the
 * automatic version: that is what the dictionary is for (holo(5) "DICTIONARY"). */
static int small_with_dict(const holo_encode_opts *o, const char *outdir, off_t size)
{
    char dir[PATH_MAX];
    uint8_t id[HOLO_DICT_ID_LEN];
    return size > 0 && size <= (off_t)HOLO_DICT_MAX_FILE && v4d_dir_for(o->dict_dir, outdir, dir, sizeof dir) == 0 &&
           holo_dict_current(dir, id, NULL) == 0;
}

static int encode_into(const char *input, const char *tmp, holo_kind mode,
                       const holo_encode_opts *o, holo_err *err)
{
    int v = o->codec_version;
    /* keep_jpeg: a JPEG as itself (HO4J); one it cannot rebuild exactly is coded as before */
    if (mode == HOLO_KIND_IMAGE && v == 4 && o->keep_jpeg && starts_as_jpeg(input)) {
        holo_err e2 = { 0 };
        int rc = holo_v4_jpeg_encode(input, tmp, o, &e2);
        if (rc != HOLO_EUNSUPPORTED) {
            if (rc && err) *err = e2;
            return rc;
        }
    }
    if (mode == HOLO_KIND_BINARY && v == 4) return holo_v4_binary_encode(input, tmp, o, err);
    if (mode == HOLO_KIND_BINARY) return holo_binary_encode(input, tmp, o, err);
    if (v == 3) return holo_v3_encode(input, tmp, mode, o, err);
    if (mode == HOLO_KIND_IMAGE) {
        if (v == 4) return holo_v4_encode(input, tmp, o, err);
        return holo_image12_encode(input, tmp, o, err);
    }
    if (v == 4) {   /* HO4A; a WAV it cannot rebuild byte for byte is stored as a binary */
        int rc = holo_v4_audio_encode(input, tmp, o, err);
        if (rc != HOLO_EUNSUPPORTED) return rc;
        holo_encode_opts ob = *o;
        ob.block_count = 0;
        return holo_v4_binary_encode(input, tmp, &ob, err);
    }
    holo_encode_opts o2 = *o;
    o2.codec_version = v;
    return holo_audio12_encode(input, tmp, &o2, err);
}

int holo_encode_file(const char *input, const char *outdir, const holo_encode_opts *opts,
                     holo_err *err)
{
    holo_encode_opts defaults;
    if (!opts) { holo_encode_opts_init(&defaults); opts = &defaults; }
    if (opts->codec_version < 0 || opts->codec_version > 4)
        return holo_seterr(err, HOLO_EINVAL,
                           "%s: codec version %d does not exist (1-4, 0 = automatic)", input,
                           opts->codec_version);
    struct stat st;
    if (stat(input, &st) < 0) return holo_seterr_sys(err, errno, "%s", input);
    if (S_ISDIR(st.st_mode)) return holo_seterr(err, HOLO_EINVAL, "%s: is a directory", input);
    holo_kind mode = opts->mode ? opts->mode : detect(input, opts->name_hint);
    holo_encode_opts o = *opts;
    o.codec_version = holo_encode_version(opts, mode);
    if (mode == HOLO_KIND_BINARY && opts->codec_version == 0 && small_with_dict(&o, outdir, st.st_size))
        o.codec_version = 4;
    if (o.codec_version == 0)   /* automatic: the file's content picks the codec */
        return holo_store_encode(input, outdir, &o, err);
    if (st.st_size == 0 && !(mode == HOLO_KIND_BINARY && o.codec_version == 4))   /* HO4B keeps empty files */
        return holo_seterr(err, HOLO_EINVAL, "%s: file is empty, nothing to encode", input);

    char tmp[PATH_MAX];
    int rc = holo_tmpdir_begin(outdir, tmp, sizeof tmp, err);
    if (rc) return rc;
    holo_chunkdir_mode(tmp, st.st_mode);
    rc = encode_into(input, tmp, mode, &o, err);
    if (!rc) rc = holo_tmpdir_commit(tmp, outdir, err);
    if (rc) holo_rmtree(tmp);
    return rc;
}
