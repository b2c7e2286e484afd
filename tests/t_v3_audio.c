/* t_v3_audio.c — HOAU v3 audio (doc/formats.md §HOAU v3): STFT tables, decoding every audio_v3_*
 * vector (all chunks and the documented subset, incl. the int16 wrap of quirk Q7), encoding with
 * the cases' settings (score-rank file names), HORC recovery, and hostile OLOA blobs. */
#include "v3_testutil.h"
#include "stft.h"
#include "wav.h"
#include <unistd.h>

static float hexf(json_t *s) { return (float)strtod(json_string_value(s), NULL); }

static void tables(void)
{
    char p[4096];
    snprintf(p, sizeof p, "%s/formats/tables/v3_tables.json", tap_vectors());
    json_t *t = json_load_file(p, 0, NULL);
    if (!t) { skip(3, "v3_tables.json missing"); return; }
    const char *key;
    json_t *v;
    int ns = 0, bs = 0;
    json_object_foreach(json_object_get(t, "audio_quant_steps"), key, v) {
        int nf, q;
        if (sscanf(key, "nfft%d_q%d", &nf, &q) != 2) continue;
        float *st = malloc((size_t)(nf / 2 + 1) * sizeof *st);
        holo_stft_steps(nf, q, st);
        ns++;
        for (int i = 0; i < 8; i++) bs += st[i] != hexf(json_array_get(json_object_get(v, "first8_hex_f32"), i));
        bs += st[nf / 2] != hexf(json_object_get(v, "last_hex_f32"));
        free(st);
    }
    ok(ns >= 5 && bs == 0, "%d quantization step tables bit-exact", ns);
    int nw = 0, bw = 0;
    json_object_foreach(json_object_get(t, "sqrt_hann_window"), key, v) {
        int nf = atoi(key);
        float *w = malloc((size_t)nf * sizeof *w);
        holo_stft_window(nf, w);
        nw++;
        json_t *f4 = json_object_get(v, "first4_hex");
        for (size_t i = 0; i < json_array_size(f4) && (int)i < nf; i++) bw += w[i] != hexf(json_array_get(f4, i));
        /* Symmetric. */
        for (int i = 0; i < nf; i++) bw += w[i] != w[nf - 1 - i];
        free(w);
    }
    ok(nw >= 4 && bw == 0, "%d sqrt-Hann windows: first values bit-exact, symmetric", nw);
    int nfc = 0, bfc = 0;
    json_object_foreach(json_object_get(t, "stft_frame_count"), key, v) {
        unsigned long n;
        int nf, hop;
        if (sscanf(key, "n%lu_nfft%d_hop%d", &n, &nf, &hop) != 3) continue;
        uint64_t F = holo_stft_frames(n, nf, hop);
        nfc++;
        bfc += F != (uint64_t)json_integer_value(json_object_get(v, "frames"));
        bfc += (uint64_t)nf + (F - 1) * (uint64_t)hop - n != (uint64_t)json_integer_value(json_object_get(v, "pad"));
    }
    ok(nfc >= 7 && bfc == 0, "%d STFT frame counts and pads", nfc);
    json_decref(t);
}

static void decode_vs(const char *dir, const char *wav, const holo_decode_opts *o, const char *label)
{
    holo_decoded d;
    holo_err e;
    holo_wav w;
    int rc = holo_decode_dir(dir, o, &d, &e);
    if (!ok(rc == 0, "%s: decodes", label)) { diag("%s", e.msg); return; }
    if (holo_wav_read(wav, &w, &e)) { ok(0, "%s: read %s", label, wav); holo_decoded_free(&d); return; }
    size_t n = w.frames * w.channels, diff = 0, big = 0;
    if (!is_int(d.info.frames * 100ll + d.info.channels, (long long)w.frames * 100 + w.channels,
                "%s: frames and channels", label)) n = 0;
    for (size_t i = 0; i < n; i++) {
        int df = abs((int)d.samples[i] - w.samples[i]);
        diff += df != 0;
        big += df > 1;
    }
    ok(n && big == 0 && diff <= 2, "%s: samples within ±1 (%zu of %zu differ)", label, diff, n);
    holo_wav_free(&w);
    holo_decoded_free(&d);
}

static const char *const cases[] = {
    "audio_v3_mono16_22050_downsample_q50_B8", "audio_v3_stereo16_16000_lowfreq_q60_B6",
    "audio_v3_mono24_8000_aelatent_q80_nfft256_B4", "audio_v3_quiet_mono16_8000_downsample_q50_B5",
    "horc_audio_v3_stereo16_16000_B8", NULL,
};

static void decode_cases(void)
{
    holo_decode_opts o;
    holo_decode_opts_init(&o);
    for (int i = 0; cases[i]; i++) {
        char dir[4096], p1[4300], p2[4300], tmp[256], label[200];
        json_t *cj = tu_case(cases[i], dir);
        if (!cj) { skip(1, "case missing"); continue; }
        json_t *outs = json_object_get(cj, "outputs");
        snprintf(p1, sizeof p1, "%s/chunks", dir);
        snprintf(p2, sizeof p2, "%s/%s", dir, json_string_value(json_object_get(outs, "decoded_all")));
        decode_vs(p1, p2, &o, cases[i]);
        tu_tmpdir(tmp);
        tu_copy_subset(dir, cj, tmp);
        snprintf(p2, sizeof p2, "%s/%s", dir, json_string_value(json_object_get(outs, "decoded_subset")));
        o.no_recovery = 1;
        snprintf(label, sizeof label, "%s subset (by file name = score rank)", cases[i]);
        decode_vs(tmp, p2, &o, label);
        o.no_recovery = 0;
        holo_rmtree(tmp);
        json_decref(cj);
    }
}

static void recovery_case(void)
{
    char dir[4096], src[4300], want[4300], tmp[256];
    json_t *cj = tu_case("horc_audio_v3_stereo16_16000_B8", dir);
    if (!cj) { skip(1, "case missing"); return; }
    snprintf(src, sizeof src, "%s/chunks", dir);
    static const char *const del[] = {"chunk_0003.holo", "chunk_0006.holo", NULL};
    tu_tmpdir(tmp);
    tu_copy_dir(src, tmp, del);
    holo_decode_opts o;
    holo_decode_opts_init(&o);
    snprintf(want, sizeof want, "%s/decoded_all.wav", dir);
    decode_vs(tmp, want, &o, "del_2_files (blocks 7 and 4) with recovery = decoded_all");
    o.no_recovery = 1;
    snprintf(want, sizeof want, "%s/decoded_del_2_files_without_recovery.wav", dir);
    decode_vs(tmp, want, &o, "del_2_files without recovery");
    holo_rmtree(tmp);
    json_decref(cj);
}

static void encode_cases(void)
{
    for (int i = 0; cases[i]; i++) {
        char dir[4096], in[4300], ref[4300], tmp[256], out[300];
        json_t *cj = tu_case(cases[i], dir);
        if (!cj) continue;
        json_t *a = json_object_get(cj, "encoder_args");
        holo_encode_opts eo;
        holo_encode_opts_init(&eo);
        eo.zlib_level = 9;   /* the reference's level: byte-exact chunks */
        eo.codec_version = 3;
        eo.block_count = (uint32_t)json_integer_value(json_object_get(a, "block_count"));
        if (json_object_get(a, "quality")) eo.quality = (int)json_integer_value(json_object_get(a, "quality"));
        if (json_object_get(a, "coarse_model")) eo.coarse_model = json_string_value(json_object_get(a, "coarse_model"));
        if (json_object_get(a, "n_fft")) eo.n_fft = (int)json_integer_value(json_object_get(a, "n_fft"));
        if (json_object_get(a, "hop")) eo.hop = (int)json_integer_value(json_object_get(a, "hop"));
        if (json_object_get(a, "coarse_max_frames")) eo.coarse_frames = (uint32_t)json_integer_value(json_object_get(a, "coarse_max_frames"));
        if (json_object_get(a, "overhead")) eo.recovery = json_real_value(json_object_get(a, "overhead"));
        snprintf(in, sizeof in, "%s/formats/%s", tap_vectors(), json_string_value(json_object_get(cj, "input")));
        snprintf(ref, sizeof ref, "%s/chunks", dir);
        tu_tmpdir(tmp);
        snprintf(out, sizeof out, "%s/x.holo", tmp);
        holo_err e;
        int rc = holo_encode_file(in, out, &eo, &e);
        if (!is_int(rc, 0, "%s: encode", cases[i])) { diag("%s", e.msg); holo_rmtree(tmp); json_decref(cj); continue; }
        long n, diff, big;
        int same;
        int bad = tu_compare_v3(ref, out, &n, &diff, &big, &same);
        is_int(bad, 0, "%s: rank names, headers, OLOA blob and slice lengths identical", cases[i]);
        ok(n > 0 && big == 0 && diff * 100 < n, "%s: coefficients within ±1, %ld of %ld differ", cases[i], diff, n);
        /* The README's v3 parity table claims all five audio cases identical: assert it. */
        ok(same && n > 0, "%s: every chunk byte-identical to the reference", cases[i]);
        char want[8704];
        snprintf(want, sizeof want, "%s/%s", dir,
                 json_string_value(json_object_get(json_object_get(cj, "outputs"), "decoded_all")));
        holo_wav src, refd;
        holo_decoded d;
        holo_decode_opts dopt;
        holo_decode_opts_init(&dopt);
        if (!holo_wav_read(in, &src, &e) && !holo_wav_read(want, &refd, &e) &&
            !holo_decode_dir(out, &dopt, &d, &e)) {
            size_t ns = src.frames * src.channels;
            double po = tu_psnr16(d.samples, src.samples, ns), pr = tu_psnr16(refd.samples, src.samples, ns);
            size_t bo = tu_chunk_bytes(out), br = tu_chunk_bytes(ref);
            ok(po >= pr - 0.3, "%s: PSNR %.3f dB vs reference %.3f dB", cases[i], po, pr);
            ok(bo * 100 <= br * 103, "%s: %zu chunk bytes vs reference %zu", cases[i], bo, br);
            holo_decoded_free(&d);
            holo_wav_free(&src);
            holo_wav_free(&refd);
        } else {
            ok(0, "%s: quality parity inputs (%s)", cases[i], e.msg);
        }
        char p1[8704], p2[8704];
        snprintf(p1, sizeof p1, "%s/manifest.json", ref);
        snprintf(p2, sizeof p2, "%s/manifest.json", out);
        size_t l1, l2;
        uint8_t *m1 = tap_slurp(p1, &l1), *m2 = tap_slurp(p2, &l2);
        if (diff == 0)
            is_bytes(m2, l2, m1, l1, "%s: manifest.json identical (ranks, block ids, scores)", cases[i]);
        else
            ok(m2 != NULL, "%s: manifest.json written", cases[i]);
        free(m1); free(m2);
        holo_rmtree(tmp);
        json_decref(cj);
    }
}

static void hostile_oloa(void)
{
    char dir[4096], src[4300], tmp[256], p[8704];
    json_t *cj = tu_case("audio_v3_quiet_mono16_8000_downsample_q50_B5", dir);
    if (!cj) { skip(1, "case missing"); return; }
    json_decref(cj);
    snprintf(src, sizeof src, "%s/chunks/chunk_0000.holo", dir);
    size_t len;
    uint8_t *orig = tap_slurp(src, &len);
    /* The blob starts at 36: magic, ver, q, flags, name_len, n_fft (40), hop (44), name (48). */
    struct { const char *what; size_t off; uint32_t val; int wide; size_t off2; uint32_t val2;
             const char *words; } m[] = {
        {"bad OLOA magic", 36, 'X', 0, 0, 0, NULL},
        {"meta version 9", 40, 9, 0, 0, 0, NULL},
        {"name_len past the blob", 43, 0xFF, 0, 0, 0, NULL},
        {"n_fft 0", 44, 0, 1, 0, 0, NULL},
        {"n_fft 2^31", 44, 0x80000000u, 1, 0, 0, NULL},
        {"coarse frames 0", 24, 0, 1, 0, 0, NULL},
        {"coarse frames 2^31", 24, 0x80000000u, 1, 0, 0, NULL},
        {"corrupt coarse zlib", 36 + 16 + 10 + 2, 0, 0, 0, 0, NULL},
        /* just over 2^21: the overlap-add rings would hold 64 x 32769 doubles per synthesis */
        {"64 channels x n_fft 32769", 5, 64, 0, 44, 32769, "exceed the synthesis limit"},
    };
    holo_decode_opts o;
    holo_decode_opts_init(&o);
    for (size_t i = 0; i < sizeof m / sizeof m[0]; i++) {
        uint8_t *b = malloc(len);
        memcpy(b, orig, len);
        if (m[i].wide) holo_wr32(b + m[i].off, m[i].val);
        else b[m[i].off] = (uint8_t)m[i].val;
        if (m[i].off2) holo_wr32(b + m[i].off2, m[i].val2);
        tu_tmpdir(tmp);
        snprintf(p, sizeof p, "%s/chunk_0000.holo", tmp);
        FILE *f = fopen(p, "wb");
        fwrite(b, 1, len, f);
        fclose(f);
        free(b);
        holo_decoded d;
        holo_err e;
        int rc = holo_decode_dir(tmp, &o, &d, &e);
        ok(rc < 0 && strstr(e.msg, tmp) != NULL && (!m[i].words || strstr(e.msg, m[i].words)),
           "%s: rejected (%s)", m[i].what, e.msg);
        if (!rc) holo_decoded_free(&d);
        holo_rmtree(tmp);
    }
    free(orig);
}

/* fd's whole contents (lseek'd back to 0); *len its size. */
static uint8_t *read_fd(int fd, size_t *len)
{
    off_t end = lseek(fd, 0, SEEK_END);
    uint8_t *b = malloc(end > 0 ? (size_t)end : 1);
    *len = b && end >= 0 && pread(fd, b, (size_t)end, 0) == (ssize_t)end ? (size_t)end : 0;
    return b;
}

/* holo_decode_wav_fd (what holo decode writes, synthesised and written a block at a time) gives
 * the bytes of holo_decode_dir + holo_view_render, for the full sets and the subsets; --strict
 * on a subset fails before anything is written; an image set is refused. */
static void wav_fd_cases(void)
{
    for (int i = 0; cases[i]; i++) {
        char dir[4096], p1[4300], tmp[256];
        json_t *cj = tu_case(cases[i], dir);
        if (!cj) { skip(1, "case missing"); continue; }
        snprintf(p1, sizeof p1, "%s/chunks", dir);
        tu_tmpdir(tmp);
        tu_copy_subset(dir, cj, tmp);
        const char *sets[2] = { p1, tmp };
        for (int k = 0; k < 2; k++) {
            holo_decode_opts o;
            holo_decode_opts_init(&o);
            o.no_recovery = k;
            holo_decoded d;
            holo_err e;
            uint8_t *want = NULL, *got = NULL;
            size_t wl = 0, gl = 0;
            FILE *f = tmpfile();
            holo_info in;
            int rc = holo_decode_dir(sets[k], &o, &d, &e) || holo_view_render(&d, HOLO_VIEW_WAV, &want, &wl, &e);
            if (!rc) holo_decoded_free(&d);
            rc = rc || !f || holo_decode_wav_fd(sets[k], &o, fileno(f), &in, &e);
            if (!rc) got = read_fd(fileno(f), &gl);
            ok(!rc && gl == wl && got && !memcmp(got, want, wl) && in.frames * in.channels * 2 + 44 == wl,
               "%s%s: holo_decode_wav_fd writes the WAV of holo_decode_dir (%zu bytes)", cases[i],
               k ? " subset" : "", wl);
            free(want);
            free(got);
            if (f) fclose(f);
        }
        holo_decode_opts o;
        holo_decode_opts_init(&o);
        o.strict = 1;
        o.no_recovery = 1;
        holo_err e;
        FILE *f = tmpfile();
        int rc = f ? holo_decode_wav_fd(tmp, &o, fileno(f), NULL, &e) : 0;
        ok(rc == HOLO_EINCOMPLETE && f && lseek(fileno(f), 0, SEEK_END) == 0 && strstr(e.msg, "strict"),
           "%s subset, strict: HOLO_EINCOMPLETE, nothing written", cases[i]);
        if (f) fclose(f);
        holo_rmtree(tmp);
        json_decref(cj);
    }
    char dir[4096], p1[4300];
    json_t *cj = tu_case("image_v3_img_64x64_downsample_q50_B8", dir);
    if (!cj) { skip(1, "case missing"); return; }
    snprintf(p1, sizeof p1, "%s/chunks", dir);
    holo_err e;
    FILE *f = tmpfile();
    int rc = f ? holo_decode_wav_fd(p1, NULL, fileno(f), NULL, &e) : 0;
    ok(rc == HOLO_EINVAL && strstr(e.msg, "not an audio set") && lseek(fileno(f), 0, SEEK_END) == 0,
       "an image set: HOLO_EINVAL, nothing written (%s)", rc ? e.msg : "");
    if (f) fclose(f);
    json_decref(cj);
}

/* The encoder refuses what decoders would refuse: 3 channels x n_fft 2^20 > 2^21. */
static void encode_state_limit(void)
{
    char tmp[256], wav[300], out[300];
    int16_t pcm[3 * 100] = {0};
    uint8_t *buf;
    size_t len;
    holo_err e;
    tu_tmpdir(tmp);
    snprintf(wav, sizeof wav, "%s/x.wav", tmp);
    snprintf(out, sizeof out, "%s/x.wav.holo", tmp);
    FILE *f = fopen(wav, "wb");
    if (f && !holo_wav_render(pcm, 3, 8000, 100, &buf, &len, &e)) { fwrite(buf, 1, len, f); free(buf); }
    if (f) fclose(f);
    holo_encode_opts o;
    holo_encode_opts_init(&o);
    o.codec_version = 3;
    o.n_fft = 1 << 20;
    int rc = holo_encode_file(wav, out, &o, &e);
    ok(rc == HOLO_EINVAL && strstr(e.msg, "exceed the synthesis limit"),
       "encode 3 channels x n_fft 2^20: refused (%s)", rc ? e.msg : "encoded");
    holo_rmtree(tmp);
}

int main(void)
{
    plan(0);
    tables();
    decode_cases();
    recovery_case();
    wav_fd_cases();
    encode_cases();
    encode_state_limit();
    hostile_oloa();
    return done_testing();
}
