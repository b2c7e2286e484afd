/* t_net_reasm.c — the HNET receiver core against the reference captures and hostile input:
 * capture replay gives the reference's chunks, the dropped capture the documented partial set,
 * every edge case of hnet/edge_cases.txt is handled as "required", memory stays within the caps
 * under floods, the optional tag authenticates, and rejected chunks are re-accepted later. */
#include "tap.h"
#include "../net/reasm.h"
#include "../net/hexcap.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAXC 16

typedef struct msink {
    uint8_t *chunk[MAXC];
    size_t len[MAXC];
    int landed[MAXC];
    int reject_index, reject_times;   /* reject chunk reject_index that many times */
    int names, ends, started;
    char name[HNET_NAME_MAX + 1];
    uint32_t last_id;
    int64_t max_count;
} msink;

static void s_start(void *c, hnet_transfer *t) { ((msink *)c)->started++; (void)t; }
static void s_name(void *c, hnet_transfer *t)
{
    msink *m = c;
    m->names++;
    snprintf(m->name, sizeof m->name, "%s", t->name);
}
static int s_chunk(void *c, hnet_transfer *t, uint32_t i, const uint8_t *b, size_t n)
{
    msink *m = c;
    m->last_id = t->id;
    if (i >= MAXC) return 0;
    if ((int)i == m->reject_index && m->reject_times > 0) {
        m->reject_times--;
        return -1;
    }
    free(m->chunk[i]);
    m->chunk[i] = malloc(n ? n : 1);
    memcpy(m->chunk[i], b, n);
    m->len[i] = n;
    m->landed[i]++;
    return 0;
}
static void s_end(void *c, hnet_transfer *t, int why) { ((msink *)c)->ends++; (void)t; (void)why; }

static hnet_rx *mk(msink *m, const hnet_limits *l, const hmac_sha256_key *k)
{
    memset(m, 0, sizeof *m);
    m->reject_index = -1;
    hnet_sink s = { m, s_start, s_name, s_chunk, s_end };
    return hnet_rx_new(l, &s, k);
}

static void msink_free(msink *m)
{
    for (int i = 0; i < MAXC; i++) free(m->chunk[i]);
}

/* Feed a capture file; `insert` (hex) goes in before line `at` (0-based datagram number). */
static long feed_file(hnet_rx *r, const char *path, const char *insert, long at,
                      const hmac_sha256_key *tag)
{
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    hexcap h = { .f = f };
    uint8_t b[70000];
    long n, k = 0;
    while ((n = hexcap_next(&h, b, 65507)) >= 0) {
        if (insert && k == at) {
            uint8_t x[256];
            size_t xl = strlen(insert) / 2;
            hex_decode(insert, strlen(insert), x);
            hnet_rx_feed(r, x, xl, k);
        }
        if (tag) {   /* the keyed trailer: seq 1, 2, ... (no wall clock set: sent_ms unchecked) */
            hnet_auth_append(tag, b, (size_t)n, 0, (uint64_t)k + 1);
            n += HNET_AUTH;
        }
        hnet_rx_feed(r, b, (size_t)n, k++);
    }
    hexcap_free(&h);
    fclose(f);
    return k;
}

static int same_as_reference(const msink *m, int i)
{
    char p[1024];
    size_t n;
    snprintf(p, sizeof p, "%s/transport/hnet/rx_full/sample.png.holo/chunk_%04d.holo",
             tap_vectors(), i);
    uint8_t *want = tap_slurp(p, &n);
    int same = want && m->chunk[i] && n == m->len[i] && memcmp(want, m->chunk[i], n) == 0;
    free(want);
    return same;
}

/* ---- edge_cases.txt: blocks of "name = X" and "datagram = HEX" ---------------------------- */
static int run_edge(const char *want, msink *m, hnet_rx **out)
{
    char p[1024];
    snprintf(p, sizeof p, "%s/transport/hnet/edge_cases.txt", tap_vectors());
    FILE *f = fopen(p, "r");
    if (!f) return -1;
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int in = 0, fed = 0;
    hnet_rx *r = mk(m, NULL, NULL);
    uint8_t *b = malloc(70000);
    while ((n = getline(&line, &cap, f)) >= 0) {
        while (n && (line[n - 1] == '\n' || line[n - 1] == '\r')) line[--n] = 0;
        if (!strncmp(line, "name = ", 7)) in = !strcmp(line + 7, want);
        else if (in && !strncmp(line, "datagram = ", 11)) {
            size_t hl = strlen(line + 11);
            if (hl / 2 <= 70000 && !hex_decode(line + 11, hl, b)) {
                hnet_rx_feed(r, b, hl / 2, fed++);
            }
        }
    }
    free(b);
    free(line);
    fclose(f);
    *out = r;
    return fed;
}

static char cap_path[1024], drop_path[1024];

static void test_capture(void)
{
    msink m;
    hnet_rx *r = mk(&m, NULL, NULL);
    long n = feed_file(r, cap_path, NULL, 0, NULL);
    is_int(n, 234, "capture.hex: 234 datagrams");
    int all = 1;
    for (int i = 0; i < 9; i++) all &= m.landed[i] == 1 && same_as_reference(&m, i);
    ok(all, "capture: chunks 0..8 each landed once, byte-identical to the reference's");
    is_str(m.name, "sample.png", "capture: META name");
    const hnet_stats *st = hnet_rx_stats(r);
    is_int((long long)st->dropped, 0, "capture: nothing dropped");
    is_int((long long)st->late, 116, "capture: loop 2 DATA counted as late duplicates");
    hnet_rx_finish(r);
    is_int((long long)st->mem, 0, "capture: all memory returned after finish");
    is_int(m.ends, 1, "capture: the transfer was ended once");
    hnet_rx_free(r);
    msink_free(&m);
}

static void test_dropped(void)
{
    msink m;
    hnet_rx *r = mk(&m, NULL, NULL);
    is_int(feed_file(r, drop_path, NULL, 0, NULL), 226, "capture_dropped.hex: 226 datagrams");
    int want[9] = { 1, 1, 0, 1, 1, 0, 1, 1, 1 }, all = 1;
    for (int i = 0; i < 9; i++) all &= m.landed[i] == want[i] && (!want[i] || same_as_reference(&m, i));
    ok(all, "dropped capture: exactly chunks 0 1 3 4 6 7 8, identical to the reference");
    hnet_transfer *t = hnet_rx_transfers(r);
    ok(t && hnet_transfer_pending(t) == 2, "dropped capture: chunks 2 and 5 still incomplete");
    is_str(m.name, "sample.png", "dropped capture: name learnt from the loop-2 META");
    hnet_rx_free(r);
    msink_free(&m);
}

static void test_edges(void)
{
    msink m;
    hnet_rx *r;
    run_edge("seg_idx_out_of_range", &m, &r);
    ok(!m.landed[0] && hnet_rx_stats(r)->drops[-HNET_DROP_RANGE] == 1,
       "seg_idx_out_of_range: dropped, chunk 0 stays incomplete");
    hnet_rx_free(r); msink_free(&m);

    run_edge("unknown_pkt_type", &m, &r);
    ok(!m.landed[0] && hnet_rx_stats(r)->drops[-HNET_DROP_TYPE] == 1, "unknown_pkt_type: ignored");
    hnet_rx_free(r); msink_free(&m);

    run_edge("bad_magic_version_short", &m, &r);
    ok(hnet_rx_stats(r)->dropped == 3 && m.started == 0,
       "bad_magic_version_short: all three dropped, no state created");
    hnet_rx_free(r); msink_free(&m);

    run_edge("total_segments_mismatch", &m, &r);
    ok(m.landed[0] == 1 && hnet_rx_stats(r)->drops[-HNET_DROP_SEGS] == 1,
       "total_segments_mismatch: first count wins, chunk completes, mismatch counted");
    hnet_rx_free(r); msink_free(&m);

    run_edge("duplicate_segment_first_wins", &m, &r);
    ok(m.landed[0] == 1 && m.len[0] > 8 && !memcmp(m.chunk[0], "HOCH", 4) &&
       hnet_rx_stats(r)->conflicts == 1, "duplicate_segment_first_wins: first copy kept, conflict counted");
    hnet_rx_free(r); msink_free(&m);

    run_edge("chunk_idx_beyond_total", &m, &r);
    ok(!m.landed[0] && hnet_rx_stats(r)->drops[-HNET_DROP_RANGE] == 1 && hnet_rx_stats(r)->chunks_landed == 0,
       "chunk_idx_beyond_total: dropped");
    hnet_rx_free(r); msink_free(&m);

    const char *bad[] = { "meta_name_with_directories", "meta_name_dotdot", "meta_name_nul",
                          "meta_name_empty" };
    for (int i = 0; i < 4; i++) {
        run_edge(bad[i], &m, &r);
        ok(m.names == 0 && m.landed[0] == 1, "%s: name rejected (fallback transfer_<id>), chunk still lands",
           bad[i]);
        hnet_rx_free(r); msink_free(&m);
    }
}

static void test_foreign(void)
{
    msink m;
    hnet_rx *r = mk(&m, NULL, NULL);
    feed_file(r, cap_path, "484e45540101deadbeef000000090000000000000000", 60, NULL);
    int all = 1;
    for (int i = 0; i < 9; i++) all &= m.landed[i] == 1;
    ok(all && hnet_rx_stats(r)->transfers == 1 && !strcmp(m.name, "sample.png"),
       "foreign_transfer_id_resets_state: ignored, the transfer completes with its name");
    hnet_rx_free(r);
    msink_free(&m);
    /* a valid datagram of another transfer creates its own state and touches nothing else */
    r = mk(&m, NULL, NULL);
    feed_file(r, cap_path, "484e45540100deadbeef00000009000000000000000065766c2e706e67", 60, NULL);
    all = 1;
    for (int i = 0; i < 9; i++) all &= m.landed[i] == 1 && same_as_reference(&m, i);
    ok(all && hnet_rx_stats(r)->transfers == 2 && hnet_rx_count(r) == 2,
       "a valid foreign META makes a second transfer; the first still completes");
    hnet_rx_free(r);
    msink_free(&m);
}

static void put(uint8_t *b, uint32_t id, uint32_t total, uint32_t ci, uint16_t si, uint16_t ns)
{
    hnet_hdr h = { 1, HNET_DATA, id, total, ci, si, ns };
    hnet_pack(b, &h);
}

static void test_flood(void)
{
    msink m;
    hnet_limits l;
    hnet_limits_default(&l);
    l.max_mem = 4u << 20;
    l.max_transfer_mem = 2u << 20;
    l.max_transfers = 8;
    hnet_rx *r = mk(&m, &l, NULL);
    uint8_t *b = calloc(1, 2000);
    size_t maxcount = 0;
    uint64_t peak = 0;
    /* 20000 transfer ids, each claiming 1000-segment chunks of 1000 bytes (1 MB each) */
    for (uint32_t i = 0; i < 20000; i++) {
        put(b, 0x10000 + i, 1000, i % 1000, 0, 1000);
        hnet_rx_feed(r, b, HNET_HDR + 1000, i);
        if (hnet_rx_count(r) > maxcount) maxcount = hnet_rx_count(r);
    }
    /* one transfer with many chunks in flight: bounded by max_transfer_mem */
    for (uint32_t i = 0; i < 5000; i++) {
        put(b, 77, 100000, i, 0, 2);
        hnet_rx_feed(r, b, HNET_HDR + 1000, 20000 + i);
    }
    for (hnet_transfer *t = hnet_rx_transfers(r); t; t = t->next)
        if (t->mem > l.max_transfer_mem) peak = t->mem;
    const hnet_stats *st = hnet_rx_stats(r);
    ok(st->mem_peak <= l.max_mem, "flood: peak memory %llu <= max-mem %llu",
       (unsigned long long)st->mem_peak, (unsigned long long)l.max_mem);
    ok(maxcount <= 8, "flood: at most 8 transfers at once (saw %zu)", maxcount);
    ok(peak == 0, "flood: no transfer above its own cap");
    ok(st->drops[-HNET_DROP_CAP] > 0, "flood: datagrams beyond the caps dropped and counted");
    /* huge counts */
    put(b, 99, 0xffffffffu, 5, 0, 1);
    is_int(hnet_rx_feed(r, b, HNET_HDR + 10, 30000), HNET_DROP_CAP, "total_chunks 2^32-1: capped");
    put(b, 98, 4, 0, 0, 65535);
    is_int(hnet_rx_feed(r, b, HNET_HDR + 1000, 30001), HNET_DROP_CAP,
           "65535 segments of 1000 bytes (64 MB chunk): capped");
    /* and the receiver still works */
    feed_file(r, cap_path, NULL, 0, NULL);
    int all = 1;
    for (int i = 0; i < 9; i++) all &= m.landed[i] == 1 && same_as_reference(&m, i);
    ok(all, "after the flood the capture still lands completely");
    hnet_rx_finish(r);
    is_int((long long)st->mem, 0, "flood: every byte returned");
    free(b);
    hnet_rx_free(r);
    msink_free(&m);
}

static void test_auth(void)
{
    msink m;
    hmac_sha256_key k, other;
    hmac_sha256_init(&k, (const uint8_t *)"secret", 6);
    hmac_sha256_init(&other, (const uint8_t *)"Secret", 6);
    hnet_rx *r = mk(&m, NULL, &k);
    feed_file(r, cap_path, NULL, 0, &k);
    int all = 1;
    for (int i = 0; i < 9; i++) all &= m.landed[i] == 1 && same_as_reference(&m, i);
    ok(all && hnet_rx_stats(r)->dropped == 0, "tagged capture: all chunks, nothing dropped");
    hnet_rx_free(r);
    msink_free(&m);

    r = mk(&m, NULL, &k);
    feed_file(r, cap_path, NULL, 0, NULL);
    ok(m.started == 0 && hnet_rx_stats(r)->dropped == 234, "untagged datagrams: all 234 dropped");
    hnet_rx_free(r);
    msink_free(&m);

    r = mk(&m, NULL, &k);
    feed_file(r, cap_path, NULL, 0, &other);
    ok(m.started == 0 && hnet_rx_stats(r)->drops[-HNET_DROP_AUTH] == 234,
       "wrong key: all dropped as forged");
    hnet_rx_free(r);
    msink_free(&m);
}

static void test_reject_then_accept(void)
{
    msink m;
    hnet_rx *r = mk(&m, NULL, NULL);
    m.reject_index = 3;
    m.reject_times = 1;
    feed_file(r, cap_path, NULL, 0, NULL);
    ok(m.landed[3] == 1 && same_as_reference(&m, 3) && hnet_rx_stats(r)->chunks_rejected == 1,
       "a chunk rejected in loop 1 lands from loop 2");
    hnet_rx_free(r);
    msink_free(&m);
}

static void test_segments(void)
{
    msink m;
    hnet_rx *r = mk(&m, NULL, NULL);
    uint8_t b[100];
    memset(b + HNET_HDR, 'a', 50);
    put(b, 5, 2, 0, 2, 3);
    is_int(hnet_rx_feed(r, b, HNET_HDR + 5, 0), 0, "last segment first (S unknown)");
    put(b, 5, 2, 0, 0, 3);
    is_int(hnet_rx_feed(r, b, HNET_HDR + 10, 1), 0, "segment 0 fixes S = 10");
    put(b, 5, 2, 0, 1, 3);
    is_int(hnet_rx_feed(r, b, HNET_HDR + 9, 2), HNET_DROP_SEGS, "non-last segment of 9 != S");
    is_int(hnet_rx_feed(r, b, HNET_HDR + 10, 3), 0, "segment 1 completes the chunk");
    ok(m.landed[0] == 1 && m.len[0] == 25, "chunk of 10+10+5 bytes");
    put(b, 5, 2, 1, 2, 3);
    hnet_rx_feed(r, b, HNET_HDR + 12, 4);
    put(b, 5, 2, 1, 0, 3);
    hnet_rx_feed(r, b, HNET_HDR + 10, 5);
    put(b, 5, 2, 1, 1, 3);
    hnet_rx_feed(r, b, HNET_HDR + 10, 6);
    ok(m.landed[1] == 0, "a last segment longer than S is discarded, the chunk waits");
    put(b, 5, 2, 1, 2, 3);
    is_int(hnet_rx_feed(r, b, HNET_HDR + 11, 7), HNET_DROP_SEGS, "last segment of 11 > S");
    hnet_rx_feed(r, b, HNET_HDR + 3, 8);
    ok(m.landed[1] == 1 && m.len[1] == 23, "a good last segment then completes it");
    put(b, 5, 2, 1, 0, 3);
    is_int(hnet_rx_feed(r, b, HNET_HDR + 10, 9), 1, "data for a landed chunk is a harmless repeat");
    put(b, 5, 3, 1, 0, 3);
    is_int(hnet_rx_feed(r, b, HNET_HDR + 10, 10), HNET_DROP_TOTAL, "changed total_chunks dropped");
    hnet_rx_expire(r, 1000, 500);
    ok(m.ends == 1 && hnet_rx_count(r) == 0 && hnet_rx_stats(r)->mem == 0,
       "idle expiry ends the transfer and frees it");
    hnet_rx_free(r);
    msink_free(&m);
}

static void test_pin(void)
{
    msink m;
    hnet_limits l;
    hnet_limits_default(&l);
    l.pin_source = 1;
    hnet_rx *r = mk(&m, &l, NULL);
    uint8_t b[64];
    memset(b + HNET_HDR, 'z', 10);
    put(b, 9, 4, 0, 0, 2);
    is_int(hnet_rx_feed_from(r, b, HNET_HDR + 10, 0, "A", 1), 0, "pin-source: first datagram records A");
    put(b, 9, 4, 0, 1, 2);
    is_int(hnet_rx_feed_from(r, b, HNET_HDR + 5, 1, "B", 1), HNET_DROP_SOURCE,
           "pin-source: the same transfer from B is dropped");
    ok(m.landed[0] == 0, "pin-source: nothing landed from B");
    is_int(hnet_rx_feed_from(r, b, HNET_HDR + 5, 2, "A", 1), 0, "pin-source: A completes the chunk");
    ok(m.landed[0] == 1, "pin-source: chunk landed");
    hnet_rx_free(r);
    msink_free(&m);
}

int main(void)
{
    snprintf(cap_path, sizeof cap_path, "%s/transport/hnet/capture.hex", tap_vectors());
    snprintf(drop_path, sizeof drop_path, "%s/transport/hnet/capture_dropped.hex", tap_vectors());
    FILE *f = fopen(cap_path, "r");
    if (!f) {
        plan(1);
        skip(1, "no transport vectors (set HOLO_VECTORS)");
        return 0;
    }
    fclose(f);
    plan(0);
    test_capture();
    test_dropped();
    test_edges();
    test_foreign();
    test_flood();
    test_auth();
    test_reject_then_accept();
    test_segments();
    test_pin();
    return done_testing();
}
