/* leb128.c — unsigned LEB128 (leb128.h). */
#include "leb128.h"

size_t holo_leb128_put(uint8_t *p, uint64_t v)
{
    size_t n = 0;
    do {
        p[n++] = (uint8_t)((v & 0x7F) | (v > 0x7F ? 0x80 : 0));
        v >>= 7;
    } while (v);
    return n;
}

size_t holo_leb128_size(uint64_t v)
{
    size_t n = 1;
    while (v > 0x7F) {
        v >>= 7;
        n++;
    }
    return n;
}

size_t holo_leb128_get(const uint8_t *p, size_t len, uint64_t max, int shortest, uint64_t *v)
{
    size_t nmax = holo_leb128_size(max);
    *v = 0;
    for (size_t n = 0; n < nmax && n < len; n++) {
        unsigned sh = 7 * (unsigned)n;
        uint64_t part = p[n] & 0x7F;
        if (part > max >> sh)   /* would pass max, or lose bits past 64: refused, not dropped */
            return 0;
        *v |= part << sh;
        if (!(p[n] & 0x80)) {
            if (*v > max || (shortest && n > 0 && part == 0))
                return 0;
            return n + 1;
        }
    }
    return 0;
}
