/* t_v3_image.c — HOCH v3 images (doc/formats.md §HOCH v3): DCT tables, decoding every image_v3_*
 * vector (all chunks and the documented subset), encoding with the cases' settings, HORC recovery
 * scenarios, and hostile OLOI blobs. */
#include "v3_testutil.h"
#include "dct.h"
#include "imageio.h"

static void tables(void)
{
    char p[4096];
    snprintf(p, sizeof p, "%s/formats/tables/v3_tables.json", tap_vectors());
    json_t *t = json_load_file(p, 0, NULL);
    if (!t) { skip(3, "v3_tables.json missing"); return; }
    const char *key;
    json_t *v;
    int nq = 0, bq = 0;
    json_object_foreach(json_object_get(t, "quant_tables"), key, v) {
        int n, q;
        if (sscanf(key, "block%d_q%d", &n, &q) != 2) continue;
        float Q[256];
        holo_quant_table(n, q, Q);
        nq++;
        for (int r = 0; r < n; r++)
            for (int c = 0; c < n; c++)
                if (Q[r * n + c] != json_integer_value(json_array_get(json_array_get(v, r), c))) {
                    if (!bq) diag("%s [%d][%d]: %g", key, r, c, Q[r * n + c]);
                    bq++;
                }
    }
    ok(nq >= 36 && bq == 0, "%d quantization tables exact", nq);
    int nz = 0, bz = 0;
    json_object_foreach(json_object_get(t, "zigzag"), key, v) {
        int n = atoi(key);
        uint32_t zz[256];
        holo_zigzag(n, zz);
        nz++;
        for (int i = 0; i < n * n; i++) {
            json_t *e = json_array_get(v, i);
            if (zz[i] != (uint32_t)(json_integer_value(json_array_get(e, 0)) * n +
                                    json_integer_value(json_array_get(e, 1)))) bz++;
        }
    }
    ok(nz >= 5 && bz == 0, "%d zig-zag orders exact", nz);
    int nd = 0, bd = 0;
    json_object_foreach(json_object_get(t, "dct_matrix_f32_hex"), key, v) {
        int n = atoi(key);
        float T[256];
        holo_dct_matrix(n, T);
        nd++;
        for (int r = 0; r < n; r++)
            for (int c = 0; c < n; c++)
                if (T[r * n + c] != (float)strtod(json_string_value(json_array_get(json_array_get(v, r), c)), NULL)) bd++;
    }
    ok(nd >= 2 && bd == 0, "%d DCT matrices bit-exact in float32", nd);
    json_decref(t);
}

/* Decode dir and compare with a reference PNG: every pixel within ±1. Returns PSNR of ours vs
 * the reference decode through *psnr. */
static int decode_vs(const char *dir, const char *png, const holo_decode_opts *o, const char *label)
{
    holo_decoded d;
    holo_err e;
    holo_image im;
    int rc = holo_decode_dir(dir, o, &d, &e);
    if (!ok(rc == 0, "%s: decodes", label)) { diag("%s", e.msg); return -1; }
    if (holo_image_read(png, &im, &e)) { ok(0, "%s: read %s", label, png); holo_decoded_free(&d); return -1; }
    size_t n = (size_t)im.w * im.h * 3, diff = 0, big = 0;
    if (!is_int(d.info.width * 10000ll + d.info.height, im.w * 10000ll + im.h, "%s: geometry", label)) n = 0;
    for (size_t i = 0; i < n; i++) {
        int df = abs((int)d.pixels[i] - im.rgb[i]);
        diff += df != 0;
        big += df > 1;
    }
    ok(n && big == 0 && diff * 400 <= n, "%s: pixels within ±1 (%zu of %zu differ by 1)", label, diff, n);
    holo_image_free(&im);
    holo_decoded_free(&d);
    return 0;
}

static const char *const cases[] = {
    "image_v3_img_64x64_downsample_q50_B8", "image_v3_flower_320x320_downsample_q50_B8",
    "image_v3_img_37x23_lowfreq_q75_B5",    "image_v3_img_37x23_block16_q30_B6",
    "image_v3_img_64x64_aelatent_q90_B4",   "horc_image_v3_img_64x64_B6", NULL,
};

static void decode_cases(void)
{
    holo_decode_opts o;
    holo_decode_opts_init(&o);
    for (int i = 0; cases[i]; i++) {
        char dir[4096], p1[4300], p2[4300], tmp[256];
        json_t *cj = tu_case(cases[i], dir);
        if (!cj) { skip(1, "case missing"); continue; }
        snprintf(p1, sizeof p1, "%s/chunks", dir);
        snprintf(p2, sizeof p2, "%s/%s", dir,
                 json_string_value(json_object_get(json_object_get(cj, "outputs"), "decoded_all")));
        decode_vs(p1, p2, &o, cases[i]);
        tu_tmpdir(tmp);
        tu_copy_subset(dir, cj, tmp);
        snprintf(p2, sizeof p2, "%s/%s", dir,
                 json_string_value(json_object_get(json_object_get(cj, "outputs"), "decoded_subset")));
        o.no_recovery = 1;
        char label[200];
        snprintf(label, sizeof label, "%s subset", cases[i]);
        decode_vs(tmp, p2, &o, label);
        o.no_recovery = 0;
        holo_rmtree(tmp);
        json_decref(cj);
    }
}

static void recovery_cases(void)
{
    char dir[4096], src[4300], want[4300], tmp[256];
    json_t *cj = tu_case("horc_image_v3_img_64x64_B6", dir);
    if (!cj) { skip(1, "horc case missing"); return; }
    snprintf(src, sizeof src, "%s/chunks", dir);
    holo_decode_opts o;
    holo_decode_opts_init(&o);

    static const char *const del14[] = {"chunk_0001.holo", "chunk_0004.holo", NULL};
    tu_tmpdir(tmp);
    tu_copy_dir(src, tmp, del14);
    snprintf(want, sizeof want, "%s/decoded_all.png", dir);
    decode_vs(tmp, want, &o, "del_1_4 with recovery = decoded_all");
    holo_decoded d;
    holo_err e;
    o.strict = 1;
    is_int(holo_decode_dir(tmp, &o, &d, &e), 0, "strict decode passes once recovery restored all");
    is_int(d.info.chunks_present, 6, "6 blocks present after recovery");
    holo_decoded_free(&d);
    o.strict = 0;
    o.no_recovery = 1;
    snprintf(want, sizeof want, "%s/decoded_del_1_4_without_recovery.png", dir);
    decode_vs(tmp, want, &o, "del_1_4 without recovery");
    o.no_recovery = 0;
    holo_rmtree(tmp);

    static const char *const del0134[] = {"chunk_0000.holo", "chunk_0001.holo", "chunk_0003.holo",
                                          "chunk_0004.holo", NULL};
    tu_tmpdir(tmp);
    tu_copy_dir(src, tmp, del0134);
    snprintf(want, sizeof want, "%s/decoded_del_0_1_3_4_with_recovery.png", dir);
    decode_vs(tmp, want, &o, "del_0_1_3_4: 4 missing > 3 equations, nothing recovered");
    is_int(holo_decode_dir(tmp, &o, &d, &e), 0, "decodes");
    is_int(d.info.chunks_present, 2, "only the 2 real blocks present");
    holo_decoded_free(&d);
    holo_rmtree(tmp);
    json_decref(cj);
}

/* Encode each case's input with its settings and compare with the reference chunks. */
static void encode_cases(void)
{
    for (int i = 0; cases[i]; i++) {
        char dir[4096], in[4300], ref[4300], tmp[256], out[300];
        json_t *cj = tu_case(cases[i], dir);
        if (!cj) continue;
        json_t *a = json_object_get(cj, "encoder_args");
        holo_encode_opts eo;
        holo_encode_opts_init(&eo);
        eo.zlib_level = 9;   /* the reference's level: byte-exact chunks */
        eo.codec_version = 3;
        eo.block_count = (uint32_t)json_integer_value(json_object_get(a, "block_count"));
        if (json_object_get(a, "quality")) eo.quality = (int)json_integer_value(json_object_get(a, "quality"));
        if (json_object_get(a, "dct_block")) eo.block_size = (int)json_integer_value(json_object_get(a, "dct_block"));
        if (json_object_get(a, "coarse_model")) eo.coarse_model = json_string_value(json_object_get(a, "coarse_model"));
        if (json_object_get(a, "overhead")) eo.recovery = json_real_value(json_object_get(a, "overhead"));
        eo.threads = 1;
        snprintf(in, sizeof in, "%s/formats/%s", tap_vectors(), json_string_value(json_object_get(cj, "input")));
        snprintf(ref, sizeof ref, "%s/chunks", dir);
        tu_tmpdir(tmp);
        snprintf(out, sizeof out, "%s/x.holo", tmp);
        holo_err e;
        int rc = holo_encode_file(in, out, &eo, &e);
        if (!is_int(rc, 0, "%s: encode", cases[i])) { diag("%s", e.msg); holo_rmtree(tmp); json_decref(cj); continue; }
        long n, diff, big;
        int same;
        int bad = tu_compare_v3(ref, out, &n, &diff, &big, &same);
        is_int(bad, 0, "%s: names, headers, OLOI blob and slice lengths identical", cases[i]);
        ok(n > 0 && big == 0 && diff * 100 < n, "%s: coefficients within ±1, %ld of %ld differ", cases[i], diff, n);
        /* Quality parity: PSNR of our full decode within 0.3 dB of the reference's, <= 3% bytes. */
        char want[8704];
        snprintf(want, sizeof want, "%s/%s", dir,
                 json_string_value(json_object_get(json_object_get(cj, "outputs"), "decoded_all")));
        holo_image src, refd;
        holo_decoded d;
        holo_decode_opts dopt;
        holo_decode_opts_init(&dopt);
        if (!holo_image_read(in, &src, &e) && !holo_image_read(want, &refd, &e) &&
            !holo_decode_dir(out, &dopt, &d, &e)) {
            size_t np = (size_t)src.w * src.h * 3;
            double po = tu_psnr8(d.pixels, src.rgb, np), pr = tu_psnr8(refd.rgb, src.rgb, np);
            size_t bo = tu_chunk_bytes(out), br = tu_chunk_bytes(ref);
            ok(po >= pr - 0.3, "%s: PSNR %.3f dB vs reference %.3f dB", cases[i], po, pr);
            ok(bo * 100 <= br * 103, "%s: %zu chunk bytes vs reference %zu", cases[i], bo, br);
            holo_decoded_free(&d);
            holo_image_free(&src);
            holo_image_free(&refd);
        } else {
            ok(0, "%s: quality parity inputs (%s)", cases[i], e.msg);
        }
        char p[400];
        snprintf(p, sizeof p, "%s/manifest.json", out);
        ok(access(p, F_OK) == 0, "%s: manifest.json written", cases[i]);
        if (eo.recovery > 0) {
            snprintf(p, sizeof p, "%s/recovery_0002.holo", out);
            ok(access(p, F_OK) == 0, "%s: 3 recovery chunks written", cases[i]);
        }
        holo_rmtree(tmp);
        json_decref(cj);
    }
}

/* Our own encode with recovery: losing up to R chunks decodes exactly like the full set. */
static void own_recovery(void)
{
    char in[4300], tmp[256], out[300], p[400];
    snprintf(in, sizeof in, "%s/formats/inputs/img_37x23.png", tap_vectors());
    tu_tmpdir(tmp);
    snprintf(out, sizeof out, "%s/x.holo", tmp);
    holo_encode_opts eo;
    holo_encode_opts_init(&eo);
    eo.zlib_level = 9;   /* the reference's level: byte-exact chunks */
    eo.codec_version = 3;
    eo.block_count = 7;
    eo.recovery = 0.3;          /* ceil(2.1) = 3 recovery chunks */
    holo_err e;
    is_int(holo_encode_file(in, out, &eo, &e), 0, "encode B=7 with recovery 0.3");
    snprintf(p, sizeof p, "%s/recovery_0002.holo", out);
    ok(access(p, F_OK) == 0, "recovery_0002.holo exists");
    snprintf(p, sizeof p, "%s/recovery_0003.holo", out);
    ok(access(p, F_OK) != 0, "no fourth recovery chunk");
    holo_decoded full, part;
    holo_decode_opts o;
    holo_decode_opts_init(&o);
    is_int(holo_decode_dir(out, &o, &full, &e), 0, "full decode");
    for (int k = 0; k < 3; k++) {
        snprintf(p, sizeof p, "%s/chunk_%04d.holo", out, 2 * k + 1);
        unlink(p);
    }
    is_int(holo_decode_dir(out, &o, &part, &e), 0, "decode with 3 chunks lost");
    ok(full.pixels && part.pixels && !memcmp(full.pixels, part.pixels, 37 * 23 * 3),
       "3 lost chunks recovered exactly");
    holo_decoded_free(&part);

    snprintf(p, sizeof p, "%s/chunk_0000.holo", out);
    unlink(p);
    is_int(holo_decode_dir(out, &o, &part, &e), 0, "decode with 4 chunks lost");
    is_int(part.info.chunks_present, 3, "4 lost > 3 recovery chunks: nothing recovered");
    ok(memcmp(full.pixels, part.pixels, 37 * 23 * 3) != 0, "output degraded, not wrong-recovered");
    holo_decoded_free(&part);
    holo_decoded_free(&full);
    holo_rmtree(tmp);
}

/* Lose 2 of 7 with 4 recovery chunks, one of which lies (its coefficient for a block that is
 * present was changed): the surplus equations contradict the solution, so nothing is recovered
 * rather than wrong slices placed (quirk Q16). */
static void lying_recovery(void)
{
    char in[4300], tmp[256], out[300], p[400];
    snprintf(in, sizeof in, "%s/formats/inputs/img_37x23.png", tap_vectors());
    tu_tmpdir(tmp);
    snprintf(out, sizeof out, "%s/x.holo", tmp);
    holo_encode_opts eo;
    holo_encode_opts_init(&eo);
    eo.zlib_level = 9;   /* the reference's level: byte-exact chunks */
    eo.codec_version = 3;
    eo.block_count = 7;
    eo.recovery = 0.5;          /* 4 recovery chunks */
    holo_err e;
    is_int(holo_encode_file(in, out, &eo, &e), 0, "encode B=7 with recovery 0.5");
    holo_decode_opts o;
    holo_decode_opts_init(&o);
    holo_decoded full, part;
    is_int(holo_decode_dir(out, &o, &full, &e), 0, "full decode");
    for (int k = 1; k <= 2; k++) {
        snprintf(p, sizeof p, "%s/chunk_%04d.holo", out, k);
        unlink(p);
    }
    is_int(holo_decode_dir(out, &o, &part, &e), 0, "2 lost, 4 honest recovery chunks");
    ok(part.info.chunks_present == 7 && !memcmp(full.pixels, part.pixels, 37 * 23 * 3),
       "recovered exactly, surplus equations agree");
    holo_decoded_free(&part);
    snprintf(p, sizeof p, "%s/recovery_0002.holo", out);
    size_t rl;
    uint8_t *r = tap_slurp(p, &rl);
    r[28 + 0] ^= 0x33;                 /* coefficient of block 0, which is present */
    FILE *f = fopen(p, "wb");
    fwrite(r, 1, rl, f);
    fclose(f);
    free(r);
    is_int(holo_decode_dir(out, &o, &part, &e), 0, "decode with a lying recovery chunk");
    is_int(part.info.chunks_present, 5, "contradicting recovery chunks: nothing recovered");
    holo_decoded_free(&part);
    holo_decoded_free(&full);
    holo_rmtree(tmp);
}

/* Block count from a chunk size target (doc/formats.md §Block count, tables/block_count.json
 * end_to_end). */
static void block_count_kb(void)
{
    char in[4300], tmp[256], out[300];
    snprintf(in, sizeof in, "%s/formats/inputs/img_64x64.png", tap_vectors());
    tu_tmpdir(tmp);
    snprintf(out, sizeof out, "%s/x.holo", tmp);
    holo_encode_opts eo;
    holo_encode_opts_init(&eo);
    eo.zlib_level = 9;   /* the reference's level: byte-exact chunks */
    eo.codec_version = 3;
    eo.chunk_kb = 2;
    holo_err e;
    holo_info info;
    is_int(holo_encode_file(in, out, &eo, &e), 0, "encode with target_chunk_kb 2");
    is_int(holo_info_dir(out, &info, &e), 0, "info");
    is_int(info.block_count, 22, "B = 22 as the reference (C = 794-byte OLOI blob, RB = 2*12288)");
    holo_rmtree(tmp);
}

/* A chunk whose OLOI blob is damaged cannot be the reference: it is dropped whole and the next
 * chunk becomes the reference, so the result equals the decode without that file. */
static void hostile_oloi(void)
{
    char dir[4096], src[4300], tmp[256], tmp2[256], p[8704];
    json_t *cj = tu_case("image_v3_img_37x23_lowfreq_q75_B5", dir);
    if (!cj) { skip(1, "case missing"); return; }
    json_decref(cj);
    snprintf(src, sizeof src, "%s/chunks", dir);
    static const char *const no0[] = {"chunk_0000.holo", NULL};
    tu_tmpdir(tmp2);
    tu_copy_dir(src, tmp2, no0);
    holo_decoded want, got;
    holo_decode_opts o;
    holo_decode_opts_init(&o);
    holo_err e;
    is_int(holo_decode_dir(tmp2, &o, &want, &e), 0, "decode without chunk 0");
    snprintf(p, sizeof p, "%s/chunk_0000.holo", src);
    size_t len;
    uint8_t *orig = tap_slurp(p, &len);
    /* Offsets inside the blob (which starts at 30). */
    struct { const char *what; size_t off; uint8_t val; size_t cut; } m[] = {
        {"bad OLOI magic", 30, 'X', 0},
        {"meta version 3", 34, 3, 0},
        {"block size 0", 35, 0, 0},
        {"pad_h 200 >= block size", 39, 200, 0},
        {"name_len past the blob", 46, 0xFF, 0},
        {"payload_len past the blob", 42, 0x7F, 0},
        {"lowfreq zlib corrupted", 30 + 17 + 14 + 3, 0x00, 0},
        {"blob shorter than 16 bytes", 0, 0, 1},
    };
    for (size_t i = 0; i < sizeof m / sizeof m[0]; i++) {
        uint8_t *b = malloc(len);
        memcpy(b, orig, len);
        size_t bl = len;
        if (m[i].cut) {
            /* coarse_len = 10: the blob is too short, the slice moves accordingly. */
            holo_chunk_hdr h;
            holo_chunk_parse(b, len, "c", &h, &e);
            memmove(b + 40, b + h.resid_off, h.resid_len);
            holo_wr32(b + 22, 10);
            bl = 40 + h.resid_len;
        } else {
            b[m[i].off] = m[i].val;
        }
        tu_tmpdir(tmp);
        tu_copy_dir(tmp2, tmp, NULL);
        snprintf(p, sizeof p, "%s/chunk_0000.holo", tmp);
        FILE *f = fopen(p, "wb");
        fwrite(b, 1, bl, f);
        fclose(f);
        free(b);
        int rc = holo_decode_dir(tmp, &o, &got, &e);
        ok(rc == 0 && !memcmp(got.pixels, want.pixels, 37 * 23 * 3) && got.info.chunks_bad == 1,
           "%s: chunk dropped, next chunk is the reference", m[i].what);
        if (!rc) holo_decoded_free(&got);
        /* Alone, the damaged chunk gives a clean error naming it. */
        holo_rmtree(tmp);
        tu_tmpdir(tmp);
        snprintf(p, sizeof p, "%s/chunk_0000.holo", tmp);
        b = malloc(len);
        memcpy(b, orig, len);
        if (m[i].cut) { bl = 40; holo_wr32(b + 22, 10); holo_wr32(b + 26, 0); }
        else b[m[i].off] = m[i].val;
        f = fopen(p, "wb");
        fwrite(b, 1, bl, f);
        fclose(f);
        free(b);
        rc = holo_decode_dir(tmp, &o, &got, &e);
        ok(rc == HOLO_ENOCHUNKS, "%s alone: no usable chunk (%s)", m[i].what, e.msg);
        if (!rc) holo_decoded_free(&got);
        holo_rmtree(tmp);
    }
    free(orig);
    holo_decoded_free(&want);
    holo_rmtree(tmp2);
}

int main(void)
{
    plan(0);
    tables();
    decode_cases();
    recovery_cases();
    encode_cases();
    own_recovery();
    lying_recovery();
    block_count_kb();
    hostile_oloi();
    return done_testing();
}
