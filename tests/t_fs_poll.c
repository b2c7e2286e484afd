/* t_fs_poll.c — the revalidation core of holofs on shared stores (fs/poll.h, fs/fstype.h):
 * filesystem types that need polling; new, rewritten and removed chunks, a replaced chunk
 * directory and temporary files seen or ignored by a check; reports for nested and container
 * paths; expiry and eviction of unused directories; the background thread. The thread-less
 * checks use interval 0 (always due), so nothing here depends on timing. */
#include "../fs/poll.h"
#include "../fs/fstype.h"
#include "tap.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---- the fake watcher callback: records reports -------------------------------------------- */
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static char reports[8192];       /* "path;path;..." (bounded: later ones are counted only) */
static int nreports;

static void record(void *ctx, const char *mpath, int flags)
{
    (void)ctx;
    (void)flags;
    pthread_mutex_lock(&mu);
    size_t n = strlen(reports);
    if (n + strlen(mpath) + 2 < sizeof reports)
        snprintf(reports + n, sizeof reports - n, "%s;", mpath);
    nreports++;
    pthread_mutex_unlock(&mu);
}

static void reset(void)
{
    pthread_mutex_lock(&mu);
    reports[0] = 0;
    nreports = 0;
    pthread_mutex_unlock(&mu);
}

static char store[256];
static uint64_t fake_ms;         /* the poller's clock where a test sets it */
static uint64_t fake_clock(void)
{
    return fake_ms;
}

static void put(const char *rel, const char *text)
{
    char p[512];
    tap_pathf(p, sizeof p, "%s%s", store, rel);
    tap_spew(p, text, strlen(text));
}

static const char *dir_of(const char *rel)
{
    static char p[512];
    tap_pathf(p, sizeof p, "%s%s", store, rel);
    return p;
}

int main(void)
{
    plan(40);

    /* ---- which filesystems are polled ---- */
    is_str(fs_remote_type(0x6969), "nfs", "NFS needs polling");
    is_str(fs_remote_type(0x65735546), "fuse", "FUSE (GlusterFS, bindfs, sshfs...) needs polling");
    is_str(fs_remote_type(0x00C36400), "ceph", "Ceph needs polling");
    is_str(fs_remote_type((unsigned long)(long)(int)0xFF534D42), "cifs",
           "a sign-extended f_type (CIFS) is recognised");
    ok(fs_remote_type(0xEF53) == NULL && fs_remote_type(0x01021994) == NULL,
       "ext4 and tmpfs use inotify");
    char type[32] = "";
    snprintf(store, sizeof store, "%s/holo-poll.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR")
                                                                            : "/tmp");
    ok(mkdtemp(store) != NULL, "temporary store made");
    int r = fs_store_remote(store, type, sizeof type);
    ok(r >= 0 && type[0], "statfs of the store works (%s: %s)", store, type);
    errno = 0;
    ok(fs_store_remote("/nonexistent/holo", type, sizeof type) < 0 && errno == ENOENT,
       "statfs of a missing path fails with ENOENT");

    /* ---- checks made by requests (touch) and background passes (scan) ---- */
    fs_poll *p = fs_poll_new(store, 0, 3600 * 1000, record, NULL);
    ok(p != NULL, "poller made");
    mkdir(dir_of("/a.holo"), 0755);
    put("/a.holo/chunk_0000.holo", "zero");
    put("/a.holo/chunk_0001.holo", "one");
    is_int(fs_poll_touch(p, dir_of("/a.holo"), FS_POLL_STAT), 0, "first use records, no change");
    is_int((long long)fs_poll_count(p), 1, "one directory tracked");
    is_int(fs_poll_scan(p), 0, "an unchanged directory is not reported");

    put("/a.holo/chunk_0002.holo", "two");
    is_int(fs_poll_touch(p, dir_of("/a.holo"), FS_POLL_STAT), 1,
           "a new chunk is found by the next stat");
    reset();
    is_int(fs_poll_scan(p), 1, "... and reported by the next pass");
    is_str(reports, "/a;", "... as the mount path of the file");
    reset();
    is_int(fs_poll_scan(p), 0, "reported once");

    put("/a.holo/.chunk_0003.holo.tmp0a1b2c3d4e5f", "partial");
    is_int(fs_poll_touch(p, dir_of("/a.holo"), FS_POLL_STAT), 0,
           "a temporary file of a landing chunk is no change");
    char from[512];
    tap_pathf(from, sizeof from, "%s", dir_of("/a.holo/.chunk_0003.holo.tmp0a1b2c3d4e5f"));
    rename(from, dir_of("/a.holo/chunk_0003.holo"));
    is_int(fs_poll_touch(p, dir_of("/a.holo"), FS_POLL_OPEN), 1, "its rename into place is");

    put("/a.holo/chunk_0000.holo", "ZERO, rewritten in place");
    is_int(fs_poll_touch(p, dir_of("/a.holo"), FS_POLL_OPEN), 1,
           "a chunk rewritten in place is found by an open");

    /* the whole directory replaced by another one with the same names */
    tap_pathf(from, sizeof from, "%s", dir_of("/a.holo"));
    rename(from, dir_of("/old"));
    mkdir(dir_of("/a.holo"), 0755);
    put("/a.holo/chunk_0000.holo", "ZERO, rewritten in place");
    is_int(fs_poll_touch(p, dir_of("/a.holo"), FS_POLL_STAT), 1, "a replaced directory is found");
    put("/a.holo/chunk_0000.holo", "zero, rewritten once more");   /* the directory's stat stays */
    is_int(fs_poll_touch(p, dir_of("/a.holo"), FS_POLL_OPEN), 1,
           "a chunk rewritten just after the replacement is found too (its listing is the baseline)");
    reset();
    is_int(fs_poll_scan(p), 4, "the four changes found by requests are reported");
    char cmd[600];
    tap_pathf(cmd, sizeof cmd, "rm -rf '%s/a.holo' '%s/old'", store, store);
    ok(system(cmd) == 0, "chunk directory removed");
    reset();
    is_int(fs_poll_scan(p), 1, "a background pass finds the removal");
    is_int(fs_poll_touch(p, dir_of("/a.holo"), FS_POLL_STAT), 0, "a missing directory stays quiet");

    /* nested directories and containers report the file the chunk directory holds */
    mkdir(dir_of("/sub"), 0755);
    mkdir(dir_of("/sub/b.bin.holo"), 0755);
    fs_poll_touch(p, dir_of("/sub/b.bin.holo"), FS_POLL_OPEN);
    put("/sub/b.bin.holo/chunk_0007.holo", "seven");
    reset();
    is_int(fs_poll_scan(p), 1, "a change below a subdirectory is found without a request");
    is_str(reports, "/sub/b.bin;", "... and reported as /sub/b.bin");
    is_int((long long)fs_poll_count(p), 2, "two directories tracked");
    is_int(fs_poll_touch(p, "/elsewhere/c.holo", FS_POLL_STAT) +
           fs_poll_touch(p, dir_of("/sub"), FS_POLL_STAT), 0,
           "paths outside the store or not X.holo are ignored");
    is_int((long long)fs_poll_count(p), 2, "... and not tracked");
    fs_poll_free(p);

    /* ---- directories unused for recent_ms are reported once more and forgotten ---- */
    p = fs_poll_new(store, 1000, 60000, record, NULL);
    fs_poll_set_clock(p, fake_clock);
    fake_ms = 100000;
    fs_poll_touch(p, dir_of("/sub/b.bin.holo"), FS_POLL_STAT);
    fake_ms = 99990;   /* a pass that read the clock just before a request stamped the entry */
    reset();
    fs_poll_scan(p);
    ok(fs_poll_count(p) == 1 && nreports == 0,
       "a directory stamped after the pass read its clock is not expired");
    fake_ms = 100000 + 59999;
    reset();
    fs_poll_scan(p);
    ok(fs_poll_count(p) == 1 && nreports == 0, "... nor one used within recent_ms");
    fake_ms = 100000 + 60000;
    reset();
    fs_poll_scan(p);
    ok(strcmp(reports, "/sub/b.bin;") == 0 && fs_poll_count(p) == 0,
       "an expired directory is reported (its cache dropped) and forgotten");
    fs_poll_free(p);

    /* ---- background checks of an idle directory back off; requests and changes do not ---- */
    p = fs_poll_new(store, 1000, 3600 * 1000, record, NULL);
    fs_poll_set_clock(p, fake_clock);
    fake_ms = 1000;
    fs_poll_touch(p, dir_of("/sub/b.bin.holo"), FS_POLL_STAT);
    unsigned long c0 = fs_poll_checks(p);
    for (fake_ms = 1100; fake_ms <= 100500; fake_ms += 100)
        fs_poll_scan(p);
    /* due at half the period: 1500, 2500, 4500, 8500, 16500, then every 16 s to 96500 */
    is_int((long long)(fs_poll_checks(p) - c0), 10,
           "an idle directory: 10 background checks in 100 s, not 200");
    fake_ms = 100500 + 1000;
    c0 = fs_poll_checks(p);
    fs_poll_touch(p, dir_of("/sub/b.bin.holo"), FS_POLL_STAT);
    is_int((long long)(fs_poll_checks(p) - c0), 1, "a stat still checks it after one interval");
    put("/sub/b.bin.holo/chunk_0009.holo", "nine");
    fake_ms = 101500 + 16000;   /* the stat above left its period at 32 s */
    reset();
    fs_poll_scan(p);
    is_str(reports, "/sub/b.bin;", "a change is found at its next background check");
    c0 = fs_poll_checks(p);
    fake_ms += 500;
    fs_poll_scan(p);
    is_int((long long)(fs_poll_checks(p) - c0), 1, "... after which it is checked every interval");
    fs_poll_free(p);

    /* ---- a full table forgets the least recently used sixteenth, each reported ---- */
    p = fs_poll_new(store, 3600 * 1000, 3600 * 1000, record, NULL);
    for (int i = 0; i <= FS_POLL_MAX_DIRS; i++) {
        char d[512];
        tap_pathf(d, sizeof d, "%s/many/f%d.holo", store, i);
        fs_poll_touch(p, d, FS_POLL_STAT);
    }
    size_t left = fs_poll_count(p);
    reset();
    int evicted = fs_poll_scan(p);
    ok(left < FS_POLL_MAX_DIRS && left >= FS_POLL_MAX_DIRS - FS_POLL_MAX_DIRS / 8 &&
       (size_t)evicted == FS_POLL_MAX_DIRS + 1 - left && strncmp(reports, "/many/f", 7) == 0,
       "the table stays bounded (%zu left, %d evicted and reported)", left, evicted);
    fs_poll_free(p);

    /* ---- the thread reports a change on its own ---- */
    p = fs_poll_new(store, 20, 3600 * 1000, record, NULL);
    ok(p && fs_poll_run(p) == 0, "poller thread started");
    fs_poll_touch(p, dir_of("/sub/b.bin.holo"), FS_POLL_STAT);
    reset();
    put("/sub/b.bin.holo/chunk_0008.holo", "eight");
    int seen = 0;
    for (int i = 0; i < 3000 && !seen; i++) {   /* up to 30 s: a loaded machine is slow */
        usleep(10000);
        pthread_mutex_lock(&mu);
        seen = strstr(reports, "/sub/b.bin;") != NULL;
        pthread_mutex_unlock(&mu);
    }
    ok(seen, "the thread reports a chunk landing with no request");
    fs_poll_free(p);

    tap_pathf(cmd, sizeof cmd, "rm -rf '%s'", store);
    if (system(cmd) != 0)
        diag("could not remove %s", store);
    return done_testing();
}
