/* bench_stream.c — holo_stream on a binary v4 directory: sequential read MB/s of the whole file
 * (SHA-256 checked as it goes) beside memcpy of the same bytes, and the mean time of random
 * 4 KiB reads (each decodes at most one frame; the cache holds a few).
 *
 *   bench_stream DIR [random_reads [threads]]      (default 200; threads 1: no read-ahead) */
#include "holo.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double clock_s(clockid_t id)
{
    struct timespec t;
    clock_gettime(id, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}
static double now(void) { return clock_s(CLOCK_MONOTONIC); }
/* On a shared machine wall time measures the neighbours too: CPU time is printed beside it. */
static double cpu(void) { return clock_s(CLOCK_PROCESS_CPUTIME_ID); }

int main(int argc, char **argv)
{
    if (argc < 2) { fprintf(stderr, "usage: bench_stream DIR [random_reads [threads]]\n"); return 2; }
    int nrand = argc > 2 ? atoi(argv[2]) : 200;
    holo_decode_opts o;
    holo_decode_opts_init(&o);
    o.threads = argc > 3 ? atoi(argv[3]) : 0;
    holo_err e;
    double t0 = now();
    holo_stream *s = holo_stream_open(argv[1], &o, &e);
    double topen = now() - t0;
    if (!s) { fprintf(stderr, "bench_stream: %s\n", e.msg); return 1; }
    uint64_t L = holo_stream_size(s);
    size_t unit = 8u << 20;
    uint8_t *buf = malloc(unit), *copy = malloc(unit);
    t0 = now();
    double c0 = cpu();
    for (uint64_t off = 0; off < L; off += unit)
        if (holo_stream_read(s, off, buf, unit, &e) < 0) { fprintf(stderr, "bench_stream: %s\n", e.msg); return 1; }
    double tseq = now() - t0, cseq = cpu() - c0;
    holo_stream_info si;
    holo_stream_stat(s, &si);
    t0 = now();
    for (uint64_t off = 0; off < L; off += unit) memcpy(copy, buf, unit);
    double tcpy = now() - t0;
    uint64_t r = 0x9E3779B97F4A7C15ull;
    t0 = now();
    for (int i = 0; i < nrand && L > 4096; i++) {
        r ^= r << 13; r ^= r >> 7; r ^= r << 17;
        if (holo_stream_read(s, r % (L - 4096), buf, 4096, &e) < 0) { fprintf(stderr, "bench_stream: %s\n", e.msg); return 1; }
    }
    double trand = now() - t0;
    printf("open %.1f ms, sequential %.0f MB/s wall, %.0f MB/s of CPU time (sha %s), memcpy %.0f MB/s, random 4 KiB read %.2f ms\n",
           topen * 1e3, L / tseq / 1e6, L / (cseq > 0 ? cseq : 1e-9) / 1e6, si.verified == 1 ? "ok" : "NOT ok", L / (tcpy > 0 ? tcpy : 1e-9) / 1e6,
           nrand ? trand / nrand * 1e3 : 0.0);
    holo_stream_close(s);
    free(buf);
    free(copy);
    return si.verified == 1 ? 0 : 1;
}
