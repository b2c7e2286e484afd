/* fuzz_v4.c — libFuzzer target for the v4 chunk header and streams.
 *
 *   make fuzz && build/fuzz/fuzz_v4 -max_len=4096 corpus_dir/
 *
 * The input is split into up to 4 chunks at the byte sequence "\n--\n". Each chunk is tried
 * as given (header checks, CRC) and again with its CRC recomputed, so the T0/T1/T2/U stream
 * decoders and the Reed-Solomon recovery see arbitrary bytes too. Geometry is capped so a
 * header cannot ask the fuzzer for gigabytes. */
#include "internal.h"
#include "v4_codec.h"
#include "fuzz_split.h"
#include <stdlib.h>
#include <string.h>

static void try_decode(uint8_t **c, size_t *l, size_t n)
{
    const char *names[4] = { "f0", "f1", "f2", "f3" };
    for (size_t i = 0; i < n; i++) {
        v4_hdr h;
        if (l[i] >= V4_HDR_LEN && v4_hdr_parse(c[i], l[i], "f", &h, NULL) == 0 &&
            (uint64_t)h.width * h.height > (1u << 16))
            return;
        if (l[i] >= 10 && (uint64_t)(c[i][6] << 8 | c[i][7]) * (c[i][8] << 8 | c[i][9]) > (1u << 16))
            return;
    }
    holo_decode_opts o;
    holo_decode_opts_init(&o);
    /* the limits a careful deployment sets (holo decode --max-output): the fuzzer looks for
     * crashes and unbounded work, not for claims the user allowed */
    o.max_output = 256u << 20;
    o.max_pixels = 1u << 24;
    o.threads = 1;
    holo_decoded d;
    holo_err err;
    if (holo_v4_decode_mem((const uint8_t *const *)c, l, n, names, &o, &d, NULL, &err) == 0)
        holo_decoded_free(&d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *c[4];
    size_t l[4], n = fuzz_split(data, size, c, l, 4);
    (void)holo_v4_probe(data, size);
    try_decode(c, l, n);
    for (size_t i = 0; i < n; i++)
        if (l[i] >= V4_HDR_LEN)
            v4_hdr_seal(c[i], l[i]);
    try_decode(c, l, n);
    for (size_t i = 0; i < n; i++)
        free(c[i]);
    return 0;
}
