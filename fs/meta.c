/* meta.c — the sidecar of an encoded file's attributes (see meta.h).
 *
 * Format: one line, "holofs-meta 1" then "mode=OOOO", "atime=S.N", "mtime=S.N", "stamp=NS"
 * as set. Text, so a person looking at the store can read it.
 */
#include "meta.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int meta_path(char *out, size_t outsz, const char *dir, const char *name)
{
    return snprintf(out, outsz, "%s/%s", dir, name) >= (int)outsz ? -ENAMETOOLONG : 0;
}

static int parse_ts(const char *s, struct timespec *ts)
{
    long long sec;
    long nsec;
    if (sscanf(s, "%lld.%ld", &sec, &nsec) != 2 || nsec < 0 || nsec >= 1000000000L)
        return -1;
    ts->tv_sec = (time_t)sec;
    ts->tv_nsec = nsec;
    return 0;
}

int meta_read(const char *dir, fs_meta *m)
{
    char path[PATH_MAX], line[256];
    memset(m, 0, sizeof *m);
    if (meta_path(path, sizeof path, dir, META_NAME) < 0)
        return -ENAMETOOLONG;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return errno == ENOENT ? 0 : -errno;
    ssize_t n = read(fd, line, sizeof line - 1);
    int err = n < 0 ? -errno : 0;
    close(fd);
    if (n < 0)
        return err;
    line[n] = 0;
    if (strncmp(line, "holofs-meta 1", 13) != 0)
        return 0;
    fs_meta r = {0};
    int have_at = 0, have_mt = 0, have_st = 0;
    char *save = NULL;
    for (char *tok = strtok_r(line + 13, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save)) {
        unsigned mode;
        long long stamp;
        if (sscanf(tok, "mode=%o", &mode) == 1 && mode <= 07777) {
            r.has_mode = 1;
            r.mode = (mode_t)mode;
        } else if (strncmp(tok, "atime=", 6) == 0 && parse_ts(tok + 6, &r.atime) == 0) {
            have_at = 1;
        } else if (strncmp(tok, "mtime=", 6) == 0 && parse_ts(tok + 6, &r.mtime) == 0) {
            have_mt = 1;
        } else if (sscanf(tok, "stamp=%lld", &stamp) == 1) {
            r.stamp_ns = stamp;
            have_st = 1;
        } else {
            return 0;   /* not ours: as if absent */
        }
    }
    r.has_times = have_at && have_mt && have_st;
    *m = r;
    return 0;
}

int meta_write(const char *dir, const fs_meta *m)
{
    char path[PATH_MAX], tmp[PATH_MAX], line[256];
    if (meta_path(path, sizeof path, dir, META_NAME) < 0 ||
        meta_path(tmp, sizeof tmp, dir, META_NAME ".tmpXXXXXX") < 0)
        return -ENAMETOOLONG;
    if (!m->has_mode && !m->has_times)
        return unlink(path) < 0 && errno != ENOENT ? -errno : 0;
    int len = snprintf(line, sizeof line, "holofs-meta 1");
    if (m->has_mode)
        len += snprintf(line + len, sizeof line - (size_t)len, " mode=%04o", (unsigned)m->mode);
    if (m->has_times)
        len += snprintf(line + len, sizeof line - (size_t)len,
                        " atime=%lld.%09ld mtime=%lld.%09ld stamp=%" PRId64,
                        (long long)m->atime.tv_sec, m->atime.tv_nsec,
                        (long long)m->mtime.tv_sec, m->mtime.tv_nsec, m->stamp_ns);
    len += snprintf(line + len, sizeof line - (size_t)len, "\n");
    int fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0)
        return -errno;
    int rc = 0;
    if (write(fd, line, (size_t)len) != len)
        rc = errno ? -errno : -EIO;
    if (fchmod(fd, 0644) < 0 && rc == 0)   /* readable like the chunks beside it */
        rc = -errno;
    if (close(fd) < 0 && rc == 0)
        rc = -errno;
    if (rc == 0 && rename(tmp, path) < 0)
        rc = -errno;
    if (rc < 0)
        unlink(tmp);
    return rc;
}

mode_t meta_dir_mode(mode_t mode)
{
    mode_t m = mode & 0666;
    return m | (m & 0444) >> 2;
}

void meta_apply(const fs_meta *m, int64_t newest_ns, struct stat *st)
{
    mode_t perm = m->has_mode ? m->mode : st->st_mode & 0666;
    st->st_mode = S_IFREG | perm;
    int64_t dir_ctime_ns = (int64_t)st->st_ctim.tv_sec * 1000000000 + st->st_ctim.tv_nsec;
    if (m->has_times && newest_ns <= m->stamp_ns) {
        st->st_atim = m->atime;
        st->st_mtim = m->mtime;
    } else if (newest_ns > 0) {
        st->st_mtim.tv_sec = (time_t)(newest_ns / 1000000000);
        st->st_mtim.tv_nsec = (long)(newest_ns % 1000000000);
        if (m->has_times)
            st->st_atim = m->atime;
    }
    /* ctime: the last change of the directory (chmod, chown, sidecar) or of its chunks */
    if (newest_ns > dir_ctime_ns) {
        st->st_ctim.tv_sec = (time_t)(newest_ns / 1000000000);
        st->st_ctim.tv_nsec = (long)(newest_ns % 1000000000);
    }
}

int meta_chmod(const char *dir, mode_t mode)
{
    fs_meta m;
    int rc = meta_read(dir, &m);
    if (rc < 0)
        return rc;
    mode &= 07777;
    mode_t dmode = meta_dir_mode(mode);
    /* the sidecar only when the directory's bits cannot give the mode back */
    int need = mode != (dmode & 0666);
    if (need != m.has_mode || (need && m.mode != mode)) {
        m.has_mode = need;
        m.mode = need ? mode : 0;
        if ((rc = meta_write(dir, &m)) < 0)
            return rc;
    }
    return chmod(dir, dmode) < 0 ? -errno : 0;
}

int meta_set_times(const char *dir, const struct timespec *atime, const struct timespec *mtime,
                   int64_t stamp_ns)
{
    fs_meta m;
    int rc = meta_read(dir, &m);
    if (rc < 0)
        return rc;
    m.has_times = 1;
    m.atime = *atime;
    m.mtime = *mtime;
    m.stamp_ns = stamp_ns;
    return meta_write(dir, &m);
}
