/* writeback.c — what was written through the mount becomes an encoded file: a pending write
 * (pending.h) encoded into STORE/X.holo/ with the mount's encode options and the written
 * file's owner, mode and times; an atomic write-then-rename encoded under its final name; and
 * the other way, an encoded file's bytes copied into a pending write before it is rewritten. */
#include "ops_int.h"
#include "dict.h"
#include "meta.h"
#include "ns.h"
#include "owner.h"
#include "smallpack.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The encode options of the mount for a file written as path. */
static void enc_opts(const holofs *fs, holo_encode_opts *o, const char *path)
{
    holo_encode_opts_init(o);
    o->name_hint = ns_basename(path);
    if (fs->chunk_kb > 0)
        o->chunk_kb = fs->chunk_kb;
    if (fs->codec_version > 0)
        o->codec_version = fs->codec_version;
    o->keep_jpeg = o->codec_version == 4;   /* as `holo encode --codec-version 4`: JPEG -> HO4J */
    o->pixels = fs->pixels;
    o->recovery = fs->recovery;
    o->frame_size = fs->frame_kb << 10;
    o->dict_dir = store_dict_dir(fs);
}

/* Pass a written file's attributes (its temp file's: mode, and the times if utimens set them)
 * on to what it became in the store: a plain file, or the chunk directory and its sidecar. */
static void pass_attrs(holofs *fs, const char *path, const char *spath, int encoded,
                       const struct stat *tst, int times_set)
{
    if (!encoded) {
        if (chmod(spath, tst->st_mode & 07777) < 0) { /* best effort */ }
        if (times_set) {
            struct timespec tv[2] = { tst->st_atim, tst->st_mtim };
            if (utimensat(AT_FDCWD, spath, tv, AT_SYMLINK_NOFOLLOW) < 0) { /* best effort */ }
        }
        return;
    }
    if (meta_chmod(spath, tst->st_mode) < 0)
        holofs_log(fs, "%s: cannot keep mode %04o", path, (unsigned)(tst->st_mode & 07777));
    if (times_set) {
        holo_info info;
        holo_err err = {0};
        int64_t stamp = holo_info_dir(spath, &info, &err) == 0 ? info.newest_mtime_ns : 0;
        if (meta_set_times(spath, &tst->st_atim, &tst->st_mtim, stamp) < 0)
            holofs_log(fs, "%s: cannot keep its times", path);
    }
}

/* The end of an atomic write through the mount (write a hidden temporary such as
 * NAME.tmpXXXXXX or libholo's .holo-tmp-PID-N, rename to NAME):
 * encode the temporary file into NAME.holo/, then remove it. */
int rename_encode(holofs *fs, const char *sfrom, const char *to)
{
    char out[PATH_MAX];
    holo_encode_opts o;
    holo_err err = {0};
    if (ns_join(out, sizeof out, fs->store, to, NS_SUFFIX) < 0)
        return -ENAMETOOLONG;
    enc_opts(fs, &o, to);
    struct stat st;
    if (lstat(sfrom, &st) < 0)
        return -errno;
    if (holo_encode_file(sfrom, out, &o, &err) < 0) {
        holofs_log(fs, "%s: encode failed, previous version kept: %s", to, err.msg);
        return -holo_errno(&err);
    }
    owner_give(out, st.st_uid, st.st_gid);
    fs_dict_note(fs->dict, (uint64_t)st.st_size);
    if (st.st_size <= HOLO_DICT_MAX_FILE)
        sp_auto_note(fs->sp, out);
    pass_attrs(fs, to, out, 1, &st, 1);
    unlink(sfrom);
    forget(fs, to, 0, NULL, NULL);
    return 0;
}

/* Encode the pending data into STORE/path.holo/ (atomically: libholo writes a temporary
 * directory and renames it). On failure the previous version stays. 0 or -errno. */
int pend_commit(holofs *fs, fs_pend *p)
{
    int rc = 0;
    int todo;
    pthread_mutex_lock(&p->mu);
    char *path = fs_pending_target(fs->pend, p, &todo);
    if (!path) {
        pthread_mutex_unlock(&p->mu);
        return -ENOMEM;
    }
    if (todo) {
        char out[PATH_MAX];
        holo_encode_opts o;
        holo_err err = {0};
        enc_opts(fs, &o, path);
        char plain[PATH_MAX];
        struct stat st, pst;
        if (ns_join(out, sizeof out, fs->store, path, NS_SUFFIX) < 0 ||
            ns_join(plain, sizeof plain, fs->store, path, NULL) < 0) {
            rc = -ENAMETOOLONG;
        } else if (fstat(p->fd, &st) < 0) {
            rc = -errno;
        } else if (ns_is_hidden(ns_basename(path))) {
            /* a temporary name: keep the bytes as they are, encode when it is renamed */
            rc = fs_pend_copy_out(p, plain, st.st_mode & 0666);
            if (rc == 0) {
                owner_give(plain, p->uid, p->gid);
                pass_attrs(fs, path, plain, 0, &st, p->times_set);
                p->dirty = 0;
            }
        } else if (st.st_size == 0) {
            /* nothing to encode (the codec refuses empty input): an empty plain file */
            int fd = open(plain, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, st.st_mode & 0666);
            if (fd < 0) {
                rc = -errno;
            } else {
                close(fd);
                owner_give(plain, p->uid, p->gid);
                pass_attrs(fs, path, plain, 0, &st, p->times_set);
                if (lstat(out, &pst) == 0 && S_ISDIR(pst.st_mode))
                    rc = remove_chunkdir(fs, out);
                if (rc == 0)
                    p->dirty = 0;
            }
        } else if (holo_encode_file(p->tmp, out, &o, &err) < 0) {
            rc = -holo_errno(&err);
            holofs_log(fs, "%s: encode failed, previous version kept: %s", path, err.msg);
        } else {
            p->dirty = 0;
            owner_give(out, p->uid, p->gid);
            fs_dict_note(fs->dict, (uint64_t)st.st_size);
            if (st.st_size <= HOLO_DICT_MAX_FILE)   /* a small file: maybe packed (smallpack.h) */
                sp_auto_note(fs->sp, out);
            pass_attrs(fs, path, out, 1, &st, p->times_set);
            /* an empty plain placeholder (touch, then write) gives way to the encoded file */
            if (lstat(plain, &pst) == 0 && S_ISREG(pst.st_mode) && pst.st_size == 0)
                unlink(plain);
            if (fs->debug)
                holofs_log(fs, "encoded %s", path);
        }
        forget(fs, path, 0, NULL, NULL);
    }
    free(path);
    pthread_mutex_unlock(&p->mu);
    return rc;
}

/* pend_fill of a binary v4 file: through its stream, a frame at a time, never whole in
 * memory; a hole fails the fill (EIO) rather than writing zeros back. */
static int pend_fill_stream(holofs *fs, fs_pend *p, const char *path, const char *spath)
{
    enum { STEP = 1 << 20 };
    fs_sfile *f;
    holo_err err = {0};
    if (fs_streams_get(fs->streams, path, spath, &f, &err) < 0) {
        holofs_log(fs, "%s: cannot open: %s", path, err.msg);
        return -EIO;
    }
    uint8_t *buf = malloc(STEP);
    int rc = buf ? 0 : -ENOMEM;
    for (uint64_t off = 0, size = fs_sfile_size(f); rc == 0 && off < size;) {
        int64_t got = fs_sfile_read(f, off, buf, STEP, &err);
        if (got <= 0) {
            holofs_log(fs, "%s: cannot read for rewriting: %s", path, err.msg);
            rc = got == HOLO_ENOMEM ? -ENOMEM : -EIO;
            break;
        }
        rc = fs_pend_write(p, buf, (size_t)got, (off_t)off);
        off += (uint64_t)got;
    }
    free(buf);
    fs_sfile_put(fs->streams, f);
    return rc;
}

/* Copy the current bytes of an encoded file into p (for O_RDWR/O_WRONLY without O_TRUNC and
 * for truncate). */
int pend_fill(holofs *fs, fs_pend *p, const char *path)
{
    char spath[PATH_MAX];
    if (ns_join(spath, sizeof spath, fs->store, path, NS_SUFFIX) == 0 &&
        is_stream_file(fs, path, spath))
        return pend_fill_stream(fs, p, path, spath);
    fs_snap *s;
    int rc = fs_cache_get(fs->cache, path, &s);
    if (rc < 0)
        return rc;
    rc = fs_pend_write(p, s->buf, s->len, 0);
    fs_snap_put(fs->cache, s);
    return rc;
}
