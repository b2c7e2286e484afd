/* t_horc.c — HORC recovery chunks (doc/formats.md §HORC): the reference vectors byte for byte,
 * hostile headers, and the all-or-nothing solver. */
#include "tap.h"
#include "horc.h"
#include "gf256.h"
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t unhex(const char *h, uint8_t *out)
{
    size_t n = strlen(h) / 2;
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        sscanf(h + 2 * i, "%2x", &v);
        out[i] = (uint8_t)v;
    }
    return n;
}

/* Rebuild every recovery chunk of one vector set from its slices and the stored coefficients. */
static void check_set(json_t *set, const char *label)
{
    json_t *sl = json_object_get(set, "slices_hex");
    size_t B = json_array_size(sl);
    uint8_t *slices[16];
    size_t lens[16], S = 0;
    for (size_t b = 0; b < B; b++) {
        const char *h = json_string_value(json_array_get(sl, b));
        slices[b] = malloc(strlen(h) / 2 + 1);
        lens[b] = unhex(h, slices[b]);
        if (lens[b] > S) S = lens[b];
    }
    int kind = (int)json_integer_value(json_object_get(set, "base_kind"));
    double over = json_real_value(json_object_get(set, "overhead"));
    json_t *rc = json_object_get(set, "recovery_chunks_hex");
    is_int(holo_horc_count((uint32_t)B, over), (long long)json_array_size(rc),
           "%s: ceil(B*overhead) recovery chunks", label);
    size_t i;
    json_t *v;
    json_array_foreach(rc, i, v) {
        const char *h = json_string_value(v);
        uint8_t want[512];
        size_t wl = unhex(h, want);
        holo_horc r;
        holo_err e;
        int prc = holo_horc_parse(want, wl, 0, "vec", &r, &e);
        is_int(prc, 0, "%s: parse recovery %zu", label, i);
        if (prc < 0) continue;
        is_int(r.base_kind, kind, "%s: base_kind", label);
        is_int(r.coded_id, (long long)i, "%s: coded_id", label);
        uint8_t *got;
        size_t gl;
        holo_horc_build((uint8_t)kind, (uint32_t)B, (uint32_t)i, r.coeffs,
                        (const uint8_t *const *)slices, lens, S, &got, &gl, &e);
        is_bytes(got, gl, want, wl, "%s: recovery %zu rebuilt byte for byte", label, i);
        free(got);
        holo_horc_free(&r);
    }
    for (size_t b = 0; b < B; b++) free(slices[b]);
}

static void hostile(void)
{
    /* A valid uncompressed chunk (spec vector) and mutations of it. */
    uint8_t good[64];
    size_t gl = unhex("484f52430101030000000002000000000000000400000002000000048b4af4aa6b7c", good);
    uint8_t buf[64];
    holo_horc r;
    holo_err e;
    is_int(holo_horc_parse(good, gl, 0, "r.holo", &r, &e), 0, "spec vector parses");
    is_int(r.slice_len, 4, "slice_len 4");
    holo_horc_free(&r);
    for (size_t cut = 0; cut < gl; cut++)
        if (holo_horc_parse(good, cut, 0, "r.holo", &r, &e) != HOLO_EINVAL) {
            ok(0, "truncated to %zu bytes not rejected", cut);
            return;
        }
    ok(1, "every truncation rejected");
    memcpy(buf, good, gl); buf[0] = 'X';
    is_int(holo_horc_parse(buf, gl, 0, "r.holo", &r, &e), HOLO_EINVAL, "bad magic");
    ok(strstr(e.msg, "r.holo") != NULL, "message names the file: %s", e.msg);
    memcpy(buf, good, gl); buf[4] = 2;
    ok(holo_horc_parse(buf, gl, 0, "r.holo", &r, &e) < 0, "record version 2 rejected");
    memcpy(buf, good, gl); holo_wr32(buf + 20, 0);
    is_int(holo_horc_parse(buf, gl, 0, "r.holo", &r, &e), HOLO_EINVAL, "coeff_len 0");
    memcpy(buf, good, gl); holo_wr32(buf + 24, 0xFFFFFFF0u);
    is_int(holo_horc_parse(buf, gl, 0, "r.holo", &r, &e), HOLO_EINVAL, "payload_len overflow");
    memcpy(buf, good, gl); holo_wr32(buf + 20, 0xFFFFFFF0u);
    is_int(holo_horc_parse(buf, gl, 0, "r.holo", &r, &e), HOLO_EINVAL, "coeff_len overflow");
    memcpy(buf, good, gl); holo_wr32(buf + 16, 5);
    is_int(holo_horc_parse(buf, gl, 0, "r.holo", &r, &e), HOLO_EINVAL, "slice_len != payload");
    memcpy(buf, good, gl); buf[7] = 1;
    is_int(holo_horc_parse(buf, gl, 0, "r.holo", &r, &e), HOLO_EINVAL, "flagged but not zlib");
    memcpy(buf, good, gl); holo_wr32(buf + 16, 0xFFFFFFFFu); buf[7] = 1;
    is_int(holo_horc_parse(buf, gl, 1 << 20, "r.holo", &r, &e), HOLO_EINVAL,
           "slice_len above the cap rejected before inflating");
}

static uint32_t rng = 99;
static uint8_t rnd(void) { rng = rng * 1664525u + 1013904223u; return (uint8_t)(rng >> 24); }

static void solver(void)
{
    enum { B = 6, S = 37, R = 3 };
    uint8_t data[B][S];
    size_t lens[B];
    const uint8_t *sl[B];
    for (int b = 0; b < B; b++) {
        lens[b] = b == B - 1 ? S - 2 : S;         /* last slice shorter, zero-padded */
        for (int i = 0; i < S; i++) data[b][i] = i < (int)lens[b] ? rnd() : 0;
        sl[b] = data[b];
    }
    holo_horc rec[R + 1];
    holo_err e;
    for (int k = 0; k < R; k++) {
        uint8_t c[B], *buf;
        size_t bl;
        holo_horc_coeffs(1234, (uint32_t)k, B, c);
        holo_horc_build(1, B, (uint32_t)k, c, sl, lens, S, &buf, &bl, &e);
        holo_horc_parse(buf, bl, S, "rec", &rec[k], &e);
        free(buf);
    }
    int cz = 1;
    for (int k = 0; k < R; k++)
        for (int b = 0; b < B; b++) cz &= rec[k].coeffs[b] != 0;
    ok(cz, "generated coefficients are nonzero");

    const uint8_t *known[B];
    uint8_t *out[B];
    /* Lose blocks 1 and 4: 3 equations for 2 unknowns. */
    for (int b = 0; b < B; b++) known[b] = (b == 1 || b == 4) ? NULL : data[b];
    int n = holo_rlnc_recover(B, S, known, lens, rec, R, out, &e);
    is_int(n, 2, "two missing blocks recovered");
    ok(out[1] && !memcmp(out[1], data[1], S), "block 1 exact");
    ok(out[4] && !memcmp(out[4], data[4], S), "block 4 exact");
    ok(!out[0] && !out[2], "known blocks untouched");
    free(out[1]); free(out[4]);

    /* Lose 0,1,3,4: 4 unknowns, 3 equations -> nothing. */
    for (int b = 0; b < B; b++) known[b] = (b == 0 || b == 1 || b == 3 || b == 4) ? NULL : data[b];
    n = holo_rlnc_recover(B, S, known, lens, rec, R, out, &e);
    is_int(n, 0, "4 missing with 3 equations: nothing recovered");
    ok(!out[0] && !out[1] && !out[3] && !out[4], "no partial output");

    /* Lose 3 with exactly 3 equations, the last short slice among them. */
    for (int b = 0; b < B; b++) known[b] = (b == 2 || b == 3 || b == 5) ? NULL : data[b];
    n = holo_rlnc_recover(B, S, known, lens, rec, R, out, &e);
    is_int(n, 3, "3 missing with 3 equations");
    ok(out[5] && !memcmp(out[5], data[5], S), "short slice recovered with zero padding");
    for (int b = 0; b < B; b++) free(out[b]);

    /* Rank deficiency: two copies of the same equation cannot fix two unknowns. */
    holo_horc dup[2] = {rec[0], rec[0]};
    for (int b = 0; b < B; b++) known[b] = (b == 1 || b == 4) ? NULL : data[b];
    n = holo_rlnc_recover(B, S, known, lens, dup, 2, out, &e);
    is_int(n, 0, "duplicate equations: rank 1 < 2, nothing recovered");

    /* An all-zero row on the missing blocks is dropped, the others still solve. */
    uint8_t zc[B] = {5, 0, 7, 9, 0, 11};
    uint8_t *zb;
    size_t zl;
    holo_horc zr;
    holo_horc_build(1, B, 9, zc, sl, lens, S, &zb, &zl, &e);
    holo_horc_parse(zb, zl, S, "z", &zr, &e);
    free(zb);
    holo_horc three[3] = {zr, rec[0], rec[1]};
    n = holo_rlnc_recover(B, S, known, lens, three, 3, out, &e);
    is_int(n, 2, "zero row dropped, remaining two solve");
    ok(out[1] && !memcmp(out[1], data[1], S) && out[4] && !memcmp(out[4], data[4], S),
       "solution exact");
    free(out[1]); free(out[4]);
    holo_horc_free(&zr);

    /* Surplus-row verification (quirk Q16). */
    const uint8_t *all[B];
    for (int b = 0; b < B; b++) all[b] = data[b];
    is_int(holo_rlnc_verify(B, S, all, lens, rec, R), 0, "consistent equations verify");
    rec[1].coeffs[0] ^= 0x5A;
    is_int(holo_rlnc_verify(B, S, all, lens, rec, R), 1, "a corrupted coefficient is caught");
    rec[1].coeffs[0] ^= 0x5A;
    rec[2].payload[3] ^= 1;
    is_int(holo_rlnc_verify(B, S, all, lens, rec, R), 1, "a corrupted payload byte is caught");
    rec[2].payload[3] ^= 1;
    for (int k = 0; k < R; k++) holo_horc_free(&rec[k]);
}

int main(void)
{
    plan(0);
    char path[4096];
    snprintf(path, sizeof path, "%s/formats/tables/horc_vectors.json", tap_vectors());
    json_error_t je;
    json_t *root = json_load_file(path, 0, &je);
    if (!root) {
        skip(1, "horc_vectors.json not found");
    } else {
        check_set(json_object_get(root, "spec_vector"), "spec");
        size_t i;
        json_t *v;
        json_array_foreach(json_object_get(root, "more_vectors"), i, v) {
            char l[32];
            snprintf(l, sizeof l, "more[%zu]", i);
            check_set(v, l);
        }
        json_decref(root);
    }
    hostile();
    solver();
    return done_testing();
}
