/* sniff.h — what a file is, from its first bytes (magic numbers, never the name).
 *
 * The store policy (codec/policy.c) uses this to keep already-compressed files away from the
 * media codecs: a JPEG or an MP3 decoded to pixels or samples is bigger than the file and no
 * longer the user's bytes. Names are stable: `holo info` prints them and xattrs carry them.
 */
#ifndef HOLO_SNIFF_H
#define HOLO_SNIFF_H

#include <stddef.h>
#include <stdint.h>

/* Bytes of the file start that holo_sniff looks at; fewer is fine (a short file, a truncated
 * header gives HOLO_SNIFF_OTHER or the best evidence there is). */
#define HOLO_SNIFF_PEEK 4096

typedef enum holo_sniff_type {
    HOLO_SNIFF_OTHER = 0,
    /* already compressed: stored as bytes, never decoded for storage */
    HOLO_SNIFF_JPEG, HOLO_SNIFF_MP3, HOLO_SNIFF_OGG, HOLO_SNIFF_FLAC, HOLO_SNIFF_AAC,
    HOLO_SNIFF_M4A, HOLO_SNIFF_MP4, HOLO_SNIFF_MOV, HOLO_SNIFF_MATROSKA, HOLO_SNIFF_WEBM,
    HOLO_SNIFF_WEBP, HOLO_SNIFF_AVIF, HOLO_SNIFF_HEIC, HOLO_SNIFF_GIF, HOLO_SNIFF_GZIP,
    HOLO_SNIFF_XZ, HOLO_SNIFF_ZSTD, HOLO_SNIFF_BZIP2, HOLO_SNIFF_ZIP, HOLO_SNIFF_7Z,
    HOLO_SNIFF_RAR, HOLO_SNIFF_PDF,
    /* raw or exactly re-creatable media */
    HOLO_SNIFF_PNG, HOLO_SNIFF_WAV, HOLO_SNIFF_RF64, HOLO_SNIFF_AIFF, HOLO_SNIFF_PPM,
    HOLO_SNIFF_PGM, HOLO_SNIFF_BMP, HOLO_SNIFF_TIFF,
    HOLO_SNIFF_COUNT
} holo_sniff_type;

/* The type of a file whose first len bytes are buf (pass up to HOLO_SNIFF_PEEK). */
holo_sniff_type holo_sniff(const uint8_t *buf, size_t len);

/* "jpeg", "mp3", ..., "other"; "other" for out-of-range values. */
const char *holo_sniff_name(holo_sniff_type t);
/* Inverse of holo_sniff_name (xattrs); HOLO_SNIFF_OTHER for unknown names. */
holo_sniff_type holo_sniff_from_name(const char *name);

/* 1 for formats that are compressed already (the first group above). */
int holo_sniff_is_compressed(holo_sniff_type t);

#endif
