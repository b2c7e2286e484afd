/* tap.h — a tiny TAP producer for the C unit tests (run by prove). */
#ifndef HOLO_TAP_H
#define HOLO_TAP_H
#include <stddef.h>
#include <stdint.h>

void plan(int n);                       /* "1..n"; plan(0) = no plan, done_testing() prints it */
/* A description containing "# TODO ..." marks a known failure: TAP's TODO directive, not
 * counted as a failure (prove reports it when it starts passing). */
int ok(int cond, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int is_int(long long got, long long want, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int is_str(const char *got, const char *want, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Byte comparison; on mismatch reports the first differing offset. */
int is_bytes(const void *got, size_t glen, const void *want, size_t wlen, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
void skip(int n, const char *why);
void diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int done_testing(void);                 /* exit status: 0 when every test passed */

/* Directory of the reference vectors (HOLO_VECTORS or ../shared/vectors). */
const char *tap_vectors(void);
/* Read a whole file; returns malloc'd buffer or NULL. */
uint8_t *tap_slurp(const char *path, size_t *len);
/* Write n bytes to path (0 or -1); copy a file (best effort). */
int tap_spew(const char *path, const void *p, size_t n);
void tap_copy(const char *src, const char *dst);
/* The reference's vector cases (formats/cases/ID/ with case.json): fn gets each case whose ID
 * starts with one of `prefixes` (NULL-terminated), in name order, with its directory and its
 * parsed case.json (jansson; freed after fn returns). A case.json that does not load is one
 * failed test. Returns the number of cases fn was called for. */
struct json_t;
typedef void (*tap_case_fn)(const char *id, const char *cdir, struct json_t *cj, void *ctx);
int tap_vector_cases(const char *const *prefixes, tap_case_fn fn, void *ctx);
/* snprintf into a path buffer (test paths are short; no truncation warnings). */
void tap_pathf(char *out, size_t sz, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
#endif
