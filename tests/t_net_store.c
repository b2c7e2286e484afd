/* t_net_store.c — landing chunks into the receive directory: the replayed captures give the
 * reference's chunk files and pixels, corrupt chunks are rejected and replaced by a later loop,
 * pre-existing files are never touched, a restarted receiver resumes its store, and a second
 * transfer of the same name with another encoding gets its own directory. */
#include "tap.h"
#include "../net/store.h"
#include "../net/hexcap.h"
#include "../net/netutil.h"
#include "internal.h"
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char root[256], cap_path[1024], drop_path[1024];

/* Feed a capture; lines [from, to) only; `edit` may change each datagram (line k). */
typedef void (*edit_fn)(long k, uint8_t *b, long n);
static void feed(hnet_rx *r, const char *path, long from, long to, edit_fn edit)
{
    FILE *f = fopen(path, "r");
    hexcap h = { .f = f };
    uint8_t *b = malloc(70000);
    long n, k = 0;
    while (f && (n = hexcap_next(&h, b, 65507)) >= 0) {
        if (k >= from && k < to) {
            if (edit) edit(k, b, n);
            hnet_rx_feed(r, b, (size_t)n, k);
        }
        k++;
    }
    free(b);
    hexcap_free(&h);
    if (f) fclose(f);
}

typedef struct run {
    net_store *s;
    hnet_rx *r;
} run;

static void start(run *u, const char *base, net_mode mode)
{
    char msg[256];
    hnet_sink k;
    u->s = net_store_open(base, mode, 0, msg, sizeof msg);
    if (!u->s) diag("%s", msg);
    net_store_sink(u->s, &k);
    u->r = hnet_rx_new(NULL, &k, NULL);
}

static void stop(run *u)
{
    hnet_rx_free(u->r);
    net_store_close(u->s);
}

static int same_file(const char *a, const char *b)
{
    size_t na, nb;
    uint8_t *x = tap_slurp(a, &na), *y = tap_slurp(b, &nb);
    int same = x && y && na == nb && memcmp(x, y, na) == 0;
    free(x);
    free(y);
    return same;
}

/* Chunk files of dir equal to the reference's for the listed ids, and nothing else. */
static int chunks_are(const char *dir, const int *ids, int n)
{
    int count = 0;
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d))) {
        if (strncmp(e->d_name, "chunk_", 6)) continue;
        count++;
    }
    if (d) closedir(d);
    if (count != n) {
        diag("%s: %d chunk files, want %d", dir, count, n);
        return 0;
    }
    for (int i = 0; i < n; i++) {
        char a[1024], b[1024];
        snprintf(a, sizeof a, "%s/chunk_%04d.holo", dir, ids[i]);
        snprintf(b, sizeof b, "%s/transport/hnet/rx_full/sample.png.holo/chunk_%04d.holo",
                 tap_vectors(), ids[i]);
        if (!same_file(a, b)) {
            diag("%s differs from the reference", a);
            return 0;
        }
    }
    return 1;
}

static int pixels_hash(const char *dir, char out[65])
{
    holo_decode_opts o;
    holo_decode_opts_init(&o);
    holo_decoded d;
    holo_err err = { 0 };
    if (holo_decode_dir(dir, &o, &d, &err)) {
        diag("%s", err.msg);
        return -1;
    }
    uint8_t h[32];
    sha256(d.pixels, (size_t)d.info.width * d.info.height * 3, h);
    for (int i = 0; i < 32; i++) sprintf(out + 2 * i, "%02x", h[i]);
    holo_decoded_free(&d);
    return 0;
}

static void mkbase(char *out, size_t n, const char *name)
{
    snprintf(out, n, "%s/%s", root, name);
    mkdir(out, 0755);
}

static int exists(const char *base, const char *name)
{
    char p[1024];
    struct stat st;
    snprintf(p, sizeof p, "%s/%s", base, name);
    return stat(p, &st) == 0;
}

/* Flip a byte in the middle of line 3 (loop 1, chunk 3 segment 1 in the capture). */
static void corrupt_line3(long k, uint8_t *b, long n)
{
    if (k == 3 && n > 200) b[150] ^= 0x55;
}

static void rename_meta(long k, uint8_t *b, long n)
{
    if ((k == 0 || k == 117) && n == 32) memcpy(b + 22, "victim.png", 10);
}

int main(void)
{
    snprintf(cap_path, sizeof cap_path, "%s/transport/hnet/capture.hex", tap_vectors());
    snprintf(drop_path, sizeof drop_path, "%s/transport/hnet/capture_dropped.hex", tap_vectors());
    if (access(cap_path, R_OK)) {
        plan(1);
        skip(1, "no transport vectors (set HOLO_VECTORS)");
        return 0;
    }
    plan(0);
    snprintf(root, sizeof root, "/tmp/t_net_store.XXXXXX");
    if (!mkdtemp(root)) return 1;
    net_log_init("t_net_store");
    if (!getenv("HOLO_NET_VERBOSE")) net_log_quiet(1);
    static const int all[9] = { 0, 1, 2, 3, 4, 5, 6, 7, 8 }, part[7] = { 0, 1, 3, 4, 6, 7, 8 };
    char base[512], dir[700], hash[65];
    run u;

    /* 1. full capture, store mode */
    mkbase(base, sizeof base, "full");
    start(&u, base, NET_MODE_NONE);
    feed(u.r, cap_path, 0, 1000, NULL);
    stop(&u);
    snprintf(dir, sizeof dir, "%s/sample.png.holo", base);
    ok(chunks_are(dir, all, 9), "full capture: sample.png.holo holds the reference's 9 chunks");
    ok(pixels_hash(dir, hash) == 0 &&
       !strcmp(hash, "55eeea9cf87307cfecacbc0411f67bc53088e7f1001a850cb11626e11dcaad6b"),
       "full capture: decodes to the original pixels");

    /* 2. dropped capture: the documented partial set and its degraded pixels */
    mkbase(base, sizeof base, "dropped");
    start(&u, base, NET_MODE_NONE);
    feed(u.r, drop_path, 0, 1000, NULL);
    stop(&u);
    snprintf(dir, sizeof dir, "%s/sample.png.holo", base);
    ok(chunks_are(dir, part, 7), "dropped capture: chunks 0 1 3 4 6 7 8, renamed at the loop-2 META");
    ok(!exists(base, "transfer_507248631.holo"), "dropped capture: no transfer_<id> directory left");
    ok(pixels_hash(dir, hash) == 0 &&
       !strcmp(hash, "94ba2063100c4376b5a735a6823b32e1f793dbdce1563d056efb484e4e07cc6c"),
       "dropped capture: decodes to the reference's degraded pixels");

    /* 3. a corrupted segment: the chunk is rejected in loop 1 and lands from loop 2 */
    mkbase(base, sizeof base, "corrupt");
    start(&u, base, NET_MODE_NONE);
    feed(u.r, cap_path, 0, 117, corrupt_line3);
    snprintf(dir, sizeof dir, "%s/sample.png.holo", base);
    ok(!exists(dir, "chunk_0003.holo") && net_store_get_stats(u.s)->invalid == 1,
       "corrupt chunk 3 rejected by validation in loop 1");
    feed(u.r, cap_path, 117, 1000, corrupt_line3);
    stop(&u);
    ok(chunks_are(dir, all, 9), "corrupt chunk 3 replaced by the good copy of loop 2");

    /* 4. pre-existing entries are never deleted or overwritten */
    mkbase(base, sizeof base, "victim");
    snprintf(dir, sizeof dir, "%s/victim.png.holo", base);
    mkdir(dir, 0755);
    char p[800];
    snprintf(p, sizeof p, "%s/keep.txt", dir);
    FILE *f = fopen(p, "w");
    fputs("user data\n", f);
    fclose(f);
    snprintf(p, sizeof p, "%s/victim.png", base);
    f = fopen(p, "w");
    fputs("not an image\n", f);
    fclose(f);
    start(&u, base, NET_MODE_BEST);
    feed(u.r, cap_path, 0, 1000, rename_meta);
    stop(&u);
    size_t n;
    uint8_t *v = tap_slurp(p, &n);
    ok(v && n == 13 && !memcmp(v, "not an image\n", 13), "existing victim.png untouched");
    free(v);
    ok(exists(base, "victim.png.holo/keep.txt") && !exists(base, "victim.png.holo/chunk_0000.holo"),
       "existing victim.png.holo/ untouched (no chunk added)");
    ok(exists(base, "victim-2.png") && !exists(base, "victim-2.png.holo"),
       "decoded into victim-2.png, its chunk directory removed");

    /* 5. a restarted receiver resumes the store of the same transfer */
    mkbase(base, sizeof base, "restart");
    start(&u, base, NET_MODE_NONE);
    feed(u.r, cap_path, 0, 60, NULL);
    stop(&u);
    snprintf(dir, sizeof dir, "%s/sample.png.holo", base);
    int before = 0;
    for (int i = 0; i < 9; i++) {
        char c[32];
        snprintf(c, sizeof c, "chunk_%04d.holo", i);
        before += exists(dir, c);
    }
    ok(before > 0 && before < 9, "restart: first run stored %d of 9 chunks", before);
    start(&u, base, NET_MODE_NONE);
    feed(u.r, cap_path, 60, 1000, NULL);   /* mid-loop: DATA before any META */
    const net_store_stats *ss = net_store_get_stats(u.s);
    is_int((long long)(ss->landed), 9 - before, "restart: second run landed only the missing chunks");
    stop(&u);
    ok(chunks_are(dir, all, 9) && !exists(base, "sample-2.png.holo") &&
       !exists(base, "transfer_507248631.holo"), "restart: one directory, complete");

    /* 6. same name, another encoding: a separate directory, never mixed */
    char bin[700], enc[700];
    snprintf(bin, sizeof bin, "%s/blob.bin", root);
    f = fopen(bin, "w");
    for (int i = 0; i < 5000; i++) fputc((i * 7919) >> 3 & 0xff, f);
    fclose(f);
    snprintf(enc, sizeof enc, "%s/blob.bin.holo", root);
    holo_encode_opts eo;
    holo_encode_opts_init(&eo);
    eo.block_count = 4;
    holo_err err = { 0 };
    int e = holo_encode_file(bin, enc, &eo, &err);
    ok(e == 0, "encode a 5000-byte binary into 4 chunks%s%s", e ? ": " : "", err.msg);
    start(&u, base, NET_MODE_NONE);   /* base "restart" already holds sample.png.holo */
    uint8_t dg[4000];
    hnet_hdr h = { 1, HNET_META, 4242, 4, 0, 0, 0 };
    hnet_pack(dg, &h);
    memcpy(dg + HNET_HDR, "sample.png", 10);
    hnet_rx_feed(u.r, dg, HNET_HDR + 10, 0);
    for (int i = 0; i < 4; i++) {
        uint8_t *c;
        size_t cl;
        snprintf(p, sizeof p, "%s/chunk_%04d.holo", enc, i);
        c = tap_slurp(p, &cl);
        if (!c || cl + HNET_HDR > sizeof dg) { free(c); continue; }
        hnet_hdr d = { 1, HNET_DATA, 4242, 4, (uint32_t)i, 0, 1 };
        hnet_pack(dg, &d);
        memcpy(dg + HNET_HDR, c, cl);
        hnet_rx_feed(u.r, dg, HNET_HDR + cl, 1 + i);
        free(c);
    }
    stop(&u);
    ok(chunks_are(dir, all, 9), "second transfer: the image store is unchanged");
    snprintf(p, sizeof p, "%s/sample-2.png.holo", base);
    int four = 1;
    for (int i = 0; i < 4; i++) {
        char a[900], b[900];
        snprintf(a, sizeof a, "%s/chunk_%04d.holo", p, i);
        snprintf(b, sizeof b, "%s/chunk_%04d.holo", enc, i);
        four &= same_file(a, b);
    }
    ok(four, "second transfer: its 4 chunks land in sample-2.png.holo");

    /* 7. more than 10000 chunks from a reference sender: chunk_index is the position in the
     * byte-sorted file list (chunk_10000.holo sorts at 1001), so files are named by the block id
     * read from the validated chunk instead (doc/transport.md §Chunk index). */
    mkbase(base, sizeof base, "many");
    start(&u, base, NET_MODE_NONE);
    uint8_t prefix[1024], *zc = NULL, *zr = NULL;
    size_t zcl = 0, zrl = 0;
    for (int i = 0; i < 1024; i++) prefix[i] = (uint8_t)(i * 31);
    holo_zlib9(prefix, sizeof prefix, &zc, &zcl, NULL);
    holo_zlib9("", 0, &zr, &zrl, NULL);
    const uint32_t blocks[3] = { 9999, 10000, 10001 }, index[3] = { 10001, 1001, 1002 };
    int named = 1;
    for (int i = 0; i < 3 && zc && zr; i++) {
        holo_chunk_hdr ch = { .kind = HOLO_KIND_BINARY, .version = 2, .length = 1025,
                              .block_count = 10002, .block_id = blocks[i], .prefix_len = 1024,
                              .coarse_len = (uint32_t)zcl, .resid_len = (uint32_t)zrl };
        uint8_t cb[64], *c = dg + HNET_HDR;
        size_t hl = holo_chunk_emit(&ch, cb);
        memcpy(c, cb, hl);
        memcpy(c + hl, zc, zcl);
        memcpy(c + hl + zcl, zr, zrl);
        size_t cl = hl + zcl + zrl;
        hnet_hdr d = { 1, HNET_DATA, 777, 10002, index[i], 0, 1 };
        hnet_pack(dg, &d);
        hnet_rx_feed(u.r, dg, HNET_HDR + cl, i);
        snprintf(p, sizeof p, "%s/transfer_777.holo/chunk_%04u.holo", base, (unsigned)blocks[i]);
        size_t fl;
        uint8_t *fb = tap_slurp(p, &fl);
        named &= fb && fl == cl && !memcmp(fb, c, cl);
        free(fb);
    }
    stop(&u);
    ok(named, "blocks 9999, 10000, 10001 sent as indices 10001, 1001, 1002 land as chunk_9999.holo, "
              "chunk_10000.holo, chunk_10001.holo");
    free(zc);
    free(zr);

    /* 8. holofs shows X.holo as X: an existing entry X of any type makes X.holo taken, at the
     * first chunk and when a late META renames transfer_<id>.holo */
    mkbase(base, sizeof base, "shadow");
    snprintf(p, sizeof p, "%s/sample.png", base);
    tap_spew(p, "my own sample\n", 14);
    start(&u, base, NET_MODE_NONE);
    feed(u.r, drop_path, 0, 1000, NULL);   /* the first META is lost: renamed at loop 2 */
    stop(&u);
    v = tap_slurp(p, &n);
    ok(v && n == 14 && !memcmp(v, "my own sample\n", 14) && !exists(base, "sample.png.holo") &&
       !exists(base, "transfer_507248631.holo"),
       "late META: the user's sample.png stays visible, no sample.png.holo");
    free(v);
    snprintf(dir, sizeof dir, "%s/sample-2.png.holo", base);
    ok(chunks_are(dir, part, 7), "late META: renamed to sample-2.png.holo instead");
    mkbase(base, sizeof base, "shadow_link");
    snprintf(p, sizeof p, "%s/sample.png", base);
    ok(symlink("/nonexistent/target", p) == 0, "a dangling symlink named sample.png");
    start(&u, base, NET_MODE_NONE);
    feed(u.r, cap_path, 0, 1000, NULL);
    stop(&u);
    snprintf(dir, sizeof dir, "%s/sample-2.png.holo", base);
    ok(chunks_are(dir, all, 9) && !exists(base, "sample.png.holo"),
       "META first: a dangling symlink counts as taken too (sample-2.png.holo)");

    /* 9. --max-output: the image claims 128 x 96 x 3 = 36864 bytes */
    mkbase(base, sizeof base, "claim_small");
    start(&u, base, NET_MODE_BEST);
    net_store_set_max_output(u.s, 36863);
    feed(u.r, cap_path, 0, 1000, NULL);
    ss = net_store_get_stats(u.s);
    ok(ss->refused == 1 && ss->landed == 0 && ss->invalid == 18,
       "one byte under the claim: transfer refused, 0 landed, all 18 completed chunks dropped "
       "(refused %llu, landed %llu, invalid %llu)", (unsigned long long)ss->refused,
       (unsigned long long)ss->landed, (unsigned long long)ss->invalid);
    stop(&u);
    DIR *dd = opendir(base);
    int entries = 0;
    struct dirent *de;
    while (dd && (de = readdir(dd))) entries += de->d_name[0] != '.';
    if (dd) closedir(dd);
    is_int(entries, 0, "refused: nothing was created in the receive directory");
    mkbase(base, sizeof base, "claim_exact");
    start(&u, base, NET_MODE_NONE);
    net_store_set_max_output(u.s, 36864);
    feed(u.r, cap_path, 0, 1000, NULL);
    stop(&u);
    snprintf(dir, sizeof dir, "%s/sample.png.holo", base);
    ok(chunks_are(dir, all, 9), "a claim equal to --max-output is accepted");

    holo_rmtree(root);
    return done_testing();
}
