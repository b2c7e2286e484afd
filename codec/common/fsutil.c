/* fsutil.c — whole-file reads, atomic writes, temporary names and directories. */
#include "internal.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int holo_path_join(char *out, size_t outsz, const char *dir, const char *name)
{
    int n = snprintf(out, outsz, "%s/%s", dir, name);
    return n < 0 || (size_t)n >= outsz ? -1 : 0;
}

void holo_path_ext(const char *path, char ext[16])
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    const char *dot = strrchr(base, '.');
    ext[0] = 0;
    if (!dot || dot == base || strlen(dot) >= 16) return;
    size_t i = 0;
    for (; dot[i]; i++) ext[i] = (char)(dot[i] >= 'A' && dot[i] <= 'Z' ? dot[i] + 32 : dot[i]);
    ext[i] = 0;
}

static int read_whole(const char *path, int flags, size_t cap, uint8_t **buf, size_t *len,
                      holo_err *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | flags);
    if (fd < 0 && errno == ELOOP && (flags & O_NOFOLLOW))
        return holo_seterr(err, HOLO_EINVAL, "%s: a symbolic link (not followed)", path);
    if (fd < 0) return holo_seterr_sys(err, errno, "%s", path);
    struct stat st;
    if (fstat(fd, &st) < 0) { int e = errno; close(fd); return holo_seterr_sys(err, e, "%s", path); }
    if (!S_ISREG(st.st_mode)) { close(fd); return holo_seterr(err, HOLO_EINVAL, "%s: not a regular file", path); }
    if ((uint64_t)st.st_size > cap) {
        close(fd);
        return holo_seterr(err, HOLO_EINVAL, "%s: file too large (%lld bytes)", path, (long long)st.st_size);
    }
    size_t size = (size_t)st.st_size;
    uint8_t *b = malloc(size ? size : 1);
    if (!b) { close(fd); return holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", path); }
    size_t have = 0;
    while (have < size) {
        ssize_t r = read(fd, b + have, size - have);
        if (r < 0) {
            if (errno == EINTR) continue;
            int e = errno; free(b); close(fd);
            return holo_seterr_sys(err, e, "%s", path);
        }
        if (r == 0) break;   /* file shrank while reading: take what is there */
        have += (size_t)r;
    }
    close(fd);
    *buf = b;
    *len = have;
    return 0;
}

int holo_read_file(const char *path, size_t cap, uint8_t **buf, size_t *len, holo_err *err)
{
    return read_whole(path, 0, cap, buf, len, err);
}

int holo_read_chunk(const char *path, size_t cap, uint8_t **buf, size_t *len, holo_err *err)
{
    return read_whole(path, O_NOFOLLOW, cap, buf, len, err);
}

/* Temporary names are ".holo-tmp-PID-N" (at most 31 bytes whatever the final name, so any
 * name that fits NAME_MAX can be written): the pid lets a later run tell a leftover of a
 * killed process from a write in flight. */
#define TMP_PREFIX ".holo-tmp-"
#define STALE_AGE_S (24 * 3600)
/* Deep enough for any tree we create; bounds the descriptors held open by the walk. */
#define RMTREE_MAX_DEPTH 64

static int tmp_name(char *out, size_t outsz, const char *dir, size_t dirlen)
{
    static unsigned counter;
    unsigned n = __atomic_fetch_add(&counter, 1, __ATOMIC_RELAXED);
    int len = dirlen ? snprintf(out, outsz, "%.*s/" TMP_PREFIX "%ld-%u", (int)dirlen, dir, (long)getpid(), n)
                     : snprintf(out, outsz, TMP_PREFIX "%ld-%u", (long)getpid(), n);
    return len < 0 || (size_t)len >= outsz ? -1 : 0;
}

/* Length of the directory part of path[0..len) ("a/b/c" -> 3, "c" -> 0, "/c" -> 1 for "/"). */
static size_t dir_len(const char *path, size_t len)
{
    const char *slash = memrchr(path, '/', len);
    if (!slash) return 0;
    return slash == path ? 1 : (size_t)(slash - path);
}

/* Remove dfd/name. Every step is relative to an open directory and nothing is opened without
 * O_NOFOLLOW, so a directory swapped for a symlink mid-walk is unlinked, never followed. */
static void rmtree_at(int dfd, const char *name, int depth)
{
    if (unlinkat(dfd, name, 0) == 0 || errno == ENOENT) return;
    if (depth >= RMTREE_MAX_DEPTH) return;
    int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        unlinkat(dfd, name, 0);   /* swapped for a non-directory since: drop the name itself */
        return;
    }
    DIR *d = fdopendir(fd);
    if (!d) { close(fd); return; }
    struct dirent *e;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            rmtree_at(fd, e->d_name, depth + 1);
    closedir(d);
    unlinkat(dfd, name, AT_REMOVEDIR);
}

void holo_rmtree(const char *path)
{
    rmtree_at(AT_FDCWD, path, 0);
}

/* 1 when `name` is a temporary of ours whose writer is gone (its pid no longer exists) or that
 * has not changed for a day (pid reused, or written from another pid namespace). */
static int tmp_is_stale(int dfd, const char *name)
{
    if (strncmp(name, TMP_PREFIX, sizeof TMP_PREFIX - 1) != 0) return 0;
    const char *num = name + sizeof TMP_PREFIX - 1;
    char *end;
    errno = 0;
    long pid = strtol(num, &end, 10);
    if (errno || end == num || *end != '-' || pid <= 0) return 0;
    if (kill((pid_t)pid, 0) < 0 && errno == ESRCH) return 1;
    struct stat st;
    return fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
           time(NULL) - st.st_mtime > STALE_AGE_S;
}

int holo_tmp_sweep(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return 0;
    DIR *d = fdopendir(fd);
    if (!d) { close(fd); return 0; }
    int removed = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (tmp_is_stale(fd, e->d_name)) {
            rmtree_at(fd, e->d_name, 0);
            removed++;
        }
    closedir(d);
    return removed;
}

int holo_write_all(int fd, const void *data, size_t len)
{
    const uint8_t *p = data;
    while (len) {
        ssize_t w = write(fd, p, len);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) return -1;
        if (w == 0) {   /* no progress and no error: do not spin */
            errno = EIO;
            return -1;
        }
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

int holo_write_file_atomic(const char *path, const void *data, size_t len, holo_err *err)
{
    char tmp[PATH_MAX];
    int fd = -1;
    for (int tries = 0; tries < 100 && fd < 0; tries++) {
        if (tmp_name(tmp, sizeof tmp, path, dir_len(path, strlen(path))) < 0)
            return holo_seterr(err, HOLO_EINVAL, "%s: path too long", path);
        fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0 && errno != EEXIST) break;
    }
    if (fd < 0) return holo_seterr_sys(err, errno, "%s", path);
    if (holo_write_all(fd, data, len) < 0 || fsync(fd) < 0) {
        int e = errno;
        close(fd);
        unlink(tmp);
        return holo_seterr_sys(err, e, "%s", path);
    }
    fchmod(fd, 0644);   /* created 0600 (private while written); outputs are ordinary readable files */
    if (close(fd) < 0 || rename(tmp, path) < 0) {
        int e = errno;
        unlink(tmp);
        return holo_seterr_sys(err, e, "%s", path);
    }
    return 0;
}

int holo_write_file_tmp(const char *path, const void *data, size_t len, holo_err *err)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return holo_seterr_sys(err, errno, "%s", path);
    if (holo_write_all(fd, data, len) < 0) {
        int e = errno;
        close(fd);
        unlink(path);
        return holo_seterr_sys(err, e, "%s", path);
    }
    if (close(fd) < 0) { int e = errno; unlink(path); return holo_seterr_sys(err, e, "%s", path); }
    return 0;
}

int holo_tmpdir_begin(const char *final_dir, char *tmp, size_t tmpsz, holo_err *err)
{
    size_t len = strlen(final_dir);
    while (len > 1 && final_dir[len - 1] == '/') len--;
    size_t dlen = dir_len(final_dir, len);
    char parent[PATH_MAX];
    if (dlen >= sizeof parent) return holo_seterr(err, HOLO_EINVAL, "%s: path too long", final_dir);
    snprintf(parent, sizeof parent, "%.*s", dlen ? (int)dlen : 1, dlen ? final_dir : ".");
    holo_tmp_sweep(parent);   /* leftovers of killed encodes into this directory */
    for (int tries = 0; tries < 100; tries++) {
        if (tmp_name(tmp, tmpsz, final_dir, dlen) < 0)
            return holo_seterr(err, HOLO_EINVAL, "%s: path too long", final_dir);
        if (mkdir(tmp, 0700) == 0) {
            chmod(tmp, 0755);
            return 0;
        }
        if (errno != EEXIST) break;
    }
    return holo_seterr_sys(err, errno, "%s: cannot create temporary directory", final_dir);
}

/* fdatasync every regular file in the directory open on dfd, writeback started on all first
 * so that the disk sees them together; -1 with errno on the first failure. */
static int flush_dir_files(int dfd)
{
    int again = dup(dfd);
    DIR *d = again < 0 ? NULL : fdopendir(again);
    if (!d) { if (again >= 0) close(again); return -1; }
    int rc = 0;
    for (int pass = 0; pass < 2 && rc == 0; pass++) {
        rewinddir(d);
        struct dirent *e;
        while (rc == 0 && (e = readdir(d)) != NULL) {
            if (e->d_type != DT_REG && e->d_type != DT_UNKNOWN) continue;
            int fd = openat(dfd, e->d_name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
            if (fd < 0) { if (errno != ELOOP && errno != EISDIR) rc = -1; continue; }
            struct stat st;
            if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
                if (pass == 0) sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);   /* a hint */
                else if (fdatasync(fd) < 0) rc = -1;
            }
            int e2 = errno;
            close(fd);
            errno = e2;
        }
    }
    int e3 = errno;
    closedir(d);
    errno = e3;
    return rc;
}

int holo_tmpdir_commit(const char *tmp, const char *final_dir, holo_err *err)
{
    /* rename() cannot replace a non-empty directory: move the old one aside first, so at every
     * moment either the old or the new complete set is under the final name or beside it. */
    /* Every chunk durable before the directory appears under its name: its own files flushed
     * (writeback started on all, then each waited for) and the directory, not the whole
     * filesystem (syncfs waited 0.2 s for other writers' data on a shared machine, where
     * encoding the 0.9 MB file took 0.1 s). */
    int dfd = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) return holo_seterr_sys(err, errno, "%s", tmp);
    int synced = flush_dir_files(dfd);
    int sync_errno = errno;
    if (synced == 0 && fsync(dfd) < 0) { synced = -1; sync_errno = errno; }
    close(dfd);
    if (synced < 0) return holo_seterr_sys(err, sync_errno, "%s", final_dir);
    if (rename(tmp, final_dir) == 0) return 0;
    if (errno != ENOTEMPTY && errno != EEXIST)
        return holo_seterr_sys(err, errno, "%s", final_dir);
    /* Swap both names in one step, so readers (holofs) never see final_dir missing; the old
     * set then sits under tmp and is removed. */
    if (renameat2(AT_FDCWD, tmp, AT_FDCWD, final_dir, RENAME_EXCHANGE) == 0) {
        holo_rmtree(tmp);
        return 0;
    }
    /* Filesystems without RENAME_EXCHANGE: move the old set aside first. */
    char old[PATH_MAX];
    int n = snprintf(old, sizeof old, "%s.oldXXXXXX", tmp);
    if (n < 0 || (size_t)n >= sizeof old) return holo_seterr(err, HOLO_EINVAL, "%s: path too long", final_dir);
    if (!mkdtemp(old)) return holo_seterr_sys(err, errno, "%s", final_dir);
    rmdir(old);
    if (rename(final_dir, old) < 0) return holo_seterr_sys(err, errno, "%s", final_dir);
    if (rename(tmp, final_dir) < 0) {
        int e = errno;
        rename(old, final_dir);
        return holo_seterr_sys(err, e, "%s", final_dir);
    }
    holo_rmtree(old);
    return 0;
}

ssize_t holo_peek_file(const char *dir, const char *name, uint8_t *buf, size_t cap, uint64_t *size)
{
    char path[PATH_MAX];
    if (holo_path_join(path, sizeof path, dir, name) < 0) return -1;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) return -1;
    struct stat st;
    ssize_t n = -1;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
        n = pread(fd, buf, cap, 0);
        *size = (uint64_t)st.st_size;
    }
    close(fd);
    return n;
}

void holo_chunkdir_mode(const char *dir, mode_t file_mode)
{
    mode_t m = file_mode & 0666;
    if (chmod(dir, m | (m & 0444) >> 2) < 0) { /* best effort: the umask's mode stays */ }
}
