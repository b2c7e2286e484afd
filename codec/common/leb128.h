/* leb128.h — unsigned LEB128: 7 bits a byte, low group first, high bit set = more follow.
 *
 * One codec for every format that stores varints (the HOV4 level lengths, holo(5) "HOV4";
 * the small-file pack fields, holo(5) "SMALL-FILE PACKS"). What differs between formats is
 * passed in: the largest value a field may hold (which also bounds its length in bytes) and
 * whether only the shortest form is valid. */
#ifndef HOLO_LEB128_H
#define HOLO_LEB128_H

#include <stddef.h>
#include <stdint.h>

#define HOLO_LEB128_MAX_BYTES 10   /* a 64-bit value */

/* Writes v in its shortest form (1 to HOLO_LEB128_MAX_BYTES bytes); returns the bytes written. */
size_t holo_leb128_put(uint8_t *p, uint64_t v);

/* The length of v's shortest form. */
size_t holo_leb128_size(uint64_t v);

/* Reads one value from p[0..len) into *v. Returns the bytes read (>= 1), or 0 (*v then
 * unspecified) when the input is cut short, longer than holo_leb128_size(max), the value is
 * over max (bits past 64 in a 10th byte included), or, with shortest set, the form is not the
 * shortest one (a final zero byte after the first). */
size_t holo_leb128_get(const uint8_t *p, size_t len, uint64_t max, int shortest, uint64_t *v);

#endif
