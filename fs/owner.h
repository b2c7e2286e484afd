/* owner.h — owners and modes of what users create through the mount.
 *
 * The kernel checks permissions against what getattr reports (default_permissions), so what a
 * user creates through the mount must be theirs in the store. Only root can give files away;
 * a holofs run by a user owns everything it creates anyway. Called from FUSE requests only
 * (the caller is fuse_get_context()'s).
 */
#ifndef HOLOFS_OWNER_H
#define HOLOFS_OWNER_H

#include <sys/types.h>

/* lchown store path spath to uid:gid when running as root (best effort). */
void owner_give(const char *spath, uid_t uid, gid_t gid);
/* Owner and mode of an entry the caller creates at store path spath, as a local filesystem
 * gives them (see owner.c). *mode comes with the caller's umask applied. */
void owner_of_new(const char *spath, int is_dir, mode_t *mode, uid_t *uid, gid_t *gid);
/* Give a new store entry its owner and exact mode (holofs's own umask must not count). */
void owner_set_new(const char *spath, int is_dir, mode_t mode);

#endif
