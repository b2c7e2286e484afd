/* v4_audio_wav.c — WAV and AIFF files for HO4A, byte for byte: the samples go to the codec,
 * every other byte (RIFF/FORM header, fmt/COMM, LIST/fact/cue/... chunks, pad bytes, a partial
 * last frame, trailing bytes) goes verbatim into a recipe; rebuilding is recipe + samples. */
#include "v4_audio_wav.h"

#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "sha256.h"

static uint32_t le32(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }
static unsigned le16(const uint8_t *p) { return (unsigned)p[0] | (unsigned)p[1] << 8; }
static void put32(uint8_t *p, uint32_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24); }

static uint32_t be32(const uint8_t *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }
static unsigned be16(const uint8_t *p) { return (unsigned)p[0] << 8 | p[1]; }

/* The sample rate of an 80-bit IEEE extended (AIFF COMM); 0 when not a positive integer
 * below 2^32 (the rate is informational: the recipe keeps the bytes). */
static uint32_t ext80_rate(const uint8_t *p)
{
    int exp = (int)((p[0] & 0x7F) << 8 | p[1]) - 16383;
    uint64_t mant = (uint64_t)be32(p + 2) << 32 | be32(p + 6);
    if ((p[0] & 0x80) || exp < 0 || exp > 31)
        return 0;
    return (uint32_t)(mant >> (63 - exp));
}

/* Where the samples are and how they are stored. */
typedef struct layout {
    char kind;                        /* 'W': RIFF/WAVE little-endian, 8-bit unsigned; 'A': AIFF */
    size_t data_off, data_len;
    unsigned channels, bits;
    uint32_t rate;
} layout;

static int aiff_layout(const uint8_t *buf, size_t len, const char *name, layout *lo, holo_err *err)
{
    size_t off = 12;
    int comm = 0;
    while (off + 8 <= len) {
        uint32_t clen = be32(buf + off + 4);
        size_t body = off + 8;
        if (!memcmp(buf + off, "COMM", 4) && clen >= 18 && body + 18 <= len) {
            lo->channels = be16(buf + body);
            lo->bits = be16(buf + body + 6);
            lo->rate = ext80_rate(buf + body + 8);
            comm = 1;
        } else if (!memcmp(buf + off, "SSND", 4) && body + 8 <= len) {
            uint32_t skip = be32(buf + body);
            size_t avail = clen > len - body ? len - body : clen;
            if (avail < 8 || skip > avail - 8)
                break;
            lo->data_off = body + 8 + skip;
            lo->data_len = avail - 8 - skip;
        }
        if (clen > len - body)
            break;
        off = body + clen + (clen & 1);
    }
    if (!comm || !lo->data_off)
        return holo_seterr(err, HOLO_EUNSUPPORTED, "%s: AIFF without COMM or SSND", name);
    return 0;
}

static int split_at(const uint8_t *buf, size_t len, const char *name, const layout *lo, v4a_pcm *p,
                    uint8_t **recipe, size_t *recipe_len, holo_err *err);

/* Recipe: kind ('W' or 'A') | u32 prefix length | prefix | u32 suffix length | suffix
 * (lengths little-endian). */
int v4a_wav_split(const uint8_t *buf, size_t len, const char *name, v4a_pcm *p, uint8_t **recipe,
                  size_t *recipe_len, holo_err *err)
{
    memset(p, 0, sizeof *p);
    if (len >= 12 && !memcmp(buf, "FORM", 4) && !memcmp(buf + 8, "AIFF", 4)) {
        layout lo = { .kind = 'A' };
        int rc = aiff_layout(buf, len, name, &lo, err);
        if (rc)
            return rc;
        return split_at(buf, len, name, &lo, p, recipe, recipe_len, err);
    }
    if (len < 12 || memcmp(buf, "RIFF", 4) || memcmp(buf + 8, "WAVE", 4))
        return holo_seterr(err, HOLO_EUNSUPPORTED, "%s: not a RIFF/WAVE or AIFF file", name);
    size_t off = 12, data_off = 0, data_len = 0;
    unsigned tag = 0, channels = 0, bits = 0, align = 0;
    uint32_t rate = 0;
    while (off + 8 <= len) {
        uint32_t clen = le32(buf + off + 4);
        size_t body = off + 8;
        if (!memcmp(buf + off, "fmt ", 4) && clen >= 16 && body + 16 <= len) {
            tag = le16(buf + body);
            channels = le16(buf + body + 2);
            rate = le32(buf + body + 4);
            align = le16(buf + body + 12);
            bits = le16(buf + body + 14);
            if (tag == 0xFFFE && clen >= 40 && body + 40 <= len) /* extensible: PCM sub-format */
                tag = le16(buf + body + 24);
        } else if (!memcmp(buf + off, "data", 4)) {
            data_off = body;
            data_len = clen > len - body ? len - body : clen;
            break;
        }
        if (clen > len - body)
            break;
        off = body + clen + (clen & 1);
    }
    if (!data_off || tag != 1 || align != channels * (bits / 8))
        return holo_seterr(err, HOLO_EUNSUPPORTED, "%s: not 8/16/24-bit PCM WAV with 1-8 channels", name);
    layout lo = { .kind = 'W', .data_off = data_off, .data_len = data_len, .channels = channels,
                  .bits = bits, .rate = rate };
    return split_at(buf, len, name, &lo, p, recipe, recipe_len, err);
}

static int split_at(const uint8_t *buf, size_t len, const char *name, const layout *lo, v4a_pcm *p,
                    uint8_t **recipe, size_t *recipe_len, holo_err *err)
{
    unsigned channels = lo->channels, bits = lo->bits, align = channels * (bits / 8);
    size_t data_off = lo->data_off, data_len = lo->data_len;
    if (channels < 1 || channels > V4A_MAX_CHANNELS || (bits != 8 && bits != 16 && bits != 24))
        return holo_seterr(err, HOLO_EUNSUPPORTED, "%s: not 8/16/24-bit PCM with 1-8 channels", name);
    uint64_t frames = data_len / align;
    size_t payload = (size_t)frames * align, suffix = len - data_off - payload;
    p->channels = channels;
    p->bits = bits;
    p->rate = lo->rate;
    p->frames = frames;
    p->s = malloc((frames * channels != 0 ? frames * channels : 1) * sizeof *p->s);
    *recipe_len = 9 + data_off + suffix;
    *recipe = malloc(*recipe_len);
    if (!p->s || !*recipe) {
        free(*recipe);
        v4a_pcm_free(p);
        return holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", name);
    }
    const uint8_t *d = buf + data_off;
    unsigned bps = bits / 8;
    for (uint64_t i = 0; i < frames * channels; i++, d += bps) {
        if (lo->kind == 'A')                       /* big-endian, 8-bit signed */
            p->s[i] = bps == 1 ? (int8_t)d[0]
                    : bps == 2 ? (int16_t)(d[0] << 8 | d[1])
                    : (int32_t)((uint32_t)d[0] << 24 | (uint32_t)d[1] << 16 | (uint32_t)d[2] << 8) >> 8;
        else
            p->s[i] = bps == 1 ? (int32_t)d[0] - 128
                    : bps == 2 ? (int16_t)(d[0] | d[1] << 8)
                    : (int32_t)((uint32_t)d[0] << 8 | (uint32_t)d[1] << 16 | (uint32_t)d[2] << 24) >> 8;
    }
    (*recipe)[0] = (uint8_t)lo->kind;
    put32(*recipe + 1, (uint32_t)data_off);
    memcpy(*recipe + 5, buf, data_off);
    put32(*recipe + 5 + data_off, (uint32_t)suffix);
    memcpy(*recipe + 9 + data_off, buf + data_off + payload, suffix);
    return 0;
}

/* Samples i0..i1 of p packed as the file stores them, into d (the payload's start). */
typedef struct pack_job {
    const v4a_pcm *p;
    uint8_t *d;
    int aiff;
    uint64_t i0, i1;
    sha256_ctx *sha;                  /* non-NULL: hash bytes [0, hash_len) of the file after */
    const uint8_t *file;
    size_t hash_len;
} pack_job;

static void *pack(void *arg)
{
    const pack_job *j = arg;
    const int32_t *s = j->p->s;
    const unsigned bps = j->p->bits / 8;
    uint8_t *d = j->d + j->i0 * bps;
    if (bps == 2 && !j->aiff)         /* the common case, in a loop the compiler vectorises */
        for (uint64_t i = j->i0; i < j->i1; i++, d += 2) {
            d[0] = (uint8_t)s[i];
            d[1] = (uint8_t)((uint32_t)s[i] >> 8);
        }
    else
        for (uint64_t i = j->i0; i < j->i1; i++) {
            uint32_t v = (uint32_t)s[i];
            if (bps == 1)
                *d++ = (uint8_t)(j->aiff ? v : v + 128);
            else if (j->aiff)
                for (unsigned b = bps; b-- > 0;)
                    *d++ = (uint8_t)(v >> (8 * b));
            else
                for (unsigned b = 0; b < bps; b++)
                    *d++ = (uint8_t)(v >> (8 * b));
        }
    if (j->sha)
        sha256_update(j->sha, j->file, j->hash_len);
    return NULL;
}

int v4a_wav_join(const v4a_pcm *p, const uint8_t *recipe, size_t recipe_len, uint8_t **out,
                 size_t *out_len, uint8_t sha[32], holo_err *err)
{
    if (recipe_len < 9 || (recipe[0] != 'W' && recipe[0] != 'A'))
        return holo_seterr(err, HOLO_EINVAL, "HO4A: bad recipe");
    int aiff = recipe[0] == 'A';
    recipe++;
    recipe_len--;
    uint32_t pre = le32(recipe);
    if (pre > recipe_len - 8)
        return holo_seterr(err, HOLO_EINVAL, "HO4A: bad recipe");
    uint32_t suf = le32(recipe + 4 + pre);
    if (suf != recipe_len - 8 - pre)
        return holo_seterr(err, HOLO_EINVAL, "HO4A: bad recipe");
    unsigned bps = p->bits / 8;
    size_t payload = (size_t)p->frames * p->channels * bps;
    *out_len = pre + payload + suf;
    *out = malloc(*out_len ? *out_len : 1);
    if (!*out)
        return holo_seterr(err, HOLO_ENOMEM, "HO4A: out of memory");
    v4a_advise_huge(*out, *out_len);
    memcpy(*out, recipe + 4, pre);
    uint8_t *d = *out + pre;
    const uint64_t n = p->frames * p->channels, half = n / 2;
    memcpy(d + n * bps, recipe + 8 + pre, suf);
    sha256_ctx c;
    if (sha)
        sha256_init(&c);
    pack_job a = { .p = p, .d = d, .aiff = aiff, .i0 = 0, .i1 = half, .sha = sha ? &c : NULL, .file = *out,
                   .hash_len = pre + half * bps },
             b = { .p = p, .d = d, .aiff = aiff, .i0 = half, .i1 = n };
    v4a_run2(pack, &a, pack, &b);
    if (sha) {
        sha256_update(&c, *out + a.hash_len, *out_len - a.hash_len);
        sha256_final(&c, sha);
    }
    return 0;
}
