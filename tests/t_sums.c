/* t_sums.c — integrity and limits of the v1/v2 decoders: the holo.sum sidecar our encoder
 * writes (a chunk that does not match it is a missing chunk; `exact` only when the decoded
 * data matches), chunk files that are symbolic links, and max_pixels / max_output. */
#include "internal.h"
#include "tap.h"
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char scratch[4096];
static int warnings;
static char last_warning[1024];

static void count_warn(void *ctx, const char *msg)
{
    (void)ctx;
    warnings++;
    snprintf(last_warning, sizeof last_warning, "%s", msg);
}

static int decode(const char *dir, const holo_decode_opts *base, holo_decoded *d, holo_err *e)
{
    holo_decode_opts o;
    if (base) o = *base;
    else holo_decode_opts_init(&o);
    o.warn = count_warn;
    warnings = 0;
    last_warning[0] = 0;
    return holo_decode_dir(dir, &o, d, e);
}

static int info_verified(const char *dir, holo_info *in)
{
    holo_decode_opts o;
    holo_decode_opts_init(&o);
    o.verify_chunks = 1;
    return holo_info_dir_opts(dir, &o, in, NULL);
}

/* Rewrite chunk `name` as a well-formed chunk whose residual differs in one byte (inflate, flip,
 * deflate again, new header): what a one-byte change looks like once zlib's own check is
 * satisfied, and what no header check can see. */
static int forge_chunk(const char *dir, const char *name)
{
    char path[4200];
    tap_pathf(path, sizeof path, "%s/%s", dir, name);
    size_t len;
    uint8_t *buf = tap_slurp(path, &len), *raw = NULL, *z = NULL, head[64];
    size_t rawlen, zlen;
    holo_chunk_hdr h;
    int rc = -1;
    if (buf && !holo_chunk_parse(buf, len, name, &h, NULL) &&
        !holo_inflate(buf + h.resid_off, h.resid_len, 1 << 24, &raw, &rawlen, NULL, name) &&
        rawlen > 10) {
        raw[rawlen / 2] ^= 0x40;
        if (!holo_zlib(raw, rawlen, 9, &z, &zlen, NULL)) {
            h.resid_len = (uint32_t)zlen;
            size_t hl = holo_chunk_emit(&h, head);
            uint8_t *out = malloc(hl + h.coarse_len + zlen);
            memcpy(out, head, hl);
            memcpy(out + hl, buf + h.coarse_off, h.coarse_len);
            memcpy(out + hl + h.coarse_len, z, zlen);
            rc = tap_spew(path, out, hl + h.coarse_len + zlen);
            free(out);
        }
    }
    free(buf); free(raw); free(z);
    return rc;
}

static void test_binary(void)
{
    char in[4200], dir[4200], sum[4200], path[4200], save[4200];
    tap_pathf(in, sizeof in, "%s/data.bin", scratch);
    tap_pathf(dir, sizeof dir, "%s/data.bin.holo", scratch);
    tap_pathf(sum, sizeof sum, "%s/holo.sum", dir);
    enum { L = 40000 };
    uint8_t *src = malloc(L);
    for (int i = 0; i < L; i++) src[i] = (uint8_t)("holographic chunks "[i % 19] + (i / 977));
    tap_spew(in, src, L);
    holo_encode_opts eo;
    holo_encode_opts_init(&eo);
    eo.codec_version = 2;   /* HOBI: the sets with holo.sum (binary v4 carries its own hash) */
    holo_err e;
    is_int(holo_encode_file(in, dir, &eo, &e), 0, "binary encodes");
    struct stat st;
    ok(stat(sum, &st) == 0 && st.st_size > 64 * 32, "the encoder wrote %s", HOLO_SUM_NAME);
    holo_sums s;
    holo_sums_load(dir, &s);
    ok(s.loaded && s.n == 32 && s.have_decoded && s.decoded_len == L, "holo.sum lists 32 chunks "
       "and the decoded length (%zu, %llu)", s.n, (unsigned long long)s.decoded_len);
    holo_sums_free(&s);

    holo_decoded d;
    holo_info in_;
    is_int(decode(dir, NULL, &d, &e), 0, "intact set decodes");
    ok(d.info.exact && d.info.verified && !warnings, "intact set: exact and verified");
    is_bytes(d.bytes, d.info.length, src, L, "intact set: the original bytes");
    holo_decoded_free(&d);
    ok(!info_verified(dir, &in_) && in_.exact && in_.verified && !in_.chunks_bad,
       "info with verify_chunks: exact, verified");
    ok(!holo_info_dir(dir, &in_, NULL) && in_.exact && !in_.verified,
       "headers-only info: complete but not verified");

    /* one changed residual byte in a well-formed chunk */
    tap_pathf(path, sizeof path, "%s/chunk_0005.holo", dir);
    tap_pathf(save, sizeof save, "%s/chunk_0005.orig", scratch);
    tap_copy(path, save);
    ok(forge_chunk(dir, "chunk_0005.holo") == 0, "forged chunk_0005 (one residual byte)");
    is_int(decode(dir, NULL, &d, &e), 0, "forged set decodes (degraded)");
    ok(!d.info.exact && !d.info.verified && d.info.chunks_present == 31,
       "forged chunk counts as missing: not exact, 31 present");
    ok(warnings == 1 && strstr(last_warning, "chunk_0005.holo") && strstr(last_warning, HOLO_SUM_NAME),
       "one warning naming the chunk and holo.sum (%s)", last_warning);
    holo_decoded_free(&d);
    ok(!info_verified(dir, &in_) && !in_.exact && in_.chunks_bad == 1 && in_.chunks_present == 31,
       "info with verify_chunks: the forged chunk is bad, not exact");
    holo_decode_opts strict;
    holo_decode_opts_init(&strict);
    strict.strict = 1;
    is_int(decode(dir, &strict, &d, &e), HOLO_EINCOMPLETE, "strict decode of the forged set fails");

    /* the reference's sets have no holo.sum: nothing to check against */
    tap_pathf(path, sizeof path, "%s/holo.sum.orig", scratch);
    tap_copy(sum, path);
    unlink(sum);
    is_int(decode(dir, NULL, &d, &e), 0, "forged set without holo.sum decodes");
    ok(d.info.exact && !d.info.verified, "without holo.sum: exact as the headers say, unverified");
    ok(memcmp(d.bytes, src, L) != 0, "... and indeed wrong bytes (what holo.sum exists to catch)");
    holo_decoded_free(&d);
    ok(!info_verified(dir, &in_) && in_.exact && !in_.verified, "info: exact but unverified");

    /* a holo.sum whose decoded hash disagrees: output not exact, with a warning */
    tap_pathf(save, sizeof save, "%s/chunk_0005.orig", scratch);
    tap_pathf(path, sizeof path, "%s/chunk_0005.holo", dir);
    tap_copy(save, path);
    size_t sl;
    tap_pathf(path, sizeof path, "%s/holo.sum.orig", scratch);
    char *text = (char *)tap_slurp(path, &sl);
    char *line = text ? strstr(text, "decoded-sha256 ") : NULL;
    if (line) line[15] = line[15] == '0' ? '1' : '0';
    tap_spew(sum, text, sl);
    free(text);
    is_int(decode(dir, NULL, &d, &e), 0, "set with a wrong decoded hash decodes");
    ok(!d.info.exact && !d.info.verified && strstr(last_warning, "does not match"),
       "decoded data not matching holo.sum: not exact, warned (%s)", last_warning);
    is_bytes(d.bytes, d.info.length, src, L, "... the bytes themselves are the chunks' decode");
    holo_decoded_free(&d);
    tap_pathf(path, sizeof path, "%s/holo.sum.orig", scratch);
    tap_copy(path, sum);

    /* a symlinked chunk is not followed: skipped with a warning */
    char link_target[4200];
    tap_pathf(path, sizeof path, "%s/chunk_0007.holo", dir);
    tap_pathf(link_target, sizeof link_target, "%s/elsewhere.holo", scratch);
    tap_copy(path, link_target);
    unlink(path);
    ok(symlink(link_target, path) == 0, "chunk_0007.holo replaced by a symlink");
    is_int(decode(dir, NULL, &d, &e), 0, "set with a symlinked chunk decodes");
    ok(d.info.chunks_present == 31 && !d.info.exact && strstr(last_warning, "chunk_0007.holo") &&
       strstr(last_warning, "symbolic link"), "the symlink is skipped with a warning (%s)",
       last_warning);
    holo_decoded_free(&d);
    ok(!holo_info_dir(dir, &in_, NULL) && in_.chunks_present == 31 && in_.chunks_bad == 1,
       "info: the symlinked chunk is bad");
    free(src);
}

/* The decoded-data hash of images (RGB8) and audio (i16le) matches a complete decode. */
static void test_image_audio(void)
{
    char in[4200], dir[4200];
    tap_pathf(in, sizeof in, "%s/img.ppm", scratch);
    tap_pathf(dir, sizeof dir, "%s/img.ppm.holo", scratch);
    enum { W = 48, H = 40 };
    uint8_t ppm[32 + W * H * 3];
    int hl = snprintf((char *)ppm, 32, "P6\n%d %d\n255\n", W, H);
    for (int i = 0; i < W * H * 3; i++) ppm[hl + i] = (uint8_t)(i * 7 + (i / 97) * 13);
    tap_spew(in, ppm, (size_t)hl + W * H * 3);
    holo_encode_opts eo;
    holo_encode_opts_init(&eo);
    eo.codec_version = 2;
    holo_err e;
    holo_decoded d;
    is_int(holo_encode_file(in, dir, &eo, &e), 0, "v2 image encodes");
    is_int(decode(dir, NULL, &d, &e), 0, "v2 image decodes");
    ok(d.info.exact && d.info.verified, "v2 image: exact and verified by holo.sum");
    holo_decoded_free(&d);
    holo_decode_opts lim;
    holo_decode_opts_init(&lim);
    lim.max_pixels = W * H - 1;
    is_int(decode(dir, &lim, &d, &e), HOLO_ETOOBIG, "max_pixels one below W*H: ETOOBIG");
    ok(strstr(e.msg, dir) && strstr(e.msg, "1920 pixels"), "... message names the dir and claim (%s)", e.msg);
    is_int(holo_info_dir_opts(dir, &lim, &(holo_info){0}, NULL), HOLO_ETOOBIG, "info applies max_pixels");
    lim.max_pixels = W * H;
    is_int(decode(dir, &lim, &d, &e), 0, "max_pixels = W*H decodes");
    holo_decoded_free(&d);
    lim.max_pixels = 0;
    lim.max_output = W * H * 3 - 1;
    is_int(decode(dir, &lim, &d, &e), HOLO_ETOOBIG, "max_output one below W*H*3: ETOOBIG");
    is_int(holo_info_dir_opts(dir, &lim, &(holo_info){0}, NULL), HOLO_ETOOBIG, "info applies max_output");

    /* audio: 2 channels, 3000 frames of 16-bit PCM */
    tap_pathf(in, sizeof in, "%s/snd.wav", scratch);
    tap_pathf(dir, sizeof dir, "%s/snd.wav.holo", scratch);
    enum { N = 3000 * 2 };
    uint8_t wav[44 + 2 * N];
    memcpy(wav, "RIFF\0\0\0\0WAVEfmt \x10\0\0\0\x01\0\x02\0\x44\xac\0\0\x10\xb1\x02\0\x04\0\x10\0data", 40);
    uint32_t dl = 2 * N, rl = 36 + dl;
    memcpy(wav + 4, &rl, 4);
    memcpy(wav + 40, &dl, 4);
    for (int i = 0; i < N; i++) {
        int16_t v = (int16_t)((i * 37) % 2000 - 1000);
        memcpy(wav + 44 + 2 * i, &v, 2);
    }
    tap_spew(in, wav, sizeof wav);
    is_int(holo_encode_file(in, dir, &eo, &e), 0, "audio encodes");
    is_int(decode(dir, NULL, &d, &e), 0, "audio decodes");
    ok(d.info.exact && d.info.verified, "audio: exact and verified by holo.sum");
    holo_decoded_free(&d);
}

int main(void)
{
    tap_pathf(scratch, sizeof scratch, "%s/holo-sums.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(scratch)) { ok(0, "scratch dir"); return done_testing(); }
    test_binary();
    test_image_audio();
    holo_rmtree(scratch);
    return done_testing();
}
