/* v4_jpeg_build.c — coefficients + recipe back into the JPEG file. The recipe's header bytes
 * are walked with the parser's own segment code (same tables, same restart interval); each
 * scan is Huffman-coded again the way libjpeg's encoders do it (jchuff.c sequential,
 * jcphuff.c progressive: EOB runs up to 0x7FFF, refinement runs flushed above 937 buffered
 * correction bits), padded with the recorded bits. Files of other encoders that choose
 * differently are caught by v4j_parse_exact's comparison. */
#include "v4_jpeg.h"
#include "internal.h"
#include <stdlib.h>
#include <string.h>

#define MAX_CORR_BITS 1000      /* jcphuff.c: correction bits buffered per EOB run */

typedef struct bitwriter {
    uint8_t *b;
    size_t n, cap;
    uint64_t acc;               /* pending bits, right-aligned */
    int nacc;                   /* < 32 between calls */
    int oom;
    int missing;                /* a symbol without a code */
} bitwriter;

/* Room for k more bytes. */
static int bw_reserve(bitwriter *w, size_t k)
{
    if (w->n + k <= w->cap)
        return 0;
    size_t nc = w->cap ? w->cap * 2 : 65536;
    while (nc < w->n + k)
        nc *= 2;
    uint8_t *nb = realloc(w->b, nc);
    if (!nb) {
        w->oom = 1;
        return -1;
    }
    w->b = nb;
    w->cap = nc;
    return 0;
}

static void bw_byte(bitwriter *w, uint8_t v)
{
    if (bw_reserve(w, 2))
        return;
    w->b[w->n++] = v;
    if (v == 0xFF)
        w->b[w->n++] = 0x00;
}

/* The 32 oldest pending bits out as 4 bytes; a byte 0xFF takes a stuffed zero after it. */
static void bw_out32(bitwriter *w)
{
    w->nacc -= 32;
    uint32_t v = (uint32_t)(w->acc >> w->nacc);
    if (bw_reserve(w, 8))
        return;
    uint8_t *o = w->b + w->n;
    o[0] = (uint8_t)(v >> 24);
    o[1] = (uint8_t)(v >> 16);
    o[2] = (uint8_t)(v >> 8);
    o[3] = (uint8_t)v;
    uint32_t x = ~v;            /* a byte of v is 0xFF iff that byte of x is zero */
    if (((x - 0x01010101u) & ~x & 0x80808080u) == 0) {
        w->n += 4;              /* no byte is 0xFF: the common case */
        return;
    }
    for (int i = 0; i < 4; i++) {
        uint8_t c = (uint8_t)(v >> (24 - 8 * i));
        w->b[w->n++] = c;
        if (c == 0xFF)
            w->b[w->n++] = 0x00;
    }
}

/* k <= 16 bits. */
static inline void bw_bits(bitwriter *w, uint32_t v, int k)
{
    w->acc = w->acc << k | (v & ((1u << k) - 1));
    w->nacc += k;
    if (w->nacc >= 32)
        bw_out32(w);
}

static inline void bw_sym(bitwriter *w, const v4j_huff *h, int sym)
{
    if (!h->size[sym])
        w->missing = 1;
    bw_bits(w, h->code[sym], h->size[sym]);
}

/* Pad the last byte with `pad` (its low bits) and stuff it. */
static void bw_flush(bitwriter *w, uint8_t pad)
{
    if (w->nacc & 7)
        bw_bits(w, pad, 8 - (w->nacc & 7));
    while (w->nacc >= 8) {
        w->nacc -= 8;
        bw_byte(w, (uint8_t)(w->acc >> w->nacc));
    }
    w->acc = 0;
}

static void bw_raw(bitwriter *w, const uint8_t *p, size_t k)
{
    if (bw_reserve(w, k))
        return;
    memcpy(w->b + w->n, p, k);
    w->n += k;
}

static inline int nbits(uint32_t v) { return v ? 32 - __builtin_clz(v) : 0; }

/* Magnitude category and the value bits of a signed coefficient (T.81 F.1.2.1). */
static inline void put_value(bitwriter *w, int32_t v, int size)
{
    bw_bits(w, (uint32_t)(v < 0 ? v - 1 : v), size);
}

typedef struct encstate {
    int32_t pred[V4J_MAX_COMP];
    uint32_t eobrun;
    uint8_t corr[MAX_CORR_BITS + 64];   /* correction bits waiting for the EOB run */
    uint32_t ncorr;
    const v4j_huff *ac;
} encstate;

static void block_sequential(bitwriter *w, const v4j_huff *dc, const v4j_huff *ac,
                             const int16_t *b, int32_t *pred)
{
    int32_t diff = b[0] - *pred;
    *pred = b[0];
    int s = nbits((uint32_t)(diff < 0 ? -diff : diff));
    bw_sym(w, dc, s);
    put_value(w, diff, s);
    int prev = 0;
    for (uint64_t m = v4j_nonzero_mask(b, 1, 63); m; m &= m - 1) {
        int k = __builtin_ctzll(m), run = k - prev - 1;
        int32_t v = b[k];
        for (; run > 15; run -= 16)
            bw_sym(w, ac, 0xF0);
        s = nbits((uint32_t)(v < 0 ? -v : v));
        bw_sym(w, ac, run << 4 | s);
        put_value(w, v, s);
        prev = k;
    }
    if (prev < 63)
        bw_sym(w, ac, 0x00);
}

static void emit_eobrun(bitwriter *w, encstate *st)
{
    if (st->eobrun) {
        int r = nbits(st->eobrun) - 1;
        bw_sym(w, st->ac, r << 4);
        bw_bits(w, st->eobrun, r);
        st->eobrun = 0;
        for (uint32_t i = 0; i < st->ncorr; i++)
            bw_bits(w, st->corr[i], 1);
        st->ncorr = 0;
    }
}

static void block_ac_first(bitwriter *w, const v4j_scan *s, const int16_t *b, encstate *st)
{
    int prev = s->ss - 1;
    for (uint64_t m = v4j_nonzero_mask(b, s->ss, s->se); m; m &= m - 1) {
        int k = __builtin_ctzll(m);
        int32_t v = b[k];
        int32_t mag = (v < 0 ? -v : v) >> s->al;
        if (mag == 0)
            continue;
        int run = k - prev - 1;
        emit_eobrun(w, st);
        for (; run > 15; run -= 16)
            bw_sym(w, st->ac, 0xF0);
        int sz = nbits((uint32_t)mag);
        bw_sym(w, st->ac, run << 4 | sz);
        bw_bits(w, (uint32_t)(v < 0 ? ~mag : mag), sz);
        prev = k;
    }
    if (prev < s->se) {
        if (++st->eobrun == 0x7FFF)
            emit_eobrun(w, st);
    }
}

static void block_ac_refine(bitwriter *w, const v4j_scan *s, const int16_t *b, encstate *st)
{
    int32_t mag[64];
    uint64_t live = 0;          /* positions whose magnitude at this scan is non-zero */
    int eob = 0;
    for (uint64_t m = v4j_nonzero_mask(b, s->ss, s->se); m; m &= m - 1) {
        int k = __builtin_ctzll(m);
        int32_t v = b[k];
        mag[k] = (v < 0 ? -v : v) >> s->al;
        if (mag[k])
            live |= 1ull << k;
        if (mag[k] == 1)
            eob = k;
    }
    /* correction bits of this block wait in corr[ncorr + ...] until a symbol is sent */
    uint32_t base = st->ncorr, nb = 0;
    int run = 0, prev = s->ss - 1;
    for (; live; live &= live - 1) {
        int k = __builtin_ctzll(live);
        run += k - prev - 1;
        prev = k;
        while (run > 15 && k <= eob) {
            st->ncorr = base;
            emit_eobrun(w, st);
            bw_sym(w, st->ac, 0xF0);
            run -= 16;
            for (uint32_t i = 0; i < nb; i++)
                bw_bits(w, st->corr[base + i], 1);
            base = st->ncorr = 0;
            nb = 0;
        }
        if (mag[k] > 1) {
            st->corr[base + nb++] = (uint8_t)(mag[k] & 1);
            continue;
        }
        st->ncorr = base;
        emit_eobrun(w, st);
        bw_sym(w, st->ac, run << 4 | 1);
        bw_bits(w, b[k] < 0 ? 0 : 1, 1);
        for (uint32_t i = 0; i < nb; i++)
            bw_bits(w, st->corr[base + i], 1);
        base = st->ncorr = 0;
        nb = 0;
        run = 0;
    }
    run += s->se - prev;
    st->ncorr = base + nb;
    if (run > 0 || nb > 0) {
        st->eobrun++;
        if (st->eobrun == 0x7FFF || st->ncorr > MAX_CORR_BITS - 64 + 1)
            emit_eobrun(w, st);
    }
}

static void encode_mcu(bitwriter *w, const v4j_jpeg *j, const v4j_tables *t, const v4j_scan *s,
                       uint32_t m, encstate *st)
{
    int16_t *blk[V4J_MAX_BLOCKS_PER_MCU];
    uint8_t sc[V4J_MAX_BLOCKS_PER_MCU];
    int nb = v4j_mcu_blocks(j, s, m, blk, sc);
    for (int i = 0; i < nb; i++) {
        const v4j_huff *dc = &t->dc[s->td[sc[i]]], *ac = &t->ac[s->ta[sc[i]]];
        const int16_t *b = blk[i];
        st->ac = ac;
        if (j->sof != 0xC2)
            block_sequential(w, dc, ac, b, &st->pred[sc[i]]);
        else if (s->ss == 0 && s->ah == 0) {
            int32_t v = b[0] >> s->al;              /* arithmetic shift, as jcphuff.c */
            int32_t diff = v - st->pred[sc[i]];
            st->pred[sc[i]] = v;
            int sz = nbits((uint32_t)(diff < 0 ? -diff : diff));
            bw_sym(w, dc, sz);
            put_value(w, diff, sz);
        } else if (s->ss == 0)
            bw_bits(w, (uint32_t)(b[0] >> s->al) & 1, 1);
        else if (s->ah == 0)
            block_ac_first(w, s, b, st);
        else
            block_ac_refine(w, s, b, st);
    }
}

static uint8_t pad_bits(const v4j_jpeg *j, uint32_t seg, uint32_t *next_pad)
{
    if (*next_pad < j->npad && j->pad[*next_pad].seg == seg)
        return j->pad[(*next_pad)++].bits;
    return 0xFF;
}

static void encode_scan(bitwriter *w, const v4j_jpeg *j, const v4j_tables *t, const v4j_scan *s,
                        uint32_t *segno, uint32_t *next_pad)
{
    uint32_t nmcu = v4j_scan_mcus(j, s), ri = t->restart ? t->restart : nmcu;
    uint32_t nseg = (nmcu + ri - 1) / ri;
    encstate *st = malloc(sizeof *st);
    if (!st) {
        w->oom = 1;
        return;
    }
    for (uint32_t g = 0; g < nseg && !w->oom; g++) {
        memset(st, 0, sizeof *st);
        st->ac = &t->ac[s->ta[0]];
        uint32_t m_end = g + 1 == nseg ? nmcu : (g + 1) * ri;
        for (uint32_t m = g * ri; m < m_end; m++)
            encode_mcu(w, j, t, s, m, st);
        emit_eobrun(w, st);
        bw_flush(w, pad_bits(j, (*segno)++, next_pad));
        if (g + 1 < nseg) {
            uint8_t rst[2] = { 0xFF, (uint8_t)(0xD0 + g % 8) };
            bw_raw(w, rst, 2);
        }
    }
    free(st);
}

/* One scan to code: its tables as the markers before it left them, where its segments start
 * in the file's count and in the padding list, and the bytes it makes. */
typedef struct scan_job {
    v4j_scan s;
    v4j_tables *t;
    uint32_t segno, next_pad;
    size_t hdr_start, hdr_end;  /* the recipe bytes before the scan data */
    bitwriter w;
} scan_job;

typedef struct rebuild_run {
    const v4j_jpeg *j;
    scan_job *sj;
} rebuild_run;

static void scan_one(void *arg, unsigned i)
{
    rebuild_run *r = arg;
    scan_job *sj = &r->sj[i];
    encode_scan(&sj->w, r->j, sj->t, &sj->s, &sj->segno, &sj->next_pad);
}

/* The scans are walked in order (tables, restart interval and the segment count change
 * between them), then Huffman-coded on both cores: each starts byte-aligned with fresh
 * state, so their bytes simply follow each other. */
int v4j_rebuild(const v4j_jpeg *j, uint8_t **out, size_t *outlen, holo_err *err)
{
    *out = NULL;
    *outlen = 0;
    /* walk a scratch copy of the frame: the walk re-derives geometry and tables */
    v4j_jpeg fr;
    memset(&fr, 0, sizeof fr);
    v4j_tables *t = calloc(1, sizeof *t);
    scan_job *sj = calloc(j->nscans + 1, sizeof *sj);
    uint32_t segno = 0, next_pad = 0;
    size_t pos = 2;
    int rc = t && sj ? 0 : holo_seterr(err, HOLO_ENOMEM, "JPEG: out of memory");
    if (rc == 0 && (j->hdr_len < 2 || j->hdr[0] != 0xFF || j->hdr[1] != 0xD8))
        rc = holo_seterr(err, HOLO_EINVAL, "JPEG recipe: no SOI marker");
    for (uint32_t i = 0; rc == 0 && i <= j->nscans; i++) {
        size_t start = pos, end = i < j->nscans ? j->piece_end[i] : j->hdr_len;
        v4j_scan s;
        int r = end <= j->hdr_len && end >= pos
              ? v4j_walk_markers(&fr, t, j->hdr, end, &pos, &s, err)
              : holo_seterr(err, HOLO_EINVAL, "JPEG recipe: bad piece table");
        if (r < 0) {
            rc = r;
            break;
        }
        if (r != (i < j->nscans) || (r == 1 && pos != end)) {
            rc = holo_seterr(err, HOLO_EINVAL, "JPEG recipe: pieces and scans disagree");
            break;
        }
        if (r == 1 && (fr.width != j->width || fr.height != j->height || fr.ncomp != j->ncomp ||
                       fr.sof != j->sof)) {
            rc = holo_seterr(err, HOLO_EINVAL, "JPEG recipe: frame differs from the planes");
            break;
        }
        sj[i].hdr_start = start;
        sj[i].hdr_end = r == 1 ? pos : end;
        if (r == 1) {
            sj[i].s = s;
            sj[i].segno = segno;
            sj[i].next_pad = next_pad;
            if (!(sj[i].t = malloc(sizeof *t))) {
                rc = holo_seterr(err, HOLO_ENOMEM, "JPEG: out of memory");
                break;
            }
            *sj[i].t = *t;
            /* the segments of this scan, as encode_scan will count them */
            uint32_t nmcu = v4j_scan_mcus(j, &s), ri = t->restart ? t->restart : nmcu;
            for (uint32_t g = 0, nseg = (nmcu + ri - 1) / ri; g < nseg; g++, segno++)
                if (next_pad < j->npad && j->pad[next_pad].seg == segno)
                    next_pad++;
        }
        pos = end;
    }
    if (rc == 0) {
        rebuild_run run = { j, sj };
        v4j_par_for(j->nscans, scan_one, &run);
    }
    bitwriter w = { 0 };
    if (rc == 0) {
        bw_raw(&w, j->hdr, 2);
        for (uint32_t i = 0; i <= j->nscans && rc == 0; i++) {
            bw_raw(&w, j->hdr + sj[i].hdr_start, sj[i].hdr_end - sj[i].hdr_start);
            if (i < j->nscans)
                bw_raw(&w, sj[i].w.b, sj[i].w.n);
            if (sj[i].w.missing)
                rc = holo_seterr(err, HOLO_EUNSUPPORTED,
                                 "not reproducible: a symbol has no Huffman code");
            else if (w.oom || sj[i].w.oom)
                rc = holo_seterr(err, HOLO_ENOMEM, "JPEG: out of memory");
        }
    }
    for (uint32_t i = 0; sj && i <= j->nscans; i++) {
        free(sj[i].t);
        free(sj[i].w.b);
    }
    free(sj);
    v4j_free(&fr);
    free(t);
    if (rc) {
        free(w.b);
        return rc;
    }
    *out = w.b;
    *outlen = w.n;
    return 0;
}
