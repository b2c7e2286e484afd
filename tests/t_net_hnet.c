/* t_net_hnet.c — HNET header pack/parse (doc/transport.md §Datagram, §Receiver rules item 3), META
 * name rules (§Receiver rules item 1) and chunk file names beyond 10000 (§Chunk index). */
#include "tap.h"
#include "../net/hnet.h"
#include "../net/hexcap.h"
#include <string.h>

static int parse_hex(const char *hex, hnet_hdr *h)
{
    uint8_t b[256];
    size_t n = strlen(hex);
    if (hex_decode(hex, n, b)) return 99;
    return hnet_parse(b, n / 2, h);
}

static int name_ok(const char *s, size_t n)
{
    const uint8_t *p = (const uint8_t *)s;
    hnet_name_trim(&p, &n);
    return hnet_name_ok(p, n);
}

int main(void)
{
    plan(49);
    hnet_hdr h;
    /* the first META of the capture (vectors/transport/README.md) */
    is_int(parse_hex("484e455401001e3bfff7000000090000000000000000"
                     "73616d706c652e706e67", &h), 0, "capture META parses");
    is_int(h.transfer_id, 507248631, "transfer_id");
    is_int(h.total_chunks, 9, "total_chunks");
    is_int(h.type, HNET_META, "type META");
    uint8_t b[HNET_HDR];
    hnet_hdr d = { 1, HNET_DATA, 0x1e3bfff7, 9, 3, 12, 13 };
    hnet_pack(b, &d);
    is_int(hnet_parse(b, sizeof b, &h), 0, "packed DATA parses back");
    ok(h.chunk_index == 3 && h.seg_index == 12 && h.seg_total == 13 && h.total_chunks == 9,
       "DATA fields round-trip");
    ok(memcmp(b, "HNET\x01\x01\x1e\x3b\xff\xf7\0\0\0\x09\0\0\0\x03\0\x0c\0\x0d", 22) == 0,
       "pack writes big-endian fields at the spec offsets");

    is_int(parse_hex("484e45540101010203040000000100000000000000", &h), HNET_DROP_SHORT,
           "21 bytes: short");
    is_int(parse_hex("484e4558010101020304000000010000000000000001", &h), HNET_DROP_MAGIC,
           "bad magic");
    is_int(parse_hex("484e4554020101020304000000010000000000000001", &h), HNET_DROP_VERSION,
           "version 2");
    is_int(parse_hex("484e4554010701020304000000010000000000000001", &h), HNET_DROP_TYPE,
           "pkt_type 7 is not DATA");
    is_int(parse_hex("484e4554010100000000000000010000000000000001", &h), HNET_DROP_FIELDS,
           "transfer_id 0");
    is_int(parse_hex("484e4554010101020304000000000000000000000001", &h), HNET_DROP_FIELDS,
           "total_chunks 0");
    is_int(parse_hex("484e45540101deadbeef000000090000000000000000", &h), HNET_DROP_FIELDS,
           "total_segments 0 (the foreign_transfer_id datagram)");
    is_int(parse_hex("484e4554010101020304000000010000000000050002", &h), HNET_DROP_RANGE,
           "segment_index >= total_segments");
    is_int(parse_hex("484e455401010102030400000001ffffffff00000001", &h), HNET_DROP_RANGE,
           "chunk_index >= total_chunks");
    is_int(parse_hex("484e4554010001020304000000010000000100000000", &h), HNET_DROP_FIELDS,
           "META with chunk_index");
    is_int(parse_hex("484e4554010001020304000000010000000000000001", &h), HNET_DROP_FIELDS,
           "META with total_segments");
    is_int(parse_hex("484e455401010102030400000001000000000000ffff", &h), 0,
           "65535 segments are legal on the wire");

    /* names */
    ok(name_ok("sample.png", 10), "plain name");
    ok(name_ok("  sample.png\n", 13), "surrounding whitespace is stripped");
    ok(name_ok("caf\xc3\xa9 \xe2\x82\xac.png", 12), "UTF-8 name");
    ok(!name_ok("../../etc/evil.png", 18), "path with ..");
    ok(!name_ok("a/b.png", 7), "slash");
    ok(!name_ok("a\\b.png", 7), "backslash");
    ok(!name_ok("..", 2), "..");
    ok(!name_ok(".", 1), ".");
    ok(!name_ok(".hidden", 7), "leading dot");
    ok(!name_ok("a\0b.png", 7), "NUL");
    ok(!name_ok("a\x1b[2Jb", 7), "escape sequence");
    ok(!name_ok("a\x7f", 2), "DEL");
    ok(!name_ok("a\xc2\x85z", 4), "C1 control");
    ok(!name_ok("  ", 2), "blank");
    ok(!name_ok("", 0), "empty");
    ok(!name_ok("\xff\xfe.png", 6), "invalid UTF-8");
    ok(!name_ok("\xc0\xaf.png", 6), "overlong UTF-8 ('/')");
    ok(!name_ok("\xed\xa0\x80.png", 7), "UTF-8 surrogate");
    char longn[300];
    memset(longn, 'x', sizeof longn);
    ok(name_ok(longn, 255), "255 bytes");
    ok(!name_ok(longn, 256), "256 bytes");

    /* recovery chunk indices: 1000000 + coded_id, outside [0, total), coded_id < 65536 */
    ok(hnet_is_recovery(1000000, 8) && hnet_is_recovery(1000000 + 65535, 8), "recovery range");
    ok(!hnet_is_recovery(999999, 8) && !hnet_is_recovery(1000000 + 65536, 8),
       "outside the recovery range");
    ok(!hnet_is_recovery(1000000, 1000001), "no recovery range when total reaches it");
    is_int(parse_hex("484e455401010102030400000008000f424000000001", &h), 0,
           "DATA at index 1000000 of an 8-chunk transfer parses");
    is_int(parse_hex("484e4554010101020304000000080010424000000001", &h), HNET_DROP_RANGE,
           "DATA at index 1000000 + 65536 is out of range");

    /* chunk file names: at least 4 digits, never truncated, parse back */
    char nm[32];
    uint32_t id;
    hnet_chunk_name(nm, 7);
    is_str(nm, "chunk_0007.holo", "4 digits");
    hnet_chunk_name(nm, 10000);
    is_str(nm, "chunk_10000.holo", "5 digits above 9999");
    ok(hnet_chunk_name_parse("chunk_10000.holo", &id) == 0 && id == 10000, "parse chunk_10000");
    ok(hnet_chunk_name_parse("chunk_4294967296.holo", &id) != 0, "reject > u32");
    ok(hnet_chunk_name_parse("chunk_12.holo.tmp", &id) != 0 && hnet_chunk_name_parse("chunk_.holo", &id) != 0,
       "reject temporaries and empty numbers");
    return done_testing();
}
