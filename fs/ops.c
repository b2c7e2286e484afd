/* ops.c — FUSE operations of holofs (see ops.h for why the high-level API).
 *
 * Per-path state (fs_node): cached holo_info for stat, and how many read handles are open. File
 * handles (fs_fh): a refcounted decoded snapshot with the attributes it had at open (reads), a
 * shared binary v4 stream (reads, stream.h), a plain fd (pass-through files) or a pending write
 * (a temp file in STORE/.holofs-tmp/ that is encoded into X.holo/ on flush/fsync/release).
 */
#include "ops.h"
#include "dict.h"
#include "pack.h"
#include "meta.h"
#include "ns.h"
#include "holo.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/statvfs.h>
#include <sys/xattr.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#define NODE_BUCKETS 4096u

struct fs_node {
    char *path;
    fs_node *next;
    /* stat cache */
    int info_valid, info_err;
    uint64_t epoch;           /* bumped by every invalidation, so a stale fill is not kept */
    holo_info info;
    unsigned open_snaps;      /* open read handles: the kernel is told when the file changes */
    int warned;               /* "X and X.holo/ both exist" said once */
};

struct fs_pend {
    char *path;               /* mount path the data will be encoded to */
    char tmp[PATH_MAX];       /* STORE/.holofs-tmp/wXXXXXX */
    int fd;
    int dirty, unlinked;
    uid_t uid;                /* owner the encoded file gets (the creator, or the old owner) */
    gid_t gid;
    int times_set;            /* utimens while writing: the temp file's times are kept */
    unsigned refs;
    pthread_mutex_t mu;       /* serialises encodes of this file */
    fs_pend *next;
};

enum { FH_SNAP, FH_STREAM, FH_PLAIN, FH_WRITE };

/* Stream generations never equal a cache snapshot's: both name what the page cache holds. */

typedef struct fs_fh {
    int type;
    char *path;
    fs_snap *snap;            /* FH_SNAP */
    struct stat st;           /* FH_SNAP, FH_STREAM: attributes at open, st_size the snapshot's */
    int counted;              /* FH_SNAP, FH_STREAM: counted in the node's open_snaps */
    fs_sfile *sf;             /* FH_STREAM */
    int fd;                   /* FH_PLAIN */
    fs_pend *pend;            /* FH_WRITE */
    int privs_dropped;        /* FH_WRITE, FH_PLAIN: setuid/setgid cleared for this writer */
} fs_fh;

static holofs *ctx_fs(void)
{
    return fuse_get_context()->private_data;
}

void holofs_log(const holofs *fs, const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (!fs || fs->foreground)
        fprintf(stderr, "holofs: %s\n", line);
    else
        syslog(LOG_WARNING, "holofs: %s", line);
}

/* ---- per-path nodes ------------------------------------------------------------------- */
static unsigned phash(const char *s)
{
    unsigned h = 2166136261u;
    while (*s)
        h = (h ^ (unsigned char)*s++) * 16777619u;
    return h % NODE_BUCKETS;
}

/* Find or create the node of path (fs->mu held). NULL only when out of memory. */
static fs_node *node_get(holofs *fs, const char *path)
{
    unsigned h = phash(path);
    for (fs_node *n = fs->nodes[h]; n; n = n->next)
        if (strcmp(n->path, path) == 0)
            return n;
    fs_node *n = calloc(1, sizeof *n);
    if (!n || !(n->path = strdup(path))) {
        free(n);
        return NULL;
    }
    n->next = fs->nodes[h];
    fs->nodes[h] = n;
    return n;
}

static int under(const char *path, const char *top)
{
    size_t n = strlen(top);
    if (strcmp(top, "/") == 0)
        return 1;
    return strncmp(path, top, n) == 0 && (path[n] == 0 || path[n] == '/');
}

/* Forget cached state of path (or the tree below it); collect open paths for notification. */
static void forget(holofs *fs, const char *path, int tree, char ***open_paths, size_t *nopen)
{
    if (tree) {
        fs_cache_drop_tree(fs->cache, path);
        fs_streams_drop_tree(fs->streams, path);
    } else {
        fs_cache_drop(fs->cache, path);
        fs_streams_drop(fs->streams, path);
    }
    pthread_mutex_lock(&fs->mu);
    for (unsigned h = tree ? 0 : phash(path); h < NODE_BUCKETS; h++) {
        for (fs_node *n = fs->nodes[h]; n; n = n->next) {
            if (tree ? !under(n->path, path) : strcmp(n->path, path) != 0)
                continue;
            n->info_valid = 0;
            n->epoch++;
            if (n->open_snaps && open_paths) {
                char **p = realloc(*open_paths, (*nopen + 1) * sizeof *p);
                if (p) {
                    *open_paths = p;
                    if ((p[*nopen] = strdup(n->path)) != NULL)
                        (*nopen)++;
                }
            }
        }
        if (!tree)
            break;
    }
    pthread_mutex_unlock(&fs->mu);
}

void holofs_changed(void *ctx, const char *mpath, int flags)
{
    holofs *fs = ctx;
    char **open_paths = NULL, cdir[PATH_MAX];
    size_t nopen = 0;
    /* a change inside a container X.holo/ concerns every object file below /X */
    if (!(flags & FSW_ALL) && ns_join(cdir, sizeof cdir, fs->store, mpath, NS_SUFFIX) == 0 &&
        pk_is_container(cdir))
        flags |= FSW_TREE;
    forget(fs, (flags & FSW_ALL) ? "/" : mpath, (flags & (FSW_ALL | FSW_TREE)) != 0,
           &open_paths, &nopen);
    /* Kernel notification only for open files (others are revalidated by the short attribute
     * timeout); this runs on the watcher thread. */
    for (size_t i = 0; i < nopen; i++) {
        if (fs->fuse)
            fuse_invalidate_path(fs->fuse, open_paths[i]);
        free(open_paths[i]);
    }
    free(open_paths);
    if (fs->debug)
        holofs_log(fs, "store changed: %s%s", mpath, (flags & FSW_TREE) ? "/..." : "");
}

/* A request is about to use the cached state of path, held by chunk directory spath: on a
 * polled store (poll.h) a change found now is dropped here; the kernel is told on the poller's
 * thread, as for an inotify event. */
static void poll_touch(holofs *fs, const char *path, const char *spath, int how)
{
    if (fs->poll && fs_poll_touch(fs->poll, spath, how))
        forget(fs, path, 0, NULL, NULL);
}

/* ---- decoding (the cache's loader) ------------------------------------------------------ */
static void warn_cb(void *ctx, const char *msg)
{
    holofs_log(ctx, "%s", msg);
}

/* Memory a decode of this file takes at its peak, from the headers alone: the chunks read in,
 * the decoded samples and the serialised view (all coexist at some point; measured on a 40 MB
 * binary: peak 3.0x its length, this says 3.0x). Saturates instead of wrapping. */
static uint64_t decode_estimate(const holo_info *info, holo_view v)
{
    uint64_t raw;
    switch (info->kind) {
    case HOLO_KIND_IMAGE:
        raw = info->width && info->height > UINT64_MAX / 3 / info->width
                  ? UINT64_MAX : (uint64_t)info->width * info->height * 3;
        break;
    case HOLO_KIND_AUDIO:
        raw = (uint64_t)info->frames * info->channels * 2;
        break;
    default:
        raw = info->length;
    }
    uint64_t sum = raw, parts[2] = {holo_view_size(info, v), info->chunk_bytes};
    for (int i = 0; i < 2; i++)
        sum = sum > UINT64_MAX - parts[i] ? UINT64_MAX : sum + parts[i];
    return sum;
}

/* Reserve `est` bytes of the decode budget (decodes in flight plus the cache). The cache gives
 * way first; then we wait for other decodes, boundedly. 0, -EFBIG (larger than the whole
 * budget) or -EIO (still no room after the wait); both are logged. */
static int budget_acquire(holofs *fs, const char *path, uint64_t est)
{
    enum { WAIT_S = 30 };
    uint64_t budget = (uint64_t)fs->decode_mb << 20;
    if (est > budget) {
        holofs_log(fs, "%s: decoding needs about %llu MiB, more than the decode budget "
                       "(decode_mb=%u): refused", path,
                   (unsigned long long)((est + (1u << 20) - 1) >> 20), fs->decode_mb);
        return -EFBIG;
    }
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += WAIT_S;
    pthread_mutex_lock(&fs->budget_mu);
    for (;;) {
        if (fs->inflight + est <= budget) {
            size_t room = (size_t)(budget - fs->inflight - est);
            if (fs_cache_bytes(fs->cache) > room)
                fs_cache_trim(fs->cache, room);
            if (fs_cache_bytes(fs->cache) <= room)
                break;
        }
        if (pthread_cond_timedwait(&fs->budget_cv, &fs->budget_mu, &until) == ETIMEDOUT) {
            pthread_mutex_unlock(&fs->budget_mu);
            holofs_log(fs, "%s: no room in the decode budget (decode_mb=%u) after %d s of "
                           "other decodes: refused", path, fs->decode_mb, WAIT_S);
            return -EIO;
        }
    }
    fs->inflight += est;
    pthread_mutex_unlock(&fs->budget_mu);
    return 0;
}

static void budget_release(holofs *fs, uint64_t est)
{
    pthread_mutex_lock(&fs->budget_mu);
    fs->inflight -= est;
    pthread_cond_broadcast(&fs->budget_cv);
    pthread_mutex_unlock(&fs->budget_mu);
}

/* The store's own .holo-dict (never one above the store), or NULL: the library looks up. */
static const char *store_dict_dir(const holofs *fs)
{
    return fs->dict ? fs_dict_dir(fs->dict) : NULL;
}

/* Decode and serialise the encoded file `path` (chunk directory `dir`). */
static int decode_view(holofs *fs, const char *path, const char *dir, uint8_t **buf,
                       size_t *len)
{
    holo_decode_opts o;
    holo_decoded d;
    holo_err err = {0};
    holo_decode_opts_init(&o);
    o.warn = warn_cb;
    o.warn_ctx = fs;
    o.dict_dir = store_dict_dir(fs);
    memset(&d, 0, sizeof d);
    if (holo_decode_dir(dir, &o, &d, &err) < 0) {
        holofs_log(fs, "%s: cannot decode: %s", path, err.msg);
        return -holo_errno(&err);
    }
    /* A binary with bytes missing or failing their checks would read as wrong bytes, which
     * nothing downstream can tell from right ones: refuse it. Degraded images and audio are
     * the point of the codec and are served. */
    if (d.info.kind == HOLO_KIND_BINARY && !d.info.exact) {
        holofs_log(fs, "%s: cannot decode exactly (%u/%u chunks valid): refused rather than "
                       "serve wrong bytes", path, d.info.chunks_present, d.info.block_count);
        holo_decoded_free(&d);
        return -EIO;
    }
    if (d.info.kind != HOLO_KIND_BINARY && d.bytes && (d.info.exact || d.info.partial_as_file) &&
        d.info.exact_bytes) {
        /* a complete set that keeps the original file (an image with a recipe), or one whose
         * partial decode is still that kind of file (HO4J): its bytes */
        *len = (size_t)(d.info.file_size ? d.info.file_size : d.info.length);
        *buf = d.bytes;
        d.bytes = NULL;
        holo_decoded_free(&d);
        return 0;
    }
    int rc = holo_view_render(&d, ns_view(ns_basename(path), d.info.kind), buf, len, &err);
    if (rc < 0) {
        holofs_log(fs, "%s: cannot serialise: %s", path, err.msg);
        holo_decoded_free(&d);
        return -holo_errno(&err);
    }
    if (fs->debug)
        holofs_log(fs, "decoded %s: %u/%u chunks, %zu bytes", path, d.info.chunks_present,
                   d.info.block_count, *len);
    holo_decoded_free(&d);
    return 0;
}

static int load(void *ctx, const char *path, uint8_t **buf, size_t *len)
{
    holofs *fs = ctx;
    char dir[PATH_MAX];
    holo_err err = {0};
    size_t oi;
    if (pk_resolve(fs->store, path, dir, sizeof dir, &oi) == PK_OBJECT) {   /* container object */
        holo_pack_index idx;
        if (holo_pack_read_index(dir, &idx, &err) < 0) {
            holofs_log(fs, "%s: cannot unpack: %s", path, err.msg);
            return -holo_errno(&err);
        }
        uint64_t est = oi < idx.n_objects ? pk_decode_estimate(&idx, oi) : 0;
        holo_pack_index_free(&idx);
        int rc = budget_acquire(fs, path, est);
        if (rc < 0)
            return rc;
        rc = pk_load(dir, oi, buf, len, &err);
        budget_release(fs, est);
        if (rc < 0)
            holofs_log(fs, "%s: cannot unpack: %s", path, err.msg);
        return rc;
    }
    if (ns_join(dir, sizeof dir, fs->store, path, NS_SUFFIX) < 0)
        return -ENAMETOOLONG;
    holo_info info;
    if (holo_info_dir(dir, &info, &err) < 0) {
        holofs_log(fs, "%s: cannot decode: %s", path, err.msg);
        return -holo_errno(&err);
    }
    uint64_t est = decode_estimate(&info, ns_view(ns_basename(path), info.kind));
    int rc = budget_acquire(fs, path, est);
    if (rc < 0)
        return rc;
    rc = decode_view(fs, path, dir, buf, len);
    budget_release(fs, est);
    return rc;
}

/* ---- stat ------------------------------------------------------------------------------- */
/* Cached holo_info of an encoded file; 0 or the (cached) failure. */
static int enc_info(holofs *fs, const char *path, const char *spath, holo_info *info)
{
    poll_touch(fs, path, spath, FS_POLL_STAT);
    if (!fs->watch)            /* no watcher: nothing tells us about changes, cache nothing */
        forget(fs, path, 0, NULL, NULL);
    pthread_mutex_lock(&fs->mu);
    fs_node *n = node_get(fs, path);
    if (!n) {
        pthread_mutex_unlock(&fs->mu);
        return -ENOMEM;
    }
    if (n->info_valid) {
        *info = n->info;
        int e = n->info_err;
        pthread_mutex_unlock(&fs->mu);
        return e;
    }
    uint64_t epoch = n->epoch;
    pthread_mutex_unlock(&fs->mu);

    holo_err err = {0};
    memset(info, 0, sizeof *info);
    int rc = holo_info_dir(spath, info, &err) < 0 ? -EIO : 0;

    pthread_mutex_lock(&fs->mu);
    n = node_get(fs, path);
    if (n && n->epoch == epoch) {   /* nothing changed meanwhile: keep it */
        n->info = *info;
        n->info_err = rc;
        n->info_valid = 1;
    }
    pthread_mutex_unlock(&fs->mu);
    return rc;
}

static void warn_shadow(holofs *fs, const char *path)
{
    pthread_mutex_lock(&fs->mu);
    fs_node *n = node_get(fs, path);
    int say = n && !n->warned;
    if (n)
        n->warned = 1;
    pthread_mutex_unlock(&fs->mu);
    if (say)
        holofs_log(fs, "%s: both %s and %s%s exist in the store; serving the encoded %s%s",
                   path, ns_basename(path), ns_basename(path), NS_SUFFIX, ns_basename(path),
                   NS_SUFFIX);
}

static uint64_t info_size(const holo_info *info, const char *path)
{
    if (info->kind == HOLO_KIND_NONE)
        return 0;
    /* a complete set of a file kept exactly reads as that file; incomplete, as its view */
    if (info->kind != HOLO_KIND_BINARY && (info->exact || info->partial_as_file) &&
        info->exact_bytes && info->file_size)
        return info->file_size;
    return holo_view_size(info, ns_view(ns_basename(path), info->kind));
}

/* Turn the chunk directory's stat into the stat of the file it holds. */
static void enc_stat(holofs *fs, const char *path, const char *spath, struct stat *st)
{
    holo_info info;
    fs_meta m;
    int rc = enc_info(fs, path, spath, &info);
    if (meta_read(spath, &m) < 0)
        memset(&m, 0, sizeof m);
    st->st_nlink = 1;
    st->st_blksize = 65536;
    if (rc == 0) {
        st->st_size = (off_t)info_size(&info, path);
        st->st_blocks = (blkcnt_t)((info.chunk_bytes + 511) / 512);
    } else {
        st->st_size = 0;
        st->st_blocks = 0;
    }
    meta_apply(&m, rc == 0 ? info.newest_mtime_ns : 0, st);
}

static fs_pend *pend_find(holofs *fs, const char *path)
{
    for (fs_pend *p = fs->pend; p; p = p->next)
        if (!p->unlinked && strcmp(p->path, path) == 0)
            return p;
    return NULL;
}

/* stat of a file being written that is not yet in the store; -ENOENT if none. */
static int pend_stat(holofs *fs, const char *path, struct stat *st)
{
    int rc = -ENOENT;
    pthread_mutex_lock(&fs->mu);
    fs_pend *p = pend_find(fs, path);
    if (p && p->dirty)   /* opened for writing, nothing written: the stored file shows */
        rc = fstat(p->fd, st) < 0 ? -errno : 0;
    pthread_mutex_unlock(&fs->mu);
    return rc;
}

/* ---- HOPK containers: read-only directories of objects (pack.h) ------------------------ */
/* Objects have no inode of their own: a number from the container's, distinct and never 0
 * (st_ino is served as the inode number: use_ino). */
static ino_t pk_ino(ino_t dir, size_t oi)
{
    return dir ^ ((ino_t)(oi + 1) << 40);
}

/* stat of a container path: 0 (filled), -errno, or 1 when path is not in a container. */
static int pk_stat(holofs *fs, const char *path, struct stat *st)
{
    char cdir[PATH_MAX];
    size_t oi;
    pk_type t = pk_resolve(fs->store, path, cdir, sizeof cdir, &oi);
    if (t == PK_NONE)
        return 1;
    if (t == PK_INSIDE || lstat(cdir, st) < 0)
        return -ENOENT;
    if (t == PK_ROOT) {
        st->st_mode = S_IFDIR | (st->st_mode & 0555);
        st->st_nlink = 2;
        return 0;
    }
    holo_pack_index idx;
    if (holo_pack_read_index(cdir, &idx, NULL) < 0 || oi >= idx.n_objects)
        return -EIO;
    st->st_mode = S_IFREG | (st->st_mode & 0444);
    st->st_nlink = 1;
    st->st_ino = pk_ino(st->st_ino, oi);
    st->st_size = (off_t)pk_size(&idx, oi);
    st->st_blocks = (blkcnt_t)((st->st_size + 511) / 512);
    holo_pack_index_free(&idx);
    return 0;
}

/* Containers are read-only: -EROFS for any change at or inside one, else 0. */
static int pk_ro(holofs *fs, const char *path)
{
    char cdir[PATH_MAX];
    size_t oi;
    return path && pk_resolve(fs->store, path, cdir, sizeof cdir, &oi) != PK_NONE ? -EROFS : 0;
}

static int pk_readdir(holofs *fs, const char *path, void *buf, fuse_fill_dir_t fill)
{
    char cdir[PATH_MAX], name[64];
    size_t oi;
    if (pk_resolve(fs->store, path, cdir, sizeof cdir, &oi) != PK_ROOT)
        return 1;
    holo_pack_index idx;
    struct stat cst;
    if (lstat(cdir, &cst) < 0 || holo_pack_read_index(cdir, &idx, NULL) < 0)
        return -EIO;
    fill(buf, ".", NULL, 0, 0);
    fill(buf, "..", NULL, 0, 0);
    for (size_t i = 0; i < idx.n_objects; i++) {
        struct stat st = { .st_mode = S_IFREG | 0444 };
        st.st_ino = pk_ino(cst.st_ino, i);
        st.st_size = (off_t)pk_size(&idx, i);
        pk_name(&idx, i, name, sizeof name);
        if (fill(buf, name, &st, 0, 0))
            break;
    }
    holo_pack_index_free(&idx);
    return 0;
}

static int fs_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
    holofs *fs = ctx_fs();
    char spath[PATH_MAX];
    int shadowed;
    if (fi && fi->fh) {
        fs_fh *h = (fs_fh *)(uintptr_t)fi->fh;
        /* a write handle with nothing written yet (touch, futimens) shows the stored file */
        if (h->type == FH_WRITE && (h->pend->dirty || !path))
            return fstat(h->pend->fd, st) < 0 ? -errno : 0;
        if (h->type == FH_PLAIN)
            return fstat(h->fd, st) < 0 ? -errno : 0;
        if (h->type == FH_SNAP || h->type == FH_STREAM) {   /* the snapshot's size, however the store changed since */
            *st = h->st;
            return 0;
        }
    }
    if (!path)
        return -ENOENT;
    if (pend_stat(fs, path, st) == 0)
        return 0;
    int pk = pk_stat(fs, path, st);
    if (pk != 1)
        return pk;
    switch (ns_resolve(fs->store, path, spath, sizeof spath, st, &shadowed)) {
    case NS_NONE:   /* no name over NAME_MAX can exist: say why (lookup goes through here) */
        return strlen(ns_basename(path)) > NAME_MAX ? -ENAMETOOLONG : -ENOENT;
    case NS_ENCODED:
        if (shadowed)
            warn_shadow(fs, path);
        enc_stat(fs, path, spath, st);
        return 0;
    default:
        if (!S_ISDIR(st->st_mode) && st->st_nlink > 1)
            links_note(fs->links, st->st_ino, path);
        return 0;
    }
}

/* ---- hard links ------------------------------------------------------------------------ */
/* The kernel caches each name's attributes apart (links.h): after a change to inode ino
 * through `path`, have it refetch its other names. */
static void links_tell(holofs *fs, ino_t ino, const char *path)
{
    size_t n;
    char **v = fs->fuse ? links_others(fs->links, ino, path, &n) : NULL;
    for (size_t i = 0; v && i < n; i++) {
        fuse_invalidate_path(fs->fuse, v[i]);
        free(v[i]);
    }
    free(v);
}

/* ---- ownership ------------------------------------------------------------------------- */
/* The kernel checks permissions against what getattr reports (default_permissions), so what a
 * user creates through the mount must be theirs in the store. Only root can give files away;
 * a holofs run by a user owns everything it creates anyway. */
static void give_to(const char *spath, uid_t uid, gid_t gid)
{
    if (geteuid() == 0 && lchown(spath, uid, gid) < 0) { /* best effort: it stays root's */ }
}

/* 1 when the caller is in group gid (primary or supplementary). */
static int caller_in_group(gid_t gid)
{
    const struct fuse_context *c = fuse_get_context();
    gid_t list[64];
    if (c->gid == gid)
        return 1;
    int n = fuse_getgroups(64, list);
    for (int i = 0; i < n && i < 64; i++)
        if (list[i] == gid)
            return 1;
    return 0;
}

/* Owner and mode of an entry the caller creates at store path spath, as a local filesystem
 * gives them: the caller's uid; the parent's group when the parent is setgid (directories then
 * inherit setgid), else the caller's; setgid dropped from a non-directory whose group the
 * caller is not in. *mode comes from the kernel with the caller's umask already applied. */
static void new_owner(const char *spath, int is_dir, mode_t *mode, uid_t *uid, gid_t *gid)
{
    const struct fuse_context *c = fuse_get_context();
    char parent[PATH_MAX];
    struct stat pst;
    *uid = c->uid;
    *gid = c->gid;
    snprintf(parent, sizeof parent, "%s", spath);
    char *slash = strrchr(parent, '/');
    if (slash && slash != parent)
        *slash = 0;
    if (slash && stat(parent, &pst) == 0 && (pst.st_mode & S_ISGID)) {
        *gid = pst.st_gid;
        if (is_dir)
            *mode |= S_ISGID;
    }
    if (!is_dir && (*mode & S_ISGID) && c->uid != 0 && !caller_in_group(*gid))
        *mode &= ~(mode_t)S_ISGID;
}

/* Give a new store entry its owner and exact mode (holofs's own umask must not count).
 * chmod after chown: chown clears setuid/setgid. Symlinks have no mode of their own. */
static void own_new(const char *spath, int is_dir, mode_t mode)
{
    uid_t uid;
    gid_t gid;
    struct stat st;
    new_owner(spath, is_dir, &mode, &uid, &gid);
    give_to(spath, uid, gid);
    if (lstat(spath, &st) == 0 && !S_ISLNK(st.st_mode) && chmod(spath, mode & 07777) < 0) {
        /* best effort: it keeps the mode the store gave it */
    }
}

/* A name about to be made: ENAMETOOLONG when a component is over NAME_MAX or the store path
 * (with .holo, which an encoded file needs) is over PATH_MAX; EPERM for the names holofs
 * keeps for itself (every hidden one with all = 1, else only reserved ones). */
static int new_name_rc(holofs *fs, const char *path, int all)
{
    char spath[PATH_MAX];
    const char *base = ns_basename(path);
    if (strlen(base) > NAME_MAX || ns_join(spath, sizeof spath, fs->store, path, NS_SUFFIX) < 0)
        return -ENAMETOOLONG;
    if (all ? ns_path_invalid(path) : ns_is_reserved(base))
        return -EPERM;
    return 0;
}

/* 1 when STORE/path.holo exists: the name shows an encoded file already. */
static int encoded_exists(holofs *fs, const char *path)
{
    char enc[PATH_MAX];
    struct stat st;
    return ns_join(enc, sizeof enc, fs->store, path, NS_SUFFIX) == 0 && lstat(enc, &st) == 0;
}

/* ---- directories ------------------------------------------------------------------------ */
/* ls -l of a directory of many encoded files: read their chunk headers on a few threads
 * before the (sequential) listing, which then finds every holo_info cached. */
typedef struct prefetch {
    holofs *fs;
    char (*paths)[2][PATH_MAX];   /* mount path, store path of X.holo */
    size_t n;
    size_t next;
    pthread_mutex_t mu;
} prefetch;

static void *prefetch_run(void *arg)
{
    prefetch *pf = arg;
    for (;;) {
        pthread_mutex_lock(&pf->mu);
        size_t i = pf->next++;
        pthread_mutex_unlock(&pf->mu);
        if (i >= pf->n)
            return NULL;
        holo_info info;
        enc_info(pf->fs, pf->paths[i][0], pf->paths[i][1], &info);
    }
}

static void prefetch_dir(holofs *fs, const char *path, const char *dpath, DIR *d)
{
    enum { MIN_FILES = 32, THREADS = 4 };
    prefetch pf = {.fs = fs};
    size_t cap = 0;
    const char *sep = strcmp(path, "/") == 0 ? "" : "/";
    struct dirent *e;
    char x[NAME_MAX + 1];
    while ((e = readdir(d)) != NULL) {
        if ((e->d_type != DT_DIR && e->d_type != DT_UNKNOWN) ||
            !ns_strip_suffix(e->d_name, x, sizeof x))
            continue;
        if (pf.n == cap) {
            size_t nc = cap ? cap * 2 : 64;
            void *np = realloc(pf.paths, nc * sizeof *pf.paths);
            if (!np)
                break;
            pf.paths = np;
            cap = nc;
        }
        if (snprintf(pf.paths[pf.n][0], PATH_MAX, "%s%s%s", path, sep, x) >= PATH_MAX ||
            snprintf(pf.paths[pf.n][1], PATH_MAX, "%s/%s", dpath, e->d_name) >= PATH_MAX)
            continue;
        pf.n++;
    }
    rewinddir(d);
    if (pf.n >= MIN_FILES) {
        pthread_t th[THREADS];
        int started = 0;
        pthread_mutex_init(&pf.mu, NULL);
        for (int i = 0; i < THREADS; i++)
            if (pthread_create(&th[started], NULL, prefetch_run, &pf) == 0)
                started++;
        prefetch_run(&pf);
        for (int i = 0; i < started; i++)
            pthread_join(th[i], NULL);
        pthread_mutex_destroy(&pf.mu);
    }
    free(pf.paths);
}

static int fs_readdir(const char *path, void *buf, fuse_fill_dir_t fill, off_t off,
                      struct fuse_file_info *fi, enum fuse_readdir_flags flags)
{
    (void)off;
    (void)fi;
    holofs *fs = ctx_fs();
    char dpath[PATH_MAX], mpath[PATH_MAX], x[NAME_MAX + 1];
    struct stat st;
    int shadowed;
    int pk = pk_readdir(fs, path, buf, fill);
    if (pk != 1)
        return pk;
    if (ns_resolve(fs->store, path, dpath, sizeof dpath, &st, &shadowed) != NS_DIR)
        return -ENOTDIR;
    DIR *d = opendir(dpath);
    if (!d)
        return -errno;
    int plus = (flags & FUSE_READDIR_PLUS) != 0;
    if (plus)
        prefetch_dir(fs, path, dpath, d);
    fill(buf, ".", NULL, 0, 0);
    fill(buf, "..", NULL, 0, 0);
    const char *sep = strcmp(path, "/") == 0 ? "" : "/";
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        const char *name = e->d_name;
        if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0 || ns_is_hidden(name))
            continue;
        /* X.holo/ is shown as X; a plain X beside it is hidden by it */
        const char *shown = name;
        int container = 0;
        ino_t ino = e->d_ino;   /* X's is its chunk directory's */
        if (ns_strip_suffix(name, x, sizeof x)) {
            struct stat cst;
            char cpath[PATH_MAX];
            if (snprintf(cpath, sizeof cpath, "%s/%s", dpath, name) < (int)sizeof cpath &&
                lstat(cpath, &cst) == 0 && S_ISDIR(cst.st_mode)) {
                shown = x;
                ino = cst.st_ino;
                if (pk_is_container(cpath))
                    container = 1;
            }
        } else {
            char cpath[PATH_MAX];
            struct stat cst;
            if (snprintf(cpath, sizeof cpath, "%s/%s%s", dpath, name, NS_SUFFIX) <
                    (int)sizeof cpath && lstat(cpath, &cst) == 0 && S_ISDIR(cst.st_mode))
                continue;
        }
        if (snprintf(mpath, sizeof mpath, "%s%s%s", path, sep, shown) >= (int)sizeof mpath)
            continue;
        if (plus && fs_getattr(mpath, &st, NULL) == 0) {
            if (fill(buf, shown, &st, 0, FUSE_FILL_DIR_PLUS))
                break;
        } else {
            memset(&st, 0, sizeof st);
            st.st_mode = container ? S_IFDIR : (shown == x) ? S_IFREG : DTTOIF(e->d_type);
            st.st_ino = ino;     /* never 0: with use_ino an entry of inode 0 is not listed */
            if (fill(buf, shown, &st, 0, 0))
                break;
        }
    }
    closedir(d);
    /* files being written through the mount and not yet encoded show as well */
    pthread_mutex_lock(&fs->mu);
    for (fs_pend *p = fs->pend; p; p = p->next) {
        const char *slash = strrchr(p->path, '/');
        size_t plen = (size_t)(slash - p->path);
        if (p->unlinked || !slash || plen != (strcmp(path, "/") == 0 ? 0 : strlen(path)) ||
            strncmp(p->path, path, plen) != 0 || ns_is_hidden(slash + 1))
            continue;
        char sp[PATH_MAX];
        int sh;
        struct stat pst;
        if (ns_resolve(fs->store, p->path, sp, sizeof sp, &pst, &sh) != NS_NONE)
            continue;
        if (fstat(p->fd, &pst) == 0)
            fill(buf, slash + 1, &pst, 0, plus ? FUSE_FILL_DIR_PLUS : 0);
    }
    pthread_mutex_unlock(&fs->mu);
    return 0;
}

static int fs_mkdir(const char *path, mode_t mode)
{
    holofs *fs = ctx_fs();
    int rc_pk = pk_ro(fs, path);   /* containers are read-only */
    if (rc_pk < 0)
        return rc_pk;
    char spath[PATH_MAX], x[NAME_MAX + 1];
    int rc;
    if (fs->ro)
        return -EROFS;
    if ((rc = new_name_rc(fs, path, 1)) < 0)
        return rc;
    if (ns_strip_suffix(ns_basename(path), x, sizeof x))
        return -EINVAL;       /* STORE/X.holo/ would be an encoded file, not a directory */
    if (ns_join(spath, sizeof spath, fs->store, path, NULL) < 0)
        return -ENAMETOOLONG;
    if (encoded_exists(fs, path))
        return -EEXIST;
    if (mkdir(spath, mode) < 0)
        return -errno;
    own_new(spath, 1, mode);
    return 0;
}

static int fs_rmdir(const char *path)
{
    holofs *fs = ctx_fs();
    int rc_pk = pk_ro(fs, path);   /* containers are read-only */
    if (rc_pk < 0)
        return rc_pk;
    char spath[PATH_MAX];
    struct stat st;
    int sh;
    if (fs->ro)
        return -EROFS;
    switch (ns_resolve(fs->store, path, spath, sizeof spath, &st, &sh)) {
    case NS_DIR: break;
    case NS_NONE: return -ENOENT;
    default: return -ENOTDIR;
    }
    return rmdir(spath) < 0 ? -errno : 0;
}

/* ---- removing and renaming ------------------------------------------------------------ */
/* Take a chunk directory out of the namespace at once (rename into the scratch dir), then
 * delete it. */
static int remove_chunkdir(holofs *fs, const char *dir)
{
    char trash[PATH_MAX];
    if (snprintf(trash, sizeof trash, "%s/%s/rmXXXXXX", fs->store, NS_TMPDIR) >=
        (int)sizeof trash)
        return -ENAMETOOLONG;
    if (!mkdtemp(trash))
        return -errno;
    char dst[PATH_MAX + 2];
    snprintf(dst, sizeof dst, "%s/d", trash);
    int rc = 0;
    if (rename(dir, dst) < 0)
        rc = -errno;
    ns_rmtree(trash);
    return rc;
}

static int fs_unlink(const char *path)
{
    holofs *fs = ctx_fs();
    int rc_pk = pk_ro(fs, path);   /* containers are read-only */
    if (rc_pk < 0)
        return rc_pk;
    char spath[PATH_MAX];
    struct stat st;
    int sh, rc;
    if (fs->ro)
        return -EROFS;
    switch (ns_resolve(fs->store, path, spath, sizeof spath, &st, &sh)) {
    case NS_ENCODED:
        rc = remove_chunkdir(fs, spath);
        break;
    case NS_PLAIN:
    case NS_OTHER:
        rc = unlink(spath) < 0 ? -errno : 0;
        if (rc == 0 && st.st_nlink > 1) {
            links_drop(fs->links, path);
            links_tell(fs, st.st_ino, path);
        }
        break;
    case NS_DIR:
        return -EISDIR;
    default:
        rc = -ENOENT;
    }
    /* a file still being written is forgotten: its close will not encode it */
    pthread_mutex_lock(&fs->mu);
    fs_pend *p = pend_find(fs, path);
    if (p) {
        p->unlinked = 1;
        rc = 0;
    }
    pthread_mutex_unlock(&fs->mu);
    forget(fs, path, 0, NULL, NULL);
    return rc;
}

/* The encode options of the mount for a file written as path. */
static void enc_opts(const holofs *fs, holo_encode_opts *o, const char *path)
{
    holo_encode_opts_init(o);
    o->name_hint = ns_basename(path);
    if (fs->chunk_kb > 0)
        o->chunk_kb = fs->chunk_kb;
    if (fs->codec_version > 0)
        o->codec_version = fs->codec_version;
    o->pixels = fs->pixels;
    o->recovery = fs->recovery;
    o->frame_size = fs->frame_kb << 10;
    o->dict_dir = store_dict_dir(fs);
}

/* Pass a written file's attributes (its temp file's: mode, and the times if utimens set them)
 * on to what it became in the store: a plain file, or the chunk directory and its sidecar. */
static void pass_attrs(holofs *fs, const char *path, const char *spath, int encoded,
                       const struct stat *tst, int times_set)
{
    if (!encoded) {
        if (chmod(spath, tst->st_mode & 07777) < 0) { /* best effort */ }
        if (times_set) {
            struct timespec tv[2] = { tst->st_atim, tst->st_mtim };
            if (utimensat(AT_FDCWD, spath, tv, AT_SYMLINK_NOFOLLOW) < 0) { /* best effort */ }
        }
        return;
    }
    if (meta_chmod(spath, tst->st_mode) < 0)
        holofs_log(fs, "%s: cannot keep mode %04o", path, (unsigned)(tst->st_mode & 07777));
    if (times_set) {
        holo_info info;
        holo_err err = {0};
        int64_t stamp = holo_info_dir(spath, &info, &err) == 0 ? info.newest_mtime_ns : 0;
        if (meta_set_times(spath, &tst->st_atim, &tst->st_mtim, stamp) < 0)
            holofs_log(fs, "%s: cannot keep its times", path);
    }
}

/* The end of an atomic write through the mount (write a hidden temporary such as
 * NAME.tmpXXXXXX or libholo's .holo-tmp-PID-N, rename to NAME):
 * encode the temporary file into NAME.holo/, then remove it. */
static int rename_encode(holofs *fs, const char *sfrom, const char *to)
{
    char out[PATH_MAX];
    holo_encode_opts o;
    holo_err err = {0};
    if (ns_join(out, sizeof out, fs->store, to, NS_SUFFIX) < 0)
        return -ENAMETOOLONG;
    enc_opts(fs, &o, to);
    struct stat st;
    if (lstat(sfrom, &st) < 0)
        return -errno;
    if (holo_encode_file(sfrom, out, &o, &err) < 0) {
        holofs_log(fs, "%s: encode failed, previous version kept: %s", to, err.msg);
        return -holo_errno(&err);
    }
    give_to(out, st.st_uid, st.st_gid);
    fs_dict_note(fs->dict, (uint64_t)st.st_size);
    pass_attrs(fs, to, out, 1, &st, 1);
    unlink(sfrom);
    forget(fs, to, 0, NULL, NULL);
    return 0;
}

static int fs_rename(const char *from, const char *to, unsigned int flags)
{
    holofs *fs = ctx_fs();
    int rc_pk;   /* containers are read-only */
    if ((rc_pk = pk_ro(fs, from)) < 0 || (rc_pk = pk_ro(fs, to)) < 0)
        return rc_pk;
    char sfrom[PATH_MAX], sto[PATH_MAX], dst[PATH_MAX];
    struct stat fst, tst;
    int sh, rc;
    if (fs->ro)
        return -EROFS;
    if (flags & ~RENAME_NOREPLACE)
        return -EINVAL;
    if ((rc = new_name_rc(fs, to, 1)) < 0)
        return rc;
    ns_type tf = ns_resolve(fs->store, from, sfrom, sizeof sfrom, &fst, &sh);
    ns_type tt = ns_resolve(fs->store, to, sto, sizeof sto, &tst, &sh);
    if (tf == NS_NONE) {
        /* renaming a file that is still being written: it will be encoded under the new name */
        pthread_mutex_lock(&fs->mu);
        fs_pend *p = pend_find(fs, from);
        char *np = p ? strdup(to) : NULL;
        if (np) {
            free(p->path);
            p->path = np;
        }
        pthread_mutex_unlock(&fs->mu);
        return p ? (np ? 0 : -ENOMEM) : -ENOENT;
    }
    if (tt != NS_NONE && (flags & RENAME_NOREPLACE))
        return -EEXIST;
    if (strcmp(from, to) == 0)   /* POSIX: nothing happens (and X.holo/ must not be removed) */
        return 0;
    if (tf == NS_PLAIN && tt != NS_PLAIN && tt != NS_DIR && ns_is_hidden(ns_basename(from)))
        return rename_encode(fs, sfrom, to);
    if (tf == NS_DIR && tt != NS_NONE && tt != NS_DIR)
        return -ENOTDIR;
    if (tf != NS_DIR && tt == NS_DIR)
        return -EISDIR;
    if (tf == NS_DIR) {
        char x[NAME_MAX + 1];
        if (ns_strip_suffix(ns_basename(to), x, sizeof x))
            return -EINVAL;
    }
    if (ns_join(dst, sizeof dst, fs->store, to, tf == NS_ENCODED ? NS_SUFFIX : NULL) < 0)
        return -ENAMETOOLONG;
    /* replace what the target name shows now (an encoded file or a plain one) */
    if (tt == NS_ENCODED && (rc = remove_chunkdir(fs, sto)) < 0)
        return rc;
    if ((tt == NS_PLAIN || tt == NS_OTHER) && tf == NS_ENCODED && unlink(sto) < 0)
        return -errno;
    rc = rename(sfrom, dst) < 0 ? -errno : 0;
    if (rc == 0 && tf != NS_DIR && fst.st_nlink > 1) {   /* its ctime moved */
        links_drop(fs->links, from);
        links_tell(fs, fst.st_ino, from);
    }
    if (rc == 0 && tt != NS_DIR && tt != NS_NONE && tst.st_nlink > 1) {   /* one name fewer */
        links_drop(fs->links, to);
        links_tell(fs, tst.st_ino, to);
    }
    forget(fs, from, tf == NS_DIR, NULL, NULL);
    forget(fs, to, 1, NULL, NULL);
    return rc;
}

/* ---- pending writes ------------------------------------------------------------------- */
/* A pending write of path, to be owned by uid:gid with mode `mode` once encoded. */
static fs_pend *pend_new(holofs *fs, const char *path, mode_t mode, uid_t uid, gid_t gid,
                         int *rc)
{
    fs_pend *p = calloc(1, sizeof *p);
    if (!p || !(p->path = strdup(path))) {
        free(p);
        *rc = -ENOMEM;
        return NULL;
    }
    if (snprintf(p->tmp, sizeof p->tmp, "%s/%s/wXXXXXX", fs->store, NS_TMPDIR) >=
        (int)sizeof p->tmp)
        p->fd = -1, errno = ENAMETOOLONG;
    else
        p->fd = mkostemp(p->tmp, O_CLOEXEC);
    if (p->fd < 0) {
        *rc = -errno;
        free(p->path);
        free(p);
        return NULL;
    }
    /* the temp file carries mode and owner: getattr shows them while writing, and the
     * encoder gives the chunk directory the input's mode */
    if (fchmod(p->fd, mode & 07777) < 0) { /* best effort */ }
    if (geteuid() == 0 && fchown(p->fd, uid, gid) < 0) { /* best effort */ }
    p->uid = uid;
    p->gid = gid;
    pthread_mutex_init(&p->mu, NULL);
    p->refs = 1;
    pthread_mutex_lock(&fs->mu);
    p->next = fs->pend;
    fs->pend = p;
    pthread_mutex_unlock(&fs->mu);
    return p;
}

static void pend_put(holofs *fs, fs_pend *p)
{
    pthread_mutex_lock(&fs->mu);
    int last = --p->refs == 0;
    if (last) {
        fs_pend **pp = &fs->pend;
        while (*pp && *pp != p)
            pp = &(*pp)->next;
        if (*pp)
            *pp = p->next;
    }
    pthread_mutex_unlock(&fs->mu);
    if (!last)
        return;
    close(p->fd);
    unlink(p->tmp);
    pthread_mutex_destroy(&p->mu);
    free(p->path);
    free(p);
}

/* Copy the whole of fd into `path` (a hidden name: nobody reads it half-written). */
static int copy_out(int fd, const char *path, mode_t mode)
{
    char buf[65536];
    int out = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (out < 0)
        return -errno;
    off_t off = 0;
    int rc = 0;
    while (rc == 0) {
        ssize_t n = pread(fd, buf, sizeof buf, off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            rc = n < 0 ? -errno : 0;
            break;
        }
        for (ssize_t done = 0; done < n && rc == 0;) {
            ssize_t w = write(out, buf + done, (size_t)(n - done));
            if (w < 0 && errno != EINTR)
                rc = -errno;
            else if (w > 0)
                done += w;
        }
        off += n;
    }
    if (close(out) < 0 && rc == 0)
        rc = -errno;
    if (rc < 0)
        unlink(path);
    return rc;
}

/* Encode the pending data into STORE/path.holo/ (atomically: libholo writes a temporary
 * directory and renames it). On failure the previous version stays. 0 or -errno. */
static int pend_commit(holofs *fs, fs_pend *p)
{
    int rc = 0;
    pthread_mutex_lock(&p->mu);
    pthread_mutex_lock(&fs->mu);
    char *path = strdup(p->path);
    int todo = p->dirty && !p->unlinked;
    pthread_mutex_unlock(&fs->mu);
    if (!path) {
        pthread_mutex_unlock(&p->mu);
        return -ENOMEM;
    }
    if (todo) {
        char out[PATH_MAX];
        holo_encode_opts o;
        holo_err err = {0};
        enc_opts(fs, &o, path);
        char plain[PATH_MAX];
        struct stat st, pst;
        if (ns_join(out, sizeof out, fs->store, path, NS_SUFFIX) < 0 ||
            ns_join(plain, sizeof plain, fs->store, path, NULL) < 0) {
            rc = -ENAMETOOLONG;
        } else if (fstat(p->fd, &st) < 0) {
            rc = -errno;
        } else if (ns_is_hidden(ns_basename(path))) {
            /* a temporary name: keep the bytes as they are, encode when it is renamed */
            rc = copy_out(p->fd, plain, st.st_mode & 0666);
            if (rc == 0) {
                give_to(plain, p->uid, p->gid);
                pass_attrs(fs, path, plain, 0, &st, p->times_set);
                p->dirty = 0;
            }
        } else if (st.st_size == 0) {
            /* nothing to encode (the codec refuses empty input): an empty plain file */
            int fd = open(plain, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, st.st_mode & 0666);
            if (fd < 0) {
                rc = -errno;
            } else {
                close(fd);
                give_to(plain, p->uid, p->gid);
                pass_attrs(fs, path, plain, 0, &st, p->times_set);
                if (lstat(out, &pst) == 0 && S_ISDIR(pst.st_mode))
                    rc = remove_chunkdir(fs, out);
                if (rc == 0)
                    p->dirty = 0;
            }
        } else if (holo_encode_file(p->tmp, out, &o, &err) < 0) {
            rc = -holo_errno(&err);
            holofs_log(fs, "%s: encode failed, previous version kept: %s", path, err.msg);
        } else {
            p->dirty = 0;
            give_to(out, p->uid, p->gid);
            fs_dict_note(fs->dict, (uint64_t)st.st_size);
            pass_attrs(fs, path, out, 1, &st, p->times_set);
            /* an empty plain placeholder (touch, then write) gives way to the encoded file */
            if (lstat(plain, &pst) == 0 && S_ISREG(pst.st_mode) && pst.st_size == 0)
                unlink(plain);
            if (fs->debug)
                holofs_log(fs, "encoded %s", path);
        }
        forget(fs, path, 0, NULL, NULL);
    }
    free(path);
    pthread_mutex_unlock(&p->mu);
    return rc;
}

/* Encoded files whose reads go through a stream: binary v4. */
static int is_stream_file(holofs *fs, const char *path, const char *spath)
{
    holo_info info;
    return enc_info(fs, path, spath, &info) == 0 && info.kind == HOLO_KIND_BINARY &&
           info.version == 4;
}

/* pend_fill of a binary v4 file: through its stream, a frame at a time, never whole in
 * memory; a hole fails the fill (EIO) rather than writing zeros back. */
static int pend_fill_stream(holofs *fs, fs_pend *p, const char *path, const char *spath)
{
    enum { STEP = 1 << 20 };
    fs_sfile *f;
    holo_err err = {0};
    if (fs_streams_get(fs->streams, path, spath, &f, &err) < 0) {
        holofs_log(fs, "%s: cannot open: %s", path, err.msg);
        return -EIO;
    }
    uint8_t *buf = malloc(STEP);
    int rc = buf ? 0 : -ENOMEM;
    for (uint64_t off = 0, size = fs_sfile_size(f); rc == 0 && off < size;) {
        int64_t got = fs_sfile_read(f, off, buf, STEP, &err);
        if (got <= 0) {
            holofs_log(fs, "%s: cannot read for rewriting: %s", path, err.msg);
            rc = got == HOLO_ENOMEM ? -ENOMEM : -EIO;
            break;
        }
        for (int64_t done = 0; done < got && rc == 0;) {
            ssize_t w = pwrite(p->fd, buf + done, (size_t)(got - done), (off_t)(off + done));
            if (w < 0 && errno != EINTR)
                rc = -errno;
            else if (w > 0)
                done += w;
        }
        off += (uint64_t)got;
    }
    free(buf);
    fs_sfile_put(fs->streams, f);
    return rc;
}

/* Copy the current bytes of an encoded file into p (for O_RDWR/O_WRONLY without O_TRUNC and
 * for truncate). */
static int pend_fill(holofs *fs, fs_pend *p, const char *path)
{
    char spath[PATH_MAX];
    if (ns_join(spath, sizeof spath, fs->store, path, NS_SUFFIX) == 0 &&
        is_stream_file(fs, path, spath))
        return pend_fill_stream(fs, p, path, spath);
    fs_snap *s;
    int rc = fs_cache_get(fs->cache, path, &s);
    if (rc < 0)
        return rc;
    size_t done = 0;
    while (done < s->len) {
        ssize_t w = pwrite(p->fd, s->buf + done, s->len - done, (off_t)done);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            rc = -errno;
            break;
        }
        done += (size_t)w;
    }
    fs_snap_put(fs->cache, s);
    return rc;
}

/* ---- open / read / write / close -------------------------------------------------------- */
static int fh_new(fs_fh **h, int type, const char *path)
{
    *h = calloc(1, sizeof **h);
    if (!*h || !((*h)->path = strdup(path))) {
        free(*h);
        return -ENOMEM;
    }
    (*h)->type = type;
    (*h)->fd = -1;
    return 0;
}

static void fh_free(fs_fh *h)
{
    free(h->path);
    free(h);
}

/* A write handle on path; the result gets `mode` and the owner of `owner` (NULL: the caller). */
static int open_write(holofs *fs, const char *path, int flags, mode_t mode,
                      const struct stat *owner, int fill, struct fuse_file_info *fi)
{
    fs_fh *h;
    int rc = fh_new(&h, FH_WRITE, path);
    if (rc < 0)
        return rc;
    uid_t uid = owner ? owner->st_uid : 0;
    gid_t gid = owner ? owner->st_gid : 0;
    char spath[PATH_MAX];
    if (!owner && ns_join(spath, sizeof spath, fs->store, path, NULL) == 0)
        new_owner(spath, 0, &mode, &uid, &gid);   /* a new file: the caller's */
    h->pend = pend_new(fs, path, mode, uid, gid, &rc);
    if (!h->pend) {
        fh_free(h);
        return rc;
    }
    if (fill && (rc = pend_fill(fs, h->pend, path)) < 0) {
        pend_put(fs, h->pend);
        fh_free(h);
        return rc;
    }
    h->pend->dirty = (flags & O_TRUNC) || !fill;
    fi->direct_io = 1;     /* written bytes are not what a later read serves */
    fi->fh = (uint64_t)(uintptr_t)h;
    return 0;
}

static int fs_create(const char *path, mode_t mode, struct fuse_file_info *fi)
{
    holofs *fs = ctx_fs();
    int rc_pk = pk_ro(fs, path);   /* containers are read-only */
    if (rc_pk < 0)
        return rc_pk;
    char spath[PATH_MAX];
    struct stat st;
    int sh;
    if (fs->ro)
        return -EROFS;
    /* Temporary names (NAME.tmpXXXXXX, .holo-tmp-PID-N) may be created: they live as pending writes only and
     * are encoded under whatever name they are renamed to. holofs's own names may not. */
    int rc_name = new_name_rc(fs, path, 0);
    if (rc_name < 0)
        return rc_name;
    ns_type t = ns_resolve(fs->store, path, spath, sizeof spath, &st, &sh);
    if (t == NS_PLAIN) {
        /* an existing pass-through file stays one */
        fs_fh *h;
        int rc = fh_new(&h, FH_PLAIN, path);
        if (rc < 0)
            return rc;
        if ((h->fd = open(spath, fi->flags | O_CLOEXEC, mode)) < 0) {
            rc = -errno;
            fh_free(h);
            return rc;
        }
        fi->fh = (uint64_t)(uintptr_t)h;
        return 0;
    }
    if (t == NS_DIR)
        return -EISDIR;
    return open_write(fs, path, fi->flags, mode, NULL, 0, fi);
}

/* A read handle holding the current decoded snapshot of path (decoded now if not cached) and
 * the attributes `st` it is served with. Without the watcher nothing else notices new chunks,
 * so the cached decode is dropped first.
 *
 * Every snapshot handle reads with direct I/O: the kernel's page cache and file size belong to
 * the inode, shared by all handles and refreshed from the store by any stat, so a handle read
 * through them could be cut short or mixed with a newer version. direct_io reads come from
 * this handle's snapshot alone, whole, until it is closed. */
static int open_snapshot(holofs *fs, const char *path, const struct stat *st,
                         struct fuse_file_info *fi)
{
    fs_fh *h;
    int rc = fh_new(&h, FH_SNAP, path);
    if (rc < 0)
        return rc;
    if (!fs->watch)
        fs_cache_drop(fs->cache, path);
    if ((rc = fs_cache_get(fs->cache, path, &h->snap)) < 0) {
        fh_free(h);
        return rc;
    }
    h->st = *st;
    h->st.st_size = (off_t)h->snap->len;
    h->st.st_blocks = (blkcnt_t)((h->snap->len + 511) / 512);
    pthread_mutex_lock(&fs->mu);
    fs_node *n = node_get(fs, path);
    if (n) {
        n->open_snaps++;
        h->counted = 1;
    }
    pthread_mutex_unlock(&fs->mu);
    fi->direct_io = 1;
    fi->fh = (uint64_t)(uintptr_t)h;
    return 0;
}

/* A read handle on a binary v4 file: its shared stream, nothing decoded until read. Like a
 * snapshot it reads with direct I/O and keeps the set it opened (the stream) until closed; st
 * as for open_snapshot. */
static int open_stream(holofs *fs, const char *path, const char *spath, const struct stat *st,
                       struct fuse_file_info *fi)
{
    fs_fh *h;
    holo_err err = {0};
    holo_stream_info si;
    int rc = fh_new(&h, FH_STREAM, path);
    if (rc < 0)
        return rc;
    if (!fs->watch)
        fs_streams_drop(fs->streams, path);
    if ((rc = fs_streams_get(fs->streams, path, spath, &h->sf, &err)) < 0) {
        holofs_log(fs, "%s: cannot open: %s", path, err.msg);
        fh_free(h);
        return rc == HOLO_ENOMEM ? -ENOMEM : -EIO;
    }
    fs_sfile_stat(h->sf, &si);
    if (si.verified < 0) {     /* a pass found wrong bytes: nothing more from this set */
        holofs_log(fs, "%s: decoded bytes do not match the recorded SHA-256", path);
        fs_sfile_put(fs->streams, h->sf);
        fh_free(h);
        return -EIO;
    }
    h->st = *st;
    h->st.st_size = (off_t)si.size;
    h->st.st_blocks = (blkcnt_t)((si.size + 511) / 512);
    pthread_mutex_lock(&fs->mu);
    fs_node *n = node_get(fs, path);
    if (n) {
        n->open_snaps++;
        h->counted = 1;
    }
    pthread_mutex_unlock(&fs->mu);
    fi->direct_io = 1;
    fi->fh = (uint64_t)(uintptr_t)h;
    return 0;
}

static int fs_open(const char *path, struct fuse_file_info *fi)
{
    holofs *fs = ctx_fs();
    char spath[PATH_MAX];
    struct stat st;
    int sh, rc;
    int wr = (fi->flags & O_ACCMODE) != O_RDONLY;
    if (fs->ro && (wr || (fi->flags & O_TRUNC)))
        return -EROFS;
    fs_fh *h;
    size_t oi;
    pk_type pt = pk_resolve(fs->store, path, spath, sizeof spath, &oi);
    if (pt == PK_INSIDE)
        return -ENOENT;
    if (pt == PK_ROOT)
        return -EISDIR;
    if (pt == PK_OBJECT) {   /* a container object: read-only, decoded through the cache */
        if (wr || (fi->flags & O_TRUNC))
            return -EROFS;
        if ((rc = pk_stat(fs, path, &st)) != 0)
            return rc < 0 ? rc : -ENOENT;
        poll_touch(fs, path, spath, FS_POLL_OPEN);
        return open_snapshot(fs, path, &st, fi);
    }
    ns_type t = ns_resolve(fs->store, path, spath, sizeof spath, &st, &sh);
    if (t == NS_NONE) {
        /* a second open of a file still being written shares its temp file */
        pthread_mutex_lock(&fs->mu);
        fs_pend *p = pend_find(fs, path);
        if (p)
            p->refs++;
        pthread_mutex_unlock(&fs->mu);
        if (!p)
            return -ENOENT;
        if ((rc = fh_new(&h, FH_WRITE, path)) < 0) {
            pend_put(fs, p);
            return rc;
        }
        h->pend = p;
        if (fi->flags & O_TRUNC) {
            if (ftruncate(p->fd, 0) == 0)
                p->dirty = 1;
        }
        fi->direct_io = 1;
        fi->fh = (uint64_t)(uintptr_t)h;
        return 0;
    }
    if (t == NS_DIR)
        return -EISDIR;
    if (t == NS_PLAIN && wr && st.st_size == 0)   /* empty placeholder: write encodes */
        return open_write(fs, path, fi->flags | O_TRUNC, st.st_mode & 07777, &st, 0, fi);
    if (t == NS_PLAIN || t == NS_OTHER) {
        if ((rc = fh_new(&h, FH_PLAIN, path)) < 0)
            return rc;
        if ((h->fd = open(spath, (fi->flags & ~O_CREAT) | O_CLOEXEC)) < 0) {
            rc = -errno;
            fh_free(h);
            return rc;
        }
        fi->fh = (uint64_t)(uintptr_t)h;
        return 0;
    }
    /* encoded */
    if (wr || (fi->flags & O_TRUNC)) {
        enc_stat(fs, path, spath, &st);   /* the full mode, sidecar included */
        return open_write(fs, path, fi->flags, st.st_mode & 07777, &st,
                          !(fi->flags & O_TRUNC), fi);
    }
    poll_touch(fs, path, spath, FS_POLL_OPEN);
    enc_stat(fs, path, spath, &st);
    if (is_stream_file(fs, path, spath))
        return open_stream(fs, path, spath, &st, fi);
    return open_snapshot(fs, path, &st, fi);
}

static int fs_read(const char *path, char *buf, size_t size, off_t off,
                   struct fuse_file_info *fi)
{
    (void)path;
    fs_fh *h = (fs_fh *)(uintptr_t)fi->fh;
    if (off < 0)
        return -EINVAL;
    if (h->type == FH_STREAM) {
        holo_err err = {0};
        int64_t got = fs_sfile_read(h->sf, (uint64_t)off, buf, size, &err);
        if (got < 0) {
            holofs_log(ctx_fs(), "%s: read of %zu bytes at %lld failed: %s", h->path, size,
                       (long long)off, err.msg);
            return got == HOLO_ENOMEM ? -ENOMEM : -EIO;
        }
        return (int)got;
    }
    if (h->type == FH_SNAP) {
        const fs_snap *s = h->snap;
        if ((uint64_t)off >= s->len)
            return 0;
        size_t n = s->len - (size_t)off;
        if (n > size)
            n = size;
        memcpy(buf, s->buf + off, n);
        return (int)n;
    }
    int fd = h->type == FH_WRITE ? h->pend->fd : h->fd;
    ssize_t n = pread(fd, buf, size, off);
    return n < 0 ? -errno : (int)n;
}

/* POSIX: a write by anyone but root clears setuid, and setgid where group-x is set (the
 * kernel leaves this to FUSE; holofs writing as root would keep them). */
static void drop_privs(int fd)
{
    struct stat st;
    if (fuse_get_context()->uid == 0 || fstat(fd, &st) < 0)
        return;
    mode_t kill = S_ISUID | ((st.st_mode & S_IXGRP) ? S_ISGID : 0);
    if ((st.st_mode & kill) && fchmod(fd, st.st_mode & 07777 & ~kill) < 0) { /* best effort */ }
}

static int fs_write(const char *path, const char *buf, size_t size, off_t off,
                    struct fuse_file_info *fi)
{
    (void)path;
    fs_fh *h = (fs_fh *)(uintptr_t)fi->fh;
    if (h->type == FH_SNAP || h->type == FH_STREAM)
        return -EBADF;
    int fd = h->type == FH_WRITE ? h->pend->fd : h->fd;
    if (!h->privs_dropped) {
        drop_privs(fd);
        h->privs_dropped = 1;
    }
    ssize_t n = pwrite(fd, buf, size, off);
    if (n < 0)
        return -errno;
    if (h->type == FH_WRITE) {
        h->pend->dirty = 1;
        h->pend->times_set = 0;   /* a write after utimens: mtime is now again */
    }
    return (int)n;
}

static int fs_flush(const char *path, struct fuse_file_info *fi)
{
    (void)path;
    fs_fh *h = (fs_fh *)(uintptr_t)fi->fh;
    /* close() reports a failed encode: this is where the writer hears about it */
    if (h->type == FH_WRITE)
        return pend_commit(ctx_fs(), h->pend);
    return 0;
}

static int fs_fsync(const char *path, int datasync, struct fuse_file_info *fi)
{
    (void)path;
    fs_fh *h = (fs_fh *)(uintptr_t)fi->fh;
    if (h->type == FH_WRITE)
        return pend_commit(ctx_fs(), h->pend);
    if (h->type == FH_PLAIN)
        return (datasync ? fdatasync(h->fd) : fsync(h->fd)) < 0 ? -errno : 0;
    return 0;
}

static int fs_release(const char *path, struct fuse_file_info *fi)
{
    (void)path;
    holofs *fs = ctx_fs();
    fs_fh *h = (fs_fh *)(uintptr_t)fi->fh;
    switch (h->type) {
    case FH_SNAP:
    case FH_STREAM:
        if (h->counted) {
            pthread_mutex_lock(&fs->mu);
            fs_node *n = node_get(fs, h->path);
            if (n && n->open_snaps)
                n->open_snaps--;
            pthread_mutex_unlock(&fs->mu);
        }
        if (h->type == FH_SNAP)
            fs_snap_put(fs->cache, h->snap);
        else
            fs_sfile_put(fs->streams, h->sf);
        break;
    case FH_PLAIN:
        close(h->fd);
        break;
    case FH_WRITE:
        if (pend_commit(fs, h->pend) < 0) { /* already logged; nobody left to tell */ }
        pend_put(fs, h->pend);
        break;
    }
    fh_free(h);
    return 0;
}

/* ---- attributes ------------------------------------------------------------------------- */
static int fs_truncate(const char *path, off_t size, struct fuse_file_info *fi)
{
    holofs *fs = ctx_fs();
    int rc_pk = pk_ro(fs, path);   /* containers are read-only */
    if (rc_pk < 0)
        return rc_pk;
    char spath[PATH_MAX];
    struct stat st;
    int sh, rc;
    if (fs->ro)
        return -EROFS;
    if (size < 0)
        return -EINVAL;
    if (fi && fi->fh) {
        fs_fh *h = (fs_fh *)(uintptr_t)fi->fh;
        if (h->type == FH_SNAP || h->type == FH_STREAM)
            return -EBADF;
        int fd = h->type == FH_WRITE ? h->pend->fd : h->fd;
        if (ftruncate(fd, size) < 0)
            return -errno;
        if (h->type == FH_WRITE)
            h->pend->dirty = 1;
        return 0;
    }
    ns_type t = ns_resolve(fs->store, path, spath, sizeof spath, &st, &sh);
    if (t == NS_PLAIN)
        return truncate(spath, size) < 0 ? -errno : 0;
    if (t == NS_DIR)
        return -EISDIR;
    if (t == NS_NONE) {
        pthread_mutex_lock(&fs->mu);
        fs_pend *p = pend_find(fs, path);
        rc = p ? (ftruncate(p->fd, size) < 0 ? -errno : 0) : -ENOENT;
        if (p && rc == 0)
            p->dirty = 1;
        pthread_mutex_unlock(&fs->mu);
        return rc;
    }
    if (t != NS_ENCODED)
        return -EINVAL;
    enc_stat(fs, path, spath, &st);
    if (st.st_size == size)
        return 0;
    /* decode, cut or extend, encode again */
    fs_pend *p = pend_new(fs, path, st.st_mode, st.st_uid, st.st_gid, &rc);
    if (!p)
        return rc;
    if ((rc = pend_fill(fs, p, path)) == 0) {
        if (ftruncate(p->fd, size) < 0) {
            rc = -errno;
        } else {
            p->dirty = 1;
            rc = pend_commit(fs, p);
        }
    }
    pend_put(fs, p);
    return rc;
}

/* The pending write an attribute change also concerns: the handle's, or one of path. Called
 * with fs->mu held. */
static fs_pend *pend_of(holofs *fs, const char *path, struct fuse_file_info *fi)
{
    if (fi && fi->fh) {
        fs_fh *h = (fs_fh *)(uintptr_t)fi->fh;
        if (h->type == FH_WRITE)
            return h->pend;
    }
    return path ? pend_find(fs, path) : NULL;
}

/* An attribute change: ENC for an encoded file, PLAIN for anything in the store under its own
 * name (lstat-level, never following a symlink), PEND for a file being written (its temp file,
 * whose attributes the encode passes on). Applied to the store's entry and to a pending write
 * alike: a file being rewritten is both. */
typedef struct attr_op {
    int (*enc)(holofs *fs, const char *path, const char *spath, const void *arg);
    int (*plain)(const char *spath, int fd, const void *arg);   /* fd >= 0: use it instead */
    int (*pend)(fs_pend *p, const void *arg);
    const void *arg;
} attr_op;

static int attr_change(const char *path, struct fuse_file_info *fi, const attr_op *op)
{
    holofs *fs = ctx_fs();
    int rc_pk = pk_ro(fs, path);   /* containers are read-only */
    if (rc_pk < 0)
        return rc_pk;
    if (fs->ro)
        return -EROFS;
    char spath[PATH_MAX];
    struct stat st;
    int sh, rc = -ENOENT;
    if (path) {
        switch (ns_resolve(fs->store, path, spath, sizeof spath, &st, &sh)) {
        case NS_NONE: break;
        case NS_ENCODED: rc = op->enc(fs, path, spath, op->arg); break;
        default:
            rc = op->plain(spath, -1, op->arg);
            if (rc == 0 && st.st_nlink > 1)
                links_tell(fs, st.st_ino, path);
            break;
        }
    } else if (fi && fi->fh && ((fs_fh *)(uintptr_t)fi->fh)->type == FH_PLAIN) {
        rc = op->plain(NULL, ((fs_fh *)(uintptr_t)fi->fh)->fd, op->arg);  /* removed, still open */
    }
    pthread_mutex_lock(&fs->mu);
    fs_pend *p = pend_of(fs, path, fi);
    if (p) {
        int prc = op->pend(p, op->arg);
        if (rc == -ENOENT || prc < 0)
            rc = prc;
    }
    pthread_mutex_unlock(&fs->mu);
    return rc;
}

static int chmod_enc(holofs *fs, const char *path, const char *spath, const void *arg)
{
    (void)fs;
    (void)path;
    return meta_chmod(spath, *(const mode_t *)arg);
}

static int chmod_plain(const char *spath, int fd, const void *arg)
{
    mode_t m = *(const mode_t *)arg & 07777;
    return (fd >= 0 ? fchmod(fd, m) : chmod(spath, m)) < 0 ? -errno : 0;
}

static int chmod_pend(fs_pend *p, const void *arg)
{
    return fchmod(p->fd, *(const mode_t *)arg & 07777) < 0 ? -errno : 0;
}

static int fs_chmod(const char *path, mode_t mode, struct fuse_file_info *fi)
{
    const attr_op op = { chmod_enc, chmod_plain, chmod_pend, &mode };
    return attr_change(path, fi, &op);
}

/* The kernel has checked who may chown (default_permissions: root, or the owner to one of
 * their groups) and clears setuid/setgid with a following chmod. */
typedef struct owner { uid_t uid; gid_t gid; } owner;

static int chown_enc(holofs *fs, const char *path, const char *spath, const void *arg)
{
    (void)fs;
    (void)path;
    const owner *o = arg;
    return lchown(spath, o->uid, o->gid) < 0 ? -errno : 0;
}

static int chown_plain(const char *spath, int fd, const void *arg)
{
    const owner *o = arg;
    return (fd >= 0 ? fchown(fd, o->uid, o->gid) : lchown(spath, o->uid, o->gid)) < 0 ? -errno : 0;
}

static int chown_pend(fs_pend *p, const void *arg)
{
    const owner *o = arg;
    if (o->uid != (uid_t)-1)
        p->uid = o->uid;
    if (o->gid != (gid_t)-1)
        p->gid = o->gid;
    return geteuid() == 0 && fchown(p->fd, o->uid, o->gid) < 0 ? -errno : 0;
}

static int fs_chown(const char *path, uid_t uid, gid_t gid, struct fuse_file_info *fi)
{
    const owner o = { uid, gid };
    const attr_op op = { chown_enc, chown_plain, chown_pend, &o };
    return attr_change(path, fi, &op);
}

/* One of utimensat's times: UTIME_NOW and UTIME_OMIT resolved against `now` and `cur`. */
static struct timespec time_pick(const struct timespec *want, const struct timespec *now,
                                 const struct timespec *cur)
{
    if (want->tv_nsec == UTIME_NOW)
        return *now;
    if (want->tv_nsec == UTIME_OMIT)
        return *cur;
    return *want;
}

/* An encoded file keeps explicit times in its sidecar, stamped with the newest chunk's mtime:
 * they are served until a newer chunk lands (meta.h). */
static int utimens_enc(holofs *fs, const char *path, const char *spath, const void *arg)
{
    const struct timespec *tv = arg;
    struct stat st;
    struct timespec now;
    holo_info info;
    if (lstat(spath, &st) < 0)
        return -errno;
    enc_stat(fs, path, spath, &st);
    clock_gettime(CLOCK_REALTIME, &now);
    struct timespec at = time_pick(&tv[0], &now, &st.st_atim);
    struct timespec mt = time_pick(&tv[1], &now, &st.st_mtim);
    int64_t stamp = enc_info(fs, path, spath, &info) == 0 ? info.newest_mtime_ns : 0;
    return meta_set_times(spath, &at, &mt, stamp);
}

static int utimens_plain(const char *spath, int fd, const void *arg)
{
    return (fd >= 0 ? futimens(fd, arg) : utimensat(AT_FDCWD, spath, arg, AT_SYMLINK_NOFOLLOW)) < 0
               ? -errno : 0;
}

static int utimens_pend(fs_pend *p, const void *arg)
{
    if (futimens(p->fd, arg) < 0)
        return -errno;
    p->times_set = 1;
    return 0;
}

static int fs_utimens(const char *path, const struct timespec tv[2], struct fuse_file_info *fi)
{
    const attr_op op = { utimens_enc, utimens_plain, utimens_pend, tv };
    return attr_change(path, fi, &op);
}

static int fs_fsyncdir(const char *path, int datasync, struct fuse_file_info *fi)
{
    (void)datasync;
    (void)fi;
    holofs *fs = ctx_fs();
    char spath[PATH_MAX];
    struct stat st;
    int sh;
    if (ns_resolve(fs->store, path, spath, sizeof spath, &st, &sh) != NS_DIR)
        return -ENOTDIR;
    int fd = open(spath, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    int rc = fsync(fd) < 0 ? -errno : 0;
    close(fd);
    return rc;
}

static int fs_statfs(const char *path, struct statvfs *sv)
{
    (void)path;
    return statvfs(ctx_fs()->store, sv) < 0 ? -errno : 0;
}

static int fs_readlink(const char *path, char *buf, size_t size)
{
    holofs *fs = ctx_fs();
    char spath[PATH_MAX];
    struct stat st;
    int sh;
    if (ns_resolve(fs->store, path, spath, sizeof spath, &st, &sh) != NS_OTHER ||
        !S_ISLNK(st.st_mode))
        return -EINVAL;
    ssize_t n = readlink(spath, buf, size - 1);
    if (n < 0)
        return -errno;
    buf[n] = 0;
    return 0;
}

/* The checks before a new plain entry (symlink, FIFO, device node...) is made in the store:
 * not inside a read-only container or mount, a valid new name, no encoded file of that name.
 * spath (PATH_MAX bytes) receives its store path. 0 or a negative errno. */
static int new_plain_entry(holofs *fs, const char *path, char *spath)
{
    int rc = pk_ro(fs, path);   /* containers are read-only */
    if (rc < 0)
        return rc;
    if (fs->ro)
        return -EROFS;
    if ((rc = new_name_rc(fs, path, 1)) < 0)
        return rc;
    if (ns_join(spath, PATH_MAX, fs->store, path, NULL) < 0)
        return -ENAMETOOLONG;
    if (encoded_exists(fs, path))
        return -EEXIST;
    return 0;
}

static int fs_symlink(const char *target, const char *path)
{
    holofs *fs = ctx_fs();
    char spath[PATH_MAX];
    int rc = new_plain_entry(fs, path, spath);
    if (rc < 0)
        return rc;
    if (symlink(target, spath) < 0)
        return -errno;
    own_new(spath, 0, 0);
    return 0;
}

/* FIFOs, sockets, device nodes (root only: the kernel checks CAP_MKNOD) and regular files made
 * by mknod(2) pass through to the store, owned by the caller. An empty regular file is what
 * create leaves for an empty write too. */
static int fs_mknod(const char *path, mode_t mode, dev_t rdev)
{
    holofs *fs = ctx_fs();
    char spath[PATH_MAX];
    int rc = new_plain_entry(fs, path, spath);
    if (rc < 0)
        return rc;
    if (mknod(spath, mode, rdev) < 0)
        return -errno;
    own_new(spath, 0, mode);
    return 0;
}

/* Hard links between plain entries pass through. An encoded file is a directory of chunks,
 * which cannot be linked: EPERM, link(2)'s errno for a filesystem without such links. */
static int fs_link(const char *from, const char *to)
{
    holofs *fs = ctx_fs();
    int rc_pk;   /* containers are read-only */
    if ((rc_pk = pk_ro(fs, from)) < 0 || (rc_pk = pk_ro(fs, to)) < 0)
        return rc_pk;
    char sfrom[PATH_MAX], sto[PATH_MAX];
    struct stat st, tst;
    int sh;
    if (fs->ro)
        return -EROFS;
    if ((rc_pk = new_name_rc(fs, to, 1)) < 0)
        return rc_pk;
    switch (ns_resolve(fs->store, from, sfrom, sizeof sfrom, &st, &sh)) {
    case NS_PLAIN:
    case NS_OTHER:
        break;
    case NS_NONE:
        return -ENOENT;
    default:        /* encoded files; directories (the kernel refuses those first) */
        return -EPERM;
    }
    if (ns_resolve(fs->store, to, sto, sizeof sto, &tst, &sh) != NS_NONE)
        return -EEXIST;
    if (ns_join(sto, sizeof sto, fs->store, to, NULL) < 0)
        return -ENAMETOOLONG;
    if (link(sfrom, sto) < 0)
        return -errno;
    /* every other name's nlink and ctime moved */
    links_note(fs->links, st.st_ino, from);
    links_note(fs->links, st.st_ino, to);
    links_tell(fs, st.st_ino, to);
    return 0;
}

/* ---- extended attributes ---------------------------------------------------------------- */
static int xattr_reply(const char *val, char *buf, size_t size)
{
    size_t n = strlen(val);
    if (size == 0)
        return (int)n;
    if (size < n)
        return -ERANGE;
    memcpy(buf, val, n);
    return (int)n;
}

static const char *const xnames[] = {
    "user.holo.kind", "user.holo.version", "user.holo.chunks", "user.holo.exact",
    "user.holo.size", "user.holo.decodes", "user.holo.recoverable", "user.holo.codec",
    "user.holo.exact_bytes", "user.holo.holes",
};

/* 1 when a full decode of the set gives the original back (recovery chunks included: v1/v2;
 * audio may carry a clipping flag that info.exact alone knows about). */
static int info_exact(const holo_info *info)
{
    return info->exact ||
           (info->recoverable && info->version < 3 && info->kind != HOLO_KIND_AUDIO);
}

/* user.holo.holes: the byte ranges no chunk set can rebuild. Binary v4 knows them frame by
 * frame; an incomplete HOBI binary is unreadable as a whole; media views have none. */
static int holes_xattr(holofs *fs, const char *path, const char *spath, const holo_info *info,
                       char *buf, size_t size)
{
    char val[4096] = "";
    if (info->kind == HOLO_KIND_BINARY && info->version == 4) {
        fs_sfile *f;
        holo_err err = {0};
        if (fs_streams_get(fs->streams, path, spath, &f, &err) < 0) {
            holofs_log(fs, "%s: cannot open: %s", path, err.msg);
            return -EIO;
        }
        fs_sfile_holes(f, val, sizeof val);
        fs_sfile_put(fs->streams, f);
    } else if (info->kind == HOLO_KIND_BINARY && !info_exact(info) && info->length) {
        snprintf(val, sizeof val, "0-%llu", (unsigned long long)info->length - 1);
    }
    return xattr_reply(val, buf, size);
}


static int fs_getxattr(const char *path, const char *name, char *buf, size_t size)
{
    holofs *fs = ctx_fs();
    char spath[PATH_MAX], val[128];
    struct stat st;
    int sh;
    int pk = pk_stat(fs, path, &st);
    if (pk != 1)
        return pk < 0 ? pk : -ENODATA;   /* container paths carry no attributes */
    ns_type t = ns_resolve(fs->store, path, spath, sizeof spath, &st, &sh);
    if (t == NS_NONE)
        return pend_stat(fs, path, &st) == 0 ? -ENODATA : -ENOENT;
    if (t != NS_ENCODED) {
        ssize_t n = lgetxattr(spath, name, buf, size);
        return n < 0 ? -errno : (int)n;
    }
    if (strcmp(name, "user.holo.decodes") == 0) {
        snprintf(val, sizeof val, "%llu", (unsigned long long)fs_cache_loads(fs->cache, path));
        return xattr_reply(val, buf, size);
    }
    holo_info info;
    if (strncmp(name, "user.holo.", 10) != 0)
        return -ENODATA;
    if (enc_info(fs, path, spath, &info) < 0) {
        if (strcmp(name, "user.holo.chunks") != 0)
            return -ENODATA;
        snprintf(val, sizeof val, "0/0");
        return xattr_reply(val, buf, size);
    }
    if (strcmp(name, "user.holo.dict") == 0) {   /* the store dictionary it needs */
        if (!info.has_dict)
            return -ENODATA;
        holo_dict_hex(info.dict_id, val);
    } else if (strcmp(name, "user.holo.kind") == 0)
        snprintf(val, sizeof val, "%s", holo_kind_name(info.kind));
    else if (strcmp(name, "user.holo.version") == 0)
        snprintf(val, sizeof val, "%d", info.version);
    else if (strcmp(name, "user.holo.chunks") == 0)
        snprintf(val, sizeof val, "%u/%u", info.chunks_present, info.block_count);
    else if (strcmp(name, "user.holo.exact") == 0)
        snprintf(val, sizeof val, "%d", info_exact(&info));
    else if (strcmp(name, "user.holo.codec") == 0) {
        if (info.codec[0])
            snprintf(val, sizeof val, "%s", info.codec);
        else if (info.kind == HOLO_KIND_BINARY && info.version == 4)
            snprintf(val, sizeof val, "binary v4");
        else
            snprintf(val, sizeof val, "v%d %s", info.version, holo_kind_name(info.kind));
    } else if (strcmp(name, "user.holo.exact_bytes") == 0)
        /* binaries always keep the bytes; media only when the library says so (recipes) */
        snprintf(val, sizeof val, "%d", info.exact_bytes || info.kind == HOLO_KIND_BINARY);
    else if (strcmp(name, "user.holo.holes") == 0)
        return holes_xattr(fs, path, spath, &info, buf, size);
    else if (strcmp(name, "user.holo.recoverable") == 0)
        /* chunks are missing and the recovery chunks present cover them */
        snprintf(val, sizeof val, "%d", info.recoverable);
    else if (strcmp(name, "user.holo.size") == 0) {
        if (info.kind == HOLO_KIND_IMAGE)
            snprintf(val, sizeof val, "%ux%u", info.width, info.height);
        else if (info.kind == HOLO_KIND_AUDIO)
            snprintf(val, sizeof val, "%u/%u/%u", info.frames, info.sample_rate,
                     info.channels);
        else
            snprintf(val, sizeof val, "%llu", (unsigned long long)info.length);
    } else
        return -ENODATA;
    return xattr_reply(val, buf, size);
}

static int fs_listxattr(const char *path, char *buf, size_t size)
{
    holofs *fs = ctx_fs();
    char spath[PATH_MAX];
    struct stat st;
    int sh;
    int pk = pk_stat(fs, path, &st);
    if (pk != 1)
        return pk < 0 ? pk : 0;
    ns_type t = ns_resolve(fs->store, path, spath, sizeof spath, &st, &sh);
    if (t == NS_NONE)
        return pend_stat(fs, path, &st) == 0 ? 0 : -ENOENT;
    if (t != NS_ENCODED) {
        ssize_t n = llistxattr(spath, buf, size);
        return n < 0 ? -errno : (int)n;
    }
    size_t need = 0;
    for (size_t i = 0; i < sizeof xnames / sizeof *xnames; i++)
        need += strlen(xnames[i]) + 1;
    if (size == 0)
        return (int)need;
    if (size < need)
        return -ERANGE;
    char *p = buf;
    for (size_t i = 0; i < sizeof xnames / sizeof *xnames; i++) {
        size_t n = strlen(xnames[i]) + 1;
        memcpy(p, xnames[i], n);
        p += n;
    }
    return (int)need;
}

static int fs_setxattr(const char *path, const char *name, const char *val, size_t size,
                       int flags)
{
    holofs *fs = ctx_fs();
    int rc_pk = pk_ro(fs, path);   /* containers are read-only */
    if (rc_pk < 0)
        return rc_pk;
    char spath[PATH_MAX];
    struct stat st;
    int sh;
    if (fs->ro)
        return -EROFS;
    ns_type t = ns_resolve(fs->store, path, spath, sizeof spath, &st, &sh);
    if (t == NS_NONE)   /* a file being written has no xattrs either (cp -p copes with ENOTSUP) */
        return pend_stat(fs, path, &st) == 0 ? -ENOTSUP : -ENOENT;
    if (t == NS_ENCODED)
        return -ENOTSUP;
    return lsetxattr(spath, name, val, size, flags) < 0 ? -errno : 0;
}

static int fs_removexattr(const char *path, const char *name)
{
    holofs *fs = ctx_fs();
    int rc_pk = pk_ro(fs, path);   /* containers are read-only */
    if (rc_pk < 0)
        return rc_pk;
    char spath[PATH_MAX];
    struct stat st;
    int sh;
    if (fs->ro)
        return -EROFS;
    ns_type t = ns_resolve(fs->store, path, spath, sizeof spath, &st, &sh);
    if (t == NS_NONE)
        return -ENOENT;
    if (t == NS_ENCODED)
        return -ENOTSUP;
    return lremovexattr(spath, name) < 0 ? -errno : 0;
}

/* ---- init ------------------------------------------------------------------------------- */
static void *fs_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
    holofs *fs = fuse_get_context()->private_data;
    /* O_TRUNC arrives with open, so an overwrite is one encode, not "encode empty" first */
    if (conn->capable & FUSE_CAP_ATOMIC_O_TRUNC)
        conn->want |= FUSE_CAP_ATOMIC_O_TRUNC;
    conn->want &= ~FUSE_CAP_WRITEBACK_CACHE;
    cfg->hard_remove = 1;      /* no .fuse_hidden files: open handles hold their own data */
    cfg->use_ino = 1;          /* st_ino from the store: hard links share it, as POSIX says */
    cfg->kernel_cache = 0;
    cfg->auto_cache = 0;       /* page cache reuse is decided per open (fs_open) */
    cfg->attr_timeout = 0.5;   /* stat sees a landed chunk within a second */
    cfg->entry_timeout = 0.5;
    cfg->negative_timeout = 0; /* a file appearing behind the mount shows at once */
    return fs;
}

const struct fuse_operations holofs_ops = {
    .init = fs_init,
    .getattr = fs_getattr,
    .readdir = fs_readdir,
    .mkdir = fs_mkdir,
    .rmdir = fs_rmdir,
    .unlink = fs_unlink,
    .rename = fs_rename,
    .create = fs_create,
    .open = fs_open,
    .read = fs_read,
    .write = fs_write,
    .flush = fs_flush,
    .fsync = fs_fsync,
    .release = fs_release,
    .truncate = fs_truncate,
    .chmod = fs_chmod,
    .chown = fs_chown,
    .utimens = fs_utimens,
    .fsyncdir = fs_fsyncdir,
    .statfs = fs_statfs,
    .readlink = fs_readlink,
    .symlink = fs_symlink,
    .mknod = fs_mknod,
    .link = fs_link,
    .getxattr = fs_getxattr,
    .listxattr = fs_listxattr,
    .setxattr = fs_setxattr,
    .removexattr = fs_removexattr,
};

int holofs_init(holofs *fs)
{
    pthread_mutex_init(&fs->mu, NULL);
    pthread_mutex_init(&fs->budget_mu, NULL);
    pthread_cond_init(&fs->budget_cv, NULL);
    fs->nodes = calloc(NODE_BUCKETS, sizeof *fs->nodes);
    fs->links = links_new(4096);
    if (!fs->nodes || !fs->links) {
        free(fs->nodes);
        links_free(fs->links);
        return -ENOMEM;
    }
    fs->cache = fs_cache_new((size_t)fs->cache_mb << 20, load, fs);
    fs->streams = fs_streams_new(warn_cb, fs);
    if (!fs->cache || !fs->streams) {
        if (fs->cache)
            fs_cache_free(fs->cache);
        fs_streams_free(fs->streams);
        free(fs->nodes);
        links_free(fs->links);
        return -ENOMEM;
    }
    return 0;
}

void holofs_fini(holofs *fs)
{
    fs_cache_free(fs->cache);
    fs_streams_free(fs->streams);
    links_free(fs->links);
    for (unsigned h = 0; fs->nodes && h < NODE_BUCKETS; h++) {
        fs_node *n = fs->nodes[h];
        while (n) {
            fs_node *next = n->next;
            free(n->path);
            free(n);
            n = next;
        }
    }
    free(fs->nodes);
    while (fs->pend) {        /* only after an unclean unmount */
        fs_pend *p = fs->pend;
        fs->pend = p->next;
        close(p->fd);
        unlink(p->tmp);
        free(p->path);
        free(p);
    }
    pthread_cond_destroy(&fs->budget_cv);
    pthread_mutex_destroy(&fs->budget_mu);
    pthread_mutex_destroy(&fs->mu);
}
