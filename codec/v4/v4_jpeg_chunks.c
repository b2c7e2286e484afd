/* v4_jpeg_chunks.c — HO4J chunk sets on disk: the streams of v4_jpeg_tiers.c in the shared v4
 * container (holo(5) "V4 CONTAINER", "HO4J"). Every chunk file is read whole and checked by
 * its CRC (rows and U); the U shares of the good ones are used, and the protected tiers are
 * read through the container reader (rebuilt from any m chunks) avoiding a chunk whose CRC
 * failed. With several damaged chunks a tier may still take a damaged row: the JPEG is then
 * wrong but valid, and never reported exact (the SHA-256 decides). */
#include "v4_jpeg.h"
#include "v4_container.h"
#include "imageio.h"
#include "internal.h"
#include "sha256.h"
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define HO4J_DEFAULT_CHUNKS 32
#define HO4J_MAX_FILE (1u << 30)

/* The streams decode (all chunks present) to the file itself: the coefficient coder and the
 * recipe proved together before the store trusts the set with the user's only copy. */
static int streams_rebuild(const v4j_streams *s, const uint8_t *buf, size_t len, holo_err *err)
{
    uint8_t *back = NULL;
    size_t blen = 0;
    int rc = v4j_decode(s, &back, &blen, err);
    int same = rc == 0 && blen == len && memcmp(back, buf, len) == 0;
    free(back);
    if (rc)
        return rc;
    return same ? 0 : holo_seterr(err, HOLO_EUNSUPPORTED, "not reproducible: the coded "
                                  "coefficients do not decode to the file");
}

int holo_v4_jpeg_encode(const char *input, const char *tmpdir, const holo_encode_opts *o,
                        holo_err *err)
{
    return holo_v4_jpeg_encode_ex(input, tmpdir, o, 0, err);
}

int holo_v4_jpeg_encode_ex(const char *input, const char *tmpdir, const holo_encode_opts *o,
                           int verify, holo_err *err)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    int rc = holo_read_file(input, HO4J_MAX_FILE, &buf, &len, err);
    if (rc)
        return rc;
    unsigned n = o->block_count ? o->block_count : HO4J_DEFAULT_CHUNKS;
    if (n > V4C_MAX_CHUNKS) {
        free(buf);
        return holo_seterr(err, HOLO_EINVAL, "%s: %u chunks (at most %d)", input, n,
                           V4C_MAX_CHUNKS);
    }
    v4j_streams s;
    v4j_budget profile = { 0, 0, 0, o->robust };
    rc = v4j_encode(buf, len, n, &profile, &s, err);
    if (rc == 0 && verify && (rc = streams_rebuild(&s, buf, len, err)))
        v4j_streams_free(&s);
    if (rc) {
        char why[sizeof err->msg];
        snprintf(why, sizeof why, "%s", err ? err->msg : "");
        free(buf);
        return holo_seterr(err, rc, "%s: %s", input, why);
    }
    v4c_spec sp = { .magic = { 'H', 'O', '4', 'J' }, .n = n, .length = len, .ntiers = V4J_TIERS };
    sha256(buf, len, sp.sha256);
    /* content id: the file's hash and tier 0 (parameters) tie one encode together */
    sha256_ctx c;
    uint8_t cid[32];
    sha256_init(&c);
    sha256_update(&c, sp.sha256, 32);
    sha256_update(&c, s.tier[0], s.S[0]);
    sha256_final(&c, cid);
    for (int i = 0; i < 8; i++)
        sp.content_id = sp.content_id << 8 | cid[i];
    for (int t = 0; t < V4J_TIERS; t++)
        sp.tier[t] = (v4c_source){ .m = s.m[t], .S = s.S[t], .mem = s.tier[t] };
    sp.u = (const uint8_t *const *)s.u;
    sp.u_len = s.u_len;
    rc = v4c_write(tmpdir, &sp, err);
    v4j_streams_free(&s);
    free(buf);
    return rc;
}

/* The U share of every valid chunk of the set: chunk files read whole, header and CRC of
 * rows + U checked, the first file of each id kept. *bad: the id of a chunk of the set whose
 * CRC failed (its rows must not be used either), or V4C_NO_AVOID. */
static void read_u_shares(const char *dir, const v4c_hdr *set, uint8_t **file, uint8_t **u,
                          uint32_t *u_len, unsigned *bad)
{
    *bad = V4C_NO_AVOID;
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d))) {
        size_t nl = strlen(e->d_name);
        if (nl < 11 || strncmp(e->d_name, "chunk_", 6) || strcmp(e->d_name + nl - 5, ".holo"))
            continue;
        char path[4096];
        if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, e->d_name) >= sizeof path)
            continue;
        uint8_t *b = NULL;
        size_t len = 0;
        v4c_hdr h;
        if (holo_read_file(path, HO4J_MAX_FILE, &b, &len, NULL) ||
            v4c_hdr_parse(b, len, len, e->d_name, &h, NULL) || memcmp(h.magic, "HO4J", 4) ||
            h.n != set->n || h.content_id != set->content_id || h.id >= set->n || file[h.id]) {
            free(b);
            continue;
        }
        if ((uint32_t)crc32(0L, b + V4C_HDR_LEN, (uInt)(len - V4C_HDR_LEN)) != h.crc_rows) {
            *bad = h.id;
            free(b);
            continue;
        }
        file[h.id] = b;
        u[h.id] = b + len - h.u_len;
        u_len[h.id] = h.u_len;
    }
    if (d)
        closedir(d);
}

/* Fill info from an open reader (tier 0 gives the geometry). */
static void fill_info(const v4c_reader *r, holo_info *info)
{
    const v4c_hdr *h = v4c_header(r);
    memset(info, 0, sizeof *info);
    v4c_fill_info(r, HOLO_KIND_IMAGE, info);
    info->channels = 3;
    info->exact_bytes = 1;
    info->file_size = h->length;
    info->partial_as_file = 1;
    const uint8_t *t0 = v4c_m1(r, 0);
    if (t0)
        v4j_frame_size(t0, h->S[0], &info->width, &info->height, info->floor_db, info->floor_k);
}

static int open_set(const char *dir, const holo_decode_opts *o, int verify, v4c_reader **r,
                    holo_err *err)
{
    int rc = v4c_open(dir, o, verify, r, err);
    if (rc)
        return rc;
    const v4c_hdr *h = v4c_header(*r);
    if (memcmp(h->magic, "HO4J", 4) || h->ntiers != V4J_TIERS || h->m[0] != 1) {
        v4c_close(*r);
        return holo_seterr(err, HOLO_EINVAL, "%s: not an HO4J chunk set", dir);
    }
    return 0;
}

int holo_v4_jpeg_info(const char *dir, holo_info *info, holo_err *err)
{
    v4c_reader *r;
    int rc = open_set(dir, NULL, V4C_VERIFY_M1, &r, err);
    if (rc)
        return rc;
    fill_info(r, info);
    v4c_close(r);
    return 0;
}

/* A partial rebuild takes the original's length (holofs reports it as st_size without
 * decoding; holo(5) "HO4J"): zeros after EOI, which decoders ignore. A rebuild longer than the
 * original (rare: zeroed coefficients code shorter) is redone with less: the tiers only, then
 * tier 0 only. */
static int fit_original_size(v4j_streams *s, uint64_t length, uint8_t **jpg, size_t *jl,
                             holo_err *err)
{
    for (int drop = 0; *jl > length && drop < 2; drop++) {
        if (drop == 0)
            memset(s->u, 0, s->n * sizeof *s->u);
        else
            for (int t = 1; t < V4J_TIERS; t++)
                s->tier[t] = NULL;
        free(*jpg);
        *jpg = NULL;
        int rc = v4j_decode(s, jpg, jl, err);
        if (rc)
            return rc;
    }
    if (*jl > length)
        return holo_seterr(err, HOLO_EINVAL, "the partial JPEG (%zu bytes) is longer than the "
                           "original (%llu)", *jl, (unsigned long long)length);
    uint8_t *p = realloc(*jpg, length ? (size_t)length : 1);
    if (!p)
        return holo_seterr(err, HOLO_ENOMEM, "out of memory");
    memset(p + *jl, 0, (size_t)length - *jl);
    *jpg = p;
    *jl = (size_t)length;
    return 0;
}

int holo_v4_jpeg_decode(const char *dir, const holo_decode_opts *o, holo_decoded *out,
                        holo_err *err)
{
    memset(out, 0, sizeof *out);
    v4c_reader *r;
    int rc = open_set(dir, o, V4C_VERIFY_ALL, &r, err);   /* a corrupt chunk counts as missing */
    if (rc)
        return rc;
    const v4c_hdr *h = v4c_header(r);
    v4j_streams s = { .n = h->n };
    uint8_t *owned[V4J_TIERS] = { 0 }, **files = calloc(h->n, sizeof *files);
    s.u = calloc(h->n, sizeof *s.u);
    s.u_len = calloc(h->n, sizeof *s.u_len);
    if (!files || !s.u || !s.u_len)
        rc = holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", dir);
    unsigned bad = V4C_NO_AVOID;
    if (rc == 0)
        read_u_shares(v4c_dir(r), h, files, s.u, s.u_len, &bad);
    for (int t = 0; t < V4J_TIERS && rc == 0; t++) {
        s.m[t] = h->m[t];
        s.S[t] = h->S[t];
        if (h->m[t] == 1)
            s.tier[t] = (uint8_t *)v4c_m1(r, t);
        else if (v4c_readable(r, t, 0, h->S[t])) {
            if (h->S[t] > HO4J_MAX_FILE || !(owned[t] = malloc(h->S[t] + 1)))
                rc = holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", dir);
            else if (h->S[t] && v4c_read(r, t, 0, owned[t], h->S[t], bad, NULL))
                free(owned[t]), owned[t] = NULL;  /* a tier that fails to rebuild is missing */
            s.tier[t] = owned[t];
        }
    }
    uint8_t *jpg = NULL;
    size_t jl = 0;
    if (rc == 0)
        rc = v4j_decode(&s, &jpg, &jl, err);
    unsigned used = 0;
    for (unsigned i = 0; rc == 0 && i < h->n; i++)
        used += s.u[i] != NULL;
    if (rc == 0) {
        fill_info(r, &out->info);
        uint8_t digest[32];
        sha256(jpg, jl, digest);
        out->info.exact = jl == h->length && !memcmp(digest, h->sha256, 32);
        out->info.chunks_present = used;      /* chunks whose U passed its CRC */
        if (used == h->n && !out->info.exact)
            rc = holo_seterr(err, HOLO_EINVAL, "%s: every chunk is valid but the JPEG does not "
                             "match its SHA-256", dir);
        else if (used < h->n && o && o->strict)
            rc = holo_seterr(err, HOLO_EINCOMPLETE, "%s: %u of %u chunks missing (strict decode)",
                             dir, h->n - used, h->n);
        else if (!out->info.exact)
            rc = fit_original_size(&s, h->length, &jpg, &jl, err);
    }
    if (rc == 0 && o && o->bytes_only) {   /* the JPEG is what is asked for: no pixels */
        out->bytes = jpg;
        out->info.length = jl;
        jpg = NULL;
    } else if (rc == 0) {
        holo_image im;
        rc = holo_image_decode(jpg, jl, dir, &im, err);
        if (rc == 0) {
            out->pixels = im.rgb;
            out->info.width = im.w;
            out->info.height = im.h;
            out->bytes = jpg;
            out->info.length = jl;
            jpg = NULL;
        }
    }
    free(jpg);
    for (int t = 0; t < V4J_TIERS; t++)
        free(owned[t]);
    for (unsigned i = 0; files && i < h->n; i++)
        free(files[i]);
    free(files);
    free(s.u);
    free(s.u_len);
    v4c_close(r);
    if (rc)
        holo_decoded_free(out);
    return rc;
}
