/* audio12.c — HOAU versions 1 and 2: WAV in, coarse frames + int16 sample residual
 * (doc/formats.md §HOAU v1/v2). Encoder: read (wav.c), pick L coarse frames, interpolate them back
 * (interp.c), residual = input - up (clipped to int16, flag bit 0), then the generic chunk
 * writer. Decoder: the generic assembler with a hook that rebuilds `up` from the reference
 * chunk's coarse frames; output clamp(up + R). No .meta / manifest for v1/v2 audio. */
#include "internal.h"
#include "interp.h"
#include "wav.h"

#include <stdlib.h>
#include <string.h>

#define AUDIO_DEFAULT_BLOCKS 16u

/* int16 values to i16le bytes (a copy only on big-endian hosts). */
static const uint8_t *i16le_view(const int16_t *v, size_t count, uint8_t **tmp)
{
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    uint8_t *b = malloc(count ? count * 2 : 1);
    if (!b) return NULL;
    for (size_t i = 0; i < count; i++) {
        b[2 * i] = (uint8_t)v[i];
        b[2 * i + 1] = (uint8_t)((uint16_t)v[i] >> 8);
    }
    *tmp = b;
    return b;
#else
    *tmp = NULL;
    (void)count;
    return (const uint8_t *)v;
#endif
}

/* Residual in place: up[i] becomes clamp(a[i] - up[i]); returns 1 when anything was clipped. */
static int residual_inplace(const int16_t *a, int16_t *up, size_t count)
{
    int clipped = 0;
    for (size_t i = 0; i < count; i++) {
        int32_t d = (int32_t)a[i] - up[i];
        if (d > 32767) { d = 32767; clipped = 1; }
        else if (d < -32768) { d = -32768; clipped = 1; }
        up[i] = (int16_t)d;
    }
    return clipped;
}

static uint32_t audio_blocks(const holo_encode_opts *o, uint64_t N, size_t coarse_bytes)
{
    uint64_t B = AUDIO_DEFAULT_BLOCKS;
    if (o->chunk_kb > 0)
        B = holo_block_count_kb(2 * N, coarse_bytes, o->chunk_kb);
    else if (o->block_count > 0)
        B = o->block_count;
    if (B > N) B = N;                    /* clamp [1, N]: no empty slices */
    if (B > HOLO_MAX_BLOCKS) B = HOLO_MAX_BLOCKS;
    return B ? (uint32_t)B : 1;
}

int holo_audio12_encode(const char *input, const char *tmpdir, const holo_encode_opts *o,
                        holo_err *err)
{
    int version = o->codec_version ? o->codec_version : 2;
    if (version != 1 && version != 2)
        return holo_seterr(err, HOLO_EINVAL, "%s: audio codec version %d is not 1 or 2", input,
                           version);
    holo_wav w;
    int rc = holo_wav_read(input, &w, err);
    if (rc) return rc;

    uint64_t n = w.frames, N = n * w.channels;
    uint64_t L = holo_audio_coarse_len(n, o->coarse_frames);
    int16_t *coarse = malloc((size_t)(L * w.channels) * sizeof *coarse);
    int16_t *resid = malloc((size_t)N * sizeof *resid);
    uint8_t *cz = NULL, *tmp = NULL;
    size_t czlen = 0;
    if (!coarse || !resid) {
        rc = holo_seterr(err, HOLO_ENOMEM, "%s: out of memory for %llu samples", input,
                         (unsigned long long)N);
        goto out;
    }
    holo_coarse_pick(w.samples, n, w.channels, L, coarse);
    const uint8_t *cbytes = i16le_view(coarse, (size_t)(L * w.channels), &tmp);
    if (!cbytes) { rc = holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", input); goto out; }
    rc = holo_zlib9(cbytes, (size_t)(L * w.channels) * 2, &cz, &czlen, err);
    if (rc) goto out;

    holo_interp_up(coarse, L, w.channels, n, resid);
    int clipped = residual_inplace(w.samples, resid, (size_t)N);

    holo_enc_plan p;
    memset(&p, 0, sizeof p);
    p.hdr.kind = HOLO_KIND_AUDIO;
    p.hdr.version = version;
    p.hdr.channels = w.channels;
    p.hdr.sample_rate = w.sample_rate;
    p.hdr.frames = (uint32_t)n;
    p.hdr.coarse_frames = (uint32_t)L;
    p.hdr.sample_width = 2;
    p.hdr.flags = clipped ? 1 : 0;
    p.hdr.block_count = audio_blocks(o, N, czlen);
    p.coarse = cz;
    p.coarse_len = czlen;
    p.resid16 = resid;
    p.n = N;
    p.golden = version >= 2;
    p.zlib_level = o->zlib_level;
    p.write_scores = 0;
    p.base_kind = "audio";
    p.recovery = o->recovery;
    p.write_sums = 1;   /* checked only when nothing clipped: then a complete decode is w */
    holo_sha256_i16le(w.samples, (size_t)N, p.decoded_sha);
    p.decoded_len = 2 * N;
    rc = holo_write_chunks(tmpdir, &p, o->threads, err);
out:
    free(tmp);
    free(cz);
    free(resid);
    free(coarse);
    holo_wav_free(&w);
    return rc;
}

/* ---- decoder ------------------------------------------------------------------------------ */

typedef struct audio_ref {
    const char *dir;
    int16_t *up;              /* n * ch interpolated coarse frames of the reference chunk */
} audio_ref;

static int accept_v12(int version) { return version == 1 || version == 2; }

static int audio_set_reference(void *ctx, const holo_chunk_hdr *h, const uint8_t *coarse,
                               size_t coarse_len)
{
    audio_ref *r = ctx;
    uint64_t ch = h->channels, n = h->frames, L = h->coarse_frames;
    /* Hardening of doc/formats.md §HOAU v1/v2: geometry the encoder never writes is not a
     * reference. */
    if (h->sample_width != 2 || ch == 0 || ch > HOLO_MAX_CHANNELS || n < 2 || L < 2 || L > n ||
        n > HOLO_MAX_FRAMES || n * ch > SIZE_MAX / 2)
        return HOLO_EINVAL;
    uint8_t *raw = NULL;
    size_t rawlen = 0;
    size_t want = (size_t)(L * ch * 2);
    int rc = holo_inflate(coarse, coarse_len, want, &raw, &rawlen, NULL, r->dir);
    if (rc) return rc;
    if (rawlen != want) { free(raw); return HOLO_EINVAL; }
    int16_t *c = malloc(want);
    int16_t *up = malloc((size_t)(n * ch) * sizeof *up);
    if (!c || !up) { free(raw); free(c); free(up); return HOLO_ENOMEM; }
    for (size_t i = 0; i < want / 2; i++)
        c[i] = (int16_t)(uint16_t)(raw[2 * i] | raw[2 * i + 1] << 8);
    free(raw);
    holo_interp_up(c, L, (uint32_t)ch, n, up);
    free(c);
    free(r->up);              /* an earlier candidate whose residual failed */
    r->up = up;
    return 0;
}

int holo_audio12_decode(const holo_chunklist *l, const holo_decode_opts *o, holo_decoded *out,
                        holo_err *err)
{
    audio_ref r = {l->dir, NULL};
    holo_kind_ops ops = {.kind = HOLO_KIND_AUDIO, .accept_version = accept_v12,
                         .set_reference = audio_set_reference, .ctx = &r, .elem_size = 2,
                         .golden_from_v2 = 1};
    holo_assembly a;
    memset(out, 0, sizeof *out);
    int rc = holo_assemble(l, &ops, o, &a, err);
    if (rc) { free(r.up); return rc; }
    if (!r.up || a.n != (uint64_t)a.ref.frames * a.ref.channels) {
        holo_assembly_free(&a);
        free(r.up);
        return holo_seterr(err, HOLO_EINVAL, "%s: audio chunks disagree with their reference",
                           l->dir);
    }
    /* Output in place of up: clamp(up + R). */
    const int16_t *R = a.resid;
    for (uint64_t i = 0; i < a.n; i++) {
        int32_t v = (int32_t)r.up[i] + R[i];
        r.up[i] = (int16_t)(v > 32767 ? 32767 : v < -32768 ? -32768 : v);
    }
    holo_assembly_info(&a, &out->info);
    out->info.kind = HOLO_KIND_AUDIO;
    out->info.version = a.ref.version;
    out->info.block_count = a.ref.block_count;
    out->info.channels = a.ref.channels;
    out->info.sample_rate = a.ref.sample_rate;
    out->info.frames = a.ref.frames;
    /* Lossless only with every block and no clipped residual (the flag is only advisory). */
    out->info.exact = a.n_present == a.ref.block_count && !(a.audio_flags_or & 1);
    holo_assembly_verify(&a, o, l->dir, r.up, 2 * a.n, 1, &out->info);
    out->samples = r.up;
    holo_assembly_free(&a);
    return 0;
}
