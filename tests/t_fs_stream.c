/* t_fs_stream.c — holofs's shared binary v4 streams (fs/stream.c) on real HO4B chunk sets:
 * handles share one stream until a drop, a dropped stream stays readable for its holders,
 * a pass from byte 0 read slightly out of order (as kernel readahead does) is still verified,
 * holes fail with HOLO_EHOLE and are listed as inclusive byte ranges, also for a reader in order
 * (frames decoded ahead of it on a worker thread), and for large frames read in parts (decoded
 * in steps the reads copy from); many streams on one memory budget read exact bytes together
 * and keep its charge within max(budget, one read's need). */
#include "../fs/stream.h"
#include "tap.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FRAME 4096u
#define SIZE (64u * FRAME + 100u)   /* a short last frame */

static char tmpdir[] = "/tmp/t_fs_stream.XXXXXX";

static void rm_rf(const char *dir)
{
    char cmd[256];
    tap_pathf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        diag("could not remove %s", dir);
}

/* src encoded as HO4B (k = 4) into dir with frames of frame_size bytes; 0 or -1 (err set). */
static int encode_ho4b(const char *src, const char *dir, uint32_t frame_size, holo_err *err)
{
    holo_encode_opts eo;
    holo_encode_opts_init(&eo);
    eo.codec_version = 4;
    eo.block_count = 4;
    eo.frame_size = frame_size;
    return holo_encode_file(src, dir, &eo, err);
}

/* Large frames (4 MiB, compressible) read in order 1 MiB at a time: the worker decodes each
 * frame in steps the reads copy from as they come. Exact bytes and the SHA-256 verdict with
 * every chunk; without data chunk 1, HOLO_EHOLE on exactly the reads touching its frames. */
static void large_frames(void)
{
    enum { BIG = 4u << 20, BSIZE = 3 * BIG + 12345, STEP = 1u << 20 };
    static const char *words[] = { "frame ", "chunk ", "parity ", "stream ", "holo ", "zstd\n" };
    char src[128], dir[128], chunk[160];
    tap_pathf(src, sizeof src, "%s/big.bin", tmpdir);
    tap_pathf(dir, sizeof dir, "%s/big.bin.holo", tmpdir);
    uint8_t *data = malloc(BSIZE), *got = malloc(STEP);
    for (size_t i = 0; i < BSIZE;) {
        const char *w = words[rand() % 6];
        for (; *w && i < BSIZE; w++) data[i++] = (uint8_t)*w;
    }
    tap_spew(src, data, BSIZE);
    holo_err err = {0};
    if (!ok(encode_ho4b(src, dir, BIG, &err) == 0, "HO4B encode (k=4, 4 MiB frames)")) {
        diag("%s", err.msg);
        free(data);
        free(got);
        return;
    }
    for (int pass = 0; pass < 2; pass++) {
        holo_stream *s = holo_stream_open(dir, NULL, &err);
        if (!ok(s != NULL, "open the 4 MiB-frame set (pass %d)", pass)) {
            diag("%s", err.msg);
            break;
        }
        holo_range r[4];
        size_t nr = holo_stream_holes(s, r, 4);
        int bad = 0, holes_hit = 0;
        for (uint64_t off = 0; off < BSIZE; off += STEP) {
            size_t len = BSIZE - off < STEP ? (size_t)(BSIZE - off) : STEP;
            int64_t rr = holo_stream_read(s, off, got, len, &err);
            int in_hole = 0;
            for (size_t i = 0; i < nr && i < 4; i++)
                in_hole |= off < r[i].off + r[i].len && off + len > r[i].off;
            holes_hit += in_hole;
            bad += in_hole ? rr != HOLO_EHOLE : rr != (int64_t)len || memcmp(got, data + off, len) != 0;
        }
        holo_stream_info si;
        holo_stream_stat(s, &si);
        if (pass == 0) {
            ok(nr == 0 && bad == 0 && si.verified == 1, "4 MiB frames read in order by 1 MiB: exact, SHA-256 verified");
            tap_pathf(chunk, sizeof chunk, "%s/chunk_0001.holo", dir);
            ok(unlink(chunk) == 0, "remove data chunk 1");
        } else {
            ok(nr > 0 && holes_hit > 0 && bad == 0,
               "without it: HOLO_EHOLE on exactly the %d reads touching its frames, the rest exact", holes_hit);
        }
        holo_stream_close(s);
    }
    free(data);
    free(got);
}

/* ---- many streams on one memory budget ---- */
enum { NREADERS = 8, BFRAME = 256u << 10, BSIZE1 = 5 * BFRAME + 999 };

typedef struct reader {
    fs_streams *t;
    const char *key, *dir;
    const uint8_t *data;
    int bad;                  /* reads that failed or served wrong bytes */
} reader;

/* An in-order pass by 64 KiB, then 40 reads at pseudo-random offsets, all through one handle. */
static void *reader_main(void *arg)
{
    reader *r = arg;
    fs_sfile *f;
    holo_err err = {0};
    uint8_t *got = malloc(64u << 10);
    if (!got || fs_streams_get(r->t, r->key, r->dir, &f, &err) != 0) {
        r->bad = 1000;
        free(got);
        return NULL;
    }
    unsigned seed = (unsigned)r->data[0];
    for (int i = -1; i < 40; i++)
        for (uint64_t off = i < 0 ? 0 : (uint64_t)(rand_r(&seed) % BSIZE1); off < BSIZE1; off += 64u << 10) {
            size_t len = BSIZE1 - off < (64u << 10) ? (size_t)(BSIZE1 - off) : (size_t)64 << 10;
            r->bad += fs_sfile_read(f, off, got, len, &err) != (int64_t)len || memcmp(got, r->data + off, len);
            if (i >= 0)
                break;
        }
    fs_sfile_put(r->t, f);
    free(got);
    return NULL;
}

/* NREADERS threads on NREADERS sets at once, each stream's read-ahead worker beside them: with a
 * budget of 3 frames' worth, and with one smaller than a single read's need (frame + stored
 * frame + decoder: they take turns, each alone), every byte is exact and the charge peaks
 * within max(budget, that need); nothing is charged once every handle is put. */
static void shared_budget(void)
{
    static uint8_t data[NREADERS][BSIZE1];
    char src[NREADERS][128], dir[NREADERS][128], key[NREADERS][16];
    holo_err err = {0};
    int encoded = 1;
    for (int i = 0; i < NREADERS; i++) {
        for (size_t j = 0; j < BSIZE1; j++)   /* half random, half runs: frames compress some */
            data[i][j] = (uint8_t)((j / 512) % 2 ? (size_t)rand() >> 7 : (size_t)i + j / 4096);
        tap_pathf(src[i], sizeof src[i], "%s/mb%d.bin", tmpdir, i);
        tap_pathf(dir[i], sizeof dir[i], "%s/mb%d.bin.holo", tmpdir, i);
        snprintf(key[i], sizeof key[i], "/mb%d", i);
        tap_spew(src[i], data[i], BSIZE1);
        encoded &= encode_ho4b(src[i], dir[i], BFRAME, &err) == 0;
    }
    if (!ok(encoded, "%d HO4B sets of 256 KiB frames", NREADERS)) {
        diag("%s", err.msg);
        return;
    }
    /* one read's need: a frame, a stored frame (at most a frame) and a zstd context */
    const uint64_t need_max = 2 * (uint64_t)BFRAME + (256u << 10);
    const uint64_t budgets[2] = { 3 * (uint64_t)BFRAME, BFRAME / 2 };
    for (int b = 0; b < 2; b++) {
        fs_streams *t = fs_streams_new(NULL, NULL, budgets[b]);
        reader rd[NREADERS];
        pthread_t th[NREADERS];
        int started = 0, bad = 0;
        for (int i = 0; i < NREADERS; i++) {
            rd[i] = (reader){ t, key[i], dir[i], data[i], 0 };
            started += pthread_create(&th[i], NULL, reader_main, &rd[i]) == 0;
        }
        for (int i = 0; i < started; i++) {
            pthread_join(th[i], NULL);
            bad += rd[i].bad;
        }
        uint64_t used, peak, bound = budgets[b] > need_max ? budgets[b] : need_max;
        fs_streams_mem(t, &used, &peak);
        ok(started == NREADERS && bad == 0, "budget %llu KiB: %d concurrent readers, every read exact (%d bad)",
           (unsigned long long)(budgets[b] >> 10), NREADERS, bad);
        ok(peak > 0 && peak <= bound, "... the charge peaked at %llu KiB (bound %llu KiB)",
           (unsigned long long)(peak >> 10), (unsigned long long)(bound >> 10));
        is_int((long long)used, 0, "... nothing charged once every handle is put");
        fs_streams_free(t);
    }
}

/* One in-order pass of the whole file through f: 1 when every read returned the exact bytes,
 * 0 when one failed (a negative HOLO_E*) before any wrong byte; -1: wrong bytes served. */
static int pass(fs_sfile *f, const uint8_t *data, uint8_t *got, holo_err *err)
{
    enum { STEP = 3 * FRAME + 17 };
    for (uint64_t off = 0; off < SIZE; off += STEP) {
        size_t len = SIZE - off < STEP ? (size_t)(SIZE - off) : STEP;
        int64_t rr = fs_sfile_read(f, off, got, len, err);
        if (rr < 0)
            return 0;
        if (rr != (int64_t)len || memcmp(got, data + off, len) != 0)
            return -1;
    }
    return 1;
}

/* The SHA-256 runs once per state of the chunk files: a second pass, and a later open of the
 * unchanged set (also after a drop, as holofs without a watcher does at each open), rely on
 * the frame CRCs; a chunk rewritten in place (same size, mtime put back) is hashed again and
 * its bad frame fails; a recorded hash rewritten after a verified pass fails the next pass. */
static void verify_once(const uint8_t *data, uint8_t *got)
{
    char src[128], dir[128], chunk[160];
    tap_pathf(src, sizeof src, "%s/once.bin", tmpdir);
    tap_pathf(dir, sizeof dir, "%s/once.bin.holo", tmpdir);
    tap_spew(src, data, SIZE);
    holo_err err = {0};
    if (!ok(encode_ho4b(src, dir, FRAME, &err) == 0, "HO4B encode for the verify-once tests")) {
        diag("%s", err.msg);
        return;
    }
    sleep(3);                  /* verdicts are kept only for chunks unchanged for 2 s */

    fs_streams *t = fs_streams_new(NULL, NULL, 0);
    fs_sfile *a, *b;
    holo_stream_info si;
    if (!ok(fs_streams_get(t, "/once", dir, &a, &err) == 0, "open the set")) {
        diag("%s", err.msg);
        fs_streams_free(t);
        return;
    }
    int p1 = pass(a, data, got, &err);
    fs_sfile_stat(a, &si);
    ok(p1 == 1 && si.verified == 1 && si.hashed_bytes == SIZE,
       "first pass: exact, the whole file hashed once and verified (%llu bytes hashed)",
       (unsigned long long)si.hashed_bytes);
    int p2 = pass(a, data, got, &err);
    fs_sfile_stat(a, &si);
    ok(p2 == 1 && si.verified == 1 && si.hashed_bytes == SIZE,
       "second pass on the same stream: exact, not hashed again (%llu)", (unsigned long long)si.hashed_bytes);
    fs_sfile_put(t, a);        /* the last holder: the stream is freed, its verdict kept */

    fs_streams_drop(t, "/once");
    ok(fs_streams_get(t, "/once", dir, &b, &err) == 0, "open it again (a new stream, after a drop)");
    fs_sfile_stat(b, &si);
    ok(si.verified == 1 && si.hashed_bytes == 0, "... verified from the first byte: the chunk files did not change");
    int p3 = pass(b, data, got, &err);
    fs_sfile_stat(b, &si);
    ok(p3 == 1 && si.hashed_bytes == 0, "... its pass is exact and hashes nothing");

    /* data chunk 1 rewritten in place: one byte of its rows flipped, size and mtime put back */
    struct stat st0;
    tap_pathf(chunk, sizeof chunk, "%s/chunk_0001.holo", dir);
    int fd = open(chunk, O_RDWR);
    uint8_t byte = 0;
    int flipped = fd >= 0 && fstat(fd, &st0) == 0 && pread(fd, &byte, 1, st0.st_size / 2) == 1 &&
                  (byte ^= 0x40, pwrite(fd, &byte, 1, st0.st_size / 2) == 1);
    struct timespec times[2] = { st0.st_atim, st0.st_mtim };
    flipped = flipped && futimens(fd, times) == 0;
    if (fd >= 0)
        close(fd);
    ok(flipped, "flip a byte in the middle of data chunk 1, mtime put back");
    int p4 = pass(b, data, got, &err);
    fs_sfile_stat(b, &si);
    ok(p4 == 0 && si.verified != 1 && si.hashed_bytes > 0,
       "the holder's next pass: hashed again, fails at the bad frame, no wrong byte (%s)", err.msg);
    fs_sfile_put(t, b);
    fs_streams_drop(t, "/once");
    ok(fs_streams_get(t, "/once", dir, &b, &err) == 0, "open the rewritten set");
    fs_sfile_stat(b, &si);
    ok(si.verified == 0, "... not taken as verified (ctime moved)");
    ok(pass(b, data, got, &err) == 0, "... its pass fails, no wrong byte");
    fs_sfile_put(t, b);

    /* a set verified, then its recorded SHA-256 rewritten (frames still pass their CRCs) */
    rm_rf(dir);
    if (encode_ho4b(src, dir, FRAME, &err) != 0)
        diag("%s", err.msg);
    sleep(3);
    fs_streams_drop(t, "/once");
    ok(fs_streams_get(t, "/once", dir, &a, &err) == 0 && pass(a, data, got, &err) == 1,
       "a fresh set: exact pass");
    fs_sfile_stat(a, &si);
    ok(si.verified == 1, "... verified");
    fs_sfile_put(t, a);
    char cmd[512];
    const char *tools = getenv("HOLO_TOOLS");
    tap_pathf(cmd, sizeof cmd, "'%s/ho4b_badsha' '%s'", tools ? tools : "build/tools", dir);
    ok(system(cmd) == 0, "ho4b_badsha: every header's SHA-256 rewritten in place");
    fs_streams_drop(t, "/once");
    if (ok(fs_streams_get(t, "/once", dir, &b, &err) == 0, "open it again")) {
        fs_sfile_stat(b, &si);
        ok(si.verified == 0, "... the old verdict does not hold");
        int p5 = pass(b, data, got, &err);
        fs_sfile_stat(b, &si);
        ok(p5 == 0 && si.verified == -1 && strstr(err.msg, "SHA-256"),
           "... the completing read fails: %s", err.msg);
        fs_sfile_put(t, b);
    }
    fs_streams_free(t);
}

int main(void)
{
    plan(0);
    if (!mkdtemp(tmpdir))
        return 1;
    char src[128], dir[128], chunk[160];
    tap_pathf(src, sizeof src, "%s/data.bin", tmpdir);
    tap_pathf(dir, sizeof dir, "%s/data.bin.holo", tmpdir);
    uint8_t *data = malloc(SIZE), *got = malloc(SIZE);
    srand(7);
    for (size_t i = 0; i < SIZE; i++)
        data[i] = (uint8_t)(rand() >> 7);
    tap_spew(src, data, SIZE);

    holo_err err = {0};
    if (!ok(encode_ho4b(src, dir, FRAME, &err) == 0, "HO4B encode (k=4, 4 KiB frames)")) {
        diag("%s", err.msg);
        return done_testing();
    }

    fs_streams *t = fs_streams_new(NULL, NULL, 0);
    fs_sfile *a, *b, *c;
    ok(fs_streams_get(t, "/d", dir, &a, &err) == 0 && fs_streams_get(t, "/d", dir, &b, &err) == 0,
       "two opens of one file");
    ok(a == b, "... share one stream");
    is_int((long long)fs_sfile_size(a), SIZE, "size from the headers");

    /* out of order: each frame read before the one before it, as two readahead threads do */
    int64_t n = 0;
    for (uint64_t f = 0; f < 65; f += 2) {
        uint64_t hi = (f + 1) * FRAME, lo = f * FRAME;
        if (hi < SIZE)
            n += fs_sfile_read(a, hi, got + hi, FRAME, &err) > 0;
        n += fs_sfile_read(a, lo, got + lo, FRAME, &err) > 0;
    }
    is_int(n, 65, "every frame read");
    is_bytes(got, SIZE, data, SIZE, "exact bytes");
    holo_stream_info si;
    fs_sfile_stat(a, &si);
    is_int(si.verified, 1, "an out-of-order pass from byte 0 is still checked against the SHA-256");

    /* the same order straight on a holo_stream is not: what the catch-up is for */
    holo_stream *raw = holo_stream_open(dir, NULL, &err);
    for (uint64_t f = 0; raw && f < 65; f += 2) {
        if ((f + 1) * FRAME < SIZE)
            holo_stream_read(raw, (f + 1) * FRAME, got, FRAME, &err);
        holo_stream_read(raw, f * FRAME, got, FRAME, &err);
    }
    if (raw) {
        holo_stream_stat(raw, &si);
        is_int(si.verified, 0, "(without it the library cannot check that order)");
        holo_stream_close(raw);
    }

    char holes[64];
    is_int((long long)fs_sfile_holes(a, holes, sizeof holes), 0, "complete set: no holes");
    is_str(holes, "", "... empty text");

    /* a data chunk goes: the old stream keeps its snapshot, a dropped key opens afresh */
    tap_pathf(chunk, sizeof chunk, "%s/chunk_0001.holo", dir);
    ok(unlink(chunk) == 0, "remove data chunk 1");
    fs_streams_drop(t, "/d");
    ok(fs_streams_get(t, "/d", dir, &c, &err) == 0 && c != a, "after a drop: a new stream");
    ok(fs_sfile_gen(c) != fs_sfile_gen(a), "... with a new generation");
    ok(fs_sfile_read(a, 20 * FRAME, got, FRAME, &err) == FRAME &&
       memcmp(got, data + 20 * FRAME, FRAME) == 0, "the old holder still reads its snapshot");

    size_t need = fs_sfile_holes(c, holes, sizeof holes);
    holo_range r[4];
    holo_stream *hs = holo_stream_open(dir, NULL, &err);
    size_t nr = hs ? holo_stream_holes(hs, r, 4) : 0;
    char want[64] = "";
    if (nr == 1)
        snprintf(want, sizeof want, "%llu-%llu", (unsigned long long)r[0].off,
                 (unsigned long long)(r[0].off + r[0].len - 1));
    ok(nr == 1 && r[0].len > 0, "one missing range");
    is_str(holes, want, "holes listed as first-last");
    is_int((long long)need, (long long)strlen(want), "... and their length");
    char small[8];
    fs_sfile_holes(c, small, sizeof small);
    ok(strlen(small) < sizeof small && strstr(small, "...") != NULL, "a short buffer ends in ...");

    if (nr == 1) {
        uint64_t h0 = r[0].off, h1 = r[0].off + r[0].len;
        ok(fs_sfile_read(c, h0, got, 1, &err) == HOLO_EHOLE, "a read in the hole: HOLO_EHOLE");
        ok(fs_sfile_read(c, h0 - 10, got, 20, &err) == HOLO_EHOLE, "a read across its start too");
        ok(fs_sfile_read(c, h1 - 1, got, 2, &err) == HOLO_EHOLE, "... and across its end");
        ok(fs_sfile_read(c, h0 - 10, got, 10, &err) == 10 && memcmp(got, data + h0 - 10, 10) == 0,
           "the bytes just before it read exact");
        ok(fs_sfile_read(c, h1, got, 10, &err) == 10 && memcmp(got, data + h1, 10) == 0,
           "the bytes just after it read exact");

        /* in order, with the read-ahead worker decoding the frames after each read: the reads
         * touching the hole fail, every other one reads exact, on both sides of it */
        for (size_t step = 1000; step <= 3 * FRAME; step += 3 * FRAME - 1000) {
            int bad = 0, holes_hit = 0;
            for (uint64_t off = 0; off < SIZE; off += step) {
                size_t len = SIZE - off < step ? (size_t)(SIZE - off) : step;
                int64_t rr = fs_sfile_read(c, off, got, len, &err);
                if (off < h1 && off + len > h0) {
                    holes_hit++;
                    bad += rr != HOLO_EHOLE;
                } else {
                    bad += rr != (int64_t)len || memcmp(got, data + off, len) != 0;
                }
            }
            ok(bad == 0 && holes_hit > 0, "in order by %zu bytes: EIO exactly on the %d reads touching the hole, the rest exact",
               step, holes_hit);
        }
    }
    holo_stream_close(hs);
    large_frames();
    shared_budget();
    verify_once(data, got);
    fs_sfile_put(t, a);
    fs_sfile_put(t, b);
    fs_sfile_put(t, c);
    fs_streams_free(t);
    free(data);
    free(got);
    rm_rf(tmpdir);
    return done_testing();
}
