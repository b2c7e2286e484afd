/* smallpack.h — small files packed in their directory's .holo-pack, as holofs shows them
 * (holo(5) and holofs(1) "SMALL-FILE PACKS").
 *
 * A member X of STORE/a/.holo-pack is the file MNT/a/X unless STORE/a/X.holo/ or STORE/a/X
 * exists (they win). Reads see it as an encoded file: its set is written out once into a cache
 * directory (STORE/.holofs-tmp/sp/, or a private temporary directory on a read-only mount) and
 * served from there like any X.holo/. Any change to it (write, truncate, chmod, chown, utimens,
 * xattrs, rename, unlink) first moves it back out as STORE/a/X.holo/ (synced) and then appends
 * a record that removes it from the pack: from then on it is an ordinary encoded file.
 * `holo smallpack` packs again.
 */
#ifndef HOLOFS_SMALLPACK_H
#define HOLOFS_SMALLPACK_H

#include <stddef.h>
#include <sys/stat.h>

/* Where materialised members go; 0 or -errno. sp_fini removes them. */
int sp_init(const char *store, int ro);
void sp_fini(void);

typedef enum {
    SP_NONE,       /* not a member (or shadowed): nothing to do */
    SP_ENCODED,    /* read: spath is its materialised chunk directory, st its lstat */
    SP_MOVED,      /* write: STORE/path.holo/ now holds it; resolve again */
} sp_result;

/* Mount path `path` whose store lookup found nothing (exists = 0) or found STORE/path.holo/
 * (exists = 1: a member left beside it by a killed process is dropped when for_write).
 * Negative: -errno (the member could not be read or moved). */
int sp_resolve(const char *store, const char *path, int exists, int for_write, char *spath,
               size_t spathsz, struct stat *st);

/* Call fn for each member of store directory dpath that neither dpath/X nor dpath/X.holo
 * shadows. */
void sp_list(const char *dpath, void (*fn)(void *ctx, const char *name), void *ctx);

/* Packing by itself (holofs -o smallpack): a background thread packs each directory that small
 * files were written to once no write has landed there for 2 s (holo_spack_add: the same rules
 * and safety as holo smallpack); log reports what it did. Off unless started. */
typedef void (*sp_log_fn)(void *ctx, const char *msg);
int sp_auto_start(sp_log_fn log, void *ctx);
/* An encode committed the set `set` (STORE/a/X.holo) of a small file. */
void sp_auto_note(const char *set);
/* Stop the thread (a packing under way finishes first). */
void sp_auto_stop(void);

/* rmdir found store directory dir not empty: when what is left is a pack without live members,
 * remove it (0: try again). -1 with errno ENOTEMPTY otherwise. */
int sp_drop_empty(const char *dir);

#endif
