/* owner.c — owners and modes of new entries (owner.h). */
#define FUSE_USE_VERSION 35
#include "owner.h"

#include <fuse.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void owner_give(const char *spath, uid_t uid, gid_t gid)
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
void owner_of_new(const char *spath, int is_dir, mode_t *mode, uid_t *uid, gid_t *gid)
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
void owner_set_new(const char *spath, int is_dir, mode_t mode)
{
    uid_t uid;
    gid_t gid;
    struct stat st;
    owner_of_new(spath, is_dir, &mode, &uid, &gid);
    owner_give(spath, uid, gid);
    if (lstat(spath, &st) == 0 && !S_ISLNK(st.st_mode) && chmod(spath, mode & 07777) < 0) {
        /* best effort: it keeps the mode the store gave it */
    }
}
