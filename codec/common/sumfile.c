/* sumfile.c — holo.sum, our integrity sidecar in a chunk directory (holo(5)). The reference's
 * formats carry no checksum; the sidecar is an extra file the reference ignores, so its own
 * files stay byte-identical. It is sha256sum(1) format, so `sha256sum -c holo.sum` checks a
 * set by hand, plus one comment line (sha256sum skips it) with the hash of the decoded data:
 *
 *   # holo.sum 1
 *   # decoded-sha256 <64 hex> <bytes>
 *   <64 hex>  chunk_0000.holo
 *   ...
 */
#include "internal.h"
#include "sha256.h"
#include <errno.h>
#include <dirent.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* B <= 2^20 chunks plus as many recovery chunks, ~85 bytes a line. */
#define SUM_FILE_CAP (200u << 20)

static int hexval(int c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
         : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

static int parse_hex32(const char *p, uint8_t out[32])
{
    for (int i = 0; i < 32; i++) {
        int hi = hexval((unsigned char)p[2 * i]), lo = hi < 0 ? -1 : hexval((unsigned char)p[2 * i + 1]);
        if (lo < 0) return -1;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return 0;
}

static void put_hex32(const uint8_t in[32], char *out)
{
    static const char d[] = "0123456789abcdef";
    for (int i = 0; i < 32; i++) { out[2 * i] = d[in[i] >> 4]; out[2 * i + 1] = d[in[i] & 15]; }
    out[64] = 0;
}

static int cmp_entry(const void *a, const void *b)
{
    return strcmp(((const holo_sum_entry *)a)->name, ((const holo_sum_entry *)b)->name);
}

/* One line (NUL-terminated, no newline) into s; unknown lines are ignored. */
static void parse_line(holo_sums *s, char *line, size_t *cap)
{
    unsigned long long len;
    char hex[65], tail;
    if (line[0] == '#') {
        if (sscanf(line, "# decoded-sha256 %64s %llu %c", hex, &len, &tail) == 2 &&
            strlen(hex) == 64 && !parse_hex32(hex, s->decoded)) {
            s->have_decoded = 1;
            s->decoded_len = len;
        }
        return;
    }
    size_t n = strlen(line);
    /* "<64 hex>  NAME" (text mode) or "<64 hex> *NAME" (binary mode) */
    if (n < 67 || n - 66 >= sizeof s->e->name || line[64] != ' ' || (line[65] != ' ' && line[65] != '*'))
        return;
    holo_sum_entry e;
    if (parse_hex32(line, e.sha)) return;
    memcpy(e.name, line + 66, n - 66 + 1);
    if (strchr(e.name, '/')) return;
    if (s->n == *cap) {
        size_t nc = *cap ? *cap * 2 : 64;
        holo_sum_entry *ne = realloc(s->e, nc * sizeof *ne);
        if (!ne) return;
        s->e = ne;
        *cap = nc;
    }
    s->e[s->n++] = e;
}

void holo_sums_load(const char *dir, holo_sums *s)
{
    memset(s, 0, sizeof *s);
    char path[PATH_MAX];
    uint8_t *buf;
    size_t len, cap = 0;
    if (holo_path_join(path, sizeof path, dir, HOLO_SUM_NAME) < 0 ||
        holo_read_chunk(path, SUM_FILE_CAP, &buf, &len, NULL))
        return;
    char *p = (char *)buf, *end = p + len;
    while (p < end) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        char line[256];
        size_t n = (size_t)((nl ? nl : end) - p);
        if (n < sizeof line && !memchr(p, 0, n)) {
            memcpy(line, p, n);
            line[n] = 0;
            parse_line(s, line, &cap);
        }
        p = nl ? nl + 1 : end;
    }
    free(buf);
    qsort(s->e, s->n, sizeof *s->e, cmp_entry);
    s->loaded = s->n > 0;
}

void holo_sums_free(holo_sums *s)
{
    free(s->e);
    memset(s, 0, sizeof *s);
}

int holo_sums_match(const holo_sums *s, const char *name, const uint8_t *buf, size_t len)
{
    holo_sum_entry key;
    if (snprintf(key.name, sizeof key.name, "%s", name) >= (int)sizeof key.name) return 0;
    const holo_sum_entry *e = bsearch(&key, s->e, s->n, sizeof *s->e, cmp_entry);
    if (!e) return 0;
    uint8_t d[32];
    sha256(buf, len, d);
    return memcmp(d, e->sha, 32) == 0;
}

void holo_sha256_i16le(const int16_t *v, size_t count, uint8_t out[32])
{
    sha256_ctx c;
    sha256_init(&c);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    uint8_t tmp[4096];
    for (size_t i = 0; i < count;) {
        size_t k = 0;
        for (; k < sizeof tmp / 2 && i < count; k++, i++) {
            tmp[2 * k] = (uint8_t)v[i];
            tmp[2 * k + 1] = (uint8_t)((uint16_t)v[i] >> 8);
        }
        sha256_update(&c, tmp, 2 * k);
    }
#else
    sha256_update(&c, v, count * 2);
#endif
    sha256_final(&c, out);
}

static int is_hashed_name(const char *s)
{
    size_t n = strlen(s);
    return n > 5 && n < 64 && !strcmp(s + n - 5, ".holo") &&
           (!strncmp(s, "chunk_", 6) || !strncmp(s, "recovery_", 9));
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int holo_sums_write(const char *dir, const uint8_t decoded[32], uint64_t decoded_len,
                    holo_err *err)
{
    DIR *d = opendir(dir);
    if (!d) return holo_seterr_sys(err, errno, "%s", dir);
    char **names = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;
    struct dirent *de;
    while (!rc && (de = readdir(d))) {
        if (!is_hashed_name(de->d_name)) continue;
        if (n == cap) {
            char **nn = realloc(names, (cap = cap ? cap * 2 : 64) * sizeof *nn);
            if (!nn) { rc = holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", dir); break; }
            names = nn;
        }
        if (!(names[n] = strdup(de->d_name))) rc = holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", dir);
        else n++;
    }
    closedir(d);
    if (n) qsort(names, n, sizeof *names, cmp_str);
    size_t tcap = 128 + n * 136, tlen = 0;
    char *text = rc ? NULL : malloc(tcap), hex[65];
    if (!rc && !text) rc = holo_seterr(err, HOLO_ENOMEM, "%s: out of memory", dir);
    if (!rc) {
        put_hex32(decoded, hex);
        tlen += (size_t)snprintf(text, tcap, "# holo.sum 1\n# decoded-sha256 %s %llu\n", hex,
                                 (unsigned long long)decoded_len);
    }
    char path[PATH_MAX];
    for (size_t i = 0; !rc && i < n; i++) {
        uint8_t *buf, sha[32];
        size_t len;
        if (holo_path_join(path, sizeof path, dir, names[i]) < 0) {
            rc = holo_seterr(err, HOLO_EINVAL, "%s: path too long", dir);
            break;
        }
        if ((rc = holo_read_chunk(path, HOLO_MAX_CHUNK_FILE, &buf, &len, err))) break;
        sha256(buf, len, sha);
        free(buf);
        put_hex32(sha, hex);
        tlen += (size_t)snprintf(text + tlen, tcap - tlen, "%s  %s\n", hex, names[i]);
    }
    if (!rc && holo_path_join(path, sizeof path, dir, HOLO_SUM_NAME) < 0)
        rc = holo_seterr(err, HOLO_EINVAL, "%s: path too long", dir);
    if (!rc) rc = holo_write_file_tmp(path, text, tlen, err);
    for (size_t i = 0; i < n; i++) free(names[i]);
    free(names);
    free(text);
    return rc;
}
