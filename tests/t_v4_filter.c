/* t_v4_filter.c — the HO4B frame filters (v4_filter.h): each inverts exactly on hostile inputs
 * (operands in the last bytes, frames of every length), the encoder picks the x86 filter for
 * an ELF and the line filter for a log, falls back when a frame holds a NUL, random access
 * reads the filtered frames back, and a filter flag that is wrong or unknown fails cleanly. */
#include "tap.h"
#include "internal.h"
#include "v4_binary.h"
#include "v4_container.h"
#include "v4_filter.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

static char root[256];
static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint8_t rnd8(void) { rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17; return (uint8_t)(rng >> 24); }

/* Bytes dense in what the x86 filter looks at: E8/E9, 0x00, 0xFF. */
static void fill_x86ish(uint8_t *d, size_t n)
{
    static const uint8_t pick[] = { 0xE8, 0xE9, 0x00, 0xFF, 0xE8, 0x01 };
    for (size_t i = 0; i < n; i++) d[i] = rnd8() < 160 ? pick[rnd8() % sizeof pick] : rnd8();
}

/* Log lines (dpkg.log's shape: time, action, package, version) and empty lines; no NUL. */
static void fill_lines(uint8_t *d, size_t n)
{
    static const char *what[] = { "status installed", "status unpacked", "status half-configured", "configure", "" };
    static const char *pkg[] = { "libc6", "libzstd1", "zlib1g", "coreutils", "libsystemd0", "perl-base" };
    size_t i = 0;
    unsigned sec = 0;
    while (i < n) {
        char line[128];
        sec += rnd8() % 3;
        int w = rnd8() % 5;
        int len = *what[w] ? snprintf(line, sizeof line, "2026-12-03 10:%02u:%02u %s %s:amd64 %u.%u-%u\n", sec / 60 % 60,
                                      sec % 60, what[w], pkg[rnd8() % 6], rnd8() % 4, rnd8() % 20, rnd8() % 3)
                           : snprintf(line, sizeof line, "\n");
        for (int c = 0; c < len && i < n; c++) d[i++] = (uint8_t)line[c];
    }
}

/* decode(encode(x)) == x for every length 0..max of bytes from fill. */
static int inverts(void (*fill)(uint8_t *, size_t), unsigned flags, size_t max)
{
    uint8_t *a = malloc(max + 1), *b = malloc(max + 1);
    int good = 1;
    for (size_t n = 0; n <= max && good; n++) {
        fill(a, n);
        memcpy(b, a, n);
        if (v4f_encode(flags, b, n)) { diag("encode refused %zu bytes", n); good = 0; break; }
        v4f_decode(flags, b, n);
        if (memcmp(a, b, n)) { diag("flags 0x%02x: %zu bytes do not come back", flags, n); good = 0; }
    }
    free(a);
    free(b);
    return good;
}

static void fill_random(uint8_t *d, size_t n) { for (size_t i = 0; i < n; i++) d[i] = rnd8(); }

/* ARM64 words, a third of them BL, the rest random. */
static void fill_arm64(uint8_t *d, size_t n)
{
    for (size_t i = 0; i < n; i++) d[i] = rnd8();
    for (size_t i = 0; i + 4 <= n; i += 4)
        if (rnd8() < 85) d[i + 3] = (uint8_t)(0x94 | (d[i + 3] & 3));
}

static void test_passes(void)
{
    ok(inverts(fill_x86ish, V4F_FLAG_X86, 600), "x86: every length 0..600 of E8/E9-dense bytes inverts");
    ok(inverts(fill_random, V4F_FLAG_X86, 300), "x86: random bytes invert");
    /* frames over 16 MiB convert wider displacements (k = 26, 27 bits) */
    int big_ok = 1, wide = 0;
    for (size_t n = (16u << 20) + 1; n <= (41u << 20); n += 24u << 20) {
        uint8_t *a = malloc(n), *b = malloc(n);
        fill_x86ish(a, n);
        memcpy(a, "\xE8\x00\x00\x00\x01", 5);   /* +16 MiB: beyond k = 25; at 0, always visited */
        memcpy(b, a, n);
        v4f_x86_encode(b, n);
        wide += memcmp(b + 1, "\x00\x00\x00\x01", 4) != 0;
        v4f_x86_decode(b, n);
        big_ok &= !memcmp(a, b, n);
        free(a);
        free(b);
    }
    ok(big_ok && wide == 2, "x86: frames of 16 MiB + 1 and 40 MiB invert, a call 16 MiB away converted");
    ok(inverts(fill_arm64, V4F_FLAG_ARM64, 300), "arm64: BL-dense words of every length invert");
    ok(inverts(fill_lines, V4F_FLAG_LINES, 600), "lines: text of every length 0..600 inverts");

    /* what the x86 filter writes: E8 +0 at 0 -> absolute 5; an E8 whose operand would run past
     * the end (in the last 4 bytes) is left alone */
    uint8_t c[9] = { 0xE8, 0, 0, 0, 0, 0x90, 0xE8, 0x10, 0x00 };
    v4f_x86_encode(c, sizeof c);
    static const uint8_t want[9] = { 0xE8, 5, 0, 0, 0, 0x90, 0xE8, 0x10, 0x00 };
    ok(!memcmp(c, want, sizeof c), "x86: call +0 at 0 becomes 5; E8 in the last 4 bytes kept");
    /* a call backwards past the frame's start: -16 at 0 -> 2^25 - 11, sign-extended */
    uint8_t m[5] = { 0xE8, 0xF0, 0xFF, 0xFF, 0xFF };
    v4f_x86_encode(m, 5);
    ok(m[1] == 0xF5 && m[2] == 0xFF && m[3] == 0xFF && m[4] == 0xFF, "x86: -16 at 0 becomes -11 (top byte kept 0xFF)");
    v4f_x86_decode(m, 5);
    ok(m[1] == 0xF0, "x86: and back");

    uint8_t t[] = "abc x\nabc y\n\nabc";
    uint8_t e[sizeof t];
    memcpy(e, t, sizeof t);
    ok(v4f_lines_encode(e, sizeof t - 1) == 0 && !memcmp(e, "abc x\n\0\0\0\0y\n\nabc", sizeof t - 1),
       "lines: the start shared with the line before becomes NULs (not across an empty line)");
    uint8_t z[] = "abc\nab\0c\n";
    ok(v4f_lines_encode(z, sizeof z - 1) == -1 && !memcmp(z, "abc\nab\0c\n", sizeof z - 1),
       "lines: a frame with a NUL is refused, unchanged");
    /* decode of hostile bytes (NULs everywhere) stays inside the frame: ASan checks it */
    uint8_t h[256];
    for (size_t i = 0; i < sizeof h; i++) h[i] = rnd8() < 128 ? 0 : rnd8() < 64 ? '\n' : rnd8();
    v4f_lines_decode(h, sizeof h);
    v4f_x86_decode(h, sizeof h);
    v4f_arm64_decode(h, sizeof h);
    ok(1, "decoding hostile frames returns (no overrun under ASan)");

    uint8_t elf[64] = { 0x7F, 'E', 'L', 'F', 2, 1 };
    elf[18] = 62;
    ok(v4f_sniff(elf, sizeof elf) == V4F_FLAG_X86, "sniff: ELF x86-64");
    elf[18] = 183;
    ok(v4f_sniff(elf, sizeof elf) == V4F_FLAG_ARM64, "sniff: ELF AArch64");
    elf[5] = 2;
    ok(v4f_sniff(elf, sizeof elf) == 0, "sniff: a big-endian ELF takes no filter");
    uint8_t pe[128] = { 'M', 'Z' };
    pe[0x3C] = 64;
    memcpy(pe + 64, "PE\0\0\x64\x86", 6);
    ok(v4f_sniff(pe, sizeof pe) == V4F_FLAG_X86, "sniff: PE x86-64");
    pe[0x3C] = 126;
    ok(v4f_sniff(pe, sizeof pe) == 0, "sniff: a PE offset past the bytes given is no PE");
    ok(V4F_VALID(0x02) && V4F_VALID(0x09) && !V4F_VALID(0x06) && !V4F_VALID(0x0A), "one filter flag at most");
}

/* Encode path with frame size F (0: the default); the chunk set's header flags via *flags. */
static int encode_file(const char *in, const char *dir, uint32_t F, int level, unsigned *flags)
{
    holo_encode_opts o;
    holo_encode_opts_init(&o);
    o.codec_version = 4;
    o.mode = HOLO_KIND_BINARY;
    o.frame_size = F;
    o.level = level;
    o.threads = 2;
    holo_err e;
    holo_rmtree(dir);
    if (holo_encode_file(in, dir, &o, &e)) { diag("%s", e.msg); return -1; }
    char p[600];
    tap_pathf(p, sizeof p, "%s/chunk_0000.holo", dir);
    size_t n;
    uint8_t *c = tap_slurp(p, &n);
    *flags = c && n > 5 ? c[5] : 0xFF;
    if (*flags & ~V4F_FLAGS) diag("%s: flags 0x%02x", dir, *flags);
    free(c);
    return 0;
}

/* Every byte back through the stream (whole, then 200 random ranges) and holo_decode_dir. */
static int reads_back(const char *dir, const uint8_t *d, size_t n)
{
    holo_err e;
    holo_stream *s = holo_stream_open(dir, NULL, &e);
    if (!s) { diag("%s", e.msg); return 0; }
    uint8_t *got = malloc(n + 1);
    int good = holo_stream_read(s, 0, got, n, &e) == (int64_t)n && !memcmp(got, d, n);
    for (int i = 0; i < 200 && good && n; i++) {
        size_t off = ((size_t)rnd8() << 16 | (size_t)rnd8() << 8 | rnd8()) % n, len = 1 + rnd8() * 37u;
        if (len > n - off) len = n - off;
        good = holo_stream_read(s, off, got, len, &e) == (int64_t)len && !memcmp(got, d + off, len);
        if (!good) diag("range %zu+%zu differs", off, len);
    }
    holo_stream_close(s);
    free(got);
    holo_decoded dd;
    if (holo_decode_dir(dir, NULL, &dd, &e)) { diag("%s", e.msg); return 0; }
    good = good && dd.info.length == n && !memcmp(dd.bytes, d, n);
    holo_decoded_free(&dd);
    return good;
}

/* Rewrite the header flags of every chunk of dir, with a valid header CRC. */
static void set_flags(const char *dir, uint8_t flags)
{
    for (int i = 0;; i++) {
        char p[600];
        tap_pathf(p, sizeof p, "%s/chunk_%04d.holo", dir, i);
        size_t n;
        uint8_t *c = tap_slurp(p, &n);
        if (!c) return;
        v4c_hdr h;
        if (v4c_hdr_parse(c, n, n, p, &h, NULL) == 0) {
            c[5] = flags;
            memset(c + 108, 0, 4);
            uLong crc = crc32(0L, c, V4C_HDR_LEN);
            for (unsigned t = 0; t < h.ntiers; t++)
                if (h.m[t] == 1) crc = crc32(crc, c + v4c_row_off(&h, t), (uInt)v4c_row_len(&h, t));
            holo_wr32(c + 108, (uint32_t)crc);
            tap_spew(p, c, n);
        }
        free(c);
    }
}

static void test_files(void)
{
    char in[512], dir[512];
    unsigned flags;
    /* an ELF: this test program itself, cut to lengths around 4 KiB frames */
    size_t en;
    uint8_t *elf = tap_slurp("/proc/self/exe", &en);
    ok(elf && en > 3 * 4096, "read /proc/self/exe (%zu bytes)", en);
    if (!elf) return;
    /* a cut ELF: its first 4 KiB (headers), then 16 KiB of its code */
    uint64_t coff = 0, clen = 0;
    int found = v4f_elf_code(elf, en, &coff, &clen);
    ok(found && coff + clen <= en && clen >= 5 * 4096,
       "this program's code: %llu bytes at %llu", (unsigned long long)clen, (unsigned long long)coff);
    uint8_t *cut = malloc(5 * 4096);
    memcpy(cut, elf, 4096);
    memcpy(cut + 4096, elf + coff, 4 * 4096);
    tap_pathf(in, sizeof in, "%s/elf", root);
    tap_pathf(dir, sizeof dir, "%s/elf.holo", root);
    static const size_t tails[] = { 0, 1, 2, 3, 4, 5, 6, 4095 };
    int good = 1, all_x86 = 1;
    for (size_t i = 0; i < sizeof tails / sizeof *tails; i++) {
        size_t n = 3 * 4096 + tails[i];
        tap_spew(in, cut, n);
        good &= encode_file(in, dir, 4096, 0, &flags) == 0 && reads_back(dir, cut, n);
        all_x86 &= flags == V4F_FLAG_X86;
    }
    ok(good && all_x86, "an ELF of 3 frames + 0..6 and 4095 bytes: x86 filter, every byte reads back");
    /* E8 in a frame's last 4 bytes, at every position */
    uint8_t *b = malloc(4 * 4096);
    memcpy(b, cut, 4 * 4096);
    good = 1;
    for (int k = 1; k <= 5; k++) {
        memcpy(b + 4096 - k, "\xE8\x00\x00\x00\x00", 5);
        tap_spew(in, b, 4 * 4096);
        good &= encode_file(in, dir, 4096, 0, &flags) == 0 && flags == V4F_FLAG_X86 && reads_back(dir, b, 4 * 4096);
    }
    ok(good, "E8 00 00 00 00 across a frame end at each of 5 places reads back");
    tap_spew(in, elf, en);
    ok(encode_file(in, dir, 0, HOLO_LEVEL_MAX, &flags) == 0 && flags == V4F_FLAG_X86 && reads_back(dir, elf, en),
       "the whole ELF, --level max: x86 filter, reads back");
    ok(encode_file(in, dir, 0, 0, &flags) == 0 && flags == V4F_FLAG_X86 && reads_back(dir, elf, en),
       "the whole ELF, one default frame");

    /* a wrong or unknown filter flag */
    holo_decoded dd;
    holo_err e;
    set_flags(dir, 0);
    ok(holo_decode_dir(dir, NULL, &dd, &e) == HOLO_EINVAL && strstr(e.msg, "SHA-256"),
       "x86 flag cleared: the hash catches it: %s", e.msg);
    set_flags(dir, V4F_FLAG_X86 | V4F_FLAG_LINES);
    ok(holo_decode_dir(dir, NULL, &dd, &e) == HOLO_EUNSUPPORTED && strstr(e.msg, "flags"),
       "two filter flags are refused: %s", e.msg);
    set_flags(dir, 0x10);
    ok(holo_decode_dir(dir, NULL, &dd, &e) == HOLO_EUNSUPPORTED && strstr(e.msg, "flags"),
       "an unknown flag is refused: %s", e.msg);
    holo_stream *s = holo_stream_open(dir, NULL, &e);
    ok(!s && strstr(e.msg, "flags"), "holo_stream_open refuses it too");
    holo_stream_close(s);

    /* a log: the line filter; with a NUL past the trial sample, the file re-encodes plain */
    size_t ln = 3u << 20;
    uint8_t *t = malloc(ln);
    fill_lines(t, ln);
    tap_pathf(in, sizeof in, "%s/log", root);
    tap_pathf(dir, sizeof dir, "%s/log.holo", root);
    tap_spew(in, t, ln);
    int rc = encode_file(in, dir, 0, 0, &flags);
    ok(rc == 0 && flags == V4F_FLAG_LINES && reads_back(dir, t, ln), "a 3 MiB log: line filter (0x%02x), reads back", flags);
    ok(encode_file(in, dir, 4096, 0, &flags) == 0 && flags == V4F_FLAG_LINES && reads_back(dir, t, ln),
       "... in 4 KiB frames (lines cut at frame ends)");
    size_t at = ln - 2;   /* the start of the last line after a non-empty one */
    while (!(t[at - 1] == '\n' && t[at - 2] != '\n' && t[at] != '\n')) at--;
    t[at] = 0;            /* a NUL where the line filter would write one */
    tap_spew(in, t, ln);
    ok(encode_file(in, dir, 0, 0, &flags) == 0 && flags == 0 && reads_back(dir, t, ln),
       "a NUL in the last frame, past the sample: encoded without the filter, reads back");
    set_flags(dir, V4F_FLAG_LINES);
    ok(holo_decode_dir(dir, NULL, &dd, &e) == HOLO_EINVAL && strstr(e.msg, "SHA-256"),
       "line flag set on a plain set: the hash catches it: %s", e.msg);
    free(t);
    free(b);
    free(elf);
    free(cut);
}

int main(void)
{
    plan(0);
    tap_pathf(root, sizeof root, "%s/t_v4_filter.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(root)) { ok(0, "mkdtemp"); return done_testing(); }
    test_passes();
    test_files();
    holo_rmtree(root);
    return done_testing();
}
