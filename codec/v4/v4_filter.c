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
{   /* the column filter is not in place: v4f_columns_encode */
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

static uint64_t le64(const uint8_t *p) { return le32(p) | (uint64_t)le32(p + 4) << 32; }

int v4f_elf_code(const uint8_t *h, size_t hn, uint64_t *off, uint64_t *len)
{
    int is64 = h[4] == 2;
    uint64_t ph = is64 ? le64(h + 32) : le32(h + 28);
    unsigned esz = (unsigned)h[is64 ? 54 : 42] | (unsigned)h[is64 ? 55 : 43] << 8;
    unsigned num = (unsigned)h[is64 ? 56 : 44] | (unsigned)h[is64 ? 57 : 45] << 8;
    if (esz < (is64 ? 56u : 32u)) return 0;
    for (unsigned i = 0; i < num && ph <= hn && (uint64_t)(i + 1) * esz <= hn - ph; i++) {
        const uint8_t *e = h + ph + (uint64_t)i * esz;
        uint32_t flags = le32(e + (is64 ? 4 : 24));
        if (le32(e) != 1 || !(flags & 1)) continue;   /* PT_LOAD, PF_X */
        *off = is64 ? le64(e + 8) : le32(e + 4);
        *len = is64 ? le64(e + 32) : le32(e + 16);
        return *len > 0;
    }
    return 0;
}

/* zstd 3 of n bytes in src: the size, or SIZE_MAX. One context for all trials: its tables are
 * faulted in once. */
static size_t trial(ZSTD_CCtx *c, uint8_t *z, size_t bound, const uint8_t *src, size_t n)
{
    size_t r = c ? ZSTD_compressCCtx(c, z, bound, src, n, 3) : SIZE_MAX;
    return ZSTD_isError(r) ? SIZE_MAX : r;
}

unsigned v4f_choose(int fd, uint64_t L, size_t trial_max)
{
    uint8_t head[4096];
    size_t hn = L < sizeof head ? (size_t)L : sizeof head;
    if (!hn || pread_full(fd, head, hn, 0)) return 0;
    unsigned fl = v4f_sniff(head, hn);
    /* the sample: the middle of an ELF's code, else of the file */
    uint64_t from = 0, span = L, coff, clen;
    if (fl && head[0] == 0x7F && v4f_elf_code(head, hn, &coff, &clen) && coff < L) {
        from = coff;
        span = clen < L - coff ? clen : L - coff;
    }
    size_t n = span < trial_max ? (size_t)span : trial_max, bound = ZSTD_compressBound(V4F_COLUMNS_BOUND(n));
    uint8_t *sample = malloc(n ? n : 1), *z = malloc(bound), *cols = NULL;
    size_t plain = SIZE_MAX, best = SIZE_MAX;
    unsigned chosen = 0;
    ZSTD_CCtx *cc = ZSTD_createCCtx();
    if (sample && z && pread_full(fd, sample, n, from + ((span - n) / 2 & ~(uint64_t)3)) == 0) {
        plain = trial(cc, z, bound, sample, n);
        /* no ELF/PE header: text (no NUL in its first 4 KiB), perhaps, else perhaps an
         * archive of executables */
        int text = !fl && !memchr(head, 0, hn);
        if (text && (cols = malloc(V4F_COLUMNS_BOUND(n)))) {
            size_t m = v4f_columns_encode(sample, n, cols, V4F_COLUMNS_SEP, V4F_COLUMNS_MAXF);
            if (cols[0] && (best = trial(cc, z, bound, cols, m)) != SIZE_MAX) chosen = V4F_FLAG_COLUMNS;
        }
        if (!fl) fl = text ? V4F_FLAG_LINES : V4F_FLAG_X86;
        size_t r;
        if (v4f_encode(fl, sample, n) == 0 && (r = trial(cc, z, bound, sample, n)) < best) {
            best = r;
            chosen = fl;
        }
    }
    ZSTD_freeCCtx(cc);
    free(sample);
    free(z);
    free(cols);
    /* a gain of 1/256 at least: noise on data the filter is not for stays out */
    return plain != SIZE_MAX && best < plain - plain / 256 ? chosen : 0;
}
