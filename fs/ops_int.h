/* ops_int.h — what the files of holofs's FUSE operations share (ops.c, xattr.c): the
 * resolver, the calling mount, the cached holo_info of encoded files. Not for main.c (ops.h).
 */
#ifndef HOLOFS_OPS_INT_H
#define HOLOFS_OPS_INT_H

#include "ops.h"
#include "holo.h"

#include <limits.h>
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

/* Extended attributes (xattr.c): user.holo.* of encoded files, the store's for the others. */
int fs_getxattr(const char *path, const char *name, char *buf, size_t size);
int fs_listxattr(const char *path, char *buf, size_t size);
int fs_setxattr(const char *path, const char *name, const char *val, size_t size, int flags);
int fs_removexattr(const char *path, const char *name);

#endif
