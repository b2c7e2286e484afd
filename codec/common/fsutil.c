/* fsutil.c — whole-file reads, atomic writes and temporary directories. */
#include "internal.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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
    const char *slash = strrchr(path, '/');
    int n = slash ? snprintf(tmp, sizeof tmp, "%.*s/.%s.tmpXXXXXX", (int)(slash - path), path, slash + 1)
                  : snprintf(tmp, sizeof tmp, ".%s.tmpXXXXXX", path);
    if (n < 0 || (size_t)n >= sizeof tmp) return holo_seterr(err, HOLO_EINVAL, "%s: path too long", path);
    int fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0) return holo_seterr_sys(err, errno, "%s", path);
    if (holo_write_all(fd, data, len) < 0 || fsync(fd) < 0) {
        int e = errno;
        close(fd);
        unlink(tmp);
        return holo_seterr_sys(err, e, "%s", path);
    }
    fchmod(fd, 0644);   /* mkostemp creates 0600; outputs are ordinary readable files */
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
    const char *slash = memrchr(final_dir, '/', len);
    int n = slash ? snprintf(tmp, tmpsz, "%.*s/.%.*s.tmpXXXXXX", (int)(slash - final_dir), final_dir,
                             (int)(len - (size_t)(slash + 1 - final_dir)), slash + 1)
                  : snprintf(tmp, tmpsz, ".%.*s.tmpXXXXXX", (int)len, final_dir);
    if (n < 0 || (size_t)n >= tmpsz) return holo_seterr(err, HOLO_EINVAL, "%s: path too long", final_dir);
    if (!mkdtemp(tmp)) return holo_seterr_sys(err, errno, "%s: cannot create temporary directory", final_dir);
    chmod(tmp, 0755);
    return 0;
}

void holo_rmtree(const char *path)
{
    DIR *d = opendir(path);
    if (d) {
        struct dirent *e;
        char sub[PATH_MAX];
        while ((e = readdir(d))) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
            if (holo_path_join(sub, sizeof sub, path, e->d_name) < 0) continue;
            struct stat st;
            if (lstat(sub, &st) == 0 && S_ISDIR(st.st_mode)) holo_rmtree(sub);
            else unlink(sub);
        }
        closedir(d);
    }
    rmdir(path);
}

int holo_tmpdir_commit(const char *tmp, const char *final_dir, holo_err *err)
{
    /* rename() cannot replace a non-empty directory: move the old one aside first, so at every
     * moment either the old or the new complete set is under the final name or beside it. */
    /* One syncfs makes every chunk durable before the directory appears under its name. */
    int dfd = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) return holo_seterr_sys(err, errno, "%s", tmp);
    int synced = syncfs(dfd);
    int sync_errno = errno;
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
