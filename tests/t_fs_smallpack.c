/* t_fs_smallpack.c — holofs's side of small-file packs (fs/smallpack.h), two mounts' worth of
 * state in one process: each instance makes its read copies below its own store and keeps
 * them when the other is freed; the copies stay within the instance's byte cap (least recently
 * used evicted) and a copy evicted and made again decodes exact; a member's inode is sp_ino of
 * its mount path, the same after its copy is made again; copies used within keep_ms stay and
 * the next read trims them to the cap once it passed; each instance's packer packs only
 * the directories noted to it, and packs a directory written to without pause all the same
 * once max_ms passed. */
#include "tap.h"
#include "holo.h"
#include "holo_ext.h"
#include "../fs/smallpack.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define NFILES 10

static char root[256];

/* Text of file i of a store (a few KB, different per file). */
static size_t text_of(int store, int i, char *buf, size_t cap)
{
    size_t n = 0;
    for (int l = 0; n + 80 < cap && l < 40 + 3 * i; l++)
        n += (size_t)snprintf(buf + n, cap - n, "store %d file %d line %d: the quick brown fox %d\n",
                              store, i, l, l * i);
    return n;
}

/* DIR/NAME.holo/ encoded from the text of (store, i). 0 or -1. */
static int encode_one(const char *dir, const char *name, int store, int i)
{
    char src[512], out[512], buf[8192];
    size_t n = text_of(store, i, buf, sizeof buf);
    tap_pathf(src, sizeof src, "%s/src-%d-%d", root, store, i);
    tap_pathf(out, sizeof out, "%s/%s.holo", dir, name);
    if (tap_spew(src, buf, n) < 0) return -1;
    holo_encode_opts o;
    holo_encode_opts_init(&o);
    holo_err err = {0};
    int rc = holo_encode_file(src, out, &o, &err);
    if (rc) diag("%s", err.msg);
    unlink(src);
    return rc ? -1 : 0;
}

/* 1 when chunk directory dir decodes to the text of (store, i). */
static int decodes_to(const char *dir, int store, int i)
{
    char want[8192];
    size_t n = text_of(store, i, want, sizeof want);
    holo_decode_opts o;
    holo_decode_opts_init(&o);
    holo_decoded d;
    if (holo_decode_dir(dir, &o, &d, NULL) < 0) return 0;
    int same = d.bytes && d.info.length == n && !memcmp(d.bytes, want, n);
    holo_decoded_free(&d);
    return same;
}

/* STORE/sub with NFILES packed small files f0..f9 of store number s. */
static int make_store(const char *store, int s)
{
    char sub[512];
    tap_pathf(sub, sizeof sub, "%s/sub", store);
    if (mkdir(store, 0700) < 0 || mkdir(sub, 0700) < 0) return -1;
    for (int i = 0; i < NFILES; i++) {
        char name[16];
        snprintf(name, sizeof name, "f%d", i);
        if (encode_one(sub, name, s, i) < 0) return -1;
    }
    holo_spack_stats st;
    holo_err err = {0};
    return holo_spack_add(sub, 0, &st, &err) == 0 && st.packed == NFILES ? 0 : -1;
}

static int starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

static void count_log(void *ctx, const char *msg)
{
    (void)msg;
    ++*(int *)ctx;
}

/* Wait (up to 120 s: a loaded machine) until DIR/X.holo is gone and DIR/.holo-pack exists. */
static int wait_packed(const char *dir, const char *x)
{
    char set[512], pack[512];
    struct stat st;
    tap_pathf(set, sizeof set, "%s/%s.holo", dir, x);
    tap_pathf(pack, sizeof pack, "%s/%s", dir, HOLO_SPACK_NAME);
    for (int i = 0; i < 1200; i++) {
        if (lstat(set, &st) < 0 && lstat(pack, &st) == 0) return 1;
        struct timespec ts = { 0, 100000000 };
        nanosleep(&ts, NULL);
    }
    return 0;
}

int main(void)
{
    plan(19);
    snprintf(root, sizeof root, "/tmp/t_fs_smallpack.%d", (int)getpid());
    mkdir(root, 0700);
    char sa[512], sb[512], tmpa[600], tmpb[600], spath[4096], keep[4096];
    struct stat st;
    tap_pathf(sa, sizeof sa, "%s/A", root);
    tap_pathf(sb, sizeof sb, "%s/B", root);
    tap_pathf(tmpa, sizeof tmpa, "%s/.holofs-tmp/", sa);
    tap_pathf(tmpb, sizeof tmpb, "%s/.holofs-tmp/", sb);
    if (make_store(sa, 0) < 0 || make_store(sb, 1) < 0) {
        diag("cannot make the test stores below %s", root);
        return 1;
    }

    /* two instances: each its own copies, below its own store */
    fs_sp *a = sp_new(sa, 0, 16u << 10, 0), *b = sp_new(sb, 0, 0, SP_COPY_KEEP_MS);
    ok(a && b, "two instances side by side");
    int ra = sp_resolve(a, "/sub/f0", 0, 0, spath, sizeof spath, &st);
    ok(ra == SP_ENCODED && starts_with(spath, tmpa) && decodes_to(spath, 0, 0),
       "instance A reads its member from a copy below its own store (%s)", spath);
    snprintf(keep, sizeof keep, "%s", spath);
    is_int((long long)st.st_ino, (long long)sp_ino("/sub/f0"), "... with the inode sp_ino gives its mount path");
    int rb = sp_resolve(b, "/sub/f0", 0, 0, spath, sizeof spath, &st);
    ok(rb == SP_ENCODED && starts_with(spath, tmpb) && decodes_to(spath, 1, 0),
       "instance B reads the same name from its own store (%s)", spath);
    sp_free(b);
    ok(lstat(keep, &st) == 0 && decodes_to(keep, 0, 0), "freeing B leaves A's copy in place and exact");
    {
        char bsp[600];
        tap_pathf(bsp, sizeof bsp, "%ssp", tmpb);
        ok(lstat(bsp, &st) < 0 && errno == ENOENT, "B's copies are gone with it (%s)", bsp);
    }

    /* the byte cap: 16 KiB holds two copies of these sets (a directory and a chunk block) */
    uint64_t most = 0;
    int exact = 1;
    for (int i = 0; i < NFILES; i++) {
        char path[32];
        snprintf(path, sizeof path, "/sub/f%d", i);
        if (sp_resolve(a, path, 0, 0, spath, sizeof spath, &st) != SP_ENCODED || !decodes_to(spath, 0, i))
            exact = 0;
        if (sp_cache_bytes(a) > most) most = sp_cache_bytes(a);
    }
    ok(exact, "all %d members of A read exact through copies", NFILES);
    ok(most > 0 && most <= 16u << 10, "... the copies never took more than the 16 KiB cap (at most %llu bytes)",
       (unsigned long long)most);
    ok(lstat(keep, &st) < 0, "... the least recently used copy was evicted");
    ra = sp_resolve(a, "/sub/f0", 0, 0, spath, sizeof spath, &st);
    ok(ra == SP_ENCODED && decodes_to(spath, 0, 0), "an evicted member is copied again and reads exact");
    is_int((long long)st.st_ino, (long long)sp_ino("/sub/f0"), "... with the same inode as before");

    /* copies used in the last keep_ms stay (a read may be about to open one): over the cap */
    b = sp_new(sb, 0, 16u << 10, 600000);
    exact = 1;
    for (int i = 0; i < NFILES; i++) {
        char path[32];
        snprintf(path, sizeof path, "/sub/f%d", i);
        if (sp_resolve(b, path, 0, 0, spath, sizeof spath, &st) != SP_ENCODED || !decodes_to(spath, 1, i))
            exact = 0;
        if (i == 0)
            snprintf(keep, sizeof keep, "%s", spath);
    }
    ok(exact && lstat(keep, &st) == 0 && sp_cache_bytes(b) > 16u << 10,
       "copies used within keep_ms are not evicted, the cap waits (%llu bytes)",
       (unsigned long long)sp_cache_bytes(b));

    /* a burst that made its copies within keep_ms is trimmed by the next read, even of a copy
     * still there (a listing with readdirplus makes one per file at once) */
    sp_free(b);
    b = sp_new(sb, 0, 16u << 10, 1000);
    for (int i = 0; i < NFILES; i++) {
        char path[32];
        snprintf(path, sizeof path, "/sub/f%d", i);
        sp_resolve(b, path, 0, 0, spath, sizeof spath, &st);
    }
    uint64_t burst = sp_cache_bytes(b);
    struct timespec pause = { 1, 200000000 };
    nanosleep(&pause, NULL);
    ra = sp_resolve(b, "/sub/f9", 0, 0, spath, sizeof spath, &st);
    ok(ra == SP_ENCODED && decodes_to(spath, 1, 9) && sp_cache_bytes(b) <= 16u << 10,
       "a read of a copy still there trims a burst's copies to the cap once keep_ms passed "
       "(%llu -> %llu bytes)", (unsigned long long)burst, (unsigned long long)sp_cache_bytes(b));
    sp_free(b);
    b = sp_new(sb, 0, 0, SP_COPY_KEEP_MS);

    /* the packers: each instance packs only what was noted to it */
    int loga = 0, logb = 0;
    char da[512], db[512], set[600];
    tap_pathf(da, sizeof da, "%s/auto", sa);
    tap_pathf(db, sizeof db, "%s/auto", sb);
    mkdir(da, 0700);
    mkdir(db, 0700);
    ok(sp_auto_start(a, SP_AUTO_QUIET_MS, SP_AUTO_MAX_MS, count_log, &loga) == 0 &&
           sp_auto_start(b, SP_AUTO_QUIET_MS, SP_AUTO_MAX_MS, count_log, &logb) == 0,
       "both instances start a packer");
    ok(sp_auto_start(a, SP_AUTO_QUIET_MS, SP_AUTO_MAX_MS, count_log, &loga) < 0,
       "a second start of one instance is refused");
    encode_one(da, "y", 0, 3);
    encode_one(db, "z", 1, 4);
    tap_pathf(set, sizeof set, "%s/y.holo", da);
    sp_auto_note(a, set);
    int packed = wait_packed(da, "y");
    sp_auto_stop(a);
    sp_auto_stop(b);
    tap_pathf(set, sizeof set, "%s/z.holo", db);
    ok(packed && loga == 1, "A's packer packed the directory noted to it, one log line");
    ok(lstat(set, &st) == 0 && logb == 0, "... and B's packer left B's unnoted directory alone");

    /* a directory that never goes quiet (a new set every 100 ms, quiet_ms one minute) is
     * packed max_ms = 1.5 s after its first write all the same */
    char busy[512], pack[600];
    int logc = 0, n = 0;
    tap_pathf(busy, sizeof busy, "%s/busy", sa);
    tap_pathf(pack, sizeof pack, "%s/%s", busy, HOLO_SPACK_NAME);
    mkdir(busy, 0700);
    ok(sp_auto_start(a, 60000, 1500, count_log, &logc) == 0, "a packer with quiet_ms 60 s, max_ms 1.5 s");
    for (; n < 1200 && lstat(pack, &st) < 0; n++) {   /* up to 2 minutes on a loaded machine */
        char name[32];
        snprintf(name, sizeof name, "b%d", n);
        encode_one(busy, name, 0, n % NFILES);
        tap_pathf(set, sizeof set, "%s/%s.holo", busy, name);
        sp_auto_note(a, set);
        struct timespec ts = { 0, 100000000 };
        nanosleep(&ts, NULL);
    }
    sp_auto_stop(a);
    ok(lstat(pack, &st) == 0 && logc >= 1, "... packs the busy directory while writes go on (after %d sets)", n);

    sp_free(a);
    sp_free(b);
    holo_rmtree(root);
    return done_testing();
}
