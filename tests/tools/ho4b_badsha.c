/* ho4b_badsha — make a binary v4 chunk set whose frames all pass their CRCs but whose whole
 * file does not match the recorded SHA-256: flips one bit of the SHA-256 in every chunk header
 * and reseals each header's crc_head (holo(5) "V4 CONTAINER": CRC-32 of the 112-byte header
 * with crc_head zeroed, then the replicated row of tier 0). Tests the last line of defence.
 *   ho4b_badsha DIR */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define HDR_LEN 112
#define SHA_OFF 18
#define TIER0_S_OFF 62      /* u64: bytes of tier 0's row (m = 1: the replicated row) */
#define CRC_HEAD_OFF 108

static uint64_t rd64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return v;
}

static int reseal(const char *path)
{
    FILE *f = fopen(path, "r+b");
    uint8_t hdr[HDR_LEN];
    if (!f || fread(hdr, 1, HDR_LEN, f) != HDR_LEN) {
        if (f)
            fclose(f);
        return -1;
    }
    uint64_t row = rd64(hdr + TIER0_S_OFF);
    uint8_t *m1 = row < (64u << 20) ? malloc(row ? row : 1) : NULL;
    if (!m1 || fread(m1, 1, row, f) != row) {
        free(m1);
        fclose(f);
        return -1;
    }
    hdr[SHA_OFF] ^= 1;
    memset(hdr + CRC_HEAD_OFF, 0, 4);
    uLong crc = crc32(crc32(0L, Z_NULL, 0), hdr, HDR_LEN);
    crc = crc32(crc, m1, (uInt)row);
    for (int i = 0; i < 4; i++)
        hdr[CRC_HEAD_OFF + i] = (uint8_t)(crc >> (24 - 8 * i));
    int rc = fseek(f, 0, SEEK_SET) == 0 && fwrite(hdr, 1, HDR_LEN, f) == HDR_LEN ? 0 : -1;
    free(m1);
    return fclose(f) == 0 ? rc : -1;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: ho4b_badsha DIR\n");
        return 2;
    }
    DIR *d = opendir(argv[1]);
    if (!d) {
        perror(argv[1]);
        return 1;
    }
    struct dirent *e;
    int n = 0, rc = 0;
    while ((e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, "chunk_", 6) != 0)
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", argv[1], e->d_name);
        if (reseal(path) < 0) {
            fprintf(stderr, "ho4b_badsha: %s: cannot rewrite\n", path);
            rc = 1;
        }
        n++;
    }
    closedir(d);
    return rc || n == 0;
}
