/* jpeg_testutil.h — JPEG material for the tests and tools of the HO4J codec: files made with
 * libjpeg in memory (any sampling, progressive, restarts, markers, sizes) and libjpeg's own
 * coefficient decode to cross-check ours. Header-only: each test program includes it once. */
#ifndef HOLO_JPEG_TESTUTIL_H
#define HOLO_JPEG_TESTUTIL_H

#include <stdio.h>
#include <jpeglib.h>
#include <math.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include "v4_container.h"
#include "v4_jpeg.h"

typedef struct jt_opts {
    unsigned w, h;
    int grey, quality, progressive, optimize, arith;
    int hs, vs;                 /* luma sampling factors (chroma 1x1): 2,2 = 4:2:0 */
    int restart;                /* restart interval in MCUs */
    int exif, icc, com;         /* extra marker segments */
    uint32_t seed;
} jt_opts;

/* A photo-like picture: smooth shading, edges, texture and mild noise. */
static inline uint8_t *jt_picture(unsigned w, unsigned h, int ch, uint32_t seed)
{
    uint8_t *p = malloc((size_t)w * h * ch + 1);
    uint32_t r = seed * 2654435761u + 1;
    for (unsigned y = 0; y < h; y++)
        for (unsigned x = 0; x < w; x++)
            for (int c = 0; c < ch; c++) {
                double fx = (double)x / 97, fy = (double)y / 61;
                r = r * 1664525u + 1013904223u;
                double v = 120 + 70 * sin(fx + 2 * c) * cos(fy) + 30 * sin(fx * fy / 7)
                         + ((x / 23 + y / 17) % 3 == 0 ? 35 : 0) + (double)(r >> 28) - 8;
                p[((size_t)y * w + x) * ch + c] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
            }
    return p;
}

struct jt_errmgr {
    struct jpeg_error_mgr pub;
    jmp_buf jb;
};
static inline void jt_error_exit(j_common_ptr ci) { longjmp(((struct jt_errmgr *)ci->err)->jb, 1); }
static inline void jt_silent(j_common_ptr ci, int lvl) { (void)ci; (void)lvl; }

/* Compress per o into a malloc'd buffer; NULL on failure. */
static inline uint8_t *jt_make(const jt_opts *o, size_t *len)
{
    int ch = o->grey ? 1 : 3;
    uint8_t *pix = jt_picture(o->w, o->h, ch, o->seed);
    struct jpeg_compress_struct ci;
    struct jt_errmgr em;
    unsigned char *out = NULL;
    unsigned long outlen = 0;
    ci.err = jpeg_std_error(&em.pub);
    em.pub.error_exit = jt_error_exit;
    if (setjmp(em.jb)) {
        jpeg_destroy_compress(&ci);
        free(pix);
        free(out);
        return NULL;
    }
    jpeg_create_compress(&ci);
    jpeg_mem_dest(&ci, &out, &outlen);
    ci.image_width = o->w;
    ci.image_height = o->h;
    ci.input_components = ch;
    ci.in_color_space = o->grey ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_set_defaults(&ci);
    jpeg_set_quality(&ci, o->quality ? o->quality : 85, TRUE);
    if (!o->grey && o->hs) {
        ci.comp_info[0].h_samp_factor = o->hs;
        ci.comp_info[0].v_samp_factor = o->vs;
    }
    if (o->progressive)
        jpeg_simple_progression(&ci);
    ci.optimize_coding = o->optimize ? TRUE : FALSE;
    ci.arith_code = o->arith ? TRUE : FALSE;
    ci.restart_interval = (unsigned)o->restart;
    jpeg_start_compress(&ci, TRUE);
    if (o->exif) {
        uint8_t exif[300] = "Exif\0\0MM\0*\0\0\0\x08";
        for (int i = 14; i < 300; i++)
            exif[i] = (uint8_t)(i * 7);
        jpeg_write_marker(&ci, JPEG_APP0 + 1, exif, sizeof exif);
    }
    if (o->icc) {
        uint8_t icc[600];
        memset(icc, 0x5A, sizeof icc);
        memcpy(icc, "ICC_PROFILE\0\x01\x01", 14);
        jpeg_write_marker(&ci, JPEG_APP0 + 2, icc, sizeof icc);
    }
    if (o->com)
        jpeg_write_marker(&ci, JPEG_COM, (const JOCTET *)"holo test", 9);
    while (ci.next_scanline < ci.image_height) {
        JSAMPROW row = pix + (size_t)ci.next_scanline * o->w * ch;
        jpeg_write_scanlines(&ci, &row, 1);
    }
    jpeg_finish_compress(&ci);
    jpeg_destroy_compress(&ci);
    free(pix);
    uint8_t *res = malloc(outlen);
    memcpy(res, out, outlen);
    free(out);
    *len = outlen;
    return res;
}

/* Compare our coefficients with jpeg_read_coefficients' over every block libjpeg decodes.
 * Returns 1 when identical; *why names the first difference. */
static inline int jt_same_as_libjpeg(const uint8_t *buf, size_t len, const v4j_jpeg *j, char *why,
                              size_t whylen)
{
    struct jpeg_decompress_struct ci;
    struct jt_errmgr em;
    ci.err = jpeg_std_error(&em.pub);
    em.pub.error_exit = jt_error_exit;
    em.pub.emit_message = jt_silent;
    if (setjmp(em.jb)) {
        snprintf(why, whylen, "libjpeg refused the file");
        jpeg_destroy_decompress(&ci);
        return 0;
    }
    jpeg_create_decompress(&ci);
    jpeg_mem_src(&ci, buf, len);
    jpeg_read_header(&ci, TRUE);
    jvirt_barray_ptr *arr = jpeg_read_coefficients(&ci);
    int same = ci.num_components == j->ncomp;
    if (!same)
        snprintf(why, whylen, "component count");
    for (int c = 0; same && c < ci.num_components; c++) {
        jpeg_component_info *k = &ci.comp_info[c];
        const v4j_comp *m = &j->comp[c];
        if (k->width_in_blocks != m->wb || k->height_in_blocks != m->hb) {
            snprintf(why, whylen, "component %d: %ux%u blocks, libjpeg %ux%u", c, m->wb, m->hb,
                     k->width_in_blocks, k->height_in_blocks);
            same = 0;
            break;
        }
        /* interleaved frames decode the MCU padding too */
        unsigned bw = j->ncomp > 1 ? m->bw : m->wb, bh = j->ncomp > 1 ? m->bh : m->hb;
        for (unsigned by = 0; same && by < bh; by++) {
            JBLOCKARRAY row = (*ci.mem->access_virt_barray)((j_common_ptr)&ci, arr[c], by, 1,
                                                           FALSE);
            for (unsigned bx = 0; same && bx < bw; bx++)
                for (int z = 0; z < 64; z++)
                    if (row[0][bx][v4j_natural[z]] != m->coef[((size_t)by * m->bw + bx) * 64 + z]) {
                        snprintf(why, whylen, "component %d block %u,%u zig-zag %d: %d vs %d", c,
                                 bx, by, z, m->coef[((size_t)by * m->bw + bx) * 64 + z],
                                 row[0][bx][v4j_natural[z]]);
                        same = 0;
                        break;
                    }
        }
    }
    jpeg_finish_decompress(&ci);
    jpeg_destroy_decompress(&ci);
    return same;
}

/* Pixels of a JPEG as libjpeg decodes it (default settings); NULL if it cannot. */
static inline uint8_t *jt_pixels(const uint8_t *buf, size_t len, unsigned *w, unsigned *h, int *ch)
{
    struct jpeg_decompress_struct ci;
    struct jt_errmgr em;
    uint8_t *volatile px = NULL;
    ci.err = jpeg_std_error(&em.pub);
    em.pub.error_exit = jt_error_exit;
    em.pub.emit_message = jt_silent;
    if (setjmp(em.jb)) {
        jpeg_destroy_decompress(&ci);
        free(px);
        return NULL;
    }
    jpeg_create_decompress(&ci);
    jpeg_mem_src(&ci, buf, len);
    jpeg_read_header(&ci, TRUE);
    jpeg_start_decompress(&ci);
    *w = ci.output_width;
    *h = ci.output_height;
    *ch = ci.output_components;
    size_t stride = (size_t)*w * *ch;
    px = malloc(stride * *h + 1);
    while (ci.output_scanline < ci.output_height) {
        JSAMPROW row = px + stride * ci.output_scanline;
        jpeg_read_scanlines(&ci, &row, 1);
    }
    jpeg_finish_decompress(&ci);
    jpeg_destroy_decompress(&ci);
    return px;
}

/* PSNR of JPEG b against JPEG a, both decoded by libjpeg; -1 when b does not decode to a
 * picture of a's size. */
static inline double jt_psnr(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    unsigned w1 = 0, h1 = 0, w2 = 0, h2 = 0;
    int c1 = 0, c2 = 0;
    uint8_t *p = jt_pixels(a, alen, &w1, &h1, &c1), *q = p ? jt_pixels(b, blen, &w2, &h2, &c2) : NULL;
    double r = -1;
    if (q && w1 == w2 && h1 == h2 && c1 == c2) {
        double se = 0;
        size_t n = (size_t)w1 * h1 * c1;
        for (size_t i = 0; i < n; i++)
            se += ((double)p[i] - q[i]) * ((double)p[i] - q[i]);
        r = se == 0 ? 99.0 : 10 * log10(255.0 * 255.0 * (double)n / se);
    }
    free(p);
    free(q);
    return r;
}

#endif
