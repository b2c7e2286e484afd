/* t_v4_jpeg.c — HO4J stage A: JPEG files parse into the coefficients libjpeg decodes and
 * rebuild byte for byte (baseline, progressive, restarts, grey, every sampling, odd sizes,
 * EXIF/ICC/COM segments, trailing data, padding exceptions, through the serialised recipe);
 * arithmetic-coded, truncated and damaged files are refused with a reason, never a crash.
 * Real photos: HOLO_JPEG_DIR, by default ~/.cache/holofs/wallpapers (`make deps`), checked the
 * same way, and the default profile's size and quality promises on two of them. */
#include "tap.h"
#include "internal.h"
#include "jpeg_testutil.h"
#include <dirent.h>

/* parse_exact succeeds, libjpeg decodes the same coefficients, the recipe round trip and the
 * rebuild give the file back. */
static void check_exact(const uint8_t *buf, size_t len, const char *name)
{
    v4j_jpeg j;
    holo_err err = { 0 };
    int rc = v4j_parse_exact(buf, len, &j, &err);
    if (!ok(rc == 0, "%s: parse + rebuild byte-exact (%zu bytes)", name, len)) {
        diag("%s", err.msg);
        return;
    }
    char why[200] = "";
    if (!ok(jt_same_as_libjpeg(buf, len, &j, why, sizeof why), "%s: coefficients = libjpeg's",
            name))
        diag("%s", why);
    /* through the serialised recipe and a copy of the planes */
    uint8_t *rec = NULL, *back = NULL;
    size_t rlen = 0, blen = 0;
    v4j_jpeg k;
    int good = v4j_recipe_emit(&j, &rec, &rlen) == 0 && v4j_recipe_read(rec, rlen, &k, &err) == 0;
    if (good) {
        for (int c = 0; c < j.ncomp; c++)
            memcpy(k.comp[c].coef, j.comp[c].coef,
                   (size_t)j.comp[c].bw * j.comp[c].bh * 64 * sizeof *j.comp[c].coef);
        good = v4j_rebuild(&k, &back, &blen, &err) == 0;
        v4j_free(&k);
    }
    if (!is_bytes(back, blen, buf, len, "%s: recipe bytes + planes rebuild it", name) && !good)
        diag("%s", err.msg);
    free(rec);
    free(back);
    v4j_free(&j);
}

static void check_made(const jt_opts *o, const char *name)
{
    size_t len = 0;
    uint8_t *buf = jt_make(o, &len);
    if (!ok(buf != NULL, "%s: libjpeg made it", name)) {
        skip(3, "no file");
        return;
    }
    check_exact(buf, len, name);
    free(buf);
}

static void refused(const uint8_t *buf, size_t len, int want, const char *name)
{
    v4j_jpeg j;
    holo_err err = { 0 };
    int rc = v4j_parse_exact(buf, len, &j, &err);
    ok(rc == want && err.msg[0] && !strchr(err.msg, '\n'), "%s: refused (%s)", name, err.msg);
}

/* Every padding bit set to 0 instead of 1: a different file, still rebuilt exactly, with the
 * exceptions recorded. */
static void padding_exceptions(void)
{
    jt_opts o = { .w = 203, .h = 77, .hs = 2, .vs = 2, .restart = 3, .seed = 5 };
    size_t len = 0;
    uint8_t *buf = jt_make(&o, &len), *alt = NULL;
    v4j_jpeg j, k;
    holo_err err = { 0 };
    size_t alen = 0;
    int good = buf && v4j_parse_exact(buf, len, &j, &err) == 0;
    if (good) {
        uint32_t nseg = 1000;
        v4j_pad *p = malloc(nseg * sizeof *p);
        for (uint32_t i = 0; i < nseg; i++)
            p[i] = (v4j_pad){ i, 0 };
        free(j.pad);
        j.pad = p;
        j.npad = nseg;
        good = v4j_rebuild(&j, &alt, &alen, &err) == 0;
        v4j_free(&j);
    }
    ok(good && (alen != len || memcmp(alt, buf, len)), "zero padding: a different file");
    good = good && v4j_parse_exact(alt, alen, &k, &err) == 0;
    ok(good && k.npad > 0, "zero padding: rebuilt exactly, %u exceptions recorded",
       good ? k.npad : 0);
    if (good)
        v4j_free(&k);
    free(buf);
    free(alt);
}

static void damaged(void)
{
    jt_opts o = { .w = 120, .h = 90, .progressive = 1, .restart = 2, .seed = 9 };
    size_t len = 0;
    uint8_t *buf = jt_make(&o, &len);
    uint32_t r = 12345, exact = 0, refusedn = 0;
    for (int t = 0; t < 300; t++) {
        uint8_t *d = malloc(len);
        memcpy(d, buf, len);
        for (int f = 0; f < 1 + t % 4; f++) {
            r = r * 1664525u + 1013904223u;
            d[(r >> 8) % len] ^= (uint8_t)(1u << (r >> 29));
        }
        v4j_jpeg j;
        holo_err err = { 0 };
        if (v4j_parse_exact(d, len, &j, &err) == 0) {
            exact++;
            v4j_free(&j);
        } else
            refusedn += err.msg[0] != 0;
        free(d);
    }
    ok(exact + refusedn == 300, "300 damaged files: each rebuilt exactly or refused with a reason "
       "(%u exact, %u refused)", exact, refusedn);
    free(buf);
}

/* The coefficient coder in the layering the tiers use: coarse DC, fine DC, AC bands over the
 * whole plane, the last band in independent 2x2 rectangles. dec selects decoding into j. */
static void code_layers(v4jc_coder *cd, v4jc_model *m, v4j_jpeg *j)
{
    for (int c = 0; c < j->ncomp; c++) {
        v4j_comp *k = &j->comp[c];
        v4jc_rect all = { 0, 0, k->bw, k->bh };
        v4jc_dc(cd, m, c > 0, k, V4JC_DC_NONE, 5, all);
        v4jc_dc(cd, m, c > 0, k, 5, 2, all);
        v4jc_dc(cd, m, c > 0, k, 2, 0, all);
        v4jc_ac(cd, m, c > 0, k, 1, 6, all);
        v4jc_ac(cd, m, c > 0, k, 6, 20, all);
        uint32_t mx = k->bw / 2, my = k->bh / 2;
        v4jc_rect q[4] = { { 0, 0, mx, my }, { mx, 0, k->bw, my }, { 0, my, mx, k->bh },
                           { mx, my, k->bw, k->bh } };
        for (int i = 0; i < 4; i++)
            if (q[i].x0 < q[i].x1 && q[i].y0 < q[i].y1)
                v4jc_ac(cd, m, c > 0, k, 20, 64, q[i]);
    }
}

/* Coded and decoded in layers, the coefficients come back exactly (and so the file). */
static void coef_roundtrip(const jt_opts *o, const char *name)
{
    size_t len = 0;
    uint8_t *buf = jt_make(o, &len), *rec = NULL, *back = NULL;
    size_t rlen = 0, blen = 0;
    v4j_jpeg j, d;
    holo_err err = { 0 };
    int good = buf && v4j_parse_exact(buf, len, &j, &err) == 0;
    v4_enc e;
    v4_enc_init(&e);
    if (good) {
        v4jc_model *m = v4jc_model_new();
        code_layers(&(v4jc_coder){ 0, &e, NULL, NULL, 0 }, m, &j);
        v4jc_model_free(m);
        good = v4_enc_finish(&e) == 0 && v4j_recipe_emit(&j, &rec, &rlen) == 0 &&
               v4j_recipe_read(rec, rlen, &d, &err) == 0;
        v4j_free(&j);
    }
    if (good) {
        v4_dec dd;
        v4_dec_init(&dd, e.buf, e.len);
        v4jc_model *m = v4jc_model_new();
        code_layers(&(v4jc_coder){ 1, NULL, &dd, NULL, 0 }, m, &d);
        v4jc_model_free(m);
        good = v4j_rebuild(&d, &back, &blen, &err) == 0;
        v4j_free(&d);
    }
    is_bytes(back, blen, buf, len, "%s: coefficient coder round trip (%zu -> %zu bytes)", name,
             len, e.len);
    v4_enc_free(&e);
    free(buf);
    free(rec);
    free(back);
}

/* Random bytes decoded as a coefficient stream: garbage values, no crash. */
static void coef_garbage(void)
{
    size_t len = 0;
    uint8_t *buf = jt_make(&(jt_opts){ .w = 96, .h = 64, .hs = 2, .vs = 2, .seed = 21 }, &len);
    v4j_jpeg j;
    holo_err err = { 0 };
    int good = buf && v4j_parse(buf, len, &j, &err) == 0;
    uint8_t noise[4096];
    for (size_t i = 0; i < sizeof noise; i++)
        noise[i] = (uint8_t)(i * 2654435761u >> 13);
    for (int t = 0; good && t < 20; t++) {
        noise[t] ^= 0x5A;
        v4_dec dd;
        v4_dec_init(&dd, noise, sizeof noise - (size_t)t * 100);
        v4jc_model *m = v4jc_model_new();
        code_layers(&(v4jc_coder){ 1, NULL, &dd, NULL, 0 }, m, &j);
        v4jc_model_free(m);
    }
    ok(good, "coefficient decoder on random bytes: no crash");
    if (good)
        v4j_free(&j);
    free(buf);
}

/* Decode from the chunks listed in ids[0..k): the tiers k chunks recover, their U shares. */
static uint8_t *decode_from(const v4j_streams *s, const unsigned *ids, unsigned k, size_t *len,
                            holo_err *err)
{
    v4j_streams in = *s;
    in.u = calloc(s->n, sizeof *in.u);
    for (unsigned i = 0; i < k; i++)
        in.u[ids[i]] = s->u[ids[i]];
    for (int t = 0; t < V4J_TIERS; t++)
        in.tier[t] = k >= s->m[t] ? s->tier[t] : NULL;
    uint8_t *out = NULL;
    if (v4j_decode(&in, &out, len, err))
        out = NULL;
    free(in.u);
    return out;
}

/* HO4J streams: all n chunks give the file back; k chunks give a JPEG libjpeg decodes to the
 * same size, at a PSNR that does not fall as k grows through 1, m1, m2, n - 1. Tier budgets b
 * (NULL: the default profile); t1_ac: tier 1 must be at block resolution with AC (tier 0's
 * parameter bytes 8, side 1, and 16, its luma cut K1). */
static void chunks_b(const jt_opts *o, unsigned n, double min_m2, const char *name,
                     const v4j_budget *b, int t1_ac)
{
    size_t len = 0;
    uint8_t *buf = jt_make(o, &len);
    v4j_streams s;
    holo_err err = { 0 };
    if (!ok(buf && v4j_encode(buf, len, n, b, &s, &err) == 0, "%s, %u chunks: encoded", name,
            n)) {
        diag("%s", err.msg);
        free(buf);
        return;
    }
    if (t1_ac)
        ok(s.S[0] > 17 && s.tier[0][8] == 1 && s.tier[0][16] > 1,
           "%s: tier 1 at block resolution carries AC 1..%d", name, s.S[0] > 17 ? s.tier[0][16] - 1 : 0);
    unsigned ids[255];
    for (unsigned i = 0; i < n; i++)       /* a scrambled order: the subsets are not a prefix */
        ids[i] = (i * 7 + 3) % n;
    if (n % 7 == 0)
        for (unsigned i = 0; i < n; i++)
            ids[i] = n - 1 - i;
    size_t olen = 0;
    uint8_t *out = decode_from(&s, ids, n, &olen, &err);
    is_bytes(out, olen, buf, len, "%s, %u chunks: all chunks give the file back", name, n);
    free(out);
    unsigned ks[4] = { 1, s.m[1], s.m[2], n > 1 ? n - 1 : 1 };
    double last = 0;
    int rising = 1, valid = 1;
    for (int q = 0; q < 4; q++) {
        out = decode_from(&s, ids, ks[q], &olen, &err);
        double p = out ? jt_psnr(buf, len, out, olen) : -1;
        if (p < 0) {
            valid = 0;
            diag("%s: %u chunks: %s", name, ks[q], out ? "not a JPEG of the right size" : err.msg);
        }
        if (p < last - 0.01)
            rising = 0;
        last = p;
        if (q == 2)
            ok(p >= min_m2, "%s, %u chunks: any %u give %.1f dB >= %.1f", name, n, ks[q], p,
               min_m2);
        free(out);
    }
    ok(valid, "%s, %u chunks: 1, m1, m2, n-1 chunks give valid JPEGs of the same size", name, n);
    ok(rising, "%s, %u chunks: PSNR does not fall with more chunks", name, n);
    v4j_streams_free(&s);
    free(buf);
}

static void chunks(const jt_opts *o, unsigned n, double min_m2, const char *name)
{
    chunks_b(o, n, min_m2, name, NULL, 0);
}

/* Damaged streams: an error or some JPEG, never a crash. */
static void chunks_hostile(void)
{
    size_t len = 0;
    uint8_t *buf = jt_make(&(jt_opts){ .w = 200, .h = 120, .hs = 2, .vs = 2, .seed = 31 }, &len);
    v4j_streams s;
    holo_err err = { 0 };
    int good = buf && v4j_encode(buf, len, 8, NULL, &s, &err) == 0;
    uint32_t r = 99;
    int survived = 0;
    for (int t = 0; good && t < 200; t++) {
        int tier = t % 5;                  /* 0..3 a tier, 4 a U share */
        uint8_t *p = tier < 4 ? s.tier[tier] : s.u[t % s.n];
        size_t pl = tier < 4 ? s.S[tier] : s.u_len[t % s.n];
        if (pl == 0)
            continue;
        r = r * 1664525u + 1013904223u;
        size_t at = tier == 0 && t % 3 == 0 ? (r >> 8) % (pl < 20 ? pl : 20) : (r >> 8) % pl;
        p[at] ^= (uint8_t)(1u << (r >> 29));
        uint8_t *out = NULL;
        size_t olen = 0;
        holo_err e2 = { 0 };
        if (v4j_decode(&s, &out, &olen, &e2) == 0 || e2.msg[0])
            survived++;
        free(out);
        p[at] ^= (uint8_t)(1u << (r >> 29));
    }
    ok(good && survived > 0, "damaged HO4J streams: %d decodes ended in a JPEG or an error",
       survived);
    if (good)
        v4j_streams_free(&s);
    free(buf);
}

/* A profile's promises (issue 18) on one corpus photo: no more than the JPEG + 4 KiB (robust:
 * 1.25x), the worst of 3 random subsets of k = 1, 4, 16 of 32 chunks at >= 15, 20, 27 dB, and
 * the estimates tier 0 carries for holo info no higher than those worst subsets. coarse: tier
 * 1 must carry coarse AC (tier 0's parameter byte 18, luma shift in its low 4 bits). */
static void guarantees(const char *dir, const char *name, int robust, int coarse)
{
    char path[4096];
    tap_pathf(path, sizeof path, "%s/%s", dir, name);
    size_t len = 0;
    uint8_t *buf = tap_slurp(path, &len);
    v4j_streams s;
    holo_err err = { 0 };
    v4j_budget profile = { 0, 0, 0, robust };
    const char *pn = robust ? "robust" : "default";
    if (!ok(buf && v4j_encode(buf, len, 32, &profile, &s, &err) == 0, "%s %s: encoded (32 chunks)",
            name, pn)) {
        diag("%s %s", path, err.msg);
        free(buf);
        return;
    }
    if (coarse)
        ok(s.S[0] > 19 && s.tier[0][16] > 1 && (s.tier[0][18] & 15) > 0,
           "%s %s: tier 1 carries AC 1..%d coarse (magnitudes >> %d)", name, pn,
           s.S[0] > 19 ? s.tier[0][16] - 1 : 0, s.S[0] > 19 ? s.tier[0][18] & 15 : 0);
    uint64_t bytes = v4j_set_bytes(&s), cap = robust ? len + len / 4 : len + 4096;
    ok(bytes <= cap, "%s %s: set %llu bytes <= %llu (%.3fx the JPEG)", name, pn,
       (unsigned long long)bytes, (unsigned long long)cap, (double)bytes / (double)len);
    uint32_t w = 0, h = 0;
    unsigned ek[3] = { 0, 0, 0 };
    double est[3] = { 0, 0, 0 };
    int fr = v4j_frame_size(s.tier[0], s.S[0], &w, &h, est, ek);
    ok(fr == 0 && ek[0] == 1 && ek[1] == 4 && ek[2] == 16 && est[0] > 0, "%s %s: tier 0 carries "
       "estimates for 1/4/16 chunks (%.2f %.2f %.2f dB)", name, pn, est[0], est[1], est[2]);
    static const unsigned ks[3] = { 1, 4, 16 };
    static const double floor_db[3] = { 15, 20, 27 };
    uint32_t r = 12345;
    for (int q = 0; q < 3; q++) {
        double worst = 99;
        for (int rep = 0; rep < 3; rep++) {
            unsigned ids[32];
            for (unsigned i = 0; i < 32; i++)
                ids[i] = i;
            for (unsigned i = 0; i < 31; i++) {   /* a random subset of ks[q] chunks */
                r = r * 1103515245u + 12345u;
                unsigned j = i + (r >> 8) % (32 - i), t = ids[i];
                ids[i] = ids[j];
                ids[j] = t;
            }
            size_t olen = 0;
            uint8_t *out = decode_from(&s, ids, ks[q], &olen, &err);
            double p = out ? jt_psnr(buf, len, out, olen) : -1;
            if (p < worst)
                worst = p;
            free(out);
        }
        ok(worst >= floor_db[q], "%s %s: worst of 3 subsets of %u chunks %.1f dB >= %.0f", name,
           pn, ks[q], worst, floor_db[q]);
        ok(est[q] <= worst, "%s %s: the estimate for %u chunks (%.2f dB) is no more than that",
           name, pn, ks[q], est[q]);
    }
    v4j_streams_free(&s);
    free(buf);
}

/* The corpus `make deps` unpacks (plasma-workspace-wallpapers): every photo byte-exact, the
 * default profile's promises on two of them and the robust profile's on four. */
static void photos(const char *dir)
{
    char def[4096];
    if (!dir || !*dir) {
        const char *home = getenv("HOME");
        tap_pathf(def, sizeof def, "%s/.cache/holofs/wallpapers", home ? home : "");
        dir = def;
    }
    DIR *d = opendir(dir);
    if (!ok(d != NULL, "JPEG corpus in %s (make deps fetches it)", dir))
        return;
    struct dirent *e;
    int seen = 0;
    while ((e = readdir(d))) {
        size_t n = strlen(e->d_name);
        if (n < 4 || e->d_name[0] == '.' || strcasecmp(e->d_name + n - 4, ".jpg"))
            continue;
        char path[4096];
        tap_pathf(path, sizeof path, "%s/%s", dir, e->d_name);
        size_t len = 0;
        uint8_t *buf = tap_slurp(path, &len);
        if (buf) {
            check_exact(buf, len, e->d_name);
            seen++;
        }
        free(buf);
    }
    closedir(d);
    ok(seen >= 10, "%d corpus photos checked", seen);
    guarantees(dir, "Kite.jpg", 0, 0);
    guarantees(dir, "ColdRipple.jpg", 0, 0);
    guarantees(dir, "BytheWater.jpg", 1, 0);
    /* the robust profile's worst cases before tier 1 carried AC (Grey: 15.5 dB from 4 chunks,
     * EveningGlow: 25.0 from 16), and before its AC could be coarse (OneStandsOut: 18.5 dB
     * from 4 chunks at 1.199x) */
    guarantees(dir, "Grey.jpg", 1, 0);
    guarantees(dir, "EveningGlow.jpg", 1, 0);
    guarantees(dir, "OneStandsOut.jpg", 1, 1);
}

int main(void)
{
    plan(0);
    check_made(&(jt_opts){ .w = 320, .h = 240, .hs = 2, .vs = 2, .seed = 1 }, "baseline 4:2:0");
    check_made(&(jt_opts){ .w = 320, .h = 240, .hs = 1, .vs = 1, .seed = 2 }, "baseline 4:4:4");
    check_made(&(jt_opts){ .w = 320, .h = 240, .hs = 2, .vs = 1, .seed = 3 }, "baseline 4:2:2");
    check_made(&(jt_opts){ .w = 250, .h = 130, .hs = 1, .vs = 2, .seed = 3 }, "baseline 4:4:0");
    check_made(&(jt_opts){ .w = 250, .h = 130, .hs = 4, .vs = 1, .seed = 3 }, "baseline 4:1:1");
    check_made(&(jt_opts){ .w = 320, .h = 240, .grey = 1, .seed = 4 }, "grey");
    check_made(&(jt_opts){ .w = 320, .h = 240, .grey = 1, .progressive = 1, .seed = 4 },
               "grey progressive");
    check_made(&(jt_opts){ .w = 320, .h = 240, .hs = 2, .vs = 2, .progressive = 1, .seed = 5 },
               "progressive 4:2:0");
    check_made(&(jt_opts){ .w = 320, .h = 240, .hs = 1, .vs = 1, .progressive = 1, .quality = 98,
                           .seed = 6 }, "progressive 4:4:4 q98");
    check_made(&(jt_opts){ .w = 640, .h = 480, .hs = 2, .vs = 2, .progressive = 1, .quality = 10,
                           .seed = 6 }, "progressive q10 (long EOB runs)");
    check_made(&(jt_opts){ .w = 300, .h = 200, .hs = 2, .vs = 2, .restart = 5, .seed = 7 },
               "baseline restart 5");
    check_made(&(jt_opts){ .w = 300, .h = 200, .hs = 2, .vs = 2, .restart = 1, .progressive = 1,
                           .seed = 7 }, "progressive restart 1");
    check_made(&(jt_opts){ .w = 300, .h = 200, .grey = 1, .restart = 9, .progressive = 1,
                           .seed = 7 }, "grey progressive restart 9");
    check_made(&(jt_opts){ .w = 300, .h = 200, .hs = 2, .vs = 2, .optimize = 1, .seed = 8 },
               "optimised Huffman tables");
    check_made(&(jt_opts){ .w = 300, .h = 200, .quality = 100, .hs = 1, .vs = 1, .seed = 8 },
               "quality 100");
    check_made(&(jt_opts){ .w = 300, .h = 200, .hs = 2, .vs = 2, .exif = 1, .icc = 1, .com = 1,
                           .seed = 9 }, "EXIF + ICC + COM");
    check_made(&(jt_opts){ .w = 1, .h = 1, .hs = 2, .vs = 2, .seed = 10 }, "1x1 4:2:0");
    check_made(&(jt_opts){ .w = 1, .h = 1, .grey = 1, .progressive = 1, .seed = 10 },
               "1x1 grey progressive");
    check_made(&(jt_opts){ .w = 17, .h = 13, .hs = 2, .vs = 2, .seed = 11 }, "17x13 4:2:0");
    check_made(&(jt_opts){ .w = 17, .h = 13, .hs = 2, .vs = 1, .progressive = 1, .seed = 11 },
               "17x13 4:2:2 progressive");
    check_made(&(jt_opts){ .w = 1001, .h = 3, .hs = 2, .vs = 2, .seed = 12 }, "1001x3 4:2:0");
    check_made(&(jt_opts){ .w = 3, .h = 1001, .hs = 2, .vs = 2, .progressive = 1, .restart = 3,
                           .seed = 12 }, "3x1001 progressive restart");

    /* data after EOI is kept */
    size_t len = 0;
    uint8_t *buf = jt_make(&(jt_opts){ .w = 64, .h = 48, .hs = 2, .vs = 2, .seed = 13 }, &len);
    uint8_t *tail = malloc(len + 1000);
    memcpy(tail, buf, len);
    for (int i = 0; i < 1000; i++)
        tail[len + i] = (uint8_t)(i * 31 + (i >> 3));
    check_exact(tail, len + 1000, "1000 bytes after EOI");

    refused(buf, len / 2, HOLO_EINVAL, "truncated at half");
    refused(buf, len * 4 / 5, HOLO_EINVAL, "truncated in the scan data");
    refused(buf, len - 2, HOLO_EINVAL, "EOI missing");
    refused(buf + 2, len - 2, HOLO_EINVAL, "no SOI");
    free(tail);
    free(buf);

    buf = jt_make(&(jt_opts){ .w = 64, .h = 48, .hs = 2, .vs = 2, .arith = 1, .seed = 14 }, &len);
    if (buf)
        refused(buf, len, HOLO_EUNSUPPORTED, "arithmetic-coded");
    else
        skip(1, "this libjpeg cannot write arithmetic coding");
    free(buf);

    coef_roundtrip(&(jt_opts){ .w = 320, .h = 240, .hs = 2, .vs = 2, .seed = 1 }, "4:2:0");
    coef_roundtrip(&(jt_opts){ .w = 333, .h = 111, .grey = 1, .progressive = 1, .quality = 97,
                               .seed = 2 }, "grey progressive q97");
    coef_roundtrip(&(jt_opts){ .w = 17, .h = 13, .hs = 1, .vs = 1, .quality = 100, .seed = 3 },
                   "17x13 4:4:4 q100");
    coef_roundtrip(&(jt_opts){ .w = 1, .h = 1, .hs = 2, .vs = 2, .seed = 4 }, "1x1");
    coef_garbage();
    padding_exceptions();
    damaged();

    chunks(&(jt_opts){ .w = 640, .h = 480, .hs = 2, .vs = 2, .seed = 41 }, 32, 24, "4:2:0");
    chunks(&(jt_opts){ .w = 640, .h = 480, .hs = 2, .vs = 2, .progressive = 1, .restart = 4,
                       .exif = 1, .icc = 1, .seed = 42 }, 32, 24, "progressive + markers");
    chunks(&(jt_opts){ .w = 500, .h = 333, .grey = 1, .optimize = 1, .seed = 43 }, 16, 22,
           "grey, optimised tables");
    chunks(&(jt_opts){ .w = 301, .h = 199, .hs = 1, .vs = 1, .quality = 95, .seed = 44 }, 7, 24,
           "4:4:4 q95");
    chunks(&(jt_opts){ .w = 17, .h = 13, .hs = 2, .vs = 1, .seed = 45 }, 3, 10, "17x13 4:2:2");
    chunks(&(jt_opts){ .w = 1, .h = 1, .hs = 2, .vs = 2, .seed = 46 }, 1, 10, "1x1");
    chunks(&(jt_opts){ .w = 1, .h = 1, .grey = 1, .seed = 46 }, 255, 10, "1x1 grey");
    /* tier 1 at block resolution with AC, tier 2 refining its DC and going on from K1 */
    v4j_budget wide = { 0.01, 0.3, 0.4, 0 };
    chunks_b(&(jt_opts){ .w = 320, .h = 240, .hs = 2, .vs = 2, .seed = 47 }, 32, 24,
             "4:2:0, AC in tier 1", &wide, 1);
    chunks_b(&(jt_opts){ .w = 200, .h = 160, .grey = 1, .progressive = 1, .seed = 48 }, 16, 24,
             "grey progressive, AC in tier 1", &wide, 1);
    chunks_hostile();
    photos(getenv("HOLO_JPEG_DIR"));
    return done_testing();
}
