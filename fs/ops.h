/* ops.h — the FUSE operations of holofs and the state they share.
 *
 * We use the libfuse 3 high-level (path) API: every rule of the namespace is about names
 * (X <-> X.holo/), the watcher reports names, and fuse_invalidate_path gives us inode
 * invalidation by name without keeping our own inode table. The multithreaded loop runs
 * requests in parallel, so one long decode never blocks ls or reads of other files.
 */
#ifndef HOLOFS_OPS_H
#define HOLOFS_OPS_H

#define FUSE_USE_VERSION 35
#include <fuse.h>
#include <pthread.h>
#include <stdint.h>

#include "cache.h"
#include "stream.h"
#include "watch.h"
#include "poll.h"
#include "links.h"
#include "pending.h"

typedef struct fs_node fs_node;

typedef struct holofs {
    /* options */
    char store[4096];         /* absolute store path, no trailing slash */
    unsigned cache_mb;        /* decoded-output cache bound, default 256 */
    unsigned decode_mb;       /* bound on decodes in flight plus the cache, default 512 */
    long chunk_kb;            /* encode: target chunk size (0 = codec default) */
    int codec_version;        /* encode: 1..4 (0 = automatic: images 4, others 2) */
    int pixels;               /* encode: holo_encode_opts.pixels (graceful media codecs) */
    double recovery;          /* encode: holo_encode_opts.recovery (parity, 0 = none) */
    unsigned frame_kb;        /* encode: binary v4 frame size in KiB (0 = the library's) */
    unsigned sp_cache_kb;     /* disk bound on read copies of packed small files (0 = default) */
    int ro;
    int debug, foreground;
    /* runtime */
    struct fuse *fuse;        /* set before the watcher starts; used only by the watcher */
    fs_cache *cache;
    fs_streams *streams;      /* binary v4 files open for reading (stream.h) */
    fs_watch *watch;
    fs_poll *poll;            /* shared stores (fstype.h): revalidation by polling, or NULL */
    struct fs_dict *dict;     /* the store dictionary's trainer (dict.h), or NULL */
    struct fs_sp *sp;         /* small-file packs of this mount (smallpack.h) */
    pthread_mutex_t mu;       /* guards nodes (info cache, open read handles, warned flag) */
    fs_node **nodes;          /* hash table of per-path state */
    fs_pending *pend;         /* files being written through the mount (pending.h) */
    fs_links *links;          /* names of multiply-linked plain files (links.h) */
    pthread_mutex_t budget_mu;
    pthread_cond_t budget_cv; /* signalled when a decode gives its reservation back */
    uint64_t inflight;        /* estimated bytes of the decodes running now */
} holofs;

extern const struct fuse_operations holofs_ops;

/* Set up cache and tables (options must be filled). 0 or -errno. */
int holofs_init(holofs *fs);
void holofs_fini(holofs *fs);
/* The watcher callback: drop cached state for mpath and notify the kernel for open files. */
void holofs_changed(void *ctx, const char *mpath, int flags);
/* One log line ("holofs: ...") to stderr in the foreground, syslog otherwise. */
void holofs_log(const holofs *fs, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
