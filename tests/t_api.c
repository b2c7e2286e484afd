/* t_api.c — the library boundary as the tools see it: only holo.h and holo_ext.h are included.
 * Error texts and the errno mapping, holo_chunk_check's payload rules on real chunks (good and
 * damaged), recovery-chunk checks against their encoding, holo_write_all. */
#include "holo.h"
#include "holo_ext.h"
#include "tap.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char scratch[4096];

/* ---- holo_strerror / holo_errno ----------------------------------------------------------- */
static void test_error_texts(void)
{
    static const int codes[] = { HOLO_OK, HOLO_ENOMEM, HOLO_EIO, HOLO_EINVAL, HOLO_EUNSUPPORTED,
                                 HOLO_ENOCHUNKS, HOLO_EINCOMPLETE, HOLO_ETOOBIG };
    const size_t n = sizeof codes / sizeof codes[0];
    int distinct = 1;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < i; j++)
            distinct &= strcmp(holo_strerror(codes[i]), holo_strerror(codes[j])) != 0;
    ok(distinct, "holo_strerror gives each of the %zu codes its own text", n);
    for (size_t i = 0; i < n; i++)
        ok(strcmp(holo_strerror(codes[i]), "unknown error") != 0, "code %d has a text: \"%s\"",
           codes[i], holo_strerror(codes[i]));
    is_str(holo_strerror(-99), "unknown error", "an unknown code says so");
    is_str(holo_strerror(HOLO_ETOOBIG), "size over the decode limits", "HOLO_ETOOBIG's text");

    holo_err e = { 0 };
    is_int(holo_errno(NULL), 0, "holo_errno(NULL) = 0");
    is_int(holo_errno(&e), 0, "HOLO_OK -> 0");
    e.code = HOLO_ENOMEM; is_int(holo_errno(&e), ENOMEM, "HOLO_ENOMEM -> ENOMEM");
    e.code = HOLO_EINVAL; is_int(holo_errno(&e), EINVAL, "HOLO_EINVAL -> EINVAL");
    e.code = HOLO_EUNSUPPORTED; is_int(holo_errno(&e), EOPNOTSUPP, "HOLO_EUNSUPPORTED -> EOPNOTSUPP");
    e.code = HOLO_ETOOBIG; is_int(holo_errno(&e), EFBIG, "HOLO_ETOOBIG -> EFBIG");
    e.code = HOLO_ENOCHUNKS; is_int(holo_errno(&e), EIO, "HOLO_ENOCHUNKS -> EIO");
    e.code = HOLO_EINCOMPLETE; is_int(holo_errno(&e), EIO, "HOLO_EINCOMPLETE -> EIO");
    e.code = -99; is_int(holo_errno(&e), EIO, "an unknown code -> EIO");
    e.code = HOLO_EIO; is_int(holo_errno(&e), EIO, "HOLO_EIO without an errno -> EIO");
    e.sys_errno = ENOSPC; is_int(holo_errno(&e), ENOSPC, "HOLO_EIO keeps the recorded errno");
}

/* ---- chunk validation on real chunks -------------------------------------------------------- */
static int encode(const char *input, const char *out, holo_kind mode, int version,
                  double recovery)
{
    holo_encode_opts o;
    holo_encode_opts_init(&o);
    o.mode = mode;
    o.codec_version = version;
    o.block_count = 4;
    o.recovery = recovery;
    o.threads = 1;
    holo_err err = { 0 };
    int rc = holo_encode_file(input, out, &o, &err);
    if (rc) diag("encode %s: %s", input, err.msg);
    return rc;
}

static uint8_t *load(const char *dir, const char *name, size_t *len)
{
    char path[4200];
    tap_pathf(path, sizeof path, "%s/%s", dir, name);
    return tap_slurp(path, len);
}

/* A copy of chunk buf with one byte flipped; holo_chunk_check must refuse it with `code`. */
static void check_flip(const uint8_t *buf, size_t len, size_t at, const char *what,
                       const char *want_in_msg)
{
    uint8_t *bad = malloc(len);
    memcpy(bad, buf, len);
    bad[at] ^= 0x55;
    holo_chunk_hdr h;
    holo_err e = { 0 };
    int rc = holo_chunk_check(bad, len, "chunk_0001.holo", &h, &e);
    ok(rc == HOLO_EINVAL && strstr(e.msg, "chunk_0001.holo") && strstr(e.msg, want_in_msg),
       "a damaged %s is refused (%s)", what, e.msg);
    free(bad);
}

static void test_binary_chunks(void)
{
    char in[4200], dir[4200];
    tap_pathf(in, sizeof in, "%s/data.bin", scratch);
    tap_pathf(dir, sizeof dir, "%s/data.bin.holo", scratch);
    uint8_t data[5000];
    for (size_t i = 0; i < sizeof data; i++) data[i] = (uint8_t)(i * 7 + (i >> 5));
    tap_spew(in, data, sizeof data);
    if (encode(in, dir, HOLO_KIND_BINARY, 2, 0.5)) { ok(0, "binary encode"); return; }

    size_t len = 0;
    uint8_t *c = load(dir, "chunk_0001.holo", &len);
    holo_chunk_hdr h;
    holo_err e = { 0 };
    ok(c && holo_chunk_check(c, len, "chunk_0001.holo", &h, &e) == 0, "an intact HOBI chunk passes");
    /* N = 5000 - 1024 = 3976 bytes over B = 4: 994 each */
    is_int((long long)holo_chunk_slice_bytes(&h, 1), 994, "HOBI slice bytes: ceil(3976/4) * 1");
    if (!c) return;
    check_flip(c, len, len - 1, "residual stream (adler32)", "residual slice");
    check_flip(c, len, h.coarse_off + h.coarse_len - 1, "prefix stream", "prefix");

    /* recovery chunks of this encoding, against the chunk header they belong to */
    size_t rlen = 0;
    uint8_t *r = load(dir, "recovery_0001.holo", &rlen);
    uint32_t coded = 99;
    ok(r && holo_recovery_check(r, rlen, "recovery_0001.holo", &h, &coded, &e) == 0 && coded == 1,
       "an intact recovery chunk passes with coded id 1");
    ok(r && holo_recovery_peek(r, 64, rlen, &h, NULL) == 1, "its header alone matches too");
    holo_chunk_hdr other = h;
    other.block_count = 5;
    e.msg[0] = 0;
    ok(r && holo_recovery_check(r, rlen, "recovery_0001.holo", &other, &coded, &e) == HOLO_EINVAL &&
       strstr(e.msg, "does not match"), "against another encoding it is refused (%s)", e.msg);
    ok(r && holo_recovery_peek(r, 64, rlen, &other, NULL) == 0, "and its header does not match");
    if (r) {
        r[7] ^= 1;   /* flags: stored <-> deflated, so the payload no longer yields S bytes */
        e.msg[0] = 0;
        ok(holo_recovery_check(r, rlen, "recovery_0001.holo", &h, &coded, &e) == HOLO_EINVAL,
           "a recovery chunk with a damaged payload is refused (%s)", e.msg);
    }
    size_t nn = 0;
    char **names = holo_recovery_list(dir, &nn);
    ok(names && nn == 2 && !strcmp(names[0], "recovery_0000.holo"), "holo_recovery_list lists 2");
    holo_recovery_list_free(names);
    free(r);
    free(c);
}

static void test_image_chunks(void)
{
    char in[4200], dir[4200];
    tap_pathf(in, sizeof in, "%s/img.ppm", scratch);
    tap_pathf(dir, sizeof dir, "%s/img.ppm.holo", scratch);
    enum { W = 37, H = 23 };
    uint8_t ppm[32 + W * H * 3];
    int hl = snprintf((char *)ppm, 32, "P6\n%d %d\n255\n", W, H);
    for (int i = 0; i < W * H * 3; i++) ppm[hl + i] = (uint8_t)(i * 13 ^ (i >> 3));
    tap_spew(in, ppm, (size_t)hl + W * H * 3);
    if (encode(in, dir, HOLO_KIND_IMAGE, 2, 0)) { ok(0, "image encode"); return; }
    size_t len = 0;
    uint8_t *c = load(dir, "chunk_0001.holo", &len);
    holo_chunk_hdr h;
    holo_err e = { 0 };
    ok(c && holo_chunk_check(c, len, "chunk_0001.holo", &h, &e) == 0, "an intact HOCH chunk passes");
    /* N = 3 * 23 * 37 = 2553 int16 values over B = 4: block 1 gets ceil(2552 / 4) = 638 */
    is_int((long long)holo_chunk_slice_bytes(&h, 1), 638 * 2, "HOCH slice bytes: int16 values");
    if (!c) return;
    /* byte 20 of the PNG thumbnail lies in its IHDR: the CRC no longer matches */
    check_flip(c, len, h.coarse_off + 20, "thumbnail", "thumbnail");
    check_flip(c, len, len - 2, "residual stream", "residual slice");
    free(c);
}

/* ---- holo_write_all ------------------------------------------------------------------------- */
static void test_write_all(void)
{
    char path[4200];
    tap_pathf(path, sizeof path, "%s/written", scratch);
    size_t n = 3u << 20;
    uint8_t *buf = malloc(n);
    for (size_t i = 0; i < n; i++) buf[i] = (uint8_t)(i % 251);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ok(fd >= 0 && holo_write_all(fd, buf, n) == 0, "holo_write_all writes 3 MiB");
    if (fd >= 0) close(fd);
    size_t got = 0;
    uint8_t *back = tap_slurp(path, &got);
    is_bytes(back, got, buf, n, "and the file holds exactly those bytes");
    free(back);
    errno = 0;
    ok(holo_write_all(fd, buf, 1) == -1 && errno == EBADF, "a closed descriptor gives -1, EBADF");
    free(buf);
}

int main(void)
{
    const char *t = getenv("TMPDIR");
    snprintf(scratch, sizeof scratch, "%s/holo_api_XXXXXX", t && *t ? t : "/tmp");
    if (!mkdtemp(scratch)) { plan(1); ok(0, "mkdtemp"); return done_testing(); }
    test_error_texts();
    test_binary_chunks();
    test_image_chunks();
    test_write_all();
    holo_rmtree(scratch);
    return done_testing();
}
