/* t_fs_meta.c — the sidecar of an encoded file's attributes (fs/meta.c): modes the directory
 * can hold need no sidecar, others are kept; explicit times win until a newer chunk lands;
 * a malformed sidecar reads as none; nothing set removes it. */
#include "../fs/meta.h"
#include "tap.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int exists(const char *dir, const char *name)
{
    char p[4096];
    struct stat st;
    tap_pathf(p, sizeof p, "%s/%s", dir, name);
    return lstat(p, &st) == 0;
}

int main(void)
{
    plan(22);
    char dir[] = "/tmp/t_fs_meta.XXXXXX";
    if (!mkdtemp(dir)) {
        ok(0, "mkdtemp");
        return done_testing();
    }
    struct stat st;
    fs_meta m;

    is_int(meta_dir_mode(0640), 0750, "dir mode of 0640 is 0750 (x where r)");
    is_int(meta_dir_mode(04755), 0755, "dir mode drops x and special bits of the file, then x where r");

    is_int(meta_read(dir, &m), 0, "no sidecar reads as nothing set");
    ok(!m.has_mode && !m.has_times, "... nothing set");

    is_int(meta_chmod(dir, 0640), 0, "chmod 0640");
    stat(dir, &st);
    is_int(st.st_mode & 07777, 0750, "... the directory is 0750");
    ok(!exists(dir, META_NAME), "... and no sidecar is needed");

    is_int(meta_chmod(dir, 04751), 0, "chmod 04751");
    stat(dir, &st);
    is_int(st.st_mode & 07777, 0750, "... the directory is 0750 (its rw bits, x where r)");
    meta_read(dir, &m);
    ok(m.has_mode && m.mode == 04751, "... the sidecar keeps 04751");

    struct timespec at = { 1000000000, 5 }, mt = { 1200000000, 123456789 };
    is_int(meta_set_times(dir, &at, &mt, 5000), 0, "set times with stamp 5000");
    meta_read(dir, &m);
    ok(m.has_mode && m.mode == 04751, "... the mode is kept");
    ok(m.has_times && m.mtime.tv_sec == 1200000000 && m.mtime.tv_nsec == 123456789 &&
       m.atime.tv_sec == 1000000000 && m.stamp_ns == 5000, "... times and stamp read back");

    struct stat fst = { .st_mode = S_IFREG | 0755 };
    fst.st_ctim.tv_sec = 1;
    meta_apply(&m, 5000, &fst);
    ok(fst.st_mtim.tv_sec == 1200000000 && fst.st_atim.tv_sec == 1000000000 &&
       (fst.st_mode & 07777) == 04751, "no newer chunk: the stored mtime and mode are served");
    fst.st_mode = S_IFREG | 0755;
    meta_apply(&m, 7000000000LL, &fst);
    ok(fst.st_mtim.tv_sec == 7 && fst.st_ctim.tv_sec == 7,
       "a chunk newer than the stamp: mtime (and ctime) are the chunk's again");

    is_int(meta_chmod(dir, 0600), 0, "chmod 0600");
    meta_read(dir, &m);
    ok(!m.has_mode && m.has_times, "... the sidecar drops the mode, keeps the times");

    m.has_times = 0;
    is_int(meta_write(dir, &m), 0, "nothing set");
    ok(!exists(dir, META_NAME), "... removes the sidecar");

    char p[4096];
    tap_pathf(p, sizeof p, "%s/%s", dir, META_NAME);
    tap_spew(p, "holofs-meta 1 mode=0644 bogus=1\n", 32);
    meta_read(dir, &m);
    ok(!m.has_mode && !m.has_times, "a sidecar with an unknown field reads as none");
    tap_spew(p, "something else\n", 15);
    meta_read(dir, &m);
    ok(!m.has_mode && !m.has_times, "a foreign file reads as none");

    /* only the sidecar itself is left behind: no temporaries */
    unlink(p);
    int left = 0;
    DIR *d = opendir(dir);
    for (struct dirent *e; d && (e = readdir(d));)
        left += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    if (d)
        closedir(d);
    is_int(left, 0, "no temporaries left in the directory");
    rmdir(dir);
    return done_testing();
}
