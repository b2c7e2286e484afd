/* chunkset.c — list the chunk files of a directory in processing order
 * (doc/formats.md §Chunk order). */
#include "internal.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int is_chunk_name(const char *s)
{
    size_t n = strlen(s);
    return n > 11 && n < 64 && !strncmp(s, "chunk_", 6) && !strcmp(s + n - 5, ".holo");
}

static int cmp_name(const void *a, const void *b)
{
    return strcmp(((const holo_chunkfile *)a)->name, ((const holo_chunkfile *)b)->name);
}

static double read_score(const char *dir, const char *name)
{
    char path[PATH_MAX], meta[80];
    snprintf(meta, sizeof meta, "%s.meta", name);
    if (holo_path_join(path, sizeof path, dir, meta) < 0) return 0.0;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);   /* a planted link is no score */
    if (fd < 0) return 0.0;
    char buf[64] = {0};
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    buf[n > 0 ? n : 0] = 0;
    char *end;
    double v = strtod(buf, &end);
    return end == buf ? 0.0 : v;
}

/* Stable sort by score, descending: insertion order breaks ties (names are already sorted). */
static void sort_by_score(holo_chunkfile *f, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        holo_chunkfile x = f[i];
        size_t j = i;
        while (j > 0 && f[j - 1].score < x.score) { f[j] = f[j - 1]; j--; }
        f[j] = x;
    }
}

/* Order by the manifest's ordered_chunks; files it does not list are dropped
 * (doc/formats.md §Chunk order, step 3). */
static int order_by_manifest(holo_chunklist *l, char **order)
{
    size_t k = 0;
    holo_chunkfile *out = malloc((l->n ? l->n : 1) * sizeof *out);
    if (!out) return -1;
    for (size_t i = 0; order[i]; i++)
        for (size_t j = 0; j < l->n; j++)
            if (l->files[j].name[0] && !strcmp(order[i], l->files[j].name)) {
                out[k++] = l->files[j];
                l->files[j].name[0] = 0;   /* a name listed twice is used once */
                break;
            }
    if (k == 0) { free(out); return 0; }   /* manifest lists nothing existing: not usable */
    free(l->files);
    l->files = out;
    l->n = k;
    return 1;
}

int holo_chunklist_scan(const char *dir, const holo_decode_opts *o, holo_chunklist *l,
                        holo_err *err)
{
    memset(l, 0, sizeof *l);
    if (snprintf(l->dir, sizeof l->dir, "%s", dir) >= (int)sizeof l->dir)
        return holo_seterr(err, HOLO_EINVAL, "%s: path too long", dir);
    DIR *d = opendir(dir);
    if (!d) return holo_seterr_sys(err, errno, "%s", dir);
    size_t cap = 64;
    l->files = malloc(cap * sizeof *l->files);
    if (!l->files) { closedir(d); return holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", dir); }
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!is_chunk_name(e->d_name)) continue;
        if (l->n == cap) {
            holo_chunkfile *nf = realloc(l->files, (cap *= 2) * sizeof *nf);
            if (!nf) { closedir(d); holo_chunklist_free(l); return holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", dir); }
            l->files = nf;
        }
        holo_chunkfile *f = &l->files[l->n++];
        memset(f, 0, sizeof *f);
        memcpy(f->name, e->d_name, strlen(e->d_name) + 1);   /* is_chunk_name: < 64 bytes */
    }
    closedir(d);
    qsort(l->files, l->n, sizeof *l->files, cmp_name);
    l->n_all = l->n;

    char path[PATH_MAX];
    for (size_t i = 0; i < l->n; i++) {
        struct stat st;
        if (holo_path_join(path, sizeof path, dir, l->files[i].name) == 0 && lstat(path, &st) == 0)
            l->files[i].mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
    }
    if (o && o->prefer_gain) {
        char **order = holo_read_manifest_order(dir);
        int used = 0;
        if (order) {
            used = order_by_manifest(l, order);
            for (size_t i = 0; order[i]; i++) free(order[i]);
            free(order);
            if (used < 0) { holo_chunklist_free(l); return holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", dir); }
        }
        if (!used) {
            for (size_t i = 0; i < l->n; i++) l->files[i].score = read_score(dir, l->files[i].name);
            sort_by_score(l->files, l->n);
        }
    }
    if (o && o->max_chunks && l->n > o->max_chunks) l->n = o->max_chunks;
    return 0;
}

void holo_chunklist_free(holo_chunklist *l)
{
    free(l->files);
    l->files = NULL;
    l->n = 0;
}
