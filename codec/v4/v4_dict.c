/* v4_dict.c — zstd dictionaries kept in the store (holo(5) "DICTIONARY"): each one is an HO4D
 * chunk set STORE/.holo-dict/<id>.holo/ (one tier, any V4D_K of V4D_N chunks rebuild it) named
 * by the first 16 bytes of its SHA-256; CURRENT names the one encoders use. Loaded dictionaries
 * are cached for the process: a holofs read of a small file must not rebuild one each time. */
#include "internal.h"
#include "sha256.h"
#include "v4_container.h"
#include "v4_dict.h"
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CACHE_SLOTS 8
#define CDICT_LEVELS 4

struct v4d_dict {
    uint8_t id[HOLO_DICT_ID_LEN];
    uint8_t *bytes;
    size_t len;
    ZSTD_DDict *ddict;
    int levels[CDICT_LEVELS];
    ZSTD_CDict *cdict[CDICT_LEVELS];
    unsigned refs;            /* users, plus one while it sits in the cache */
    uint64_t tick;
    struct stat set_st;       /* its set directory when loaded: a cache hit must still match */
};

static pthread_mutex_t cache_mu = PTHREAD_MUTEX_INITIALIZER;
static v4d_dict *cache[CACHE_SLOTS];
static uint64_t cache_tick;

void holo_dict_hex(const uint8_t id[HOLO_DICT_ID_LEN], char hex[2 * HOLO_DICT_ID_LEN + 1])
{
    for (unsigned i = 0; i < HOLO_DICT_ID_LEN; i++) snprintf(hex + 2 * i, 3, "%02x", id[i]);
}

static int parse_hex(const char *s, uint8_t id[HOLO_DICT_ID_LEN])
{
    for (unsigned i = 0; i < HOLO_DICT_ID_LEN; i++) {
        unsigned v;
        if (sscanf(s + 2 * i, "%2x", &v) != 1 || !strchr("0123456789abcdef", s[2 * i]) ||
            !strchr("0123456789abcdef", s[2 * i + 1]))
            return -1;
        id[i] = (uint8_t)v;
    }
    return 0;
}

int holo_dict_find(const char *start, char *out, size_t outsz)
{
    char dir[PATH_MAX], real[PATH_MAX];
    if (snprintf(dir, sizeof dir, "%s", start) >= (int)sizeof dir) return -1;
    size_t len = strlen(dir);
    while (len > 1 && dir[len - 1] == '/') dir[--len] = 0;
    char *slash = strrchr(dir, '/');
    if (!slash) snprintf(dir, sizeof dir, ".");
    else if (slash == dir) dir[1] = 0;
    else *slash = 0;
    if (!realpath(dir, real)) return -1;
    for (;;) {   /* realpath: absolute, no "..", so cutting components walks up */
        struct stat st;
        if (snprintf(out, outsz, "%s%s%s", real, strcmp(real, "/") ? "/" : "", HOLO_DICT_DIRNAME) < (int)outsz &&
            stat(out, &st) == 0 && S_ISDIR(st.st_mode))
            return 0;
        char *s = strrchr(real, '/');
        if (!s || !strcmp(real, "/")) return -1;
        if (s == real) s[1] = 0; else *s = 0;
    }
}

int v4d_dir_for(const char *given, const char *chunk_dir, char *out, size_t outsz)
{
    if (given) return *given && snprintf(out, outsz, "%s", given) < (int)outsz ? 0 : -1;
    return holo_dict_find(chunk_dir, out, outsz);
}

int holo_dict_current(const char *dict_dir, uint8_t id[HOLO_DICT_ID_LEN], holo_err *err)
{
    char path[PATH_MAX], buf[2 * HOLO_DICT_ID_LEN + 2];
    if (holo_path_join(path, sizeof path, dict_dir, "CURRENT") < 0)
        return holo_seterr(err, HOLO_EINVAL, "%s: path too long", dict_dir);
    FILE *f = fopen(path, "re");
    if (!f) return holo_seterr(err, HOLO_ENOCHUNKS, "%s: no current dictionary", dict_dir);
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    if (n < 2 * HOLO_DICT_ID_LEN || parse_hex(buf, id))
        return holo_seterr(err, HOLO_EINVAL, "%s: CURRENT does not name a dictionary", dict_dir);
    return 0;
}

/* The bytes a set keeps for a dictionary: the dictionary zstd -19 compressed when that is
 * smaller (its samples are text like the files: about 3x; the set's 2x redundancy then costs
 * less than the raw bytes once). A zstd frame cannot be mistaken for a trained dictionary,
 * which starts with the dictionary magic, so loaders tell the two apart by the first bytes. */
int v4d_pack_bytes(const uint8_t *dict, size_t len, uint8_t **out, size_t *outlen)
{
    size_t cap = ZSTD_compressBound(len);
    uint8_t *z = malloc(cap);
    if (!z) return -1;
    size_t n = ZSTD_compress(z, cap, dict, len, V4D_LEVEL);
    if (ZSTD_isError(n) || n >= len) {
        memcpy(z, dict, len);   /* cap >= len */
        n = len;
    }
    *out = z;
    *outlen = n;
    return 0;
}

uint64_t v4d_store_bytes(size_t len)
{
    return (uint64_t)V4D_N * (V4C_HDR_LEN + (len + V4D_K - 1) / V4D_K);
}

int v4d_store(const char *dict_dir, const uint8_t *dict, size_t len, uint8_t id[HOLO_DICT_ID_LEN],
              holo_err *err)
{
    uint8_t sha[32];
    char hex[2 * HOLO_DICT_ID_LEN + 1], name[64], setdir[PATH_MAX], tmp[PATH_MAX], cur[PATH_MAX];
    sha256(dict, len, sha);
    memcpy(id, sha, HOLO_DICT_ID_LEN);
    holo_dict_hex(id, hex);
    snprintf(name, sizeof name, "%s.holo", hex);
    if (mkdir(dict_dir, 0755) < 0 && errno != EEXIST) return holo_seterr_sys(err, errno, "%s", dict_dir);
    if (holo_path_join(setdir, sizeof setdir, dict_dir, name) < 0 ||
        holo_path_join(cur, sizeof cur, dict_dir, "CURRENT") < 0)
        return holo_seterr(err, HOLO_EINVAL, "%s: path too long", dict_dir);
    int rc = holo_tmpdir_begin(setdir, tmp, sizeof tmp, err);
    if (rc) return rc;
    uint8_t *payload;
    size_t plen;
    if (v4d_pack_bytes(dict, len, &payload, &plen)) {
        holo_rmtree(tmp);
        return holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", dict_dir);
    }
    /* the set's hash covers the bytes it holds; the id is the dictionary's own */
    uint8_t psha[32];
    sha256(payload, plen, psha);
    v4c_spec sp = { .magic = { 'H', 'O', '4', 'D' }, .n = V4D_N, .length = plen, .ntiers = 1 };
    memcpy(sp.sha256, psha, 32);
    for (int i = 0; i < 8; i++) sp.content_id = sp.content_id << 8 | sha[i];
    sp.tier[0] = (v4c_source){ .m = V4D_K, .S = plen, .mem = payload };
    rc = v4c_write(tmp, &sp, err);
    free(payload);
    if (!rc) rc = holo_tmpdir_commit(tmp, setdir, err);
    if (rc) { holo_rmtree(tmp); return rc; }
    char line[2 * HOLO_DICT_ID_LEN + 2];
    snprintf(line, sizeof line, "%s\n", hex);
    return holo_write_file_atomic(cur, line, strlen(line), err);
}

static void dict_free(v4d_dict *d)
{
    if (!d) return;
    ZSTD_freeDDict(d->ddict);
    for (int i = 0; i < CDICT_LEVELS; i++) ZSTD_freeCDict(d->cdict[i]);
    free(d->bytes);
    free(d);
}

/* Rebuild the dictionary from its chunks; when the hash fails, distrust each chunk in turn
 * (one corrupt chunk is survived while V4D_K others remain). */
static int set_stat(const char *dict_dir, const uint8_t id[HOLO_DICT_ID_LEN], char *setdir, size_t sz,
                    struct stat *st)
{
    char hex[2 * HOLO_DICT_ID_LEN + 1], name[64];
    holo_dict_hex(id, hex);
    snprintf(name, sizeof name, "%s.holo", hex);
    return holo_path_join(setdir, sz, dict_dir, name) < 0 || stat(setdir, st) < 0 ? -1 : 0;
}

static int same_file(const struct stat *a, const struct stat *b)
{
    return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
           a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

/* A set's payload is the dictionary or its zstd frame (v4d_pack_bytes): *buf becomes the
 * dictionary, bounded by V4D_MAX_BYTES. 0 or an error naming the set. */
static int unpack_payload(uint8_t **buf, size_t *len, const char *setdir, const char *who, const char *hex,
                          holo_err *err)
{
    static const uint8_t frame_magic[4] = { 0x28, 0xb5, 0x2f, 0xfd };
    if (*len < 4 || memcmp(*buf, frame_magic, 4)) return 0;
    unsigned long long n = ZSTD_getFrameContentSize(*buf, *len);
    if (n == ZSTD_CONTENTSIZE_ERROR || n == ZSTD_CONTENTSIZE_UNKNOWN || n == 0 || n > V4D_MAX_BYTES)
        return holo_seterr(err, HOLO_EINVAL, "%s: needs dictionary %s, %s holds no valid dictionary frame", who,
                           hex, setdir);
    uint8_t *raw = malloc((size_t)n);
    if (!raw) return holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", setdir);
    size_t got = ZSTD_decompress(raw, (size_t)n, *buf, *len);
    if (ZSTD_isError(got) || got != n) {
        free(raw);
        return holo_seterr(err, HOLO_EINVAL, "%s: needs dictionary %s, %s holds no valid dictionary frame", who,
                           hex, setdir);
    }
    free(*buf);
    *buf = raw;
    *len = (size_t)n;
    return 0;
}

static int load(const char *dict_dir, const uint8_t id[HOLO_DICT_ID_LEN], const char *who,
                v4d_dict **out, holo_err *err)
{
    char hex[2 * HOLO_DICT_ID_LEN + 1], setdir[PATH_MAX], got_hex[2 * HOLO_DICT_ID_LEN + 1];
    holo_dict_hex(id, hex);
    struct stat st;
    if (set_stat(dict_dir, id, setdir, sizeof setdir, &st))
        return holo_seterr(err, HOLO_ENOCHUNKS, "%s: needs dictionary %s, not found in %s", who, hex, dict_dir);
    v4c_reader *r;
    holo_err e;
    if (v4c_open(setdir, NULL, V4C_VERIFY_ALL, &r, &e))
        return holo_seterr(err, HOLO_ENOCHUNKS, "%s: needs dictionary %s, unreadable: %s", who, hex, e.msg);
    const v4c_hdr *h = v4c_header(r);
    int rc = 0;
    uint8_t *buf = NULL;
    if (memcmp(h->magic, "HO4D", 4) || h->ntiers != 1 || h->length != h->S[0] || h->length == 0 ||
        h->length > V4D_MAX_BYTES) {
        rc = holo_seterr(err, HOLO_EINVAL, "%s: needs dictionary %s, %s is not a dictionary set", who, hex, setdir);
    } else if (!v4c_readable(r, 0, 0, h->S[0])) {
        rc = holo_seterr(err, HOLO_EHOLE, "%s: needs dictionary %s, only %u of its %u chunks are in %s (%u needed)",
                         who, hex, v4c_present(r), h->n, setdir, h->m[0]);
    } else if (!(buf = malloc(h->length))) {
        rc = holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", setdir);
    } else {
        uint8_t sha[32];
        rc = -1;
        for (int i = -1; rc && i < (int)h->n; i++) {   /* -1: trust every chunk */
            if (i >= 0 && !v4c_has(r, (unsigned)i)) continue;
            if (v4c_read(r, 0, 0, buf, h->length, i < 0 ? V4C_NO_AVOID : (unsigned)i, NULL) == 0) {
                sha256(buf, h->length, sha);
                rc = memcmp(sha, h->sha256, 32) ? -1 : 0;
            }
        }
        if (rc)
            rc = holo_seterr(err, HOLO_EINVAL, "%s: needs dictionary %s, %s is corrupt (its hash does not match)",
                             who, hex, setdir);
    }
    size_t len = h->length;
    if (!rc) rc = unpack_payload(&buf, &len, setdir, who, hex, err);
    if (!rc) {   /* the id names the dictionary itself */
        uint8_t sha[32];
        sha256(buf, len, sha);
        if (memcmp(sha, id, HOLO_DICT_ID_LEN)) {
            holo_dict_hex(sha, got_hex);
            rc = holo_seterr(err, HOLO_EINVAL, "%s: needs dictionary %s, %s holds another one (%s)", who, hex,
                             setdir, got_hex);
        }
    }
    v4d_dict *d = NULL;
    if (!rc && (!(d = calloc(1, sizeof *d)) || !(d->ddict = ZSTD_createDDict(buf, len))))
        rc = holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", setdir);
    if (!rc) {
        memcpy(d->id, id, HOLO_DICT_ID_LEN);
        d->set_st = st;
        d->bytes = buf;
        d->len = len;
        d->refs = 1;
        *out = d;
    } else {
        free(buf);
        if (d) { d->bytes = NULL; dict_free(d); }
    }
    v4c_close(r);
    return rc;
}

int v4d_get(const char *dict_dir, const uint8_t id[HOLO_DICT_ID_LEN], const char *who,
            v4d_dict **out, holo_err *err)
{
    *out = NULL;
    char hex[2 * HOLO_DICT_ID_LEN + 1], setdir[PATH_MAX];
    holo_dict_hex(id, hex);
    if (!dict_dir)
        return holo_seterr(err, HOLO_ENOCHUNKS, "%s: needs dictionary %s, no %s/ directory above it", who, hex,
                           HOLO_DICT_DIRNAME);
    /* One stat per use: a cached dictionary serves only while its set is still there, unchanged
     * (removed or replaced sets are noticed without rebuilding anything). */
    struct stat st;
    if (set_stat(dict_dir, id, setdir, sizeof setdir, &st))
        return holo_seterr(err, HOLO_ENOCHUNKS, "%s: needs dictionary %s, not found in %s", who, hex, dict_dir);
    pthread_mutex_lock(&cache_mu);
    for (int i = 0; i < CACHE_SLOTS; i++)
        if (cache[i] && !memcmp(cache[i]->id, id, HOLO_DICT_ID_LEN) && same_file(&cache[i]->set_st, &st)) {
            cache[i]->refs++;
            cache[i]->tick = ++cache_tick;
            *out = cache[i];
            pthread_mutex_unlock(&cache_mu);
            return 0;
        }
    pthread_mutex_unlock(&cache_mu);
    v4d_dict *d;
    int rc = load(dict_dir, id, who, &d, err);   /* disk work outside the lock */
    if (rc) return rc;
    pthread_mutex_lock(&cache_mu);
    int slot = -1;
    for (int i = 0; i < CACHE_SLOTS; i++) {
        if (!cache[i] || memcmp(cache[i]->id, id, HOLO_DICT_ID_LEN)) continue;
        if (same_file(&cache[i]->set_st, &d->set_st)) {   /* another thread won */
            cache[i]->refs++;
            *out = cache[i];
            pthread_mutex_unlock(&cache_mu);
            dict_free(d);
            return 0;
        }
        if (cache[i]->refs == 1) slot = i;   /* a stale copy: replaced */
    }
    for (int i = 0; i < CACHE_SLOTS && slot < 0; i++)
        if (!cache[i]) slot = i;
    int lru = -1;   /* else the least recently used idle one */
    for (int i = 0; i < CACHE_SLOTS && slot < 0; i++)
        if (cache[i]->refs == 1 && (lru < 0 || cache[i]->tick < cache[lru]->tick)) lru = i;
    if (slot < 0) slot = lru;
    if (slot >= 0) {
        if (cache[slot]) dict_free(cache[slot]);
        cache[slot] = d;
        d->refs++;
        d->tick = ++cache_tick;
    }
    pthread_mutex_unlock(&cache_mu);
    *out = d;
    return 0;
}

void v4d_put(v4d_dict *d)
{
    if (!d) return;
    pthread_mutex_lock(&cache_mu);
    int gone = --d->refs == 0;
    pthread_mutex_unlock(&cache_mu);
    if (gone) dict_free(d);
}

const uint8_t *v4d_id(const v4d_dict *d) { return d->id; }
const ZSTD_DDict *v4d_ddict(const v4d_dict *d) { return d->ddict; }

const ZSTD_CDict *v4d_cdict(v4d_dict *d, int level)
{
    ZSTD_CDict *c = NULL;
    pthread_mutex_lock(&cache_mu);
    int i = 0;
    for (; i < CDICT_LEVELS && d->cdict[i]; i++)
        if (d->levels[i] == level) { c = d->cdict[i]; break; }
    if (!c && i < CDICT_LEVELS) {
        /* tables sized for small inputs: level 19's defaults for unknown sizes need ~100 MB */
        ZSTD_compressionParameters cp = ZSTD_getCParams(level, HOLO_DICT_MAX_FILE, d->len);
        c = ZSTD_createCDict_advanced(d->bytes, d->len, ZSTD_dlm_byRef, ZSTD_dct_auto, cp, ZSTD_defaultCMem);
        if (c) { d->cdict[i] = c; d->levels[i] = level; }
    }
    pthread_mutex_unlock(&cache_mu);
    return c;
}

int holo_dict_check(const char *dict_dir, const uint8_t id[HOLO_DICT_ID_LEN], holo_err *err)
{
    v4d_dict *d;
    int rc = load(dict_dir, id, dict_dir, &d, err);   /* from disk, not the cache */
    if (!rc) dict_free(d);
    return rc;
}
