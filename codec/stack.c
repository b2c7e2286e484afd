/* stack.c — average several frames before encoding, or several decoded captures after. */
#include "stack.h"
#include "imageio.h"
#include "internal.h"
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* num / den rounded half to even, for den > 0 (floor division first, so negatives work). */
static int64_t div_rne(int64_t num, int64_t den)
{
    int64_t q = num / den, r = num % den;
    if (r < 0) { q--; r += den; }
    if (2 * r > den || (2 * r == den && (q & 1))) q++;
    return q;
}

/* ---- frames -> encoded directory ------------------------------------------------------ */

/* Hidden temporary PNG beside outdir (same file system, removed afterwards). */
static int temp_png(const char *outdir, const uint8_t *png, size_t len, char *path, size_t psz,
                    holo_err *err)
{
    char dir[PATH_MAX];
    size_t n = strlen(outdir);
    while (n > 1 && outdir[n - 1] == '/') n--;
    if (n >= sizeof dir) return holo_seterr(err, HOLO_EINVAL, "%s: path too long", outdir);
    memcpy(dir, outdir, n);
    dir[n] = 0;
    char *slash = strrchr(dir, '/');
    const char *base = slash ? slash + 1 : dir;
    int w;
    if (slash == dir) w = snprintf(path, psz, "/.%s.stack-XXXXXX.png", base);
    else if (slash) { *slash = 0; w = snprintf(path, psz, "%s/.%s.stack-XXXXXX.png", dir, base); }
    else w = snprintf(path, psz, ".%s.stack-XXXXXX.png", base);
    if (w < 0 || (size_t)w >= psz) return holo_seterr(err, HOLO_EINVAL, "%s: path too long", outdir);
    int fd = mkstemps(path, 4);
    if (fd < 0) return holo_seterr_sys(err, errno, "%s", path);
    if (holo_write_all(fd, png, len) < 0) {
        int e = errno;
        close(fd);
        unlink(path);
        return holo_seterr_sys(err, e, "%s", path);
    }
    if (close(fd) < 0) {
        int e = errno;
        unlink(path);
        return holo_seterr_sys(err, e, "%s", path);
    }
    return 0;
}

int holo_stack_frames(const char *const *frames, size_t n, const char *outdir,
                      const holo_encode_opts *o, holo_err *err)
{
    if (n == 0) return holo_seterr(err, HOLO_EINVAL, "%s: no frames to stack", outdir);
    if (n > HOLO_STACK_MAX)
        return holo_seterr(err, HOLO_EINVAL, "%s: %zu frames, at most %u can be stacked", outdir, n,
                           HOLO_STACK_MAX);
    holo_image im;
    int rc = holo_image_read(frames[0], &im, err);
    if (rc) return rc;
    const uint32_t W = im.w, H = im.h;
    const size_t N = (size_t)W * H * 3;
    uint32_t *sum = malloc(N * sizeof *sum);   /* 255 * 65536 fits in 32 bits */
    uint8_t *mean = NULL, *png = NULL;
    size_t pnglen = 0;
    if (!sum) {
        holo_image_free(&im);
        return holo_seterr(err, HOLO_ENOMEM, "%s: out of memory for %ux%u pixels", frames[0], W, H);
    }
    for (size_t k = 0; k < N; k++) sum[k] = im.rgb[k];
    holo_image_free(&im);
    for (size_t i = 1; i < n; i++) {
        if ((rc = holo_image_read(frames[i], &im, err))) goto out;
        if (im.w != W || im.h != H) {
            rc = holo_seterr(err, HOLO_EINVAL, "%s: frame is %ux%u but %s is %ux%u: cannot stack",
                             frames[i], im.w, im.h, frames[0], W, H);
            holo_image_free(&im);
            goto out;
        }
        for (size_t k = 0; k < N; k++) sum[k] += im.rgb[k];
        holo_image_free(&im);
    }
    mean = malloc(N);
    if (!mean) { rc = holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", outdir); goto out; }
    for (size_t k = 0; k < N; k++) mean[k] = (uint8_t)div_rne(sum[k], (int64_t)n);
    free(sum);
    sum = NULL;

    /* The per-kind encoders read files: hand them the mean as a lossless PNG. */
    int threads = holo_thread_count(o ? o->threads : 0);
    if ((rc = holo_png_encode_fast(mean, W, H, threads, &png, &pnglen, err))) goto out;
    free(mean);
    mean = NULL;
    char tmp[PATH_MAX];
    if ((rc = temp_png(outdir, png, pnglen, tmp, sizeof tmp, err))) goto out;
    holo_encode_opts eo;
    if (o) eo = *o;
    else holo_encode_opts_init(&eo);
    eo.mode = HOLO_KIND_IMAGE;
    eo.name_hint = NULL;
    holo_err e = {0};
    rc = holo_encode_file(tmp, outdir, &eo, &e);
    unlink(tmp);
    if (rc) {
        holo_seterr(err, rc, "%s: encoding the stack of %zu frames failed: %s", outdir, n, e.msg);
        if (err) err->sys_errno = e.sys_errno;
    }
out:
    free(sum);
    free(mean);
    free(png);
    return rc;
}

/* ---- captures -> averaged reconstruction ---------------------------------------------- */

static int same_geometry(const holo_info *a, const holo_info *b)
{
    if (a->kind != b->kind) return 0;
    if (a->kind == HOLO_KIND_IMAGE) return a->width == b->width && a->height == b->height;
    return a->channels == b->channels && a->frames == b->frames && a->sample_rate == b->sample_rate;
}

static void describe(const holo_info *i, char *buf, size_t sz)
{
    if (i->kind == HOLO_KIND_IMAGE) snprintf(buf, sz, "a %ux%u image", i->width, i->height);
    else snprintf(buf, sz, "%u-channel audio of %u frames at %u Hz", i->channels, i->frames,
                  i->sample_rate);
}

/* acc += w * (samples of d). */
static void accumulate(int64_t *acc, size_t len, const holo_decoded *d, int64_t w)
{
    if (d->pixels)
        for (size_t k = 0; k < len; k++) acc[k] += w * d->pixels[k];
    else
        for (size_t k = 0; k < len; k++) acc[k] += w * d->samples[k];
}

int holo_stack_holo(const char *const *dirs, size_t n, const holo_decode_opts *o,
                    holo_decoded *out, holo_err *err)
{
    memset(out, 0, sizeof *out);
    if (n == 0) return holo_seterr(err, HOLO_EINVAL, "stack: no capture directories given");
    if (n > HOLO_STACK_MAX)
        return holo_seterr(err, HOLO_EINVAL, "stack: %zu captures, at most %u", n, HOLO_STACK_MAX);
    int64_t *acc = NULL;
    holo_info first, tot;
    memset(&tot, 0, sizeof tot);
    size_t len = 0;
    uint64_t wsum = 0;
    int rc = 0;
    /* The weight of capture i is known once it is decoded: accumulate w_i * x_i, keeping one
     * decoded capture in memory at a time, and divide by the total at the end. */
    for (size_t i = 0; i < n; i++) {
        holo_decoded d;
        if ((rc = holo_decode_dir(dirs[i], o, &d, err))) goto out;
        if (d.info.kind != HOLO_KIND_IMAGE && d.info.kind != HOLO_KIND_AUDIO) {
            holo_decoded_free(&d);
            rc = holo_seterr(err, HOLO_EUNSUPPORTED,
                             "%s: only image and audio captures can be stacked", dirs[i]);
            goto out;
        }
        if (i == 0) {
            first = d.info;
            len = first.kind == HOLO_KIND_IMAGE ? (size_t)first.width * first.height * 3
                                                : (size_t)first.frames * first.channels;
            acc = calloc(len ? len : 1, sizeof *acc);
            if (!acc) {
                holo_decoded_free(&d);
                rc = holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", dirs[i]);
                goto out;
            }
        } else if (!same_geometry(&first, &d.info)) {
            char a[128], b[128];
            describe(&d.info, a, sizeof a);
            describe(&first, b, sizeof b);
            holo_decoded_free(&d);
            rc = holo_seterr(err, HOLO_EINVAL, "%s: holds %s but %s holds %s: cannot stack",
                             dirs[i], a, dirs[0], b);
            goto out;
        }
        tot.chunks_present += d.info.chunks_present;
        tot.chunks_bad += d.info.chunks_bad;
        tot.chunk_files += d.info.chunk_files;
        tot.chunk_bytes += d.info.chunk_bytes;
        tot.chunks_recovered += d.info.chunks_recovered;
        if (d.info.newest_mtime_ns > tot.newest_mtime_ns) tot.newest_mtime_ns = d.info.newest_mtime_ns;
        wsum += d.info.chunks_present;
        accumulate(acc, len, &d, d.info.chunks_present);
        holo_decoded_free(&d);
    }
    if (wsum == 0) {
        /* No capture placed a residual slice: equal weights over the coarse views, which
         * means decoding again (rare, and coarse-only decodes are cheap). */
        memset(acc, 0, len * sizeof *acc);
        for (size_t i = 0; i < n; i++) {
            holo_decoded d;
            if ((rc = holo_decode_dir(dirs[i], o, &d, err))) goto out;
            accumulate(acc, len, &d, 1);
            holo_decoded_free(&d);
        }
        wsum = n;
    }
    out->info = first;
    out->info.chunks_present = tot.chunks_present;
    out->info.chunks_bad = tot.chunks_bad;
    out->info.chunk_files = tot.chunk_files;
    out->info.chunk_bytes = tot.chunk_bytes;
    out->info.chunks_recovered = tot.chunks_recovered;
    out->info.newest_mtime_ns = tot.newest_mtime_ns;
    out->info.exact = n == 1 && first.exact;
    if (first.kind == HOLO_KIND_IMAGE) {
        out->pixels = malloc(len ? len : 1);
        if (!out->pixels) { rc = holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", dirs[0]); goto out; }
        for (size_t k = 0; k < len; k++) out->pixels[k] = (uint8_t)div_rne(acc[k], (int64_t)wsum);
    } else {
        out->samples = malloc((len ? len : 1) * sizeof *out->samples);
        if (!out->samples) { rc = holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", dirs[0]); goto out; }
        for (size_t k = 0; k < len; k++) out->samples[k] = (int16_t)div_rne(acc[k], (int64_t)wsum);
    }
out:
    free(acc);
    if (rc) holo_decoded_free(out);
    return rc;
}
