/* reasm.h — HNET receiver core: validation, per-transfer state, segment reassembly, caps.
 *
 * Pure logic (no sockets, no files, no clock): the caller feeds datagrams with a timestamp and
 * gets events through a sink. Completed chunks are handed to the sink, which validates and lands
 * them; a rejected chunk is forgotten so a later loop can bring a good copy.
 *
 *   hnet_rx *r = hnet_rx_new(&limits, &sink, key_or_NULL);
 *   hnet_rx_feed(r, buf, len, now_ms);    ... hnet_rx_expire(r, now_ms, idle_ms);
 *   hnet_rx_finish(r); hnet_rx_free(r);
 */
#ifndef HOLONET_REASM_H
#define HOLONET_REASM_H
#include "hnet.h"

typedef struct hnet_limits {
    uint64_t max_mem;          /* all receive state together (default 256 MiB) */
    uint64_t max_transfer_mem; /* one transfer (default 64 MiB) */
    uint64_t max_chunk;        /* bytes of one chunk (default 16 MiB) */
    uint32_t max_transfers;    /* concurrent transfers (default 16) */
    uint32_t max_chunks;       /* total_chunks of one transfer (default 1 << 20) */
    int pin_source;            /* drop datagrams of a transfer from other source addresses */
    int64_t max_skew_ms;       /* keyed: drop sent_ms further than this from the wall clock
                                  given with hnet_rx_set_wall_ms (default 120 s; 0 = no check) */
} hnet_limits;
void hnet_limits_default(hnet_limits *l);

typedef struct hnet_stats {
    uint64_t datagrams, bytes;
    uint64_t drops[HNET_DROP_NCODES]; /* by reason (index = -code) */
    uint64_t dropped;                 /* sum of drops[] */
    uint64_t meta, segments;          /* accepted new META / new segments */
    uint64_t dup_segments;            /* repeats of a held segment */
    uint64_t conflicts;               /* ...whose bytes differed from the held copy */
    uint64_t late;                    /* DATA for a chunk already landed / finished transfer */
    uint64_t chunks_landed, chunks_rejected;
    uint64_t transfers, evicted;
    uint64_t mem, mem_peak;
} hnet_stats;

/* Keyed replay window: the last HNET_SEQ_WINDOW sequence numbers of a transfer are remembered,
 * anything older is a replay; ended transfers keep their highest seq in a ring of
 * HNET_SEQ_ENDED entries so a capture replayed after the transfer went idle is still caught. */
#define HNET_SEQ_WINDOW 4096
#define HNET_SEQ_ENDED  1024

struct hnet_asm;
typedef struct hnet_transfer {
    uint32_t id, total;
    char name[HNET_NAME_MAX + 1];   /* validated META name, "" until known */
    uint32_t landed;                /* chunks accepted by the sink */
    uint8_t *done;                  /* total bits: chunk_index landed */
    uint8_t *rdone;                 /* HNET_REC_MAX bits: recovery chunk landed (lazy) */
    int finished;                   /* set by the sink: ignore further data */
    int64_t first_ms, last_ms;
    uint64_t datagrams, bytes, segments, dups, drops, mem;
    void *user;                     /* the sink's per-transfer state */
    uint8_t src[32];                /* source address of its first valid datagram */
    uint8_t srclen;
    uint64_t seq_top;               /* keyed: highest seq accepted */
    uint64_t seq_seen[HNET_SEQ_WINDOW / 64];   /* bit seq % WINDOW: seq seen */
    /* private */
    struct hnet_asm **tab;
    uint32_t tab_size, n_asm;
    struct hnet_transfer *prev, *next;
} hnet_transfer;

enum { HNET_END_IDLE = 1, HNET_END_EVICTED, HNET_END_SHUTDOWN };

typedef struct hnet_sink {
    void *ctx;
    void (*on_start)(void *ctx, hnet_transfer *t);        /* may be NULL */
    void (*on_name)(void *ctx, hnet_transfer *t);         /* t->name just became known */
    /* A complete chunk: 0 = landed, 1 = already stored identically, < 0 = rejected. */
    int (*on_chunk)(void *ctx, hnet_transfer *t, uint32_t index, const uint8_t *buf,
                    size_t len);
    void (*on_end)(void *ctx, hnet_transfer *t, int why); /* must release t->user */
} hnet_sink;

typedef struct hnet_rx hnet_rx;

/* key may be NULL (no tag: reference wire). Returns NULL on allocation failure. */
hnet_rx *hnet_rx_new(const hnet_limits *l, const hnet_sink *s, const hmac_sha256_key *key);
/* One datagram; returns 0 when it changed or confirmed state, 1 for a harmless repeat, or a
 * negative HNET_DROP_* code. */
int hnet_rx_feed(hnet_rx *r, const uint8_t *buf, size_t len, int64_t now_ms);
/* The same with the sender's address (opaque bytes, e.g. a sockaddr; at most 32 are kept): the
 * first valid datagram of a transfer records it, and with limits.pin_source datagrams of that
 * transfer from any other address are dropped (HNET_DROP_SOURCE). */
int hnet_rx_feed_from(hnet_rx *r, const uint8_t *buf, size_t len, int64_t now_ms,
                      const void *src, size_t srclen);
/* The receiver's wall clock (Unix ms) for the keyed sent_ms check; until it is set (e.g. when
 * replaying a capture offline) sent_ms is not checked, only the replay window. */
void hnet_rx_set_wall_ms(hnet_rx *r, int64_t unix_ms);
/* Count a datagram dropped before parsing (e.g. truncated by the socket). */
void hnet_rx_count_drop(hnet_rx *r, int code);
/* End transfers idle for at least idle_ms. */
void hnet_rx_expire(hnet_rx *r, int64_t now_ms, int64_t idle_ms);
/* End every transfer (shutdown). */
void hnet_rx_finish(hnet_rx *r);
void hnet_rx_free(hnet_rx *r);

const hnet_stats *hnet_rx_stats(const hnet_rx *r);
/* Transfers, most recently active first (NULL-terminated walk with t->next). */
hnet_transfer *hnet_rx_transfers(const hnet_rx *r);
size_t hnet_rx_count(const hnet_rx *r);
/* Number of incomplete chunk assemblies of t (for progress and tests). */
uint32_t hnet_transfer_pending(const hnet_transfer *t);
#endif
