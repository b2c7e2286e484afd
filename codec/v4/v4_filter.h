/* v4_filter.h — filters binary v4 (HO4B) applies to each frame before zstd (holo(5) "HO4B
 * FILTERS"): branch targets of executables made absolute, so that every call to one function
 * carries the same four bytes (v4_filter_x86.c); the start a text line shares with the line
 * before written as NULs (v4_filter_lines.c); text lines cut into fields laid out column by
 * column (v4_filter_columns.c). Each works on one frame and counts positions from the frame's
 * first byte: any frame un-filters alone. All but the column filter work in place and keep the
 * frame's length. */
#ifndef HOLO_V4_FILTER_H
#define HOLO_V4_FILTER_H
#include <stddef.h>
#include <stdint.h>

/* HO4B header flag bits naming the filter (at most one set; V4B_FLAG_DICT is 0x01). */
#define V4F_FLAG_X86 0x02u     /* x86 E8/E9 call and jump rel32 */
#define V4F_FLAG_ARM64 0x04u   /* ARM64 BL imm26 */
#define V4F_FLAG_LINES 0x08u   /* text: line prefixes shared with the line before as NULs */
#define V4F_FLAG_COLUMNS 0x10u /* text: the fields of the lines, column by column */
#define V4F_FLAGS (V4F_FLAG_X86 | V4F_FLAG_ARM64 | V4F_FLAG_LINES | V4F_FLAG_COLUMNS)
/* Filters that change the frame's length (the bytes zstd sees are not the frame's bytes). */
#define V4F_RESIZING V4F_FLAG_COLUMNS
/* Header flags naming one filter or none (any two together are refused). */
#define V4F_VALID(flags) (((flags) & V4F_FLAGS & (((flags) & V4F_FLAGS) - 1)) == 0)

/* x86 (32 and 64 bit): an E8 (call) or E9 (jmp) byte followed by a 32-bit displacement whose
 * top byte is 0x00 or 0xFF (|target distance| < 16 MiB) has the displacement replaced by
 * (displacement + position after it) mod 2^25, sign-extended: the set of such operands maps
 * onto itself, so decode sees exactly the operands encode wrote. */
void v4f_x86_encode(uint8_t *buf, size_t n);
void v4f_x86_decode(uint8_t *buf, size_t n);
/* ARM64: every 4-byte-aligned BL (100101 imm26) gets imm26 + position / 4, mod 2^26. */
void v4f_arm64_encode(uint8_t *buf, size_t n);
void v4f_arm64_decode(uint8_t *buf, size_t n);

/* Lines: a frame holding a NUL byte cannot take the filter: encode returns -1 (frame unchanged).
 * Decode restores the leading NULs of each line from the line before. */
int v4f_lines_encode(uint8_t *buf, size_t n);
void v4f_lines_decode(uint8_t *buf, size_t n);

/* Columns: a frame of n bytes is cut into lines at '\n' (the piece after the last '\n' is a
 * line too) and each line into at most maxf fields at sep (the last field keeps the rest of
 * the line). Written: sep, then one byte per line (its field count, 1..255), then column 0
 * (every line's first field, each followed by '\n'), column 1 (the second field of the lines
 * that have one), ...: n + lines + 2 bytes. When that would exceed V4F_COLUMNS_BOUND(n) (short
 * lines), or sep is '\n': a 0 byte and the frame as it is (n + 1 bytes). out holds
 * V4F_COLUMNS_BOUND(n) bytes; returns the length written. */
#define V4F_COLUMNS_BOUND(n) ((n) + (n) / 8 + 64)
#define V4F_COLUMNS_MAXF 12u   /* fields per line the encoder cuts (dpkg.log: 6-7 used) */
#define V4F_COLUMNS_SEP ' '
size_t v4f_columns_encode(const uint8_t *raw, size_t n, uint8_t *out, uint8_t sep, unsigned maxf);
/* Rebuild exactly n bytes into raw from the m filtered bytes in: -1 (raw undefined) unless the
 * counts, the columns and the lengths all agree. */
int v4f_columns_decode(const uint8_t *in, size_t m, uint8_t *raw, size_t n);

/* The filter flag for a file starting with these bytes: an ELF or PE image for x86, x86-64 or
 * ARM64, else 0. */
unsigned v4f_sniff(const uint8_t *head, size_t n);
/* The filter for the file open on fd (L bytes): the one its ELF/PE header names, else, when its
 * first 4 KiB hold no NUL, the smaller of the line and the column filter, else x86 (an archive
 * of executables, perhaps); kept only when it makes a sample of up to trial_max bytes (the
 * middle of an ELF's executable segment, else of the file) 1/256 smaller at zstd 3; else 0. */
#define V4F_TRIAL (1u << 20)
#define V4F_TRIAL_SMALL (256u << 10)   /* for files of one small frame: 3 trials cost ~3 ms */
unsigned v4f_choose(int fd, uint64_t L, size_t trial_max);
/* The first executable PT_LOAD segment (file offset, length) of an ELF whose program headers
 * lie in h[0..hn): the code the filter is for (the middle of a library with debug info is
 * DWARF). Returns 0 when there is none. */
int v4f_elf_code(const uint8_t *h, size_t hn, uint64_t *off, uint64_t *len);
/* Apply (encode) or invert (decode) the in-place filter named by flags (0: none; the column
 * filter is not one: nothing done). Encode returns -1 when the frame cannot take it (the line
 * filter on a frame holding a NUL), else 0. */
int v4f_encode(unsigned flags, uint8_t *buf, size_t n);
void v4f_decode(unsigned flags, uint8_t *buf, size_t n);
#endif
