/* sniff.c — file type by content (sniff.h). One table of magic numbers; the few formats
 * whose magic is not a fixed string (MPEG audio frame sync, ISO-BMFF brands, BMP, PNM) get a
 * small check function. */
#include "sniff.h"

#include <string.h>

typedef struct sniff_name {
    const char *name;
    int compressed;
} sniff_name;

static const sniff_name names[HOLO_SNIFF_COUNT] = {
    [HOLO_SNIFF_OTHER] = { "other", 0 },
    [HOLO_SNIFF_JPEG] = { "jpeg", 1 },     [HOLO_SNIFF_MP3] = { "mp3", 1 },
    [HOLO_SNIFF_OGG] = { "ogg", 1 },       [HOLO_SNIFF_FLAC] = { "flac", 1 },
    [HOLO_SNIFF_AAC] = { "aac", 1 },       [HOLO_SNIFF_M4A] = { "m4a", 1 },
    [HOLO_SNIFF_MP4] = { "mp4", 1 },       [HOLO_SNIFF_MOV] = { "mov", 1 },
    [HOLO_SNIFF_MATROSKA] = { "matroska", 1 }, [HOLO_SNIFF_WEBM] = { "webm", 1 },
    [HOLO_SNIFF_WEBP] = { "webp", 1 },     [HOLO_SNIFF_AVIF] = { "avif", 1 },
    [HOLO_SNIFF_HEIC] = { "heic", 1 },     [HOLO_SNIFF_GIF] = { "gif", 1 },
    [HOLO_SNIFF_GZIP] = { "gzip", 1 },     [HOLO_SNIFF_XZ] = { "xz", 1 },
    [HOLO_SNIFF_ZSTD] = { "zstd", 1 },     [HOLO_SNIFF_BZIP2] = { "bzip2", 1 },
    [HOLO_SNIFF_ZIP] = { "zip", 1 },       [HOLO_SNIFF_7Z] = { "7z", 1 },
    [HOLO_SNIFF_RAR] = { "rar", 1 },       [HOLO_SNIFF_PDF] = { "pdf", 1 },
    [HOLO_SNIFF_PNG] = { "png", 0 },       [HOLO_SNIFF_WAV] = { "wav", 0 },
    [HOLO_SNIFF_RF64] = { "rf64", 0 },     [HOLO_SNIFF_AIFF] = { "aiff", 0 },
    [HOLO_SNIFF_PPM] = { "ppm", 0 },       [HOLO_SNIFF_PGM] = { "pgm", 0 },
    [HOLO_SNIFF_BMP] = { "bmp", 0 },       [HOLO_SNIFF_TIFF] = { "tiff", 0 },
};

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* ---- MPEG audio: a frame header, and the next one where the buffer reaches it ------------ */
/* Length in bytes of the MPEG-1/2/2.5 layer I-III frame whose header is p, or 0 if p is not a
 * valid header (reserved version, layer, bitrate or sample rate). */
static size_t mpeg_frame_len(const uint8_t *p)
{
    static const unsigned short kbps[2][3][15] = {
        { { 0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448 },   /* MPEG-1 L1 */
          { 0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384 },      /* L2 */
          { 0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320 } },     /* L3 */
        { { 0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256 },      /* MPEG-2 L1 */
          { 0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160 },           /* L2, L3 */
          { 0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160 } },
    };
    static const unsigned rates[3] = { 44100, 48000, 32000 };
    if (p[0] != 0xFF || (p[1] & 0xE0) != 0xE0)
        return 0;
    unsigned ver = (p[1] >> 3) & 3, layer = (p[1] >> 1) & 3;   /* ver 3 = MPEG-1, layer 3 = I */
    unsigned br = p[2] >> 4, sr = (p[2] >> 2) & 3, pad = (p[2] >> 1) & 1;
    if (ver == 1 || layer == 0 || br == 0 || br == 15 || sr == 3)
        return 0;                 /* br 0 ("free format") has no length to check: not accepted */
    int v1 = ver == 3;
    unsigned rate = rates[sr] >> (ver == 3 ? 0 : ver == 2 ? 1 : 2);
    unsigned bitrate = kbps[v1 ? 0 : 1][3 - layer][br] * 1000u;
    if (layer == 3)               /* layer I: 4-byte slots */
        return (12 * bitrate / rate + pad) * 4;
    unsigned coef = (layer == 1 && !v1) ? 72 : 144;      /* layer III of MPEG-2/2.5: 72 */
    return coef * bitrate / rate + pad;
}

/* A frame header at the start; when the buffer holds the next frame's position, a second
 * header there (one header alone is two bytes of luck in any binary). */
static holo_sniff_type check_mpeg(const uint8_t *b, size_t n)
{
    if (n < 4)
        return HOLO_SNIFF_OTHER;
    size_t f = mpeg_frame_len(b);
    if (!f)
        return HOLO_SNIFF_OTHER;
    if (f + 4 <= n && !mpeg_frame_len(b + f))
        return HOLO_SNIFF_OTHER;
    return HOLO_SNIFF_MP3;
}

/* ADTS (AAC): sync 0xFFF, layer 00, frame length in 13 bits; second header as for MPEG. */
static size_t adts_frame_len(const uint8_t *p)
{
    if (p[0] != 0xFF || (p[1] & 0xF6) != 0xF0 || ((p[2] >> 2) & 15) > 12)
        return 0;
    size_t f = ((size_t)(p[3] & 3) << 11) | (size_t)p[4] << 3 | p[5] >> 5;
    return f >= 7 ? f : 0;
}

static holo_sniff_type check_adts(const uint8_t *b, size_t n)
{
    if (n < 7)
        return HOLO_SNIFF_OTHER;
    size_t f = adts_frame_len(b);
    if (!f || (f + 7 <= n && !adts_frame_len(b + f)))
        return HOLO_SNIFF_OTHER;
    return HOLO_SNIFF_AAC;
}

/* ID3v2 tag: skip it (its size is syncsafe) and sniff the audio after it when the buffer
 * reaches that far; a tag alone is taken as MP3, by far its most common carrier. */
static holo_sniff_type check_id3(const uint8_t *b, size_t n)
{
    if (n < 10 || b[3] == 0xFF || b[4] == 0xFF || ((b[6] | b[7] | b[8] | b[9]) & 0x80))
        return HOLO_SNIFF_OTHER;
    size_t skip = 10 + ((size_t)b[6] << 21 | (size_t)b[7] << 14 | (size_t)b[8] << 7 | b[9]);
    if (b[5] & 0x10)
        skip += 10;               /* footer */
    if (skip < n) {
        holo_sniff_type t = check_adts(b + skip, n - skip);
        if (t)
            return t;
    }
    return HOLO_SNIFF_MP3;
}

/* ---- ISO base media (MP4, MOV, M4A, AVIF, HEIC): the ftyp box's brands -------------------- */
static int brand_in(const uint8_t *brand, const char *const *list)
{
    for (int i = 0; list[i]; i++)
        if (!memcmp(brand, list[i], 4))
            return 1;
    return 0;
}

static holo_sniff_type check_ftyp(const uint8_t *b, size_t n)
{
    static const char *const avif[] = { "avif", "avis", NULL };
    static const char *const heic[] = { "heic", "heix", "hevc", "hevx", "heim", "heis", "hevm",
                                        "hevs", "mif1", "msf1", NULL };
    static const char *const m4a[] = { "M4A ", "M4B ", "M4P ", NULL };
    static const char *const mov[] = { "qt  ", NULL };
    uint32_t box = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
    if (n < 12 || box < 16 || box % 4)
        return HOLO_SNIFF_OTHER;
    const uint8_t *major = b + 8;
    if (brand_in(major, avif)) return HOLO_SNIFF_AVIF;
    if (brand_in(major, heic)) return HOLO_SNIFF_HEIC;
    if (brand_in(major, m4a)) return HOLO_SNIFF_M4A;
    if (brand_in(major, mov)) return HOLO_SNIFF_MOV;
    return HOLO_SNIFF_MP4;
}

/* QuickTime files older than ftyp start with a moov, mdat or wide atom. */
static holo_sniff_type check_qt_atom(const uint8_t *b, size_t n)
{
    return n >= 8 && b[0] == 0 ? HOLO_SNIFF_MOV : HOLO_SNIFF_OTHER;
}

/* EBML header: WebM says so in its DocType, within the first few dozen bytes. */
static holo_sniff_type check_ebml(const uint8_t *b, size_t n)
{
    size_t lim = n < 64 ? n : 64;
    for (size_t i = 4; i + 7 <= lim; i++)          /* ID (2), size (1), "webm" (4) */
        if (b[i] == 0x42 && b[i + 1] == 0x82 && !memcmp(b + i + 3, "webm", 4))
            return HOLO_SNIFF_WEBM;
    return HOLO_SNIFF_MATROSKA;
}

/* BMP: "BM", reserved words zero, a known DIB header size. */
static holo_sniff_type check_bmp(const uint8_t *b, size_t n)
{
    if (n < 18 || le32(b + 6) != 0)
        return HOLO_SNIFF_OTHER;
    uint32_t dib = le32(b + 14);
    return dib == 12 || dib == 16 || dib == 40 || dib == 52 || dib == 56 || dib == 64 ||
                   dib == 108 || dib == 124
               ? HOLO_SNIFF_BMP
               : HOLO_SNIFF_OTHER;
}

/* Binary PNM: P5 / P6 then whitespace or a comment. */
static holo_sniff_type check_pnm(const uint8_t *b, size_t n)
{
    if (n < 3 || !(b[2] == ' ' || b[2] == '\t' || b[2] == '\n' || b[2] == '\r' || b[2] == '#'))
        return HOLO_SNIFF_OTHER;
    return b[1] == '6' ? HOLO_SNIFF_PPM : HOLO_SNIFF_PGM;
}

static holo_sniff_type check_ogg(const uint8_t *b, size_t n)
{
    return n >= 5 && b[4] == 0 ? HOLO_SNIFF_OGG : HOLO_SNIFF_OTHER;   /* stream version 0 */
}

static holo_sniff_type check_bzip2(const uint8_t *b, size_t n)
{
    return n >= 4 && b[3] >= '1' && b[3] <= '9' ? HOLO_SNIFF_BZIP2 : HOLO_SNIFF_OTHER;
}

/* ---- the table: first match wins --------------------------------------------------------- */
typedef struct sniff_rule {
    holo_sniff_type type;     /* what a match means (check may refine or refuse it) */
    unsigned off;             /* where magic sits */
    const char *magic;        /* NULL: no fixed bytes, check alone decides */
    unsigned mlen;
    holo_sniff_type (*check)(const uint8_t *b, size_t n);
} sniff_rule;

#define M(s) s, sizeof s - 1
static const sniff_rule rules[] = {
    { HOLO_SNIFF_PNG, 0, M("\x89PNG\r\n\x1a\n"), NULL },
    { HOLO_SNIFF_JPEG, 0, M("\xFF\xD8\xFF"), NULL },
    { HOLO_SNIFF_GIF, 0, M("GIF87a"), NULL },
    { HOLO_SNIFF_GIF, 0, M("GIF89a"), NULL },
    { HOLO_SNIFF_WAV, 8, M("WAVE"), NULL },           /* RIFF / RF64 / BW64 checked below */
    { HOLO_SNIFF_WEBP, 8, M("WEBP"), NULL },
    { HOLO_SNIFF_AIFF, 8, M("AIFF"), NULL },
    { HOLO_SNIFF_AIFF, 8, M("AIFC"), NULL },
    { HOLO_SNIFF_OGG, 0, M("OggS"), check_ogg },
    { HOLO_SNIFF_FLAC, 0, M("fLaC"), NULL },
    { HOLO_SNIFF_MP3, 0, M("ID3"), check_id3 },
    { HOLO_SNIFF_MP4, 4, M("ftyp"), check_ftyp },
    { HOLO_SNIFF_MOV, 4, M("moov"), check_qt_atom },
    { HOLO_SNIFF_MOV, 4, M("mdat"), check_qt_atom },
    { HOLO_SNIFF_MOV, 4, M("wide"), check_qt_atom },
    { HOLO_SNIFF_MATROSKA, 0, M("\x1A\x45\xDF\xA3"), check_ebml },
    { HOLO_SNIFF_GZIP, 0, M("\x1F\x8B\x08"), NULL },
    { HOLO_SNIFF_XZ, 0, M("\xFD" "7zXZ\0"), NULL },
    { HOLO_SNIFF_ZSTD, 0, M("\x28\xB5\x2F\xFD"), NULL },
    { HOLO_SNIFF_BZIP2, 0, M("BZh"), check_bzip2 },
    { HOLO_SNIFF_ZIP, 0, M("PK\3\4"), NULL },          /* also jar, docx, odt, epub, apk */
    { HOLO_SNIFF_ZIP, 0, M("PK\5\6"), NULL },          /* empty archive */
    { HOLO_SNIFF_ZIP, 0, M("PK\7\x08"), NULL },        /* spanned */
    { HOLO_SNIFF_7Z, 0, M("7z\xBC\xAF\x27\x1C"), NULL },
    { HOLO_SNIFF_RAR, 0, M("Rar!\x1A\x07\0"), NULL },
    { HOLO_SNIFF_RAR, 0, M("Rar!\x1A\x07\1\0"), NULL },
    { HOLO_SNIFF_PDF, 0, M("%PDF-"), NULL },
    { HOLO_SNIFF_PPM, 0, M("P6"), check_pnm },
    { HOLO_SNIFF_PGM, 0, M("P5"), check_pnm },
    { HOLO_SNIFF_BMP, 0, M("BM"), check_bmp },
    { HOLO_SNIFF_TIFF, 0, M("II*\0"), NULL },
    { HOLO_SNIFF_TIFF, 0, M("MM\0*"), NULL },
    { HOLO_SNIFF_TIFF, 0, M("II+\0"), NULL },          /* BigTIFF */
    { HOLO_SNIFF_TIFF, 0, M("MM\0+"), NULL },
    { HOLO_SNIFF_AAC, 0, NULL, 0, check_adts },        /* frame syncs last: weakest evidence */
    { HOLO_SNIFF_MP3, 0, NULL, 0, check_mpeg },
};
#undef M

/* The four bytes before a WAVE/WEBP/AIFF form type must name the container that holds it. */
static int container_ok(holo_sniff_type *t, const uint8_t *b)
{
    switch (*t) {
    case HOLO_SNIFF_WAV:
        if (!memcmp(b, "RF64", 4) || !memcmp(b, "BW64", 4)) {
            *t = HOLO_SNIFF_RF64;
            return 1;
        }
        return !memcmp(b, "RIFF", 4);
    case HOLO_SNIFF_WEBP:
        return !memcmp(b, "RIFF", 4);
    case HOLO_SNIFF_AIFF:
        return !memcmp(b, "FORM", 4);
    default:
        return 1;
    }
}

holo_sniff_type holo_sniff(const uint8_t *b, size_t n)
{
    if (!b)
        return HOLO_SNIFF_OTHER;
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
        const sniff_rule *r = &rules[i];
        if (r->magic && (n < r->off + r->mlen || memcmp(b + r->off, r->magic, r->mlen)))
            continue;
        holo_sniff_type t = r->type;
        if (!container_ok(&t, b))
            continue;
        if (r->check && !(t = r->check(b, n)))
            continue;
        return t;
    }
    return HOLO_SNIFF_OTHER;
}

const char *holo_sniff_name(holo_sniff_type t)
{
    return (unsigned)t < HOLO_SNIFF_COUNT ? names[t].name : names[HOLO_SNIFF_OTHER].name;
}

holo_sniff_type holo_sniff_from_name(const char *name)
{
    for (int t = 0; name && t < HOLO_SNIFF_COUNT; t++)
        if (!strcmp(name, names[t].name))
            return (holo_sniff_type)t;
    return HOLO_SNIFF_OTHER;
}

int holo_sniff_is_compressed(holo_sniff_type t)
{
    return (unsigned)t < HOLO_SNIFF_COUNT && names[t].compressed;
}
