/* pending.h — files being written through the mount, before they are encoded.
 *
 * A write through the mount goes to a temporary file in the store's scratch directory
 * (STORE/.holofs-tmp/wXXXXXX); ops.c encodes it into X.holo/ on flush, fsync and release.
 * This table holds those temporaries by mount path: getattr and readdir show them while they
 * are written, a second open shares one, rename moves one to its new name and unlink drops
 * it (its close then encodes nothing). The last fs_pending_put closes and removes the
 * temporary file.
 *
 * Guarantees: every call is thread-safe (one mutex of the table; fs_pend.mu is the caller's,
 * to serialise encodes of one file); an entry marked unlinked is never found by path again;
 * no FUSE here, so the rules are unit-tested (tests/t_fs_pending.c).
 */
#ifndef HOLOFS_PENDING_H
#define HOLOFS_PENDING_H

#include <limits.h>
#include <pthread.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

typedef struct fs_pend {
    char *path;               /* mount path the data will be encoded to */
    char tmp[PATH_MAX];       /* TMPDIR/wXXXXXX */
    int fd;
    int dirty;                /* written (or truncated) since the last encode */
    int unlinked;             /* removed while open: nothing to encode */
    uid_t uid;                /* owner the encoded file gets (the creator, or the old owner) */
    gid_t gid;
    int times_set;            /* utimens while writing: the temp file's times are kept */
    unsigned refs;
    pthread_mutex_t mu;       /* serialises encodes of this file (held by the caller) */
    struct fs_pend *next;
} fs_pend;

typedef struct fs_pending fs_pending;

/* A table whose temporaries live in directory tmpdir (which must exist when one is made). */
fs_pending *fs_pending_new(const char *tmpdir);
/* Close and remove every temporary left (only after an unclean unmount). NULL is a no-op. */
void fs_pending_free(fs_pending *pd);

/* A new temporary for mount path `path` with mode and owner (owner only when running as root),
 * one reference. NULL with *rc = -errno. */
fs_pend *fs_pending_new_file(fs_pending *pd, const char *path, mode_t mode, uid_t uid, gid_t gid,
                             int *rc);
/* The live temporary of path with one more reference, or NULL. */
fs_pend *fs_pending_get(fs_pending *pd, const char *path);
/* Drop a reference; the last one closes and removes the temporary. */
void fs_pending_put(fs_pending *pd, fs_pend *p);

/* stat of path's temporary when it has been written to (a file opened for writing with nothing
 * written yet shows as what the store has). 0 or -ENOENT. */
int fs_pending_stat(fs_pending *pd, const char *path, struct stat *st);
/* unlink: path's temporary (if any) is marked unlinked. 1 when there was one, else 0. */
int fs_pending_unlink(fs_pending *pd, const char *path);
/* rename: path's temporary is encoded under `to` from now on. 0, -ENOENT or -ENOMEM. */
int fs_pending_rename(fs_pending *pd, const char *from, const char *to);
/* truncate path's temporary to size (marks it dirty). 0, -ENOENT or -errno. */
int fs_pending_truncate(fs_pending *pd, const char *path, off_t size);
/* Call fn(p, arg) with the table locked on `p` if not NULL, else on path's temporary.
 * Returns fn's result, or 1 when there is no such temporary. */
int fs_pending_with(fs_pending *pd, fs_pend *p, const char *path,
                    int (*fn)(fs_pend *p, const void *arg), const void *arg);
/* Snapshot for an encode: the current path (malloc'd) and whether there is anything to encode
 * (dirty and not unlinked). NULL when out of memory. */
char *fs_pending_target(fs_pending *pd, fs_pend *p, int *todo);

/* Every live temporary directly in mount directory dir ("/" or "/a/b") whose name is not
 * hidden (ns.h): fn(ctx, path, name, its fstat). Called with the table locked. */
void fs_pending_list(fs_pending *pd, const char *dir,
                     void (*fn)(void *ctx, const char *path, const char *name,
                                const struct stat *st),
                     void *ctx);

/* Write all n bytes at off into p's temporary. 0 or -errno. */
int fs_pend_write(fs_pend *p, const void *buf, size_t n, off_t off);
/* Copy p's whole temporary into a new file at `path` with mode (removed again on failure).
 * 0 or -errno. */
int fs_pend_copy_out(fs_pend *p, const char *path, mode_t mode);

#endif
