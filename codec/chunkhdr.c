/* chunkhdr.c — parse and emit the fixed chunk headers: HOCH (30), HOAU (36), HOBI (33). */
#include "internal.h"
#include "v4_codec.h"
#include "v4_container.h"
#include <string.h>

static uint64_t rd64(const uint8_t *p)
{
    return (uint64_t)holo_rd32(p) << 32 | holo_rd32(p + 4);
}

static void wr64(uint8_t *p, uint64_t v)
{
    holo_wr32(p, (uint32_t)(v >> 32));
    holo_wr32(p + 4, (uint32_t)v);
}

/* Payload lengths must fit in the buffer: checked in 64 bits so a hostile length cannot wrap. */
static int place_payloads(holo_chunk_hdr *h, size_t len, const char *name, holo_err *err)
{
    uint64_t end = (uint64_t)h->header_len + h->coarse_len + h->resid_len;
    if (end > len)
        return holo_seterr(err, HOLO_EINVAL, "%s: truncated chunk (%llu bytes declared, %zu present)",
                           name, (unsigned long long)end, len);
    h->coarse_off = h->header_len;
    h->resid_off = h->header_len + h->coarse_len;
    return 0;
}

int holo_chunk_parse(const uint8_t *buf, size_t len, const char *name, holo_chunk_hdr *h,
                     holo_err *err)
{
    memset(h, 0, sizeof *h);
    if (!name) name = "chunk";
    if (len < 4) return holo_seterr(err, HOLO_EINVAL, "%s: too short for a chunk (%zu bytes)", name, len);
    if (!memcmp(buf, "HOCH", 4)) {
        if (len < 30) return holo_seterr(err, HOLO_EINVAL, "%s: truncated HOCH header", name);
        h->kind = HOLO_KIND_IMAGE;
        h->header_len = 30;
        h->version = buf[4];
        h->height = holo_rd32(buf + 5);
        h->width = holo_rd32(buf + 9);
        h->channels = buf[13];
        h->block_count = holo_rd32(buf + 14);
        h->block_id = holo_rd32(buf + 18);
        h->coarse_len = holo_rd32(buf + 22);
        h->resid_len = holo_rd32(buf + 26);
        if (h->version < 1 || h->version > 3)
            return holo_seterr(err, HOLO_EUNSUPPORTED, "%s: unsupported HOCH version %d", name, h->version);
        if (h->channels != 3)
            return holo_seterr(err, HOLO_EINVAL, "%s: %u channels (only 3 is valid)", name, h->channels);
        if (!h->width || !h->height || h->width > HOLO_MAX_DIM || h->height > HOLO_MAX_DIM ||
            (uint64_t)h->width * h->height > HOLO_MAX_PIXELS)
            return holo_seterr(err, HOLO_EINVAL, "%s: bad image size %ux%u", name, h->width, h->height);
    } else if (!memcmp(buf, "HOAU", 4)) {
        if (len < 36) return holo_seterr(err, HOLO_EINVAL, "%s: truncated HOAU header", name);
        h->kind = HOLO_KIND_AUDIO;
        h->header_len = 36;
        h->version = buf[4];
        h->channels = buf[5];
        h->sample_width = buf[6];
        h->flags = buf[7];
        h->sample_rate = holo_rd32(buf + 8);
        h->frames = holo_rd32(buf + 12);
        h->block_count = holo_rd32(buf + 16);
        h->block_id = holo_rd32(buf + 20);
        h->coarse_frames = holo_rd32(buf + 24);
        h->coarse_len = holo_rd32(buf + 28);
        h->resid_len = holo_rd32(buf + 32);
        if (h->version < 1 || h->version > 3)
            return holo_seterr(err, HOLO_EUNSUPPORTED, "%s: unsupported HOAU version %d", name, h->version);
        if (h->sample_width != 2)
            return holo_seterr(err, HOLO_EUNSUPPORTED, "%s: sample width %u (only 2 is valid)", name, h->sample_width);
        if (!h->channels || h->channels > HOLO_MAX_CHANNELS)
            return holo_seterr(err, HOLO_EINVAL, "%s: bad channel count %u", name, h->channels);
        if (h->frames < 1 || (uint64_t)h->frames * h->channels > HOLO_MAX_FRAMES)
            return holo_seterr(err, HOLO_EINVAL, "%s: bad frame count %u", name, h->frames);
        if (h->version < 3 && (h->coarse_frames < 2 || h->coarse_frames > h->frames))
            return holo_seterr(err, HOLO_EINVAL, "%s: bad coarse frame count %u", name, h->coarse_frames);
    } else if (!memcmp(buf, "HOBI", 4)) {
        if (len < 33) return holo_seterr(err, HOLO_EINVAL, "%s: truncated HOBI header", name);
        h->kind = HOLO_KIND_BINARY;
        h->header_len = 33;
        h->version = buf[4];
        h->length = rd64(buf + 5);
        h->block_count = holo_rd32(buf + 13);
        h->block_id = holo_rd32(buf + 17);
        h->prefix_len = holo_rd32(buf + 21);
        h->coarse_len = holo_rd32(buf + 25);
        h->resid_len = holo_rd32(buf + 29);
        if (h->version < 1 || h->version > 2)
            return holo_seterr(err, HOLO_EUNSUPPORTED, "%s: unsupported HOBI version %d", name, h->version);
        if (h->length == 0 || h->length > HOLO_MAX_BINARY || h->prefix_len > h->length)
            return holo_seterr(err, HOLO_EINVAL, "%s: bad binary length %llu (prefix %u)", name,
                               (unsigned long long)h->length, h->prefix_len);
    } else if (!memcmp(buf, "HO4B", 4)) {   /* binary v4: the shared v4 container */
        v4c_hdr v;
        int rc = v4c_hdr_parse(buf, len, 0, name, &v, err);
        if (rc) return rc;
        h->kind = HOLO_KIND_BINARY;
        h->version = 4;
        h->block_count = v.n;
        h->block_id = v.id;
        h->length = v.length;
        h->header_len = V4C_HDR_LEN;
        h->coarse_off = h->resid_off = V4C_HDR_LEN;
        h->resid_len = (uint32_t)(len - V4C_HDR_LEN);   /* tiers and U: opaque here */
        h->content_id = v.content_id;
        return 0;
    } else if (!memcmp(buf, V4_MAGIC, 4)) {
        v4_hdr v;
        int rc = v4_hdr_parse(buf, len, name, &v, err);
        if (rc) return rc;
        h->kind = HOLO_KIND_IMAGE;
        h->version = 4;
        h->width = v.width;
        h->height = v.height;
        h->channels = 3;
        h->block_count = v.B;
        h->block_id = v.id;
        h->header_len = V4_HDR_LEN;
        h->coarse_off = h->resid_off = V4_HDR_LEN;
        h->resid_len = (uint32_t)(len - V4_HDR_LEN);   /* tiers and U share: opaque here */
        h->content_id = v.content_id;
        return 0;
    } else {
        return holo_seterr(err, HOLO_EINVAL, "%s: not a holo chunk (bad magic)", name);
    }
    if (h->block_count == 0)
        return holo_seterr(err, HOLO_EINVAL, "%s: block count is zero", name);
    if (h->block_count > HOLO_MAX_BLOCKS)
        return holo_seterr(err, HOLO_EINVAL, "%s: block count %u too large", name, h->block_count);
    if (h->block_id >= h->block_count)
        return holo_seterr(err, HOLO_EINVAL, "%s: block id %u not below block count %u", name,
                           h->block_id, h->block_count);
    return place_payloads(h, len, name, err);
}

int holo_chunk_same_set(const holo_chunk_hdr *a, const holo_chunk_hdr *b)
{
    if (a->kind != b->kind || a->block_count != b->block_count) return 0;
    switch (a->kind) {
    case HOLO_KIND_IMAGE:
        return a->version == b->version && a->width == b->width && a->height == b->height &&
               a->channels == b->channels && a->content_id == b->content_id;
    case HOLO_KIND_AUDIO:
        return a->version == b->version && a->sample_rate == b->sample_rate &&
               a->channels == b->channels && a->frames == b->frames &&
               a->coarse_frames == b->coarse_frames;
    case HOLO_KIND_BINARY:
        /* formats.md §7.3: (L, B, Cp, version) */
        return a->version == b->version && a->length == b->length && a->prefix_len == b->prefix_len &&
               a->content_id == b->content_id;
    default:
        return 0;
    }
}

uint64_t holo_chunk_residual_len(const holo_chunk_hdr *h)
{
    switch (h->kind) {
    case HOLO_KIND_IMAGE: return h->version >= 3 ? 0 : 3ull * h->width * h->height;
    case HOLO_KIND_AUDIO: return h->version == 3 ? 0 : (uint64_t)h->frames * h->channels;
    case HOLO_KIND_BINARY: return h->length - h->prefix_len;
    default: return 0;
    }
}

size_t holo_chunk_emit(const holo_chunk_hdr *h, uint8_t out[64])
{
    memset(out, 0, 64);
    switch (h->kind) {
    case HOLO_KIND_IMAGE:
        memcpy(out, "HOCH", 4);
        out[4] = (uint8_t)h->version;
        holo_wr32(out + 5, h->height);
        holo_wr32(out + 9, h->width);
        out[13] = (uint8_t)h->channels;
        holo_wr32(out + 14, h->block_count);
        holo_wr32(out + 18, h->block_id);
        holo_wr32(out + 22, h->coarse_len);
        holo_wr32(out + 26, h->resid_len);
        return 30;
    case HOLO_KIND_AUDIO:
        memcpy(out, "HOAU", 4);
        out[4] = (uint8_t)h->version;
        out[5] = (uint8_t)h->channels;
        out[6] = h->sample_width ? h->sample_width : 2;
        out[7] = h->flags;
        holo_wr32(out + 8, h->sample_rate);
        holo_wr32(out + 12, h->frames);
        holo_wr32(out + 16, h->block_count);
        holo_wr32(out + 20, h->block_id);
        holo_wr32(out + 24, h->coarse_frames);
        holo_wr32(out + 28, h->coarse_len);
        holo_wr32(out + 32, h->resid_len);
        return 36;
    case HOLO_KIND_BINARY:
        memcpy(out, "HOBI", 4);
        out[4] = (uint8_t)h->version;
        wr64(out + 5, h->length);
        holo_wr32(out + 13, h->block_count);
        holo_wr32(out + 17, h->block_id);
        holo_wr32(out + 21, h->prefix_len);
        holo_wr32(out + 25, h->coarse_len);
        holo_wr32(out + 29, h->resid_len);
        return 33;
    default:
        return 0;
    }
}
