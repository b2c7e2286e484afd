/* ops.c — FUSE operations of holofs (see ops.h for why the high-level API).
 *
 * Per-path state (fs_node): cached holo_info for stat, and how many read handles are open. File
 * handles (fs_fh): a refcounted decoded snapshot with the attributes it had at open (reads), a
 * shared binary v4 stream (reads, stream.h), a plain fd (pass-through files) or a pending write
 * (a temp file in STORE/.holofs-tmp/ that is encoded into X.holo/ on flush/fsync/release).
 *
 * Every operation starts with resolve() (ops_int.h): what the path is in the store, as one
 * tagged kind, with the read-only and container checks for changes. Elsewhere: the table of
 * files being written (pending.c), their encode (writeback.c), decoding for reads (decode.c),
 * extended attributes (xattr.c), owners of new entries (owner.c).
 */
#include "ops.h"
#include "pack.h"
#include "meta.h"
#include "ns.h"
#include "ops_int.h"
#include "owner.h"
#include "smallpack.h"
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
    struct fs_fh *handles;    /* every handle open under this name (held_stat, gone_stat) */
    int gone;                 /* a name libfuse moved an open file to when it was removed
                               * through the mount: in no store, served from its handles */
    int warned;               /* "X and X.holo/ both exist" said once */
};

enum { FH_SNAP, FH_STREAM, FH_PLAIN, FH_WRITE };

/* Stream generations never equal a cache snapshot's: both name what the page cache holds. */

typedef struct fs_fh {
    int type;
    char *path;
    fs_snap *snap;            /* FH_SNAP */
    struct stat st;           /* FH_SNAP, FH_STREAM: attributes at open, st_size the snapshot's */
    fs_node *node;            /* the name it is open under (follows renames); NULL: none */
    struct fs_fh *next_on_node;   /* that name's other open handles */
    pid_t opener;             /* the thread that opened it */
    pid_t opener_tgid;        /* its process, found when first needed (0: not yet) */
    fs_sfile *sf;             /* FH_STREAM */
    int fd;                   /* FH_PLAIN */
    fs_pend *pend;            /* FH_WRITE */
    int privs_dropped;        /* FH_WRITE, FH_PLAIN: setuid/setgid cleared for this writer */
} fs_fh;

holofs *ctx_fs(void)
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
void forget(holofs *fs, const char *path, int tree, char ***open_paths, size_t *nopen)
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

/* ---- stat ------------------------------------------------------------------------------- */
/* Cached holo_info of an encoded file; 0 or the (cached) failure. */
int enc_info(holofs *fs, const char *path, const char *spath, holo_info *info)
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
    /* each read of a binary v4 file is a FUSE round trip (direct I/O): tools sizing theirs by
     * st_blksize (cat, cp) then ask 1 MiB, the most one request carries (bench_fs.sh) */
    st->st_blksize = rc == 0 && info.kind == HOLO_KIND_BINARY ? 1 << 20 : 65536;
    if (rc == 0) {
        st->st_size = (off_t)info_size(&info, path);
        st->st_blocks = (blkcnt_t)((info.chunk_bytes + 511) / 512);
    } else {
        st->st_size = 0;
        st->st_blocks = 0;
    }
    meta_apply(&m, rc == 0 ? info.newest_mtime_ns : 0, st);
}

/* ---- open handles ----------------------------------------------------------------------- */
static int is_snap(const fs_fh *h)
{
    return h->type == FH_SNAP || h->type == FH_STREAM;
}

/* The node of path if there is one (fs->mu held); never creates one. */
static fs_node *node_find(holofs *fs, const char *path)
{
    fs_node *n = fs->nodes[phash(path)];
    while (n && strcmp(n->path, path) != 0)
        n = n->next;
    return n;
}

/* Put h on node n's list (fs->mu held). Read handles are counted in open_snaps: the watcher
 * tells the kernel when such a file changes. */
static void fh_link(fs_node *n, fs_fh *h)
{
    h->node = n;
    h->next_on_node = n->handles;
    n->handles = h;
    if (is_snap(h))
        n->open_snaps++;
}

static void fh_unlink(fs_fh *h)
{
    fs_node *n = h->node;
    if (!n)
        return;
    if (is_snap(h) && n->open_snaps)
        n->open_snaps--;
    for (fs_fh **pp = &n->handles; *pp; pp = &(*pp)->next_on_node)
        if (*pp == h) {
            *pp = h->next_on_node;
            break;
        }
    h->node = NULL;
}

/* Record a new handle under its name: held_stat serves fstat of a changed file from it, and
 * after the name is removed through the mount gone_stat serves it. */
static void fh_hold(holofs *fs, fs_fh *h)
{
    h->opener = fuse_get_context()->pid;
    pthread_mutex_lock(&fs->mu);
    fs_node *n = node_get(fs, h->path);
    if (n)
        fh_link(n, h);
    pthread_mutex_unlock(&fs->mu);
}

static void fh_drop(holofs *fs, fs_fh *h)
{
    pthread_mutex_lock(&fs->mu);
    fh_unlink(h);
    pthread_mutex_unlock(&fs->mu);
}

/* The open handles of `from` (and of every name below it: a directory) now belong to the
 * matching names below `to`: a rename. Names that cannot be recorded (out of memory) keep
 * theirs. */
static void handles_follow(holofs *fs, const char *from, const char *to)
{
    size_t flen = strlen(from);
    char dst[PATH_MAX];
    pthread_mutex_lock(&fs->mu);
    for (unsigned b = 0; b < NODE_BUCKETS; b++)
        for (fs_node *n = fs->nodes[b]; n; n = n->next) {
            if (!n->handles || strncmp(n->path, from, flen) != 0 ||
                (n->path[flen] && n->path[flen] != '/'))
                continue;
            fs_node *d;
            if (snprintf(dst, sizeof dst, "%s%s", to, n->path + flen) >= (int)sizeof dst ||
                !(d = node_get(fs, dst)) || d == n)
                continue;
            while (n->handles) {
                fs_fh *h = n->handles;
                fh_unlink(h);
                fh_link(d, h);
            }
        }
    pthread_mutex_unlock(&fs->mu);
}

/* The attributes a handle serves: its snapshot's, or its file's (a pass-through file, the
 * temporary of a file being written). */
static int fh_attr(const fs_fh *h, struct stat *st)
{
    switch (h->type) {
    case FH_PLAIN: return fstat(h->fd, st) < 0 ? -errno : 0;
    case FH_WRITE: return fstat(h->pend->fd, st) < 0 ? -errno : 0;
    default:       *st = h->st; return 0;
    }
}

/* The process (thread group) of thread tid, from /proc/TID/status; tid itself when unknown
 * (a thread that has exited). */
static pid_t tgid_of(pid_t tid)
{
    char name[64], line[256];
    pid_t tgid = tid;
    snprintf(name, sizeof name, "/proc/%ld/status", (long)tid);
    FILE *f = fopen(name, "re");
    if (!f)
        return tid;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "Tgid:", 5) == 0) {
            tgid = (pid_t)strtol(line + 5, NULL, 10);
            break;
        }
    fclose(f);
    return tgid > 0 ? tgid : tid;
}

/* ---- open files removed through the mount ------------------------------------------------ */
/* rm through the mount of an open file: libfuse (without hard_remove) renames it to
 * ".fuse_hidden" + 16 hex digits, a name holofs keeps for itself (ns.h), and unlinks that name
 * when the last handle is closed. The file leaves the store at once (as with any rm); the name
 * lives only here, as a gone node holding the file's handles, so fstat, fchmod and futimens of
 * those handles work after the rm (Linux sends them by name, never by handle) and show what a
 * local filesystem shows: the file as it was, with no link. */
static int is_hide_name(const char *path)
{
    const char *b = ns_basename(path);
    if (strncmp(b, ".fuse_hidden", 12) != 0 || strlen(b) != 28)
        return 0;
    for (b += 12; *b; b++)
        if (!((*b >= '0' && *b <= '9') || (*b >= 'a' && *b <= 'f')))
            return 0;
    return 1;
}

/* getattr of path when it is a gone name: 0 with st filled (the caller's own handle when it
 * has one, else the first), -ENOENT when no handle is left; 1 when path is not a gone name. */
static int gone_stat(holofs *fs, const char *path, struct stat *st)
{
    pthread_mutex_lock(&fs->mu);
    fs_node *n = node_find(fs, path);
    int gone = n && n->gone, several = gone && n->handles && n->handles->next_on_node;
    pthread_mutex_unlock(&fs->mu);
    if (!gone)
        return 1;
    pid_t caller = several ? tgid_of(fuse_get_context()->pid) : 0;
    int rc = -ENOENT;
    pthread_mutex_lock(&fs->mu);
    fs_fh *pick = n->handles;   /* nodes are never freed */
    for (fs_fh *h = n->handles; several && h; h = h->next_on_node) {
        if (!h->opener_tgid)
            h->opener_tgid = tgid_of(h->opener);
        if (h->opener_tgid == caller) {
            pick = h;
            break;
        }
    }
    if (pick && (rc = fh_attr(pick, st)) == 0)
        st->st_nlink = 0;
    pthread_mutex_unlock(&fs->mu);
    return rc;
}

static int fs_unlink(const char *path);

/* libfuse's rename of an open file to its hidden name `to`: remove `from` as unlink does, then
 * move its handles to the gone node `to`. */
static int hide_open(holofs *fs, const char *from, const char *to)
{
    pthread_mutex_lock(&fs->mu);
    int room = node_get(fs, to) != NULL;
    pthread_mutex_unlock(&fs->mu);
    if (!room)
        return -ENOMEM;
    int rc = fs_unlink(from);
    if (rc < 0)
        return rc == -EISDIR ? -EPERM : rc;   /* a directory: a reserved name, as for mkdir */
    handles_follow(fs, from, to);
    pthread_mutex_lock(&fs->mu);
    node_find(fs, to)->gone = 1;
    pthread_mutex_unlock(&fs->mu);
    return 0;
}

/* unlink of a gone name (its last handle was closed, or the mount ends): 1 when path was one. */
static int gone_unlink(holofs *fs, const char *path)
{
    pthread_mutex_lock(&fs->mu);
    fs_node *n = node_find(fs, path);
    int gone = n && n->gone;
    if (gone)
        n->gone = 0;
    pthread_mutex_unlock(&fs->mu);
    return gone;
}

/* 1 when the snapshot a handle reads is not what the store holds now (rc: the store's getattr
 * result for the path, st its attributes). */
static int snap_differs(const fs_fh *h, int rc, const struct stat *st)
{
    return rc < 0 || h->st.st_ino != st->st_ino || h->st.st_size != st->st_size ||
           h->st.st_mtim.tv_sec != st->st_mtim.tv_sec ||
           h->st.st_mtim.tv_nsec != st->st_mtim.tv_nsec;
}

/* getattr without a handle, after the store answered (rc, st): Linux sends fstat(2) this way,
 * so a process holding an open snapshot of a file replaced or removed since would see the
 * store's attributes while it reads the snapshot. When the caller's process holds such a handle,
 * answer with the snapshot's attributes instead; everyone else gets the store's. The kernel is
 * told to cache neither answer (they differ by caller). The common case (no open handle on
 * path, or none that differs) costs one lookup under fs->mu. */
static int held_stat(holofs *fs, const char *path, int rc, struct stat *st)
{
    pthread_mutex_lock(&fs->mu);
    fs_node *n = node_find(fs, path);
    int differs = 0;
    for (fs_fh *h = n ? n->handles : NULL; h && !differs; h = h->next_on_node)
        differs = is_snap(h) && snap_differs(h, rc, st);
    pthread_mutex_unlock(&fs->mu);
    if (!differs)
        return rc;
    pid_t caller = tgid_of(fuse_get_context()->pid);
    int served = 0;
    pthread_mutex_lock(&fs->mu);
    for (fs_fh *h = n->handles; h; h = h->next_on_node) {   /* nodes are never freed */
        if (!is_snap(h) || !snap_differs(h, rc, st))
            continue;
        if (!h->opener_tgid)
            h->opener_tgid = tgid_of(h->opener);
        if (h->opener_tgid == caller) {
            *st = h->st;
            served = 1;
            break;
        }
    }
    pthread_mutex_unlock(&fs->mu);
    if (fs->fuse)   /* an invalidation while the request is in flight: the reply is not cached */
        fuse_invalidate_path(fs->fuse, path);
    return served ? 0 : rc;
}

/* ---- the resolver (ops_int.h) ------------------------------------------------------------ */
int resolve(holofs *fs, const char *path, int for_write, resolved *r)
{
    r->kind = R_MISSING;
    r->shadowed = 0;
    r->obj = 0;
    r->spath[0] = 0;
    memset(&r->st, 0, sizeof r->st);
    if (path) {
        pk_type pt = pk_resolve(fs->store, path, r->spath, sizeof r->spath, &r->obj);
        if (pt != PK_NONE) {
            r->kind = pt == PK_ROOT ? R_PACK_ROOT : pt == PK_OBJECT ? R_PACK_OBJECT : R_PACK_INSIDE;
            return for_write ? -EROFS : 0;
        }
    }
    if (for_write && fs->ro)
        return -EROFS;
    if (!path)
        return 0;
    switch (ns_resolve(fs->store, path, r->spath, sizeof r->spath, &r->st, &r->shadowed)) {
    case NS_DIR:     r->kind = R_DIR; break;
    case NS_PLAIN:   r->kind = R_PLAIN; break;
    case NS_ENCODED: r->kind = R_ENCODED; break;
    case NS_OTHER:   r->kind = R_SPECIAL; break;
    default:         r->kind = R_MISSING; break;
    }
    if (r->kind == R_MISSING || (for_write && r->kind == R_ENCODED)) {   /* smallpack.h */
        int sp = sp_resolve(fs->sp, path, r->kind == R_ENCODED, for_write, r->spath,
                            sizeof r->spath, &r->st);
        if (sp == SP_ENCODED)
            r->kind = R_ENCODED;
        else if (sp == SP_MOVED)   /* now STORE/path.holo/ */
            return resolve(fs, path, for_write, r);
        else if (sp < 0 && for_write)
            return sp;
    }
    return 0;
}

int is_pack(const resolved *r)
{
    return r->kind == R_PACK_ROOT || r->kind == R_PACK_OBJECT || r->kind == R_PACK_INSIDE;
}

/* ---- HOPK containers: read-only directories of objects (pack.h) ------------------------ */
/* Objects have no inode of their own: a number from the container's, distinct and never 0
 * (st_ino is served as the inode number: use_ino). */
static ino_t pk_ino(ino_t dir, size_t oi)
{
    return dir ^ ((ino_t)(oi + 1) << 40);
}

/* stat of a container path (is_pack(r)): 0 (filled) or -errno. */
int pk_stat(const resolved *r, struct stat *st)
{
    if (r->kind == R_PACK_INSIDE || lstat(r->spath, st) < 0)
        return -ENOENT;
    if (r->kind == R_PACK_ROOT) {
        st->st_mode = S_IFDIR | (st->st_mode & 0555);
        st->st_nlink = 2;
        return 0;
    }
    holo_pack_index idx;
    if (holo_pack_read_index(r->spath, &idx, NULL) < 0 || r->obj >= idx.n_objects)
        return -EIO;
    st->st_mode = S_IFREG | (st->st_mode & 0444);
    st->st_nlink = 1;
    st->st_ino = pk_ino(st->st_ino, r->obj);
    st->st_size = (off_t)pk_size(&idx, r->obj);
    st->st_blocks = (blkcnt_t)((st->st_size + 511) / 512);
    holo_pack_index_free(&idx);
    return 0;
}

/* The listing of a container (R_PACK_ROOT): its objects. */
static int pk_readdir(const resolved *r, void *buf, fuse_fill_dir_t fill)
{
    char name[64];
    holo_pack_index idx;
    struct stat cst;
    if (lstat(r->spath, &cst) < 0 || holo_pack_read_index(r->spath, &idx, NULL) < 0)
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

static int store_getattr(holofs *fs, const char *path, struct stat *st);

static int fs_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
    holofs *fs = ctx_fs();
    if (fi && fi->fh) {
        fs_fh *h = (fs_fh *)(uintptr_t)fi->fh;
        pthread_mutex_lock(&fs->mu);
        int gone = h->node && h->node->gone;
        pthread_mutex_unlock(&fs->mu);
        if (gone) {                       /* removed through the mount: no link left */
            int rc = fh_attr(h, st);
            st->st_nlink = 0;
            return rc;
        }
        /* a write handle with nothing written yet (touch, futimens) shows the stored file */
        if (h->type == FH_WRITE && (h->pend->dirty || !path))
            return fstat(h->pend->fd, st) < 0 ? -errno : 0;
        if (h->type == FH_PLAIN)
            return fstat(h->fd, st) < 0 ? -errno : 0;
        /* the snapshot's attributes, however the store changed since */
        if (h->type == FH_SNAP || h->type == FH_STREAM) {
            struct stat now;
            if (path && fs->fuse && snap_differs(h, store_getattr(fs, path, &now), &now))
                fuse_invalidate_path(fs->fuse, path);   /* not cached for other callers */
            *st = h->st;
            return 0;
        }
    }
    if (!path)
        return -ENOENT;
    int rc = gone_stat(fs, path, st);
    if (rc <= 0)
        return rc;
    return held_stat(fs, path, store_getattr(fs, path, st), st);
}

/* getattr of path as the store (and the files being written) show it now. */
static int store_getattr(holofs *fs, const char *path, struct stat *st)
{
    resolved r;
    if (fs_pending_stat(fs->pend, path, st) == 0)
        return 0;
    resolve(fs, path, 0, &r);
    *st = r.st;
    switch (r.kind) {
    case R_PACK_ROOT: case R_PACK_OBJECT: case R_PACK_INSIDE:
        return pk_stat(&r, st);
    case R_MISSING:   /* no name over NAME_MAX can exist: say why (lookup goes through here) */
        return strlen(ns_basename(path)) > NAME_MAX ? -ENAMETOOLONG : -ENOENT;
    case R_ENCODED:
        if (r.shadowed)
            warn_shadow(fs, path);
        enc_stat(fs, path, r.spath, st);
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

/* readdir's entries for files being written that the store does not show yet */
typedef struct pend_fill_dir {
    holofs *fs;
    void *buf;
    fuse_fill_dir_t fill;
    int plus;
} pend_fill_dir;

static void list_pending(void *ctx, const char *path, const char *name, const struct stat *st)
{
    pend_fill_dir *pf = ctx;
    resolved r;
    resolve(pf->fs, path, 0, &r);
    if (r.kind == R_MISSING)
        pf->fill(pf->buf, name, st, 0, pf->plus ? FUSE_FILL_DIR_PLUS : 0);
}

/* readdir's entries for small files packed in the directory's .holo-pack (smallpack.h) */
typedef struct packed_fill_dir {
    pend_fill_dir pf;
    const char *path;
} packed_fill_dir;

static void list_packed(void *ctx, const char *name)
{
    packed_fill_dir *d = ctx;
    char mpath[PATH_MAX];
    struct stat st;
    if (snprintf(mpath, sizeof mpath, "%s%s%s", d->path, strcmp(d->path, "/") ? "/" : "",
                 name) >= (int)sizeof mpath)
        return;
    if (d->pf.plus && fs_getattr(mpath, &st, NULL) == 0) {
        d->pf.fill(d->pf.buf, name, &st, 0, FUSE_FILL_DIR_PLUS);
        return;
    }
    memset(&st, 0, sizeof st);
    st.st_mode = S_IFREG;
    st.st_ino = sp_ino(mpath);   /* the number stat gives it */
    d->pf.fill(d->pf.buf, name, &st, 0, 0);
}

static int fs_readdir(const char *path, void *buf, fuse_fill_dir_t fill, off_t off,
                      struct fuse_file_info *fi, enum fuse_readdir_flags flags)
{
    (void)off;
    (void)fi;
    holofs *fs = ctx_fs();
    char mpath[PATH_MAX], x[NAME_MAX + 1];
    struct stat st;
    resolved r;
    resolve(fs, path, 0, &r);
    if (r.kind == R_PACK_ROOT)
        return pk_readdir(&r, buf, fill);
    if (r.kind != R_DIR)
        return -ENOTDIR;
    const char *dpath = r.spath;
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
    packed_fill_dir sp = { { fs, buf, fill, plus }, path };
    sp_list(dpath, list_packed, &sp);
    /* files being written through the mount and not yet encoded show as well */
    pend_fill_dir pf = { fs, buf, fill, plus };
    fs_pending_list(fs->pend, path, list_pending, &pf);
    return 0;
}

static int fs_mkdir(const char *path, mode_t mode)
{
    holofs *fs = ctx_fs();
    char spath[PATH_MAX], x[NAME_MAX + 1];
    resolved r;
    int rc;
    if ((rc = resolve(fs, path, 1, &r)) < 0 || (rc = new_name_rc(fs, path, 1)) < 0)
        return rc;
    if (ns_strip_suffix(ns_basename(path), x, sizeof x))
        return -EINVAL;       /* STORE/X.holo/ would be an encoded file, not a directory */
    if (ns_join(spath, sizeof spath, fs->store, path, NULL) < 0)
        return -ENAMETOOLONG;
    if (encoded_exists(fs, path))
        return -EEXIST;
    if (mkdir(spath, mode) < 0)
        return -errno;
    owner_set_new(spath, 1, mode);
    return 0;
}

static int fs_rmdir(const char *path)
{
    resolved r;
    int rc = resolve(ctx_fs(), path, 1, &r);
    if (rc < 0)
        return rc;
    if (r.kind != R_DIR)
        return r.kind == R_MISSING ? -ENOENT : -ENOTDIR;
    /* a .holo-pack whose members are all gone does not keep the directory (smallpack.h) */
    if (rmdir(r.spath) < 0 &&
        (errno != ENOTEMPTY || sp_drop_empty(r.spath) < 0 || rmdir(r.spath) < 0))
        return -errno;
    return 0;
}

/* ---- removing and renaming ------------------------------------------------------------ */
/* Take a chunk directory out of the namespace at once (rename into the scratch dir), then
 * delete it. */
int remove_chunkdir(holofs *fs, const char *dir)
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
    resolved r;
    int rc = resolve(fs, path, 1, &r);
    if (rc < 0)
        return rc;
    if (gone_unlink(fs, path))
        return 0;
    switch (r.kind) {
    case R_ENCODED:
        rc = remove_chunkdir(fs, r.spath);
        break;
    case R_PLAIN:
    case R_SPECIAL:
        rc = unlink(r.spath) < 0 ? -errno : 0;
        if (rc == 0 && r.st.st_nlink > 1) {
            links_drop(fs->links, path);
            links_tell(fs, r.st.st_ino, path);
        }
        break;
    case R_DIR:
        return -EISDIR;
    default:
        rc = -ENOENT;
    }
    /* a file still being written is forgotten: its close will not encode it */
    if (fs_pending_unlink(fs->pend, path))
        rc = 0;
    forget(fs, path, 0, NULL, NULL);
    return rc;
}

static int rename_entry(holofs *fs, const char *from, const char *to, unsigned int flags)
{
    resolved f, t;
    char dst[PATH_MAX];
    int rc;
    if ((rc = resolve(fs, from, 1, &f)) < 0 || (rc = resolve(fs, to, 1, &t)) < 0)
        return rc;
    if (flags & ~RENAME_NOREPLACE)
        return -EINVAL;
    if ((rc = new_name_rc(fs, to, 1)) < 0)
        return rc;
    if (f.kind == R_MISSING) {
        /* renaming a file that is still being written: it will be encoded under the new name */
        return fs_pending_rename(fs->pend, from, to);
    }
    if (t.kind != R_MISSING && (flags & RENAME_NOREPLACE))
        return -EEXIST;
    if (strcmp(from, to) == 0)   /* POSIX: nothing happens (and X.holo/ must not be removed) */
        return 0;
    if (f.kind == R_PLAIN && t.kind != R_PLAIN && t.kind != R_DIR &&
        ns_is_hidden(ns_basename(from)))
        return rename_encode(fs, f.spath, to);
    if (f.kind == R_DIR && t.kind != R_MISSING && t.kind != R_DIR)
        return -ENOTDIR;
    if (f.kind != R_DIR && t.kind == R_DIR)
        return -EISDIR;
    if (f.kind == R_DIR) {
        char x[NAME_MAX + 1];
        if (ns_strip_suffix(ns_basename(to), x, sizeof x))
            return -EINVAL;
    }
    if (ns_join(dst, sizeof dst, fs->store, to, f.kind == R_ENCODED ? NS_SUFFIX : NULL) < 0)
        return -ENAMETOOLONG;
    /* replace what the target name shows now (an encoded file or a plain one) */
    if (t.kind == R_ENCODED && (rc = remove_chunkdir(fs, t.spath)) < 0)
        return rc;
    if ((t.kind == R_PLAIN || t.kind == R_SPECIAL) && f.kind == R_ENCODED && unlink(t.spath) < 0)
        return -errno;
    rc = rename(f.spath, dst) < 0 ? -errno : 0;
    if (rc == 0 && f.kind != R_DIR && f.st.st_nlink > 1) {   /* its ctime moved */
        links_drop(fs->links, from);
        links_tell(fs, f.st.st_ino, from);
    }
    if (rc == 0 && t.kind != R_DIR && t.kind != R_MISSING &&
        t.st.st_nlink > 1) {                                   /* one name fewer */
        links_drop(fs->links, to);
        links_tell(fs, t.st.st_ino, to);
    }
    forget(fs, from, f.kind == R_DIR, NULL, NULL);
    forget(fs, to, 1, NULL, NULL);
    return rc;
}

static int fs_rename(const char *from, const char *to, unsigned int flags)
{
    holofs *fs = ctx_fs();
    if (is_hide_name(to) && !flags)
        return hide_open(fs, from, to);
    int rc = rename_entry(fs, from, to, flags);
    if (rc == 0)
        handles_follow(fs, from, to);
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
        owner_of_new(spath, 0, &mode, &uid, &gid);   /* a new file: the caller's */
    h->pend = fs_pending_new_file(fs->pend, path, mode, uid, gid, &rc);
    if (!h->pend) {
        fh_free(h);
        return rc;
    }
    if (fill && (rc = pend_fill(fs, h->pend, path)) < 0) {
        fs_pending_put(fs->pend, h->pend);
        fh_free(h);
        return rc;
    }
    h->pend->dirty = (flags & O_TRUNC) || !fill;
    fi->direct_io = 1;     /* written bytes are not what a later read serves */
    fi->fh = (uint64_t)(uintptr_t)h;
    return 0;
}

/* A handle on a pass-through file of the store (open flags, mode for O_CREAT). */
static int open_plain(const char *path, const char *spath, int flags, mode_t mode,
                      struct fuse_file_info *fi)
{
    fs_fh *h;
    int rc = fh_new(&h, FH_PLAIN, path);
    if (rc < 0)
        return rc;
    if ((h->fd = open(spath, flags | O_CLOEXEC, mode)) < 0) {
        rc = -errno;
        fh_free(h);
        return rc;
    }
    fi->fh = (uint64_t)(uintptr_t)h;
    return 0;
}

static int create_entry(holofs *fs, const char *path, mode_t mode, struct fuse_file_info *fi)
{
    resolved r;
    int rc;
    /* Temporary names (NAME.tmpXXXXXX, .holo-tmp-PID-N) may be created: they live as pending
     * writes only and are encoded under whatever name they are renamed to. holofs's own names
     * may not. */
    if ((rc = resolve(fs, path, 1, &r)) < 0 || (rc = new_name_rc(fs, path, 0)) < 0)
        return rc;
    if (r.kind == R_PLAIN)   /* an existing pass-through file stays one */
        return open_plain(path, r.spath, fi->flags, mode, fi);
    if (r.kind == R_DIR)
        return -EISDIR;
    return open_write(fs, path, fi->flags, mode, NULL, 0, fi);
}

static int fs_create(const char *path, mode_t mode, struct fuse_file_info *fi)
{
    holofs *fs = ctx_fs();
    int rc = create_entry(fs, path, mode, fi);
    if (rc == 0)
        fh_hold(fs, (fs_fh *)(uintptr_t)fi->fh);
    return rc;
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
    fi->direct_io = 1;
    fi->fh = (uint64_t)(uintptr_t)h;
    return 0;
}

/* A second open of a file still being written shares its temp file. */
static int open_pending(holofs *fs, const char *path, struct fuse_file_info *fi)
{
    fs_fh *h;
    int rc;
    fs_pend *p = fs_pending_get(fs->pend, path);
    if (!p)
        return -ENOENT;
    if ((rc = fh_new(&h, FH_WRITE, path)) < 0) {
        fs_pending_put(fs->pend, p);
        return rc;
    }
    h->pend = p;
    if ((fi->flags & O_TRUNC) && ftruncate(p->fd, 0) == 0)
        p->dirty = 1;
    fi->direct_io = 1;
    fi->fh = (uint64_t)(uintptr_t)h;
    return 0;
}

/* An encoded file: written (decoded into a pending write first unless truncated), or read
 * through its stream (binary v4) or a decoded snapshot. */
static int open_encoded(holofs *fs, const char *path, const char *spath, struct stat *st,
                        int wr, struct fuse_file_info *fi)
{
    if (wr) {
        enc_stat(fs, path, spath, st);   /* the full mode, sidecar included */
        return open_write(fs, path, fi->flags, st->st_mode & 07777, st,
                          !(fi->flags & O_TRUNC), fi);
    }
    poll_touch(fs, path, spath, FS_POLL_OPEN);
    enc_stat(fs, path, spath, st);
    if (is_stream_file(fs, path, spath))
        return open_stream(fs, path, spath, st, fi);
    return open_snapshot(fs, path, st, fi);
}

static int open_entry(holofs *fs, const char *path, struct fuse_file_info *fi)
{
    resolved r;
    int rc;
    int wr = (fi->flags & O_ACCMODE) != O_RDONLY || (fi->flags & O_TRUNC);
    if (fs->ro && wr)
        return -EROFS;
    /* wr: a packed small file moves out first (HOPK objects: -EROFS, answered below) */
    if ((rc = resolve(fs, path, wr, &r)) < 0 && !is_pack(&r))
        return rc;
    switch (r.kind) {
    case R_PACK_INSIDE:
        return -ENOENT;
    case R_PACK_ROOT:
    case R_DIR:
        return -EISDIR;
    case R_PACK_OBJECT:   /* a container object: read-only, decoded through the cache */
        if (wr)
            return -EROFS;
        if ((rc = pk_stat(&r, &r.st)) < 0)
            return rc;
        poll_touch(fs, path, r.spath, FS_POLL_OPEN);
        return open_snapshot(fs, path, &r.st, fi);
    case R_MISSING:
        return open_pending(fs, path, fi);
    case R_PLAIN:
        if ((fi->flags & O_ACCMODE) != O_RDONLY && r.st.st_size == 0)   /* empty placeholder: */
            return open_write(fs, path, fi->flags | O_TRUNC, r.st.st_mode & 07777, &r.st, 0,
                              fi);                                      /* write encodes */
        return open_plain(path, r.spath, fi->flags & ~O_CREAT, 0, fi);
    case R_SPECIAL:
        return open_plain(path, r.spath, fi->flags & ~O_CREAT, 0, fi);
    case R_ENCODED:
        break;
    }
    return open_encoded(fs, path, r.spath, &r.st, wr, fi);
}

static int fs_open(const char *path, struct fuse_file_info *fi)
{
    holofs *fs = ctx_fs();
    int rc = open_entry(fs, path, fi);
    if (rc == 0)
        fh_hold(fs, (fs_fh *)(uintptr_t)fi->fh);
    return rc;
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
    fh_drop(fs, h);
    switch (h->type) {
    case FH_SNAP:
    case FH_STREAM:
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
        fs_pending_put(fs->pend, h->pend);
        break;
    }
    fh_free(h);
    return 0;
}

/* ---- attributes ------------------------------------------------------------------------- */
/* truncate of an open handle. */
static int truncate_fh(fs_fh *h, off_t size)
{
    if (h->type == FH_SNAP || h->type == FH_STREAM)
        return -EBADF;
    int fd = h->type == FH_WRITE ? h->pend->fd : h->fd;
    if (ftruncate(fd, size) < 0)
        return -errno;
    if (h->type == FH_WRITE)
        h->pend->dirty = 1;
    return 0;
}

/* truncate of an encoded file: decode, cut or extend, encode again. */
static int truncate_encoded(holofs *fs, const char *path, const char *spath, struct stat *st,
                            off_t size)
{
    int rc;
    enc_stat(fs, path, spath, st);
    if (st->st_size == size)
        return 0;
    fs_pend *p = fs_pending_new_file(fs->pend, path, st->st_mode, st->st_uid, st->st_gid, &rc);
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
    fs_pending_put(fs->pend, p);
    return rc;
}

static int fs_truncate(const char *path, off_t size, struct fuse_file_info *fi)
{
    holofs *fs = ctx_fs();
    resolved r;
    int rc = resolve(fs, path, 1, &r);
    if (rc < 0)
        return rc;
    if (size < 0)
        return -EINVAL;
    if (fi && fi->fh)
        return truncate_fh((fs_fh *)(uintptr_t)fi->fh, size);
    switch (r.kind) {
    case R_PLAIN:   return truncate(r.spath, size) < 0 ? -errno : 0;
    case R_DIR:     return -EISDIR;
    case R_MISSING: return fs_pending_truncate(fs->pend, path, size);
    case R_ENCODED: return truncate_encoded(fs, path, r.spath, &r.st, size);
    default:        return -EINVAL;
    }
}

/* An attribute change: ENC for an encoded file, PLAIN for anything in the store under its own
 * name (lstat-level, never following a symlink), PEND for a file being written (its temp file,
 * whose attributes the encode passes on). Applied to the store's entry and to a pending write
 * alike: a file being rewritten is both. */
typedef struct attr_op {
    int (*enc)(holofs *fs, const char *path, const char *spath, const void *arg);
    int (*plain)(const char *spath, int fd, const void *arg);   /* fd >= 0: use it instead */
    int (*pend)(fs_pend *p, const void *arg);
    void (*snap)(struct stat *st, const void *arg);   /* a removed file's snapshot handle */
    const void *arg;
} attr_op;

/* The change on a gone name (an open file removed through the mount): to every handle of it,
 * as a local filesystem changes the unlinked inode. 1 when path is not a gone name. */
static int gone_attr(holofs *fs, const char *path, const attr_op *op)
{
    int rc = 1;
    pthread_mutex_lock(&fs->mu);
    fs_node *n = node_find(fs, path);
    if (n && n->gone) {
        rc = n->handles ? 0 : -ENOENT;
        for (fs_fh *h = n->handles; h && rc == 0; h = h->next_on_node) {
            if (h->type == FH_PLAIN)
                rc = op->plain(NULL, h->fd, op->arg);
            else if (h->type == FH_WRITE)
                rc = fs_pending_with(fs->pend, h->pend, NULL, op->pend, op->arg);
            else
                op->snap(&h->st, op->arg);
        }
    }
    pthread_mutex_unlock(&fs->mu);
    return rc;
}

static int attr_change(const char *path, struct fuse_file_info *fi, const attr_op *op)
{
    holofs *fs = ctx_fs();
    resolved r;
    int rc = resolve(fs, path, 1, &r);
    if (rc < 0 || (path && (rc = gone_attr(fs, path, op)) <= 0))
        return rc;
    rc = -ENOENT;
    if (path) {
        switch (r.kind) {
        case R_MISSING: break;
        case R_ENCODED: rc = op->enc(fs, path, r.spath, op->arg); break;
        default:
            rc = op->plain(r.spath, -1, op->arg);
            if (rc == 0 && r.st.st_nlink > 1)
                links_tell(fs, r.st.st_ino, path);
            break;
        }
    } else if (fi && fi->fh && ((fs_fh *)(uintptr_t)fi->fh)->type == FH_PLAIN) {
        rc = op->plain(NULL, ((fs_fh *)(uintptr_t)fi->fh)->fd, op->arg);  /* removed, still open */
    }
    /* and to the pending write of the handle, or of path */
    fs_fh *h = fi && fi->fh ? (fs_fh *)(uintptr_t)fi->fh : NULL;
    int prc = fs_pending_with(fs->pend, h && h->type == FH_WRITE ? h->pend : NULL, path,
                              op->pend, op->arg);
    if (prc != 1 && (rc == -ENOENT || prc < 0))
        rc = prc;
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

/* ctime of a snapshot whose attributes changed */
static void snap_touch(struct stat *st)
{
    clock_gettime(CLOCK_REALTIME, &st->st_ctim);
}

static void chmod_snap(struct stat *st, const void *arg)
{
    st->st_mode = (st->st_mode & S_IFMT) | (*(const mode_t *)arg & 07777);
    snap_touch(st);
}

static int fs_chmod(const char *path, mode_t mode, struct fuse_file_info *fi)
{
    const attr_op op = { chmod_enc, chmod_plain, chmod_pend, chmod_snap, &mode };
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

static void chown_snap(struct stat *st, const void *arg)
{
    const owner *o = arg;
    if (o->uid != (uid_t)-1)
        st->st_uid = o->uid;
    if (o->gid != (gid_t)-1)
        st->st_gid = o->gid;
    snap_touch(st);
}

static int fs_chown(const char *path, uid_t uid, gid_t gid, struct fuse_file_info *fi)
{
    const owner o = { uid, gid };
    const attr_op op = { chown_enc, chown_plain, chown_pend, chown_snap, &o };
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

static void utimens_snap(struct stat *st, const void *arg)
{
    const struct timespec *tv = arg;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    st->st_atim = time_pick(&tv[0], &now, &st->st_atim);
    st->st_mtim = time_pick(&tv[1], &now, &st->st_mtim);
    st->st_ctim = now;
}

static int fs_utimens(const char *path, const struct timespec tv[2], struct fuse_file_info *fi)
{
    const attr_op op = { utimens_enc, utimens_plain, utimens_pend, utimens_snap, tv };
    return attr_change(path, fi, &op);
}

static int fs_fsyncdir(const char *path, int datasync, struct fuse_file_info *fi)
{
    (void)datasync;
    (void)fi;
    resolved r;
    resolve(ctx_fs(), path, 0, &r);
    if (r.kind != R_DIR)
        return -ENOTDIR;
    int fd = open(r.spath, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
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
    resolved r;
    resolve(ctx_fs(), path, 0, &r);
    if (r.kind != R_SPECIAL || !S_ISLNK(r.st.st_mode))
        return -EINVAL;
    ssize_t n = readlink(r.spath, buf, size - 1);
    if (n < 0)
        return -errno;
    buf[n] = 0;
    return 0;
}

/* The checks before a new plain entry (symlink, FIFO, device node...) is made in the store:
 * not inside a read-only container or mount, a valid new name, no encoded file of that name.
 * r->spath receives its store path. 0 or a negative errno. */
static int new_plain_entry(holofs *fs, const char *path, resolved *r)
{
    int rc;
    if ((rc = resolve(fs, path, 1, r)) < 0 || (rc = new_name_rc(fs, path, 1)) < 0)
        return rc;
    if (ns_join(r->spath, sizeof r->spath, fs->store, path, NULL) < 0)
        return -ENAMETOOLONG;
    if (encoded_exists(fs, path))
        return -EEXIST;
    return 0;
}

static int fs_symlink(const char *target, const char *path)
{
    holofs *fs = ctx_fs();
    resolved r;
    int rc = new_plain_entry(fs, path, &r);
    if (rc < 0)
        return rc;
    if (symlink(target, r.spath) < 0)
        return -errno;
    owner_set_new(r.spath, 0, 0);
    return 0;
}

/* FIFOs, sockets, device nodes (root only: the kernel checks CAP_MKNOD) and regular files made
 * by mknod(2) pass through to the store, owned by the caller. An empty regular file is what
 * create leaves for an empty write too. */
static int fs_mknod(const char *path, mode_t mode, dev_t rdev)
{
    holofs *fs = ctx_fs();
    resolved r;
    int rc = new_plain_entry(fs, path, &r);
    if (rc < 0)
        return rc;
    if (mknod(r.spath, mode, rdev) < 0)
        return -errno;
    owner_set_new(r.spath, 0, mode);
    return 0;
}

/* Hard links between plain entries pass through. An encoded file is a directory of chunks,
 * which cannot be linked: EPERM, link(2)'s errno for a filesystem without such links. */
static int fs_link(const char *from, const char *to)
{
    holofs *fs = ctx_fs();
    resolved f, t;
    int rc;
    if ((rc = resolve(fs, from, 1, &f)) < 0 || (rc = resolve(fs, to, 1, &t)) < 0 ||
        (rc = new_name_rc(fs, to, 1)) < 0)
        return rc;
    switch (f.kind) {
    case R_PLAIN:
    case R_SPECIAL:
        break;
    case R_MISSING:
        return -ENOENT;
    default:        /* encoded files; directories (the kernel refuses those first) */
        return -EPERM;
    }
    if (t.kind != R_MISSING)
        return -EEXIST;
    if (ns_join(t.spath, sizeof t.spath, fs->store, to, NULL) < 0)
        return -ENAMETOOLONG;
    if (link(f.spath, t.spath) < 0)
        return -errno;
    /* every other name's nlink and ctime moved */
    links_note(fs->links, f.st.st_ino, from);
    links_note(fs->links, f.st.st_ino, to);
    links_tell(fs, f.st.st_ino, to);
    return 0;
}

/* ---- init ------------------------------------------------------------------------------- */
static void *fs_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
    holofs *fs = fuse_get_context()->private_data;
    /* O_TRUNC arrives with open, so an overwrite is one encode, not "encode empty" first */
    if (conn->capable & FUSE_CAP_ATOMIC_O_TRUNC)
        conn->want |= FUSE_CAP_ATOMIC_O_TRUNC;
    conn->want &= ~FUSE_CAP_WRITEBACK_CACHE;
    /* rm of an open file: libfuse moves it to a .fuse_hidden name, which holofs keeps apart
     * from the store (hide_open), so fstat of its handles works; with hard_remove libfuse
     * would forget the name and fstat would fail with ESTALE */
    cfg->hard_remove = 0;
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
    char tmpdir[PATH_MAX];
    if (ns_join(tmpdir, sizeof tmpdir, fs->store, "/" NS_TMPDIR, NULL) < 0)
        return -ENAMETOOLONG;
    fs->sp = sp_new(fs->store, fs->ro, (uint64_t)fs->sp_cache_kb << 10, SP_COPY_KEEP_MS);
    fs->cache = fs_cache_new((size_t)fs->cache_mb << 20, holofs_load, fs);
    /* binary v4 files being read: their own cache_mb (holofs(1) Memory) */
    fs->streams = fs_streams_new(holofs_warn, fs, (uint64_t)fs->cache_mb << 20);
    fs->pend = fs_pending_new(tmpdir);
    if (!fs->cache || !fs->streams || !fs->pend || !fs->sp) {
        sp_free(fs->sp);
        if (fs->cache)
            fs_cache_free(fs->cache);
        fs_streams_free(fs->streams);
        fs_pending_free(fs->pend);
        free(fs->nodes);
        links_free(fs->links);
        return -ENOMEM;
    }
    return 0;
}

void holofs_fini(holofs *fs)
{
    sp_free(fs->sp);
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
    fs_pending_free(fs->pend);   /* what is left only after an unclean unmount */
    pthread_cond_destroy(&fs->budget_cv);
    pthread_mutex_destroy(&fs->budget_mu);
    pthread_mutex_destroy(&fs->mu);
}
