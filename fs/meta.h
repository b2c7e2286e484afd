/* meta.h — the attributes of an encoded file that its chunk directory cannot hold itself.
 *
 * An encoded file X is the directory STORE/X.holo/. Its owner and group are the directory's;
 * its permission bits are the directory's without x, unless the sidecar STORE/X.holo/.holofs-meta
 * says otherwise. The sidecar holds what a directory cannot express for the file:
 *   mode   the file's full mode (x, setuid, setgid, sticky), when chmod set one the directory's
 *          "x where r" rule cannot give back;
 *   times  atime and mtime set explicitly (utimensat), with the newest chunk's mtime at that
 *          moment (the stamp).
 * The rule for mtime: a stored mtime wins until a chunk newer than its stamp lands; from then
 * on st_mtime is the newest chunk's again, so viewers still reload as chunks land.
 * libholo ignores names that are not chunks, so the sidecar travels with the directory (mv,
 * rename) and disappears with it; a fresh encode starts without one.
 *
 * No FUSE here (tests/t_fs_meta.c).
 */
#ifndef HOLOFS_META_H
#define HOLOFS_META_H

#include <stdint.h>
#include <sys/stat.h>
#include <time.h>

#define META_NAME ".holofs-meta"

typedef struct fs_meta {
    int has_mode;
    mode_t mode;                  /* 07777 bits */
    int has_times;
    struct timespec atime, mtime;
    int64_t stamp_ns;             /* newest chunk's mtime when the times were set */
} fs_meta;

/* Read DIR/.holofs-meta into m (zeroed first). 0 (also when there is none: nothing set) or
 * -errno. A malformed sidecar reads as none. */
int meta_read(const char *dir, fs_meta *m);

/* Replace DIR/.holofs-meta atomically (temporary + rename); with nothing set, remove it.
 * 0 or -errno. */
int meta_write(const char *dir, const fs_meta *m);

/* The directory mode that stands for file mode `mode`: its rw bits, x where r. */
mode_t meta_dir_mode(mode_t mode);

/* Turn the directory's lstat (st, already S_IFREG) into the file's by the rules above, given
 * the newest chunk's mtime (0 = unknown). */
void meta_apply(const fs_meta *m, int64_t newest_ns, struct stat *st);

/* Set the file's mode to `mode`: the directory's mode and the sidecar's, as needed. The
 * sidecar's times are kept. 0 or -errno. */
int meta_chmod(const char *dir, mode_t mode);

/* Store explicit times (already resolved: no UTIME_NOW/UTIME_OMIT) with the stamp. */
int meta_set_times(const char *dir, const struct timespec *atime, const struct timespec *mtime,
                   int64_t stamp_ns);

#endif
