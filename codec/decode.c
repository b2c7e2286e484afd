/* decode.c — holo_decode_dir and holo_info_dir: find which family a directory holds and hand
 * it to that codec. */
#include "internal.h"
#include "hopk.h"
#include "recovery.h"
#include "v4_binary.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void holo_decode_opts_init(holo_decode_opts *o)
{
    memset(o, 0, sizeof *o);
}

void holo_decoded_free(holo_decoded *d)
{
    free(d->pixels);
    free(d->samples);
    free(d->bytes);
    memset(d, 0, sizeof *d);
}

typedef enum { FAM_NONE, FAM_IMAGE12, FAM_AUDIO12, FAM_BINARY, FAM_IMAGE3, FAM_AUDIO3, FAM_V4, FAM_BIN4 } family;

static family family_of(const uint8_t *b, ssize_t n)
{
    if (n >= 5 && !memcmp(b, "HOCH", 4) && b[4] >= 1 && b[4] <= 3) return b[4] == 3 ? FAM_IMAGE3 : FAM_IMAGE12;
    if (n >= 5 && !memcmp(b, "HOAU", 4) && b[4] >= 1 && b[4] <= 3) return b[4] == 3 ? FAM_AUDIO3 : FAM_AUDIO12;
    if (n >= 5 && !memcmp(b, "HOBI", 4) && b[4] >= 1 && b[4] <= 2) return FAM_BINARY;
    if (n >= 4 && !memcmp(b, "HO4B", 4)) return FAM_BIN4;
    if (n > 0 && holo_v4_probe(b, (size_t)n)) return FAM_V4;
    return FAM_NONE;
}

/* Dispatch (formats.md §5.4 step 0): the first file, in plain sorted order, with a known header. */
static family detect_family(const holo_chunklist *plain)
{
    for (size_t i = 0; i < plain->n; i++) {
        uint8_t b[64];
        uint64_t size;
        ssize_t n = holo_peek_file(plain->dir, plain->files[i].name, b, sizeof b, &size);
        family f = family_of(b, n);
        if (f != FAM_NONE) return f;
    }
    return FAM_NONE;
}

static int open_lists(const char *dir, const holo_decode_opts *o, holo_chunklist *l, family *fam,
                      holo_err *err)
{
    if (holo_pack_probe(dir))
        return holo_seterr(err, HOLO_EUNSUPPORTED,
                           "%s: a HOPK container of several objects: use holo unpack", dir);
    holo_chunklist plain;
    int rc = holo_chunklist_scan(dir, NULL, &plain, err);
    if (rc) return rc;
    *fam = detect_family(&plain);
    holo_chunklist_free(&plain);
    if (*fam == FAM_NONE)
        return holo_seterr(err, HOLO_ENOCHUNKS, "%s: no valid chunk (chunk_*.holo) found", dir);
    return holo_chunklist_scan(dir, o, l, err);
}

int holo_decode_dir(const char *dir, const holo_decode_opts *o, holo_decoded *out, holo_err *err)
{
    holo_decode_opts defaults;
    if (!o) { holo_decode_opts_init(&defaults); o = &defaults; }
    memset(out, 0, sizeof *out);
    holo_chunklist l;
    family fam;
    int rc = open_lists(dir, o, &l, &fam, err);
    if (rc) return rc;
    switch (fam) {
    case FAM_IMAGE12: rc = holo_image12_decode(&l, o, out, err); break;
    case FAM_AUDIO12: rc = holo_audio12_decode(&l, o, out, err); break;
    case FAM_BINARY: rc = holo_binary_decode(&l, o, out, err); break;
    case FAM_IMAGE3: rc = holo_v3_decode(&l, HOLO_KIND_IMAGE, o, out, err); break;
    case FAM_AUDIO3: rc = holo_v3_decode(&l, HOLO_KIND_AUDIO, o, out, err); break;
    case FAM_V4: rc = holo_v4_decode(&l, o, out, err); break;
    case FAM_BIN4: rc = holo_v4_binary_decode(dir, o, out, err); break;
    default: rc = holo_seterr(err, HOLO_ENOCHUNKS, "%s: no valid chunk found", dir);
    }
    holo_chunklist_free(&l);
    if (!rc && o->strict && out->info.chunks_present < out->info.block_count) {
        rc = holo_seterr(err, HOLO_EINCOMPLETE, "%s: %u of %u chunks missing (strict decode)", dir,
                         out->info.block_count - out->info.chunks_present, out->info.block_count);
        holo_decoded_free(out);
    }
    return rc;
}

/* Headers only: how many recovery_*.holo belong to this encoding, and whether they are enough
 * for the blocks no chunk carries (v3: the coefficient count is in the blob, so the slice
 * length is not checked). Solving can still fail on a singular system or a corrupt payload. */
static void count_recovery(const char *dir, const holo_chunk_hdr *ref, const uint8_t *seen,
                           holo_info *info)
{
    size_t nn = 0;
    char **names = holo_recovery_list(dir, &nn);
    if (!names) return;
    uint32_t B = ref->block_count;
    uint64_t N = holo_chunk_residual_len(ref), S = 0, missing = 0;
    if (ref->version < 3) S = holo_slice_len(N, B, 0) * (ref->kind == HOLO_KIND_BINARY ? 1 : 2);
    for (uint32_t b = 0; b < B; b++)
        missing += !seen[b] && (ref->version >= 3 || holo_slice_len(N, B, b) > 0);
    for (size_t i = 0; i < nn; i++) {
        uint8_t h[HOLO_HORC_HDR];
        uint64_t size = 0;
        ssize_t n = holo_peek_file(dir, names[i], h, sizeof h, &size);
        if (n == (ssize_t)sizeof h &&
            holo_recovery_hdr_match(h, sizeof h, size, holo_recovery_kind(ref->kind), ref->version,
                                    B, S))
            info->recovery_chunks++;
    }
    holo_recovery_list_free(names);
    info->recoverable = missing > 0 && info->recovery_chunks >= missing;
}

/* Headers only: the reference is the first parseable chunk of the family; others must agree. */
int holo_info_dir(const char *dir, holo_info *info, holo_err *err)
{
    memset(info, 0, sizeof *info);
    holo_chunklist l;
    family fam;
    int rc = open_lists(dir, NULL, &l, &fam, err);
    if (rc) return rc;
    if (fam == FAM_V4) {
        rc = holo_v4_info(&l, info, err);
        holo_chunklist_free(&l);
        return rc;
    }
    if (fam == FAM_BIN4) {
        holo_chunklist_free(&l);
        return holo_v4_binary_info(dir, info, err);
    }
    holo_chunk_hdr ref = {0}, h;
    int have_ref = 0;
    uint8_t *seen = NULL, flags = 0;
    for (size_t i = 0; i < l.n; i++) {
        uint8_t b[64];
        uint64_t size = 0;
        ssize_t n = holo_peek_file(dir, l.files[i].name, b, sizeof b, &size);
        info->chunk_files++;
        if (n < 0 || family_of(b, n) != fam ||
            holo_chunk_parse(b, (size_t)n < sizeof b ? (size_t)n : size, l.files[i].name, &h, NULL) ||
            (have_ref && !holo_chunk_same_set(&ref, &h))) {
            info->chunks_bad++;
            continue;
        }
        if (!have_ref) {
            ref = h;
            have_ref = 1;
            seen = calloc(ref.block_count, 1);
            if (!seen) { holo_chunklist_free(&l); return holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", dir); }
        }
        if (!seen[h.block_id]) { seen[h.block_id] = 1; info->chunks_present++; }
        flags |= h.flags;
        info->chunk_bytes += size;
        if (l.files[i].mtime_ns > info->newest_mtime_ns) info->newest_mtime_ns = l.files[i].mtime_ns;
    }
    holo_chunklist_free(&l);
    if (!have_ref) { free(seen); return holo_seterr(err, HOLO_ENOCHUNKS, "%s: no valid chunk found", dir); }
    count_recovery(dir, &ref, seen, info);
    free(seen);
    info->kind = ref.kind;
    info->version = ref.version;
    info->block_count = ref.block_count;
    info->width = ref.width;
    info->height = ref.height;
    info->channels = ref.kind == HOLO_KIND_IMAGE ? 3 : ref.channels;
    info->sample_rate = ref.sample_rate;
    info->frames = ref.frames;
    info->length = ref.length;
    info->exact = info->chunks_present == ref.block_count && ref.version < 3 &&
                  !(ref.kind == HOLO_KIND_AUDIO && (flags & 1));
    return 0;
}
