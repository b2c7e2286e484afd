/* v4_rc.c — binary adaptive range coder (16-bit probabilities, mean of two adaptation rates:
 * shifts 4 and 6), with carry propagation through a cached byte. The decoder's per-bit
 * functions are inline in v4_codec.h (they are the inner loop of every v4 decode). The leading byte of such a coder is always 0
 * (the interval starts inside [0, 2^32)), so it is not stored. Reading past the end of a
 * stream yields zero bytes: hostile streams decode to garbage values, never out of bounds. */
#include "v4_container.h"
#include <stdlib.h>

#define TOP V4_RC_TOP
#define PBITS 16

#define prob v4_prob_p0
#define adapt v4_prob_adapt

void v4_enc_init(v4_enc *e)
{
    e->buf = NULL; e->len = e->cap = 0;
    e->low = 0; e->range = 0xFFFFFFFFu;
    e->cache = 0; e->cache_size = 1; e->oom = 0;
}

static void put(v4_enc *e, uint8_t b)
{
    if (e->len == e->cap) {
        size_t nc = e->cap ? e->cap * 2 : 4096;
        uint8_t *nb = realloc(e->buf, nc);
        if (!nb) {
            e->oom = 1;
            return;
        }
        e->buf = nb; e->cap = nc;
    }
    e->buf[e->len++] = b;
}

void v4_enc_shift_low(v4_enc *e)
{
    if ((uint32_t)e->low < 0xFF000000u || (e->low >> 32) != 0) {
        uint8_t carry = (uint8_t)(e->low >> 32);
        uint8_t temp = e->cache;
        do {
            put(e, (uint8_t)(temp + carry));
            temp = 0xFF;
        } while (--e->cache_size != 0);
        e->cache = (uint8_t)(e->low >> 24);
    }
    e->cache_size++;
    e->low = (e->low & 0x00FFFFFFu) << 8;
}

void v4_enc_bit(v4_enc *e, v4_prob *p, int bit)
{
    v4_enc_bit_p0(e, prob(p), bit);
    adapt(p, bit);
}

/* Raw bits, up to 16 at a time: the range is split into 2^k equal parts. */
void v4_enc_raw(v4_enc *e, uint32_t v, int nbits)
{
    while (nbits > 0) {
        int k = nbits > 16 ? 16 : nbits;
        nbits -= k;
        e->range >>= k;
        e->low += (uint64_t)((v >> nbits) & ((1u << k) - 1)) * e->range;
        while (e->range < TOP) {
            e->range <<= 8;
            v4_enc_shift_low(e);
        }
    }
}

int v4_enc_finish(v4_enc *e)
{
    /* Any value in [low, low + range) ends the stream: take the one with the most trailing
     * zero bits, as trailing zero bytes are not stored. */
    uint64_t hi = e->low + e->range - 1;
    for (int k = 32; k >= 0; k--) {
        uint64_t m = ((uint64_t)1 << k) - 1, v = (e->low + m) & ~m;
        if (v <= hi) {
            e->low = v;
            break;
        }
    }
    for (int i = 0; i < 5; i++)
        v4_enc_shift_low(e);
    if (e->oom)
        return -1;
    /* Drop the implicit leading zero byte. */
    if (e->len > 0) {
        for (size_t i = 1; i < e->len; i++)
            e->buf[i - 1] = e->buf[i];
        e->len--;
    }
    /* Trailing zero bytes are implied by the decoder too. */
    while (e->len > 0 && e->buf[e->len - 1] == 0)
        e->len--;
    return 0;
}

void v4_enc_free(v4_enc *e)
{
    free(e->buf);
    e->buf = NULL; e->len = e->cap = 0;
}

void v4_dec_init(v4_dec *d, const uint8_t *buf, size_t len)
{
    d->buf = buf; d->len = len; d->pos = 0;
    d->range = 0xFFFFFFFFu; d->code = 0;
    for (int i = 0; i < 4; i++)
        d->code = d->code << 8 | v4_dec_next(d);
}
