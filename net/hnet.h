/* hnet.h — the HNET datagram format (doc/transport.md), one place for pack and parse.
 *
 *   0 magic "HNET" | 4 version 1 | 5 type 0 META / 1 DATA | 6 transfer_id | 10 total_chunks |
 *   14 chunk_index | 18 segment_index (u16) | 20 total_segments (u16) | 22 payload
 *
 * All integers big-endian. With a key (holofs extension, off by default) every datagram ends with
 * a 48-byte authenticated trailer; without a key the wire is the reference's:
 *
 *   payload | sent_ms (u64, sender's Unix time in ms) | seq (u64, 1, 2, ... per transfer) |
 *   HMAC-SHA256 tag (32) over everything before it
 *
 * sent_ms and seq let the receiver drop replayed and stale captures (reasm.h).
 */
#ifndef HOLONET_HNET_H
#define HOLONET_HNET_H
#include <stddef.h>
#include <stdint.h>
#include "holo_ext.h"   /* SHA-256, HMAC-SHA256 */

#define HNET_HDR        22
#define HNET_VERSION    1
#define HNET_META       0
#define HNET_DATA       1
#define HNET_TAG        32
#define HNET_FRESH      16          /* sent_ms + seq */
#define HNET_AUTH       (HNET_FRESH + HNET_TAG)
#define HNET_MAX_DGRAM  65507u      /* largest UDP/IPv4 payload */
#define HNET_NAME_MAX   255
/* Recovery chunks (HORC) travel as chunk_index HNET_REC_BASE + coded_id, a holofs extension of
 * HNET (doc/transport.md §Recovery chunks): outside [0, total_chunks), so they never collide with
 * a block id. A reference receiver would store them as chunk_1000000.holo and skip them. */
#define HNET_REC_BASE   1000000u
#define HNET_REC_MAX    65536u

typedef struct hnet_hdr {
    uint8_t version, type;
    uint32_t transfer_id, total_chunks, chunk_index;
    uint16_t seg_index, seg_total;
} hnet_hdr;

/* Why a datagram was dropped; negative so 0 can mean "accepted". */
enum {
    HNET_DROP_SHORT = -1,     /* < 22 bytes (keyed: < 22 + the 48-byte trailer) */
    HNET_DROP_MAGIC = -2,
    HNET_DROP_VERSION = -3,
    HNET_DROP_TYPE = -4,      /* pkt_type not 0/1 */
    HNET_DROP_FIELDS = -5,    /* id 0, total 0, META with non-zero fields, seg_total 0 */
    HNET_DROP_RANGE = -6,     /* chunk_index >= total or seg_index >= seg_total */
    HNET_DROP_AUTH = -7,      /* missing or wrong HMAC tag */
    HNET_DROP_TOTAL = -8,     /* total_chunks differs from the transfer's */
    HNET_DROP_SEGS = -9,      /* total_segments differs from the chunk's, or bad segment size */
    HNET_DROP_CAP = -10,      /* a memory / count cap would be exceeded */
    HNET_DROP_TRUNC = -11,    /* truncated by the socket (MSG_TRUNC) */
    HNET_DROP_NAME = -12,     /* META name rejected (transfer still known, name not used) */
    HNET_DROP_SOURCE = -13,   /* from another address than the transfer's first (--pin-source) */
    HNET_DROP_REPLAY = -14,   /* keyed: seq already seen, older than the window, or 0 */
    HNET_DROP_STALE = -15,    /* keyed: sent_ms further from the receiver's clock than the skew */
    HNET_DROP_NCODES = 16
};
const char *hnet_drop_name(int code);

/* Write the 22-byte header. */
void hnet_pack(uint8_t out[HNET_HDR], const hnet_hdr *h);
/* Parse and fully validate one datagram (no tag). On success the payload is buf+22.
 * chunk_index must be < total_chunks, or a recovery index (hnet_is_recovery). */
int hnet_parse(const uint8_t *buf, size_t len, hnet_hdr *h);

/* 1 when the META name is acceptable as a single file name
 * (doc/transport.md §Receiver rules, item 1); the caller has already stripped surrounding ASCII
 * whitespace with hnet_name_trim. */
int hnet_name_ok(const uint8_t *p, size_t len);
/* Trim ASCII whitespace at both ends (what the reference strips for honest names). */
void hnet_name_trim(const uint8_t **p, size_t *len);

/* Tag helpers: append writes 32 bytes at buf+len; check returns 1 when the last 32 bytes of
 * buf[0..len) are the tag of the rest. */
void hnet_tag_append(const hmac_sha256_key *k, uint8_t *buf, size_t len);
int hnet_tag_check(const hmac_sha256_key *k, const uint8_t *buf, size_t len);
/* The keyed trailer: append writes HNET_AUTH bytes at buf+len (sent_ms, seq, tag); check returns
 * 1 when buf[0..len) ends with a trailer whose tag is right, and gives its sent_ms and seq. */
void hnet_auth_append(const hmac_sha256_key *k, uint8_t *buf, size_t len, uint64_t sent_ms,
                      uint64_t seq);
int hnet_auth_check(const hmac_sha256_key *k, const uint8_t *buf, size_t len, uint64_t *sent_ms,
                    uint64_t *seq);

/* Read a key file (any bytes, 1..4096; a trailing newline is part of the key) and derive the
 * tag key: HMAC-SHA256(file bytes, "holonet HNET trailer 2: sent_ms seq tag"). 0 or -1 with a
 * message in msg. */
int hnet_key_load(const char *path, hmac_sha256_key *k, char *msg, size_t msgsz);

/* 1 when a DATA chunk_index of a transfer of `total` chunks is a recovery chunk. */
int hnet_is_recovery(uint32_t index, uint32_t total);

/* Chunk file name for a block id: "chunk_%04u.holo" (at least 4 digits, more above 9999). */
void hnet_chunk_name(char out[32], uint32_t id);
/* Parse "chunk_N.holo" (N decimal, 1..10 digits); 0 on success. */
int hnet_chunk_name_parse(const char *name, uint32_t *id);
#endif
