/* ns.h — the holofs namespace: how mount paths map to store paths.
 *
 *   STORE/a/b/          -> MNT/a/b/            directory
 *   STORE/a/X.holo/     -> MNT/a/X             regular file, decoded on read (wins over STORE/a/X)
 *   STORE/a/Y           -> MNT/a/Y             plain file, passed through
 *   STORE/.holofs-tmp/, .holo-tmp-*, *.tmpXXXXXX  hidden bookkeeping, never shown
 *
 * No FUSE here, so the rules can be unit-tested (tests/t_fs_ns.c).
 */
#ifndef HOLOFS_NS_H
#define HOLOFS_NS_H

#include <stddef.h>
#include <sys/stat.h>
#include "holo.h"

#define NS_TMPDIR ".holofs-tmp"   /* holofs's own scratch directory at the store root */
#define NS_SUFFIX ".holo"

typedef enum { NS_NONE = 0, NS_DIR, NS_PLAIN, NS_ENCODED, NS_OTHER } ns_type;

/* 1 for names holofs or libholo use for temporary/bookkeeping files. */
int ns_is_hidden(const char *name);

/* 1 for hidden names that belong to holofs alone (".holofs-*", ".fuse_hidden*"): never
 * created, opened or listed through the mount. Other hidden names are temporaries of atomic
 * writes (libholo's ".holo-tmp-PID-N", others' NAME.tmpXXXXXX): a plain file under such a name
 * is reachable by its exact name, so write-then-rename works through the mount. */
int ns_is_reserved(const char *name);

/* 1 when `name` is "X.holo" with a non-empty X that is not hidden; X copied into out. */
int ns_strip_suffix(const char *name, char *out, size_t outsz);

/* 1 when some component of the mount path `path` ("/a/b") is hidden or too long. */
int ns_path_invalid(const char *path);

/* out = store + path + suffix (suffix may be NULL). -ENAMETOOLONG when it does not fit. */
int ns_join(char *out, size_t outsz, const char *store, const char *path, const char *suffix);

/* Resolve mount path `path`. A hidden last component only resolves to a plain regular file
 * (temporary files of atomic writes through the mount); it is never listed. spath gets the store path of what was found (X.holo for encoded
 * files) and st its lstat. *shadowed is set to 1 when both X and X.holo/ exist (encoded wins).
 * Returns the type, NS_NONE when nothing is there (or the path is invalid). */
ns_type ns_resolve(const char *store, const char *path, char *spath, size_t spathsz,
                   struct stat *st, int *shadowed);

/* The view holofs serves for a file called `name` of this kind: images as stored PNG (PPM when
 * the name ends in .ppm), audio as WAV, binaries raw. */
holo_view ns_view(const char *name, holo_kind kind);

/* Last component of a path ("/a/b" -> "b"). */
const char *ns_basename(const char *path);

/* Remove a directory tree (best effort, no symlink following). 0 or -errno of the last step. */
int ns_rmtree(const char *path);

/* Remove the temporaries that killed encodes left anywhere in the store (holo_tmp_sweep on
 * every directory; chunk directories, symlinks and hidden names are not entered). Returns how
 * many were removed. */
int ns_sweep_store(const char *store);

#endif
