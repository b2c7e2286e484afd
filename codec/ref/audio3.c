/* audio3.c — HOAU version 3 "olonomic" audio (doc/formats.md §HOAU v3): OLOA blob, coarse models
 * (downsample, latent_lowfreq, ae_latent), quantized STFT residual, chunks named by score rank.
 * Decoding streams: up and the synthesis advance SPAN frames at a time, never n at once. */
#include "v3.h"
#include "interp.h"
#include "stft.h"
#include "wav.h"
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { MODEL_DOWNSAMPLE, MODEL_LOWFREQ, MODEL_AE };
#define LOWFREQ_K 16
#define MAX_COEFFS (1ull << 28)      /* cap on ch*F*bins*2 before allocating */
#define SPAN 1024                    /* frames per step of a streamed synthesis */
#define MAX_STATE (1u << 21)         /* channels x n_fft a synthesis may hold */

typedef struct oloa {
    int meta_ver, q, flags;
    uint32_t n_fft, hop;
    char model[256];
    const uint8_t *payload;
    size_t payload_len;
} oloa;

static int model_id(const char *name)
{
    if (!strcmp(name, "latent_lowfreq")) return MODEL_LOWFREQ;
    if (!strcmp(name, "ae_latent")) return MODEL_AE;
    return MODEL_DOWNSAMPLE;
}

static int oloa_parse(const uint8_t *p, size_t len, const char *name, oloa *m, holo_err *err)
{
    memset(m, 0, sizeof *m);
    if (len < 16 || memcmp(p, "OLOA", 4))
        return holo_seterr(err, HOLO_EINVAL, "%s: missing OLOA coarse metadata", name);
    m->meta_ver = p[4];
    m->q = p[5] < 1 ? 1 : p[5] > 100 ? 100 : p[5];
    m->flags = p[6];
    size_t nl = p[7];
    m->n_fft = holo_rd32(p + 8);
    m->hop = holo_rd32(p + 12);
    if (m->hop < 1) m->hop = 1;
    size_t off = 16;
    if (m->meta_ver == 1) {
        strcpy(m->model, "downsample");       /* name_len present but ignored */
    } else if (m->meta_ver == 2) {
        if (16 + nl > len) return holo_seterr(err, HOLO_EINVAL, "%s: OLOA model name past the end", name);
        holo_v3_model_name(p + 16, nl, m->model);
        off = 16 + nl;
    } else {
        return holo_seterr(err, HOLO_EUNSUPPORTED, "%s: OLOA meta version %d", name, m->meta_ver);
    }
    if (m->n_fft < 1 || m->n_fft > (1u << 20))
        return holo_seterr(err, HOLO_EINVAL, "%s: OLOA n_fft %u out of range", name, m->n_fft);
    if (m->hop > (1u << 30)) m->hop = 1u << 30;
    m->payload = p + off;
    m->payload_len = len - off;
    return 0;
}

/* int16 cast of the reference's float64 -> int16 conversion on x86-64 (quirk Q7). */
static int16_t wrap16(double v)
{
    if (!(v > -2147483648.0 && v < 2147483648.0)) return 0;
    int64_t i = (int64_t)v;
    return (int16_t)(uint16_t)((uint64_t)i & 0xFFFF);
}

/* The overlap-add rings hold channels x (n_fft + SPAN) doubles: refused beyond this many
 * channels x n_fft (16 MiB of state per synthesis), as the encoder refuses to write them. */
static int check_state(uint32_t ch, uint32_t n_fft, const char *name, holo_err *err)
{
    if ((uint64_t)ch * n_fft <= MAX_STATE) return 0;
    return holo_seterr(err, HOLO_EINVAL, "%s: %u channels x n_fft %u exceed the synthesis limit of "
                       "%u samples", name, ch, n_fft, MAX_STATE);
}

/* ---- coarse models --------------------------------------------------------------------- */

/* A model's coarse signal `up`, produced in order, SPAN frames at a time, from what its payload
 * holds: coarse frames (downsample, ae_latent) or the latent's STFT coefficients
 * (latent_lowfreq), never an n-frame buffer. */
typedef struct coarse_gen {
    int model;
    uint32_t ch;
    uint64_t n, L, done;
    int K;
    int16_t *frames;        /* downsample: L x ch */
    int16_t *latent;        /* latent_lowfreq: ch x F x K (re, im) pairs */
    uint64_t F;
    holo_ola ola;
    double *y;              /* latent_lowfreq: SPAN x ch synthesised */
} coarse_gen;

static void coarse_close(coarse_gen *g)
{
    free(g->frames);
    free(g->latent);
    free(g->y);
    holo_ola_free(&g->ola);
    memset(g, 0, sizeof *g);
}

static int open_downsample(coarse_gen *g, const uint8_t *pay, size_t plen, const char *name,
                           holo_err *err)
{
    uint64_t want = g->L * g->ch * 2;
    uint8_t *z;
    size_t zl;
    int rc = holo_inflate(pay, plen, (size_t)want, &z, &zl, err, name);
    if (rc) return rc;
    if (zl != want) {
        free(z);
        return holo_seterr(err, HOLO_EINVAL, "%s: coarse frames are %zu bytes, expected %llu", name,
                           zl, (unsigned long long)want);
    }
    g->frames = malloc(want ? want : 1);
    if (!g->frames) { free(z); return holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", name); }
    for (uint64_t i = 0; i < want / 2; i++) g->frames[i] = (int16_t)(z[2 * i] | z[2 * i + 1] << 8);
    free(z);
    return 0;
}

static void latent_frame(void *ctx, uint32_t c, uint64_t i, int16_t *pairs)
{
    const coarse_gen *g = ctx;
    memcpy(pairs, g->latent + ((uint64_t)c * g->F + i) * (uint64_t)g->K * 2,
           (size_t)g->K * 2 * sizeof *pairs);
}

static int open_lowfreq(coarse_gen *g, const oloa *m, holo_stft *st, const char *name,
                        holo_err *err)
{
    if (m->payload_len < 2) return holo_seterr(err, HOLO_EINVAL, "%s: truncated latent_lowfreq payload", name);
    int K = m->payload[0] << 8 | m->payload[1];
    if (K < 1) K = 1;
    if (K > st->bins) K = st->bins;
    g->K = K;
    g->F = holo_stft_frames(g->n, (int)m->n_fft, (int)m->hop);
    uint64_t need = (uint64_t)g->ch * g->F * (uint64_t)K * 2;
    if (need > MAX_COEFFS) return holo_seterr(err, HOLO_EINVAL, "%s: latent too large", name);
    uint8_t *z = NULL;
    size_t zl = 0;
    int rc = holo_inflate(m->payload + 2, m->payload_len - 2, (size_t)need * 2 + 65536, &z, &zl, err, name);
    if (rc) return rc;
    if (zl / 2 < need) { free(z); return holo_seterr(err, HOLO_EINVAL, "%s: latent_lowfreq payload too short", name); }
    g->latent = malloc(need * 2);
    g->y = malloc(SPAN * g->ch * sizeof *g->y);
    if (!g->latent || !g->y || holo_ola_init(&g->ola, st, g->ch, g->F, K, SPAN, latent_frame, g)) {
        free(z);
        return holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", name);
    }
    for (uint64_t i = 0; i < need; i++) g->latent[i] = (int16_t)(z[2 * i] | z[2 * i + 1] << 8);
    free(z);
    return 0;
}

/* Decode the payload of m for ch channels, n frames, L coarse frames (st: the set's STFT,
 * used by latent_lowfreq). g is closed on failure too. */
static int coarse_open(coarse_gen *g, const oloa *m, uint32_t ch, uint64_t n, uint64_t L,
                       holo_stft *st, const char *name, holo_err *err)
{
    memset(g, 0, sizeof *g);
    g->model = model_id(m->model);
    g->ch = ch;
    g->n = n;
    g->L = L;
    int rc;
    switch (g->model) {
    case MODEL_LOWFREQ:
        rc = open_lowfreq(g, m, st, name, err);
        break;
    case MODEL_AE: {
        if (m->payload_len < 8) { rc = holo_seterr(err, HOLO_EINVAL, "%s: truncated ae_latent payload", name); break; }
        uint32_t cs = holo_rd32(m->payload);
        if (8ull + cs > m->payload_len) {
            rc = holo_seterr(err, HOLO_EINVAL, "%s: ae_latent coarse runs past the payload", name);
            break;
        }
        rc = open_downsample(g, m->payload + 8, cs, name, err);
        break;
    }
    default:
        rc = open_downsample(g, m->payload, m->payload_len, name, err);
    }
    if (rc) coarse_close(g);
    return rc;
}

/* The next count (<= SPAN) frames of up, interleaved. */
static void coarse_take(coarse_gen *g, uint64_t count, int16_t *up)
{
    if (g->model == MODEL_LOWFREQ) {
        holo_ola_take(&g->ola, count, g->y);
        for (uint64_t i = 0; i < count * g->ch; i++) up[i] = wrap16(nearbyint(g->y[i]));
    } else {
        holo_interp_up_range(g->frames, g->L, g->ch, g->n, g->done, count, up);
    }
    g->done += count;
}

/* ---- decoder --------------------------------------------------------------------------- */

typedef struct aud3_ctx {
    oloa meta;
    holo_stft st;
    int have_st;
    coarse_gen up;
    const holo_v3_set *set;
    uint64_t F;
    int bins;
} aud3_ctx;

static void aud3_free(aud3_ctx *x)
{
    coarse_close(&x->up);
    if (x->have_st) holo_stft_free(&x->st);
    x->have_st = 0;
}

uint64_t holo_audio3_count(const holo_chunk_hdr *h, const uint8_t *blob, size_t len)
{
    oloa m;
    if (oloa_parse(blob, len, "", &m, NULL)) return 0;
    uint64_t F = holo_stft_frames(h->frames, (int)m.n_fft, (int)m.hop);
    return (uint64_t)h->channels * F * (uint64_t)(m.n_fft / 2 + 1) * 2;
}

static int aud3_set_reference(void *vctx, const holo_chunk_hdr *h, const uint8_t *blob,
                              size_t len, const char *name, uint64_t *N, holo_err *err)
{
    aud3_ctx *x = vctx;
    oloa m;
    int rc = oloa_parse(blob, len, name, &m, err);
    if (rc) return rc;
    if (h->coarse_frames < 1) return holo_seterr(err, HOLO_EINVAL, "%s: coarse length 0", name);
    uint64_t F = holo_stft_frames(h->frames, (int)m.n_fft, (int)m.hop);
    int bins = (int)(m.n_fft / 2 + 1);
    uint64_t n_co = (uint64_t)h->channels * F * (uint64_t)bins * 2;
    if (n_co > MAX_COEFFS)
        return holo_seterr(err, HOLO_EINVAL, "%s: %llu STFT coefficients exceed the cap", name,
                           (unsigned long long)n_co);
    if ((rc = check_state(h->channels, m.n_fft, name, err))) return rc;
    if (model_id(m.model) != MODEL_LOWFREQ && (uint64_t)h->coarse_frames * h->channels > MAX_COEFFS)
        return holo_seterr(err, HOLO_EINVAL, "%s: coarse length too large", name);
    if (holo_stft_init(&x->st, (int)m.n_fft, (int)m.hop, m.q))
        return holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", name);
    x->have_st = 1;
    rc = coarse_open(&x->up, &m, h->channels, h->frames, h->coarse_frames, &x->st, name, err);
    if (rc) { aud3_free(x); return rc; }
    m.payload = NULL;       /* the blob is not kept */
    x->meta = m;
    x->F = F;
    x->bins = bins;
    *N = n_co;
    return 0;
}

static void residual_frame(void *ctx, uint32_t c, uint64_t i, int16_t *pairs)
{
    const aud3_ctx *x = ctx;
    uint64_t per = (uint64_t)x->bins * 2;
    holo_v3_gather(x->set, ((uint64_t)c * x->F + i) * per, per, pairs);
}

int holo_audio3_stream(const holo_chunklist *l, const holo_decode_opts *o, holo_pcm_sink sink,
                       void *sink_ctx, holo_err *err)
{
    aud3_ctx x = {0};
    holo_v3_ops ops = { HOLO_KIND_AUDIO, holo_audio3_count, aud3_set_reference, &x };
    holo_v3_set s;
    int rc = holo_v3_collect(l, &ops, o, &s, err);
    if (rc) { aud3_free(&x); return rc; }
    x.set = &s;
    holo_info info;
    memset(&info, 0, sizeof info);
    holo_v3_info(&s, &info);
    const uint32_t ch = s.ref.channels;
    const uint64_t n = s.ref.frames;
    int16_t *up = malloc(SPAN * ch * sizeof *up), *pcm = malloc(SPAN * ch * sizeof *pcm);
    double *y = malloc(SPAN * ch * sizeof *y);
    holo_ola ola;
    int ola_rc = holo_ola_init(&ola, &x.st, ch, x.F, x.bins, SPAN, residual_frame, &x);
    if (!up || !pcm || !y || ola_rc)
        rc = holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", l->dir);
    else
        rc = sink(sink_ctx, &info, NULL, 0);
    for (uint64_t t = 0; !rc && t < n; t += SPAN) {
        uint64_t count = n - t < SPAN ? n - t : SPAN;
        coarse_take(&x.up, count, up);
        holo_ola_take(&ola, count, y);
        for (uint64_t i = 0; i < count * ch; i++) {
            double v = (double)up[i] + nearbyint(y[i]);
            pcm[i] = v >= 32767.0 ? 32767 : v <= -32768.0 ? -32768 : (int16_t)v;
        }
        rc = sink(sink_ctx, &info, pcm, count);
    }
    if (!ola_rc) holo_ola_free(&ola);
    free(up); free(pcm); free(y);
    aud3_free(&x);
    holo_v3_set_free(&s);
    return rc;
}

/* holo_audio3_decode's sink: the samples into one buffer. */
typedef struct whole {
    int16_t *pcm;
    uint64_t at;
    holo_info info;
    const char *dir;
    holo_err *err;
} whole;

static int into_buffer(void *ctx, const holo_info *info, const int16_t *pcm, uint64_t frames)
{
    whole *w = ctx;
    if (!pcm) {
        w->info = *info;
        uint64_t count = (uint64_t)info->frames * info->channels;
        if (!(w->pcm = malloc(count ? count * sizeof *w->pcm : 1)))
            return holo_seterr(w->err, HOLO_ENOMEM, "%s: out of memory", w->dir);
        return 0;
    }
    memcpy(w->pcm + w->at, pcm, frames * info->channels * sizeof *pcm);
    w->at += frames * info->channels;
    return 0;
}

int holo_audio3_decode(const holo_chunklist *l, const holo_decode_opts *o, holo_decoded *out,
                       holo_err *err)
{
    whole w = { .dir = l->dir, .err = err };
    int rc = holo_audio3_stream(l, o, into_buffer, &w, err);
    if (rc) { free(w.pcm); return rc; }
    memset(out, 0, sizeof *out);
    out->info = w.info;
    out->samples = w.pcm;
    return 0;
}

/* ---- encoder --------------------------------------------------------------------------- */

static int write_manifest(const char *dir, uint32_t B, const uint32_t *ord, const double *score,
                          holo_err *err)
{
    size_t cap = 256 + (size_t)B * 160, k = 0;
    char *j = malloc(cap);
    if (!j) return holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", dir);
    k += (size_t)snprintf(j + k, cap - k,
                          "{\n  \"kind\": \"chunk_manifest\",\n  \"manifest_version\": 1,\n"
                          "  \"base_kind\": \"audio\",\n  \"codec_version\": 3,\n"
                          "  \"block_count\": %u,\n  \"ordered_chunks\": [\n", B);
    for (uint32_t r = 0; r < B; r++)
        k += (size_t)snprintf(j + k, cap - k, "    \"chunk_%04u.holo\"%s\n", r, r + 1 < B ? "," : "");
    k += (size_t)snprintf(j + k, cap - k, "  ],\n  \"chunks\": [\n");
    for (uint32_t r = 0; r < B; r++) {
        char rep[40];
        holo_repr_double(score[ord[r]], rep);
        k += (size_t)snprintf(j + k, cap - k,
                              "    {\n      \"file\": \"chunk_%04u.holo\",\n      \"block_id\": %u,\n"
                              "      \"score\": %s\n    }%s\n", r, ord[r], rep, r + 1 < B ? "," : "");
    }
    k += (size_t)snprintf(j + k, cap - k, "  ]\n}");
    char path[PATH_MAX];
    int rc = holo_path_join(path, sizeof path, dir, "manifest.json") < 0
                 ? holo_seterr(err, HOLO_EINVAL, "%s: path too long", dir)
                 : holo_write_file_tmp(path, j, k, err);
    free(j);
    return rc;
}

/* Chunks ranked by score (doc/formats.md §HOAU v3, encoding step 8): file chunk_<rank> holds block
 * ord[rank]. */
static int write_chunks(const char *dir, holo_chunk_hdr hdr, const uint8_t *blob, size_t blen,
                        const int16_t *V, uint64_t N, int level, holo_err *err)
{
    const uint32_t B = hdr.block_count;
    double *score = calloc(B, sizeof *score);
    uint32_t *ord = malloc(B * sizeof *ord);
    int rc = 0;
    if (!score || !ord) { rc = holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", dir); goto out; }
    int16_t *v = malloc((holo_slice_len(N, B, 0) + 1) * sizeof *v);
    if (!v) { rc = holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", dir); goto out; }
    for (uint32_t b = 0; b < B; b++) {
        uint64_t m = holo_slice_len(N, B, b);
        holo_slice_gather_i16(V, N, B, b, 1, v);
        double s = 0;
        for (uint64_t k = 0; k < m; k++) s += (double)v[k] * v[k];
        score[b] = s;
    }
    free(v);
    /* Stable insertion sort: score descending, ties keep ascending block id. */
    for (uint32_t i = 0; i < B; i++) {
        uint32_t k = i;
        while (k > 0 && score[ord[k - 1]] < score[i]) { ord[k] = ord[k - 1]; k--; }
        ord[k] = i;
    }
    for (uint32_t r = 0; r < B && !rc; r++) {
        uint32_t b = ord[r];
        size_t rl, zl;
        uint8_t *raw = holo_v3_slice_bytes(V, N, B, b, &rl), *z = NULL;
        if (!raw) { rc = holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", dir); break; }
        rc = holo_zlib(raw, rl, holo_zlevel(level), &z, &zl, err);
        free(raw);
        if (rc) break;
        holo_chunk_hdr h = hdr;
        h.block_id = b;
        h.coarse_len = (uint32_t)blen;
        h.resid_len = (uint32_t)zl;
        uint8_t head[64];
        size_t hl = holo_chunk_emit(&h, head);
        uint8_t *file = malloc(hl + blen + zl);
        if (!file) { free(z); rc = holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", dir); break; }
        memcpy(file, head, hl);
        memcpy(file + hl, blob, blen);
        memcpy(file + hl + blen, z, zl);
        free(z);
        char name[64], path[PATH_MAX];
        snprintf(name, sizeof name, "chunk_%04u.holo", r);
        if (holo_path_join(path, sizeof path, dir, name) < 0)
            rc = holo_seterr(err, HOLO_EINVAL, "%s: path too long", dir);
        else if (!(rc = holo_write_file_tmp(path, file, hl + blen + zl, err)))
            rc = holo_write_meta(dir, name, score[b], err);
        free(file);
    }
    if (!rc) rc = write_manifest(dir, B, ord, score, err);
out:
    free(score);
    free(ord);
    return rc;
}

static uint8_t *le16(const int16_t *v, uint64_t n)
{
    uint8_t *o = malloc(n ? n * 2 : 1);
    if (!o) return NULL;
    for (uint64_t i = 0; i < n; i++) {
        o[2 * i] = (uint8_t)v[i];
        o[2 * i + 1] = (uint8_t)((uint16_t)v[i] >> 8);
    }
    return o;
}

int holo_audio3_encode(const char *input, const char *tmpdir, const holo_encode_opts *o,
                       holo_err *err)
{
    int n_fft = o->n_fft ? o->n_fft : 512;
    int hop = o->hop ? o->hop : n_fft / 2;
    if (hop < 1) hop = 1;
    int q = o->quality ? o->quality : 50;
    if (q < 1) q = 1;
    if (q > 100) q = 100;
    if (n_fft < 1 || n_fft > (1 << 20))
        return holo_seterr(err, HOLO_EINVAL, "%s: n_fft %d out of range 1-1048576", input, n_fft);
    char model[256];
    const char *mn = o->coarse_model ? o->coarse_model : "";
    holo_v3_model_name((const uint8_t *)mn, strlen(mn), model);
    int mid = model_id(model);
    if (mid == MODEL_DOWNSAMPLE && strcmp(model, "downsample"))
        return holo_seterr(err, HOLO_EINVAL,
                           "%s: unknown coarse model '%s' (downsample, latent_lowfreq, ae_latent)",
                           input, mn);
    holo_wav w;
    int rc = holo_wav_read(input, &w, err);
    if (rc) return rc;
    const uint64_t n = w.frames;
    const uint32_t ch = w.channels;
    holo_stft st;
    if (holo_stft_init(&st, n_fft, hop, q)) { holo_wav_free(&w); return holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", input); }
    const uint64_t F = holo_stft_frames(n, n_fft, hop);
    const uint64_t N = (uint64_t)ch * F * (uint64_t)st.bins * 2;
    uint8_t *payload = NULL, *blob = NULL;
    size_t plen = 0, blen = 0;
    int16_t *up = NULL, *V = NULL, *coarse = NULL;
    float *x = NULL;
    uint32_t L;
    if (N > MAX_COEFFS || n > UINT32_MAX) {
        rc = holo_seterr(err, HOLO_EINVAL, "%s: too many STFT coefficients (lower n_fft or raise hop)", input);
        goto out;
    }
    if ((rc = check_state(ch, (uint32_t)n_fft, input, err))) goto out;
    up = malloc(n * ch * sizeof *up);
    V = malloc(N * sizeof *V);
    x = malloc(n * sizeof *x);
    if (!up || !V || !x) { rc = holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", input); goto out; }

    /* 1-2. Coarse payload and its closed-loop reconstruction. */
    oloa m = { .meta_ver = 2, .q = q, .n_fft = (uint32_t)n_fft, .hop = (uint32_t)hop };
    strcpy(m.model, model);
    holo_chunk_hdr hdr = { .kind = HOLO_KIND_AUDIO, .version = 3, .channels = ch, .sample_width = 2,
                           .sample_rate = w.sample_rate, .frames = (uint32_t)n };
    if (mid == MODEL_LOWFREQ) {
        int K = LOWFREQ_K > st.bins ? st.bins : LOWFREQ_K;
        uint64_t cnt = (uint64_t)ch * F * (uint64_t)K * 2;
        int16_t *c = malloc(cnt * sizeof *c);
        if (!c) { rc = holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", input); goto out; }
        for (uint32_t k = 0; k < ch; k++) {
            for (uint64_t t = 0; t < n; t++) x[t] = (float)w.samples[t * ch + k];
            holo_stft_analyse(&st, x, n, F, K, c + (uint64_t)k * F * K * 2);
        }
        uint8_t *le = le16(c, cnt), *z = NULL;
        size_t zl = 0;
        free(c);
        if (!le) { rc = holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", input); goto out; }
        rc = holo_zlib9(le, (size_t)cnt * 2, &z, &zl, err);
        free(le);
        if (rc) goto out;
        payload = malloc(zl + 2);
        if (!payload) { free(z); rc = holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", input); goto out; }
        payload[0] = (uint8_t)(K >> 8);
        payload[1] = (uint8_t)K;
        memcpy(payload + 2, z, zl);
        free(z);
        plen = zl + 2;
        L = (uint32_t)n;
    } else {
        L = (uint32_t)holo_audio_coarse_len(n, o->coarse_frames);
        coarse = malloc((uint64_t)L * ch * sizeof *coarse);
        if (!coarse) { rc = holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", input); goto out; }
        holo_coarse_pick(w.samples, n, ch, L, coarse);
        uint8_t *le = le16(coarse, (uint64_t)L * ch), *z = NULL;
        size_t zl = 0;
        if (!le) { rc = holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", input); goto out; }
        rc = holo_zlib9(le, (size_t)L * ch * 2, &z, &zl, err);
        free(le);
        if (rc) goto out;
        size_t off = mid == MODEL_AE ? 8 : 0;
        payload = malloc(zl + off);
        if (!payload) { free(z); rc = holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", input); goto out; }
        if (off) {
            holo_wr32(payload, (uint32_t)zl);
            holo_wr32(payload + 4, 0);          /* no autoencoder weights: latent_len 0 */
        }
        memcpy(payload + off, z, zl);
        free(z);
        plen = zl + off;
    }
    hdr.coarse_frames = L;
    m.payload = payload;
    m.payload_len = plen;
    coarse_gen g;   /* closed loop: the residual is taken against what decoders rebuild */
    if ((rc = coarse_open(&g, &m, ch, n, L, &st, input, err))) goto out;
    for (uint64_t t = 0; t < n; t += SPAN) coarse_take(&g, n - t < SPAN ? n - t : SPAN, up + t * ch);
    coarse_close(&g);

    /* 3-8. Residual per channel, STFT, quantization. */
    int flags = 0;
    for (uint32_t k = 0; k < ch; k++) {
        for (uint64_t t = 0; t < n; t++)
            x[t] = (float)((int32_t)w.samples[t * ch + k] - (int32_t)up[t * ch + k]);
        flags |= holo_stft_analyse(&st, x, n, F, st.bins, V + (uint64_t)k * F * st.bins * 2);
    }

    /* 9. OLOA blob. */
    size_t nl = strlen(model);
    blen = 16 + nl + plen;
    if (blen > UINT32_MAX - 1024) { rc = holo_seterr(err, HOLO_EINVAL, "%s: coarse payload too large", input); goto out; }
    if (!(blob = malloc(blen))) { rc = holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", input); goto out; }
    memcpy(blob, "OLOA", 4);
    blob[4] = 2;
    blob[5] = (uint8_t)q;
    blob[6] = (uint8_t)flags;
    blob[7] = (uint8_t)nl;
    holo_wr32(blob + 8, (uint32_t)n_fft);
    holo_wr32(blob + 12, (uint32_t)hop);
    memcpy(blob + 16, model, nl);
    memcpy(blob + 16 + nl, payload, plen);

    /* 10-12. Block count, ranked chunks, recovery. */
    hdr.flags = (uint8_t)flags;
    hdr.block_count = holo_v3_block_count(o, 16, N, blen);
    rc = write_chunks(tmpdir, hdr, blob, blen, V, N, o->zlib_level, err);
    if (!rc && o->recovery > 0)
        rc = holo_v3_write_recovery(tmpdir, 2, V, N, hdr.block_count, o->recovery, err);
out:
    holo_stft_free(&st);
    holo_wav_free(&w);
    free(payload); free(blob); free(up); free(V); free(coarse); free(x);
    return rc;
}
