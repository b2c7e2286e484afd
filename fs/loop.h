/* loop.h — the request loop with a worker-thread cap of holofs's choosing (loop.c). */
#ifndef HOLOFS_LOOP_H
#define HOLOFS_LOOP_H

struct fuse;

/* fuse_loop_mt with up to max_threads workers: its return value. */
int holofs_loop_mt(struct fuse *f, int clone_fd, unsigned max_idle, unsigned max_threads);

#endif
