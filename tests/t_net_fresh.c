/* t_net_fresh.c — the keyed replay window of the HNET receiver core: a captured authenticated
 * datagram fed again is dropped (while its transfer is live and after it went idle), reordering
 * inside the window is accepted, a seq older than the window or 0 is dropped, sent_ms beyond the
 * skew is dropped as stale, a changed trailer fails authentication, a datagram tagged the old
 * way (raw key, no sent_ms/seq) is refused, and the trailer is exactly sent_ms | seq | tag after
 * the unchanged reference datagram. */
#include "tap.h"
#include "../net/reasm.h"
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define WALL 1700000000000ll   /* a fixed "now" for the sent_ms check */

typedef struct counts {
    int chunks, starts, ends;
} counts;

static void c_start(void *c, hnet_transfer *t) { ((counts *)c)->starts++; (void)t; }
static int c_chunk(void *c, hnet_transfer *t, uint32_t i, const uint8_t *b, size_t n)
{
    (void)t; (void)i; (void)b; (void)n;
    ((counts *)c)->chunks++;
    return -1;   /* "rejected": the same chunk index can be delivered again */
}
static void c_end(void *c, hnet_transfer *t, int why) { ((counts *)c)->ends++; (void)t; (void)why; }

static hmac_sha256_key key, raw_key;   /* the derived tag key; the key file's bytes */

/* One keyed single-segment DATA datagram of transfer `id` (4 chunks): its length. */
static size_t dgram(uint8_t *b, uint32_t id, uint32_t index, uint64_t sent_ms, uint64_t seq)
{
    hnet_hdr h = { HNET_VERSION, HNET_DATA, id, 4, index, 0, 1 };
    hnet_pack(b, &h);
    memcpy(b + HNET_HDR, "abcd", 4);
    hnet_auth_append(&key, b, HNET_HDR + 4, sent_ms, seq);
    return HNET_HDR + 4 + HNET_AUTH;
}

static hnet_rx *mk(counts *c)
{
    memset(c, 0, sizeof *c);
    hnet_sink s = { c, c_start, NULL, c_chunk, c_end };
    hnet_rx *r = hnet_rx_new(NULL, &s, &key);
    hnet_rx_set_wall_ms(r, WALL);
    return r;
}

static int feed(hnet_rx *r, uint32_t id, uint64_t sent_ms, uint64_t seq)
{
    uint8_t b[128];
    size_t n = dgram(b, id, (uint32_t)(seq % 4), sent_ms, seq);
    return hnet_rx_feed(r, b, n, 0);
}

static void test_layout(void)
{
    uint8_t b[128];
    size_t n = dgram(b, 7, 1, 0x0102030405060708ull, 0x1112131415161718ull);
    is_int((long long)n, 22 + 4 + 16 + 32, "keyed datagram: header, payload, 48-byte trailer");
    static const uint8_t fresh[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 0x11, 0x12, 0x13, 0x14,
                                       0x15, 0x16, 0x17, 0x18 };
    is_bytes(b + 26, 16, fresh, 16, "trailer: sent_ms then seq, big-endian");
    uint8_t tag[32];
    hmac_sha256(&key, b, n - 32, tag);
    is_bytes(b + n - 32, 32, tag, 32, "trailer ends with the HMAC of everything before it");
    hnet_hdr h;
    is_int(hnet_parse(b, n - HNET_AUTH, &h), 0, "without the trailer it is a reference datagram");
}

static void test_replay_live_and_ended(void)
{
    counts c;
    hnet_rx *r = mk(&c);
    int fresh = 1;
    for (uint64_t q = 1; q <= 20; q++) fresh &= feed(r, 9, WALL, q) == 0;
    ok(fresh && c.chunks == 20, "20 fresh keyed datagrams: all delivered (%d)", c.chunks);
    int replayed = 1;
    for (uint64_t q = 1; q <= 20; q++) replayed &= feed(r, 9, WALL, q) == HNET_DROP_REPLAY;
    ok(replayed && c.chunks == 20, "the same 20 again: all dropped as replays, nothing delivered");
    is_int((long long)hnet_rx_stats(r)->drops[-HNET_DROP_REPLAY], 20, "20 replays counted");

    hnet_rx_expire(r, 1000000, 1);   /* the transfer goes idle: its state is freed */
    is_int((long long)hnet_rx_count(r), 0, "transfer ended");
    replayed = 1;
    for (uint64_t q = 1; q <= 20; q++) replayed &= feed(r, 9, WALL, q) == HNET_DROP_REPLAY;
    ok(replayed && c.chunks == 20 && hnet_rx_count(r) == 0 && c.starts == 1,
       "replayed after the transfer ended: dropped, no new transfer state");
    is_int(feed(r, 9, WALL, 21), 0, "a newer seq of the ended transfer is accepted (resumes it)");
    is_int(feed(r, 9, WALL, 20), HNET_DROP_REPLAY, "...and the old seqs stay spent in its new state");
    hnet_rx_free(r);
}

static void test_window(void)
{
    counts c;
    hnet_rx *r = mk(&c);
    int all = 1;
    for (uint64_t q = 300; q >= 1; q--) all &= feed(r, 5, WALL, q) == 0;
    ok(all && c.chunks == 300, "300 datagrams in reverse order: all inside the window, accepted");
    is_int(feed(r, 5, WALL, 0), HNET_DROP_REPLAY, "seq 0 is never sent: dropped");
    is_int(feed(r, 5, WALL, 300 + HNET_SEQ_WINDOW + 10), 0, "a jump ahead is accepted");
    is_int(feed(r, 5, WALL, 301), HNET_DROP_REPLAY, "a seq older than the window is dropped");
    is_int(feed(r, 5, WALL, 300 + 11), 0, "an unseen seq just inside the window is accepted");
    hnet_rx_free(r);
}

static void test_stale(void)
{
    counts c;
    hnet_rx *r = mk(&c);
    is_int(feed(r, 3, WALL - 119000, 1), 0, "sent 119 s ago (default skew 120 s): accepted");
    is_int(feed(r, 3, WALL - 121000, 2), HNET_DROP_STALE, "sent 121 s ago: dropped as stale");
    is_int(feed(r, 3, WALL + 121000, 3), HNET_DROP_STALE, "sent 121 s in the future: stale");
    is_int(feed(r, 4, UINT64_MAX, 1), HNET_DROP_STALE, "sent_ms 2^64-1: stale");
    is_int(feed(r, 3, WALL, 2), 0, "a stale datagram does not spend its seq");
    hnet_rx_free(r);

    /* no wall clock (offline replay): only the window applies */
    hnet_sink s = { &c, c_start, NULL, c_chunk, c_end };
    r = hnet_rx_new(NULL, &s, &key);
    is_int(feed(r, 3, 1, 1), 0, "without a wall clock sent_ms is not checked");
    is_int(feed(r, 3, 1, 1), HNET_DROP_REPLAY, "...but a replay still is");
    hnet_rx_free(r);
}

static void test_tamper(void)
{
    counts c;
    hnet_rx *r = mk(&c);
    uint8_t b[128];
    size_t n = dgram(b, 11, 0, WALL, 1);
    b[n - HNET_AUTH + 15] ^= 1;   /* the seq: a replay under a new number */
    is_int(hnet_rx_feed(r, b, n, 0), HNET_DROP_AUTH, "a changed seq fails authentication");
    b[n - HNET_AUTH + 15] ^= 1;
    b[n - HNET_AUTH + 7] ^= 1;    /* the timestamp */
    is_int(hnet_rx_feed(r, b, n, 0), HNET_DROP_AUTH, "a changed sent_ms fails authentication");
    hnet_hdr h = { HNET_VERSION, HNET_DATA, 11, 4, 0, 0, 1 };
    hnet_pack(b, &h);
    memset(b + HNET_HDR, 'x', 40);
    hnet_tag_append(&raw_key, b, HNET_HDR + 40);   /* what an older holonet tx sent */
    is_int(hnet_rx_feed(r, b, HNET_HDR + 40 + HNET_TAG, 0), HNET_DROP_AUTH,
           "the old tag-only layout (no sent_ms/seq) is not accepted");
    ok(c.chunks == 0 && c.starts == 0, "nothing delivered, no state created");
    hnet_rx_free(r);
}

int main(void)
{
    char path[64], msg[256];
    snprintf(path, sizeof path, "/tmp/t_net_fresh.%d.key", (int)getpid());
    tap_spew(path, "correct horse", 13);
    hmac_sha256_init(&raw_key, (const uint8_t *)"correct horse", 13);
    plan(0);
    ok(hnet_key_load(path, &key, msg, sizeof msg) == 0, "key file loads");
    unlink(path);
    test_layout();
    test_replay_live_and_ended();
    test_window();
    test_stale();
    test_tamper();
    return done_testing();
}
