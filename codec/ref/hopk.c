/* hopk.c — HOPK containers (doc/formats.md §HOPK): pack several images/WAVs into one chunk set and
 * unpack any object from whatever chunks are present. */
#include "hopk.h"
#include "internal.h"
#include "imageio.h"
#include "interp.h"
#include "resample.h"
#include "wav.h"
#include <jansson.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_TOTAL (1ull << 31)      /* residual elements of a container */

/* ---- small buffers ---------------------------------------------------------------------- */

typedef struct sbuf { char *p; size_t n, cap; int oom; } sbuf;

static void sb_add(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_add(sbuf *b, const char *fmt, ...)
{
    if (b->oom) return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int k = vsnprintf(b->p ? b->p + b->n : NULL, b->p ? b->cap - b->n : 0, fmt, ap);
        va_end(ap);
        if (k < 0) { b->oom = 1; return; }
        if (b->p && b->n + (size_t)k < b->cap) { b->n += (size_t)k; return; }
        size_t nc = (b->cap ? b->cap * 2 : 1024) + (size_t)k;
        char *np = realloc(b->p, nc);
        if (!np) { b->oom = 1; return; }
        b->p = np;
        b->cap = nc;
    }
}

static uint8_t *le16(const int16_t *v, uint64_t n)
{
    uint8_t *o = malloc(n ? n * 2 : 1);
    if (!o) return NULL;
    for (uint64_t i = 0; i < n; i++) {
        o[2 * i] = (uint8_t)v[i];
        o[2 * i + 1] = (uint8_t)((uint16_t)v[i] >> 8);
    }
    return o;
}

static int is_wav(const char *path)
{
    size_t n = strlen(path);
    return n >= 4 && !strcasecmp(path + n - 4, ".wav");
}

/* ---- packing ---------------------------------------------------------------------------- */

typedef struct obj {
    holo_pack_object m;
    uint8_t *coarse;         /* zlib9 coarse file */
    size_t coarse_len;
    int16_t *resid;
} obj;

static int pack_image(const char *path, uint32_t side, obj *ob, holo_err *err)
{
    holo_image im;
    int rc = holo_image_read(path, &im, err);
    if (rc) return rc;
    uint32_t tw, th;
    holo_thumb_size(im.w, im.h, side, &tw, &th);
    uint64_t N = 3ull * im.w * im.h;
    uint8_t *t = malloc((size_t)tw * th * 3), *up = malloc(N);
    ob->resid = malloc(N * sizeof *ob->resid);
    if (!t || !up || !ob->resid) { rc = holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", path); goto out; }
    if (holo_resize_rgb8(im.rgb, im.w, im.h, t, tw, th, 1) ||
        holo_resize_rgb8(t, tw, th, up, im.w, im.h, 1)) {
        rc = holo_seterr(err, HOLO_ENOMEM, "%s: resample failed", path);
        goto out;
    }
    /* The coarse file is zlib9 of the raw thumbnail bytes, not a PNG (doc/formats.md §HOPK). */
    if ((rc = holo_zlib9(t, (size_t)tw * th * 3, &ob->coarse, &ob->coarse_len, err))) goto out;
    for (uint64_t i = 0; i < N; i++) ob->resid[i] = (int16_t)((int)im.rgb[i] - (int)up[i]);
    ob->m.kind = HOLO_KIND_IMAGE;
    ob->m.h = im.h;
    ob->m.w = im.w;
    ob->m.th = th;
    ob->m.tw = tw;
    ob->m.residual_len = N;
out:
    free(t);
    free(up);
    holo_image_free(&im);
    return rc;
}

static int pack_audio(const char *path, uint32_t cmf, obj *ob, holo_err *err)
{
    holo_wav w;
    int rc = holo_wav_read(path, &w, err);
    if (rc) return rc;
    uint64_t n = w.frames, N = n * w.channels, L = holo_audio_coarse_len(n, cmf);
    int16_t *c = malloc(L * w.channels * sizeof *c), *up = malloc(N * sizeof *up);
    uint8_t *le = NULL;
    ob->resid = malloc(N * sizeof *ob->resid);
    if (!c || !up || !ob->resid || n > UINT32_MAX) {
        rc = holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", path);
        goto out;
    }
    holo_coarse_pick(w.samples, n, w.channels, L, c);
    holo_interp_up(c, L, w.channels, n, up);
    if (!(le = le16(c, L * w.channels))) { rc = holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", path); goto out; }
    if ((rc = holo_zlib9(le, (size_t)(L * w.channels * 2), &ob->coarse, &ob->coarse_len, err))) goto out;
    for (uint64_t i = 0; i < N; i++) {
        /* clipped; the clip is recorded nowhere (doc/formats.md §HOPK) */
        int32_t d = (int32_t)w.samples[i] - up[i];
        ob->resid[i] = (int16_t)(d > 32767 ? 32767 : d < -32768 ? -32768 : d);
    }
    ob->m.kind = HOLO_KIND_AUDIO;
    ob->m.sample_rate = w.sample_rate;
    ob->m.channels = w.channels;
    ob->m.frames = (uint32_t)n;
    ob->m.coarse_len = (uint32_t)L;
    ob->m.residual_len = N;
out:
    free(c);
    free(up);
    free(le);
    holo_wav_free(&w);
    return rc;
}

static char *manifest_json(const obj *objs, size_t n, uint32_t B, uint64_t total)
{
    sbuf b = {0};
    sb_add(&b, "{\n  \"version\": 1,\n  \"block_count\": %u,\n  \"total_residual\": %llu,\n"
               "  \"objects\": [", B, (unsigned long long)total);
    for (size_t i = 0; i < n; i++) {
        const holo_pack_object *m = &objs[i].m;
        sb_add(&b, "%s\n    {\n      \"mode\": \"%s\",\n      \"offset\": %llu,\n"
                   "      \"residual_len\": %llu,\n      \"coarse_file\": \"%s\",\n"
                   "      \"version\": 2,\n", i ? "," : "",
               m->kind == HOLO_KIND_IMAGE ? "image" : "audio", (unsigned long long)m->offset,
               (unsigned long long)m->residual_len, m->coarse_file);
        if (m->kind == HOLO_KIND_IMAGE)
            sb_add(&b, "      \"h\": %u,\n      \"w\": %u,\n      \"c\": 3,\n      \"coarse_shape\": [\n"
                       "        %u,\n        %u,\n        3\n      ]\n    }", m->h, m->w, m->th, m->tw);
        else
            sb_add(&b, "      \"sr\": %u,\n      \"ch\": %u,\n      \"n_frames\": %u,\n"
                       "      \"coarse_len\": %u\n    }", m->sample_rate, m->channels, m->frames,
                   m->coarse_len);
    }
    sb_add(&b, n ? "\n  ]\n}" : "]\n}");
    if (b.oom) { free(b.p); return NULL; }
    return b.p;
}

static int write_in(const char *dir, const char *name, const void *data, size_t len, holo_err *err)
{
    char path[PATH_MAX];
    if (holo_path_join(path, sizeof path, dir, name) < 0)
        return holo_seterr(err, HOLO_EINVAL, "%s: path too long", dir);
    return holo_write_file_tmp(path, data, len, err);
}

static int write_pack(const char *dir, obj *objs, size_t n, const int16_t *R, uint64_t total,
                      uint32_t B, int zlevel, holo_err *err)
{
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++)
        rc = write_in(dir, objs[i].m.coarse_file, objs[i].coarse, objs[i].coarse_len, err);
    if (rc) return rc;
    char *js = manifest_json(objs, n, B, total);
    if (!js) return holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", dir);
    rc = write_in(dir, "manifest.json", js, strlen(js), err);
    free(js);
    int16_t *v = malloc((holo_slice_len(total, B, 0) + 1) * sizeof *v);
    if (!v) return holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", dir);
    for (uint32_t b = 0; b < B && !rc; b++) {
        uint64_t m = holo_slice_len(total, B, b);
        holo_slice_gather_i16(R, total, B, b, 1, v);
        uint8_t *le = le16(v, m), *z = NULL, *file = NULL;
        size_t zl = 0;
        if (!le) { rc = holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", dir); break; }
        rc = holo_zlib(le, (size_t)m * 2, zlevel, &z, &zl, err);
        free(le);
        if (rc) break;
        if (zl > UINT32_MAX || !(file = malloc(HOLO_HOPK_HDR + zl))) {
            free(z);
            rc = holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", dir);
            break;
        }
        memcpy(file, "HOPK", 4);
        file[4] = 1;
        holo_wr32(file + 5, B);
        holo_wr32(file + 9, b);
        holo_wr32(file + 13, (uint32_t)(total >> 32));
        holo_wr32(file + 17, (uint32_t)total);
        holo_wr32(file + 21, (uint32_t)zl);
        memcpy(file + HOLO_HOPK_HDR, z, zl);
        free(z);
        char name[64];
        snprintf(name, sizeof name, "chunk_%04u.holo", b);
        rc = write_in(dir, name, file, HOLO_HOPK_HDR + zl, err);
        free(file);
    }
    free(v);
    return rc;
}

int holo_pack(const char *const *inputs, size_t n, const char *outdir, const holo_encode_opts *o,
              holo_err *err)
{
    holo_encode_opts defaults;
    if (!o) { holo_encode_opts_init(&defaults); o = &defaults; }
    if (n == 0) return holo_seterr(err, HOLO_EINVAL, "%s: nothing to pack", outdir);
    if (n > 9999 * 100) return holo_seterr(err, HOLO_EINVAL, "%s: too many objects", outdir);
    obj *objs = calloc(n, sizeof *objs);
    if (!objs) return holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", outdir);
    int rc = 0;
    uint64_t total = 0, csum = 0;
    int16_t *R = NULL;
    for (size_t i = 0; i < n && !rc; i++) {
        rc = is_wav(inputs[i]) ? pack_audio(inputs[i], o->coarse_frames, &objs[i], err)
                               : pack_image(inputs[i], o->coarse_side ? o->coarse_side : 16, &objs[i], err);
        if (rc) break;
        objs[i].m.offset = total;
        snprintf(objs[i].m.coarse_file, sizeof objs[i].m.coarse_file, "obj_%04zu_coarse.bin", i);
        total += objs[i].m.residual_len;
        csum += objs[i].coarse_len;
        if (total > MAX_TOTAL) rc = holo_seterr(err, HOLO_ENOMEM, "%s: container too large", outdir);
    }
    if (!rc && total == 0) rc = holo_seterr(err, HOLO_EINVAL, "%s: inputs hold no samples", outdir);
    if (!rc && !(R = malloc(total * sizeof *R))) rc = holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", outdir);
    if (!rc) {
        for (size_t i = 0; i < n; i++)
            memcpy(R + objs[i].m.offset, objs[i].resid, objs[i].m.residual_len * sizeof *R);
        uint64_t B = o->block_count ? o->block_count
                                    : holo_block_count_kb(2 * total, csum, o->chunk_kb > 0 ? o->chunk_kb : 32);
        if (B > total) B = total;
        if (B > HOLO_MAX_BLOCKS) B = HOLO_MAX_BLOCKS;
        if (B < 1) B = 1;
        char tmp[PATH_MAX];
        rc = holo_tmpdir_begin(outdir, tmp, sizeof tmp, err);
        if (!rc) {
            rc = write_pack(tmp, objs, n, R, total, (uint32_t)B, holo_zlevel(o->zlib_level), err);
            if (!rc) rc = holo_tmpdir_commit(tmp, outdir, err);
            if (rc) holo_rmtree(tmp);
        }
    }
    for (size_t i = 0; i < n; i++) { free(objs[i].coarse); free(objs[i].resid); }
    free(objs);
    free(R);
    return rc;
}

/* ---- unpacking -------------------------------------------------------------------------- */

int holo_pack_probe(const char *dir)
{
    char path[PATH_MAX];
    if (holo_path_join(path, sizeof path, dir, "manifest.json") < 0) return 0;
    json_t *root = json_load_file(path, 0, NULL);
    int yes = root && json_is_array(json_object_get(root, "objects"));
    json_decref(root);
    return yes;
}

void holo_pack_index_free(holo_pack_index *idx)
{
    free(idx->objects);
    memset(idx, 0, sizeof *idx);
}

/* Non-negative integer field within [0, max]; -1 when missing or out of range. */
static int64_t get_uint(json_t *o, const char *key, uint64_t max)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_integer(v)) return -1;
    json_int_t x = json_integer_value(v);
    return x < 0 || (uint64_t)x > max ? -1 : (int64_t)x;
}

static int safe_name(const char *s)
{
    size_t n = strlen(s);
    return n > 0 && n < 64 && s[0] != '.' && !strchr(s, '/') && !strchr(s, '\\');
}

int holo_pack_read_index(const char *dir, holo_pack_index *idx, holo_err *err)
{
    memset(idx, 0, sizeof *idx);
    char path[PATH_MAX];
    if (holo_path_join(path, sizeof path, dir, "manifest.json") < 0)
        return holo_seterr(err, HOLO_EINVAL, "%s: path too long", dir);
    uint8_t *buf;
    size_t len;
    int rc = holo_read_chunk(path, 64u << 20, &buf, &len, err);
    if (rc) return rc;
    json_error_t je;
    json_t *root = json_loadb((const char *)buf, len, 0, &je);
    free(buf);
    if (!root) return holo_seterr(err, HOLO_EINVAL, "%s: manifest.json: %s", dir, je.text);
    json_t *objs = json_object_get(root, "objects");
    int64_t B = get_uint(root, "block_count", HOLO_MAX_BLOCKS);
    int64_t total = get_uint(root, "total_residual", MAX_TOTAL);
    size_t n = json_array_size(objs);
    if (!json_is_array(objs) || B < 1 || total < 1 || n == 0) {
        json_decref(root);
        return holo_seterr(err, HOLO_EINVAL, "%s: manifest.json is not a valid container manifest", dir);
    }
    idx->objects = calloc(n, sizeof *idx->objects);
    if (!idx->objects) { json_decref(root); return holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", dir); }
    idx->block_count = (uint32_t)B;
    idx->total_residual = (uint64_t)total;
    idx->n_objects = n;
    for (size_t i = 0; i < n && !rc; i++) {
        json_t *o = json_array_get(objs, i);
        holo_pack_object *m = &idx->objects[i];
        const char *mode = json_string_value(json_object_get(o, "mode"));
        const char *cf = json_string_value(json_object_get(o, "coarse_file"));
        int64_t off = get_uint(o, "offset", MAX_TOTAL), rl = get_uint(o, "residual_len", MAX_TOTAL);
        if (!mode || !cf || !safe_name(cf) || off < 0 || rl < 0 || off + rl > total) {
            rc = holo_seterr(err, HOLO_EINVAL, "%s: manifest.json: object %zu is malformed", dir, i);
            break;
        }
        snprintf(m->coarse_file, sizeof m->coarse_file, "%s", cf);
        m->offset = (uint64_t)off;
        m->residual_len = (uint64_t)rl;
        if (!strcmp(mode, "image")) {
            json_t *cs = json_object_get(o, "coarse_shape");
            int64_t h = get_uint(o, "h", HOLO_MAX_DIM), w = get_uint(o, "w", HOLO_MAX_DIM);
            int64_t c = get_uint(o, "c", 3);
            json_int_t th = json_integer_value(json_array_get(cs, 0)), tw = json_integer_value(json_array_get(cs, 1));
            json_int_t tc = json_integer_value(json_array_get(cs, 2));
            m->kind = HOLO_KIND_IMAGE;
            if (h < 1 || w < 1 || c != 3 || (uint64_t)h * (uint64_t)w > HOLO_MAX_PIXELS ||
                (uint64_t)rl != 3ull * (uint64_t)h * (uint64_t)w || th < 1 || tw < 1 || tc != 3 ||
                th > HOLO_MAX_DIM || tw > HOLO_MAX_DIM || (uint64_t)th * (uint64_t)tw > HOLO_MAX_PIXELS) {
                rc = holo_seterr(err, HOLO_EINVAL, "%s: manifest.json: image object %zu has a bad geometry", dir, i);
                break;
            }
            m->h = (uint32_t)h; m->w = (uint32_t)w; m->th = (uint32_t)th; m->tw = (uint32_t)tw;
        } else if (!strcmp(mode, "audio")) {
            int64_t sr = get_uint(o, "sr", UINT32_MAX), ch = get_uint(o, "ch", HOLO_MAX_CHANNELS);
            int64_t nf = get_uint(o, "n_frames", UINT32_MAX), L = get_uint(o, "coarse_len", UINT32_MAX);
            m->kind = HOLO_KIND_AUDIO;
            if (sr < 0 || ch < 1 || nf < 1 || L < 1 || L > nf ||
                (uint64_t)rl != (uint64_t)nf * (uint64_t)ch) {
                rc = holo_seterr(err, HOLO_EINVAL, "%s: manifest.json: audio object %zu has a bad geometry", dir, i);
                break;
            }
            m->sample_rate = (uint32_t)sr; m->channels = (uint32_t)ch;
            m->frames = (uint32_t)nf; m->coarse_len = (uint32_t)L;
        } else {
            rc = holo_seterr(err, HOLO_EUNSUPPORTED, "%s: manifest.json: object %zu has mode '%s'", dir, i, mode);
        }
    }
    json_decref(root);
    if (rc) holo_pack_index_free(idx);
    return rc;
}

/* Place every acceptable chunk of the directory into R (N_total elements). */
static int gather(const char *dir, const holo_pack_index *idx, const holo_decode_opts *o,
                  int16_t *R, holo_info *info, holo_err *err)
{
    holo_chunklist l;
    int rc = holo_chunklist_scan(dir, o, &l, err);
    if (rc) return rc;
    const uint32_t B = idx->block_count;
    const uint64_t N = idx->total_residual;
    uint8_t *seen = calloc(B, 1);
    int16_t *v = malloc((holo_slice_len(N, B, 0) + 1) * sizeof *v);
    if (!seen || !v) { rc = holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", dir); goto out; }
    for (size_t i = 0; i < l.n; i++) {
        char path[PATH_MAX];
        uint8_t *buf = NULL, *z = NULL;
        size_t len = 0, zl = 0;
        holo_err e;
        info->chunk_files++;
        if (holo_path_join(path, sizeof path, dir, l.files[i].name) < 0 ||
            holo_read_chunk(path, HOLO_MAX_CHUNK_FILE, &buf, &len, &e)) { info->chunks_bad++; continue; }
        uint32_t rs = len >= HOLO_HOPK_HDR ? holo_rd32(buf + 21) : 0;
        uint64_t tot = len >= HOLO_HOPK_HDR ? (uint64_t)holo_rd32(buf + 13) << 32 | holo_rd32(buf + 17) : 0;
        uint32_t b = len >= HOLO_HOPK_HDR ? holo_rd32(buf + 9) : 0;
        if (len < HOLO_HOPK_HDR || memcmp(buf, "HOPK", 4) || buf[4] != 1 ||
            holo_rd32(buf + 5) != B || b >= B || tot != N || HOLO_HOPK_HDR + (uint64_t)rs > len) {
            holo_warnf(o, "%s: not a chunk of this container", l.files[i].name);
            info->chunks_bad++;
            free(buf);
            continue;
        }
        uint64_t want = holo_slice_len(N, B, b);
        if (holo_inflate(buf + HOLO_HOPK_HDR, rs, (size_t)(2 * holo_slice_len(N, B, 0)) + 65536, &z,
                         &zl, &e, l.files[i].name)) {
            holo_warnf(o, "%s", e.msg);
            info->chunks_bad++;
            free(buf);
            continue;
        }
        uint64_t m = zl / 2 < want ? zl / 2 : want;
        for (uint64_t k = 0; k < m; k++) v[k] = (int16_t)(z[2 * k] | z[2 * k + 1] << 8);
        holo_slice_scatter_i16(R, N, B, b, 1, v, m);
        if (!seen[b]) { seen[b] = 1; info->chunks_present++; }
        if (l.files[i].mtime_ns > info->newest_mtime_ns) info->newest_mtime_ns = l.files[i].mtime_ns;
        info->chunk_bytes += len;
        free(z);
        free(buf);
    }
    if (!info->chunks_present) rc = holo_seterr(err, HOLO_ENOCHUNKS, "%s: no valid HOPK chunk", dir);
out:
    free(seen);
    free(v);
    holo_chunklist_free(&l);
    return rc;
}

int holo_unpack(const char *dir, size_t index, const holo_decode_opts *o, holo_decoded *out,
                holo_err *err)
{
    memset(out, 0, sizeof *out);
    holo_pack_index idx;
    int rc = holo_pack_read_index(dir, &idx, err);
    if (rc) return rc;
    if (index >= idx.n_objects) {
        rc = holo_seterr(err, HOLO_EINVAL, "%s: no object %zu (container holds %zu)", dir, index, idx.n_objects);
        holo_pack_index_free(&idx);
        return rc;
    }
    const holo_pack_object *m = &idx.objects[index];
    int16_t *R = calloc(idx.total_residual, sizeof *R);
    uint8_t *cbuf = NULL, *c = NULL;
    size_t clen = 0, cl = 0;
    if (!R) { rc = holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", dir); goto out; }
    holo_info *info = &out->info;
    if ((rc = gather(dir, &idx, o, R, info, err))) goto out;
    char path[PATH_MAX];
    if (holo_path_join(path, sizeof path, dir, m->coarse_file) < 0) {
        rc = holo_seterr(err, HOLO_EINVAL, "%s: path too long", dir);
        goto out;
    }
    if ((rc = holo_read_chunk(path, HOLO_MAX_CHUNK_FILE, &cbuf, &clen, err))) goto out;
    const int16_t *r = R + m->offset;
    info->block_count = idx.block_count;
    info->version = 1;
    info->exact = info->chunks_present == idx.block_count;
    if (m->kind == HOLO_KIND_IMAGE) {
        uint64_t want = 3ull * m->th * m->tw, N = 3ull * m->h * m->w;
        if ((rc = holo_inflate(cbuf, clen, (size_t)want, &c, &cl, err, m->coarse_file))) goto out;
        if (cl != want) { rc = holo_seterr(err, HOLO_EINVAL, "%s: coarse data is %zu bytes, expected %llu", m->coarse_file, cl, (unsigned long long)want); goto out; }
        uint8_t *up = malloc(N);
        if (!up) { rc = holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", dir); goto out; }
        if (holo_resize_rgb8(c, m->tw, m->th, up, m->w, m->h, 1)) {
            free(up);
            rc = holo_seterr(err, HOLO_ENOMEM, "%s: resample failed", dir);
            goto out;
        }
        for (uint64_t i = 0; i < N; i++) {
            int v = up[i] + r[i];
            up[i] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
        }
        out->pixels = up;
        info->kind = HOLO_KIND_IMAGE;
        info->width = m->w;
        info->height = m->h;
        info->channels = 3;
    } else {
        uint64_t want = 2ull * m->coarse_len * m->channels, N = (uint64_t)m->frames * m->channels;
        if ((rc = holo_inflate(cbuf, clen, (size_t)want, &c, &cl, err, m->coarse_file))) goto out;
        if (cl != want) { rc = holo_seterr(err, HOLO_EINVAL, "%s: coarse data is %zu bytes, expected %llu", m->coarse_file, cl, (unsigned long long)want); goto out; }
        int16_t *co = malloc(want), *up = malloc(N * sizeof *up);
        if (!co || !up) { free(co); free(up); rc = holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", dir); goto out; }
        for (uint64_t i = 0; i < want / 2; i++) co[i] = (int16_t)(c[2 * i] | c[2 * i + 1] << 8);
        holo_interp_up(co, m->coarse_len, m->channels, m->frames, up);
        free(co);
        for (uint64_t i = 0; i < N; i++) {
            int32_t v = (int32_t)up[i] + r[i];
            up[i] = (int16_t)(v > 32767 ? 32767 : v < -32768 ? -32768 : v);
        }
        out->samples = up;
        info->kind = HOLO_KIND_AUDIO;
        info->channels = m->channels;
        info->sample_rate = m->sample_rate;
        info->frames = m->frames;
    }
out:
    if (rc) holo_decoded_free(out);
    free(R);
    free(cbuf);
    free(c);
    holo_pack_index_free(&idx);
    return rc;
}
