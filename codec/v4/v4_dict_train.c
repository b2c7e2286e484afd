/* v4_dict_train.c — holo_dict_train: sample the small files of a tree evenly up to a byte cap,
 * train zstd dictionaries of the candidate sizes (one thread each), measure each against
 * per-file zstd -19 on held-out samples, and store the best one if it pays for its chunk set. */
#include "internal.h"
#include "par.h"
#include "v4_dict.h"
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zdict.h>

#define SAMPLE_CAP_DEFAULT (8u << 20)
#define EVAL_EVERY 8                  /* every 8th sample is held out to measure on */
#define EVAL_CAP (768u << 10)
#define MAX_DEPTH 64
#define MAX_CANDIDATES 4000000u
#define MIN_SAMPLES 16
#define SMALL_STORE_BYTES (4u << 20)   /* below: 32 and 64 KiB dictionaries are tried */

typedef struct cand {
    char *path;
    uint32_t size;
    int chunkset;             /* X.holo/: decode it */
} cand;

typedef struct cand_list {
    cand *v;
    size_t n, cap;
    uint64_t bytes;
} cand_list;

static int add(cand_list *l, const char *path, uint64_t size, int chunkset)
{
    if (size < HOLO_DICT_MIN_FILE || size > HOLO_DICT_MAX_FILE || l->n >= MAX_CANDIDATES) return 0;
    if (l->n == l->cap) {
        size_t nc = l->cap ? 2 * l->cap : 1024;
        cand *v = realloc(l->v, nc * sizeof *v);
        if (!v) return -1;
        l->v = v;
        l->cap = nc;
    }
    if (!(l->v[l->n].path = strdup(path))) return -1;
    l->v[l->n].size = (uint32_t)size;
    l->v[l->n].chunkset = chunkset;
    l->n++;
    l->bytes += size;
    return 0;
}

static int is_chunkset_name(const char *name)
{
    size_t n = strlen(name);
    return n > 5 && !strcmp(name + n - 5, ".holo");
}

/* Small regular files and small binary chunk sets under path (hidden names skipped). */
static int walk(cand_list *l, const char *path, int depth)
{
    struct stat st;
    if (lstat(path, &st) < 0) return 0;
    if (S_ISREG(st.st_mode)) return add(l, path, (uint64_t)st.st_size, 0);
    if (!S_ISDIR(st.st_mode) || depth > MAX_DEPTH) return 0;
    if (depth > 0 && is_chunkset_name(path)) {
        holo_info info;
        if (holo_info_dir(path, &info, NULL) == 0)
            return info.kind == HOLO_KIND_BINARY ? add(l, path, info.length, 1) : 0;
    }
    DIR *d = opendir(path);
    if (!d) return 0;
    struct dirent *e;
    char sub[PATH_MAX];
    int rc = 0;
    while (!rc && (e = readdir(d))) {
        if (e->d_name[0] == '.') continue;   /* ., .., .holo-dict, temporaries */
        if (holo_path_join(sub, sizeof sub, path, e->d_name) == 0) rc = walk(l, sub, depth + 1);
    }
    closedir(d);
    return rc;
}

/* The bytes of one candidate into buf (HOLO_DICT_MAX_FILE); its length, or 0 when unreadable. */
static size_t read_cand(const cand *c, const char *dict_dir, uint8_t *buf)
{
    if (c->chunkset) {
        holo_decode_opts o;
        holo_decode_opts_init(&o);
        o.dict_dir = dict_dir;
        holo_decoded d;
        size_t n = 0;
        if (holo_decode_dir(c->path, &o, &d, NULL) == 0 && d.bytes && d.info.length <= HOLO_DICT_MAX_FILE) {
            n = (size_t)d.info.length;
            memcpy(buf, d.bytes, n);
        }
        holo_decoded_free(&d);
        return n;
    }
    FILE *f = fopen(c->path, "rbe");
    if (!f) return 0;
    size_t n = fread(buf, 1, HOLO_DICT_MAX_FILE, f);
    fclose(f);
    return n;
}

typedef struct samples {
    uint8_t *buf;
    size_t *sizes;
    size_t n;
    uint64_t bytes;
} samples;

typedef struct trainer {
    const samples *train, *eval;
    size_t want;              /* dictionary capacity */
    uint8_t *dict;
    size_t len;               /* 0: training failed */
    size_t stored;            /* bytes its set keeps (v4d_pack_bytes) */
    uint64_t eval_bytes;      /* held-out samples compressed with it */
} trainer;

/* Per-file zstd -19 bytes of the held-out samples, with dictionary dict (or none). */
static uint64_t measure(const samples *ev, const uint8_t *dict, size_t len)
{
    ZSTD_CCtx *cc = ZSTD_createCCtx();
    ZSTD_CDict *cd = NULL;
    size_t cap = ZSTD_compressBound(HOLO_DICT_MAX_FILE);
    uint8_t *out = malloc(cap);
    uint64_t total = 0;
    if (dict) {
        ZSTD_compressionParameters cp = ZSTD_getCParams(V4D_LEVEL, HOLO_DICT_MAX_FILE, len);
        cd = ZSTD_createCDict_advanced(dict, len, ZSTD_dlm_byRef, ZSTD_dct_auto, cp, ZSTD_defaultCMem);
    }
    if (!cc || !out || (dict && !cd)) total = UINT64_MAX;
    else {
        ZSTD_CCtx_setParameter(cc, ZSTD_c_checksumFlag, 0);
        ZSTD_CCtx_setParameter(cc, ZSTD_c_dictIDFlag, 0);
        if (cd) ZSTD_CCtx_refCDict(cc, cd);
        else ZSTD_CCtx_setParameter(cc, ZSTD_c_compressionLevel, V4D_LEVEL);
        const uint8_t *p = ev->buf;
        for (size_t i = 0; i < ev->n; p += ev->sizes[i++]) {
            size_t r = ZSTD_compress2(cc, out, cap, p, ev->sizes[i]);
            total += ZSTD_isError(r) || r > ev->sizes[i] ? ev->sizes[i] : r;   /* stored raw */
        }
    }
    ZSTD_freeCDict(cd);
    ZSTD_freeCCtx(cc);
    free(out);
    return total;
}

static void train_one(void *arg)
{
    trainer *t = arg;
    if (!(t->dict = malloc(t->want))) return;
    size_t r = ZDICT_trainFromBuffer(t->dict, t->want, t->train->buf, t->train->sizes, (unsigned)t->train->n);
    if (ZDICT_isError(r)) return;
    t->len = r;
    uint8_t *packed;
    if (v4d_pack_bytes(t->dict, r, &packed, &t->stored)) { t->len = 0; return; }
    free(packed);
    t->eval_bytes = measure(t->eval, t->dict, r);
}

static int gather(const cand_list *l, const char *dict_dir, uint64_t cap, samples *tr, samples *ev, holo_err *err)
{
    /* an even fraction of the candidates, so the sample spans the whole tree, not its first
     * corner: candidate i is taken when floor(i * frac) steps */
    double frac = l->bytes > cap ? (double)cap / (double)l->bytes : 1.0;
    size_t most = (size_t)((double)l->n * frac) + 2;
    uint64_t room = cap + HOLO_DICT_MAX_FILE;
    tr->buf = malloc(room);
    ev->buf = malloc(EVAL_CAP + HOLO_DICT_MAX_FILE);
    tr->sizes = calloc(most, sizeof *tr->sizes);
    ev->sizes = calloc(most, sizeof *ev->sizes);
    if (!tr->buf || !ev->buf || !tr->sizes || !ev->sizes) return holo_seterr(err, HOLO_ENOMEM, "out of memory for samples");
    size_t taken = 0;
    for (size_t i = 0; i < l->n; i++) {
        if ((uint64_t)((double)(i + 1) * frac) == (uint64_t)((double)i * frac)) continue;
        int held_out = taken % EVAL_EVERY == EVAL_EVERY - 1 && ev->bytes < EVAL_CAP;
        samples *s = held_out ? ev : tr;
        if (!held_out && tr->bytes >= cap) break;
        size_t n = read_cand(&l->v[i], dict_dir, s->buf + s->bytes);
        if (!n) continue;
        s->sizes[s->n++] = n;
        s->bytes += n;
        taken++;
    }
    return 0;
}

int holo_dict_train(const char *const *paths, size_t npaths, const char *dict_dir,
                    const holo_dict_train_opts *o, uint8_t id[HOLO_DICT_ID_LEN],
                    holo_dict_stats *stats, holo_err *err)
{
    holo_dict_train_opts defaults = {0};
    holo_dict_stats st_local;
    if (!o) o = &defaults;
    if (!stats) stats = &st_local;
    memset(stats, 0, sizeof *stats);
    uint64_t cap = o->max_sample_bytes ? o->max_sample_bytes : SAMPLE_CAP_DEFAULT;
    if (o->dict_size && (o->dict_size < 1024 || o->dict_size > V4D_MAX_BYTES))
        return holo_seterr(err, HOLO_EINVAL, "dictionary size %u (1 KiB - 1 MiB)", o->dict_size);
    cand_list l = {0};
    samples tr = {0}, ev = {0};
    trainer t[2] = {{0}};
    int rc = 0, nt = o->dict_size ? 1 : 2;
    for (size_t i = 0; i < npaths && !rc; i++)
        if (walk(&l, paths[i], 0)) rc = holo_seterr(err, HOLO_ENOMEM, "out of memory listing %s", paths[i]);
    stats->files = l.n;
    if (!rc) rc = gather(&l, dict_dir, cap, &tr, &ev, err);
    stats->samples = tr.n + ev.n;
    stats->sample_bytes = tr.bytes + ev.bytes;
    if (!rc && (tr.n < MIN_SAMPLES || ev.n == 0))
        rc = holo_seterr(err, HOLO_EUNSUPPORTED, "%s: %zu small files (1-64 KiB) to learn from, at least %d needed",
                         npaths ? paths[0] : ".", tr.n + ev.n, MIN_SAMPLES + 1);
    if (!rc) {
        /* Which size wins depends on how many bytes share the dictionary's fixed cost (its
         * set keeps it compressed, about 3x). 3000 man pages, 4.3 MB of per-file zstd -19:
         * 64/112/224/448 KiB give 1.89/1.76/1.64/1.58 MB with the set; 448 KiB trains 25%
         * slower for 3% less. Two sizes around the likely winner are tried on the held-out
         * samples. */
        int big = l.bytes >= SMALL_STORE_BYTES;
        t[0].want = o->dict_size ? o->dict_size : big ? 112u << 10 : 32u << 10;
        t[1].want = big ? 224u << 10 : 64u << 10;
        for (int i = 0; i < nt; i++) { t[i].train = &tr; t[i].eval = &ev; }
        par_bg bg = { 0 };
        if (nt > 1) par_bg_start(&bg, train_one, &t[1]);   /* the second size beside the first */
        train_one(&t[0]);
        uint64_t plain = measure(&ev, NULL, 0);
        par_bg_join(&bg);
        /* scale the held-out measure to every small file found; a file using a dictionary also
         * carries its id */
        double scale = (double)l.bytes / (double)ev.bytes;
        int best = -1;
        uint64_t best_total = UINT64_MAX;
        for (int i = 0; i < nt; i++) {
            if (!t[i].len || t[i].eval_bytes == UINT64_MAX) continue;
            uint64_t est = (uint64_t)(t[i].eval_bytes * scale) + l.n * HOLO_DICT_ID_LEN;
            if (est + v4d_store_bytes(t[i].stored) < best_total) { best_total = est + v4d_store_bytes(t[i].stored); best = i; }
        }
        stats->est_plain = (uint64_t)(plain * scale);
        if (best < 0) {
            rc = holo_seterr(err, HOLO_EUNSUPPORTED, "zstd could not train a dictionary from %zu samples", tr.n);
        } else {
            stats->dict_size = (uint32_t)t[best].len;
            stats->dict_store_bytes = v4d_store_bytes(t[best].stored);
            stats->est_dict = best_total - stats->dict_store_bytes;
            if (best_total >= stats->est_plain && !o->force)
                rc = holo_seterr(err, HOLO_EUNSUPPORTED,
                                 "a dictionary would not pay for itself: %llu bytes with it (its chunks included), %llu without",
                                 (unsigned long long)best_total, (unsigned long long)stats->est_plain);
            else
                rc = v4d_store(dict_dir, t[best].dict, t[best].len, id, err);
        }
    }
    for (size_t i = 0; i < l.n; i++) free(l.v[i].path);
    free(l.v);
    free(tr.buf); free(tr.sizes); free(ev.buf); free(ev.sizes);
    free(t[0].dict); free(t[1].dict);
    return rc;
}
