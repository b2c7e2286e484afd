/* t_hopk.c — HOPK containers (doc/formats.md §HOPK): packing the reference's three objects byte for
 * byte, unpacking every object from all chunks and from a subset, and hostile manifests/chunks. */
#include "v3_testutil.h"
#include "hopk.h"
#include "imageio.h"
#include "wav.h"

static char casedir[4096];

static int same_object(const holo_decoded *d, const char *want)
{
    holo_err e;
    if (d->pixels) {
        holo_image im;
        if (holo_image_read(want, &im, &e)) return 0;
        int same = d->info.width == im.w && d->info.height == im.h &&
                   !memcmp(d->pixels, im.rgb, (size_t)im.w * im.h * 3);
        holo_image_free(&im);
        return same;
    }
    holo_wav w;
    if (holo_wav_read(want, &w, &e)) return 0;
    int same = d->info.frames == w.frames && d->info.channels == w.channels &&
               !memcmp(d->samples, w.samples, w.frames * w.channels * 2);
    holo_wav_free(&w);
    return same;
}

static void pack_exact(json_t *cj)
{
    const char *in[3];
    char paths[3][4300];
    for (int i = 0; i < 3; i++) {
        snprintf(paths[i], sizeof paths[i], "%s/formats/%s", tap_vectors(),
                 json_string_value(json_array_get(json_object_get(cj, "inputs"), (size_t)i)));
        in[i] = paths[i];
    }
    char tmp[256], out[300];
    tu_tmpdir(tmp);
    snprintf(out, sizeof out, "%s/p.holo", tmp);
    holo_encode_opts eo;
    holo_encode_opts_init(&eo);
    eo.zlib_level = 9;   /* the reference's level: byte-exact chunks */
    eo.block_count = 6;
    holo_err e;
    is_int(holo_pack(in, 3, out, &eo, &e), 0, "pack 3 objects, B=6");
    static const char *const files[] = {
        "manifest.json", "obj_0000_coarse.bin", "obj_0001_coarse.bin", "obj_0002_coarse.bin",
        "chunk_0000.holo", "chunk_0001.holo", "chunk_0002.holo", "chunk_0003.holo",
        "chunk_0004.holo", "chunk_0005.holo", NULL};
    for (int i = 0; files[i]; i++) {
        char a[8704], b[8704];
        snprintf(a, sizeof a, "%s/chunks/%s", casedir, files[i]);
        snprintf(b, sizeof b, "%s/%s", out, files[i]);
        size_t la, lb;
        uint8_t *x = tap_slurp(a, &la), *y = tap_slurp(b, &lb);
        is_bytes(y, lb, x, la, "packed %s byte-identical", files[i]);
        free(x); free(y);
    }
    ok(holo_pack_probe(out), "probe recognises the container");
    holo_rmtree(tmp);

    tu_tmpdir(tmp);
    snprintf(out, sizeof out, "%s/p.holo", tmp);
    eo.block_count = 0;
    eo.chunk_kb = 32;
    holo_pack(in, 3, out, &eo, &e);
    holo_pack_index idx;
    is_int(holo_pack_read_index(out, &idx, &e), 0, "index of the kb-sized pack");
    is_int(idx.block_count, json_integer_value(json_object_get(cj, "note_target_kb32_block_count")),
           "target_chunk_kb=32 picks the reference's block count");
    holo_pack_index_free(&idx);
    holo_rmtree(tmp);
}

static void unpack_all(json_t *cj)
{
    char src[4300], tmp[256];
    snprintf(src, sizeof src, "%s/chunks", casedir);
    tu_tmpdir(tmp);
    static const char *const drop[] = {"chunk_0001.holo", "chunk_0003.holo", "chunk_0004.holo", NULL};
    tu_copy_dir(src, tmp, drop);
    json_t *outs = json_object_get(cj, "outputs");
    for (size_t i = 0; i < 3; i++) {
        char key[32], want[8704];
        holo_decoded d;
        holo_err e;
        snprintf(key, sizeof key, "object%zu_all", i);
        snprintf(want, sizeof want, "%s/%s", casedir, json_string_value(json_object_get(outs, key)));
        int rc = holo_unpack(src, i, NULL, &d, &e);
        ok(rc == 0 && same_object(&d, want), "object %zu from all chunks equals %s", i, key);
        if (!rc) { ok(d.info.exact && d.info.chunks_present == 6, "all 6 chunks used"); holo_decoded_free(&d); }
        snprintf(key, sizeof key, "object%zu_subset", i);
        snprintf(want, sizeof want, "%s/%s", casedir, json_string_value(json_object_get(outs, key)));
        rc = holo_unpack(tmp, i, NULL, &d, &e);
        ok(rc == 0 && same_object(&d, want), "object %zu from chunks 0,2,5 equals %s", i, key);
        if (!rc) { is_int(d.info.chunks_present, 3, "3 chunks used"); holo_decoded_free(&d); }
    }
    holo_decoded d;
    holo_err e;
    is_int(holo_unpack(src, 3, NULL, &d, &e), HOLO_EINVAL, "object 3 does not exist");
    holo_decode_opts o;
    holo_decode_opts_init(&o);
    o.max_chunks = 2;
    if (is_int(holo_unpack(src, 1, &o, &d, &e), 0, "unpack with max_chunks 2")) {
        is_int(d.info.chunks_present, 2, "only the first 2 chunk names used");
        ok(!d.info.exact, "not exact with 2 of 6 chunks");
        holo_decoded_free(&d);
    }
    holo_rmtree(tmp);
}

static void write_file(const char *dir, const char *name, const void *p, size_t n)
{
    char path[8704];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    fwrite(p, 1, n, f);
    fclose(f);
}

static void hostile(void)
{
    char src[4300], tmp[256], mp[8704];
    snprintf(src, sizeof src, "%s/chunks", casedir);
    snprintf(mp, sizeof mp, "%s/manifest.json", src);
    size_t ml;
    uint8_t *man = tap_slurp(mp, &ml);
    char *ms = calloc(1, ml + 1);
    memcpy(ms, man, ml);
    struct { const char *what, *from, *to; } m[] = {
        {"not JSON", "{", "["},
        {"offset past the total", "\"offset\": 34553", "\"offset\": 46000"},
        {"coarse file escapes the directory", "obj_0002_coarse.bin", "../../../etc/passwd"},
        {"image geometry disagrees with residual_len", "\"h\": 64", "\"h\": 65"},
        {"negative block count", "\"block_count\": 6", "\"block_count\": -6"},
        {"huge total", "\"total_residual\": 46841", "\"total_residual\": 99999999999999"},
        {"unknown mode", "\"mode\": \"image\"", "\"mode\": \"video\""},
        {"coarse_shape not 3 channels", "        16,\n        3\n", "        16,\n        4\n"},
    };
    for (size_t i = 0; i < sizeof m / sizeof m[0]; i++) {
        char *p = strstr(ms, m[i].from);
        if (!p) { ok(0, "%s: pattern not found", m[i].what); continue; }
        size_t pre = (size_t)(p - ms), fl = strlen(m[i].from), tl = strlen(m[i].to);
        char *mod = malloc(ml + tl + 1);
        memcpy(mod, ms, pre);
        memcpy(mod + pre, m[i].to, tl);
        memcpy(mod + pre + tl, p + fl, ml - pre - fl + 1);
        tu_tmpdir(tmp);
        tu_copy_dir(src, tmp, NULL);
        write_file(tmp, "manifest.json", mod, strlen(mod));
        free(mod);
        holo_decoded d;
        holo_err e;
        int rc = holo_unpack(tmp, 2, NULL, &d, &e);
        ok(rc < 0 && strstr(e.msg, tmp), "%s: rejected (%s)", m[i].what, e.msg);
        if (!rc) holo_decoded_free(&d);
        holo_rmtree(tmp);
    }
    free(ms);
    free(man);

    /* Bad chunks are skipped, the rest still unpacks. */
    char c0[8704];
    snprintf(c0, sizeof c0, "%s/chunk_0000.holo", src);
    size_t cl;
    uint8_t *c = tap_slurp(c0, &cl);
    struct { const char *what; size_t off; uint8_t val; size_t len; } k[] = {
        {"wrong B", 8, 7, 0}, {"block id = B", 12, 6, 0}, {"wrong N_total", 20, 0, 0},
        {"resid_size past the end", 21, 0x7F, 0}, {"truncated", 0, 0, 100}, {"bad magic", 3, 'X', 0},
        {"corrupt zlib", 27, 0xFF, 0},
    };
    for (size_t i = 0; i < sizeof k / sizeof k[0]; i++) {
        tu_tmpdir(tmp);
        static const char *const only0[] = {"chunk_0001.holo", "chunk_0002.holo", "chunk_0003.holo",
                                            "chunk_0004.holo", "chunk_0005.holo", NULL};
        tu_copy_dir(src, tmp, only0);
        uint8_t *b = malloc(cl);
        memcpy(b, c, cl);
        b[k[i].off] = k[i].val;
        write_file(tmp, "chunk_0000.holo", b, k[i].len ? k[i].len : cl);
        free(b);
        holo_decoded d;
        holo_err e;
        int rc = holo_unpack(tmp, 0, NULL, &d, &e);
        ok(rc == HOLO_ENOCHUNKS, "%s: the only chunk is refused (%s)", k[i].what, e.msg);
        if (!rc) holo_decoded_free(&d);
        holo_rmtree(tmp);
    }
    free(c);
}

int main(void)
{
    plan(0);
    json_t *cj = tu_case("container_hopk_3objects_B6", casedir);
    if (!cj) { skip(1, "container vector missing"); return done_testing(); }
    pack_exact(cj);
    unpack_all(cj);
    hostile();
    json_decref(cj);
    return done_testing();
}
