/* v4_filter_x86.c — branch-target filters for executables in binary v4 (v4_filter.h). A
 * call's displacement differs at every call site; the absolute target it names repeats, which
 * zstd then finds as a match. */
#include "v4_filter.h"
#include <string.h>

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
 * changes: both directions visit the same opcodes, and the test for converting (the operand's
 * bits k-1..31 all equal) holds after the conversion too. */
static void x86_pass(uint8_t *buf, size_t n, int sign)
{
    if (n < 5) return;
    /* Displacements of k bits, sign-extended, are converted mod 2^k: k = 25 (|d| < 16 MiB, xz's
     * choice) up to 16 MiB frames, else the frame's span (libLLVM in 64 MiB frames: k = 27
     * gives 3.9% fewer bytes than 25, calls across a large library reach further). */
    unsigned k = 25;
    while (k < 32 && ((size_t)1 << (k - 1)) < n) k++;
    const uint32_t low = (1u << (k - 1)) - 1, high = ~low, mask = k == 32 ? UINT32_MAX : (1u << k) - 1;
    const size_t last = n - 5;
    size_t i = 0;
    while (i <= last) {
        if (i + 8 <= n) {   /* 8 bytes at a time to the next E8/E9: x86 code has one per ~30 */
            uint64_t w;
            memcpy(&w, buf + i, 8);
            w = (w ^ 0xE8E8E8E8E8E8E8E8ull) & 0xFEFEFEFEFEFEFEFEull;   /* 0 where E8/E9 */
            uint64_t z = (w - 0x0101010101010101ull) & ~w & 0x8080808080808080ull;
            if (!z) { i += 8; continue; }
            i += (size_t)__builtin_ctzll(z) / 8;   /* the lowest flagged byte is exact */
            if (i > last) break;
        }
        if ((buf[i] & 0xFE) != 0xE8) { i++; continue; }
        uint32_t v = le32(buf + i + 1);
        if ((v & high) == 0 || (v & high) == high) {   /* bits k-1..31 all equal */
            uint32_t pos = (uint32_t)(i + 5);
            v = (sign > 0 ? v + pos : v - pos) & mask;
            if (v & ~(mask >> 1)) v |= ~mask;   /* sign-extended: bits k-1..31 equal again */
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
