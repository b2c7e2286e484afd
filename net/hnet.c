/* hnet.c — HNET header pack/parse, META name rules, the optional tag, chunk file names. */
#include "hnet.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static void wr32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}

const char *hnet_drop_name(int code)
{
    static const char *n[HNET_DROP_NCODES] = {
        "ok", "short", "magic", "version", "type", "fields", "range", "auth", "total",
        "segments", "cap", "truncated", "name", "source", "replay", "stale" };
    return code <= 0 && -code < HNET_DROP_NCODES ? n[-code] : "?";
}

void hnet_pack(uint8_t out[HNET_HDR], const hnet_hdr *h)
{
    memcpy(out, "HNET", 4);
    out[4] = h->version;
    out[5] = h->type;
    wr32(out + 6, h->transfer_id);
    wr32(out + 10, h->total_chunks);
    wr32(out + 14, h->chunk_index);
    out[18] = (uint8_t)(h->seg_index >> 8); out[19] = (uint8_t)h->seg_index;
    out[20] = (uint8_t)(h->seg_total >> 8); out[21] = (uint8_t)h->seg_total;
}

int hnet_parse(const uint8_t *buf, size_t len, hnet_hdr *h)
{
    if (len < HNET_HDR) return HNET_DROP_SHORT;
    if (memcmp(buf, "HNET", 4) != 0) return HNET_DROP_MAGIC;
    h->version = buf[4];
    h->type = buf[5];
    h->transfer_id = rd32(buf + 6);
    h->total_chunks = rd32(buf + 10);
    h->chunk_index = rd32(buf + 14);
    h->seg_index = (uint16_t)(buf[18] << 8 | buf[19]);
    h->seg_total = (uint16_t)(buf[20] << 8 | buf[21]);
    if (h->version != HNET_VERSION) return HNET_DROP_VERSION;
    if (h->type != HNET_META && h->type != HNET_DATA) return HNET_DROP_TYPE;
    /* transfer_id 0 is never drawn by any sender; total 0 describes nothing. */
    if (h->transfer_id == 0 || h->total_chunks == 0) return HNET_DROP_FIELDS;
    if (h->type == HNET_META) {
        if (h->chunk_index || h->seg_index || h->seg_total) return HNET_DROP_FIELDS;
        return 0;
    }
    if (h->seg_total == 0) return HNET_DROP_FIELDS;
    if ((h->chunk_index >= h->total_chunks && !hnet_is_recovery(h->chunk_index, h->total_chunks)) ||
        h->seg_index >= h->seg_total)
        return HNET_DROP_RANGE;
    return 0;
}

int hnet_is_recovery(uint32_t index, uint32_t total)
{
    return total <= HNET_REC_BASE && index >= HNET_REC_BASE && index - HNET_REC_BASE < HNET_REC_MAX;
}

void hnet_name_trim(const uint8_t **p, size_t *len)
{
    const uint8_t *s = *p;
    size_t n = *len;
    while (n && (*s == ' ' || (*s >= 9 && *s <= 13))) s++, n--;
    while (n && (s[n - 1] == ' ' || (s[n - 1] >= 9 && s[n - 1] <= 13))) n--;
    *p = s;
    *len = n;
}

/* Strict UTF-8 decoding of one code point; returns its length or 0 when invalid
 * (overlong forms, surrogates and values above U+10FFFF are invalid). */
static size_t utf8_next(const uint8_t *p, size_t n, uint32_t *cp)
{
    if (p[0] < 0x80) { *cp = p[0]; return 1; }
    size_t len;
    uint32_t c, min;
    if ((p[0] & 0xe0) == 0xc0) { len = 2; c = p[0] & 0x1f; min = 0x80; }
    else if ((p[0] & 0xf0) == 0xe0) { len = 3; c = p[0] & 0x0f; min = 0x800; }
    else if ((p[0] & 0xf8) == 0xf0) { len = 4; c = p[0] & 0x07; min = 0x10000; }
    else return 0;
    if (n < len) return 0;
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xc0) != 0x80) return 0;
        c = c << 6 | (p[i] & 0x3f);
    }
    if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff)) return 0;
    *cp = c;
    return len;
}

int hnet_name_ok(const uint8_t *p, size_t len)
{
    if (len == 0 || len > HNET_NAME_MAX || p[0] == '.') return 0;   /* also "." and ".." */
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t k = utf8_next(p + i, len - i, &cp);
        if (!k) return 0;
        /* control characters (C0, DEL, C1) and path separators */
        if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0) || cp == '/' || cp == '\\')
            return 0;
        i += k;
    }
    return 1;
}

void hnet_tag_append(const hmac_sha256_key *k, uint8_t *buf, size_t len)
{
    hmac_sha256(k, buf, len, buf + len);
}

int hnet_tag_check(const hmac_sha256_key *k, const uint8_t *buf, size_t len)
{
    uint8_t tag[32];
    if (len < HNET_TAG) return 0;
    hmac_sha256(k, buf, len - HNET_TAG, tag);
    return hmac_equal(tag, buf + len - HNET_TAG, HNET_TAG);
}

static uint64_t rd64(const uint8_t *p) { return (uint64_t)rd32(p) << 32 | rd32(p + 4); }
static void wr64(uint8_t *p, uint64_t v)
{
    wr32(p, (uint32_t)(v >> 32));
    wr32(p + 4, (uint32_t)v);
}

void hnet_auth_append(const hmac_sha256_key *k, uint8_t *buf, size_t len, uint64_t sent_ms,
                      uint64_t seq)
{
    wr64(buf + len, sent_ms);
    wr64(buf + len + 8, seq);
    hnet_tag_append(k, buf, len + HNET_FRESH);
}

int hnet_auth_check(const hmac_sha256_key *k, const uint8_t *buf, size_t len, uint64_t *sent_ms,
                    uint64_t *seq)
{
    if (len < HNET_AUTH || !hnet_tag_check(k, buf, len)) return 0;
    *sent_ms = rd64(buf + len - HNET_AUTH);
    *seq = rd64(buf + len - HNET_AUTH + 8);
    return 1;
}

int hnet_key_load(const char *path, hmac_sha256_key *k, char *msg, size_t msgsz)
{
    uint8_t key[4097];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(msg, msgsz, "%s: %s", path, strerror(errno));
        return -1;
    }
    size_t n = 0;
    for (;;) {
        ssize_t r = read(fd, key + n, sizeof key - n);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            snprintf(msg, msgsz, "%s: %s", path, strerror(errno));
            close(fd);
            return -1;
        }
        if (r == 0) break;
        n += (size_t)r;
        if (n == sizeof key) break;
    }
    close(fd);
    if (n == 0 || n > 4096) {
        snprintf(msg, msgsz, "%s: key must be 1 to 4096 bytes", path);
        return -1;
    }
    /* The tags are made with a key derived for this trailer layout, so a datagram tagged by
     * an older holonet (tag only, no sent_ms/seq) never authenticates as a new one. */
    static const char label[] = "holonet HNET trailer 2: sent_ms seq tag";
    hmac_sha256_key raw;
    uint8_t sub[32];
    hmac_sha256_init(&raw, key, n);
    hmac_sha256(&raw, label, sizeof label - 1, sub);
    hmac_sha256_init(k, sub, sizeof sub);
    memset(key, 0, sizeof key);
    memset(sub, 0, sizeof sub);
    memset(&raw, 0, sizeof raw);
    return 0;
}

void hnet_chunk_name(char out[32], uint32_t id)
{
    snprintf(out, 32, "chunk_%04u.holo", (unsigned)id);
}

int hnet_chunk_name_parse(const char *name, uint32_t *id)
{
    if (strncmp(name, "chunk_", 6) != 0) return -1;
    const char *p = name + 6;
    uint64_t v = 0;
    int digits = 0;
    while (*p >= '0' && *p <= '9' && digits < 11) v = v * 10 + (uint64_t)(*p++ - '0'), digits++;
    if (digits == 0 || digits > 10 || v > UINT32_MAX || strcmp(p, ".holo") != 0) return -1;
    *id = (uint32_t)v;
    return 0;
}
