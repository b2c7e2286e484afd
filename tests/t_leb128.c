/* t_leb128.c — the one unsigned LEB128 codec (codec/common/leb128.h) and its two users' modes:
 * v4 (v4_leb_*: 32-bit, at most 5 bytes, shortest form only) and small-file packs (64-bit,
 * any form up to 10 bytes). Round trips at the edges, forms accepted or refused per mode, cut
 * short input, a 10th byte with bits past 64; and against the two codecs it replaced, kept
 * here as oracles, on every 1- and 2-byte input and on random ones: same bytes written, same
 * inputs accepted except the documented refusals. */
#include "tap.h"
#include "holo_ext.h"
#include "leb128.h"
#include "v4_codec.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#define PACK_MAX UINT64_MAX   /* smallpack.c's rd_v: 64-bit, any form */

/* The v4_format.c reader before the merge. */
static size_t old_v4_get(const uint8_t *p, size_t len, uint64_t *v)
{
    *v = 0;
    for (size_t n = 0; n < 5 && n < len; n++) {
        *v |= (uint64_t)(p[n] & 0x7F) << (7 * n);
        if (!(p[n] & 0x80))
            return n > 0 && p[n] == 0 ? 0 : n + 1;
    }
    return 0;
}

/* The smallpack.c reader before the merge (bytes read, 0 = bad). */
static size_t old_pack_get(const uint8_t *p, size_t len, uint64_t *v)
{
    *v = 0;
    size_t n = 0;
    for (int sh = 0; sh < 64; sh += 7) {
        if (n >= len) return 0;
        uint8_t b = p[n++];
        *v |= (uint64_t)(b & 0x7f) << sh;
        if (!(b & 0x80)) return n;
    }
    return 0;
}

/* The smallpack.c writer before the merge. */
static size_t old_pack_put(uint8_t *p, uint64_t v)
{
    size_t n = 0;
    do {
        uint8_t b = v & 0x7f;
        v >>= 7;
        p[n++] = (uint8_t)(b | (v ? 0x80 : 0));
    } while (v);
    return n;
}

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* Compares the new readers with the old on p[0..len): returns a description of the first
 * disagreement that is not one of the intended refusals, or NULL. */
static const char *differs(const uint8_t *p, size_t len)
{
    uint64_t a, b;
    size_t na = v4_leb_get(p, len, &a), nb = old_v4_get(p, len, &b);
    /* intended: v4 values over 32 bits (5-byte forms of 2^32..2^35-1) are refused */
    int v4_wide = nb && b > UINT32_MAX;
    if (v4_wide ? na != 0 : na != nb || (na && a != b))
        return "v4 mode";
    na = holo_leb128_get(p, len, PACK_MAX, 0, &a);
    nb = old_pack_get(p, len, &b);
    /* intended: a 10th byte above 1 (bits past 64, silently dropped before) is refused */
    int overflow = nb == 10 && p[9] > 1;
    if (overflow ? na != 0 : na != nb || (na && a != b))
        return "pack mode";
    return NULL;
}

static void round_trip(uint64_t v, size_t want_len)
{
    uint8_t buf[HOLO_LEB128_MAX_BYTES + 2], old[HOLO_LEB128_MAX_BYTES];
    memset(buf, 0xAA, sizeof buf);
    size_t n = holo_leb128_put(buf, v), on = old_pack_put(old, v);
    uint64_t r = 0, r2 = 0;
    ok(n == want_len && holo_leb128_size(v) == n && buf[n] == 0xAA && n == on &&
       !memcmp(buf, old, n) && holo_leb128_get(buf, n, UINT64_MAX, 1, &r) == n && r == v &&
       holo_leb128_get(buf, n, UINT64_MAX, 0, &r2) == n && r2 == v &&
       holo_leb128_get(buf, n - 1, UINT64_MAX, 0, &r) == 0,
       "%llu: %zu bytes (as the old writer), reads back in both modes, refused one byte short",
       (unsigned long long)v, n);
}

/* A PUT record of set NAME with no files whose mode field is the 10 bytes `mode10`
 * (holo(5) "SMALL-FILE PACKS"), CRC included; returns its length. */
static size_t pack_record(uint8_t *r, const char *name, const uint8_t *mode10)
{
    size_t n = 0, nl = strlen(name);
    memcpy(r, "HOSR", 4);
    n = 8;
    r[n++] = 1;                          /* PUT */
    r[n++] = (uint8_t)nl;
    memcpy(r + n, name, nl);
    n += nl;
    memcpy(r + n, mode10, 10);
    n += 10;
    r[n++] = 0;                          /* uid */
    r[n++] = 0;                          /* gid */
    memset(r + n, 0, 8);                 /* mtime */
    n += 8;
    r[n++] = 0;                          /* no files */
    n += 4;
    for (int i = 0; i < 4; i++) r[4 + i] = (uint8_t)(n >> 8 * i);
    uint32_t crc = (uint32_t)crc32(0, r, (uInt)(n - 4));
    for (int i = 0; i < 4; i++) r[n - 4 + i] = (uint8_t)(crc >> 8 * i);
    return n;
}

int main(void)
{
    plan(0);
    round_trip(0, 1);
    round_trip(127, 1);
    round_trip(128, 2);
    round_trip(16383, 2);
    round_trip(16384, 3);
    round_trip(UINT32_MAX, 5);
    round_trip((uint64_t)UINT32_MAX + 1, 5);
    round_trip(UINT64_MAX >> 1, 9);
    round_trip((uint64_t)1 << 63, 10);
    round_trip(UINT64_MAX, 10);

    static const uint8_t b0[] = { 0x00 }, b127[] = { 0x7F }, b128[] = { 0x80, 0x01 },
        bu32[] = { 0xFF, 0xFF, 0xFF, 0xFF, 0x0F },
        bu64[] = { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01 };
    uint8_t b[16];
    is_bytes(b, holo_leb128_put(b, 0), b0, 1, "0 is 00");
    is_bytes(b, holo_leb128_put(b, 127), b127, 1, "127 is 7F");
    is_bytes(b, holo_leb128_put(b, 128), b128, 2, "128 is 80 01");
    is_bytes(b, holo_leb128_put(b, UINT32_MAX), bu32, 5, "2^32-1 is FF FF FF FF 0F");
    is_bytes(b, v4_leb_put(b, UINT32_MAX), bu32, 5, "v4_leb_put(2^32-1) the same");
    is_bytes(b, holo_leb128_put(b, UINT64_MAX), bu64, 10, "2^64-1 is 9 x FF, 01");

    /* non-shortest forms: 0 as 80 00, 1 as 81 80 00, 5 as 85 80 80 80 00 (5 bytes) */
    static const uint8_t ns0[] = { 0x80, 0x00 }, ns1[] = { 0x81, 0x80, 0x00 },
        ns5[] = { 0x85, 0x80, 0x80, 0x80, 0x00 },
        ns10[] = { 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00 };
    uint64_t v = 99;
    ok(v4_leb_get(ns0, 2, &v) == 0 && v4_leb_get(ns1, 3, &v) == 0 && v4_leb_get(ns5, 5, &v) == 0,
       "v4 mode refuses non-shortest forms (80 00, 81 80 00, 85 80 80 80 00)");
    ok(holo_leb128_get(ns0, 2, PACK_MAX, 0, &v) == 2 && v == 0, "pack mode reads 80 00 as 0");
    ok(holo_leb128_get(ns1, 3, PACK_MAX, 0, &v) == 3 && v == 1, "pack mode reads 81 80 00 as 1");
    ok(holo_leb128_get(ns10, 10, PACK_MAX, 0, &v) == 10 && v == 0,
       "pack mode reads a 10-byte 0 (9 x 80, 00)");
    ok(holo_leb128_get(ns0, 2, PACK_MAX, 1, &v) == 0, "shortest mode refuses 80 00 at 64 bits too");
    ok(v4_leb_get(b0, 1, &v) == 1 && v == 0, "v4 mode reads 00 (one zero byte is shortest)");

    /* lengths: v4 stops at 5 bytes, packs at 10; a continuation bit on the last allowed byte */
    static const uint8_t six[] = { 0x80, 0x80, 0x80, 0x80, 0x80, 0x01 },
        eleven[] = { 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00 };
    ok(v4_leb_get(six, 6, &v) == 0, "v4 mode refuses a 6-byte form (2^35)");
    ok(holo_leb128_get(six, 6, PACK_MAX, 0, &v) == 6 && v == (uint64_t)1 << 35,
       "pack mode reads the same 6 bytes as 2^35");
    ok(holo_leb128_get(eleven, 11, PACK_MAX, 0, &v) == 0, "pack mode refuses an 11-byte form");
    /* v4 mode, 5 bytes but over 32 bits: refused (the v4 header refused it after reading) */
    static const uint8_t wide[] = { 0x80, 0x80, 0x80, 0x80, 0x10 };
    ok(v4_leb_get(bu32, 5, &v) == 5 && v == UINT32_MAX && v4_leb_get(wide, 5, &v) == 0,
       "v4 mode: FF FF FF FF 0F is 2^32-1, 80 80 80 80 10 (2^32) refused");

    /* truncated input */
    ok(holo_leb128_get(bu64, 0, PACK_MAX, 0, &v) == 0, "empty input refused");
    int cut = 0;
    for (size_t n = 1; n < 10; n++)
        cut += holo_leb128_get(bu64, n, PACK_MAX, 0, &v) != 0;
    for (size_t n = 1; n < 5; n++)
        cut += v4_leb_get(bu32, n, &v) != 0;
    is_int(cut, 0, "every cut-short prefix of 2^64-1 and 2^32-1 refused in both modes");

    /* the 10th byte: only its lowest bit fits in 64 bits */
    uint8_t ov[10];
    memcpy(ov, bu64, 10);
    int refused = 0;
    for (int last = 2; last < 0x80; last++) {
        ov[9] = (uint8_t)last;
        refused += holo_leb128_get(ov, 10, PACK_MAX, 0, &v) == 0;
    }
    is_int(refused, 0x7E, "a 10th byte 02..7F (bits past 64) is refused, all 126 of them");
    ov[9] = 0x02;
    uint64_t oldv;
    ok(old_pack_get(ov, 10, &oldv) == 10 && oldv == UINT64_MAX >> 1,
       "(the old pack reader took 9 x FF, 02 as 2^63-1: the dropped bit is why)");
    ov[9] = 0x81;
    ok(holo_leb128_get(ov, 10, PACK_MAX, 0, &v) == 0, "a continuation bit on the 10th byte refused");

    /* against the old codecs: every 1- and 2-byte input, then random ones of 1 to 12 bytes */
    const char *bad = NULL;
    for (unsigned x = 0; x < 65536 && !bad; x++) {
        uint8_t p[2] = { (uint8_t)x, (uint8_t)(x >> 8) };
        bad = differs(p, 1);
        if (!bad) bad = differs(p, 2);
    }
    ok(!bad, "every 1- and 2-byte input: read as the old codecs did (%s)", bad ? bad : "ok");
    long wide_seen = 0, over_seen = 0;
    for (long i = 0; i < 2000000 && !bad; i++) {
        uint8_t p[12];
        size_t len = 1 + next() % 12;
        uint64_t r = next();
        for (size_t k = 0; k < len; k++) {
            /* mostly continuation bytes so that long forms and 10th bytes come up */
            p[k] = (uint8_t)(next() >> 56);
            if (k + 1 < len && (r >> k & 7) != 0) p[k] |= 0x80;
        }
        uint64_t a;
        wide_seen += old_v4_get(p, len, &a) == 5 && a > UINT32_MAX;
        over_seen += old_pack_get(p, len, &a) == 10 && p[9] > 1;
        bad = differs(p, len);
    }
    ok(!bad, "2,000,000 random inputs: read as the old codecs did, but for the intended refusals (%s)",
       bad ? bad : "ok");
    ok(wide_seen > 100 && over_seen > 100, "the random inputs include both refusals: %ld v4 values "
       "over 32 bits, %ld overflowing 10th bytes", wide_seen, over_seen);
    int wr = 0;
    for (long i = 0; i < 200000; i++) {
        uint64_t x = next() >> (next() % 64);
        uint8_t p1[10], p2[10];
        size_t n1 = holo_leb128_put(p1, x), n2 = old_pack_put(p2, x);
        wr += n1 != n2 || memcmp(p1, p2, n1) || n1 != holo_leb128_size(x);
        if (x <= UINT32_MAX) {
            n1 = v4_leb_put(p1, (uint32_t)x);
            wr += n1 != n2 || memcmp(p1, p2, n1);
        }
    }
    is_int(wr, 0, "200,000 random values of every width: the same bytes as the old writer");
    /* in a pack: mode 0644 written in 10 bytes is still read (any form), but with 02 as the
     * 10th byte (a bit past 64 the old reader dropped, reading 0644) the record is refused */
    char dir[] = "/tmp/t_leb128.XXXXXX", pack[64];
    ok(mkdtemp(dir) != NULL, "scratch directory");
    snprintf(pack, sizeof pack, "%s/pack", dir);
    uint8_t file[256], m10[10] = { 0xA4, 0x83, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00 };
    size_t fl = 8;
    memcpy(file, "HOSPACK1", 8);
    fl += pack_record(file + fl, "long", m10);
    m10[9] = 0x02;
    fl += pack_record(file + fl, "over", m10);
    m10[9] = 0x00;
    fl += pack_record(file + fl, "tail", m10);   /* so "over" is corrupt, not a torn tail */
    holo_spack sp;
    holo_err err;
    ok(tap_spew(pack, file, fl) == 0 && holo_spack_read(pack, &sp, &err) == 0,
       "hand-made pack read");
    const holo_spack_member *mem = holo_spack_find(&sp, "long");
    ok(mem && mem->mode == 0644, "a 10-byte non-shortest mode field (0644) is accepted");
    ok(!holo_spack_find(&sp, "over") && holo_spack_find(&sp, "tail") && sp.n == 2 &&
       sp.bad_records == 1,
       "the record whose 10th mode byte is 02 is refused as corrupt (members %zu, bad %zu)",
       sp.n, sp.bad_records);
    holo_spack_free(&sp);
    unlink(pack);
    rmdir(dir);
    return done_testing();
}
