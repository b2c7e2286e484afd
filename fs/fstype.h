/* fstype.h — which filesystems hide other hosts' writes from inotify.
 *
 * inotify reports changes made through this kernel only. On network and cluster filesystems
 * (NFS, SMB, Ceph, AFS, Lustre, ...) and on FUSE (GlusterFS, CephFS-fuse, sshfs, bindfs, ...)
 * writes by another host, or by a FUSE daemon's backing store, never raise an event, so holofs
 * polls such stores (poll.h). Only the store root's filesystem is looked at.
 */
#ifndef HOLOFS_FSTYPE_H
#define HOLOFS_FSTYPE_H

#include <stddef.h>

/* Name of the filesystem with statfs magic `f_type` when inotify cannot be trusted on it
 * ("nfs", "fuse", ...); NULL for local filesystems and unknown magics. */
const char *fs_remote_type(unsigned long f_type);

/* statfs(path): 1 and the type's name in `name` when inotify cannot be trusted there, 0 when it
 * can (name gets "local"), -1 with errno set when statfs fails. */
int fs_store_remote(const char *path, char *name, size_t namesz);

#endif
