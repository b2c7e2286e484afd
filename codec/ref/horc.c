/* horc.c — HORC recovery chunks (doc/formats.md §HORC): parse, build, and the GF(256) solver. */
#include "horc.h"
#include "gf256.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

int holo_horc_parse(const uint8_t *buf, size_t len, size_t max_slice, const char *name,
                    holo_horc *r, holo_err *err)
{
    memset(r, 0, sizeof *r);
    if (len < HOLO_HORC_HDR) return holo_seterr(err, HOLO_EINVAL, "%s: truncated HORC header", name);
    if (memcmp(buf, "HORC", 4) != 0) return holo_seterr(err, HOLO_EINVAL, "%s: not a HORC chunk", name);
    if (buf[4] != 1)
        return holo_seterr(err, HOLO_EUNSUPPORTED, "%s: HORC record version %u", name, buf[4]);
    uint32_t B = holo_rd32(buf + 8), id = holo_rd32(buf + 12), S = holo_rd32(buf + 16);
    uint32_t clen = holo_rd32(buf + 20), plen = holo_rd32(buf + 24);
    if (clen == 0 || plen == 0 || B == 0)
        return holo_seterr(err, HOLO_EINVAL, "%s: empty HORC coefficients or payload", name);
    if ((uint64_t)HOLO_HORC_HDR + clen + plen > len)
        return holo_seterr(err, HOLO_EINVAL, "%s: HORC payload runs past the end of the file", name);
    if (max_slice == 0 || max_slice > HOLO_MAX_CHUNK_FILE) max_slice = HOLO_MAX_CHUNK_FILE;
    if (S == 0 || S > max_slice)
        return holo_seterr(err, HOLO_EINVAL, "%s: HORC slice length %u out of range", name, S);
    const uint8_t *pay = buf + HOLO_HORC_HDR + clen;
    uint8_t *data = NULL;
    size_t dlen = 0;
    if (buf[7] & 1) {
        int rc = holo_inflate(pay, plen, S, &data, &dlen, err, name);
        if (rc < 0) return rc;
    } else {
        data = malloc(plen);
        if (!data) return holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", name);
        memcpy(data, pay, plen);
        dlen = plen;
    }
    if (dlen != S) {
        free(data);
        return holo_seterr(err, HOLO_EINVAL, "%s: HORC payload is %zu bytes, header says %u", name,
                           dlen, S);
    }
    r->coeffs = malloc(clen);
    if (!r->coeffs) {
        free(data);
        return holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", name);
    }
    memcpy(r->coeffs, buf + HOLO_HORC_HDR, clen);
    r->payload = data;
    r->base_kind = buf[5];
    r->base_version = buf[6];
    r->flags = buf[7];
    r->block_count = B;
    r->coded_id = id;
    r->slice_len = S;
    r->coeff_len = clen;
    return 0;
}

void holo_horc_free(holo_horc *r)
{
    if (!r) return;
    free(r->coeffs);
    free(r->payload);
    r->coeffs = r->payload = NULL;
}

uint32_t holo_horc_count(uint32_t B, double overhead)
{
    if (!(overhead > 0)) return 0;
    double x = (double)B * overhead;
    if (x > 65535) return 65535;
    double c = ceil(x);
    return c < 1 ? 1 : (uint32_t)c;
}

/* splitmix64: small, well mixed, reproducible across platforms. */
static uint64_t splitmix(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

void holo_horc_coeffs(uint64_t seed, uint32_t coded_id, uint32_t B, uint8_t *coeffs)
{
    uint64_t s = seed ^ ((uint64_t)coded_id * 0xD1B54A32D192ED03ull);
    for (uint32_t b = 0; b < B; b++) coeffs[b] = (uint8_t)(1 + splitmix(&s) % 255);
}

int holo_horc_build(uint8_t base_kind, uint32_t B, uint32_t coded_id, const uint8_t *coeffs,
                    const uint8_t *const *slices, const size_t *lens, size_t S, uint8_t **out,
                    size_t *outlen, holo_err *err)
{
    *out = NULL;
    *outlen = 0;
    if (S == 0 || S > UINT32_MAX || B == 0)
        return holo_seterr(err, HOLO_EINVAL, "recovery_%04u.holo: bad slice length", coded_id);
    uint8_t *p = calloc(1, S);
    if (!p) return holo_seterr(err, HOLO_ENOMEM, "recovery_%04u.holo: out of memory", coded_id);
    for (uint32_t b = 0; b < B; b++)
        holo_gf_muladd(p, slices[b], coeffs[b], lens[b] < S ? lens[b] : S);
    uint8_t *z = NULL;
    size_t zl = 0;
    int rc = holo_zlib9(p, S, &z, &zl, err);
    if (rc < 0) { free(p); return rc; }
    int comp = zl < S;
    const uint8_t *pay = comp ? z : p;
    size_t plen = comp ? zl : S;
    size_t total = HOLO_HORC_HDR + (size_t)B + plen;
    uint8_t *buf = malloc(total);
    if (!buf) {
        free(p); free(z);
        return holo_seterr(err, HOLO_ENOMEM, "recovery_%04u.holo: out of memory", coded_id);
    }
    memcpy(buf, "HORC", 4);
    buf[4] = 1;
    buf[5] = base_kind;
    buf[6] = 3;
    buf[7] = comp ? 1 : 0;
    holo_wr32(buf + 8, B);
    holo_wr32(buf + 12, coded_id);
    holo_wr32(buf + 16, (uint32_t)S);
    holo_wr32(buf + 20, B);
    holo_wr32(buf + 24, (uint32_t)plen);
    memcpy(buf + HOLO_HORC_HDR, coeffs, B);
    memcpy(buf + HOLO_HORC_HDR + B, pay, plen);
    free(p);
    free(z);
    *out = buf;
    *outlen = total;
    return 0;
}

/* Invert the k x k matrix a (row-major) in place into inv; 0 when singular. */
static int mat_invert(uint8_t *a, uint8_t *inv, size_t k)
{
    memset(inv, 0, k * k);
    for (size_t i = 0; i < k; i++) inv[i * k + i] = 1;
    for (size_t c = 0; c < k; c++) {
        size_t p = c;
        while (p < k && a[p * k + c] == 0) p++;
        if (p == k) return 0;
        if (p != c)
            for (size_t j = 0; j < k; j++) {
                uint8_t t = a[c * k + j]; a[c * k + j] = a[p * k + j]; a[p * k + j] = t;
                t = inv[c * k + j]; inv[c * k + j] = inv[p * k + j]; inv[p * k + j] = t;
            }
        uint8_t s = holo_gf_inv(a[c * k + c]);
        holo_gf_scale(a + c * k, s, k);
        holo_gf_scale(inv + c * k, s, k);
        for (size_t r = 0; r < k; r++) {
            uint8_t f = a[r * k + c];
            if (r == c || f == 0) continue;
            holo_gf_muladd(a + r * k, a + c * k, f, k);
            holo_gf_muladd(inv + r * k, inv + c * k, f, k);
        }
    }
    return 1;
}

/* Pivot selection exactly as doc/formats.md §HORC (columns in order, first nonzero row at or below
 * the current row, Gauss-Jordan over all rows) on the small coefficient matrix only; the rows that
 * become pivots are the only ones whose right-hand sides influence the solution, so we return their
 * original indices in pivot order. 0 when the rank is below the number of columns. */
static int pick_pivots(uint8_t *m, size_t rows, size_t cols, size_t *order)
{
    for (size_t i = 0; i < rows; i++) order[i] = i;
    size_t r = 0;
    for (size_t c = 0; c < cols; c++) {
        if (r == rows) return 0;
        size_t p = r;
        while (p < rows && m[p * cols + c] == 0) p++;
        if (p == rows) return 0;
        if (p != r) {
            for (size_t j = 0; j < cols; j++) {
                uint8_t t = m[r * cols + j]; m[r * cols + j] = m[p * cols + j]; m[p * cols + j] = t;
            }
            size_t t = order[r]; order[r] = order[p]; order[p] = t;
        }
        holo_gf_scale(m + r * cols, holo_gf_inv(m[r * cols + c]), cols);
        for (size_t i = 0; i < rows; i++) {
            uint8_t f = m[i * cols + c];
            if (i != r && f) holo_gf_muladd(m + i * cols, m + r * cols, f, cols);
        }
        r++;
    }
    return 1;
}

int holo_rlnc_recover(uint32_t B, size_t S, const uint8_t *const *known, const size_t *known_len,
                      const holo_horc *rec, size_t nrec, uint8_t **out, holo_err *err)
{
    holo_gf_init();
    size_t nm = 0;
    for (uint32_t b = 0; b < B; b++) {
        out[b] = NULL;
        if (!known[b]) nm++;
    }
    if (nm == 0 || nrec < nm) return 0;
    int rc = HOLO_ENOMEM;
    size_t *miss = malloc(nm * sizeof *miss);
    size_t *rowsrc = malloc(nrec * sizeof *rowsrc);
    size_t *order = malloc(nrec * sizeof *order);
    uint8_t *m = malloc(nrec * nm);
    uint8_t *a = malloc(nm * nm), *inv = malloc(nm * nm);
    uint8_t *rhs = NULL;
    if (!miss || !rowsrc || !order || !m || !a || !inv) goto done;
    for (uint32_t b = 0, k = 0; b < B; b++)
        if (!known[b]) miss[k++] = b;
    /* Rows: the missing-block coefficients of each recovery chunk; all-zero rows are dropped. */
    size_t rows = 0;
    for (size_t i = 0; i < nrec; i++) {
        int any = 0;
        for (size_t j = 0; j < nm; j++) {
            m[rows * nm + j] = rec[i].coeffs[miss[j]];
            any |= m[rows * nm + j] != 0;
        }
        if (any) rowsrc[rows++] = i;
    }
    rc = 0;
    if (rows < nm) goto done;
    uint8_t *mcopy = malloc(rows * nm);
    if (!mcopy) { rc = HOLO_ENOMEM; goto done; }
    memcpy(mcopy, m, rows * nm);
    int full = pick_pivots(mcopy, rows, nm, order);
    free(mcopy);
    if (!full) goto done;
    /* A = original coefficients of the pivot rows; solution = A^-1 · rhs. */
    for (size_t i = 0; i < nm; i++) memcpy(a + i * nm, m + order[i] * nm, nm);
    if (!mat_invert(a, inv, nm)) goto done;   /* cannot happen when pick_pivots succeeded */
    rhs = malloc(nm * S);
    if (!rhs) { rc = HOLO_ENOMEM; goto done; }
    for (size_t i = 0; i < nm; i++) {
        const holo_horc *r = &rec[rowsrc[order[i]]];
        uint8_t *y = rhs + i * S;
        memcpy(y, r->payload, S);
        for (uint32_t b = 0; b < B; b++)
            if (known[b])
                holo_gf_muladd(y, known[b], r->coeffs[b], known_len[b] < S ? known_len[b] : S);
    }
    for (size_t j = 0; j < nm; j++) {
        out[miss[j]] = calloc(1, S);
        if (!out[miss[j]]) {
            for (size_t t = 0; t <= j; t++) { free(out[miss[t]]); out[miss[t]] = NULL; }
            rc = HOLO_ENOMEM;
            goto done;
        }
        for (size_t i = 0; i < nm; i++)
            holo_gf_muladd(out[miss[j]], rhs + i * S, inv[j * nm + i], S);
    }
    rc = (int)nm;
done:
    if (rc == HOLO_ENOMEM) holo_seterr(err, HOLO_ENOMEM, "recovery: out of memory");
    free(miss); free(rowsrc); free(order); free(m); free(a); free(inv); free(rhs);
    return rc;
}

int holo_rlnc_verify(uint32_t B, size_t S, const uint8_t *const *slices, const size_t *lens,
                     const holo_horc *rec, size_t nrec)
{
    uint8_t *acc = malloc(S ? S : 1);
    if (!acc) return HOLO_ENOMEM;
    int bad = 0;
    for (size_t i = 0; i < nrec; i++) {
        memcpy(acc, rec[i].payload, S);
        for (uint32_t b = 0; b < B; b++)
            holo_gf_muladd(acc, slices[b], rec[i].coeffs[b], lens[b] < S ? lens[b] : S);
        for (size_t k = 0; k < S; k++)
            if (acc[k]) { bad++; break; }
    }
    free(acc);
    return bad;
}
