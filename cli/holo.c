/* holo_cli.c — the `holo` command: encode, decode and inspect holographic chunk directories.
 *
 *   holo encode photo.png            -> photo.png.holo/
 *   holo decode photo.png.holo       -> photo_recon.png (from whatever chunks are present)
 *   holo info photo.png.holo         -> kind, geometry, chunks present/missing
 *
 * Exit status: 0 ok, 1 failure (one line on stderr naming the file), 2 usage, 3 decode
 * --partial wrote a binary v4 file with missing ranges zero-filled. */
#include "dict.h"
#include "smallpack.h"
#include "holo.h"
#include "hopk.h"
#include "stack.h"
#include "v4_codec.h"
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>

static const char *usage_text =
    "usage: holo encode [-b BLOCKS | -k KB] [--codec-version 1|2|3|4] [--pixels] [--mode auto|image|audio|binary]\n"
    "                   [--coarse-side N] [--coarse-frames N] [--level 1-19|max] [--frame-kb KB] [--compact] [--robust] [-j THREADS] [-o DIR] INPUT\n"
    "                   (default: the store policy keeps the file's exact bytes; --pixels: images v4, audio v2;\n"
    "                    -k, --coarse-side, --zlib-level, --recovery select v2)\n"
    "       holo decode [-o OUTPUT] [--force] [--strict] [--partial] [--max-chunks N] [--prefer-gain] [-j THREADS]\n"
    "                   [--max-pixels N] [--max-output BYTES] DIR\n"
    "       holo info [--json] [--verify] [--max-pixels N] [--max-output BYTES] DIR\n"
    "       holo pack [-b BLOCKS | -k KB] [--coarse-side N] [--coarse-frames N] -o OUT.holo FILE...\n"
    "       holo unpack [-o DIR] [--max-chunks N] IN.holo\n"
    "       holo stack [-b BLOCKS | -k KB] [--codec-version V] -o OUT.holo FRAME...\n"
    "       holo stack --holo -o OUTPUT DIR...\n"
    "       holo dict train [-o STORE/.holo-dict] FILE|DIR...      holo dict apply STORE\n"
    "       holo smallpack [--max-kb KB] DIR...   (ls DIR | extract [-o OUT] DIR NAME | compact DIR)\n"
    "       holo FILE [KB]        (encode)      holo DIR.holo      (decode)\n"
    "See holo(1).\n";

static int usage(const char *msg)
{
    if (msg) fprintf(stderr, "holo: %s\n", msg);
    fputs(usage_text, stderr);
    return 2;
}

static int fail(const holo_err *e)
{
    fprintf(stderr, "holo: %s\n", e->msg);
    return 1;
}

static void warn_cb(void *ctx, const char *msg)
{
    (void)ctx;
    fprintf(stderr, "holo: warning: %s\n", msg);
}

/* Parse a non-negative integer option; -1 on junk. */
static long num(const char *s, long max)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < 0 || v > max) return -1;
    return v;
}

/* A byte or pixel count with an optional K, M or G suffix (powers of 1024); 0 on junk. */
static uint64_t size_arg(const char *s)
{
    char *end;
    errno = 0;
    if (*s < '0' || *s > '9') return 0;
    unsigned long long v = strtoull(s, &end, 10);
    int shift = 0;
    if (*end == 'K' || *end == 'k') shift = 10;
    else if (*end == 'M' || *end == 'm') shift = 20;
    else if (*end == 'G' || *end == 'g') shift = 30;
    if (shift) end++;
    if (errno || end == s || *end || v == 0 || v > (UINT64_MAX >> shift)) return 0;
    return (uint64_t)v << shift;
}

static int is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The error for a DIR argument that is not a directory. */
static int not_a_dir(const char *dir)
{
    struct stat st;
    fprintf(stderr, "holo: %s: %s\n", dir, stat(dir, &st) < 0 ? "no such directory" : "not a chunk directory");
    return 1;
}

/* ---- encode ------------------------------------------------------------------------------ */
enum { O_CV = 256, O_MODE, O_SIDE, O_FRAMES, O_QUALITY, O_BLOCKSIZE, O_MODEL, O_NFFT, O_HOP,
       O_RECOVERY, O_LOSSY, O_PSNR, O_BYTES, O_ZLEVEL, O_STRICT, O_MAX, O_GAIN, O_NOREC, O_JSON,
       O_MAXPIX, O_MAXOUT, O_LEVEL, O_PARTIAL, O_VERIFY, O_FRAMEKB, O_COMPACT, O_PIXELS, O_FORCE, O_ROBUST };

/* --max-pixels / --max-output, shared by decode and info; 2 (usage error) on a bad value. */
static int limit_opt(int c, const char *arg, holo_decode_opts *o)
{
    uint64_t v = size_arg(arg);
    if (!v) return usage(c == O_MAXPIX ? "--max-pixels needs a positive count (K, M, G suffixes)"
                                       : "--max-output needs a positive size (K, M, G suffixes)");
    if (c == O_MAXPIX) o->max_pixels = v;
    else o->max_output = v;
    return 0;
}

/* Options that pick or need one image format. Under the automatic choice (no --codec-version)
 * the store policy picks the codec by content (with --pixels an image is written as v4),
 * unless one of the V12 options is given: they only mean something to the v1/v2 image
 * format, so they select v2 and keep the meaning they always had; V4 options select v4. An
 * explicit version that cannot honour a given option is a usage error naming the option. */
enum {
    G_K = 1 << 0,        /* -k KB: v4 has no chunk-size formula, its chunk count is -b */
    G_SIDE = 1 << 1,     /* --coarse-side: v4 stores no thumbnail */
    G_ZLEVEL = 1 << 2,   /* --zlib-level: v4 does not deflate */
    G_RECOVERY = 1 << 3, /* --recovery X > 0: HORC chunks are not written for v4 */
    G_BIG_B = 1 << 4,    /* -b > 255: v4 holds at most 255 chunks */
    G_V12 = G_K | G_SIDE | G_ZLEVEL | G_RECOVERY | G_BIG_B,
    G_LOSSY = 1 << 5,    /* --lossy, --psnr, --bytes: the v4 lossy profile */
    G_PSNR = 1 << 6,
    G_BYTES = 1 << 7,
    G_V4 = G_LOSSY | G_PSNR | G_BYTES,
};

static const struct { unsigned flag; const char *name, *why; } format_opts[] = {
    { G_K, "-k", "v4 sets the chunk count with -b" },
    { G_SIDE, "--coarse-side", "v4 stores no thumbnail" },
    { G_ZLEVEL, "--zlib-level", "v4 does not use zlib" },
    { G_RECOVERY, "--recovery", "v4 chunks carry their own Reed-Solomon protection" },
    { G_BIG_B, "-b above 255", "v4 supports 1 to 255 chunks" },
    { G_LOSSY, "--lossy", NULL },
    { G_PSNR, "--psnr", NULL },
    { G_BYTES, "--bytes", NULL },
};

static int first_format_opt(unsigned given, unsigned mask)
{
    for (size_t i = 0; i < sizeof format_opts / sizeof *format_opts; i++)
        if (given & mask & format_opts[i].flag) return (int)i;
    return -1;
}

/* Settle the codec version of an image encode from the options given (see above). Returns 0,
 * or 2 after printing one line naming the offending option. */
static int image_version(holo_encode_opts *o, unsigned given)
{
    int a = first_format_opt(given, G_V12), b = first_format_opt(given, G_V4);
    if (o->codec_version == 0) {
        if (a >= 0 && b >= 0) {
            fprintf(stderr, "holo: %s needs the v1/v2 image format and %s the v4 one; drop one "
                    "or give --codec-version\n", format_opts[a].name, format_opts[b].name);
            return 2;
        }
        /* no format option: 0 stays, and the store policy picks by content */
        o->codec_version = a >= 0 ? 2 : b >= 0 ? 4 : 0;
    } else if (o->codec_version == 4 && a >= 0) {
        fprintf(stderr, "holo: %s has no meaning for --codec-version 4 (%s); use "
                "--codec-version 2 for it\n", format_opts[a].name, format_opts[a].why);
        return 2;
    } else if (o->codec_version != 4 && b >= 0) {
        fprintf(stderr, "holo: %s needs --codec-version 4 (images), not %d\n", format_opts[b].name,
                o->codec_version);
        return 2;
    }
    return 0;
}

/* Options shared by encode, pack and stack. Returns 1 when c was one of them, 0 when it is not,
 * 2 (a usage error, already reported) when its argument is bad. Records format options in
 * *given. */
static int encode_option(int c, holo_encode_opts *o, unsigned *given)
{
    long v;
    switch (c) {
    case 'b': if ((v = num(optarg, 1 << 20)) < 1) return usage("-b needs a block count from 1 to 1048576"); o->block_count = (uint32_t)v;
        if (v > 255) *given |= G_BIG_B; else *given &= ~(unsigned)G_BIG_B;
        return 1;
    case 'k': if ((v = num(optarg, 1 << 22)) < 0) return usage("-k needs a size in KB"); o->chunk_kb = v;
        if (v > 0) *given |= G_K; else *given &= ~(unsigned)G_K;
        return 1;
    case 'j': if ((v = num(optarg, 64)) < 1) return usage("-j needs a thread count from 1 to 64"); o->threads = (int)v; return 1;
    case O_CV: if ((v = num(optarg, 4)) < 1) return usage("--codec-version must be 1, 2, 3 or 4"); o->codec_version = (int)v; return 1;
    case O_SIDE: if ((v = num(optarg, 65535)) < 1) return usage("--coarse-side needs a positive size"); o->coarse_side = (uint32_t)v; *given |= G_SIDE; return 1;
    case O_FRAMES: if ((v = num(optarg, 1L << 30)) < 2) return usage("--coarse-frames needs at least 2"); o->coarse_frames = (uint32_t)v; return 1;
    default: return 0;
    }
}

/* Long options every encoding command takes (encode_option's and -o, -h). */
#define BUILD_LONG_OPTIONS \
    { "blocks", required_argument, 0, 'b' }, { "chunk-kb", required_argument, 0, 'k' }, \
    { "output", required_argument, 0, 'o' }, { "threads", required_argument, 0, 'j' }, \
    { "help", no_argument, 0, 'h' }

/* The option loop pack and stack share: -o OUT, -h and encode_option's options; the long
 * option flag_id (0: none) sets *flag. Returns -1 when the options are read (the inputs are
 * argv[optind..]), else the exit status: 0 after -h, 2 after a usage error. */
static int build_options(int argc, char **argv, const struct option *lo, holo_encode_opts *o,
                         const char **out, unsigned *given, int flag_id, int *flag)
{
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "b:k:o:j:h", lo, NULL)) != -1) {
        if (c == 'o') {
            *out = optarg;
        } else if (flag_id && c == flag_id) {
            *flag = 1;
        } else if (c == 'h') {
            fputs(usage_text, stdout);
            return 0;
        } else {
            int r = encode_option(c, o, given);
            if (r != 1) return r == 2 ? 2 : usage(NULL);
        }
    }
    return -1;
}

static int cmd_encode(int argc, char **argv)
{
    holo_encode_opts o;
    holo_encode_opts_init(&o);
    const char *out = NULL;
    static const struct option lo[] = { BUILD_LONG_OPTIONS,
        { "codec-version", required_argument, 0, O_CV }, { "mode", required_argument, 0, O_MODE },
        { "coarse-side", required_argument, 0, O_SIDE }, { "coarse-frames", required_argument, 0, O_FRAMES },
        { "quality", required_argument, 0, O_QUALITY }, { "block-size", required_argument, 0, O_BLOCKSIZE },
        { "coarse-model", required_argument, 0, O_MODEL }, { "n-fft", required_argument, 0, O_NFFT },
        { "hop", required_argument, 0, O_HOP }, { "recovery", required_argument, 0, O_RECOVERY },
        { "lossy", no_argument, 0, O_LOSSY }, { "psnr", required_argument, 0, O_PSNR },
        { "bytes", required_argument, 0, O_BYTES }, { "zlib-level", required_argument, 0, O_ZLEVEL },
        { "level", required_argument, 0, O_LEVEL }, { "frame-kb", required_argument, 0, O_FRAMEKB },
        { "compact", no_argument, 0, O_COMPACT },
        { "robust", no_argument, 0, O_ROBUST },
        { "pixels", no_argument, 0, O_PIXELS }, { 0, 0, 0, 0 } };
    int c;
    long v;
    unsigned given = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "b:k:o:j:h", lo, NULL)) != -1) {
        switch (c) {
        case 'o': out = optarg; break;
        case O_MODE:
            if (!strcmp(optarg, "auto")) o.mode = HOLO_KIND_NONE;
            else if (!strcmp(optarg, "image")) o.mode = HOLO_KIND_IMAGE;
            else if (!strcmp(optarg, "audio")) o.mode = HOLO_KIND_AUDIO;
            else if (!strcmp(optarg, "binary")) o.mode = HOLO_KIND_BINARY;
            else return usage("--mode must be auto, image, audio or binary");
            break;
        case O_QUALITY: if ((v = num(optarg, 100)) < 1) return usage("--quality must be 1-100"); o.quality = (int)v; break;
        case O_BLOCKSIZE: if ((v = num(optarg, 255)) < 1) return usage("--block-size must be 1-255"); o.block_size = (int)v; break;
        case O_MODEL: o.coarse_model = optarg; break;
        case O_NFFT: if ((v = num(optarg, 1 << 20)) < 1) return usage("--n-fft must be positive"); o.n_fft = (int)v; break;
        case O_HOP: if ((v = num(optarg, 1 << 20)) < 1) return usage("--hop must be positive"); o.hop = (int)v; break;
        case O_RECOVERY: o.recovery = strtod(optarg, NULL); if (o.recovery < 0 || o.recovery > 10) return usage("--recovery must be 0-10");
            if (o.recovery > 0) given |= G_RECOVERY; else given &= ~(unsigned)G_RECOVERY;
            break;
        case O_LOSSY: o.lossy = 1; given |= G_LOSSY; break;
        case O_PSNR: o.target_psnr = strtod(optarg, NULL); o.lossy = 1; if (o.target_psnr <= 0) return usage("--psnr needs dB > 0"); given |= G_PSNR; break;
        case O_BYTES: if ((v = num(optarg, LONG_MAX)) < 1) return usage("--bytes needs a size"); o.target_bytes = (uint64_t)v; o.lossy = 1; given |= G_BYTES; break;
        case O_ZLEVEL: if ((v = num(optarg, 9)) < 1) return usage("--zlib-level must be 1-9"); o.zlib_level = (int)v; given |= G_ZLEVEL; break;
        case O_LEVEL:   /* binary v4: zstd level, or max */
            if (!strcmp(optarg, "max")) o.level = HOLO_LEVEL_MAX;
            else if ((v = num(optarg, 19)) < 1) return usage("--level must be 1-19 or max");
            else o.level = (int)v;
            break;
        case O_FRAMEKB: if ((v = num(optarg, 65536)) < 4) return usage("--frame-kb must be 4-65536"); o.frame_size = (uint32_t)v * 1024; break;
        case O_COMPACT: o.compact = 1; break;   /* audio v4 (HO4A) */
        case O_ROBUST: o.robust = 1; break;     /* JPEG v4 (HO4J) */
        case O_PIXELS: o.pixels = 1; break;
        case 'h': fputs(usage_text, stdout); return 0;
        default: {
            int r = encode_option(c, &o, &given);
            if (r == 1) break;
            return r == 2 ? 2 : usage(NULL);
        }
        }
    }
    if (optind != argc - 1) return usage("encode needs exactly one INPUT");
    const char *in = argv[optind];
    holo_kind kind = o.mode ? o.mode : holo_detect_mode(in);
    o.keep_jpeg = o.codec_version == 4;   /* explicit: a JPEG becomes HO4J (holo(5)) */
    if (kind == HOLO_KIND_IMAGE && image_version(&o, given))
        return 2;
    /* binary v4 is written for --codec-version 4 on a binary and by the store policy */
    int binary4 = o.codec_version == 4 ? kind == HOLO_KIND_BINARY : holo_encode_version(&o, kind) == 0;
    if ((o.level || o.frame_size) && !binary4)
        return usage("--level and --frame-kb apply to binary v4 only (the default store policy, or --codec-version 4 on a non-image)");
    char def[PATH_MAX];
    if (!out) {
        size_t n = strlen(in);
        while (n > 1 && in[n - 1] == '/') n--;
        if (snprintf(def, sizeof def, "%.*s.holo", (int)n, in) >= (int)sizeof def) return usage("path too long");
        out = def;
    }
    holo_err e;
    if (holo_encode_file(in, out, &o, &e)) return fail(&e);
    return 0;
}

/* ---- decode ------------------------------------------------------------------------------ */
/* The output name's format decides what is written (holo_output_for_name, the rule holonet rx
 * shares): a set that gives back the user's file (JPEG v4, a recipe image, audio v4) writes
 * that file's bytes under a name of its format, else the pixel/sample view the name asks for;
 * a name of a format no output of the set has is refused. */

/* The reference's default name: strip ".holo", insert "_recon" before the extension, beside
 * the directory. Audio gets the extension of its format (.wav; .aiff for an HO4A set of an
 * AIFF file); an image that gives back its file the extension of that file's format when the
 * name has none or another (a JPEG v4 set named V.holo decodes to V_recon.jpg, never JPEG
 * bytes under .png); other images without one get .png. d: the decoded set, or NULL (from
 * the headers in `in`). */
static int default_output(const char *dir, const holo_info *in, const holo_decoded *d, char *out,
                          size_t outsz)
{
    char base[PATH_MAX];
    size_t n = strlen(dir);
    while (n > 1 && dir[n - 1] == '/') n--;
    if (n >= sizeof base) return -1;
    memcpy(base, dir, n);
    base[n] = 0;
    if (n > 5 && !strcmp(base + n - 5, ".holo")) base[n -= 5] = 0;
    char *slash = strrchr(base, '/');
    char *dot = strrchr(slash ? slash + 1 : base, '.');
    if (dot == (slash ? slash + 1 : base)) dot = NULL;   /* ".hidden" has no extension */
    const holo_info *info = d ? &d->info : in;
    int has_file = info->kind == HOLO_KIND_IMAGE && (d ? d->bytes != NULL : info->exact_bytes);
    int keeps_file = holo_output_for_name(in, d, base, NULL) == HOLO_OUTPUT_FILE;
    char ext[64] = "";
    if (dot && strlen(dot) < sizeof ext) { strcpy(ext, dot); *dot = 0; }
    if (info->kind == HOLO_KIND_AUDIO || (info->kind == HOLO_KIND_IMAGE && !ext[0]) ||
        (has_file && !keeps_file))
        snprintf(ext, sizeof ext, "%s", holo_output_ext(in, d));
    int w = snprintf(out, outsz, "%s_recon%s", base, ext);
    return w < 0 || (size_t)w >= outsz ? -1 : 0;
}

/* An output name whose format decode cannot write for this set (an audio set as x.png, an
 * image as x.wav or x.webp) is refused, naming both, before any work when the headers tell
 * (d = NULL) and else after decoding: never wrong content under a right-looking name.
 * Returns the HOLO_OUTPUT_* choice, or -1 after printing the refusal. */
static int output_choice(const char *dir, const holo_info *in, const holo_decoded *d, const char *out)
{
    holo_err e;
    int how = holo_output_for_name(in, d, out, &e);
    if (how < 0) fprintf(stderr, "holo: %s: %s\n", dir, e.msg);
    return how < 0 ? -1 : how;
}

/* Decode never replaces an existing file unless --force: checked up front (before the work)
 * and again by the final rename, which refuses to replace (RENAME_NOREPLACE; a hard link on
 * filesystems without it), so a file that appears meanwhile is not overwritten either. */
static int refuse_existing(const char *out, int force)
{
    struct stat st;
    if (force || lstat(out, &st) < 0) return 0;
    fprintf(stderr, "holo: %s exists (use --force)\n", out);
    return 1;
}

/* A temporary file beside out, with a short name whatever out's length (so any name that fits
 * NAME_MAX can be written), in libholo's ".holo-tmp-PID-..." form that holo and holofs clean
 * up after a killed process. tmp receives its path; returns the descriptor or -1. */
static int open_tmp_beside(const char *out, char *tmp, size_t tmpsz)
{
    const char *slash = strrchr(out, '/');
    int n = slash ? snprintf(tmp, tmpsz, "%.*s/.holo-tmp-%ld-XXXXXX", (int)(slash - out), out, (long)getpid())
                  : snprintf(tmp, tmpsz, ".holo-tmp-%ld-XXXXXX", (long)getpid());
    if (n < 0 || (size_t)n >= tmpsz) {
        errno = ENAMETOOLONG;
        return -1;
    }
    return mkostemp(tmp, O_CLOEXEC);
}

static int commit_output(const char *tmp, const char *out, int force)
{
    int r = force ? rename(tmp, out) : renameat2(AT_FDCWD, tmp, AT_FDCWD, out, RENAME_NOREPLACE);
    if (r < 0 && !force && (errno == EINVAL || errno == ENOSYS) && (r = link(tmp, out)) == 0)
        unlink(tmp);
    if (r == 0) return 0;
    if (errno == EEXIST) fprintf(stderr, "holo: %s exists (use --force)\n", out);
    else fprintf(stderr, "holo: %s: %s\n", out, strerror(errno));
    unlink(tmp);
    return 1;
}

/* Write buf to out: a temporary name beside it, fsync, then commit_output. */
static int write_output(const char *out, const uint8_t *buf, size_t len, int force)
{
    char tmp[PATH_MAX];
    int fd = open_tmp_beside(out, tmp, sizeof tmp);
    if (fd < 0) { fprintf(stderr, "holo: %s: %s\n", out, strerror(errno)); return 1; }
    size_t done = 0;
    while (done < len) {
        ssize_t w = write(fd, buf + done, len - done);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) break;
        done += (size_t)w;
    }
    if (done < len || fsync(fd) < 0 || fchmod(fd, 0644) < 0) {
        fprintf(stderr, "holo: %s: %s\n", out, strerror(errno ? errno : EIO));
        close(fd);
        unlink(tmp);
        return 1;
    }
    if (close(fd) < 0) { fprintf(stderr, "holo: %s: %s\n", out, strerror(errno)); unlink(tmp); return 1; }
    return commit_output(tmp, out, force);
}

/* Binary v4: stream the file frame by frame into a temporary name, renamed when complete.
 * Holes are an error, or with --partial zero-filled, listed on stderr, exit 3. */
static int decode_stream(const char *dir, const holo_decode_opts *o, const char *out, int partial,
                         int force)
{
    holo_err e;
    holo_stream *s = holo_stream_open(dir, o, &e);
    if (!s) return fail(&e);
    holo_stream_info si;
    holo_stream_stat(s, &si);
    if (o->strict && si.chunks_present < si.n) {
        fprintf(stderr, "holo: %s: %u of %u chunks missing (strict decode)\n", dir, si.n - si.chunks_present, si.n);
        holo_stream_close(s);
        return 1;
    }
    if (si.hole_bytes && !partial) {
        holo_range first;
        holo_stream_holes(s, &first, 1);
        fprintf(stderr, "holo: %s: bytes %llu-%llu are missing (%u of %u chunks present, %u needed); "
                "--partial writes the rest\n", dir, (unsigned long long)first.off,
                (unsigned long long)(first.off + first.len - 1), si.chunks_present, si.n, si.k);
        holo_stream_close(s);
        return 1;
    }
    char tmp[PATH_MAX];
    int fd = open_tmp_beside(out, tmp, sizeof tmp);
    if (fd < 0) { fprintf(stderr, "holo: %s: %s\n", out, strerror(errno)); holo_stream_close(s); return 1; }
    FILE *f = fdopen(fd, "wb");
    /* Reads stay inside a frame (the unit of holes); a large frame is read 1 MiB at a time,
     * each written while the library decodes the rest. */
    size_t fs = si.frame_size ? si.frame_size : 1, unit = fs < (1u << 20) ? fs : (1u << 20);
    uint8_t *buf = malloc(unit);
    int rc = f && buf ? 0 : 1, holes = 0;
    if (rc) fprintf(stderr, "holo: %s: out of memory\n", out);
    for (uint64_t off = 0, want; !rc && off < si.size; off += want) {
        want = fs - off % fs < unit ? fs - off % fs : unit;
        int64_t got = holo_stream_read(s, off, buf, (size_t)want, &e);
        if (got == HOLO_EHOLE && partial) {
            got = (int64_t)(si.size - off < want ? si.size - off : want);
            memset(buf, 0, (size_t)got);
            holes = 1;
        }
        if (got < 0) { rc = fail(&e); break; }
        if (fwrite(buf, 1, (size_t)got, f) != (size_t)got) { fprintf(stderr, "holo: %s: %s\n", out, strerror(errno)); rc = 1; }
    }
    free(buf);
    if (f && (fflush(f) || fsync(fileno(f))) && !rc) { fprintf(stderr, "holo: %s: %s\n", out, strerror(errno)); rc = 1; }
    if (f) fclose(f); else close(fd);
    if (!rc) fchmodat(AT_FDCWD, tmp, 0644, 0);
    if (!rc) rc = commit_output(tmp, out, force);
    if (rc) unlink(tmp);
    if (!rc && holes) {
        size_t n = holo_stream_holes(s, NULL, 0);
        holo_range *r = calloc(n ? n : 1, sizeof *r);
        if (r) holo_stream_holes(s, r, n);
        fprintf(stderr, "holo: %s: wrote %s with %zu missing range%s zero-filled:\n", dir, out, n, n == 1 ? "" : "s");
        for (size_t i = 0; r && i < n; i++)
            fprintf(stderr, "holo:   bytes %llu-%llu\n", (unsigned long long)r[i].off,
                    (unsigned long long)(r[i].off + r[i].len - 1));
        free(r);
        rc = 3;
    }
    holo_stream_close(s);
    return rc;
}

/* Audio: the WAV streamed into a temporary name (v3 audio is synthesised a block at a time),
 * renamed when complete. */
static int decode_wav(const char *dir, const holo_decode_opts *o, const char *out, int force)
{
    char tmp[PATH_MAX];
    int fd = open_tmp_beside(out, tmp, sizeof tmp);
    if (fd < 0) { fprintf(stderr, "holo: %s: %s\n", out, strerror(errno)); return 1; }
    holo_err e;
    int rc = holo_decode_wav_fd(dir, o, fd, NULL, &e) ? fail(&e) : 0;
    if (!rc && (fsync(fd) < 0 || fchmod(fd, 0644) < 0)) { fprintf(stderr, "holo: %s: %s\n", out, strerror(errno)); rc = 1; }
    if (close(fd) < 0 && !rc) { fprintf(stderr, "holo: %s: %s\n", out, strerror(errno)); rc = 1; }
    if (rc) { unlink(tmp); return rc; }
    return commit_output(tmp, out, force);
}

static int cmd_decode(int argc, char **argv)
{
    holo_decode_opts o;
    holo_decode_opts_init(&o);
    o.warn = warn_cb;
    const char *out = NULL;
    static const struct option lo[] = {
        { "output", required_argument, 0, 'o' }, { "threads", required_argument, 0, 'j' },
        { "strict", no_argument, 0, O_STRICT }, { "max-chunks", required_argument, 0, O_MAX },
        { "prefer-gain", no_argument, 0, O_GAIN }, { "no-recovery", no_argument, 0, O_NOREC },
        { "max-pixels", required_argument, 0, O_MAXPIX }, { "max-output", required_argument, 0, O_MAXOUT },
        { "partial", no_argument, 0, O_PARTIAL }, { "force", no_argument, 0, O_FORCE },
        { "help", no_argument, 0, 'h' }, { 0, 0, 0, 0 } };
    int c, partial = 0, force = 0;
    long v;
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:j:h", lo, NULL)) != -1) {
        switch (c) {
        case 'o': out = optarg; break;
        case O_MAXPIX: case O_MAXOUT: if (limit_opt(c, optarg, &o)) return 2; break;
        case O_STRICT: o.strict = 1; break;
        case O_PARTIAL: partial = 1; break;
        case O_FORCE: force = 1; break;
        case O_MAX: if ((v = num(optarg, 1L << 30)) < 1) return usage("--max-chunks needs a positive count"); o.max_chunks = (uint32_t)v; break;
        case O_GAIN: o.prefer_gain = 1; break;
        case O_NOREC: o.no_recovery = 1; break;
        case 'h': fputs(usage_text, stdout); return 0;
        case 'j': if ((v = num(optarg, 64)) < 1) return usage("-j needs a thread count from 1 to 64"); o.threads = (int)v; break;
        default: return usage(NULL);
        }
    }
    if (optind != argc - 1) return usage("decode needs exactly one DIR");
    const char *dir = argv[optind];
    holo_err e;
    if (!is_dir(dir)) return not_a_dir(dir);
    holo_info hi;
    int have_info = holo_info_dir(dir, &hi, NULL) == 0;
    char def[PATH_MAX];
    if (!out && have_info) {   /* the name is known before decoding: refuse early */
        if (default_output(dir, &hi, NULL, def, sizeof def) < 0) return usage("path too long");
        out = def;
    }
    int how = out && have_info ? output_choice(dir, &hi, NULL, out) : HOLO_OUTPUT_VIEW;
    if (how < 0) return 2;
    if (out && refuse_existing(out, force)) return 1;
    if (have_info && hi.kind == HOLO_KIND_BINARY && hi.version == 4)
        return decode_stream(dir, &o, out, partial, force);
    if (have_info && hi.kind == HOLO_KIND_AUDIO && hi.version == 3)
        return decode_wav(dir, &o, out, force);
    /* a set that gives back the file, written as that file: its bytes are enough */
    o.bytes_only = how == HOLO_OUTPUT_FILE;
    holo_decoded d;
    if (holo_decode_dir(dir, &o, &d, &e)) return fail(&e);
    if (!out || out == def) {   /* the decoded file's format may settle the name (HO4A: AIFF) */
        char name[PATH_MAX];
        if (default_output(dir, &d.info, &d, name, sizeof name) < 0) {
            holo_decoded_free(&d);
            fprintf(stderr, "holo: %s: path too long\n", dir);
            return 1;
        }
        if (!out || strcmp(name, def)) {
            memcpy(def, name, sizeof def);
            out = def;
            if (refuse_existing(out, force)) { holo_decoded_free(&d); return 1; }
        }
    }
    /* What the decode gave decides: the user's file (a recipe image decoded whole and checked
     * against its SHA-256, a JPEG v4 or audio v4 set) when the name is of its format, written
     * as it is; otherwise the pixel/sample view the output name asks for. */
    if ((how = output_choice(dir, NULL, &d, out)) < 0) { holo_decoded_free(&d); return 2; }
    uint8_t *buf = NULL;
    size_t len = 0;
    int rc;
    if (how == HOLO_OUTPUT_FILE)
        rc = write_output(out, d.bytes, (size_t)d.info.length, force);
    else if (holo_view_render(&d, holo_view_for_name(out, d.info.kind), &buf, &len, &e)) {
        fprintf(stderr, "holo: %s: %s\n", out, e.msg);
        rc = 1;
    } else {
        rc = write_output(out, buf, len, force);
    }
    free(buf);
    holo_decoded_free(&d);
    return rc;
}

/* ---- containers -------------------------------------------------------------------------- */
static int cmd_pack(int argc, char **argv)
{
    holo_encode_opts o;
    holo_encode_opts_init(&o);
    const char *out = NULL;
    unsigned given = 0;   /* a container has one format (HOPK): format options pick nothing */
    static const struct option lo[] = { BUILD_LONG_OPTIONS,
        { "coarse-side", required_argument, 0, O_SIDE }, { "coarse-frames", required_argument, 0, O_FRAMES },
        { 0, 0, 0, 0 } };
    int r = build_options(argc, argv, lo, &o, &out, &given, 0, NULL);
    if (r >= 0) return r;
    if (!out) return usage("pack needs -o OUT.holo");
    if (optind >= argc) return usage("pack needs at least one FILE");
    holo_err e;
    if (holo_pack((const char *const *)argv + optind, (size_t)(argc - optind), out, &o, &e)) return fail(&e);
    return 0;
}

static int cmd_unpack(int argc, char **argv)
{
    holo_decode_opts o;
    holo_decode_opts_init(&o);
    o.warn = warn_cb;
    const char *outdir = NULL;
    static const struct option lo[] = {
        { "output", required_argument, 0, 'o' }, { "max-chunks", required_argument, 0, O_MAX },
        { "help", no_argument, 0, 'h' }, { 0, 0, 0, 0 } };
    int c;
    long v;
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:h", lo, NULL)) != -1) {
        switch (c) {
        case 'o': outdir = optarg; break;
        case O_MAX: if ((v = num(optarg, 1L << 30)) < 1) return usage("--max-chunks needs a positive count"); o.max_chunks = (uint32_t)v; break;
        case 'h': fputs(usage_text, stdout); return 0;
        default: return usage(NULL);
        }
    }
    if (optind != argc - 1) return usage("unpack needs exactly one IN.holo");
    const char *dir = argv[optind];
    if (!is_dir(dir)) return not_a_dir(dir);
    holo_err e;
    holo_pack_index idx;
    if (holo_pack_read_index(dir, &idx, &e)) return fail(&e);
    /* Objects are named by position: obj_0000.png, obj_0001.wav, ... in OUTDIR (default: the
     * container's parent directory). */
    char defdir[PATH_MAX];
    if (!outdir) {
        snprintf(defdir, sizeof defdir, "%s", dir);
        char *slash = strrchr(defdir, '/');
        if (slash && slash != defdir) *slash = 0; else strcpy(defdir, ".");
        outdir = defdir;
    } else if (!is_dir(outdir)) {
        holo_pack_index_free(&idx);
        return not_a_dir(outdir);
    }
    int rc = 0;
    for (size_t i = 0; i < idx.n_objects && !rc; i++) {
        holo_decoded d;
        char path[PATH_MAX];
        if (snprintf(path, sizeof path, "%s/obj_%04zu.%s", outdir, i,
                     idx.objects[i].kind == HOLO_KIND_AUDIO ? "wav" : "png") >= (int)sizeof path) {
            fprintf(stderr, "holo: %s: output path too long\n", outdir);
            rc = 1;
            break;
        }
        if (holo_unpack(dir, i, &o, &d, &e) || holo_view_write(&d, holo_view_for_name(path, d.info.kind), path, &e))
            rc = fail(&e);
        else
            printf("%s\n", path);
        holo_decoded_free(&d);
    }
    holo_pack_index_free(&idx);
    return rc;
}

/* ---- stacking ---------------------------------------------------------------------------- */
enum { O_HOLO = 400 };

static int cmd_stack(int argc, char **argv)
{
    holo_encode_opts o;
    holo_encode_opts_init(&o);
    const char *out = NULL;
    int holo_dirs = 0;
    unsigned given = 0;
    static const struct option lo[] = { BUILD_LONG_OPTIONS,
        { "codec-version", required_argument, 0, O_CV }, { "holo", no_argument, 0, O_HOLO },
        { 0, 0, 0, 0 } };
    int r = build_options(argc, argv, lo, &o, &out, &given, O_HOLO, &holo_dirs);
    if (r >= 0) return r;
    if (!out) return usage("stack needs -o OUT");
    if (optind >= argc) return usage("stack needs at least one input");
    const char *const *in = (const char *const *)argv + optind;
    size_t n = (size_t)(argc - optind);
    holo_err e;
    if (!holo_dirs) {   /* the mean is an image: same version rule as encode */
        if (image_version(&o, given)) return 2;
        return holo_stack_frames(in, n, out, &o, &e) ? fail(&e) : 0;
    }
    holo_decode_opts dopts;
    holo_decode_opts_init(&dopts);
    dopts.warn = warn_cb;
    dopts.threads = o.threads;
    holo_decoded d;
    if (holo_stack_holo(in, n, &dopts, &d, &e)) return fail(&e);
    int rc = holo_view_write(&d, holo_view_for_name(out, d.info.kind), out, &e);
    holo_decoded_free(&d);
    return rc ? fail(&e) : 0;
}

static int info_container(const char *dir)
{
    holo_pack_index idx;
    holo_err e;
    if (holo_pack_read_index(dir, &idx, &e)) return fail(&e);
    printf("%s: HOPK container, %zu objects, %u blocks, %llu residual elements\n", dir, idx.n_objects,
           idx.block_count, (unsigned long long)idx.total_residual);
    for (size_t i = 0; i < idx.n_objects; i++) {
        const holo_pack_object *ob = &idx.objects[i];
        if (ob->kind == HOLO_KIND_IMAGE) printf("  %zu: image %ux%u\n", i, ob->w, ob->h);
        else printf("  %zu: audio %u frames, %u Hz, %u channels\n", i, ob->frames, ob->sample_rate, ob->channels);
    }
    holo_pack_index_free(&idx);
    return 0;
}

/* ---- info -------------------------------------------------------------------------------- */
/* The HO4B frame filter (holo_info.filter) as holo info names it. */
static const char *filter_text(const char *filter)
{
    return !strcmp(filter, "x86") ? "x86 branch targets"
         : !strcmp(filter, "arm64") ? "ARM64 branch targets"
         : !strcmp(filter, "lines") ? "text lines" : !strcmp(filter, "columns") ? "text columns" : "none";
}

static int info_binary4(const char *dir, const holo_info *in, int verify)
{
    holo_err e;
    if (in->has_dict) {   /* before opening: a missing dictionary fails the open */
        char hex[2 * HOLO_DICT_ID_LEN + 1];
        holo_dict_hex(in->dict_id, hex);
        printf("dictionary: %s\n", hex);
    }
    holo_decode_opts o;
    holo_decode_opts_init(&o);
    o.warn = warn_cb;
    holo_stream *s = holo_stream_open(dir, &o, &e);
    if (!s) return fail(&e);
    int vrc = verify ? holo_stream_verify(s, &e) : 0;
    holo_stream_info si;
    holo_stream_stat(s, &si);
    printf("%s: binary, codec binary v4, %llu bytes\n", dir, (unsigned long long)si.size);
    printf("codec: binary v4\n");
    printf("chunks: %u present of n = %u, any k = %u rebuild the file\n", si.chunks_present, si.n, si.k);
    printf("frames: %llu of %u bytes\n", (unsigned long long)si.frames, si.frame_size);
    printf("filter: %s\n", filter_text(in->filter));
    size_t nh = holo_stream_holes(s, NULL, 0);
    printf("holes: %zu range%s, %llu bytes\n", nh, nh == 1 ? "" : "s", (unsigned long long)si.hole_bytes);
    if (si.chunks_corrupt)
        printf("corrupt: %u chunk%s (the file is rebuilt without them)\n", si.chunks_corrupt, si.chunks_corrupt == 1 ? "" : "s");
    printf("exact: %s\n", si.hole_bytes ? "no, bytes are missing"
                          : !verify ? "unverified (holo info --verify checks the SHA-256)"
                          : vrc == 0 ? "yes, verified against the SHA-256"
                                     : "no, the decoded bytes do not match the SHA-256");
    printf("exact bytes: %s\n", si.hole_bytes ? "no" : !verify ? "unverified" : vrc == 0 ? "yes" : "no");
    holo_stream_close(s);
    if (vrc && !si.hole_bytes) return fail(&e);
    return 0;
}

/* Whether a full decode gives back the user's file: "no" for pixel/sample sets and sets that
 * cannot be completed; "yes" once proved (holo.sum, or with --verify a decode that re-created
 * the file and matched its SHA-256), else "unverified". */
static const char *exact_bytes_text(const char *dir, const holo_info *in, int verify)
{
    if (!in->exact_bytes) return "no (the set holds pixels or samples: decode writes a view)";
    if (!in->exact && !in->recoverable) return "no, chunks are missing";
    if (in->verified) return "yes";
    if (!verify || in->version != 4) return "unverified";
    holo_decode_opts o;
    holo_decode_opts_init(&o);
    o.warn = warn_cb;
    holo_decoded d;
    holo_err e;
    if (holo_decode_dir(dir, &o, &d, &e)) { fail(&e); return "no"; }
    int ok = d.info.exact_bytes && d.bytes;
    holo_decoded_free(&d);
    return ok ? "yes, re-created and matched the SHA-256" : "no, the re-created file does not match its SHA-256";
}

static int cmd_info(int argc, char **argv)
{
    int json = 0, verify = 0;
    holo_decode_opts o;
    holo_decode_opts_init(&o);
    o.verify_chunks = 1;   /* "exact" only when the chunk hashes prove it */
    static const struct option lo[] = { { "json", no_argument, 0, O_JSON }, { "verify", no_argument, 0, O_VERIFY },
        { "help", no_argument, 0, 'h' },
        { "max-pixels", required_argument, 0, O_MAXPIX }, { "max-output", required_argument, 0, O_MAXOUT },
        { 0, 0, 0, 0 } };
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        if (c == O_JSON) json = 1;
        else if (c == O_MAXPIX || c == O_MAXOUT) { if (limit_opt(c, optarg, &o)) return 2; }
        else if (c == O_VERIFY) verify = 1;
        else if (c == 'h') { fputs(usage_text, stdout); return 0; }
        else return usage(NULL);
    }
    if (optind != argc - 1) return usage("info needs exactly one DIR");
    const char *dir = argv[optind];
    holo_info in;
    holo_err e;
    if (!is_dir(dir)) return not_a_dir(dir);
    if (!json && holo_pack_probe(dir)) return info_container(dir);
    if (holo_info_dir_opts(dir, &o, &in, &e)) return fail(&e);
    if (in.kind == HOLO_KIND_BINARY && in.version == 4 && !json) return info_binary4(dir, &in, verify);
    uint32_t missing = in.block_count - in.chunks_present;
    if (json) {
        json_t *j = json_object();
        json_object_set_new(j, "dir", json_string(dir));
        json_object_set_new(j, "kind", json_string(holo_kind_name(in.kind)));
        json_object_set_new(j, "codec_version", json_integer(in.version));
        json_object_set_new(j, "block_count", json_integer(in.block_count));
        json_object_set_new(j, "chunks_present", json_integer(in.chunks_present));
        json_object_set_new(j, "chunks_missing", json_integer(missing));
        json_object_set_new(j, "chunks_bad", json_integer(in.chunks_bad));
        json_object_set_new(j, "chunk_bytes", json_integer((json_int_t)in.chunk_bytes));
        json_object_set_new(j, "exact", json_boolean(in.exact));
        json_object_set_new(j, "verified", json_boolean(in.verified));
        json_object_set_new(j, "recovery_chunks", json_integer(in.recovery_chunks));
        json_object_set_new(j, "recoverable", json_boolean(in.recoverable));
        json_object_set_new(j, "codec", json_string(in.codec));
        json_object_set_new(j, "exact_bytes", json_boolean(in.exact_bytes));
        if (in.exact_bytes) json_object_set_new(j, "file_size", json_integer((json_int_t)in.file_size));
        if (in.kind == HOLO_KIND_IMAGE) {
            json_object_set_new(j, "width", json_integer(in.width));
            json_object_set_new(j, "height", json_integer(in.height));
            if (in.floor_k[0]) {   /* HO4J: the encoder's estimate from any k chunks */
                json_t *g = json_array();
                for (int i = 0; i < 3; i++)
                    json_array_append_new(g, json_pack("{s:i,s:f}", "chunks", (int)in.floor_k[i], "psnr_db", in.floor_db[i]));
                json_object_set_new(j, "psnr_estimate", g);
            }
        } else if (in.kind == HOLO_KIND_AUDIO) {
            json_object_set_new(j, "channels", json_integer(in.channels));
            json_object_set_new(j, "sample_rate", json_integer(in.sample_rate));
            json_object_set_new(j, "frames", json_integer(in.frames));
        } else {
            json_object_set_new(j, "length", json_integer((json_int_t)in.length));
            if (in.version == 4)
                json_object_set_new(j, "filter", json_string(in.filter[0] ? in.filter : "none"));
        }
        holo_v4_layout lay;   /* HO4J, HO4A: the tiers, as the text shows them */
        if (in.version == 4 && in.kind != HOLO_KIND_BINARY && holo_v4_layout_read(dir, &lay, NULL) == 0) {
            json_t *t = json_array();
            for (unsigned i = 0; i < lay.ntiers; i++)
                json_array_append_new(t, json_pack("{s:i,s:I,s:i,s:b}", "tier", (int)i, "bytes", (json_int_t)lay.S[i],
                                                   "any_chunks", (int)lay.m[i], "recoverable", lay.readable[i]));
            json_object_set_new(j, "format", json_string(lay.magic));
            json_object_set_new(j, "content_id", json_sprintf("%016llx", (unsigned long long)lay.content_id));
            json_object_set_new(j, "tiers", t);
        }
        if (in.has_dict) {
            char hex[2 * HOLO_DICT_ID_LEN + 1];
            holo_dict_hex(in.dict_id, hex);
            json_object_set_new(j, "dictionary", json_string(hex));
        }
        char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        if (s) puts(s);
        free(s);
        json_decref(j);
        return 0;
    }
    printf("%s: %s, codec v%d, ", dir, holo_kind_name(in.kind), in.version);
    if (in.kind == HOLO_KIND_IMAGE) printf("%ux%u RGB", in.width, in.height);
    else if (in.kind == HOLO_KIND_AUDIO) printf("%u frames, %u Hz, %u channel%s", in.frames, in.sample_rate, in.channels, in.channels == 1 ? "" : "s");
    else printf("%llu bytes", (unsigned long long)in.length);
    printf(", %u blocks\n", in.block_count);
    printf("codec: %s\n", in.codec);
    printf("chunks: %u present, %u missing, %u bad (%llu bytes)\n", in.chunks_present, missing,
           in.chunks_bad, (unsigned long long)in.chunk_bytes);
    if (in.recovery_chunks)
        printf("recovery: %u recovery chunk%s, %s\n", in.recovery_chunks, in.recovery_chunks == 1 ? "" : "s",
               !missing ? "none needed" : in.recoverable ? "enough to rebuild the missing chunks"
                                                        : "not enough to rebuild the missing chunks");
    if (in.floor_k[0])       /* HO4J: what the encoder estimated for its tiers */
        printf("quality: any %u chunk%s >= %.2f dB, any %u >= %.2f dB, any %u >= %.2f dB "
               "(the encoder's estimate, worst subset)\n", in.floor_k[0], in.floor_k[0] == 1 ? "" : "s",
               in.floor_db[0], in.floor_k[1], in.floor_db[1], in.floor_k[2], in.floor_db[2]);
    if (in.version == 4) {   /* tiers, recoverability and the encoder's PSNR guarantees */
        char text[2048];
        if (holo_v4_describe(dir, text, sizeof text, &e) == 0) fputs(text, stdout);
    }
    /* v1/v2 chunks carry no checksum: only the set's holo.sum can prove the bytes right */
    const char *exact = in.exact && in.verified ? "yes, every chunk matches holo.sum: a full decode gives the original back"
                      : in.exact && in.version < 3 ? "unverified, every chunk is present but there is no holo.sum to check them against"
                      : in.exact ? "yes, a full decode gives the original back"
                      : in.recoverable && in.version < 3 ? "yes, after recovery rebuilds the missing chunks"
                      : missing ? "no, missing chunks decode to a coarser version"
                                : "no, this encoding is lossy";
    printf("exact: %s\n", exact);
    printf("exact bytes: %s\n", exact_bytes_text(dir, &in, verify));
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) return usage(NULL);
    const char *cmd = argv[1];
    if (!strcmp(cmd, "encode")) return cmd_encode(argc - 1, argv + 1);
    if (!strcmp(cmd, "decode")) return cmd_decode(argc - 1, argv + 1);
    if (!strcmp(cmd, "info")) return cmd_info(argc - 1, argv + 1);
    if (!strcmp(cmd, "pack")) return cmd_pack(argc - 1, argv + 1);
    if (!strcmp(cmd, "unpack")) return cmd_unpack(argc - 1, argv + 1);
    if (!strcmp(cmd, "stack")) return cmd_stack(argc - 1, argv + 1);
    if (!strcmp(cmd, "dict")) return holo_cli_dict(argc - 1, argv + 1);
    if (!strcmp(cmd, "smallpack")) return holo_cli_smallpack(argc - 1, argv + 1);
    if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) { fputs(usage_text, stdout); return 0; }
    /* The reference's short forms: `holo DIR.holo` decodes, `holo FILE [KB]` encodes. */
    if (argc <= 3 && cmd[0] != '-') {
        if (is_dir(cmd) && argc == 2) {
            char *av[] = { "decode", (char *)cmd, NULL };
            return cmd_decode(2, av);
        }
        if (argc == 3) {
            char *av[] = { "encode", "-k", argv[2], (char *)cmd, NULL };
            return cmd_encode(4, av);
        }
        char *av[] = { "encode", (char *)cmd, NULL };
        return cmd_encode(2, av);
    }
    return usage("unknown command");
}
