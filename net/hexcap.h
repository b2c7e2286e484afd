/* hexcap.h — captures as text: one datagram per line in lowercase or uppercase hex (the format
 * of the test vectors). Blank lines and lines starting with '#' are skipped. */
#ifndef HOLONET_HEXCAP_H
#define HOLONET_HEXCAP_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Decode n hex digits from s into out (n/2 bytes); -1 when n is odd or a digit is invalid. */
int hex_decode(const char *s, size_t n, uint8_t *out);

typedef struct hexcap {
    FILE *f;
    char *line;
    size_t cap;
    long lineno, bad;         /* lines read, lines that were not hex */
} hexcap;

/* Next datagram into buf (cap bytes): its length, or -1 at end of file. Lines that are not
 * valid hex or longer than cap are counted in bad and skipped. */
long hexcap_next(hexcap *h, uint8_t *buf, size_t cap);
void hexcap_free(hexcap *h);
#endif
