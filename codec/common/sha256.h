/* sha256.h — SHA-256 and HMAC-SHA256 (sha256.c) are declared in the extended public API,
 * holo_ext.h, because holonet's HNET tag uses them too; this header stays for the library's
 * own sources. */
#ifndef HOLO_SHA256_H
#define HOLO_SHA256_H
#include "holo_ext.h"

/* sha256.c: the 64 round constants (FIPS 180-4 4.2.2). */
extern const uint32_t sha256_K[64];
/* sha256_ni.c: the SHA-NI compression (x86-64 with the SHA extensions; the caller checks). */
int sha256_ni_available(void);
void sha256_ni_blocks(uint32_t h[8], const uint8_t *p, size_t nblocks);
#endif
