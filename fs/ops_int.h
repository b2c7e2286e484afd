/* ops_int.h — what the files of holofs's FUSE operations share (ops.c, decode.c, writeback.c, xattr.c): the
 * resolver, the calling mount, the cached holo_info of encoded files. Not for main.c (ops.h).
 */
#ifndef HOLOFS_OPS_INT_H
#define HOLOFS_OPS_INT_H

#include "ops.h"
#include "holo.h"

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

/* What a mount path is in the store. */
typedef enum {
    R_MISSING,       /* nothing in the store (a file being written may be pending: pending.h) */
    R_DIR,           /* a directory */
    R_PLAIN,         /* a regular file, passed through */
    R_ENCODED,       /* X.holo/: a file decoded on read */
    R_SPECIAL,       /* symlink, FIFO, socket, device node: passed through */
    R_PACK_ROOT,     /* a HOPK container, shown as a read-only directory (pack.h) */
    R_PACK_OBJECT,   /* an object in one */
    R_PACK_INSIDE,   /* any other name below one: nothing */
} rkind;

typedef struct resolved {
    rkind kind;
    char spath[PATH_MAX];   /* store path: X.holo for encoded files, the container's directory
                             * for the pack kinds */
    struct stat st;         /* lstat of spath (not filled for the pack kinds) */
    int shadowed;           /* R_ENCODED: a plain X exists beside X.holo/ */
    size_t obj;             /* R_PACK_OBJECT: the object's index */
} resolved;

/* Resolve mount path `path` into r. NULL (a handle whose name is gone) is R_MISSING. With
 * for_write the caller is about to change something: -EROFS on a read-only mount and at or
 * inside a container (read-only too). Returns 0 or -EROFS. */
int resolve(holofs *fs, const char *path, int for_write, resolved *r);
/* 1 for the container kinds (R_PACK_*). */
int is_pack(const resolved *r);
/* stat of a container path (is_pack(r)): 0 (filled) or -errno. */
int pk_stat(const resolved *r, struct stat *st);

/* The mount this request is for. */
holofs *ctx_fs(void);
/* Cached holo_info of the encoded file path (chunk directory spath); 0 or the (cached)
 * failure. */
int enc_info(holofs *fs, const char *path, const char *spath, holo_info *info);

/* Forget cached state of path (or the tree below it); collect open paths for notification
 * (both may be NULL). */
void forget(holofs *fs, const char *path, int tree, char ***open_paths, size_t *nopen);
/* Take a chunk directory out of the namespace at once, then delete it. 0 or -errno. */
int remove_chunkdir(holofs *fs, const char *dir);

/* Decoding (decode.c): the cache's loader (cache.h) and the streams' warning callback. */
int holofs_load(void *ctx, const char *path, uint8_t **buf, size_t *len);
void holofs_warn(void *ctx, const char *msg);
/* The store's own .holo-dict (never one above the store), or NULL: the library looks up. */
const char *store_dict_dir(const holofs *fs);
/* 1 for encoded files whose reads go through a stream (binary v4). */
int is_stream_file(holofs *fs, const char *path, const char *spath);

/* Writing (writeback.c). Encode p into STORE/path.holo/ (the previous version stays on
 * failure); 0 or -errno. */
int pend_commit(holofs *fs, fs_pend *p);
/* Copy the current bytes of encoded file path into p. 0 or -errno. */
int pend_fill(holofs *fs, fs_pend *p, const char *path);
/* Encode the hidden temporary sfrom (store path) as mount path `to`, then remove it. */
int rename_encode(holofs *fs, const char *sfrom, const char *to);

/* Extended attributes (xattr.c): user.holo.* of encoded files, the store's for the others. */
int fs_getxattr(const char *path, const char *name, char *buf, size_t size);
int fs_listxattr(const char *path, char *buf, size_t size);
int fs_setxattr(const char *path, const char *name, const char *val, size_t size, int flags);
int fs_removexattr(const char *path, const char *name);

#endif
