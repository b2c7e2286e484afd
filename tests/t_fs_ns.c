/* t_fs_ns.c — holofs namespace rules (hidden names, X.holo/ -> X, which wins, views) and the
 * store watcher (a chunk landing in X.holo/ reports /X; new directories get watched). */
#include "../fs/ns.h"
#include "../fs/watch.h"
#include "tap.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static char seen[4096];

static void on_change(void *ctx, const char *mpath, int flags)
{
    (void)ctx;
    pthread_mutex_lock(&mu);
    size_t n = strlen(seen);
    snprintf(seen + n, sizeof seen - n, "%s%s;", mpath, (flags & FSW_TREE) ? "/*" : "");
    pthread_mutex_unlock(&mu);
}

/* Wait until `want` shows up in the reported paths: condition-based, bounded at 30 s so a loaded
 * machine or the sanitizer build never fails it by being slow. */
static int saw(const char *want)
{
    for (int i = 0; i < 3000; i++) {
        pthread_mutex_lock(&mu);
        int hit = strstr(seen, want) != NULL;
        pthread_mutex_unlock(&mu);
        if (hit)
            return 1;
        usleep(10000);
    }
    diag("reported: %s", seen);
    return 0;
}

static void touch(const char *path)
{
    FILE *f = fopen(path, "w");
    if (f)
        fclose(f);
}

int main(void)
{
    plan(26);
    char x[256];
    ok(ns_is_hidden(".holofs-tmp"), ".holofs-tmp is hidden");
    ok(ns_is_hidden(".photo.png.holo.tmpAb12Cd"), "libholo temp directories are hidden");
    ok(ns_is_hidden("chunk_0001.holo.tmpXYZ123"), "libholo temp files are hidden");
    ok(ns_is_hidden(".a.holo.tmpXYZ123.oldAbC123"), "... and directories being replaced");
    ok(!ns_is_hidden(".profile") && !ns_is_hidden("a.tmp"), "ordinary names are not");
    ok(ns_is_hidden(".holo-tmp-123-0") && ns_is_hidden(".holo-tmp-123-4.oldAbC123"),
       "libholo's short temporaries (.holo-tmp-PID-N, and replaced sets) are hidden");
    ok(!ns_is_reserved(".holo-tmp-123-0") && ns_is_reserved(".holofs-tmp") &&
       ns_is_reserved(".fuse_hidden0001"),
       "... but not reserved: atomic writes through the mount may use them");
    {
        /* a leftover of a dead pid below a plain directory goes; one inside a chunk
         * directory is not looked at (nothing of ours is there) */
        char d[] = "/tmp/t_fs_ns_sweep.XXXXXX", p1[256], p2[256], p3[256];
        if (mkdtemp(d)) {
            snprintf(p1, sizeof p1, "%s/sub", d); mkdir(p1, 0755);
            snprintf(p1, sizeof p1, "%s/sub/.holo-tmp-999999999-0", d); mkdir(p1, 0755);
            snprintf(p2, sizeof p2, "%s/x.holo", d); mkdir(p2, 0755);
            snprintf(p2, sizeof p2, "%s/x.holo/.holo-tmp-999999999-1", d); mkdir(p2, 0755);
            snprintf(p3, sizeof p3, "%s/.holo-tmp-%ld-2", d, (long)getpid()); mkdir(p3, 0755);
            int n = ns_sweep_store(d);
            ok(n == 1 && access(p1, F_OK) < 0 && access(p2, F_OK) == 0 && access(p3, F_OK) == 0,
               "ns_sweep_store removes dead temporaries in subdirectories, keeps live ones (%d)", n);
            rmdir(p2); rmdir(p3);
            snprintf(p2, sizeof p2, "%s/x.holo", d); rmdir(p2);
            snprintf(p1, sizeof p1, "%s/sub", d); rmdir(p1);
            rmdir(d);
        } else {
            ok(0, "mkdtemp");
        }
    }
    ok(ns_strip_suffix("photo.png.holo", x, sizeof x) && strcmp(x, "photo.png") == 0,
       "photo.png.holo -> photo.png");
    ok(!ns_strip_suffix(".holo", x, sizeof x), "a bare .holo is not an encoded name");
    ok(!ns_strip_suffix("photo.png", x, sizeof x), "photo.png is not an encoded name");
    is_int(ns_view("a.png", HOLO_KIND_IMAGE), HOLO_VIEW_STORED_PNG, "images: stored PNG");
    is_int(ns_view("a.jpg", HOLO_KIND_IMAGE), HOLO_VIEW_STORED_PNG, "... whatever the name");
    is_int(ns_view("a.PPM", HOLO_KIND_IMAGE), HOLO_VIEW_PPM, "... PPM when it ends in .ppm");
    is_int(ns_view("a.ppm", HOLO_KIND_AUDIO), HOLO_VIEW_WAV, "audio: WAV");
    is_int(ns_view("a.wav", HOLO_KIND_BINARY), HOLO_VIEW_RAW, "binary: raw");

    /* resolve against a real store */
    char store[] = "/tmp/t_fs_ns.XXXXXX", p[4096], sp[4096];
    struct stat st;
    int sh;
    if (!mkdtemp(store))
        return 1;
    snprintf(p, sizeof p, "%s/sub", store); mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/sub/x.bin.holo", store); mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/sub/x.bin", store); touch(p);
    snprintf(p, sizeof p, "%s/plain", store); touch(p);
    is_int(ns_resolve(store, "/sub", sp, sizeof sp, &st, &sh), NS_DIR, "a directory");
    is_int(ns_resolve(store, "/sub/x.bin", sp, sizeof sp, &st, &sh), NS_ENCODED,
           "X.holo/ beside X: encoded wins");
    ok(sh == 1, "... and is flagged as shadowing");
    is_int(ns_resolve(store, "/sub/x.bin.holo", sp, sizeof sp, &st, &sh), NS_NONE,
           "the chunk directory is not reachable under its own name");
    is_int(ns_resolve(store, "/sub/x.bin.holo/chunk_0000.holo", sp, sizeof sp, &st, &sh),
           NS_NONE, "nor is anything inside it");
    is_int(ns_resolve(store, "/plain", sp, sizeof sp, &st, &sh), NS_PLAIN, "a plain file");

    /* the watcher */
    fs_watch *w = fs_watch_start(store, on_change, NULL);
    ok(w != NULL, "watcher started");
    snprintf(p, sizeof p, "%s/sub/x.bin.holo/chunk_0007.holo", store); touch(p);
    ok(saw("/sub/x.bin;"), "a chunk landing in sub/x.bin.holo/ reports /sub/x.bin");
    snprintf(p, sizeof p, "%s/new", store); mkdir(p, 0755);
    ok(saw("/new/*;"), "a new directory is reported as a tree");
    /* No sleep needed: the watcher adds the watch on new/ (fs/watch.c) before it reports it. */
    snprintf(p, sizeof p, "%s/new/y.holo", store); mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/new/y.holo/chunk_0000.holo", store); touch(p);
    ok(saw("/new/y;"), "... and is watched: chunks landing inside it are seen");
    fs_watch_stop(w);
    snprintf(p, sizeof p, "rm -rf '%s'", store);
    if (system(p) != 0)
        diag("could not remove %s", store);
    return done_testing();
}
