/* watch.c — inotify watcher thread (watch.h). */
#include "watch.h"
#include "ns.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#define WMASK (IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | IN_DELETE | \
               IN_DELETE_SELF | IN_DONT_FOLLOW | IN_ONLYDIR)

struct fs_watch {
    char *store;
    fs_watch_fn fn;
    void *ctx;
    int ifd, efd;
    char **paths;             /* paths[wd] = store-relative dir ("" = root, "/a", "/a/X.holo") */
    int npaths;
    int count;
    pthread_mutex_t mu;       /* guards count for fs_watch_count */
    pthread_t thread;
};

static void set_path(fs_watch *w, int wd, const char *rel)
{
    if (wd >= w->npaths) {
        int n = wd + 64;
        char **p = realloc(w->paths, (size_t)n * sizeof *p);
        if (!p)
            return;
        memset(p + w->npaths, 0, (size_t)(n - w->npaths) * sizeof *p);
        w->paths = p;
        w->npaths = n;
    }
    char *dup = strdup(rel);
    if (!dup)
        return;
    if (!w->paths[wd]) {
        pthread_mutex_lock(&w->mu);
        w->count++;
        pthread_mutex_unlock(&w->mu);
    }
    free(w->paths[wd]);
    w->paths[wd] = dup;
}

static void drop_wd(fs_watch *w, int wd)
{
    if (wd >= 0 && wd < w->npaths && w->paths[wd]) {
        free(w->paths[wd]);
        w->paths[wd] = NULL;
        pthread_mutex_lock(&w->mu);
        w->count--;
        pthread_mutex_unlock(&w->mu);
    }
}

static int is_chunkdir(const char *rel)
{
    char x[NAME_MAX + 1];
    return ns_strip_suffix(ns_basename(rel), x, sizeof x);
}

/* Watch rel and, unless it is a chunk directory, every visible directory below it. */
static void add_tree(fs_watch *w, const char *rel)
{
    char abs[PATH_MAX];
    if (snprintf(abs, sizeof abs, "%s%s", w->store, rel) >= (int)sizeof abs)
        return;
    int wd = inotify_add_watch(w->ifd, abs, WMASK);
    if (wd < 0)
        return;
    set_path(w, wd, rel);   /* an existing wd (renamed directory) gets its new path */
    if (is_chunkdir(rel))
        return;
    DIR *d = opendir(abs);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' && (!e->d_name[1] || (e->d_name[1] == '.' && !e->d_name[2])))
            continue;
        if (ns_is_hidden(e->d_name) || (e->d_type != DT_DIR && e->d_type != DT_UNKNOWN))
            continue;
        char sub[PATH_MAX];
        if (snprintf(sub, sizeof sub, "%s/%s", rel, e->d_name) >= (int)sizeof sub)
            continue;
        if (e->d_type == DT_UNKNOWN) {
            char full[PATH_MAX];
            struct stat st;
            if (snprintf(full, sizeof full, "%s%s", w->store, sub) >= (int)sizeof full ||
                lstat(full, &st) < 0 || !S_ISDIR(st.st_mode))
                continue;
        }
        add_tree(w, sub);
    }
    closedir(d);
}

static void handle(fs_watch *w, const struct inotify_event *ev)
{
    if (ev->mask & IN_Q_OVERFLOW) {
        add_tree(w, "");
        w->fn(w->ctx, "/", FSW_ALL);
        return;
    }
    if (ev->mask & IN_IGNORED) {
        drop_wd(w, ev->wd);
        return;
    }
    if (ev->wd < 0 || ev->wd >= w->npaths || !w->paths[ev->wd])
        return;
    const char *dir = w->paths[ev->wd];
    char mpath[PATH_MAX], x[NAME_MAX + 1];

    if (is_chunkdir(dir)) {
        /* something changed inside STORE/.../X.holo/: the file is /.../X */
        if (ev->len && ns_is_hidden(ev->name))
            return;
        size_t n = strlen(dir) - strlen(NS_SUFFIX);
        snprintf(mpath, sizeof mpath, "%.*s", (int)n, dir);
        w->fn(w->ctx, mpath, 0);
        return;
    }
    if (!ev->len || ns_is_hidden(ev->name))
        return;
    if (snprintf(mpath, sizeof mpath, "%s/%s", dir, ev->name) >= (int)sizeof mpath)
        return;
    int isdir = (ev->mask & IN_ISDIR) != 0;
    if (isdir && (ev->mask & (IN_CREATE | IN_MOVED_TO)))
        add_tree(w, mpath);
    if (ns_strip_suffix(ev->name, x, sizeof x)) {
        char file[PATH_MAX];
        if (snprintf(file, sizeof file, "%s/%s", dir, x) < (int)sizeof file)
            w->fn(w->ctx, file, 0);
        if (isdir)
            return;
    }
    w->fn(w->ctx, mpath, isdir ? FSW_TREE : 0);
}

static void *run(void *arg)
{
    fs_watch *w = arg;
    _Alignas(struct inotify_event) char buf[16384];
    struct pollfd p[2] = {{.fd = w->ifd, .events = POLLIN}, {.fd = w->efd, .events = POLLIN}};
    for (;;) {
        if (poll(p, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (p[1].revents)
            break;
        ssize_t n = read(w->ifd, buf, sizeof buf);
        if (n <= 0) {
            if (n < 0 && (errno == EINTR || errno == EAGAIN))
                continue;
            break;
        }
        for (char *q = buf; q < buf + n;) {
            const struct inotify_event *ev = (const struct inotify_event *)q;
            handle(w, ev);
            q += sizeof *ev + ev->len;
        }
    }
    return NULL;
}

fs_watch *fs_watch_start(const char *store, fs_watch_fn fn, void *ctx)
{
    fs_watch *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->fn = fn;
    w->ctx = ctx;
    w->efd = -1;
    pthread_mutex_init(&w->mu, NULL);
    if (!(w->store = strdup(store)))
        goto err_store;
    if ((w->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) < 0)
        goto err_ifd;
    if ((w->efd = eventfd(0, EFD_CLOEXEC)) < 0)
        goto err_efd;
    add_tree(w, "");
    if (w->count == 0) {
        errno = ENOENT;
        goto err_thread;
    }
    int e = pthread_create(&w->thread, NULL, run, w);
    if (e) {
        errno = e;
        goto err_thread;
    }
    return w;
err_thread:
    close(w->efd);
err_efd:
    close(w->ifd);
err_ifd:
    free(w->store);
err_store:
    for (int i = 0; i < w->npaths; i++)
        free(w->paths[i]);
    free(w->paths);
    pthread_mutex_destroy(&w->mu);
    free(w);
    return NULL;
}

void fs_watch_stop(fs_watch *w)
{
    if (!w)
        return;
    uint64_t one = 1;
    if (write(w->efd, &one, sizeof one) < 0)
        perror("holofs: watcher stop");
    pthread_join(w->thread, NULL);
    close(w->efd);
    close(w->ifd);
    for (int i = 0; i < w->npaths; i++)
        free(w->paths[i]);
    free(w->paths);
    free(w->store);
    pthread_mutex_destroy(&w->mu);
    free(w);
}

int fs_watch_count(fs_watch *w)
{
    pthread_mutex_lock(&w->mu);
    int n = w->count;
    pthread_mutex_unlock(&w->mu);
    return n;
}
