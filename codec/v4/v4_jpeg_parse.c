/* v4_jpeg_parse.c — a JPEG file into quantized DCT coefficients and the recipe that rebuilds
 * it. Our own Huffman decoder (not libjpeg's): exact rebuilding needs to know where every
 * entropy-coded segment ends and which bits pad it, which a decoding library hides. Anything
 * the rebuild could not reproduce (bytes after the last code of a segment, a restart marker
 * out of sequence, missing codes) is refused here rather than guessed. */
#include "v4_jpeg.h"
#include "internal.h"
#include <stdlib.h>
#include <string.h>

/* Bits of one destuffed entropy-coded segment, MSB first. Reading past the end feeds zeros
 * and counts them, so a decoder needing bits that are not there is noticed afterwards. */
typedef struct bitreader {
    const uint8_t *b;
    size_t n, idx;
    uint64_t acc;              /* left-aligned */
    int nacc;
    size_t over;               /* zero bytes fed past the end */
} bitreader;

static void br_fill(bitreader *r)
{
    while (r->nacc <= 56) {
        uint64_t byte = 0;
        if (r->idx < r->n)
            byte = r->b[r->idx++];
        else
            r->over++;
        r->acc |= byte << (56 - r->nacc);
        r->nacc += 8;
    }
}

static inline uint32_t br_bits(bitreader *r, int k)
{
    if (k == 0)
        return 0;
    if (r->nacc < k)
        br_fill(r);
    uint32_t v = (uint32_t)(r->acc >> (64 - k));
    r->acc <<= k;
    r->nacc -= k;
    return v;
}

static size_t br_consumed(const bitreader *r) { return (r->idx + r->over) * 8 - (size_t)r->nacc; }

/* One Huffman symbol, or -1 for a code the table does not have. */
static inline int huff_decode(bitreader *r, const v4j_huff *h)
{
    if (r->nacc < 16)
        br_fill(r);
    uint16_t e = h->look[r->acc >> 56];
    if (e) {
        r->acc <<= e >> 8;
        r->nacc -= e >> 8;
        return e & 0xFF;
    }
    for (int l = 9; l <= 16; l++) {
        int32_t c = (int32_t)(r->acc >> (64 - l));
        if (c <= h->maxcode[l]) {
            r->acc <<= l;
            r->nacc -= l;
            return h->vals[c + h->valoff[l]];
        }
    }
    return -1;
}

/* T.81 F.2.2.1 EXTEND: s bits v to a signed value. */
static inline int32_t extend(uint32_t v, int s)
{
    return s && v < (1u << (s - 1)) ? (int32_t)v - (int32_t)(1u << s) + 1 : (int32_t)v;
}

typedef struct scanstate {
    int32_t pred[V4J_MAX_COMP];
    uint32_t eobrun;
} scanstate;

#define FAIL(msg) do { *why = msg; return -1; } while (0)

static int block_sequential(bitreader *r, const v4j_huff *dc, const v4j_huff *ac, int16_t *b,
                            int32_t *pred, const char **why)
{
    int s = huff_decode(r, dc);
    if (s < 0 || s > 15)
        FAIL("bad Huffman code");
    int32_t v = *pred + extend(br_bits(r, s), s);
    if (v < -32768 || v > 32767)
        FAIL("DC coefficient out of range");
    *pred = v;
    b[0] = (int16_t)v;
    for (int k = 1; k < 64; k++) {
        int rs = huff_decode(r, ac);
        if (rs < 0)
            FAIL("bad Huffman code");
        int run = rs >> 4, sz = rs & 15;
        if (sz == 0) {
            if (run != 15)
                break;
            k += 15;
            continue;
        }
        k += run;
        if (k > 63)
            FAIL("AC coefficients past the end of a block");
        b[k] = (int16_t)extend(br_bits(r, sz), sz);
    }
    return 0;
}

static int block_dc_first(bitreader *r, const v4j_huff *dc, int al, int16_t *b, int32_t *pred,
                          const char **why)
{
    int s = huff_decode(r, dc);
    if (s < 0 || s > 15)
        FAIL("bad Huffman code");
    int32_t v = *pred + extend(br_bits(r, s), s);
    int64_t shifted = (int64_t)v * (1 << al);
    if (shifted < -32768 || shifted > 32767)
        FAIL("DC coefficient out of range");
    *pred = v;
    b[0] = (int16_t)shifted;
    return 0;
}

static int block_ac_first(bitreader *r, const v4j_huff *ac, const v4j_scan *s, int16_t *b,
                          uint32_t *eobrun, const char **why)
{
    if (*eobrun) {
        (*eobrun)--;
        return 0;
    }
    for (int k = s->ss; k <= s->se; k++) {
        int rs = huff_decode(r, ac);
        if (rs < 0)
            FAIL("bad Huffman code");
        int run = rs >> 4, sz = rs & 15;
        if (sz == 0) {
            if (run == 15) {
                k += 15;
                continue;
            }
            *eobrun = (1u << run) + br_bits(r, run) - 1;
            break;
        }
        k += run;
        if (k > s->se)
            FAIL("AC coefficients past the end of the band");
        int64_t v = (int64_t)extend(br_bits(r, sz), sz) * (1 << s->al);
        if (v < -32768 || v > 32767)
            FAIL("AC coefficient out of range");
        b[k] = (int16_t)v;
    }
    return 0;
}

/* Correction bit for an already non-zero coefficient (T.81 G.1.2.3). */
static inline void refine(bitreader *r, int16_t *c, int p1)
{
    if (br_bits(r, 1) && (*c & p1) == 0)
        *c = (int16_t)(*c >= 0 ? *c + p1 : *c - p1);
}

static int block_ac_refine(bitreader *r, const v4j_huff *ac, const v4j_scan *s, int16_t *b,
                           uint32_t *eobrun, const char **why)
{
    int p1 = 1 << s->al;
    int k = s->ss;
    if (*eobrun == 0) {
        for (; k <= s->se; k++) {
            int rs = huff_decode(r, ac);
            if (rs < 0)
                FAIL("bad Huffman code");
            int run = rs >> 4, sz = rs & 15, val = 0;
            if (sz) {
                if (sz != 1)
                    FAIL("bad refinement symbol");
                val = br_bits(r, 1) ? p1 : -p1;
            } else if (run != 15) {
                *eobrun = (1u << run) + br_bits(r, run);
                break;
            }
            for (; k <= s->se; k++) {
                if (b[k])
                    refine(r, &b[k], p1);
                else if (--run < 0)
                    break;
            }
            if (val) {
                if (k > s->se)
                    FAIL("AC coefficients past the end of the band");
                b[k] = (int16_t)val;
            }
        }
    }
    if (*eobrun) {              /* the rest of the band: a correction bit per non-zero */
        for (uint64_t m = k <= s->se ? v4j_nonzero_mask(b, k, s->se) : 0; m; m &= m - 1)
            refine(r, &b[__builtin_ctzll(m)], p1);
        (*eobrun)--;
    }
    return 0;
}

static int decode_mcu(bitreader *r, const v4j_jpeg *j, const v4j_tables *t, const v4j_scan *s,
                      uint32_t m, scanstate *st, const char **why)
{
    int16_t *blk[V4J_MAX_BLOCKS_PER_MCU];
    uint8_t sc[V4J_MAX_BLOCKS_PER_MCU];
    int nb = v4j_mcu_blocks(j, s, m, blk, sc);
    for (int i = 0; i < nb; i++) {
        const v4j_huff *dc = &t->dc[s->td[sc[i]]], *ac = &t->ac[s->ta[sc[i]]];
        int rc;
        if (j->sof != 0xC2)
            rc = block_sequential(r, dc, ac, blk[i], &st->pred[sc[i]], why);
        else if (s->ss == 0 && s->ah == 0)
            rc = block_dc_first(r, dc, s->al, blk[i], &st->pred[sc[i]], why);
        else if (s->ss == 0) {
            if (br_bits(r, 1))
                blk[i][0] |= (int16_t)(1 << s->al);
            rc = 0;
        } else if (s->ah == 0)
            rc = block_ac_first(r, ac, s, blk[i], &st->eobrun, why);
        else
            rc = block_ac_refine(r, ac, s, blk[i], &st->eobrun, why);
        if (rc)
            return rc;
    }
    return 0;
}

typedef struct padlist {
    v4j_pad *v;
    uint32_t n, cap;
} padlist;

static int pad_add(padlist *pl, uint32_t seg, uint8_t bits)
{
    if (pl->n == pl->cap) {
        uint32_t nc = pl->cap ? pl->cap * 2 : 16;
        v4j_pad *nv = realloc(pl->v, nc * sizeof *nv);
        if (!nv)
            return -1;
        pl->v = nv;
        pl->cap = nc;
    }
    pl->v[pl->n++] = (v4j_pad){ seg, bits };
    return 0;
}

/* Decode the entropy-coded data of one scan starting at buf[*pos]; *pos ends on the marker
 * that follows it. *segno counts segments over the file (for padding exceptions). */
static int decode_scan(v4j_jpeg *j, const v4j_tables *t, const v4j_scan *s, const uint8_t *buf,
                       size_t len, size_t *pos, uint32_t *segno, padlist *pads, uint8_t *scratch,
                       holo_err *err)
{
    uint32_t nmcu = v4j_scan_mcus(j, s), ri = t->restart ? t->restart : nmcu;
    uint32_t nseg = (nmcu + ri - 1) / ri;
    size_t p = *pos;
    for (uint32_t g = 0; g < nseg; g++) {
        /* the segment runs to the first 0xFF not followed by a stuffed zero */
        size_t n = 0, e = p;
        while (e < len) {
            if (buf[e] == 0xFF) {
                if (e + 1 < len && buf[e + 1] == 0x00) {
                    scratch[n++] = 0xFF;
                    e += 2;
                    continue;
                }
                break;
            }
            scratch[n++] = buf[e++];
        }
        if (e + 1 >= len)
            return holo_seterr(err, HOLO_EINVAL, "JPEG: truncated scan data");
        bitreader r = { scratch, n, 0, 0, 0, 0 };
        scanstate st = { { 0 }, 0 };
        const char *why = NULL;
        uint32_t m_end = g + 1 == nseg ? nmcu : (g + 1) * ri;
        for (uint32_t m = g * ri; m < m_end; m++)
            if (decode_mcu(&r, j, t, s, m, &st, &why))
                return holo_seterr(err, HOLO_EINVAL, "JPEG: %s", why);
        if (st.eobrun)
            return holo_seterr(err, HOLO_EUNSUPPORTED,
                               "not reproducible: EOB run crosses a segment end");
        size_t bits = br_consumed(&r);
        if (bits > n * 8)
            return holo_seterr(err, HOLO_EINVAL, "JPEG: truncated scan data");
        if ((bits + 7) / 8 != n)
            return holo_seterr(err, HOLO_EUNSUPPORTED,
                               "not reproducible: extra bytes after the codes of a segment");
        int padn = (int)(n * 8 - bits);
        if (padn) {
            uint8_t v = scratch[n - 1] & ((1u << padn) - 1);
            if (v != (1u << padn) - 1 && pad_add(pads, *segno, v))
                return holo_seterr(err, HOLO_ENOMEM, "JPEG: out of memory");
        }
        (*segno)++;
        if (g + 1 < nseg) {
            if (buf[e + 1] != 0xD0 + g % 8)
                return holo_seterr(err, HOLO_EINVAL, "JPEG: restart marker missing or out of "
                                   "sequence");
            e += 2;
        }
        p = e;
    }
    *pos = p;
    return 0;
}

static int append(uint8_t **v, size_t *n, size_t *cap, const uint8_t *src, size_t k)
{
    if (*n + k > *cap) {
        size_t nc = (*n + k) * 2 + 256;
        uint8_t *nv = realloc(*v, nc);
        if (!nv)
            return -1;
        *v = nv;
        *cap = nc;
    }
    memcpy(*v + *n, src, k);
    *n += k;
    return 0;
}

int v4j_parse(const uint8_t *buf, size_t len, v4j_jpeg *j, holo_err *err)
{
    memset(j, 0, sizeof *j);
    if (len < 4 || buf[0] != 0xFF || buf[1] != 0xD8)
        return holo_seterr(err, HOLO_EINVAL, "JPEG: no SOI marker");
    if (len > UINT32_MAX)
        return holo_seterr(err, HOLO_EUNSUPPORTED, "JPEG: file over 4 GiB");
    v4j_tables *t = calloc(1, sizeof *t);
    uint8_t *scratch = malloc(len);
    padlist pads = { 0 };
    size_t cap = 0, pos = 2, piece = 0, ends_cap = 0;
    uint32_t segno = 0;
    int rc = !t || !scratch ? holo_seterr(err, HOLO_ENOMEM, "JPEG: out of memory") : 0;
    if (t)
        t->alloc_planes = 1;
    while (rc == 0) {
        v4j_scan s;
        int r = v4j_walk_markers(j, t, buf, len, &pos, &s, err);
        if (r < 0) {
            rc = r;
            break;
        }
        if (j->nscans + 1 >= ends_cap) {
            ends_cap = ends_cap ? ends_cap * 2 : 16;
            uint32_t *ne = realloc(j->piece_end, ends_cap * sizeof *ne);
            if (!ne) {
                rc = holo_seterr(err, HOLO_ENOMEM, "JPEG: out of memory");
                break;
            }
            j->piece_end = ne;
        }
        if (r == 0) {                           /* EOI: the rest, trailing data too */
            if (j->nscans == 0) {
                rc = holo_seterr(err, HOLO_EINVAL, "JPEG: no scan");
                break;
            }
            if (append(&j->hdr, &j->hdr_len, &cap, buf + piece, len - piece))
                rc = holo_seterr(err, HOLO_ENOMEM, "JPEG: out of memory");
            j->piece_end[j->nscans] = (uint32_t)j->hdr_len;
            break;
        }
        if (j->nscans >= V4J_MAX_SCANS) {
            rc = holo_seterr(err, HOLO_EUNSUPPORTED, "JPEG: more than %d scans", V4J_MAX_SCANS);
            break;
        }
        if (append(&j->hdr, &j->hdr_len, &cap, buf + piece, pos - piece)) {
            rc = holo_seterr(err, HOLO_ENOMEM, "JPEG: out of memory");
            break;
        }
        j->piece_end[j->nscans++] = (uint32_t)j->hdr_len;
        rc = decode_scan(j, t, &s, buf, len, &pos, &segno, &pads, scratch, err);
        piece = pos;
    }
    j->pad = pads.v;
    j->npad = pads.n;
    free(t);
    free(scratch);
    if (rc)
        v4j_free(j);
    return rc;
}

void v4j_dc_gather(v4j_jpeg *j)
{
    for (int c = 0; c < j->ncomp; c++) {
        v4j_comp *k = &j->comp[c];
        size_t nb = (size_t)k->bw * k->bh;
        free(k->dc);
        if (!k->coef || !(k->dc = malloc(nb * sizeof *k->dc + 1)))
            continue;
        for (size_t b = 0; b < nb; b++)
            k->dc[b] = k->coef[b * 64];
    }
}

static void exact_check(void *arg)
{
    v4j_exact *x = arg;
    uint8_t *back = NULL;
    size_t blen = 0;
    x->rc = v4j_rebuild(x->j, &back, &blen, &x->err);
    if (x->rc == 0 && (blen != x->len || memcmp(back, x->buf, x->len))) {
        size_t at = 0;
        while (at < x->len && at < blen && back[at] == x->buf[at])
            at++;
        x->rc = holo_seterr(&x->err, HOLO_EUNSUPPORTED,
                            "not reproducible: the rebuilt file differs at byte %zu of %zu", at,
                            x->len);
    }
    free(back);
}

void v4j_exact_start(v4j_exact *x, const v4j_jpeg *j, const uint8_t *buf, size_t len)
{
    memset(x, 0, sizeof *x);
    x->j = j;
    x->buf = buf;
    x->len = len;
    v4j_bg_start(&x->bg, exact_check, x);
}

int v4j_exact_finish(v4j_exact *x, holo_err *err)
{
    v4j_bg_join(&x->bg);
    if (x->rc && err)
        *err = x->err;
    return x->rc;
}

int v4j_parse_exact(const uint8_t *buf, size_t len, v4j_jpeg *j, holo_err *err)
{
    int rc = v4j_parse(buf, len, j, err);
    if (rc)
        return rc;
    v4j_exact x = { .j = j, .buf = buf, .len = len };
    exact_check(&x);
    rc = v4j_exact_finish(&x, err);
    if (rc)
        v4j_free(j);
    return rc;
}
