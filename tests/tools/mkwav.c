/* mkwav — write a deterministic test WAV: tones, a sweep and noise.
 *   mkwav OUT.wav FRAMES RATE CHANNELS [BITS=16|24] [SEED]
 * BITS 16 and 24 write PCM with the canonical header. */
#include "internal.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void le(uint8_t *p, uint32_t v, int n) { for (int i = 0; i < n; i++) p[i] = (uint8_t)(v >> (8 * i)); }

int main(int argc, char **argv)
{
    if (argc < 5) { fprintf(stderr, "usage: mkwav OUT.wav FRAMES RATE CHANNELS [BITS] [SEED]\n"); return 2; }
    long n = atol(argv[2]), rate = atol(argv[3]), ch = atol(argv[4]);
    int bits = argc > 5 ? atoi(argv[5]) : 16;
    uint32_t seed = argc > 6 ? (uint32_t)atol(argv[6]) * 2654435761u + 7 : 99;
    if (n < 1 || rate < 1 || ch < 1 || ch > 16 || (bits != 16 && bits != 24) || n * ch > (1L << 30)) {
        fprintf(stderr, "mkwav: bad arguments\n");
        return 2;
    }
    int bps = bits / 8;
    size_t data = (size_t)n * ch * bps;
    uint8_t *buf = malloc(44 + data);
    if (!buf) return 1;
    memcpy(buf, "RIFF", 4); le(buf + 4, (uint32_t)(36 + data), 4); memcpy(buf + 8, "WAVEfmt ", 8);
    le(buf + 16, 16, 4); le(buf + 20, 1, 2); le(buf + 22, (uint32_t)ch, 2); le(buf + 24, (uint32_t)rate, 4);
    le(buf + 28, (uint32_t)(rate * ch * bps), 4); le(buf + 32, (uint32_t)(ch * bps), 2); le(buf + 34, (uint32_t)bits, 2);
    memcpy(buf + 36, "data", 4); le(buf + 40, (uint32_t)data, 4);
    uint8_t *p = buf + 44;
    for (long j = 0; j < n; j++)
        for (long c = 0; c < ch; c++) {
            double t = (double)j / rate;
            double v = 0.35 * sin(2 * M_PI * (220 + 110 * c) * t) + 0.15 * sin(2 * M_PI * 3150 * t)
                     + 0.1 * sin(2 * M_PI * (50 + 2000 * t / (n / (double)rate + 1e-9)) * t);
            seed ^= seed << 13; seed ^= seed >> 17; seed ^= seed << 5;
            v += ((double)(seed % 2001) - 1000) / 1000.0 * 0.03;
            long s = lrint(v * (bits == 16 ? 32767 : 8388607));
            le(p, (uint32_t)s, bps);
            p += bps;
        }
    holo_err e;
    int rc = holo_write_file_atomic(argv[1], buf, 44 + data, &e);
    free(buf);
    if (rc) { fprintf(stderr, "mkwav: %s\n", e.msg); return 1; }
    return 0;
}
