/* hopk.h — HOPK packed multi-object containers (doc/formats.md §HOPK).
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

#include "holo_ext.h"

#define HOLO_HOPK_HDR 25u

/* holo_pack, holo_unpack and the manifest index are declared in holo_ext.h. */

#endif
