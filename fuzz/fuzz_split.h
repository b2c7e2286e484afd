/* fuzz_split.h — the input convention of the multi-file fuzz targets: parts separated by
 * "\n--\n", at most `max`; the last part takes the rest. Each part is a malloc'd copy (one
 * spare byte), freed by the caller. A header, not a .c: every .c in fuzz/ is a target. */
#ifndef HOLO_FUZZ_SPLIT_H
#define HOLO_FUZZ_SPLIT_H
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static size_t fuzz_split(const uint8_t *data, size_t size, uint8_t **c, size_t *l, size_t max)
{
    size_t n = 0, start = 0;
    for (size_t i = 0; i + 4 <= size && n < max - 1; i++)
        if (!memcmp(data + i, "\n--\n", 4)) {
            l[n] = i - start;
            c[n] = malloc(l[n] + 1);
            memcpy(c[n], data + start, l[n]);
            n++;
            start = i + 4;
            i += 3;
        }
    l[n] = size - start;
    c[n] = malloc(l[n] + 1);
    memcpy(c[n], data + start, l[n]);
    return n + 1;
}
#endif
