/* holdopen — open FILE, run COMMAND (sh -c) while holding it open, then report what the open
 * handle sees: its fstat size, lseek(SEEK_END), and every byte read from offset 0 to EOF.
 *
 *   holdopen FILE COMMAND > bytes        stderr: "fstat=N end=N read=N" (-ERRNO for a failed
 *                                        fstat or lseek) or "holdopen: read at N: ..."
 *
 * Exit 0 when every step worked, 1 when a step failed (named on stderr), 2 on usage errors.
 * The holofs tests use it to change a file behind an open descriptor. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: holdopen FILE COMMAND\n");
        return 2;
    }
    int fd = open(argv[1], O_RDONLY);
    if (fd < 0) {
        fprintf(stderr, "holdopen: %s: %s\n", argv[1], strerror(errno));
        return 1;
    }
    if (system(argv[2]) != 0) {
        fprintf(stderr, "holdopen: command failed: %s\n", argv[2]);
        return 1;
    }
    /* fstat and SEEK_END may fail on a removed file: reported, then the reads are tried */
    struct stat st;
    long long size = fstat(fd, &st) < 0 ? -errno : (long long)st.st_size;
    off_t end = lseek(fd, 0, SEEK_END);
    long long endpos = end < 0 ? -errno : (long long)end;
    if (lseek(fd, 0, SEEK_SET) < 0) {
        fprintf(stderr, "holdopen: lseek: %s\n", strerror(errno));
        return 1;
    }
    char buf[65536];
    long long total = 0;
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            fprintf(stderr, "holdopen: read at %lld: %s\n", total, strerror(errno));
            return 1;
        }
        if (n == 0)
            break;
        if (fwrite(buf, 1, (size_t)n, stdout) != (size_t)n)
            return 1;
        total += n;
    }
    fprintf(stderr, "fstat=%lld end=%lld read=%lld\n", size, endpos, total);
    return close(fd) < 0;
}
