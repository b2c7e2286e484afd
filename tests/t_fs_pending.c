/* t_fs_pending.c — the table of files being written through a holofs mount (fs/pending.h):
 * a temporary per path in the scratch directory, shown by stat only once written, shared by a
 * second open, moved by rename, dropped by unlink, listed per directory, removed with the last
 * reference; its bytes copied out exactly. */
#include "../fs/pending.h"
#include "tap.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Files in directory d (not . and ..). */
static int count_files(const char *d)
{
    DIR *dir = opendir(d);
    int n = 0;
    struct dirent *e;
    while (dir && (e = readdir(dir)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            n++;
    if (dir)
        closedir(dir);
    return n;
}

struct listing {
    char names[8][64];
    off_t sizes[8];
    int n;
};

static void collect(void *ctx, const char *path, const char *name, const struct stat *st)
{
    (void)path;
    struct listing *l = ctx;
    if (l->n < 8) {
        snprintf(l->names[l->n], sizeof l->names[0], "%s", name);
        l->sizes[l->n++] = st->st_size;
    }
}

static int mark(fs_pend *p, const void *arg)
{
    p->times_set = *(const int *)arg;
    return 7;
}

int main(void)
{
    char tmp[] = "/tmp/t_fs_pending.XXXXXX";
    if (!mkdtemp(tmp)) {
        printf("Bail out! mkdtemp: %s\n", strerror(errno));
        return 1;
    }
    char scratch[256], out[256];
    tap_pathf(scratch, sizeof scratch, "%s/scratch", tmp);
    tap_pathf(out, sizeof out, "%s/out", tmp);
    mkdir(scratch, 0700);

    fs_pending *pd = fs_pending_new(scratch);
    ok(pd != NULL, "a table over a scratch directory");
    int rc = 0;
    fs_pend *p = fs_pending_new_file(pd, "/a/f.txt", 0640, getuid(), getgid(), &rc);
    ok(p != NULL && rc == 0, "a new temporary for /a/f.txt");
    is_int(count_files(scratch), 1, "... lives in the scratch directory");
    struct stat st;
    is_int(fs_pending_stat(pd, "/a/f.txt", &st), -ENOENT,
           "nothing written yet: stat does not show it (the store's file shows)");

    static const char text[] = "the bytes of a file being written";
    is_int(fs_pend_write(p, text, sizeof text - 1, 0), 0, "write");
    p->dirty = 1;
    is_int(fs_pending_stat(pd, "/a/f.txt", &st), 0, "written: stat shows it");
    is_int(st.st_size, (long long)(sizeof text - 1), "... with its size");
    is_int(st.st_mode & 07777, 0640, "... and the mode it was created with");

    fs_pend *q = fs_pending_get(pd, "/a/f.txt");
    ok(q == p, "a second open shares the temporary");
    ok(fs_pending_get(pd, "/a/other") == NULL, "another path has none");

    struct listing l = {0};
    fs_pending_list(pd, "/a", collect, &l);
    is_int(l.n, 1, "listed in its directory");
    is_str(l.n ? l.names[0] : "", "f.txt", "... by its name");
    is_int(l.n ? l.sizes[0] : -1, (long long)(sizeof text - 1), "... with its size");
    struct listing root = {0};
    fs_pending_list(pd, "/", collect, &root);
    is_int(root.n, 0, "not listed in the parent directory");

    is_int(fs_pending_truncate(pd, "/a/f.txt", 9), 0, "truncate by path");
    fs_pending_stat(pd, "/a/f.txt", &st);
    is_int(st.st_size, 9, "... cuts the temporary");
    is_int(fs_pending_truncate(pd, "/nothing", 1), -ENOENT, "truncate of no temporary: ENOENT");

    is_int(fs_pend_copy_out(p, out, 0600), 0, "copy out");
    size_t n = 0;
    uint8_t *got = tap_slurp(out, &n);
    is_bytes(got, n, text, 9, "... gives its bytes exactly");
    free(got);

    is_int(fs_pending_rename(pd, "/a/f.txt", "/b/g.txt"), 0, "rename");
    is_int(fs_pending_stat(pd, "/a/f.txt", &st), -ENOENT, "... the old name is gone");
    is_int(fs_pending_stat(pd, "/b/g.txt", &st), 0, "... the new name shows it");
    is_int(fs_pending_rename(pd, "/a/f.txt", "/c"), -ENOENT, "rename of no temporary: ENOENT");
    int todo = 0;
    char *target = fs_pending_target(pd, p, &todo);
    is_str(target ? target : "", "/b/g.txt", "an encode now targets the new name");
    ok(todo, "... and has something to encode");
    free(target);

    int arg = 5;
    is_int(fs_pending_with(pd, NULL, "/b/g.txt", mark, &arg), 7,
           "with: fn runs on path's temporary");
    is_int(p->times_set, 5, "... on that one");
    is_int(fs_pending_with(pd, NULL, "/none", mark, &arg), 1, "with: 1 when there is none");

    is_int(fs_pending_unlink(pd, "/b/g.txt"), 1, "unlink of a file being written");
    ok(fs_pending_get(pd, "/b/g.txt") == NULL, "... it is not found again");
    target = fs_pending_target(pd, p, &todo);
    ok(!todo, "... and its close encodes nothing");
    free(target);
    is_int(fs_pending_unlink(pd, "/b/g.txt"), 0, "a second unlink finds none");

    fs_pending_put(pd, q);
    is_int(count_files(scratch), 1, "the temporary stays while a reference is left");
    fs_pending_put(pd, p);
    is_int(count_files(scratch), 0, "the last reference removes it");

    fs_pend *left = fs_pending_new_file(pd, "/left", 0600, getuid(), getgid(), &rc);
    ok(left != NULL, "one more temporary");
    fs_pending_free(pd);
    is_int(count_files(scratch), 0, "freeing the table removes what is left");

    fs_pending *bad = fs_pending_new("/nonexistent-dir-of-t_fs_pending");
    fs_pend *none = bad ? fs_pending_new_file(bad, "/x", 0600, 0, 0, &rc) : NULL;
    ok(bad && !none && rc == -ENOENT, "a missing scratch directory: ENOENT, no entry");
    fs_pending_free(bad);

    unlink(out);
    rmdir(scratch);
    rmdir(tmp);
    return done_testing();
}
