/* sha256.h — SHA-256 and HMAC-SHA256 (sha256.c) are declared in the extended public API,
 * holo_ext.h, because holonet's HNET tag uses them too; this header stays for the library's
 * own sources. */
#ifndef HOLO_SHA256_H
#define HOLO_SHA256_H
#include "holo_ext.h"
#endif
