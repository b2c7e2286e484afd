/* watch.h — inotify watcher over the whole store tree.
 *
 * A thread of its own turns store events into mount paths: a chunk landing in STORE/a/X.holo/
 * reports "/a/X"; a new, removed or renamed plain file or directory reports its own path. New
 * directories (chunk directories included) get watches as they appear. The callback runs on
 * the watcher thread, never inside a FUSE request, so it may call the FUSE notify functions.
 */
#ifndef HOLOFS_WATCH_H
#define HOLOFS_WATCH_H

#define FSW_TREE 1    /* a directory changed: drop the path and everything below it */
#define FSW_ALL  2    /* events were lost (queue overflow): drop everything */

typedef void (*fs_watch_fn)(void *ctx, const char *mpath, int flags);
typedef struct fs_watch fs_watch;

/* Watch `store` (recursively, skipping hidden bookkeeping). NULL with errno set on failure. */
fs_watch *fs_watch_start(const char *store, fs_watch_fn fn, void *ctx);
/* Stop the thread and free everything. */
void fs_watch_stop(fs_watch *w);
/* Number of directories currently watched (for tests and -d). */
int fs_watch_count(fs_watch *w);

#endif
