/* v4_jpeg_markers.c — the marker segments of a JPEG (ITU T.81 B.2): frame, Huffman and
 * quantisation tables, restart interval, scan headers. Parsing a file and rebuilding one from
 * a recipe walk the same segments through this code, so both see the same tables. */
#include "v4_jpeg.h"
#include "internal.h"
#include <stdlib.h>
#include <string.h>

const uint8_t v4j_natural[64] = {
     0,  1,  8, 16,  9,  2,  3, 10, 17, 24, 32, 25, 18, 11,  4,  5,
    12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13,  6,  7, 14, 21, 28,
    35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51,
    58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
};

const uint8_t v4j_natural_inv[64] = {
     0,  1,  5,  6, 14, 15, 27, 28,  2,  4,  7, 13, 16, 26, 29, 42,
     3,  8, 12, 17, 25, 30, 41, 43,  9, 11, 18, 24, 31, 40, 44, 53,
    10, 19, 23, 32, 39, 45, 52, 54, 20, 22, 33, 38, 46, 51, 55, 60,
    21, 34, 37, 47, 50, 56, 59, 61, 35, 36, 48, 49, 57, 58, 62, 63,
};

static int bad(holo_err *err, const char *why)
{
    return holo_seterr(err, HOLO_EINVAL, "JPEG: %s", why);
}
static int unsupported(holo_err *err, const char *why)
{
    return holo_seterr(err, HOLO_EUNSUPPORTED, "JPEG: %s", why);
}

static uint32_t rd16(const uint8_t *p) { return (uint32_t)p[0] << 8 | p[1]; }

/* Canonical codes (T.81 C.2) for decoding and encoding; a table whose codes overflow their
 * length is broken. */
static int huff_build(v4j_huff *h)
{
    uint32_t code = 0;
    int k = 0;
    memset(h->look, 0, sizeof h->look);
    memset(h->size, 0, sizeof h->size);
    for (int l = 1; l <= 16; l++) {
        h->valoff[l] = k - (int32_t)code;
        for (int i = 0; i < h->bits[l]; i++, k++, code++) {
            if (code >= (1u << l))   /* more codes than the length holds: broken table */
                return -1;
            uint8_t sym = h->vals[k];
            h->code[sym] = (uint16_t)code;
            h->size[sym] = (uint8_t)l;
            if (l <= 8)
                for (uint32_t x = code << (8 - l); x < (code + 1) << (8 - l); x++)
                    h->look[x] = (uint16_t)(l << 8 | sym);
        }
        h->maxcode[l] = h->bits[l] ? (int32_t)code - 1 : -1;
        if (code > (1u << l))
            return -1;
        code <<= 1;
    }
    h->maxcode[17] = 0x7FFFFFFF;
    h->defined = 1;
    return 0;
}

static int seg_dht(v4j_tables *t, const uint8_t *p, size_t n, holo_err *err)
{
    while (n > 0) {
        if (n < 17)
            return bad(err, "short DHT segment");
        int tc = p[0] >> 4, th = p[0] & 15;
        if (tc > 1 || th > 3)
            return bad(err, "bad Huffman table class or id");
        v4j_huff *h = tc ? &t->ac[th] : &t->dc[th];
        uint32_t count = 0;
        for (int l = 1; l <= 16; l++)
            count += h->bits[l] = p[l];
        if (count > 256 || n < 17 + count)
            return bad(err, "bad DHT segment length");
        h->nvals = (uint16_t)count;
        memcpy(h->vals, p + 17, count);
        if (huff_build(h))
            return bad(err, "bad Huffman table");
        p += 17 + count;
        n -= 17 + count;
    }
    return 0;
}

static int seg_dqt(v4j_jpeg *j, const uint8_t *p, size_t n, holo_err *err)
{
    while (n > 0) {
        int pq = p[0] >> 4, tq = p[0] & 15;
        size_t need = 1 + 64 * (size_t)(pq + 1);
        if (pq > 1 || tq > 3 || n < need)
            return bad(err, "bad DQT segment");
        for (int k = 0; k < 64; k++)
            j->qt[tq][k] = (uint16_t)(pq ? rd16(p + 1 + 2 * k) : p[1 + k]);
        p += need;
        n -= need;
    }
    return 0;
}

static uint32_t ceil_div(uint32_t a, uint32_t b) { return (a + b - 1) / b; }

static int seg_sof(v4j_jpeg *j, v4j_tables *t, int marker, const uint8_t *p, size_t n,
                   holo_err *err)
{
    if (t->have_frame)
        return bad(err, "more than one frame header");
    if (n < 6)
        return bad(err, "short SOF segment");
    if (p[0] != 8)
        return unsupported(err, "only 8-bit JPEGs are handled (this one has 12-bit samples)");
    j->sof = (uint8_t)marker;
    j->height = rd16(p + 1);
    j->width = rd16(p + 3);
    j->ncomp = p[5];
    if (j->height == 0)
        return unsupported(err, "height defined by a DNL marker");
    if (j->width == 0 || j->ncomp < 1 || j->ncomp > V4J_MAX_COMP || n != 6 + 3u * j->ncomp)
        return bad(err, "bad SOF segment");
    j->hmax = j->vmax = 1;
    for (int c = 0; c < j->ncomp; c++) {
        v4j_comp *k = &j->comp[c];
        k->id = p[6 + 3 * c];
        k->h = p[7 + 3 * c] >> 4;
        k->v = p[7 + 3 * c] & 15;
        k->tq = p[8 + 3 * c];
        if (k->h < 1 || k->h > 4 || k->v < 1 || k->v > 4 || k->tq > 3)
            return bad(err, "bad component sampling or table");
        for (int d = 0; d < c; d++)
            if (j->comp[d].id == k->id)
                return bad(err, "duplicate component id");
        if (k->h > j->hmax) j->hmax = k->h;
        if (k->v > j->vmax) j->vmax = k->v;
    }
    j->mcux = ceil_div(j->width, 8u * j->hmax);
    j->mcuy = ceil_div(j->height, 8u * j->vmax);
    uint64_t total = 0;
    for (int c = 0; c < j->ncomp; c++) {
        v4j_comp *k = &j->comp[c];
        k->wb = ceil_div(ceil_div(j->width * k->h, j->hmax), 8);
        k->hb = ceil_div(ceil_div(j->height * k->v, j->vmax), 8);
        k->bw = j->mcux * k->h;
        k->bh = j->mcuy * k->v;
        total += (uint64_t)k->bw * k->bh * 64;
    }
    if (total > V4J_MAX_COEFS)
        return holo_seterr(err, HOLO_ENOMEM, "JPEG: %ux%u is too large", j->width, j->height);
    for (int c = 0; c < j->ncomp && t->alloc_planes; c++) {
        v4j_comp *k = &j->comp[c];
        k->coef = calloc((size_t)k->bw * k->bh, 64 * sizeof *k->coef);
        if (!k->coef)
            return holo_seterr(err, HOLO_ENOMEM, "JPEG: out of memory");
    }
    t->have_frame = 1;
    return 0;
}

static int seg_sos(const v4j_jpeg *j, const v4j_tables *t, const uint8_t *p, size_t n,
                   v4j_scan *s, holo_err *err)
{
    if (!t->have_frame)
        return bad(err, "scan before the frame header");
    if (n < 1 || p[0] < 1 || p[0] > V4J_MAX_COMP || n != 4 + 2u * p[0])
        return bad(err, "bad SOS segment");
    s->ns = p[0];
    int last = -1, blocks = 0;
    for (int i = 0; i < s->ns; i++) {
        int c = 0;
        while (c < j->ncomp && j->comp[c].id != p[1 + 2 * i])
            c++;
        if (c == j->ncomp || c <= last)
            return bad(err, "scan component missing from the frame or out of order");
        last = c;
        s->comp[i] = (uint8_t)c;
        s->td[i] = p[2 + 2 * i] >> 4;
        s->ta[i] = p[2 + 2 * i] & 15;
        if (s->td[i] > 3 || s->ta[i] > 3)
            return bad(err, "bad Huffman table selector");
        blocks += j->comp[c].h * j->comp[c].v;
    }
    const uint8_t *q = p + 1 + 2 * s->ns;
    s->ss = q[0];
    s->se = q[1];
    s->ah = q[2] >> 4;
    s->al = q[2] & 15;
    if (s->ns > 1 && blocks > V4J_MAX_BLOCKS_PER_MCU)
        return bad(err, "too many blocks in an MCU");
    int need_dc, need_ac;
    if (j->sof != 0xC2) {
        if (s->ss != 0 || s->se != 63 || s->ah || s->al)
            return bad(err, "bad spectral selection in a sequential scan");
        need_dc = need_ac = 1;
    } else {
        if (s->ss == 0 ? s->se != 0 : (s->se < s->ss || s->se > 63 || s->ns != 1))
            return bad(err, "bad spectral selection in a progressive scan");
        if (s->al > 13 || (s->ah && s->ah != s->al + 1))
            return bad(err, "bad successive approximation");
        need_dc = s->ss == 0 && s->ah == 0;
        need_ac = s->ss > 0;
    }
    for (int i = 0; i < s->ns; i++)
        if ((need_dc && !t->dc[s->td[i]].defined) || (need_ac && !t->ac[s->ta[i]].defined))
            return bad(err, "scan uses an undefined Huffman table");
    return 0;
}

int v4j_walk_markers(v4j_jpeg *j, v4j_tables *t, const uint8_t *buf, size_t len, size_t *pos,
                     v4j_scan *scan, holo_err *err)
{
    size_t p = *pos;
    for (;;) {
        if (p >= len || buf[p] != 0xFF)
            return bad(err, p >= len ? "truncated (no EOI marker)" : "garbage between segments");
        while (p < len && buf[p] == 0xFF)    /* fill bytes may precede a marker */
            p++;
        if (p >= len)
            return bad(err, "truncated (no EOI marker)");
        int m = buf[p++];
        if (m == 0xD9) {
            *pos = p;
            return 0;
        }
        if (m == 0xD8 || m == 0x01 || (m >= 0xD0 && m <= 0xD7) || m == 0x00)
            return bad(err, "unexpected marker outside a scan");
        if (p + 2 > len)
            return bad(err, "truncated segment");
        size_t L = rd16(buf + p);
        if (L < 2 || p + L > len)
            return bad(err, "truncated segment");
        const uint8_t *seg = buf + p + 2;
        size_t n = L - 2;
        p += L;
        int rc = 0;
        switch (m) {
        case 0xC0: case 0xC1: case 0xC2:
            rc = seg_sof(j, t, m, seg, n, err);
            break;
        case 0xC3:
            return unsupported(err, "lossless JPEG (SOF3) is not handled");
        case 0xC5: case 0xC6: case 0xC7: case 0xDE: case 0xDF:
            return unsupported(err, "hierarchical JPEG is not handled");
        case 0xC9: case 0xCA: case 0xCB: case 0xCD: case 0xCE: case 0xCF: case 0xCC:
            return unsupported(err, "arithmetic-coded JPEG is not handled");
        case 0xDC:
            return unsupported(err, "DNL marker is not handled");
        case 0xC4:
            rc = seg_dht(t, seg, n, err);
            break;
        case 0xDB:
            rc = seg_dqt(j, seg, n, err);
            break;
        case 0xDD:
            if (n != 2)
                return bad(err, "bad DRI segment");
            t->restart = rd16(seg);
            break;
        case 0xDA:
            rc = seg_sos(j, t, seg, n, scan, err);
            if (rc == 0) {
                *pos = p;
                return 1;
            }
            break;
        default:                    /* APPn, COM and the rest: kept verbatim in the recipe */
            break;
        }
        if (rc)
            return rc;
    }
}

uint32_t v4j_scan_mcus(const v4j_jpeg *j, const v4j_scan *s)
{
    if (s->ns == 1) {
        const v4j_comp *k = &j->comp[s->comp[0]];
        return k->wb * k->hb;
    }
    return j->mcux * j->mcuy;
}

int v4j_mcu_blocks(const v4j_jpeg *j, const v4j_scan *s, uint32_t m,
                   int16_t *blk[V4J_MAX_BLOCKS_PER_MCU], uint8_t sc[V4J_MAX_BLOCKS_PER_MCU])
{
    if (s->ns == 1) {
        const v4j_comp *k = &j->comp[s->comp[0]];
        uint32_t bx = m % k->wb, by = m / k->wb;
        blk[0] = k->coef + ((size_t)by * k->bw + bx) * 64;
        sc[0] = 0;
        return 1;
    }
    uint32_t mx = m % j->mcux, my = m / j->mcux;
    int nb = 0;
    for (int i = 0; i < s->ns; i++) {
        const v4j_comp *k = &j->comp[s->comp[i]];
        for (int y = 0; y < k->v; y++)
            for (int x = 0; x < k->h; x++) {
                size_t bx = (size_t)mx * k->h + x, by = (size_t)my * k->v + y;
                blk[nb] = k->coef + (by * k->bw + bx) * 64;
                sc[nb++] = (uint8_t)i;
            }
    }
    return nb;
}

void v4j_free(v4j_jpeg *j)
{
    for (int c = 0; c < V4J_MAX_COMP; c++) {
        free(j->comp[c].coef);
        free(j->comp[c].dc);
    }
    free(j->hdr);
    free(j->piece_end);
    free(j->pad);
    memset(j, 0, sizeof *j);
}
