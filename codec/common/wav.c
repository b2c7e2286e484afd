/* wav.c — see wav.h. Our own RIFF walker handles the formats the reference accepts (so their
 * samples are bit-exact); libsndfile converts everything else. */
#include "wav.h"
#include "internal.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <sndfile.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static uint32_t rd_le32(const uint8_t *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }
static uint16_t rd_le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static void wr_le32(uint8_t *p, uint32_t v) { p[0] = v; p[1] = v >> 8; p[2] = v >> 16; p[3] = v >> 24; }
static void wr_le16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }

/* KSDATAFORMAT_SUBTYPE_PCM after its first two bytes (the format tag). */
static const uint8_t pcm_guid_tail[14] = {0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00,
                                          0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71};

enum { PARSE_OK = 0, PARSE_OTHER = 1 };   /* PARSE_OTHER: not ours, try libsndfile */

/* Checks shared by both readers; frames * channels * 2 must fit memory and the header fields. */
static int check_geometry(const char *path, uint64_t ch, uint64_t rate, uint64_t frames,
                          holo_err *err)
{
    if (ch == 0 || ch > HOLO_MAX_CHANNELS)
        return holo_seterr(err, HOLO_EUNSUPPORTED, "%s: %llu channels (supported: 1 to %u)", path,
                           (unsigned long long)ch, HOLO_MAX_CHANNELS);
    if (rate == 0 || rate > UINT32_MAX)
        return holo_seterr(err, HOLO_EINVAL, "%s: invalid sample rate %llu", path,
                           (unsigned long long)rate);
    if (frames < 2)
        return holo_seterr(err, HOLO_EINVAL, "%s: %llu audio frame%s, at least 2 are needed", path,
                           (unsigned long long)frames, frames == 1 ? "" : "s");
    /* The decoder caps n·ch at HOLO_MAX_FRAMES (chunkhdr.c): never write what it refuses. */
    if (frames > UINT32_MAX || frames * ch > HOLO_MAX_FRAMES || frames * ch > SIZE_MAX / 2)
        return holo_seterr(err, HOLO_ENOMEM, "%s: %llu frames x %llu channels is more than this codec takes",
                           path, (unsigned long long)frames, (unsigned long long)ch);
    return 0;
}

/* Walk the RIFF chunks up to "data". On success the file position is at the sample data. */
static int riff_walk(FILE *f, const char *path, uint64_t fsize, unsigned *ch, unsigned *rate,
                     unsigned *bits, uint64_t *data_len, holo_err *err)
{
    uint8_t h[12];
    if (fread(h, 1, 12, f) != 12 || memcmp(h, "RIFF", 4) || memcmp(h + 8, "WAVE", 4))
        return PARSE_OTHER;
    uint64_t pos = 12;
    int have_fmt = 0, pcm = 0;
    for (;;) {
        uint8_t ck[8];
        if (fread(ck, 1, 8, f) != 8)
            return holo_seterr(err, HOLO_EINVAL, "%s: WAV file has no data chunk", path);
        uint64_t sz = rd_le32(ck + 4), start = pos;
        pos += 8;
        if (!memcmp(ck, "fmt ", 4)) {
            uint8_t fmt[40] = {0};
            size_t want = sz < sizeof fmt ? (size_t)sz : sizeof fmt;
            if (sz < 16 || fread(fmt, 1, want, f) != want)
                return holo_seterr(err, HOLO_EINVAL, "%s: truncated WAV fmt chunk", path);
            unsigned tag = rd_le16(fmt);
            *ch = rd_le16(fmt + 2);
            *rate = rd_le32(fmt + 4);
            *bits = rd_le16(fmt + 14);
            /* Extensible: the real format is the sub-format GUID (cbSize >= 22). */
            if (tag == 0xFFFE && sz >= 40 && rd_le16(fmt + 16) >= 22 &&
                !memcmp(fmt + 26, pcm_guid_tail, sizeof pcm_guid_tail))
                tag = rd_le16(fmt + 24);
            pcm = tag == 1;
            have_fmt = 1;
            pos += want;
        } else if (!memcmp(ck, "data", 4)) {
            if (!have_fmt)
                return holo_seterr(err, HOLO_EINVAL, "%s: WAV data chunk before the fmt chunk",
                                   path);
            if (!pcm || *bits < 9 || *bits > 24) return PARSE_OTHER;
            /* A declared size beyond the end of the file: use what is there (like Python's
             * wave module, which simply reads fewer frames). */
            *data_len = pos + sz <= fsize ? sz : (fsize > pos ? fsize - pos : 0);
            return PARSE_OK;
        }
        /* Skip the rest of this chunk, padded to an even size. */
        uint64_t next = start + 8 + sz + (sz & 1);
        if (next > fsize)
            return holo_seterr(err, HOLO_EINVAL, "%s: WAV file has no data chunk", path);
        if (fseeko(f, (off_t)next, SEEK_SET) != 0)
            return holo_seterr_sys(err, errno, "%s: seek", path);
        pos = next;
    }
}

static int read_pcm(FILE *f, const char *path, unsigned ch, unsigned rate, unsigned bits,
                    uint64_t data_len, holo_wav *w, holo_err *err)
{
    unsigned width = (bits + 7) / 8;             /* Python wave: ceil(bits / 8) */
    uint64_t n = data_len / ((uint64_t)ch * width);
    int rc = check_geometry(path, ch, rate, n, err);
    if (rc) return rc;
    size_t count = (size_t)(n * ch);
    int16_t *s = malloc(count * sizeof *s);
    if (!s) return holo_seterr(err, HOLO_ENOMEM, "%s: out of memory for %zu samples", path, count);
    if (width == 2) {
        if (fread(s, 2, count, f) != count) goto short_read;
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
        for (size_t i = 0; i < count; i++) s[i] = (int16_t)rd_le16((uint8_t *)&s[i]);
#endif
    } else {
        /* 24-bit: floor(v / 256) of the sign-extended value is its top two bytes as int16. */
        enum { BLK = 1 << 15 };
        uint8_t *tmp = malloc((size_t)BLK * 3);
        if (!tmp) { free(s); return holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", path); }
        for (size_t i = 0; i < count;) {
            size_t m = count - i < BLK ? count - i : BLK;
            if (fread(tmp, 3, m, f) != m) { free(tmp); goto short_read; }
            for (size_t k = 0; k < m; k++)
                s[i + k] = (int16_t)rd_le16(tmp + 3 * k + 1);
            i += m;
        }
        free(tmp);
    }
    w->channels = ch;
    w->sample_rate = rate;
    w->frames = n;
    w->samples = s;
    w->src_bits = (int)bits;
    w->converted = 0;
    return 0;
short_read:
    free(s);
    if (ferror(f)) return holo_seterr_sys(err, errno, "%s: read", path);
    return holo_seterr(err, HOLO_EINVAL, "%s: WAV data ends early", path);
}

static int bits_of(int format)
{
    switch (format & SF_FORMAT_SUBMASK) {
    case SF_FORMAT_PCM_S8: case SF_FORMAT_PCM_U8: return 8;
    case SF_FORMAT_PCM_16: return 16;
    case SF_FORMAT_PCM_24: return 24;
    case SF_FORMAT_PCM_32: case SF_FORMAT_FLOAT: return 32;
    case SF_FORMAT_DOUBLE: return 64;
    default: return 0;
    }
}

/* Everything our walker does not take: let libsndfile convert to 16 bits. */
static int read_sndfile(const char *path, holo_wav *w, holo_err *err)
{
    SF_INFO info;
    memset(&info, 0, sizeof info);
    SNDFILE *sf = sf_open(path, SFM_READ, &info);
    if (!sf)
        return holo_seterr(err, HOLO_EUNSUPPORTED, "%s: not a readable audio file (%s)", path,
                           sf_strerror(NULL));
    int rc = check_geometry(path, info.channels > 0 ? (uint64_t)info.channels : 0,
                            info.samplerate > 0 ? (uint64_t)info.samplerate : 0,
                            info.frames > 0 ? (uint64_t)info.frames : 0, err);
    if (rc) { sf_close(sf); return rc; }
    size_t count = (size_t)info.frames * (size_t)info.channels;
    int16_t *s = malloc(count * sizeof *s);
    double *blk = malloc((size_t)4096 * (size_t)info.channels * sizeof *blk);
    if (!s || !blk) {
        free(s);
        free(blk);
        sf_close(sf);
        return holo_seterr(err, HOLO_ENOMEM, "%s: out of memory for %zu samples", path, count);
    }
    /* libsndfile hands out x in [-1, 1) (integer formats: v / 2^(bits-1), exact in double);
     * floor(x * 32768) keeps the top 16 bits, the same truncation as the 24-bit rule. */
    uint64_t got = 0;
    while (got < (uint64_t)info.frames) {
        sf_count_t want = (sf_count_t)((uint64_t)info.frames - got < 4096 ? (uint64_t)info.frames - got : 4096);
        sf_count_t r = sf_readf_double(sf, blk, want);
        if (r <= 0) break;
        int16_t *o = s + got * (uint64_t)info.channels;
        for (size_t i = 0; i < (size_t)r * (size_t)info.channels; i++) {
            double v = floor(blk[i] * 32768.0);
            o[i] = v >= 32767.0 ? 32767 : v <= -32768.0 ? -32768 : v == v ? (int16_t)v : 0;
        }
        got += (uint64_t)r;
    }
    free(blk);
    sf_close(sf);
    if (got < 2) {
        free(s);
        return holo_seterr(err, HOLO_EINVAL, "%s: could not read the audio samples", path);
    }
    w->channels = (uint32_t)info.channels;
    w->sample_rate = (uint32_t)info.samplerate;
    w->frames = got;                            /* a truncated file gives fewer frames */
    w->samples = s;
    w->src_bits = bits_of(info.format);
    w->converted = 1;
    return 0;
}

int holo_wav_read(const char *path, holo_wav *w, holo_err *err)
{
    memset(w, 0, sizeof *w);
    FILE *f = fopen(path, "rb");
    if (!f) return holo_seterr_sys(err, errno, "%s: open", path);
    struct stat st;
    if (fstat(fileno(f), &st) != 0) {
        int e = errno;
        fclose(f);
        return holo_seterr_sys(err, e, "%s: stat", path);
    }
    unsigned ch = 0, rate = 0, bits = 0;
    uint64_t data_len = 0;
    int rc = riff_walk(f, path, (uint64_t)st.st_size, &ch, &rate, &bits, &data_len, err);
    if (rc == PARSE_OK) rc = read_pcm(f, path, ch, rate, bits, data_len, w, err);
    fclose(f);
    if (rc == PARSE_OTHER) rc = read_sndfile(path, w, err);
    return rc;
}

void holo_wav_free(holo_wav *w)
{
    free(w->samples);
    memset(w, 0, sizeof *w);
}

uint64_t holo_wav_size(uint32_t channels, uint64_t frames)
{
    if (channels == 0 || frames > UINT32_MAX) return 0;
    uint64_t d = frames * channels * 2;
    if (d > UINT32_MAX - 36) return 0;
    return HOLO_WAV_HEADER + d;
}

void holo_wav_header(uint8_t out[HOLO_WAV_HEADER], uint32_t channels, uint32_t sample_rate,
                     uint64_t frames)
{
    uint32_t d = (uint32_t)(frames * channels * 2);
    memcpy(out, "RIFF", 4);
    wr_le32(out + 4, 36 + d);
    memcpy(out + 8, "WAVEfmt ", 8);
    wr_le32(out + 16, 16);
    wr_le16(out + 20, 1);
    wr_le16(out + 22, (uint16_t)channels);
    wr_le32(out + 24, sample_rate);
    wr_le32(out + 28, sample_rate * channels * 2);
    wr_le16(out + 32, (uint16_t)(channels * 2));
    wr_le16(out + 34, 16);
    memcpy(out + 36, "data", 4);
    wr_le32(out + 40, d);
}

int holo_wav_render(const int16_t *samples, uint32_t channels, uint32_t sample_rate,
                    uint64_t frames, uint8_t **buf, size_t *len, holo_err *err)
{
    uint64_t size = holo_wav_size(channels, frames);
    if (size == 0 || size > SIZE_MAX)
        return holo_seterr(err, HOLO_EINVAL, "wav: %llu frames x %u channels do not fit a WAV file",
                           (unsigned long long)frames, channels);
    uint8_t *b = malloc((size_t)size);
    if (!b) return holo_seterr(err, HOLO_ENOMEM, "wav: out of memory");
    holo_wav_header(b, channels, sample_rate, frames);
    size_t count = (size_t)(frames * channels);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    for (size_t i = 0; i < count; i++) wr_le16(b + HOLO_WAV_HEADER + 2 * i, (uint16_t)samples[i]);
#else
    memcpy(b + HOLO_WAV_HEADER, samples, count * 2);
#endif
    *buf = b;
    *len = (size_t)size;
    return 0;
}
