/* t_corpus.c — replay the hostile-input corpus (tests/corpus/chunks/) through the fuzz target's
 * functions. Every input must give the outcome tests/corpus/expect records for it, by name:
 * holo_info_dir's and holo_decode_dir's return codes, and for a refused decode a one-line
 * message naming the chunk directory and containing the recorded words. A successful decode
 * must be bounded (its claimed output small), render, and be "exact" or "inexact" as recorded. No input may make the process grow
 * (VmHWM) beyond a bound far below what the bombs claim (3 GiB and up).
 * HOLO_CORPUS_PRINT=1 prints the outcomes in the expect format, for classifying new inputs. */
#define HOLO_FUZZ_NO_MAIN
#include "../fuzz/fuzz_chunks.c"
#include "tap.h"
#include <dirent.h>

static const struct { const char *name; int code; } codes[] = {
    { "ok", HOLO_OK }, { "ENOMEM", HOLO_ENOMEM }, { "EIO", HOLO_EIO }, { "EINVAL", HOLO_EINVAL },
    { "EUNSUPPORTED", HOLO_EUNSUPPORTED }, { "ENOCHUNKS", HOLO_ENOCHUNKS },
    { "EINCOMPLETE", HOLO_EINCOMPLETE }, { "ETOOBIG", HOLO_ETOOBIG },
};

static const char *code_name(int code)
{
    for (size_t i = 0; i < sizeof codes / sizeof *codes; i++)
        if (codes[i].code == code) return codes[i].name;
    return "?";
}

static int code_of(const char *name)
{
    for (size_t i = 0; i < sizeof codes / sizeof *codes; i++)
        if (!strcmp(codes[i].name, name)) return codes[i].code;
    return 1;   /* no HOLO_E* is positive: never matches */
}

typedef struct { char name[64]; int info, decode; char words[256]; } expect;

/* tests/corpus/expect: "NAME INFO DECODE [words of the decode error]", '#' comments. */
static size_t load_expect(const char *path, expect *e, size_t cap)
{
    FILE *f = fopen(path, "r");
    size_t n = 0;
    char line[512], info[32], dec[32];
    while (f && n < cap && fgets(line, sizeof line, f)) {
        int off = 0;
        if (line[0] == '#' || sscanf(line, "%63s %31s %31s %n", e[n].name, info, dec, &off) < 3)
            continue;
        e[n].info = code_of(info);
        e[n].decode = code_of(dec);
        snprintf(e[n].words, sizeof e[n].words, "%s", line + off);
        e[n].words[strcspn(e[n].words, "\n")] = 0;
        n++;
    }
    if (f) fclose(f);
    return n;
}

static long vm_hwm_kb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "VmHWM: %ld kB", &kb) == 1) break;
    if (f) fclose(f);
    return kb;
}

static void count_warn(void *ctx, const char *msg)
{
    (void)msg;
    ++*(int *)ctx;
}

static void check_input(const char *name, const uint8_t *buf, size_t len, const expect *want,
                        int print)
{
    const char *dir = holo_fuzz_chunks_write(buf, len);
    holo_info info;
    holo_err ierr = { 0 }, derr = { 0 };
    int irc = holo_info_dir(dir, &info, &ierr);
    holo_decode_opts o;
    holo_decode_opts_init(&o);
    o.threads = 1;
    int warnings = 0;
    o.warn = count_warn;
    o.warn_ctx = &warnings;
    holo_decoded d;
    int drc = holo_decode_dir(dir, &o, &d, &derr);
    if (print)
        printf("%-24s %-12s %-12s %s\n", name, code_name(irc), code_name(drc), drc ? derr.msg : "");
    if (!want) {
        ok(0, "%s: listed in tests/corpus/expect", name);
    } else {
        is_str(code_name(irc), code_name(want->info), "%s: holo_info_dir outcome", name);
        is_str(code_name(drc), code_name(want->decode), "%s: holo_decode_dir outcome", name);
        if (drc) {
            ok(!strchr(derr.msg, '\n') && !strncmp(derr.msg, dir, strlen(dir)) &&
               strstr(derr.msg, want->words),
               "%s: one-line error naming the directory, with \"%s\" (%s)", name, want->words,
               derr.msg);
        } else {
            uint64_t bytes = d.info.kind == HOLO_KIND_IMAGE ? 3ull * d.info.width * d.info.height
                           : d.info.kind == HOLO_KIND_AUDIO ? 2ull * d.info.frames * d.info.channels
                           : d.info.length;
            const void *data = d.info.kind == HOLO_KIND_IMAGE ? (void *)d.pixels
                             : d.info.kind == HOLO_KIND_AUDIO ? (void *)d.samples : (void *)d.bytes;
            ok(data && bytes > 0 && bytes <= (16u << 20), "%s: bounded decode (%llu bytes)", name,
               (unsigned long long)bytes);
            /* a residual skipped as a bomb or a damaged slice is never reported exact */
            is_str(d.info.exact ? "exact" : "inexact", want->words, "%s: decode is %s", name,
                   want->words);
        }
    }
    if (!drc) holo_decoded_free(&d);
    holo_fuzz_chunks_one(buf, len);   /* prefer-gain order and rendering, for the sanitizers */
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : getenv("HOLO_CORPUS");
    if (!dir) dir = "tests/corpus/chunks";   /* run from the top of the tree, as make test does */
    char path[PATH_MAX];
    tap_pathf(path, sizeof path, "%s/../expect", dir);
    static expect ex[256];
    size_t nex = load_expect(path, ex, sizeof ex / sizeof *ex);
    ok(nex >= 5, "expectations loaded from %s (%zu)", path, nex);
    int print = getenv("HOLO_CORPUS_PRINT") != NULL;
    DIR *d = opendir(dir);
    if (!d) { ok(0, "open corpus %s", dir); return done_testing(); }
    struct dirent *e;
    int n = 0;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        holo_path_join(path, sizeof path, dir, e->d_name);
        size_t len = 0;
        uint8_t *buf = tap_slurp(path, &len);
        if (!buf) { ok(0, "read %s", path); continue; }
        const expect *want = NULL;
        for (size_t i = 0; i < nex; i++)
            if (!strcmp(ex[i].name, e->d_name)) want = &ex[i];
        check_input(e->d_name, buf, len, want, print);
        free(buf);
        n++;
    }
    closedir(d);
    ok(n >= 5 && (size_t)n == nex, "every corpus input (%d) has an expectation (%zu)", n, nex);
    /* The bombs claim 2-3 GiB; the sanitizers' shadow and quarantine make RSS meaningless. */
    const char *san = getenv("HOLO_SAN");
    if (san && !strcmp(san, "1")) skip(1, "VmHWM under ASan");
    else ok(vm_hwm_kb() > 0 && vm_hwm_kb() < 128 * 1024, "peak RSS over the corpus %ld kB < 128 MiB",
            vm_hwm_kb());
    return done_testing();
}
