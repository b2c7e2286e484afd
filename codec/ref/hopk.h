/* hopk.h — HOPK packed multi-object containers (formats.md §11).
 *
 * One directory holds several images and WAVs: manifest.json (the container manifest with the
 * object table), obj_NNNN_coarse.bin (each object's coarse data) and chunk_NNNN.holo (HOPK
 * chunks, golden slices of all residuals concatenated). Any subset of chunks unpacks every
 * object at reduced quality; all chunks give every object back exactly.
 *
 *   holo_encode_opts eo; holo_encode_opts_init(&eo); eo.block_count = 6;
 *   const char *in[] = { "a.png", "b.wav" };
 *   holo_pack(in, 2, "set.holo", &eo, &err);
 *   holo_decoded d; holo_unpack("set.holo", 1, NULL, &d, &err);   ... d.samples ...
 */
#ifndef HOLO_HOPK_H
#define HOLO_HOPK_H

#include "holo.h"

#define HOLO_HOPK_HDR 25u

typedef struct holo_pack_object {
    holo_kind kind;                 /* IMAGE or AUDIO */
    uint64_t offset, residual_len;
    char coarse_file[64];
    uint32_t h, w, th, tw;          /* image: size and coarse_shape [th, tw, 3] */
    uint32_t sample_rate, channels, frames, coarse_len;   /* audio */
} holo_pack_object;

typedef struct holo_pack_index {
    uint32_t block_count;
    uint64_t total_residual;
    size_t n_objects;
    holo_pack_object *objects;
} holo_pack_index;

/* Pack `n` inputs (extension .wav -> audio, anything else -> image) into outdir, atomically.
 * Uses o->block_count (explicit, clamped to [1, N_total]) or else o->chunk_kb (default 32 KB,
 * formats.md §3 kb variant), o->coarse_side (16), o->coarse_frames (2048), o->threads. */
int holo_pack(const char *const *inputs, size_t n, const char *outdir, const holo_encode_opts *o,
              holo_err *err);

/* 1 when dir holds a container manifest (manifest.json with "objects"). */
int holo_pack_probe(const char *dir);
/* Parse and validate dir/manifest.json. */
int holo_pack_read_index(const char *dir, holo_pack_index *idx, holo_err *err);
void holo_pack_index_free(holo_pack_index *idx);

/* Unpack object `index` from the chunks present (o: max_chunks; may be NULL). Images come back
 * in out->pixels, audio in out->samples; out->info describes the object and the chunk set. */
int holo_unpack(const char *dir, size_t index, const holo_decode_opts *o, holo_decoded *out,
                holo_err *err);

#endif
