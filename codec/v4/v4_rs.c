/* v4_rs.c — systematic Cauchy Reed-Solomon erasure code over GF(2^8), polynomial 0x11D.
 * Row i < m of the code is data row i; row i >= m is sum_j C[i][j] * data_j with
 * C[i][j] = 1 / (i XOR j), the matrix ISA-L's gf_gen_cauchy1_matrix builds, so any m of the
 * B rows recover the data (every square submatrix of a Cauchy matrix is invertible).
 * Plain table multiplication: one 64 KiB product table, built once. */
#include "v4_container.h"
#include "gf256.h"
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static uint8_t gf_exp[512], gf_log[256], gf_mul_tab[256][256], gf_inv_tab[256];
static pthread_once_t gf_once = PTHREAD_ONCE_INIT;

static void gf_init(void)
{
    unsigned x = 1;
    for (int i = 0; i < 255; i++) {
        gf_exp[i] = (uint8_t)x;
        gf_log[x] = (uint8_t)i;
        x <<= 1;
        if (x & 0x100)
            x ^= 0x11D;
    }
    for (int i = 255; i < 512; i++)
        gf_exp[i] = gf_exp[i - 255];
    for (int a = 0; a < 256; a++)
        for (int b = 0; b < 256; b++)
            gf_mul_tab[a][b] = (a && b) ? gf_exp[gf_log[a] + gf_log[b]] : 0;
    gf_inv_tab[0] = 0;
    for (int a = 1; a < 256; a++)
        gf_inv_tab[a] = gf_exp[255 - gf_log[a]];
}

uint8_t v4_gf_mul(uint8_t a, uint8_t b)
{
    pthread_once(&gf_once, gf_init);
    return gf_mul_tab[a][b];
}

uint8_t v4_gf_inv(uint8_t a)
{
    pthread_once(&gf_once, gf_init);
    return gf_inv_tab[a];
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
    if (c == 0)
        return;
    const uint8_t *t = gf_mul_tab[c];
    for (size_t k = 0; k < n; k++)
        dst[k] ^= t[src[k]];
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
    pthread_once(&gf_once, gf_init);
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
        mul_add(out, n ? stream + off : stream, n, gf_inv_tab[id ^ j]);
    }
}

/* Same field (0x11D, generator 2) as gf256.c, whose region loop has a SIMD path. */
void v4_rs_mul_add(uint8_t *dst, const uint8_t *src, size_t len, uint8_t c)
{
    holo_gf_muladd(dst, src, c, len);
}

int v4_rs_invert(const unsigned *ids, unsigned m, uint8_t *inv)
{
    pthread_once(&gf_once, gf_init);
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
            M[r * m + j] = ids[r] < m ? (ids[r] == j) : gf_inv_tab[ids[r] ^ j];
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
        uint8_t iv = gf_inv_tab[M[c * m + c]];
        for (unsigned j = 0; j < m; j++) {
            M[c * m + j] = gf_mul_tab[iv][M[c * m + j]];
            I[c * m + j] = gf_mul_tab[iv][I[c * m + j]];
        }
        for (unsigned r = 0; r < m; r++) {
            uint8_t f = M[r * m + c];
            if (r == c || f == 0)
                continue;
            for (unsigned j = 0; j < m; j++) {
                M[r * m + j] ^= gf_mul_tab[f][M[c * m + j]];
                I[r * m + j] ^= gf_mul_tab[f][I[c * m + j]];
            }
        }
    }
    free(M);
    return 0;
}

int v4_rs_recover(const uint8_t *const *rows, const unsigned *ids, unsigned m, size_t S,
                  uint8_t *stream)
{
    pthread_once(&gf_once, gf_init);
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
