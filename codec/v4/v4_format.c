/* v4_format.c — the HOV4 chunk header (holo(5) "HOV4"): 50 bytes big-endian, then np - 1
 * LEB128 lengths.
 *
 *   0 magic "HOV4"   4 format revision (2)   5 flags (bit0 lossy, bit1 grey, bit2 graphics:
 *     the top level is a PNG file of the whole image, the levels between are empty, no U;
 *     bit3 recipe: T0 starts with the original file's length, SHA-256 and recipe,
 *     v4_recipe.c; bit4 doubled: every 2x2 block is one colour, the streams code the
 *     W/2 x H/2 image; others 0)
 *   6 u16 width      8 u16 height           10 B (1..255)   11 chunk id (< B)
 *  12 levels L (= the smallest L with max(W,H) <= 16 * 2^L)   13 log2 tile side
 *  14 lattice multiplier a   15 components (1 grey, 3 YCoCg)
 *  16 u64 content id (FNV-1a 64 of geometry, B, lossy flag and every stream)
 *  24 u32 T0 length S0   28 np, the protected levels (= v4_ladder(B))   29..35 zero
 *  36 u32 this chunk's U length
 *  40 u16 PSNR of any m1 chunks   42 u16 PSNR of the worst m2 chunks (centi-dB, rounded
 *     down, measured by the encoder)   44 u16 PSNR of all chunks (0xFFFF = lossless)
 *  46 u32 CRC-32 (zlib) of the whole chunk with this field taken as zero
 *  50 S_t of every level t = 1 .. np-1, LEB128 (1 to 5 bytes each, the shortest form)
 * The ladder m[0..np) (any m[t] chunks recover level t), m1 = ceil(B/8) and m2 = ceil(B/2)
 * are implied by B.
 * Payload: T0 (S0 bytes, identical in every chunk) | level 1 row (ceil(S1/m[1]) bytes) | ...
 *          | level np-1 row | U. Row i < m is data row i of the zero-padded stream,
 *          row i >= m is sum_j (1 / (i XOR j)) * row_j over GF(2^8), polynomial 0x11D.
 * Level and U stream contents: v4_tiers.c. */
#include "internal.h"
#include "leb128.h"
#include "v4_codec.h"
#include "v4_jpeg.h"
#include <math.h>
#include <string.h>
#include <zlib.h>

uint32_t v4_plane_w(const v4_hdr *h) { return h->flags & V4_FLAG_DOUBLED ? h->width / 2 : h->width; }
uint32_t v4_plane_h(const v4_hdr *h) { return h->flags & V4_FLAG_DOUBLED ? h->height / 2 : h->height; }

unsigned v4_m1_for(unsigned B) { return (B + 7) / 8; }
unsigned v4_m2_for(unsigned B) { return (B + 1) / 2; }

unsigned v4_ladder(unsigned B, uint8_t m[V4_MAX_PT])
{
    unsigned top = v4_m2_for(B), m1 = v4_m1_for(B), n = 0;
    if (top <= 1) {
        m[0] = m[1] = 1;
        return 2;
    }
    if (top <= V4_MAX_PT) {
        for (unsigned k = 1; k <= top; k++)
            m[n++] = (uint8_t)k;
        return n;
    }
    /* geometric from 1 to top in V4_MAX_PT - 1 values, then m1 merged in */
    uint8_t g[V4_MAX_PT + 1];
    unsigned ng = 0;
    for (unsigned j = 0; j < V4_MAX_PT - 1; j++) {
        unsigned v = (unsigned)floor(pow((double)top, (double)j / (V4_MAX_PT - 2)) + 0.5);
        if (j == V4_MAX_PT - 2)
            v = top;
        if (!ng || v > g[ng - 1])
            g[ng++] = (uint8_t)v;
    }
    for (unsigned j = 0; j < ng; j++) {
        if (m1 > (n ? m[n - 1] : 0) && m1 < g[j])
            m[n++] = (uint8_t)m1;
        m[n++] = g[j];
    }
    return n;
}

unsigned v4_level_of(const uint8_t *m, unsigned np, unsigned k)
{
    unsigned t = 0;
    while (t + 1 < np && m[t + 1] <= k)
        t++;
    return t;
}

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

/* The v4 varints (v4_codec.h): 32-bit values, shortest form only (leb128.h). */
size_t v4_leb_put(uint8_t *p, uint32_t v) { return holo_leb128_put(p, v); }
size_t v4_leb_get(const uint8_t *p, size_t len, uint64_t *v)
{
    return holo_leb128_get(p, len, UINT32_MAX, 1, v);
}
size_t v4_leb_size(uint64_t v) { return holo_leb128_size(v); }

size_t v4_hdr_size_of(unsigned np, const uint64_t *len)
{
    size_t n = V4_HDR_LEN;
    for (unsigned t = 1; t < np; t++)
        n += v4_leb_size(len[t]);
    return n;
}

size_t v4_hdr_size(const v4_hdr *h)
{
    uint64_t len[V4_MAX_PT] = { 0 };
    for (unsigned t = 1; t < h->np && t < V4_MAX_PT; t++)
        len[t] = h->s_len[t];
    return v4_hdr_size_of(h->np < V4_MAX_PT ? h->np : V4_MAX_PT, len);
}

void v4_hdr_emit(const v4_hdr *h, uint8_t o[V4_HDR_MAX])
{
    memset(o, 0, V4_HDR_MAX);
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
    o[28] = h->np;
    holo_wr32(o + 36, h->u_len);
    wr16(o + 40, h->psnr1);
    wr16(o + 42, h->psnr2);
    wr16(o + 44, h->psnr_all);
    uint8_t *p = o + V4_HDR_LEN;
    for (unsigned t = 1; t < h->np; t++)
        p += v4_leb_put(p, h->s_len[t]);
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

size_t v4_level_off(const v4_hdr *h, unsigned t)
{
    size_t off = v4_hdr_size(h) + h->s0_len;
    for (unsigned i = 1; i < t && i < h->np; i++)
        off += v4_rs_rowlen(h->s_len[i], h->m[i]);
    return off;
}

size_t v4_chunk_payload(const v4_hdr *h)
{
    return v4_level_off(h, h->np) - v4_hdr_size(h) + h->u_len;
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
    if (h->version != V4_REVISION)
        return holo_seterr(err, HOLO_EUNSUPPORTED, "%s: v4 format revision %u not supported%s",
                           name, h->version, h->version == 1 ? " (written before the level "
                           "ladder; encode the image again)" : "");
    if (h->flags & ~31u)
        return holo_seterr(err, HOLO_EINVAL, "%s: v4 header has unknown flags", name);
    h->width = rd16(b + 6);
    h->height = rd16(b + 8);
    h->B = b[10];
    h->id = b[11];
    h->levels = b[12]; h->tile_log2 = b[13]; h->lattice = b[14]; h->ncomp = b[15];
    h->content_id = (uint64_t)holo_rd32(b + 16) << 32 | holo_rd32(b + 20);
    h->s0_len = h->s_len[0] = holo_rd32(b + 24);
    h->np = b[28];
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
    uint8_t m[V4_MAX_PT];
    unsigned np = v4_ladder(h->B, m);
    int zero = 1;
    for (int i = 29; i < 36; i++)
        zero &= b[i] == 0;
    if (h->np != np || !zero)
        return holo_seterr(err, HOLO_EINVAL, "%s: v4 header has %u levels, B = %u needs %u",
                           name, h->np, h->B, np);
    memcpy(h->m, m, sizeof m);
    h->m1 = (uint8_t)v4_m1_for(h->B);
    h->m2 = m[np - 1];
    size_t off = V4_HDR_LEN;
    for (unsigned t = 1; t < np; t++) {
        uint64_t v;
        size_t n = v4_leb_get(b + off, len - off, &v);
        if (!n || v > UINT32_MAX)
            return holo_seterr(err, HOLO_EINVAL, "%s: v4 header's level lengths are cut "
                               "short or malformed", name);
        h->s_len[t] = (uint32_t)v;
        off += n;
    }
    if ((h->flags & V4_FLAG_DOUBLED) &&
        ((h->width | h->height) % 2 || (h->flags & V4_FLAG_GRAPHICS)))
        return holo_seterr(err, HOLO_EINVAL, "%s: inconsistent v4 doubled-pixel chunk", name);
    if (h->levels != v4_levels(v4_plane_w(h), v4_plane_h(h)) || h->tile_log2 > 15 ||
        (h->ncomp != 1 && h->ncomp != 3) || h->lattice != v4_lattice_for(h->B))
        return holo_seterr(err, HOLO_EINVAL, "%s: inconsistent v4 geometry", name);
    if (h->flags & V4_FLAG_GRAPHICS) {
        int bad = (h->flags & V4_FLAG_LOSSY) || h->u_len || !h->s_len[np - 1];
        for (unsigned t = 1; t + 1 < np; t++)
            bad |= h->s_len[t] != 0;
        if (bad)
            return holo_seterr(err, HOLO_EINVAL, "%s: inconsistent v4 graphics chunk", name);
    }
    /* A recipe re-creates a file from exact pixels: never with the lossy profile. */
    if ((h->flags & V4_FLAG_RECIPE) &&
        ((h->flags & V4_FLAG_LOSSY) || h->s0_len < V4_PREFIX_FIXED))
        return holo_seterr(err, HOLO_EINVAL, "%s: inconsistent v4 recipe chunk", name);
    uint64_t need = (uint64_t)v4_hdr_size(h) + h->s0_len + h->u_len;
    for (unsigned t = 1; t < np; t++)
        need += v4_rs_rowlen(h->s_len[t], h->m[t]);
    if (need != total)
        return holo_seterr(err, HOLO_EINVAL, "%s: truncated or padded v4 chunk (%llu bytes, "
                           "header says %llu)", name, (unsigned long long)total,
                           (unsigned long long)need);
    return 0;
}

/* ---- the tiers of a V4 CONTAINER set (holo info) ----------------------------------------- */
int holo_v4_layout_read(const char *dir, holo_v4_layout *l, holo_err *err)
{
    memset(l, 0, sizeof *l);
    v4c_reader *r;
    int rc = v4c_open(dir, NULL, V4C_VERIFY_M1, &r, err);
    if (rc)
        return rc;
    const v4c_hdr *h = v4c_header(r);
    memcpy(l->magic, h->magic, 4);
    l->n = h->n;
    l->present = v4c_present(r);
    l->content_id = h->content_id;
    l->length = h->length;
    l->ntiers = h->ntiers;
    for (unsigned t = 0; t < h->ntiers; t++) {
        l->S[t] = h->S[t];
        l->m[t] = h->m[t];
        l->readable[t] = h->m[t] == 1 ? l->present > 0 : v4c_readable(r, t, 0, h->S[t]);
    }
    const uint8_t *t0 = v4c_m1(r, 0);
    if (!memcmp(l->magic, "HO4J", 4) && t0) {
        double est[3];
        unsigned k[3];
        v4j_frame_size(t0, h->S[0], &l->width, &l->height, est, k);
    }
    v4c_close(r);
    return 0;
}

int holo_v4_layout_text(const holo_v4_layout *l, char *out, size_t outsz)
{
    size_t k = 0;
#define ADD(...) do { int w_ = snprintf(out + k, k < outsz ? outsz - k : 0, __VA_ARGS__); \
                      if (w_ > 0) k += (size_t)w_; } while (0)
    int jpeg = !memcmp(l->magic, "HO4J", 4);
    ADD("%s (%s), ", jpeg ? "JPEG v4" : !memcmp(l->magic, "HO4A", 4) ? "audio v4" : "v4",
        l->magic);
    if (jpeg)
        ADD("%ux%u, ", l->width, l->height);
    ADD("n=%u, %u/%u chunks present, content id %016llx, original %llu bytes\n", l->n,
        l->present, l->n, (unsigned long long)l->content_id, (unsigned long long)l->length);
    for (unsigned t = 0; t < l->ntiers; t++) {
        const char *state = l->readable[t] ? "recoverable" : "NOT recoverable";
        if (l->m[t] == 1)
            ADD("T%u: %llu bytes in every chunk: %s\n", t, (unsigned long long)l->S[t], state);
        else
            ADD("T%u: %llu bytes, any %u chunks: %s\n", t, (unsigned long long)l->S[t],
                l->m[t], state);
    }
    /* the last tier gates U (HO4J: U refines tier 2's coefficients; holo(5)) */
    int got = jpeg ? l->ntiers > 2 && l->readable[2] : 1;
    ADD("U: %u/%u chunk shares%s; all chunks: the original file byte for byte\n",
        got ? l->present : 0, l->n, got ? "" : " (need T2)");
#undef ADD
    return (int)k;
}
