/* t_v4_audio.c — HO4A: exact round trips of awkward signals and formats, WAV files back byte
 * for byte with their LIST/fact/cue chunks, the quality any k of 32 chunks guarantees on two
 * real recordings (espeak-ng speech, installed by `make deps`) through the container with
 * chunk files removed, corrupt chunks skipped, hostile parameters refused. */
#include "tap.h"
#include "internal.h"
#include "v4_audio.h"
#include "v4_audio_file.h"
#include "v4_audio_wav.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char root[256];
static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint32_t rnd32(void) { rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17; return (uint32_t)(rng >> 16); }

static void quiet(void *ctx, const char *msg) { (void)ctx; (void)msg; }

static v4a_pcm make_pcm(unsigned channels, unsigned bits, uint64_t frames)
{
    v4a_pcm p = { .channels = channels, .bits = bits, .rate = 44100, .frames = frames };
    p.s = calloc(frames * channels != 0 ? frames * channels : 1, sizeof *p.s);
    return p;
}

static double snr_db(const v4a_pcm *a, const v4a_pcm *b)
{
    double sig = 0, err = 0;
    for (uint64_t i = 0; i < a->frames * a->channels; i++) {
        double d = (double)a->s[i] - b->s[i];
        sig += (double)a->s[i] * a->s[i];
        err += d * d;
    }
    return err == 0 ? 999 : 10 * log10(sig / err);
}

/* Encode into 32 streams (layout revision rev, 0: current), decode with all of them: the
 * samples must come back exactly. Returns the bytes of the streams. */
static size_t exact_roundtrip_rev(const char *what, const v4a_pcm *p, unsigned rev)
{
    v4a_streams s;
    v4a_opts o = { .n = 32, .revision = rev };
    holo_err e = { 0 };
    if (!ok(v4a_encode(p, NULL, 0, &o, &s, &e) == 0, "%s: encodes", what)) {
        diag("%s", e.msg);
        return 0;
    }
    size_t bytes = 0;
    for (unsigned t = 0; t < V4A_TIERS; t++)
        bytes += s.tier_len[t];
    for (unsigned i = 0; i < s.n; i++)
        bytes += s.u_len[i];
    v4a_pcm out;
    const uint8_t *rp;
    size_t rl;
    int exact = 0;
    int rc = v4a_decode(&s, &out, &rp, &rl, &exact, &e);
    ok(rc == 0 && exact && out.frames == p->frames && out.channels == p->channels &&
       !memcmp(out.s, p->s, p->frames * p->channels * sizeof *p->s), "%s: exact with every chunk", what);
    if (!rc)
        v4a_pcm_free(&out);
    v4a_streams_free(&s);
    return bytes;
}

static void exact_roundtrip(const char *what, const v4a_pcm *p) { exact_roundtrip_rev(what, p, 0); }

static void signals(void)
{
    v4a_pcm p = make_pcm(2, 16, 44100 + 17);                 /* white noise at full scale */
    for (uint64_t i = 0; i < p.frames * 2; i++)
        p.s[i] = (int32_t)(rnd32() & 0xFFFF) - 32768;
    exact_roundtrip("16-bit stereo full-scale noise", &p);
    for (uint64_t t = 0; t < p.frames; t++)                    /* clipped square waves */
        for (unsigned c = 0; c < 2; c++)
            p.s[t * 2 + c] = (t / (37 + 13 * c)) & 1 ? 32767 : -32768;
    exact_roundtrip("full-scale square waves", &p);
    memset(p.s, 0, p.frames * 2 * sizeof *p.s);
    exact_roundtrip("silence", &p);
    v4a_pcm_free(&p);

    p = make_pcm(1, 16, 1);
    p.s[0] = -32768;
    exact_roundtrip("one sample", &p);
    v4a_pcm_free(&p);
    p = make_pcm(2, 16, 0);
    exact_roundtrip("no samples", &p);
    v4a_pcm_free(&p);

    p = make_pcm(2, 24, 30001);                                /* 24-bit tones + noise, odd length */
    for (uint64_t t = 0; t < p.frames; t++) {
        p.s[t * 2] = (int32_t)(6e6 * sin(t * 0.031) + (int32_t)(rnd32() % 2001) - 1000);
        p.s[t * 2 + 1] = t % 5000 < 10 ? 8388607 : (int32_t)(3e6 * sin(t * 0.0071));
    }
    exact_roundtrip("24-bit stereo, odd length", &p);
    v4a_pcm_free(&p);

    p = make_pcm(6, 16, 9999);                                 /* 5.1: each channel its own tone */
    for (uint64_t t = 0; t < p.frames; t++)
        for (unsigned c = 0; c < 6; c++)
            p.s[t * 6 + c] = (int32_t)(12000 * sin(t * 0.01 * (c + 1))) + (int32_t)(rnd32() % 64);
    exact_roundtrip("6 channels", &p);
    /* sets of the first layout (plain unary bit lengths) still decode; the current one is
     * smaller on tones */
    size_t r1 = exact_roundtrip_rev("6 channels, revision 1", &p, 1);
    size_t r2 = exact_roundtrip_rev("6 channels, revision 2", &p, 2);
    size_t r3 = exact_roundtrip_rev("6 channels, revision 3", &p, 3);
    ok(r2 < r1, "revision 2 is smaller than revision 1 (%zu < %zu bytes)", r2, r1);
    /* revision 3 (U letters) is for decode speed; its bytes stay within 1% of revision 2 */
    ok(r3 * 100 <= r2 * 101, "revision 3 within 1%% of revision 2 (%zu vs %zu bytes)", r3, r2);
    v4a_opts bad = { .n = 32, .revision = 4 };
    v4a_streams bs;
    holo_err be = { 0 };
    ok(v4a_encode(&p, NULL, 0, &bad, &bs, &be) == HOLO_EINVAL, "revision 4 refused: %s", be.msg);
    v4a_pcm_free(&p);

    p = make_pcm(1, 8, 5001);
    for (uint64_t t = 0; t < p.frames; t++)
        p.s[t] = (int32_t)(127.0 * sin(t * 0.05)) | (t % 700 == 0 ? -128 : 0);
    exact_roundtrip("8-bit mono", &p);
    v4a_pcm_free(&p);
}

/* ---- files ---------------------------------------------------------------------------- */
static void put32le(uint8_t *p, uint32_t v) { for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i)); }

/* A 24-bit stereo WAV with LIST, fact and cue chunks before the data, an odd data size with
 * its pad byte and a trailing junk chunk. */
static uint8_t *odd_wav(size_t *len)
{
    static const uint8_t list[] = "LIST\x1a\0\0\0INFOINAM\x0e\0\0\0holo test tune";
    const size_t frames = 3001, data = frames * 6 + 1;          /* +1: a partial frame */
    uint8_t *b = calloc(1, 4096 + data + 64);
    size_t o = 12;
    memcpy(b, "RIFF\0\0\0\0WAVE", 12);
    memcpy(b + o, "fmt \x10\0\0\0\x01\0\x02\0\x44\xac\0\0\x98\x09\x04\0\x06\0\x18\0", 24);
    o += 24;
    memcpy(b + o, list, sizeof list - 1);
    o += sizeof list - 1;
    memcpy(b + o, "fact\x04\0\0\0\xb9\x0b\0\0", 12);
    o += 12;
    memcpy(b + o, "cue \x1c\0\0\0\x01\0\0\0\x01\0\0\0\x10\0\0\0data\0\0\0\0\0\0\0\0\x10\0\0\0", 36);
    o += 36;
    memcpy(b + o, "data", 4);
    put32le(b + o + 4, (uint32_t)data);
    o += 8;
    for (size_t i = 0; i < data; i++)
        b[o + i] = i % 3 == 2 ? (uint8_t)(int8_t)(40 * sin(i * 0.002)) : (uint8_t)rnd32();
    o += data;
    b[o++] = 0;                                                /* pad byte */
    memcpy(b + o, "junk\x03\0\0\0xyz", 11);
    o += 11;
    put32le(b + 4, (uint32_t)(o - 8));
    *len = o;
    return b;
}

static int encode_to(const char *dir, const uint8_t *buf, size_t len, int compact, holo_err *e)
{
    char tmp[512];
    tap_pathf(tmp, sizeof tmp, "%s.tmp", dir);
    if (holo_tmpdir_begin(dir, tmp, sizeof tmp, e))
        return -1;
    int rc = v4a_encode_buffer(buf, len, dir, tmp, 32, compact, e);
    if (rc) {
        holo_rmtree(tmp);
        return rc;
    }
    return holo_tmpdir_commit(tmp, dir, e);
}

/* Decode a copy of dir holding only the chunks whose bit is set in keep. */
static int decode_subset(const char *dir, const uint8_t keep[32], uint8_t **out, size_t *len, int *exact,
                         holo_err *e)
{
    char sub[512], src[600], dst[600];
    tap_pathf(sub, sizeof sub, "%s.sub", dir);
    holo_rmtree(sub);
    mkdir(sub, 0777);
    for (unsigned i = 0; i < 32; i++)
        if (keep[i]) {
            tap_pathf(src, sizeof src, "%s/chunk_%04u.holo", dir, i);
            tap_pathf(dst, sizeof dst, "%s/chunk_%04u.holo", sub, i);
            tap_copy(src, dst);
        }
    holo_decode_opts o;
    holo_decode_opts_init(&o);
    o.warn = quiet;
    int rc = v4a_decode_dir(sub, &o, out, len, exact, e);
    holo_rmtree(sub);
    return rc;
}

static void wav_exact(void)
{
    size_t len;
    uint8_t *w = odd_wav(&len), *back = NULL;
    char dir[512];
    tap_pathf(dir, sizeof dir, "%s/odd.wav.holo", root);
    holo_err e = { 0 };
    if (!ok(encode_to(dir, w, len, 0, &e) == 0, "WAV with LIST/fact/cue, pad and trailing chunk encodes"))
        diag("%s", e.msg);
    uint8_t all[32];
    memset(all, 1, sizeof all);
    size_t blen = 0;
    int exact = 0;
    if (!ok(decode_subset(dir, all, &back, &blen, &exact, &e) == 0 && exact, "all 32 chunks: exact"))
        diag("%s", e.msg);
    is_bytes(back, blen, w, len, "the WAV comes back byte for byte");
    free(back);
    /* half the chunks: the same container bytes around lossy samples */
    for (unsigned i = 0; i < 32; i++)
        all[i] = i % 2;
    back = NULL;
    ok(decode_subset(dir, all, &back, &blen, &exact, &e) == 0 && !exact && blen == len &&
       !memcmp(back, w, 80), "16 chunks: same length and header, not exact");
    free(back);
    /* a corrupt chunk is skipped, the others still decode exactly when 32 are not needed... */
    char path[600];
    tap_pathf(path, sizeof path, "%s/chunk_0007.holo", dir);
    size_t clen;
    uint8_t *c = tap_slurp(path, &clen);
    c[clen - 3] ^= 0x40;
    tap_spew(path, c, clen);
    free(c);
    memset(all, 1, sizeof all);
    back = NULL;
    ok(decode_subset(dir, all, &back, &blen, &exact, &e) == 0 && !exact && blen == len,
       "a chunk with a flipped byte is skipped, the rest decodes");
    free(back);
    free(w);
    /* not PCM WAV: refused, so the caller stores it as a binary */
    static const uint8_t notwav[] = "RIFF\x10\0\0\0WAVEfmt \x10\0\0\0\x03\0";
    tap_pathf(dir, sizeof dir, "%s/float.holo", root);
    ok(encode_to(dir, notwav, sizeof notwav - 1, 0, &e) == HOLO_EUNSUPPORTED, "float WAV refused: %s", e.msg);
}

static void put32be(uint8_t *p, uint32_t v) { for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (24 - 8 * i)); }

/* AIFF: COMM, an ANNO chunk, SSND with a nonzero offset, samples big-endian (8-bit signed). */
static uint8_t *make_aiff(unsigned channels, unsigned bits, uint32_t frames, size_t *len)
{
    unsigned bps = bits / 8;
    size_t data = (size_t)frames * channels * bps, o = 12;
    uint8_t *b = calloc(1, 128 + data);
    memcpy(b, "FORM\0\0\0\0AIFF", 12);
    memcpy(b + o, "COMM\0\0\0\x12", 8);
    b[o + 8] = 0; b[o + 9] = (uint8_t)channels;
    put32be(b + o + 10, frames);
    b[o + 14] = 0; b[o + 15] = (uint8_t)bits;
    memcpy(b + o + 16, "\x40\x0e\xac\x44\0\0\0\0\0\0", 10);       /* 44100 */
    o += 26;
    memcpy(b + o, "ANNO\x05\0\0\0holo\0\0", 14);                 /* odd length, pad byte */
    b[o + 7] = 5;
    memset(b + o + 4, 0, 3);
    o += 14;
    memcpy(b + o, "SSND", 4);
    put32be(b + o + 4, (uint32_t)(data + 8 + 4));
    put32be(b + o + 8, 4);                                     /* offset: 4 bytes before the samples */
    memcpy(b + o + 16, "skip", 4);
    o += 20;
    for (size_t i = 0; i < data; i++)
        b[o + i] = (uint8_t)(i % bps == 0 ? (uint8_t)(int8_t)(90 * sin(i * 0.01)) : rnd32());
    o += data;
    put32be(b + 4, (uint32_t)(o - 8));
    *len = o;
    return b;
}

static void aiff_exact(void)
{
    const unsigned fmts[][2] = { { 2, 16 }, { 1, 8 }, { 3, 24 } };
    for (unsigned i = 0; i < 3; i++) {
        size_t len, blen = 0;
        uint8_t *a = make_aiff(fmts[i][0], fmts[i][1], 2501, &len), *back = NULL, all[32];
        char dir[512];
        tap_pathf(dir, sizeof dir, "%s/a%u.aiff.holo", root, i);
        holo_err e = { 0 };
        int exact = 0;
        memset(all, 1, sizeof all);
        if (!ok(encode_to(dir, a, len, 0, &e) == 0, "AIFF %u ch %u-bit encodes", fmts[i][0], fmts[i][1]))
            diag("%s", e.msg);
        ok(decode_subset(dir, all, &back, &blen, &exact, &e) == 0 && exact && blen == len && !memcmp(back, a, len),
           "... and comes back byte for byte");
        free(back);
        free(a);
    }
}

/* Hostile parameters: every byte of tier 0's head flipped in turn decodes or fails cleanly. */
static void hostile(void)
{
    v4a_pcm p = make_pcm(2, 16, 4000);
    for (uint64_t i = 0; i < p.frames * 2; i++)
        p.s[i] = (int32_t)(8000 * sin(i * 0.01));
    v4a_streams s;
    v4a_opts o = { .n = 8 };
    holo_err e;
    v4a_encode(&p, NULL, 0, &o, &s, &e);
    int fine = 1;
    for (unsigned i = 0; i < 40; i++)
        for (unsigned bit = 0; bit < 8; bit++) {
            s.tier[0][i] ^= (uint8_t)(1u << bit);
            v4a_pcm out;
            const uint8_t *rp;
            size_t rl;
            int exact;
            int rc = v4a_decode(&s, &out, &rp, &rl, &exact, &e);
            if (rc == 0)
                v4a_pcm_free(&out);
            else if (!strstr(e.msg, "HO4A"))
                fine = 0;
            s.tier[0][i] ^= (uint8_t)(1u << bit);
        }
    ok(fine, "flipped parameter bits: decoded or refused with a message");
    /* garbage streams: bounded work, no crash (the sanitizer build checks memory) */
    for (unsigned t = 1; t < V4A_TIERS; t++)
        for (size_t i = 0; i < s.tier_len[t]; i++)
            s.tier[t][i] = (uint8_t)rnd32();
    v4a_pcm out;
    const uint8_t *rp;
    size_t rl;
    int exact;
    int rc = v4a_decode(&s, &out, &rp, &rl, &exact, &e);
    ok(rc == 0 && out.frames == p.frames, "garbage layers decode to the right length");
    if (!rc)
        v4a_pcm_free(&out);
    v4a_streams_free(&s);
    v4a_pcm_free(&p);
}

/* ---- guarantees on real recordings ----------------------------------------------------- */
static void guarantees(const char *name, const char *voice, const char *text)
{
    char wav[512], cmd[2048], dir[512];
    tap_pathf(wav, sizeof wav, "%s/%s.wav", root, name);
    snprintf(cmd, sizeof cmd, "espeak-ng -v %s -w '%s' '%s'", voice, wav, text);
    if (!ok(system(cmd) == 0, "%s: espeak-ng wrote the recording", name))
        return;
    size_t len;
    uint8_t *w = tap_slurp(wav, &len);
    v4a_pcm orig;
    uint8_t *recipe;
    size_t rlen;
    holo_err e = { 0 };
    if (!ok(w && v4a_wav_split(w, len, wav, &orig, &recipe, &rlen, &e) == 0, "%s: PCM WAV", name))
        return;
    free(recipe);
    tap_pathf(dir, sizeof dir, "%s/%s.holo", root, name);
    if (!ok(encode_to(dir, w, len, 0, &e) == 0, "%s: encodes", name))
        diag("%s", e.msg);
    struct { unsigned k; double min_db; } want[] = { { 1, 3 }, { 4, 12 }, { 16, 30 } };
    for (unsigned g = 0; g < 3; g++) {
        double worst = 999;
        int fails = 0;
        for (unsigned trial = 0; trial < 6; trial++) {
            uint8_t keep[32] = { 0 };
            unsigned k = want[g].k;
            if (trial == 0)                                    /* the data rows only */
                for (unsigned i = 0; i < k; i++) keep[i] = 1;
            else if (trial == 1)                               /* parity rows only */
                for (unsigned i = 32 - k; i < 32; i++) keep[i] = 1;
            else
                for (unsigned got = 0; got < k;) {
                    unsigned i = rnd32() % 32;
                    got += !keep[i];
                    keep[i] = 1;
                }
            uint8_t *back = NULL;
            size_t blen;
            int exact;
            v4a_pcm dec;
            uint8_t *r2;
            size_t r2len;
            if (decode_subset(dir, keep, &back, &blen, &exact, &e) || v4a_wav_split(back, blen, dir, &dec, &r2, &r2len, &e)) {
                fails++;
                free(back);
                continue;
            }
            double d = snr_db(&orig, &dec);
            worst = d < worst ? d : worst;
            v4a_pcm_free(&dec);
            free(r2);
            free(back);
        }
        ok(!fails && worst >= want[g].min_db, "%s: any %u of 32 chunks >= %.0f dB (worst of 6: %.2f dB)", name,
           want[g].k, want[g].min_db, worst);
    }
    uint8_t all[32], *back = NULL;
    memset(all, 1, sizeof all);
    size_t blen;
    int exact = 0;
    ok(decode_subset(dir, all, &back, &blen, &exact, &e) == 0 && exact && blen == len && !memcmp(back, w, len),
       "%s: all 32 chunks give the file back", name);
    free(back);
    free(w);
    v4a_pcm_free(&orig);
}

/* The default chunk count: one per 4 KiB of the file, 1 to 32. */
static void chunk_counts(void)
{
    is_int(v4a_chunks_for(0), 1, "empty: 1 chunk");
    is_int(v4a_chunks_for(4095), 1, "4095 bytes: 1 chunk");
    is_int(v4a_chunks_for(8192), 2, "8 KiB: 2 chunks");
    is_int(v4a_chunks_for(48044), 11, "48044 bytes: 11 chunks");
    is_int(v4a_chunks_for(131071), 31, "128 KiB - 1: 31 chunks");
    is_int(v4a_chunks_for(131072), 32, "128 KiB: 32 chunks");
    is_int(v4a_chunks_for((uint64_t)1 << 40), 32, "1 TiB: 32 chunks");
}

int main(void)
{
    tap_pathf(root, sizeof root, "/tmp/t_v4_audio.%d", (int)getpid());
    mkdir(root, 0777);
    signals();
    chunk_counts();
    wav_exact();
    aiff_exact();
    hostile();
    guarantees("speech_en", "en",
               "Move and store media over links that lose data. Every chunk holds a coarse view of "
               "the whole file and a different slice of the detail, so any subset plays.");
    guarantees("speech_de", "de+f3",
               "Ein holographischer Codec schneidet eine Datei in viele Stuecke. Jede Teilmenge "
               "ergibt eine zusammenhaengende, leicht verrauschte Fassung des Ganzen.");
    holo_rmtree(root);
    return done_testing();
}
