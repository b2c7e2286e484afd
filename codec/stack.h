/* stack.h — stacking (the reference's --stack): average several exposures of one scene before
 * encoding, or average several holographic captures of one scene after decoding. Averaging N
 * frames with independent noise divides the noise variance by N (about +4.8 dB PSNR for 3).
 *
 *   const char *frames[] = { "a.png", "b.png", "c.png" };
 *   holo_stack_frames(frames, 3, "scene.png.holo", &eo, &err);     encode the per-pixel mean
 *
 *   const char *dirs[] = { "cap1.holo", "cap2.holo" };
 *   holo_stack_holo(dirs, 2, &dopts, &decoded, &err);              mean weighted by chunk count
 */
#ifndef HOLO_STACK_H
#define HOLO_STACK_H

#include "holo.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Most frames or captures one call accepts. */
#define HOLO_STACK_MAX 65536u

/* Read n same-size images (PNG, JPEG, PPM/PGM), average them per pixel and channel (mean
 * rounded half to even) and encode the result into outdir exactly like holo_encode_file
 * (options o, NULL = defaults; the mode is always image). Atomic: on failure outdir is left as
 * it was. A frame of another size fails with HOLO_EINVAL naming that frame. */
int holo_stack_frames(const char *const *frames, size_t n, const char *outdir,
                      const holo_encode_opts *o, holo_err *err);

/* Decode n chunk directories holding captures of one scene (same kind, image or audio, and
 * same geometry) and average their reconstructions, each weighted by the number of chunks it
 * had (info.chunks_present; equal weights if every capture has none), rounded half to even.
 * out->info is the first capture's geometry with the chunk counters summed; exact is set only
 * for a single exact capture. Free out with holo_decoded_free. */
int holo_stack_holo(const char *const *dirs, size_t n, const holo_decode_opts *o,
                    holo_decoded *out, holo_err *err);

#ifdef __cplusplus
}
#endif
#endif
