/* t_corpus_errors.c — fuzz findings replayed as regression tests (tests/corpus/errors/).
 *
 * Each input is split at "\n--\n" into chunk_0000.holo ... (as fuzz_chunks does) and decoded in
 * a child process whose memory is capped at 1 GiB (RLIMIT_AS; under ASan its allocator returns
 * NULL above 1 GiB instead of aborting), so an input that makes the decoder ask for gigabytes
 * fails fast and the same way on every machine. Asserted for every input: the child exits
 * normally (no signal, no sanitizer report), and the decode either fails with an error message
 * or gives the geometry (frames, pixels, bytes) that holo_info_dir reads from the headers.
 *
 * Found by make fuzz-long (fuzz_chunks); both are now refused by the plausibility check
 * (a set cannot claim more than its chunks could inflate to):
 * - hobi_36gib_length: one 50-byte HOBI v2 chunk, B = 1, whose header claims a 36 GiB binary
 *   (under HOLO_MAX_BINARY, 64 GiB); the decoder used to calloc 36 GiB before it looked at the
 *   chunk's 9-byte zlib slice.
 * - hoau_v2_coarse_blowup: a 125-byte HOAU v2 set (4 blocks, headers: 100 frames at 8000 Hz)
 *   that holo decode used to turn into a 335 MB WAV in 7.5 s (60+ s under ASan). */
#include "holo.h"
#include "internal.h"
#include "tap.h"
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define CAP_MB 1024

#if defined(__SANITIZE_ADDRESS__)
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
    return "allocator_may_return_null=1:max_allocation_size_mb=1024";
}
#endif

/* Child: split buf into chunks under dir, decode. Exit 10 + (-code) on an error, 1 when the
 * decode succeeds with the geometry holo_info_dir reads from the headers, 3 when it succeeds
 * with another (more frames, pixels or bytes than the chunks declare). */
static int child(const uint8_t *buf, size_t len, const char *dir)
{
#if !defined(__SANITIZE_ADDRESS__)
    struct rlimit rl = { (rlim_t)CAP_MB << 20, (rlim_t)CAP_MB << 20 };
    setrlimit(RLIMIT_AS, &rl);
#endif
    const uint8_t *p = buf, *end = buf + len;
    for (int i = 0; i < 8 && p <= end; i++) {
        const uint8_t *sep = memmem(p, (size_t)(end - p), "\n--\n", 4);
        const uint8_t *stop = sep ? sep : end;
        char name[64], path[PATH_MAX];
        snprintf(name, sizeof name, "chunk_%04d.holo", i);
        holo_path_join(path, sizeof path, dir, name);
        tap_spew(path, p, (size_t)(stop - p));
        if (!sep) break;
        p = sep + 4;
    }
    holo_decode_opts o;
    holo_decode_opts_init(&o);
    holo_decoded d;
    holo_err e;
    holo_info hi;
    memset(&e, 0, sizeof e);
    int have_info = holo_info_dir(dir, &hi, &e) == 0;
    if (holo_decode_dir(dir, &o, &d, &e) == 0) {
        int same = !have_info || (d.info.frames == hi.frames && d.info.channels == hi.channels &&
                                  d.info.width == hi.width && d.info.height == hi.height &&
                                  d.info.length == hi.length);
        if (!same)
            fprintf(stderr, "#   decoded %u frames x %u ch, %ux%u, %llu bytes; headers say %u x %u,"
                    " %ux%u, %llu\n", d.info.frames, d.info.channels, d.info.width,
                    d.info.height, (unsigned long long)d.info.length, hi.frames, hi.channels,
                    hi.width, hi.height, (unsigned long long)hi.length);
        holo_decoded_free(&d);
        return same ? 1 : 3;
    }
    fprintf(stderr, "#   error %d: %s\n", e.code, e.msg);
    return e.msg[0] && e.code < 0 ? 10 - e.code : 2;
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "tests/corpus/errors";
    DIR *d = opendir(dir);
    if (!d) { ok(0, "open corpus %s", dir); return done_testing(); }
    struct dirent *ent;
    int n = 0;
    while ((ent = readdir(d))) {
        if (ent->d_name[0] == '.') continue;
        char path[PATH_MAX], tmp[] = "/tmp/t_corpus_errors.XXXXXX";
        holo_path_join(path, sizeof path, dir, ent->d_name);
        size_t len;
        uint8_t *buf = tap_slurp(path, &len);
        if (!ok(buf != NULL, "%s read", ent->d_name) || !mkdtemp(tmp)) { free(buf); continue; }
        fflush(stdout);
        pid_t pid = fork();
        if (pid == 0) _exit(child(buf, len, tmp));
        int st = 0;
        waitpid(pid, &st, 0);
        int code = WIFEXITED(st) && WEXITSTATUS(st) >= 10 ? 10 - WEXITSTATUS(st) : 0;
        int rs = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
        ok(rs == 1 || rs == 3 || rs >= 10,
           "%s: handled without a crash or sanitizer report (status %d, signal %d)", ent->d_name,
           rs, WIFSIGNALED(st) ? WTERMSIG(st) : 0);
        ok(rs == 1 || rs >= 10, "%s: rejected, or decoded to the geometry its headers declare",
           ent->d_name);
        if (strcmp(ent->d_name, "hobi_36gib_length") == 0 ||
            strcmp(ent->d_name, "hoau_v2_coarse_blowup") == 0)
            ok(code == HOLO_EINVAL || code == HOLO_ENOCHUNKS || code == HOLO_ETOOBIG,
               "%s: rejected as corrupt before allocating its claimed size (error %d)",
               ent->d_name, code);
        holo_rmtree(tmp);
        free(buf);
        n++;
    }
    closedir(d);
    ok(n >= 1, "the corpus has inputs (%d)", n);
    return done_testing();
}
