/* loop.c — holofs's multithreaded request loop, through libfuse 3.12's loop configuration: the
 * only way to raise the worker-thread cap, which the 3.5 interface the rest of fs/ uses keeps
 * at libfuse's default of 10. Reads of binary v4 files may wait for the mount's memory budget
 * (holofs(1) Memory); with 10 threads, ten waiting reads left none for the reads that hold
 * memory and would give it back on finishing their frames. */
#define FUSE_USE_VERSION 312
#include <fuse.h>
#include <limits.h>

#include "loop.h"

int holofs_loop_mt(struct fuse *f, int clone_fd, unsigned max_idle, unsigned max_threads)
{
    struct fuse_loop_config *lc = fuse_loop_cfg_create();
    if (!lc)
        return -1;
    fuse_loop_cfg_set_clone_fd(lc, (unsigned)clone_fd);
    if (max_idle != UINT_MAX)   /* fuse_parse_cmdline's "not given" */
        fuse_loop_cfg_set_idle_threads(lc, max_idle);
    fuse_loop_cfg_set_max_threads(lc, max_threads);
    int rc = fuse_loop_mt(f, lc);
    fuse_loop_cfg_destroy(lc);
    return rc;
}
