/* t_fs_pack.c — HOPK containers in the holofs namespace: which mount paths are a container,
 * its objects or nothing; object names; sizes from the manifest equal the served bytes (with
 * every chunk and with one missing); a chunk directory is not a container. Uses the reference
 * container vector container_hopk_3objects_B6 (two images and a WAV, B = 6). */
#include "../fs/pack.h"
#include "tap.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int copy_file(const char *from, const char *to)
{
    size_t n;
    uint8_t *b = tap_slurp(from, &n);
    FILE *f = b ? fopen(to, "wb") : NULL;
    int ok = f && fwrite(b, 1, n, f) == n;
    if (f && fclose(f)) ok = 0;
    free(b);
    return ok ? 0 : -1;
}

int main(void)
{
    plan(19);
    char src[1024], store[] = "/tmp/t_fs_pack.XXXXXX", p[PATH_MAX], q[2048];
    snprintf(src, sizeof src, "%s/formats/cases/container_hopk_3objects_B6/chunks", tap_vectors());
    if (access(src, R_OK) || !mkdtemp(store)) {
        skip(19, "container vector missing");
        return done_testing();
    }
    snprintf(p, sizeof p, "%s/sub", store);
    mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/sub/set.holo", store);
    mkdir(p, 0755);
    const char *files[] = { "chunk_0000.holo", "chunk_0001.holo", "chunk_0002.holo",
                            "chunk_0003.holo", "chunk_0004.holo", "chunk_0005.holo",
                            "manifest.json", "obj_0000_coarse.bin", "obj_0001_coarse.bin",
                            "obj_0002_coarse.bin" };
    int copied = 1;
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        snprintf(p, sizeof p, "%s/%s", src, files[i]);
        snprintf(q, sizeof q, "%s/sub/set.holo/%s", store, files[i]);
        if (copy_file(p, q)) copied = 0;
    }
    ok(copied, "container copied into a store");

    char cdir[PATH_MAX];
    size_t idx = 99;
    is_int(pk_resolve(store, "/sub/set", cdir, sizeof cdir, &idx), PK_ROOT, "/sub/set is a container");
    snprintf(q, sizeof q, "%s/sub/set.holo", store);
    is_str(cdir, q, "...whose store directory is set.holo");
    is_int(pk_resolve(store, "/sub/set/obj_0001.wav", cdir, sizeof cdir, &idx), PK_OBJECT,
           "obj_0001.wav is an object");
    is_int((long long)idx, 1, "...index 1");
    is_int(pk_resolve(store, "/sub/set/obj_0001.png", cdir, sizeof cdir, &idx), PK_INSIDE,
           "the wrong extension is nothing");
    is_int(pk_resolve(store, "/sub/set/obj_0003.png", cdir, sizeof cdir, &idx), PK_INSIDE,
           "an index past the objects is nothing");
    is_int(pk_resolve(store, "/sub/set/obj_1.png", cdir, sizeof cdir, &idx), PK_INSIDE,
           "fewer than 4 digits is nothing");
    is_int(pk_resolve(store, "/sub", cdir, sizeof cdir, &idx), PK_NONE, "/sub is not one");
    is_int(pk_resolve(store, "/sub/other", cdir, sizeof cdir, &idx), PK_NONE, "/sub/other is not one");

    holo_pack_index ix;
    holo_err err = { 0 };
    snprintf(q, sizeof q, "%s/sub/set.holo", store);
    if (holo_pack_read_index(q, &ix, &err) < 0) {
        diag("%s", err.msg);
        skip(9, "index unreadable");
        return done_testing();
    }
    char names[3][64];
    for (size_t i = 0; i < 3 && i < ix.n_objects; i++) pk_name(&ix, i, names[i], sizeof names[i]);
    is_str(names[0], "obj_0000.png", "object 0 name");
    is_str(names[1], "obj_0001.wav", "object 1 name");
    is_str(names[2], "obj_0002.png", "object 2 name");
    int sizes_ok = 1, all = 1;
    for (size_t i = 0; i < ix.n_objects; i++) {
        uint8_t *b = NULL;
        size_t n = 0;
        if (pk_load(q, i, &b, &n, &err) < 0) all = 0;
        else if (n != pk_size(&ix, i)) sizes_ok = 0;
        free(b);
    }
    ok(all, "every object unpacks");
    ok(sizes_ok, "every size from the manifest equals the bytes served");
    {
        uint8_t *b = NULL;
        size_t n = 0;
        char wav[PATH_MAX];
        snprintf(wav, sizeof wav, "%s/../object1_all.wav", src);
        size_t wn;
        uint8_t *w = tap_slurp(wav, &wn);
        pk_load(q, 1, &b, &n, &err);
        ok(w && b && wn == n && memcmp(w, b, n) == 0, "the WAV object equals the reference decode");
        free(w);
        free(b);
    }
    snprintf(p, sizeof p, "%s/chunk_0003.holo", q);
    unlink(p);
    uint8_t *b = NULL;
    size_t n = 0;
    int rc = pk_load(q, 0, &b, &n, &err);
    ok(rc == 0 && n == pk_size(&ix, 0), "a chunk missing: object 0 still unpacks, same size");
    free(b);
    holo_pack_index_free(&ix);

    snprintf(p, sizeof p, "%s/formats/cases/image_v2_img_64x64_B8/chunks", tap_vectors());
    ok(!pk_is_container(p), "a v2 chunk directory (with a chunk manifest) is not a container");
    ok(!pk_is_container(store), "nor is a plain directory");

    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        snprintf(p, sizeof p, "%s/sub/set.holo/%s", store, files[i]);
        unlink(p);
    }
    snprintf(p, sizeof p, "%s/sub/set.holo", store);
    rmdir(p);
    snprintf(p, sizeof p, "%s/sub", store);
    rmdir(p);
    rmdir(store);
    return done_testing();
}
