/* bench_audio.c — throughput of the HOAU v1/v2 and HOBI codecs through the library.
 *
 *   bench_audio [SECONDS [MEGABYTES]]     (defaults: a 300 s stereo 44.1 kHz WAV, a 100 MB file)
 *   bench_audio --gen DIR SECONDS MEGABYTES   only write DIR/in.wav and DIR/in.bin
 *
 * Generates both inputs in a temporary directory, then times holo_encode_file and
 * holo_decode_dir with 1 and 2 threads (best of 2 runs), next to memcpy of the same bytes.
 * MB/s are of the input size (WAV data bytes / file bytes). Prints one table; timing only,
 * no assertions (the tests check correctness). */
#include "holo.h"
#include "wav.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void rm_tree(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *e;
    char p[4096];
    while ((e = readdir(d)))
        if (e->d_name[0] != '.') { snprintf(p, sizeof p, "%s/%.200s", dir, e->d_name); unlink(p); }
    closedir(d);
    rmdir(dir);
}

static int write_file(const char *path, const void *b, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    size_t w = fwrite(b, 1, n, f);
    return fclose(f) == 0 && w == n ? 0 : -1;
}

/* Music-like stereo: two tones, a slow sweep and a little noise. */
static int make_wav(const char *path, uint64_t frames)
{
    int16_t *s = malloc(frames * 4);
    if (!s) return -1;
    uint32_t x = 1;
    double ph1 = 0, ph2 = 0;
    for (uint64_t j = 0; j < frames; j++) {
        ph1 += 2 * 3.141592653589793 * (220.0 + 200.0 * (double)(j % 441000) / 441000.0) / 44100.0;
        ph2 += 2 * 3.141592653589793 * 330.0 / 44100.0;
        x = x * 1664525u + 1013904223u;
        double n = ((int)(x >> 24) - 128) * 8.0;
        s[2 * j] = (int16_t)(9000.0 * __builtin_sin(ph1) + 3000.0 * __builtin_sin(ph2) + n);
        s[2 * j + 1] = (int16_t)(7000.0 * __builtin_sin(ph2 * 1.5) + 4000.0 * __builtin_sin(ph1 * 0.5) + n);
    }
    uint8_t *buf;
    size_t len;
    holo_err err;
    int rc = holo_wav_render(s, 2, 44100, frames, &buf, &len, &err);
    free(s);
    if (rc) return rc;
    rc = write_file(path, buf, len);
    free(buf);
    return rc;
}

/* Half compressible (text-like records), half random, in 64 KB stretches. */
static int make_bin(const char *path, size_t n)
{
    uint8_t *b = malloc(n);
    if (!b) return -1;
    uint32_t x = 7;
    for (size_t i = 0; i < n; i++) {
        x = x * 1664525u + 1013904223u;
        b[i] = (i >> 16) & 1 ? (uint8_t)(x >> 24) : (uint8_t)("record 0123456789 holo\n"[i % 23] ^ ((x >> 30) & 1));
    }
    int rc = write_file(path, b, n);
    free(b);
    return rc;
}

typedef struct { double enc, dec; } times;

static int run(const char *in, const char *out, int threads, times *t)
{
    holo_encode_opts eo;
    holo_encode_opts_init(&eo);
    eo.threads = threads;
    eo.pixels = 1;   /* this bench is the v2 audio codec, not the store policy's binary v4 */
    holo_decode_opts dopt;
    holo_decode_opts_init(&dopt);
    dopt.threads = threads;
    holo_err err;
    t->enc = t->dec = 1e30;
    for (int rep = 0; rep < 2; rep++) {
        double t0 = now();
        if (holo_encode_file(in, out, &eo, &err)) { fprintf(stderr, "%s\n", err.msg); return 1; }
        double t1 = now();
        holo_decoded d;
        if (holo_decode_dir(out, &dopt, &d, &err)) { fprintf(stderr, "%s\n", err.msg); return 1; }
        double t2 = now();
        holo_decoded_free(&d);
        if (t1 - t0 < t->enc) t->enc = t1 - t0;
        if (t2 - t1 < t->dec) t->dec = t2 - t1;
    }
    return 0;
}

static double memcpy_mbs(size_t n)
{
    uint8_t *a = malloc(n), *b = malloc(n);
    if (!a || !b) { free(a); free(b); return 0; }
    memset(a, 1, n);
    memset(b, 2, n);
    double best = 1e30;
    for (int rep = 0; rep < 3; rep++) {
        double t0 = now();
        memcpy(b, a, n);
        double t = now() - t0;
        if (t < best) best = t;
    }
    volatile uint8_t sink = b[n / 2];
    (void)sink;
    free(a);
    free(b);
    return n / 1e6 / best;
}

int main(int argc, char **argv)
{
    if (argc == 5 && !strcmp(argv[1], "--gen")) {
        char wav[4096], bin[4096];
        snprintf(wav, sizeof wav, "%s/in.wav", argv[2]);
        snprintf(bin, sizeof bin, "%s/in.bin", argv[2]);
        return make_wav(wav, (uint64_t)(atof(argv[3]) * 44100)) ||
               make_bin(bin, (size_t)(atof(argv[4]) * 1e6)) ? 1 : 0;
    }
    double secs = argc > 1 ? atof(argv[1]) : 300;
    double mb = argc > 2 ? atof(argv[2]) : 100;
    char dir[] = "/tmp/bench_audio.XXXXXX";
    if (!mkdtemp(dir)) { perror("mkdtemp"); return 1; }
    char wav[4096], bin[4096], out[4096];
    snprintf(wav, sizeof wav, "%s/in.wav", dir);
    snprintf(bin, sizeof bin, "%s/in.bin", dir);
    snprintf(out, sizeof out, "%s/out.holo", dir);
    uint64_t frames = (uint64_t)(secs * 44100);
    size_t wav_bytes = (size_t)frames * 4, bin_bytes = (size_t)(mb * 1e6);
    if (make_wav(wav, frames) || make_bin(bin, bin_bytes)) { fprintf(stderr, "cannot write inputs\n"); return 1; }

    printf("%-34s %10s %10s %10s\n", "input", "threads", "encode", "decode");
    int status = 0;
    const char *names[2] = {"audio v2 (WAV, stereo 44.1 kHz)", "binary HOBI"};
    const char *ins[2] = {wav, bin};
    size_t sizes[2] = {wav_bytes, bin_bytes};
    for (int k = 0; k < 2; k++) {
        for (int th = 1; th <= 2; th++) {
            times t;
            if (run(ins[k], out, th, &t)) { status = 1; continue; }
            printf("%-34s %10d %7.1f MB/s %7.1f MB/s\n", names[k], th, sizes[k] / 1e6 / t.enc,
                   sizes[k] / 1e6 / t.dec);
            char cmd[4200];
            snprintf(cmd, sizeof cmd, "rm -rf '%s'", out);
            if (system(cmd)) {}
        }
        printf("%-34s %10s %7.1f MB/s  (%.1f MB)\n", "  baseline: memcpy same bytes", "1",
               memcpy_mbs(sizes[k]), sizes[k] / 1e6);
    }
    rm_tree(dir);
    return status;
}
