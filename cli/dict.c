/* dict.c — `holo dict train` and `holo dict apply`: a zstd dictionary for the many small files
 * of a store (holo(1) "DICTIONARIES", holo(5) "DICTIONARY").
 *
 *   holo dict train [-o STORE/.holo-dict] [--size BYTES] [--sample-mb MB] [--force] PATH...
 *   holo dict apply [-n] STORE
 *
 * Both see the small files packed in a directory's .holo-pack (holo(5) "SMALL-FILE PACKS")
 * through holo_spack_*: train extracts them into a temporary directory it samples beside the
 * paths; apply moves a member that needs it out of its pack, re-compresses it and packs the
 * directory again.
 */
#include "dict.h"
#include "holo.h"
#include "holo_ext.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *dict_usage =
    "usage: holo dict train [-o STORE/.holo-dict] [--size BYTES] [--sample-mb MB] [--force] FILE|DIR...\n"
    "       holo dict apply [-n] STORE\n"
    "See holo(1) DICTIONARIES.\n";

static int dict_usage_err(const char *msg)
{
    if (msg) fprintf(stderr, "holo: %s\n", msg);
    fputs(dict_usage, stderr);
    return 2;
}

static int dict_fail(const holo_err *e)
{
    fprintf(stderr, "holo: %s\n", e->msg);
    return 1;
}

static int dict_dir_of(const char *store, char *out, size_t outsz)
{
    size_t n = strlen(store);
    while (n > 1 && store[n - 1] == '/') n--;
    return snprintf(out, outsz, "%.*s/%s", (int)n, store, HOLO_DICT_DIRNAME) < (int)outsz ? 0 : -1;
}

/* ---- packed members ---------------------------------------------------------------------- */
/* A scratch directory for extracted members, made on first use in `in` as a hidden
 * temporary of this process (.holo-tmp-PID-0-dict): what a killed run leaves there the next
 * one's holo_tmp_sweep removes. */
typedef struct scratch {
    char in[PATH_MAX];
    char root[PATH_MAX];
    unsigned long n;
} scratch;

static void scratch_init(scratch *sc, const char *in)
{
    memset(sc, 0, sizeof *sc);
    snprintf(sc->in, sizeof sc->in, "%s", in);
    holo_tmp_sweep(sc->in);
}

static int scratch_new(scratch *sc, char *out, size_t outsz)
{
    if (!sc->root[0]) {
        if (snprintf(sc->root, sizeof sc->root, "%s/.holo-tmp-%ld-0-dict", sc->in, (long)getpid()) >=
                (int)sizeof sc->root || (mkdir(sc->root, 0700) < 0 && errno != EEXIST)) {
            sc->root[0] = 0;
            return -1;
        }
    }
    return snprintf(out, outsz, "%s/%lu", sc->root, sc->n++) < (int)outsz ? 0 : -1;
}

static void scratch_free(scratch *sc)
{
    if (sc->root[0]) holo_rmtree(sc->root);
    sc->root[0] = 0;
}

/* 1 when dir/X.holo or dir/X exists: the member is shadowed, the walks see that one. */
static int shadowed(const char *dir, const char *x)
{
    char p[PATH_MAX];
    struct stat st;
    return snprintf(p, sizeof p, "%s/%s.holo", dir, x) >= (int)sizeof p || lstat(p, &st) == 0 ||
           (p[strlen(p) - 5] = 0, lstat(p, &st) == 0);
}

/* Member m of pack extracted (not synced) into a new directory of sc as sub/X.holo, with
 * sub/.holo-dict naming the pack's dictionary (decoders look for it above a chunk set). The
 * chunk set's path into set; 0 or -1 (e has why). */
static int extract_scratch(scratch *sc, const char *pack, const holo_spack_member *m, char *set,
                           size_t setsz, holo_err *e)
{
    char sub[PATH_MAX], dict[PATH_MAX], link[PATH_MAX];
    if (scratch_new(sc, sub, sizeof sub) < 0 || mkdir(sub, 0700) < 0 ||
        snprintf(set, setsz, "%s/%s.holo", sub, m->name) >= (int)setsz) {
        snprintf(e->msg, sizeof e->msg, "%.600s: no scratch directory for its members: %s", pack, strerror(errno));
        return -1;
    }
    if (holo_dict_find(pack, dict, sizeof dict) == 0 &&
        snprintf(link, sizeof link, "%s/%s", sub, HOLO_DICT_DIRNAME) < (int)sizeof link && symlink(dict, link) < 0) {
        /* then a member compressed with a dictionary reports it missing */
    }
    return holo_spack_extract(pack, m, set, 0, e) < 0 ? -1 : 0;
}

/* The packed members under path (directories recursively, hidden names and chunk sets
 * skipped, as the trainer walks): every stride-th of them (counted in *seen) extracted into
 * sc, none when stride is 0. The number extracted. */
static unsigned long train_packed(scratch *sc, const char *path, int depth, unsigned long stride,
                                  unsigned long *seen)
{
    struct stat st;
    size_t n = strlen(path);
    if (depth > 64 || lstat(path, &st) < 0 || !S_ISDIR(st.st_mode) || (depth > 0 && n > 5 && !strcmp(path + n - 5, ".holo")))
        return 0;
    char sub[PATH_MAX];
    unsigned long got = 0;
    holo_spack sp;
    holo_err e = {0};
    if (snprintf(sub, sizeof sub, "%s/%s", path, HOLO_SPACK_NAME) < (int)sizeof sub &&
        lstat(sub, &st) == 0 && holo_spack_read(sub, &sp, &e) == 0) {
        char set[PATH_MAX];
        for (size_t i = 0; i < sp.n; i++) {
            if (sp.m[i].name[0] == '.' || shadowed(path, sp.m[i].name)) continue;
            (*seen)++;
            if (!stride || (*seen - 1) % stride) continue;   /* counting only, or not this one */
            if (extract_scratch(sc, sub, &sp.m[i], set, sizeof set, &e) == 0) got++;
            else fprintf(stderr, "holo: %s, not sampled\n", e.msg);
        }
        holo_spack_free(&sp);
    } else if (e.msg[0]) {
        fprintf(stderr, "holo: %s, its members not sampled\n", e.msg);
    }
    DIR *d = opendir(path);
    struct dirent *ent;
    while (d && (ent = readdir(d)))
        if (ent->d_name[0] != '.' && snprintf(sub, sizeof sub, "%s/%s", path, ent->d_name) < (int)sizeof sub)
            got += train_packed(sc, sub, depth + 1, stride, seen);
    if (d) closedir(d);
    return got;
}

static int cmd_train(int argc, char **argv)
{
    enum { O_SIZE = 256, O_SAMPLE, O_FORCE };
    static const struct option lo[] = { { "size", required_argument, 0, O_SIZE },
                                        { "sample-mb", required_argument, 0, O_SAMPLE },
                                        { "force", no_argument, 0, O_FORCE }, { 0, 0, 0, 0 } };
    holo_dict_train_opts o = {0};
    const char *out = NULL;
    char def[PATH_MAX];
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:", lo, NULL)) != -1) {
        char *end;
        unsigned long v = 0;
        if (c == O_SIZE || c == O_SAMPLE) {
            errno = 0;
            v = strtoul(optarg, &end, 10);
            if (errno || end == optarg || *end || v == 0 || v > (1ul << 20))
                return dict_usage_err(c == O_SIZE ? "--size must be 1024 to 1048576 bytes" : "--sample-mb must be 1 to 1048576");
        }
        if (c == 'o') out = optarg;
        else if (c == O_SIZE) o.dict_size = (uint32_t)v;
        else if (c == O_SAMPLE) o.max_sample_bytes = (uint64_t)v << 20;
        else if (c == O_FORCE) o.force = 1;
        else return dict_usage_err(NULL);
    }
    if (optind >= argc) return dict_usage_err("dict train needs at least one FILE or DIR");
    struct stat st;
    if (!out) {   /* one store: its own .holo-dict */
        if (argc - optind != 1 || stat(argv[optind], &st) < 0 || !S_ISDIR(st.st_mode))
            return dict_usage_err("dict train: -o DIR is needed unless the only argument is the store");
        if (dict_dir_of(argv[optind], def, sizeof def) < 0) return dict_usage_err("path too long");
        out = def;
    }
    for (int i = optind; i < argc; i++)
        if (stat(argv[i], &st) < 0) { fprintf(stderr, "holo: %s: %s\n", argv[i], strerror(errno)); return 1; }
    /* packed members: extracted into a scratch directory sampled as one more path; an even
     * selection of at most TRAIN_PACKED_MAX (the sample is 8 MiB by default), so disk and time
     * stay bounded on big stores */
    enum { TRAIN_PACKED_MAX = 8192 };
    scratch sc;
    char parent[PATH_MAX];   /* beside the dictionary directory (the store by default) */
    snprintf(parent, sizeof parent, "%s", out);
    char *slash = strrchr(parent, '/');
    if (slash && slash > parent) *slash = 0;
    else snprintf(parent, sizeof parent, "%s", slash ? "/" : ".");
    scratch_init(&sc, parent);
    unsigned long packed = 0, total = 0, seen = 0;
    for (int i = optind; i < argc; i++) train_packed(&sc, argv[i], 0, 0, &total);   /* count */
    unsigned long stride = total > TRAIN_PACKED_MAX ? (total + TRAIN_PACKED_MAX - 1) / TRAIN_PACKED_MAX : 1;
    for (int i = optind; i < argc; i++) packed += train_packed(&sc, argv[i], 0, stride, &seen);
    size_t np = (size_t)(argc - optind);
    const char **paths = malloc((np + 1) * sizeof *paths);
    if (!paths) { scratch_free(&sc); fprintf(stderr, "holo: out of memory\n"); return 1; }
    for (size_t i = 0; i < np; i++) paths[i] = argv[optind + (int)i];
    if (packed) paths[np++] = sc.root;
    uint8_t id[HOLO_DICT_ID_LEN];
    holo_dict_stats s;
    holo_err e;
    int rc = holo_dict_train(paths, np, out, &o, id, &s, &e);
    free(paths);
    scratch_free(&sc);
    printf("%llu small files (%lu of them packed, of %lu packed in all), %llu sampled (%llu bytes)\n",
           (unsigned long long)s.files, packed, seen, (unsigned long long)s.samples,
           (unsigned long long)s.sample_bytes);
    if (s.dict_size)
        printf("estimate for these files: %llu bytes per-file zstd -19, %llu with a %u-byte dictionary "
               "(+ %llu for its chunks)\n", (unsigned long long)s.est_plain, (unsigned long long)s.est_dict,
               s.dict_size, (unsigned long long)s.dict_store_bytes);
    if (rc) return dict_fail(&e);
    char hex[2 * HOLO_DICT_ID_LEN + 1];
    holo_dict_hex(id, hex);
    printf("dictionary %s written to %s (current)\n", hex, out);
    return 0;
}

/* ---- apply ------------------------------------------------------------------------------- */
typedef struct apply_ctx {
    const char *dict_dir;
    uint8_t id[HOLO_DICT_ID_LEN];
    int dry_run;
    unsigned long done, kept, failed;
    unsigned long long before, after;
    scratch sc;               /* packed members looked at */
} apply_ctx;

/* Re-encode one small HO4B file: decode it whole (checked against its hash), hand the bytes to
 * holo_encode_file through an unnamed file, which swaps the new chunk set in atomically. */
static void apply_one(apply_ctx *a, const char *dir, const holo_info *in)
{
    holo_err e;
    holo_decode_opts dop;
    holo_decode_opts_init(&dop);
    dop.dict_dir = a->dict_dir;
    holo_stream *s = holo_stream_open(dir, &dop, &e);
    holo_stream_info si;
    uint8_t *buf = malloc(in->length);
    int fd = -1, rc = !s || !buf;
    if (s) holo_stream_stat(s, &si);
    if (!rc && holo_stream_read(s, 0, buf, in->length, &e) != (int64_t)in->length) rc = 1;
    if (!rc) holo_stream_stat(s, &si);
    if (!rc && si.verified != 1) {   /* a whole read from 0 is checked against the SHA-256 */
        snprintf(e.msg, sizeof e.msg, "%.600s: decoded bytes do not match the recorded SHA-256", dir);
        rc = 1;
    }
    if (!rc) {
        fd = open(a->dict_dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);   /* nothing left on a kill */
        if (fd < 0 || write(fd, buf, in->length) != (ssize_t)in->length) {
            snprintf(e.msg, sizeof e.msg, "%.600s: cannot stage the bytes: %s", dir, strerror(errno));
            rc = 1;
        }
    }
    if (!rc) {
        char src[64];
        snprintf(src, sizeof src, "/proc/self/fd/%d", fd);
        holo_encode_opts eo;
        holo_encode_opts_init(&eo);
        eo.mode = HOLO_KIND_BINARY;
        eo.codec_version = 4;
        eo.dict_dir = a->dict_dir;
        if (si.n > si.k) eo.recovery = (double)(si.n - si.k) / si.k;   /* keep the redundancy */
        rc = holo_encode_file(src, dir, &eo, &e) != 0;
    }
    if (fd >= 0) close(fd);
    free(buf);
    holo_stream_close(s);
    if (rc) {
        fprintf(stderr, "holo: %s, left as it was\n", e.msg);
        a->failed++;
        return;
    }
    holo_info now;
    a->done++;
    a->before += in->chunk_bytes;
    a->after += holo_info_dir(dir, &now, NULL) == 0 ? now.chunk_bytes : 0;
}

/* 1 for a small HO4B file that does not use the current dictionary yet. */
static int wants_apply(const apply_ctx *a, const holo_info *in)
{
    return in->kind == HOLO_KIND_BINARY && in->version == 4 && in->length >= 1 && in->length <= HOLO_DICT_MAX_FILE &&
           !(in->has_dict && !memcmp(in->dict_id, a->id, HOLO_DICT_ID_LEN));
}

/* The members of dir/.holo-pack: each one that wants the dictionary is moved out to dir/X.holo/
 * (synced, then dropped from the pack: X.holo/ wins over a member, so a kill at any point
 * leaves it readable), re-compressed, and the directory packed again. */
static void apply_pack(apply_ctx *a, const char *dir)
{
    char pack[PATH_MAX], set[PATH_MAX];
    struct stat st;
    holo_spack sp;
    holo_err e = {0};
    if (snprintf(pack, sizeof pack, "%s/%s", dir, HOLO_SPACK_NAME) >= (int)sizeof pack || lstat(pack, &st) < 0)
        return;
    if (holo_spack_read(pack, &sp, &e) < 0) {
        fprintf(stderr, "holo: %s, its members left as they were\n", e.msg);
        a->failed++;
        return;
    }
    int moved = 0;
    for (size_t i = 0; i < sp.n; i++) {
        const holo_spack_member *m = &sp.m[i];
        holo_info in;
        if (m->name[0] == '.') continue;
        if (shadowed(dir, m->name)) {   /* moved out by a killed run: packed again below */
            moved = 1;
            continue;
        }
        int rc = extract_scratch(&a->sc, pack, m, set, sizeof set, &e);
        if (rc == 0 && holo_info_dir(set, &in, &e) < 0) rc = -1;
        holo_rmtree(set);
        if (rc < 0) {
            fprintf(stderr, "holo: %s, left as it was\n", e.msg);
            a->failed++;
            continue;
        }
        if (!wants_apply(a, &in)) { a->kept++; continue; }
        if (snprintf(set, sizeof set, "%s/%s.holo", dir, m->name) >= (int)sizeof set) continue;
        if (a->dry_run) { printf("%s (packed)\n", set); a->done++; continue; }
        if (holo_spack_extract(pack, m, set, 1, &e) < 0 || holo_spack_remove(pack, m->name, set, &e) < 0) {
            fprintf(stderr, "holo: %s, left as it was\n", e.msg);
            a->failed++;
            continue;
        }
        moved = 1;
        apply_one(a, set, &in);
    }
    holo_spack_free(&sp);
    if (moved && holo_spack_add(dir, 0, NULL, &e) < 0) {
        fprintf(stderr, "holo: %s: not packed again (its files stay readable as chunk sets)\n", e.msg);
        a->failed++;
    }
}

static void apply_walk(apply_ctx *a, const char *path, int depth)
{
    DIR *d = opendir(path);
    if (!d || depth > 64) { if (d) closedir(d); return; }
    struct dirent *ent;
    char sub[PATH_MAX];
    while ((ent = readdir(d))) {
        if (ent->d_name[0] == '.') continue;   /* ., .., .holo-dict, temporaries */
        if (snprintf(sub, sizeof sub, "%s/%s", path, ent->d_name) >= (int)sizeof sub) continue;
        struct stat st;
        if (lstat(sub, &st) < 0 || !S_ISDIR(st.st_mode)) continue;
        size_t n = strlen(ent->d_name);
        holo_info in;
        if (n > 5 && !strcmp(ent->d_name + n - 5, ".holo") && holo_info_dir(sub, &in, NULL) == 0) {
            if (wants_apply(a, &in)) {
                if (a->dry_run) { printf("%s\n", sub); a->done++; }
                else apply_one(a, sub, &in);
            } else {
                a->kept++;
            }
            continue;
        }
        apply_walk(a, sub, depth + 1);
    }
    closedir(d);
    apply_pack(a, path);
}

static int cmd_apply(int argc, char **argv)
{
    apply_ctx a = {0};
    int c;
    optind = 1;
    while ((c = getopt(argc, argv, "n")) != -1) {
        if (c == 'n') a.dry_run = 1;
        else return dict_usage_err(NULL);
    }
    if (optind != argc - 1) return dict_usage_err("dict apply needs exactly one STORE");
    const char *store = argv[optind];
    char dd[PATH_MAX];
    holo_err e;
    if (dict_dir_of(store, dd, sizeof dd) < 0) return dict_usage_err("path too long");
    a.dict_dir = dd;
    scratch_init(&a.sc, store);
    if (holo_dict_current(dd, a.id, &e)) return dict_fail(&e);
    if (holo_dict_check(dd, a.id, &e)) return dict_fail(&e);   /* never re-encode with a bad one */
    apply_walk(&a, store, 0);
    scratch_free(&a.sc);
    char hex[2 * HOLO_DICT_ID_LEN + 1];
    holo_dict_hex(a.id, hex);
    if (a.dry_run)
        printf("%lu files would be re-compressed with dictionary %s\n", a.done, hex);
    else
        printf("%lu files re-compressed with dictionary %s (%llu -> %llu chunk bytes), %lu left as they were, %lu failed\n",
               a.done, hex, a.before, a.after, a.kept, a.failed);
    return a.failed ? 1 : 0;
}

int holo_cli_dict(int argc, char **argv)
{
    if (argc < 2) return dict_usage_err(NULL);
    if (!strcmp(argv[1], "train")) return cmd_train(argc - 1, argv + 1);
    if (!strcmp(argv[1], "apply")) return cmd_apply(argc - 1, argv + 1);
    if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) { fputs(dict_usage, stdout); return 0; }
    return dict_usage_err("dict: unknown command (train or apply)");
}
