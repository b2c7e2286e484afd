/* v4_dict.h — store dictionaries inside the library: the HO4D chunk set, the CURRENT pointer
 * and the process-wide cache of loaded dictionaries (holo(5) "DICTIONARY"). */
#ifndef HOLO_V4_DICT_H
#define HOLO_V4_DICT_H
#include "holo.h"
#include <stddef.h>
#include <stdint.h>
#define ZSTD_STATIC_LINKING_ONLY
#include <zstd.h>

#define V4D_K 4                       /* any 4 of the 8 chunks rebuild a dictionary */
#define V4D_N 8
#define V4D_MAX_BYTES (1u << 20)      /* larger dictionary sets are refused as hostile */
#define V4D_LEVEL 19                  /* small files with a dictionary: zstd 19 (bench_dict.sh) */

/* A loaded, verified dictionary; shared, reference counted. */
typedef struct v4d_dict v4d_dict;

/* The dictionary directory for a chunk set at `chunk_dir`: `given` when not NULL ("" = none:
 * returns -1), else the nearest .holo-dict/ above it. 0 or -1. */
int v4d_dir_for(const char *given, const char *chunk_dir, char *out, size_t outsz);
/* Dictionary `id` from dict_dir (NULL: no directory was found), from the cache or rebuilt from
 * its chunks and checked against its SHA-256. `who` names the file that needs it in errors. */
int v4d_get(const char *dict_dir, const uint8_t id[HOLO_DICT_ID_LEN], const char *who,
            v4d_dict **out, holo_err *err);
void v4d_put(v4d_dict *d);
const uint8_t *v4d_id(const v4d_dict *d);
const ZSTD_DDict *v4d_ddict(const v4d_dict *d);
/* A compression dictionary at `level`, made once per level for inputs up to 64 KiB. NULL on
 * allocation failure. */
const ZSTD_CDict *v4d_cdict(v4d_dict *d, int level);
/* Write dictionary bytes as STORE/.holo-dict/<id>.holo/ (atomic) and point CURRENT at it. */
int v4d_store(const char *dict_dir, const uint8_t *dict, size_t len, uint8_t id[HOLO_DICT_ID_LEN],
              holo_err *err);
/* The bytes a set keeps for dict[0..len): its zstd frame when smaller, else a copy
 * (malloc'd). 0 or -1 (out of memory). */
int v4d_pack_bytes(const uint8_t *dict, size_t len, uint8_t **out, size_t *outlen);
/* Bytes the chunk set of a payload of len bytes takes. */
uint64_t v4d_store_bytes(size_t len);
#endif
