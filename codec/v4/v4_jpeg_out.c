/* v4_jpeg_out.c — coefficient planes into a JPEG file by libjpeg (jpeg_write_coefficients):
 * the output of a partial HO4J decode whose coefficients the original Huffman tables cannot
 * code, or whose recipe is missing. Baseline, optimised Huffman tables, the original
 * quantisation tables and sampling; the original APPn/COM segments when the recipe is there. */
#include "v4_jpeg.h"
#include "internal.h"
#include <stdio.h>
#include <jpeglib.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

struct errjmp {
    struct jpeg_error_mgr pub;
    jmp_buf jb;
};

static void on_error(j_common_ptr ci)
{
    longjmp(((struct errjmp *)ci->err)->jb, 1);
}

/* Copy every APPn and COM segment of the recipe's first piece, in order. */
static void copy_markers(j_compress_ptr ci, const v4j_jpeg *r)
{
    size_t p = 2, end = r->piece_end[0];
    while (p + 4 <= end) {
        while (p + 1 < end && r->hdr[p] == 0xFF && r->hdr[p + 1] == 0xFF)
            p++;
        uint8_t m = r->hdr[p + 1];
        size_t L = (size_t)r->hdr[p + 2] << 8 | r->hdr[p + 3];
        if (L < 2 || p + 2 + L > end)
            break;
        if ((m >= 0xE0 && m <= 0xEF) || m == 0xFE)
            jpeg_write_marker(ci, m, r->hdr + p + 4, (unsigned)(L - 2));
        p += 2 + L;
    }
}

int v4j_write_libjpeg(const v4j_jpeg *j, const v4j_jpeg *markers, uint8_t **out, size_t *len,
                      holo_err *err)
{
    struct jpeg_compress_struct ci;
    struct errjmp em;
    unsigned char *mem = NULL;
    unsigned long memlen = 0;
    *out = NULL;
    *len = 0;
    ci.err = jpeg_std_error(&em.pub);
    em.pub.error_exit = on_error;
    if (setjmp(em.jb)) {
        char msg[JMSG_LENGTH_MAX];
        (*ci.err->format_message)((j_common_ptr)&ci, msg);
        jpeg_destroy_compress(&ci);
        free(mem);
        return holo_seterr(err, HOLO_EINVAL, "HO4J: libjpeg: %s", msg);
    }
    jpeg_create_compress(&ci);
    jpeg_mem_dest(&ci, &mem, &memlen);
    ci.image_width = j->width;
    ci.image_height = j->height;
    ci.input_components = j->ncomp;
    ci.in_color_space = j->ncomp == 1 ? JCS_GRAYSCALE : j->ncomp == 3 ? JCS_YCbCr : JCS_CMYK;
    jpeg_set_defaults(&ci);
    jpeg_set_colorspace(&ci, ci.in_color_space);
    ci.optimize_coding = TRUE;
    if (markers)
        ci.write_JFIF_header = FALSE;
    jvirt_barray_ptr arrays[V4J_MAX_COMP];
    for (int c = 0; c < j->ncomp; c++) {
        const v4j_comp *k = &j->comp[c];
        jpeg_component_info *ki = &ci.comp_info[c];
        ki->component_id = k->id;
        ki->h_samp_factor = k->h;
        ki->v_samp_factor = k->v;
        ki->quant_tbl_no = k->tq;
        if (!ci.quant_tbl_ptrs[k->tq])
            ci.quant_tbl_ptrs[k->tq] = jpeg_alloc_quant_table((j_common_ptr)&ci);
        for (int z = 0; z < 64; z++)
            ci.quant_tbl_ptrs[k->tq]->quantval[v4j_natural[z]] =
                (UINT16)(j->qt[k->tq][z] ? j->qt[k->tq][z] : 1);
        arrays[c] = (*ci.mem->request_virt_barray)((j_common_ptr)&ci, JPOOL_IMAGE, TRUE, k->bw,
                                                   k->bh, k->v);
    }
    (*ci.mem->realize_virt_arrays)((j_common_ptr)&ci);
    for (int c = 0; c < j->ncomp; c++) {
        const v4j_comp *k = &j->comp[c];
        for (uint32_t by = 0; by < k->bh; by++) {
            JBLOCKARRAY row = (*ci.mem->access_virt_barray)((j_common_ptr)&ci, arrays[c], by, 1,
                                                           TRUE);
            for (uint32_t bx = 0; bx < k->bw; bx++) {
                const int16_t *b = k->coef + ((size_t)by * k->bw + bx) * 64;
                for (int z = 0; z < 64; z++)
                    row[0][bx][v4j_natural[z]] = b[z];
            }
        }
    }
    jpeg_write_coefficients(&ci, arrays);
    if (markers)
        copy_markers(&ci, markers);
    jpeg_finish_compress(&ci);
    jpeg_destroy_compress(&ci);
    *out = malloc(memlen ? memlen : 1);
    if (!*out) {
        free(mem);
        return holo_seterr(err, HOLO_ENOMEM, "HO4J: out of memory");
    }
    memcpy(*out, mem, memlen);
    *len = memlen;
    free(mem);
    return 0;
}
