/* v4_filter_columns.c — the column filter for text in binary v4 (v4_filter.h, holo(5) "HO4B
 * FILTERS"). A log line is a row of fields (date, time, action, package, version): each field
 * is like the same field of the lines around it and unlike its neighbours in the line, so zstd
 * finds longer matches with the fields laid out column after column (dpkg.log at zstd 9: 1.20x
 * the bytes of zstd -19 as lines, 1.00x as columns). The frame's length changes: the output is
 * raw + lines + 2 bytes, written only when that stays within V4F_COLUMNS_BOUND. */
#include "v4_filter.h"
#include <string.h>

size_t v4f_columns_encode(const uint8_t *raw, size_t n, uint8_t *out, uint8_t sep, unsigned maxf)
{
    size_t lines = 1;   /* the piece after the last '\n' is a line too (empty when n ends one) */
    for (const uint8_t *p = raw, *e = raw + n; (p = memchr(p, '\n', (size_t)(e - p))) != NULL; p++) lines++;
    if (sep == '\n' || maxf < 1 || maxf > V4F_COLUMNS_MAXF || n + lines + 2 > V4F_COLUMNS_BOUND(n)) {
        out[0] = 0;   /* identity: the frame as it is after a 0 byte */
        memcpy(out + 1, raw, n);
        return n + 1;
    }
    /* pass 1: each line's field count (after the separator byte), each column's length */
    size_t col_len[V4F_COLUMNS_MAXF] = { 0 };
    uint8_t *count = out + 1;
    const uint8_t *p = raw, *e = raw + n;
    for (size_t l = 0; l < lines; l++) {
        const uint8_t *nl = memchr(p, '\n', (size_t)(e - p)), *end = nl ? nl : e;
        unsigned f = 0;
        while (f + 1 < maxf) {
            const uint8_t *s = memchr(p, sep, (size_t)(end - p));
            if (!s) break;
            col_len[f++] += (size_t)(s - p) + 1;
            p = s + 1;
        }
        col_len[f++] += (size_t)(end - p) + 1;
        count[l] = (uint8_t)f;
        p = end + 1;
    }
    /* pass 2: the fields, each ended by '\n', into their columns */
    uint8_t *col[V4F_COLUMNS_MAXF];
    col[0] = count + lines;
    for (unsigned c = 1; c < maxf; c++) col[c] = col[c - 1] + col_len[c - 1];
    p = raw;
    for (size_t l = 0; l < lines; l++) {
        const uint8_t *nl = memchr(p, '\n', (size_t)(e - p)), *end = nl ? nl : e;
        for (unsigned f = 0; f < count[l]; f++) {
            const uint8_t *s = f + 1 < count[l] ? memchr(p, sep, (size_t)(end - p)) : end;
            size_t len = (size_t)(s - p);
            memcpy(col[f], p, len);
            col[f][len] = '\n';
            col[f] += len + 1;
            p = s + 1;
        }
        p = end + 1;
    }
    out[0] = sep;
    return n + lines + 2;
}

int v4f_columns_decode(const uint8_t *in, size_t m, uint8_t *raw, size_t n)
{
    if (m < 1) return -1;
    if (in[0] == 0) {   /* identity */
        if (m != n + 1) return -1;
        memcpy(raw, in + 1, n);
        return 0;
    }
    if (in[0] == '\n' || m < n + 3 || m - n - 2 > n + 1) return -1;
    const uint8_t sep = in[0], *count = in + 1, *e = in + m;
    size_t lines = m - n - 2, with[256] = { 0 };   /* with[c]: lines of more than c fields */
    unsigned maxf = 0;
    for (size_t l = 0; l < lines; l++) {
        if (count[l] == 0) return -1;
        with[count[l] - 1]++;
        if (count[l] > maxf) maxf = count[l];
    }
    for (unsigned c = maxf - 1; c > 0; c--) with[c - 1] += with[c];
    /* where each column starts: column c holds with[c] fields, each ended by '\n' */
    const uint8_t *col[256], *col_end[256];
    const uint8_t *p = count + lines;
    for (unsigned c = 0; c < maxf; c++) {
        col[c] = p;
        for (size_t i = 0; i < with[c]; i++) {
            const uint8_t *nl = memchr(p, '\n', (size_t)(e - p));
            if (!nl) return -1;
            p = nl + 1;
        }
        col_end[c] = p;
    }
    if (p != e) return -1;
    /* the lines: fields joined by the separator, lines by '\n'; exactly n bytes */
    uint8_t *o = raw, *oe = raw + n;
    for (size_t l = 0; l < lines; l++) {
        for (unsigned f = 0; f < count[l]; f++) {
            const uint8_t *nl = memchr(col[f], '\n', (size_t)(col_end[f] - col[f]));
            if (!nl) return -1;
            size_t len = (size_t)(nl - col[f]);
            if (len + (f + 1 < count[l]) > (size_t)(oe - o)) return -1;
            memcpy(o, col[f], len);
            o += len;
            if (f + 1 < count[l]) *o++ = sep;
            col[f] = nl + 1;
        }
        if (l + 1 < lines) {
            if (o == oe) return -1;
            *o++ = '\n';
        }
    }
    return o == oe ? 0 : -1;
}
