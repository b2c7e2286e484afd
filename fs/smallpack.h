/* smallpack.h — small files packed in their directory's .holo-pack, as holofs shows them
 * (holo(5) and holofs(1) "SMALL-FILE PACKS").
 *
 * A member X of STORE/a/.holo-pack is the file MNT/a/X unless STORE/a/X.holo/ or STORE/a/X
 * exists (they win). Reads see it as an encoded file: its set is written out into a cache
 * directory (STORE/.holofs-tmp/sp/, or a private temporary directory on a read-only mount) and
 * served from there like any X.holo/; the copies are bounded in disk use (least recently used
 * go first; a stream already open keeps its files) and removed at mount and unmount. Its inode
 * number is sp_ino of its mount path in both stat and readdir. Any change to it (write,
 * truncate, chmod, chown, utimens, xattrs, rename, unlink) first moves it back out as
 * STORE/a/X.holo/ (synced) and then appends a record that removes it from the pack: from then
 * on it is an ordinary encoded file.
 * `holo smallpack` packs again.
 */
#ifndef HOLOFS_SMALLPACK_H
#define HOLOFS_SMALLPACK_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

/* The state of one mount: parsed packs, materialised copies, the packer. */
typedef struct fs_sp fs_sp;

/* State for store (absolute); copies go below STORE/.holofs-tmp/sp/ (a private temporary
 * directory when ro) and take at most cache_bytes on disk (0: SP_CACHE_DEFAULT), least
 * recently used evicted first, but none used in the last keep_ms (the resolver's caller opens
 * its copy after sp_resolve returns): a burst of reads may go over the cap for that long.
 * NULL when out of memory. A store whose cache directory cannot be made still lists members
 * (reads: EIO). */
#define SP_CACHE_DEFAULT (16ull << 20)
#define SP_COPY_KEEP_MS 2000u
fs_sp *sp_new(const char *store, int ro, uint64_t cache_bytes, unsigned keep_ms);
/* Stop the packer, remove the copies, free. NULL is ignored. */
void sp_free(fs_sp *sp);
/* Bytes the copies take on disk now (blocks, as du counts them). */
uint64_t sp_cache_bytes(fs_sp *sp);

typedef enum {
    SP_NONE,       /* not a member (or shadowed): nothing to do */
    SP_ENCODED,    /* read: spath is its materialised chunk directory, st its lstat */
    SP_MOVED,      /* write: STORE/path.holo/ now holds it; resolve again */
} sp_result;

/* Mount path `path` whose store lookup found nothing (exists = 0) or found STORE/path.holo/
 * (exists = 1: a member left beside it by a killed process is dropped when for_write).
 * Negative: -errno (the member could not be read or moved). */
int sp_resolve(fs_sp *sp, const char *path, int exists, int for_write, char *spath,
               size_t spathsz, struct stat *st);
/* The inode number a member shows for mount path `path` (stat and readdir): a hash of the path
 * with the top bit set, away from the store's own numbers; never 0. */
ino_t sp_ino(const char *path);

/* Call fn for each member of store directory dpath that neither dpath/X nor dpath/X.holo
 * shadows. */
void sp_list(const char *dpath, void (*fn)(void *ctx, const char *name), void *ctx);

/* Packing by itself (holofs -o smallpack): a background thread packs each directory that small
 * files were written to once no write has landed there for quiet_ms, or max_ms after the first
 * write it has not packed yet when writes keep coming (holo_spack_add: the same rules and
 * safety as holo smallpack); log reports what it did. Off unless started; 0 or -errno. */
#define SP_AUTO_QUIET_MS 2000u
#define SP_AUTO_MAX_MS 30000u
typedef void (*sp_log_fn)(void *ctx, const char *msg);
int sp_auto_start(fs_sp *sp, unsigned quiet_ms, unsigned max_ms, sp_log_fn log, void *ctx);
/* An encode committed the set `set` (STORE/a/X.holo) of a small file. */
void sp_auto_note(fs_sp *sp, const char *set);
/* Stop the thread (a packing under way finishes first); sp_free does it too. */
void sp_auto_stop(fs_sp *sp);

/* rmdir found store directory dir not empty: when what is left is a pack without live members,
 * remove it (0: try again). -1 with errno ENOTEMPTY otherwise. */
int sp_drop_empty(const char *dir);

#endif
