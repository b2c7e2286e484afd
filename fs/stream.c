/* stream.c — shared holo_streams for binary v4 files (see stream.h). */
#include "stream.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* How far ahead of the verified prefix a read may land and still have the gap read first:
 * a few readahead windows in flight on other threads; a random reader pays at most this. */
#define CATCHUP_MAX (4u << 20)
#define CATCHUP_STEP (256u << 10)
/* Verdicts kept for sets no stream holds: a path and 32 bytes each; the oldest go first. */
#define VERDICTS_MAX 4096u

struct fs_sfile {
    char *key;
    holo_stream *s;
    uint64_t gen;
    unsigned refs;            /* open handles (and xattr readers) holding it */
    int in_table;             /* found by key: a stream lives only while someone holds it,
                                 or, once a pass failed its SHA-256, until the key changes */
    pthread_mutex_t mu;       /* one read at a time: the prefix below follows the stream's */
    uint64_t hashed;          /* the stream hashes reads continuing this prefix from byte 0 */
    fs_sfile *next;
};

/* A set whose pass matched its SHA-256, by the chunk files' signature (holo_stream_verified_sig):
 * the next stream opened on it takes the verdict if the files still match (holo_stream_trust).
 * Kept across drops: a drop follows any change, and the signature tells changed sets apart. */
typedef struct verdict {
    char *key;
    uint8_t sig[32];
    struct verdict *next;
} verdict;

struct fs_streams {
    pthread_mutex_t mu;       /* guards the lists, refs and in_table */
    fs_sfile *head;
    verdict *verdicts;        /* newest first */
    unsigned nverdicts;
    uint64_t next_gen;
    holo_warn_fn warn;
    void *warn_ctx;
    holo_membudget *mem;      /* every stream's decoded frames and decoders, or NULL */
};

fs_streams *fs_streams_new(holo_warn_fn warn, void *warn_ctx, uint64_t mem_bytes)
{
    fs_streams *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    if (mem_bytes && !(t->mem = holo_membudget_new(mem_bytes))) {
        free(t);
        return NULL;
    }
    pthread_mutex_init(&t->mu, NULL);
    t->warn = warn;
    t->warn_ctx = warn_ctx;
    return t;
}

static void sfile_free(fs_sfile *f)
{
    holo_stream_close(f->s);
    pthread_mutex_destroy(&f->mu);
    free(f->key);
    free(f);
}

void fs_streams_free(fs_streams *t)
{
    if (!t)
        return;
    while (t->head) {         /* only streams kept for a failed SHA-256 are left */
        fs_sfile *f = t->head;
        t->head = f->next;
        sfile_free(f);
    }
    while (t->verdicts) {
        verdict *v = t->verdicts;
        t->verdicts = v->next;
        free(v->key);
        free(v);
    }
    holo_membudget_free(t->mem);
    pthread_mutex_destroy(&t->mu);
    free(t);
}

/* Remember (t->mu held) that key's set verified with signature sig, replacing its old entry. */
static void verdict_keep(fs_streams *t, const char *key, const uint8_t sig[32])
{
    verdict **pp = &t->verdicts, *v = NULL;
    for (; *pp; pp = &(*pp)->next) {
        if (strcmp((*pp)->key, key) == 0) {
            v = *pp;
            *pp = v->next;
            t->nverdicts--;
            break;
        }
    }
    if (!v && t->nverdicts >= VERDICTS_MAX) {   /* drop the oldest */
        for (pp = &t->verdicts; (*pp)->next; pp = &(*pp)->next)
            ;
        v = *pp;
        *pp = NULL;
        t->nverdicts--;
        free(v->key);
        v->key = NULL;
    }
    if (!v && !(v = calloc(1, sizeof *v)))
        return;
    if (!v->key && !(v->key = strdup(key))) {
        free(v);
        return;
    }
    memcpy(v->sig, sig, 32);
    v->next = t->verdicts;
    t->verdicts = v;
    t->nverdicts++;
}

/* The remembered signature of key's set (t->mu held): 1 and sig, or 0. */
static int verdict_find(fs_streams *t, const char *key, uint8_t sig[32])
{
    for (verdict *v = t->verdicts; v; v = v->next) {
        if (strcmp(v->key, key) == 0) {
            memcpy(sig, v->sig, 32);
            return 1;
        }
    }
    return 0;
}

int fs_streams_get(fs_streams *t, const char *key, const char *dir, fs_sfile **out,
                   holo_err *err)
{
    pthread_mutex_lock(&t->mu);
    for (fs_sfile *f = t->head; f; f = f->next) {
        if (strcmp(f->key, key) == 0) {
            f->refs++;
            pthread_mutex_unlock(&t->mu);
            *out = f;
            return 0;
        }
    }
    pthread_mutex_unlock(&t->mu);

    /* Opening reads only headers and the frame index: no lock held meanwhile. Two openers
     * racing both open; the second one to finish uses the first one's stream. */
    holo_decode_opts o;
    holo_decode_opts_init(&o);
    o.warn = t->warn;
    o.warn_ctx = t->warn_ctx;
    fs_sfile *nf = calloc(1, sizeof *nf);
    if (!nf || !(nf->key = strdup(key))) {
        free(nf);
        if (err) {
            err->code = HOLO_ENOMEM;
            snprintf(err->msg, sizeof err->msg, "%s: out of memory", dir);
        }
        return HOLO_ENOMEM;
    }
    if (!(nf->s = holo_stream_open(dir, &o, err))) {
        free(nf->key);
        free(nf);
        return err ? err->code : HOLO_EINVAL;
    }
    pthread_mutex_init(&nf->mu, NULL);
    holo_stream_set_budget(nf->s, t->mem);
    uint8_t sig[32];
    pthread_mutex_lock(&t->mu);
    int known = verdict_find(t, key, sig);
    pthread_mutex_unlock(&t->mu);
    if (known)                 /* the files still as verified: passes rely on the frame CRCs */
        holo_stream_trust(nf->s, sig);
    pthread_mutex_lock(&t->mu);
    for (fs_sfile *f = t->head; f; f = f->next) {
        if (strcmp(f->key, key) == 0) {
            f->refs++;
            pthread_mutex_unlock(&t->mu);
            sfile_free(nf);
            *out = f;
            return 0;
        }
    }
    nf->gen = ++t->next_gen;
    nf->refs = 1;
    nf->in_table = 1;
    nf->next = t->head;
    t->head = nf;
    pthread_mutex_unlock(&t->mu);
    *out = nf;
    return 0;
}

void fs_sfile_put(fs_streams *t, fs_sfile *f)
{
    holo_stream_info si;
    uint8_t sig[32];
    pthread_mutex_lock(&t->mu);
    int last = --f->refs == 0;
    if (last && holo_stream_verified_sig(f->s, sig))   /* the verdict outlives the stream */
        verdict_keep(t, f->key, sig);
    if (last && f->in_table) {
        /* wrong bytes: keep the verdict, so later opens fail until the chunks change */
        fs_sfile_stat(f, &si);
        if (si.verified < 0) {
            pthread_mutex_unlock(&t->mu);
            return;
        }
        fs_sfile **pp = &t->head;
        while (*pp != f)
            pp = &(*pp)->next;
        *pp = f->next;
    }
    pthread_mutex_unlock(&t->mu);
    if (last)
        sfile_free(f);
}

static int key_under(const char *key, const char *top)
{
    size_t n = strlen(top);
    if (strcmp(top, "/") == 0)
        return 1;
    return strncmp(key, top, n) == 0 && (key[n] == 0 || key[n] == '/');
}

/* Held entries are freed by their last put; unheld ones (a failed SHA-256) here. */
static void drop(fs_streams *t, const char *key, int tree)
{
    fs_sfile *gone = NULL;
    pthread_mutex_lock(&t->mu);
    for (fs_sfile **pp = &t->head; *pp;) {
        fs_sfile *f = *pp;
        if (tree ? key_under(f->key, key) : strcmp(f->key, key) == 0) {
            *pp = f->next;
            f->in_table = 0;
            if (f->refs == 0) {
                f->next = gone;
                gone = f;
            }
        } else {
            pp = &f->next;
        }
    }
    pthread_mutex_unlock(&t->mu);
    while (gone) {
        fs_sfile *f = gone;
        gone = f->next;
        sfile_free(f);
    }
}

void fs_streams_drop(fs_streams *t, const char *key) { drop(t, key, 0); }
void fs_streams_drop_tree(fs_streams *t, const char *key) { drop(t, key, 1); }

uint64_t fs_sfile_size(const fs_sfile *f) { return holo_stream_size(f->s); }
uint64_t fs_sfile_gen(const fs_sfile *f) { return f->gen; }

void fs_sfile_stat(fs_sfile *f, holo_stream_info *si)
{
    pthread_mutex_lock(&f->mu);
    holo_stream_stat(f->s, si);
    pthread_mutex_unlock(&f->mu);
}

/* One read through the stream, keeping `hashed` in step with the stream's own prefix. */
static int64_t read_tracked(fs_sfile *f, uint64_t off, void *buf, size_t len, holo_err *err)
{
    int64_t got = holo_stream_read(f->s, off, buf, len, err);
    if (got > 0 && off == f->hashed)
        f->hashed += (uint64_t)got;
    return got;
}

/* Read [hashed, off) so that a read landing just past the verified prefix continues it. */
static void catch_up(fs_sfile *f, uint64_t off)
{
    if (off <= f->hashed || off - f->hashed > CATCHUP_MAX || holo_stream_verified(f->s) == 1)
        return;
    uint8_t *tmp = malloc(CATCHUP_STEP);
    if (!tmp)
        return;
    while (f->hashed < off) {
        uint64_t n = off - f->hashed < CATCHUP_STEP ? off - f->hashed : CATCHUP_STEP;
        if (read_tracked(f, f->hashed, tmp, (size_t)n, NULL) <= 0)
            break;             /* a hole or a bad frame: the caller's read decides */
    }
    free(tmp);
}

int64_t fs_sfile_read(fs_sfile *f, uint64_t off, void *buf, size_t len, holo_err *err)
{
    pthread_mutex_lock(&f->mu);
    catch_up(f, off);
    int64_t got = read_tracked(f, off, buf, len, err);
    pthread_mutex_unlock(&f->mu);
    return got;
}

void fs_streams_mem(fs_streams *t, uint64_t *used, uint64_t *peak)
{
    *used = *peak = 0;
    if (t->mem)
        holo_membudget_stat(t->mem, used, peak);
}

size_t fs_sfile_holes(fs_sfile *f, char *out, size_t cap)
{
    enum { MAX_RANGES = 4096 };
    holo_range *r = malloc(MAX_RANGES * sizeof *r);
    size_t need = 0, used = 0;
    if (cap)
        out[0] = 0;
    if (!r)
        return 0;
    pthread_mutex_lock(&f->mu);
    size_t count = holo_stream_holes(f->s, r, MAX_RANGES);
    pthread_mutex_unlock(&f->mu);
    int cut = 0;
    for (size_t i = 0; i < count && i < MAX_RANGES; i++) {
        char one[48];
        int n = snprintf(one, sizeof one, "%s%" PRIu64 "-%" PRIu64, i ? "," : "", r[i].off,
                         r[i].off + r[i].len - 1);
        need += (size_t)n;
        if (!cut && used + (size_t)n + 4 <= cap) {   /* room left for "..." */
            memcpy(out + used, one, (size_t)n + 1);
            used += (size_t)n;
        } else if (!cut && cap >= 4) {
            cut = 1;
            memcpy(out + (used + 4 <= cap ? used : cap - 4), "...", 4);
        }
    }
    if (count > MAX_RANGES) {
        need += 4;
        if (!cut && cap >= 4)
            memcpy(out + (used + 4 <= cap ? used : cap - 4), "...", 4);
    }
    free(r);
    return need;
}
