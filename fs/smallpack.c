/* smallpack.c — packed small files in the holofs namespace (see smallpack.h). */
#include "smallpack.h"
#include "holo_ext.h"
#include "ns.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#define SLOTS 16   /* parsed packs kept: a listing of one directory reuses its scan */

typedef struct slot {
    char pack[PATH_MAX];
    struct stat st;       /* the pack file when scanned: a changed file is scanned again */
    holo_spack p;
    uint64_t tick;
    int used;
} slot;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;       /* the slots */
static pthread_mutex_t move_mu = PTHREAD_MUTEX_INITIALIZER;  /* moves out of packs */
static slot slots[SLOTS];
static uint64_t ticks;
static char cache_root[PATH_MAX];   /* materialised members */

int sp_init(const char *store, int ro)
{
    if (!ro) {
        if (snprintf(cache_root, sizeof cache_root, "%s/%s/sp", store, NS_TMPDIR) >= (int)sizeof cache_root)
            return -ENAMETOOLONG;
        ns_rmtree(cache_root);   /* made when a member is first read */
        return 0;
    }
    const char *t = getenv("TMPDIR");
    if (snprintf(cache_root, sizeof cache_root, "%s/holofs-sp-XXXXXX", t && *t ? t : "/tmp") >=
            (int)sizeof cache_root || !mkdtemp(cache_root))
        return -errno;
    return 0;
}

void sp_fini(void)
{
    pthread_mutex_lock(&mu);
    for (int i = 0; i < SLOTS; i++)
        if (slots[i].used) {
            holo_spack_free(&slots[i].p);
            slots[i].used = 0;
        }
    pthread_mutex_unlock(&mu);
    if (cache_root[0]) {
        ns_rmtree(cache_root);
        cache_root[0] = 0;
    }
}

static int same_file(const struct stat *a, const struct stat *b)
{
    return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
           a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

/* Copy of member `name` of pack (and the pack's stat): 1 found, 0 not, -errno. */
static int lookup(const char *pack, const char *name, holo_spack_member *out, struct stat *pst)
{
    struct stat st;
    if (lstat(pack, &st) < 0 || !S_ISREG(st.st_mode))
        return 0;
    pthread_mutex_lock(&mu);
    slot *s = NULL, *lru = &slots[0];
    for (int i = 0; i < SLOTS; i++) {
        if (slots[i].used && !strcmp(slots[i].pack, pack)) {
            s = &slots[i];
            break;
        }
        if (!slots[i].used || (lru->used && slots[i].tick < lru->tick))
            lru = &slots[i];
    }
    if (s && !same_file(&s->st, &st)) {   /* appended to or replaced: scan again */
        holo_spack_free(&s->p);
        s->used = 0;
    }
    if (!s || !s->used) {
        if (!s) {
            s = lru;
            if (s->used)
                holo_spack_free(&s->p);
            s->used = 0;
        }
        /* scanned under the lock: a listing's many lookups then wait for one scan */
        holo_err err = {0};
        if (holo_spack_read(pack, &s->p, &err) < 0) {
            pthread_mutex_unlock(&mu);
            return -EIO;
        }
        snprintf(s->pack, sizeof s->pack, "%s", pack);
        s->st = st;
        s->used = 1;
    }
    s->tick = ++ticks;
    const holo_spack_member *m = holo_spack_find(&s->p, name);
    if (m) {
        *out = *m;
        *pst = s->st;
    }
    pthread_mutex_unlock(&mu);
    return m != NULL;
}

/* STORE/a/.holo-pack and "X" for mount path "/a/X". */
static int split(const char *store, const char *path, char *pack, size_t packsz, const char **name)
{
    const char *base = ns_basename(path);
    int dl = (int)(base - path);
    *name = base;
    if (!*base || ns_is_hidden(base))
        return -1;
    return snprintf(pack, packsz, "%s%.*s%s", store, dl, path, HOLO_SPACK_NAME) < (int)packsz ? 0 : -1;
}

/* The materialised copy of member m of pack (pst): its directory in dir. 0 or -errno. */
static int materialise(const char *pack, const struct stat *pst, const holo_spack_member *m, char *dir,
                       size_t dirsz)
{
    char pdir[PATH_MAX], dict[PATH_MAX], link[PATH_MAX];
    struct stat st;
    /* one directory per pack, with the pack's dictionary beside its members (libholo looks
     * for .holo-dict above a chunk directory) */
    if (snprintf(pdir, sizeof pdir, "%s/p%llx-%llx", cache_root, (unsigned long long)pst->st_dev,
                 (unsigned long long)pst->st_ino) >= (int)sizeof pdir ||
        snprintf(dir, dirsz, "%s/%llx-%x", pdir, (unsigned long long)m->offset, m->length) >= (int)dirsz)
        return -ENAMETOOLONG;
    if (lstat(dir, &st) == 0 && S_ISDIR(st.st_mode))
        return 0;
    if (mkdir(cache_root, 0700) < 0 && errno != EEXIST)
        return -errno;
    if (mkdir(pdir, 0700) == 0 && holo_dict_find(pack, dict, sizeof dict) == 0 &&
        snprintf(link, sizeof link, "%s/%s", pdir, HOLO_DICT_DIRNAME) < (int)sizeof link &&
        symlink(dict, link) < 0) {
        /* without it a member that needs a dictionary reports it missing */
    }
    holo_err err = {0};
    if (holo_spack_extract(pack, m, dir, 0, &err) < 0) {
        if (lstat(dir, &st) == 0 && S_ISDIR(st.st_mode))   /* another thread was first */
            return 0;
        return -holo_errno(&err);
    }
    return 0;
}

/* Move member m of pack out to STORE/path.holo/ (synced), then drop it from the pack. */
static int move_out(const char *store, const char *path, const char *pack, const holo_spack_member *m)
{
    char set[PATH_MAX];
    struct stat st;
    holo_err err = {0};
    if (ns_join(set, sizeof set, store, path, NS_SUFFIX) < 0)
        return -ENAMETOOLONG;
    pthread_mutex_lock(&move_mu);
    int rc = 0;
    /* another request may have moved it meanwhile: X.holo/ then holds it, maybe changed */
    if (lstat(set, &st) < 0 && holo_spack_extract(pack, m, set, 1, &err) < 0)
        rc = -holo_errno(&err);
    if (rc == 0 && holo_spack_remove(pack, m->name, set, &err) < 0)
        rc = -holo_errno(&err);
    pthread_mutex_unlock(&move_mu);
    return rc;
}

int sp_resolve(const char *store, const char *path, int exists, int for_write, char *spath,
               size_t spathsz, struct stat *st)
{
    char pack[PATH_MAX];
    const char *name;
    holo_spack_member m;
    struct stat pst;
    if (exists && !for_write)
        return SP_NONE;
    if (split(store, path, pack, sizeof pack, &name) < 0)
        return SP_NONE;
    int r = lookup(pack, name, &m, &pst);
    if (r <= 0)
        return r < 0 ? r : SP_NONE;
    if (exists) {   /* left beside X.holo/ by a killed holofs or holo smallpack: X.holo/ wins */
        holo_err err = {0};
        char set[PATH_MAX];
        if (ns_join(set, sizeof set, store, path, NS_SUFFIX) == 0)
            holo_spack_remove(pack, name, set, &err);
        return SP_NONE;
    }
    if (for_write) {
        int rc = move_out(store, path, pack, &m);
        return rc < 0 ? rc : SP_MOVED;
    }
    int rc = materialise(pack, &pst, &m, spath, spathsz);
    if (rc < 0)
        return rc;
    return lstat(spath, st) < 0 ? -errno : SP_ENCODED;
}

void sp_list(const char *dpath, void (*fn)(void *ctx, const char *name), void *ctx)
{
    char pack[PATH_MAX], p[PATH_MAX];
    holo_spack sp;
    holo_err err = {0};
    struct stat st;
    if (snprintf(pack, sizeof pack, "%s/%s", dpath, HOLO_SPACK_NAME) >= (int)sizeof pack ||
        lstat(pack, &st) < 0 || holo_spack_read(pack, &sp, &err) < 0)
        return;
    for (size_t i = 0; i < sp.n; i++) {
        const char *x = sp.m[i].name;
        if (ns_is_hidden(x) ||
            snprintf(p, sizeof p, "%s/%s%s", dpath, x, NS_SUFFIX) >= (int)sizeof p ||
            lstat(p, &st) == 0)
            continue;
        p[strlen(p) - strlen(NS_SUFFIX)] = 0;
        if (lstat(p, &st) == 0)
            continue;
        fn(ctx, x);
    }
    holo_spack_free(&sp);
}

int sp_drop_empty(const char *dir)
{
    char pack[PATH_MAX];
    holo_spack sp;
    if (snprintf(pack, sizeof pack, "%s/%s", dir, HOLO_SPACK_NAME) >= (int)sizeof pack ||
        holo_spack_read(pack, &sp, NULL) < 0) {
        errno = ENOTEMPTY;
        return -1;
    }
    size_t live = sp.n;
    holo_spack_free(&sp);
    if (live) {
        errno = ENOTEMPTY;
        return -1;
    }
    return unlink(pack) < 0 && errno != ENOENT ? -1 : 0;
}

/* ---- packing by itself (-o smallpack) ---------------------------------------------------- */
enum { AUTO_DIRS = 64, AUTO_QUIET_MS = 2000 };

static struct {
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int on, stop;
    size_t n;
    char (*dir)[PATH_MAX];        /* directories with sets written since their last packing */
    struct timespec *last;        /* when the newest of them was written */
    sp_log_fn log;
    void *ctx;
} au = { .mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER };

static int64_t ms_since(const struct timespec *t)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (int64_t)(now.tv_sec - t->tv_sec) * 1000 + (now.tv_nsec - t->tv_nsec) / 1000000;
}

static void *packer(void *arg)
{
    (void)arg;
    char dir[PATH_MAX];
    pthread_mutex_lock(&au.mu);
    while (!au.stop) {
        size_t pick = au.n;
        for (size_t i = 0; i < au.n && pick == au.n; i++)
            if (ms_since(&au.last[i]) >= AUTO_QUIET_MS)
                pick = i;
        if (pick == au.n) {
            struct timespec until;
            clock_gettime(CLOCK_REALTIME, &until);
            until.tv_nsec += 500000000;
            if (until.tv_nsec >= 1000000000) { until.tv_sec++; until.tv_nsec -= 1000000000; }
            pthread_cond_timedwait(&au.cv, &au.mu, &until);
            continue;
        }
        /* a quiet directory: packed outside the lock, requests go on meanwhile */
        memcpy(dir, au.dir[pick], sizeof dir);
        au.n--;
        memcpy(au.dir[pick], au.dir[au.n], sizeof dir);
        au.last[pick] = au.last[au.n];
        pthread_mutex_unlock(&au.mu);
        holo_spack_stats st;
        holo_err err = {0};
        char msg[PATH_MAX + 1024];
        if (holo_spack_add(dir, 0, &st, &err) < 0)
            snprintf(msg, sizeof msg, "%s: small files not packed: %s", dir, err.msg);
        else
            snprintf(msg, sizeof msg, "%s: packed %zu small file(s) into %s", dir, st.packed, HOLO_SPACK_NAME);
        if (au.log && (st.packed || err.msg[0]))
            au.log(au.ctx, msg);
        pthread_mutex_lock(&au.mu);
    }
    pthread_mutex_unlock(&au.mu);
    return NULL;
}

int sp_auto_start(sp_log_fn log, void *ctx)
{
    au.dir = calloc(AUTO_DIRS, sizeof *au.dir);
    au.last = calloc(AUTO_DIRS, sizeof *au.last);
    au.log = log;
    au.ctx = ctx;
    au.stop = 0;
    au.n = 0;
    if (!au.dir || !au.last || pthread_create(&au.th, NULL, packer, NULL) != 0) {
        free(au.dir);
        free(au.last);
        au.dir = NULL;
        au.last = NULL;
        return -ENOMEM;
    }
    au.on = 1;
    return 0;
}

void sp_auto_note(const char *set)
{
    if (!au.on)
        return;
    const char *slash = strrchr(set, '/');
    if (!slash || (size_t)(slash - set) >= PATH_MAX)
        return;
    size_t dl = (size_t)(slash - set);
    pthread_mutex_lock(&au.mu);
    size_t i = 0;
    while (i < au.n && (strncmp(au.dir[i], set, dl) || au.dir[i][dl]))
        i++;
    if (i == au.n && au.n < AUTO_DIRS) {   /* full: the next note after a packing gets in */
        memcpy(au.dir[i], set, dl);
        au.dir[i][dl] = 0;
        au.n++;
    }
    if (i < au.n)
        clock_gettime(CLOCK_MONOTONIC, &au.last[i]);
    pthread_mutex_unlock(&au.mu);
}

void sp_auto_stop(void)
{
    if (!au.on)
        return;
    pthread_mutex_lock(&au.mu);
    au.stop = 1;
    pthread_cond_signal(&au.cv);
    pthread_mutex_unlock(&au.mu);
    pthread_join(au.th, NULL);
    free(au.dir);
    free(au.last);
    au.dir = NULL;
    au.last = NULL;
    au.on = 0;
}
