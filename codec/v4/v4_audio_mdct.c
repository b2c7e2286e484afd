/* v4_audio_mdct.c — the MDCT of the HO4A audio codec: sine window, N coefficients per hop of N
 * samples, orthonormal (the lapped transform is orthogonal, so coefficient-domain error energy
 * equals time-domain error energy). The lossless path depends on the inverse giving the same
 * doubles in encoder and decoder, so everything here is plain IEEE double arithmetic (built
 * with -ffp-contract=off) and the twiddles come from our own sine series, not from libm, whose
 * last bit may differ between versions. */
#include "v4_audio.h"

#include <math.h>
#include <stdlib.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* sin(x) for |x| <= pi/2 by its Taylor series (terms to x^25: error far below 1 ulp there). */
static double series_sin(double x)
{
    double x2 = x * x, term = x, sum = x;
    for (int i = 1; i <= 12; i++) {
        term = -term * x2 / (double)((2 * i) * (2 * i + 1));
        sum += term;
    }
    return sum;
}

/* sin(pi * num / den) for 0 <= num <= den, reduced to the first quadrant exactly in integers. */
static double sin_pi_frac(uint64_t num, uint64_t den)
{
    if (2 * num > den)
        num = den - num;
    return series_sin(V4A_PI * (double)num / (double)den);
}

static double cos_pi_frac(uint64_t num, uint64_t den)    /* 0 <= num <= den */
{
    return 2 * num <= den ? sin_pi_frac(den - 2 * num, 2 * den) : -sin_pi_frac(2 * num - den, 2 * den);
}

int v4a_mdct_init(v4a_mdct *m, unsigned N)
{
    m->N = N;
    unsigned M = N / 2;
    m->win = malloc(2 * N * sizeof *m->win);
    m->pre = malloc(M * 2 * sizeof *m->pre);
    m->post = malloc(M * 2 * sizeof *m->post);
    m->fft = malloc(M / 2 * 2 * sizeof *m->fft);
    m->buf = malloc(M * 2 * sizeof *m->buf);
    m->u = malloc(N * sizeof *m->u);
    m->v = malloc(N * sizeof *m->v);
    if (!m->win || !m->pre || !m->post || !m->fft || !m->buf || !m->u || !m->v) {
        v4a_mdct_free(m);
        return -1;
    }
    for (unsigned n = 0; n < 2 * N; n++)             /* sin(pi (n + 1/2) / 2N) */
        m->win[n] = sin_pi_frac(2 * n + 1, 4 * N);
    m->scale = sqrt(2.0 / N);                        /* IEEE sqrt is correctly rounded */
    for (unsigned n = 0; n < M; n++) {               /* exp(-i pi (4n + 1) / 4N) */
        m->pre[2 * n] = cos_pi_frac(4 * n + 1, 4 * N);
        m->pre[2 * n + 1] = -sin_pi_frac(4 * n + 1, 4 * N);
        m->post[2 * n] = cos_pi_frac(n, N);          /* exp(-i pi n / N) */
        m->post[2 * n + 1] = -sin_pi_frac(n, N);
    }
    for (unsigned k = 0; k < M / 2; k++) {           /* exp(-2 pi i k / M) */
        m->fft[2 * k] = cos_pi_frac(2 * k, M);
        m->fft[2 * k + 1] = -sin_pi_frac(2 * k, M);
    }
    return 0;
}

void v4a_mdct_free(v4a_mdct *m)
{
    free(m->win);
    free(m->pre);
    free(m->post);
    free(m->fft);
    free(m->buf);
    free(m->u);
    free(m->v);
    m->win = m->pre = m->post = m->fft = m->buf = m->u = m->v = NULL;
}

/* In-place radix-2 complex FFT of M points (interleaved re, im). */
static void fft(const v4a_mdct *m, double *a)
{
    unsigned M = m->N / 2;
    for (unsigned i = 1, j = 0; i < M; i++) {        /* bit reversal */
        unsigned bit = M >> 1;
        for (; j & bit; bit >>= 1)
            j ^= bit;
        j ^= bit;
        if (i < j) {
            double t0 = a[2 * i], t1 = a[2 * i + 1];
            a[2 * i] = a[2 * j]; a[2 * i + 1] = a[2 * j + 1];
            a[2 * j] = t0; a[2 * j + 1] = t1;
        }
    }
    for (unsigned len = 2; len <= M; len <<= 1) {
        unsigned step = M / len;
        for (unsigned i = 0; i < M; i += len)
            for (unsigned k = 0; k < len / 2; k++) {
                const double *w = m->fft + 2 * k * step;
                double *p = a + 2 * (i + k), *q = a + 2 * (i + k + len / 2);
#ifdef __SSE2__
                /* the same IEEE operations as below, two lanes at a time (x - y is x + (-y)
                 * exactly, and the sign flip is exact): bit-identical results */
                __m128d Q = _mm_loadu_pd(q), P = _mm_loadu_pd(p), W = _mm_loadu_pd(w);
                __m128d A = _mm_mul_pd(_mm_unpacklo_pd(Q, Q), W);                    /* q0 wr, q0 wi */
                __m128d B = _mm_mul_pd(_mm_unpackhi_pd(Q, Q), _mm_shuffle_pd(W, W, 1)); /* q1 wi, q1 wr */
                __m128d X = _mm_add_pd(A, _mm_xor_pd(B, _mm_set_pd(0.0, -0.0)));     /* xr, xi */
                _mm_storeu_pd(q, _mm_sub_pd(P, X));
                _mm_storeu_pd(p, _mm_add_pd(P, X));
#else
                double wr = w[0], wi = w[1];
                double xr = q[0] * wr - q[1] * wi, xi = q[0] * wi + q[1] * wr;
                q[0] = p[0] - xr; q[1] = p[1] - xi;
                p[0] += xr; p[1] += xi;
#endif
            }
    }
}

/* Orthonormal DCT-IV of m->u (N values) into out, through an N/2-point complex FFT. */
static void dct4(const v4a_mdct *m, double *out)
{
    unsigned N = m->N, M = N / 2;
    double *b = m->buf;
#ifdef __SSE2__
    /* the complex products as in the FFT's butterflies: the same IEEE operations, two lanes */
    const __m128d neg0 = _mm_set_pd(0.0, -0.0), scale = _mm_set1_pd(m->scale);
    for (unsigned n = 0; n < M; n++) {
        __m128d re = _mm_set1_pd(m->u[2 * n]), im = _mm_set1_pd(m->u[N - 1 - 2 * n]);
        __m128d w = _mm_loadu_pd(m->pre + 2 * n);
        __m128d x = _mm_add_pd(_mm_mul_pd(re, w), _mm_xor_pd(_mm_mul_pd(im, _mm_shuffle_pd(w, w, 1)), neg0));
        _mm_storeu_pd(b + 2 * n, x);
    }
    fft(m, b);
    for (unsigned k = 0; k < M; k++) {
        __m128d v = _mm_loadu_pd(b + 2 * k), w = _mm_loadu_pd(m->post + 2 * k);
        __m128d x = _mm_add_pd(_mm_mul_pd(_mm_unpacklo_pd(v, v), w),
                               _mm_xor_pd(_mm_mul_pd(_mm_unpackhi_pd(v, v), _mm_shuffle_pd(w, w, 1)), neg0));
        __m128d y = _mm_mul_pd(x, scale);                     /* re * scale, im * scale */
        out[2 * k] = _mm_cvtsd_f64(y);
        out[N - 1 - 2 * k] = -_mm_cvtsd_f64(_mm_unpackhi_pd(y, y));   /* -(im s) = (-im) s */
    }
#else
    for (unsigned n = 0; n < M; n++) {
        double re = m->u[2 * n], im = m->u[N - 1 - 2 * n];
        b[2 * n] = re * m->pre[2 * n] - im * m->pre[2 * n + 1];
        b[2 * n + 1] = re * m->pre[2 * n + 1] + im * m->pre[2 * n];
    }
    fft(m, b);
    for (unsigned k = 0; k < M; k++) {
        double re = b[2 * k] * m->post[2 * k] - b[2 * k + 1] * m->post[2 * k + 1];
        double im = b[2 * k] * m->post[2 * k + 1] + b[2 * k + 1] * m->post[2 * k];
        out[2 * k] = re * m->scale;
        out[N - 1 - 2 * k] = -im * m->scale;
    }
#endif
}

void v4a_mdct_forward(v4a_mdct *m, const double *x, double *X)
{
    unsigned N = m->N, H = N / 2;
    const double *w = m->win;
    /* fold the windowed quarters a b c d into (-c_r - d, a - b_r) */
    for (unsigned n = 0; n < H; n++) {
        m->u[n] = -w[3 * H - 1 - n] * x[3 * H - 1 - n] - w[3 * H + n] * x[3 * H + n];
        m->u[H + n] = w[n] * x[n] - w[N - 1 - n] * x[N - 1 - n];
    }
    dct4(m, X);
}

void v4a_mdct_inverse(v4a_mdct *m, const double *X, double *y)
{
    unsigned N = m->N, H = N / 2;
    for (unsigned k = 0; k < N; k++)
        m->u[k] = X[k];
    double *v = m->v;
    dct4(m, v);                                      /* the DCT-IV is its own inverse */
    /* unfold (u1, u2) = (v[0..H), v[H..N)) into (u2, -u2_r, -u1_r, -u1), windowed */
    for (unsigned n = 0; n < H; n++) {
        y[n] = v[H + n] * m->win[n];
        y[H + n] = -v[N - 1 - n] * m->win[H + n];
        y[N + n] = -v[H - 1 - n] * m->win[N + n];
        y[N + H + n] = -v[n] * m->win[N + H + n];
    }
}
