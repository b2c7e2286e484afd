/* imageio.c — PNG / JPEG / PPM to packed RGB8 and back (see imageio.h for the conversions). */
#include "imageio.h"
#include "internal.h"
#include "par.h"

#include <jpeglib.h>
#include <jerror.h>
#include <png.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

void holo_image_free(holo_image *im)
{
    free(im->rgb);
    im->rgb = NULL;
    im->w = im->h = 0;
}

static int check_dims(uint64_t w, uint64_t h, const char *name, holo_err *err)
{
    if (!w || !h) return holo_seterr(err, HOLO_EINVAL, "%s: image has zero size", name);
    /* The same caps as a chunk header (chunkhdr.c), so whatever we encode can be decoded. */
    if (w > HOLO_MAX_DIM || h > HOLO_MAX_DIM || w * h > HOLO_MAX_PIXELS)
        return holo_seterr(err, HOLO_ENOMEM, "%s: image too large (%llux%llu)", name,
                           (unsigned long long)w, (unsigned long long)h);
    return 0;
}

int holo_is_png(const uint8_t *b, size_t n)
{
    return n >= 8 && !memcmp(b, "\x89PNG\r\n\x1a\n", 8);
}

int holo_is_jpeg(const uint8_t *b, size_t n)
{
    return n >= 3 && b[0] == 0xff && b[1] == 0xd8 && b[2] == 0xff;
}

int holo_is_pnm(const uint8_t *b, size_t n)
{
    return n >= 3 && b[0] == 'P' && (b[1] == '5' || b[1] == '6') &&
           (b[2] == ' ' || b[2] == '\t' || b[2] == '\n' || b[2] == '\r' || b[2] == '#');
}

/* Expand a decoded 8-bit buffer of ch channels (grey, grey+alpha, RGB, RGBA) to RGB in place
 * order; alpha is simply dropped, as Pillow's convert("RGB") does. */
static void to_rgb(const uint8_t *src, int ch, size_t npix, uint8_t *dst)
{
    switch (ch) {
    case 1:
        for (size_t i = 0; i < npix; i++) dst[3 * i] = dst[3 * i + 1] = dst[3 * i + 2] = src[i];
        break;
    case 2:
        for (size_t i = 0; i < npix; i++)
            dst[3 * i] = dst[3 * i + 1] = dst[3 * i + 2] = src[2 * i];
        break;
    case 3:
        if (dst != src) memcpy(dst, src, npix * 3);
        break;
    default:
        for (size_t i = 0; i < npix; i++) {
            dst[3 * i] = src[4 * i];
            dst[3 * i + 1] = src[4 * i + 1];
            dst[3 * i + 2] = src[4 * i + 2];
        }
    }
}

/* ---- PNG (libpng) ---------------------------------------------------------------------- */
typedef struct png_src {
    const uint8_t *p;
    size_t len, off;
    char msg[256];
    jmp_buf jb;
} png_src;

static void png_mem_read(png_structp png, png_bytep out, size_t n)
{
    png_src *s = png_get_io_ptr(png);
    if (n > s->len - s->off) png_error(png, "truncated file");
    memcpy(out, s->p + s->off, n);
    s->off += n;
}

static void png_on_error(png_structp png, png_const_charp msg)
{
    png_src *s = png_get_error_ptr(png);
    snprintf(s->msg, sizeof s->msg, "%s", msg);
    longjmp(s->jb, 1);
}

static void png_on_warning(png_structp png, png_const_charp msg)
{
    (void)png;
    (void)msg;
}

static int png_decode(const uint8_t *buf, size_t len, const char *name, holo_image *im,
                      holo_err *err)
{
    png_src src = { .p = buf, .len = len };
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &src, png_on_error,
                                             png_on_warning);
    if (!png) return holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", name);
    png_infop info = png_create_info_struct(png);
    uint8_t *volatile pix = NULL;       /* decoded, ch channels */
    png_bytep *volatile rows = NULL;
    uint8_t *volatile rgb = NULL;
    volatile int rc = 0;
    if (!info) {
        png_destroy_read_struct(&png, NULL, NULL);
        return holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", name);
    }
    if (setjmp(src.jb)) {
        rc = holo_seterr(err, HOLO_EINVAL, "%s: bad PNG: %s", name, src.msg);
        goto out;
    }
    png_set_read_fn(png, &src, png_mem_read);
    png_set_user_limits(png, 0x7fffffff, 0x7fffffff);
    png_read_info(png, info);
    png_uint_32 w = png_get_image_width(png, info), h = png_get_image_height(png, info);
    int depth = png_get_bit_depth(png, info), ct = png_get_color_type(png, info);
    if ((rc = check_dims(w, h, name, err))) goto out;
    /* No png_set_gamma / alpha handling: Pillow applies neither. */
    if (ct == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (ct == PNG_COLOR_TYPE_GRAY && depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    if (depth == 16) png_set_strip_16(png);   /* keeps the high byte */
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
    int ch = png_get_channels(png, info);
    size_t rowbytes = png_get_rowbytes(png, info);
    if (ch < 1 || ch > 4 || png_get_bit_depth(png, info) != 8 || rowbytes != (size_t)w * ch) {
        rc = holo_seterr(err, HOLO_EUNSUPPORTED, "%s: unsupported PNG layout", name);
        goto out;
    }
    rgb = malloc((size_t)w * h * 3);
    pix = ch == 3 ? rgb : malloc(rowbytes * h);
    rows = malloc(sizeof(png_bytep) * h);
    if (!rgb || !pix || !rows) {
        rc = holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", name);
        goto out;
    }
    for (png_uint_32 y = 0; y < h; y++) rows[y] = pix + (size_t)y * rowbytes;
    png_read_image(png, rows);
    /* IEND and trailing chunks are not needed (Pillow stops after the image data too). */
    to_rgb(pix, ch, (size_t)w * h, rgb);
    im->w = w;
    im->h = h;
    im->rgb = rgb;
    rgb = NULL;
out:
    if (pix != im->rgb && pix != rgb) free(pix);
    free(rgb);
    free(rows);
    png_destroy_read_struct(&png, &info, NULL);
    return rc;
}

/* ---- JPEG (libjpeg-turbo) -------------------------------------------------------------- */
typedef struct jerr {
    struct jpeg_error_mgr pub;
    jmp_buf jb;
    int truncated;            /* libjpeg warned "premature end of data" */
} jerr;

static void jpeg_on_error(j_common_ptr c)
{
    longjmp(((jerr *)c->err)->jb, 1);
}

static void jpeg_silent(j_common_ptr c)
{
    (void)c;
}

/* libjpeg pads a truncated stream with grey and only warns; Pillow refuses such a file. */
static void jpeg_on_message(j_common_ptr c, int level)
{
    jerr *e = (jerr *)c->err;
    if (level < 0 && e->pub.msg_code == JWRN_JPEG_EOF) e->truncated = 1;
}

static int jpeg_decode(const uint8_t *buf, size_t len, const char *name, holo_image *im,
                       holo_err *err)
{
    struct jpeg_decompress_struct cinfo;
    jerr je;
    uint8_t *volatile rgb = NULL;
    volatile int rc = 0;
    cinfo.err = jpeg_std_error(&je.pub);
    je.pub.error_exit = jpeg_on_error;
    je.pub.output_message = jpeg_silent;
    je.pub.emit_message = jpeg_on_message;
    je.truncated = 0;
    if (setjmp(je.jb)) {
        char msg[JMSG_LENGTH_MAX];
        je.pub.format_message((j_common_ptr)&cinfo, msg);
        rc = holo_seterr(err, HOLO_EINVAL, "%s: bad JPEG: %s", name, msg);
        goto out;
    }
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, buf, (unsigned long)len);
    jpeg_read_header(&cinfo, TRUE);
    if (cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK) {
        rc = holo_seterr(err, HOLO_EUNSUPPORTED, "%s: CMYK JPEG is not supported", name);
        goto out;
    }
    if ((rc = check_dims(cinfo.image_width, cinfo.image_height, name, err))) goto out;
    cinfo.out_color_space = JCS_RGB;
    jpeg_start_decompress(&cinfo);
    if (cinfo.output_components != 3) {
        rc = holo_seterr(err, HOLO_EUNSUPPORTED, "%s: unsupported JPEG colour space", name);
        goto out;
    }
    size_t stride = (size_t)cinfo.output_width * 3;
    rgb = malloc(stride * cinfo.output_height);
    if (!rgb) {
        rc = holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", name);
        goto out;
    }
    while (cinfo.output_scanline < cinfo.output_height) {
        JSAMPROW row = rgb + stride * cinfo.output_scanline;
        jpeg_read_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_decompress(&cinfo);
    if (je.truncated) {
        rc = holo_seterr(err, HOLO_EINVAL, "%s: bad JPEG: truncated data", name);
        goto out;
    }
    im->w = cinfo.output_width;
    im->h = cinfo.output_height;
    im->rgb = rgb;
    rgb = NULL;
out:
    free(rgb);
    jpeg_destroy_decompress(&cinfo);
    return rc;
}

/* ---- PPM / PGM (binary) ---------------------------------------------------------------- */
/* Next header integer, skipping whitespace and '#' comments; -1 on error. */
static long pnm_int(const uint8_t *b, size_t len, size_t *off)
{
    size_t i = *off;
    for (;;) {
        while (i < len && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r' ||
                           b[i] == '\v' || b[i] == '\f'))
            i++;
        if (i < len && b[i] == '#') {
            while (i < len && b[i] != '\n' && b[i] != '\r') i++;
            continue;
        }
        break;
    }
    long v = 0;
    size_t start = i;
    while (i < len && b[i] >= '0' && b[i] <= '9' && v < 100000000) v = v * 10 + (b[i++] - '0');
    if (i == start || (i < len && b[i] >= '0' && b[i] <= '9')) return -1;
    *off = i;
    return v;
}

static int pnm_decode(const uint8_t *b, size_t len, const char *name, holo_image *im,
                      holo_err *err)
{
    int ch = b[1] == '6' ? 3 : 1;
    size_t off = 2;
    long w = pnm_int(b, len, &off), h = pnm_int(b, len, &off), maxv = pnm_int(b, len, &off);
    if (w < 0 || h < 0 || maxv < 1 || maxv > 65535 || off >= len)
        return holo_seterr(err, HOLO_EINVAL, "%s: bad PPM header", name);
    off++;   /* the single whitespace after maxval */
    int rc = check_dims((uint64_t)w, (uint64_t)h, name, err);
    if (rc) return rc;
    size_t bps = maxv > 255 ? 2 : 1, npix = (size_t)w * (size_t)h;
    if ((len - off) / bps / ch < npix)
        return holo_seterr(err, HOLO_EINVAL, "%s: truncated PPM data", name);
    uint8_t *rgb = malloc(npix * 3);
    if (!rgb) return holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", name);
    const uint8_t *p = b + off;
    for (size_t i = 0; i < npix * ch; i++) {
        unsigned v = bps == 2 ? (unsigned)p[2 * i] << 8 | p[2 * i + 1] : p[i];
        if (v > (unsigned)maxv) v = (unsigned)maxv;
        uint8_t o = maxv == 255 ? (uint8_t)v
                                : (uint8_t)(((uint64_t)v * 255 + (uint64_t)maxv / 2) / maxv);
        if (ch == 3) rgb[i] = o;
        else rgb[3 * i] = rgb[3 * i + 1] = rgb[3 * i + 2] = o;
    }
    im->w = (uint32_t)w;
    im->h = (uint32_t)h;
    im->rgb = rgb;
    return 0;
}

int holo_image_decode(const uint8_t *buf, size_t len, const char *name, holo_image *im,
                      holo_err *err)
{
    im->w = im->h = 0;
    im->rgb = NULL;
    if (holo_is_png(buf, len)) return png_decode(buf, len, name, im, err);
    if (holo_is_jpeg(buf, len)) return jpeg_decode(buf, len, name, im, err);
    if (holo_is_pnm(buf, len)) return pnm_decode(buf, len, name, im, err);
    return holo_seterr(err, HOLO_EUNSUPPORTED, "%s: not a PNG, JPEG or binary PPM image", name);
}

int holo_image_read(const char *path, holo_image *im, holo_err *err)
{
    uint8_t *buf;
    size_t len;
    im->w = im->h = 0;
    im->rgb = NULL;
    int rc = holo_read_file(path, (size_t)1 << 32, &buf, &len, err);
    if (rc) return rc;
    rc = holo_image_decode(buf, len, path, im, err);
    free(buf);
    return rc;
}

/* ---- PNG writers ----------------------------------------------------------------------- */
#define IDAT_MAX ((size_t)1 << 20)

/* Writes a zlib stream of known total length into consecutive IDAT chunks of IDAT_MAX bytes. */
typedef struct idat_sink {
    uint8_t *p;            /* next free byte of the output */
    uint8_t *chunk;        /* start of the current chunk's data */
    size_t left;           /* bytes still to write in the current chunk */
    size_t remaining;      /* zlib bytes not yet written */
    uLong crc;
} idat_sink;

static uint8_t *png_head(uint8_t *p, uint32_t w, uint32_t h)
{
    memcpy(p, "\x89PNG\r\n\x1a\n", 8);
    uint8_t *c = p + 8;
    holo_wr32(c, 13);
    memcpy(c + 4, "IHDR", 4);
    holo_wr32(c + 8, w);
    holo_wr32(c + 12, h);
    c[16] = 8; c[17] = 2; c[18] = 0; c[19] = 0; c[20] = 0;
    holo_wr32(c + 21, (uint32_t)crc32(0L, c + 4, 17));
    return c + 25;
}

static uint8_t *png_tail(uint8_t *p)
{
    memcpy(p, "\0\0\0\0IEND\xae\x42\x60\x82", 12);
    return p + 12;
}

static void sink_open(idat_sink *s)
{
    size_t n = s->remaining < IDAT_MAX ? s->remaining : IDAT_MAX;
    holo_wr32(s->p, (uint32_t)n);
    memcpy(s->p + 4, "IDAT", 4);
    s->crc = crc32(0L, s->p + 4, 4);
    s->p += 8;
    s->chunk = s->p;
    s->left = n;
}

static void sink_put(idat_sink *s, const uint8_t *d, size_t n)
{
    while (n) {
        if (!s->left) sink_open(s);
        size_t k = n < s->left ? n : s->left;
        memcpy(s->p, d, k);
        s->crc = crc32(s->crc, s->p, (uInt)k);
        s->p += k;
        s->left -= k;
        s->remaining -= k;
        d += k;
        n -= k;
        if (!s->left) {
            holo_wr32(s->p, (uint32_t)s->crc);
            s->p += 4;
        }
    }
}

static uint64_t idat_count(uint64_t zlen)
{
    return zlen ? (zlen + IDAT_MAX - 1) / IDAT_MAX : 1;
}

uint64_t holo_png_stored_size(uint32_t w, uint32_t h)
{
    uint64_t raw = (uint64_t)h * (1 + 3 * (uint64_t)w);
    uint64_t zlen = 2 + (raw + 65534) / 65535 * 5 + raw + 4;
    return 8 + 25 + idat_count(zlen) * 12 + zlen + 12;
}

int holo_png_encode_stored(const uint8_t *rgb, uint32_t w, uint32_t h, uint8_t **out,
                           size_t *outlen, holo_err *err)
{
    *out = NULL;
    *outlen = 0;
    int rc = check_dims(w, h, "png", err);
    if (rc) return rc;
    uint64_t total = holo_png_stored_size(w, h);
    uint8_t *png = malloc(total);
    if (!png) return holo_seterr(err, HOLO_ENOMEM, "png: out of memory");
    size_t row = (size_t)w * 3, raw = (size_t)h * (row + 1);
    idat_sink s = { .p = png_head(png, w, h), .remaining = 2 + (raw + 65534) / 65535 * 5 + raw + 4 };
    sink_put(&s, (const uint8_t *)"\x78\x01", 2);
    /* Raw stream = per row a 0 filter byte and the pixels; cut into 65535-byte stored blocks. */
    size_t pos = 0;            /* position in the raw stream */
    uLong adler = adler32(0L, NULL, 0);
    static const uint8_t zero = 0;
    while (pos < raw) {
        size_t blk = raw - pos < 65535 ? raw - pos : 65535;
        uint8_t bh[5] = { pos + blk == raw, (uint8_t)blk, (uint8_t)(blk >> 8),
                          (uint8_t)~blk, (uint8_t)(~blk >> 8) };
        sink_put(&s, bh, 5);
        size_t end = pos + blk;
        while (pos < end) {
            size_t y = pos / (row + 1), x = pos % (row + 1);
            if (x == 0) {
                sink_put(&s, &zero, 1);
                adler = adler32(adler, &zero, 1);
                pos++;
                continue;
            }
            size_t k = row + 1 - x < end - pos ? row + 1 - x : end - pos;
            const uint8_t *src = rgb + y * row + (x - 1);
            sink_put(&s, src, k);
            adler = adler32(adler, src, (uInt)k);
            pos += k;
        }
    }
    uint8_t a[4];
    holo_wr32(a, (uint32_t)adler);
    sink_put(&s, a, 4);
    uint8_t *end = png_tail(s.p);
    *out = png;
    *outlen = (size_t)(end - png);
    return 0;
}

/* One row of filtered bytes (filter byte first). */
static void filter_row(const uint8_t *cur, const uint8_t *up, size_t n, int filter, uint8_t *o)
{
    o[0] = (uint8_t)filter;
    o++;
    switch (filter) {
    case 1:
        for (size_t i = 0; i < 3 && i < n; i++) o[i] = cur[i];
        for (size_t i = 3; i < n; i++) o[i] = (uint8_t)(cur[i] - cur[i - 3]);
        break;
    case 2:
        if (!up) { memcpy(o, cur, n); break; }
        for (size_t i = 0; i < n; i++) o[i] = (uint8_t)(cur[i] - up[i]);
        break;
    case 4:
        for (size_t i = 0; i < n; i++) {
            int a = i >= 3 ? cur[i - 3] : 0, b = up ? up[i] : 0, c = i >= 3 && up ? up[i - 3] : 0;
            int pa = abs(b - c), pb = abs(a - c), pc = abs(a + b - 2 * c);
            int pr = (pa <= pb && pa <= pc) ? a : pb <= pc ? b : c;
            o[i] = (uint8_t)(cur[i] - pr);
        }
        break;
    default:
        memcpy(o, cur, n);
    }
}

typedef struct seg_job {
    const uint8_t *rgb;
    uint32_t w, y0, y1;
    int level, filter, strategy, last;
    uint8_t *z;            /* raw deflate output */
    size_t zlen;
    uLong adler;
    int ok;
} seg_job;

/* Segment t: filter rows [y0, y1) and raw-deflate them; a non-final segment ends with a sync flush so the
 * segments can be concatenated into one deflate stream. */
static int seg_one(void *p, unsigned t, unsigned thread)
{
    (void)thread;
    seg_job *j = (seg_job *)p + t;
    size_t row = (size_t)j->w * 3, batch_rows = 1 + (1u << 16) / (row + 1);
    size_t raw = (size_t)(j->y1 - j->y0) * (row + 1);
    uint8_t *buf = malloc(batch_rows * (row + 1));
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    j->ok = 0;
    j->adler = adler32(0L, NULL, 0);
    if (!buf || deflateInit2(&zs, j->level, Z_DEFLATED, -15, 8, j->strategy) != Z_OK) {
        free(buf);
        return 0;
    }
    size_t cap = deflateBound(&zs, raw) + 16;
    j->z = malloc(cap);
    if (!j->z) goto out;
    zs.next_out = j->z;
    zs.avail_out = (uInt)cap;   /* cap < 4 GiB: one segment is at most HOLO_MAX_PIXELS/threads */
    for (uint32_t y = j->y0; y < j->y1;) {
        uint32_t n = j->y1 - y < batch_rows ? j->y1 - y : (uint32_t)batch_rows;
        for (uint32_t k = 0; k < n; k++) {
            const uint8_t *cur = j->rgb + (size_t)(y + k) * row;
            filter_row(cur, y + k ? cur - row : NULL, row, j->filter, buf + k * (row + 1));
        }
        size_t len = (size_t)n * (row + 1);
        j->adler = adler32(j->adler, buf, (uInt)len);
        zs.next_in = buf;
        zs.avail_in = (uInt)len;
        y += n;
        int flush = y < j->y1 ? Z_NO_FLUSH : j->last ? Z_FINISH : Z_SYNC_FLUSH;
        int zr = deflate(&zs, flush);
        if (zr == Z_STREAM_ERROR || zs.avail_in) goto out;
    }
    j->zlen = cap - zs.avail_out;
    j->ok = 1;
out:
    deflateEnd(&zs);
    free(buf);
    return 0;
}

/* One contiguous piece of the zlib stream, and a job writing IDAT chunks [c0, c1) of it. */
typedef struct idat_piece { const uint8_t *p; size_t len; } idat_piece;
typedef struct idat_job {
    const idat_piece *pieces;
    size_t np, zlen, c0, c1;
    uint8_t *out;          /* where chunk 0 starts */
} idat_job;

/* Job t: chunk c holds stream bytes [c * IDAT_MAX, ...) at out + c * (IDAT_MAX + 12): the same layout
 * as idat_sink writes sequentially. */
static int idat_one(void *p, unsigned t, unsigned thread)
{
    (void)thread;
    idat_job *j = (idat_job *)p + t;
    for (size_t c = j->c0; c < j->c1; c++) {
        size_t s0 = c * IDAT_MAX, n = j->zlen - s0 < IDAT_MAX ? j->zlen - s0 : IDAT_MAX;
        uint8_t *o = j->out + c * (IDAT_MAX + 12);
        holo_wr32(o, (uint32_t)n);
        memcpy(o + 4, "IDAT", 4);
        size_t pos = 0, done = 0;   /* stream offset of the current piece; bytes copied */
        for (size_t i = 0; i < j->np && done < n; i++) {
            const idat_piece *pc = &j->pieces[i];
            if (pos + pc->len > s0 + done) {
                size_t off = s0 + done - pos, k = pc->len - off;
                if (k > n - done) k = n - done;
                memcpy(o + 8 + done, pc->p + off, k);
                done += k;
            }
            pos += pc->len;
        }
        holo_wr32(o + 8 + n, (uint32_t)crc32(0L, o + 4, (uInt)(n + 4)));
    }
    return 0;
}

int holo_png_encode_ex(const uint8_t *rgb, uint32_t w, uint32_t h, int level, int filter,
                       int threads, uint8_t **out, size_t *outlen, holo_err *err)
{
    return holo_png_encode_zs(rgb, w, h, level, filter, filter ? Z_FILTERED : Z_DEFAULT_STRATEGY,
                              threads, out, outlen, err);
}

int holo_png_encode_zs(const uint8_t *rgb, uint32_t w, uint32_t h, int level, int filter,
                       int strategy, int threads, uint8_t **out, size_t *outlen, holo_err *err)
{
    *out = NULL;
    *outlen = 0;
    int rc = check_dims(w, h, "png", err);
    if (rc) return rc;
    /* Segments of at least 1 MiB of pixels: smaller ones cost more in setup than they save. */
    uint64_t bytes = (uint64_t)w * h * 3;
    if (threads < 1) threads = 1;
    if (threads > 16) threads = 16;
    while (threads > 1 && bytes / threads < (1u << 20)) threads--;
    if ((uint32_t)threads > h) threads = (int)h;
    seg_job job[16];
    memset(job, 0, sizeof job);
    for (int t = 0; t < threads; t++) {
        job[t] = (seg_job){ .rgb = rgb, .w = w, .level = level, .filter = filter,
                            .strategy = strategy,
                            .y0 = (uint32_t)((uint64_t)h * t / threads),
                            .y1 = (uint32_t)((uint64_t)h * (t + 1) / threads),
                            .last = t == threads - 1 };
    }
    par_for((unsigned)threads, (unsigned)threads, seg_one, job);   /* the bytes depend on the segments only */

    size_t zlen = 2 + 4;
    uLong adler = job[0].adler;
    size_t rowlen = (size_t)w * 3 + 1;
    for (int t = 0; t < threads; t++) {
        if (!job[t].ok) { rc = holo_seterr(err, HOLO_ENOMEM, "png: deflate failed"); goto out; }
        zlen += job[t].zlen;
        if (t) adler = adler32_combine(adler, job[t].adler,
                                       (z_off_t)((job[t].y1 - job[t].y0) * rowlen));
    }
    size_t nchunks = (size_t)idat_count(zlen);
    size_t total = 8 + 25 + nchunks * 12 + zlen + 12;
    uint8_t *png = malloc(total);
    if (!png) { rc = holo_seterr(err, HOLO_ENOMEM, "png: out of memory"); goto out; }
    uint8_t *idat = png_head(png, w, h);
    int flevel = level <= 1 ? 0 : level <= 5 ? 1 : level == 6 ? 2 : 3;
    uint8_t zh[2] = { 0x78, (uint8_t)(flevel << 6) };
    zh[1] = (uint8_t)(zh[1] + 31 - (0x7800 + zh[1]) % 31);
    uint8_t a[4];
    holo_wr32(a, (uint32_t)adler);
    /* The zlib stream is header + segments + Adler-32: cut it into IDAT chunks, copying and
     * CRC-ing ranges of chunks in parallel (each chunk's CRC covers only its own bytes). */
    idat_piece pieces[16 + 2];
    size_t np = 0;
    pieces[np++] = (idat_piece){ zh, 2 };
    for (int t = 0; t < threads; t++) pieces[np++] = (idat_piece){ job[t].z, job[t].zlen };
    pieces[np++] = (idat_piece){ a, 4 };
    idat_job ij[16];
    int ithreads = nchunks < (size_t)threads ? (int)nchunks : threads;
    for (int t = 0; t < ithreads; t++) {
        ij[t] = (idat_job){ .pieces = pieces, .np = np, .out = idat, .zlen = zlen,
                            .c0 = nchunks * t / ithreads, .c1 = nchunks * (t + 1) / ithreads };
    }
    par_for((unsigned)ithreads, (unsigned)ithreads, idat_one, ij);
    uint8_t *end = png_tail(idat + nchunks * 12 + zlen);
    *out = png;
    *outlen = (size_t)(end - png);
out:
    for (int t = 0; t < threads; t++) free(job[t].z);
    return rc;
}

/* Defaults chosen with bench/bench_image: see the table in bench/bench_image.sh. */
#define FAST_LEVEL 1
#define FAST_FILTER 2
#define FAST_STRATEGY Z_RLE

int holo_png_encode_fast(const uint8_t *rgb, uint32_t w, uint32_t h, int threads,
                         uint8_t **out, size_t *outlen, holo_err *err)
{
    return holo_png_encode_zs(rgb, w, h, FAST_LEVEL, FAST_FILTER, FAST_STRATEGY, threads, out,
                              outlen, err);
}

/* ---- JPEG and PPM writers -------------------------------------------------------------- */
int holo_jpeg_encode(const uint8_t *rgb, uint32_t w, uint32_t h, int quality, uint8_t **out,
                     size_t *outlen, holo_err *err)
{
    *out = NULL;
    *outlen = 0;
    int rc = check_dims(w, h, "jpeg", err);
    if (rc) return rc;
    if (w > 65500 || h > 65500)
        return holo_seterr(err, HOLO_EUNSUPPORTED, "jpeg: %ux%u exceeds the JPEG size limit",
                           w, h);
    struct jpeg_compress_struct cinfo;
    jerr je;
    unsigned char *m = NULL;   /* address taken: lives in memory across longjmp */
    unsigned long memlen = 0;
    cinfo.err = jpeg_std_error(&je.pub);
    je.pub.error_exit = jpeg_on_error;
    je.pub.output_message = jpeg_silent;
    if (setjmp(je.jb)) {
        char msg[JMSG_LENGTH_MAX];
        je.pub.format_message((j_common_ptr)&cinfo, msg);
        jpeg_destroy_compress(&cinfo);
        free(m);
        return holo_seterr(err, HOLO_ENOMEM, "jpeg: %s", msg);
    }
    jpeg_create_compress(&cinfo);
    jpeg_mem_dest(&cinfo, &m, &memlen);
    cinfo.image_width = w;
    cinfo.image_height = h;
    cinfo.input_components = 3;
    cinfo.in_color_space = JCS_RGB;
    jpeg_set_defaults(&cinfo);
    jpeg_set_quality(&cinfo, quality, TRUE);
    jpeg_start_compress(&cinfo, TRUE);
    size_t stride = (size_t)w * 3;
    while (cinfo.next_scanline < cinfo.image_height) {
        JSAMPROW row = (JSAMPROW)(rgb + stride * cinfo.next_scanline);
        jpeg_write_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_compress(&cinfo);
    jpeg_destroy_compress(&cinfo);
    *out = m;
    *outlen = memlen;
    return 0;
}

static int ppm_header(uint32_t w, uint32_t h, char hdr[40])
{
    return snprintf(hdr, 40, "P6\n%u %u\n255\n", w, h);
}

static int pgm_header(uint32_t w, uint32_t h, char hdr[40])
{
    return snprintf(hdr, 40, "P5\n%u %u\n255\n", w, h);
}

uint64_t holo_pgm_size(uint32_t w, uint32_t h)
{
    char hdr[40];
    return (uint64_t)pgm_header(w, h, hdr) + (uint64_t)w * h;
}

int holo_pgm_encode(const uint8_t *rgb, uint32_t w, uint32_t h, uint8_t **out, size_t *outlen,
                    holo_err *err)
{
    *out = NULL;
    *outlen = 0;
    int rc = check_dims(w, h, "pgm", err);
    if (rc) return rc;
    char hdr[40];
    size_t hl = (size_t)pgm_header(w, h, hdr), n = (size_t)w * h;
    uint8_t *p = malloc(hl + n);
    if (!p) return holo_seterr(err, HOLO_ENOMEM, "pgm: out of memory");
    memcpy(p, hdr, hl);
    for (size_t i = 0; i < n; i++) p[hl + i] = rgb[3 * i];
    *out = p;
    *outlen = hl + n;
    return 0;
}

uint64_t holo_ppm_size(uint32_t w, uint32_t h)
{
    char hdr[40];
    return (uint64_t)ppm_header(w, h, hdr) + (uint64_t)w * h * 3;
}

int holo_ppm_encode(const uint8_t *rgb, uint32_t w, uint32_t h, uint8_t **out, size_t *outlen,
                    holo_err *err)
{
    *out = NULL;
    *outlen = 0;
    int rc = check_dims(w, h, "ppm", err);
    if (rc) return rc;
    char hdr[40];
    size_t hl = (size_t)ppm_header(w, h, hdr), n = (size_t)w * h * 3;
    uint8_t *p = malloc(hl + n);
    if (!p) return holo_seterr(err, HOLO_ENOMEM, "ppm: out of memory");
    memcpy(p, hdr, hl);
    memcpy(p + hl, rgb, n);
    *out = p;
    *outlen = hl + n;
    return 0;
}
