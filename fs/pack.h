/* pack.h — HOPK containers in the holofs namespace (read-only):
 *
 *   STORE/a/X.holo/  with a container manifest ("objects")  -> MNT/a/X/        directory
 *   its object i (image / audio)                            -> MNT/a/X/obj_%04u.png / .wav
 *
 * Objects are decoded with holo_unpack from whatever chunks are present; their sizes follow
 * from the manifest geometry (stored PNG, WAV). No FUSE here (tests/t_fs_pack.c).
 */
#ifndef HOLOFS_PACK_H
#define HOLOFS_PACK_H

#include <stddef.h>
#include <stdint.h>
#include "holo_ext.h"

typedef enum { PK_NONE = 0, PK_ROOT, PK_OBJECT, PK_INSIDE } pk_type;

/* 1 when the store directory `dir` is a HOPK container (cheap stat first, then the manifest). */
int pk_is_container(const char *dir);

/* Classify mount path `path`: PK_ROOT (cdir = STORE/...X.holo), PK_OBJECT (cdir, *index), or
 * PK_INSIDE for any other name directly inside a container (which does not exist). */
pk_type pk_resolve(const char *store, const char *path, char *cdir, size_t cdirsz,
                   size_t *index);

/* Name of object i: "obj_0000.png" (image) or "obj_0001.wav" (audio). */
void pk_name(const holo_pack_index *idx, size_t i, char *out, size_t outsz);

/* Exact size of object i as served (stored PNG or WAV). */
uint64_t pk_size(const holo_pack_index *idx, size_t i);

/* Peak memory of unpacking object i, from the manifest: the whole residual of the container
 * (int16 per element) plus the object's pixels or samples and its served bytes. */
uint64_t pk_decode_estimate(const holo_pack_index *idx, size_t i);

/* Decode object i of cdir and serialise it. 0 or -errno; err gets the message. */
int pk_load(const char *cdir, size_t i, uint8_t **buf, size_t *len, holo_err *err);

#endif
