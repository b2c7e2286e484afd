/* par.c — the thread pool of par.h: a shared counter hands out the items; the caller's thread
 * is thread 0 and works too. */
#include "par.h"

#include <stdatomic.h>
#include <unistd.h>

typedef struct par_run {
    par_work_fn work;
    par_init_fn init;
    par_fini_fn fini;
    void *ctx;
    unsigned n;
    atomic_uint next;
    atomic_int failed;
} par_run;

typedef struct par_thread {
    par_run *run;
    unsigned index;
} par_thread;

unsigned par_threads(unsigned n, unsigned max_threads)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    unsigned t = cpus < 1 ? 1 : (unsigned long)cpus > PAR_MAX_THREADS ? PAR_MAX_THREADS : (unsigned)cpus;
    if (t > max_threads) t = max_threads;
    if (t > n) t = n;
    return t ? t : 1;
}

static void *par_main(void *arg)
{
    par_thread *t = arg;
    par_run *r = t->run;
    if (r->init && r->init(r->ctx, t->index)) {
        atomic_store(&r->failed, 1);
        return NULL;
    }
    for (unsigned i; (i = atomic_fetch_add(&r->next, 1)) < r->n;)
        if (r->work(r->ctx, i, t->index))
            atomic_store(&r->failed, 1);
    if (r->fini)
        r->fini(r->ctx, t->index);
    return NULL;
}

int par_for_each(unsigned n, unsigned max_threads, par_work_fn work, par_init_fn init,
                 par_fini_fn fini, void *ctx)
{
    if (n == 0)
        return 0;
    par_run r = { .work = work, .init = init, .fini = fini, .ctx = ctx, .n = n };
    atomic_init(&r.next, 0);
    atomic_init(&r.failed, 0);
    unsigned nt = par_threads(n, max_threads), started = 0;
    pthread_t th[PAR_MAX_THREADS];
    par_thread pt[PAR_MAX_THREADS];
    /* helpers numbered as they start, so that indexes stay dense when one cannot */
    for (unsigned i = 1; i < nt; i++) {
        pt[started + 1] = (par_thread){ &r, started + 1 };
        if (pthread_create(&th[started], NULL, par_main, &pt[started + 1]) == 0)
            started++;
    }
    pt[0] = (par_thread){ &r, 0 };
    par_main(&pt[0]);
    for (unsigned i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    return atomic_load(&r.failed) ? -1 : 0;
}

int par_for(unsigned n, unsigned max_threads, par_work_fn work, void *ctx)
{
    return par_for_each(n, max_threads, work, NULL, NULL, ctx);
}

static void *bg_main(void *arg)
{
    par_bg *b = arg;
    b->fn(b->ctx);
    return NULL;
}

void par_bg_start(par_bg *b, void (*fn)(void *), void *ctx)
{
    b->fn = fn;
    b->ctx = ctx;
    b->started = par_threads(2, 2) > 1 && pthread_create(&b->th, NULL, bg_main, b) == 0;
    if (!b->started)
        fn(ctx);
}

void par_bg_join(par_bg *b)
{
    if (b->started)
        pthread_join(b->th, NULL);
    b->started = 0;
}
