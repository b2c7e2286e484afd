/* t_v4_dict.c — store dictionaries through the library: holo_dict_train writes a set and
 * CURRENT; an encode below the store finds it by walking up and records its id; decoding finds
 * it the same way or through dict_dir, and a wrong dict_dir is a clean error; hostile HO4B sets
 * (dictionary flag without the id, unknown flags) and HO4D sets (oversized) fail cleanly. */
#include "tap.h"
#include "internal.h"
#include "sha256.h"
#include "v4_binary.h"
#include "v4_container.h"
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

static char root[256];
static uint64_t rng = 0x9E3779B97F4A7C15ull;
static unsigned rnd(unsigned n) { rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17; return (unsigned)(rng % n); }

/* Record-like text: shared field names and phrases, varying values. */
static size_t make_record(char *buf, size_t cap)
{
    static const char *const words[] = { "\"name\": ", "\"version\": ", "\"depends\": [", "\"license\": \"GPL-2+\"",
                                         "\"description\": \"", "library for ", "command line ", "\"maintainer\": ",
                                         "Debian ", "the ", "files ", "}, {" };
    size_t n = 0;
    while (n + 64 < cap) {
        n += (size_t)snprintf(buf + n, cap - n, "%s%u ", words[rnd(12)], rnd(100000));
        if (n > 1500 + rnd(3000)) break;
    }
    return n;
}

/* Write a v4 container set by hand (hostile variants). */
static int write_set(const char *dir, const char magic[4], unsigned flags, const uint8_t *t0, size_t t0len,
                     const uint8_t *t1, size_t t1len, uint64_t length, unsigned m1)
{
    mkdir(dir, 0755);
    v4c_spec sp = { .flags = (uint8_t)flags, .n = m1 > 1 ? m1 : 1, .length = length, .ntiers = t1 ? 2 : 1 };
    memcpy(sp.magic, magic, 4);
    sha256(t1 ? t1 : t0, t1 ? t1len : t0len, sp.sha256);
    sp.content_id = 42;
    sp.tier[0] = (v4c_source){ .m = t1 ? 1 : m1, .S = t0len, .mem = t0 };
    if (t1) sp.tier[1] = (v4c_source){ .m = 1, .S = t1len, .mem = t1 };
    holo_err e;
    return v4c_write(dir, &sp, &e);
}

int main(void)
{
    plan(20);
    snprintf(root, sizeof root, "%s/t_v4_dict.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(root)) return 1;
    char path[512], store[512], src[512], dd[512], out[512];
    tap_pathf(store, sizeof store, "%s/store", root);
    tap_pathf(src, sizeof src, "%s/src", root);
    tap_pathf(dd, sizeof dd, "%s/.holo-dict", store);
    mkdir(store, 0755);
    mkdir(src, 0755);
    char *rec = malloc(8192);
    for (int i = 0; i < 80; i++) {
        size_t n = make_record(rec, 8192);
        tap_pathf(path, sizeof path, "%s/r%02d.json", src, i);
        tap_spew(path, rec, n);
    }
    const char *paths[] = { src };
    uint8_t id[HOLO_DICT_ID_LEN], cur[HOLO_DICT_ID_LEN];
    holo_dict_stats st;
    holo_dict_train_opts to = { .force = 1 };
    holo_err e;
    int rc = holo_dict_train(paths, 1, dd, &to, id, &st, &e);
    ok(rc == 0, "holo_dict_train on 80 records (%s)", rc ? e.msg : "ok");
    ok(st.files == 80 && st.samples == 80 && st.dict_size >= 1024, "... %llu files, %llu samples, a %u-byte dictionary",
       (unsigned long long)st.files, (unsigned long long)st.samples, st.dict_size);
    ok(holo_dict_current(dd, cur, NULL) == 0 && !memcmp(cur, id, sizeof id), "CURRENT names it");
    ok(holo_dict_check(dd, id, &e) == 0, "holo_dict_check rebuilds and verifies it");
    ok(st.dict_store_bytes < (uint64_t)st.dict_size * 2, "its set keeps it compressed: %llu bytes for %u (2x parity)",
       (unsigned long long)st.dict_store_bytes, st.dict_size);

    /* encode below the store: found by walking up */
    char sub[512], x[512];
    tap_pathf(sub, sizeof sub, "%s/a/b", store);
    tap_pathf(x, sizeof x, "%s/a", store);
    mkdir(x, 0755);
    mkdir(sub, 0755);
    ok(holo_dict_find(sub, out, sizeof out) == 0 && strstr(out, "/store/.holo-dict"), "holo_dict_find walks up to %s", out);
    size_t n = make_record(rec, 8192);
    tap_pathf(path, sizeof path, "%s/new.json", root);
    tap_spew(path, rec, n);
    char set[512];
    tap_pathf(set, sizeof set, "%s/new.json.holo", sub);
    holo_encode_opts eo;
    holo_encode_opts_init(&eo);
    eo.codec_version = 4;
    eo.mode = HOLO_KIND_BINARY;
    rc = holo_encode_file(path, set, &eo, &e);
    holo_info info;
    ok(rc == 0 && holo_info_dir(set, &info, NULL) == 0 && info.has_dict && !memcmp(info.dict_id, id, sizeof id),
       "an encode two levels below the store uses its dictionary");
    holo_decoded d;
    holo_decode_opts dop;
    holo_decode_opts_init(&dop);
    rc = holo_decode_dir(set, &dop, &d, &e);
    ok(rc == 0 && d.info.length == n && !memcmp(d.bytes, rec, n), "... and decodes exactly, found the same way");
    holo_decoded_free(&d);
    dop.dict_dir = dd;
    rc = holo_decode_dir(set, &dop, &d, &e);
    ok(rc == 0 && d.info.length == n, "... or through dict_dir");
    holo_decoded_free(&d);
    char empty[512];
    tap_pathf(empty, sizeof empty, "%s/empty", root);
    mkdir(empty, 0755);
    dop.dict_dir = empty;
    rc = holo_decode_dir(set, &dop, &d, &e);
    char hex[33];
    holo_dict_hex(id, hex);
    ok(rc == HOLO_ENOCHUNKS && strstr(e.msg, hex) && strstr(e.msg, "not found in"), "a dict_dir without it: %s", e.msg);
    eo.dict_dir = "";
    tap_pathf(set, sizeof set, "%s/nodict.json.holo", sub);
    ok(holo_encode_file(path, set, &eo, NULL) == 0 && holo_info_dir(set, &info, NULL) == 0 && !info.has_dict,
       "dict_dir \"\" encodes without a dictionary");
    eo.dict_dir = NULL;
    char big[512];
    tap_pathf(big, sizeof big, "%s/big.bin", root);
    uint8_t *b = malloc(HOLO_DICT_MAX_FILE + 1);
    for (size_t i = 0; i <= HOLO_DICT_MAX_FILE; i++) b[i] = (uint8_t)rnd(7);
    tap_spew(big, b, HOLO_DICT_MAX_FILE + 1);
    tap_pathf(set, sizeof set, "%s/big.holo", store);
    ok(holo_encode_file(big, set, &eo, NULL) == 0 && holo_info_dir(set, &info, NULL) == 0 && !info.has_dict,
       "a file of 64 KiB + 1 is written without the dictionary");
    free(b);

    /* hostile HO4B: the flag without the id; an unknown flag */
    uint8_t idx[V4B_INDEX_HEAD + V4B_INDEX_ENTRY + HOLO_DICT_ID_LEN] = {0}, raw[100];
    memset(raw, 'a', sizeof raw);
    holo_wr32(idx, 8u << 20);
    holo_wr32(idx + 8, 1);
    holo_wr32(idx + 12, sizeof raw);   /* stored raw */
    holo_wr32(idx + 16, (uint32_t)crc32(0, raw, sizeof raw));
    tap_pathf(set, sizeof set, "%s/noid.holo", store);
    write_set(set, "HO4B", V4B_FLAG_DICT, idx, V4B_INDEX_HEAD + V4B_INDEX_ENTRY, raw, sizeof raw, sizeof raw, 1);
    rc = holo_decode_dir(set, NULL, &d, &e);
    ok(rc == HOLO_EINVAL && strstr(e.msg, "frame index"), "dictionary flag without the id: %s", e.msg);
    tap_pathf(set, sizeof set, "%s/flags.holo", store);
    write_set(set, "HO4B", 0x80, idx, V4B_INDEX_HEAD + V4B_INDEX_ENTRY, raw, sizeof raw, sizeof raw, 1);
    rc = holo_decode_dir(set, NULL, &d, &e);
    ok(rc == HOLO_EUNSUPPORTED && strstr(e.msg, "flags"), "unknown HO4B flags: %s", e.msg);
    tap_pathf(set, sizeof set, "%s/plain.holo", store);
    write_set(set, "HO4B", 0, idx, V4B_INDEX_HEAD + V4B_INDEX_ENTRY, raw, sizeof raw, sizeof raw, 1);
    rc = holo_decode_dir(set, NULL, &d, &e);
    ok(rc == 0 && d.info.length == sizeof raw, "the same set without flags decodes (the hostile cases are the flags)");
    holo_decoded_free(&d);
    /* a dictionary id naming a set that is not HO4D, or one over the 1 MiB cap */
    memset(idx + V4B_INDEX_HEAD + V4B_INDEX_ENTRY, 0xAB, HOLO_DICT_ID_LEN);
    tap_pathf(set, sizeof set, "%s/wants_ab.holo", store);
    write_set(set, "HO4B", V4B_FLAG_DICT, idx, sizeof idx, raw, sizeof raw, sizeof raw, 1);
    tap_pathf(path, sizeof path, "%s/abababababababababababababababab.holo", dd);
    uint8_t *huge = calloc(1, (2u << 20) + 1);
    write_set(path, "HO4D", 0, huge, (2u << 20) + 1, NULL, 0, (2u << 20) + 1, 4);
    free(huge);
    rc = holo_decode_dir(set, NULL, &d, &e);
    ok(rc == HOLO_EINVAL && strstr(e.msg, "not a dictionary set"), "a 2 MiB dictionary set is refused: %s", e.msg);
    holo_rmtree(path);
    write_set(path, "HO4B", 0, idx, V4B_INDEX_HEAD + V4B_INDEX_ENTRY, raw, sizeof raw, sizeof raw, 1);
    rc = holo_decode_dir(set, NULL, &d, &e);
    ok(rc == HOLO_EINVAL && strstr(e.msg, "not a dictionary set"), "an HO4B set under a dictionary's name is refused");
    /* a set holding the dictionary itself, as before compressed payloads: still loads; a frame
     * of another dictionary under this one's id: refused */
    n = make_record(rec, 8192);
    uint8_t sha[32], rid[HOLO_DICT_ID_LEN];
    char rhex[33];
    sha256(rec, n, sha);
    memcpy(rid, sha, sizeof rid);
    holo_dict_hex(rid, rhex);
    tap_pathf(path, sizeof path, "%s/%s.holo", dd, rhex);
    write_set(path, "HO4D", 0, (const uint8_t *)rec, n, NULL, 0, n, 4);
    ok(holo_dict_check(dd, rid, &e) == 0, "an uncompressed dictionary set loads");
    holo_rmtree(path);
    uint8_t frame[9000];
    memset(rec, 'q', 4000);
    size_t fl = ZSTD_compress(frame, sizeof frame, rec, 4000, 3);
    write_set(path, "HO4D", 0, frame, fl, NULL, 0, fl, 4);
    rc = holo_dict_check(dd, rid, &e);
    ok(rc == HOLO_EINVAL && strstr(e.msg, "holds another one"), "a frame of another dictionary under its id: %s", e.msg);
    holo_rmtree(path);
    tap_pathf(set, sizeof set, "%s/nodict.json.holo", sub);
    ok(holo_decode_dir(set, NULL, &d, NULL) == 0, "files without a dictionary still decode beside all this");
    holo_decoded_free(&d);
    free(rec);
    holo_rmtree(root);
    return done_testing();
}
