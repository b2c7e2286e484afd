/* v4_audio_file.h — HO4A chunk directories (holo(5) "HO4A"). */
#ifndef HOLO_V4_AUDIO_FILE_H
#define HOLO_V4_AUDIO_FILE_H

#include "v4_audio.h"

/* Default chunk count: one per HO4A_BYTES_PER_CHUNK of the file, 1 to 32. Every chunk carries
 * ~230 bytes of headers and tier rows, so a short file in 32 chunks would outgrow itself. */
#define HO4A_BYTES_PER_CHUNK 4096u
#define HO4A_MAX_DEFAULT_CHUNKS 32u
unsigned v4a_chunks_for(uint64_t file_bytes);

/* Encode a WAV (8/16/24-bit PCM, 1-8 channels) into n chunks (0: v4a_chunks_for the file's
 * size) in tmpdir (empty; the caller commits it). HOLO_EUNSUPPORTED when the file is not such a WAV or would not rebuild byte
 * for byte: the caller then stores it as a binary. */
int v4a_encode_file(const char *input, const char *tmpdir, unsigned n, int compact, holo_err *err);
int v4a_encode_buffer(const uint8_t *buf, size_t len, const char *name, const char *tmpdir,
                      unsigned n, int compact, holo_err *err);
/* Decode whatever chunks dir holds into WAV bytes (malloc'd). *exact: every chunk was there
 * and the result matched the original's SHA-256. */
int v4a_decode_dir(const char *dir, const holo_decode_opts *o, uint8_t **out, size_t *out_len,
                   int *exact, holo_err *err);

/* The front door's entry points (codec/encode.c, codec/decode.c). */
int holo_v4_audio_encode(const char *input, const char *tmpdir, const holo_encode_opts *o, holo_err *err);
int holo_v4_audio_info(const char *dir, holo_info *info, holo_err *err);
int holo_v4_audio_decode(const char *dir, const holo_decode_opts *o, holo_decoded *out, holo_err *err);

#endif
