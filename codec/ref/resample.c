/* resample.c — Pillow 9.4-exact BICUBIC resize of packed RGB8 (doc/resample.md §Bicubic).
 *
 * Coefficients are computed in double in exactly the order of doc/resample.md §Bicubic (this file
 * must be built with -ffp-contract=off), quantised to 22-bit fixed point, and applied with 32-bit
 * integer accumulators. Both passes are split over rows when threads > 1: rows are independent.
 */
#include "resample.h"
#include "holo.h"
#include "par.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define PREC 22

void holo_thumb_size(uint32_t W, uint32_t H, uint32_t side, uint32_t *tw, uint32_t *th)
{
    uint32_t m = W > H ? W : H;
    double scale = m ? (double)side / (double)m : 1.0;
    if (scale > 1.0) scale = 1.0;
    /* rne of the exact double product, like Python round(). */
    double a = nearbyint((double)W * scale), b = nearbyint((double)H * scale);
    *tw = a < 1.0 ? 1u : (uint32_t)a;
    *th = b < 1.0 ? 1u : (uint32_t)b;
}

/* Keys cubic, a = -0.5, in the evaluation order of doc/resample.md §Bicubic. */
static double cubic(double x)
{
    if (x < 0.0) x = -x;
    if (x < 1.0) return ((1.5 * x - 2.5) * x) * x + 1.0;
    if (x < 2.0) return ((((x - 5.0) * x) + 8.0) * x - 4.0) * -0.5;
    return 0.0;
}

typedef struct axis_geom {
    double scale, support, inv;
    uint32_t ksize;
} axis_geom;

static axis_geom geom(uint32_t n_in, uint32_t n_out)
{
    axis_geom g;
    g.scale = (double)n_in / (double)n_out;
    double fs = g.scale >= 1.0 ? g.scale : 1.0;
    g.support = 2.0 * fs;
    g.ksize = 2u * (uint32_t)ceil(g.support) + 1u;
    g.inv = 1.0 / fs;
    return g;
}

/* Window and normalised weights of output o; w has room for g->ksize doubles. */
static void window(const axis_geom *g, uint32_t n_in, uint32_t o, int32_t *plo, int32_t *pn,
                   double *w)
{
    double center = ((double)o + 0.5) * g->scale;
    int32_t lo = (int32_t)((center - g->support) + 0.5);
    if (lo < 0) lo = 0;
    int32_t hi = (int32_t)((center + g->support) + 0.5);
    if (hi > (int32_t)n_in) hi = (int32_t)n_in;
    int32_t n = hi - lo;
    double sum = 0.0;
    for (int32_t i = 0; i < n; i++) {
        w[i] = cubic((((double)(lo + i) - center) + 0.5) * g->inv);
        sum += w[i];
    }
    if (sum != 0.0)
        for (int32_t i = 0; i < n; i++) w[i] = w[i] / sum;
    *plo = lo;
    *pn = n;
}

int holo_rs_axis_init(holo_rs_axis *a, uint32_t n_in, uint32_t n_out)
{
    memset(a, 0, sizeof *a);
    if (!n_in || !n_out) return HOLO_EINVAL;
    axis_geom g = geom(n_in, n_out);
    a->n_in = n_in;
    a->n_out = n_out;
    a->ksize = g.ksize;
    a->lo = malloc((size_t)n_out * sizeof *a->lo);
    a->cnt = malloc((size_t)n_out * sizeof *a->cnt);
    a->q = calloc((size_t)n_out * g.ksize, sizeof *a->q);
    double *w = malloc((size_t)g.ksize * sizeof *w);
    if (!a->lo || !a->cnt || !a->q || !w) {
        free(w);
        holo_rs_axis_free(a);
        return HOLO_ENOMEM;
    }
    for (uint32_t o = 0; o < n_out; o++) {
        window(&g, n_in, o, &a->lo[o], &a->cnt[o], w);
        int32_t *q = a->q + (size_t)o * g.ksize;
        for (int32_t i = 0; i < a->cnt[o]; i++) {
            double v = w[i] * (double)(1 << PREC);
            q[i] = (int32_t)(w[i] < 0.0 ? v - 0.5 : v + 0.5);
        }
    }
    free(w);
    return 0;
}

void holo_rs_axis_free(holo_rs_axis *a)
{
    free(a->lo);
    free(a->cnt);
    free(a->q);
    memset(a, 0, sizeof *a);
}

static inline uint8_t clip8(int32_t acc)
{
    int32_t v = acc >> PREC;   /* arithmetic shift = floor, as Pillow */
    return (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
}

/* ---- passes ---------------------------------------------------------------------------- */
typedef struct pass_job {
    const holo_rs_axis *ax;
    const uint8_t *src;
    uint8_t *dst;
    size_t src_stride, dst_stride;   /* bytes per row */
    uint32_t row0, row1;             /* output rows [row0, row1) */
    int32_t src_row_off;             /* vertical: first intermediate row held in src */
    const int16_t *add;              /* vertical/add: residual added to the output, or NULL */
} pass_job;

/* Horizontal: output row r comes from src row r. */
static void hpass_rows(const pass_job *j)
{
    const holo_rs_axis *ax = j->ax;
    for (uint32_t r = j->row0; r < j->row1; r++) {
        const uint8_t *in = j->src + (size_t)r * j->src_stride;
        uint8_t *out = j->dst + (size_t)r * j->dst_stride;
        for (uint32_t o = 0; o < ax->n_out; o++) {
            const int32_t *q = ax->q + (size_t)o * ax->ksize;
            const uint8_t *p = in + (size_t)ax->lo[o] * 3;
            int32_t n = ax->cnt[o];
            int32_t s0 = 1 << (PREC - 1), s1 = s0, s2 = s0;
            for (int32_t i = 0; i < n; i++, p += 3) {
                s0 += p[0] * q[i];
                s1 += p[1] * q[i];
                s2 += p[2] * q[i];
            }
            out[3 * o] = clip8(s0);
            out[3 * o + 1] = clip8(s1);
            out[3 * o + 2] = clip8(s2);
        }
    }
}

/* Vertical: output row r is a weighted sum of whole source rows. Done in tiles of a constant
 * VT bytes so the int32 accumulators stay in registers and GCC's -O2 vectoriser (which wants
 * a known trip count) handles the inner loops; the tail of the row is done the same way with
 * a shorter count. With `add`, the result is clamp(resampled + add) (the decoder's residual). */
#define VT 64
/* vtile computes every byte of the decoder's upscale: on x86-64 GCC also builds an AVX2 clone
 * (picked at load time), for the 32-bit vector multiply the SSE2 baseline lacks. Integer code,
 * so both clones give the same bytes. */
#if defined(__x86_64__) && defined(__linux__) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target_clones("avx2", "default")))   /* ifunc: glibc picks at load time */
#endif
static void vtile(const uint8_t *base, size_t stride, const int32_t *q, int32_t n, size_t len,
                  const int16_t *restrict add, uint8_t *restrict out)
{
    int32_t acc[VT];
    for (size_t x = 0; x < VT; x++) acc[x] = 1 << (PREC - 1);
    for (int32_t i = 0; i < n; i++) {
        const uint8_t *p = base + (size_t)i * stride;
        int32_t qi = q[i];
        if (qi == 0) continue;   /* adding 0 changes nothing */
        if (len == VT)
            for (size_t x = 0; x < VT; x++) acc[x] += (int32_t)p[x] * qi;
        else
            for (size_t x = 0; x < len; x++) acc[x] += (int32_t)p[x] * qi;
    }
    int32_t v[VT];
    for (size_t x = 0; x < VT; x++) {
        int32_t t = acc[x] >> PREC;   /* arithmetic shift = floor, as Pillow */
        v[x] = t < 0 ? 0 : t > 255 ? 255 : t;
    }
    if (add && len == VT) {
        for (size_t x = 0; x < VT; x++) {
            int32_t t = v[x] + add[x];
            out[x] = (uint8_t)(t < 0 ? 0 : t > 255 ? 255 : t);
        }
    } else if (add) {
        for (size_t x = 0; x < len; x++) {
            int32_t t = v[x] + add[x];
            out[x] = (uint8_t)(t < 0 ? 0 : t > 255 ? 255 : t);
        }
    } else if (len == VT) {
        for (size_t x = 0; x < VT; x++) out[x] = (uint8_t)v[x];
    } else {
        for (size_t x = 0; x < len; x++) out[x] = (uint8_t)v[x];
    }
}

static void vpass_rows(const pass_job *j)
{
    const holo_rs_axis *ax = j->ax;
    size_t width = j->dst_stride;
    for (uint32_t r = j->row0; r < j->row1; r++) {
        const int32_t *q = ax->q + (size_t)r * ax->ksize;
        const uint8_t *base = j->src + (size_t)(ax->lo[r] - j->src_row_off) * j->src_stride;
        uint8_t *out = j->dst + (size_t)r * j->dst_stride;
        const int16_t *add = j->add ? j->add + (size_t)r * j->dst_stride : NULL;
        for (size_t x0 = 0; x0 < width; x0 += VT) {
            size_t len = width - x0 < VT ? width - x0 : VT;
            vtile(base + x0, j->src_stride, q, ax->cnt[r], len, add ? add + x0 : NULL, out + x0);
        }
    }
}

/* dst = clamp(dst + add) for rows [row0, row1) (when no vertical pass can fuse it). */
static void add_rows(const pass_job *j)
{
    size_t a = (size_t)j->row0 * j->dst_stride, b = (size_t)j->row1 * j->dst_stride;
    for (size_t i = a; i < b; i++) {
        int32_t t = j->dst[i] + j->add[i];
        j->dst[i] = (uint8_t)(t < 0 ? 0 : t > 255 ? 255 : t);
    }
}

typedef struct rows_run {
    void (*fn)(const pass_job *);
    const pass_job *tmpl;
    uint32_t rows;
    unsigned parts;
} rows_run;

/* Share t of rows [0, rows), cut into `parts` contiguous ranges. */
static int rows_share(void *arg, unsigned t, unsigned thread)
{
    (void)thread;
    const rows_run *r = arg;
    pass_job j = *r->tmpl;
    j.row0 = (uint32_t)((uint64_t)r->rows * t / r->parts);
    j.row1 = (uint32_t)((uint64_t)r->rows * (t + 1) / r->parts);
    r->fn(&j);
    return 0;
}

/* Run fn over rows [0, rows) split into `threads` contiguous ranges. */
static void run_rows(void (*fn)(const pass_job *), const pass_job *tmpl, uint32_t rows,
                     int threads)
{
    if (threads > PAR_MAX_THREADS) threads = PAR_MAX_THREADS;
    /* Small passes are not worth a thread. */
    if ((uint64_t)rows * tmpl->dst_stride < (1u << 18)) threads = 1;
    if (threads > (int)rows) threads = (int)rows;
    if (threads < 1) threads = 1;
    rows_run r = { fn, tmpl, rows, (unsigned)threads };
    par_for(r.parts, r.parts, rows_share, &r);
}

int holo_resize_rgb8(const uint8_t *src, uint32_t W, uint32_t H, uint8_t *dst, uint32_t W2,
                     uint32_t H2, int threads)
{
    return holo_resize_rgb8_add(src, W, H, dst, W2, H2, NULL, threads);
}

int holo_resize_rgb8_add(const uint8_t *src, uint32_t W, uint32_t H, uint8_t *dst, uint32_t W2,
                         uint32_t H2, const int16_t *add, int threads)
{
    if (!W || !H || !W2 || !H2) return HOLO_EINVAL;
    holo_rs_axis ax = {0}, ay = {0};
    uint8_t *tmp = NULL;
    int rc = 0;
    if (W == W2 && H == H2) {
        memcpy(dst, src, (size_t)W * H * 3);
        goto add;
    }
    if (H2 != H && (rc = holo_rs_axis_init(&ay, H, H2))) return rc;

    const uint8_t *vsrc = src;      /* input of the vertical pass */
    int32_t row_off = 0;
    if (W2 != W) {
        if ((rc = holo_rs_axis_init(&ax, W, W2))) goto out;
        /* Only rows the vertical pass reads (doc/resample.md §Bicubic): [lo_y(0),
         * lo_y(M-1)+n_y(M-1)). */
        uint32_t r0 = 0, r1 = H;
        if (H2 != H) {
            r0 = (uint32_t)ay.lo[0];
            r1 = (uint32_t)(ay.lo[H2 - 1] + ay.cnt[H2 - 1]);
        }
        uint8_t *hdst = dst;
        if (H2 != H) {
            tmp = malloc((size_t)(r1 - r0) * W2 * 3);
            if (!tmp) { rc = HOLO_ENOMEM; goto out; }
            hdst = tmp;
        }
        pass_job j = { .ax = &ax, .src = src + (size_t)r0 * W * 3, .dst = hdst,
                       .src_stride = (size_t)W * 3, .dst_stride = (size_t)W2 * 3 };
        run_rows(hpass_rows, &j, r1 - r0, threads);
        vsrc = tmp;
        row_off = (int32_t)r0;
    }
    if (H2 != H) {
        pass_job j = { .ax = &ay, .src = vsrc, .dst = dst, .src_stride = (size_t)W2 * 3,
                       .dst_stride = (size_t)W2 * 3, .src_row_off = row_off, .add = add };
        run_rows(vpass_rows, &j, H2, threads);
        goto out;   /* the residual was added by the vertical pass */
    }
add:
    if (add) {
        pass_job j = { .dst = dst, .dst_stride = (size_t)W2 * 3, .add = add };
        run_rows(add_rows, &j, H2, threads);
    }
out:
    free(tmp);
    holo_rs_axis_free(&ax);
    holo_rs_axis_free(&ay);
    return rc;
}
