/* links.h — the names seen for inodes with several hard links.
 *
 * FUSE's high-level API gives every name its own kernel inode, each with its own attribute
 * cache, so a chmod, chown, link or unlink through one name of a multiply-linked file would
 * leave the others showing old attributes until the cache times out. holofs notes the names
 * that stat shows with st_nlink > 1 here and, after a change through one of them, tells the
 * kernel about the others. A stale entry (a name since removed or reused) costs one needless
 * invalidation, nothing else; the table is bounded (the oldest names go first).
 *
 * No FUSE here (tests/t_fs_links.c).
 */
#ifndef HOLOFS_LINKS_H
#define HOLOFS_LINKS_H

#include <stddef.h>
#include <sys/types.h>

typedef struct fs_links fs_links;

/* A table of at most `cap` names. NULL when out of memory. */
fs_links *links_new(size_t cap);
void links_free(fs_links *l);

/* Note that `path` names inode `ino` (once; a path noted for another inode moves). */
void links_note(fs_links *l, ino_t ino, const char *path);

/* Forget `path` (it was removed or renamed away). */
void links_drop(fs_links *l, const char *path);

/* The other names noted for `ino` (not `except`), malloc'd copies in a malloc'd array of *n.
 * NULL with *n = 0 when there are none or memory runs out. */
char **links_others(fs_links *l, ino_t ino, const char *except, size_t *n);

#endif
