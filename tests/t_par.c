/* t_par.c — the thread pool of codec/common/par.h: every item runs exactly once, per-thread
 * init/fini pair up on the thread that works, and the work is never lost when threads are
 * capped at one or cannot start (pthread_create made to fail here). */
#include "tap.h"
#include "par.h"
#include <dlfcn.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* pthread_create as the pool sees it: the real one, or a refusal while fail_create is set. */
static atomic_int fail_create, creates;
int pthread_create(pthread_t *th, const pthread_attr_t *attr, void *(*fn)(void *), void *arg)
{
    static int (*real)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);
    atomic_fetch_add(&creates, 1);
    if (atomic_load(&fail_create))
        return 11;   /* EAGAIN */
    if (!real)
        *(void **)&real = dlsym(RTLD_NEXT, "pthread_create");
    return real(th, attr, fn, arg);
}

#define N 5000
typedef struct run {
    atomic_int done[N];
    atomic_int thread_of[N];
    atomic_int inits[PAR_MAX_THREADS], finis[PAR_MAX_THREADS];
    pthread_t self[PAR_MAX_THREADS];
    atomic_int wrong_thread, fail_item, fail_init;
} run;

static int work(void *ctx, unsigned i, unsigned t)
{
    run *r = ctx;
    atomic_fetch_add(&r->done[i], 1);
    atomic_store(&r->thread_of[i], (int)t);
    if (r->inits[t] != 1 || !pthread_equal(r->self[t], pthread_self()))
        atomic_store(&r->wrong_thread, 1);
    for (volatile int k = 0; k < 200; k++) {}   /* long enough for a helper to take some */
    return (int)i == r->fail_item;
}

static int init(void *ctx, unsigned t)
{
    run *r = ctx;
    r->self[t] = pthread_self();
    atomic_fetch_add(&r->inits[t], 1);
    return (int)t == r->fail_init;
}

static void fini(void *ctx, unsigned t)
{
    run *r = ctx;
    if (!pthread_equal(r->self[t], pthread_self()))
        atomic_store(&r->wrong_thread, 1);
    atomic_fetch_add(&r->finis[t], 1);
}

static int all_once(run *r, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        if (r->done[i] != 1)
            return 0;
    return 1;
}

static unsigned threads_used(run *r, unsigned n)
{
    unsigned used = 0;
    for (unsigned i = 0; i < n; i++)
        if ((unsigned)r->thread_of[i] + 1 > used)
            used = (unsigned)r->thread_of[i] + 1;
    return used;
}

typedef struct bg_side { int runs; pthread_t on; } bg_side;
static void bg_fn(void *p)
{
    bg_side *s = p;
    s->runs++;
    s->on = pthread_self();
}

static run *fresh(void)
{
    run *r = calloc(1, sizeof *r);
    r->fail_item = r->fail_init = -1;
    return r;
}

int main(void)
{
    plan(0);
    unsigned two = par_threads(1000, 2);
    ok(two >= 1 && two <= 2, "par_threads(1000, 2) = %u: capped by the caller", two);
    is_int(par_threads(1, 8), 1, "par_threads: never more threads than items");
    is_int(par_threads(0, 8), 1, "par_threads: at least one");
    is_int(par_threads(100, 0), 1, "par_threads: a cap of 0 means the caller's thread only");
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    is_int(par_threads(1000, PAR_MAX_THREADS), cpus < 1 ? 1 : cpus > PAR_MAX_THREADS ? PAR_MAX_THREADS : cpus,
           "par_threads: the online CPUs (%ld) when the cap is higher", cpus);

    run *r = fresh();
    is_int(par_for_each(N, 8, work, init, fini, r), 0, "par_for_each of %d items: success", N);
    ok(all_once(r, N), "every item done exactly once");
    unsigned nt = par_threads(N, 8), bad = 0;
    for (unsigned t = 0; t < PAR_MAX_THREADS; t++)
        bad += t < nt ? r->inits[t] != 1 || r->finis[t] != 1 : r->inits[t] != 0 || r->finis[t] != 0;
    is_int(bad, 0, "init and fini once on each of the %u threads, none beyond", nt);
    is_int(r->wrong_thread, 0, "items, init and fini of a thread index run on that thread");
    ok(threads_used(r, N) <= nt, "thread indexes below par_threads()");
    free(r);

    r = fresh();
    is_int(par_for_each(N, 1, work, init, fini, r), 0, "threads = 1: success");
    ok(all_once(r, N) && threads_used(r, N) == 1, "threads = 1: every item once, on thread 0");
    ok(pthread_equal(r->self[0], pthread_self()), "threads = 1: on the caller's thread");
    is_int(r->inits[0] + r->finis[0], 2, "threads = 1: one init, one fini");
    free(r);

    /* no helper can start: the caller does everything */
    atomic_store(&fail_create, 1);
    atomic_store(&creates, 0);
    r = fresh();
    is_int(par_for_each(N, 8, work, init, fini, r), 0, "pthread_create failing: success");
    ok(nt < 2 || creates > 0, "pthread_create was tried (%d times)", creates);
    ok(all_once(r, N) && threads_used(r, N) == 1, "pthread_create failing: every item once, on the caller's thread");
    is_int(r->inits[1] + r->finis[1], 0, "no init or fini for a thread that never started");
    free(r);
    bg_side side = { 0, pthread_self() };
    par_bg bg;
    par_bg_start(&bg, bg_fn, &side);
    ok(!bg.started && side.runs == 1 && pthread_equal(side.on, pthread_self()),
       "par_bg with pthread_create failing: ran on the caller's thread before start returned");
    par_bg_join(&bg);
    atomic_store(&fail_create, 0);

    /* a failing item is reported; the others still run */
    r = fresh();
    r->fail_item = 17;
    is_int(par_for(N, 8, work, r), -1, "a failing item: par_for says -1");
    ok(all_once(r, N), "a failing item: every other item still done once");
    free(r);

    /* a helper whose init fails takes no items; the caller's thread does them */
    if (nt > 1) {
        r = fresh();
        r->fail_init = 1;
        is_int(par_for_each(N, 2, work, init, fini, r), -1, "a failed init: -1");
        ok(all_once(r, N) && threads_used(r, N) == 1, "a failed init: thread 0 did every item once");
        is_int(r->finis[1], 0, "a failed init: no fini for that thread");
        free(r);
    } else {
        skip(3, "one online CPU: no helper thread");
    }
    is_int(par_for(0, 8, work, NULL), 0, "no items: nothing runs");

    /* par_bg: fn beside the caller, done by the join */
    side = (bg_side){ 0, pthread_self() };
    par_bg_start(&bg, bg_fn, &side);
    int beside = bg.started;
    par_bg_join(&bg);
    is_int(side.runs, 1, "par_bg: fn ran once by the join");
    ok(nt < 2 || (beside && !pthread_equal(side.on, pthread_self())), "par_bg: on a second thread when two CPUs are online");
    return done_testing();
}
