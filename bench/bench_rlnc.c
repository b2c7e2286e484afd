/* bench_rlnc.c — HORC recovery speed (doc/formats.md §HORC): GF(256) region multiply-add (the inner
 * loop of encode and decode) with the table loop and the SIMD path, and a full decode (solve for
 * 4 lost blocks of 32) beside memcpy of the same data. Target: RLNC decode >= 500 MB/s.
 *
 *   bench_rlnc [slice_kb]      default 256 KB per slice (B = 32: 8 MB of source data)
 *
 * MB/s counts source bytes (B x S) per second, the data a receiver gets back. */
#include "gf256.h"
#include "horc.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* Best of `reps` runs of a region pass over the whole data set. */
static double bench_muladd(uint8_t *dst, uint8_t *const *src, int B, size_t S, int reps)
{
    double best = 1e9;
    for (int r = 0; r < reps; r++) {
        double t0 = now();
        for (int b = 0; b < B; b++) holo_gf_muladd(dst, src[b], (uint8_t)(b * 37 + 3), S);
        double t = now() - t0;
        if (t < best) best = t;
    }
    return best;
}

int main(int argc, char **argv)
{
    enum { B = 32, LOST = 4, R = 4 };
    size_t S = (argc > 1 ? (size_t)atol(argv[1]) : 256) * 1024;
    if (S == 0) S = 1024;
    uint8_t *src[B];
    size_t lens[B];
    unsigned seed = 1;
    for (int b = 0; b < B; b++) {
        src[b] = malloc(S);
        lens[b] = S;
        for (size_t i = 0; i < S; i++) { seed = seed * 1103515245u + 12345u; src[b][i] = (uint8_t)(seed >> 16); }
    }
    uint8_t *dst = calloc(1, S), *copy = malloc(S * B);
    double total = (double)B * (double)S / 1e6;
    holo_gf_init();

    printf("%-44s %12s %10s\n", "operation (B=32 slices)", "MB/s", "ratio");
    double tcopy = 1e9;
    for (int r = 0; r < 5; r++) {
        double t0 = now();
        for (int b = 0; b < B; b++) memcpy(copy + (size_t)b * S, src[b], S);
        double t = now() - t0;
        if (t < tcopy) tcopy = t;
    }
    printf("%-44s %12.0f %10s\n", "baseline: memcpy of the source", total / tcopy, "1.00");
    holo_gf_set_simd(0);
    double ttab = bench_muladd(dst, src, B, S, 5);
    holo_gf_set_simd(1);
    double tsimd = bench_muladd(dst, src, B, S, 5);
    printf("%-44s %12.0f %10.2f\n", "gf muladd, 256-byte table loop", total / ttab, tcopy / ttab);
    printf("%-44s %12.0f %10.2f\n", "gf muladd, SIMD (pshufb) when available", total / tsimd, tcopy / tsimd);

    /* Recovery chunks without zlib cost: build payloads directly from the region loop. */
    holo_horc rec[R];
    for (int k = 0; k < R; k++) {
        rec[k].coeffs = malloc(B);
        rec[k].payload = calloc(1, S);
        rec[k].block_count = B;
        rec[k].coeff_len = B;
        rec[k].slice_len = (uint32_t)S;
        holo_horc_coeffs(42, (uint32_t)k, B, rec[k].coeffs);
    }
    double tenc = now();
    for (int k = 0; k < R; k++)
        for (int b = 0; b < B; b++) holo_gf_muladd(rec[k].payload, src[b], rec[k].coeffs[b], S);
    tenc = now() - tenc;
    printf("%-44s %12.0f %10.2f\n", "RLNC encode, 4 recovery payloads", total / tenc, tcopy / tenc);

    const uint8_t *known[B];
    for (int b = 0; b < B; b++) known[b] = (b % (B / LOST) == 1) ? NULL : src[b];
    uint8_t *out[B];
    double tdec = 1e9;
    int okk = 1;
    for (int r = 0; r < 3; r++) {
        double t0 = now();
        int n = holo_rlnc_recover(B, S, known, lens, rec, R, out, NULL);
        double t = now() - t0;
        if (t < tdec) tdec = t;
        okk &= n == LOST;
        for (int b = 0; b < B; b++) {
            if (out[b]) okk &= !memcmp(out[b], src[b], S);
            free(out[b]);
        }
    }
    printf("%-44s %12.0f %10.2f  %s\n", "RLNC decode, 4 of 32 blocks lost", total / tdec, tcopy / tdec,
           okk ? "(recovered exactly)" : "(WRONG RESULT)");
    printf("target: RLNC decode >= 500 MB/s: %s\n", total / tdec >= 500 ? "met" : "NOT met");
    for (int k = 0; k < R; k++) holo_horc_free(&rec[k]);
    for (int b = 0; b < B; b++) free(src[b]);
    free(dst);
    free(copy);
    return okk ? 0 : 1;
}
