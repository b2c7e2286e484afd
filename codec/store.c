/* store.c — holo_store_encode: the store policy (policy.c) applied to one file, for
 * holo_encode_file with the automatic codec version (issue 16, holo(1) "STORE POLICY").
 *
 * The file's content decides, never its name: a PNG or PPM/PGM that a recipe re-creates is
 * encoded as a v4 image carrying the recipe, everything else as binary v4. The recipe path
 * must earn its place twice: the set it wrote is decoded and must give back the file byte
 * for byte, and it must not be larger than binary v4 of the same file (both are encoded;
 * holo_store_settle keeps the smaller). Any failure of the recipe path falls back to binary.
 * A WAV/AIFF takes audio v4 (HO4A) when its set decodes to the file byte for byte and fits the
 * size rule (holo_store_fits); then no binary set is written.
 * A JPEG is kept as HO4J (issue 18) when its coded streams decode to the file and the set is
 * no larger than the JPEG + 4 KiB; otherwise (arithmetic-coded, 12-bit, lossless, broken, or
 * too big) binary v4.
 */
#include "internal.h"
#include "png_recipe.h"
#include "pnm_recipe.h"
#include "v4_audio_file.h"
#include "v4_binary.h"
#include "v4_codec.h"
#include "v4_jpeg.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Largest WAV/AIFF the audio path takes: encoding and the verifying decode peak at ~13x the
 * file in memory (measured: 67 MB for a 5.3 MB WAV), so 64 MiB (6 minutes of CD audio) stays
 * under 1 GB; larger files are stored as binary v4. */
#define STORE_MAX_AUDIO_FILE ((uint64_t)64 << 20)

/* Largest image file the recipe path reads whole: a raw PPM at the recipe's pixel cap. */
#define STORE_MAX_IMAGE_FILE ((uint64_t)HOLO_RECIPE_MAX_PIXELS * 3 + (1u << 20))

static holo_sniff_type sniff_file(const char *path)
{
    uint8_t head[HOLO_SNIFF_PEEK];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return HOLO_SNIFF_OTHER;
    size_t n = 0;
    while (n < sizeof head) {
        ssize_t r = read(fd, head + n, sizeof head - n);
        if (r <= 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    return holo_sniff(head, n);
}

/* Total bytes of the regular files in dir (the store's cost). */
static uint64_t dir_bytes(const char *dir)
{
    uint64_t total = 0;
    DIR *d = opendir(dir);
    if (!d)
        return UINT64_MAX;
    struct dirent *e;
    while ((e = readdir(d))) {
        char path[PATH_MAX];
        struct stat st;
        if (e->d_name[0] != '.' && !holo_path_join(path, sizeof path, dir, e->d_name) &&
            lstat(path, &st) == 0 && S_ISREG(st.st_mode))
            total += (uint64_t)st.st_size;
    }
    closedir(d);
    return total;
}

/* The recipe of an image file, when one re-creates it (r filled, 1), else 0. */
static int find_recipe(holo_sniff_type t, const uint8_t *buf, size_t len, const char *name,
                       holo_recipe *r)
{
    holo_err e = { 0 };
    memset(r, 0, sizeof *r);
    int rc = t == HOLO_SNIFF_PNG ? png_recipe_make_ex(buf, len, name, 0, r, &e)
                                 : pnm_recipe_make(buf, len, name, r, &e);
    if (rc) {
        holo_recipe_free(r);
        return 0;
    }
    return 1;
}

/* Encode the recipe image into tmp and prove it: decoding the set must give file[0..len). */
static int encode_recipe_verified(const uint8_t *file, size_t len, const holo_recipe *r,
                                  const char *tmp, const holo_encode_opts *o, const char *name,
                                  holo_err *err)
{
    int rc = holo_v4_encode_recipe(file, len, r, tmp, o, name, err);
    if (rc)
        return rc;
    holo_decode_opts dopts;
    holo_decode_opts_init(&dopts);
    dopts.threads = o->threads;
    holo_decoded d;
    rc = holo_decode_dir(tmp, &dopts, &d, err);
    if (rc)
        return rc;
    int same = d.info.exact && d.bytes && d.info.length == len &&
               memcmp(d.bytes, file, len) == 0;
    holo_decoded_free(&d);
    return same ? 0 : holo_seterr(err, HOLO_EINVAL, "%s: the recipe image does not decode to "
                                  "the file", name);
}

/* The recipe attempt for an image file: 1 when tmp_img holds a verified recipe image that
 * is no larger than the binary v4 set in tmp_bin, else 0 (keep binary v4). */
static int try_recipe(const char *input, holo_sniff_type t, const char *tmp_img,
                      const char *tmp_bin, const holo_encode_opts *o)
{
    uint8_t *file = NULL;
    size_t len = 0;
    holo_recipe r;
    if (holo_read_file(input, STORE_MAX_IMAGE_FILE, &file, &len, NULL))
        return 0;
    holo_store_facts f = { .type = t, .recipe_ok = find_recipe(t, file, len, input, &r) };
    int use = 0;
    if (holo_store_policy(&f) == HOLO_STORE_IMAGE_RECIPE) {
        holo_err e;   /* a recipe image that fails is not an error: binary v4 stores the file */
        if (!encode_recipe_verified(file, len, &r, tmp_img, o, input, &e))
            use = holo_store_settle(HOLO_STORE_IMAGE_RECIPE, dir_bytes(tmp_img),
                                    dir_bytes(tmp_bin)) == HOLO_STORE_IMAGE_RECIPE;
        holo_recipe_free(&r);
    }
    free(file);
    return use;
}

/* The audio attempt for a WAV/AIFF: 1 when tmp holds an HO4A set that decodes to the file
 * byte for byte and fits the size rule, -1 when it decodes so but is too big, else 0 (binary
 * v4 stores the file). */
static int try_audio(const char *input, const char *tmp, const holo_encode_opts *o)
{
    holo_err e;   /* an audio set that fails is not an error: binary v4 stores the file */
    uint8_t *file = NULL;
    size_t len = 0;
    struct stat st;
    if (stat(input, &st) || (uint64_t)st.st_size > STORE_MAX_AUDIO_FILE ||
        holo_v4_audio_encode(input, tmp, o, &e) || holo_read_file(input, STORE_MAX_AUDIO_FILE, &file, &len, &e))
        return 0;
    holo_decode_opts dopts;
    holo_decode_opts_init(&dopts);
    dopts.threads = o->threads;
    holo_decoded d;
    int same = 0;
    if (!holo_decode_dir(tmp, &dopts, &d, &e)) {
        same = d.info.exact && d.bytes && d.info.length == len && memcmp(d.bytes, file, len) == 0;
        holo_decoded_free(&d);
    }
    free(file);
    return !same ? 0 : holo_store_fits(dir_bytes(tmp), len) ? 1 : -1;
}

/* A JPEG as HO4J into tmp: 1 when the encoder proved the exact rebuild (parse + rebuild, then
 * the coded streams decoded) and the set fits the size rule, else 0 (binary v4 keeps it). */
static int try_jpeg(const char *input, const char *tmp, const holo_encode_opts *o)
{
    struct stat st;
    holo_err e;   /* a JPEG HO4J refuses is not an error: binary v4 stores the file */
    holo_encode_opts jo = *o;
    jo.codec_version = 4;
    if (stat(input, &st) || holo_v4_jpeg_encode_ex(input, tmp, &jo, 1, &e))
        return 0;
    uint64_t set = dir_bytes(tmp), size = (uint64_t)st.st_size;
    return o->robust ? set <= size + size / 4 : holo_store_jpeg_fits(set, size);
}

/* The chunk directory that holds the file takes its mode, then replaces outdir. */
static int commit_store(const char *input, const char *keep, const char *outdir, holo_err *err)
{
    struct stat st;
    if (stat(input, &st) == 0)
        holo_chunkdir_mode(keep, st.st_mode);
    int rc = holo_tmpdir_commit(keep, outdir, err);
    if (rc)
        holo_rmtree(keep);
    return rc;
}

int holo_store_encode(const char *input, const char *outdir, const holo_encode_opts *o,
                      holo_err *err)
{
    holo_sniff_type t = o->mode == HOLO_KIND_BINARY ? HOLO_SNIFF_OTHER : sniff_file(input);
    int image = t == HOLO_SNIFF_PNG || t == HOLO_SNIFF_PPM || t == HOLO_SNIFF_PGM;
    holo_encode_opts bo = *o;
    bo.codec_version = 4;
    char tmp_bin[PATH_MAX], tmp_img[PATH_MAX];
    holo_store_facts mf = { .type = t, .pixels = o->pixels };
    holo_store_codec media = holo_store_policy(&mf);
    if ((media == HOLO_STORE_AUDIO_V4 || media == HOLO_STORE_JPEG_V4) &&
        !holo_tmpdir_begin(outdir, tmp_img, sizeof tmp_img, NULL)) {
        /* a verified media set: no binary set is written */
        int kept = media == HOLO_STORE_AUDIO_V4 ? try_audio(input, tmp_img, o)
                                                : try_jpeg(input, tmp_img, o);
        if (kept < 0 && !o->compact) {
            /* noise-like audio outgrows the file with the default guarantees: the compact
             * profile (any half of the chunks) usually fits */
            holo_encode_opts co = *o;
            co.compact = 1;
            holo_rmtree(tmp_img);
            if (holo_tmpdir_begin(outdir, tmp_img, sizeof tmp_img, NULL))
                tmp_img[0] = 0;
            else
                kept = try_audio(input, tmp_img, &co);
        }
        if (kept == 1)
            return commit_store(input, tmp_img, outdir, err);
        if (tmp_img[0])
            holo_rmtree(tmp_img);
    }
    int rc = holo_tmpdir_begin(outdir, tmp_bin, sizeof tmp_bin, err);
    if (rc)
        return rc;
    if ((rc = holo_v4_binary_encode(input, tmp_bin, &bo, err))) {
        holo_rmtree(tmp_bin);
        return rc;
    }
    const char *keep = tmp_bin;
    if (image && !holo_tmpdir_begin(outdir, tmp_img, sizeof tmp_img, NULL)) {
        if (try_recipe(input, t, tmp_img, tmp_bin, o) == 1) {
            keep = tmp_img;
            holo_rmtree(tmp_bin);
        } else {
            holo_rmtree(tmp_img);
        }
    }
    return commit_store(input, keep, outdir, err);
}
