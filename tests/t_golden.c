/* t_golden.c — golden steps, slice layouts and block counts against the reference tables. */
#include "internal.h"
#include "tap.h"
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static json_t *load_table(const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/formats/tables/%s", tap_vectors(), name);
    json_error_t je;
    json_t *j = json_load_file(path, 0, &je);
    if (!j) diag("cannot load %s: %s", path, je.text);
    return j;
}

static void test_steps(void)
{
    json_t *t = load_table("golden_steps.json");
    if (!t) { ok(0, "golden_steps.json loads"); return; }
    size_t i, bad = 0;
    json_t *row;
    json_array_foreach(t, i, row) {
        uint64_t n = (uint64_t)json_integer_value(json_object_get(row, "n"));
        uint64_t want = (uint64_t)json_integer_value(json_object_get(row, "step"));
        if (holo_golden_step(n) != want) {
            if (bad++ < 5) diag("n=%llu: step %llu, want %llu", (unsigned long long)n,
                                (unsigned long long)holo_golden_step(n), (unsigned long long)want);
        }
    }
    ok(bad == 0 && i > 10, "golden steps match the table (%zu rows)", i);
    is_int((long long)holo_golden_step(4294967296ull), 2654435769ll, "step for N = 2^32");
    is_int((long long)holo_golden_step(6220800), 3844667, "step for N = 6220800");
    json_decref(t);
}

static int slice_matches(json_t *want, uint64_t n, uint32_t B, uint32_t b, int golden)
{
    uint64_t len = holo_slice_len(n, B, b);
    if (json_array_size(want) != len) return 0;
    uint64_t *idx = malloc((len ? len : 1) * sizeof *idx);
    holo_slice_indices(n, B, b, golden, idx);
    int same = 1;
    for (uint64_t k = 0; k < len; k++)
        if (idx[k] != (uint64_t)json_integer_value(json_array_get(want, k))) same = 0;
    /* gather/scatter must agree with the index list */
    int16_t *R = malloc((n ? n : 1) * 2), *v = malloc((len ? len : 1) * 2), *back = calloc(n ? n : 1, 2);
    for (uint64_t i = 0; i < n; i++) R[i] = (int16_t)(i * 7 + 1);
    holo_slice_gather_i16(R, n, B, b, golden, v);
    for (uint64_t k = 0; k < len; k++) if (v[k] != R[idx[k]]) same = 0;
    holo_slice_scatter_i16(back, n, B, b, golden, v, len);
    for (uint64_t k = 0; k < len; k++) if (back[idx[k]] != R[idx[k]]) same = 0;
    free(R); free(v); free(back); free(idx);
    return same;
}

static void test_slices(void)
{
    json_t *t = load_table("golden_slices.json");
    if (!t) { ok(0, "golden_slices.json loads"); return; }
    size_t i, bad = 0, cases = 0;
    json_t *row;
    json_array_foreach(t, i, row) {
        uint64_t n = (uint64_t)json_integer_value(json_object_get(row, "n"));
        uint32_t B = (uint32_t)json_integer_value(json_object_get(row, "block_count"));
        json_t *v2 = json_object_get(row, "v2_slices"), *v1 = json_object_get(row, "v1_slices");
        for (uint32_t b = 0; b < B; b++) {
            cases++;
            if (v2 && !slice_matches(json_array_get(v2, b), n, B, b, 1)) { bad++; diag("v2 n=%llu B=%u b=%u", (unsigned long long)n, B, b); }
            if (v1 && !slice_matches(json_array_get(v1, b), n, B, b, 0)) { bad++; diag("v1 n=%llu B=%u b=%u", (unsigned long long)n, B, b); }
        }
    }
    ok(bad == 0 && cases > 0, "golden and strided slices match the table (%zu slices)", cases);
    json_decref(t);

    /* Every element lands in exactly one slice, for awkward n and B. */
    static const uint64_t ns[] = { 1, 2, 3, 10, 97, 1000, 4099 };
    static const uint32_t Bs[] = { 1, 2, 3, 7, 32, 200 };
    int perm_ok = 1;
    for (size_t a = 0; a < sizeof ns / sizeof *ns; a++)
        for (size_t c = 0; c < sizeof Bs / sizeof *Bs; c++) {
            uint64_t n = ns[a];
            uint32_t B = Bs[c];
            uint8_t *hit = calloc(n, 1);
            uint64_t *idx = malloc(n * sizeof *idx), total = 0;
            for (uint32_t b = 0; b < B; b++) {
                uint64_t len = holo_slice_len(n, B, b);
                holo_slice_indices(n, B, b, 1, idx);
                for (uint64_t k = 0; k < len; k++) { if (idx[k] >= n || hit[idx[k]]++) perm_ok = 0; }
                total += len;
            }
            if (total != n) perm_ok = 0;
            free(hit); free(idx);
        }
    ok(perm_ok, "slices partition the residual for assorted n and B");
    is_int((long long)holo_slice_len(5, 8, 6), 0, "a block beyond n has an empty slice");
}

static void test_block_counts(void)
{
    json_t *t = load_table("block_count.json");
    if (!t) { ok(0, "block_count.json loads"); return; }
    json_t *cases = json_object_get(t, "formula_cases"), *row;
    size_t i, bad = 0;
    json_array_foreach(cases, i, row) {
        const char *var = json_string_value(json_object_get(row, "variant"));
        uint64_t rb = (uint64_t)json_integer_value(json_object_get(row, "residual_bytes_total"));
        uint64_t c = (uint64_t)json_integer_value(json_object_get(row, "coarse_bytes_len"));
        uint64_t want = (uint64_t)json_integer_value(json_object_get(row, "block_count_before_clamp"));
        uint64_t got = !strcmp(var, "kb")
            ? holo_block_count_kb(rb, c, (long)json_integer_value(json_object_get(row, "target_chunk_kb")))
            : holo_block_count_bytes(rb, c, (long)json_integer_value(json_object_get(row, "max_chunk_bytes")));
        if (got != want) { bad++; diag("%s rb=%llu c=%llu: %llu want %llu", var, (unsigned long long)rb, (unsigned long long)c, (unsigned long long)got, (unsigned long long)want); }
    }
    ok(bad == 0 && i > 3, "block counts match the table (%zu cases)", i);
    json_decref(t);
}

static void test_repr(void)
{
    static const struct { double x; const char *s; } r[] = {
        { 6881.0, "6881.0" }, { 0.0001, "0.0001" }, { 1e16, "1e+16" }, { 1.5e-05, "1.5e-05" },
        { 0.0, "0.0" }, { 123456.789, "123456.789" }, { 0.1, "0.1" }, { 1234567890123456.0, "1234567890123456.0" },
        { 2.5e20, "2.5e+20" }, { -3.25, "-3.25" },
    };
    int bad = 0;
    for (size_t i = 0; i < sizeof r / sizeof *r; i++) {
        char out[40];
        holo_repr_double(r[i].x, out);
        if (strcmp(out, r[i].s)) { bad++; diag("repr(%g) = %s, want %s", r[i].x, out, r[i].s); }
    }
    ok(!bad, "scores print like Python repr");
}

int main(void)
{
    test_steps();
    test_slices();
    test_block_counts();
    test_repr();
    return done_testing();
}
