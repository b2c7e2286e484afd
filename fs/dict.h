/* dict.h — holofs keeps the store's dictionary up by itself (dict.c; holofs(1) "Small files
 * and the store dictionary"). */
#ifndef HOLOFS_DICT_H
#define HOLOFS_DICT_H
#include <stdint.h>

/* Small files written through the mount before holofs first tries to train a dictionary: where
 * one starts to beat per-file zstd -19 with its own chunks counted (bench_dict.sh: ~150 man
 * pages; Perl modules need more). A refused attempt (too few samples, does not pay) doubles it. */
#define FS_DICT_FIRST_TRY 200u

typedef struct fs_dict fs_dict;
typedef void (*fs_dict_log_fn)(void *ctx, const char *msg);

/* The background trainer for the store (absolute path); its dictionaries go to
 * STORE/.holo-dict. NULL on failure. */
fs_dict *fs_dict_start(const char *store, fs_dict_log_fn log, void *ctx);
/* STORE/.holo-dict: what encodes and decodes through the mount use (never a directory above
 * the store). */
const char *fs_dict_dir(const fs_dict *d);
/* After an encode committed a file of `size` bytes: count it; wake the trainer when enough
 * small files were written. Never blocks on training. */
void fs_dict_note(fs_dict *d, uint64_t size);
/* Stop the trainer (waits for a running training to finish). */
void fs_dict_stop(fs_dict *d);
#endif
