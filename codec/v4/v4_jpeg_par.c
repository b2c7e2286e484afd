/* v4_jpeg_par.c — HO4J work on both cores: independent pieces (the scans of a JPEG being
 * rebuilt) in parallel, and one task beside the caller's own work (the encoder's exactness
 * check while it sizes the tiers). One helper thread at most: the codec is built for two
 * cores, and a single core runs everything on the caller's thread. The U shares of
 * v4_jpeg_tiers.c use v4j_par_for too. */
#include "v4_jpeg.h"
#include <pthread.h>
#include <unistd.h>

typedef struct par_run {
    void (*work)(void *, unsigned);
    void *ctx;
    unsigned n, next;
    pthread_mutex_t mu;
} par_run;

static void *par_worker(void *arg)
{
    par_run *p = arg;
    for (;;) {
        pthread_mutex_lock(&p->mu);
        unsigned i = p->next++;
        pthread_mutex_unlock(&p->mu);
        if (i >= p->n)
            return NULL;
        p->work(p->ctx, i);
    }
}

static int two_cores(void) { return sysconf(_SC_NPROCESSORS_ONLN) > 1; }

void v4j_par_for(unsigned n, void (*work)(void *, unsigned), void *ctx)
{
    par_run p = { work, ctx, n, 0, PTHREAD_MUTEX_INITIALIZER };
    pthread_t th;
    int two = n > 1 && two_cores() && pthread_create(&th, NULL, par_worker, &p) == 0;
    par_worker(&p);
    if (two)
        pthread_join(th, NULL);
    pthread_mutex_destroy(&p.mu);
}

static void *bg_main(void *arg)
{
    v4j_bg *b = arg;
    b->fn(b->ctx);
    return NULL;
}

void v4j_bg_start(v4j_bg *b, void (*fn)(void *), void *ctx)
{
    b->fn = fn;
    b->ctx = ctx;
    b->started = two_cores() && pthread_create(&b->th, NULL, bg_main, b) == 0;
    if (!b->started)
        fn(ctx);
}

void v4j_bg_join(v4j_bg *b)
{
    if (b->started)
        pthread_join(b->th, NULL);
    b->started = 0;
}
