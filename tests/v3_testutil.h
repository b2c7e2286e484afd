/* v3_testutil.h — helpers shared by the v3 / HORC / HOPK tests: temporary directories, file
 * copies, vector case lookup and chunk comparison. Header-only (tests/ has no shared objects). */
#ifndef HOLO_V3_TESTUTIL_H
#define HOLO_V3_TESTUTIL_H

#include "tap.h"
#include "internal.h"
#include <dirent.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A fresh empty directory under TMPDIR; caller frees with holo_rmtree. */
static inline void tu_tmpdir(char out[256])
{
    const char *t = getenv("TMPDIR");
    snprintf(out, 256, "%s/holo_v3_XXXXXX", t && *t ? t : "/tmp");
    if (!mkdtemp(out)) out[0] = 0;
}

static inline int tu_copy(const char *from, const char *to)
{
    size_t n;
    uint8_t *b = tap_slurp(from, &n);
    if (!b) return -1;
    FILE *f = fopen(to, "wb");
    if (!f) { free(b); return -1; }
    size_t w = fwrite(b, 1, n, f);
    fclose(f);
    free(b);
    return w == n ? 0 : -1;
}

/* Copy every file of src into dst, except the names listed in skip (NULL-terminated). */
static inline int tu_copy_dir(const char *src, const char *dst, const char *const *skip)
{
    DIR *d = opendir(src);
    if (!d) return -1;
    struct dirent *e;
    int rc = 0;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        int skipped = 0;
        for (size_t i = 0; skip && skip[i]; i++) skipped |= !strcmp(skip[i], e->d_name);
        if (skipped) continue;
        char a[8704], b[8704];
        snprintf(a, sizeof a, "%s/%s", src, e->d_name);
        snprintf(b, sizeof b, "%s/%s", dst, e->d_name);
        rc |= tu_copy(a, b);
    }
    closedir(d);
    return rc;
}

/* Case directory and its case.json. */
static inline json_t *tu_case(const char *id, char dir[4096])
{
    snprintf(dir, 4096, "%s/formats/cases/%s", tap_vectors(), id);
    char p[4200];
    snprintf(p, sizeof p, "%s/case.json", dir);
    return json_load_file(p, 0, NULL);
}

/* Copy only the subset_files of a case into dst. */
static inline int tu_copy_subset(const char *casedir, json_t *cj, const char *dst)
{
    json_t *v;
    size_t i;
    int rc = 0;
    json_array_foreach(json_object_get(cj, "subset_files"), i, v) {
        char a[8704], b[8704];
        snprintf(a, sizeof a, "%s/chunks/%s", casedir, json_string_value(v));
        snprintf(b, sizeof b, "%s/%s", dst, json_string_value(v));
        rc |= tu_copy(a, b);
    }
    return rc;
}

static inline int16_t tu_i16(const uint8_t *p) { return (int16_t)(p[0] | p[1] << 8); }

/* Compare two chunk directories of a v3 encode (doc/formats.md §HOCH v3 and §HOAU v3, precision):
 * same file names, headers equal except resid_len, identical OLOI/OLOA blobs, equal inflated slice
 * lengths, coefficients within ±1. Counts go to the out parameters; returns the number of
 * structural mismatches (0 = structure identical). */
static inline int tu_compare_v3(const char *ref, const char *ours, long *coefs, long *diff,
                                long *big, int *bytes_identical)
{
    int bad = 0;
    *coefs = *diff = *big = 0;
    *bytes_identical = 1;
    DIR *d = opendir(ref);
    if (!d) return 1;
    struct dirent *e;
    while ((e = readdir(d))) {
        const char *nm = e->d_name;
        if (strncmp(nm, "chunk_", 6) || strcmp(nm + strlen(nm) - 5, ".holo")) continue;
        char a[8704], b[8704];
        snprintf(a, sizeof a, "%s/%s", ref, nm);
        snprintf(b, sizeof b, "%s/%s", ours, nm);
        size_t la, lb;
        uint8_t *x = tap_slurp(a, &la), *y = tap_slurp(b, &lb);
        if (!x || !y) { bad++; diag("%s missing", nm); free(x); free(y); continue; }
        if (la != lb || memcmp(x, y, la)) *bytes_identical = 0;
        holo_chunk_hdr h1, h2;
        holo_err er;
        if (holo_chunk_parse(x, la, nm, &h1, &er) || holo_chunk_parse(y, lb, nm, &h2, &er)) {
            bad++; free(x); free(y); continue;
        }
        /* Header without its last field (resid_len depends on coefficient values). */
        if (memcmp(x, y, h1.header_len - 4)) { bad++; diag("%s: header differs", nm); }
        if (h1.coarse_len != h2.coarse_len ||
            memcmp(x + h1.coarse_off, y + h2.coarse_off, h1.coarse_len)) {
            bad++; diag("%s: coarse blob differs", nm);
        }
        uint8_t *z1 = NULL, *z2 = NULL;
        size_t l1 = 0, l2 = 0;
        holo_inflate(x + h1.resid_off, h1.resid_len, 1u << 28, &z1, &l1, &er, nm);
        holo_inflate(y + h2.resid_off, h2.resid_len, 1u << 28, &z2, &l2, &er, nm);
        if (!z1 || !z2 || l1 != l2) { bad++; diag("%s: slice length %zu vs %zu", nm, l1, l2); }
        for (size_t k = 0; z1 && z2 && k + 1 < l1 && k + 1 < l2; k += 2) {
            int v1 = tu_i16(z1 + k), v2 = tu_i16(z2 + k);
            (*coefs)++;
            if (v1 != v2) (*diff)++;
            if (abs(v1 - v2) > 1) (*big)++;
        }
        free(z1); free(z2); free(x); free(y);
    }
    closedir(d);
    return bad;
}

/* PSNR of 8-bit data against a reference. */
static inline double tu_psnr8(const uint8_t *a, const uint8_t *b, size_t n)
{
    double se = 0;
    for (size_t i = 0; i < n; i++) se += (double)(a[i] - b[i]) * (a[i] - b[i]);
    if (se == 0) return 99.0;
    return 10 * log10(255.0 * 255.0 * (double)n / se);
}

static inline double tu_psnr16(const int16_t *a, const int16_t *b, size_t n)
{
    double se = 0;
    for (size_t i = 0; i < n; i++) se += ((double)a[i] - b[i]) * ((double)a[i] - b[i]);
    if (se == 0) return 99.0;
    return 10 * log10(32767.0 * 32767.0 * (double)n / se);
}

/* Total bytes of chunk_*.holo files in dir. */
static inline size_t tu_chunk_bytes(const char *dir)
{
    DIR *d = opendir(dir);
    size_t t = 0;
    if (!d) return 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (strncmp(e->d_name, "chunk_", 6)) continue;
        char p[8704];
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        FILE *f = fopen(p, "rb");
        if (!f) continue;
        fseek(f, 0, SEEK_END);
        t += (size_t)ftell(f);
        fclose(f);
    }
    closedir(d);
    return t;
}

#endif
