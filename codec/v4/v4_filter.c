/* v4_filter.c — which filter a binary v4 file takes (v4_filter.h), and the dispatch to it. */
#include "v4_filter.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zstd.h>

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static unsigned for_machine(unsigned m, unsigned x86a, unsigned x86b, unsigned arm64)
{
    return m == x86a || m == x86b ? V4F_FLAG_X86 : m == arm64 ? V4F_FLAG_ARM64 : 0;
}

unsigned v4f_sniff(const uint8_t *h, size_t n)
{
    /* ELF, little-endian: e_machine at 18 (EM_386 3, EM_X86_64 62, EM_AARCH64 183) */
    if (n >= 20 && h[0] == 0x7F && h[1] == 'E' && h[2] == 'L' && h[3] == 'F' && h[5] == 1)
        return for_machine((unsigned)h[18] | (unsigned)h[19] << 8, 3, 62, 183);
    /* PE: "MZ", the PE header's offset at 0x3C, its machine after "PE\0\0" */
    if (n >= 0x40 && h[0] == 'M' && h[1] == 'Z') {
        uint32_t pe = le32(h + 0x3C);
        if (pe <= n - 6 && h[pe] == 'P' && h[pe + 1] == 'E' && !h[pe + 2] && !h[pe + 3])
            return for_machine((unsigned)h[pe + 4] | (unsigned)h[pe + 5] << 8, 0x14C, 0x8664, 0xAA64);
    }
    return 0;
}

int v4f_encode(unsigned flags, uint8_t *buf, size_t n)
{
    if (flags & V4F_FLAG_X86) v4f_x86_encode(buf, n);
    else if (flags & V4F_FLAG_ARM64) v4f_arm64_encode(buf, n);
    else if (flags & V4F_FLAG_LINES) return v4f_lines_encode(buf, n);
    return 0;
}

void v4f_decode(unsigned flags, uint8_t *buf, size_t n)
{
    if (flags & V4F_FLAG_X86) v4f_x86_decode(buf, n);
    else if (flags & V4F_FLAG_ARM64) v4f_arm64_decode(buf, n);
    else if (flags & V4F_FLAG_LINES) v4f_lines_decode(buf, n);
}

static int pread_full(int fd, uint8_t *p, size_t n, uint64_t off)
{
    while (n) {
        ssize_t r = pread(fd, p, n, (off_t)off);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return -1;
        p += r; n -= (size_t)r; off += (uint64_t)r;
    }
    return 0;
}

unsigned v4f_choose(int fd, uint64_t L)
{
    uint8_t head[512];
    size_t hn = L < sizeof head ? (size_t)L : sizeof head;
    if (!hn || pread_full(fd, head, hn, 0)) return 0;
    unsigned fl = v4f_sniff(head, hn);
    size_t n = L < V4F_TRIAL ? (size_t)L : V4F_TRIAL, bound = ZSTD_compressBound(n);
    uint8_t *sample = malloc(n), *z = malloc(bound);
    size_t plain = 0, filtered = SIZE_MAX;
    if (sample && z && pread_full(fd, sample, n, (L - n) / 2 & ~(uint64_t)3) == 0) {
        if (!fl && !memchr(head, 0, hn)) fl = V4F_FLAG_LINES;   /* text, perhaps */
        plain = ZSTD_compress(z, bound, sample, n, 3);
        if (fl && v4f_encode(fl, sample, n) == 0) filtered = ZSTD_compress(z, bound, sample, n, 3);
    }
    free(sample);
    free(z);
    return !ZSTD_isError(plain) && !ZSTD_isError(filtered) && filtered < plain ? fl : 0;
}
