/* t_fs_rmtree.c — holo_rmtree (codec/common/fsutil.c), which holofs and the encoders use to
 * drop temporary and replaced chunk directories: it removes a whole tree, and never follows a
 * symlink, not even one swapped in for a directory while the walk is under way.
 *
 * The swap is made deterministic by defining lstat() and unlinkat() here: the library, linked
 * statically into this program, calls these, and the one call a walker makes between deciding
 * "victim is a directory" and descending into it swaps victim for a symlink to a directory
 * outside the tree. A walker that follows it deletes the outside files. */
#include "internal.h"
#include "tap.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static char outside[PATH_MAX];     /* the directory a swapped-in symlink points at */
static int swap_armed;             /* swap the next "victim" the walker looks at */

static int ends_with(const char *s, const char *tail)
{
    size_t n = strlen(s), t = strlen(tail);
    return n >= t && strcmp(s + n - t, tail) == 0;
}

/* victim (a directory) -> victim.real; victim becomes a symlink to `outside`. */
static void swap_victim(int dfd, const char *name)
{
    char real[PATH_MAX];
    swap_armed = 0;
    snprintf(real, sizeof real, "%s.real", name);
    if (renameat(dfd, name, dfd, real) == 0 && symlinkat(outside, dfd, name) == 0)
        return;
    diag("swap failed: %s", strerror(errno));
}

/* A path-walking rmtree asks lstat(".../victim") before opendir(".../victim"). */
int lstat(const char *path, struct stat *st)
{
    int rc = fstatat(AT_FDCWD, path, st, AT_SYMLINK_NOFOLLOW);
    if (rc == 0 && swap_armed && S_ISDIR(st->st_mode) && ends_with(path, "/victim"))
        swap_victim(AT_FDCWD, path);
    return rc;
}

/* A descriptor-relative rmtree tries unlinkat(victim) (EISDIR) before openat(victim). */
int unlinkat(int dfd, const char *name, int flags)
{
    int rc = (int)syscall(SYS_unlinkat, dfd, name, flags);
    int e = errno;
    if (rc < 0 && swap_armed && flags == 0 && (ends_with(name, "/victim") || !strcmp(name, "victim")))
        swap_victim(dfd, name);
    errno = e;
    return rc;
}

static void mkfile(const char *path)
{
    if (tap_spew(path, "data", 4) < 0)
        diag("cannot write %s", path);
}

int main(void)
{
    char base[] = "/tmp/t_fs_rmtree.XXXXXX", p[PATH_MAX], q[PATH_MAX];
    if (!mkdtemp(base)) {
        plan(0);
        skip(1, "no temporary directory");
        return done_testing();
    }
    plan(8);
    tap_pathf(outside, sizeof outside, "%s/outside", base);
    mkdir(outside, 0755);
    tap_pathf(p, sizeof p, "%s/keep.txt", outside);
    mkfile(p);

    /* a plain tree, two levels deep */
    tap_pathf(p, sizeof p, "%s/tree", base);
    mkdir(p, 0755);
    tap_pathf(q, sizeof q, "%s/tree/a", base); mkdir(q, 0755);
    tap_pathf(q, sizeof q, "%s/tree/a/b", base); mkdir(q, 0755);
    tap_pathf(q, sizeof q, "%s/tree/a/b/f", base); mkfile(q);
    tap_pathf(q, sizeof q, "%s/tree/g", base); mkfile(q);
    holo_rmtree(p);
    ok(access(p, F_OK) < 0 && errno == ENOENT, "a tree with nested directories and files is removed");

    /* a symlink inside the tree, to a directory outside */
    mkdir(p, 0755);
    tap_pathf(q, sizeof q, "%s/tree/link", base);
    ok(symlink(outside, q) == 0, "set-up: tree/link -> outside");
    holo_rmtree(p);
    tap_pathf(q, sizeof q, "%s/keep.txt", outside);
    ok(access(p, F_OK) < 0 && access(q, F_OK) == 0,
       "a symlink in the tree is removed, the directory it points to is not entered");

    /* the path given is itself a symlink */
    tap_pathf(p, sizeof p, "%s/toplink", base);
    symlink(outside, p);
    holo_rmtree(p);
    ok(access(p, F_OK) < 0 && access(q, F_OK) == 0,
       "holo_rmtree(symlink to a directory) removes the link only");

    /* a directory swapped for a symlink between the walker's look and its descent */
    tap_pathf(p, sizeof p, "%s/tree", base);
    mkdir(p, 0755);
    tap_pathf(q, sizeof q, "%s/tree/victim", base); mkdir(q, 0755);
    tap_pathf(q, sizeof q, "%s/tree/victim/inner", base); mkfile(q);
    swap_armed = 1;
    holo_rmtree(p);
    ok(swap_armed == 0, "the swap happened during the walk");
    tap_pathf(q, sizeof q, "%s/keep.txt", outside);
    ok(access(q, F_OK) == 0, "a directory swapped for a symlink mid-walk is not followed: outside files survive");
    tap_pathf(q, sizeof q, "%s/tree/victim", base);
    struct stat st;
    ok(fstatat(AT_FDCWD, q, &st, AT_SYMLINK_NOFOLLOW) < 0, "... and the swapped-in symlink is removed");
    holo_rmtree(p);
    ok(access(p, F_OK) < 0, "a second pass removes the rest (the moved directory)");

    tap_pathf(p, sizeof p, "%s/outside/keep.txt", base);
    unlink(p);
    rmdir(outside);
    rmdir(base);
    return done_testing();
}
