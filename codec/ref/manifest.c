/* manifest.c — score sidecars (.meta) and the chunk manifest
 * (doc/formats.md §Scores, §Manifest). */
#include "internal.h"
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void holo_repr_double(double x, char out[40])
{
    if (isnan(x)) { strcpy(out, "nan"); return; }
    if (isinf(x)) { strcpy(out, x < 0 ? "-inf" : "inf"); return; }
    if (x == 0) { strcpy(out, signbit(x) ? "-0.0" : "0.0"); return; }
    /* Shortest %.*e that round-trips, then Python repr's layout rules. */
    char e[40];
    for (int p = 0; p < 17; p++) {
        snprintf(e, sizeof e, "%.*e", p, x);
        if (strtod(e, NULL) == x) break;
    }
    const char *s = e;
    char *o = out;
    if (*s == '-') *o++ = *s++;
    char digits[24];
    int nd = 0;
    for (; *s && *s != 'e'; s++)
        if (*s != '.') digits[nd++] = *s;
    int exp10 = atoi(s + 1);
    while (nd > 1 && digits[nd - 1] == '0') nd--;
    if (exp10 >= -4 && exp10 < 16) {
        if (exp10 >= 0) {
            for (int i = 0; i <= exp10; i++) *o++ = i < nd ? digits[i] : '0';
            *o++ = '.';
            if (nd > exp10 + 1) for (int i = exp10 + 1; i < nd; i++) *o++ = digits[i];
            else *o++ = '0';
        } else {
            *o++ = '0'; *o++ = '.';
            for (int i = 0; i < -exp10 - 1; i++) *o++ = '0';
            for (int i = 0; i < nd; i++) *o++ = digits[i];
        }
        *o = 0;
    } else {
        *o++ = digits[0];
        if (nd > 1) { *o++ = '.'; for (int i = 1; i < nd; i++) *o++ = digits[i]; }
        sprintf(o, "e%c%02d", exp10 < 0 ? '-' : '+', abs(exp10));
    }
}

int holo_write_meta(const char *dir, const char *chunk_name, double score, holo_err *err)
{
    char path[PATH_MAX], name[96], text[64];
    snprintf(name, sizeof name, "%s.meta", chunk_name);
    if (holo_path_join(path, sizeof path, dir, name) < 0)
        return holo_seterr(err, HOLO_EINVAL, "%s: path too long", dir);
    int n = snprintf(text, sizeof text, "%.6f", score);
    return holo_write_file_tmp(path, text, (size_t)n, err);
}

/* Growable string for the manifest text. */
typedef struct { char *p; size_t n, cap; int oom; } sbuf;

static void sb_add(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_add(sbuf *b, const char *fmt, ...)
{
    if (b->oom) return;
    va_list ap;
    va_start(ap, fmt);
    int need = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (b->n + (size_t)need + 1 > b->cap) {
        size_t nc = (b->cap + (size_t)need + 1) * 2;
        char *np = realloc(b->p, nc);
        if (!np) { b->oom = 1; return; }
        b->p = np;
        b->cap = nc;
    }
    va_start(ap, fmt);
    vsnprintf(b->p + b->n, b->cap - b->n, fmt, ap);
    va_end(ap);
    b->n += (size_t)need;
}

int holo_write_manifest(const char *dir, const char *base_kind, int version, uint32_t B,
                        const double *scores, holo_err *err)
{
    /* Order: score descending, ties by ascending block id (stable). */
    uint32_t *ord = malloc((B ? B : 1) * sizeof *ord);
    if (!ord) return holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", dir);
    for (uint32_t i = 0; i < B; i++) {
        uint32_t j = i;
        while (j > 0 && scores[ord[j - 1]] < scores[i]) { ord[j] = ord[j - 1]; j--; }
        ord[j] = i;
    }
    sbuf b = {0};
    sb_add(&b, "{\n  \"kind\": \"chunk_manifest\",\n  \"manifest_version\": 1,\n"
               "  \"base_kind\": \"%s\",\n  \"codec_version\": %d,\n  \"block_count\": %u,\n"
               "  \"ordered_chunks\": [\n", base_kind, version, B);
    for (uint32_t i = 0; i < B; i++)
        sb_add(&b, "    \"chunk_%04u.holo\"%s\n", ord[i], i + 1 < B ? "," : "");
    sb_add(&b, "  ],\n  \"chunks\": [\n");
    for (uint32_t i = 0; i < B; i++) {
        char r[40];
        holo_repr_double(scores[ord[i]], r);
        sb_add(&b, "    {\n      \"file\": \"chunk_%04u.holo\",\n      \"block_id\": %u,\n"
                   "      \"score\": %s\n    }%s\n", ord[i], ord[i], r, i + 1 < B ? "," : "");
    }
    sb_add(&b, "  ]\n}");
    free(ord);
    if (b.oom) { free(b.p); return holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", dir); }
    char path[PATH_MAX];
    int rc = holo_path_join(path, sizeof path, dir, "manifest.json") < 0
                 ? holo_seterr(err, HOLO_EINVAL, "%s: path too long", dir)
                 : holo_write_file_tmp(path, b.p, b.n, err);
    free(b.p);
    return rc;
}

char **holo_read_manifest_order(const char *dir)
{
    char path[PATH_MAX];
    uint8_t *buf;
    size_t len;
    if (holo_path_join(path, sizeof path, dir, "manifest.json") < 0 ||
        holo_read_chunk(path, 64u << 20, &buf, &len, NULL))   /* a symlink is not followed */
        return NULL;
    json_t *root = json_loadb((const char *)buf, len, 0, NULL);
    free(buf);
    if (!root) return NULL;
    char **out = NULL;
    json_t *list = json_object_get(root, "ordered_chunks");
    /* A container manifest (with "objects") is never a chunk manifest
     * (doc/formats.md §Manifest). */
    if (json_is_array(list) && !json_object_get(root, "objects")) {
        size_t n = json_array_size(list);
        out = calloc(n + 1, sizeof *out);
        size_t k = 0;
        for (size_t i = 0; out && i < n; i++) {
            const char *s = json_string_value(json_array_get(list, i));
            if (s && (out[k] = strdup(s))) k++;
        }
    }
    json_decref(root);
    return out;
}
