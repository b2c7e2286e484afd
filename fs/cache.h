/* cache.h — the decoded-output cache of holofs.
 *
 * Maps a key (the mount path) to the serialised bytes of the file (PNG/WAV/raw). Properties:
 *   - single flight: concurrent gets of a missing key run the loader once, the others wait;
 *   - snapshots: a get returns a refcounted fs_snap that stays valid until fs_snap_put, even
 *     after the key is dropped or evicted (an open file keeps the bytes it opened);
 *   - LRU bound on the bytes held by the table (snapshots still referenced are extra);
 *   - drop(key) makes the next get load again (the watcher calls it when chunks change).
 * No FUSE here: tests/t_fs_cache.c drives it with a fake loader.
 */
#ifndef HOLOFS_CACHE_H
#define HOLOFS_CACHE_H

#include <stddef.h>
#include <stdint.h>

typedef struct fs_cache fs_cache;

typedef struct fs_snap {
    const uint8_t *buf;
    size_t len;
    uint64_t gen;             /* unique per load: equal gens mean equal bytes */
} fs_snap;

/* Produce the bytes for key: *buf malloc'd (may be NULL when *len is 0); 0 or -errno. */
typedef int (*fs_loader)(void *ctx, const char *key, uint8_t **buf, size_t *len);

fs_cache *fs_cache_new(size_t max_bytes, fs_loader load, void *ctx);
void fs_cache_free(fs_cache *c);             /* every snapshot must have been put */

/* Get the snapshot of key, loading it if needed. 0 or the loader's -errno. */
int fs_cache_get(fs_cache *c, const char *key, fs_snap **out);
void fs_snap_put(fs_cache *c, fs_snap *s);

void fs_cache_drop(fs_cache *c, const char *key);
/* Drop key and every key below it ("/a" drops "/a/x" too). */
void fs_cache_drop_tree(fs_cache *c, const char *key);

/* Evict least recently used entries until the table holds at most max_bytes (snapshots still
 * referenced live on with their holders). Makes room for a decode (the decode budget). */
void fs_cache_trim(fs_cache *c, size_t max_bytes);

/* Loads run for this key since the cache was made (the "one decode" check). */
uint64_t fs_cache_loads(fs_cache *c, const char *key);
/* Bytes currently held by the table. */
size_t fs_cache_bytes(fs_cache *c);

#endif
