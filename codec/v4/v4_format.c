/* v4_format.c — the HOV4 chunk header (holo(5) "HOV4"): 50 bytes, big-endian.
 *
 *   0 magic "HOV4"   4 format revision (1)   5 flags (bit0 lossy, bit1 grey, bit2 graphics:
 *     T2 is a PNG file of the whole image, S1 = 0, no U; bit3 recipe: T0 starts with the
 *     original file's length, SHA-256 and recipe, v4_recipe.c; others 0)
 *   6 u16 width      8 u16 height           10 B (1..255)   11 chunk id (< B)
 *  12 levels L (= the smallest L with max(W,H) <= 16 * 2^L)   13 log2 tile side
 *  14 lattice multiplier a   15 components (1 grey, 3 YCoCg)
 *  16 u64 content id (FNV-1a 64 of geometry, B, lossy flag and every stream)
 *  24 u32 T0 length S0   28 u32 T1 length S1   32 u32 T2 length S2   36 u32 this chunk's U
 *  40 u16 PSNR of any m1 chunks   42 u16 PSNR of the worst m2 chunks (centi-dB, rounded
 *     down, measured by the encoder)   44 u16 PSNR of all chunks (0xFFFF = lossless)
 *  46 u32 CRC-32 (zlib) of the whole chunk with this field taken as zero
 * m1 = ceil(B/8), m2 = ceil(B/2) are implied by B.
 * Payload: T0 (S0 bytes, identical in every chunk) | T1 row (ceil(S1/m1) bytes) |
 *          T2 row (ceil(S2/m2)) | U. Row i < m is data row i of the zero-padded stream,
 *          row i >= m is sum_j (1 / (i XOR j)) * row_j over GF(2^8), polynomial 0x11D.
 * Tier and U stream contents: v4_tiers.c. */
#include "internal.h"
#include "v4_codec.h"
#include <string.h>
#include <zlib.h>

unsigned v4_m1_for(unsigned B) { return (B + 7) / 8; }
unsigned v4_m2_for(unsigned B) { return (B + 1) / 2; }

/* Multiplier a maximising the shortest non-zero vector of {(dx,dy): dx + a*dy = 0 mod B}:
 * tiles that share a chunk are as far apart as possible (7 for B = 32). */
unsigned v4_lattice_for(unsigned B)
{
    if (B <= 2)
        return B == 2 ? 1 : 0;
    unsigned best = 1;
    long best_d = -1;
    for (unsigned a = 1; a < B; a++) {
        long dmin = (long)B * B;
        for (unsigned dy = 1; dy < B; dy++) {
            long dx = (long)((B - (a * dy) % B) % B);
            if (dx > (long)B / 2)
                dx -= B;
            long d = dx * dx + (long)dy * dy;
            if (d < dmin)
                dmin = d;
        }
        if (dmin > best_d) {
            best_d = dmin;
            best = a;
        }
    }
    return best;
}

static void wr16(uint8_t *p, unsigned v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static unsigned rd16(const uint8_t *p) { return (unsigned)p[0] << 8 | p[1]; }

void v4_hdr_emit(const v4_hdr *h, uint8_t o[V4_HDR_LEN])
{
    memset(o, 0, V4_HDR_LEN);
    memcpy(o, V4_MAGIC, 4);
    o[4] = h->version;
    o[5] = h->flags;
    wr16(o + 6, h->width);
    wr16(o + 8, h->height);
    o[10] = (uint8_t)h->B; o[11] = (uint8_t)h->id;
    o[12] = h->levels; o[13] = h->tile_log2; o[14] = h->lattice; o[15] = h->ncomp;
    holo_wr32(o + 16, (uint32_t)(h->content_id >> 32));
    holo_wr32(o + 20, (uint32_t)h->content_id);
    holo_wr32(o + 24, h->s0_len);
    holo_wr32(o + 28, h->s1_len);
    holo_wr32(o + 32, h->s2_len);
    holo_wr32(o + 36, h->u_len);
    wr16(o + 40, h->psnr1);
    wr16(o + 42, h->psnr2);
    wr16(o + 44, h->psnr_all);
}

static uint32_t chunk_crc(const uint8_t *c, size_t len)
{
    static const uint8_t zero[4] = { 0 };
    uLong crc = crc32(0L, Z_NULL, 0);
    crc = crc32(crc, c, V4_CRC_OFF);
    crc = crc32(crc, zero, 4);
    for (size_t off = V4_HDR_LEN; off < len;) {      /* crc32 takes uInt lengths */
        size_t n = len - off > (1u << 30) ? (1u << 30) : len - off;
        crc = crc32(crc, c + off, (uInt)n);
        off += n;
    }
    return (uint32_t)crc;
}

void v4_hdr_seal(uint8_t *chunk, size_t len)
{
    holo_wr32(chunk + V4_CRC_OFF, chunk_crc(chunk, len));
}

size_t v4_chunk_payload(const v4_hdr *h)
{
    return (size_t)h->s0_len + v4_rs_rowlen(h->s1_len, h->m1) + v4_rs_rowlen(h->s2_len, h->m2) +
           h->u_len;
}

int v4_hdr_parse(const uint8_t *b, size_t len, const char *name, v4_hdr *h, holo_err *err)
{
    int rc = v4_hdr_parse_head(b, len, len, name, h, err);
    if (rc)
        return rc;
    if (chunk_crc(b, len) != h->crc)
        return holo_seterr(err, HOLO_EINVAL, "%s: v4 chunk CRC mismatch (corrupted)", name);
    return 0;
}

int v4_hdr_parse_head(const uint8_t *b, size_t len, uint64_t total, const char *name,
                      v4_hdr *h, holo_err *err)
{
    if (len < V4_HDR_LEN || memcmp(b, V4_MAGIC, 4) != 0)
        return holo_seterr(err, HOLO_EINVAL, "%s: not a v4 chunk (%s)", name,
                           len < V4_HDR_LEN ? "shorter than its header" : "bad magic");
    memset(h, 0, sizeof *h);
    h->version = b[4];
    h->flags = b[5];
    if (h->version != 1)
        return holo_seterr(err, HOLO_EUNSUPPORTED, "%s: v4 format revision %u not supported",
                           name, h->version);
    if (h->flags & ~15u)
        return holo_seterr(err, HOLO_EINVAL, "%s: v4 header has unknown flags", name);
    h->width = rd16(b + 6);
    h->height = rd16(b + 8);
    h->B = b[10];
    h->id = b[11];
    h->levels = b[12]; h->tile_log2 = b[13]; h->lattice = b[14]; h->ncomp = b[15];
    h->content_id = (uint64_t)holo_rd32(b + 16) << 32 | holo_rd32(b + 20);
    h->m1 = (uint8_t)v4_m1_for(h->B); h->m2 = (uint8_t)v4_m2_for(h->B);
    h->s0_len = holo_rd32(b + 24);
    h->s1_len = holo_rd32(b + 28);
    h->s2_len = holo_rd32(b + 32);
    h->u_len = holo_rd32(b + 36);
    h->psnr1 = (uint16_t)rd16(b + 40);
    h->psnr2 = (uint16_t)rd16(b + 42);
    h->psnr_all = (uint16_t)rd16(b + 44);
    h->crc = holo_rd32(b + V4_CRC_OFF);
    if (h->width == 0 || h->height == 0 || h->width > HOLO_MAX_DIM || h->height > HOLO_MAX_DIM ||
        (uint64_t)h->width * h->height > HOLO_MAX_PIXELS)
        return holo_seterr(err, HOLO_EINVAL, "%s: bad image size %ux%u", name, h->width,
                           h->height);
    if (h->B < 1 || h->B > 255 || h->id >= h->B)
        return holo_seterr(err, HOLO_EINVAL, "%s: bad chunk id %u of %u", name, h->id, h->B);
    if (h->levels != v4_levels(h->width, h->height) || h->tile_log2 > 15 ||
        (h->ncomp != 1 && h->ncomp != 3) || h->lattice != v4_lattice_for(h->B))
        return holo_seterr(err, HOLO_EINVAL, "%s: inconsistent v4 geometry", name);
    if ((h->flags & V4_FLAG_GRAPHICS) &&
        ((h->flags & V4_FLAG_LOSSY) || h->s1_len || h->u_len || !h->s2_len))
        return holo_seterr(err, HOLO_EINVAL, "%s: inconsistent v4 graphics chunk", name);
    /* A recipe re-creates a file from exact pixels: never with the lossy profile. */
    if ((h->flags & V4_FLAG_RECIPE) &&
        ((h->flags & V4_FLAG_LOSSY) || h->s0_len < V4_PREFIX_FIXED))
        return holo_seterr(err, HOLO_EINVAL, "%s: inconsistent v4 recipe chunk", name);
    uint64_t need = (uint64_t)V4_HDR_LEN + h->s0_len + v4_rs_rowlen(h->s1_len, h->m1) +
                    v4_rs_rowlen(h->s2_len, h->m2) + h->u_len;
    if (need != total)
        return holo_seterr(err, HOLO_EINVAL, "%s: truncated or padded v4 chunk (%llu bytes, "
                           "header says %llu)", name, (unsigned long long)total,
                           (unsigned long long)need);
    return 0;
}
