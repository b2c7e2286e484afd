/* smallpack.c — `holo smallpack`: move a store's small chunk sets into per-directory packs
 * (holo(5) "SMALL-FILE PACKS"), list them, get a member back out as X.holo/, compact a pack. */
#include "smallpack.h"
#include "holo_ext.h"
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char *sp_usage =
    "usage: holo smallpack [--max-kb KB] DIR...     pack the small X.holo/ sets of DIR and below\n"
    "       holo smallpack ls DIR                    list DIR/.holo-pack's members\n"
    "       holo smallpack extract [-o OUT.holo] DIR NAME   NAME's set as a chunk directory\n"
    "       holo smallpack compact DIR               rewrite DIR/.holo-pack without dead records\n";

static int sp_usage_err(const char *msg)
{
    if (msg) fprintf(stderr, "holo: %s\n", msg);
    fputs(sp_usage, stderr);
    return 2;
}

static int pack_of(const char *dir, char *out, size_t outsz)
{
    return snprintf(out, outsz, "%s/%s", dir, HOLO_SPACK_NAME) < (int)outsz ? 0 : -1;
}

/* Pack dir and the directories below it (not chunk directories, not hidden ones). */
static int pack_tree(const char *dir, size_t max_bytes, holo_spack_stats *tot, int depth)
{
    holo_spack_stats st;
    holo_err err = {0};
    int rc = 0;
    if (holo_spack_add(dir, max_bytes, &st, &err) < 0) {
        fprintf(stderr, "holo: %s\n", err.msg);
        rc = 1;
    } else {
        tot->packed += st.packed;
        tot->left += st.left;
        tot->bytes += st.bytes;
    }
    DIR *d = depth < 64 ? opendir(dir) : NULL;
    struct dirent *e;
    while (d && (e = readdir(d))) {
        size_t n = strlen(e->d_name);
        char sub[PATH_MAX];
        struct stat s;
        if (e->d_name[0] == '.' || (n > 5 && !strcmp(e->d_name + n - 5, ".holo")) ||
            snprintf(sub, sizeof sub, "%s/%s", dir, e->d_name) >= (int)sizeof sub ||
            lstat(sub, &s) < 0 || !S_ISDIR(s.st_mode))
            continue;
        rc |= pack_tree(sub, max_bytes, tot, depth + 1);
    }
    if (d) closedir(d);
    return rc;
}

static int cmd_ls(const char *dir)
{
    char pack[PATH_MAX];
    holo_spack p;
    holo_err err = {0};
    if (pack_of(dir, pack, sizeof pack) < 0) return sp_usage_err("path too long");
    if (holo_spack_read(pack, &p, &err) < 0) {
        fprintf(stderr, "holo: %s\n", err.msg);
        return 1;
    }
    for (size_t i = 0; i < p.n; i++)
        printf("%s\t%llu bytes in %u file(s) at %llu\n", p.m[i].name, (unsigned long long)p.m[i].bytes,
               p.m[i].nfiles, (unsigned long long)p.m[i].offset);
    if (p.bad_records || p.torn_tail)
        fprintf(stderr, "holo: %s: %zu corrupt record(s) skipped%s\n", pack, p.bad_records,
                p.torn_tail ? ", a torn append at the end" : "");
    holo_spack_free(&p);
    return 0;
}

static int cmd_extract(const char *dir, const char *name, const char *out)
{
    char pack[PATH_MAX], def[PATH_MAX];
    holo_spack p;
    holo_err err = {0};
    if (pack_of(dir, pack, sizeof pack) < 0) return sp_usage_err("path too long");
    if (!out) {
        if (snprintf(def, sizeof def, "%s.holo", name) >= (int)sizeof def) return sp_usage_err("path too long");
        out = def;
    }
    struct stat st;
    if (lstat(out, &st) == 0) {
        fprintf(stderr, "holo: %s: exists; not overwritten\n", out);
        return 1;
    }
    if (holo_spack_read(pack, &p, &err) < 0) {
        fprintf(stderr, "holo: %s\n", err.msg);
        return 1;
    }
    const holo_spack_member *m = holo_spack_find(&p, name);
    int rc = 0;
    if (!m) {
        fprintf(stderr, "holo: %s: no member %s\n", pack, name);
        rc = 1;
    } else if (holo_spack_extract(pack, m, out, 1, &err) < 0) {
        fprintf(stderr, "holo: %s\n", err.msg);
        rc = 1;
    }
    holo_spack_free(&p);
    return rc;
}

int holo_cli_smallpack(int argc, char **argv)
{
    enum { O_MAXKB = 1000 };
    static const struct option lo[] = { { "max-kb", required_argument, NULL, O_MAXKB },
                                        { "help", no_argument, NULL, 'h' }, { 0, 0, 0, 0 } };
    const char *sub = argc > 1 ? argv[1] : NULL;
    if (sub && (!strcmp(sub, "ls") || !strcmp(sub, "compact"))) {
        if (argc != 3) return sp_usage_err(NULL);
        if (!strcmp(sub, "ls")) return cmd_ls(argv[2]);
        char pack[PATH_MAX];
        holo_err err = {0};
        if (pack_of(argv[2], pack, sizeof pack) < 0) return sp_usage_err("path too long");
        if (holo_spack_compact(pack, &err) < 0) {
            fprintf(stderr, "holo: %s\n", err.msg);
            return 1;
        }
        return 0;
    }
    if (sub && !strcmp(sub, "extract")) {
        const char *out = NULL;
        int i = 2;
        if (argc > 3 && !strcmp(argv[2], "-o")) { out = argv[3]; i = 4; }
        if (argc - i != 2) return sp_usage_err("extract needs DIR and NAME");
        return cmd_extract(argv[i], argv[i + 1], out);
    }
    size_t max_bytes = 0;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        if (c == O_MAXKB) {
            char *end;
            long v = strtol(optarg, &end, 10);
            if (*end || v < 1 || v > 65536) return sp_usage_err("--max-kb must be 1 to 65536");
            max_bytes = (size_t)v << 10;
        } else if (c == 'h') {
            fputs(sp_usage, stdout);
            return 0;
        } else {
            return sp_usage_err(NULL);
        }
    }
    if (optind >= argc) return sp_usage_err("smallpack needs at least one DIR");
    holo_spack_stats tot = {0};
    int rc = 0;
    for (int i = optind; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) < 0 || !S_ISDIR(st.st_mode)) {
            fprintf(stderr, "holo: %s: not a directory\n", argv[i]);
            rc = 1;
            continue;
        }
        rc |= pack_tree(argv[i], max_bytes, &tot, 0);
    }
    printf("%zu small set(s) packed (%llu bytes), %zu left as directories\n", tot.packed,
           (unsigned long long)tot.bytes, tot.left);
    return rc;
}
