/* recovery.h — HORC recovery chunks for the v1/v2 image, audio and HOBI families (our documented
 * extension of doc/formats.md §HORC, which the reference writes for v3 only). The GF(256)
 * arithmetic, the chunk format and the solver are horc.h's; this file adds what the generic encode
 * back end (chunkwrite.c), decode driver (assemble.c) and holo_info_dir (decode.c) share: naming,
 * header matching, writing a set of chunks in parallel, and solving with the surplus-equation
 * check.
 *
 * HORC fields for these families: base_kind 1 = image, 2 = audio, 3 = binary (new value),
 * base_codec_version = the chunk version (1 or 2), slice_len S = elem_size * ceil(N/B) over the
 * uncompressed slice bytes (i16le for image/audio, raw bytes for HOBI). */
#ifndef HOLO_RECOVERY_H
#define HOLO_RECOVERY_H

#include "horc.h"

/* HORC base_kind of a chunk kind: 1 image, 2 audio, 3 binary; 0 for none. */
uint8_t holo_recovery_kind(holo_kind k);

/* holo_recovery_list, holo_recovery_peek, holo_recovery_check: holo_ext.h */

/* Headers only: 1 when the first bytes hdr[0..len) of a recovery file of file_size bytes are a
 * HORC chunk of this encoding (kind, version, B, and S unless S is 0). */
int holo_recovery_hdr_match(const uint8_t *hdr, size_t len, uint64_t file_size, uint8_t kind,
                            int version, uint32_t B, uint64_t S);

/* Write recovery_0000.holo .. recovery_{R-1}.holo into dir: slices[b] (lens[b] <= S bytes) are
 * the uncompressed source slices. Coefficients are drawn from seed; threads as holo_write_chunks. */
int holo_recovery_write(const char *dir, uint8_t kind, int version, uint32_t B,
                        const uint8_t *const *slices, const size_t *lens, size_t S, uint32_t R,
                        uint64_t seed, int threads, holo_err *err);

/* Read the named recovery files of dir, keep those of this encoding (others are skipped with a
 * warning through o), and solve for every block b with known[b] == NULL (doc/formats.md §HORC,
 * solving). On success out[b] holds S malloc'd bytes for each recovered block and the count is
 * returned; 0 means nothing was recovered (too few equations, rank too low, or surplus equations
 * contradicting the solution — all or nothing, with a warning). *usable gets the number of matching
 * chunks. Negative HOLO_E* only on allocation failure. */
int holo_recovery_solve(const char *dir, char *const *names, size_t nnames, uint8_t kind,
                        int version, uint32_t B, size_t S, const uint8_t *const *known,
                        const size_t *known_len, const holo_decode_opts *o, uint8_t **out,
                        uint32_t *usable, holo_err *err);

#endif
