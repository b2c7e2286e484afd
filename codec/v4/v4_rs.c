/* v4_rs.c — systematic Cauchy Reed-Solomon erasure code over GF(2^8), polynomial 0x11D.
 * Row i < m of the code is data row i; row i >= m is sum_j C[i][j] * data_j with
 * C[i][j] = 1 / (i XOR j), the matrix ISA-L's gf_gen_cauchy1_matrix builds, so any m of the
 * B rows recover the data (every square submatrix of a Cauchy matrix is invertible).
 * The field arithmetic is codec/common/gf256.c's, shared with the HORC recovery chunks. */
#include "v4_container.h"
#include "gf256.h"
#include <stdlib.h>
#include <string.h>

uint8_t v4_gf_mul(uint8_t a, uint8_t b)
{
    return holo_gf_mul(a, b);
}

uint8_t v4_gf_inv(uint8_t a)
{
    return holo_gf_inv(a);
}

uint8_t v4_rs_coef(unsigned i, unsigned j)
{
    return v4_gf_inv((uint8_t)(i ^ j));
}

size_t v4_rs_rowlen(size_t S, unsigned m)
{
    return m ? (S + m - 1) / m : 0;
}

/* dst ^= c * src over n bytes */
static void mul_add(uint8_t *dst, const uint8_t *src, size_t n, uint8_t c)
{
    holo_gf_muladd(dst, src, c, n);
}

/* Data row j of the stream, zero padded into tmp when it runs past S. */
static const uint8_t *data_row(const uint8_t *stream, size_t S, size_t R, unsigned j, uint8_t *tmp)
{
    size_t off = (size_t)j * R;
    if (off + R <= S)
        return stream + off;
    memset(tmp, 0, R);
    if (off < S)
        memcpy(tmp, stream + off, S - off);
    return tmp;
}

void v4_rs_encode_row(const uint8_t *stream, size_t S, unsigned m, unsigned id, uint8_t *out)
{
    size_t R = v4_rs_rowlen(S, m);
    if (R == 0)
        return;
    if (id < m) {
        const uint8_t *r = data_row(stream, S, R, id, out);
        if (r != out)
            memcpy(out, r, R);
        return;
    }
    memset(out, 0, R);
    for (unsigned j = 0; j < m; j++) {
        size_t off = (size_t)j * R;
        size_t n = off < S ? (S - off < R ? S - off : R) : 0;   /* padding bytes are zero */
        mul_add(out, n ? stream + off : stream, n, holo_gf_inv((uint8_t)(id ^ j)));
    }
}

/* Same field (0x11D, generator 2) as gf256.c, whose region loop has a SIMD path. */
void v4_rs_mul_add(uint8_t *dst, const uint8_t *src, size_t len, uint8_t c)
{
    holo_gf_muladd(dst, src, c, len);
}

int v4_rs_invert(const unsigned *ids, unsigned m, uint8_t *inv)
{
    if (m == 0 || m > 255)
        return -1;
    for (unsigned r = 0; r < m; r++) {
        if (ids[r] > 255)
            return -1;
        for (unsigned q = 0; q < r; q++)
            if (ids[q] == ids[r])
                return -1;
    }
    /* M[r][j]: how present row r combines the data rows; invert it (Gauss-Jordan). */
    uint8_t *M = calloc((size_t)m * m, 1);
    if (!M)
        return -2;
    uint8_t *I = inv;
    memset(I, 0, (size_t)m * m);
    for (unsigned r = 0; r < m; r++) {
        for (unsigned j = 0; j < m; j++)
            M[r * m + j] = ids[r] < m ? (ids[r] == j) : holo_gf_inv((uint8_t)(ids[r] ^ j));
        I[r * m + r] = 1;
    }
    for (unsigned c = 0; c < m; c++) {
        unsigned piv = c;
        while (piv < m && M[piv * m + c] == 0)
            piv++;
        if (piv == m) {
            free(M);
            return -1;
        }
        if (piv != c)
            for (unsigned j = 0; j < m; j++) {
                uint8_t t = M[c * m + j]; M[c * m + j] = M[piv * m + j]; M[piv * m + j] = t;
                t = I[c * m + j]; I[c * m + j] = I[piv * m + j]; I[piv * m + j] = t;
            }
        uint8_t iv = holo_gf_inv(M[c * m + c]);
        holo_gf_scale(M + (size_t)c * m, iv, m);
        holo_gf_scale(I + (size_t)c * m, iv, m);
        for (unsigned r = 0; r < m; r++) {
            uint8_t f = M[r * m + c];
            if (r == c || f == 0)
                continue;
            mul_add(M + (size_t)r * m, M + (size_t)c * m, m, f);
            mul_add(I + (size_t)r * m, I + (size_t)c * m, m, f);
        }
    }
    free(M);
    return 0;
}

int v4_rs_recover(const uint8_t *const *rows, const unsigned *ids, unsigned m, size_t S,
                  uint8_t *stream)
{
    size_t R = v4_rs_rowlen(S, m);
    if (m == 0 || m > 255)
        return -1;
    uint8_t *I = malloc((size_t)m * m), *buf = malloc(R * m + 1);
    int rc = !I || !buf ? -2 : v4_rs_invert(ids, m, I);
    if (rc) {
        free(I); free(buf);
        return rc;
    }
    /* data_j = sum_r Inv[j][r] * rows[r] */
    memset(buf, 0, R * m);
    for (unsigned j = 0; j < m; j++)
        for (unsigned r = 0; r < m; r++)
            mul_add(buf + (size_t)j * R, rows[r], R, I[j * m + r]);
    if (S)
        memcpy(stream, buf, S);
    free(I); free(buf);
    return 0;
}
