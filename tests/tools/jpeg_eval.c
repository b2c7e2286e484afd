/* jpeg_eval — HO4J measurements per JPEG: the coefficient coder's bytes against the JPEG's
 * (and cjxl --lossless_jpeg=1's when --jxl DIR holds NAME.jxl), and its speed.
 *   jpeg_eval [--jxl DIR] FILE.jpg...
 * Exit status 1 when a file does not round-trip. */
#include "internal.h"
#include "v4_jpeg.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Code all coefficients in one stream: DC at full precision, then AC 1..63, per component. */
static void code_all(v4jc_coder *cd, v4jc_model *m, v4j_jpeg *j)
{
    for (int c = 0; c < j->ncomp; c++) {
        v4j_comp *k = &j->comp[c];
        v4jc_rect r = { 0, 0, k->bw, k->bh };
        size_t l0 = cd->e ? cd->e->len : 0;
        v4jc_dc_coarse(cd, m, c > 0, k, 0, r);
        size_t l1 = cd->e ? cd->e->len : 0;
        v4jc_ac(cd, m, c > 0, k, 1, 64, r);
        if (cd->e && getenv("JE_DEBUG"))
            fprintf(stderr, "comp %d: dc %zu ac %zu\n", c, l1 - l0, cd->e->len - l1);
    }
}

static long jxl_size(const char *dir, const char *path)
{
    if (!dir)
        return 0;
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    char p[4096];
    snprintf(p, sizeof p, "%s/%.*s.jxl", dir, (int)(strcspn(base, ".")), base);
    struct stat st;
    return stat(p, &st) == 0 ? (long)st.st_size : 0;
}

int main(int argc, char **argv)
{
    const char *jxl = NULL;
    int bad = 0, i = 1;
    if (argc > 2 && !strcmp(argv[1], "--jxl")) {
        jxl = argv[2];
        i = 3;
    }
    printf("%-28s %9s %9s %7s %7s %7s %7s\n", "file", "jpeg", "coef", "x jpeg", "x jxl",
           "enc s", "dec s");
    for (; i < argc; i++) {
        size_t len = 0;
        uint8_t *buf = NULL;
        holo_err err = { 0 };
        if (holo_read_file(argv[i], (size_t)1 << 30, &buf, &len, &err)) {
            fprintf(stderr, "%s\n", err.msg);
            bad = 1;
            continue;
        }
        v4j_jpeg j, d;
        double t0 = now();
        if (v4j_parse_exact(buf, len, &j, &err)) {
            printf("%-28s %s\n", argv[i], err.msg);
            free(buf);
            continue;
        }
        double t1 = now();
        v4_enc e;
        v4_enc_init(&e);
        v4jc_model *m = v4jc_model_new();
        v4jc_coder ce = { 0, &e, NULL };
        code_all(&ce, m, &j);
        v4_enc_finish(&e);
        v4jc_model_free(m);
        double t2 = now();
        /* decode into fresh planes of the same frame */
        uint8_t *rec = NULL, *back = NULL;
        size_t rlen = 0, blen = 0;
        v4j_recipe_emit(&j, &rec, &rlen);
        int same = v4j_recipe_read(rec, rlen, &d, &err) == 0;
        double t3 = now();
        if (same) {
            v4_dec dd;
            v4_dec_init(&dd, e.buf, e.len);
            m = v4jc_model_new();
            v4jc_coder cdd = { 1, NULL, &dd };
            code_all(&cdd, m, &d);
            v4jc_model_free(m);
            same = v4j_rebuild(&d, &back, &blen, &err) == 0 && blen == len &&
                   !memcmp(back, buf, len);
            v4j_free(&d);
        }
        double t4 = now();
        long jx = jxl_size(jxl, argv[i]);
        const char *base = strrchr(argv[i], '/');
        printf("%-28s %9zu %9zu %7.4f %7.4f %7.2f %7.2f%s\n", base ? base + 1 : argv[i], len,
               e.len + rlen, (double)(e.len + rlen) / len, jx ? (double)(e.len + rlen) / jx : 0,
               t2 - t0, t4 - t3, same ? "" : "  ROUND TRIP FAILED");
        (void)t1;
        bad |= !same;
        v4_enc_free(&e);
        free(rec);
        free(back);
        v4j_free(&j);
        free(buf);
    }
    return bad;
}
