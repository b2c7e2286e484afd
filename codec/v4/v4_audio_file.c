/* v4_audio_file.c — HO4A chunk directories: a WAV file encoded by v4_audio.c into the v4
 * container (tiers 0-3 and U shares), and a directory decoded back into WAV bytes (holo(5)
 * "HO4A"). */
#include "v4_audio_file.h"

#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "sha256.h"
#include "v4_audio_wav.h"
#include "v4_container.h"

static uint64_t rd64(const uint8_t *p) { return (uint64_t)holo_rd32(p) << 32 | holo_rd32(p + 4); }

unsigned v4a_chunks_for(uint64_t file_bytes)
{
    uint64_t n = file_bytes / HO4A_BYTES_PER_CHUNK;
    return n < 1 ? 1 : n > HO4A_MAX_DEFAULT_CHUNKS ? HO4A_MAX_DEFAULT_CHUNKS : (unsigned)n;
}

int v4a_encode_buffer(const uint8_t *buf, size_t len, const char *name, const char *tmpdir,
                      unsigned n, int compact, holo_err *err)
{
    if (!n)
        n = v4a_chunks_for(len);
    v4a_pcm pcm;
    uint8_t *recipe = NULL, *again = NULL;
    size_t rlen, alen;
    int rc = v4a_wav_split(buf, len, name, &pcm, &recipe, &rlen, err);
    if (rc)
        return rc;
    /* the promise is the file back byte for byte: rebuild it before writing anything */
    rc = v4a_wav_join(&pcm, recipe, rlen, &again, &alen, NULL, err);
    if (!rc && (alen != len || memcmp(again, buf, len)))
        rc = holo_seterr(err, HOLO_EUNSUPPORTED, "%s: WAV does not rebuild byte for byte", name);
    free(again);
    v4a_streams s = { 0 };
    v4a_opts o = { .n = n, .compact = compact };
    if (!rc)
        rc = v4a_encode(&pcm, recipe, rlen, &o, &s, err);
    v4a_pcm_free(&pcm);
    free(recipe);
    if (rc)
        return rc;
    v4c_spec sp = { .magic = { 'H', 'O', '4', 'A' }, .flags = (uint8_t)(compact ? 1 : 0), .n = n,
                    .length = len, .ntiers = V4A_TIERS, .u = (const uint8_t *const *)s.u, .u_len = s.u_len };
    sha256(buf, len, sp.sha256);
    uint8_t cid[32];
    sha256_ctx c;
    sha256_init(&c);
    sha256_update(&c, sp.sha256, 32);
    sha256_update(&c, "HO4A", 4);
    sha256_update(&c, s.tier[0], s.tier_len[0]);
    sha256_final(&c, cid);
    sp.content_id = rd64(cid);
    for (unsigned t = 0; t < V4A_TIERS; t++)
        sp.tier[t] = (v4c_source){ .m = s.m[t], .S = s.tier_len[t], .mem = s.tier[t] };
    rc = v4c_write(tmpdir, &sp, err);
    v4a_streams_free(&s);
    return rc;
}

int v4a_encode_file(const char *input, const char *tmpdir, unsigned n, int compact, holo_err *err)
{
    uint8_t *buf;
    size_t len;
    int rc = holo_read_file(input, (size_t)1 << 32, &buf, &len, err);
    if (rc)
        return rc;
    rc = v4a_encode_buffer(buf, len, input, tmpdir, n, compact, err);
    free(buf);
    return rc;
}

static void fill_info(const v4c_reader *r, const uint8_t *t0, size_t t0_len, holo_info *info);

/* v4a_decode_dir, and the set's holo_info into *info when non-NULL (from the same reader: the
 * chunks are opened once). */
static int decode_dir(const char *dir, const holo_decode_opts *o, uint8_t **out, size_t *out_len,
                      int *exact, holo_info *info, holo_err *err)
{
    *out = NULL;
    *out_len = 0;
    *exact = 0;
    v4c_reader *r;
    int rc = v4c_open(dir, o, V4C_VERIFY_ALL, &r, err);   /* a corrupt chunk counts as missing */
    if (rc)
        return rc;
    const v4c_hdr *h = v4c_header(r);
    v4a_streams s = { .n = h->n, .max_pcm_bytes = h->length };
    if (memcmp(h->magic, "HO4A", 4) || h->ntiers != V4A_TIERS || (info && h->m[0] != 1)) {
        v4c_close(r);
        return holo_seterr(err, HOLO_EINVAL, "%s: not an HO4A chunk set", dir);
    }
    if (info)
        fill_info(r, v4c_m1(r, 0), h->S[0], info);
    s.u = calloc(h->n, sizeof *s.u);
    s.u_len = calloc(h->n, sizeof *s.u_len);
    rc = s.u && s.u_len ? 0 : holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", dir);
    unsigned bad = V4C_NO_AVOID;
    for (unsigned i = 0; i < h->n && !rc; i++) {
        if (!v4c_has(r, i))
            continue;
        holo_err e;
        if (v4c_read_u(r, i, &s.u[i], &s.u_len[i], &e)) {
            holo_warnf(o, "%s, skipped", e.msg);
            bad = i;
        }
    }
    for (unsigned t = 0; t < V4A_TIERS && !rc; t++) {
        s.m[t] = h->m[t];
        if (h->m[t] == 1) {
            const uint8_t *m1 = v4c_m1(r, t);
            if (m1 && (s.tier[t] = malloc(h->S[t] ? h->S[t] : 1)))
                memcpy(s.tier[t], m1, h->S[t]);
        } else if (v4c_readable(r, t, 0, h->S[t]) && h->S[t] < ((uint64_t)1 << 32)
                   && (s.tier[t] = malloc(h->S[t] ? h->S[t] : 1))) {
            holo_err e;
            if (h->S[t] && v4c_read(r, t, 0, s.tier[t], h->S[t], bad, &e)) {
                free(s.tier[t]);
                s.tier[t] = NULL;
            }
        }
        s.tier_len[t] = s.tier[t] ? h->S[t] : 0;
    }
    uint8_t want[32];
    memcpy(want, h->sha256, 32);
    uint64_t length = h->length;
    v4c_close(r);
    v4a_pcm pcm = { 0 };
    const uint8_t *recipe;
    size_t rlen;
    uint8_t got[32];
    if (!rc)
        rc = v4a_decode(&s, &pcm, &recipe, &rlen, exact, err);
    if (!rc)
        rc = v4a_wav_join(&pcm, recipe, rlen, out, out_len, *exact ? got : NULL, err);
    if (!rc && *exact) {
        if (*out_len != length || memcmp(got, want, 32)) {
            free(*out);
            *out = NULL;
            rc = holo_seterr(err, HOLO_EINVAL, "%s: every chunk present but the decode fails its SHA-256", dir);
        }
    }
    v4a_pcm_free(&pcm);
    v4a_streams_free(&s);
    return rc;
}

int v4a_decode_dir(const char *dir, const holo_decode_opts *o, uint8_t **out, size_t *out_len,
                   int *exact, holo_err *err)
{
    return decode_dir(dir, o, out, out_len, exact, NULL, err);
}

/* ---- the library's front door (encode.c, decode.c) -------------------------------------- */
int holo_v4_audio_encode(const char *input, const char *tmpdir, const holo_encode_opts *o, holo_err *err)
{
    unsigned n = o->block_count;     /* 0: from the file's size */
    if (o->chunk_kb > 0 || o->recovery > 0)     /* never silently ignored */
        return holo_seterr(err, HOLO_EINVAL, "%s: %s has no meaning for audio v4 (HO4A); give the chunk count (-b)",
                           input, o->chunk_kb > 0 ? "-k" : "--recovery");
    if (n > V4C_MAX_CHUNKS)
        return holo_seterr(err, HOLO_EINVAL, "%s: %u chunks; HO4A takes 1-255", input, n);
    return v4a_encode_file(input, tmpdir, n, o->compact, err);
}

static void fill_info(const v4c_reader *r, const uint8_t *t0, size_t t0_len, holo_info *info)
{
    v4c_fill_info(r, HOLO_KIND_AUDIO, info);
    v4a_format f;
    if (t0 && v4a_peek_format(t0, t0_len, &f) == 0) {
        info->channels = f.channels;
        info->sample_rate = f.rate;
        info->frames = f.frames > UINT32_MAX ? UINT32_MAX : (uint32_t)f.frames;
    }
}

int holo_v4_audio_info(const char *dir, holo_info *info, holo_err *err)
{
    v4c_reader *r;
    int rc = v4c_open(dir, NULL, 1, &r, err);
    if (rc)
        return rc;
    const v4c_hdr *h = v4c_header(r);
    if (memcmp(h->magic, "HO4A", 4) || h->ntiers != V4A_TIERS || h->m[0] != 1) {
        v4c_close(r);
        return holo_seterr(err, HOLO_EINVAL, "%s: not an HO4A chunk set", dir);
    }
    fill_info(r, v4c_m1(r, 0), h->S[0], info);
    v4c_close(r);
    return 0;
}

/* The decoded file is the WAV itself (out->bytes, info.length bytes): byte for byte the
 * original with every chunk, the same layout with lossy samples otherwise. */
int holo_v4_audio_decode(const char *dir, const holo_decode_opts *o, holo_decoded *out, holo_err *err)
{
    memset(out, 0, sizeof *out);
    size_t len;
    int exact;
    int rc = decode_dir(dir, o, &out->bytes, &len, &exact, &out->info, err);
    if (rc)
        return rc;
    out->info.length = len;
    out->info.exact = exact;          /* every chunk and the SHA-256 of the original matched */
    out->info.exact_bytes = 1;        /* a complete set gives the WAV/AIFF file itself */
    out->info.file_size = out->info.length;
    return 0;
}
