/* horc.h — HORC recovery chunks: systematic random linear network coding over GF(256)
 * (doc/formats.md §HORC). Parse/emit one chunk, build the R recovery chunks of a slice set, and
 * solve for missing slices (all or nothing). */
#ifndef HOLO_HORC_H
#define HOLO_HORC_H

#include "internal.h"

#define HOLO_HORC_HDR 28u

typedef struct holo_horc {
    uint8_t base_kind;        /* 1 = image, 2 = audio */
    uint8_t base_version;     /* 3 */
    uint8_t flags;            /* bit0: payload was stored zlib-compressed */
    uint32_t block_count;     /* B */
    uint32_t coded_id;
    uint32_t slice_len;       /* S, uncompressed payload length */
    uint32_t coeff_len;
    uint8_t *coeffs;          /* coeff_len bytes, malloc'd */
    uint8_t *payload;         /* slice_len bytes (inflated), malloc'd */
} holo_horc;

/* Parse a recovery chunk from buf[0..len). `max_slice` caps slice_len (0 = HOLO_MAX_CHUNK_FILE)
 * before anything is inflated. `name` names the file in the error message. */
int holo_horc_parse(const uint8_t *buf, size_t len, size_t max_slice, const char *name,
                    holo_horc *r, holo_err *err);
void holo_horc_free(holo_horc *r);

/* Number of recovery chunks for B blocks and overhead x: ceil(B*x) (double product), 0 if
 * x <= 0. Capped at 65535. */
uint32_t holo_horc_count(uint32_t B, double overhead);

/* Coefficients c_0..c_{B-1} (each 1..255) for coded_id: deterministic, from a seed. */
void holo_horc_coeffs(uint64_t seed, uint32_t coded_id, uint32_t B, uint8_t *coeffs);

/* Build one recovery chunk: payload = XOR_b coeffs[b]·slices[b] (each zero-padded to S;
 * lens[b] <= S), compressed when that is shorter. *out is malloc'd. */
int holo_horc_build(uint8_t base_kind, uint32_t B, uint32_t coded_id, const uint8_t *coeffs,
                    const uint8_t *const *slices, const size_t *lens, size_t S, uint8_t **out,
                    size_t *outlen, holo_err *err);

/* Solve for the missing slices (doc/formats.md §HORC, solving). known[b] (length known_len[b], only
 * the first S bytes used, quirk Q15) or NULL when block b is missing. rec[0..nrec) must already be
 * filtered to this set (base kind, version, B, slice_len == S, coeff_len >= B). On success every
 * missing b gets out[b] = malloc'd S bytes and the number of recovered blocks is returned; when the
 * equations do not determine every missing block nothing is recovered and 0 is returned
 * (all-or-nothing). Negative HOLO_E* on allocation failure. */
int holo_rlnc_recover(uint32_t B, size_t S, const uint8_t *const *known, const size_t *known_len,
                      const holo_horc *rec, size_t nrec, uint8_t **out, holo_err *err);

/* Check every equation against a complete slice set (slices[b], lens[b] <= S used): returns the
 * number of recovery chunks whose payload disagrees (quirk Q16: a corrupted recovery chunk would
 * otherwise yield wrong slices silently), or HOLO_ENOMEM. */
int holo_rlnc_verify(uint32_t B, size_t S, const uint8_t *const *slices, const size_t *lens,
                     const holo_horc *rec, size_t nrec);

#endif
