/* png_recipe.c — find and replay the recipe that re-creates a PNG file from its pixels
 * (png_recipe.h; byte layout in holo(5) "PNG RECIPE").
 *
 * A PNG is signature | chunks before the image data | IDAT chunks | the rest. The rest and
 * the chunks before IDAT are kept verbatim; the IDAT payloads are one zlib stream of the
 * filtered rows (a filter type byte, then the row). Given the pixels, the filter types and the
 * zlib parameters, deflate is deterministic, so the stream - and with the IDAT split, the file
 * - comes back byte for byte. The parameters are searched: candidates are ordered so the
 * common encoders (libpng, Pillow, Python's zlib) come first, and a candidate is dropped at its
 * first output byte that differs from the file's stream, so a wrong guess costs one deflate
 * block, not one image.
 */
#include "png_recipe.h"
#include "internal.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#define PNG_SIG "\x89PNG\r\n\x1a\n"
#define RECIPE_REV 1
#define FIXED_LEN 25              /* blob bytes before the head chunks */
/* Deflate cannot expand more than 1032:1; a stream shorter than raw/1032 is hostile. */
#define DEFLATE_MAX_RATIO 1032u

/* ---- zlib parameters and the one routine that runs deflate with them --------------------- */
/* How the rows are fed to deflate. Levels 1-9 give the same stream however the input is cut
 * (deflate waits for a full window before it decides anything); stored blocks (level 0) do
 * not, so level 0 is tried the ways encoders feed it. Search and build feed identically, so a
 * candidate that matched in the search is the build's output. */
enum {
    FEED_STEPS = 0,           /* 8 KiB of input per call, 64 KiB output buffers */
    FEED_ROWS = 1,            /* a row per call into outbuf-byte buffers (libpng: one IDAT each) */
    FEED_WHOLE = 2,           /* everything in one Z_FINISH call, one big buffer (compress2) */
};

typedef struct zparams {
    int level, memlevel, strategy, wbits;
    int feed;                 /* FEED_* */
    uint32_t outbuf;          /* FEED_ROWS output buffer bytes */
} zparams;

enum { ZRUN_MATCH = 1, ZRUN_DIFFER = 0, ZRUN_NOMEM = -1, ZRUN_TIMEOUT = -2 };

/* The search budget counts this thread's CPU time, not wall time: it bounds the work a
 * hostile file can cause, and the same file gets the same answer on a busy machine. */
static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Deflate raw with p. With target: compare as it goes (its first two bytes, the zlib header,
 * are not compared: the file's header is kept verbatim) and return MATCH, DIFFER at the first
 * differing byte, or TIMEOUT past deadline_ms. Without target: *out gets the stream. */
static int zrun(const zparams *p, const uint8_t *raw, size_t rawlen, size_t stride,
                const uint8_t *target, size_t tlen, double deadline_ms, uint8_t **out,
                size_t *outlen)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (deflateInit2(&z, p->level, Z_DEFLATED, p->wbits, p->memlevel, p->strategy) != Z_OK)
        return ZRUN_NOMEM;
    size_t bufsz = p->feed == FEED_ROWS ? p->outbuf
                   : p->feed == FEED_WHOLE ? deflateBound(&z, rawlen) : 1u << 16;
    size_t in_step = p->feed == FEED_ROWS ? stride : p->feed == FEED_WHOLE ? rawlen : 1u << 13;
    uint8_t *buf = malloc(bufsz);
    uint8_t *acc = NULL;
    size_t acc_len = 0, acc_cap = 0, pos = 0, in_off = 0;
    int rc = ZRUN_MATCH;
    if (!buf) {
        rc = ZRUN_NOMEM;
        goto done;
    }
    for (;;) {
        size_t take = rawlen - in_off < in_step ? rawlen - in_off : in_step;
        z.next_in = (Bytef *)(raw + in_off);
        z.avail_in = (uInt)take;
        in_off += take;
        int flush = in_off == rawlen ? Z_FINISH : Z_NO_FLUSH;
        int zrc;
        do {
            z.next_out = buf;
            z.avail_out = (uInt)bufsz;
            zrc = deflate(&z, flush);
            if (zrc == Z_STREAM_ERROR) {
                rc = ZRUN_NOMEM;
                goto done;
            }
            size_t got = bufsz - z.avail_out;
            if (target) {
                if (pos + got > tlen) {
                    rc = ZRUN_DIFFER;
                    goto done;
                }
                size_t skip = pos < 2 ? 2 - pos : 0;
                if (skip < got && memcmp(buf + skip, target + pos + skip, got - skip)) {
                    rc = ZRUN_DIFFER;
                    goto done;
                }
            } else if (got) {
                if (acc_len + got > acc_cap) {
                    size_t nc = acc_cap ? acc_cap * 2 : rawlen / 2 + 4096;
                    while (nc < acc_len + got)
                        nc *= 2;
                    uint8_t *t = realloc(acc, nc);
                    if (!t) {
                        rc = ZRUN_NOMEM;
                        goto done;
                    }
                    acc = t;
                    acc_cap = nc;
                }
                memcpy(acc + acc_len, buf, got);
                acc_len += got;
            }
            pos += got;
        } while (z.avail_out == 0 || (flush == Z_FINISH && zrc != Z_STREAM_END));
        if (flush == Z_FINISH)
            break;
        if (target && now_ms() > deadline_ms) {
            rc = ZRUN_TIMEOUT;
            goto done;
        }
    }
    if (target && pos != tlen)
        rc = ZRUN_DIFFER;
done:
    deflateEnd(&z);
    free(buf);
    if (rc == ZRUN_MATCH && !target) {
        *out = acc;
        *outlen = acc_len;
    } else {
        free(acc);
    }
    return rc;
}

static const char *strategy_name(int s)
{
    switch (s) {
    case Z_FILTERED: return "filtered";
    case Z_HUFFMAN_ONLY: return "huffman";
    case Z_RLE: return "rle";
    case Z_FIXED: return "fixed";
    default: return "default";
    }
}

/* ---- filters ---------------------------------------------------------------------------- */
static uint8_t paeth(int a, int b, int c)
{
    int p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c);
    return (uint8_t)(pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
}

/* Predictor of byte i of a row (prev NULL for the first row), PNG filter `type`. */
static inline uint8_t predict(int type, const uint8_t *row, const uint8_t *prev, size_t i,
                              unsigned bpp)
{
    int a = i >= bpp ? row[i - bpp] : 0, b = prev ? prev[i] : 0;
    int c = prev && i >= bpp ? prev[i - bpp] : 0;
    switch (type) {
    case 1: return (uint8_t)a;
    case 2: return (uint8_t)b;
    case 3: return (uint8_t)((a + b) >> 1);
    case 4: return paeth(a, b, c);
    default: return 0;
    }
}

/* Filtered stream (h rows of 1 + rowbytes) from pixels and per-row filter types. */
static void filter_rows(const uint8_t *px, uint32_t h, size_t rowbytes, unsigned bpp,
                        const uint8_t *types, uint8_t *raw)
{
    for (uint32_t y = 0; y < h; y++) {
        const uint8_t *row = px + (size_t)y * rowbytes, *prev = y ? row - rowbytes : NULL;
        uint8_t *o = raw + (size_t)y * (rowbytes + 1);
        o[0] = types[y];
        for (size_t i = 0; i < rowbytes; i++)
            o[1 + i] = (uint8_t)(row[i] - predict(types[y], row, prev, i, bpp));
    }
}

/* Pixels from the filtered stream; 0, or -1 for a filter type above 4. */
static int unfilter_rows(const uint8_t *raw, uint32_t h, size_t rowbytes, unsigned bpp,
                         uint8_t *px, uint8_t *types)
{
    for (uint32_t y = 0; y < h; y++) {
        const uint8_t *in = raw + (size_t)y * (rowbytes + 1);
        uint8_t *row = px + (size_t)y * rowbytes, *prev = y ? row - rowbytes : NULL;
        if (in[0] > 4)
            return -1;
        types[y] = in[0];
        for (size_t i = 0; i < rowbytes; i++)
            row[i] = (uint8_t)(in[1 + i] + predict(in[0], row, prev, i, bpp));
    }
    return 0;
}

/* ---- parsing the file ------------------------------------------------------------------- */
typedef struct idat_run {
    uint32_t size, count;
} idat_run;

typedef struct png_parts {
    uint32_t w, h;
    int channels;
    size_t head_off, head_len;    /* file bytes 8 .. first IDAT */
    size_t tail_off, tail_len;    /* after the last IDAT .. end of file */
    uint8_t *zdata;               /* IDAT payloads joined */
    size_t zlen;
    idat_run *runs;
    uint32_t nruns;
} png_parts;

static void parts_free(png_parts *p)
{
    free(p->zdata);
    free(p->runs);
}

static int add_idat(png_parts *p, uint32_t size, uint32_t *cap)
{
    if (p->nruns && p->runs[p->nruns - 1].size == size) {
        p->runs[p->nruns - 1].count++;
        return 0;
    }
    if (p->nruns == *cap) {
        uint32_t nc = *cap ? *cap * 2 : 8;
        idat_run *t = realloc(p->runs, nc * sizeof *t);
        if (!t)
            return -1;
        p->runs = t;
        *cap = nc;
    }
    p->runs[p->nruns++] = (idat_run){ size, 1 };
    return 0;
}

/* Why an IHDR is not one the v4 image codec stores exactly, or NULL when it is. */
static const char *ihdr_unsupported(const uint8_t *d, char *why, size_t whysz)
{
    unsigned depth = d[8], ctype = d[9];
    if (ctype == 3) return "palette colour";
    if (ctype == 4 || ctype == 6) return "alpha channel";
    if (ctype != 0 && ctype != 2) return "unknown colour type";
    if (depth != 8) {
        snprintf(why, whysz, "%u-bit samples", depth);
        return why;
    }
    if (d[12] == 1) return "interlaced (Adam7)";
    return NULL;
}

static int parse_png(const uint8_t *f, size_t len, const char *name, png_parts *p,
                     holo_err *err)
{
    memset(p, 0, sizeof *p);
    if (len < 8 || memcmp(f, PNG_SIG, 8))
        return holo_seterr(err, HOLO_EINVAL, "%s: not a PNG file (bad signature)", name);
    size_t off = 8, last_idat_end = 0;
    uint32_t cap = 0;
    int seen_ihdr = 0, idat_done = 0;
    while (off < len) {
        if (len - off < 12)
            return holo_seterr(err, HOLO_EINVAL, "%s: truncated chunk at byte %zu", name, off);
        uint32_t clen = holo_rd32(f + off);
        const uint8_t *type = f + off + 4, *data = f + off + 8;
        if (clen > 0x7FFFFFFFu || clen > len - off - 12)
            return holo_seterr(err, HOLO_EINVAL, "%s: chunk at byte %zu runs past the end of "
                               "the file", name, off);
        char tname[5] = { 0 };
        for (int i = 0; i < 4; i++) {
            uint8_t c = type[i];
            if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')))
                return holo_seterr(err, HOLO_EINVAL, "%s: bad chunk type at byte %zu", name,
                                   off);
            tname[i] = (char)c;
        }
        uLong crc = crc32(crc32(0L, Z_NULL, 0), type, 4);
        for (size_t done = 0; done < clen;) {     /* crc32 takes uInt lengths */
            size_t n = clen - done > (1u << 30) ? (1u << 30) : clen - done;
            crc = crc32(crc, data + done, (uInt)n);
            done += n;
        }
        if ((uint32_t)crc != holo_rd32(data + clen))
            return holo_seterr(err, HOLO_EINVAL, "%s: %s chunk CRC mismatch (corrupted)", name,
                               tname);
        if (!seen_ihdr) {
            if (memcmp(tname, "IHDR", 4) || clen != 13)
                return holo_seterr(err, HOLO_EINVAL, "%s: first chunk is not a 13-byte IHDR",
                                   name);
            seen_ihdr = 1;
            char why[32];
            const char *no = ihdr_unsupported(data, why, sizeof why);
            if (no)
                return holo_seterr(err, HOLO_EUNSUPPORTED, "%s: %s", name, no);
            p->w = holo_rd32(data);
            p->h = holo_rd32(data + 4);
            p->channels = data[9] == 2 ? 3 : 1;
            if (!p->w || !p->h || p->w > HOLO_MAX_DIM || p->h > HOLO_MAX_DIM ||
                (uint64_t)p->w * p->h > HOLO_RECIPE_MAX_PIXELS)
                return holo_seterr(err, HOLO_EUNSUPPORTED, "%s: image size %ux%u out of range",
                                   name, p->w, p->h);
            if (data[10] != 0 || data[11] != 0 || data[12] > 1)
                return holo_seterr(err, HOLO_EINVAL, "%s: bad IHDR compression/filter/"
                                   "interlace method", name);
        } else if (!memcmp(tname, "IDAT", 4)) {
            if (idat_done)
                return holo_seterr(err, HOLO_EUNSUPPORTED, "%s: IDAT chunks not consecutive",
                                   name);
            if (!p->head_off) {
                p->head_off = 8;
                p->head_len = off - 8;
            }
            if (add_idat(p, clen, &cap))
                return holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", name);
            p->zlen += clen;
            last_idat_end = off + 12 + clen;
        } else if (p->head_off) {
            idat_done = 1;
        }
        off += 12 + (size_t)clen;
        if (!memcmp(tname, "IEND", 4))
            break;                /* anything after IEND is kept verbatim, unparsed */
    }
    if (!p->head_off)
        return holo_seterr(err, HOLO_EINVAL, "%s: no IDAT chunk", name);
    p->tail_off = last_idat_end;
    p->tail_len = len - last_idat_end;
    if (!(p->zdata = malloc(p->zlen ? p->zlen : 1)))
        return holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", name);
    size_t zo = 0;                /* second pass: join the payloads */
    for (off = 8 + p->head_len; off < last_idat_end;) {
        uint32_t clen = holo_rd32(f + off);
        memcpy(p->zdata + zo, f + off + 8, clen);
        zo += clen;
        off += 12 + (size_t)clen;
    }
    return 0;
}

/* Inflate exactly rawlen bytes of filtered rows from the joined IDAT stream. */
static int inflate_exact(const png_parts *p, size_t rawlen, const char *name, uint8_t *raw,
                         holo_err *err)
{
    if (p->zlen > UINT_MAX || rawlen > UINT_MAX)
        return holo_seterr(err, HOLO_EUNSUPPORTED, "%s: image data too large", name);
    z_stream z;
    memset(&z, 0, sizeof z);
    if (inflateInit(&z) != Z_OK)
        return holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", name);
    z.next_in = p->zdata;
    z.avail_in = (uInt)p->zlen;
    z.next_out = raw;
    z.avail_out = (uInt)rawlen;
    int zrc = inflate(&z, Z_FINISH);
    uInt left_in = z.avail_in, left_out = z.avail_out;
    inflateEnd(&z);
    if (zrc == Z_STREAM_END && left_out)
        return holo_seterr(err, HOLO_EINVAL, "%s: image data shorter than %ux%u", name, p->w,
                           p->h);
    if (zrc == Z_BUF_ERROR && !left_out)
        return holo_seterr(err, HOLO_EINVAL, "%s: image data longer than %ux%u", name, p->w,
                           p->h);
    if (zrc != Z_STREAM_END)
        return holo_seterr(err, HOLO_EINVAL, "%s: IDAT stream is corrupt or truncated (%s)",
                           name, z.msg ? z.msg : "zlib error");
    if (left_in)
        return holo_seterr(err, HOLO_EUNSUPPORTED, "%s: bytes after the zlib stream in IDAT",
                           name);
    return 0;
}

/* ---- the parameter search --------------------------------------------------------------- */
#define MAX_CANDIDATES 144      /* 9 memLevels x at most 16 shapes */

/* Candidates in the order the search tries them. The zlib header's FLEVEL (what deflateInit
 * wrote for the level: 0 for levels 0-1 and the huffman/rle/fixed strategies, 1 for 2-5, 2
 * for 6, 3 for 7-9) narrows the levels. Every (level, strategy) is tried with memLevel 8
 * (zlib's and libpng's default) and 9 (Pillow's, ImageMagick's) before memLevels 7 down to 1.
 * Z_FILTERED differs from the default only at levels 4-9; huffman and rle ignore the level.
 * libpng uses Z_FILTERED when rows are filtered, so that goes first then. Level 0 (stored
 * blocks) depends on how the encoder fed zlib: tried as one call (Python, compress2) and as
 * libpng does (row by row into IDAT-sized buffers). */
static size_t candidates(int flevel, int wbits, int any_filtered, uint32_t first_idat,
                         zparams *c)
{
    zparams shape[16];        /* level, strategy, feeding; memLevel filled in below */
    size_t ns = 0, n = 0;
    int levels[4], nl = 0;
    switch (flevel) {
    case 0: levels[nl++] = 1; break;
    case 1: levels[nl++] = 5; levels[nl++] = 4; levels[nl++] = 3; levels[nl++] = 2; break;
    case 2: levels[nl++] = 6; break;
    default: levels[nl++] = 9; levels[nl++] = 7; levels[nl++] = 8; break;
    }
    int s1 = any_filtered ? Z_FILTERED : Z_DEFAULT_STRATEGY;
    int s2 = any_filtered ? Z_DEFAULT_STRATEGY : Z_FILTERED;
    for (int i = 0; i < nl; i++) {
        shape[ns++] = (zparams){ levels[i], 0, levels[i] >= 4 ? s1 : Z_DEFAULT_STRATEGY, wbits,
                                 FEED_STEPS, 0 };
        if (levels[i] >= 4)
            shape[ns++] = (zparams){ levels[i], 0, s2, wbits, FEED_STEPS, 0 };
    }
    if (flevel == 0) {
        shape[ns++] = (zparams){ 9, 0, Z_HUFFMAN_ONLY, wbits, FEED_STEPS, 0 };
        shape[ns++] = (zparams){ 9, 0, Z_RLE, wbits, FEED_STEPS, 0 };
        for (int lv = 9; lv >= 1; lv--)
            shape[ns++] = (zparams){ lv, 0, Z_FIXED, wbits, FEED_STEPS, 0 };
        shape[ns++] = (zparams){ 0, 0, Z_DEFAULT_STRATEGY, wbits, FEED_WHOLE, 0 };
        if (first_idat >= 64)
            shape[ns++] = (zparams){ 0, 0, Z_DEFAULT_STRATEGY, wbits, FEED_ROWS, first_idat };
    }
    for (size_t i = 0; i < ns; i++)
        for (int ml = 8; ml <= 9; ml++) {
            c[n] = shape[i];
            c[n++].memlevel = ml;
        }
    for (int ml = 7; ml >= 1; ml--)
        for (size_t i = 0; i < ns; i++) {
            c[n] = shape[i];
            c[n++].memlevel = ml;
        }
    return n;
}

/* ---- the blob --------------------------------------------------------------------------- */
typedef struct recipe_view {
    int channels;
    uint32_t w, h;
    zparams zp;
    uint8_t zhdr[2];
    const uint8_t *head, *tail, *ftypes;
    size_t head_len, tail_len, ftypes_len;
    const uint8_t *runs;      /* nruns * 8 bytes: u32 size, u32 count */
    uint32_t nruns;
} recipe_view;

static void put32(uint8_t **o, uint32_t v)
{
    holo_wr32(*o, v);
    *o += 4;
}

static int blob_write(const png_parts *p, const uint8_t *file, const zparams *zp,
                      const uint8_t *ftz, size_t ftzlen, uint8_t **blob, size_t *bloblen)
{
    size_t n = FIXED_LEN + 4 + p->head_len + 4 + (size_t)p->nruns * 8 + 4 + ftzlen + 4 +
               p->tail_len;
    uint8_t *b = malloc(n), *o = b;
    if (!b)
        return -1;
    memcpy(o, PNG_RECIPE_MAGIC, 4);
    o[4] = RECIPE_REV;
    o[5] = (uint8_t)p->channels;
    o += 6;
    put32(&o, p->w);
    put32(&o, p->h);
    o[0] = (uint8_t)zp->level; o[1] = (uint8_t)zp->memlevel; o[2] = (uint8_t)zp->strategy;
    o[3] = (uint8_t)zp->wbits; o[4] = (uint8_t)zp->feed;
    o += 5;
    put32(&o, zp->outbuf);
    o[0] = p->zdata[0]; o[1] = p->zdata[1];
    o += 2;
    put32(&o, (uint32_t)p->head_len);
    memcpy(o, file + p->head_off, p->head_len);
    o += p->head_len;
    put32(&o, p->nruns);
    for (uint32_t i = 0; i < p->nruns; i++) {
        put32(&o, p->runs[i].size);
        put32(&o, p->runs[i].count);
    }
    put32(&o, (uint32_t)ftzlen);
    memcpy(o, ftz, ftzlen);
    o += ftzlen;
    put32(&o, (uint32_t)p->tail_len);
    memcpy(o, file + p->tail_off, p->tail_len);
    *blob = b;
    *bloblen = n;
    return 0;
}

/* Take a length-prefixed field at *off; -1 if it runs past the blob. */
static int take_field(const uint8_t *b, size_t len, size_t *off, size_t unit,
                      const uint8_t **field, size_t *count)
{
    if (len - *off < 4)
        return -1;
    uint64_t n = holo_rd32(b + *off);
    *off += 4;
    if (n * unit > len - *off)
        return -1;
    *field = b + *off;
    *count = (size_t)n;
    *off += (size_t)(n * unit);
    return 0;
}

static int blob_read(const uint8_t *b, size_t len, recipe_view *v)
{
    memset(v, 0, sizeof *v);
    if (!b || len < FIXED_LEN || memcmp(b, PNG_RECIPE_MAGIC, 4) || b[4] != RECIPE_REV ||
        (b[5] != 1 && b[5] != 3))
        return -1;
    v->channels = b[5];
    v->w = holo_rd32(b + 6);
    v->h = holo_rd32(b + 10);
    v->zp = (zparams){ b[14], b[15], b[16], b[17], b[18], holo_rd32(b + 19) };
    v->zhdr[0] = b[23];
    v->zhdr[1] = b[24];
    if (v->zp.level > 9 || v->zp.memlevel < 1 || v->zp.memlevel > 9 || v->zp.strategy > Z_FIXED ||
        v->zp.wbits < 9 || v->zp.wbits > 15 || v->zp.feed > FEED_WHOLE ||
        (v->zp.feed == FEED_ROWS ? v->zp.outbuf < 64 || v->zp.outbuf > (1u << 26)
                                 : v->zp.outbuf != 0))
        return -1;
    size_t off = FIXED_LEN, nruns;
    if (take_field(b, len, &off, 1, &v->head, &v->head_len) ||
        take_field(b, len, &off, 8, &v->runs, &nruns) ||
        take_field(b, len, &off, 1, &v->ftypes, &v->ftypes_len) ||
        take_field(b, len, &off, 1, &v->tail, &v->tail_len) || off != len)
        return -1;
    v->nruns = (uint32_t)nruns;
    return 0;
}

int png_recipe_channels(const uint8_t *blob, size_t bloblen)
{
    recipe_view v;
    return blob_read(blob, bloblen, &v) ? 0 : v.channels;
}

/* The filtered rows a recipe makes of the pixels: *raw is malloc'd (stride * h bytes). */
static int recipe_rows(const recipe_view *v, const uint8_t *pixels, uint32_t w, uint32_t h,
                       uint8_t **raw, holo_err *err)
{
    *raw = NULL;
    if (v->w != w || v->h != h || !w || !h || w > HOLO_MAX_DIM || h > HOLO_MAX_DIM ||
        (uint64_t)w * h > HOLO_RECIPE_MAX_PIXELS)
        return holo_seterr(err, HOLO_EINVAL, "PNG recipe: made for %ux%u, pixels are %ux%u",
                           v->w, v->h, w, h);
    size_t rowbytes = (size_t)w * v->channels;
    uint8_t *types = NULL;
    size_t ntypes = 0;
    int rc = holo_inflate(v->ftypes, v->ftypes_len, h, &types, &ntypes, err, "PNG recipe");
    if (rc)
        return rc;
    if (ntypes != h)
        rc = holo_seterr(err, HOLO_EINVAL, "PNG recipe: %zu filter types for %u rows", ntypes,
                         h);
    for (uint32_t y = 0; !rc && y < h; y++)
        if (types[y] > 4)
            rc = holo_seterr(err, HOLO_EINVAL, "PNG recipe: bad filter type %u", types[y]);
    if (!rc && !(*raw = malloc((rowbytes + 1) * h)))
        rc = holo_seterr(err, HOLO_ENOMEM, "PNG recipe: out of memory");
    if (!rc)
        filter_rows(pixels, h, rowbytes, (unsigned)v->channels, types, *raw);
    free(types);
    return rc;
}

/* signature | head | the zlib stream z cut into the recipe's IDAT chunks | tail. */
static int assemble(const recipe_view *v, const uint8_t *z, size_t zlen, uint8_t **png,
                    size_t *len, holo_err *err)
{
    /* The split must cover the stream exactly; a few empty IDATs are legal PNG. */
    uint64_t covered = 0, nchunks = 0;
    for (uint32_t i = 0; i < v->nruns; i++) {
        covered += (uint64_t)holo_rd32(v->runs + 8 * i) * holo_rd32(v->runs + 8 * i + 4);
        nchunks += holo_rd32(v->runs + 8 * i + 4);
    }
    if (covered != zlen || nchunks > zlen + 64)
        return holo_seterr(err, HOLO_EINVAL, "PNG recipe: IDAT split covers %llu bytes, the "
                           "stream has %zu", (unsigned long long)covered, zlen);
    size_t n = 8 + v->head_len + (size_t)nchunks * 12 + zlen + v->tail_len;
    uint8_t *out = malloc(n), *o = out;
    if (!out)
        return holo_seterr(err, HOLO_ENOMEM, "PNG recipe: out of memory");
    memcpy(o, PNG_SIG, 8);
    memcpy(o + 8, v->head, v->head_len);
    o += 8 + v->head_len;
    for (uint32_t i = 0; i < v->nruns; i++) {
        uint32_t size = holo_rd32(v->runs + 8 * i), count = holo_rd32(v->runs + 8 * i + 4);
        for (uint32_t k = 0; k < count; k++) {
            holo_wr32(o, size);
            memcpy(o + 4, "IDAT", 4);
            memcpy(o + 8, z, size);
            holo_wr32(o + 8 + size, (uint32_t)crc32(crc32(0L, Z_NULL, 0), o + 4, size + 4));
            o += 12 + size;
            z += size;
        }
    }
    memcpy(o, v->tail, v->tail_len);
    *png = out;
    *len = n;
    return 0;
}

int png_recipe_build(const uint8_t *blob, size_t bloblen, const uint8_t *pixels, uint32_t w,
                     uint32_t h, uint8_t **png, size_t *len, holo_err *err)
{
    recipe_view v;
    *png = NULL;
    *len = 0;
    if (blob_read(blob, bloblen, &v))
        return holo_seterr(err, HOLO_EINVAL, "PNG recipe: malformed recipe");
    uint8_t *raw, *z = NULL;
    size_t zlen = 0, stride = (size_t)w * v.channels + 1;
    int rc = recipe_rows(&v, pixels, w, h, &raw, err);
    if (rc)
        return rc;
    if (zrun(&v.zp, raw, stride * h, stride, NULL, 0, 0, &z, &zlen) != ZRUN_MATCH || zlen < 2)
        rc = holo_seterr(err, HOLO_ENOMEM, "PNG recipe: deflate failed");
    free(raw);
    if (rc) {
        free(z);
        return rc;
    }
    z[0] = v.zhdr[0];          /* the file's zlib header, as libpng may have rewritten it */
    z[1] = v.zhdr[1];
    rc = assemble(&v, z, zlen, png, len, err);
    free(z);
    return rc;
}

/* ---- making a recipe -------------------------------------------------------------------- */
static int search(const png_parts *p, const uint8_t *raw, size_t rawlen, size_t stride,
                  const uint8_t *types, double deadline, const char *name, zparams *found,
                  unsigned *tries, holo_err *err)
{
    uint8_t cmf = p->zdata[0], flg = p->zdata[1];
    if ((cmf & 15) != 8 || (cmf >> 4) > 7 || ((unsigned)cmf << 8 | flg) % 31 || (flg & 0x20))
        return holo_seterr(err, HOLO_EINVAL, "%s: IDAT is not a zlib stream", name);
    /* zlib 1.2.13 never writes a 256-byte window (it asks for 8, gets 9); libpng may lower
     * CINFO afterwards when the image fits a smaller window, which changes no other byte. */
    int wbits = (cmf >> 4) + 8 < 9 ? 9 : (cmf >> 4) + 8;
    int any_filtered = 0;
    for (uint32_t y = 0; y < p->h; y++)
        any_filtered |= types[y] != 0;
    zparams c[MAX_CANDIDATES];
    size_t n = candidates(flg >> 6, wbits, any_filtered, p->runs[0].size, c);
    *tries = 0;
    for (size_t i = 0; i < n; i++) {
        if (now_ms() > deadline)
            return holo_seterr(err, HOLO_EUNSUPPORTED, "%s: zlib parameter search ran out of "
                               "time after %u tries", name, *tries);
        ++*tries;
        int r = zrun(&c[i], raw, rawlen, stride, p->zdata, p->zlen, deadline, NULL, NULL);
        if (r == ZRUN_MATCH) {
            *found = c[i];
            return 0;
        }
        if (r == ZRUN_NOMEM)
            return holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", name);
        if (r == ZRUN_TIMEOUT)
            return holo_seterr(err, HOLO_EUNSUPPORTED, "%s: zlib parameter search ran out of "
                               "time after %u tries", name, *tries);
    }
    return holo_seterr(err, HOLO_EUNSUPPORTED, "%s: no zlib parameters reproduce the image "
                       "data (%u tried; not written by zlib 1.2.13?)", name, *tries);
}

int png_recipe_make_ex(const uint8_t *png, size_t len, const char *name, unsigned budget_ms,
                       png_recipe_out *r, holo_err *err)
{
    memset(r, 0, sizeof *r);
    if (!name)
        name = "PNG";
    double t0 = now_ms();
    png_parts p;
    uint8_t *raw = NULL, *types = NULL, *ftz = NULL, *check = NULL;
    size_t ftzlen = 0, checklen = 0;
    int rc = parse_png(png, len, name, &p, err);
    if (rc)
        goto out;
    size_t rowbytes = (size_t)p.w * p.channels, stride = rowbytes + 1, rawlen = stride * p.h;
    if (p.zlen < 8 || rawlen / DEFLATE_MAX_RATIO > p.zlen) {
        rc = holo_seterr(err, HOLO_EINVAL, "%s: IDAT (%zu bytes) too short for %ux%u", name,
                         p.zlen, p.w, p.h);
        goto out;
    }
    raw = malloc(rawlen);
    types = malloc(p.h);
    r->pixels = malloc(rowbytes * p.h);
    if (!raw || !types || !r->pixels) {
        rc = holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", name);
        goto out;
    }
    if ((rc = inflate_exact(&p, rawlen, name, raw, err)))
        goto out;
    if (unfilter_rows(raw, p.h, rowbytes, (unsigned)p.channels, r->pixels, types)) {
        rc = holo_seterr(err, HOLO_EINVAL, "%s: bad row filter type", name);
        goto out;
    }
    if (!budget_ms)
        budget_ms = 2000 + (unsigned)(rawlen / 4000);
    zparams zp;
    if ((rc = search(&p, raw, rawlen, stride, types, t0 + budget_ms, name, &zp, &r->tries,
                     err)))
        goto out;
    if ((rc = holo_zlib(types, p.h, 9, &ftz, &ftzlen, err)))
        goto out;
    if (blob_write(&p, png, &zp, ftz, ftzlen, &r->blob, &r->bloblen)) {
        rc = holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", name);
        goto out;
    }
    r->w = p.w;
    r->h = p.h;
    r->channels = p.channels;
    /* The recipe must prove itself: the file rebuilt from the pixels, byte for byte. The
     * search has shown that deflate with these parameters, fed as the build feeds it, turns
     * the filtered rows into the file's stream; rather than deflate a second time, check the
     * rest of the build - the rows it filters from the pixels, and the file it assembles. */
    recipe_view v;
    uint8_t *rows = NULL;
    if (blob_read(r->blob, r->bloblen, &v)) {
        rc = holo_seterr(err, HOLO_EINVAL, "%s: recipe does not parse back", name);
        goto out;
    }
    if ((rc = recipe_rows(&v, r->pixels, p.w, p.h, &rows, err)))
        goto out;
    int same_rows = !memcmp(rows, raw, rawlen);
    free(rows);
    if (!same_rows || (rc = assemble(&v, p.zdata, p.zlen, &check, &checklen, err)) ||
        checklen != len || memcmp(check, png, len)) {
        rc = holo_seterr(err, HOLO_EUNSUPPORTED, "%s: the recipe does not rebuild the file "
                         "exactly", name);
        goto out;
    }
    snprintf(r->how, sizeof r->how, "zlib level %d memLevel %d %s window %d%s, %u IDAT run%s",
             zp.level, zp.memlevel, strategy_name(zp.strategy), zp.wbits,
             zp.feed == FEED_ROWS ? " row-fed" : zp.feed == FEED_WHOLE ? " one-call" : "", p.nruns, p.nruns == 1 ? "" : "s");
out:
    if (rc)
        holo_recipe_free(r);
    parts_free(&p);
    free(raw);
    free(types);
    free(ftz);
    free(check);
    return rc;
}

int png_recipe_make(const uint8_t *png, size_t len, png_recipe_out *r, holo_err *err)
{
    return png_recipe_make_ex(png, len, "PNG", 0, r, err);
}
