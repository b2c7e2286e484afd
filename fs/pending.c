/* pending.c — the table of files being written through the mount (pending.h). */
#include "pending.h"
#include "ns.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct fs_pending {
    pthread_mutex_t mu;       /* guards the list, paths, refs and the unlinked flags */
    fs_pend *head;
    char tmpdir[PATH_MAX];
};

fs_pending *fs_pending_new(const char *tmpdir)
{
    fs_pending *pd = calloc(1, sizeof *pd);
    if (!pd)
        return NULL;
    if (snprintf(pd->tmpdir, sizeof pd->tmpdir, "%s", tmpdir) >= (int)sizeof pd->tmpdir) {
        free(pd);
        return NULL;
    }
    pthread_mutex_init(&pd->mu, NULL);
    return pd;
}

static void pend_free(fs_pend *p)
{
    close(p->fd);
    unlink(p->tmp);
    pthread_mutex_destroy(&p->mu);
    free(p->path);
    free(p);
}

void fs_pending_free(fs_pending *pd)
{
    if (!pd)
        return;
    while (pd->head) {
        fs_pend *p = pd->head;
        pd->head = p->next;
        pend_free(p);
    }
    pthread_mutex_destroy(&pd->mu);
    free(pd);
}

fs_pend *fs_pending_new_file(fs_pending *pd, const char *path, mode_t mode, uid_t uid, gid_t gid,
                             int *rc)
{
    fs_pend *p = calloc(1, sizeof *p);
    if (!p || !(p->path = strdup(path))) {
        free(p);
        *rc = -ENOMEM;
        return NULL;
    }
    if (snprintf(p->tmp, sizeof p->tmp, "%s/wXXXXXX", pd->tmpdir) >= (int)sizeof p->tmp)
        p->fd = -1, errno = ENAMETOOLONG;
    else
        p->fd = mkostemp(p->tmp, O_CLOEXEC);
    if (p->fd < 0) {
        *rc = -errno;
        free(p->path);
        free(p);
        return NULL;
    }
    /* the temp file carries mode and owner: getattr shows them while writing, and the
     * encoder gives the chunk directory the input's mode */
    if (fchmod(p->fd, mode & 07777) < 0) { /* best effort */ }
    if (geteuid() == 0 && fchown(p->fd, uid, gid) < 0) { /* best effort */ }
    p->uid = uid;
    p->gid = gid;
    pthread_mutex_init(&p->mu, NULL);
    p->refs = 1;
    pthread_mutex_lock(&pd->mu);
    p->next = pd->head;
    pd->head = p;
    pthread_mutex_unlock(&pd->mu);
    return p;
}

/* The live temporary of path (pd->mu held). */
static fs_pend *find(fs_pending *pd, const char *path)
{
    for (fs_pend *p = pd->head; p; p = p->next)
        if (!p->unlinked && strcmp(p->path, path) == 0)
            return p;
    return NULL;
}

fs_pend *fs_pending_get(fs_pending *pd, const char *path)
{
    pthread_mutex_lock(&pd->mu);
    fs_pend *p = find(pd, path);
    if (p)
        p->refs++;
    pthread_mutex_unlock(&pd->mu);
    return p;
}

void fs_pending_put(fs_pending *pd, fs_pend *p)
{
    pthread_mutex_lock(&pd->mu);
    int last = --p->refs == 0;
    if (last) {
        fs_pend **pp = &pd->head;
        while (*pp && *pp != p)
            pp = &(*pp)->next;
        if (*pp)
            *pp = p->next;
    }
    pthread_mutex_unlock(&pd->mu);
    if (last)
        pend_free(p);
}

int fs_pending_stat(fs_pending *pd, const char *path, struct stat *st)
{
    int rc = -ENOENT;
    pthread_mutex_lock(&pd->mu);
    fs_pend *p = find(pd, path);
    if (p && p->dirty)
        rc = fstat(p->fd, st) < 0 ? -errno : 0;
    pthread_mutex_unlock(&pd->mu);
    return rc;
}

int fs_pending_unlink(fs_pending *pd, const char *path)
{
    pthread_mutex_lock(&pd->mu);
    fs_pend *p = find(pd, path);
    if (p)
        p->unlinked = 1;
    pthread_mutex_unlock(&pd->mu);
    return p != NULL;
}

int fs_pending_rename(fs_pending *pd, const char *from, const char *to)
{
    pthread_mutex_lock(&pd->mu);
    fs_pend *p = find(pd, from);
    char *np = p ? strdup(to) : NULL;
    if (np) {
        free(p->path);
        p->path = np;
    }
    pthread_mutex_unlock(&pd->mu);
    return p ? (np ? 0 : -ENOMEM) : -ENOENT;
}

int fs_pending_truncate(fs_pending *pd, const char *path, off_t size)
{
    pthread_mutex_lock(&pd->mu);
    fs_pend *p = find(pd, path);
    int rc = p ? (ftruncate(p->fd, size) < 0 ? -errno : 0) : -ENOENT;
    if (p && rc == 0)
        p->dirty = 1;
    pthread_mutex_unlock(&pd->mu);
    return rc;
}

int fs_pending_with(fs_pending *pd, fs_pend *p, const char *path,
                    int (*fn)(fs_pend *p, const void *arg), const void *arg)
{
    pthread_mutex_lock(&pd->mu);
    if (!p && path)
        p = find(pd, path);
    int rc = p ? fn(p, arg) : 1;
    pthread_mutex_unlock(&pd->mu);
    return rc;
}

char *fs_pending_target(fs_pending *pd, fs_pend *p, int *todo)
{
    pthread_mutex_lock(&pd->mu);
    char *path = strdup(p->path);
    *todo = p->dirty && !p->unlinked;
    pthread_mutex_unlock(&pd->mu);
    return path;
}

void fs_pending_list(fs_pending *pd, const char *dir,
                     void (*fn)(void *ctx, const char *path, const char *name,
                                const struct stat *st),
                     void *ctx)
{
    size_t dlen = strcmp(dir, "/") == 0 ? 0 : strlen(dir);
    pthread_mutex_lock(&pd->mu);
    for (fs_pend *p = pd->head; p; p = p->next) {
        const char *slash = strrchr(p->path, '/');
        struct stat st;
        if (p->unlinked || !slash || (size_t)(slash - p->path) != dlen ||
            strncmp(p->path, dir, dlen) != 0 || ns_is_hidden(slash + 1))
            continue;
        if (fstat(p->fd, &st) == 0)
            fn(ctx, p->path, slash + 1, &st);
    }
    pthread_mutex_unlock(&pd->mu);
}

int fs_pend_write(fs_pend *p, const void *buf, size_t n, off_t off)
{
    const char *b = buf;
    for (size_t done = 0; done < n;) {
        ssize_t w = pwrite(p->fd, b + done, n - done, off + (off_t)done);
        if (w < 0 && errno != EINTR)
            return -errno;
        if (w > 0)
            done += (size_t)w;
    }
    return 0;
}

int fs_pend_copy_out(fs_pend *p, const char *path, mode_t mode)
{
    char buf[65536];
    int out = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (out < 0)
        return -errno;
    off_t off = 0;
    int rc = 0;
    while (rc == 0) {
        ssize_t n = pread(p->fd, buf, sizeof buf, off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            rc = n < 0 ? -errno : 0;
            break;
        }
        for (ssize_t done = 0; done < n && rc == 0;) {
            ssize_t w = write(out, buf + done, (size_t)(n - done));
            if (w < 0 && errno != EINTR)
                rc = -errno;
            else if (w > 0)
                done += w;
        }
        off += n;
    }
    if (close(out) < 0 && rc == 0)
        rc = -errno;
    if (rc < 0)
        unlink(path);
    return rc;
}
