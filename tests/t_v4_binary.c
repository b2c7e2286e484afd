/* t_v4_binary.c — binary v4 (HO4B) on the shared v4 container: exact round trips, any k of n
 * chunks rebuild, holes are exact and reported, corruption is caught, hostile headers fail
 * cleanly. Frames of 4 KiB keep the sets small while crossing many frame and row boundaries. */
#include "tap.h"
#include "internal.h"
#include "v4_binary.h"
#include "v4_container.h"
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define F 4096u
static char root[256];
static int warnings;

static void count_warn(void *ctx, const char *msg) { (void)ctx; diag("warning: %s", msg); warnings++; }

static uint64_t rng = 0x2545F4914F6CDD1Dull;
static uint8_t rnd8(void) { rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17; return (uint8_t)(rng >> 24); }

/* Text-like bytes that compress (so frames are zstd, not stored) with some noise. */
static uint8_t *make_data(size_t n, int random)
{
    uint8_t *d = malloc(n ? n : 1);
    static const char words[] = "holo chunk frame parity stream index zstd row column ";
    for (size_t i = 0; i < n; i++)
        d[i] = random ? rnd8() : (rnd8() < 8 ? rnd8() : (uint8_t)words[(i * 7 + i / 13) % (sizeof words - 1)]);
    return d;
}

/* Encode data into root/NAME.holo with k data chunks (0 = automatic) and parity ratio. */
static int encode(const char *name, const uint8_t *d, size_t n, uint32_t k, double recovery,
                  char *dir, size_t dsz, holo_err *e)
{
    char in[512];
    tap_pathf(in, sizeof in, "%s/%s", root, name);
    tap_pathf(dir, dsz, "%s/%s.holo", root, name);
    tap_spew(in, d, n);
    holo_encode_opts o;
    holo_encode_opts_init(&o);
    o.codec_version = 4;
    o.mode = HOLO_KIND_BINARY;
    o.frame_size = F;
    o.block_count = k;
    o.recovery = recovery;
    o.threads = 2;
    return holo_encode_file(in, dir, &o, e);
}

static holo_stream *open_stream(const char *dir, holo_err *e)
{
    holo_decode_opts o;
    holo_decode_opts_init(&o);
    o.warn = count_warn;
    return holo_stream_open(dir, &o, e);
}

/* Every byte through the stream API, compared; then the whole-file decode. */
static int roundtrip_ok(const char *dir, const uint8_t *d, size_t n)
{
    holo_err e;
    holo_stream *s = open_stream(dir, &e);
    if (!s) { diag("%s", e.msg); return 0; }
    uint8_t *got = malloc(n + 1);
    int64_t r = holo_stream_read(s, 0, got, n + 1, &e);
    int good = r == (int64_t)n && (!n || !memcmp(got, d, n)) && holo_stream_size(s) == n;
    holo_stream_info si;
    holo_stream_stat(s, &si);
    good = good && si.verified == 1;   /* a full sequential read checks the SHA-256 */
    holo_stream_close(s);
    free(got);
    holo_decoded dd;
    holo_decode_opts o;
    holo_decode_opts_init(&o);
    if (holo_decode_dir(dir, &o, &dd, &e)) { diag("%s", e.msg); return 0; }
    good = good && dd.info.length == n && (!n || !memcmp(dd.bytes, d, n)) && dd.info.kind == HOLO_KIND_BINARY &&
           dd.info.version == 4;
    holo_decoded_free(&dd);
    return good;
}

static void chunk_path(char *out, size_t sz, const char *dir, unsigned i)
{
    tap_pathf(out, sz, "%s/chunk_%04u.holo", dir, i);
}

/* Keep only the chunks whose bit is set in mask: the others go to dir.aside/ and back. */
static void hide(const char *dir, unsigned n, unsigned mask)
{
    char aside[512], a[600], b[600];
    tap_pathf(aside, sizeof aside, "%s.aside", dir);
    mkdir(aside, 0755);
    for (unsigned i = 0; i < n; i++) {
        chunk_path(a, sizeof a, dir, i);
        tap_pathf(b, sizeof b, "%s/chunk_%04u.holo", aside, i);
        if (!(mask >> i & 1)) rename(a, b);
    }
}

static void unhide(const char *dir, unsigned n)
{
    char aside[512], a[600], b[600];
    tap_pathf(aside, sizeof aside, "%s.aside", dir);
    for (unsigned i = 0; i < n; i++) {
        chunk_path(a, sizeof a, dir, i);
        tap_pathf(b, sizeof b, "%s/chunk_%04u.holo", aside, i);
        rename(b, a);
    }
}

static void test_roundtrips(void)
{
    static const size_t sizes[] = { 0, 1, F - 1, F, F + 1, 2 * F - 1, 2 * F, 2 * F + 1, 37 * F + 123 };
    char dir[512], name[64];
    holo_err e;
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
        for (int random = 0; random < 2; random++) {
            uint8_t *d = make_data(sizes[i], random);
            snprintf(name, sizeof name, "rt%zu_%d", sizes[i], random);
            int rc = encode(name, d, sizes[i], 0, 0, dir, sizeof dir, &e);
            if (rc) diag("%s", e.msg);
            ok(rc == 0 && roundtrip_ok(dir, d, sizes[i]), "round trip of %zu %s bytes", sizes[i],
               random ? "random" : "text-like");
            free(d);
        }
    }
    /* Real files from this machine: text and a shared library. */
    static const char *const real[] = { "/etc/services", "/usr/share/perl5/Debconf/Config.pm",
                                        "/usr/lib/x86_64-linux-gnu/libz.so.1" };
    for (size_t i = 0; i < sizeof real / sizeof *real; i++) {
        size_t n;
        uint8_t *d = tap_slurp(real[i], &n);
        if (!d) { skip(1, "real file missing"); continue; }
        snprintf(name, sizeof name, "real%zu", i);
        int rc = encode(name, d, n, 0, 0, dir, sizeof dir, &e);
        ok(rc == 0 && roundtrip_ok(dir, d, n), "round trip of %s (%zu bytes)", real[i], n);
        free(d);
    }
}

/* Incompressible input: stored bytes <= size + 1% + 4 KiB, and the chunk count scales. */
static void test_overhead(void)
{
    char dir[512];
    holo_err e;
    size_t n = 3u << 20;
    uint8_t *d = make_data(n, 1);
    holo_encode_opts o;
    holo_encode_opts_init(&o);
    char in[512];
    tap_pathf(in, sizeof in, "%s/rand3m", root);
    tap_pathf(dir, sizeof dir, "%s/rand3m.holo", root);
    tap_spew(in, d, n);
    o.codec_version = 4;
    o.mode = HOLO_KIND_BINARY;
    ok(holo_encode_file(in, dir, &o, &e) == 0, "3 MiB of random bytes encode at the default frame size");
    holo_info info;
    ok(holo_info_dir(dir, &info, &e) == 0 && info.kind == HOLO_KIND_BINARY && info.version == 4 &&
       info.length == n, "holo_info_dir reads the size from the headers");
    ok(info.chunk_bytes <= n + n / 100 + 4096, "stored %llu bytes for %zu random bytes (<= +1%% +4 KiB)",
       (unsigned long long)info.chunk_bytes, n);
    ok(info.block_count == 32, "k scales to 32 chunks for 3 MiB (got %u)", info.block_count);
    ok(roundtrip_ok(dir, d, n), "random 3 MiB round trip");
    free(d);

    uint8_t small[5400];
    for (size_t i = 0; i < sizeof small; i++) small[i] = (uint8_t)("a small text file\n"[i % 18]);
    tap_pathf(in, sizeof in, "%s/small", root);
    tap_pathf(dir, sizeof dir, "%s/small.holo", root);
    tap_spew(in, small, sizeof small);
    ok(holo_encode_file(in, dir, &o, &e) == 0 && holo_info_dir(dir, &info, &e) == 0 && info.block_count == 1,
       "a 5.4 KB text file becomes one chunk (got %u)", info.block_count);

    /* The generic header parser (holofs, holonet) knows HO4B. */
    char p[600];
    tap_pathf(p, sizeof p, "%s/chunk_0000.holo", dir);
    size_t len;
    uint8_t *c = tap_slurp(p, &len);
    holo_chunk_hdr h;
    ok(c && holo_chunk_parse(c, len, "c", &h, &e) == 0 && h.kind == HOLO_KIND_BINARY && h.version == 4 &&
       h.length == sizeof small && h.block_count == 1 && h.block_id == 0 && h.content_id != 0,
       "holo_chunk_parse: HO4B is binary v4 with the file's length");
    ok(c && holo_chunk_parse(c, 100, "c", &h, &e) == HOLO_EINVAL && strstr(e.msg, "truncated"),
       "holo_chunk_parse of a cut HO4B header: %s", e.msg);
    free(c);
}

static unsigned popcount(unsigned x) { unsigned c = 0; for (; x; x &= x - 1) c++; return c; }

/* n = 6, k = 4: every 4- and 5-subset rebuilds exactly; every 3-subset serves exactly the
 * frames held by its data rows and reports the rest as holes. */
static void test_any_k(void)
{
    char dir[512];
    holo_err e;
    size_t n = 23 * F + 77;
    uint8_t *d = make_data(n, 0);
    ok(encode("anyk", d, n, 4, 0.5, dir, sizeof dir, &e) == 0, "encode k = 4 with recovery 0.5");
    holo_info info;
    ok(holo_info_dir(dir, &info, &e) == 0 && info.block_count == 6, "n = 6 chunks (got %u)", info.block_count);
    int all_k = 1, all_k1 = 1, holes_ok = 1, reads_ok = 1, tested = 0;
    v4c_reader *r;
    v4b_index x;
    if (v4c_open(dir, NULL, 1, &r, &e) || v4b_index_parse(v4c_m1(r, 0), v4c_header(r)->S[0], v4c_header(r)->flags, n, v4c_header(r)->S[1], dir, &x, &e)) {
        ok(0, "index readable: %s", e.msg);
        return;
    }
    uint64_t R = v4c_row_len(v4c_header(r), 1);
    for (unsigned mask = 0; mask < 64; mask++) {
        unsigned c = popcount(mask);
        if (c < 3 || c == 6) continue;
        hide(dir, 6, mask);
        if (c >= 4) {
            int good = roundtrip_ok(dir, d, n);
            if (c == 4) all_k &= good; else all_k1 &= good;
        } else {
            tested++;
            holo_stream *s = open_stream(dir, &e);
            holo_range got[32], want[32];
            size_t nw = 0;
            for (uint64_t f = 0; s && f < x.nframes; f++) {
                int readable = 1;
                for (uint64_t j = x.off[f] / R; j <= (x.off[f + 1] - 1) / R; j++) readable &= mask >> j & 1;
                uint64_t a = f * F, len = v4b_raw_len(&x, n, f);
                uint8_t buf[F];
                int64_t rr = holo_stream_read(s, a, buf, len, &e);
                if (readable) reads_ok &= rr == (int64_t)len && !memcmp(buf, d + a, len);
                else reads_ok &= rr == HOLO_EHOLE;
                if (readable) continue;
                if (nw && want[nw - 1].off + want[nw - 1].len == a) want[nw - 1].len += len;
                else want[nw++] = (holo_range){ a, len };
            }
            size_t ng = s ? holo_stream_holes(s, got, 32) : 0;
            holes_ok &= s && ng == nw && !memcmp(got, want, nw * sizeof *want);
            holo_stream_info si;
            if (s) holo_stream_stat(s, &si);
            holes_ok &= s && si.chunks_present == 3 && si.k == 4 && si.n == 6;
            holo_stream_close(s);
        }
        unhide(dir, 6);
    }
    ok(all_k, "every 4 of the 6 chunks rebuild the file exactly (15 subsets)");
    ok(all_k1, "every 5 of the 6 chunks rebuild the file exactly");
    ok(reads_ok, "with 3 of 6 chunks: frames in present data rows read exactly, others give HOLO_EHOLE (%d subsets)", tested);
    ok(holes_ok, "with 3 of 6 chunks: holo_stream_holes lists exactly the missing ranges");

    /* A hole inside a larger read: the error names the range; decode_dir refuses. */
    hide(dir, 6, 0x3E);   /* chunk 0 gone, 5 left: fine */
    ok(roundtrip_ok(dir, d, n), "data chunk 0 missing: rebuilt from parity");
    unhide(dir, 6);
    hide(dir, 6, 0x0E);   /* 1, 2, 3: row 0 missing */
    holo_stream *s = open_stream(dir, &e);
    uint8_t *buf = malloc(n);
    int64_t rr = s ? holo_stream_read(s, 0, buf, n, &e) : 0;
    ok(rr == HOLO_EHOLE && strstr(e.msg, "bytes 0-") && strstr(e.msg, dir), "read over a hole: HOLO_EHOLE naming the dir and range (%s)", e.msg);
    holo_decoded dd;
    ok(holo_decode_dir(dir, NULL, &dd, &e) == HOLO_EHOLE && !dd.bytes, "holo_decode_dir with a hole fails with HOLO_EHOLE");
    ok(s && holo_stream_verify(s, &e) == HOLO_EHOLE, "holo_stream_verify with a hole fails with HOLO_EHOLE");
    holo_stream_close(s);
    unhide(dir, 6);
    free(buf);
    free(x.off);
    v4c_close(r);
    free(d);
}

static void flip(const char *path, uint64_t off)
{
    FILE *f = fopen(path, "r+b");
    fseek(f, (long)off, SEEK_SET);
    int c = fgetc(f);
    fseek(f, (long)off, SEEK_SET);
    fputc(c ^ 0x40, f);
    fclose(f);
}

static int read_all(const char *dir, const uint8_t *d, size_t n, int *rc_out)
{
    holo_err e;
    holo_stream *s = open_stream(dir, &e);
    if (!s) { *rc_out = e.code; return 0; }
    uint8_t *buf = malloc(n);
    int64_t r = holo_stream_read(s, 0, buf, n, &e);
    *rc_out = r < 0 ? (int)r : 0;
    int same = r == (int64_t)n && !memcmp(buf, d, n);
    free(buf);
    holo_stream_close(s);
    return same;
}

static void test_corruption(void)
{
    char dir[512], p[600];
    holo_err e;
    size_t n = 19 * F + 5;
    uint8_t *d = make_data(n, 0);
    int rc;
    ok(encode("corrupt", d, n, 4, 0.5, dir, sizeof dir, &e) == 0, "encode k = 4, n = 6 for corruption");
    v4c_reader *r;
    v4c_open(dir, NULL, 1, &r, &e);
    uint64_t row = v4c_row_off(v4c_header(r), 1), R = v4c_row_len(v4c_header(r), 1);
    v4c_close(r);

    chunk_path(p, sizeof p, dir, 1);
    flip(p, row + R / 2);
    ok(read_all(dir, d, n, &rc), "a flipped byte in data chunk 1: the frame fails its CRC and is rebuilt from the others");
    holo_stream *s = open_stream(dir, &e);
    holo_stream_info si;
    warnings = 0;
    int vr = s ? holo_stream_verify(s, &e) : -1;
    if (s) holo_stream_stat(s, &si);
    ok(s && vr == 0 && si.verified == 1 && si.chunks_corrupt == 1 && warnings == 1,
       "holo_stream_verify: the file is exact, chunk 1 is reported corrupt (one warning)");
    holo_stream_close(s);
    hide(dir, 6, 0x0F);   /* no parity left: the corrupt frame cannot be rebuilt */
    ok(!read_all(dir, d, n, &rc) && rc == HOLO_EHOLE,
       "without parity the corrupt frame is a hole (its chunk counts as missing), never wrong bytes");
    unhide(dir, 6);
    flip(p, row + R / 2);   /* restore */

    hide(dir, 6, 0x3E);   /* chunk 0 missing: parity 4 is needed */
    chunk_path(p, sizeof p, dir, 4);
    flip(p, row + 10);
    ok(read_all(dir, d, n, &rc), "a flipped byte in parity chunk 4 (data chunk 0 missing): rebuilt from 1, 2, 3, 5");
    chunk_path(p, sizeof p, dir, 5);
    flip(p, row + 10);
    ok(!read_all(dir, d, n, &rc) && rc == HOLO_EHOLE, "both parity rows corrupt: a hole, never wrong bytes");
    unhide(dir, 6);
    flip(p, row + 10);
    chunk_path(p, sizeof p, dir, 4);
    flip(p, row + 10);   /* both restored */

    /* The replicated index is CRC-checked: a chunk with a flipped index byte is skipped. */
    chunk_path(p, sizeof p, dir, 2);
    flip(p, V4C_HDR_LEN + 13);
    warnings = 0;
    ok(read_all(dir, d, n, &rc) && warnings == 1, "a flipped index byte: that chunk is skipped with one warning");
    free(d);
}

/* Rewrite a chunk's header through a patch function and fix crc_head, so only the content
 * checks (not the CRC) stand between the reader and the lie. */
static void patch_header(const char *path, void (*patch)(v4c_hdr *))
{
    size_t len;
    uint8_t *c = tap_slurp(path, &len);
    v4c_hdr h;
    if (v4c_hdr_parse(c, len, 0, path, &h, NULL)) { free(c); return; }
    v4c_hdr orig = h;
    patch(&h);
    h.crc_head = 0;
    v4c_hdr_emit(&h, c);
    uLong crc = crc32(0L, c, V4C_HDR_LEN);
    for (unsigned t = 0; t < orig.ntiers; t++)   /* every replicated (m = 1) row */
        if (orig.m[t] == 1) crc = crc32(crc, c + v4c_row_off(&orig, t), (uInt)orig.S[t]);
    h.crc_head = (uint32_t)crc;
    v4c_hdr_emit(&h, c);
    tap_spew(path, c, len);
    free(c);
}

static void wrong_sha(v4c_hdr *h) { h->sha256[7] ^= 1; }
static void huge_length(v4c_hdr *h) { h->length = 1ull << 36; }

static void test_hostile(void)
{
    char dir[512], p[600];
    holo_err e;
    size_t n = 5 * F + 9;
    uint8_t *d = make_data(n, 0);
    ok(encode("sha", d, n, 2, 0, dir, sizeof dir, &e) == 0, "encode k = 2 for the SHA test");
    for (unsigned i = 0; i < 2; i++) { chunk_path(p, sizeof p, dir, i); patch_header(p, wrong_sha); }
    int rc;
    ok(!read_all(dir, d, n, &rc) && rc == HOLO_EINVAL, "a recorded SHA-256 that does not match: the completing read fails");
    holo_decoded dd;
    ok(holo_decode_dir(dir, NULL, &dd, &e) == HOLO_EINVAL && strstr(e.msg, "SHA-256"), "holo_decode_dir: %s", e.msg);
    holo_stream *s = open_stream(dir, &e);
    ok(s && holo_stream_verify(s, &e) == HOLO_EINVAL, "holo_stream_verify reports the mismatch");
    holo_stream_close(s);

    ok(encode("huge", d, n, 1, 0, dir, sizeof dir, &e) == 0, "encode k = 1 for the length test");
    chunk_path(p, sizeof p, dir, 0);
    patch_header(p, huge_length);
    s = open_stream(dir, &e);
    ok(!s && e.code == HOLO_EINVAL && strstr(e.msg, "does not describe"), "a header claiming 64 GiB over a tiny stream fails at open: %s", e.msg);
    ok(holo_decode_dir(dir, NULL, &dd, &e) != 0 && !dd.bytes, "holo_decode_dir fails before allocating");

    /* Truncations of a one-chunk set: every length fails cleanly. */
    ok(encode("trunc", d, n, 1, 0, dir, sizeof dir, &e) == 0, "encode k = 1 for truncations");
    chunk_path(p, sizeof p, dir, 0);
    size_t len;
    uint8_t *c = tap_slurp(p, &len);
    static const size_t cuts[] = { 0, 3, 4, 50, 111, 112, 113, 124, 200 };
    int all = 1;
    for (size_t i = 0; i < sizeof cuts / sizeof *cuts; i++) {
        tap_spew(p, c, cuts[i]);
        s = open_stream(dir, &e);
        all &= !s && e.code == HOLO_ENOCHUNKS && strstr(e.msg, dir) != NULL;
        holo_stream_close(s);
    }
    tap_spew(p, c, len - 1);
    s = open_stream(dir, &e);
    all &= !s;
    holo_stream_close(s);
    ok(all, "truncated chunks (0..200 bytes, size - 1) are skipped: no valid chunk, dir named");
    v4c_hdr h;
    ok(v4c_hdr_parse(c, 111, 0, "x", &h, &e) == HOLO_EINVAL && strstr(e.msg, "truncated"), "a 111-byte header: %s", e.msg);
    ok(v4c_hdr_parse(c, len, len + 1, "x", &h, &e) == HOLO_EINVAL && strstr(e.msg, "declares"), "size disagreeing with the header: %s", e.msg);
    c[58] = 9;
    ok(v4c_hdr_parse(c, len, len, "x", &h, &e) == HOLO_EINVAL, "9 tiers: %s", e.msg);
    free(c);
    free(d);
}

/* Container writer and reader with memory and callback sources, U shares, m = 1 tiers. */
static int cb_read(void *ctx, uint64_t off, void *buf, size_t len)
{
    memcpy(buf, (const uint8_t *)ctx + off, len);
    return 0;
}

static void test_container(void)
{
    char dir[512];
    holo_err e;
    tap_pathf(dir, sizeof dir, "%s/cont", root);
    mkdir(dir, 0755);
    size_t S1 = 100003, S2 = 5000;
    uint8_t *a = make_data(S1, 1), *b = make_data(S2, 1), meta[] = "params";
    const uint8_t *u[5] = { (const uint8_t *)"u0", (const uint8_t *)"u1", NULL, (const uint8_t *)"u3", (const uint8_t *)"" };
    uint32_t ul[5] = { 2, 2, 0, 2, 0 };
    v4c_spec sp = { .magic = { 'H', 'O', '4', 'T' }, .n = 5, .length = 42, .content_id = 7, .ntiers = 3, .u = u, .u_len = ul };
    sp.tier[0] = (v4c_source){ .m = 1, .S = sizeof meta, .mem = meta };
    sp.tier[1] = (v4c_source){ .m = 3, .S = S1, .read = cb_read, .ctx = a };
    sp.tier[2] = (v4c_source){ .m = 2, .S = S2, .mem = b };
    ok(v4c_write(dir, &sp, &e) == 0, "v4c_write: 5 chunks, tiers m = 1, 3, 2, U shares");
    char p[600];
    int good = 1;
    for (unsigned drop = 0; drop < 5; drop++)
        for (unsigned drop2 = drop + 1; drop2 < 5; drop2++) {
            hide(dir, 5, 0x1F & ~(1u << drop) & ~(1u << drop2));
            v4c_reader *r;
            if (v4c_open(dir, NULL, 1, &r, &e)) { good = 0; unhide(dir, 5); continue; }
            uint8_t *g1 = malloc(S1), g2[5000];
            good &= !memcmp(v4c_m1(r, 0), meta, sizeof meta);
            good &= v4c_read(r, 1, 0, g1, S1, V4C_NO_AVOID, &e) == 0 && !memcmp(g1, a, S1);
            good &= v4c_read(r, 1, 33333, g1, 4, V4C_NO_AVOID, &e) == 0 && !memcmp(g1, a + 33333, 4);
            good &= v4c_read(r, 2, 0, g2, S2, V4C_NO_AVOID, &e) == 0 && !memcmp(g2, b, S2);
            free(g1);
            v4c_close(r);
            unhide(dir, 5);
        }
    ok(good, "any 3 of 5 chunks give every tier back (all 10 pairs dropped), ranges included");
    hide(dir, 5, 0x03);
    v4c_reader *r;
    uint8_t g[16];
    ok(v4c_open(dir, NULL, 1, &r, &e) == 0 && v4c_read(r, 1, 0, g, 16, V4C_NO_AVOID, &e) == 0 && !memcmp(g, a, 16) &&
       v4c_read(r, 1, S1 - 16, g, 16, V4C_NO_AVOID, &e) == HOLO_EHOLE && !v4c_readable(r, 1, S1 - 16, 16),
       "2 of m = 3: row 0 reads, row 2 is HOLO_EHOLE");
    v4c_close(r);
    unhide(dir, 5);
    chunk_path(p, sizeof p, dir, 3);
    struct stat st;
    stat(p, &st);
    ok((uint64_t)st.st_size == V4C_HDR_LEN + sizeof meta + (S1 + 2) / 3 + S2 / 2 + 2, "chunk 3 is header + rows + its U share");
    free(a);
    free(b);
}

int main(void)
{
    plan(0);
    tap_pathf(root, sizeof root, "%s/t_v4_binary.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(root)) { ok(0, "mkdtemp"); return done_testing(); }
    test_roundtrips();
    test_overhead();
    test_any_k();
    test_corruption();
    test_hostile();
    test_container();
    if (!getenv("T_V4_BINARY_KEEP")) holo_rmtree(root);   /* keep for debugging */
    return done_testing();
}
