/* binary.c — HOBI: any file as a prefix stored in every chunk plus a byte residual
 * (doc/formats.md §HOBI). We write version 2 (golden layout) and read versions 1 and 2.
 *
 * Differences from Holo.Codec, on purpose: the block count is clamped to the residual length
 * (at least 1), so no chunk carries an empty slice and files of at most 1024 bytes give a single
 * chunk; a residual-less directory written by Holo.Codec with B > 1 decodes to its prefix
 * (quirk Q1); chunks that disagree with the reference are skipped with a warning (Q2). */
#include "internal.h"
#include "sha256.h"

#include <stdlib.h>
#include <string.h>

#define BIN_DEFAULT_BLOCKS 32u
#define BIN_PREFIX 1024u

/* Holo.Codec's kb rule (doc/formats.md §Block count): T = max(1, 1024 K), O = C + 64, B = 1 if T <=
 * O + 1. */
static uint64_t holocodec_blocks_kb(uint64_t N, uint64_t C, long kb)
{
    double t = 1024.0 * (double)kb;
    uint64_t T = t < 1 ? 1 : (uint64_t)t;
    uint64_t O = C + 64;
    if (T <= O + 1) return 1;
    return (N + (T - O) - 1) / (T - O);
}

int holo_binary_encode(const char *input, const char *tmpdir, const holo_encode_opts *o,
                       holo_err *err)
{
    /* HOBI version 2 is the only version anyone writes: o->codec_version (which picks the
     * image/audio generation) does not apply to binaries. */
    uint8_t *buf = NULL, *cz = NULL;
    size_t L = 0, czlen = 0;
    int rc = holo_read_file(input, (size_t)HOLO_MAX_BINARY, &buf, &L, err);
    if (rc) return rc;
    if (L == 0) {
        free(buf);
        return holo_seterr(err, HOLO_EINVAL, "%s: empty file (a binary needs at least 1 byte)",
                           input);
    }
    size_t Cp = L < BIN_PREFIX ? L : BIN_PREFIX;
    uint64_t N = L - Cp;
    rc = holo_zlib9(buf, Cp, &cz, &czlen, err);
    if (rc) { free(buf); return rc; }

    uint64_t B = BIN_DEFAULT_BLOCKS;
    if (o->chunk_kb > 0)
        B = holocodec_blocks_kb(N, czlen, o->chunk_kb);
    else if (o->block_count > 0)
        B = o->block_count;
    if (B > N) B = N;                       /* clamp to [1, max(1, N)]: no empty slices */
    if (B > HOLO_MAX_BLOCKS) B = HOLO_MAX_BLOCKS;
    if (B == 0) B = 1;

    holo_enc_plan p;
    memset(&p, 0, sizeof p);
    p.hdr.kind = HOLO_KIND_BINARY;
    p.hdr.version = 2;
    p.hdr.length = L;
    p.hdr.prefix_len = (uint32_t)Cp;
    p.hdr.block_count = (uint32_t)B;
    p.coarse = cz;
    p.coarse_len = czlen;
    p.resid8 = buf + Cp;
    p.n = N;
    p.golden = 1;
    p.zlib_level = o->zlib_level;
    p.write_scores = 0;
    p.base_kind = "binary";
    p.recovery = o->recovery;
    p.write_sums = 1;
    sha256(buf, L, p.decoded_sha);
    p.decoded_len = L;
    rc = holo_write_chunks(tmpdir, &p, o->threads, err);
    free(cz);
    free(buf);
    return rc;
}

/* ---- decoder ------------------------------------------------------------------------------ */

typedef struct bin_ref {
    const char *dir;
    uint8_t *prefix;
    size_t prefix_len;
} bin_ref;

static int accept_v12(int version) { return version == 1 || version == 2; }

static int bin_set_reference(void *ctx, const holo_chunk_hdr *h, const uint8_t *coarse,
                             size_t coarse_len)
{
    bin_ref *r = ctx;
    if (h->length == 0 || h->length > HOLO_MAX_BINARY || h->length > SIZE_MAX ||
        h->prefix_len > h->length)
        return HOLO_EINVAL;
    uint8_t *raw = NULL;
    size_t rawlen = 0;
    int rc = holo_inflate(coarse, coarse_len, h->prefix_len, &raw, &rawlen, NULL, r->dir);
    if (rc) return rc;
    if (rawlen != h->prefix_len) { free(raw); return HOLO_EINVAL; }
    free(r->prefix);
    r->prefix = raw;
    r->prefix_len = rawlen;
    return 0;
}

int holo_binary_decode(const holo_chunklist *l, const holo_decode_opts *o, holo_decoded *out,
                       holo_err *err)
{
    bin_ref r = {l->dir, NULL, 0};
    holo_kind_ops ops = {.kind = HOLO_KIND_BINARY, .accept_version = accept_v12,
                         .set_reference = bin_set_reference, .ctx = &r, .elem_size = 1,
                         .golden_from_v2 = 1};
    holo_assembly a;
    memset(out, 0, sizeof *out);
    int rc = holo_assemble(l, &ops, o, &a, err);
    if (rc) { free(r.prefix); return rc; }
    uint64_t L = a.ref.length;
    if (!r.prefix || r.prefix_len + a.n != L) {
        holo_assembly_free(&a);
        free(r.prefix);
        return holo_seterr(err, HOLO_EINVAL, "%s: binary chunks disagree with their reference",
                           l->dir);
    }
    uint8_t *bytes = malloc((size_t)L);
    if (!bytes) {
        holo_assembly_free(&a);
        free(r.prefix);
        return holo_seterr(err, HOLO_ENOMEM, "%s: out of memory for %llu bytes", l->dir,
                           (unsigned long long)L);
    }
    memcpy(bytes, r.prefix, r.prefix_len);
    if (a.n) memcpy(bytes + r.prefix_len, a.resid, (size_t)a.n);   /* N = 0: prefix only (Q1) */
    free(r.prefix);
    holo_assembly_info(&a, &out->info);
    out->info.kind = HOLO_KIND_BINARY;
    out->info.version = a.ref.version;
    out->info.block_count = a.ref.block_count;
    out->info.length = L;
    /* Every residual byte placed. With N = 0 there is nothing to miss (B may exceed N). */
    int complete = a.n_present == a.ref.block_count;
    if (!complete && a.n < a.ref.block_count) {
        /* Holo.Codec's unclamped B: blocks b >= N carry empty slices and are not needed. */
        complete = 1;
        for (uint64_t b = 0; b < a.n; b++) complete &= a.present[b];
    }
    out->info.exact = complete;
    holo_assembly_verify(&a, o, l->dir, bytes, L, 0, &out->info);
    out->bytes = bytes;
    holo_assembly_free(&a);
    return 0;
}
