/* ns.c — mount path <-> store path rules (see ns.h). */
#include "ns.h"
#include "holo_ext.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* 1 when name[0..n) ends in TAG followed by six mkstemp characters. */
static int ends_tag6(const char *name, size_t n, const char *tag)
{
    if (n < 10 || memcmp(name + n - 10, tag, 4) != 0)
        return 0;
    for (size_t i = n - 6; i < n; i++)
        if (!isalnum((unsigned char)name[i]) && name[i] != '_')
            return 0;
    return 1;
}

int ns_is_reserved(const char *name)
{
    return strncmp(name, ".holofs-", 8) == 0 || strncmp(name, ".fuse_hidden", 12) == 0;
}

int ns_is_hidden(const char *name)
{
    size_t n = strlen(name);
    /* libholo's temporaries: ".holo-tmp-PID-N" files and directories (and "...oldXXXXXX") */
    if (ns_is_reserved(name) || strncmp(name, ".holo-tmp-", 10) == 0 ||
        strcmp(name, HOLO_DICT_DIRNAME) == 0 ||  /* the store's dictionaries: holo dict */
        strcmp(name, HOLO_SPACK_NAME) == 0)      /* packed small files: holo smallpack */
        return 1;
    /* other programs' (and older libholo's) atomic writes: "path.tmpXXXXXX" files,
     * ".NAME.tmpXXXXXX" directories, and old sets moved aside as ".NAME.tmpXXXXXX.oldYYYYYY" */
    if (ends_tag6(name, n, ".old"))
        n -= 10;
    return ends_tag6(name, n, ".tmp");
}

int ns_strip_suffix(const char *name, char *out, size_t outsz)
{
    size_t n = strlen(name), s = strlen(NS_SUFFIX);
    if (n <= s || strcmp(name + n - s, NS_SUFFIX) != 0 || n - s >= outsz)
        return 0;
    memcpy(out, name, n - s);
    out[n - s] = 0;
    return !ns_is_hidden(out);
}

int ns_path_invalid(const char *path)
{
    char comp[256];
    const char *p = path;
    while (*p) {
        while (*p == '/')
            p++;
        const char *e = strchr(p, '/');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (n == 0)
            break;
        if (n >= sizeof comp)
            return 1;
        memcpy(comp, p, n);
        comp[n] = 0;
        if (ns_is_hidden(comp))
            return 1;
        p += n;
    }
    return 0;
}

int ns_join(char *out, size_t outsz, const char *store, const char *path, const char *suffix)
{
    int n = snprintf(out, outsz, "%s%s%s%s", store, path[0] == '/' ? "" : "/",
                     strcmp(path, "/") == 0 ? "" : path, suffix ? suffix : "");
    if (n < 0 || (size_t)n >= outsz)
        return -ENAMETOOLONG;
    return 0;
}

const char *ns_basename(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* 1 when an intermediate directory of `path` is a chunk directory in the store. */
static int ns_parent_is_chunkdir(const char *store, const char *path)
{
    char buf[4096];
    const char *p = path;
    for (;;) {
        const char *e = strchr(p + 1, '/');
        if (!e)
            return 0;
        size_t n = (size_t)(e - path);
        if (n >= 5 && memcmp(e - 5, NS_SUFFIX, 5) == 0) {
            struct stat st;
            if (strlen(store) + n + 1 >= sizeof buf)
                return 1;
            snprintf(buf, sizeof buf, "%s%.*s", store, (int)n, path);
            if (lstat(buf, &st) == 0 && S_ISDIR(st.st_mode))
                return 1;
        }
        p = e;
    }
}

ns_type ns_resolve(const char *store, const char *path, char *spath, size_t spathsz,
                   struct stat *st, int *shadowed)
{
    char plain[4096];
    struct stat pst;
    *shadowed = 0;
    if (strcmp(path, "/") == 0) {
        if (ns_join(spath, spathsz, store, "", NULL) < 0 || lstat(spath, st) < 0)
            return NS_NONE;
        return NS_DIR;
    }
    const char *base = ns_basename(path);
    size_t dirlen = (size_t)(base - path);
    char parent[4096];
    if (dirlen >= sizeof parent)
        return NS_NONE;
    memcpy(parent, path, dirlen);
    parent[dirlen] = 0;
    if (ns_path_invalid(parent) || ns_parent_is_chunkdir(store, path))
        return NS_NONE;
    if (ns_join(plain, sizeof plain, store, path, NULL) < 0 ||
        ns_join(spath, spathsz, store, path, NS_SUFFIX) < 0)
        return NS_NONE;
    if (ns_is_hidden(base)) {
        /* a temporary name (NAME.tmpXXXXXX) reaches a plain file by its exact name, so the
         * write-then-rename pattern works through the mount; it is never listed */
        if (ns_is_reserved(base) || lstat(plain, st) < 0 || !S_ISREG(st->st_mode))
            return NS_NONE;
        snprintf(spath, spathsz, "%s", plain);
        return NS_PLAIN;
    }
    if (lstat(spath, st) == 0 && S_ISDIR(st->st_mode)) {
        *shadowed = lstat(plain, &pst) == 0;
        return NS_ENCODED;
    }
    if (lstat(plain, st) < 0)
        return NS_NONE;
    snprintf(spath, spathsz, "%s", plain);
    if (S_ISDIR(st->st_mode)) {
        /* a chunk directory reached under its own name is not a directory of the mount */
        size_t n = strlen(path);
        if (n > 5 && strcmp(path + n - 5, NS_SUFFIX) == 0)
            return NS_NONE;
        return NS_DIR;
    }
    return S_ISREG(st->st_mode) ? NS_PLAIN : NS_OTHER;
}

holo_view ns_view(const char *name, holo_kind kind)
{
    size_t n = strlen(name);
    switch (kind) {
    case HOLO_KIND_IMAGE:
        if (n >= 4 && strcasecmp(name + n - 4, ".ppm") == 0)
            return HOLO_VIEW_PPM;
        return HOLO_VIEW_STORED_PNG;
    case HOLO_KIND_AUDIO:
        return HOLO_VIEW_WAV;
    default:
        return HOLO_VIEW_RAW;
    }
}

static int rmtree_at(int dfd, const char *name)
{
    int rc = 0;
    if (unlinkat(dfd, name, 0) == 0)
        return 0;
    if (errno != EISDIR && errno != EPERM)
        return errno == ENOENT ? 0 : -errno;
    int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    DIR *d = fdopendir(fd);
    if (!d) {
        close(fd);
        return -errno;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        int r = rmtree_at(fd, e->d_name);
        if (r < 0)
            rc = r;
    }
    closedir(d);
    if (unlinkat(dfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
        rc = -errno;
    return rc;
}

int ns_rmtree(const char *path)
{
    return rmtree_at(AT_FDCWD, path);
}

/* Sweep `dir` and the directories below it (depth-bounded: descriptors stay few). */
static int sweep_dir(const char *dir, int depth)
{
    enum { MAX_DEPTH = 32 };
    int removed = holo_tmp_sweep(dir);
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    DIR *d = fd < 0 ? NULL : fdopendir(fd);
    if (!d) {
        if (fd >= 0)
            close(fd);
        return removed;
    }
    struct dirent *e;
    char x[256], sub[4096];
    while ((e = readdir(d)) != NULL) {
        if (depth >= MAX_DEPTH || (e->d_type != DT_DIR && e->d_type != DT_UNKNOWN) ||
            e->d_name[0] == '.' || ns_strip_suffix(e->d_name, x, sizeof x))
            continue;   /* hidden names, chunk directories: nothing of ours below them */
        if (snprintf(sub, sizeof sub, "%s/%s", dir, e->d_name) < (int)sizeof sub)
            removed += sweep_dir(sub, depth + 1);
    }
    closedir(d);
    return removed;
}

int ns_sweep_store(const char *store)
{
    return sweep_dir(store[0] ? store : "/", 0);
}
