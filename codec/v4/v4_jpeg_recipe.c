/* v4_jpeg_recipe.c — the recipe as bytes (holo(5) "HO4J"):
 *   u32 nscans | u32 npad | u32 hdr_len | nscans x u32 piece end | npad x (u32 seg, u8 bits)
 *   | hdr bytes
 * (big-endian). Reading walks the header bytes like a rebuild does, so an accepted recipe has
 * a valid frame, and allocates the coefficient planes for the tiers to fill. */
#include "v4_jpeg.h"
#include "internal.h"
#include <stdlib.h>
#include <string.h>

int v4j_recipe_emit(const v4j_jpeg *j, uint8_t **out, size_t *outlen)
{
    size_t n = 12 + 4 * (size_t)j->nscans + 5 * (size_t)j->npad + j->hdr_len;
    uint8_t *b = malloc(n), *p = b;
    if (!b)
        return HOLO_ENOMEM;
    holo_wr32(p, j->nscans);
    holo_wr32(p + 4, j->npad);
    holo_wr32(p + 8, (uint32_t)j->hdr_len);
    p += 12;
    for (uint32_t i = 0; i < j->nscans; i++, p += 4)
        holo_wr32(p, j->piece_end[i]);
    for (uint32_t i = 0; i < j->npad; i++, p += 5) {
        holo_wr32(p, j->pad[i].seg);
        p[4] = j->pad[i].bits;
    }
    memcpy(p, j->hdr, j->hdr_len);
    *out = b;
    *outlen = n;
    return 0;
}

int v4j_recipe_read(const uint8_t *buf, size_t len, v4j_jpeg *j, holo_err *err)
{
    memset(j, 0, sizeof *j);
    if (len < 12)
        return holo_seterr(err, HOLO_EINVAL, "JPEG recipe: truncated");
    uint32_t ns = holo_rd32(buf), np = holo_rd32(buf + 4), hl = holo_rd32(buf + 8);
    if (ns < 1 || ns > V4J_MAX_SCANS || np > 1u << 24 ||
        len != 12 + 4 * (uint64_t)ns + 5 * (uint64_t)np + hl)
        return holo_seterr(err, HOLO_EINVAL, "JPEG recipe: bad lengths");
    j->nscans = ns;
    j->npad = np;
    j->hdr_len = hl;
    j->piece_end = malloc(((size_t)ns + 1) * sizeof *j->piece_end);
    j->pad = malloc(((size_t)np + 1) * sizeof *j->pad);
    j->hdr = malloc(hl + 1);
    v4j_tables *t = calloc(1, sizeof *t);
    int rc = 0;
    if (!j->piece_end || !j->pad || !j->hdr || !t) {
        rc = holo_seterr(err, HOLO_ENOMEM, "JPEG recipe: out of memory");
        goto out;
    }
    const uint8_t *p = buf + 12;
    for (uint32_t i = 0; i < ns; i++, p += 4) {
        j->piece_end[i] = holo_rd32(p);
        if (j->piece_end[i] > hl || (i && j->piece_end[i] < j->piece_end[i - 1]))
            rc = holo_seterr(err, HOLO_EINVAL, "JPEG recipe: bad piece table");
    }
    j->piece_end[ns] = hl;
    for (uint32_t i = 0; i < np; i++, p += 5) {
        j->pad[i] = (v4j_pad){ holo_rd32(p), p[4] };
        if (i && j->pad[i].seg <= j->pad[i - 1].seg)
            rc = holo_seterr(err, HOLO_EINVAL, "JPEG recipe: bad padding table");
    }
    memcpy(j->hdr, p, hl);
    if (rc)
        goto out;
    /* the frame: walk the pieces as a rebuild would, allocating the planes */
    t->alloc_planes = 1;
    if (hl < 2 || j->hdr[0] != 0xFF || j->hdr[1] != 0xD8) {
        rc = holo_seterr(err, HOLO_EINVAL, "JPEG recipe: no SOI marker");
        goto out;
    }
    size_t pos = 2;
    for (uint32_t i = 0; i <= ns; i++) {
        v4j_scan s;
        int r = v4j_walk_markers(j, t, j->hdr, j->piece_end[i], &pos, &s, err);
        if (r < 0) {
            rc = r;
            break;
        }
        if (r != (i < ns) || (r == 1 && pos != j->piece_end[i])) {
            rc = holo_seterr(err, HOLO_EINVAL, "JPEG recipe: pieces and scans disagree");
            break;
        }
        pos = j->piece_end[i];
    }
out:
    free(t);
    if (rc)
        v4j_free(j);
    return rc;
}
