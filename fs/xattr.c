/* xattr.c — extended attributes through holofs: an encoded file answers user.holo.* from its
 * chunk headers (read-only: setting any attribute on it is ENOTSUP); everything else passes
 * through to the store's entry. Containers carry none. */
#include "ops_int.h"
#include "ns.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/xattr.h>

static int xattr_reply(const char *val, char *buf, size_t size)
{
    size_t n = strlen(val);
    if (size == 0)
        return (int)n;
    if (size < n)
        return -ERANGE;
    memcpy(buf, val, n);
    return (int)n;
}

static const char *const xnames[] = {
    "user.holo.kind", "user.holo.version", "user.holo.chunks", "user.holo.exact",
    "user.holo.size", "user.holo.decodes", "user.holo.recoverable", "user.holo.codec",
    "user.holo.exact_bytes", "user.holo.holes",
};

/* 1 when a full decode of the set gives the original back (recovery chunks included: v1/v2;
 * audio may carry a clipping flag that info.exact alone knows about). */
static int info_exact(const holo_info *info)
{
    return info->exact ||
           (info->recoverable && info->version < 3 && info->kind != HOLO_KIND_AUDIO);
}

/* user.holo.holes: the byte ranges no chunk set can rebuild. Binary v4 knows them frame by
 * frame; an incomplete HOBI binary is unreadable as a whole; media views have none. */
static int holes_xattr(holofs *fs, const char *path, const char *spath, const holo_info *info,
                       char *buf, size_t size)
{
    char val[4096] = "";
    if (info->kind == HOLO_KIND_BINARY && info->version == 4) {
        fs_sfile *f;
        holo_err err = {0};
        if (fs_streams_get(fs->streams, path, spath, &f, &err) < 0) {
            holofs_log(fs, "%s: cannot open: %s", path, err.msg);
            return -EIO;
        }
        fs_sfile_holes(f, val, sizeof val);
        fs_sfile_put(fs->streams, f);
    } else if (info->kind == HOLO_KIND_BINARY && !info_exact(info) && info->length) {
        snprintf(val, sizeof val, "0-%llu", (unsigned long long)info->length - 1);
    }
    return xattr_reply(val, buf, size);
}


int fs_getxattr(const char *path, const char *name, char *buf, size_t size)
{
    holofs *fs = ctx_fs();
    char val[128];
    struct stat st;
    resolved r;
    resolve(fs, path, 0, &r);
    if (is_pack(&r)) {   /* container paths carry no attributes */
        int pk = pk_stat(&r, &st);
        return pk < 0 ? pk : -ENODATA;
    }
    if (r.kind == R_MISSING)
        return fs_pending_stat(fs->pend, path, &st) == 0 ? -ENODATA : -ENOENT;
    if (r.kind != R_ENCODED) {
        ssize_t n = lgetxattr(r.spath, name, buf, size);
        return n < 0 ? -errno : (int)n;
    }
    if (strcmp(name, "user.holo.decodes") == 0) {
        snprintf(val, sizeof val, "%llu", (unsigned long long)fs_cache_loads(fs->cache, path));
        return xattr_reply(val, buf, size);
    }
    holo_info info;
    if (strncmp(name, "user.holo.", 10) != 0)
        return -ENODATA;
    if (enc_info(fs, path, r.spath, &info) < 0) {
        if (strcmp(name, "user.holo.chunks") != 0)
            return -ENODATA;
        snprintf(val, sizeof val, "0/0");
        return xattr_reply(val, buf, size);
    }
    if (strcmp(name, "user.holo.dict") == 0) {   /* the store dictionary it needs */
        if (!info.has_dict)
            return -ENODATA;
        holo_dict_hex(info.dict_id, val);
    } else if (strcmp(name, "user.holo.kind") == 0)
        snprintf(val, sizeof val, "%s", holo_kind_name(info.kind));
    else if (strcmp(name, "user.holo.version") == 0)
        snprintf(val, sizeof val, "%d", info.version);
    else if (strcmp(name, "user.holo.chunks") == 0)
        snprintf(val, sizeof val, "%u/%u", info.chunks_present, info.block_count);
    else if (strcmp(name, "user.holo.exact") == 0)
        snprintf(val, sizeof val, "%d", info_exact(&info));
    else if (strcmp(name, "user.holo.codec") == 0) {
        if (info.codec[0])
            snprintf(val, sizeof val, "%s", info.codec);
        else if (info.kind == HOLO_KIND_BINARY && info.version == 4)
            snprintf(val, sizeof val, "binary v4");
        else
            snprintf(val, sizeof val, "v%d %s", info.version, holo_kind_name(info.kind));
    } else if (strcmp(name, "user.holo.exact_bytes") == 0)
        /* binaries always keep the bytes; media only when the library says so (recipes) */
        snprintf(val, sizeof val, "%d", info.exact_bytes || info.kind == HOLO_KIND_BINARY);
    else if (strcmp(name, "user.holo.holes") == 0)
        return holes_xattr(fs, path, r.spath, &info, buf, size);
    else if (strcmp(name, "user.holo.recoverable") == 0)
        /* chunks are missing and the recovery chunks present cover them */
        snprintf(val, sizeof val, "%d", info.recoverable);
    else if (strcmp(name, "user.holo.size") == 0) {
        if (info.kind == HOLO_KIND_IMAGE)
            snprintf(val, sizeof val, "%ux%u", info.width, info.height);
        else if (info.kind == HOLO_KIND_AUDIO)
            snprintf(val, sizeof val, "%u/%u/%u", info.frames, info.sample_rate,
                     info.channels);
        else
            snprintf(val, sizeof val, "%llu", (unsigned long long)info.length);
    } else
        return -ENODATA;
    return xattr_reply(val, buf, size);
}

int fs_listxattr(const char *path, char *buf, size_t size)
{
    holofs *fs = ctx_fs();
    struct stat st;
    resolved r;
    resolve(fs, path, 0, &r);
    if (is_pack(&r)) {
        int pk = pk_stat(&r, &st);
        return pk < 0 ? pk : 0;
    }
    if (r.kind == R_MISSING)
        return fs_pending_stat(fs->pend, path, &st) == 0 ? 0 : -ENOENT;
    if (r.kind != R_ENCODED) {
        ssize_t n = llistxattr(r.spath, buf, size);
        return n < 0 ? -errno : (int)n;
    }
    size_t need = 0;
    for (size_t i = 0; i < sizeof xnames / sizeof *xnames; i++)
        need += strlen(xnames[i]) + 1;
    if (size == 0)
        return (int)need;
    if (size < need)
        return -ERANGE;
    char *p = buf;
    for (size_t i = 0; i < sizeof xnames / sizeof *xnames; i++) {
        size_t n = strlen(xnames[i]) + 1;
        memcpy(p, xnames[i], n);
        p += n;
    }
    return (int)need;
}

int fs_setxattr(const char *path, const char *name, const char *val, size_t size,
                       int flags)
{
    holofs *fs = ctx_fs();
    struct stat st;
    resolved r;
    int rc = resolve(fs, path, 1, &r);
    if (rc < 0)
        return rc;
    if (r.kind == R_MISSING)   /* a file being written has no xattrs either (cp -p copes) */
        return fs_pending_stat(fs->pend, path, &st) == 0 ? -ENOTSUP : -ENOENT;
    if (r.kind == R_ENCODED)
        return -ENOTSUP;
    return lsetxattr(r.spath, name, val, size, flags) < 0 ? -errno : 0;
}

int fs_removexattr(const char *path, const char *name)
{
    resolved r;
    int rc = resolve(ctx_fs(), path, 1, &r);
    if (rc < 0)
        return rc;
    if (r.kind == R_MISSING)
        return -ENOENT;
    if (r.kind == R_ENCODED)
        return -ENOTSUP;
    return lremovexattr(r.spath, name) < 0 ? -errno : 0;
}
