/* t_net_names.c — the names holonet rx writes under: the store re-checks a transfer's name
 * itself (no caller can make it write outside the receive directory: path separators, ".",
 * "..", a leading dot, empty, control characters, bad UTF-8 and names too long for NAME_MAX
 * with a "-N.holo" suffix fall back to transfer_<id>), and the decoded file's name follows the
 * output-name rule of holo decode (holo_output_for_name): a JPEG v4 set sent as photo.png is
 * written as photo.png.jpg with the JPEG's bytes, never a PNG view under the sender's name or
 * JPEG bytes under .png. Transfers are driven through the store's sink directly, as the
 * reassembler would after accepting a name, so the store's own checks are what is tested. */
#include "tap.h"
#include "jpeg_testutil.h"
#include "../net/store.h"
#include "holo.h"
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char root[256];

static int cmpstr(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Entry names of dir, sorted, joined by spaces (hidden ones too). */
static void listing(const char *dir, char *out, size_t sz)
{
    char *names[256];
    size_t n = 0, k = 0;
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d)) && n < 256)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            names[n++] = strdup(e->d_name);
    if (d) closedir(d);
    qsort(names, n, sizeof *names, cmpstr);
    out[0] = 0;
    for (size_t i = 0; i < n; i++) {
        int w = snprintf(out + k, sz - k, "%s%s", i ? " " : "", names[i]);
        if (w > 0 && (size_t)w < sz - k) k += (size_t)w;
        free(names[i]);
    }
}

/* Deliver the chunk files of set `setdir` to the store in base as transfer id named `name`,
 * through its sink (best mode: decoded when complete). */
static void deliver(const char *base, const char *setdir, uint32_t id, const char *name)
{
    char msg[256];
    net_store *s = net_store_open(base, NET_MODE_BEST, 0, msg, sizeof msg);
    if (!s) { diag("%s", msg); return; }
    hnet_sink k;
    net_store_sink(s, &k);
    hnet_transfer *t = calloc(1, sizeof *t);
    t->id = id;
    snprintf(t->name, sizeof t->name, "%s", name);
    char path[1024];
    for (t->total = 0;; t->total++) {
        struct stat st;
        tap_pathf(path, sizeof path, "%s/chunk_%04u.holo", setdir, t->total);
        if (stat(path, &st)) break;
    }
    if (k.on_start) k.on_start(k.ctx, t);
    for (uint32_t i = 0; i < t->total; i++) {
        size_t len;
        tap_pathf(path, sizeof path, "%s/chunk_%04u.holo", setdir, i);
        uint8_t *b = tap_slurp(path, &len);
        if (b) k.on_chunk(k.ctx, t, i, b, len);
        free(b);
    }
    k.on_end(k.ctx, t, HNET_END_IDLE);
    free(t);
    net_store_close(s);
}

static int file_is(const char *path, const uint8_t *want, size_t wlen)
{
    size_t n;
    uint8_t *b = tap_slurp(path, &n);
    int same = b && n == wlen && !memcmp(b, want, n);
    free(b);
    return same;
}

int main(void)
{
    plan(20);
    snprintf(root, sizeof root, "/tmp/t_net_names.%d", (int)getpid());
    char src[300], base[300], path[1024], list[4096], bset[1024], jset[1024];
    tap_pathf(src, sizeof src, "%s/src", root);
    tap_pathf(base, sizeof base, "%s/base", root);
    mkdir(root, 0755);
    mkdir(src, 0755);
    mkdir(base, 0755);

    /* a binary set (v2, 4 chunks) and a JPEG v4 set (8 chunks) */
    uint8_t data[3000];
    for (size_t i = 0; i < sizeof data; i++) data[i] = (uint8_t)(i * 2654435761u >> 13);
    tap_pathf(path, sizeof path, "%s/data", src);
    tap_spew(path, data, sizeof data);
    holo_encode_opts eo;
    holo_encode_opts_init(&eo);
    eo.codec_version = 2;
    eo.block_count = 4;
    holo_err err;
    tap_pathf(bset, sizeof bset, "%s/data.holo", src);
    ok(holo_encode_file(path, bset, &eo, &err) == 0, "binary v2 set encoded %s", err.msg);
    jt_opts jo = { .w = 64, .h = 48, .quality = 90, .seed = 7 };
    size_t jlen;
    uint8_t *jpg = jt_make(&jo, &jlen);
    tap_pathf(path, sizeof path, "%s/p.jpg", src);
    tap_spew(path, jpg, jlen);
    holo_encode_opts_init(&eo);
    eo.codec_version = 4;
    eo.keep_jpeg = 1;
    eo.block_count = 8;
    tap_pathf(jset, sizeof jset, "%s/p.jpg.holo", src);
    int rc = holo_encode_file(path, jset, &eo, &err);
    tap_pathf(path, sizeof path, "%s/chunk_0000.holo", jset);
    size_t hl;
    uint8_t *h = tap_slurp(path, &hl);
    ok(rc == 0 && h && hl > 4 && !memcmp(h, "HO4J", 4), "JPEG v4 set encoded %s", rc ? err.msg : "");
    free(h);

    /* hostile names: each decoded as transfer_<id>.bin inside base, nothing outside it */
    char longname[256];
    memset(longname, 'a', 250);
    longname[250] = 0;
    const char *hostile[] = { "../evil1", "/tmp/evil2", "..", ".", "", "a/b", "a\\b", ".hidden",
                              longname, "x\x01y", "\xff\xfe", "sub/../../evil3" };
    size_t nh = sizeof hostile / sizeof *hostile;
    char want[4096] = "";
    for (size_t i = 0; i < nh; i++) {
        deliver(base, bset, 100 + (uint32_t)i, hostile[i]);
        size_t k = strlen(want);
        snprintf(want + k, sizeof want - k, "%stransfer_%zu.bin", i ? " " : "", 100 + i);
    }
    listing(base, list, sizeof list);
    is_str(list, want, "%zu hostile names: only transfer_<id>.bin files in the receive directory", nh);
    listing(root, list, sizeof list);
    is_str(list, "base src", "... nothing beside it");
    listing(src, list, sizeof list);
    is_str(list, "data data.holo p.jpg p.jpg.holo", "... nor in the directory above");
    ok(access("/tmp/evil2.holo", F_OK) != 0 && access("/tmp/evil2", F_OK) != 0, "... nor at an absolute path");
    int all = 1;
    for (size_t i = 0; i < nh; i++) {
        tap_pathf(path, sizeof path, "%s/transfer_%zu.bin", base, 100 + i);
        all &= file_is(path, data, sizeof data);
    }
    ok(all, "... each the file's bytes");

    /* a good name is used as it is; a binary keeps it whatever its extension */
    char good[300];
    tap_pathf(good, sizeof good, "%s/good", root);
    mkdir(good, 0755);
    deliver(good, bset, 1, "report.bin");
    deliver(good, bset, 2, "looks.png");
    tap_pathf(path, sizeof path, "%s/report.bin", good);
    ok(file_is(path, data, sizeof data), "report.bin: the binary's bytes under its name");
    tap_pathf(path, sizeof path, "%s/looks.png", good);
    ok(file_is(path, data, sizeof data), "a binary named looks.png: its bytes (binaries are bytes under any name)");
    char n249[256];
    memset(n249, 'b', 246);
    n249[246] = 0;   /* 246 + 9 = 255: the longest name kept */
    deliver(good, bset, 3, n249);
    tap_pathf(path, sizeof path, "%s/%s", good, n249);
    ok(file_is(path, data, sizeof data), "a 246-byte name (the longest with room for -N.holo) is kept");

    /* JPEG v4: the name's format decides, and the file's bytes are never given another format */
    deliver(good, jset, 10, "photo.jpg");
    tap_pathf(path, sizeof path, "%s/photo.jpg", good);
    ok(file_is(path, jpg, jlen), "JPEG v4 sent as photo.jpg: the JPEG byte for byte");
    deliver(good, jset, 11, "photo.png");
    tap_pathf(path, sizeof path, "%s/photo.png.jpg", good);
    ok(file_is(path, jpg, jlen), "... sent as photo.png: photo.png.jpg, the JPEG's bytes");
    tap_pathf(path, sizeof path, "%s/photo.png", good);
    ok(access(path, F_OK) != 0, "... and no photo.png (neither JPEG bytes nor a PNG view under it)");
    deliver(good, jset, 12, "clip.wav");
    tap_pathf(path, sizeof path, "%s/clip.wav.jpg", good);
    ok(file_is(path, jpg, jlen), "... sent as clip.wav: clip.wav.jpg");
    deliver(good, jset, 13, "");
    tap_pathf(path, sizeof path, "%s/transfer_13.jpg", good);
    ok(file_is(path, jpg, jlen), "... without a name: transfer_13.jpg, the JPEG (was a PNG view)");
    deliver(good, jset, 14, "../photo.jpg");
    tap_pathf(path, sizeof path, "%s/transfer_14.jpg", good);
    ok(file_is(path, jpg, jlen), "... with a hostile name: transfer_14.jpg");
    deliver(good, jset, 15, "photo.jpg");
    tap_pathf(path, sizeof path, "%s/photo-2.jpg", good);
    ok(file_is(path, jpg, jlen), "... again as photo.jpg: photo-2.jpg, nothing replaced");
    tap_pathf(path, sizeof path, "%s/photo.jpg", good);
    ok(file_is(path, jpg, jlen), "... photo.jpg unchanged");
    listing(good, list, sizeof list);
    char wantg[1024];
    snprintf(wantg, sizeof wantg, "%s clip.wav.jpg looks.png photo-2.jpg photo.jpg photo.png.jpg "
             "report.bin transfer_13.jpg transfer_14.jpg", n249);
    is_str(list, wantg, "the receive directory holds just those (chunk directories removed)");
    listing(root, list, sizeof list);
    is_str(list, "base good src", "... and nothing landed beside it");
    free(jpg);

    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    if (system(cmd)) diag("could not remove %s", root);
    return done_testing();
}
