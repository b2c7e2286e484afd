/* t_png_recipe.c — the PNG recipe (codec/common/png_recipe.c): PNGs written by libpng and by
 * plain zlib with many parameter sets come back byte for byte from their pixels and recipe;
 * PNGs the v4 image codec cannot hold exactly are refused with the reason; corrupt and
 * hostile PNGs and recipes fail cleanly.
 *
 *   prove -v build/tests/t_png_recipe.t
 */
#include "tap.h"
#include "internal.h"
#include "png_recipe.h"

#include <png.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/* Photo-like pixels: smooth gradients plus a little deterministic noise, so the filters and
 * deflate's match finder both have work to do. */
static uint8_t *make_pixels(uint32_t w, uint32_t h, int ch, unsigned seed)
{
    uint8_t *p = malloc((size_t)w * h * ch);
    uint32_t s = seed * 2654435761u + 1;
    for (uint32_t y = 0; y < h; y++)
        for (uint32_t x = 0; x < w; x++)
            for (int c = 0; c < ch; c++) {
                s = s * 1103515245u + 12345u;
                p[((size_t)y * w + x) * ch + c] =
                    (uint8_t)((x * (c + 1) + y * 2 + (x * y) / 97 + ((s >> 16) & 7)) & 255);
            }
    return p;
}

/* ---- libpng writer (in memory) ---------------------------------------------------------- */
typedef struct membuf {
    uint8_t *b;
    size_t n, cap;
} membuf;

static void mem_write(png_structp png, png_bytep data, png_size_t len)
{
    membuf *m = png_get_io_ptr(png);
    if (m->n + len > m->cap) {
        m->cap = (m->n + len) * 2;
        m->b = realloc(m->b, m->cap);
    }
    memcpy(m->b + m->n, data, len);
    m->n += len;
}
static void mem_flush(png_structp png) { (void)png; }

typedef struct lp_opts {
    int level;                /* -1: libpng's default */
    int memlevel, strategy;   /* 0 / -1: default */
    int filters;              /* PNG_ALL_FILTERS, PNG_FILTER_NONE, ... 0 = default */
    int color, depth, interlace;
    int ancillary;            /* add gAMA, pHYs, tEXt, tIME */
    size_t idat_size;         /* png_set_compression_buffer_size; 0 default */
} lp_opts;

/* A PNG written by libpng; samples taken from px (depth 16 doubles each byte). */
static uint8_t *libpng_png(const uint8_t *px, uint32_t w, uint32_t h, const lp_opts *o,
                           size_t *len)
{
    membuf m = { 0 };
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png_create_info_struct(png);
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        free(m.b);
        return NULL;
    }
    png_set_write_fn(png, &m, mem_write, mem_flush);
    if (o->level >= 0) png_set_compression_level(png, o->level);
    if (o->memlevel) png_set_compression_mem_level(png, o->memlevel);
    if (o->strategy >= 0) png_set_compression_strategy(png, o->strategy);
    if (o->filters) png_set_filter(png, 0, o->filters);
    if (o->idat_size) png_set_compression_buffer_size(png, o->idat_size);
    png_set_IHDR(png, info, w, h, o->depth, o->color, o->interlace, PNG_COMPRESSION_TYPE_DEFAULT,
                 PNG_FILTER_TYPE_DEFAULT);
    int ch = o->color == PNG_COLOR_TYPE_RGB ? 3 : o->color == PNG_COLOR_TYPE_RGBA ? 4
             : o->color == PNG_COLOR_TYPE_GRAY_ALPHA ? 2 : 1;
    png_color pal[256];
    if (o->color == PNG_COLOR_TYPE_PALETTE) {
        for (int i = 0; i < 256; i++) pal[i] = (png_color){ (png_byte)i, (png_byte)(255 - i), 7 };
        png_set_PLTE(png, info, pal, 256);
    }
    if (o->ancillary) {
        png_set_gAMA_fixed(png, info, 45455);
        png_set_pHYs(png, info, 2835, 2835, PNG_RESOLUTION_METER);
        png_text t = { .compression = PNG_TEXT_COMPRESSION_NONE, .key = "Comment",
                       .text = "written by t_png_recipe" };
        png_set_text(png, info, &t, 1);
        png_time tm = { 2026, 12, 3, 9, 30, 0 };
        png_set_tIME(png, info, &tm);
    }
    png_write_info(png, info);
    int bps = o->depth == 16 ? 2 : 1;
    size_t rowbytes = png_get_rowbytes(png, info);
    uint8_t *row = calloc(1, rowbytes + 8);
    int passes = o->interlace ? png_set_interlace_handling(png) : 1;
    for (int pass = 0; pass < passes; pass++)
        for (uint32_t y = 0; y < h; y++) {
            for (size_t i = 0; i < (size_t)w * ch; i++) {
                size_t x = i / ch, c = i % ch;      /* grey: the red byte; alpha: 200 */
                uint8_t v = ch == 3 ? px[((size_t)y * w + x) * 3 + c]
                            : (ch == 2 && c == 1) || (ch == 4 && c == 3) ? 200
                            : px[((size_t)y * w + x) * 3 + (ch == 4 ? c : 0)];
                if (o->depth < 8) {   /* 1-bit: pack */
                    if (i % 8 == 0) row[i / 8] = 0;
                    row[i / 8] |= (uint8_t)((v >> 7) << (7 - i % 8));
                } else {
                    for (int b = 0; b < bps; b++) row[i * bps + b] = v;
                }
            }
            png_write_row(png, row);
        }
    png_write_end(png, info);
    png_destroy_write_struct(&png, &info);
    free(row);
    *len = m.n;
    return m.b;
}

/* ---- hand-made PNGs: raw zlib, any parameters, any IDAT split ---------------------------- */
static void put_chunk(membuf *m, const char *type, const uint8_t *data, uint32_t len)
{
    uint8_t h[8];
    holo_wr32(h, len);
    memcpy(h + 4, type, 4);
    uint32_t crc = (uint32_t)crc32(crc32(0, (const Bytef *)type, 4), data ? data : (const uint8_t *)"", len);
    uint8_t c[4];
    holo_wr32(c, crc);
    if (m->n + len + 12 > m->cap) {
        m->cap = (m->n + len + 12) * 2;
        m->b = realloc(m->b, m->cap);
    }
    memcpy(m->b + m->n, h, 8);
    if (len) memcpy(m->b + m->n + 8, data, len);
    memcpy(m->b + m->n + 8 + len, c, 4);
    m->n += len + 12;
}

typedef struct zl_opts {
    int level, memlevel, strategy, wbits;
    int filter;               /* 0-4 for every row, 5 = row y gets y % 5, 7 = invalid type */
    uint32_t split;           /* IDAT payload size (0: one IDAT) */
    int empty_idat;           /* an empty IDAT chunk after the first */
    int text_between;         /* a tEXt chunk between two IDATs (not allowed) */
    int full_flush_half;      /* Z_FULL_FLUSH halfway, as parallel encoders do */
    const char *after_iend;   /* bytes after IEND */
} zl_opts;

static uint8_t *zlib_png(const uint8_t *px, uint32_t w, uint32_t h, int ch, const zl_opts *o,
                         size_t *len)
{
    size_t rowbytes = (size_t)w * ch, rawlen = (rowbytes + 1) * h;
    uint8_t *raw = malloc(rawlen);
    for (uint32_t y = 0; y < h; y++) {
        int f = o->filter == 5 ? (int)(y % 5) : o->filter;
        uint8_t *r = raw + y * (rowbytes + 1);
        const uint8_t *cur = px + y * rowbytes, *prev = y ? cur - rowbytes : NULL;
        r[0] = (uint8_t)f;
        for (size_t i = 0; i < rowbytes; i++) {
            int a = i >= (size_t)ch ? cur[i - ch] : 0, b = prev ? prev[i] : 0;
            int c = prev && i >= (size_t)ch ? prev[i - ch] : 0, pr = 0;
            if (f == 1) pr = a;
            else if (f == 2) pr = b;
            else if (f == 3) pr = (a + b) / 2;
            else if (f == 4) {
                int p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c);
                pr = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
            }
            r[1 + i] = (uint8_t)(cur[i] - pr);
        }
    }
    z_stream z = { 0 };
    deflateInit2(&z, o->level, Z_DEFLATED, o->wbits, o->memlevel, o->strategy);
    size_t cap = deflateBound(&z, rawlen) + 1024, zl = 0;
    uint8_t *zb = malloc(cap);
    z.next_out = zb;
    z.avail_out = (uInt)cap;
    if (o->full_flush_half) {
        z.next_in = raw;
        z.avail_in = (uInt)(rawlen / 2);
        deflate(&z, Z_FULL_FLUSH);
        z.avail_in = (uInt)(rawlen - rawlen / 2);
    } else {
        z.next_in = raw;
        z.avail_in = (uInt)rawlen;
    }
    deflate(&z, Z_FINISH);
    zl = cap - z.avail_out;
    deflateEnd(&z);
    membuf m = { 0 };
    m.cap = zl + 4096;
    m.b = malloc(m.cap);
    memcpy(m.b, "\x89PNG\r\n\x1a\n", 8);
    m.n = 8;
    uint8_t ihdr[13];
    holo_wr32(ihdr, w);
    holo_wr32(ihdr + 4, h);
    ihdr[8] = 8; ihdr[9] = ch == 3 ? 2 : 0; ihdr[10] = ihdr[11] = ihdr[12] = 0;
    put_chunk(&m, "IHDR", ihdr, 13);
    put_chunk(&m, "tEXt", (const uint8_t *)"Software\0zlib_png", 17);
    uint32_t split = o->split ? o->split : (uint32_t)zl;
    for (size_t off = 0; off < zl; off += split) {
        uint32_t n = zl - off < split ? (uint32_t)(zl - off) : split;
        put_chunk(&m, "IDAT", zb + off, n);
        if (off == 0 && o->empty_idat) put_chunk(&m, "IDAT", NULL, 0);
        if (off == 0 && o->text_between && n < zl) put_chunk(&m, "tEXt", (const uint8_t *)"a\0b", 3);
    }
    put_chunk(&m, "IEND", NULL, 0);
    if (o->after_iend) {
        size_t n = strlen(o->after_iend);
        if (m.n + n > m.cap) m.b = realloc(m.b, m.cap = m.n + n);
        memcpy(m.b + m.n, o->after_iend, n);
        m.n += n;
    }
    free(raw);
    free(zb);
    *len = m.n;
    return m.b;
}

/* make, then build from the pixels: the exact file back, and the pixels are the source's. */
static void round_trip(const char *what, const uint8_t *png, size_t len, const uint8_t *px,
                       int ch)
{
    png_recipe_out r;
    holo_err e = { 0 };
    int rc = png_recipe_make(png, len, &r, &e);
    if (!ok(rc == 0, "%s: recipe found (%s)", what, rc ? e.msg : r.how)) {
        skip(3, "no recipe");
        return;
    }
    is_int(r.channels, ch, "%s: %d channel(s)", what, ch);
    is_bytes(r.pixels, (size_t)r.w * r.h * r.channels, px, (size_t)r.w * r.h * ch,
             "%s: pixels are the source's", what);
    uint8_t *back = NULL;
    size_t blen = 0;
    rc = png_recipe_build(r.blob, r.bloblen, r.pixels, r.w, r.h, &back, &blen, &e);
    is_bytes(back, blen, png, len, "%s: rebuilt byte for byte (recipe %zu B, file %zu B)", what,
             r.bloblen, len);
    free(back);
    holo_recipe_free(&r);
}

static void refused(const char *what, const uint8_t *png, size_t len, int code, const char *why)
{
    png_recipe_out r;
    holo_err e = { 0 };
    int rc = png_recipe_make_ex(png, len, "x.png", 0, &r, &e);
    ok(rc == code && strstr(e.msg, why) && !strncmp(e.msg, "x.png: ", 7) && !r.blob && !r.pixels,
       "%s: refused (%d) \"%s\"", what, rc, e.msg);
}

int main(void)
{
    plan(0);
    const uint32_t W = 173, H = 61;
    uint8_t *rgb = make_pixels(W, H, 3, 1);
    uint8_t *grey = malloc((size_t)W * H);
    for (size_t i = 0; i < (size_t)W * H; i++) grey[i] = rgb[3 * i];
    size_t len;
    uint8_t *png;

    /* ---- libpng, as applications write PNGs ------------------------------------------ */
    static const struct { const char *what; lp_opts o; } lps[] = {
        { "libpng defaults, RGB", { -1, 0, -1, 0, PNG_COLOR_TYPE_RGB, 8, 0, 0, 0 } },
        { "libpng level 9, ancillary chunks", { 9, 0, -1, 0, PNG_COLOR_TYPE_RGB, 8, 0, 1, 0 } },
        { "libpng level 1, all filters", { 1, 0, -1, PNG_ALL_FILTERS, PNG_COLOR_TYPE_RGB, 8, 0, 0, 0 } },
        { "libpng level 3, memLevel 9, 1000-byte IDATs", { 3, 9, -1, 0, PNG_COLOR_TYPE_RGB, 8, 0, 0, 1000 } },
        { "libpng no filter (default strategy)", { 6, 0, -1, PNG_FILTER_NONE, PNG_COLOR_TYPE_RGB, 8, 0, 0, 0 } },
        { "libpng Paeth only, memLevel 5", { 7, 5, -1, PNG_FILTER_PAETH, PNG_COLOR_TYPE_RGB, 8, 0, 0, 0 } },
        { "libpng RLE strategy", { 6, 0, Z_RLE, 0, PNG_COLOR_TYPE_RGB, 8, 0, 0, 0 } },
        { "libpng Huffman only", { 6, 0, Z_HUFFMAN_ONLY, 0, PNG_COLOR_TYPE_RGB, 8, 0, 0, 0 } },
        { "libpng level 0 (stored)", { 0, 0, -1, 0, PNG_COLOR_TYPE_RGB, 8, 0, 0, 0 } },
        { "libpng grey", { -1, 0, -1, 0, PNG_COLOR_TYPE_GRAY, 8, 0, 1, 0 } },
    };
    for (size_t i = 0; i < sizeof lps / sizeof lps[0]; i++) {
        int g = lps[i].o.color == PNG_COLOR_TYPE_GRAY;
        png = libpng_png(rgb, W, H, &lps[i].o, &len);
        round_trip(lps[i].what, png, len, g ? grey : rgb, g ? 1 : 3);
        free(png);
    }
    /* small image: libpng lowers CINFO in the zlib header (optimize_cmf) */
    {
        uint8_t *small = make_pixels(9, 7, 3, 5);
        lp_opts o = { -1, 0, -1, 0, PNG_COLOR_TYPE_RGB, 8, 0, 0, 0 };
        png = libpng_png(small, 9, 7, &o, &len);
        round_trip("libpng 9x7 (small window in the zlib header)", png, len, small, 3);
        free(png);
        free(small);
    }

    /* stored blocks over 64 KiB: libpng feeds zlib row by row into 8 KiB IDAT buffers */
    {
        uint8_t *big = make_pixels(300, 200, 3, 9);
        lp_opts o = { 0, 0, -1, 0, PNG_COLOR_TYPE_RGB, 8, 0, 0, 0 };
        png = libpng_png(big, 300, 200, &o, &len);
        round_trip("libpng level 0, 300x200 (stored blocks, row-fed)", png, len, big, 3);
        free(png);
        free(big);
    }

    /* ---- plain zlib, the parameter space ---------------------------------------------- */
    static const struct { const char *what; zl_opts o; } zls[] = {
        { "zlib level 6 (Python's zlib.compress)", { 6, 8, Z_DEFAULT_STRATEGY, 15, 0, 0, 0, 0, 0, NULL } },
        { "zlib level 9 memLevel 9 (Pillow), mixed filters", { 9, 9, Z_DEFAULT_STRATEGY, 15, 5, 0, 0, 0, 0, NULL } },
        { "zlib level 2, memLevel 1, Sub", { 2, 1, Z_DEFAULT_STRATEGY, 15, 1, 0, 0, 0, 0, NULL } },
        { "zlib level 5 filtered, Average", { 5, 8, Z_FILTERED, 15, 3, 0, 0, 0, 0, NULL } },
        { "zlib Z_FIXED level 4", { 4, 8, Z_FIXED, 15, 2, 0, 0, 0, 0, NULL } },
        { "zlib RLE memLevel 3", { 6, 3, Z_RLE, 15, 4, 0, 0, 0, 0, NULL } },
        { "zlib level 0 in one call (compress2)", { 0, 8, Z_DEFAULT_STRATEGY, 15, 0, 0, 0, 0, 0, NULL } },
        { "zlib window 10", { 6, 8, Z_DEFAULT_STRATEGY, 10, 5, 0, 0, 0, 0, NULL } },
        { "IDATs of 777 bytes", { 6, 8, Z_DEFAULT_STRATEGY, 15, 5, 777, 0, 0, 0, NULL } },
        { "an empty IDAT in the run", { 6, 8, Z_DEFAULT_STRATEGY, 15, 5, 4000, 1, 0, 0, NULL } },
        { "bytes after IEND", { 6, 8, Z_DEFAULT_STRATEGY, 15, 0, 0, 0, 0, 0, "trailing junk\n" } },
    };
    for (size_t i = 0; i < sizeof zls / sizeof zls[0]; i++) {
        png = zlib_png(rgb, W, H, 3, &zls[i].o, &len);
        round_trip(zls[i].what, png, len, rgb, 3);
        free(png);
    }
    {
        zl_opts o = { 9, 8, Z_FILTERED, 15, 4, 0, 0, 0, 0, NULL };
        png = zlib_png(grey, W, H, 1, &o, &len);
        round_trip("zlib grey, Paeth, level 9 filtered", png, len, grey, 1);
        free(png);
    }

    /* ---- refused: not what v4 stores exactly ------------------------------------------ */
    static const struct { const char *what; lp_opts o; const char *why; } nos[] = {
        { "palette", { -1, 0, -1, 0, PNG_COLOR_TYPE_PALETTE, 8, 0, 0, 0 }, "palette colour" },
        { "RGBA", { -1, 0, -1, 0, PNG_COLOR_TYPE_RGBA, 8, 0, 0, 0 }, "alpha channel" },
        { "grey + alpha", { -1, 0, -1, 0, PNG_COLOR_TYPE_GRAY_ALPHA, 8, 0, 0, 0 }, "alpha channel" },
        { "16-bit RGB", { -1, 0, -1, 0, PNG_COLOR_TYPE_RGB, 16, 0, 0, 0 }, "16-bit samples" },
        { "1-bit grey", { -1, 0, -1, 0, PNG_COLOR_TYPE_GRAY, 1, 0, 0, 0 }, "1-bit samples" },
        { "interlaced", { -1, 0, -1, 0, PNG_COLOR_TYPE_RGB, 8, PNG_INTERLACE_ADAM7, 0, 0 }, "interlaced (Adam7)" },
    };
    for (size_t i = 0; i < sizeof nos / sizeof nos[0]; i++) {
        png = libpng_png(rgb, W, H, &nos[i].o, &len);
        refused(nos[i].what, png, len, HOLO_EUNSUPPORTED, nos[i].why);
        free(png);
    }
    {
        zl_opts o = { 6, 8, Z_DEFAULT_STRATEGY, 15, 0, 0, 0, 0, 1, NULL };
        png = zlib_png(rgb, W, H, 3, &o, &len);
        refused("deflate with a full flush halfway (a parallel encoder)", png, len,
                HOLO_EUNSUPPORTED, "no zlib parameters reproduce the image data");
        free(png);
        zl_opts t = { 6, 8, Z_DEFAULT_STRATEGY, 15, 0, 3000, 0, 1, 0, NULL };
        png = zlib_png(rgb, W, H, 3, &t, &len);
        refused("a tEXt chunk between IDATs", png, len, HOLO_EUNSUPPORTED, "IDAT chunks not consecutive");
        free(png);
    }

    /* ---- corrupt and hostile PNGs ------------------------------------------------------- */
    lp_opts def = { -1, 0, -1, 0, PNG_COLOR_TYPE_RGB, 8, 0, 1, 0 };
    png = libpng_png(rgb, W, H, &def, &len);
    {
        uint8_t *bad = malloc(len);
        memcpy(bad, png, len);
        bad[20] ^= 1;                                     /* inside IHDR's data */
        refused("IHDR byte flipped", bad, len, HOLO_EINVAL, "IHDR chunk CRC mismatch");
        memcpy(bad, png, len);
        bad[len - 30] ^= 0x40;                            /* inside the last IDAT */
        refused("IDAT byte flipped", bad, len, HOLO_EINVAL, "IDAT chunk CRC mismatch");
        refused("truncated in IDAT", png, len - 40, HOLO_EINVAL, "runs past the end of the file");
        refused("truncated to 8 bytes", png, 8, HOLO_EINVAL, "no IDAT chunk");
        refused("truncated signature", png, 5, HOLO_EINVAL, "not a PNG file");
        refused("empty", png, 0, HOLO_EINVAL, "not a PNG file");
        free(bad);
    }
    free(png);
    {
        zl_opts o = { 6, 8, Z_DEFAULT_STRATEGY, 15, 7, 0, 0, 0, 0, NULL };
        png = zlib_png(rgb, W, H, 3, &o, &len);
        refused("row filter type 7", png, len, HOLO_EINVAL, "bad row filter type");
        free(png);
    }
    /* claims at the recipe's pixel cap (HOLO_RECIPE_MAX_PIXELS = 2^27, the default decode
     * limit) with a few bytes of IDAT: refused before any big allocation, inside the cap for
     * what the data lacks, one column beyond it as out of range */
    for (int over = 0; over < 2; over++) {
        membuf m = { 0 };
        m.cap = 256;
        m.b = malloc(m.cap);
        memcpy(m.b, "\x89PNG\r\n\x1a\n", 8);
        m.n = 8;
        uint8_t ihdr[13] = { 0, 0, 0x40, 0, 0, 0, 0x20, 0, 8, 0, 0, 0, 0 };   /* 16384x8192 grey */
        ihdr[3] = (uint8_t)over;                                              /* 16385x8192 */
        put_chunk(&m, "IHDR", ihdr, 13);
        uint8_t zbomb[64];
        uLongf zn = sizeof zbomb;
        uint8_t zeros[32] = { 0 };
        compress2(zbomb, &zn, zeros, sizeof zeros, 9);
        put_chunk(&m, "IDAT", zbomb, (uint32_t)zn);
        put_chunk(&m, "IEND", NULL, 0);
        if (over)
            refused("16385x8192 (2^27 + 8192 pixels, over the recipe cap)", m.b, m.n,
                    HOLO_EUNSUPPORTED, "image size 16385x8192 out of range");
        else
            refused("16384x8192 (2^27 pixels, the recipe cap) with an 11-byte IDAT", m.b, m.n,
                    HOLO_EINVAL, "too short for 16384x8192");
        free(m.b);
    }

    /* ---- damaged PNGs whose CRCs were fixed up: they reach the inflater, the filters and
     * the search; every one is re-created exactly or refused with a message ------------- */
    {
        png = libpng_png(rgb, W, H, &def, &len);
        uint8_t *bad = malloc(len);
        uint32_t seed = 12345;
        int clean = 1, exact = 0, refusedn = 0;
        for (int it = 0; it < 300; it++) {
            memcpy(bad, png, len);
            seed = seed * 1103515245u + 12345u;
            size_t pos = 8 + (seed >> 8) % (len - 8);
            bad[pos] ^= (uint8_t)(1u << (seed % 8));
            for (size_t off = 8; off + 12 <= len;) {     /* re-seal every chunk's CRC */
                uint32_t cl = holo_rd32(bad + off);
                if (cl > len - off - 12) break;
                holo_wr32(bad + off + 8 + cl, (uint32_t)crc32(0, bad + off + 4, cl + 4));
                off += 12 + (size_t)cl;
            }
            png_recipe_out r;
            holo_err e = { 0 };
            int rc = png_recipe_make(bad, len, &r, &e);
            if (rc == 0) {
                uint8_t *out = NULL;
                size_t olen = 0;
                png_recipe_build(r.blob, r.bloblen, r.pixels, r.w, r.h, &out, &olen, &e);
                if (olen != len || memcmp(out, bad, len)) clean = 0;
                exact++;
                free(out);
                holo_recipe_free(&r);
            } else {
                refusedn++;
                if (!e.msg[0] || r.blob || r.pixels) clean = 0;
            }
        }
        ok(clean, "300 damaged, re-sealed PNGs: %d re-created exactly, %d refused with a message",
           exact, refusedn);
        free(bad);
        free(png);
    }

    /* ---- hostile recipes: every single-byte change either builds or fails cleanly ---- */
    {
        png = libpng_png(rgb, W, H, &def, &len);
        png_recipe_out r;
        holo_err e = { 0 };
        if (png_recipe_make(png, len, &r, &e) == 0) {
            int clean = 1, exact_after_damage = 0;
            uint8_t *blob = malloc(r.bloblen);
            for (size_t i = 0; i < r.bloblen; i++) {
                memcpy(blob, r.blob, r.bloblen);
                blob[i] ^= 0xA5;
                uint8_t *out = NULL;
                size_t olen = 0;
                holo_err be = { 0 };
                int rc = png_recipe_build(blob, r.bloblen, r.pixels, r.w, r.h, &out, &olen, &be);
                if (rc && (!be.msg[0] || out || olen)) clean = 0;
                if (!rc && olen == len && !memcmp(out, png, len)) exact_after_damage++;
                free(out);
            }
            ok(clean, "each of %zu damaged recipes builds or fails with a message", r.bloblen);
            is_int(exact_after_damage, 0, "no damaged recipe rebuilds the file: every byte counts");
            uint8_t *out = NULL;
            size_t olen = 0;
            int rc = png_recipe_build(r.blob, r.bloblen - 1, r.pixels, r.w, r.h, &out, &olen, &e);
            ok(rc == HOLO_EINVAL && !out && strstr(e.msg, "malformed recipe"), "truncated recipe: %s", e.msg);
            rc = png_recipe_build(r.blob, r.bloblen, r.pixels, r.w - 1, r.h, &out, &olen, &e);
            ok(rc == HOLO_EINVAL && !out && strstr(e.msg, "made for 173x61, pixels are 172x61"),
               "pixels of another size: %s", e.msg);
            is_int(png_recipe_channels(r.blob, r.bloblen), 3, "png_recipe_channels: 3");
            is_int(png_recipe_channels(r.blob, 10), 0, "png_recipe_channels of a fragment: 0");
            free(blob);
            holo_recipe_free(&r);
        } else {
            ok(0, "recipe for the hostile-recipe test: %s", e.msg);
        }
        free(png);
    }

    /* ---- a reference vector PNG (written by Pillow for the reference) ---------------- */
    char path[512];
    tap_pathf(path, sizeof path, "%s/formats/inputs/img_37x23.png", tap_vectors());
    png = tap_slurp(path, &len);
    if (png) {
        png_recipe_out r;
        holo_err e = { 0 };
        int rc = png_recipe_make(png, len, &r, &e);
        diag("img_37x23.png: %s", rc ? e.msg : r.how);
        if (!rc) {
            uint8_t *out = NULL;
            size_t olen = 0;
            png_recipe_build(r.blob, r.bloblen, r.pixels, r.w, r.h, &out, &olen, &e);
            is_bytes(out, olen, png, len, "reference vector img_37x23.png rebuilt exactly");
            free(out);
            holo_recipe_free(&r);
        } else {
            ok(rc == HOLO_EUNSUPPORTED, "reference vector img_37x23.png refused cleanly: %s", e.msg);
        }
        free(png);
    } else {
        skip(1, "no reference vectors");
    }
    free(rgb);
    free(grey);
    return done_testing();
}
