/* fuzz_dict.c — libFuzzer target for the store dictionary (HO4D) set and the binary v4 chunks
 * that need it (holo(5) "DICTIONARY").
 *
 *   make fuzz && build/fuzz/fuzz_dict -max_len=65536 corpus_dir/
 *
 * Byte 0 selects fix-ups: bit 0 recomputes every chunk's CRCs, bit 1 gives the dictionary set
 * the SHA-256 (and content id) of the stream its data rows hold, so the checks behind the CRCs
 * and the hash (ZSTD_createDDict on arbitrary bytes, decoding with it) are reached too. The
 * rest is split at "\n--\n": parts 0-7 are the chunk files of STORE/.holo-dict/<id>.holo/ (id
 * from the first chunk whose header parses), part 8 a binary v4 chunk read through
 * holo_stream with that dictionary directory. */
#include "internal.h"
#include "v4_container.h"
#include "v4_dict.h"
#include "fuzz_split.h"
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define MAX_PARTS 9

static char scratch[PATH_MAX];

static void clear_scratch(void) { holo_rmtree(scratch); }

static int parse(const uint8_t *c, size_t len, v4c_hdr *h)
{
    return len < V4C_HDR_LEN || v4c_hdr_parse(c, len, len, "fuzz", h, NULL) ? -1 : 0;
}

/* crc_rows over rows and U, crc_head over the header (that field as 0) and the m = 1 rows. */
static void fix_crcs(uint8_t *c, size_t len)
{
    v4c_hdr h;
    if (parse(c, len, &h)) return;
    holo_wr32(c + 104, (uint32_t)crc32(crc32(0L, Z_NULL, 0), c + V4C_HDR_LEN, (uInt)(len - V4C_HDR_LEN)));
    memset(c + 108, 0, 4);
    uLong crc = crc32(0L, c, V4C_HDR_LEN);
    for (unsigned t = 0; t < h.ntiers; t++)
        if (h.m[t] == 1) crc = crc32(crc, c + v4c_row_off(&h, t), (uInt)h.S[t]);
    holo_wr32(c + 108, (uint32_t)crc);
}

/* Give every parsed dictionary chunk the hash of tier 0 as data rows 0..m-1 hold it. */
static void fix_sha(uint8_t **c, const size_t *l, size_t n)
{
    v4c_hdr ref, h;
    size_t first = 0;
    while (first < n && parse(c[first], l[first], &ref)) first++;
    if (first == n || ref.ntiers < 1 || ref.S[0] > V4D_MAX_BYTES) return;
    uint64_t R = v4c_row_len(&ref, 0), S = ref.S[0];
    uint8_t *stream = malloc(R * ref.m[0] + 1);
    unsigned have = 0;
    for (unsigned j = 0; j < ref.m[0]; j++)
        for (size_t i = 0; i < n; i++)
            if (!parse(c[i], l[i], &h) && h.id == j && h.S[0] == S && h.m[0] == ref.m[0]) {
                memcpy(stream + (uint64_t)j * R, c[i] + V4C_HDR_LEN, R);
                have++;
                break;
            }
    if (have == ref.m[0]) {
        uint8_t sha[32];
        sha256(stream, S, sha);
        for (size_t i = 0; i < n; i++) {
            if (parse(c[i], l[i], &h)) continue;
            memcpy(c[i] + 10, sha, 8);    /* content id: the first 8 bytes, as v4d_store */
            memcpy(c[i] + 18, sha, 32);
        }
    }
    free(stream);
}

static void write_file(const char *dir, const char *name, const uint8_t *p, size_t len)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (f) { fwrite(p, 1, len, f); fclose(f); }
}

static void read_binary(const char *setdir, const char *dict_dir)
{
    holo_decode_opts o;
    holo_decode_opts_init(&o);
    o.max_output = 256u << 20;
    o.dict_dir = dict_dir;
    holo_err err;
    holo_stream *s = holo_stream_open(setdir, &o, &err);
    if (!s) return;
    uint8_t buf[4096];
    uint64_t L = holo_stream_size(s);
    holo_stream_read(s, 0, buf, sizeof buf, &err);
    if (L <= (1u << 20)) holo_stream_verify(s, &err);
    holo_stream_close(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!scratch[0]) {
        snprintf(scratch, sizeof scratch, "/dev/shm/holo-fuzz-dict.%d", (int)getpid());
        atexit(clear_scratch);
    }
    if (size < 1) return 0;
    unsigned fix = data[0];
    data++, size--;
    uint8_t *c[MAX_PARTS];
    size_t l[MAX_PARTS], n = fuzz_split(data, size, c, l, MAX_PARTS);
    size_t ndict = n < MAX_PARTS ? n : MAX_PARTS - 1;
    if (fix & 2) fix_sha(c, l, ndict);
    if (fix & 1) for (size_t i = 0; i < n; i++) fix_crcs(c[i], l[i]);

    uint8_t id[HOLO_DICT_ID_LEN] = { 0 };
    v4c_hdr h;
    for (size_t i = 0; i < ndict; i++)
        if (!parse(c[i], l[i], &h)) { memcpy(id, h.sha256, sizeof id); break; }
    char hex[2 * HOLO_DICT_ID_LEN + 1], dict_dir[PATH_MAX], setdir[PATH_MAX], bindir[PATH_MAX], name[32];
    holo_dict_hex(id, hex);
    snprintf(dict_dir, sizeof dict_dir, "%s/%s", scratch, HOLO_DICT_DIRNAME);
    snprintf(setdir, sizeof setdir, "%s/%s.holo", dict_dir, hex);
    snprintf(bindir, sizeof bindir, "%s/file.holo", scratch);
    holo_rmtree(scratch);
    mkdir(scratch, 0700);
    mkdir(dict_dir, 0700);
    mkdir(setdir, 0700);
    for (size_t i = 0; i < ndict; i++) {
        snprintf(name, sizeof name, "chunk_%04zu.holo", i);
        write_file(setdir, name, c[i], l[i]);
    }
    char line[2 * HOLO_DICT_ID_LEN + 2];
    snprintf(line, sizeof line, "%s\n", hex);
    write_file(dict_dir, "CURRENT", (const uint8_t *)line, strlen(line));

    holo_err err;
    uint8_t cur[HOLO_DICT_ID_LEN];
    holo_dict_current(dict_dir, cur, &err);
    holo_dict_check(dict_dir, id, &err);
    v4d_dict *d;
    if (v4d_get(dict_dir, id, "fuzz", &d, &err) == 0) v4d_put(d);
    if (n == MAX_PARTS) {
        mkdir(bindir, 0700);
        write_file(bindir, "chunk_0000.holo", c[n - 1], l[n - 1]);
        read_binary(bindir, dict_dir);
    }
    for (size_t i = 0; i < n; i++) free(c[i]);
    return 0;
}
