/* audio_eval — HO4A measured on WAV files: bytes against `flac -8`, and the SNR over the whole
 * file decoded from random subsets of k of the n chunks (mean and worst), k = 1 ... n.
 *
 *   audio_eval [-n CHUNKS] [-t TRIALS] [--compact] [--curve] FILE.wav...
 *
 * --curve: every k from 1 to n instead of 1, 2, 4, 8, 16, 24, 31, n.
 *
 * Subsets are simulated on the codec's streams: a tier is present when k >= its m (the
 * container's Reed-Solomon guarantees exactly that), a U share when its chunk is drawn. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "v4_audio.h"
#include "v4_audio_wav.h"
#include "v4_container.h"

static uint8_t *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc(n > 0 ? (size_t)n : 1);
    if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        b = NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return b;
}

static long flac_bytes(const char *wav)
{
    char tmp[] = "/tmp/audio_eval_XXXXXX";
    int fd = mkstemp(tmp);
    if (fd < 0)
        return -1;
    close(fd);
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "flac -8 -s -f -o '%s' '%s' 2>/dev/null", tmp, wav);
    long r = -1;
    struct stat st;
    if (system(cmd) == 0 && stat(tmp, &st) == 0)
        r = (long)st.st_size;
    unlink(tmp);
    return r;
}

/* What the chunk files take: headers, one row per tier, the U shares. */
static uint64_t chunk_bytes(const v4a_streams *s)
{
    uint64_t total = 0;
    for (unsigned i = 0; i < s->n; i++) {
        total += V4C_HDR_LEN + s->u_len[i];
        for (unsigned t = 0; t < V4A_TIERS; t++)
            total += s->m[t] == 1 ? s->tier_len[t] : v4_rs_rowlen(s->tier_len[t], s->m[t]);
    }
    return total;
}

static double snr_db(const v4a_pcm *a, const v4a_pcm *b)
{
    double sig = 0, err = 0;
    for (uint64_t i = 0; i < a->frames * a->channels; i++) {
        double d = (double)a->s[i] - b->s[i];
        sig += (double)a->s[i] * a->s[i];
        err += d * d;
    }
    return err == 0 ? INFINITY : 10 * log10(sig / err);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    unsigned n = 32, trials = 4;
    int compact = 0, curve = 0, i = 1, status = 0;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (!strcmp(argv[i], "-n") && i + 1 < argc)
            n = (unsigned)atoi(argv[++i]);
        else if (!strcmp(argv[i], "-t") && i + 1 < argc)
            trials = (unsigned)atoi(argv[++i]);
        else if (!strcmp(argv[i], "--compact"))
            compact = 1;
        else if (!strcmp(argv[i], "--curve"))
            curve = 1;
        else {
            fprintf(stderr, "usage: audio_eval [-n CHUNKS] [-t TRIALS] [--compact] [--curve] FILE.wav...\n");
            return 2;
        }
    }
    unsigned ks[256] = { 1, 2, 4, 8, 16, 24, 31, 32 }, nks = 8;
    if (curve || n != 32) {        /* the listed points are those of n = 32 */
        nks = 0;
        for (unsigned k = 1; k <= n; k++)
            if (curve || k == 1 || k == 2 || k == 4 || k == n / 2 || k == n)
                ks[nks++] = k;
    }
    srand(12345);
    for (; i < argc; i++) {
        size_t len;
        uint8_t *buf = slurp(argv[i], &len), *recipe = NULL;
        size_t rlen;
        v4a_pcm pcm;
        holo_err err = { 0 };
        if (!buf || v4a_wav_split(buf, len, argv[i], &pcm, &recipe, &rlen, &err)) {
            fprintf(stderr, "audio_eval: %s: %s\n", argv[i], buf ? err.msg : "cannot read");
            status = 1;
            free(buf);
            continue;
        }
        v4a_streams s;
        v4a_opts o = { .n = n, .compact = compact };
        double t0 = now();
        if (v4a_encode(&pcm, recipe, rlen, &o, &s, &err)) {
            fprintf(stderr, "audio_eval: %s\n", err.msg);
            return 1;
        }
        double tenc = now() - t0;
        long fl = flac_bytes(argv[i]);
        uint64_t bytes = chunk_bytes(&s);
        printf("%s: %llu bytes, flac -8 %ld, ratio %.3f (tiers %zu/%zu/%zu/%zu, U %u/chunk), encode %.2fs\n",
               argv[i], (unsigned long long)bytes, fl, fl > 0 ? (double)bytes / fl : 0, s.tier_len[0],
               s.tier_len[1], s.tier_len[2], s.tier_len[3], s.u_len[0], tenc);
        for (unsigned ki = 0; ki < nks && ks[ki] <= n; ki++) {
            unsigned k = ks[ki];
            double sum = 0, worst = INFINITY, tdec = 0;
            unsigned runs = k == n ? 1 : trials, exact_all = 1;
            for (unsigned r = 0; r < runs; r++) {
                unsigned perm[256];
                for (unsigned j = 0; j < n; j++)
                    perm[j] = j;
                for (unsigned j = n - 1; j > 0; j--) {
                    unsigned x = (unsigned)rand() % (j + 1), tmp = perm[j];
                    perm[j] = perm[x];
                    perm[x] = tmp;
                }
                v4a_streams v = s;
                uint8_t *u[256] = { 0 };
                for (unsigned j = 0; j < k; j++)
                    u[perm[j]] = s.u[perm[j]];
                v.u = u;
                for (unsigned t = 0; t < V4A_TIERS; t++)
                    if (k < s.m[t])
                        v.tier[t] = NULL;
                v4a_pcm out;
                const uint8_t *rp;
                size_t rl;
                int exact;
                t0 = now();
                if (v4a_decode(&v, &out, &rp, &rl, &exact, &err)) {
                    fprintf(stderr, "audio_eval: decode: %s\n", err.msg);
                    return 1;
                }
                tdec += now() - t0;
                double d = snr_db(&pcm, &out);
                if (k == n && !exact)
                    exact_all = 0;
                if (k == n && isinf(d) == 0)
                    exact_all = 0;
                sum += isinf(d) ? 999 : d;
                worst = d < worst ? d : worst;
                v4a_pcm_free(&out);
            }
            if (k == n)
                printf("  k=%-3u %s (decode %.2fs)\n", k, exact_all ? "exact" : "NOT EXACT", tdec);
            else
                printf("  k=%-3u SNR mean %6.2f dB  worst %6.2f dB\n", k, sum / runs, worst);
            if (k == n && !exact_all)
                status = 1;
        }
        v4a_streams_free(&s);
        v4a_pcm_free(&pcm);
        free(recipe);
        free(buf);
    }
    return status;
}
