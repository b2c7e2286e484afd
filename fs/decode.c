/* decode.c — how holofs decodes an encoded file for reading: the cache's loader (a whole
 * decoded view, under the decode_mb budget of decodes in flight) and which files are read
 * through a stream instead (binary v4, stream.h). */
#include "ops_int.h"
#include "dict.h"
#include "pack.h"
#include "ns.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void holofs_warn(void *ctx, const char *msg)
{
    holofs_log(ctx, "%s", msg);
}

/* Memory a decode of this file takes at its peak, from the headers alone: the codec's figure
 * for the decoded data, the chunks read in and the serialised view (all coexist at some point;
 * measured on a 40 MB binary: peak 3.0x its length, this says 3.0x; a 14.7 MP JPEG v4: peak
 * 117 MiB RSS, this says 121 MiB). Saturates instead of wrapping. */
static uint64_t decode_estimate(const holo_info *info, holo_view v)
{
    /* a set that gives back its file is served as those bytes (decode_view), not a view */
    uint64_t served = info->exact_bytes && info->kind != HOLO_KIND_BINARY ? info->file_size
                                                                           : holo_view_size(info, v);
    uint64_t sum = holo_decode_bytes_estimate(info), parts[2] = {served, info->chunk_bytes};
    for (int i = 0; i < 2; i++)
        sum = sum > UINT64_MAX - parts[i] ? UINT64_MAX : sum + parts[i];
    return sum;
}

/* Reserve `est` bytes of the decode budget (decodes in flight plus the cache). The cache gives
 * way first; then we wait for other decodes, boundedly. 0, -EFBIG (larger than the whole
 * budget) or -EIO (still no room after the wait); both are logged. */
static int budget_acquire(holofs *fs, const char *path, uint64_t est)
{
    enum { WAIT_S = 30 };
    uint64_t budget = (uint64_t)fs->decode_mb << 20;
    if (est > budget) {
        holofs_log(fs, "%s: decoding needs about %llu MiB, more than the decode budget "
                       "(decode_mb=%u): refused", path,
                   (unsigned long long)((est + (1u << 20) - 1) >> 20), fs->decode_mb);
        return -EFBIG;
    }
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += WAIT_S;
    pthread_mutex_lock(&fs->budget_mu);
    for (;;) {
        if (fs->inflight + est <= budget) {
            size_t room = (size_t)(budget - fs->inflight - est);
            if (fs_cache_bytes(fs->cache) > room)
                fs_cache_trim(fs->cache, room);
            if (fs_cache_bytes(fs->cache) <= room)
                break;
        }
        if (pthread_cond_timedwait(&fs->budget_cv, &fs->budget_mu, &until) == ETIMEDOUT) {
            pthread_mutex_unlock(&fs->budget_mu);
            holofs_log(fs, "%s: no room in the decode budget (decode_mb=%u) after %d s of "
                           "other decodes: refused", path, fs->decode_mb, WAIT_S);
            return -EIO;
        }
    }
    fs->inflight += est;
    pthread_mutex_unlock(&fs->budget_mu);
    return 0;
}

static void budget_release(holofs *fs, uint64_t est)
{
    pthread_mutex_lock(&fs->budget_mu);
    fs->inflight -= est;
    pthread_cond_broadcast(&fs->budget_cv);
    pthread_mutex_unlock(&fs->budget_mu);
}

/* The store's own .holo-dict (never one above the store), or NULL: the library looks up. */
const char *store_dict_dir(const holofs *fs)
{
    return fs->dict ? fs_dict_dir(fs->dict) : NULL;
}

/* Decode and serialise the encoded file `path` (chunk directory `dir`, whose headers say
 * `info`). */
static int decode_view(holofs *fs, const char *path, const char *dir, const holo_info *info,
                       uint8_t **buf, size_t *len)
{
    holo_decode_opts o;
    holo_decoded d;
    holo_err err = {0};
    holo_decode_opts_init(&o);
    o.warn = holofs_warn;
    o.warn_ctx = fs;
    o.dict_dir = store_dict_dir(fs);
    /* a set that gives back its file is served as that file's bytes (below): a JPEG v4 set
     * then skips decoding pixels nothing reads */
    o.bytes_only = info->exact_bytes && info->kind != HOLO_KIND_BINARY;
    memset(&d, 0, sizeof d);
    if (holo_decode_dir(dir, &o, &d, &err) < 0) {
        holofs_log(fs, "%s: cannot decode: %s", path, err.msg);
        return -holo_errno(&err);
    }
    /* A binary with bytes missing or failing their checks would read as wrong bytes, which
     * nothing downstream can tell from right ones: refuse it. Degraded images and audio are
     * the point of the codec and are served. */
    if (d.info.kind == HOLO_KIND_BINARY && !d.info.exact) {
        holofs_log(fs, "%s: cannot decode exactly (%u/%u chunks valid): refused rather than "
                       "serve wrong bytes", path, d.info.chunks_present, d.info.block_count);
        holo_decoded_free(&d);
        return -EIO;
    }
    if (d.info.kind != HOLO_KIND_BINARY && d.bytes && (d.info.exact || d.info.partial_as_file) &&
        d.info.exact_bytes) {
        /* a complete set that keeps the original file (an image with a recipe), or one whose
         * partial decode is still that kind of file (HO4J): its bytes */
        *len = (size_t)(d.info.file_size ? d.info.file_size : d.info.length);
        *buf = d.bytes;
        d.bytes = NULL;
        holo_decoded_free(&d);
        return 0;
    }
    int rc = holo_view_render(&d, ns_view(ns_basename(path), d.info.kind), buf, len, &err);
    if (rc < 0) {
        holofs_log(fs, "%s: cannot serialise: %s", path, err.msg);
        holo_decoded_free(&d);
        return -holo_errno(&err);
    }
    if (fs->debug)
        holofs_log(fs, "decoded %s: %u/%u chunks, %zu bytes", path, d.info.chunks_present,
                   d.info.block_count, *len);
    holo_decoded_free(&d);
    return 0;
}

int holofs_load(void *ctx, const char *path, uint8_t **buf, size_t *len)
{
    holofs *fs = ctx;
    char dir[PATH_MAX];
    holo_err err = {0};
    size_t oi;
    if (pk_resolve(fs->store, path, dir, sizeof dir, &oi) == PK_OBJECT) {   /* container object */
        holo_pack_index idx;
        if (holo_pack_read_index(dir, &idx, &err) < 0) {
            holofs_log(fs, "%s: cannot unpack: %s", path, err.msg);
            return -holo_errno(&err);
        }
        uint64_t est = oi < idx.n_objects ? pk_decode_estimate(&idx, oi) : 0;
        holo_pack_index_free(&idx);
        int rc = budget_acquire(fs, path, est);
        if (rc < 0)
            return rc;
        rc = pk_load(dir, oi, buf, len, &err);
        budget_release(fs, est);
        if (rc < 0)
            holofs_log(fs, "%s: cannot unpack: %s", path, err.msg);
        return rc;
    }
    if (ns_join(dir, sizeof dir, fs->store, path, NS_SUFFIX) < 0)
        return -ENAMETOOLONG;
    struct stat dst;
    if (lstat(dir, &dst) < 0) {   /* a small file packed in its directory (smallpack.h) */
        resolved r;
        resolve(fs, path, 0, &r);
        if (r.kind == R_ENCODED)
            snprintf(dir, sizeof dir, "%s", r.spath);
    }
    holo_info info;
    if (holo_info_dir(dir, &info, &err) < 0) {
        holofs_log(fs, "%s: cannot decode: %s", path, err.msg);
        return -holo_errno(&err);
    }
    uint64_t est = decode_estimate(&info, ns_view(ns_basename(path), info.kind));
    int rc = budget_acquire(fs, path, est);
    if (rc < 0)
        return rc;
    rc = decode_view(fs, path, dir, &info, buf, len);
    budget_release(fs, est);
    return rc;
}

/* Encoded files whose reads go through a stream: binary v4. */
int is_stream_file(holofs *fs, const char *path, const char *spath)
{
    holo_info info;
    return enc_info(fs, path, spath, &info) == 0 && info.kind == HOLO_KIND_BINARY &&
           info.version == 4;
}
