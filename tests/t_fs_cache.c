/* t_fs_cache.c — the holofs decoded-output cache: single flight, snapshots that survive
 * drops, LRU bound, failures not cached. A fake loader stands in for the codec. */
#include "../fs/cache.h"
#include "tap.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int version = 1;          /* what the loader produces next */
static int fail_key_bad = 1;

static int fake_load(void *ctx, const char *key, uint8_t **buf, size_t *len)
{
    (void)ctx;
    if (fail_key_bad && strcmp(key, "/bad") == 0)
        return -EIO;
    usleep(20000);               /* long enough for the other threads to pile up */
    size_t n = 1000;
    *buf = malloc(n);
    if (!*buf)
        return -ENOMEM;
    memset(*buf, version, n);
    *len = n;
    return 0;
}

struct reader {
    fs_cache *c;
    fs_snap *s;
    int rc;
};

static void *read_one(void *arg)
{
    struct reader *r = arg;
    r->rc = fs_cache_get(r->c, "/big", &r->s);
    return NULL;
}

int main(void)
{
    plan(14);
    fs_cache *c = fs_cache_new(2500, fake_load, NULL);
    ok(c != NULL, "cache made");

    /* 8 concurrent gets of one key: one load, one shared snapshot */
    pthread_t th[8];
    struct reader r[8];
    for (int i = 0; i < 8; i++) {
        r[i] = (struct reader){.c = c};
        pthread_create(&th[i], NULL, read_one, &r[i]);
    }
    int same = 1;
    for (int i = 0; i < 8; i++) {
        pthread_join(th[i], NULL);
        same &= r[i].rc == 0 && r[i].s == r[0].s;
    }
    ok(same, "8 concurrent readers share one snapshot");
    is_int((long long)fs_cache_loads(c, "/big"), 1, "... from one load");
    for (int i = 0; i < 8; i++)
        fs_snap_put(c, r[i].s);

    /* a snapshot outlives a drop; the next get loads the new version */
    fs_snap *old, *fresh;
    fs_cache_get(c, "/big", &old);
    fs_cache_drop(c, "/big");
    version = 2;
    is_int(fs_cache_get(c, "/big", &fresh), 0, "get after drop");
    ok(old->buf[0] == 1 && fresh->buf[0] == 2, "old handle keeps its bytes, fresh get sees new");
    ok(old->gen != fresh->gen, "different loads have different generations");
    is_int((long long)fs_cache_loads(c, "/big"), 2, "drop caused exactly one more load");
    fs_snap_put(c, old);
    fs_snap_put(c, fresh);

    /* LRU: the bound is 2500 bytes, entries are 1000 */
    fs_snap *s;
    const char *keys[] = {"/a", "/b", "/c"};
    for (int i = 0; i < 3; i++) {
        fs_cache_get(c, keys[i], &s);
        fs_snap_put(c, s);
    }
    ok(fs_cache_bytes(c) <= 2500, "the table stays within its bound (%zu)", fs_cache_bytes(c));
    fs_cache_get(c, "/c", &s);
    fs_snap_put(c, s);
    is_int((long long)fs_cache_loads(c, "/c"), 1, "the most recent entry is still cached");
    fs_cache_get(c, "/big", &s);
    fs_snap_put(c, s);
    is_int((long long)fs_cache_loads(c, "/big"), 3, "the least recent entry was evicted");

    /* failures are reported and not cached */
    is_int(fs_cache_get(c, "/bad", &s), -EIO, "a failed load returns its error");
    ok(s == NULL, "... and no snapshot");
    fail_key_bad = 0;
    is_int(fs_cache_get(c, "/bad", &s), 0, "the next get tries again");
    fs_snap_put(c, s);

    /* drop_tree removes everything below a directory */
    fs_cache_get(c, "/d/x", &s);
    fs_snap_put(c, s);
    fs_cache_drop_tree(c, "/d");
    fs_cache_get(c, "/d/x", &s);
    fs_snap_put(c, s);
    is_int((long long)fs_cache_loads(c, "/d/x"), 2, "drop_tree(\"/d\") dropped /d/x");
    fs_cache_free(c);
    return done_testing();
}
