/* stream.h — binary v4 (HO4B) files served through holo_stream, without FUSE.
 *
 * A table maps a mount path to the stream opened on its chunk directory. Handles opened while
 * the chunks stay the same share one stream (one frame cache, one decoder); a change drops the
 * table's entry, so the next open gets a fresh stream while open handles keep the one they
 * opened (the chunk files stay open inside it: a snapshot, as for decoded files). A stream
 * is closed with its last holder, so idle files hold no memory. All streams of a table draw
 * their decoded frames and decoders from one budget (holo_membudget): many open files degrade
 * to no read-ahead and fewer cached frames, and wait for memory in turn, rather than grow.
 *
 * Reads never return bytes that are not the file's: a range no chunk set can rebuild fails
 * (HOLO_EHOLE), a frame failing its CRC fails, and the read that completes a pass from byte 0
 * fails when the whole file does not match its SHA-256; that stream then stays in the table
 * (holding the verdict, so later opens can refuse the set) until its key is dropped. Readers that run slightly ahead of the
 * verified prefix (kernel readahead issues reads out of order) have the gap read first so the
 * pass is still checked. tests/t_fs_stream.c drives it on real chunk sets.
 */
#ifndef HOLOFS_STREAM_H
#define HOLOFS_STREAM_H

#include <stddef.h>
#include <stdint.h>

#include "holo_ext.h"

typedef struct fs_streams fs_streams;
typedef struct fs_sfile fs_sfile;

/* mem_bytes: the budget of all its streams' decoded frames and decoders (0: unbounded). */
fs_streams *fs_streams_new(holo_warn_fn warn, void *warn_ctx, uint64_t mem_bytes);
/* Bytes of that budget in use now and at most since the table was made. */
void fs_streams_mem(fs_streams *t, uint64_t *used, uint64_t *peak);
void fs_streams_free(fs_streams *t);         /* every fs_sfile must have been put */

/* The shared stream of key (opened on dir if the table has none). 0 or a HOLO_E* (err). */
int fs_streams_get(fs_streams *t, const char *key, const char *dir, fs_sfile **out,
                   holo_err *err);
void fs_sfile_put(fs_streams *t, fs_sfile *f);
/* Forget key's stream (the next get opens a new one); open handles keep theirs. */
void fs_streams_drop(fs_streams *t, const char *key);
void fs_streams_drop_tree(fs_streams *t, const char *key);

uint64_t fs_sfile_size(const fs_sfile *f);
uint64_t fs_sfile_gen(const fs_sfile *f);    /* unique per opened stream */
/* The stream's state: hole_bytes, verified (1 after a pass matched the SHA-256, -1 after one
 * did not, 0 not yet). */
void fs_sfile_stat(fs_sfile *f, holo_stream_info *si);
/* Bytes read (fewer only at the end of the file) or a negative HOLO_E*. */
int64_t fs_sfile_read(fs_sfile *f, uint64_t off, void *buf, size_t len, holo_err *err);
/* The missing byte ranges as "first-last,first-last" (inclusive; "" when none) into out.
 * Returns the length the full text needs; when it exceeds cap-1 the text ends in "...". */
size_t fs_sfile_holes(fs_sfile *f, char *out, size_t cap);

#endif
