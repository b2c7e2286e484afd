/* par.h — the codec's one thread pool: n independent items over a few threads, and one task
 * beside the caller. Every item runs exactly once: a helper thread that cannot start leaves
 * its share to the others (at worst all of it to the caller's thread). The work split never
 * reaches the output as long as items write only their own results. */
#ifndef HOLO_PAR_H
#define HOLO_PAR_H

#include <pthread.h>

#define PAR_MAX_THREADS 64

/* Item `item` of a par_for, on thread `thread` (0 = the caller's, helpers 1.. in the order they
 * started, so per-thread state can live in an array of par_threads() entries). Non-zero marks
 * a failure; the other items still run. */
typedef int (*par_work_fn)(void *ctx, unsigned item, unsigned thread);
/* Per-thread set-up and tear-down (models, scratch), on that thread: init before its first
 * item, fini after its last, only when init succeeded. An init that fails leaves that thread
 * without items. */
typedef int (*par_init_fn)(void *ctx, unsigned thread);
typedef void (*par_fini_fn)(void *ctx, unsigned thread);

/* How many threads a par_for of n items capped at max_threads uses: the smallest of n, the cap
 * and the online CPUs, at least 1. */
unsigned par_threads(unsigned n, unsigned max_threads);

/* work(ctx, i, thread) for every i < n, items taken in order by whichever thread is free.
 * -1 when an item or an init failed (an init failure on every thread leaves items undone),
 * else 0. */
int par_for(unsigned n, unsigned max_threads, par_work_fn work, void *ctx);
int par_for_each(unsigned n, unsigned max_threads, par_work_fn work, par_init_fn init,
                 par_fini_fn fini, void *ctx);

/* fn(ctx) on a second thread until par_bg_join, while the caller does its own work; with one
 * online CPU, or when no thread starts, fn runs on the caller's thread before par_bg_start
 * returns. */
typedef struct par_bg {
    void (*fn)(void *);
    void *ctx;
    pthread_t th;
    int started;
} par_bg;
void par_bg_start(par_bg *b, void (*fn)(void *), void *ctx);
void par_bg_join(par_bg *b);

#endif
