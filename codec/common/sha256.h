/* sha256.h — SHA-256 (FIPS 180-4) and HMAC-SHA256 (RFC 2104) for the optional HNET tag.
 * Self-contained on purpose: holofs takes no crypto dependency for one MAC. */
#ifndef HOLONET_SHA256_H
#define HOLONET_SHA256_H
#include <stddef.h>
#include <stdint.h>

typedef struct sha256_ctx {
    uint32_t h[8];
    uint64_t len;          /* bytes hashed so far */
    uint8_t buf[64];
    size_t fill;
} sha256_ctx;

void sha256_init(sha256_ctx *c);
/* sha256_ni.c: the SHA-NI compression (x86-64 with the SHA extensions; the caller checks). */
int sha256_ni_available(void);
void sha256_ni_blocks(uint32_t h[8], const uint8_t *p, size_t nblocks);
void sha256_update(sha256_ctx *c, const void *data, size_t len);
void sha256_final(sha256_ctx *c, uint8_t out[32]);
void sha256(const void *data, size_t len, uint8_t out[32]);

/* HMAC with a precomputed key: init once, then mac many messages. */
typedef struct hmac_sha256_key {
    sha256_ctx inner, outer;   /* states after absorbing key^ipad / key^opad */
} hmac_sha256_key;

void hmac_sha256_init(hmac_sha256_key *k, const uint8_t *key, size_t keylen);
void hmac_sha256(const hmac_sha256_key *k, const void *msg, size_t len, uint8_t out[32]);
/* Constant-time comparison of n bytes; 1 when equal. */
int hmac_equal(const uint8_t *a, const uint8_t *b, size_t n);
#endif
