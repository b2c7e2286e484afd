/* t_audio.c — HOAU v1/v2 (doc/formats.md §HOAU v1/v2) and the WAV reader against the reference
 * vectors: every audio_v1_*, audio_v2_* and robust_audio_* case is decoded (all chunks and the
 * case's subset) and compared sample for sample with decoded_*.wav (through our canonical WAV
 * writer, so the whole file is compared byte for byte); the encoder is run with each case's
 * encoder_args and its chunk files compared byte for byte. Then generated inputs (mono, stereo,
 * 24-bit, extensible, clipping, 8-bit and float through libsndfile) round-trip, and bad inputs fail
 * with one line naming the file. */
#include "internal.h"
#include "interp.h"
#include "tap.h"
#include "wav.h"

#include <dirent.h>
#include <jansson.h>
#include <stdarg.h>
#include <sndfile.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char scratch[4096];

static void fresh_dir(char *out, size_t sz, const char *name)
{
    tap_pathf(out, sz, "%s/%s", scratch, name);
    holo_rmtree(out);
    mkdir(out, 0700);
}

static int warnings;
static void count_warn(void *ctx, const char *msg) { (void)ctx; warnings++; diag("warning: %s", msg); }

static int decode_dir(const char *dir, holo_decoded *d, holo_err *err)
{
    holo_decode_opts o;
    holo_decode_opts_init(&o);
    o.warn = count_warn;
    holo_chunklist l;
    int rc = holo_chunklist_scan(dir, &o, &l, err);
    if (rc) return rc;
    rc = holo_audio12_decode(&l, &o, d, err);
    holo_chunklist_free(&l);
    return rc;
}

/* Decoded samples rendered as the canonical WAV equal the reference file byte for byte. */
static void compare_wav(const holo_decoded *d, const char *want_path, const char *what)
{
    size_t wlen = 0;
    uint8_t *want = tap_slurp(want_path, &wlen);
    uint8_t *got = NULL;
    size_t glen = 0;
    holo_err err = {0};
    int rc = holo_wav_render(d->samples, d->info.channels, d->info.sample_rate, d->info.frames,
                             &got, &glen, &err);
    if (!ok(want && rc == 0, "%s: reference %s and our WAV", what, want_path)) diag("%s", err.msg);
    else is_bytes(got, glen, want, wlen, "%s: WAV (44-byte header + samples) equals reference", what);
    free(want);
    free(got);
}

static void decode_case(const char *cdir, json_t *c, const char *id)
{
    char chunks[4096], p[4096];
    tap_pathf(chunks, sizeof chunks, "%s/chunks", cdir);
    json_t *outs = json_object_get(c, "outputs");
    holo_decoded d;
    holo_err err = {0};
    warnings = 0;
    int rc = decode_dir(chunks, &d, &err);
    if (!is_int(rc, 0, "%s: decode all chunks", id)) { diag("%s", err.msg); return; }
    tap_pathf(p, sizeof p, "%s/%s", cdir, json_string_value(json_object_get(outs, "decoded_all")));
    compare_wav(&d, p, id);
    json_t *applied = json_object_get(c, "expected_blocks_applied");
    if (applied) {
        is_int(d.info.chunks_present, (long long)json_array_size(applied),
               "%s: %zu blocks applied", id, json_array_size(applied));
        ok(warnings >= 2, "%s: skipped chunks reported as warnings (%d)", id, warnings);
        ok(!d.info.exact, "%s: partial set is not exact", id);
    }
    json_t *fe = json_object_get(c, "full_decode_equals_input_as_int16");
    if (json_is_true(fe)) ok(d.info.exact, "%s: full set reported exact", id);
    holo_decoded_free(&d);

    json_t *subset = json_object_get(c, "subset_files");
    json_t *dsub = json_object_get(outs, "decoded_subset");
    if (!subset || !dsub) return;
    char sub[4096];
    fresh_dir(sub, sizeof sub, "subset");
    size_t i;
    json_t *f;
    json_array_foreach(subset, i, f) {
        char src[4096], dst[4096];
        size_t n = 0;
        tap_pathf(src, sizeof src, "%s/%s", chunks, json_string_value(f));
        tap_pathf(dst, sizeof dst, "%s/%s", sub, json_string_value(f));
        uint8_t *b = tap_slurp(src, &n);
        if (b) tap_spew(dst, b, n);
        free(b);
    }
    rc = decode_dir(sub, &d, &err);
    if (!is_int(rc, 0, "%s: decode subset", id)) { diag("%s", err.msg); holo_rmtree(sub); return; }
    tap_pathf(p, sizeof p, "%s/%s", cdir, json_string_value(dsub));
    compare_wav(&d, p, id);
    is_int(d.info.chunks_present, (long long)json_array_size(subset), "%s: subset blocks", id);
    ok(!d.info.exact || json_array_size(subset) == d.info.block_count, "%s: subset exact flag", id);
    holo_decoded_free(&d);
    holo_rmtree(sub);
}

/* Every file of `want` exists in `got` with the same bytes, and `got` has nothing else. */
static void compare_dirs(const char *got, const char *want, const char *id)
{
    DIR *d = opendir(want);
    struct dirent *e;
    int files = 0, same = 0;
    while (d && (e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        char a[4096], b[4096];
        size_t la = 0, lb = 0;
        tap_pathf(a, sizeof a, "%s/%s", got, e->d_name);
        tap_pathf(b, sizeof b, "%s/%s", want, e->d_name);
        uint8_t *ba = tap_slurp(a, &la), *bb = tap_slurp(b, &lb);
        files++;
        if (ba && bb && la == lb && memcmp(ba, bb, la) == 0) same++;
        else diag("%s: %s differs (%zu vs %zu bytes)", id, e->d_name, la, lb);
        free(ba);
        free(bb);
    }
    if (d) closedir(d);
    int extra = 0;
    d = opendir(got);
    /* holo.sum, our integrity sidecar (t_sums.c), is not one of the reference's files */
    while (d && (e = readdir(d))) extra += e->d_name[0] != '.' && strcmp(e->d_name, HOLO_SUM_NAME);
    if (d) closedir(d);
    ok(files > 0 && same == files, "%s: %d/%d chunk files byte-identical", id, same, files);
    is_int(extra, files, "%s: no extra files (.meta/manifest) written", id);
}

static void encode_case(const char *cdir, json_t *c, const char *id)
{
    json_t *args = json_object_get(c, "encoder_args");
    if (!args) return;
    holo_encode_opts eo;
    holo_encode_opts_init(&eo);
    eo.zlib_level = 9;   /* the reference's level: byte-exact chunks */
    json_t *v;
    if ((v = json_object_get(args, "block_count"))) eo.block_count = (uint32_t)json_integer_value(v);
    if ((v = json_object_get(args, "version"))) eo.codec_version = (int)json_integer_value(v);
    if ((v = json_object_get(args, "coarse_max_frames")))
        eo.coarse_frames = (uint32_t)json_integer_value(v);
    eo.threads = 2;
    char in[4096], out[4096], chunks[4096];
    tap_pathf(in, sizeof in, "%s/formats/%s", tap_vectors(),
             json_string_value(json_object_get(c, "input")));
    fresh_dir(out, sizeof out, "enc");
    holo_err err = {0};
    int rc = holo_audio12_encode(in, out, &eo, &err);
    if (is_int(rc, 0, "%s: encode %s", id, in)) {
        tap_pathf(chunks, sizeof chunks, "%s/chunks", cdir);
        compare_dirs(out, chunks, id);
    } else {
        diag("%s", err.msg);
    }
    holo_rmtree(out);
}

static void vector_case(const char *id, const char *cdir, json_t *c, void *ctx)
{
    (void)ctx;
    decode_case(cdir, c, id);
    encode_case(cdir, c, id);
}

static void vector_cases(void)
{
    static const char *const prefixes[] = { "audio_v1_", "audio_v2_", "robust_audio_", NULL };
    int seen = tap_vector_cases(prefixes, vector_case, NULL);
    ok(seen >= 9, "%d audio v1/v2 cases checked", seen);
}

/* chunk_kb: B from the kb rule of doc/formats.md §Block count (tables/block_count.json end_to_end,
 * audio rows). */
static void kb_cases(void)
{
    char p[4096];
    tap_pathf(p, sizeof p, "%s/formats/tables/block_count.json", tap_vectors());
    json_t *root = json_load_file(p, 0, NULL);
    json_t *rows = json_object_get(root, "end_to_end");
    size_t i;
    json_t *e;
    int seen = 0;
    json_array_foreach(rows, i, e) {
        if (strcmp(json_string_value(json_object_get(e, "codec")), "audio v2")) continue;
        json_t *kb = json_object_get(json_object_get(e, "args"), "target_chunk_kb");
        if (!kb) continue;
        holo_encode_opts eo;
        holo_encode_opts_init(&eo);
        eo.zlib_level = 9;   /* the reference's level: byte-exact chunks */
        eo.chunk_kb = (long)json_integer_value(kb);
        char in[4096], out[4096], c0[4096];
        tap_pathf(in, sizeof in, "%s/formats/%s", tap_vectors(), json_string_value(json_object_get(e, "input")));
        fresh_dir(out, sizeof out, "kb");
        holo_err err = {0};
        int rc = holo_audio12_encode(in, out, &eo, &err);
        tap_pathf(c0, sizeof c0, "%s/chunk_0000.holo", out);
        size_t len = 0;
        uint8_t *b = tap_slurp(c0, &len);
        long long want = json_integer_value(json_object_get(e, "chosen_block_count"));
        ok(rc == 0 && b && len > 36 && holo_rd32(b + 16) == want && holo_rd32(b + 28) ==
           json_integer_value(json_object_get(e, "coarse_size")),
           "%s kb=%ld: B = %lld", in, eo.chunk_kb, want);
        free(b);
        holo_rmtree(out);
        seen++;
    }
    ok(seen == 2, "audio kb rows checked (%d)", seen);
    json_decref(root);
}

/* ---- generated inputs -------------------------------------------------------------------- */

static void put16(uint8_t *p, unsigned v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void put32(uint8_t *p, uint32_t v) { put16(p, v & 0xFFFF); put16(p + 2, v >> 16); }

/* A RIFF/WAVE file with `data` as the data chunk; extensible uses a 40-byte fmt with the PCM
 * sub-format GUID; a LIST chunk of odd size sits before "data" to exercise padding. */
static void make_wav(const char *path, unsigned ch, unsigned rate, unsigned bits, int extensible,
                     const uint8_t *data, size_t dlen)
{
    static const uint8_t guid[16] = {1, 0, 0, 0, 0, 0, 0x10, 0, 0x80, 0, 0, 0xAA, 0, 0x38, 0x9B, 0x71};
    size_t fmtlen = extensible ? 40 : 16;
    size_t total = 12 + 8 + fmtlen + 8 + 3 + 1 + 8 + dlen;
    uint8_t *b = calloc(1, total);
    uint8_t *p = b;
    unsigned width = (bits + 7) / 8;
    memcpy(p, "RIFF", 4); put32(p + 4, (uint32_t)(total - 8)); memcpy(p + 8, "WAVE", 4); p += 12;
    memcpy(p, "fmt ", 4); put32(p + 4, (uint32_t)fmtlen); p += 8;
    put16(p, extensible ? 0xFFFE : 1); put16(p + 2, ch); put32(p + 4, rate);
    put32(p + 8, rate * ch * width); put16(p + 12, ch * width); put16(p + 14, bits);
    if (extensible) { put16(p + 16, 22); put16(p + 18, bits); put32(p + 20, 0); memcpy(p + 24, guid, 16); }
    p += fmtlen;
    memcpy(p, "LIST", 4); put32(p + 4, 3); memcpy(p + 8, "abc", 3); p += 12;   /* + pad byte */
    memcpy(p, "data", 4); put32(p + 4, (uint32_t)dlen); p += 8;
    memcpy(p, data, dlen);
    tap_spew(path, b, total);
    free(b);
}

static int16_t *gen_signal(uint64_t n, unsigned ch, uint32_t seed, int amp)
{
    int16_t *s = malloc(n * ch * sizeof *s);
    uint32_t x = seed;
    for (uint64_t j = 0; j < n; j++)
        for (unsigned c = 0; c < ch; c++) {
            x = x * 1664525u + 1013904223u;
            int v = (int)((j * (37 + 11 * c)) % 400) * amp / 400 - amp / 2 + (int)(x >> 27) - 16;
            s[j * ch + c] = (int16_t)v;
        }
    return s;
}

/* Encode `in`, check the flag byte, decode all, compare with `want` (n frames x ch). */
static void round_trip(const char *in, const char *what, const int16_t *want, uint64_t n,
                       unsigned ch, unsigned rate, int version, uint32_t B, int expect_clip)
{
    char out[4096], c0[4096];
    fresh_dir(out, sizeof out, "rt");
    holo_encode_opts eo;
    holo_encode_opts_init(&eo);
    eo.zlib_level = 9;   /* the reference's level: byte-exact chunks */
    eo.codec_version = version;
    eo.block_count = B;
    eo.coarse_frames = 64;
    holo_err err = {0};
    int rc = holo_audio12_encode(in, out, &eo, &err);
    if (!is_int(rc, 0, "%s: encode", what)) { diag("%s", err.msg); holo_rmtree(out); return; }
    tap_pathf(c0, sizeof c0, "%s/chunk_0000.holo", out);
    size_t clen = 0;
    uint8_t *cb = tap_slurp(c0, &clen);
    if (ok(cb && clen > 36 && !memcmp(cb, "HOAU", 4), "%s: chunk_0000 is HOAU", what)) {
        is_int(cb[4], version, "%s: version byte", what);
        is_int(cb[5], ch, "%s: channels", what);
        is_int(cb[7], expect_clip, "%s: clip flag", what);
        is_int(holo_rd32(cb + 12), (long long)n, "%s: n_frames", what);
        is_int(holo_rd32(cb + 8), rate, "%s: sample rate", what);
    }
    free(cb);
    holo_decoded d;
    rc = decode_dir(out, &d, &err);
    if (is_int(rc, 0, "%s: decode", what)) {
        ok(d.info.frames == n && d.info.channels == ch, "%s: geometry", what);
        int same = !memcmp(d.samples, want, n * ch * 2);
        if (expect_clip) {
            ok(!same && !d.info.exact, "%s: clipped residual is lossy and reported so", what);
        } else {
            ok(same, "%s: lossless round trip", what);
            ok(d.info.exact, "%s: reported exact", what);
        }
        holo_decoded_free(&d);
    } else {
        diag("%s", err.msg);
    }
    holo_rmtree(out);
}

static void generated(void)
{
    char p[4096];
    holo_err err = {0};
    holo_wav w;
    /* 16-bit mono and stereo, v1 and v2. */
    uint64_t n = 3001;
    int16_t *mono = gen_signal(n, 1, 7, 20000);
    tap_pathf(p, sizeof p, "%s/mono.wav", scratch);
    make_wav(p, 1, 22050, 16, 0, (uint8_t *)mono, n * 2);
    round_trip(p, "mono16 v2", mono, n, 1, 22050, 2, 8, 0);
    round_trip(p, "mono16 v1", mono, n, 1, 22050, 1, 5, 0);
    round_trip(p, "mono16 B=1", mono, n, 1, 22050, 2, 1, 0);
    free(mono);

    int16_t *st = gen_signal(n, 2, 9, 30000);
    tap_pathf(p, sizeof p, "%s/stereo.wav", scratch);
    uint8_t *stp = malloc(n * 4 + 3);                          /* + a partial trailing frame */
    memcpy(stp, st, n * 4);
    memcpy(stp + n * 4, "\x01\x02\x03", 3);
    make_wav(p, 2, 44100, 16, 0, stp, n * 4 + 3);
    free(stp);
    ok(holo_wav_read(p, &w, &err) == 0 && w.frames == n && w.channels == 2 && !w.converted,
       "stereo16: trailing partial frame ignored (%llu frames)", (unsigned long long)w.frames);
    holo_wav_free(&w);
    round_trip(p, "stereo16 v2", st, n, 2, 44100, 2, 16, 0);
    /* Extensible PCM 16-bit: same samples. */
    tap_pathf(p, sizeof p, "%s/ext16.wav", scratch);
    make_wav(p, 2, 44100, 16, 1, (uint8_t *)st, n * 4);
    int rc = holo_wav_read(p, &w, &err);
    ok(rc == 0 && w.frames == n && !w.converted && !memcmp(w.samples, st, n * 4),
       "extensible PCM 16-bit read as is");
    holo_wav_free(&w);
    free(st);

    /* 24-bit: floor(v / 256), the examples of doc/formats.md §HOAU v1/v2, plus extensible
     * 24-bit. */
    static const int32_t v24[] = {-1, -256, -257, 255, 256, -129, 8388607, -8388608, 0, 12345678 - 16777216};
    static const int16_t w16[] = {-1, -1, -2, 0, 1, -1, 32767, -32768, 0, (int16_t)((12345678 - 16777216) >> 8)};
    uint64_t n24 = 1200;
    uint8_t *d24 = malloc(n24 * 3);
    int16_t *e24 = malloc(n24 * 2);
    for (uint64_t j = 0; j < n24; j++) {
        int32_t v = j < 10 ? v24[j] : (int32_t)((j * 7919) % 16777216) - 8388608;
        d24[3 * j] = (uint8_t)v; d24[3 * j + 1] = (uint8_t)(v >> 8); d24[3 * j + 2] = (uint8_t)(v >> 16);
        e24[j] = j < 10 ? w16[j] : (int16_t)(v >> 8);
    }
    for (int ext = 0; ext < 2; ext++) {
        tap_pathf(p, sizeof p, "%s/pcm24_%d.wav", scratch, ext);
        make_wav(p, 1, 8000, 24, ext, d24, n24 * 3);
        rc = holo_wav_read(p, &w, &err);
        ok(rc == 0 && w.frames == n24 && w.src_bits == 24 && !memcmp(w.samples, e24, n24 * 2),
           "24-bit%s: floor(v/256)", ext ? " extensible" : "");
        holo_wav_free(&w);
    }
    /* 24-bit noise against 64 coarse frames: residuals beyond int16, so the flag is set. */
    tap_pathf(p, sizeof p, "%s/pcm24_0.wav", scratch);
    round_trip(p, "mono24 noise v2", e24, n24, 1, 8000, 2, 4, 1);
    /* A smooth 24-bit triangle: flags = 0 and the decode equals the floor(v/256) samples. */
    for (uint64_t j = 0; j < n24; j++) {
        int32_t v = (int32_t)(j % 400 < 200 ? j % 400 : 400 - j % 400) * 60000 - 6000000 + (int32_t)(j % 3) * 300;
        d24[3 * j] = (uint8_t)v; d24[3 * j + 1] = (uint8_t)(v >> 8); d24[3 * j + 2] = (uint8_t)(v >> 16);
        e24[j] = (int16_t)(v >> 8);
    }
    tap_pathf(p, sizeof p, "%s/tri24.wav", scratch);
    make_wav(p, 1, 8000, 24, 1, d24, n24 * 3);
    round_trip(p, "mono24 triangle v2", e24, n24, 1, 8000, 2, 4, 0);
    free(d24);
    free(e24);

    /* Clipping: alternating full scale against 64 coarse frames. */
    uint64_t nc = 1000;
    int16_t *clip = malloc(nc * 2);
    for (uint64_t j = 0; j < nc; j++) clip[j] = (j % 2 || j % 7 == 0) ? 32767 : -32768;
    tap_pathf(p, sizeof p, "%s/clip.wav", scratch);
    make_wav(p, 1, 8000, 16, 0, (uint8_t *)clip, nc * 2);
    round_trip(p, "clip", clip, nc, 1, 8000, 2, 8, 1);
    free(clip);

    /* 8-bit through libsndfile: unsigned u8 → (u8 - 128) << 8. */
    uint64_t n8 = 500;
    uint8_t *d8 = malloc(n8);
    int16_t *e8 = malloc(n8 * 2);
    for (uint64_t j = 0; j < n8; j++) { d8[j] = (uint8_t)(128 + (j % 50) - 25); e8[j] = (int16_t)(((int)d8[j] - 128) * 256); }
    tap_pathf(p, sizeof p, "%s/u8.wav", scratch);
    make_wav(p, 1, 8000, 8, 0, d8, n8);
    rc = holo_wav_read(p, &w, &err);
    ok(rc == 0 && w.converted && w.src_bits == 8 && w.frames == n8 && !memcmp(w.samples, e8, n8 * 2),
       "8-bit PCM converted by libsndfile to (u8-128)<<8");
    if (rc) diag("%s", err.msg);
    holo_wav_free(&w);
    round_trip(p, "u8 via libsndfile", e8, n8, 1, 8000, 2, 4, 0);
    free(d8);
    free(e8);

    /* Float through libsndfile: floor(x * 32768), clipped. */
    SF_INFO si = {.samplerate = 16000, .channels = 2, .format = SF_FORMAT_WAV | SF_FORMAT_FLOAT};
    tap_pathf(p, sizeof p, "%s/float.wav", scratch);
    SNDFILE *sf = sf_open(p, SFM_WRITE, &si);
    float fl[8] = {0.5f, -0.5f, 1.0f, -1.0f, 1.5f, -2.0f, 0.3f, -0.3f};
    static const int16_t fwant[8] = {16384, -16384, 32767, -32768, 32767, -32768, 9830, -9831};
    if (sf) { sf_writef_float(sf, fl, 4); sf_close(sf); }
    rc = holo_wav_read(p, &w, &err);
    if (ok(rc == 0 && w.converted && w.frames == 4 && w.channels == 2 && w.src_bits == 32,
           "float WAV read through libsndfile")) {
        is_bytes(w.samples, 16, fwant, 16, "float: floor(x*32768) clipped to int16");
    } else {
        diag("%s", err.msg);
    }
    int16_t fw[8];
    if (rc == 0) memcpy(fw, w.samples, sizeof fw);
    holo_wav_free(&w);
    if (rc == 0) round_trip(p, "float via libsndfile", fw, 4, 2, 16000, 2, 3, 0);

    /* 32-bit PCM through libsndfile: the top 16 bits (v >> 16, floor). */
    SF_INFO i32 = {.samplerate = 48000, .channels = 1, .format = SF_FORMAT_WAV | SF_FORMAT_PCM_32};
    tap_pathf(p, sizeof p, "%s/pcm32.wav", scratch);
    static const int pv[6] = {-1, 65536, -65537, 2147483647, -2147483647 - 1, 123456789};
    static const int16_t pw[6] = {-1, 1, -2, 32767, -32768, (int16_t)(123456789 >> 16)};
    sf = sf_open(p, SFM_WRITE, &i32);
    if (sf) { sf_writef_int(sf, pv, 6); sf_close(sf); }
    rc = holo_wav_read(p, &w, &err);
    ok(rc == 0 && w.converted && w.src_bits == 32 && w.frames == 6 && !memcmp(w.samples, pw, 12),
       "32-bit PCM: v >> 16");
    holo_wav_free(&w);

    /* AIFF through libsndfile. */
    SF_INFO ai = {.samplerate = 11025, .channels = 1, .format = SF_FORMAT_AIFF | SF_FORMAT_PCM_16};
    tap_pathf(p, sizeof p, "%s/tone.aiff", scratch);
    int16_t *ad = gen_signal(800, 1, 3, 10000);
    sf = sf_open(p, SFM_WRITE, &ai);
    if (sf) { sf_writef_short(sf, ad, 800); sf_close(sf); }
    round_trip(p, "aiff via libsndfile", ad, 800, 1, 11025, 2, 4, 0);
    free(ad);
}

/* The public entry points dispatch WAV files here and chunk directories back by magic. */
static void public_api(void)
{
    char in[4096], out[4096];
    uint64_t n = 2500;
    int16_t *st = gen_signal(n, 2, 11, 12000);
    tap_pathf(in, sizeof in, "%s/api.wav", scratch);
    make_wav(in, 2, 32000, 16, 0, (uint8_t *)st, n * 4);
    tap_pathf(out, sizeof out, "%s/api.wav.holo", scratch);
    holo_encode_opts eo;
    holo_encode_opts_init(&eo);
    eo.zlib_level = 9;   /* the reference's level: byte-exact chunks */
    holo_err err = {0};
    int rc = holo_encode_file(in, out, &eo, &err);
    if (!is_int(rc, 0, "holo_encode_file(.wav)")) diag("%s", err.msg);
    holo_decode_opts dopt;
    holo_decode_opts_init(&dopt);
    holo_decoded d;
    rc = holo_decode_dir(out, &dopt, &d, &err);
    if (is_int(rc, 0, "holo_decode_dir(audio)")) {
        ok(d.info.kind == HOLO_KIND_AUDIO && d.info.block_count == 16 && d.info.exact &&
           d.info.frames == n && !memcmp(d.samples, st, n * 4),
           "public API: audio v2, default B = 16, lossless");
        holo_decoded_free(&d);
    } else {
        diag("%s", err.msg);
    }
    holo_rmtree(out);
    free(st);
}

static void expect_fail(const char *path, const char *needle, const char *what)
{
    holo_err err = {0};
    char out[4096];
    fresh_dir(out, sizeof out, "bad");
    holo_encode_opts eo;
    holo_encode_opts_init(&eo);
    eo.zlib_level = 9;   /* the reference's level: byte-exact chunks */
    int rc = holo_audio12_encode(path, out, &eo, &err);
    ok(rc < 0 && strstr(err.msg, path) && strstr(err.msg, needle) && !strchr(err.msg, '\n'),
       "%s: fails with one line naming the file and '%s'", what, needle);
    diag("message: %s", err.msg);
    holo_rmtree(out);
}

static void bad_inputs(void)
{
    char p[4096];
    int16_t one = 5;
    tap_pathf(p, sizeof p, "%s/one.wav", scratch);
    make_wav(p, 1, 8000, 16, 0, (uint8_t *)&one, 2);
    expect_fail(p, "at least 2", "1-frame WAV");
    tap_pathf(p, sizeof p, "%s/zero.wav", scratch);
    make_wav(p, 2, 8000, 16, 0, (uint8_t *)&one, 2);       /* half a frame */
    expect_fail(p, "at least 2", "0-frame WAV");
    tap_pathf(p, sizeof p, "%s/text.wav", scratch);
    tap_spew(p, "hello, this is not audio at all\n", 32);
    expect_fail(p, "not a readable audio file", "text file");
    tap_pathf(p, sizeof p, "%s/empty.wav", scratch);
    tap_spew(p, "", 0);
    expect_fail(p, "not a readable audio file", "empty file");
    tap_pathf(p, sizeof p, "%s/nodata.wav", scratch);
    uint8_t h[36] = "RIFF\0\0\0\0WAVEfmt \x10\0\0\0\x01\0\x01\0\x40\x1f\0\0\x80\x3e\0\0\x02\0\x10\0";
    tap_spew(p, h, 36);
    expect_fail(p, "no data chunk", "WAV without data chunk");
    tap_pathf(p, sizeof p, "%s/missing.wav", scratch);
    expect_fail(p, "No such file", "missing file");

    /* A chunk whose coarse does not inflate to L*ch*2 bytes cannot be the reference. */
    holo_decoded d;
    holo_err err = {0};
    char dir[4096];
    fresh_dir(dir, sizeof dir, "nochunks");
    int rc = decode_dir(dir, &d, &err);
    ok(rc == HOLO_ENOCHUNKS, "empty directory: HOLO_ENOCHUNKS (%d: %s)", rc, err.msg);
    holo_rmtree(dir);
}

int main(void)
{
    plan(0);
    tap_pathf(scratch, sizeof scratch, "/tmp/t_audio.XXXXXX");
    if (!mkdtemp(scratch)) { ok(0, "mkdtemp"); return done_testing(); }
    vector_cases();
    kb_cases();
    generated();
    public_api();
    bad_inputs();
    holo_rmtree(scratch);
    return done_testing();
}
