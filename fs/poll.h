/* poll.h — revalidation of chunk directories on stores where inotify cannot be trusted.
 *
 * On a shared store (NFS, Ceph, FUSE, ..., see fstype.h) chunks written by another host raise no
 * inotify event. The poller keeps the state of every chunk directory the mount used recently:
 * the directory's own stat (inode, mtime, ctime, size, links) and, when that moved or may hide a
 * change, a hash of its listing (names, sizes, mtimes, inodes of the visible entries). A change
 * is reported as the watcher reports it (watch.h: fs_watch_fn with the mount path of the file),
 * on the poller's own thread, so the callback may call the FUSE notify functions.
 *
 * Cost stays bounded on large stores: only directories touched (stat-ed, opened) within
 * `recent_ms` are checked, each at most every `interval_ms`; a check is one lstat unless the
 * directory changed. In the background, a directory that keeps not changing is checked less
 * often (up to every 32 intervals) until it changes or is opened; a stat or open still checks
 * it once its last check is an interval old. A directory that falls out of the recent set is
 * reported once more (its cached state is dropped, so nothing stale is served when it is used
 * again) and forgotten.
 *
 * No FUSE here: tests/t_fs_poll.c drives it without a thread (fs_poll_new + fs_poll_scan).
 */
#ifndef HOLOFS_POLL_H
#define HOLOFS_POLL_H

#include <stddef.h>
#include <stdint.h>

#include "watch.h"

#define FS_POLL_STAT 0   /* a stat of the file: check the directory's stat when due */
#define FS_POLL_OPEN 1   /* an open: check the listing too when due (it is about to decode) */

#define FS_POLL_RECENT_MS (180 * 1000)   /* "recently used": three minutes */
#define FS_POLL_MAX_DIRS  65536          /* tracked directories; the least recent go first */

typedef struct fs_poll fs_poll;

/* A poller over `store` (absolute, no trailing slash), without a thread. NULL on ENOMEM. */
fs_poll *fs_poll_new(const char *store, unsigned interval_ms, unsigned recent_ms,
                     fs_watch_fn fn, void *ctx);
/* Start the background thread (fs_poll_scan every interval, or at once when a request found a
 * change). 0 or -errno. */
int fs_poll_run(fs_poll *p);
/* Stop the thread if running and free everything. */
void fs_poll_free(fs_poll *p);

/* A request used the file held by chunk directory `chunkdir` (absolute store path of X.holo/;
 * for an object of a HOPK container, the container's). Called from request handlers before
 * they read cached state: a directory seen for the first time is recorded now, so a change
 * after this call is never missed; a due one is checked now. Returns 1 when a change was found
 * now: the caller must drop its cached state of the file before serving; the report (kernel
 * notification) follows on the poller's thread. Else 0. */
int fs_poll_touch(fs_poll *p, const char *chunkdir, int how);

/* One background pass: expire directories unused for recent_ms, check the due ones, deliver
 * every change (and those touch found) through fn on the calling thread. Returns the number
 * of reports made. */
int fs_poll_scan(fs_poll *p);

/* Replace the monotonic millisecond clock (tests); NULL restores it. Before fs_poll_run. */
void fs_poll_set_clock(fs_poll *p, uint64_t (*clock_ms)(void));

/* Directories tracked now, and checks made so far (for tests and -d). */
size_t fs_poll_count(fs_poll *p);
unsigned long fs_poll_checks(fs_poll *p);

#endif
