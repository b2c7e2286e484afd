/* t_v4_filter.c — the HO4B frame filters (v4_filter.h): each inverts exactly on hostile inputs
 * (operands in the last bytes, frames of every length), the encoder picks the x86 filter for
 * an ELF, the column filter for a log and the line filter for a list of paths, falls back when
 * a frame holds a NUL, random access reads the filtered frames back, a filter flag that is
 * wrong or unknown fails cleanly, and the column filter rebuilds real and hostile text exactly
 * and refuses filtered bytes that do not rebuild the frame. */
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

/* Paths, one a line (no spaces: the column filter has nothing to cut, the line one does). */
static void fill_paths(uint8_t *d, size_t n)
{
    static const char *dir[] = { "/usr/share/doc/", "/usr/share/man/man1/", "/usr/lib/x86_64-linux-gnu/" };
    size_t i = 0;
    unsigned which = 0, pkg = 0;
    while (i < n) {   /* find's order: a directory's files together, names sorted */
        char line[96];
        if (rnd8() < 16) which = rnd8() % 3u;
        pkg += rnd8() % 3u;
        int len = snprintf(line, sizeof line, "%slib%05u-%c/changelog.Debian.gz\n", dir[which], pkg, 'a' + rnd8() % 26);
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
    ok(V4F_VALID(0x02) && V4F_VALID(0x09) && V4F_VALID(0x11) && !V4F_VALID(0x06) && !V4F_VALID(0x0A) &&
       !V4F_VALID(0x18), "one filter flag at most");
}

/* Columns: encode then decode n bytes; 1 when exactly back. *filtered: the bytes written. */
static int columns_back(const uint8_t *d, size_t n, size_t *filtered)
{
    uint8_t *f = malloc(V4F_COLUMNS_BOUND(n)), *r = malloc(n + 1);
    size_t m = v4f_columns_encode(d, n, f, V4F_COLUMNS_SEP, V4F_COLUMNS_MAXF);
    int good = m <= V4F_COLUMNS_BOUND(n) && v4f_columns_decode(f, m, r, n) == 0 && !memcmp(r, d, n);
    if (filtered) *filtered = m;
    free(f);
    free(r);
    return good;
}

static int columns_str(const char *str, size_t *filtered) { return columns_back((const uint8_t *)str, strlen(str), filtered); }

static void test_columns(void)
{
    size_t m;
    /* what the filter writes: sep, counts, column 0, column 1 ... */
    uint8_t f[128];
    static const char in[] = "a b c\nd\n\ne  f";
    m = v4f_columns_encode((const uint8_t *)in, sizeof in - 1, f, ' ', 12);
    static const char want[] = " \x03\x01\x01\x03" "a\nd\n\ne\n" "b\n\n" "c\nf\n";
    ok(m == sizeof in - 1 + 4 + 2 && !memcmp(f, want, m), "columns: 'a b c|d||e  f' laid out as documented (%zu bytes)", m);
    ok(m == sizeof want - 1, "columns: raw + lines + 2 bytes");
    m = v4f_columns_encode((const uint8_t *)in, sizeof in - 1, f, ' ', 2);
    ok(m == sizeof in - 1 + 6 && f[1] == 2 && !memcmp(f + 5, "a\nd\n\ne\n" "b c\n f\n", m - 5),
       "columns: at most maxf fields, the last keeps the rest of the line");

    /* hostile shapes, every one back exactly */
    ok(columns_str("", &m) && m == 3, "columns: an empty frame (3 bytes)");
    ok(columns_str("no-spaces-at-all\nnone-here-either\n", NULL), "columns: lines without spaces");
    ok(columns_str("no trailing newline", NULL) && columns_str("two\nlines no newline", NULL), "columns: no trailing newline");
    char nls[4097];
    memset(nls, '\n', 4096);
    nls[4096] = 0;
    ok(columns_str(nls, &m) && m == 1 + 4096, "columns: 4096 newlines: over the bound, kept as they are after a 0 byte");
    ok(columns_str("a  b   c    d\n \n  \n   x \n", NULL), "columns: runs of spaces, spaces alone, empty fields");
    ok(columns_str("GET / HTTP/1.1\r\nHost: x y\r\n\r\nbody\r\n", NULL), "columns: CR LF lines");
    ok(columns_str("1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17\n1 2\n", NULL), "columns: more fields than maxf");
    uint8_t nul[] = { 'a', ' ', 0, ' ', 'b', '\n', 0, 0, ' ', 0, '\n' };
    ok(columns_back(nul, sizeof nul, NULL), "columns: NUL bytes inside fields");
    size_t hn = 3u << 20;   /* one huge line, space-dense, then one without spaces */
    uint8_t *h = malloc(hn);
    for (size_t i = 0; i < hn; i++) h[i] = i % 7 == 3 ? ' ' : (uint8_t)('a' + i % 26);
    h[hn / 2] = '\n';
    ok(columns_back(h, hn, &m) && m == hn + 2 + 2, "columns: a 1.5 MiB line of fields then one without spaces");
    int good = 1;
    for (size_t i = 0; i < hn; i++) h[i] = rnd8();   /* binary: a newline every 256 bytes */
    size_t nl = 0;
    for (size_t i = 0; i < hn; i++) nl += h[i] == '\n';
    good &= columns_back(h, hn, &m) && m == hn + nl + 1 + 2;
    for (size_t i = 0; i < 4096; i++) h[i] = rnd8() < 80 ? '\n' : rnd8() < 80 ? ' ' : rnd8();
    for (size_t n = 0; n <= 600 && good; n++) good &= columns_back(h, n, NULL);
    ok(good, "columns: random bytes (few newlines) and every length 0..600 of newline/space-dense bytes");
    for (size_t n = 0; n <= 600 && good; n++) {
        fill_lines(h, n);
        good &= columns_back(h, n, NULL);
    }
    ok(good, "columns: a log of every length 0..600");

    /* real text: logs and /etc files */
    static const char *real[] = { "/var/log/dpkg.log", "/var/log/alternatives.log", "/var/lib/dpkg/status",
                                  "/etc/services", "/etc/passwd", "/etc/protocols", "/etc/login.defs" };
    int tried = 0;
    good = 1;
    for (size_t i = 0; i < sizeof real / sizeof *real; i++) {
        size_t n;
        uint8_t *d = tap_slurp(real[i], &n);
        if (!d) continue;
        tried++;
        if (!columns_back(d, n, NULL)) { diag("%s does not come back", real[i]); good = 0; }
        free(d);
    }
    ok(good && tried >= 4, "columns: %d real text files (/var/log, /var/lib/dpkg, /etc) come back exactly", tried);

    /* filtered bytes that do not rebuild the frame: refused, never past either buffer (ASan) */
    static const char log[] = "2026-12-03 10:13:01 status installed libc6:amd64 2.41-12\n"
                              "2026-12-03 10:13:02 configure zlib1g:amd64 1:1.3\n";
    size_t n = sizeof log - 1;
    uint8_t *e = malloc(V4F_COLUMNS_BOUND(n)), *r = malloc(n), *x = malloc(V4F_COLUMNS_BOUND(n) + 1);
    m = v4f_columns_encode((const uint8_t *)log, n, e, ' ', V4F_COLUMNS_MAXF);
    ok(e[0] == ' ' && v4f_columns_decode(e, m, r, n) == 0 && !memcmp(r, log, n), "columns: a two-line log inverts");
    uint8_t *r1 = malloc(n + 1);
    ok(v4f_columns_decode(e, m - 1, r, n) && v4f_columns_decode(e, m, r, n - 1) && v4f_columns_decode(e, m, r1, n + 1),
       "columns: a filtered frame one byte short, or a raw length one off, is refused");
    free(r1);
    int caught = 0, wrong = 0;
    for (size_t i = 0; i < m; i++)
        for (int bit = 0; bit < 8; bit++) {
            memcpy(x, e, m);
            x[i] ^= (uint8_t)(1u << bit);
            if (v4f_columns_decode(x, m, r, n)) caught++;
            else wrong += !memcmp(r, log, n);   /* a flip that decodes must give other bytes */
        }
    ok(caught > 0 && wrong == 0, "columns: of %zu single-bit flips, %d refused, the rest decode to other bytes (SHA-256 catches those)",
       m * 8, caught);
    for (int i = 0; i < 2000; i++) {   /* random filtered bytes of random lengths */
        size_t xm = 1 + rnd8() % 64, xn = rnd8() % 64;
        for (size_t k = 0; k < xm; k++) x[k] = rnd8() < 40 ? '\n' : rnd8() < 30 ? (uint8_t)(1 + rnd8() % 3) : rnd8();
        uint8_t *rr = malloc(xn + 1);
        v4f_columns_decode(x, xm, rr, xn);
        free(rr);
    }
    ok(1, "columns: 2000 random filtered frames decoded without overrun (ASan)");
    free(e);
    free(r);
    free(x);
    free(h);
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
    set_flags(dir, 0x20);
    ok(holo_decode_dir(dir, NULL, &dd, &e) == HOLO_EUNSUPPORTED && strstr(e.msg, "flags"),
       "an unknown flag is refused: %s", e.msg);
    holo_stream *s = holo_stream_open(dir, NULL, &e);
    ok(!s && strstr(e.msg, "flags"), "holo_stream_open refuses it too");
    holo_stream_close(s);

    /* a log: the column filter, whole frames and frames cut mid-line */
    size_t ln = 3u << 20;
    uint8_t *t = malloc(ln);
    fill_lines(t, ln);
    tap_pathf(in, sizeof in, "%s/log", root);
    tap_pathf(dir, sizeof dir, "%s/log.holo", root);
    tap_spew(in, t, ln);
    int rc = encode_file(in, dir, 0, 0, &flags);
    ok(rc == 0 && flags == V4F_FLAG_COLUMNS && reads_back(dir, t, ln), "a 3 MiB log: column filter (0x%02x), reads back", flags);
    ok(encode_file(in, dir, 4096, 0, &flags) == 0 && flags == V4F_FLAG_COLUMNS && reads_back(dir, t, ln),
       "... in 4 KiB frames (lines cut at frame ends)");
    /* a flipped byte in a column-filtered frame: caught (the frame's CRC), never served */
    {
        char p[600];
        tap_pathf(p, sizeof p, "%s/chunk_0000.holo", dir);
        size_t cn;
        uint8_t *c = tap_slurp(p, &cn);
        v4c_hdr h;
        int parsed = c && v4c_hdr_parse(c, cn, cn, p, &h, NULL) == 0;
        if (parsed) {
            c[v4c_row_off(&h, 1) + 1000] ^= 0x20;
            tap_spew(p, c, cn);
        }
        free(c);
        holo_decoded fd;
        holo_err fe;
        ok(parsed && holo_decode_dir(dir, NULL, &fd, &fe) != 0 && strstr(fe.msg, "CRC"),
           "a flipped byte in a column-filtered frame is reported: %s", fe.msg);
    }
    /* a small log (one frame, the small-file default: zstd's two jobs, the 256 KiB trial) */
    tap_spew(in, t, 700000);
    ok(encode_file(in, dir, 0, 0, &flags) == 0 && flags == V4F_FLAG_COLUMNS && reads_back(dir, t, 700000),
       "a 700 KB log (small-file default): column filter, reads back");
    /* paths: the line filter; with a NUL past the trial sample, the file re-encodes plain */
    fill_paths(t, ln);
    tap_spew(in, t, ln);
    rc = encode_file(in, dir, 0, 0, &flags);
    ok(rc == 0 && flags == V4F_FLAG_LINES && reads_back(dir, t, ln), "3 MiB of paths: line filter (0x%02x), reads back", flags);
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
    test_columns();
    test_files();
    holo_rmtree(root);
    return done_testing();
}
