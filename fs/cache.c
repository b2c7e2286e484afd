/* cache.c — single-flight LRU cache of decoded bytes with refcounted snapshots (cache.h). */
#include "cache.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define NBUCKET 4096u

enum { ST_LOADING, ST_READY, ST_FAILED };

typedef struct entry {
    fs_snap snap;             /* first member: an fs_snap* is an entry* */
    char *key;
    int state, err, in_table;
    unsigned refs;            /* one for the table while in_table, one per holder */
    uint8_t *data;
    struct entry *hnext, *prev, *next;   /* hash chain, LRU list (head = newest) */
} entry;

typedef struct counter {
    char *key;
    uint64_t n;
    struct counter *next;
} counter;

struct fs_cache {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    fs_loader load;
    void *ctx;
    size_t max_bytes, bytes;
    uint64_t next_gen;
    entry *tab[NBUCKET];
    entry *head, *tail;
    counter *loads[NBUCKET];
};

static unsigned hash(const char *s)
{
    unsigned h = 2166136261u;
    while (*s)
        h = (h ^ (unsigned char)*s++) * 16777619u;
    return h % NBUCKET;
}

fs_cache *fs_cache_new(size_t max_bytes, fs_loader load, void *ctx)
{
    fs_cache *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->cv, NULL);
    c->load = load;
    c->ctx = ctx;
    c->max_bytes = max_bytes;
    c->next_gen = 1;
    return c;
}

static void entry_free(entry *e)
{
    free(e->data);
    free(e->key);
    free(e);
}

static void unref(entry *e)
{
    if (--e->refs == 0)
        entry_free(e);
}

static void lru_unlink(fs_cache *c, entry *e)
{
    if (e->prev) e->prev->next = e->next; else if (c->head == e) c->head = e->next;
    if (e->next) e->next->prev = e->prev; else if (c->tail == e) c->tail = e->prev;
    e->prev = e->next = NULL;
}

static void lru_front(fs_cache *c, entry *e)
{
    lru_unlink(c, e);
    e->next = c->head;
    if (c->head) c->head->prev = e;
    c->head = e;
    if (!c->tail) c->tail = e;
}

/* Take e out of the table (caller holds the lock); the table's reference goes. */
static void table_remove(fs_cache *c, entry *e)
{
    if (!e->in_table)
        return;
    entry **pp = &c->tab[hash(e->key)];
    while (*pp && *pp != e)
        pp = &(*pp)->hnext;
    if (*pp)
        *pp = e->hnext;
    lru_unlink(c, e);
    if (e->state == ST_READY)
        c->bytes -= e->snap.len;
    e->in_table = 0;
    unref(e);
}

static entry *table_find(fs_cache *c, const char *key)
{
    for (entry *e = c->tab[hash(key)]; e; e = e->hnext)
        if (strcmp(e->key, key) == 0)
            return e;
    return NULL;
}

/* Evict least recently used ready entries until the table holds at most `max` (except `keep`). */
static void evict_to(fs_cache *c, size_t max, entry *keep)
{
    entry *e = c->tail;
    while (c->bytes > max && e) {
        entry *prev = e->prev;
        if (e != keep && e->state == ST_READY)
            table_remove(c, e);
        e = prev;
    }
}

static void evict(fs_cache *c, entry *keep)
{
    evict_to(c, c->max_bytes, keep);
    if (c->bytes > c->max_bytes && keep && keep->in_table)
        table_remove(c, keep);   /* larger than the whole cache: serve it, do not keep it */
}

static void count_load(fs_cache *c, const char *key)
{
    unsigned h = hash(key);
    for (counter *k = c->loads[h]; k; k = k->next)
        if (strcmp(k->key, key) == 0) {
            k->n++;
            return;
        }
    counter *k = calloc(1, sizeof *k);
    if (!k || !(k->key = strdup(key))) {
        free(k);
        return;
    }
    k->n = 1;
    k->next = c->loads[h];
    c->loads[h] = k;
}

int fs_cache_get(fs_cache *c, const char *key, fs_snap **out)
{
    *out = NULL;
    pthread_mutex_lock(&c->mu);
    entry *e = table_find(c, key);
    if (e) {
        e->refs++;
        while (e->state == ST_LOADING)
            pthread_cond_wait(&c->cv, &c->mu);
        int err = e->state == ST_FAILED ? e->err : 0;
        if (!err && e->in_table)
            lru_front(c, e);
        if (err)
            unref(e);
        else
            *out = &e->snap;
        pthread_mutex_unlock(&c->mu);
        return err;
    }
    e = calloc(1, sizeof *e);
    if (!e || !(e->key = strdup(key))) {
        free(e);
        pthread_mutex_unlock(&c->mu);
        return -ENOMEM;
    }
    e->state = ST_LOADING;
    e->in_table = 1;
    e->refs = 2;
    e->snap.gen = c->next_gen++;
    unsigned h = hash(key);
    e->hnext = c->tab[h];
    c->tab[h] = e;
    lru_front(c, e);
    pthread_mutex_unlock(&c->mu);

    uint8_t *buf = NULL;
    size_t len = 0;
    int err = c->load(c->ctx, key, &buf, &len);

    pthread_mutex_lock(&c->mu);
    count_load(c, key);
    if (err) {
        free(buf);
        e->state = ST_FAILED;
        e->err = err;
        table_remove(c, e);          /* failures are not cached */
    } else {
        e->data = buf;
        e->snap.buf = buf;
        e->snap.len = len;
        e->state = ST_READY;
        if (e->in_table) {
            c->bytes += len;
            evict(c, e);
        }
    }
    pthread_cond_broadcast(&c->cv);
    if (err)
        unref(e);
    else
        *out = &e->snap;
    pthread_mutex_unlock(&c->mu);
    return err;
}

void fs_snap_put(fs_cache *c, fs_snap *s)
{
    if (!s)
        return;
    pthread_mutex_lock(&c->mu);
    unref((entry *)s);
    pthread_mutex_unlock(&c->mu);
}

void fs_cache_trim(fs_cache *c, size_t max_bytes)
{
    pthread_mutex_lock(&c->mu);
    evict_to(c, max_bytes, NULL);
    pthread_mutex_unlock(&c->mu);
}

void fs_cache_drop(fs_cache *c, const char *key)
{
    pthread_mutex_lock(&c->mu);
    entry *e = table_find(c, key);
    if (e)
        table_remove(c, e);
    pthread_mutex_unlock(&c->mu);
}

void fs_cache_drop_tree(fs_cache *c, const char *key)
{
    size_t n = strlen(key);
    pthread_mutex_lock(&c->mu);
    for (unsigned h = 0; h < NBUCKET; h++) {
        entry *e = c->tab[h];
        while (e) {
            entry *next = e->hnext;
            if (strncmp(e->key, key, n) == 0 &&
                (e->key[n] == 0 || e->key[n] == '/' || strcmp(key, "/") == 0))
                table_remove(c, e);
            e = next;
        }
    }
    pthread_mutex_unlock(&c->mu);
}

uint64_t fs_cache_loads(fs_cache *c, const char *key)
{
    uint64_t n = 0;
    pthread_mutex_lock(&c->mu);
    for (counter *k = c->loads[hash(key)]; k; k = k->next)
        if (strcmp(k->key, key) == 0)
            n = k->n;
    pthread_mutex_unlock(&c->mu);
    return n;
}

size_t fs_cache_bytes(fs_cache *c)
{
    pthread_mutex_lock(&c->mu);
    size_t n = c->bytes;
    pthread_mutex_unlock(&c->mu);
    return n;
}

void fs_cache_free(fs_cache *c)
{
    if (!c)
        return;
    fs_cache_drop_tree(c, "/");
    for (unsigned h = 0; h < NBUCKET; h++) {
        counter *k = c->loads[h];
        while (k) {
            counter *next = k->next;
            free(k->key);
            free(k);
            k = next;
        }
    }
    pthread_cond_destroy(&c->cv);
    pthread_mutex_destroy(&c->mu);
    free(c);
}
