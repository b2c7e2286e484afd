/* policy.c — which codec stores a file (issue 16: keep the user's exact bytes).
 *
 * A media codec stores a file only where the encoder has verified that decoding gives the
 * file back exactly: a PNG whose recipe was found, a binary PPM/PGM with 8-bit samples, a
 * WAV/AIFF that audio v4 (HO4A) rebuilds byte for byte, a Huffman-coded JPEG that HO4J
 * rebuilds byte for byte within the JPEG's size + 4 KiB. Everything else - compressed formats
 * (FLAC included: no recipe re-creates a FLAC file), which decoded to pixels or samples would
 * be bigger and no longer the user's bytes, RF64, anything unknown - is stored as bytes by the
 * binary v4 codec. The `pixels`
 * option asks for the old behaviour: decode images and audio, whatever the bytes.
 */
#include "internal.h"

holo_store_codec holo_store_policy(const holo_store_facts *f)
{
    holo_sniff_type t = f->type;
    int image = t == HOLO_SNIFF_PNG || t == HOLO_SNIFF_PPM || t == HOLO_SNIFF_PGM;
    if (f->pixels) {          /* what the image and audio readers decode (holo_detect_mode) */
        if (image || t == HOLO_SNIFF_JPEG)
            return HOLO_STORE_IMAGE_PIXELS;
        if (t == HOLO_SNIFF_WAV || t == HOLO_SNIFF_RF64 || t == HOLO_SNIFF_AIFF ||
            t == HOLO_SNIFF_FLAC)
            return HOLO_STORE_AUDIO_V2;
        return HOLO_STORE_BINARY;
    }
    if (t == HOLO_SNIFF_WAV || t == HOLO_SNIFF_AIFF)  /* a candidate: store.c verifies it */
        return HOLO_STORE_AUDIO_V4;
    if (t == HOLO_SNIFF_JPEG)   /* the encoder still proves the rebuild and the size rule */
        return HOLO_STORE_JPEG_V4;
    return image && f->recipe_ok ? HOLO_STORE_IMAGE_RECIPE : HOLO_STORE_BINARY;
}

int holo_store_fits(uint64_t media_bytes, uint64_t file_bytes)
{
    return media_bytes <= file_bytes + file_bytes / 100 + 4096;
}

int holo_store_jpeg_fits(uint64_t set_bytes, uint64_t file_bytes)
{
    return set_bytes <= file_bytes + HOLO_STORE_JPEG_SLACK;
}

holo_store_codec holo_store_settle(holo_store_codec chosen, uint64_t media_bytes,
                                   uint64_t binary_bytes)
{
    /* The recipe path promises a store no larger than the binary one; the old behaviour
     * (pixels) was asked for and is kept whatever it costs. */
    if (chosen == HOLO_STORE_IMAGE_RECIPE && media_bytes > binary_bytes)
        return HOLO_STORE_BINARY;
    return chosen;
}

const char *holo_store_codec_name(holo_store_codec c)
{
    switch (c) {
    case HOLO_STORE_BINARY: return "binary v4";
    case HOLO_STORE_IMAGE_RECIPE: return "v4 image with recipe";
    case HOLO_STORE_IMAGE_PIXELS: return "v4 image (pixels)";
    case HOLO_STORE_AUDIO_V2: return "v2 audio (samples)";
    case HOLO_STORE_AUDIO_V4: return "audio v4";
    case HOLO_STORE_JPEG_V4: return "JPEG v4";
    }
    return "?";
}
