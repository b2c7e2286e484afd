/* main.c — holofs: mount a holo store, showing every X.holo/ chunk directory as a file X.
 *
 *   holofs [-f] [-d] [-o ro,cache_mb=N,decode_mb=N,chunk_kb=N,codec_version=N,pixels,recovery=R,
 *           frame_kb=N,poll=SECS,smallpack,smallpack_kb=N,allow_other] STORE MNT
 *
 *   $ holo encode -o store photo.png          # store/photo.png.holo/chunk_*.holo
 *   $ holofs store mnt && ls -l mnt           # -rw-r--r-- ... photo.png
 *   $ getfattr -d mnt/photo.png               # user.holo.chunks="32/32" ...
 *   $ fusermount3 -u mnt
 *
 * Setup order follows fuse_main(): parse, new, mount, daemonize, signals; then the dictionary
 * trainer, the watcher thread and, on shared stores, the poller thread (threads do not survive
 * the daemon fork), the multithreaded loop, and teardown in reverse order.
 */
#include "ops.h"
#include "dict.h"
#include "smallpack.h"
#include "ns.h"
#include "fstype.h"
#include "loop.h"

#include <fuse_lowlevel.h>   /* fuse_parse_cmdline */

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Binary v4 frames written by a mount: 128 KiB, not the library's 8 MiB. A cold 4 KiB read
 * decodes one whole frame: 8 MiB frames gave 108 random reads/s, 256 KiB 1,966/s, 128 KiB
 * 3,666/s (target 2,000), for 1-4% more bytes than 256 KiB frames and 4-17% more than 8 MiB
 * (holofs(1) "-o frame_kb", bench_fs.sh section 4, bench_binary4.sh). */
#define FS_FRAME_KB_DEFAULT 128u
/* FUSE worker threads: a read waiting for the stream budget holds one (loop.c) */
#define HOLOFS_MAX_THREADS 64u

struct cli {
    unsigned cache_mb;
    unsigned decode_mb;
    long chunk_kb;
    int codec_version;
    int pixels;
    double recovery;
    unsigned frame_kb;
    int ro;
    int smallpack;            /* -o smallpack: pack small files by itself (smallpack.h) */
    unsigned smallpack_kb;    /* -o smallpack_kb=N: disk bound on read copies of members */
    char *poll;               /* -o poll=SECS as given; NULL = by filesystem type */
    char *store;
    int nonopt;
};

enum { KEY_RO, KEY_HELP, KEY_VERSION };

static const struct fuse_opt cli_opts[] = {
    {"cache_mb=%u", offsetof(struct cli, cache_mb), 0},
    {"decode_mb=%u", offsetof(struct cli, decode_mb), 0},
    {"chunk_kb=%ld", offsetof(struct cli, chunk_kb), 0},
    {"codec_version=%d", offsetof(struct cli, codec_version), 0},
    {"poll=%s", offsetof(struct cli, poll), 0},
    {"pixels", offsetof(struct cli, pixels), 1},
    {"recovery=%lf", offsetof(struct cli, recovery), 0},
    {"frame_kb=%u", offsetof(struct cli, frame_kb), 0},
    {"smallpack", offsetof(struct cli, smallpack), 1},
    {"smallpack_kb=%u", offsetof(struct cli, smallpack_kb), 0},
    FUSE_OPT_KEY("ro", KEY_RO),
    FUSE_OPT_KEY("-h", KEY_HELP),
    FUSE_OPT_KEY("--help", KEY_HELP),
    FUSE_OPT_KEY("-V", KEY_VERSION),
    FUSE_OPT_KEY("--version", KEY_VERSION),
    FUSE_OPT_END
};

static void usage(FILE *f)
{
    fprintf(f,
        "usage: holofs [-f] [-d] [-o OPTIONS] STORE MNT\n"
        "  -f                 stay in the foreground (log lines go to stderr)\n"
        "  -d                 debug: FUSE trace plus decode/encode/watch log lines\n"
        "  -o ro              read-only mount\n"
        "  -o cache_mb=N      decoded-output cache bound in MiB (default 256); the same\n"
        "                     again bounds the frames of binary v4 files being read\n"
        "  -o max_threads=N   request threads (default 64)\n"
        "  -o decode_mb=N     bound on decodes in flight plus the cache in MiB (default 512)\n"
        "  -o chunk_kb=N      target chunk size for files written through the mount\n"
        "                     (images: selects v2 unless codec_version is given)\n"
        "  -o codec_version=N codec version for files written through the mount: 1, 2 (the\n"
        "                     reference's), 3 (lossy) or 4 (images; binaries as binary v4);\n"
        "                     default automatic: images 4, audio and binaries 2\n"
        "  -o pixels          images and audio without a recipe keep the graceful pixel/sample\n"
        "                     codecs (read back as PNG/WAV) instead of their exact bytes\n"
        "  -o recovery=R      parity: ceil(k*R) recovery chunks per file written (0 to 8)\n"
        "  -o frame_kb=N      binary v4 frame size in KiB (4 to 65536, default 128; smaller:\n"
        "                     cheaper small random reads, larger: smaller chunk sets)\n"
        "  -o smallpack       pack the sets of small files written through the mount into\n"
        "                     their directory's .holo-pack by itself, 2 s after the last write\n"
        "                     (30 s after the first one while writes keep coming)\n"
        "  -o smallpack_kb=N  disk bound in KiB on the copies reads make of packed files\n"
        "                     (default 16384; least recently used go first)\n"
        "  -o poll=SECS       revalidate chunk directories every SECS seconds (decimals allowed)\n"
        "                     even where inotify works; poll=0: inotify only. Default: poll\n"
        "                     every 1 s on network and FUSE stores (NFS, SMB, Ceph, GlusterFS,\n"
        "                     ...), where inotify misses other hosts' writes\n"
        "  -o allow_other     let other users use the mount (permissions are always checked\n"
        "                     against the store's modes and owners: default_permissions)\n"
        "unmount with: fusermount3 -u MNT (or SIGINT/SIGTERM to holofs)\n");
}

static int cli_proc(void *data, const char *arg, int key, struct fuse_args *out)
{
    (void)out;
    struct cli *c = data;
    switch (key) {
    case FUSE_OPT_KEY_NONOPT:
        if (c->nonopt++ == 0) {
            c->store = strdup(arg);
            return 0;          /* STORE is ours; MNT goes on to fuse_parse_cmdline */
        }
        return 1;
    case KEY_RO:
        c->ro = 1;
        return 1;              /* also a mount option */
    case KEY_HELP:
        usage(stdout);
        exit(0);
    case KEY_VERSION:
        printf("holofs 1.0 (libfuse %d)\n", fuse_version());
        exit(0);
    default:
        return 1;
    }
}

/* Live updates: inotify always (it sees this host's writes); polling as well where inotify
 * misses other hosts' (fstype.h) or when poll=SECS asks for it. One log line says which. */
static void start_poll(holofs *fs, const char *store, long poll_ms)
{
    char type[32];
    int remote = fs_store_remote(store, type, sizeof type);
    if (remote < 0)
        snprintf(type, sizeof type, "unknown");
    const char *why = poll_ms > 0 ? "poll= option" : "inotify misses other hosts' writes there";
    if (poll_ms < 0)
        poll_ms = remote > 0 ? 1000 : 0;
    if (poll_ms > 0) {
        fs->poll = fs_poll_new(fs->store, (unsigned)poll_ms, FS_POLL_RECENT_MS, holofs_changed,
                               fs);
        if (fs->poll && fs_poll_run(fs->poll) < 0) {
            fs_poll_free(fs->poll);
            fs->poll = NULL;
        }
    }
    if (fs->poll)
        holofs_log(fs, "%s: %s filesystem: live updates by %spolling every %.3g s (%s)",
                   store, type, fs->watch ? "inotify and " : "", poll_ms / 1000.0, why);
    else if (poll_ms > 0)
        holofs_log(fs, "%s: cannot start the poller; live updates by %s", store,
                   fs->watch ? "inotify only" : "nothing");
    else if (fs->watch)
        holofs_log(fs, "%s: %s filesystem: live updates by inotify%s", store, type,
                   remote > 0 ? " only (poll=0): other hosts' writes are not seen" : "");
}

static void dict_log(void *ctx, const char *msg)
{
    holofs_log(ctx, "%s", msg);
}

int main(int argc, char **argv)
{
    struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
    struct cli c = {.cache_mb = 256, .decode_mb = 512};
    struct fuse_cmdline_opts fo;
    static holofs fs;
    int rc = 1;

    if (fuse_opt_parse(&args, &c, cli_opts, cli_proc) < 0)
        goto err_args;
    if (fuse_parse_cmdline(&args, &fo) != 0)
        goto err_args;
    if (!c.store || !fo.mountpoint) {
        usage(stderr);
        goto err_cmdline;
    }
    if (c.codec_version < 0 || c.codec_version > 4 || c.chunk_kb < 0 || c.cache_mb < 1 ||
        c.decode_mb < 1 || c.decode_mb > (1u << 20)) {
        fprintf(stderr, "holofs: bad option value (cache_mb >= 1, decode_mb 1..1048576, "
                        "chunk_kb >= 0, codec_version 0..4, 0 = automatic)\n");
        goto err_cmdline;
    }
    if (!(c.recovery >= 0 && c.recovery <= 8) ||
        (c.frame_kb && (c.frame_kb < 4 || c.frame_kb > 65536))) {
        fprintf(stderr, "holofs: bad option value (recovery 0 to 8, frame_kb 4 to 65536)\n");
        goto err_cmdline;
    }
    if (c.codec_version == 4 && c.chunk_kb > 0)
        fprintf(stderr, "holofs: note: chunk_kb applies to audio only with codec_version=4 "
                        "(v4 images have 32 chunks, binary v4 picks k by size)\n");
    long poll_ms = -1;         /* -1: decide by the store's filesystem */
    if (c.poll) {
        char *end;
        double secs = strtod(c.poll, &end);
        if (end == c.poll || *end || !(secs >= 0 && secs <= 3600)) {
            fprintf(stderr, "holofs: poll=%s: not a number of seconds from 0 to 3600\n",
                    c.poll);
            goto err_cmdline;
        }
        poll_ms = (long)(secs * 1000 + 0.5);
        if (secs > 0 && poll_ms < 10)
            poll_ms = 10;      /* a busy loop helps nobody */
    }
    char real[PATH_MAX];
    struct stat st;
    if (!realpath(c.store, real) || stat(real, &st) < 0 || !S_ISDIR(st.st_mode)) {
        fprintf(stderr, "holofs: %s: not a directory\n", c.store);
        goto err_cmdline;
    }
    snprintf(fs.store, sizeof fs.store, "%s", strcmp(real, "/") == 0 ? "" : real);
    fs.cache_mb = c.cache_mb;
    fs.decode_mb = c.decode_mb;
    fs.chunk_kb = c.chunk_kb;
    fs.codec_version = c.codec_version;
    fs.pixels = c.pixels;
    fs.recovery = c.recovery;
    fs.frame_kb = c.frame_kb ? c.frame_kb : FS_FRAME_KB_DEFAULT;
    fs.ro = c.ro;
    fs.sp_cache_kb = c.smallpack_kb;
    fs.debug = fo.debug;
    fs.foreground = fo.foreground;
    if (!fs.ro) {
        char tmp[PATH_MAX + 16];
        snprintf(tmp, sizeof tmp, "%s/%s", fs.store, NS_TMPDIR);
        /* leftovers of a crash (temp files of unfinished writes) are dropped */
        ns_rmtree(tmp);
        if (mkdir(tmp, 0700) < 0) {
            fprintf(stderr, "holofs: %s: cannot create: %s\n", tmp, strerror(errno));
            goto err_cmdline;
        }
        /* and so are the temporaries of encodes killed while writing into the store */
        int swept = ns_sweep_store(fs.store);
        if (swept > 0)
            fprintf(stderr, "holofs: %s: removed %d temporary encode(s) left by killed "
                            "processes\n", fs.store, swept);
    }
    /* The holofs process reads the store with its own rights (often root's): the kernel must
     * check every access against the modes and owners getattr reports, or with allow_other
     * any user could read, overwrite or delete any file. */
    if (fuse_opt_add_arg(&args, "-odefault_permissions") < 0)
        goto err_cmdline;
    if (holofs_init(&fs) < 0) {
        fprintf(stderr, "holofs: out of memory\n");
        goto err_cmdline;
    }
    struct fuse *f = fuse_new(&args, &holofs_ops, sizeof holofs_ops, &fs);
    if (!f)
        goto err_init;
    if (fuse_mount(f, fo.mountpoint) != 0)
        goto err_new;
    if (fuse_daemonize(fo.foreground) != 0)
        goto err_mount;
    struct fuse_session *se = fuse_get_session(f);
    if (fuse_set_signal_handlers(se) != 0)
        goto err_mount;
    fs.fuse = f;
    /* threads start only after the fork: started before it, the daemon had no trainer, its
     * teardown waited forever for the thread's wait the fork left behind, and under ASan a
     * thread holding an allocator lock at fork time deadlocked the child */
    fs.dict = fs_dict_start(fs.store, dict_log, &fs);   /* NULL: dictionaries above the store */
    if (c.smallpack && !fs.ro &&
        sp_auto_start(fs.sp, SP_AUTO_QUIET_MS, SP_AUTO_MAX_MS, dict_log, &fs) < 0)
        holofs_log(&fs, "-o smallpack: cannot start the packer; small files stay unpacked");
    fs.watch = fs_watch_start(fs.store, holofs_changed, &fs);
    if (!fs.watch)
        holofs_log(&fs, "%s: cannot watch the store (%s); live updates are off", fs.store,
                   strerror(errno));
    start_poll(&fs, real, poll_ms);
    /* libfuse's default cap (10) unless -o max_threads says otherwise: see loop.c */
    unsigned max_threads = fo.max_threads && fo.max_threads != 10 ? fo.max_threads : HOLOFS_MAX_THREADS;
    rc = fo.singlethread ? fuse_loop(f)
                         : holofs_loop_mt(f, fo.clone_fd, fo.max_idle_threads, max_threads);
    rc = rc < 0;               /* > 0 is the signal that ended the loop: a clean stop */
    fs_poll_free(fs.poll);
    fs.poll = NULL;
    fs_watch_stop(fs.watch);
    fs.fuse = NULL;
    fuse_remove_signal_handlers(se);
err_mount:
    fuse_unmount(f);
err_new:
    fuse_destroy(f);
err_init:
    sp_auto_stop(fs.sp);
    fs_dict_stop(fs.dict);
    holofs_fini(&fs);
err_cmdline:
    free(fo.mountpoint);
err_args:
    free(c.store);
    free(c.poll);
    fuse_opt_free_args(&args);
    return rc;
}
