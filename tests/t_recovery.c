/* t_recovery.c — HORC recovery chunks for v1/v2 images, audio and HOBI binaries (our extension of
 * doc/formats.md §HORC): round trips through holo_encode_file with B = 8 and recovery 0.25 (R = 2).
 *
 * For every kind: the recovery files and their header fields (base_kind 1/2/3, version = chunk
 * version); every pattern of up to two deleted chunks decodes exactly; three deleted decode but
 * are not exact; holo_info_dir reports the recovery chunks and whether they suffice; no_recovery
 * is honoured; a corrupt recovery chunk is skipped with a warning and never yields wrong data
 * claimed exact; a recovery chunk of another encoding is ignored. */
#include "internal.h"
#include "tap.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define B 8u

static char scratch[256];

static int warnings;
static char last_warning[1024];
static void count_warn(void *ctx, const char *msg)
{
    (void)ctx;
    warnings++;
    snprintf(last_warning, sizeof last_warning, "%s", msg);
}

static uint32_t rng_state = 12345;
static uint32_t rnd(void)
{
    rng_state = rng_state * 1664525u + 1013904223u;
    return rng_state >> 8;
}

/* The original content of each kind, to compare decodes with. */
typedef struct {
    const char *what;
    holo_kind kind;
    int version;
    char input[512], dir[512];
    uint8_t *bytes;           /* binary */
    uint8_t *pixels;          /* image */
    int16_t *samples;         /* audio */
    size_t len;               /* bytes / pixel bytes / samples */
} subject;

static int same_content(const subject *s, const holo_decoded *d)
{
    switch (s->kind) {
    case HOLO_KIND_BINARY: return d->bytes && d->info.length == s->len && !memcmp(d->bytes, s->bytes, s->len);
    case HOLO_KIND_IMAGE: return d->pixels && !memcmp(d->pixels, s->pixels, s->len);
    case HOLO_KIND_AUDIO: return d->samples && !memcmp(d->samples, s->samples, s->len * 2);
    default: return 0;
    }
}

static int decode(const char *dir, int no_recovery, holo_decoded *d, holo_err *err)
{
    holo_decode_opts o;
    holo_decode_opts_init(&o);
    o.warn = count_warn;
    o.no_recovery = no_recovery;
    warnings = 0;
    last_warning[0] = 0;
    return holo_decode_dir(dir, &o, d, err);
}

/* Move chunk_b out of the directory (and back): deletion patterns without copying. */
static void hide(const subject *s, uint32_t b, int back)
{
    char a[1024], h[1024];
    tap_pathf(a, sizeof a, "%s/chunk_%04u.holo", s->dir, b);
    tap_pathf(h, sizeof h, "%s/hidden_%04u", scratch, b);
    if (back) rename(h, a);
    else rename(a, h);
}

static void write_file(const char *path, const void *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (f) { fwrite(p, 1, n, f); fclose(f); }
}

static void make_subject(subject *s)
{
    holo_err err = {0};
    holo_decoded d;
    memset(&d, 0, sizeof d);
    if (s->kind == HOLO_KIND_BINARY) {
        s->len = 12000;                       /* N = 10976 residual bytes */
        s->bytes = malloc(s->len);
        for (size_t i = 0; i < s->len; i++) s->bytes[i] = (uint8_t)rnd();
        tap_pathf(s->input, sizeof s->input, "%s/%s.bin", scratch, s->what);
        write_file(s->input, s->bytes, s->len);
        return;
    }
    if (s->kind == HOLO_KIND_IMAGE) {
        uint32_t W = 37, H = 23;
        s->len = (size_t)W * H * 3;
        s->pixels = malloc(s->len);
        for (uint32_t y = 0; y < H; y++)
            for (uint32_t x = 0; x < W; x++)
                for (int c = 0; c < 3; c++)
                    s->pixels[(y * W + x) * 3 + c] = (uint8_t)((x * 7 + y * 5 + c * 40 + rnd() % 30) & 255);
        d.info.kind = HOLO_KIND_IMAGE;
        d.info.width = W;
        d.info.height = H;
        d.info.channels = 3;
        d.pixels = s->pixels;
        tap_pathf(s->input, sizeof s->input, "%s/%s.png", scratch, s->what);
        if (holo_view_write(&d, HOLO_VIEW_PNG, s->input, &err)) diag("%s", err.msg);
        return;
    }
    uint32_t frames = 3000, ch = 2;
    s->len = (size_t)frames * ch;
    s->samples = malloc(s->len * 2);
    for (uint32_t i = 0; i < frames; i++)
        for (uint32_t c = 0; c < ch; c++)
            s->samples[i * ch + c] = (int16_t)(8000 * sin(i * 0.05 * (c + 1)) + (int)(rnd() % 2001) - 1000);
    d.info.kind = HOLO_KIND_AUDIO;
    d.info.channels = ch;
    d.info.sample_rate = 8000;
    d.info.frames = frames;
    d.samples = s->samples;
    tap_pathf(s->input, sizeof s->input, "%s/%s.wav", scratch, s->what);
    if (holo_view_write(&d, HOLO_VIEW_WAV, s->input, &err)) diag("%s", err.msg);
}

static uint8_t *slurp_rec(const subject *s, uint32_t r, size_t *len, char *path, size_t psz)
{
    tap_pathf(path, psz, "%s/recovery_%04u.holo", s->dir, r);
    return tap_slurp(path, len);
}

static void run(subject *s)
{
    holo_err err = {0};
    make_subject(s);
    tap_pathf(s->dir, sizeof s->dir, "%s/%s.holo", scratch, s->what);
    holo_encode_opts eo;
    holo_encode_opts_init(&eo);
    eo.codec_version = s->version;
    eo.block_count = B;
    eo.recovery = 0.25;
    eo.threads = 2;
    int rc = holo_encode_file(s->input, s->dir, &eo, &err);
    if (!is_int(rc, 0, "%s: encode with recovery 0.25", s->what)) diag("%s", err.msg);

    /* Two recovery chunks with our base_kind and the chunk version. */
    char rp[1024];
    size_t len = 0;
    uint8_t *r0 = slurp_rec(s, 0, &len, rp, sizeof rp), *r1 = slurp_rec(s, 1, &len, rp, sizeof rp);
    uint8_t *r2 = slurp_rec(s, 2, &len, rp, sizeof rp);
    ok(r0 && r1 && !r2, "%s: exactly recovery_0000 and recovery_0001 written (R = ceil(8*0.25))", s->what);
    if (!r0) {
        diag("%s: no recovery chunks: is holo_enc_plan.recovery set from o->recovery?", s->what);
        free(r1); free(r2);
        return;
    }
    uint8_t want_kind = s->kind == HOLO_KIND_IMAGE ? 1 : s->kind == HOLO_KIND_AUDIO ? 2 : 3;
    uint64_t N = s->kind == HOLO_KIND_BINARY ? s->len - 1024 : s->len;
    uint64_t S = (s->kind == HOLO_KIND_BINARY ? 1 : 2) * ((N + B - 1) / B);
    ok(!memcmp(r0, "HORC", 4) && r0[4] == 1, "%s: HORC magic and record version 1", s->what);
    is_int(r0[5], want_kind, "%s: base_kind", s->what);
    is_int(r0[6], s->version, "%s: base_codec_version = chunk version", s->what);
    is_int(holo_rd32(r0 + 8), B, "%s: block_count", s->what);
    is_int(holo_rd32(r0 + 16), (long long)S, "%s: slice_len = elem_size * ceil(N/B)", s->what);
    int nonzero = 1;
    for (uint32_t b = 0; b < B; b++) nonzero &= r0[28 + b] != 0;
    ok(nonzero, "%s: coefficients nonzero", s->what);
    free(r1); free(r2);

    holo_decoded d;
    rc = decode(s->dir, 0, &d, &err);
    ok(rc == 0 && d.info.exact && same_content(s, &d) && d.info.chunks_recovered == 0,
       "%s: full set decodes exactly, nothing recovered", s->what);
    holo_decoded_free(&d);

    /* Every pattern of one or two missing chunks. */
    int good = 0, total = 0;
    for (uint32_t a = 0; a < B; a++)
        for (uint32_t b = a; b < B; b++) {
            hide(s, a, 0);
            if (b != a) hide(s, b, 0);
            uint32_t miss = b != a ? 2 : 1;
            rc = decode(s->dir, 0, &d, &err);
            int g = rc == 0 && d.info.exact && same_content(s, &d) && d.info.chunks_present == B &&
                    d.info.chunks_recovered == miss;
            if (!g) diag("%s: missing %u,%u: rc %d exact %d recovered %u: %s", s->what, a, b, rc,
                         rc ? 0 : d.info.exact, rc ? 0 : d.info.chunks_recovered, rc ? err.msg : last_warning);
            good += g;
            total++;
            if (!rc) holo_decoded_free(&d);
            if (b != a) hide(s, b, 1);
            hide(s, a, 1);
        }
    is_int(good, total, "%s: all %d patterns of 1-2 missing chunks decode exactly", s->what, total);

    /* info: headers only. */
    holo_info in;
    hide(s, 2, 0); hide(s, 5, 0);
    rc = holo_info_dir(s->dir, &in, &err);
    ok(rc == 0 && in.recovery_chunks == 2 && in.recoverable == 1 && in.chunks_present == 6 && !in.exact,
       "%s: info with 2 missing: 2 recovery chunks, recoverable", s->what);
    rc = decode(s->dir, 1, &d, &err);
    ok(rc == 0 && !d.info.exact && d.info.chunks_present == 6 && d.info.chunks_recovered == 0,
       "%s: no_recovery leaves the 2 blocks missing", s->what);
    if (!rc) holo_decoded_free(&d);

    hide(s, 7, 0);
    rc = holo_info_dir(s->dir, &in, &err);
    ok(rc == 0 && in.recovery_chunks == 2 && in.recoverable == 0,
       "%s: info with 3 missing: not recoverable", s->what);
    rc = decode(s->dir, 0, &d, &err);
    ok(rc == 0 && !d.info.exact && d.info.chunks_present == 5 && d.info.chunks_recovered == 0 &&
       !same_content(s, &d), "%s: 3 missing: decodes, not exact, nothing recovered", s->what);
    ok(warnings > 0 && strstr(last_warning, "cannot restore"), "%s: warning: %s", s->what, last_warning);
    if (!rc) holo_decoded_free(&d);
    hide(s, 7, 1); hide(s, 5, 1);

    rc = holo_info_dir(s->dir, &in, &err);
    ok(rc == 0 && in.recovery_chunks == 2 && in.recoverable == 1 && in.chunks_present == 7,
       "%s: info with 1 missing: recoverable", s->what);

    /* A recovery chunk with a broken header: skipped with a warning, the other one suffices. */
    uint8_t *orig = slurp_rec(s, 0, &len, rp, sizeof rp);
    uint8_t *bad = malloc(len);
    memcpy(bad, orig, len);
    bad[0] = 'X';
    write_file(rp, bad, len);
    rc = decode(s->dir, 0, &d, &err);
    ok(rc == 0 && d.info.exact && same_content(s, &d) && d.info.chunks_recovered == 1,
       "%s: broken recovery_0000 skipped, block recovered from recovery_0001", s->what);
    ok(warnings == 1 && strstr(last_warning, "recovery_0000.holo") && strstr(last_warning, "not a HORC"),
       "%s: one warning naming the file: %s", s->what, last_warning);
    if (!rc) holo_decoded_free(&d);
    rc = holo_info_dir(s->dir, &in, &err);
    ok(rc == 0 && in.recovery_chunks == 1 && in.recoverable == 1, "%s: info counts 1 usable recovery chunk", s->what);

    /* Corrupt payload bytes: whatever happens, nothing wrong is claimed exact. */
    memcpy(bad, orig, len);
    for (size_t i = 28 + B + 4; i < len && i < 28 + B + 12; i++) bad[i] ^= 0x5a;
    write_file(rp, bad, len);
    rc = decode(s->dir, 0, &d, &err);
    ok(rc == 0 && warnings > 0 && (!d.info.exact || same_content(s, &d)),
       "%s: corrupt recovery payload: warning (%s), no wrong exact result", s->what, last_warning);
    if (!rc) holo_decoded_free(&d);

    /* A recovery chunk of another encoding (other version byte) is ignored. */
    memcpy(bad, orig, len);
    bad[6] = (uint8_t)(s->version == 1 ? 2 : 1);
    write_file(rp, bad, len);
    rc = decode(s->dir, 0, &d, &err);
    ok(rc == 0 && d.info.exact && strstr(last_warning, "another encoding"),
       "%s: recovery chunk of another version ignored: %s", s->what, last_warning);
    if (!rc) holo_decoded_free(&d);
    write_file(rp, orig, len);
    free(bad);
    free(orig);
    hide(s, 2, 1);
    free(r0);
}

int main(void)
{
    const char *t = getenv("TMPDIR");
    snprintf(scratch, sizeof scratch, "%s/holo_rec_XXXXXX", t && *t ? t : "/tmp");
    if (!mkdtemp(scratch)) { plan(1); ok(0, "mkdtemp"); return done_testing(); }
    plan(0);
    subject subs[] = {
        { .what = "binary", .kind = HOLO_KIND_BINARY, .version = 2 },
        { .what = "image_v2", .kind = HOLO_KIND_IMAGE, .version = 2 },
        { .what = "image_v1", .kind = HOLO_KIND_IMAGE, .version = 1 },
        { .what = "audio_v2", .kind = HOLO_KIND_AUDIO, .version = 2 },
        { .what = "audio_v1", .kind = HOLO_KIND_AUDIO, .version = 1 },
    };
    for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++) {
        run(&subs[i]);
        free(subs[i].bytes);
        free(subs[i].pixels);
        free(subs[i].samples);
    }

    /* Without the option nothing is written (the default stays the reference's layout). */
    holo_err err = {0};
    holo_encode_opts eo;
    holo_encode_opts_init(&eo);
    eo.block_count = B;
    char dir[512], rp[1024];
    tap_pathf(dir, sizeof dir, "%s/plain.holo", scratch);
    int rc = holo_encode_file(subs[0].input, dir, &eo, &err);
    tap_pathf(rp, sizeof rp, "%s/recovery_0000.holo", dir);
    ok(rc == 0 && access(rp, F_OK) != 0, "no recovery chunks unless asked");
    holo_rmtree(scratch);
    return done_testing();
}
