/* smallpack.c — packed small files in the holofs namespace (see smallpack.h). */
#include "smallpack.h"
#include "holo_ext.h"
#include "ns.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
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
enum { AUTO_DIRS = 64 };

typedef struct slot {
    char pack[PATH_MAX];
    struct stat st;       /* the pack file when scanned: a changed file is scanned again */
    holo_spack p;
    uint64_t tick;
    int used;
} slot;

typedef struct copy {      /* one materialised member */
    char *dir;
    uint64_t bytes;        /* on disk, as du counts it */
    uint64_t tick;         /* order of use */
    struct timespec used;  /* time of the last use */
} copy;

struct fs_sp {
    char store[PATH_MAX];
    pthread_mutex_t mu;        /* the slots */
    pthread_mutex_t move_mu;   /* moves out of packs */
    slot slots[SLOTS];
    uint64_t ticks;
    char cache_root[PATH_MAX]; /* materialised members ("" when it could not be made) */
    pthread_mutex_t cmu;       /* the copies */
    copy *copies;
    size_t ncopies, capcopies;
    uint64_t cache_bytes, cache_max, cticks;
    unsigned keep_ms;          /* copies used this recently stay: a read may be about to open them */
    unsigned long evicted;     /* names the directories being removed apart */
    struct {                   /* packing by itself (-o smallpack) */
        pthread_t th;
        pthread_mutex_t mu;
        pthread_cond_t cv;
        int on, stop;
        size_t n;
        char (*dir)[PATH_MAX];  /* directories with sets written since their last packing */
        struct au_time {
            struct timespec first, last;   /* when the oldest and newest unpacked were noted */
        } *t;
        unsigned quiet_ms, max_ms;
        sp_log_fn log;
        void *ctx;
    } au;
};

static int64_t ms_since(const struct timespec *t)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (int64_t)(now.tv_sec - t->tv_sec) * 1000 + (now.tv_nsec - t->tv_nsec) / 1000000;
}

fs_sp *sp_new(const char *store, int ro, uint64_t cache_bytes, unsigned keep_ms)
{
    fs_sp *sp = calloc(1, sizeof *sp);
    if (!sp)
        return NULL;
    snprintf(sp->store, sizeof sp->store, "%s", store);
    pthread_mutex_init(&sp->mu, NULL);
    pthread_mutex_init(&sp->move_mu, NULL);
    pthread_mutex_init(&sp->cmu, NULL);
    pthread_mutex_init(&sp->au.mu, NULL);
    pthread_cond_init(&sp->au.cv, NULL);
    sp->cache_max = cache_bytes ? cache_bytes : SP_CACHE_DEFAULT;
    sp->keep_ms = keep_ms;
    if (!ro) {
        if (snprintf(sp->cache_root, sizeof sp->cache_root, "%s/%s/sp", store, NS_TMPDIR) >=
            (int)sizeof sp->cache_root)
            sp->cache_root[0] = 0;
        else
            ns_rmtree(sp->cache_root);   /* a killed mount's copies; made when a member is read */
        return sp;
    }
    const char *t = getenv("TMPDIR");
    if (snprintf(sp->cache_root, sizeof sp->cache_root, "%s/holofs-sp-XXXXXX", t && *t ? t : "/tmp") >=
            (int)sizeof sp->cache_root || !mkdtemp(sp->cache_root))
        sp->cache_root[0] = 0;
    return sp;
}

void sp_free(fs_sp *sp)
{
    if (!sp)
        return;
    sp_auto_stop(sp);
    for (int i = 0; i < SLOTS; i++)
        if (sp->slots[i].used)
            holo_spack_free(&sp->slots[i].p);
    for (size_t i = 0; i < sp->ncopies; i++)
        free(sp->copies[i].dir);
    free(sp->copies);
    if (sp->cache_root[0])
        ns_rmtree(sp->cache_root);
    pthread_mutex_destroy(&sp->mu);
    pthread_mutex_destroy(&sp->move_mu);
    pthread_mutex_destroy(&sp->cmu);
    pthread_mutex_destroy(&sp->au.mu);
    pthread_cond_destroy(&sp->au.cv);
    free(sp);
}

uint64_t sp_cache_bytes(fs_sp *sp)
{
    pthread_mutex_lock(&sp->cmu);
    uint64_t b = sp->cache_bytes;
    pthread_mutex_unlock(&sp->cmu);
    return b;
}

ino_t sp_ino(const char *path)
{
    uint64_t h = 14695981039346656037ull;   /* FNV-1a */
    for (const char *c = path; *c; c++)
        h = (h ^ (unsigned char)*c) * 1099511628211ull;
    return (ino_t)(h | 1ull << 63);
}

static int same_file(const struct stat *a, const struct stat *b)
{
    return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
           a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

/* Copy of member `name` of pack (and the pack's stat): 1 found, 0 not, -errno. */
static int lookup(fs_sp *sp, const char *pack, const char *name, holo_spack_member *out, struct stat *pst)
{
    struct stat st;
    if (lstat(pack, &st) < 0 || !S_ISREG(st.st_mode))
        return 0;
    pthread_mutex_lock(&sp->mu);
    slot *slots = sp->slots, *s = NULL, *lru = &slots[0];
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
            pthread_mutex_unlock(&sp->mu);
            return -EIO;
        }
        snprintf(s->pack, sizeof s->pack, "%s", pack);
        s->st = st;
        s->used = 1;
    }
    s->tick = ++sp->ticks;
    const holo_spack_member *m = holo_spack_find(&s->p, name);
    if (m) {
        *out = *m;
        *pst = s->st;
    }
    pthread_mutex_unlock(&sp->mu);
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

/* Blocks under the copy dir (a directory of plain files), as du counts them. */
static uint64_t du_bytes(const char *dir)
{
    struct stat st;
    uint64_t b = lstat(dir, &st) == 0 ? (uint64_t)st.st_blocks * 512 : 0;
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") &&
            fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0)
            b += (uint64_t)st.st_blocks * 512;
    if (d)
        closedir(d);
    return b;
}

/* Drop copy i from the table; its directory is renamed away into gone (to delete; "" when
 * there is nothing to delete). Renamed under the lock: a new copy of the member never meets a
 * half-deleted one. */
static void copy_drop(fs_sp *sp, size_t i, char *gone, size_t gonesz)
{
    copy *c = &sp->copies[i];
    if (snprintf(gone, gonesz, "%s/gone-%lu", sp->cache_root, ++sp->evicted) >= (int)gonesz ||
        rename(c->dir, gone) < 0)
        gone[0] = 0;
    sp->cache_bytes -= c->bytes;
    free(c->dir);
    sp->copies[i] = sp->copies[--sp->ncopies];
}

/* Evict (under cmu) the least recently used copies other than `except` while all take more
 * than the cap, none used in the last keep_ms (the cap waits for them). Their directories are
 * renamed away under the lock (a new copy of a member never meets a half-deleted one); the
 * names to delete after unlocking go into *gone (malloc'd, *ngone of them). */
static void evict_locked(fs_sp *sp, const char *except, char ***gone, size_t *ngone)
{
    while (sp->cache_bytes > sp->cache_max) {
        size_t v = sp->ncopies;
        for (size_t i = 0; i < sp->ncopies; i++)
            if ((v == sp->ncopies || sp->copies[i].tick < sp->copies[v].tick) &&
                strcmp(sp->copies[i].dir, except))
                v = i;
        if (v == sp->ncopies || ms_since(&sp->copies[v].used) < (int64_t)sp->keep_ms)
            break;
        char **ng = realloc(*gone, (*ngone + 1) * sizeof **gone), name[PATH_MAX];
        if (!ng)
            break;
        *gone = ng;
        copy_drop(sp, v, name, sizeof name);
        if (name[0] && ((*gone)[*ngone] = strdup(name)))
            ++*ngone;
    }
}

static void gone_free(char **gone, size_t ngone)
{
    for (size_t i = 0; i < ngone; i++) {
        ns_rmtree(gone[i]);
        free(gone[i]);
    }
    free(gone);
}

/* The copy dir, just made (bytes: its size), is in use: count it, then evict. */
static void copy_use(fs_sp *sp, const char *dir, uint64_t bytes)
{
    char **gone = NULL;
    size_t ngone = 0;
    pthread_mutex_lock(&sp->cmu);
    copy *c = NULL;
    for (size_t i = 0; i < sp->ncopies && !c; i++)
        if (!strcmp(sp->copies[i].dir, dir))
            c = &sp->copies[i];
    if (!c && sp->ncopies == sp->capcopies) {
        size_t nc = sp->capcopies ? sp->capcopies * 2 : 64;
        copy *nv = realloc(sp->copies, nc * sizeof *nv);
        if (nv) {
            sp->copies = nv;
            sp->capcopies = nc;
        }
    }
    if (!c && sp->ncopies < sp->capcopies && (sp->copies[sp->ncopies].dir = strdup(dir))) {
        c = &sp->copies[sp->ncopies++];
        c->bytes = bytes;
        sp->cache_bytes += bytes;
    }
    if (c && bytes > c->bytes) {   /* made again while its entry stayed: count it anew */
        sp->cache_bytes += bytes - c->bytes;
        c->bytes = bytes;
    }
    if (c) {
        c->tick = ++sp->cticks;
        clock_gettime(CLOCK_MONOTONIC, &c->used);
    }
    evict_locked(sp, dir, &gone, &ngone);
    pthread_mutex_unlock(&sp->cmu);
    gone_free(gone, ngone);
}

/* 1 when copy dir is on disk, then counted as used and the others evicted as for a new copy
 * (a burst that made many within keep_ms is trimmed by the reads after it). Checked under the
 * lock, so no eviction comes between the check and the use (keep_ms protects it from then). */
static int copy_touch(fs_sp *sp, const char *dir)
{
    struct stat st;
    char **gone = NULL;
    size_t ngone = 0;
    pthread_mutex_lock(&sp->cmu);
    int there = lstat(dir, &st) == 0 && S_ISDIR(st.st_mode);
    for (size_t i = 0; there && i < sp->ncopies; i++)
        if (!strcmp(sp->copies[i].dir, dir)) {
            sp->copies[i].tick = ++sp->cticks;
            clock_gettime(CLOCK_MONOTONIC, &sp->copies[i].used);
            break;
        }
    if (there)
        evict_locked(sp, dir, &gone, &ngone);
    pthread_mutex_unlock(&sp->cmu);
    gone_free(gone, ngone);
    return there;
}

/* The materialised copy of member m of pack (pst): its directory in dir. 0 or -errno. */
static int materialise(fs_sp *sp, const char *pack, const struct stat *pst,
                       const holo_spack_member *m, char *dir, size_t dirsz)
{
    char pdir[PATH_MAX], dict[PATH_MAX], link[PATH_MAX];
    struct stat st;
    if (!sp->cache_root[0])
        return -EIO;
    /* one directory per pack, with the pack's dictionary beside its members (libholo looks
     * for .holo-dict above a chunk directory) */
    if (snprintf(pdir, sizeof pdir, "%s/p%llx-%llx", sp->cache_root,
                 (unsigned long long)pst->st_dev, (unsigned long long)pst->st_ino) >= (int)sizeof pdir ||
        snprintf(dir, dirsz, "%s/%llx-%x", pdir, (unsigned long long)m->offset, m->length) >= (int)dirsz)
        return -ENAMETOOLONG;
    if (copy_touch(sp, dir))   /* counted by its maker (copy_use below) */
        return 0;
    if (mkdir(sp->cache_root, 0700) < 0 && errno == ENOENT) {   /* STORE/.holofs-tmp too */
        char *slash = strrchr(sp->cache_root, '/');
        *slash = 0;
        int made = mkdir(sp->cache_root, 0700) == 0 || errno == EEXIST;
        *slash = '/';
        if (made)
            mkdir(sp->cache_root, 0700);
    }
    if (lstat(sp->cache_root, &st) < 0)
        return -errno;
    if (mkdir(pdir, 0700) == 0 && holo_dict_find(pack, dict, sizeof dict) == 0 &&
        snprintf(link, sizeof link, "%s/%s", pdir, HOLO_DICT_DIRNAME) < (int)sizeof link &&
        symlink(dict, link) < 0) {
        /* without it a member that needs a dictionary reports it missing */
    }
    holo_err err = {0};
    if (holo_spack_extract(pack, m, dir, 0, &err) < 0 &&
        !(lstat(dir, &st) == 0 && S_ISDIR(st.st_mode)))   /* else another thread was first */
        return -holo_errno(&err);
    copy_use(sp, dir, du_bytes(dir));
    return 0;
}

/* Move member m of pack out to STORE/path.holo/ (synced), then drop it from the pack. */
static int move_out(fs_sp *sp, const char *path, const char *pack, const holo_spack_member *m)
{
    char set[PATH_MAX];
    struct stat st;
    holo_err err = {0};
    if (ns_join(set, sizeof set, sp->store, path, NS_SUFFIX) < 0)
        return -ENAMETOOLONG;
    pthread_mutex_lock(&sp->move_mu);
    int rc = 0;
    /* another request may have moved it meanwhile: X.holo/ then holds it, maybe changed */
    if (lstat(set, &st) < 0 && holo_spack_extract(pack, m, set, 1, &err) < 0)
        rc = -holo_errno(&err);
    if (rc == 0 && holo_spack_remove(pack, m->name, set, &err) < 0)
        rc = -holo_errno(&err);
    pthread_mutex_unlock(&sp->move_mu);
    return rc;
}

int sp_resolve(fs_sp *sp, const char *path, int exists, int for_write, char *spath,
               size_t spathsz, struct stat *st)
{
    char pack[PATH_MAX];
    const char *name;
    holo_spack_member m;
    struct stat pst;
    if (exists && !for_write)
        return SP_NONE;
    if (split(sp->store, path, pack, sizeof pack, &name) < 0)
        return SP_NONE;
    int r = lookup(sp, pack, name, &m, &pst);
    if (r <= 0)
        return r < 0 ? r : SP_NONE;
    if (exists) {   /* left beside X.holo/ by a killed holofs or holo smallpack: X.holo/ wins */
        holo_err err = {0};
        char set[PATH_MAX];
        if (ns_join(set, sizeof set, sp->store, path, NS_SUFFIX) == 0)
            holo_spack_remove(pack, name, set, &err);
        return SP_NONE;
    }
    if (for_write) {
        int rc = move_out(sp, path, pack, &m);
        return rc < 0 ? rc : SP_MOVED;
    }
    int rc = materialise(sp, pack, &pst, &m, spath, spathsz);
    if (rc < 0)
        return rc;
    if (lstat(spath, st) < 0)
        return -errno;
    st->st_ino = sp_ino(path);   /* the copy's own number changes each time it is made */
    return SP_ENCODED;
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
static void *packer(void *arg)
{
    fs_sp *sp = arg;
    char dir[PATH_MAX];
    pthread_mutex_lock(&sp->au.mu);
    while (!sp->au.stop) {
        size_t pick = sp->au.n;
        for (size_t i = 0; i < sp->au.n && pick == sp->au.n; i++)
            if (ms_since(&sp->au.t[i].last) >= sp->au.quiet_ms ||   /* quiet, or busy too long */
                ms_since(&sp->au.t[i].first) >= sp->au.max_ms)
                pick = i;
        if (pick == sp->au.n) {
            struct timespec until;
            clock_gettime(CLOCK_REALTIME, &until);
            until.tv_nsec += 500000000;
            if (until.tv_nsec >= 1000000000) { until.tv_sec++; until.tv_nsec -= 1000000000; }
            pthread_cond_timedwait(&sp->au.cv, &sp->au.mu, &until);
            continue;
        }
        /* a quiet directory: packed outside the lock, requests go on meanwhile */
        memcpy(dir, sp->au.dir[pick], sizeof dir);
        sp->au.n--;
        memcpy(sp->au.dir[pick], sp->au.dir[sp->au.n], sizeof dir);
        sp->au.t[pick] = sp->au.t[sp->au.n];
        pthread_mutex_unlock(&sp->au.mu);
        holo_spack_stats st;
        holo_err err = {0};
        char msg[PATH_MAX + 1024];
        if (holo_spack_add(dir, 0, &st, &err) < 0)
            snprintf(msg, sizeof msg, "%s: small files not packed: %s", dir, err.msg);
        else
            snprintf(msg, sizeof msg, "%s: packed %zu small file(s) into %s", dir, st.packed, HOLO_SPACK_NAME);
        if (sp->au.log && (st.packed || err.msg[0]))
            sp->au.log(sp->au.ctx, msg);
        pthread_mutex_lock(&sp->au.mu);
    }
    pthread_mutex_unlock(&sp->au.mu);
    return NULL;
}

int sp_auto_start(fs_sp *sp, unsigned quiet_ms, unsigned max_ms, sp_log_fn log, void *ctx)
{
    if (!sp || sp->au.on)
        return -EINVAL;
    sp->au.dir = calloc(AUTO_DIRS, sizeof *sp->au.dir);
    sp->au.t = calloc(AUTO_DIRS, sizeof *sp->au.t);
    sp->au.quiet_ms = quiet_ms;
    sp->au.max_ms = max_ms;
    sp->au.log = log;
    sp->au.ctx = ctx;
    sp->au.stop = 0;
    sp->au.n = 0;
    if (!sp->au.dir || !sp->au.t || pthread_create(&sp->au.th, NULL, packer, sp) != 0) {
        free(sp->au.dir);
        free(sp->au.t);
        sp->au.dir = NULL;
        sp->au.t = NULL;
        return -ENOMEM;
    }
    sp->au.on = 1;
    return 0;
}

void sp_auto_note(fs_sp *sp, const char *set)
{
    if (!sp || !sp->au.on)
        return;
    const char *slash = strrchr(set, '/');
    if (!slash || (size_t)(slash - set) >= PATH_MAX)
        return;
    size_t dl = (size_t)(slash - set);
    pthread_mutex_lock(&sp->au.mu);
    size_t i = 0;
    while (i < sp->au.n && (strncmp(sp->au.dir[i], set, dl) || sp->au.dir[i][dl]))
        i++;
    if (i == sp->au.n && sp->au.n < AUTO_DIRS) {   /* full: the next note after a packing gets in */
        memcpy(sp->au.dir[i], set, dl);
        sp->au.dir[i][dl] = 0;
        clock_gettime(CLOCK_MONOTONIC, &sp->au.t[i].first);
        sp->au.n++;
    }
    if (i < sp->au.n)
        clock_gettime(CLOCK_MONOTONIC, &sp->au.t[i].last);
    pthread_mutex_unlock(&sp->au.mu);
}

void sp_auto_stop(fs_sp *sp)
{
    if (!sp || !sp->au.on)
        return;
    pthread_mutex_lock(&sp->au.mu);
    sp->au.stop = 1;
    pthread_cond_signal(&sp->au.cv);
    pthread_mutex_unlock(&sp->au.mu);
    pthread_join(sp->au.th, NULL);
    free(sp->au.dir);
    free(sp->au.t);
    sp->au.dir = NULL;
    sp->au.t = NULL;
    sp->au.on = 0;
}
