/* dict.c — holofs trains the store's dictionary by itself: encodes that commit a small file
 * count it, and once enough were written a background thread runs holo_dict_train over the
 * whole store (it measures whether a dictionary pays for its own chunks and refuses if not).
 * Once the store has a dictionary, new small files use it (the library reads CURRENT); old
 * ones are re-compressed by `holo dict apply`. Training never runs inside a request. */
#include "dict.h"
#include "holo.h"
#include <limits.h>
#include <stdarg.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct fs_dict {
    char store[PATH_MAX];
    char dir[PATH_MAX];
    fs_dict_log_fn log;
    void *ctx;
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    uint64_t small_written, next_try;
    int wake, stop, have;     /* have: the store has a current dictionary */
};

static void dict_logf(fs_dict *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void dict_logf(fs_dict *d, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    d->log(d->ctx, msg);
}

static void *trainer(void *arg)
{
    fs_dict *d = arg;
    pthread_mutex_lock(&d->mu);
    for (;;) {
        while (!d->wake && !d->stop) pthread_cond_wait(&d->cv, &d->mu);
        if (d->stop) break;
        d->wake = 0;
        pthread_mutex_unlock(&d->mu);
        const char *paths[1] = { d->store };
        uint8_t id[HOLO_DICT_ID_LEN];
        holo_dict_stats st;
        holo_err e;
        int rc = holo_dict_train(paths, 1, d->dir, NULL, id, &st, &e);
        char hex[2 * HOLO_DICT_ID_LEN + 1];
        if (rc == 0) {
            holo_dict_hex(id, hex);
            dict_logf(d, "%s: trained dictionary %s (%u bytes) on %llu small files: about %llu bytes instead of %llu",
                  d->dir, hex, st.dict_size, (unsigned long long)st.files,
                  (unsigned long long)(st.est_dict + st.dict_store_bytes), (unsigned long long)st.est_plain);
        } else {
            dict_logf(d, "no dictionary yet: %s", e.msg);
        }
        pthread_mutex_lock(&d->mu);
        if (rc == 0) d->have = 1;
        else d->next_try = d->small_written * 2;
    }
    pthread_mutex_unlock(&d->mu);
    return NULL;
}

fs_dict *fs_dict_start(const char *store, fs_dict_log_fn log, void *ctx)
{
    fs_dict *d = calloc(1, sizeof *d);
    if (!d) return NULL;
    if (snprintf(d->store, sizeof d->store, "%s", *store ? store : "/") >= (int)sizeof d->store ||
        snprintf(d->dir, sizeof d->dir, "%s/%s", store, HOLO_DICT_DIRNAME) >= (int)sizeof d->dir) {
        free(d);
        return NULL;
    }
    d->log = log;
    d->ctx = ctx;
    d->next_try = FS_DICT_FIRST_TRY;
    uint8_t id[HOLO_DICT_ID_LEN];
    d->have = holo_dict_current(d->dir, id, NULL) == 0;
    pthread_mutex_init(&d->mu, NULL);
    pthread_cond_init(&d->cv, NULL);
    if (pthread_create(&d->th, NULL, trainer, d) != 0) {
        pthread_mutex_destroy(&d->mu);
        pthread_cond_destroy(&d->cv);
        free(d);
        return NULL;
    }
    return d;
}

const char *fs_dict_dir(const fs_dict *d) { return d->dir; }

void fs_dict_note(fs_dict *d, uint64_t size)
{
    if (!d || size < HOLO_DICT_MIN_FILE || size > HOLO_DICT_MAX_FILE) return;
    pthread_mutex_lock(&d->mu);
    if (++d->small_written >= d->next_try && !d->have) {
        d->wake = 1;
        d->next_try = UINT64_MAX;   /* until this attempt has ended */
        pthread_cond_signal(&d->cv);
    }
    pthread_mutex_unlock(&d->mu);
}

void fs_dict_stop(fs_dict *d)
{
    if (!d) return;
    pthread_mutex_lock(&d->mu);
    d->stop = 1;
    pthread_cond_signal(&d->cv);
    pthread_mutex_unlock(&d->mu);
    pthread_join(d->th, NULL);
    pthread_mutex_destroy(&d->mu);
    pthread_cond_destroy(&d->cv);
    free(d);
}
