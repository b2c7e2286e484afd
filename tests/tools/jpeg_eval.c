/* jpeg_eval — HO4J measurements per JPEG (issue 18): the chunk set's bytes against the JPEG
 * and cjxl --lossless_jpeg=1 (when --jxl DIR holds NAME.jxl), the coefficient streams alone,
 * encode/decode time, and PSNR (against the original decoded by libjpeg) of the JPEG decoded
 * from k chunks, mean and worst over random subsets; then against the PET bound (k chunks
 * carry k/n of the set) the share of it that is payload decoded from k chunks.
 *   jpeg_eval [--robust] [--jxl DIR] [--n N] [--subsets S] [--budget T0,T1,T2] FILE.jpg...
 * (--budget: tier budgets as fractions of the JPEG, default the encoder's per-photo sizing;
 * --robust: its robust profile)
 * Exit status 1 when a file does not come back byte for byte from all chunks. */
#include "internal.h"
#include "v4_container.h"
#include "v4_jpeg.h"
#include "../jpeg_testutil.h"
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static long jxl_size(const char *dir, const char *path)
{
    if (!dir)
        return 0;
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    char p[4096];
    snprintf(p, sizeof p, "%s/%.*s.jxl", dir, (int)(strcspn(base, ".")), base);
    struct stat st;
    return stat(p, &st) == 0 ? (long)st.st_size : 0;
}

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static unsigned rnd(unsigned n)
{
    rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17;
    return (unsigned)((rng >> 11) % n);
}

/* Decode from a random subset of k chunks: tiers recoverable with k >= m, the subset's U. */
static uint8_t *decode_subset(const v4j_streams *s, unsigned k, size_t *len, double *secs)
{
    unsigned *ids = malloc(s->n * sizeof *ids);
    for (unsigned i = 0; i < s->n; i++)
        ids[i] = i;
    for (unsigned i = 0; i + 1 < s->n; i++) {
        unsigned r = i + rnd(s->n - i), t = ids[i];
        ids[i] = ids[r];
        ids[r] = t;
    }
    v4j_streams in = *s;
    in.u = calloc(s->n, sizeof *in.u);
    for (unsigned i = 0; i < k; i++)
        in.u[ids[i]] = s->u[ids[i]];
    for (int t = 0; t < V4J_TIERS; t++)
        in.tier[t] = k >= s->m[t] ? s->tier[t] : NULL;
    uint8_t *out = NULL;
    holo_err err = { 0 };
    double t0 = now();
    if (v4j_decode(&in, &out, len, &err))
        fprintf(stderr, "decode from %u chunks: %s\n", k, err.msg);
    *secs = now() - t0;
    free(in.u);
    free(ids);
    return out;
}

int main(int argc, char **argv)
{
    const char *jxl = NULL;
    unsigned n = 32, subsets = 3;
    v4j_budget budget = { 0, 0, 0, 0 };
    int bad = 0, i = 1;
    for (; i + 1 < argc && argv[i][0] == '-'; i += 2) {
        if (!strcmp(argv[i], "--robust")) {
            budget.robust = 1;
            i--;
        } else if (!strcmp(argv[i], "--jxl"))
            jxl = argv[i + 1];
        else if (!strcmp(argv[i], "--n"))
            n = (unsigned)atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--subsets"))
            subsets = (unsigned)atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--budget"))
            sscanf(argv[i + 1], "%lf,%lf,%lf", &budget.t0, &budget.t1, &budget.t2);
    }
    static const unsigned ks[] = { 1, 2, 4, 8, 16, 24, 31, 32 };
    enum { NK = sizeof ks / sizeof ks[0] };
    printf("%-18s %8s %6s %6s %6s %5s %5s", "file", "jpeg", "coef/J", "set/J", "set/jxl",
           "enc s", "dec s");
    for (int q = 0; q < NK; q++)
        printf("  k=%-2u mean/worst", ks[q]);
    printf("\n");
    for (; i < argc; i++) {
        size_t len = 0;
        uint8_t *buf = NULL;
        holo_err err = { 0 };
        if (holo_read_file(argv[i], (size_t)1 << 30, &buf, &len, &err)) {
            fprintf(stderr, "%s\n", err.msg);
            bad = 1;
            continue;
        }
        const char *base = strrchr(argv[i], '/');
        base = base ? base + 1 : argv[i];
        v4j_streams s;
        double t0 = now();
        if (v4j_encode(buf, len, n, &budget, &s, &err)) {
            printf("%-18s %s\n", base, err.msg);
            free(buf);
            continue;
        }
        double tenc = now() - t0;
        uint64_t coef = 0, all = v4j_set_bytes(&s);
        for (int t = 0; t < V4J_TIERS; t++)
            coef += s.S[t];
        for (unsigned c = 0; c < s.n; c++)
            coef += s.u_len[c];
        double mean[NK], worst[NK], tdec = 0;
        for (int q = 0; q < NK; q++) {
            unsigned kk = ks[q] > n ? n : ks[q];
            unsigned reps = kk == n ? 1 : subsets;
            mean[q] = 0;
            worst[q] = 99;
            for (unsigned r = 0; r < reps; r++) {
                size_t olen = 0;
                double secs = 0;
                uint8_t *o = decode_subset(&s, kk, &olen, &secs);
                double p = o ? jt_psnr(buf, len, o, olen) : 0;
                if (kk == n) {
                    tdec = secs;
                    if (!o || olen != len || memcmp(o, buf, len)) {
                        bad = 1;
                        p = -1;
                    }
                }
                mean[q] += p / reps;
                if (p < worst[q])
                    worst[q] = p;
                free(o);
            }
        }
        long jx = jxl_size(jxl, argv[i]);
        printf("%-18.18s %8zu %6.3f %6.3f %6.3f %5.2f %5.2f", base, len, (double)coef / len,
               (double)all / len, jx ? (double)all / jx : 0, tenc, tdec);
        for (int q = 0; q < NK; q++)
            printf("  %5.1f / %5.1f   ", mean[q], worst[q]);
        printf("%s\n", mean[NK - 1] < 0 ? "  NOT EXACT" : "");
        /* The PET bound: k chunks carry k/n of the set's bytes; how much of that is payload
         * this set decodes (the tiers with m <= k, the k U shares of the mean size). */
        double ushare = 0;
        for (unsigned c = 0; c < s.n; c++)
            ushare += (double)s.u_len[c] / s.n;
        printf("%-18.18s %8s PET: decoded payload / (k/n of the set) ", "", "");
        for (int q = 0; q < NK; q++) {
            unsigned kk = ks[q] > n ? n : ks[q];
            double got = kk * ushare;
            for (int t = 0; t < V4J_TIERS; t++)
                got += kk >= s.m[t] ? (double)s.S[t] : 0;
            printf(" k=%u %.2f", kk, got / ((double)kk * all / s.n));
        }
        printf("\n");
        fprintf(stderr, "%s: tiers %zu %zu %zu recipe %zu (m %u %u %u)\n", base, s.S[0], s.S[1],
                s.S[2], s.S[3], s.m[0], s.m[1], s.m[2]);
        fflush(stdout);
        v4j_streams_free(&s);
        free(buf);
    }
    return bad;
}
