/* recovery.c — HORC recovery chunks for v1/v2 images, audio and HOBI: naming, header matching,
 * the parallel writer and the checked solver (see recovery.h; the maths lives in horc.c). */
#include "par.h"
#include "recovery.h"
#include <dirent.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

uint8_t holo_recovery_kind(holo_kind k)
{
    switch (k) {
    case HOLO_KIND_IMAGE: return 1;
    case HOLO_KIND_AUDIO: return 2;
    case HOLO_KIND_BINARY: return 3;
    default: return 0;
    }
}

static int is_recovery_name(const char *s)
{
    size_t n = strlen(s);
    return n > 14 && n < 64 && !strncmp(s, "recovery_", 9) && !strcmp(s + n - 5, ".holo");
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

char **holo_recovery_list(const char *dir, size_t *count)
{
    *count = 0;
    DIR *d = opendir(dir);
    if (!d) return NULL;
    char **v = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!is_recovery_name(e->d_name)) continue;
        if (n + 1 >= cap) {
            size_t nc = cap ? cap * 2 : 8;
            char **nv = realloc(v, nc * sizeof *nv);
            if (!nv) break;
            v = nv;
            cap = nc;
        }
        if (!(v[n] = strdup(e->d_name))) break;
        n++;
    }
    closedir(d);
    if (!n) { free(v); return NULL; }
    v[n] = NULL;
    qsort(v, n, sizeof *v, cmp_str);
    *count = n;
    return v;
}

void holo_recovery_list_free(char **names)
{
    if (!names) return;
    for (size_t i = 0; names[i]; i++) free(names[i]);
    free(names);
}

int holo_recovery_hdr_match(const uint8_t *h, size_t len, uint64_t file_size, uint8_t kind,
                            int version, uint32_t B, uint64_t S)
{
    if (len < HOLO_HORC_HDR || memcmp(h, "HORC", 4) || h[4] != 1) return 0;
    uint64_t clen = holo_rd32(h + 20), plen = holo_rd32(h + 24);
    if (h[5] != kind || h[6] != version || holo_rd32(h + 8) != B || clen < B || plen == 0)
        return 0;
    if (S && holo_rd32(h + 16) != S) return 0;
    return HOLO_HORC_HDR + clen + plen <= file_size;
}

/* Slice length S of ref's recovery chunks; 0 when the header does not fix it (v3). */
static uint64_t ref_slice_len(const holo_chunk_hdr *ref)
{
    return holo_chunk_slice_bytes(ref, 0);   /* block 0 has the longest slice */
}

int holo_recovery_peek(const uint8_t *hdr, size_t len, uint64_t file_size,
                       const holo_chunk_hdr *ref, uint32_t *coded_id)
{
    uint64_t S = ref_slice_len(ref);
    if (S > UINT32_MAX ||
        !holo_recovery_hdr_match(hdr, len, file_size, holo_recovery_kind(ref->kind),
                                 ref->version, ref->block_count, S))
        return 0;
    if (coded_id) *coded_id = holo_rd32(hdr + 12);
    return 1;
}

int holo_recovery_check(const uint8_t *buf, size_t len, const char *name,
                        const holo_chunk_hdr *ref, uint32_t *coded_id, holo_err *err)
{
    if (!name) name = "recovery chunk";
    if (!holo_recovery_peek(buf, len, len, ref, coded_id))
        return holo_seterr(err, HOLO_EINVAL, "%s: HORC header does not match the encoding "
                           "(%s v%d, %u blocks)", name, holo_kind_name(ref->kind), ref->version,
                           (unsigned)ref->block_count);
    holo_horc r;
    memset(&r, 0, sizeof r);
    int rc = holo_horc_parse(buf, len, (size_t)ref_slice_len(ref), name, &r, err);
    holo_horc_free(&r);
    return rc;
}

/* ---- writer ------------------------------------------------------------------------------ */

typedef struct {
    const char *dir;
    uint8_t kind;
    int version;
    uint32_t B, R;
    const uint8_t *const *slices;
    const size_t *lens;
    size_t S;
    uint64_t seed;
    pthread_mutex_t lock;
    int rc;
    holo_err err;
} wjob;

static int write_one(wjob *j, uint32_t r, holo_err *e)
{
    uint8_t *c = malloc(j->B), *buf = NULL;
    size_t bl = 0;
    if (!c) return holo_seterr(e, HOLO_ENOMEM, "%s: out of memory", j->dir);
    holo_horc_coeffs(j->seed, r, j->B, c);
    int rc = holo_horc_build(j->kind, j->B, r, c, j->slices, j->lens, j->S, &buf, &bl, e);
    free(c);
    if (rc) return rc;
    buf[6] = (uint8_t)j->version;   /* horc_build writes the v3 value; ours is the chunk version */
    char name[64], path[PATH_MAX];
    snprintf(name, sizeof name, "recovery_%04u.holo", r);
    if (holo_path_join(path, sizeof path, j->dir, name) < 0)
        rc = holo_seterr(e, HOLO_EINVAL, "%s: path too long", j->dir);
    else
        rc = holo_write_file_tmp(path, buf, bl, e);
    free(buf);
    return rc;
}

/* Recovery chunk r; after a failure the remaining ones are skipped. */
static int write_item(void *arg, unsigned r, unsigned thread)
{
    (void)thread;
    wjob *j = arg;
    holo_err e = {0};
    pthread_mutex_lock(&j->lock);
    int failed = j->rc;
    pthread_mutex_unlock(&j->lock);
    int rc = failed ? 0 : write_one(j, r, &e);
    if (rc) {
        pthread_mutex_lock(&j->lock);
        if (!j->rc) { j->rc = rc; j->err = e; }
        pthread_mutex_unlock(&j->lock);
    }
    return rc;
}

int holo_recovery_write(const char *dir, uint8_t kind, int version, uint32_t B,
                        const uint8_t *const *slices, const size_t *lens, size_t S, uint32_t R,
                        uint64_t seed, int threads, holo_err *err)
{
    if (R == 0) return 0;
    if (S == 0 || S > UINT32_MAX || B == 0 || version < 1 || version > 255)
        return holo_seterr(err, HOLO_EINVAL, "%s: slices too large or empty for recovery chunks", dir);
    wjob j = { .dir = dir, .kind = kind, .version = version, .B = B, .R = R, .slices = slices,
               .lens = lens, .S = S, .seed = seed };
    pthread_mutex_init(&j.lock, NULL);
    par_for(R, (unsigned)holo_thread_count(threads), write_item, &j);
    pthread_mutex_destroy(&j.lock);
    if (j.rc && err) *err = j.err;
    return j.rc;
}

/* ---- solver ------------------------------------------------------------------------------ */

/* Parse one recovery file and check it belongs to this encoding; 0 when usable. */
static int load_one(const char *dir, const char *name, uint8_t kind, int version, uint32_t B,
                    size_t S, const holo_decode_opts *o, holo_horc *r)
{
    char path[PATH_MAX];
    uint8_t *buf = NULL;
    size_t len = 0;
    holo_err e = {0};
    if (holo_path_join(path, sizeof path, dir, name) < 0) return -1;
    /* A valid chunk is at most header + coefficients (B, a few spare) + S payload bytes. */
    uint64_t cap = HOLO_HORC_HDR + 2 * (uint64_t)B + S + 1024;
    if (holo_read_chunk(path, cap > HOLO_MAX_CHUNK_FILE ? HOLO_MAX_CHUNK_FILE : (size_t)cap, &buf,
                       &len, &e)) {
        holo_warnf(o, "%s: recovery chunk skipped: %s", dir, e.msg);
        return -1;
    }
    int rc = holo_horc_parse(buf, len, S, name, r, &e);
    free(buf);
    if (rc) {
        holo_warnf(o, "%s: recovery chunk skipped: %s", dir, e.msg);
        return -1;
    }
    if (r->base_kind != kind || r->base_version != version || r->block_count != B ||
        r->slice_len != S || r->coeff_len < B) {
        holo_warnf(o, "%s: recovery chunk skipped: %s: belongs to another encoding", dir, name);
        holo_horc_free(r);
        return -1;
    }
    return 0;
}

int holo_recovery_solve(const char *dir, char *const *names, size_t nnames, uint8_t kind,
                        int version, uint32_t B, size_t S, const uint8_t *const *known,
                        const size_t *known_len, const holo_decode_opts *o, uint8_t **out,
                        uint32_t *usable, holo_err *err)
{
    *usable = 0;
    for (uint32_t b = 0; b < B; b++) out[b] = NULL;
    if (S == 0 || nnames == 0) return 0;
    holo_horc *rec = calloc(nnames, sizeof *rec);
    if (!rec) return holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", dir);
    size_t nrec = 0;
    for (size_t i = 0; i < nnames; i++)
        if (load_one(dir, names[i], kind, version, B, S, o, &rec[nrec]) == 0) nrec++;
    *usable = (uint32_t)nrec;
    int n = holo_rlnc_recover(B, S, known, known_len, rec, nrec, out, err);
    if (n == 0)
        holo_warnf(o, "%s: recovery chunks cannot restore the missing blocks", dir);
    /* Surplus equations must agree with the solution: a corrupted recovery chunk that still
     * parses must not place wrong slices silently (quirk Q16). Then nothing is recovered. */
    if (n > 0 && (size_t)n < nrec) {
        const uint8_t **all = malloc(B * sizeof *all);
        size_t *alen = malloc(B * sizeof *alen);
        int bad = HOLO_ENOMEM;
        if (all && alen) {
            for (uint32_t b = 0; b < B; b++) {
                all[b] = out[b] ? out[b] : known[b];
                alen[b] = out[b] ? S : known_len[b];
            }
            bad = holo_rlnc_verify(B, S, all, alen, rec, nrec);
        }
        free(all);
        free(alen);
        if (bad != 0) {
            if (bad > 0)
                holo_warnf(o, "%s: %d recovery chunk(s) contradict the others; nothing recovered",
                           dir, bad);
            else
                holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", dir);
            for (uint32_t b = 0; b < B; b++) { free(out[b]); out[b] = NULL; }
            n = bad > 0 ? 0 : bad;
        }
    }
    for (size_t i = 0; i < nrec; i++) holo_horc_free(&rec[i]);
    free(rec);
    return n;
}
