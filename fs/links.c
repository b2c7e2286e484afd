/* links.c — names of multiply-linked inodes (see links.h): a small array under a mutex; only
 * files with st_nlink > 1 are ever noted, so linear scans are cheap. */
#include "links.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

typedef struct link_name {
    ino_t ino;
    char *path;
} link_name;

struct fs_links {
    pthread_mutex_t mu;
    link_name *v;
    size_t n, cap;
};

fs_links *links_new(size_t cap)
{
    fs_links *l = calloc(1, sizeof *l);
    if (!l || !(l->v = calloc(cap ? cap : 1, sizeof *l->v))) {
        free(l);
        return NULL;
    }
    l->cap = cap ? cap : 1;
    pthread_mutex_init(&l->mu, NULL);
    return l;
}

void links_free(fs_links *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i].path);
    free(l->v);
    pthread_mutex_destroy(&l->mu);
    free(l);
}

static void remove_at(fs_links *l, size_t i)
{
    free(l->v[i].path);
    memmove(&l->v[i], &l->v[i + 1], (l->n - i - 1) * sizeof *l->v);
    l->n--;
}

static size_t find(const fs_links *l, const char *path)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->v[i].path, path) == 0)
            return i;
    return l->n;
}

void links_note(fs_links *l, ino_t ino, const char *path)
{
    pthread_mutex_lock(&l->mu);
    size_t i = find(l, path);
    if (i < l->n && l->v[i].ino == ino) {
        pthread_mutex_unlock(&l->mu);
        return;
    }
    if (i < l->n)
        remove_at(l, i);
    char *p = strdup(path);
    if (p) {
        if (l->n == l->cap)
            remove_at(l, 0);   /* the oldest */
        l->v[l->n].ino = ino;
        l->v[l->n].path = p;
        l->n++;
    }
    pthread_mutex_unlock(&l->mu);
}

void links_drop(fs_links *l, const char *path)
{
    pthread_mutex_lock(&l->mu);
    size_t i = find(l, path);
    if (i < l->n)
        remove_at(l, i);
    pthread_mutex_unlock(&l->mu);
}

char **links_others(fs_links *l, ino_t ino, const char *except, size_t *n)
{
    char **out = NULL;
    *n = 0;
    pthread_mutex_lock(&l->mu);
    for (size_t i = 0; i < l->n; i++) {
        if (l->v[i].ino != ino || (except && strcmp(l->v[i].path, except) == 0))
            continue;
        char **o = realloc(out, (*n + 1) * sizeof *o);
        if (!o)
            break;
        out = o;
        if ((out[*n] = strdup(l->v[i].path)) != NULL)
            (*n)++;
    }
    pthread_mutex_unlock(&l->mu);
    if (*n == 0) {
        free(out);
        out = NULL;
    }
    return out;
}
