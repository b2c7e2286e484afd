/* png_recipe_stat — how often the PNG recipe re-creates real files, and how long it takes.
 *
 *   png_recipe_stat [--budget MS] FILE.png...
 *
 * One line per file: "ok" with the zlib parameters found, the candidates tried, the recipe
 * size and the wall and CPU time, or "no" with the reason; a summary line at the end (CPU
 * time: the search's budget counts CPU time, and the machine may be shared). Exit status 0 (the
 * tool measures; it does not judge), 2 for usage errors.
 */
#include "internal.h"
#include "png_recipe.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double clock_ms(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
    unsigned budget = 0;
    int first = 1;
    if (argc > 2 && !strcmp(argv[1], "--budget")) {
        budget = (unsigned)strtoul(argv[2], NULL, 10);
        first = 3;
    }
    if (first >= argc) {
        fprintf(stderr, "usage: png_recipe_stat [--budget MS] FILE.png...\n");
        return 2;
    }
    int n = 0, n_ok = 0;
    double total_ms = 0, max_ms = 0;
    for (int i = first; i < argc; i++) {
        uint8_t *buf;
        size_t len;
        holo_err e = { 0 };
        n++;
        if (holo_read_file(argv[i], (size_t)1 << 31, &buf, &len, &e)) {
            printf("%s\tno\t%s\n", argv[i], e.msg);
            continue;
        }
        png_recipe_out r;
        double t0 = clock_ms(CLOCK_MONOTONIC), c0 = clock_ms(CLOCK_THREAD_CPUTIME_ID);
        int rc = png_recipe_make_ex(buf, len, argv[i], budget, &r, &e);
        double ms = clock_ms(CLOCK_MONOTONIC) - t0, cpu = clock_ms(CLOCK_THREAD_CPUTIME_ID) - c0;
        total_ms += cpu;
        if (cpu > max_ms)
            max_ms = cpu;
        if (!rc) {
            n_ok++;
            printf("%s\tok\t%ux%ux%d\t%s\t%u tries\trecipe %zu B\t%.0f ms\t%.0f ms CPU\n",
                   argv[i], r.w, r.h, r.channels, r.how, r.tries, r.bloblen, ms, cpu);
            holo_recipe_free(&r);
        } else {
            const char *why = strncmp(e.msg, argv[i], strlen(argv[i])) ? e.msg
                                                                         : e.msg + strlen(argv[i]) + 2;
            printf("%s\tno\t%s\t%.0f ms\t%.0f ms CPU\n", argv[i], why, ms, cpu);
        }
        free(buf);
    }
    printf("summary: %d/%d re-created exactly, %.0f ms CPU total, %.0f ms CPU worst\n", n_ok, n,
           total_ms, max_ms);
    return 0;
}
