/* t_corpus.c — replay the fuzz regression corpus (tests/corpus/chunks/) through the fuzz
 * target's function: every input must be handled without a crash, leak or sanitizer report. */
#define HOLO_FUZZ_NO_MAIN
#include "../fuzz/fuzz_chunks.c"
#include "tap.h"
#include <dirent.h>

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : getenv("HOLO_CORPUS");
    char def[PATH_MAX];
    if (!dir) {
        /* tests/corpus/chunks beside this test's source, found from the working directory */
        snprintf(def, sizeof def, "%s", "tests/corpus/chunks");
        dir = def;
    }
    DIR *d = opendir(dir);
    if (!d) { ok(0, "open corpus %s", dir); return done_testing(); }
    struct dirent *e;
    int n = 0;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        char path[PATH_MAX];
        holo_path_join(path, sizeof path, dir, e->d_name);
        size_t len;
        uint8_t *buf = tap_slurp(path, &len);
        if (!buf) continue;
        holo_fuzz_chunks_one(buf, len);
        free(buf);
        ok(1, "corpus input %s handled", e->d_name);
        n++;
    }
    closedir(d);
    ok(n >= 5, "the corpus has inputs (%d)", n);
    return done_testing();
}
