/* gf256.c — GF(2^8) tables and region operations for HORC (doc/formats.md §HORC (GF(256))). */
#include "gf256.h"
#include <pthread.h>
#include <string.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define HOLO_GF_SSSE3 1
#include <immintrin.h>
#endif

static uint8_t g_exp[512];
static uint8_t g_log[256];
static uint8_t g_mul[256][256];   /* full product table: row c is the map x -> c·x */
static pthread_once_t g_once = PTHREAD_ONCE_INIT;
#ifdef HOLO_GF_SSSE3
static int g_have_ssse3;
#endif

const uint8_t *const holo_gf_exp = g_exp;
const uint8_t *const holo_gf_log = g_log;

static void build(void)
{
    unsigned x = 1;
    for (int i = 0; i < 255; i++) {
        g_exp[i] = (uint8_t)x;
        g_log[x] = (uint8_t)i;
        x <<= 1;
        if (x & 0x100) x ^= 0x11D;
    }
    for (int i = 255; i < 512; i++) g_exp[i] = g_exp[i - 255];
    g_log[0] = 0;
    for (int a = 0; a < 256; a++)
        for (int b = 0; b < 256; b++)
            g_mul[a][b] = (a && b) ? g_exp[g_log[a] + g_log[b]] : 0;
#ifdef HOLO_GF_SSSE3
    __builtin_cpu_init();
    g_have_ssse3 = __builtin_cpu_supports("ssse3");
#endif
}

void holo_gf_init(void) { pthread_once(&g_once, build); }

void holo_gf_set_simd(int enable)
{
    holo_gf_init();
#ifdef HOLO_GF_SSSE3
    g_have_ssse3 = enable ? __builtin_cpu_supports("ssse3") : 0;
#else
    (void)enable;
#endif
}

uint8_t holo_gf_mul(uint8_t a, uint8_t b)
{
    holo_gf_init();
    return g_mul[a][b];
}

uint8_t holo_gf_inv(uint8_t a)
{
    holo_gf_init();
    if (!a) return 0;
    return g_exp[(255 - g_log[a]) % 255];
}

#ifdef HOLO_GF_SSSE3
/* Split-nibble table lookup with pshufb: c·x = lo[x & 15] ^ hi[x >> 4]. */
__attribute__((target("ssse3")))
static size_t muladd_ssse3(uint8_t *dst, const uint8_t *src, const uint8_t *row, size_t n)
{
    uint8_t lo[16], hi[16];
    for (int i = 0; i < 16; i++) { lo[i] = row[i]; hi[i] = row[i << 4]; }
    const __m128i tlo = _mm_loadu_si128((const __m128i *)lo);
    const __m128i thi = _mm_loadu_si128((const __m128i *)hi);
    const __m128i mask = _mm_set1_epi8(0x0f);
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m128i s = _mm_loadu_si128((const __m128i *)(src + i));
        __m128i d = _mm_loadu_si128((const __m128i *)(dst + i));
        __m128i l = _mm_shuffle_epi8(tlo, _mm_and_si128(s, mask));
        __m128i h = _mm_shuffle_epi8(thi, _mm_and_si128(_mm_srli_epi64(s, 4), mask));
        d = _mm_xor_si128(d, _mm_xor_si128(l, h));
        _mm_storeu_si128((__m128i *)(dst + i), d);
    }
    return i;
}

__attribute__((target("ssse3")))
static size_t scale_ssse3(uint8_t *dst, const uint8_t *row, size_t n)
{
    uint8_t lo[16], hi[16];
    for (int i = 0; i < 16; i++) { lo[i] = row[i]; hi[i] = row[i << 4]; }
    const __m128i tlo = _mm_loadu_si128((const __m128i *)lo);
    const __m128i thi = _mm_loadu_si128((const __m128i *)hi);
    const __m128i mask = _mm_set1_epi8(0x0f);
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m128i s = _mm_loadu_si128((const __m128i *)(dst + i));
        __m128i l = _mm_shuffle_epi8(tlo, _mm_and_si128(s, mask));
        __m128i h = _mm_shuffle_epi8(thi, _mm_and_si128(_mm_srli_epi64(s, 4), mask));
        _mm_storeu_si128((__m128i *)(dst + i), _mm_xor_si128(l, h));
    }
    return i;
}
#endif

void holo_gf_muladd(uint8_t *dst, const uint8_t *src, uint8_t c, size_t n)
{
    holo_gf_init();
    if (c == 0 || n == 0) return;
    size_t i = 0;
    if (c == 1) {
        for (; i < n; i++) dst[i] ^= src[i];
        return;
    }
    const uint8_t *row = g_mul[c];
#ifdef HOLO_GF_SSSE3
    if (g_have_ssse3) i = muladd_ssse3(dst, src, row, n);
#endif
    for (; i + 4 <= n; i += 4) {
        dst[i] ^= row[src[i]];
        dst[i + 1] ^= row[src[i + 1]];
        dst[i + 2] ^= row[src[i + 2]];
        dst[i + 3] ^= row[src[i + 3]];
    }
    for (; i < n; i++) dst[i] ^= row[src[i]];
}

void holo_gf_scale(uint8_t *dst, uint8_t c, size_t n)
{
    holo_gf_init();
    if (c == 1) return;
    if (c == 0) { memset(dst, 0, n); return; }
    const uint8_t *row = g_mul[c];
    size_t i = 0;
#ifdef HOLO_GF_SSSE3
    if (g_have_ssse3) i = scale_ssse3(dst, row, n);
#endif
    for (; i < n; i++) dst[i] = row[dst[i]];
}
