/* decode.c — holo_decode_dir and holo_info_dir: find which family a directory holds and hand
 * it to that codec. */
#include "internal.h"
#include "hopk.h"
#include "v4_audio_file.h"
#include "recovery.h"
#include "v4_binary.h"
#include "v4_jpeg.h"
#include "v3.h"
#include "wav.h"
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

typedef enum { FAM_NONE, FAM_IMAGE12, FAM_AUDIO12, FAM_BINARY, FAM_IMAGE3, FAM_AUDIO3, FAM_V4, FAM_BIN4, FAM_JPEG4, FAM_AUD4 } family;

static family family_of(const uint8_t *b, ssize_t n)
{
    if (n >= 5 && !memcmp(b, "HOCH", 4) && b[4] >= 1 && b[4] <= 3) return b[4] == 3 ? FAM_IMAGE3 : FAM_IMAGE12;
    if (n >= 5 && !memcmp(b, "HOAU", 4) && b[4] >= 1 && b[4] <= 3) return b[4] == 3 ? FAM_AUDIO3 : FAM_AUDIO12;
    if (n >= 5 && !memcmp(b, "HOBI", 4) && b[4] >= 1 && b[4] <= 2) return FAM_BINARY;
    if (n >= 4 && !memcmp(b, "HO4B", 4)) return FAM_BIN4;
    if (n >= 4 && !memcmp(b, "HO4J", 4)) return FAM_JPEG4;
    if (n >= 4 && !memcmp(b, "HO4A", 4)) return FAM_AUD4;
    if (n > 0 && holo_v4_probe(b, (size_t)n)) return FAM_V4;
    return FAM_NONE;
}

/* Dispatch (doc/formats.md §HOCH v1/v2, decoding step 1): the first file, in plain sorted order,
 * with a known header. */
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

/* The store contract of a set (holo_info.codec, exact_bytes, file_size) where its family did
 * not fill it: binaries hold the file's bytes, pixel and sample sets a view. A decoded binary
 * is the file only when it is exact (a partial HOBI decode fills the gaps). */
static void fill_contract(holo_info *in, int decoded)
{
    if (!in->codec[0]) {
        const char *k = holo_kind_name(in->kind);
        if (in->kind == HOLO_KIND_BINARY && in->version == 4)
            snprintf(in->codec, sizeof in->codec, "binary v4");
        else
            snprintf(in->codec, sizeof in->codec, "v%d %s", in->version, k);
    }
    if (in->kind == HOLO_KIND_BINARY) {
        in->exact_bytes = decoded ? in->exact : 1;
        in->file_size = in->length;
    }
}

static int strict_check(const char *dir, const holo_decode_opts *o, const holo_info *in,
                        holo_err *err)
{
    if (!o->strict || in->chunks_present >= in->block_count) return 0;
    return holo_seterr(err, HOLO_EINCOMPLETE, "%s: %u of %u chunks missing (strict decode)", dir,
                       in->block_count - in->chunks_present, in->block_count);
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
    case FAM_JPEG4: rc = holo_v4_jpeg_decode(dir, o, out, err); break;
    case FAM_AUD4: rc = holo_v4_audio_decode(dir, o, out, err); break;
    default: rc = holo_seterr(err, HOLO_ENOCHUNKS, "%s: no valid chunk found", dir);
    }
    holo_chunklist_free(&l);
    if (!rc) fill_contract(&out->info, 1);
    if (!rc && (rc = strict_check(dir, o, &out->info, err))) holo_decoded_free(out);
    return rc;
}

/* holo_decode_wav_fd's sink: the canonical header once the geometry is known, then i16le. */
typedef struct wav_out {
    int fd;
    const char *dir;
    const holo_decode_opts *o;
    holo_info info;
    holo_err *err;
} wav_out;

static int wav_write(wav_out *w, const void *p, size_t len)
{
    if (holo_write_all(w->fd, p, len) == 0) return 0;
    return holo_seterr_sys(w->err, errno, "%s: writing the WAV", w->dir);
}

static int wav_sink(void *ctx, const holo_info *info, const int16_t *pcm, uint64_t frames)
{
    wav_out *w = ctx;
    if (!pcm) {
        w->info = *info;
        fill_contract(&w->info, 1);
        int rc = strict_check(w->dir, w->o, &w->info, w->err);
        if (rc) return rc;
        if (!holo_wav_size(info->channels, info->frames))
            return holo_seterr(w->err, HOLO_EINVAL, "%s: %u frames x %u channels do not fit a WAV "
                               "file", w->dir, info->frames, info->channels);
        uint8_t h[HOLO_WAV_HEADER];
        holo_wav_header(h, info->channels, info->sample_rate, info->frames);
        return wav_write(w, h, sizeof h);
    }
    uint8_t b[8192];
    uint64_t count = frames * info->channels;
    for (uint64_t i = 0; i < count;) {
        size_t k = count - i < sizeof b / 2 ? (size_t)(count - i) : sizeof b / 2;
        for (size_t j = 0; j < k; j++, i++) {
            b[2 * j] = (uint8_t)pcm[i];
            b[2 * j + 1] = (uint8_t)((uint16_t)pcm[i] >> 8);
        }
        int rc = wav_write(w, b, 2 * k);
        if (rc) return rc;
    }
    return 0;
}

int holo_decode_wav_fd(const char *dir, const holo_decode_opts *o, int fd, holo_info *info,
                       holo_err *err)
{
    holo_decode_opts defaults;
    if (!o) { holo_decode_opts_init(&defaults); o = &defaults; }
    holo_chunklist l;
    family fam;
    int rc = open_lists(dir, o, &l, &fam, err);
    if (rc) return rc;
    if (fam != FAM_AUDIO12 && fam != FAM_AUDIO3 && fam != FAM_AUD4) {
        holo_chunklist_free(&l);
        return holo_seterr(err, HOLO_EINVAL, "%s: not an audio set", dir);
    }
    if (fam == FAM_AUDIO3) {
        wav_out w = { .fd = fd, .dir = dir, .o = o, .err = err };
        rc = holo_audio3_stream(&l, o, wav_sink, &w, err);
        holo_chunklist_free(&l);
        if (!rc && info) *info = w.info;
        return rc;
    }
    holo_chunklist_free(&l);
    holo_decoded d;
    if ((rc = holo_decode_dir(dir, o, &d, err))) return rc;
    uint8_t *buf = NULL;
    size_t len = 0;
    if (!(rc = holo_view_render(&d, HOLO_VIEW_WAV, &buf, &len, err)) && holo_write_all(fd, buf, len))
        rc = holo_seterr_sys(err, errno, "%s: writing the WAV", dir);
    if (!rc && info) *info = d.info;
    free(buf);
    holo_decoded_free(&d);
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
    uint64_t missing = 0;
    for (uint32_t b = 0; b < B; b++)
        missing += !seen[b] && (ref->version >= 3 || holo_chunk_slice_bytes(ref, b) > 0);
    for (size_t i = 0; i < nn; i++) {
        uint8_t h[HOLO_HORC_HDR];
        uint64_t size = 0;
        ssize_t n = holo_peek_file(dir, names[i], h, sizeof h, &size);
        if (n == (ssize_t)sizeof h && holo_recovery_peek(h, sizeof h, size, ref, NULL))
            info->recovery_chunks++;
    }
    holo_recovery_list_free(names);
    info->recoverable = missing > 0 && info->recovery_chunks >= missing;
}

/* v4 sets: the limits on the geometry the majority of headers claims. */
static int v4_info_limited(const holo_chunklist *l, const holo_decode_opts *o, holo_info *info,
                           holo_err *err)
{
    int rc = holo_v4_info(l, info, err);
    if (rc) return rc;
    holo_chunk_hdr h = { .kind = HOLO_KIND_IMAGE, .width = info->width, .height = info->height };
    return holo_check_limits(&h, o, l->dir, err);
}

typedef struct { holo_chunk_hdr h; uint64_t size; int ok; } peeked;

/* The reference: the first parseable chunk whose claims pass the limits (as decoding picks
 * it); 0 or the first refusal when none does. */
static int pick_reference(const holo_chunklist *l, const peeked *p, const holo_decode_opts *o,
                          size_t *ref, holo_err *err)
{
    holo_err first = {0};
    for (size_t i = 0; i < l->n; i++) {
        if (!p[i].ok) continue;
        holo_err e;
        uint64_t max_resid = 0, set_bytes = 0;
        for (size_t j = 0; j < l->n; j++)
            if (p[j].ok && holo_chunk_same_set(&p[i].h, &p[j].h)) {
                if (p[j].h.resid_len > max_resid) max_resid = p[j].h.resid_len;
                set_bytes += p[j].size;
            }
        /* v3: the coefficient count is in the blob, so its chunk is read (as decoding does) */
        if (!holo_check_limits(&p[i].h, o, l->files[i].name, &e) &&
            !holo_check_plausible(&p[i].h, max_resid, set_bytes, l->files[i].name, &e) &&
            (p[i].h.version != 3 || !holo_v3_plausible(l->dir, l->files[i].name, &p[i].h, max_resid, &e))) {
            *ref = i;
            return 0;
        }
        if (!first.code) first = e;
    }
    *ref = l->n;
    return first.code ? holo_seterr(err, first.code, "%s/%s", l->dir, first.msg) : 0;
}

/* Whether dir/name hashes to its holo.sum entry (reads the whole chunk). */
static int chunk_matches(const char *dir, const char *name, const holo_sums *sums)
{
    char path[PATH_MAX];
    uint8_t *buf;
    size_t len;
    if (holo_path_join(path, sizeof path, dir, name) < 0 ||
        holo_read_chunk(path, HOLO_MAX_CHUNK_FILE, &buf, &len, NULL))
        return 0;
    int ok = holo_sums_match(sums, name, buf, len);
    free(buf);
    return ok;
}

int holo_info_dir(const char *dir, holo_info *info, holo_err *err)
{
    return holo_info_dir_opts(dir, NULL, info, err);
}

/* Headers only (plus, with o->verify_chunks, the chunk hashes): the reference is the first
 * parseable chunk of the family within the limits; others must agree with it. */
int holo_info_dir_opts(const char *dir, const holo_decode_opts *o, holo_info *info,
                       holo_err *err)
{
    memset(info, 0, sizeof *info);
    holo_chunklist l;
    family fam;
    int rc = open_lists(dir, NULL, &l, &fam, err);
    if (rc) return rc;
    if (fam == FAM_V4 || fam == FAM_BIN4) {
        rc = fam == FAM_V4 ? v4_info_limited(&l, o, info, err) : holo_v4_binary_info(dir, info, err);
        holo_chunklist_free(&l);
        if (!rc) fill_contract(info, 0);
        return rc;
    }
    if (fam == FAM_JPEG4 || fam == FAM_AUD4) {
        rc = fam == FAM_JPEG4 ? holo_v4_jpeg_info(dir, info, err) : holo_v4_audio_info(dir, info, err);
        holo_chunklist_free(&l);
        if (!rc) {   /* both give the original file back from a complete set */
            snprintf(info->codec, sizeof info->codec, "%s", fam == FAM_JPEG4 ? "JPEG v4" : "audio v4");
            info->exact_bytes = 1;
            info->file_size = info->length;
        }
        return rc;
    }
    peeked *p = calloc(l.n ? l.n : 1, sizeof *p);
    if (!p) { holo_chunklist_free(&l); return holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", dir); }
    for (size_t i = 0; i < l.n; i++) {
        uint8_t b[64];
        ssize_t n = holo_peek_file(dir, l.files[i].name, b, sizeof b, &p[i].size);
        p[i].ok = n >= 0 && family_of(b, n) == fam &&
                  !holo_chunk_parse(b, (size_t)n < sizeof b ? (size_t)n : p[i].size,
                                    l.files[i].name, &p[i].h, NULL);
    }
    size_t r;
    if ((rc = pick_reference(&l, p, o, &r, err)) || r == l.n) {
        free(p);
        holo_chunklist_free(&l);
        return rc ? rc : holo_seterr(err, HOLO_ENOCHUNKS, "%s: no valid chunk found", dir);
    }
    const holo_chunk_hdr ref = p[r].h;
    holo_sums sums = {0};
    if (o && o->verify_chunks && ref.version < 3) holo_sums_load(dir, &sums);
    uint8_t *seen = calloc(ref.block_count, 1), flags = 0;
    if (!seen) {
        free(p);
        holo_chunklist_free(&l);
        return holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", dir);
    }
    for (size_t i = 0; i < l.n; i++) {
        info->chunk_files++;
        if (!p[i].ok || !holo_chunk_same_set(&ref, &p[i].h) ||
            (sums.loaded && !chunk_matches(dir, l.files[i].name, &sums))) {
            info->chunks_bad++;
            continue;
        }
        const holo_chunk_hdr *h = &p[i].h;
        if (!seen[h->block_id]) { seen[h->block_id] = 1; info->chunks_present++; }
        flags |= h->flags;
        info->chunk_bytes += p[i].size;
        if (l.files[i].mtime_ns > info->newest_mtime_ns) info->newest_mtime_ns = l.files[i].mtime_ns;
    }
    holo_chunklist_free(&l);
    free(p);
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
    /* every chunk present and equal to what the encoder wrote: the decode is the original */
    info->verified = info->exact && sums.loaded;
    holo_sums_free(&sums);
    fill_contract(info, 0);
    return 0;
}
