/* holdopen — open FILE, run COMMAND (sh -c) while holding it open, then report what the open
 * handle sees: its fstat size, link count and mode, lseek(SEEK_END), and every byte read from
 * offset 0 to EOF. With -m MODE the handle is fchmod'ed to MODE (octal) before the fstat.
 *
 *   holdopen [-m MODE] FILE COMMAND > bytes
 *       stderr: "fstat=N nlink=N mode=OOOO end=N read=N" (fstat=-ERRNO and no nlink/mode for
 *       a failed fstat, end=-ERRNO for a failed lseek) or "holdopen: STEP: ..."
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
    long chmod_to = -1;
    if (argc == 5 && strcmp(argv[1], "-m") == 0) {
        chmod_to = strtol(argv[2], NULL, 8);
        argv += 2;
        argc -= 2;
    }
    if (argc != 3) {
        fprintf(stderr, "usage: holdopen [-m MODE] FILE COMMAND\n");
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
    if (chmod_to >= 0 && fchmod(fd, (mode_t)chmod_to) < 0) {
        fprintf(stderr, "holdopen: fchmod: %s\n", strerror(errno));
        return 1;
    }
    /* fstat and SEEK_END may fail on a removed file: reported, then the reads are tried */
    struct stat st;
    char attrs[64] = "";
    long long size = fstat(fd, &st) < 0 ? -errno : (long long)st.st_size;
    if (size >= 0)
        snprintf(attrs, sizeof attrs, " nlink=%lu mode=%04o", (unsigned long)st.st_nlink,
                 (unsigned)(st.st_mode & 07777));
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
    fprintf(stderr, "fstat=%lld%s end=%lld read=%lld\n", size, attrs, endpos, total);
    return close(fd) < 0;
}
