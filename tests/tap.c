/* tap.c — see tap.h. */
#include "tap.h"
#include <dirent.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int t_run, t_failed, t_planned;

void plan(int n)
{
    t_planned = n;
    if (n > 0) printf("1..%d\n", n);
    fflush(stdout);
}

/* A description containing "# TODO" is a known failure (TAP's TODO directive): printed as
 * "not ok", read by prove as expected, and not counted in done_testing()'s exit status. */
static int report(int cond, const char *fmt, va_list ap)
{
    char msg[2048];
    vsnprintf(msg, sizeof msg, fmt, ap);
    t_run++;
    printf("%sok %d - %s\n", cond ? "" : "not ", t_run, msg);
    fflush(stdout);
    if (!cond && !strstr(msg, "# TODO")) {
        t_failed++;
        /* stderr too: prove shows it without -v, so a CI log names the failing assertion */
        fprintf(stderr, "#   Failed test %d - %s\n", t_run, msg);
    }
    return cond;
}

int ok(int cond, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = report(cond, fmt, ap);
    va_end(ap);
    return r;
}

int is_int(long long got, long long want, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = report(got == want, fmt, ap);
    va_end(ap);
    if (!r) diag("  got %lld, want %lld", got, want);
    return r;
}

int is_str(const char *got, const char *want, const char *fmt, ...)
{
    int same = got && want && strcmp(got, want) == 0;
    va_list ap;
    va_start(ap, fmt);
    int r = report(same, fmt, ap);
    va_end(ap);
    if (!r) diag("  got '%s', want '%s'", got ? got : "(null)", want ? want : "(null)");
    return r;
}

int is_bytes(const void *got, size_t glen, const void *want, size_t wlen, const char *fmt, ...)
{
    int same = glen == wlen && (glen == 0 || (got && want && memcmp(got, want, glen) == 0));
    va_list ap;
    va_start(ap, fmt);
    int r = report(same, fmt, ap);
    va_end(ap);
    if (!r) {
        size_t i = 0, m = glen < wlen ? glen : wlen;
        const unsigned char *g = got, *w = want;
        while (g && w && i < m && g[i] == w[i]) i++;
        diag("  lengths %zu vs %zu, first difference at byte %zu", glen, wlen, i);
    }
    return r;
}

void skip(int n, const char *why)
{
    for (int i = 0; i < n; i++) {
        t_run++;
        printf("ok %d # SKIP %s\n", t_run, why);
    }
    fflush(stdout);
}

void diag(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "# ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
}

int done_testing(void)
{
    if (t_planned <= 0) printf("1..%d\n", t_run);
    fflush(stdout);
    return t_failed || (t_planned > 0 && t_run != t_planned) ? 1 : 0;
}

const char *tap_vectors(void)
{
    const char *v = getenv("HOLO_VECTORS");
    return v && *v ? v : "../shared/vectors";
}

uint8_t *tap_slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 1 << 16, n = 0;
    uint8_t *buf = malloc(cap);
    size_t r;
    while (buf && (r = fread(buf + n, 1, cap - n, f)) > 0) {
        n += r;
        if (n == cap) {
            uint8_t *nb = realloc(buf, cap *= 2);
            if (!nb) { free(buf); buf = NULL; }
            else buf = nb;
        }
    }
    fclose(f);
    if (buf) *len = n;
    return buf;
}

int tap_spew(const char *path, const void *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    size_t w = fwrite(p, 1, n, f);
    return fclose(f) == 0 && w == n ? 0 : -1;
}

void tap_copy(const char *src, const char *dst)
{
    size_t n = 0;
    uint8_t *b = tap_slurp(src, &n);
    if (b) tap_spew(dst, b, n);
    free(b);
}

void tap_pathf(char *out, size_t sz, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out, sz, fmt, ap);
    va_end(ap);
}

static int has_prefix(const char *id, const char *const *prefixes)
{
    for (size_t i = 0; prefixes[i]; i++)
        if (!strncmp(id, prefixes[i], strlen(prefixes[i]))) return 1;
    return 0;
}

int tap_vector_cases(const char *const *prefixes, tap_case_fn fn, void *ctx)
{
    char cases[4096];
    tap_pathf(cases, sizeof cases, "%s/formats/cases", tap_vectors());
    struct dirent **names;
    int n = scandir(cases, &names, NULL, alphasort), ran = 0;
    if (n < 0) {
        diag("no vector cases in %s", cases);
        return 0;
    }
    for (int i = 0; i < n; i++) {
        const char *id = names[i]->d_name;
        if (id[0] != '.' && has_prefix(id, prefixes)) {
            char cdir[4200], cj[4300];
            tap_pathf(cdir, sizeof cdir, "%s/%s", cases, id);
            tap_pathf(cj, sizeof cj, "%s/case.json", cdir);
            json_error_t je;
            json_t *c = json_load_file(cj, 0, &je);
            if (ok(c != NULL, "%s: case.json", id)) {
                fn(id, cdir, c, ctx);
                ran++;
            }
            json_decref(c);
        }
        free(names[i]);
    }
    free(names);
    return ran;
}
