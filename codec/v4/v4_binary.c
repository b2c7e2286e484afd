/* v4_binary.c — binary v4 (HO4B, holo(5)): the file cut into independent zstd frames laid in
 * one protected tier (k data chunks + parity, any k of n rebuild it), the frame index
 * replicated in every chunk; and holo_stream, random access that decodes only covered frames.
 *
 * Encoding streams the input a batch of frames at a time (compressed in parallel) into an
 * unlinked spool file inside the temporary directory, then v4c_write lays the spool out in
 * rows: the file is never whole in memory. */
#include "internal.h"
#include "par.h"
#include "sha256.h"
#include "v4_binary.h"
#include "v4_container.h"
#include "v4_dict.h"
#include "v4_filter.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

static uint64_t rd64(const uint8_t *p) { return (uint64_t)holo_rd32(p) << 32 | holo_rd32(p + 4); }

uint32_t v4b_frame_size_for(int level, uint32_t requested)
{
    if (requested) return requested;
    return level == HOLO_LEVEL_MAX ? V4B_FRAME_MAX_LEVEL : V4B_FRAME_DEFAULT;
}

uint32_t v4b_k_for(uint64_t stream_bytes, uint32_t per_chunk)
{
    uint64_t k = (stream_bytes + per_chunk - 1) / per_chunk;
    return k < 1 ? 1 : k > V4B_K_MAX ? V4B_K_MAX : (uint32_t)k;
}

/* ---- encoder ---------------------------------------------------------------------------- */
#define FILTER_REFUSED 1   /* encode_file: a frame could not take the filter chosen */

typedef struct frame_job {
    uint8_t *raw;             /* filtered in place by the worker */
    size_t raw_len;
    uint8_t *out;             /* ZSTD_compressBound(raw_len) bytes */
    size_t out_len;           /* stored bytes: == raw_len means stored raw */
    uint32_t crc;
} frame_job;

typedef struct worker {       /* one per thread */
    ZSTD_CCtx *cctx[V4B_MAX_CANDIDATES];   /* each frame is compressed with every one ... */
    size_t cand_max[V4B_MAX_CANDIDATES];   /* ... whose limit its raw size is within */
    int inner[V4B_MAX_CANDIDATES];         /* zstd threads inside each frame (0: none) */
    int ncand;
    unsigned filter;          /* V4F_FLAG_*: applied to each frame before zstd */
    uint8_t *cols;            /* V4F_COLUMNS_BOUND(frame) bytes: a frame column by column */
    uint8_t *alt_out;         /* ZSTD_compressBound(frame size) bytes, with ncand > 1 */
    int failed;               /* 1 zstd failed, FILTER_REFUSED + 1 the filter refused a frame */
} worker;

/* zstd's thread jobs: V4B_MT_JOBS per frame whatever the thread count, so the bytes written do
 * not depend on -j (zstd's threaded output depends on the job size only). */
static size_t job_size(size_t raw_len)
{
    size_t j = (raw_len + V4B_MT_JOBS - 1) / V4B_MT_JOBS;
    size_t min = raw_len <= V4B_SMALL_FILE ? V4B_SMALL_JOB_MIN : V4B_MT_JOB_MIN;
    return j < min ? min : j;
}

/* A batch of frames over the threads; with `sha` (no in-place filter), item 0 hashes the raw
 * bytes meanwhile (an in-place filter rewrites them: then the caller hashes first). */
typedef struct frame_batch {
    worker *ws;               /* [thread] */
    frame_job *jobs;
    sha256_ctx *sha;
    const uint8_t *raw;
    size_t raw_len;
} frame_batch;

static int compress_item(void *arg, unsigned i, unsigned thread)
{
    frame_batch *b = arg;
    worker *w = &b->ws[thread];
    if (b->sha && i-- == 0) {
        sha256_update(b->sha, b->raw, b->raw_len);
        return 0;
    }
    frame_job *j = &b->jobs[i];
    const uint8_t *src = j->raw;
    size_t src_len = j->raw_len;
    if (w->filter & V4F_RESIZING) {   /* into cols: raw stays as it came */
        src_len = v4f_columns_encode(j->raw, j->raw_len, w->cols, V4F_COLUMNS_SEP, V4F_COLUMNS_MAXF);
        src = w->cols;
    } else if (v4f_encode(w->filter, j->raw, j->raw_len)) {   /* hashed before: see the caller */
        w->failed = FILTER_REFUSED + 1;
        return 0;
    }
    size_t bound = ZSTD_compressBound(j->raw_len), r = SIZE_MAX;
    /* --level max: no one setting is smallest everywhere, so every candidate runs and the
     * smallest frame is kept (V4B_MAX_CANDIDATES) */
    for (int c = 0; c < w->ncand && !w->failed; c++) {
        if (j->raw_len > w->cand_max[c]) continue;
        uint8_t *dst = r == SIZE_MAX ? j->out : w->alt_out;
        if (w->inner[c] > 0)
            ZSTD_CCtx_setParameter(w->cctx[c], ZSTD_c_jobSize, (int)job_size(src_len));
        size_t a = ZSTD_compress2(w->cctx[c], dst, bound, src, src_len);
        /* filtered bytes longer than the frame may not fit: no gain, the frame goes raw */
        if (ZSTD_isError(a) && src != j->raw && ZSTD_getErrorCode(a) == ZSTD_error_dstSize_tooSmall)
            a = j->raw_len;
        if (ZSTD_isError(a)) w->failed = 1;
        else if (r == SIZE_MAX) r = a;
        else if (a < r) { memcpy(j->out, w->alt_out, a); r = a; }
    }
    if (w->failed) return 0;
    if (r >= j->raw_len) {   /* zstd does not gain: store the frame as it is (filtered in
                              * place, or unfiltered: holo(5) "HO4B FILTERS") */
        memcpy(j->out, j->raw, j->raw_len);
        r = j->raw_len;
    }
    j->out_len = r;
    j->crc = (uint32_t)crc32(crc32(0L, Z_NULL, 0), j->out, (uInt)r);
    return 0;
}

/* One way to compress a frame: a zstd level, optionally with a minimum match length other than
 * the level's (0: the level's), for frames of at most max_raw bytes, with zstd's own threads
 * sharing the frame when workers > 0 (V4B_MT_FRAME); small: the settings for a small file. */
typedef struct zcand { int level, min_match; uint32_t max_raw; int workers, small; } zcand;

static int set_params(ZSTD_CCtx *c, const zcand *z, uint32_t frame_size)
{
    if (ZSTD_isError(ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel, z->level))) return -1;
    ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, 0);      /* the index carries a CRC */
    ZSTD_CCtx_setParameter(c, ZSTD_c_contentSizeFlag, 1);
    /* Long-distance matching over a window the size of the frame: repeated files inside
     * archives (licences, copyright notes) are found at any level (bench_binary4.sh). */
    int wlog = 10;
    while (wlog < 27 && (1u << wlog) < frame_size) wlog++;
    ZSTD_CCtx_setParameter(c, ZSTD_c_enableLongDistanceMatching, !z->small);
    /* A small file (V4B_SMALL_FILE) lies whole in the window: no long-distance matching, and
     * match tables of 2^20 entries, not the level's 2^22 (the same bytes within 0.1%, a third
     * less CPU: zeroing the larger tables was half the kernel's time). */
    if (z->small) {
        ZSTD_CCtx_setParameter(c, ZSTD_c_hashLog, V4B_SMALL_TABLE_LOG);
        ZSTD_CCtx_setParameter(c, ZSTD_c_chainLog, V4B_SMALL_TABLE_LOG);
    }
    ZSTD_CCtx_setParameter(c, ZSTD_c_windowLog, wlog);
    if (z->min_match) ZSTD_CCtx_setParameter(c, ZSTD_c_minMatch, z->min_match);
    if (z->workers > 0)   /* a libzstd built without threads refuses: one thread, other bytes */
        ZSTD_CCtx_setParameter(c, ZSTD_c_nbWorkers, z->workers);
    return 0;
}

/* Frames of a file compressed with a dictionary: the level is the CDict's, no dictionary id in
 * the frame (the index names the dictionary by a 128-bit hash, not zstd's 32-bit id). */
static int set_dict_params(ZSTD_CCtx *c, const ZSTD_CDict *cd)
{
    ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, 0);
    ZSTD_CCtx_setParameter(c, ZSTD_c_contentSizeFlag, 1);
    ZSTD_CCtx_setParameter(c, ZSTD_c_dictIDFlag, 0);
    return ZSTD_isError(ZSTD_CCtx_refCDict(c, cd)) ? -1 : 0;
}

/* The store's current dictionary for a file of L bytes encoded into tmpdir, or NULL: none, the
 * file is not small, or it cannot be loaded (the file is then written without one, readable). */
static v4d_dict *dict_for(const holo_encode_opts *o, const char *tmpdir, const char *input, uint64_t L)
{
    char dir[PATH_MAX];
    uint8_t id[HOLO_DICT_ID_LEN];
    v4d_dict *d = NULL;
    if (L == 0 || L > HOLO_DICT_MAX_FILE || v4d_dir_for(o->dict_dir, tmpdir, dir, sizeof dir) ||
        holo_dict_current(dir, id, NULL) || v4d_get(dir, id, input, &d, NULL))
        return NULL;
    return d;
}

static int read_full(int fd, uint8_t *buf, size_t len, size_t *got)
{
    size_t have = 0;
    while (have < len) {
        ssize_t r = read(fd, buf + have, len - have);
        if (r < 0) { if (errno == EINTR) continue; return -1; }
        if (r == 0) break;
        have += (size_t)r;
    }
    *got = have;
    return 0;
}

static int spool_read(void *ctx, uint64_t off, void *buf, size_t len)
{
    int fd = *(int *)ctx;
    uint8_t *p = buf;
    while (len) {
        ssize_t r = pread(fd, p, len, (off_t)off);
        if (r <= 0) { if (r < 0 && errno == EINTR) continue; return -1; }
        p += r; len -= (size_t)r; off += (uint64_t)r;
    }
    return 0;
}

static int open_spool(const char *dir)
{
    int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd >= 0) return fd;
    char path[PATH_MAX];
    if (holo_path_join(path, sizeof path, dir, ".spoolXXXXXX") < 0) return -1;
    fd = mkostemp(path, O_CLOEXEC);
    if (fd >= 0) unlink(path);
    return fd;
}

/* try_filter: choose a filter (v4f_choose), else none. */
static int encode_file(const char *input, const char *tmpdir, const holo_encode_opts *o, int try_filter,
                       holo_err *err)
{
    if (o->level && o->level != HOLO_LEVEL_MAX && (o->level < 1 || o->level > 19))
        return holo_seterr(err, HOLO_EINVAL, "%s: level %d (1-19 or max)", input, o->level);
    uint32_t F = v4b_frame_size_for(o->level, o->frame_size);
    if (F < V4B_FRAME_MIN || F > V4B_FRAME_CAP)
        return holo_seterr(err, HOLO_EINVAL, "%s: frame size %u (%u-%u)", input, F, V4B_FRAME_MIN, V4B_FRAME_CAP);
    if (o->block_count > V4C_MAX_CHUNKS)
        return holo_seterr(err, HOLO_EINVAL, "%s: %u data chunks (at most %d)", input, o->block_count, V4C_MAX_CHUNKS);
    int in = open(input, O_RDONLY | O_CLOEXEC);
    if (in < 0) return holo_seterr_sys(err, errno, "%s", input);
    struct stat st;
    if (fstat(in, &st) < 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size > HOLO_MAX_BINARY) {
        close(in);
        return holo_seterr(err, HOLO_EINVAL, "%s: not a regular file or larger than the 64 GiB cap", input);
    }
    uint64_t L = (uint64_t)st.st_size, nframes = (L + F - 1) / F;
    /* frame buffers: a file smaller than a frame needs its own size only */
    size_t FB = L < F ? (L ? (size_t)L : 1) : F;
    /* the default level: small files afford a stronger parser (V4B_LEVEL_SMALL) */
    int deflevel = L <= V4B_SMALL_FILE ? V4B_LEVEL_SMALL : V4B_LEVEL_DEFAULT;
    int level = o->level ? o->level : deflevel;
    v4d_dict *dict = dict_for(o, tmpdir, input, L);
    const ZSTD_CDict *cdict = NULL;
    if (dict && !(cdict = v4d_cdict(dict, level == HOLO_LEVEL_MAX ? V4B_ZSTD_MAX : o->level ? level : V4D_LEVEL))) {
        v4d_put(dict);
        dict = NULL;
    }
    size_t entries_len = (size_t)nframes * V4B_INDEX_ENTRY;
    size_t index_len = V4B_INDEX_HEAD + entries_len + (dict ? HOLO_DICT_ID_LEN : 0);
    if (index_len > V4C_MAX_M1) {
        close(in);
        v4d_put(dict);
        return holo_seterr(err, HOLO_EINVAL, "%s: %llu frames: index over the cap, use larger frames", input, (unsigned long long)nframes);
    }
    /* executables' branch targets made absolute, text lines' shared starts as NULs
     * (v4_filter.h); a store dictionary was trained on unfiltered bytes, so not with one */
    int nt = holo_thread_count(o->threads);
    /* A small file in one frame at the default level: a shorter filter trial, and zstd's two
     * thread jobs share the frame (V4B_SMALL_JOB). */
    int small = !o->level && !dict && L <= V4B_SMALL_FILE && nframes == 1;
    unsigned filter = dict || !try_filter ? 0 : v4f_choose(in, L, small ? V4F_TRIAL_SMALL : V4F_TRIAL);
    /* Large frames: one at a time, zstd's threads inside it (a file of one frame uses two
     * cores); small frames (holofs's 128 KiB): one frame per thread. */
    int inner = !dict && (F >= V4B_MT_FRAME || small) ? nt : 0;
    /* --level max, measured with bench_binary4.sh: zstd 22 with long-distance matching, and the
     * default level exactly as it would run (never larger than the default; level 9 is 4%
     * smaller than 22 on parts of libLLVM); on small frames also 22 with matches of 4 or 5 bytes
     * (dpkg status 0.3%, dpkg.log 0.15% smaller than 22 alone; a 4 MiB frame costs ~2 s). Only
     * the default runs threaded: zstd's thread jobs cost ~0.4% each. */
    const zcand max_cands[] = { { V4B_ZSTD_MAX, 0, UINT32_MAX, 0, 0 },
                                { L <= V4B_SMALL_FILE ? V4B_MAX_SMALL : V4B_LEVEL_DEFAULT, 0, UINT32_MAX, inner, 0 },
                                { V4B_ZSTD_MAX, 4, 4u << 20, 0, 0 }, { V4B_ZSTD_MAX, 5, 4u << 20, 0, 0 } };
    if (level == HOLO_LEVEL_MAX) inner = 0;   /* frames in parallel, as many as threads */
    else if (inner > 0) nt = 1;
    size_t batch = (size_t)nt;   /* one frame per thread in flight: memory 2 x F per thread */
    uint8_t *index = calloc(1, index_len), *raw = malloc(batch * FB), *out = malloc(batch * ZSTD_compressBound(FB));
    frame_job *jobs = calloc(batch, sizeof *jobs);
    worker *ws = calloc((size_t)nt, sizeof *ws);
    int spool = open_spool(tmpdir), rc = 0;
    if (!index || !raw || !out || !jobs || !ws) rc = holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", input);
    else if (spool < 0) rc = holo_seterr_sys(err, errno, "%s: cannot create a spool file", tmpdir);
    const zcand one = { level, 0, UINT32_MAX, inner, small };
    const zcand *cands = level == HOLO_LEVEL_MAX ? max_cands : &one;
    int ncand = level == HOLO_LEVEL_MAX && !dict ? (int)(sizeof max_cands / sizeof *max_cands) : 1;
    for (int t = 0; t < nt && !rc; t++) {
        ws[t].filter = filter;
        if ((filter & V4F_RESIZING) && !(ws[t].cols = malloc(V4F_COLUMNS_BOUND(FB))))
            rc = holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", input);
        for (int c = 0; c < ncand && !rc; c++) {
            ZSTD_CCtx *z = ZSTD_createCCtx();
            ws[t].cctx[ws[t].ncand] = z;
            ws[t].cand_max[ws[t].ncand++] = cands[c].max_raw;
            ws[t].inner[c] = cands[c].workers;
            if (!z || (dict ? set_dict_params(z, cdict) : set_params(z, &cands[c], F)))
                rc = holo_seterr(err, HOLO_ENOMEM, "%s: cannot set up zstd", input);
            if (!z || (dict ? set_dict_params(z, cdict) : set_params(z, &cands[c], F)))
                rc = holo_seterr(err, HOLO_ENOMEM, "%s: cannot set up zstd", input);
        }
        if (!rc && ncand > 1 && !(ws[t].alt_out = malloc(ZSTD_compressBound(FB))))
            rc = holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", input);
    }
    holo_wr32(index, F);
    holo_wr32(index + 4, (uint32_t)(nframes >> 32));
    holo_wr32(index + 8, (uint32_t)nframes);
    if (dict && index) memcpy(index + V4B_INDEX_HEAD + entries_len, v4d_id(dict), HOLO_DICT_ID_LEN);
    sha256_ctx sha;
    sha256_init(&sha);
    uint64_t S = 0, f = 0;
    while (!rc && f < nframes) {
        size_t nb = 0, got = 0;
        for (; nb < batch && f + nb < nframes; nb++) {
            size_t want = (f + nb + 1) * F <= L ? F : (size_t)(L - (f + nb) * F);
            if (read_full(in, raw + nb * FB, want, &got) || got != want) {
                rc = holo_seterr(err, HOLO_EIO, "%s: read failed or the file changed size while encoding", input);
                break;
            }
            jobs[nb] = (frame_job){ raw + nb * FB, want, out + nb * ZSTD_compressBound(FB), 0, 0 };
        }
        if (rc) break;
        size_t batch_len = (size_t)(jobs[nb - 1].raw + jobs[nb - 1].raw_len - raw);
        int in_place = filter && !(filter & V4F_RESIZING);
        if (in_place) sha256_update(&sha, raw, batch_len);   /* the workers filter raw in place */
        frame_batch bt = { ws, jobs, in_place ? NULL : &sha, raw, batch_len };
        par_for((unsigned)nb + !in_place, (unsigned)nt, compress_item, &bt);
        for (int t = 0; t < nt && !rc; t++)
            if (ws[t].failed) rc = ws[t].failed > 1 ? FILTER_REFUSED : holo_seterr(err, HOLO_EINVAL, "%s: zstd failed", input);
        for (size_t i = 0; i < nb && !rc; i++, f++) {
            uint8_t *e = index + V4B_INDEX_HEAD + f * V4B_INDEX_ENTRY;
            holo_wr32(e, (uint32_t)jobs[i].out_len);
            holo_wr32(e + 4, jobs[i].crc);
            if (pwrite(spool, jobs[i].out, jobs[i].out_len, (off_t)S) != (ssize_t)jobs[i].out_len)
                rc = holo_seterr_sys(err, errno ? errno : EIO, "%s: spool", tmpdir);
            S += jobs[i].out_len;
        }
    }
    uint8_t digest[32];
    sha256_final(&sha, digest);
    if (!rc) {
        /* each chunk costs its header and a copy of the index (132 bytes for one frame): at
         * 64 KiB per chunk 0.2%, the margin --level max is about */
        uint32_t k = o->block_count ? o->block_count
                                    : v4b_k_for(S, level == HOLO_LEVEL_MAX ? V4B_BYTES_PER_CHUNK_MAX : V4B_BYTES_PER_CHUNK);
        if (k == 1 && S > V4B_BYTES_PER_CHUNK)   /* m = 1 rows are replicated and loaded whole */
            k = 2;
        double par = o->recovery > 0 ? (double)k * o->recovery : 0;
        uint64_t parity = (uint64_t)par + ((double)(uint64_t)par < par);
        if (k + parity > V4C_MAX_CHUNKS) {
            rc = holo_seterr(err, HOLO_EINVAL, "%s: %u data + %llu parity chunks exceed %d", input, k,
                             (unsigned long long)parity, V4C_MAX_CHUNKS);
        } else {
            v4c_spec sp = { .magic = { 'H', 'O', '4', 'B' }, .n = k + (unsigned)parity, .length = L, .ntiers = 2,
                            .flags = (uint8_t)((dict ? V4B_FLAG_DICT : 0) | filter) };
            memcpy(sp.sha256, digest, 32);
            /* Content id: the file's hash, its frames (sizes and CRCs) and the geometry. */
            sha256_ctx c;
            uint8_t cid[32], geo[8];
            sha256_init(&c);
            sha256_update(&c, digest, 32);
            sha256_update(&c, index, index_len);
            holo_wr32(geo, k); holo_wr32(geo + 4, sp.n);
            sha256_update(&c, geo, sizeof geo);
            sha256_final(&c, cid);
            sp.content_id = rd64(cid);
            sp.tier[0] = (v4c_source){ .m = 1, .S = index_len, .mem = index };
            sp.tier[1] = (v4c_source){ .m = k, .S = S, .read = spool_read, .ctx = &spool };
            rc = v4c_write(tmpdir, &sp, err);
        }
    }
    for (int t = 0; t < nt && ws; t++) {
        for (int c = 0; c < ws[t].ncand; c++) ZSTD_freeCCtx(ws[t].cctx[c]);
        free(ws[t].alt_out);
        free(ws[t].cols);
    }
    v4d_put(dict);
    if (spool >= 0) close(spool);
    close(in);
    free(index); free(raw); free(out); free(jobs); free(ws);
    return rc;
}

int holo_v4_binary_encode(const char *input, const char *tmpdir, const holo_encode_opts *o,
                          holo_err *err)
{
    int rc = encode_file(input, tmpdir, o, 1, err);
    /* the line filter met a NUL past the sample it was chosen on: again, without it */
    return rc == FILTER_REFUSED ? encode_file(input, tmpdir, o, 0, err) : rc;
}

/* ---- index ------------------------------------------------------------------------------ */
int v4b_index_parse(const uint8_t *idx, uint64_t idx_len, unsigned flags, uint64_t length,
                    uint64_t stream_len, const char *name, v4b_index *x, holo_err *err)
{
    memset(x, 0, sizeof *x);
    if (idx_len < V4B_INDEX_HEAD)
        return holo_seterr(err, HOLO_EINVAL, "%s: frame index too short (%llu bytes)", name, (unsigned long long)idx_len);
    x->frame_size = holo_rd32(idx);
    x->nframes = rd64(idx + 4);
    if (x->frame_size < V4B_FRAME_MIN || x->frame_size > V4B_FRAME_CAP)
        return holo_seterr(err, HOLO_EINVAL, "%s: frame size %u out of range", name, x->frame_size);
    uint64_t want = (length + x->frame_size - 1) / x->frame_size;
    uint64_t tail = flags & V4B_FLAG_DICT ? HOLO_DICT_ID_LEN : 0;
    if (x->nframes != want || idx_len != V4B_INDEX_HEAD + want * V4B_INDEX_ENTRY + tail)
        return holo_seterr(err, HOLO_EINVAL, "%s: frame index of %llu bytes does not describe %llu bytes in %u-byte frames",
                           name, (unsigned long long)idx_len, (unsigned long long)length, x->frame_size);
    x->off = malloc((x->nframes + 1) * sizeof *x->off);
    if (!x->off) return holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", name);
    x->entries = idx + V4B_INDEX_HEAD;
    uint64_t s = 0;
    for (uint64_t f = 0; f < x->nframes; f++) {
        uint32_t stored = holo_rd32(x->entries + f * V4B_INDEX_ENTRY);
        if (stored == 0 || stored > v4b_raw_len(x, length, f)) {
            free(x->off);
            x->off = NULL;
            return holo_seterr(err, HOLO_EINVAL, "%s: frame %llu stores %u bytes (raw %u)", name,
                               (unsigned long long)f, stored, v4b_raw_len(x, length, f));
        }
        x->off[f] = s;
        s += stored;
    }
    x->off[x->nframes] = s;
    if (s != stream_len) {
        free(x->off);
        x->off = NULL;
        return holo_seterr(err, HOLO_EINVAL, "%s: frames total %llu bytes, the stream holds %llu", name,
                           (unsigned long long)s, (unsigned long long)stream_len);
    }
    return 0;
}

uint32_t v4b_raw_len(const v4b_index *x, uint64_t length, uint64_t f)
{
    uint64_t start = f * x->frame_size;
    return length - start < x->frame_size ? (uint32_t)(length - start) : x->frame_size;
}

/* ---- holo_stream ------------------------------------------------------------------------ */
/* Decoded frames live in slots: the cache that serves small reads and, while reads run in
 * order, the frames a worker thread decodes ahead of the reader. The worker loads, checks
 * (CRC) and decompresses; the reader hashes (SHA-256 of the pass, until one pass has matched
 * for these chunk files: see "verified once" below) and copies out: on 2 cores each takes about
 * half the work of a first pass (bench_fs.sh section 4 and bench_binary4.sh measure it).
 * At most SLOT_BUDGET bytes of slots, at least 2 and at most SLOTS_MAX; buffers are allocated
 * when first used, and a random reader reuses the ones it has (one 64 MiB frame, not two).
 * Streams given a holo_membudget (holofs: one per mount) charge their slot buffers and
 * decoders to it: see "memory budget" below. */
#define SLOT_BUDGET (4u << 20)   /* 31 frames of 128 KiB ahead: 4 FUSE reads of 1 MiB */
#define SLOTS_MAX 64
/* Frames this large are decoded by the worker in steps the reader may copy from as they come
 * (a 64 MiB frame read 1 MiB at a time: the first bytes after one step, and the reader's hash
 * and write overlap the rest of the decode). */
#define PROGRESS_MIN (2u << 20)
#define PROGRESS_STEP (1u << 20)
/* zstd's ZSTD_d_stableOutBuffer (experimental in zstd.h, kept since 1.4.4): decode straight
 * into the slot, no window buffer; a libzstd refusing it decodes the frame in one call. */
#define ZSTD_D_STABLE_OUT ZSTD_d_experimentalParam2

enum { SLOT_FREE, SLOT_BUSY, SLOT_READY };

typedef struct slot {
    uint64_t frame;           /* the frame decoded (READY) or being decoded (BUSY) */
    uint64_t tick;            /* last use: the least recent is reused first */
    uint8_t *buf;             /* frame_size bytes, or NULL until first used */
    size_t avail;             /* bytes of buf decoded so far (all of the frame when READY) */
    int state;
    int pinned;               /* the reader is copying out of buf */
} slot;

typedef struct decoder {      /* what one thread needs to decode frames */
    ZSTD_DCtx *dctx;
    uint8_t *stored;          /* one stored frame (stored_bytes); charged with the context */
    uint8_t *cols;            /* one frame column by column (V4F_FLAG_COLUMNS), or NULL; charged too */
    int busy;                 /* in use (set under s->mu): not to be reclaimed */
} decoder;

struct holo_stream {
    v4c_reader *r;            /* thread-safe: preads on chunk files kept open */
    const v4c_hdr *h;
    v4b_index x;
    pthread_mutex_t rd;       /* one read at a time: the reader's decoder and the hash */
    decoder d;                /* the reader's */
    int verified;             /* 1 hash matched, -1 mismatch, 0 not yet */
    sha256_ctx seq;           /* reads from 0 onwards are hashed as they go */
    uint64_t seq_pos;
    uint64_t hashed_bytes;    /* bytes put through seq (holo_stream_info) */
    uint8_t pass_sig[32];     /* the chunk files' signature when the hashed pass began */
    int pass_settled;
    uint8_t vsig[32];         /* the signature verified == 1 holds for */
    int vsig_settled;         /* 0: passes are hashed again (the files may have changed) */
    uint64_t next_off;        /* where the last read ended: a read starting there is in order */
    uint64_t depth;           /* frames decoded ahead: doubles with each read in order */
    uint32_t corrupt;         /* chunks whose crc_rows failed in holo_stream_verify */
    holo_decode_opts o;       /* for the warning callback */
    v4d_dict *dict;           /* the store dictionary the frames need, or NULL */
    int can_ahead;            /* a second core to decode ahead on */
    uint32_t slot_bytes;      /* a decoded frame: the frame size, or the length if smaller */
    uint32_t stored_bytes;    /* the largest stored frame */
    holo_membudget *mb;       /* what slot buffers and decoders are charged to, or NULL */
    holo_stream *mb_next;     /* the budget's list of streams */
    int64_t used_ns;          /* under mu: when a read last took bytes from a frame */

    pthread_mutex_t mu;       /* the slots and the window below, shared with the worker */
    pthread_cond_t cv;        /* a slot changed state, or the window moved */
    slot slots[SLOTS_MAX];
    int nslots;
    uint64_t tick;
    uint64_t ra_lo, ra_hi;    /* the window: frames [lo, hi) are wanted, not to be reused */
    uint64_t ra_next;         /* the next frame of the window the worker looks at */
    uint64_t asked;           /* a large frame the reader waits for (UINT64_MAX: none) */
    int stop;
    int worker_on;
    pthread_t worker;
    decoder wd;               /* the worker's */
};

holo_stream *holo_stream_open(const char *dir, const holo_decode_opts *o, holo_err *err)
{
    v4c_reader *r;
    if (v4c_open(dir, o, 1, &r, err)) return NULL;
    const v4c_hdr *h = v4c_header(r);
    if (memcmp(h->magic, "HO4B", 4) || h->ntiers != 2 || h->m[0] != 1) {
        holo_seterr(err, HOLO_EUNSUPPORTED, "%s: not a binary v4 (HO4B) chunk set", dir);
        v4c_close(r);
        return NULL;
    }
    if ((h->flags & ~(V4B_FLAG_DICT | V4F_FLAGS)) || !V4F_VALID(h->flags)) {
        holo_seterr(err, HOLO_EUNSUPPORTED, "%s: HO4B flags 0x%02x: written by a newer holo", dir, h->flags);
        v4c_close(r);
        return NULL;
    }
    holo_stream *s = calloc(1, sizeof *s);
    if (!s) { v4c_close(r); holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", dir); return NULL; }
    s->r = r;
    s->h = h;
    if (o) s->o = *o;
    if (v4b_index_parse(v4c_m1(r, 0), h->S[0], h->flags, h->length, h->S[1], dir, &s->x, err)) {
        v4c_close(r);
        free(s);
        return NULL;
    }
    if (h->flags & V4B_FLAG_DICT) {   /* no dictionary, no bytes: fail here, not mid-read */
        char dd[PATH_MAX];
        int found = v4d_dir_for(o ? o->dict_dir : NULL, dir, dd, sizeof dd) == 0;
        if (v4d_get(found ? dd : NULL, v4c_m1(r, 0) + h->S[0] - HOLO_DICT_ID_LEN, dir, &s->dict, err)) {
            free(s->x.off);
            v4c_close(r);
            free(s);
            return NULL;
        }
    }
    pthread_mutex_init(&s->rd, NULL);
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    s->slot_bytes = h->length < s->x.frame_size ? (uint32_t)h->length : s->x.frame_size;
    for (uint64_t f = 0; f < s->x.nframes; f++)
        if (s->x.off[f + 1] - s->x.off[f] > s->stored_bytes) s->stored_bytes = (uint32_t)(s->x.off[f + 1] - s->x.off[f]);
    s->nslots = (int)(SLOT_BUDGET / (s->slot_bytes ? s->slot_bytes : 1));
    s->nslots = s->nslots < 2 ? 2 : s->nslots > SLOTS_MAX ? SLOTS_MAX : s->nslots;
    s->can_ahead = holo_thread_count(o ? o->threads : 0) > 1 &&
                   (s->x.nframes > 1 || s->x.frame_size >= PROGRESS_MIN);
    s->asked = UINT64_MAX;
    sha256_init(&s->seq);
    if (h->length == 0) {
        uint8_t d[32];
        sha256_final(&s->seq, d);
        s->verified = memcmp(d, h->sha256, 32) ? -1 : 1;
    }
    return s;
}

/* ---- memory budget -----------------------------------------------------------------------
 * Slot buffers and decoders (stored-frame buffer and zstd context) are charged to the stream's
 * budget while allocated. Read-ahead takes memory only while it fits and no read waits; a read
 * that needs memory (its frame's slot, its decoder) waits its turn, first come first served,
 * reclaiming the idle buffers of every stream on the budget (not busy, not pinned) until its
 * need fits, or until nothing at all is charged: a need larger than the whole budget runs
 * alone. So the charged memory stays within max(budget, one read's need) whatever the number
 * of streams, and a read never fails for want of budget.
 * Streams read within MB_HOT_NS keep their buffers until the waiting read has waited
 * MB_STEAL_NS: taken from a reader between two of its requests, a frame would be decoded again
 * for each (16 readers of 48 MiB frames under 256 MiB: 35 s where taking turns by file takes
 * seconds); a handle left open and unread gives its buffers back after MB_HOT_NS. */
#define DCTX_BYTES (160u << 10)    /* a zstd decompression context (ZSTD_sizeof_DCtx) */
#define MB_RETRY_NS 20000000L      /* a waiting read looks for idle buffers again this often */
#define MB_HOT_NS 500000000LL
#define MB_STEAL_NS 2000000000LL

static int64_t mono_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000LL + t.tv_nsec;
}

struct holo_membudget {
    pthread_mutex_t mu;       /* taken after a stream's mu, never before (reclaim trylocks) */
    pthread_cond_t cv;        /* memory given back, a read ended, or a turn passed */
    uint64_t cap, used, peak;
    uint64_t next_ticket, serving;   /* the reads waiting for memory, in turn */
    holo_stream *streams;
};

holo_membudget *holo_membudget_new(uint64_t bytes)
{
    holo_membudget *b = calloc(1, sizeof *b);
    if (!b) return NULL;
    pthread_mutex_init(&b->mu, NULL);
    pthread_cond_init(&b->cv, NULL);
    b->cap = bytes;
    return b;
}

void holo_membudget_free(holo_membudget *b)
{
    if (!b) return;
    pthread_cond_destroy(&b->cv);
    pthread_mutex_destroy(&b->mu);
    free(b);
}

void holo_membudget_stat(holo_membudget *b, uint64_t *used, uint64_t *peak)
{
    pthread_mutex_lock(&b->mu);
    if (used) *used = b->used;
    if (peak) *peak = b->peak;
    pthread_mutex_unlock(&b->mu);
}

void holo_stream_set_budget(holo_stream *s, holo_membudget *b)
{
    if (!b || s->mb) return;
    pthread_mutex_lock(&b->mu);
    s->mb = b;
    s->mb_next = b->streams;
    b->streams = s;
    pthread_mutex_unlock(&b->mu);
}

/* What one decoder holds: its stored-frame buffer and zstd context, and with the column filter
 * the column buffer decode_columns allocates (bounded by the largest frame, frame 0). */
static uint64_t decoder_bytes(const holo_stream *s)
{
    uint64_t cols = s->h->flags & V4F_RESIZING ? V4F_COLUMNS_BOUND((size_t)v4b_raw_len(&s->x, s->h->length, 0)) : 0;
    return (uint64_t)s->stored_bytes + DCTX_BYTES + cols;
}

/* Slot and stored-frame buffers are mapped on their own: freed, they leave the process at
 * once (freed into a thread's malloc arena they could stay resident, beyond the budget). */
static void *frame_alloc(size_t n)
{
    void *p = mmap(NULL, n ? n : 1, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

static void frame_free(void *p, size_t n)
{
    if (p) munmap(p, n ? n : 1);
}

static void decoder_free(const holo_stream *s, decoder *d)
{
    frame_free(d->stored, s->stored_bytes);
    free(d->cols);
    ZSTD_freeDCtx(d->dctx);
    d->stored = NULL;
    d->cols = NULL;
    d->dctx = NULL;
}

static void mb_give(holo_membudget *b, uint64_t n)
{
    if (!b || !n) return;
    pthread_mutex_lock(&b->mu);
    b->used -= n;
    pthread_cond_broadcast(&b->cv);
    pthread_mutex_unlock(&b->mu);
}

/* With b->mu held: free the idle buffers of t (its mu not held by anyone else) until `want`
 * bytes fit; 1 when they do. */
static int reclaim_from(holo_membudget *b, holo_stream *t, uint64_t want)
{
    for (int i = 0; i < t->nslots && b->used + want > b->cap; i++) {
        slot *c = &t->slots[i];
        if (c->state == SLOT_BUSY || c->pinned || !c->buf) continue;
        frame_free(c->buf, t->slot_bytes);
        c->buf = NULL;
        c->state = SLOT_FREE;
        c->avail = 0;
        b->used -= t->slot_bytes;
    }
    decoder *ds[2] = { &t->wd, &t->d };
    for (int i = 0; i < 2 && b->used + want > b->cap; i++) {
        if (ds[i]->busy || !ds[i]->stored) continue;
        decoder_free(t, ds[i]);
        b->used -= decoder_bytes(t);
    }
    pthread_cond_broadcast(&t->cv);   /* the worker sees its slots gone */
    return b->used + want <= b->cap;
}

/* With b->mu held: reclaim idle buffers, other streams' first; of streams read within
 * MB_HOT_NS only when hot. */
static void reclaim(holo_membudget *b, holo_stream *self, uint64_t want, int hot)
{
    int64_t now = mono_ns();
    for (int own = 0; own < 2; own++)
        for (holo_stream *t = b->streams; t && b->used + want > b->cap; t = t->mb_next) {
            if ((t == self) != own || pthread_mutex_trylock(&t->mu)) continue;
            if (t == self || hot || now - t->used_ns >= MB_HOT_NS) reclaim_from(b, t, want);
            pthread_mutex_unlock(&t->mu);
        }
}

/* Charge n bytes to s's budget. Optional (read-ahead): 1 only when it fits with no read
 * waiting, else 0. Required (a read): waits its turn and for room, always 1. */
static int mb_take(holo_stream *s, uint64_t n, int required)
{
    holo_membudget *b = s->mb;
    if (!b || !n) return 1;
    pthread_mutex_lock(&b->mu);
    if (!required) {
        int ok = b->serving == b->next_ticket && b->used + n <= b->cap;
        if (ok && (b->used += n) > b->peak) b->peak = b->used;
        pthread_mutex_unlock(&b->mu);
        return ok;
    }
    uint64_t me = b->next_ticket++;
    int64_t since = 0;
    for (;;) {
        if (b->serving == me) {
            if (!since) since = mono_ns();
            if (b->used + n > b->cap) reclaim(b, s, n, mono_ns() - since >= MB_STEAL_NS);
            if (b->used + n <= b->cap || b->used == 0) break;
        }
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += MB_RETRY_NS;
        if (until.tv_nsec >= 1000000000L) { until.tv_sec++; until.tv_nsec -= 1000000000L; }
        pthread_cond_timedwait(&b->cv, &b->mu, &until);
    }
    if ((b->used += n) > b->peak) b->peak = b->used;
    b->serving++;
    pthread_cond_broadcast(&b->cv);
    pthread_mutex_unlock(&b->mu);
    return 1;
}

/* Charge and allocate what decoding frame f into slot c (NULL: into the caller's buffer) with
 * decoder d lacks. c is BUSY and d busy (claimed under s->mu), so no reclaim touches them.
 * 0; 1 refused (optional); HOLO_ENOMEM. */
static int get_memory(holo_stream *s, decoder *d, slot *c, int required, holo_err *err)
{
    uint64_t cb = c && !c->buf ? s->slot_bytes : 0, db = d->stored ? 0 : decoder_bytes(s);
    if (!cb && !db) return 0;
    if (!mb_take(s, cb + db, 0)) {
        if (!required) return 1;
        /* a read waiting for memory holds none it could not give back: what it has goes
         * back first, and the whole need is taken at once (no two reads hold half each) */
        uint64_t had = (c && c->buf ? s->slot_bytes : 0) + (d->stored ? decoder_bytes(s) : 0);
        if (c && c->buf) { frame_free(c->buf, s->slot_bytes); c->buf = NULL; }
        if (d->stored) decoder_free(s, d);
        mb_give(s->mb, had);
        cb = c ? s->slot_bytes : 0;
        db = decoder_bytes(s);
        mb_take(s, cb + db, 1);
    }
    if (cb && !(c->buf = frame_alloc(s->slot_bytes))) {
        mb_give(s->mb, cb + db);
        return holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", v4c_dir(s->r));
    }
    if (db && !(d->stored = frame_alloc(s->stored_bytes))) {
        mb_give(s->mb, db);
        return holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", v4c_dir(s->r));
    }
    return 0;
}

/* After a read: the reads waiting for memory look again (this stream's buffers are idle). */
static void mb_poke(holo_stream *s)
{
    holo_membudget *b = s->mb;
    if (!b) return;
    pthread_mutex_lock(&b->mu);
    if (b->serving != b->next_ticket) pthread_cond_broadcast(&b->cv);
    pthread_mutex_unlock(&b->mu);
}

/* ---- verified once per state of the chunk files -------------------------------------------
 * A pass that matched the SHA-256 is remembered for the chunk files' signature (below); later
 * passes over files with the same signature rely on the frames' CRCs, and holofs carries the
 * verdict to later opens of the set (holo_stream_trust). A chunk rewritten, even in place with
 * the same size, gets a new ctime, so a new signature: its next pass is hashed again.
 * Timestamps come from a coarse clock (and some filesystems keep whole seconds), so a file
 * changed twice within one tick can keep its ctime: a pass over chunks whose status changed
 * less than SETTLE_NS before it began is not remembered (git's "racily clean" rule). */
#define SETTLE_NS 2000000000LL

/* SHA-256 of the set's hash and each present chunk's id, dev, ino, size, mtime and ctime (ns).
 * 1 when every chunk's ctime is SETTLE_NS or more before now, 0 when not, -1 when a chunk
 * cannot be stat'ed (never remembered). */
static int set_signature(const holo_stream *s, uint8_t sig[32])
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);     /* before the stats: a change after them is later */
    int64_t settle_before = (int64_t)now.tv_sec * 1000000000LL + now.tv_nsec - SETTLE_NS;
    int settled = 1;
    sha256_ctx c;
    sha256_init(&c);
    sha256_update(&c, s->h->sha256, 32);
    for (unsigned i = 0; i < s->h->n; i++) {
        int fd = v4c_fd(s->r, i);
        struct stat st;
        if (fd < 0) continue;
        if (fstat(fd, &st)) return -1;
        int64_t rec[8] = { i, (int64_t)st.st_dev, (int64_t)st.st_ino, (int64_t)st.st_size,
                           (int64_t)st.st_mtim.tv_sec, st.st_mtim.tv_nsec,
                           (int64_t)st.st_ctim.tv_sec, st.st_ctim.tv_nsec };
        sha256_update(&c, rec, sizeof rec);
        if ((int64_t)st.st_ctim.tv_sec * 1000000000LL + st.st_ctim.tv_nsec > settle_before)
            settled = 0;
    }
    sha256_final(&c, sig);
    return settled;
}

/* Forget the decoded frames (s->rd held, so the reader pins none), waiting for those the
 * worker is decoding: a hashed pass decodes from the chunk files as they were when it began,
 * so that its verdict holds for their signature. */
static void drop_slots(holo_stream *s)
{
    pthread_mutex_lock(&s->mu);
    for (int i = 0; i < s->nslots; i++) {
        slot *c = &s->slots[i];
        while (c->state == SLOT_BUSY) pthread_cond_wait(&s->cv, &s->mu);
        if (c->state == SLOT_READY) {
            c->state = SLOT_FREE;
            c->avail = 0;
        }
    }
    pthread_mutex_unlock(&s->mu);
}

/* A read at byte 0 (s->rd held): a verdict for files that changed since is dropped (the pass is
 * hashed again); a pass about to be hashed notes the files' signature first. */
static void pass_begins(holo_stream *s)
{
    uint8_t now[32];
    if (s->verified == 1 &&
        !(s->vsig_settled && set_signature(s, now) >= 0 && memcmp(now, s->vsig, 32) == 0)) {
        s->verified = 0;
        sha256_init(&s->seq);
        s->seq_pos = 0;
    }
    if (s->verified == 0 && s->seq_pos == 0) {
        s->pass_settled = set_signature(s, s->pass_sig) == 1;
        drop_slots(s);
    }
}

/* The pass just matched the SHA-256 (s->rd held): remembered only when the files were settled
 * when it began and still have the signature they had then. */
static void pass_verified(holo_stream *s)
{
    uint8_t end[32];
    memcpy(s->vsig, s->pass_sig, 32);
    s->vsig_settled = s->pass_settled && set_signature(s, end) >= 0 && memcmp(end, s->pass_sig, 32) == 0;
}

int holo_stream_verified(holo_stream *s)
{
    pthread_mutex_lock(&s->rd);
    int v = s->verified;
    pthread_mutex_unlock(&s->rd);
    return v;
}

int holo_stream_verified_sig(holo_stream *s, uint8_t sig[32])
{
    pthread_mutex_lock(&s->rd);
    int ok = s->verified == 1 && s->vsig_settled && s->h->length;
    if (ok) memcpy(sig, s->vsig, 32);
    pthread_mutex_unlock(&s->rd);
    return ok;
}

int holo_stream_trust(holo_stream *s, const uint8_t sig[32])
{
    uint8_t now[32];
    pthread_mutex_lock(&s->rd);
    int ok = s->verified == 0 && s->seq_pos == 0 && set_signature(s, now) == 1 &&
             memcmp(now, sig, 32) == 0;
    if (ok) {
        s->verified = 1;
        s->seq_pos = s->h->length;
        memcpy(s->vsig, sig, 32);
        s->vsig_settled = 1;
    }
    pthread_mutex_unlock(&s->rd);
    return ok;
}

void holo_stream_close(holo_stream *s)
{
    if (!s) return;
    if (s->worker_on) {
        pthread_mutex_lock(&s->mu);
        s->stop = 1;
        pthread_cond_broadcast(&s->cv);
        pthread_mutex_unlock(&s->mu);
        pthread_join(s->worker, NULL);
    }
    if (s->mb) {   /* off the list first: no reclaim looks at s from here on */
        pthread_mutex_lock(&s->mb->mu);
        holo_stream **pp = &s->mb->streams;
        while (*pp != s) pp = &(*pp)->mb_next;
        *pp = s->mb_next;
        pthread_mutex_unlock(&s->mb->mu);
    }
    uint64_t held = 0;
    for (int i = 0; i < SLOTS_MAX; i++) {
        if (s->slots[i].buf) held += s->slot_bytes;
        frame_free(s->slots[i].buf, s->slot_bytes);
    }
    held += (s->d.stored ? decoder_bytes(s) : 0) + (s->wd.stored ? decoder_bytes(s) : 0);
    decoder_free(s, &s->d);
    decoder_free(s, &s->wd);
    mb_give(s->mb, held);
    v4d_put(s->dict);
    free(s->x.off);
    pthread_cond_destroy(&s->cv);
    pthread_mutex_destroy(&s->mu);
    pthread_mutex_destroy(&s->rd);
    v4c_close(s->r);
    free(s);
}

uint64_t holo_stream_size(const holo_stream *s) { return s->h->length; }

static int frame_readable(const holo_stream *s, uint64_t f)
{
    return v4c_readable(s->r, 1, s->x.off[f], s->x.off[f + 1] - s->x.off[f]);
}

static uint64_t frame_crc_ok(const holo_stream *s, uint64_t f, const uint8_t *p, uint32_t n)
{
    return (uint32_t)crc32(crc32(0L, Z_NULL, 0), p, n) == holo_rd32(s->x.entries + f * V4B_INDEX_ENTRY + 4);
}

/* Read frame f's stored bytes into stored and check its CRC. When they fail, each present
 * chunk is distrusted in turn and the frame rebuilt without it; when that fails too, every
 * chunk failing its whole-chunk CRC counts as missing from then on: any number of corrupt
 * chunks (data or parity) is survived whenever k others remain, else the frame is a hole. */
static int load_stored(const holo_stream *s, uint64_t f, uint8_t *stored, uint32_t n, holo_err *err)
{
    const char *dir = v4c_dir(s->r);
    uint64_t off = s->x.off[f];
    if (!frame_readable(s, f))
        return holo_seterr(err, HOLO_EHOLE, "%s: bytes %llu-%llu are missing: no chunk set can rebuild them",
                           dir, (unsigned long long)(f * s->x.frame_size),
                           (unsigned long long)(f * s->x.frame_size + v4b_raw_len(&s->x, s->h->length, f) - 1));
    int rc = v4c_read(s->r, 1, off, stored, n, V4C_NO_AVOID, err);
    if (rc) return rc;
    if (frame_crc_ok(s, f, stored, n)) return 0;
    for (unsigned i = 0; i < s->h->n; i++) {
        if (v4c_has(s->r, i) && v4c_read(s->r, 1, off, stored, n, i, NULL) == 0 &&
            frame_crc_ok(s, f, stored, n))
            return 0;
    }
    /* More than one corrupt chunk: find them by their CRCs, count them all as missing. */
    unsigned bad = 0;
    for (unsigned i = 0; i < s->h->n; i++)
        if (v4c_has(s->r, i) && v4c_check_rows(s->r, i, NULL) == HOLO_EINVAL) {
            v4c_distrust(s->r, i);
            bad++;
        }
    if (bad && frame_readable(s, f)) {
        if (v4c_read(s->r, 1, off, stored, n, V4C_NO_AVOID, NULL) == 0 && frame_crc_ok(s, f, stored, n))
            return 0;
    } else if (bad) {
        return holo_seterr(err, HOLO_EHOLE, "%s: frame %llu (bytes from %llu): %u chunks fail their CRC, too few remain",
                           dir, (unsigned long long)f, (unsigned long long)(f * s->x.frame_size), bad);
    }
    return holo_seterr(err, HOLO_EINVAL, "%s: frame %llu (bytes from %llu) fails its CRC: a chunk is corrupt",
                       dir, (unsigned long long)f, (unsigned long long)(f * s->x.frame_size));
}

/* Frame f, n stored bytes in d->stored, through the column filter into dst (raw bytes): zstd
 * may write at most V4F_COLUMNS_BOUND(raw) bytes whatever its frame header says, and the
 * columns must rebuild exactly raw bytes. */
static int decode_columns(const holo_stream *s, decoder *d, uint64_t f, uint32_t n, uint32_t raw, uint8_t *dst,
                          holo_err *err)
{
    size_t cap = V4F_COLUMNS_BOUND((size_t)v4b_raw_len(&s->x, s->h->length, 0));   /* frame 0 is the largest */
    if (!d->cols && !(d->cols = malloc(cap)))
        return holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", v4c_dir(s->r));
    size_t got = ZSTD_decompressDCtx(d->dctx, d->cols, V4F_COLUMNS_BOUND((size_t)raw), d->stored, n);
    if (ZSTD_isError(got))
        return holo_seterr(err, HOLO_EINVAL, "%s: frame %llu does not decompress within %zu bytes", v4c_dir(s->r),
                           (unsigned long long)f, V4F_COLUMNS_BOUND((size_t)raw));
    if (v4f_columns_decode(d->cols, got, dst, raw))
        return holo_seterr(err, HOLO_EINVAL, "%s: frame %llu: its columns do not rebuild %u bytes", v4c_dir(s->r),
                           (unsigned long long)f, raw);
    return 0;
}

/* Decode frame f into dst (raw_len bytes) with decoder d (one thread's). */
static int decode_frame(const holo_stream *s, decoder *d, uint64_t f, uint8_t *dst, holo_err *err)
{
    uint32_t n = (uint32_t)(s->x.off[f + 1] - s->x.off[f]), raw = v4b_raw_len(&s->x, s->h->length, f);
    if (!d->stored)   /* get_memory gives it */
        return holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", v4c_dir(s->r));
    int rc = load_stored(s, f, d->stored, n, err);
    if (rc) return rc;
    int resized = (s->h->flags & V4F_RESIZING) != 0;
    if (n == raw) {   /* stored raw: filtered in place, or as it came (a resizing filter) */
        memcpy(dst, d->stored, n);
        if (!resized) v4f_decode(s->h->flags, dst, raw);
        return 0;
    }
    if (!d->dctx && !(d->dctx = ZSTD_createDCtx()))
        return holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", v4c_dir(s->r));
    if (resized) return decode_columns(s, d, f, n, raw, dst, err);
    size_t got = s->dict ? ZSTD_decompress_usingDDict(d->dctx, dst, raw, d->stored, n, v4d_ddict(s->dict))
                         : ZSTD_decompressDCtx(d->dctx, dst, raw, d->stored, n);
    if (ZSTD_isError(got) || got != raw)
        return holo_seterr(err, HOLO_EINVAL, "%s: frame %llu does not decompress to %u bytes", v4c_dir(s->r),
                           (unsigned long long)f, raw);
    v4f_decode(s->h->flags, dst, raw);   /* the frame filter, if any (holo(5) "HO4B FILTERS") */
    return 0;
}

/* With s->mu held: the slot holding (or decoding) frame f, or NULL. */
static slot *slot_of(holo_stream *s, uint64_t f)
{
    for (int i = 0; i < s->nslots; i++)
        if (s->slots[i].state != SLOT_FREE && s->slots[i].frame == f) return &s->slots[i];
    return NULL;
}

static int in_window(const holo_stream *s, uint64_t f) { return f >= s->ra_lo && f < s->ra_hi; }

/* With s->mu held: a slot to decode into, or NULL. Allocated buffers are reused first, least
 * recently used first; frames the window still wants only by the reader (ahead: never). */
static slot *slot_to_reuse(holo_stream *s, int ahead)
{
    slot *best = NULL;
    int best_rank = 4;
    for (int i = 0; i < s->nslots; i++) {
        slot *c = &s->slots[i];
        int rank;
        if (c->state == SLOT_BUSY || c->pinned) continue;
        if (c->state == SLOT_FREE) rank = c->buf ? 0 : 2;
        else rank = in_window(s, c->frame) ? 3 : 1;
        if (ahead && rank == 3) continue;
        if (rank < best_rank || (rank == best_rank && c->tick < best->tick)) { best = c; best_rank = rank; }
    }
    return best;
}

/* Decode a large frame f into slot c, publishing c->avail every PROGRESS_STEP bytes; the
 * stored bytes pass their CRC before any is decoded. 1: zstd refused streaming into the slot
 * (decode it in one call). */
static int fill_progressive(holo_stream *s, decoder *d, slot *c, uint64_t f)
{
    uint32_t n = (uint32_t)(s->x.off[f + 1] - s->x.off[f]), raw = v4b_raw_len(&s->x, s->h->length, f);
    if (n == raw) return 1;
    if (!d->dctx && !(d->dctx = ZSTD_createDCtx())) return -1;
    ZSTD_DCtx_reset(d->dctx, ZSTD_reset_session_and_parameters);
    if (ZSTD_isError(ZSTD_DCtx_setParameter(d->dctx, ZSTD_D_STABLE_OUT, 1)) ||
        (s->dict && ZSTD_isError(ZSTD_DCtx_refDDict(d->dctx, v4d_ddict(s->dict))))) {
        ZSTD_DCtx_reset(d->dctx, ZSTD_reset_session_and_parameters);
        return 1;
    }
    if (!d->stored) return -1;
    if (load_stored(s, f, d->stored, n, NULL)) return -1;
    ZSTD_outBuffer out = { c->buf, raw, 0 };
    ZSTD_inBuffer in = { d->stored, 0, 0 };
    size_t told = 0, left = 1;
    while (left) {
        in.size = n - in.size < PROGRESS_STEP / 4 ? n : in.size + PROGRESS_STEP / 4;
        size_t before = in.pos + out.pos;
        left = ZSTD_decompressStream(d->dctx, &out, &in);
        if (ZSTD_isError(left) || (left && in.size == n && in.pos + out.pos == before)) break;
        if (out.pos - told >= PROGRESS_STEP || !left) {
            pthread_mutex_lock(&s->mu);
            c->avail = told = out.pos;
            pthread_cond_broadcast(&s->cv);
            pthread_mutex_unlock(&s->mu);
        }
    }
    int rc = left || out.pos != raw ? -1 : 0;
    ZSTD_DCtx_reset(d->dctx, ZSTD_reset_session_and_parameters);
    return rc;
}

/* Decode frame f into slot c, claimed BUSY under s->mu, its memory given (get_memory); called
 * without s->mu. */
static int fill_slot(holo_stream *s, decoder *d, slot *c, uint64_t f, int progressive, holo_err *err)
{
    if (!c->buf)
        return holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", v4c_dir(s->r));
    /* a filtered frame is served only once whole: its bytes are final after v4f_decode */
    int rc = progressive && !(s->h->flags & V4F_FLAGS) && v4b_raw_len(&s->x, s->h->length, f) >= PROGRESS_MIN
                 ? fill_progressive(s, d, c, f) : 1;
    return rc <= 0 ? rc : decode_frame(s, d, f, c->buf, err);
}

/* The worker: decodes the window's frames in order into slots the reader no longer needs.
 * A frame it cannot decode (a hole, a bad CRC) is left to the reader, who reports it. */
static void *ahead_main(void *arg)
{
    holo_stream *s = arg;
    pthread_mutex_lock(&s->mu);
    while (!s->stop) {
        slot *c = NULL;
        uint64_t f = 0;
        while (s->ra_next < s->ra_hi) {
            f = s->ra_next;
            if (slot_of(s, f) || !frame_readable(s, f)) { s->ra_next++; continue; }
            if ((c = slot_to_reuse(s, 1)) && get_memory(s, &s->wd, c, 0, NULL)) {
                /* no room in the budget: the reader decodes this frame (the one it asked
                 * for) or, reading on, the window's frames itself */
                c = NULL;
                if (f == s->asked) { s->ra_next++; pthread_cond_broadcast(&s->cv); continue; }
                s->ra_next = s->ra_hi;
            }
            if (c) s->ra_next++;
            break;
        }
        if (!c) { pthread_cond_wait(&s->cv, &s->mu); continue; }
        c->state = SLOT_BUSY;
        c->frame = f;
        c->avail = 0;
        s->wd.busy = 1;
        pthread_mutex_unlock(&s->mu);
        int rc = fill_slot(s, &s->wd, c, f, 1, NULL);
        pthread_mutex_lock(&s->mu);
        s->wd.busy = 0;
        c->state = rc ? SLOT_FREE : SLOT_READY;
        c->avail = rc ? 0 : v4b_raw_len(&s->x, s->h->length, f);
        c->tick = ++s->tick;
        pthread_cond_broadcast(&s->cv);
    }
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

/* With s->mu held: the worker decodes frames [lo, hi) (started the first time). */
static void set_window(holo_stream *s, uint64_t lo, uint64_t hi)
{
    if (lo < s->ra_lo || s->ra_next < lo) s->ra_next = lo;
    s->ra_lo = lo;
    s->ra_hi = hi;
    if (hi > lo && !s->worker_on)
        s->worker_on = pthread_create(&s->worker, NULL, ahead_main, s) == 0;
    pthread_cond_broadcast(&s->cv);
}

/* After a read of [off, end): in order, the window moves to the frames after it (twice as
 * deep as last time, up to the slots but one) and the worker is woken (started the first
 * time); out of order, the window closes. */
static void move_window(holo_stream *s, uint64_t off, uint64_t end, uint64_t frames_read)
{
    int in_order = off == s->next_off;
    s->next_off = end;
    if (!s->can_ahead) return;
    uint64_t lo = end / s->x.frame_size, want = frames_read * 2;
    if (in_order) s->depth = s->depth * 2 > want ? s->depth * 2 : want;
    else s->depth = 0;
    if (s->depth > (uint64_t)s->nslots - 1) s->depth = (uint64_t)s->nslots - 1;
    pthread_mutex_lock(&s->mu);
    set_window(s, lo, s->depth ? (lo + s->depth < s->x.nframes ? lo + s->depth : s->x.nframes) : lo);
    pthread_mutex_unlock(&s->mu);
}

/* With s->mu held: a large frame f, not in a slot, goes to the worker, which decodes it in
 * steps the reader copies from as they come. 0 when there is no worker to ask. */
static int ask_worker(holo_stream *s, uint64_t f)
{
    if (s->asked == f) return s->ra_next <= f && s->worker_on;   /* not reached yet: wait */
    s->asked = f;
    s->ra_next = f;   /* also when the worker passed it (a reader gone back) */
    set_window(s, f, s->ra_hi > f + 1 && s->ra_lo <= f ? s->ra_hi : f + 1);
    return s->worker_on;
}

/* Bytes [in, in+take) of frame f into dst: from a slot (waiting for the worker while it
 * decodes f; a large frame only until those bytes are out), else decoded here, into dst
 * directly when the read covers the whole frame. A large frame read in parts goes to the
 * worker; one it cannot decode (a hole, a bad CRC) is decoded here, reporting the error. */
static int read_frame(holo_stream *s, uint64_t f, size_t in, size_t take, uint8_t *dst, holo_err *err)
{
    uint32_t raw = v4b_raw_len(&s->x, s->h->length, f);
    int whole = in == 0 && take == raw, big = raw >= PROGRESS_MIN && s->can_ahead;
    slot *c;
    pthread_mutex_lock(&s->mu);
    for (;;) {
        c = slot_of(s, f);
        if (c && (c->state == SLOT_READY || c->avail >= in + take)) break;
        if (!c && (whole || !big || !frame_readable(s, f) || !ask_worker(s, f))) break;
        pthread_cond_wait(&s->cv, &s->mu);
    }
    if (s->asked == f) s->asked = UINT64_MAX;
    if (!c && whole) {
        s->d.busy = 1;
        pthread_mutex_unlock(&s->mu);
        int rc = get_memory(s, &s->d, NULL, 1, err);
        if (!rc) rc = decode_frame(s, &s->d, f, dst, err);
        pthread_mutex_lock(&s->mu);
        s->d.busy = 0;
        s->used_ns = mono_ns();
        pthread_mutex_unlock(&s->mu);
        return rc;
    }
    int rc = 0;
    if (!c) {
        while (!(c = slot_to_reuse(s, 0))) pthread_cond_wait(&s->cv, &s->mu);   /* worker's */
        c->state = SLOT_BUSY;
        c->frame = f;
        c->avail = 0;
        s->d.busy = 1;
        pthread_mutex_unlock(&s->mu);
        rc = get_memory(s, &s->d, c, 1, err);
        if (!rc) rc = fill_slot(s, &s->d, c, f, 0, err);
        pthread_mutex_lock(&s->mu);
        s->d.busy = 0;
        c->state = rc ? SLOT_FREE : SLOT_READY;
        c->avail = rc ? 0 : raw;
        pthread_cond_broadcast(&s->cv);
    }
    if (!rc) {   /* the worker may still be decoding past the bytes copied */
        c->tick = ++s->tick;
        c->pinned = 1;
        pthread_mutex_unlock(&s->mu);
        memcpy(dst, c->buf + in, take);
        pthread_mutex_lock(&s->mu);
        c->pinned = 0;
        s->used_ns = mono_ns();
        pthread_cond_broadcast(&s->cv);
    }
    pthread_mutex_unlock(&s->mu);
    return rc;
}

int64_t holo_stream_read(holo_stream *s, uint64_t off, void *buf, size_t len, holo_err *err)
{
    uint64_t L = s->h->length;
    if (off >= L || len == 0) return 0;
    if (len > L - off) len = (size_t)(L - off);
    if (len > INT64_MAX) len = INT64_MAX;
    uint8_t *p = buf;
    uint32_t F = s->x.frame_size;
    int rc = 0;
    pthread_mutex_lock(&s->rd);
    if (off == 0) pass_begins(s);
    for (uint64_t pos = off, end = off + len; pos < end && !rc;) {
        uint64_t f = pos / F, fstart = f * F;
        uint32_t raw = v4b_raw_len(&s->x, L, f);
        size_t in = (size_t)(pos - fstart), take = raw - in < end - pos ? raw - in : (size_t)(end - pos);
        rc = read_frame(s, f, in, take, p + (pos - off), err);
        pos += take;
    }
    if (!rc) move_window(s, off, off + len, (off + len - 1) / F - off / F + 1);
    /* A sequential pass from byte 0 is checked against the recorded hash as it goes: the read
     * that completes it fails if the bytes differ, so a reader never takes wrong bytes as good.
     * Once verified for these chunk files (pass_begins), passes rely on the frames' CRCs. */
    if (!rc && off == s->seq_pos && !s->verified) {
        sha256_update(&s->seq, buf, len);
        s->seq_pos += len;
        s->hashed_bytes += len;
        if (s->seq_pos == L) {
            uint8_t d[32];
            sha256_final(&s->seq, d);
            s->verified = memcmp(d, s->h->sha256, 32) ? -1 : 1;
            if (s->verified == 1) pass_verified(s);
        }
    }
    if (!rc && s->verified < 0)
        rc = holo_seterr(err, HOLO_EINVAL, "%s: decoded bytes do not match the recorded SHA-256", v4c_dir(s->r));
    pthread_mutex_unlock(&s->rd);
    mb_poke(s);
    return rc ? rc : (int64_t)len;
}
size_t holo_stream_holes(holo_stream *s, holo_range *ranges, size_t max)
{
    size_t count = 0;
    holo_range cur = { 0, 0 };
    uint64_t L = s->h->length, F = s->x.frame_size;
    for (uint64_t f = 0; f <= s->x.nframes; f++) {
        int hole = f < s->x.nframes && !frame_readable(s, f);
        if (hole && cur.len && cur.off + cur.len == f * F) {   /* extends the open range */
            cur.len += v4b_raw_len(&s->x, L, f);
            continue;
        }
        if (cur.len) {                                           /* close it */
            if (count < max) ranges[count] = cur;
            count++;
            cur.len = 0;
        }
        if (hole) cur = (holo_range){ f * F, v4b_raw_len(&s->x, L, f) };
    }
    return count;
}

void holo_stream_stat(const holo_stream *s, holo_stream_info *info)
{
    memset(info, 0, sizeof *info);
    info->size = s->h->length;
    info->k = s->h->m[1];
    info->n = s->h->n;
    info->chunks_present = v4c_present(s->r);
    info->frames = s->x.nframes;
    info->frame_size = s->x.frame_size;
    for (uint64_t f = 0; f < s->x.nframes; f++)
        if (!frame_readable(s, f)) info->hole_bytes += v4b_raw_len(&s->x, s->h->length, f);
    info->verified = s->verified;
    info->hashed_bytes = s->hashed_bytes;
    info->chunks_corrupt = s->corrupt;
}

int holo_stream_verify(holo_stream *s, holo_err *err)
{
    uint32_t F = s->x.frame_size;
    uint8_t *buf = malloc(F);
    if (!buf) return holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", v4c_dir(s->r));
    pthread_mutex_lock(&s->rd);
    if (s->verified == 0 || s->seq_pos != 0) {   /* restart the sequential hash */
        sha256_init(&s->seq);
        s->seq_pos = 0;
        s->verified = s->h->length ? 0 : s->verified;
    }
    pthread_mutex_unlock(&s->rd);
    int rc = 0;
    for (uint64_t f = 0; f < s->x.nframes && !rc && s->verified == 0; f++) {
        int64_t got = holo_stream_read(s, f * F, buf, F, err);
        if (got < 0) rc = (int)got;
    }
    free(buf);
    if (!rc && s->verified < 0)
        rc = holo_seterr(err, HOLO_EINVAL, "%s: decoded bytes do not match the recorded SHA-256", v4c_dir(s->r));
    s->corrupt = 0;
    for (unsigned i = 0; i < s->h->n && !rc; i++) {
        holo_err ce;
        if (v4c_has(s->r, i) && v4c_check_rows(s->r, i, &ce)) {
            s->corrupt++;
            holo_warnf(&s->o, "%s", ce.msg);
        }
    }
    return rc;
}

/* ---- whole-file decode and info for holo_decode_dir / holo_info_dir --------------------- */
int holo_v4_binary_decode(const char *dir, const holo_decode_opts *o, holo_decoded *out, holo_err *err)
{
    holo_stream *s = holo_stream_open(dir, o, err);
    if (!s) return err ? err->code : HOLO_EINVAL;
    uint64_t L = holo_stream_size(s);
    int rc = 0;
    if (L > SIZE_MAX - 1 || !(out->bytes = malloc(L ? (size_t)L : 1))) {
        rc = holo_seterr(err, HOLO_ENOMEM, "%s: out of memory for %llu bytes", dir, (unsigned long long)L);
    } else {
        int64_t got = holo_stream_read(s, 0, out->bytes, (size_t)L, err);   /* hashed as read */
        if (got < 0) rc = (int)got;
        else if (s->verified != 1)
            rc = holo_seterr(err, HOLO_EINVAL, "%s: decoded bytes do not match the recorded SHA-256", dir);
    }
    if (!rc) {
        holo_v4_binary_fill_info(s->r, &out->info);
        out->info.exact = 1;
    } else {
        free(out->bytes);
        out->bytes = NULL;
    }
    holo_stream_close(s);
    return rc;
}

void holo_v4_binary_fill_info(const v4c_reader *r, holo_info *info)
{
    const v4c_hdr *h = v4c_header(r);
    v4c_fill_info(r, HOLO_KIND_BINARY, info);
    /* Whole when every data row or any k chunks are there (the bytes are unverified). */
    info->exact = v4c_readable(r, 1, 0, h->S[1]);
    const uint8_t *idx = v4c_m1(r, 0);
    if ((h->flags & V4B_FLAG_DICT) && idx && h->S[0] >= HOLO_DICT_ID_LEN) {
        info->has_dict = 1;
        memcpy(info->dict_id, idx + h->S[0] - HOLO_DICT_ID_LEN, HOLO_DICT_ID_LEN);
    }
    snprintf(info->filter, sizeof info->filter, "%s", h->flags & V4F_FLAG_X86 ? "x86"
             : h->flags & V4F_FLAG_ARM64 ? "arm64" : h->flags & V4F_FLAG_LINES ? "lines"
             : h->flags & V4F_FLAG_COLUMNS ? "columns" : "");
}

int holo_v4_binary_info(const char *dir, holo_info *info, holo_err *err)
{
    v4c_reader *r;
    int rc = v4c_open(dir, NULL, 0, &r, err);
    if (rc) return rc;
    if (v4c_header(r)->flags & V4B_FLAG_DICT) {   /* the id is in the index: load it (small) */
        v4c_close(r);
        if ((rc = v4c_open(dir, NULL, 1, &r, err))) return rc;
    }
    holo_v4_binary_fill_info(r, info);
    v4c_close(r);
    return 0;
}
