/* chunkwrite.c — the encode back end: slice, deflate and write every chunk, in parallel, then
 * the HORC recovery chunks over the same uncompressed slices when the plan asks for them. */
#include "internal.h"
#include "par.h"
#include "recovery.h"
#include <limits.h>
#include <stdlib.h>
#include <string.h>

int holo_thread_count(int requested)
{
    return requested > 0 ? requested : (int)par_threads(PAR_MAX_THREADS, PAR_MAX_THREADS);
}

typedef struct {
    const char *dir;
    const holo_enc_plan *p;
    double *scores;
    uint8_t **keep;           /* recovery: raw slice bytes per block, else NULL */
    size_t *keep_len;
    pthread_mutex_t lock;
    int rc;
    holo_err err;
} job;

static void fail(job *j, int rc, const holo_err *e)
{
    pthread_mutex_lock(&j->lock);
    if (!j->rc) { j->rc = rc; j->err = *e; }
    pthread_mutex_unlock(&j->lock);
}

/* Slice b serialised as i16le (or bytes) plus its score. */
static uint8_t *slice_bytes(const holo_enc_plan *p, uint32_t b, size_t *len, double *score)
{
    uint64_t m = holo_slice_len(p->n, p->hdr.block_count, b);
    size_t esz = p->resid16 ? 2 : 1;
    uint8_t *out = malloc(m > 0 ? m * esz : 1);
    if (!out) return NULL;
    double s = 0;
    if (p->resid16) {
        int16_t *v = malloc(m ? m * 2 : 1);
        if (!v) { free(out); return NULL; }
        holo_slice_gather_i16(p->resid16, p->n, p->hdr.block_count, b, p->golden, v);
        for (uint64_t k = 0; k < m; k++) {
            out[2 * k] = (uint8_t)v[k];
            out[2 * k + 1] = (uint8_t)((uint16_t)v[k] >> 8);
            if (p->write_scores == 1) s += abs(v[k]);
            else if (p->write_scores == 2) s += (double)v[k] * v[k];
        }
        free(v);
    } else {
        holo_slice_gather_u8(p->resid8, p->n, p->hdr.block_count, b, p->golden, out);
    }
    *len = m * esz;
    *score = s;
    return out;
}

static int write_one(job *j, uint32_t b, holo_err *e)
{
    const holo_enc_plan *p = j->p;
    size_t raw_len, z_len;
    double score;
    uint8_t *raw = slice_bytes(p, b, &raw_len, &score);
    if (!raw) return holo_seterr(e, HOLO_ENOMEM, "%s: out of memory", j->dir);
    uint8_t *z;
    int rc = holo_zlib(raw, raw_len, holo_zlevel(p->zlib_level), &z, &z_len, e);
    if (j->keep) {            /* each block is written by one worker: no lock needed */
        j->keep[b] = raw;
        j->keep_len[b] = raw_len;
    } else {
        free(raw);
    }
    if (rc) return rc;
    holo_chunk_hdr h = p->hdr;
    h.block_id = b;
    h.coarse_len = (uint32_t)p->coarse_len;
    h.resid_len = (uint32_t)z_len;
    uint8_t head[64];
    size_t hl = holo_chunk_emit(&h, head);
    size_t total = hl + p->coarse_len + z_len;
    uint8_t *file = malloc(total);
    if (!file) { free(z); return holo_seterr(e, HOLO_ENOMEM, "%s: out of memory", j->dir); }
    memcpy(file, head, hl);
    if (p->coarse_len) memcpy(file + hl, p->coarse, p->coarse_len);
    memcpy(file + hl + p->coarse_len, z, z_len);
    free(z);
    char name[64], path[PATH_MAX];
    snprintf(name, sizeof name, "chunk_%04u.holo", b);
    if (holo_path_join(path, sizeof path, j->dir, name) < 0) {
        free(file);
        return holo_seterr(e, HOLO_EINVAL, "%s: path too long", j->dir);
    }
    rc = holo_write_file_tmp(path, file, total, e);
    free(file);
    if (!rc && p->write_scores) {
        j->scores[b] = score;
        rc = holo_write_meta(j->dir, name, score, e);
    }
    return rc;
}

/* Block b's chunk file; after a failure the remaining blocks are skipped. */
static int write_item(void *arg, unsigned b, unsigned thread)
{
    (void)thread;
    job *j = arg;
    holo_err e = {0};
    pthread_mutex_lock(&j->lock);
    int failed = j->rc;
    pthread_mutex_unlock(&j->lock);
    int rc = failed ? 0 : write_one(j, b, &e);
    if (rc) fail(j, rc, &e);
    return rc;
}

int holo_write_chunks(const char *dir, const holo_enc_plan *p, int threads, holo_err *err)
{
    if (p->coarse_len > UINT32_MAX - 64)
        return holo_seterr(err, HOLO_EINVAL, "%s: coarse payload too large", dir);
    job j = { .dir = dir, .p = p, .rc = 0 };
    pthread_mutex_init(&j.lock, NULL);
    uint32_t B = p->hdr.block_count;
    uint32_t R = p->n > 0 ? holo_horc_count(B, p->recovery) : 0;
    uint64_t S = (p->resid16 ? 2 : 1) * holo_slice_len(p->n, B, 0);
    if (R && S > UINT32_MAX) {
        pthread_mutex_destroy(&j.lock);
        return holo_seterr(err, HOLO_EINVAL, "%s: slices of %llu bytes are too large for recovery "
                           "chunks (use more blocks)", dir, (unsigned long long)S);
    }
    if ((p->write_scores && !(j.scores = calloc(B, sizeof *j.scores))) ||
        (R && (!(j.keep = calloc(B, sizeof *j.keep)) || !(j.keep_len = calloc(B, sizeof *j.keep_len))))) {
        free(j.scores); free(j.keep);
        pthread_mutex_destroy(&j.lock);
        return holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", dir);
    }
    par_for(B, (unsigned)holo_thread_count(threads), write_item, &j);
    int rc = j.rc;
    if (rc && err) *err = j.err;
    if (!rc && p->write_scores)
        rc = holo_write_manifest(dir, p->base_kind, p->hdr.version, B, j.scores, err);
    if (!rc && R)
        rc = holo_recovery_write(dir, holo_recovery_kind(p->hdr.kind), p->hdr.version, B,
                                 (const uint8_t *const *)j.keep, j.keep_len, (size_t)S, R,
                                 0x484f524376313200ull ^ p->n ^ ((uint64_t)B << 40), threads, err);
    if (!rc && p->write_sums)   /* last: it hashes the chunk and recovery files written above */
        rc = holo_sums_write(dir, p->decoded_sha, p->decoded_len, err);
    if (j.keep)
        for (uint32_t b = 0; b < B; b++) free(j.keep[b]);
    free(j.keep);
    free(j.keep_len);
    free(j.scores);
    pthread_mutex_destroy(&j.lock);
    return rc;
}
