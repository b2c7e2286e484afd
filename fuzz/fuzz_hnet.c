/* fuzz_hnet.c — libFuzzer target for the HNET datagram parser and reassembler.
 *
 *   make fuzz && ./build/fuzz/fuzz_hnet -max_total_time=60
 *
 * The input is a sequence of datagrams, each prefixed by a 2-byte big-endian length; byte 0
 * picks small limits (so caps and eviction are reached quickly). Completed chunks go through
 * holo_chunk_parse / holo_chunk_same_set, as in rx, but nothing touches the disk. Invariants
 * checked: memory accounting never exceeds the cap and returns to zero after finish. */
#include "hnet.h"
#include "holo.h"
#include "reasm.h"
#include <stdlib.h>
#include <string.h>

typedef struct fctx {
    int have_ref;
    holo_chunk_hdr ref;
} fctx;

static int f_chunk(void *c, hnet_transfer *t, uint32_t i, const uint8_t *b, size_t n)
{
    fctx *x = c;
    holo_chunk_hdr h;
    (void)i;
    if (holo_chunk_parse(b, n, "fuzz", &h, NULL)) return -1;
    if (h.block_count != t->total) return -1;
    if (x->have_ref && !holo_chunk_same_set(&x->ref, &h)) return -1;
    x->ref = h;
    x->have_ref = 1;
    return 0;
}

static void f_name(void *c, hnet_transfer *t)
{
    (void)c;
    size_t n = strlen(t->name);
    /* a name that got through must satisfy the rules */
    if (!hnet_name_ok((const uint8_t *)t->name, n) || memchr(t->name, '/', n)) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    hnet_limits l;
    hnet_limits_default(&l);
    l.max_mem = 1u << 20;
    l.max_transfer_mem = 256u << 10;
    l.max_chunk = 128u << 10;
    l.max_transfers = 1 + (data[0] & 7);
    l.max_chunks = 1024;
    fctx x = { 0 };
    hnet_sink s = { &x, NULL, f_name, f_chunk, NULL };
    hmac_sha256_key key;
    hmac_sha256_init(&key, (const uint8_t *)"k", 1);
    hnet_rx *r = hnet_rx_new(&l, &s, (data[0] & 0x80) ? &key : NULL);
    if (!r) return 0;
    size_t off = 1;
    int64_t now = 0;
    while (off + 2 <= size) {
        size_t n = (size_t)data[off] << 8 | data[off + 1];
        off += 2;
        if (n > size - off) n = size - off;
        hnet_rx_feed(r, data + off, n, now);
        off += n;
        now += 10;
        if ((now % 1000) == 0) hnet_rx_expire(r, now, 500);
        if (hnet_rx_stats(r)->mem > l.max_mem) abort();
    }
    const hnet_stats *st = hnet_rx_stats(r);
    hnet_rx_finish(r);
    if (st->mem != 0) abort();
    hnet_rx_free(r);
    return 0;
}
