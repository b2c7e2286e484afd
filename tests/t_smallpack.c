/* t_smallpack.c — small-file packs (holo(5) SMALL-FILE PACKS) at the library level: a set
 * packed and extracted comes back byte for byte with its modes and mtimes; later records win
 * (DEL, re-PUT); a torn append is skipped by readers and cut by the next writer; a corrupt
 * record costs only its own member; compaction keeps the live members; sets that are not small
 * or not plain files stay directories; extract refuses an existing target. */
#include "tap.h"
#include "holo_ext.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char root[256];

/* DIR/NAME.holo/ with chunk_0000.holo of `len` bytes of value v and a sidecar. */
static void make_set(const char *name, size_t len, int v)
{
    char d[512], f[600];
    tap_pathf(d, sizeof d, "%s/%s.holo", root, name);
    mkdir(d, 0750);
    uint8_t *b = malloc(len);
    for (size_t i = 0; i < len; i++) b[i] = (uint8_t)(v + i * 7);
    tap_pathf(f, sizeof f, "%s/chunk_0000.holo", d);
    tap_spew(f, b, len);
    struct timespec ts[2] = { { 1000000000, 123456789 }, { 1000000000, 123456789 } };
    utimensat(AT_FDCWD, f, ts, 0);
    tap_pathf(f, sizeof f, "%s/.holofs-meta", d);
    tap_spew(f, "mode 0640\n", 10);
    free(b);
}

static int same_file(const char *a, const char *b)
{
    size_t la, lb;
    uint8_t *x = tap_slurp(a, &la), *y = tap_slurp(b, &lb);
    int same = x && y && la == lb && memcmp(x, y, la) == 0;
    free(x);
    free(y);
    return same;
}

static int count_members(const char *pack)
{
    holo_spack p;
    if (holo_spack_read(pack, &p, NULL) < 0) return -1;
    int n = (int)p.n;
    holo_spack_free(&p);
    return n;
}

int main(void)
{
    plan(18);
    snprintf(root, sizeof root, "/tmp/t_smallpack.%d", (int)getpid());
    mkdir(root, 0700);
    char pack[512], keep[512], x[512], a[600], b[600];
    tap_pathf(pack, sizeof pack, "%s/%s", root, HOLO_SPACK_NAME);
    make_set("one", 700, 1);
    make_set("two", 1500, 2);
    make_set("big", 20000, 3);          /* over the 16 KiB default */
    tap_pathf(x, sizeof x, "%s/sub.holo", root);
    mkdir(x, 0755);
    tap_pathf(x, sizeof x, "%s/sub.holo/inner", root);
    mkdir(x, 0755);                     /* a subdirectory: not a small set */
    /* a copy of one.holo to compare with what comes back */
    tap_pathf(keep, sizeof keep, "%s.keep", root);
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "cp -a %s/one.holo %s", root, keep);
    ok(system(cmd) == 0, "copied one.holo aside");

    holo_spack_stats st;
    holo_err err = {0};
    int rc = holo_spack_add(root, 0, &st, &err);
    ok(rc == 0 && st.packed == 2 && st.left == 2,
       "two small sets packed, the big one and the one with a subdirectory left (%zu, %zu)", st.packed,
       st.left);
    struct stat sb;
    tap_pathf(x, sizeof x, "%s/one.holo", root);
    ok(lstat(x, &sb) < 0, "one.holo/ is gone from the directory");
    tap_pathf(x, sizeof x, "%s/big.holo", root);
    ok(lstat(x, &sb) == 0, "big.holo/ stays");

    holo_spack p;
    ok(holo_spack_read(pack, &p, &err) == 0 && p.n == 2, "the pack has 2 members");
    const holo_spack_member *m = holo_spack_find(&p, "one");
    ok(m && m->bytes == 710 && m->nfiles == 2 && (m->mode & 07777) == 0750, "member one: 710 bytes, 2 files, mode 750");
    tap_pathf(x, sizeof x, "%s/back.holo", root);
    ok(m && holo_spack_extract(pack, m, x, 1, &err) == 0, "extract one");
    tap_pathf(a, sizeof a, "%s/chunk_0000.holo", x);
    tap_pathf(b, sizeof b, "%s/chunk_0000.holo", keep);
    struct stat sa, sk;
    ok(same_file(a, b) && stat(a, &sa) == 0 && stat(b, &sk) == 0 && sa.st_mtim.tv_sec == sk.st_mtim.tv_sec &&
           sa.st_mtim.tv_nsec == sk.st_mtim.tv_nsec && sa.st_mode == sk.st_mode,
       "... its chunk comes back with its bytes, mtime (ns) and mode");
    ok(stat(x, &sa) == 0 && (sa.st_mode & 07777) == 0750, "... and the directory its mode");
    ok(m && holo_spack_extract(pack, m, x, 0, &err) < 0, "extract onto an existing directory fails");
    holo_spack_free(&p);

    /* a torn append: half a record at the end */
    size_t plen;
    uint8_t *pb = tap_slurp(pack, &plen);
    int fd = open(pack, O_WRONLY | O_APPEND);
    ok(pb && fd >= 0 && write(fd, pb + 8, 60) == 60, "half a record appended");
    close(fd);
    free(pb);
    ok(count_members(pack) == 2, "readers skip the torn tail");
    ok(holo_spack_remove(pack, "two", NULL, &err) == 0 && count_members(pack) == 1, "a DEL record removes two");
    struct stat ps;
    stat(pack, &ps);
    ok(holo_spack_read(pack, &p, &err) == 0 && p.valid_end == (uint64_t)ps.st_size && !p.torn_tail,
       "... and the writer cut the torn tail first");
    holo_spack_free(&p);

    /* a corrupt record costs its own member only */
    make_set("three", 900, 4);
    tap_pathf(x, sizeof x, "%s/back.holo", root);
    holo_rmtree(x);
    rc = holo_spack_add(root, 0, &st, &err);
    ok(rc == 0 && holo_spack_read(pack, &p, &err) == 0 && p.n == 2, "three packed too");
    m = holo_spack_find(&p, "one");
    uint64_t off = m ? m->offset : 0;
    holo_spack_free(&p);
    fd = open(pack, O_WRONLY);
    ok(pwrite(fd, "Z", 1, (off_t)off + 30) == 1 && count_members(pack) == 1, "one byte of one's record broken: three is still there");
    close(fd);
    ok(holo_spack_compact(pack, &err) == 0 && count_members(pack) == 1 && holo_spack_read(pack, &p, &err) == 0 &&
           p.bad_records == 0 && holo_spack_find(&p, "three"),
       "compaction keeps the live member only");
    holo_spack_free(&p);

    /* hostile packs: random bytes changed, the file cut anywhere; every scan stays in bounds
     * (the sanitizer build checks) and every member it still lists extracts or fails cleanly */
    pb = tap_slurp(pack, &plen);
    unsigned seed = 12345, clean = 1;
    tap_pathf(a, sizeof a, "%s/fuzz.pack", root);
    for (int it = 0; pb && it < 300; it++) {
        uint8_t *mb = malloc(plen);
        memcpy(mb, pb, plen);
        size_t cut = plen;
        for (int k = 0; k < 1 + it % 4; k++) {
            seed = seed * 1103515245u + 12345u;
            size_t at = (seed >> 8) % plen;
            if (it % 5 == 0) mb[at] ^= (uint8_t)(1u << (seed & 7));   /* a bit flip */
            else if (it % 5 == 1) cut = at;                            /* a short file */
            else if (at + 4 <= plen) { mb[at] = 0xff; mb[at + 1] = 0xff; mb[at + 2] = 0xff; mb[at + 3] = 0x7f; }
        }
        tap_spew(a, mb, cut);
        free(mb);
        if (holo_spack_read(a, &p, &err) < 0) continue;
        for (size_t i = 0; i < p.n; i++) {
            tap_pathf(b, sizeof b, "%s/fz.holo", root);
            err.msg[0] = 0;
            if (holo_spack_extract(a, &p.m[i], b, 0, &err) == 0) holo_rmtree(b);
            else if (!err.msg[0]) clean = 0;
        }
        holo_spack_free(&p);
    }
    free(pb);
    ok(clean, "300 damaged packs: scans and extractions stay in bounds, failures say why");

    snprintf(cmd, sizeof cmd, "rm -rf %s %s", root, keep);
    if (system(cmd) != 0) diag("cleanup failed");
    return done_testing();
}
