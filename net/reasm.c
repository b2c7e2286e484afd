/* reasm.c — HNET receiver core (see reasm.h). Every byte of state is charged to a budget
 * before it is allocated, so hostile datagrams cannot grow memory past the caps. */
#include "reasm.h"
#include <stdlib.h>
#include <string.h>

typedef struct hnet_asm {
    uint32_t index;
    uint32_t seg_size;        /* S, fixed by the first non-last segment; 0 until known */
    uint16_t n, held;
    uint8_t *map;             /* n bits: segment held */
    uint8_t *buf;             /* n*S bytes once S is known */
    uint8_t *last;            /* the last segment while S is unknown */
    uint32_t last_len;        /* length of the last segment (valid when its bit is set) */
    uint64_t mem;
    struct hnet_asm *next;    /* hash chain */
} hnet_asm;

struct hnet_rx {
    hnet_limits lim;
    hnet_sink sink;
    int keyed;
    hmac_sha256_key key;
    hnet_stats st;
    hnet_transfer *head, *tail;   /* most recently active first */
    size_t count;
    int64_t wall_ms;              /* 0 = unknown: no sent_ms check */
    struct ended { uint32_t id; uint64_t top; } *ended;   /* keyed: ring of ended transfers */
    uint32_t ended_next;
};

#define BIT(m, i) ((m)[(i) >> 3] >> ((i) & 7) & 1)
#define SETBIT(m, i) ((m)[(i) >> 3] |= (uint8_t)(1u << ((i) & 7)))
#define CLRBIT(m, i) ((m)[(i) >> 3] &= (uint8_t)~(1u << ((i) & 7)))

void hnet_limits_default(hnet_limits *l)
{
    l->max_mem = 256ull << 20;
    l->max_transfer_mem = 64ull << 20;
    l->max_chunk = 16ull << 20;
    l->max_transfers = 16;
    l->max_chunks = 1u << 20;
    l->max_skew_ms = 120000;
}

hnet_rx *hnet_rx_new(const hnet_limits *l, const hnet_sink *s, const hmac_sha256_key *key)
{
    hnet_rx *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    if (l) r->lim = *l;
    else hnet_limits_default(&r->lim);
    if (r->lim.max_transfers == 0) r->lim.max_transfers = 1;
    r->sink = *s;
    if (key) {
        r->keyed = 1;
        r->key = *key;
        if (!(r->ended = calloc(HNET_SEQ_ENDED, sizeof *r->ended))) {
            free(r);
            return NULL;
        }
    }
    return r;
}

void hnet_rx_set_wall_ms(hnet_rx *r, int64_t unix_ms) { r->wall_ms = unix_ms; }

const hnet_stats *hnet_rx_stats(const hnet_rx *r) { return &r->st; }
hnet_transfer *hnet_rx_transfers(const hnet_rx *r) { return r->head; }
size_t hnet_rx_count(const hnet_rx *r) { return r->count; }
uint32_t hnet_transfer_pending(const hnet_transfer *t) { return t->n_asm; }

/* ---- memory budget ------------------------------------------------------------------- */
static int charge(hnet_rx *r, hnet_transfer *t, uint64_t n)
{
    if (n > r->lim.max_mem || r->st.mem > r->lim.max_mem - n) return -1;
    if (t && (n > r->lim.max_transfer_mem || t->mem > r->lim.max_transfer_mem - n)) return -1;
    r->st.mem += n;
    if (r->st.mem > r->st.mem_peak) r->st.mem_peak = r->st.mem;
    if (t) t->mem += n;
    return 0;
}

static void refund(hnet_rx *r, hnet_transfer *t, uint64_t n)
{
    r->st.mem -= n;
    if (t) t->mem -= n;
}

static int drop(hnet_rx *r, hnet_transfer *t, int code)
{
    r->st.drops[-code]++;
    r->st.dropped++;
    if (t) t->drops++;
    return code;
}

void hnet_rx_count_drop(hnet_rx *r, int code)
{
    r->st.datagrams++;
    drop(r, NULL, code);
}

/* ---- assemblies ---------------------------------------------------------------------- */
static void asm_free(hnet_rx *r, hnet_transfer *t, hnet_asm *a)
{
    refund(r, t, a->mem);
    free(a->map);
    free(a->buf);
    free(a->last);
    free(a);
}

static hnet_asm **asm_slot(hnet_transfer *t, uint32_t index)
{
    hnet_asm **p = &t->tab[(index * 2654435761u) & (t->tab_size - 1)];
    while (*p && (*p)->index != index) p = &(*p)->next;
    return p;
}

static void asm_remove(hnet_rx *r, hnet_transfer *t, uint32_t index)
{
    hnet_asm **p = asm_slot(t, index), *a = *p;
    if (!a) return;
    *p = a->next;
    t->n_asm--;
    asm_free(r, t, a);
}

/* Double the hash table when it gets crowded (the new table is charged first). */
static void asm_grow(hnet_rx *r, hnet_transfer *t)
{
    if (t->n_asm < t->tab_size || t->tab_size >= (1u << 20)) return;
    uint32_t ns = t->tab_size * 2;
    if (charge(r, t, (uint64_t)ns * sizeof(hnet_asm *))) return;   /* keep the old one */
    hnet_asm **nt = calloc(ns, sizeof *nt);
    if (!nt) {
        refund(r, t, (uint64_t)ns * sizeof(hnet_asm *));
        return;
    }
    for (uint32_t i = 0; i < t->tab_size; i++) {
        for (hnet_asm *a = t->tab[i], *nx; a; a = nx) {
            nx = a->next;
            hnet_asm **p = &nt[(a->index * 2654435761u) & (ns - 1)];
            a->next = *p;
            *p = a;
        }
    }
    refund(r, t, (uint64_t)t->tab_size * sizeof(hnet_asm *));
    free(t->tab);
    t->tab = nt;
    t->tab_size = ns;
}

/* ---- transfers ----------------------------------------------------------------------- */
static void unlink_t(hnet_rx *r, hnet_transfer *t)
{
    if (t->prev) t->prev->next = t->next; else r->head = t->next;
    if (t->next) t->next->prev = t->prev; else r->tail = t->prev;
    t->prev = t->next = NULL;
}

static void push_front(hnet_rx *r, hnet_transfer *t)
{
    t->next = r->head;
    t->prev = NULL;
    if (r->head) r->head->prev = t; else r->tail = t;
    r->head = t;
}

static void transfer_end(hnet_rx *r, hnet_transfer *t, int why)
{
    if (r->ended && t->seq_top) {   /* keyed: its seqs stay spent after the state goes */
        r->ended[r->ended_next] = (struct ended){ t->id, t->seq_top };
        r->ended_next = (r->ended_next + 1) % HNET_SEQ_ENDED;
    }
    if (r->sink.on_end) r->sink.on_end(r->sink.ctx, t, why);
    unlink_t(r, t);
    r->count--;
    for (uint32_t i = 0; i < t->tab_size; i++)
        for (hnet_asm *a = t->tab[i], *nx; a; a = nx) {
            nx = a->next;
            asm_free(r, t, a);
        }
    refund(r, NULL, t->mem);   /* table, bitmap and struct */
    free(t->tab);
    free(t->done);
    free(t->rdone);
    free(t);
}

/* Landed bits: block ids in t->done, recovery indices in t->rdone (made on first use). */
static int is_done(const hnet_transfer *t, uint32_t ci)
{
    if (ci < t->total) return BIT(t->done, ci);
    return t->rdone && BIT(t->rdone, ci - HNET_REC_BASE);
}

static hnet_transfer *find(hnet_rx *r, uint32_t id)
{
    for (hnet_transfer *t = r->head; t; t = t->next)
        if (t->id == id) return t;
    return NULL;
}

/* Make room for a new transfer: evict the least recently active one, preferring transfers that
 * never landed a chunk (forged ids cannot land chunks, so a flood of them evicts itself). */
static void make_room(hnet_rx *r)
{
    while (r->count >= r->lim.max_transfers) {
        hnet_transfer *v = r->tail;
        for (hnet_transfer *t = r->tail; t; t = t->prev)
            if (t->landed == 0 && !t->finished) { v = t; break; }
        r->st.evicted++;
        transfer_end(r, v, HNET_END_EVICTED);
    }
}

static hnet_transfer *create(hnet_rx *r, const hnet_hdr *h, int64_t now)
{
    if (h->total_chunks > r->lim.max_chunks) return NULL;
    make_room(r);
    uint64_t bytes = sizeof(hnet_transfer) + ((uint64_t)h->total_chunks + 7) / 8 +
                     16 * sizeof(hnet_asm *);
    if (bytes > r->lim.max_transfer_mem || charge(r, NULL, bytes)) return NULL;
    hnet_transfer *t = calloc(1, sizeof *t);
    if (t) {
        t->done = calloc(((size_t)h->total_chunks + 7) / 8, 1);
        t->tab = calloc(16, sizeof *t->tab);
    }
    if (!t || !t->done || !t->tab) {
        if (t) { free(t->done); free(t->tab); free(t); }
        refund(r, NULL, bytes);
        return NULL;
    }
    t->mem = bytes;
    t->tab_size = 16;
    t->id = h->transfer_id;
    t->total = h->total_chunks;
    t->first_ms = t->last_ms = now;
    push_front(r, t);
    r->count++;
    r->st.transfers++;
    if (r->sink.on_start) r->sink.on_start(r->sink.ctx, t);
    return t;
}

/* ---- keyed replay window --------------------------------------------------------------- */
#define SEEN(t, q) ((t)->seq_seen[((q) % HNET_SEQ_WINDOW) / 64] >> ((q) % 64) & 1)
#define MARK(t, q) ((t)->seq_seen[((q) % HNET_SEQ_WINDOW) / 64] |= 1ull << ((q) % 64))
#define UNMARK(t, q) ((t)->seq_seen[((q) % HNET_SEQ_WINDOW) / 64] &= ~(1ull << ((q) % 64)))

/* Highest seq of an ended transfer with this id (0 = none). */
static uint64_t ended_top(const hnet_rx *r, uint32_t id)
{
    uint64_t top = 0;
    for (uint32_t i = 0; r->ended && i < HNET_SEQ_ENDED; i++)
        if (r->ended[i].id == id && r->ended[i].top > top) top = r->ended[i].top;
    return top;
}

/* 0 when seq is new for t (and now marked), else HNET_DROP_REPLAY. */
static int seq_accept(hnet_transfer *t, uint64_t seq)
{
    if (seq == 0) return HNET_DROP_REPLAY;
    if (seq > t->seq_top) {
        if (seq - t->seq_top >= HNET_SEQ_WINDOW) memset(t->seq_seen, 0, sizeof t->seq_seen);
        else
            for (uint64_t q = t->seq_top + 1; q < seq; q++) UNMARK(t, q);
        t->seq_top = seq;
        MARK(t, seq);
        return 0;
    }
    if (t->seq_top - seq >= HNET_SEQ_WINDOW || SEEN(t, seq)) return HNET_DROP_REPLAY;
    MARK(t, seq);
    return 0;
}

/* ---- datagrams ----------------------------------------------------------------------- */
static int on_meta(hnet_rx *r, hnet_transfer *t, const uint8_t *p, size_t n)
{
    r->st.meta++;
    hnet_name_trim(&p, &n);
    if (!hnet_name_ok(p, n)) return drop(r, t, HNET_DROP_NAME);
    if (t->name[0]) return 1;   /* the first valid name stays */
    memcpy(t->name, p, n);
    t->name[n] = 0;
    if (r->sink.on_name) r->sink.on_name(r->sink.ctx, t);
    return 0;
}

static int deliver(hnet_rx *r, hnet_transfer *t, uint32_t index, const uint8_t *buf, size_t len)
{
    int v = r->sink.on_chunk(r->sink.ctx, t, index, buf, len);
    if (v < 0) {
        r->st.chunks_rejected++;
        return 0;
    }
    if (index < t->total) {
        SETBIT(t->done, index);
    } else {
        if (!t->rdone && charge(r, t, HNET_REC_MAX / 8) == 0 &&
            !(t->rdone = calloc(HNET_REC_MAX / 8, 1)))
            refund(r, t, HNET_REC_MAX / 8);
        if (t->rdone) SETBIT(t->rdone, index - HNET_REC_BASE);   /* else: landed again later */
    }
    t->landed++;
    r->st.chunks_landed++;
    return 0;
}

/* A repeat of a held segment: count it, and whether its bytes differ (first copy wins). */
static int repeat(hnet_rx *r, hnet_transfer *t, const hnet_asm *a, uint16_t i,
                  const uint8_t *p, size_t n)
{
    const uint8_t *held;
    size_t hl;
    if (i + 1 == a->n) {
        held = a->buf ? a->buf + (size_t)i * a->seg_size : a->last;
        hl = a->last_len;
    } else {
        held = a->buf + (size_t)i * a->seg_size;
        hl = a->seg_size;
    }
    r->st.dup_segments++;
    t->dups++;
    if (hl != n || (n && memcmp(held, p, n) != 0)) r->st.conflicts++;
    return 1;
}

static int on_data(hnet_rx *r, hnet_transfer *t, const hnet_hdr *h, const uint8_t *p, size_t n)
{
    uint32_t ci = h->chunk_index;
    uint16_t si = h->seg_index, ns = h->seg_total;
    if (t->finished || is_done(t, ci)) {
        r->st.late++;
        t->dups++;
        return 1;
    }
    if (n > r->lim.max_chunk) return drop(r, t, HNET_DROP_CAP);
    if (ns == 1) {   /* the whole chunk in one datagram: no buffering */
        r->st.segments++;
        t->segments++;
        return deliver(r, t, ci, p, n);
    }
    int last = si + 1 == ns;
    /* every segment but the last is S >= 1 bytes, the last 1..S */
    if (n == 0) return drop(r, t, HNET_DROP_SEGS);
    hnet_asm **slot = asm_slot(t, ci), *a = *slot;
    if (a && a->n != ns) {   /* the first datagram of a chunk fixes total_segments */
        r->st.conflicts++;
        return drop(r, t, HNET_DROP_SEGS);
    }
    if (a && BIT(a->map, si)) return repeat(r, t, a, si, p, n);
    if (a && a->seg_size && (last ? n > a->seg_size : n != a->seg_size))
        return drop(r, t, HNET_DROP_SEGS);
    if (!last && (uint64_t)ns * n > r->lim.max_chunk) return drop(r, t, HNET_DROP_CAP);
    if (!a) {
        uint64_t bytes = sizeof(hnet_asm) + ((uint64_t)ns + 7) / 8;
        if (charge(r, t, bytes)) return drop(r, t, HNET_DROP_CAP);
        a = calloc(1, sizeof *a);
        if (a) a->map = calloc(((size_t)ns + 7) / 8, 1);
        if (!a || !a->map) {
            if (a) free(a);
            refund(r, t, bytes);
            return drop(r, t, HNET_DROP_CAP);
        }
        a->index = ci;
        a->n = ns;
        a->mem = bytes;
        *slot = a;
        t->n_asm++;
        asm_grow(r, t);   /* may move a; it stays valid */
    }
    if (!last && !a->seg_size) {   /* this segment fixes S: allocate the chunk buffer */
        uint64_t bytes = (uint64_t)ns * n;
        if (BIT(a->map, ns - 1) && a->last_len > n) {
            /* the held last segment is longer than S: one of them is wrong; keep neither */
            CLRBIT(a->map, ns - 1);
            a->held--;
            refund(r, t, a->last_len);
            a->mem -= a->last_len;
            free(a->last);
            a->last = NULL;
            r->st.conflicts++;
        }
        if (charge(r, t, bytes)) {
            if (!a->held) asm_remove(r, t, ci);
            return drop(r, t, HNET_DROP_CAP);
        }
        a->buf = malloc((size_t)bytes);
        if (!a->buf) {
            refund(r, t, bytes);
            if (!a->held) asm_remove(r, t, ci);
            return drop(r, t, HNET_DROP_CAP);
        }
        a->mem += bytes;
        a->seg_size = (uint32_t)n;
        if (a->last) {   /* move the early last segment into place */
            memcpy(a->buf + (size_t)(ns - 1) * n, a->last, a->last_len);
            refund(r, t, a->last_len);
            a->mem -= a->last_len;
            free(a->last);
            a->last = NULL;
        }
    }
    if (a->buf) {
        memcpy(a->buf + (size_t)si * a->seg_size, p, n);
    } else {   /* last segment before S is known: keep a copy */
        if (charge(r, t, n)) {
            if (!a->held) asm_remove(r, t, ci);
            return drop(r, t, HNET_DROP_CAP);
        }
        a->last = malloc(n);
        if (!a->last) {
            refund(r, t, n);
            if (!a->held) asm_remove(r, t, ci);
            return drop(r, t, HNET_DROP_CAP);
        }
        memcpy(a->last, p, n);
        a->mem += n;
    }
    if (last) a->last_len = (uint32_t)n;
    SETBIT(a->map, si);
    a->held++;
    r->st.segments++;
    t->segments++;
    if (a->held < a->n) return 0;
    size_t len = (size_t)(a->n - 1) * a->seg_size + a->last_len;
    deliver(r, t, ci, a->buf, len);
    asm_remove(r, t, ci);   /* landed or rejected: a rejected chunk starts over next loop */
    return 0;
}

int hnet_rx_feed(hnet_rx *r, const uint8_t *buf, size_t len, int64_t now_ms)
{
    return hnet_rx_feed_from(r, buf, len, now_ms, NULL, 0);
}

int hnet_rx_feed_from(hnet_rx *r, const uint8_t *buf, size_t len, int64_t now_ms,
                      const void *src, size_t srclen)
{
    hnet_hdr h;
    uint64_t sent_ms = 0, seq = 0;
    r->st.datagrams++;
    r->st.bytes += len;
    if (r->keyed) {
        if (len < HNET_HDR + HNET_AUTH) return drop(r, NULL, HNET_DROP_SHORT);
        if (!hnet_auth_check(&r->key, buf, len, &sent_ms, &seq)) return drop(r, NULL, HNET_DROP_AUTH);
        len -= HNET_AUTH;
    }
    int e = hnet_parse(buf, len, &h);
    if (e) return drop(r, NULL, e);
    hnet_transfer *t = find(r, h.transfer_id);
    if (r->keyed) {
        if (r->wall_ms > 0 && r->lim.max_skew_ms > 0) {
            uint64_t w = (uint64_t)r->wall_ms, lim = (uint64_t)r->lim.max_skew_ms;
            if ((sent_ms < w ? w - sent_ms : sent_ms - w) > lim) return drop(r, t, HNET_DROP_STALE);
        }
        if (t ? seq_accept(t, seq) : seq == 0 || seq <= ended_top(r, h.transfer_id))
            return drop(r, t, HNET_DROP_REPLAY);
    }
    if (srclen > sizeof t->src) srclen = sizeof t->src;
    if (t && r->lim.pin_source && t->srclen &&
        (srclen != t->srclen || memcmp(src, t->src, srclen) != 0))
        return drop(r, t, HNET_DROP_SOURCE);
    if (t && h.total_chunks != t->total) return drop(r, t, HNET_DROP_TOTAL);
    if (!t) {
        if (!(t = create(r, &h, now_ms))) return drop(r, NULL, HNET_DROP_CAP);
        if (srclen) memcpy(t->src, src, srclen);
        t->srclen = (uint8_t)srclen;
        if (r->keyed) {   /* resumed after its state went idle: every older seq is spent */
            uint64_t top = ended_top(r, t->id);
            if (top) {
                t->seq_top = top;
                memset(t->seq_seen, 0xff, sizeof t->seq_seen);
            }
            seq_accept(t, seq);
        }
    }
    /* only valid datagrams of this transfer refresh its clock */
    t->last_ms = now_ms;
    t->datagrams++;
    t->bytes += len;
    if (r->head != t) {
        unlink_t(r, t);
        push_front(r, t);
    }
    if (h.type == HNET_META) return on_meta(r, t, buf + HNET_HDR, len - HNET_HDR);
    return on_data(r, t, &h, buf + HNET_HDR, len - HNET_HDR);
}

void hnet_rx_expire(hnet_rx *r, int64_t now_ms, int64_t idle_ms)
{
    for (hnet_transfer *t = r->tail, *pv; t; t = pv) {
        pv = t->prev;
        if (now_ms - t->last_ms >= idle_ms) transfer_end(r, t, HNET_END_IDLE);
    }
}

void hnet_rx_finish(hnet_rx *r)
{
    while (r->tail) transfer_end(r, r->tail, HNET_END_SHUTDOWN);
}

void hnet_rx_free(hnet_rx *r)
{
    if (!r) return;
    hnet_rx_finish(r);
    free(r->ended);
    free(r);
}
