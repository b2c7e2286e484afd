/* stft.c — STFT analysis/synthesis for HOAU v3 (doc/formats.md §HOAU v3). FFTW3 in double; the
 * float32 roundings are placed exactly where the reference stores float32 values. */
#include "stft.h"
#include "holo.h"
#include <fftw3.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* FFTW's planner is not thread-safe. */
static pthread_mutex_t plan_lock = PTHREAD_MUTEX_INITIALIZER;

uint64_t holo_stft_frames(uint64_t n, int n_fft, int hop)
{
    if (hop < 1) hop = 1;
    double f = ceil(((double)n - (double)n_fft) / (double)hop) + 1.0;
    if (!(f >= 1.0)) return 1;
    return (uint64_t)f;
}

void holo_stft_window(int n_fft, float *w)
{
    if (n_fft == 1) { w[0] = 1.0f; return; }
    const double pi = 3.14159265358979323846;
    for (int m = 0; m < n_fft; m++) {
        double x = (double)(2 * m + 1 - n_fft);
        w[m] = (float)sqrt(0.5 + 0.5 * cos(pi * x / (double)(n_fft - 1)));
    }
    w[0] = w[n_fft - 1] = 0.0f;
}

void holo_stft_steps(int n_fft, int q, float *step)
{
    if (q < 1) q = 1;
    if (q > 100) q = 100;
    int bins = n_fft / 2 + 1;
    double base = (120.0 - q) / 20.0;
    if (base < 1) base = 1;
    double D = bins - 1 > 1 ? bins - 1 : 1;
    float b = (float)(base / (double)n_fft);
    for (int k = 0; k < bins; k++) {
        float r = (float)((double)k / D);
        float one = 1.0f + r;
        step[k] = b * one;
    }
}

int holo_stft_init(holo_stft *s, int n_fft, int hop, int q)
{
    memset(s, 0, sizeof *s);
    if (n_fft < 1 || n_fft > (1 << 20)) return HOLO_EINVAL;
    s->n_fft = n_fft;
    s->hop = hop < 1 ? 1 : hop;
    s->bins = n_fft / 2 + 1;
    s->w = malloc((size_t)n_fft * sizeof *s->w);
    s->step = malloc((size_t)s->bins * sizeof *s->step);
    s->tbuf = fftw_malloc((size_t)n_fft * sizeof(double));
    s->fbuf = fftw_malloc((size_t)s->bins * sizeof(fftw_complex));
    if (!s->w || !s->step || !s->tbuf || !s->fbuf) { holo_stft_free(s); return HOLO_ENOMEM; }
    holo_stft_window(n_fft, s->w);
    holo_stft_steps(n_fft, q, s->step);
    pthread_mutex_lock(&plan_lock);
    s->plan_fwd = fftw_plan_dft_r2c_1d(n_fft, s->tbuf, s->fbuf, FFTW_ESTIMATE);
    s->plan_inv = fftw_plan_dft_c2r_1d(n_fft, s->fbuf, s->tbuf, FFTW_ESTIMATE);
    pthread_mutex_unlock(&plan_lock);
    if (!s->plan_fwd || !s->plan_inv) { holo_stft_free(s); return HOLO_ENOMEM; }
    return 0;
}

void holo_stft_free(holo_stft *s)
{
    pthread_mutex_lock(&plan_lock);
    if (s->plan_fwd) fftw_destroy_plan(s->plan_fwd);
    if (s->plan_inv) fftw_destroy_plan(s->plan_inv);
    pthread_mutex_unlock(&plan_lock);
    free(s->w);
    free(s->step);
    fftw_free(s->tbuf);
    fftw_free(s->fbuf);
    memset(s, 0, sizeof *s);
}

static int16_t quant(float v, float step, int *clipped)
{
    float q = nearbyintf(v / step);
    if (q > 32767.0f) { *clipped = 1; return 32767; }
    if (q < -32768.0f) { *clipped = 1; return -32768; }
    if (q != q) { *clipped = 1; return 0; }
    return (int16_t)q;
}

int holo_stft_analyse(holo_stft *s, const float *x, uint64_t n, uint64_t F, int keep,
                      int16_t *out)
{
    const int N = s->n_fft;
    fftw_complex *X = s->fbuf;
    const float inv_n = (float)(1.0 / (double)N);   /* f32(1/n_fft), as numpy's complex64 / int */
    if (keep > s->bins) keep = s->bins;
    int clipped = 0;
    for (uint64_t i = 0; i < F; i++) {
        uint64_t off = i * (uint64_t)s->hop;
        for (int m = 0; m < N; m++) {
            float v = off + (uint64_t)m < n ? x[off + (uint64_t)m] : 0.0f;
            s->tbuf[m] = (double)(v * s->w[m]);
        }
        fftw_execute(s->plan_fwd);
        int16_t *o = out + i * (uint64_t)keep * 2;
        for (int k = 0; k < keep; k++) {
            float re = (float)X[k][0] * inv_n, im = (float)X[k][1] * inv_n;
            o[2 * k] = quant(re, s->step[k], &clipped);
            o[2 * k + 1] = quant(im, s->step[k], &clipped);
        }
    }
    return clipped;
}

int holo_ola_init(holo_ola *o, holo_stft *s, uint32_t ch, uint64_t F, int keep, uint64_t span,
                  holo_ola_frame_fn frame, void *ctx)
{
    memset(o, 0, sizeof *o);
    o->s = s;
    o->ch = ch;
    o->keep = keep > s->bins ? s->bins : keep;
    o->F = F;
    o->P = (uint64_t)s->n_fft + (F - 1) * (uint64_t)s->hop;
    o->span = span;
    o->ring = (uint64_t)s->n_fft + span;
    o->frame = frame;
    o->ctx = ctx;
    o->acc = calloc(o->ring * ch, sizeof *o->acc);
    o->norm = calloc(o->ring, sizeof *o->norm);
    o->pairs = malloc((size_t)o->keep * 2 * sizeof *o->pairs);
    if (!o->acc || !o->norm || !o->pairs) { holo_ola_free(o); return HOLO_ENOMEM; }
    return 0;
}

void holo_ola_free(holo_ola *o)
{
    free(o->acc);
    free(o->norm);
    free(o->pairs);
    o->acc = o->norm = NULL;
    o->pairs = NULL;
}

/* Inverse DFT of one frame's coefficients into s->tbuf (before the 1/n scaling). */
static void frame_inverse(holo_stft *s, const int16_t *c, int keep)
{
    fftw_complex *X = s->fbuf;
    const float fn = (float)s->n_fft;
    for (int k = 0; k < s->bins; k++) {
        if (k < keep) {
            float re = (float)c[2 * k] * s->step[k], im = (float)c[2 * k + 1] * s->step[k];
            X[k][0] = (double)(re * fn);
            X[k][1] = (double)(im * fn);
        } else {
            X[k][0] = X[k][1] = 0.0;
        }
    }
    X[0][1] = 0.0;                                   /* ignored by the inverse real DFT */
    if (s->n_fft % 2 == 0) X[s->bins - 1][1] = 0.0;
    fftw_execute(s->plan_inv);
}

/* Add frame o->next of every channel into the rings. */
static void add_frame(holo_ola *o)
{
    holo_stft *s = o->s;
    const int N = s->n_fft;
    const double inv = 1.0 / (double)N;
    const uint64_t at = o->next * (uint64_t)s->hop % o->ring;
    for (uint32_t c = 0; c < o->ch; c++) {
        o->frame(o->ctx, c, o->next, o->pairs);
        frame_inverse(s, o->pairs, o->keep);
        double *acc = o->acc + (uint64_t)c * o->ring;
        uint64_t r = at;
        for (int m = 0; m < N; m++) {
            double y = s->tbuf[m] * inv;    /* pocketfft scales by the factor 1/n */
            acc[r] += y * (double)s->w[m];
            if (c == 0) o->norm[r] += (double)(s->w[m] * s->w[m]);
            if (++r == o->ring) r = 0;
        }
    }
    o->next++;
}

void holo_ola_take(holo_ola *o, uint64_t count, double *out)
{
    const uint64_t end = o->done + count, hop = (uint64_t)o->s->hop;
    /* Frames starting before `end` are all that reach [done, end); they end before
     * end + n_fft, so the ring (from `done`) holds them. */
    while (o->next < o->F && o->next * hop < end) add_frame(o);
    uint64_t r = o->done % o->ring;
    for (uint64_t t = o->done; t < end; t++) {
        double d = o->norm[r] > 1e-8 ? o->norm[r] : 1e-8;
        for (uint32_t c = 0; c < o->ch; c++) {
            double *a = o->acc + (uint64_t)c * o->ring + r;
            out[(t - o->done) * o->ch + c] = t < o->P ? *a / d : 0.0;
            *a = 0.0;
        }
        o->norm[r] = 0.0;
        if (++r == o->ring) r = 0;
    }
    o->done = end;
}
