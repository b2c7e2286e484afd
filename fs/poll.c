/* poll.c — revalidation of chunk directories by polling (poll.h). */
#include "poll.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define BUCKETS 4096u
/* A directory may change again within its timestamp's granularity (a jiffy, or a second on
 * coarse filesystems) without its stat moving. So its listing is compared too while its
 * timestamps are within SETTLE_MS of now, and for SETTLE_MS plus two intervals after we saw
 * its stat move (at least one more check, whatever the writing host's clock says). */
#define SETTLE_MS 3000
/* A directory whose background checks find nothing is checked less often: its period doubles
 * after each, up to 2^MAX_BACKOFF intervals. Requests still check it after one interval, and
 * a change or an open resets it, so only the cost of idle directories shrinks. */
#define MAX_BACKOFF 5
#define MAX_LISTING 100000   /* entries hashed per directory: bounds a pathological one */

typedef struct dirsig {
    int exists;
    uint64_t ino, nlink, size;
    int64_t mtime_ns, ctime_ns;
    int have_list;
    uint64_t list;            /* order-independent hash of the visible entries */
} dirsig;

typedef struct pdir {
    char *dir;                /* absolute path of X.holo */
    char *mpath;              /* mount path reported for it ("/a/X") */
    struct pdir *next;
    dirsig sig;
    uint64_t touched_ms, checked_ms, listed_ms, moved_ms;
    int busy;                 /* a check is running outside the lock */
    unsigned backoff;         /* background period = interval << backoff */
} pdir;

struct fs_poll {
    char *store;
    size_t storelen;
    unsigned interval_ms, recent_ms;
    fs_watch_fn fn;
    void *ctx;
    pthread_mutex_t mu;       /* guards the table, counters and the thread flags */
    pthread_cond_t wake;
    pdir *tab[BUCKETS];
    size_t count;
    unsigned long checks;
    char **queue;             /* mount paths to report on the next pass (found by requests, */
    size_t nqueue;            /* or evicted from a full table) */
    int running, stop, kick;
    pthread_t thread;
    uint64_t (*clock_ms)(void);   /* monotonic milliseconds; tests substitute their own */
};

/* ---- clocks and hashes ------------------------------------------------------------------ */
static uint64_t mono_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000u + (uint64_t)t.tv_nsec / 1000000u;
}

/* Milliseconds from `then` to `t`; 0 when another thread stamped `then` after `t` was read. */
static uint64_t age(uint64_t t, uint64_t then)
{
    return t > then ? t - then : 0;
}

static int64_t real_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 1099511628211u;
    return h;
}

static uint64_t mix(uint64_t x)   /* splitmix64 finaliser: spreads an entry hash before summing */
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9u;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebu;
    return x ^ (x >> 31);
}

static unsigned bucket(const char *s)
{
    return (unsigned)(fnv(1469598103934665603u, s, strlen(s)) % BUCKETS);
}

/* ---- directory signatures --------------------------------------------------------------- */
static int64_t ts_ns(struct timespec t)
{
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static void sig_stat(const char *dir, dirsig *s)
{
    struct stat st;
    memset(s, 0, sizeof *s);
    if (lstat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
        return;
    s->exists = 1;
    s->ino = (uint64_t)st.st_ino;
    s->nlink = (uint64_t)st.st_nlink;
    s->size = (uint64_t)st.st_size;
    s->mtime_ns = ts_ns(st.st_mtim);
    s->ctime_ns = ts_ns(st.st_ctim);
}

/* Hash of the visible entries (dot-names are temporary files and markers: rx's ".NAME.tmp..."
 * come and go while a chunk lands). Summing mixed per-entry hashes makes the readdir order
 * irrelevant. */
static void sig_list(const char *dir, dirsig *s)
{
    s->have_list = 0;
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d) {
        if (fd >= 0)
            close(fd);
        return;
    }
    uint64_t sum = 0, n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && n < MAX_LISTING) {
        if (e->d_name[0] == '.')
            continue;
        struct stat st;
        uint64_t h = fnv(1469598103934665603u, e->d_name, strlen(e->d_name) + 1);
        if (fstatat(fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
            int64_t m = ts_ns(st.st_mtim);
            uint64_t v[3] = {(uint64_t)st.st_size, (uint64_t)m, (uint64_t)st.st_ino};
            h = fnv(h, v, sizeof v);
        }
        sum += mix(h);
        n++;
    }
    closedir(d);
    s->list = sum + mix(n);
    s->have_list = 1;
}

static int stat_moved(const dirsig *a, const dirsig *b)
{
    return a->exists != b->exists || a->ino != b->ino || a->nlink != b->nlink ||
           a->size != b->size || a->mtime_ns != b->mtime_ns || a->ctime_ns != b->ctime_ns;
}

static int near_now(const dirsig *s)
{
    int64_t d = real_ns() - (s->mtime_ns > s->ctime_ns ? s->mtime_ns : s->ctime_ns);
    return d < (int64_t)SETTLE_MS * 1000000;   /* also true for timestamps in the future */
}

/* Check `dir` against the recorded signature `old`; `*now` gets the new one. `moved_ms` is
 * when we last saw its stat move. Returns 1 when the directory changed. */
static int check_dir(const fs_poll *p, const char *dir, const dirsig *old, dirsig *now,
                     int want_list, uint64_t moved_ms, uint64_t t)
{
    sig_stat(dir, now);
    if (now->exists != old->exists || (now->exists && now->ino != old->ino)) {
        /* appeared, vanished or replaced by another directory: its listing now is the baseline
         * of the next check. Taken later (after the caller reloaded), a change made between
         * the reload and that listing would be lost whenever the stat does not move with it (a
         * chunk rewritten in place, an attribute cache in a FUSE store, a coarse clock). */
        if (now->exists)
            sig_list(dir, now);
        return 1;
    }
    if (!now->exists)
        return 0;
    int moved = stat_moved(old, now);
    uint64_t settle = SETTLE_MS + 2 * (uint64_t)p->interval_ms;
    if (!moved && !want_list && age(t, moved_ms) >= settle && !near_now(now)) {
        now->have_list = old->have_list;
        now->list = old->list;
        return 0;
    }
    sig_list(dir, now);
    if (!now->have_list || !old->have_list)
        return moved;         /* nothing to compare: trust the stat */
    return now->list != old->list;
}

/* ---- the table ---------------------------------------------------------------------------- */
static pdir *find(fs_poll *p, const char *dir, pdir ***link)
{
    pdir **l = &p->tab[bucket(dir)];
    for (; *l; l = &(*l)->next)
        if (strcmp((*l)->dir, dir) == 0)
            break;
    if (link)
        *link = l;
    return *l;
}

static void pdir_free(pdir *d)
{
    free(d->dir);
    free(d->mpath);
    free(d);
}

/* Mount path of chunk directory `dir`: strip the store and the ".holo" suffix. */
static char *mpath_of(fs_poll *p, const char *dir)
{
    size_t n = strlen(dir);
    if (n < p->storelen + 6 || strncmp(dir, p->store, p->storelen) != 0 ||
        dir[p->storelen] != '/' || strcmp(dir + n - 5, ".holo") != 0)
        return NULL;
    return strndup(dir + p->storelen, n - p->storelen - 5);
}

fs_poll *fs_poll_new(const char *store, unsigned interval_ms, unsigned recent_ms,
                     fs_watch_fn fn, void *ctx)
{
    fs_poll *p = calloc(1, sizeof *p);
    if (!p || !(p->store = strdup(store))) {
        free(p);
        return NULL;
    }
    p->storelen = strlen(store);
    p->interval_ms = interval_ms;
    p->recent_ms = recent_ms;
    p->fn = fn;
    p->ctx = ctx;
    p->clock_ms = mono_ms;
    pthread_mutex_init(&p->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&p->wake, &ca);
    pthread_condattr_destroy(&ca);
    return p;
}

static int push(char ***v, size_t *n, char *s)
{
    char **nv = realloc(*v, (*n + 1) * sizeof *nv);
    if (!nv) {
        free(s);
        return -1;
    }
    *v = nv;
    nv[(*n)++] = s;
    return 0;
}

/* Queue a report of mpath for the next pass and wake the thread (p->mu held). */
static void queue_report(fs_poll *p, const char *mpath)
{
    char *m = strdup(mpath);
    if (m && push(&p->queue, &p->nqueue, m) == 0) {
        p->kick = 1;
        pthread_cond_signal(&p->wake);
    }
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* The table is full: forget the least recently touched sixteenth in one sweep (so the sweep's
 * cost is shared by many insertions) and queue their reports, since their cached state would
 * no longer be checked (p->mu held). */
static void evict_oldest(fs_poll *p)
{
    uint64_t *age = malloc(p->count * sizeof *age);
    size_t n = 0;
    if (!age)
        return;
    for (unsigned b = 0; b < BUCKETS; b++)
        for (pdir *d = p->tab[b]; d; d = d->next)
            age[n++] = d->touched_ms;
    qsort(age, n, sizeof *age, cmp_u64);
    uint64_t limit = age[n / 16];
    free(age);
    for (unsigned b = 0; b < BUCKETS; b++) {
        pdir **l = &p->tab[b];
        while (*l) {
            pdir *d = *l;
            if (d->busy || d->touched_ms > limit) {
                l = &d->next;
                continue;
            }
            *l = d->next;
            p->count--;
            queue_report(p, d->mpath);
            pdir_free(d);
        }
    }
}

void fs_poll_set_clock(fs_poll *p, uint64_t (*clock_ms)(void))
{
    p->clock_ms = clock_ms ? clock_ms : mono_ms;
}

int fs_poll_touch(fs_poll *p, const char *chunkdir, int how)
{
    uint64_t t = p->clock_ms();
    pthread_mutex_lock(&p->mu);
    pdir *d = find(p, chunkdir, NULL);
    if (d) {
        d->touched_ms = t;
        if (how == FS_POLL_OPEN)
            d->backoff = 0;
        int due = !d->busy && (age(t, d->checked_ms) >= p->interval_ms ||
                               (how == FS_POLL_OPEN && age(t, d->listed_ms) >= p->interval_ms));
        if (!due) {
            pthread_mutex_unlock(&p->mu);
            return 0;
        }
        d->busy = 1;          /* d cannot go while busy: scans and evictions skip it */
        dirsig old = d->sig, now;
        uint64_t moved = d->moved_ms;
        p->checks++;
        pthread_mutex_unlock(&p->mu);

        int changed = check_dir(p, chunkdir, &old, &now, how == FS_POLL_OPEN, moved, t);

        pthread_mutex_lock(&p->mu);
        d->busy = 0;
        if (stat_moved(&old, &now))
            d->moved_ms = t;
        d->sig = now;
        d->checked_ms = t;
        if (now.have_list)
            d->listed_ms = t;
        if (changed) {
            d->backoff = 0;
            queue_report(p, d->mpath);
        }
        pthread_mutex_unlock(&p->mu);
        return changed;
    }
    pthread_mutex_unlock(&p->mu);

    /* first use: record the state before the caller reads anything from the directory */
    pdir *nd = calloc(1, sizeof *nd);
    if (!nd || !(nd->dir = strdup(chunkdir)) || !(nd->mpath = mpath_of(p, chunkdir))) {
        if (nd)
            pdir_free(nd);
        return 0;
    }
    sig_stat(chunkdir, &nd->sig);
    int fresh = nd->sig.exists && near_now(&nd->sig);
    if (nd->sig.exists && (how == FS_POLL_OPEN || fresh))
        sig_list(chunkdir, &nd->sig);
    nd->touched_ms = nd->checked_ms = t;
    nd->moved_ms = fresh ? t : 0;
    if (nd->sig.have_list)
        nd->listed_ms = t;

    pthread_mutex_lock(&p->mu);
    p->checks++;
    pdir **link;
    if (find(p, chunkdir, &link)) {     /* another request recorded it meanwhile */
        pthread_mutex_unlock(&p->mu);
        pdir_free(nd);
        return 0;
    }
    *link = nd;
    if (++p->count > FS_POLL_MAX_DIRS)
        evict_oldest(p);
    pthread_mutex_unlock(&p->mu);
    return 0;
}

/* ---- background pass ---------------------------------------------------------------------- */
typedef struct job {
    pdir *d;                  /* busy while the job runs, so it stays in the table */
    dirsig old, now;
    uint64_t moved_ms;
    int changed;
} job;

int fs_poll_scan(fs_poll *p)
{
    char **report = NULL;
    size_t nreport = 0, njobs = 0, capjobs = 0;
    job *jobs = NULL;
    uint64_t t = p->clock_ms();

    pthread_mutex_lock(&p->mu);
    report = p->queue;        /* changes found by requests, evicted directories */
    nreport = p->nqueue;
    p->queue = NULL;
    p->nqueue = 0;
    for (unsigned b = 0; b < BUCKETS; b++) {
        pdir **l = &p->tab[b];
        while (*l) {
            pdir *d = *l;
            if (d->busy) {
                l = &d->next;
                continue;
            }
            if (age(t, d->touched_ms) >= p->recent_ms) {
                /* unused for long: forget it, and drop what is cached of it (a later use
                 * records it afresh, so nothing from before is served) */
                *l = d->next;
                p->count--;
                push(&report, &nreport, d->mpath);
                d->mpath = NULL;
                pdir_free(d);
                continue;
            }
            /* due at half its period's age: a pass that starts a little early must not skip
             * a directory for a whole period */
            if (age(t, d->checked_ms) >= ((uint64_t)p->interval_ms << d->backoff) / 2) {
                if (njobs == capjobs) {
                    size_t nc = capjobs ? capjobs * 2 : 64;
                    job *nj = realloc(jobs, nc * sizeof *nj);
                    if (!nj)
                        break;
                    jobs = nj;
                    capjobs = nc;
                }
                d->busy = 1;
                jobs[njobs++] = (job){.d = d, .old = d->sig, .moved_ms = d->moved_ms};
            }
            l = &d->next;
        }
    }
    p->checks += njobs;
    pthread_mutex_unlock(&p->mu);

    for (size_t i = 0; i < njobs; i++)
        jobs[i].changed = check_dir(p, jobs[i].d->dir, &jobs[i].old, &jobs[i].now, 0,
                                    jobs[i].moved_ms, t);

    pthread_mutex_lock(&p->mu);
    for (size_t i = 0; i < njobs; i++) {
        pdir *d = jobs[i].d;
        d->busy = 0;
        if (stat_moved(&jobs[i].old, &jobs[i].now))
            d->moved_ms = t;
        d->sig = jobs[i].now;
        d->checked_ms = t;
        if (jobs[i].now.have_list)
            d->listed_ms = t;
        if (!jobs[i].changed && d->backoff < MAX_BACKOFF)
            d->backoff++;
        if (jobs[i].changed) {
            d->backoff = 0;
            char *m = strdup(d->mpath);
            if (m)
                push(&report, &nreport, m);
        }
    }
    pthread_mutex_unlock(&p->mu);
    free(jobs);

    for (size_t i = 0; i < nreport; i++) {
        p->fn(p->ctx, report[i], 0);
        free(report[i]);
    }
    free(report);
    return (int)nreport;
}

/* ---- the thread --------------------------------------------------------------------------- */
static void *run(void *arg)
{
    fs_poll *p = arg;
    pthread_mutex_lock(&p->mu);
    while (!p->stop) {
        struct timespec dl;
        clock_gettime(CLOCK_MONOTONIC, &dl);
        uint64_t ns = (uint64_t)dl.tv_nsec + (uint64_t)p->interval_ms * 1000000u;
        dl.tv_sec += (time_t)(ns / 1000000000u);
        dl.tv_nsec = (long)(ns % 1000000000u);
        /* a kick (a request found a change) ends the wait early */
        while (!p->stop && !p->kick)
            if (pthread_cond_timedwait(&p->wake, &p->mu, &dl) == ETIMEDOUT)
                break;
        p->kick = 0;
        if (p->stop)
            break;
        pthread_mutex_unlock(&p->mu);
        fs_poll_scan(p);
        pthread_mutex_lock(&p->mu);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

int fs_poll_run(fs_poll *p)
{
    int e = pthread_create(&p->thread, NULL, run, p);
    if (e)
        return -e;
    p->running = 1;
    return 0;
}

void fs_poll_free(fs_poll *p)
{
    if (!p)
        return;
    if (p->running) {
        pthread_mutex_lock(&p->mu);
        p->stop = 1;
        pthread_cond_signal(&p->wake);
        pthread_mutex_unlock(&p->mu);
        pthread_join(p->thread, NULL);
    }
    for (unsigned b = 0; b < BUCKETS; b++)
        while (p->tab[b]) {
            pdir *d = p->tab[b];
            p->tab[b] = d->next;
            pdir_free(d);
        }
    for (size_t i = 0; i < p->nqueue; i++)
        free(p->queue[i]);
    free(p->queue);
    pthread_cond_destroy(&p->wake);
    pthread_mutex_destroy(&p->mu);
    free(p->store);
    free(p);
}

size_t fs_poll_count(fs_poll *p)
{
    pthread_mutex_lock(&p->mu);
    size_t n = p->count;
    pthread_mutex_unlock(&p->mu);
    return n;
}

unsigned long fs_poll_checks(fs_poll *p)
{
    pthread_mutex_lock(&p->mu);
    unsigned long n = p->checks;
    pthread_mutex_unlock(&p->mu);
    return n;
}
