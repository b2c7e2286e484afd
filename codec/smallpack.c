/* smallpack.c — small-file packs (holo(5) "SMALL-FILE PACKS"): the chunk sets of a directory's
 * small files kept as records of one append-only file DIR/.holo-pack instead of one X.holo/
 * directory each (a directory and each chunk file take a whole filesystem block).
 *
 * A record is valid only when complete and its CRC-32 matches, so a killed writer leaves a torn
 * tail that every reader skips; records are self-describing and found by a scan (a corrupt one
 * costs only its own file: the scan resynchronises on the next record magic). Later records
 * win: a PUT replaces an earlier one of the same name, a DEL removes it. */
#include "internal.h"
#include "holo_ext.h"
#include "leb128.h"
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define FILE_MAGIC "HOSPACK1"        /* 8 bytes at offset 0 */
#define REC_MAGIC "HOSR"
#define REC_MAX (64u << 20)          /* larger records are refused as hostile */
#define PACK_MAX (1ull << 36)        /* larger packs are refused (64 GiB) */
#define TYPE_PUT 1
#define TYPE_DEL 2

static void put32(uint8_t *p, uint32_t v) { for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> 8 * i); }
static void put64(uint8_t *p, uint64_t v) { for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> 8 * i); }
static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint64_t get64(const uint8_t *p) { return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32; }

/* ---- record layout (holo(5) "SMALL-FILE PACKS") -----------------------------------------
 *   "HOSR" | u32 length (all of it, CRC included) | u8 type | v name length | name
 *   | v mode | v uid | v gid | u64 mtime_ns | v file count
 *   | per file: v name length (0: "chunk_NNNN.holo", then v NNNN) | name | z mtime - record mtime
 *              | v mode | v length | bytes
 *   | u32 CRC-32 of everything before it
 * v: unsigned LEB128, z: zigzag LEB128, u32/u64 little-endian. Small sets are ~1 KB: the
 * compact fields keep a record's own bytes near 50. */
typedef struct cur {
    const uint8_t *p, *end;
    int bad;
} cur;

static uint64_t rd_v(cur *c)
{
    uint64_t v;
    size_t n = holo_leb128_get(c->p, (size_t)(c->end - c->p), UINT64_MAX, 0, &v);
    if (!n) { c->bad = 1; return 0; }
    c->p += n;
    return v;
}

static const uint8_t *rd_n(cur *c, size_t n)
{
    if ((size_t)(c->end - c->p) < n) { c->bad = 1; return NULL; }
    const uint8_t *r = c->p;
    c->p += n;
    return r;
}

typedef struct rec {
    int type;
    char name[256];
    uint32_t mode, uid, gid, nfiles;
    int64_t mtime_ns;
    cur files;         /* the file entries */
} rec;

typedef struct fentry {
    char name[256];
    int64_t mtime_ns;
    uint32_t mode, len;
    const uint8_t *data;
} fentry;

/* The next file entry of a record; 0, or -1 when it is malformed. */
static int next_file(cur *c, int64_t base, fentry *f)
{
    uint64_t nl = rd_v(c);
    if (nl == 0) {
        uint64_t i = rd_v(c);
        if (i > 9999) return -1;
        snprintf(f->name, sizeof f->name, "chunk_%04u.holo", (unsigned)i);
    } else {
        const uint8_t *nm = nl < 256 ? rd_n(c, (size_t)nl) : NULL;
        if (!nm || memchr(nm, 0, (size_t)nl) || memchr(nm, '/', (size_t)nl)) return -1;
        memcpy(f->name, nm, (size_t)nl);
        f->name[nl] = 0;
        if (!strcmp(f->name, ".") || !strcmp(f->name, "..")) return -1;
    }
    uint64_t z = rd_v(c);
    f->mtime_ns = base + (int64_t)(z >> 1 ^ (0 - (z & 1)));
    uint64_t mode = rd_v(c), len = rd_v(c);
    if (mode > 07777 || len > REC_MAX) return -1;
    f->mode = (uint32_t)mode;
    f->len = (uint32_t)len;
    f->data = rd_n(c, (size_t)len);
    return c->bad || !f->data ? -1 : 0;
}

/* Parse the record buf[0..len) (len = its stated length): 0 when it is complete, its CRC
 * matches and every field is in bounds; *bytes (may be NULL) gets its files' bytes. */
static int rec_parse(const uint8_t *buf, size_t len, rec *r, uint64_t *bytes)
{
    if (len < 8 + 1 + 1 + 1 + 8 + 1 + 4 || memcmp(buf, REC_MAGIC, 4) || get32(buf + 4) != len)
        return -1;
    if (crc32(0, buf, (uInt)(len - 4)) != get32(buf + len - 4))
        return -1;
    cur c = { buf + 9, buf + len - 4, 0 };
    r->type = buf[8];
    uint64_t n = rd_v(&c);
    const uint8_t *nm = n && n < 256 ? rd_n(&c, (size_t)n) : NULL;
    if ((r->type != TYPE_PUT && r->type != TYPE_DEL) || !nm || memchr(nm, '/', (size_t)n) || memchr(nm, 0, (size_t)n))
        return -1;
    memcpy(r->name, nm, (size_t)n);
    r->name[n] = 0;
    if (!strcmp(r->name, ".") || !strcmp(r->name, ".."))
        return -1;
    uint64_t mode = rd_v(&c), uid = rd_v(&c), gid = rd_v(&c);
    const uint8_t *mt = rd_n(&c, 8);
    uint64_t nf = rd_v(&c);
    if (c.bad || mode > 07777 || uid > UINT32_MAX || gid > UINT32_MAX || nf > 65535)
        return -1;
    r->mode = (uint32_t)mode;
    r->uid = (uint32_t)uid;
    r->gid = (uint32_t)gid;
    r->mtime_ns = (int64_t)get64(mt);
    r->nfiles = (uint32_t)nf;
    r->files = c;
    /* walk the entries once: every one must lie inside the record, and fill it exactly */
    uint64_t total = 0;
    for (uint32_t i = 0; i < r->nfiles; i++) {
        fentry f;
        if (next_file(&c, r->mtime_ns, &f)) return -1;
        total += f.len;
    }
    if (bytes) *bytes = total;
    return c.p == c.end ? 0 : -1;
}

static int cmp_member(const void *a, const void *b)
{
    return strcmp(((const holo_spack_member *)a)->name, ((const holo_spack_member *)b)->name);
}

/* The live members of buf[0..len) (a whole pack file) into p. */
static int scan(const uint8_t *buf, size_t len, holo_spack *p)
{
    size_t cap = 0, pos = 8;
    while (pos + 8 <= len) {
        uint32_t rl = get32(buf + pos + 4);
        rec r;
        uint64_t bytes = 0;
        if (memcmp(buf + pos, REC_MAGIC, 4) || rl > REC_MAX || rl > len - pos ||
            rec_parse(buf + pos, rl, &r, &bytes)) {
            /* torn or corrupt: resynchronise on the next record magic */
            const uint8_t *nx = memmem(buf + pos + 1, len - pos - 1, REC_MAGIC, 4);
            if (!nx) {
                if (memcmp(buf + pos, REC_MAGIC, 4) == 0) p->torn_tail = 1;
                break;
            }
            if (memcmp(buf + pos, REC_MAGIC, 4) == 0) p->bad_records++;
            pos = (size_t)(nx - buf);
            continue;
        }
        /* later records win: drop an earlier one of the name */
        for (size_t i = 0; i < p->n; i++)
            if (!strcmp(p->m[i].name, r.name)) {
                p->m[i] = p->m[--p->n];
                break;
            }
        if (r.type == TYPE_PUT) {
            if (p->n == cap) {
                size_t nc = cap ? cap * 2 : 64;
                holo_spack_member *nm = realloc(p->m, nc * sizeof *nm);
                if (!nm) return -1;
                p->m = nm;
                cap = nc;
            }
            holo_spack_member *m = &p->m[p->n++];
            memset(m, 0, sizeof *m);
            snprintf(m->name, sizeof m->name, "%s", r.name);
            m->mode = r.mode;
            m->uid = r.uid;
            m->gid = r.gid;
            m->mtime_ns = r.mtime_ns;
            m->offset = pos;
            m->length = rl;
            m->nfiles = r.nfiles;
            m->bytes = bytes;
        }
        pos += rl;
        p->valid_end = pos;
    }
    if (p->valid_end < 8) p->valid_end = 8;
    if (p->n > 1) qsort(p->m, p->n, sizeof *p->m, cmp_member);
    return 0;
}

static int read_all(int fd, const char *pack, uint8_t **buf, size_t *len, holo_err *err)
{
    struct stat st;
    if (fstat(fd, &st) < 0) return holo_seterr_sys(err, errno, "%s", pack);
    if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size > PACK_MAX)
        return holo_seterr(err, HOLO_EINVAL, "%s: not a regular file or over the 64 GiB cap", pack);
    size_t n = (size_t)st.st_size;
    uint8_t *b = malloc(n ? n : 1);
    if (!b) return holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", pack);
    size_t got = 0;
    while (got < n) {
        ssize_t r = pread(fd, b + got, n - got, (off_t)got);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        got += (size_t)r;
    }
    *buf = b;
    *len = got;
    return 0;
}

static int read_fd(int fd, const char *pack, holo_spack *p, holo_err *err)
{
    uint8_t *buf;
    size_t len;
    int rc = read_all(fd, pack, &buf, &len, err);
    if (rc) return rc;
    if (len >= 8 && memcmp(buf, FILE_MAGIC, 8)) {
        free(buf);
        return holo_seterr(err, HOLO_EINVAL, "%s: not a small-file pack (no %s magic)", pack, FILE_MAGIC);
    }
    if (len >= 8 && scan(buf, len, p)) rc = holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", pack);
    free(buf);
    return rc;
}

int holo_spack_read(const char *pack, holo_spack *p, holo_err *err)
{
    memset(p, 0, sizeof *p);
    int fd = open(pack, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) return errno == ENOENT ? 0 : holo_seterr_sys(err, errno, "%s", pack);
    int rc = read_fd(fd, pack, p, err);
    close(fd);
    if (rc) holo_spack_free(p);
    return rc;
}

void holo_spack_free(holo_spack *p)
{
    free(p->m);
    memset(p, 0, sizeof *p);
}

const holo_spack_member *holo_spack_find(const holo_spack *p, const char *name)
{
    holo_spack_member key;
    if (!p->n || strlen(name) >= sizeof key.name) return NULL;
    snprintf(key.name, sizeof key.name, "%s", name);
    return bsearch(&key, p->m, p->n, sizeof *p->m, cmp_member);
}

/* ---- extraction -------------------------------------------------------------------------- */
static int write_entry(int dfd, const char *name, const uint8_t *data, uint32_t len, uint32_t mode,
                       int64_t mtime_ns)
{
    int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) return -1;
    int rc = holo_write_all(fd, data, len);
    struct timespec ts[2] = { { mtime_ns / 1000000000, mtime_ns % 1000000000 },
                              { mtime_ns / 1000000000, mtime_ns % 1000000000 } };
    if (!rc && (fchmod(fd, mode & 07777) < 0 || futimens(fd, ts) < 0)) rc = -1;
    int e = errno;
    close(fd);
    errno = e;
    return rc;
}

int holo_spack_extract(const char *pack, const holo_spack_member *m, const char *outdir, int durable,
                       holo_err *err)
{
    if (m->length > REC_MAX) return holo_seterr(err, HOLO_EINVAL, "%s: %s: record over the cap", pack, m->name);
    uint8_t *buf = malloc(m->length);
    if (!buf) return holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", pack);
    int fd = open(pack, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    ssize_t got = fd < 0 ? -1 : pread(fd, buf, m->length, (off_t)m->offset);
    int e = errno;
    if (fd >= 0) close(fd);
    rec r;
    if (got < 0) { free(buf); return holo_seterr_sys(err, e, "%s", pack); }
    if ((size_t)got != m->length || rec_parse(buf, m->length, &r, NULL) || r.type != TYPE_PUT || strcmp(r.name, m->name)) {
        free(buf);
        return holo_seterr(err, HOLO_EINVAL, "%s: the record of %s changed or is corrupt", pack, m->name);
    }
    char tmp[PATH_MAX];
    int rc = 0;
    if (durable) rc = holo_tmpdir_begin(outdir, tmp, sizeof tmp, err);
    else if (snprintf(tmp, sizeof tmp, "%s.tmpXXXXXX", outdir) >= (int)sizeof tmp || !mkdtemp(tmp))
        rc = holo_seterr_sys(err, errno ? errno : ENAMETOOLONG, "%s", outdir);
    if (rc) { free(buf); return rc; }
    int dfd = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) rc = holo_seterr_sys(err, errno, "%s", tmp);
    cur c = r.files;
    for (uint32_t i = 0; i < r.nfiles && !rc; i++) {
        fentry f;
        if (next_file(&c, r.mtime_ns, &f))
            rc = holo_seterr(err, HOLO_EINVAL, "%s: %s: malformed record", pack, m->name);
        else if (write_entry(dfd, f.name, f.data, f.len, f.mode, f.mtime_ns) < 0)
            rc = holo_seterr_sys(err, errno, "%s/%s", tmp, f.name);
    }
    if (!rc) {   /* the directory's own attributes last: its mtime is not moved again */
        struct timespec ts[2] = { { r.mtime_ns / 1000000000, r.mtime_ns % 1000000000 },
                                  { r.mtime_ns / 1000000000, r.mtime_ns % 1000000000 } };
        if (geteuid() == 0 && fchown(dfd, r.uid, r.gid) < 0) { /* best effort, as cp -p */ }
        if (fchmod(dfd, r.mode & 07777) < 0 || futimens(dfd, ts) < 0)
            rc = holo_seterr_sys(err, errno, "%s", tmp);
    }
    if (dfd >= 0) close(dfd);
    free(buf);
    if (!rc) {
        if (durable) rc = holo_tmpdir_commit(tmp, outdir, err);
        else if (rename(tmp, outdir) < 0) rc = holo_seterr_sys(err, errno, "%s", outdir);
    }
    if (rc) holo_rmtree(tmp);
    return rc;
}

/* ---- appending --------------------------------------------------------------------------- */
typedef struct rbuf {
    uint8_t *b;
    size_t n, cap;
} rbuf;

static int rb_need(rbuf *rb, size_t more)
{
    if (rb->n + more <= rb->cap) return 0;
    size_t nc = rb->cap ? rb->cap : 4096;
    while (nc < rb->n + more) nc *= 2;
    uint8_t *nb = realloc(rb->b, nc);
    if (!nb) return -1;
    rb->b = nb;
    rb->cap = nc;
    return 0;
}

static int put_v(rbuf *rb, uint64_t v)
{
    if (rb_need(rb, HOLO_LEB128_MAX_BYTES)) return -1;
    rb->n += holo_leb128_put(rb->b + rb->n, v);
    return 0;
}

static int put_bytes(rbuf *rb, const void *p, size_t n)
{
    if (rb_need(rb, n)) return -1;
    memcpy(rb->b + rb->n, p, n);
    rb->n += n;
    return 0;
}

static int64_t mtime_of(const struct stat *st)
{
    return (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
}

/* Start a record of `type` for name; rec_end completes it. */
static int rec_begin(rbuf *rb, int type, const char *name, const struct stat *st, uint32_t nfiles)
{
    size_t n = strlen(name);
    uint8_t mt[8];
    put64(mt, st ? (uint64_t)mtime_of(st) : 0);
    uint8_t head[9] = { 'H', 'O', 'S', 'R', 0, 0, 0, 0, (uint8_t)type };
    if (n == 0 || n > 255 || put_bytes(rb, head, 9) || put_v(rb, n) || put_bytes(rb, name, n) ||
        put_v(rb, st ? st->st_mode & 07777 : 0) || put_v(rb, st ? st->st_uid : 0) ||
        put_v(rb, st ? st->st_gid : 0) || put_bytes(rb, mt, 8) || put_v(rb, nfiles))
        return -1;
    return 0;
}

/* One file entry of a PUT record whose directory mtime is base. */
static int put_file(rbuf *rb, const char *name, const struct stat *st, int64_t base, int fd)
{
    unsigned idx;
    char tail[8];
    size_t n = strlen(name), len = (size_t)st->st_size;
    int chunk = n == 15 && sscanf(name, "chunk_%4u.holo%1s", &idx, tail) == 1 && isdigit((unsigned char)name[9]) &&
                !strcmp(name + 10, ".holo");
    int64_t d = mtime_of(st) - base;
    uint64_t z = d < 0 ? ((uint64_t)(-(d + 1)) << 1) | 1 : (uint64_t)d << 1;
    if ((chunk ? put_v(rb, 0) || put_v(rb, idx) : put_v(rb, n) || put_bytes(rb, name, n)) || put_v(rb, z) ||
        put_v(rb, st->st_mode & 07777) || put_v(rb, len) || rb_need(rb, len))
        return -1;
    ssize_t got = pread(fd, rb->b + rb->n, len, 0);
    if (got != (ssize_t)len) return 1;   /* changed under us */
    rb->n += len;
    return 0;
}

static int rec_end(rbuf *rb, size_t start)
{
    if (rb_need(rb, 4)) return -1;
    size_t len = rb->n + 4 - start;
    if (len > REC_MAX) return -1;
    put32(rb->b + start + 4, (uint32_t)len);
    put32(rb->b + rb->n, (uint32_t)crc32(0, rb->b + start, (uInt)(len - 4)));
    rb->n += 4;
    return 0;
}

/* Open pack for appending, locked, its torn tail cut (creating it with its magic). */
static int open_locked(const char *pack, int *out, holo_spack *live, holo_err *err)
{
    for (int tries = 0; tries < 100; tries++) {
        int fd = open(pack, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (fd < 0) return holo_seterr_sys(err, errno, "%s", pack);
        if (flock(fd, LOCK_EX) < 0) { int e = errno; close(fd); return holo_seterr_sys(err, e, "%s", pack); }
        struct stat a, b;
        /* compaction may have replaced the file while we waited for the lock */
        if (fstat(fd, &a) < 0 || stat(pack, &b) < 0 || a.st_ino != b.st_ino || a.st_dev != b.st_dev) {
            close(fd);
            continue;
        }
        if (a.st_size < 8) {   /* new (or torn while being created): start it */
            if (ftruncate(fd, 0) < 0 || pwrite(fd, FILE_MAGIC, 8, 0) != 8) {
                int e = errno;
                close(fd);
                return holo_seterr_sys(err, e, "%s", pack);
            }
        }
        holo_spack tmp = {0}, *p = live ? live : &tmp;
        memset(p, 0, sizeof *p);
        int rc = read_fd(fd, pack, p, err);
        /* bytes after the last valid record are a torn append: cut them */
        if (!rc && (uint64_t)a.st_size > p->valid_end && a.st_size >= 8 && ftruncate(fd, (off_t)p->valid_end) < 0)
            rc = holo_seterr_sys(err, errno, "%s", pack);
        if (!live || rc) holo_spack_free(p);
        if (rc) { close(fd); return rc; }
        *out = fd;
        return 0;
    }
    return holo_seterr(err, HOLO_EIO, "%s: replaced over and over while locking it", pack);
}

/* Append rb to the locked pack fd and make it durable. */
static int append(int fd, const char *pack, const rbuf *rb, holo_err *err)
{
    off_t end = lseek(fd, 0, SEEK_END);
    if (end < 0) return holo_seterr_sys(err, errno, "%s", pack);
    size_t done = 0;
    while (done < rb->n) {
        ssize_t w = pwrite(fd, rb->b + done, rb->n - done, end + (off_t)done);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) {
            int e = errno;
            if (ftruncate(fd, end) < 0) { /* the scan skips the torn tail anyway */ }
            return holo_seterr_sys(err, w < 0 ? e : EIO, "%s", pack);
        }
        done += (size_t)w;
    }
    if (fdatasync(fd) < 0) return holo_seterr_sys(err, errno, "%s", pack);
    return 0;
}

int holo_spack_remove(const char *pack, const char *name, const char *unless_gone, holo_err *err)
{
    int fd;
    holo_spack live;
    int rc = open_locked(pack, &fd, &live, err);
    if (rc) return rc;
    rbuf rb = {0};
    struct stat st;
    /* checked under the lock: holo_spack_add removes directories while holding it */
    if (holo_spack_find(&live, name) && (!unless_gone || lstat(unless_gone, &st) == 0)) {
        if (rec_begin(&rb, TYPE_DEL, name, NULL, 0) || rec_end(&rb, 0))
            rc = holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", pack);
        else
            rc = append(fd, pack, &rb, err);
    }
    free(rb.b);
    holo_spack_free(&live);
    close(fd);
    return rc;
}

/* The regular files of the set directory dfd as one PUT record; 1 when it does not qualify
 * (not small, not plain files only), -1 on errors. */
static int add_set(rbuf *rb, int dfd, const char *x, const struct stat *dst, size_t max_bytes)
{
    DIR *d = fdopendir(dup(dfd));
    if (!d) return -1;
    size_t start = rb->n, total = 0;
    uint32_t nfiles = 0;
    struct dirent *e;
    int rc = 0;
    /* count first: the record's header states the number */
    while ((e = readdir(d)) && !rc) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        struct stat st;
        if (fstatat(dfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode) || strlen(e->d_name) > 255 ||
            !strncmp(e->d_name, ".holo-tmp-", 10) || !strcmp(e->d_name, "manifest.json"))
            rc = 1;   /* subdirectories, links, temporaries, HOPK containers: not a small set */
        else if ((total += (size_t)st.st_size) > max_bytes || ++nfiles > 65535)
            rc = 1;
    }
    if (!rc && nfiles == 0) rc = 1;
    if (!rc && rec_begin(rb, TYPE_PUT, x, dst, nfiles)) rc = -1;
    rewinddir(d);
    uint32_t written = 0;
    while (!rc && (e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        int fd = openat(dfd, e->d_name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        struct stat st;
        if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (size_t)st.st_size > max_bytes) {
            if (fd >= 0) close(fd);
            rc = 1;
            break;
        }
        int r = put_file(rb, e->d_name, &st, mtime_of(dst), fd);
        close(fd);
        if (r) { rc = r; break; }
        written++;
    }
    closedir(d);
    if (!rc && written != nfiles) rc = 1;
    if (!rc && rec_end(rb, start)) rc = -1;
    if (rc) rb->n = start;
    return rc;
}

typedef struct cand {
    char x[256];
    struct stat st;
} cand;

static int same_dir(const struct stat *a, const struct stat *b)
{
    return a->st_ino == b->st_ino && a->st_dev == b->st_dev && a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
           a->st_mtim.tv_nsec == b->st_mtim.tv_nsec && a->st_ctim.tv_sec == b->st_ctim.tv_sec &&
           a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

int holo_spack_add(const char *dir, size_t max_bytes, holo_spack_stats *stats, holo_err *err)
{
    holo_spack_stats local;
    if (!stats) stats = &local;
    memset(stats, 0, sizeof *stats);
    if (!max_bytes) max_bytes = HOLO_SPACK_MAX_DEFAULT;
    char pack[PATH_MAX];
    if (holo_path_join(pack, sizeof pack, dir, HOLO_SPACK_NAME) < 0)
        return holo_seterr(err, HOLO_EINVAL, "%s: path too long", dir);
    int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dirfd < 0) return holo_seterr_sys(err, errno, "%s", dir);
    DIR *d = fdopendir(dirfd);
    if (!d) { int e = errno; close(dirfd); return holo_seterr_sys(err, e, "%s", dir); }
    cand *c = NULL;
    size_t nc = 0, cap = 0;
    rbuf rb = {0};
    int rc = 0;
    struct dirent *e;
    while ((e = readdir(d)) && !rc) {
        size_t n = strlen(e->d_name);
        if (n <= 5 || strcmp(e->d_name + n - 5, ".holo") || e->d_name[0] == '.') continue;
        struct stat st;
        if (fstatat(dirfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode)) continue;
        int sfd = openat(dirfd, e->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (sfd < 0) continue;
        char x[256];
        snprintf(x, sizeof x, "%.*s", (int)(n - 5), e->d_name);
        int r = add_set(&rb, sfd, x, &st, max_bytes);
        close(sfd);
        if (r < 0) { rc = holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", dir); break; }
        if (r > 0) { stats->left++; continue; }
        if (nc == cap) {
            size_t ncap = cap ? cap * 2 : 64;
            cand *cc = realloc(c, ncap * sizeof *cc);
            if (!cc) { rc = holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", dir); break; }
            c = cc;
            cap = ncap;
        }
        snprintf(c[nc].x, sizeof c[nc].x, "%s", x);
        c[nc++].st = st;
        stats->bytes += (uint64_t)st.st_size;
    }
    int fd = -1;
    /* one append, one fdatasync: then the directories go, each only if still as read */
    if (!rc && nc) rc = open_locked(pack, &fd, NULL, err);
    if (!rc && nc) rc = append(fd, pack, &rb, err);
    for (size_t i = 0; i < nc && !rc; i++) {
        char set[PATH_MAX], aside[PATH_MAX];
        struct stat now;
        if (holo_path_join(set, sizeof set, dir, c[i].x) < 0 || strlen(set) + 5 >= sizeof set) continue;
        strcat(set, ".holo");
        if (lstat(set, &now) < 0 || !same_dir(&now, &c[i].st)) continue;   /* rewritten meanwhile */
        /* out of the namespace at once (a hidden temporary name), then deleted */
        if (snprintf(aside, sizeof aside, "%s/.holo-tmp-%ld-pack-%zu", dir, (long)getpid(), i) >= (int)sizeof aside ||
            rename(set, aside) < 0)
            continue;
        holo_rmtree(aside);
        stats->packed++;
    }
    if (fd >= 0) close(fd);
    closedir(d);
    free(c);
    free(rb.b);
    return rc;
}

int holo_spack_compact(const char *pack, holo_err *err)
{
    int fd;
    holo_spack live;
    int rc = open_locked(pack, &fd, &live, err);
    if (rc) return rc;
    uint8_t *buf = NULL;
    size_t len = 0;
    rc = read_all(fd, pack, &buf, &len, err);
    /* live records in file order, so the new pack reads as the old one did */
    rbuf rb = {0};
    if (!rc && rb_need(&rb, len + 8)) rc = holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", pack);
    if (!rc) {
        memcpy(rb.b, FILE_MAGIC, 8);
        rb.n = 8;
        holo_spack_member *order = malloc((live.n ? live.n : 1) * sizeof *order);
        if (!order) rc = holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", pack);
        else {
            if (live.n) memcpy(order, live.m, live.n * sizeof *order);
            for (size_t i = 1; i < live.n; i++)   /* insertion sort by offset: few, mostly sorted */
                for (size_t j = i; j > 0 && order[j - 1].offset > order[j].offset; j--) {
                    holo_spack_member t = order[j]; order[j] = order[j - 1]; order[j - 1] = t;
                }
            for (size_t i = 0; i < live.n; i++)
                if (order[i].offset + order[i].length <= len) {
                    memcpy(rb.b + rb.n, buf + order[i].offset, order[i].length);
                    rb.n += order[i].length;
                }
            free(order);
        }
    }
    if (!rc) rc = holo_write_file_atomic(pack, rb.b, rb.n, err);   /* temp + fsync + rename */
    free(rb.b);
    free(buf);
    holo_spack_free(&live);
    close(fd);   /* the lock goes with the old inode: waiters notice the replacement */
    return rc;
}
