/* v4_filter_x86.c — branch-target filters for executables in binary v4 (see the header). A
 * call's displacement differs at every call site; the absolute target it names repeats, which
 * zstd then finds as a match. */
#include "v4_filter_x86.h"
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>
#include <zstd.h>

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void wr_le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24);
}

/* One pass for both directions (sign +1 encode, -1 decode). The four bytes after every E8/E9
 * are skipped whether converted or not, so the bytes visited are never ones a conversion
 * changes: both directions visit the same opcodes, and the top byte's being 0x00 or 0xFF, the
 * test for converting, is kept by the conversion. */
static void x86_pass(uint8_t *buf, size_t n, int sign)
{
    if (n < 5) return;
    const size_t last = n - 5;
    size_t i = 0;
    while (i <= last) {
        if ((buf[i] & 0xFE) != 0xE8) { i++; continue; }
        if ((uint8_t)(buf[i + 4] + 1) <= 1) {
            uint32_t pos = (uint32_t)(i + 5), v = le32(buf + i + 1);
            v = sign > 0 ? v + pos : v - pos;
            v &= 0x01FFFFFFu;
            if (v & 0x01000000u) v |= 0xFE000000u;   /* back to 0x00 or 0xFF on top */
            wr_le32(buf + i + 1, v);
        }
        i += 5;
    }
}

void v4f_x86_encode(uint8_t *buf, size_t n) { x86_pass(buf, n, 1); }
void v4f_x86_decode(uint8_t *buf, size_t n) { x86_pass(buf, n, -1); }

static void arm64_pass(uint8_t *buf, size_t n, int sign)
{
    for (size_t i = 0; i + 4 <= n; i += 4) {
        uint32_t w = le32(buf + i);
        if ((w >> 26) != 0x25u) continue;   /* BL */
        uint32_t pc = (uint32_t)(i >> 2);
        uint32_t imm = sign > 0 ? w + pc : w - pc;
        wr_le32(buf + i, 0x94000000u | (imm & 0x03FFFFFFu));
    }
}

void v4f_arm64_encode(uint8_t *buf, size_t n) { arm64_pass(buf, n, 1); }
void v4f_arm64_decode(uint8_t *buf, size_t n) { arm64_pass(buf, n, -1); }

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

void v4f_encode(unsigned flags, uint8_t *buf, size_t n)
{
    if (flags & V4F_FLAG_X86) v4f_x86_encode(buf, n);
    else if (flags & V4F_FLAG_ARM64) v4f_arm64_encode(buf, n);
}

void v4f_decode(unsigned flags, uint8_t *buf, size_t n)
{
    if (flags & V4F_FLAG_X86) v4f_x86_decode(buf, n);
    else if (flags & V4F_FLAG_ARM64) v4f_arm64_decode(buf, n);
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
    unsigned fl = hn && pread_full(fd, head, hn, 0) == 0 ? v4f_sniff(head, hn) : 0;
    if (!fl) return 0;
    size_t n = L < V4F_TRIAL ? (size_t)L : V4F_TRIAL, bound = ZSTD_compressBound(n);
    uint8_t *sample = malloc(n), *z = malloc(bound);
    size_t plain = 0, filtered = SIZE_MAX;
    if (sample && z && pread_full(fd, sample, n, (L - n) / 2 & ~(uint64_t)3) == 0) {
        plain = ZSTD_compress(z, bound, sample, n, 3);
        v4f_encode(fl, sample, n);
        filtered = ZSTD_compress(z, bound, sample, n, 3);
    }
    free(sample);
    free(z);
    return !ZSTD_isError(plain) && !ZSTD_isError(filtered) && filtered < plain ? fl : 0;
}
