/* gf256.h — arithmetic in GF(2^8) with polynomial 0x11D, generator 2
 * (doc/formats.md §HORC (GF(256))).
 *
 * Used by the HORC recovery chunks: region operations dst ^= c·src are the hot loop of both
 * encoding and decoding, so they go through a per-coefficient 256-byte product row. */
#ifndef HOLO_GF256_H
#define HOLO_GF256_H

#include <stddef.h>
#include <stdint.h>

/* exp[i] for i < 510 (doubled so exp[log a + log b] needs no modulo), log[a] for a >= 1. */
extern const uint8_t *const holo_gf_exp;
extern const uint8_t *const holo_gf_log;

/* Build the tables (idempotent, thread-safe). Every other function calls it as needed. */
void holo_gf_init(void);

uint8_t holo_gf_mul(uint8_t a, uint8_t b);
uint8_t holo_gf_inv(uint8_t a);          /* inv(0) = 0 by convention */

/* dst[i] ^= c·src[i] for i < n. */
void holo_gf_muladd(uint8_t *dst, const uint8_t *src, uint8_t c, size_t n);
/* dst[i] = c·dst[i] for i < n. */
void holo_gf_scale(uint8_t *dst, uint8_t c, size_t n);

/* 0 forces the portable table loop (tests and bench compare both paths); 1 = SIMD if the CPU
 * has it (the default). Not thread-safe against concurrent region operations. */
void holo_gf_set_simd(int enable);

#endif
