#!/bin/sh
# bench_image.sh — v1/v2 image encode/decode speed against libpng (see bench/bench_image.c).
# BENCH_IMAGE_SIDE overrides the 3600x3600 default (e.g. 1000 for a quick look).
#
# Goals: holo encode (1 and 2 threads) no slower than libpng level-6 encode (ratio >= 1);
# holo decode + PNG output no slower than 2x libpng decode (ratio >= 0.5).
: "${HOLO_BENCH:?HOLO_BENCH not set (run via make bench)}"
exec "$HOLO_BENCH/bench_image" "${BENCH_IMAGE_SIDE:-3600}" "${TMPDIR:-/tmp}"
