/* v4_jpeg_par.c — HO4J work on both cores: independent pieces (the scans of a JPEG being
 * rebuilt) in parallel, and one task beside the caller's own work (the encoder's exactness
 * check while it sizes the tiers), on par.h's pool. One helper thread at most: the codec is
 * built for two cores, and a single core runs everything on the caller's thread. The U shares
 * of v4_jpeg_tiers.c use v4j_par_for too. */
#include "v4_jpeg.h"

typedef struct par_call {
    void (*work)(void *, unsigned);
    void *ctx;
} par_call;

static int par_item(void *arg, unsigned i, unsigned thread)
{
    (void)thread;
    par_call *c = arg;
    c->work(c->ctx, i);
    return 0;
}

void v4j_par_for(unsigned n, void (*work)(void *, unsigned), void *ctx)
{
    par_call c = { work, ctx };
    par_for(n, 2, par_item, &c);
}

void v4j_bg_start(v4j_bg *b, void (*fn)(void *), void *ctx) { par_bg_start(b, fn, ctx); }

void v4j_bg_join(v4j_bg *b) { par_bg_join(b); }
