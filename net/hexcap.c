/* hexcap.c — see hexcap.h. */
#include "hexcap.h"
#include <stdlib.h>
#include <sys/types.h>

static int hexval(int ch)
{
    if (ch >= '0' && ch <= '9') return ch - '0';
    if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
    return -1;
}

int hex_decode(const char *s, size_t n, uint8_t *out)
{
    if (n % 2) return -1;
    for (size_t i = 0; i < n / 2; i++) {
        int hi = hexval((unsigned char)s[2 * i]), lo = hexval((unsigned char)s[2 * i + 1]);
        if (hi < 0 || lo < 0) return -1;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return 0;
}

long hexcap_next(hexcap *h, uint8_t *buf, size_t cap)
{
    ssize_t n;
    while ((n = getline(&h->line, &h->cap, h->f)) >= 0) {
        h->lineno++;
        while (n && (h->line[n - 1] == '\n' || h->line[n - 1] == '\r' || h->line[n - 1] == ' '))
            n--;
        if (n == 0 || h->line[0] == '#') continue;
        if ((size_t)n / 2 > cap || hex_decode(h->line, (size_t)n, buf)) {
            h->bad++;
            continue;
        }
        return (long)(n / 2);
    }
    return -1;
}

void hexcap_free(hexcap *h)
{
    free(h->line);
    h->line = NULL;
    h->cap = 0;
}
