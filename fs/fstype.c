/* fstype.c — filesystems where inotify misses writes (fstype.h). */
#include "fstype.h"

#include <stdio.h>
#include <sys/vfs.h>

/* Magic numbers from statfs(2) and the filesystems' sources; written out because not every
 * libc or kernel-header version defines them all. */
static const struct {
    unsigned long magic;
    const char *name;
} remote_types[] = {
    {0x6969UL, "nfs"},
    {0x517BUL, "smb"},
    {0xFF534D42UL, "cifs"},
    {0xFE534D42UL, "smb2"},
    {0x65735546UL, "fuse"},          /* GlusterFS, CephFS-fuse, sshfs, bindfs, s3fs, virtiofs */
    {0x00C36400UL, "ceph"},
    {0x01021997UL, "9p"},
    {0x5346414FUL, "afs"},
    {0x6B414653UL, "kafs"},
    {0x0BD00BD0UL, "lustre"},
    {0x47504653UL, "gpfs"},
    {0x7461636FUL, "ocfs2"},
    {0x01161970UL, "gfs2"},
    {0x73757245UL, "coda"},
    {0x564CUL, "ncp"},
    {0x20030528UL, "orangefs"},
    {0x786F4256UL, "vboxsf"},
    {0x19830326UL, "fhgfs"},         /* BeeGFS */
};

const char *fs_remote_type(unsigned long f_type)
{
    f_type &= 0xFFFFFFFFUL;          /* f_type is signed on some ABIs: compare 32 bits */
    for (size_t i = 0; i < sizeof remote_types / sizeof *remote_types; i++)
        if (remote_types[i].magic == f_type)
            return remote_types[i].name;
    return NULL;
}

int fs_store_remote(const char *path, char *name, size_t namesz)
{
    struct statfs sf;
    if (statfs(path, &sf) < 0)
        return -1;
    const char *t = fs_remote_type((unsigned long)sf.f_type);
    snprintf(name, namesz, "%s", t ? t : "local");
    return t != NULL;
}
