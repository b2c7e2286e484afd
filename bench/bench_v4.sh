#!/bin/sh
# bench_v4.sh — the v4 layered wavelet codec on real photos (bench/v4_eval.c), B = 32:
#   1. lossless profile: bytes / PNG (libpng level 9, best filter), PSNR mean / worst over
#      random subsets for k = 1, 4, 8, 16, 24, 31, 32 chunks, and the encoder's guarantees
#      targets (median): bytes <= 1.0x PNG; k=16 >= 35.0 dB; k=4 >= 28.0 dB; k=32 exact (99)
#   2. lossy profile at v3 q50's bytes, per image (v4_eval --vs-v3): our v3 encoder (quality
#      50, zlib 9 as the reference) gives each photo's byte budget and the v3 PSNR means; v4
#      lossy is encoded at those bytes and decoded from the same random subsets; per k: v3
#      mean, v4 mean / worst, delta. target: delta >= +3.0 dB at every k (median over the
#      photos; the lines after MEDIAN list every photo and k below it). Reference check: the
#      v3 medians of doc/holo4.md §Motivation: 0.36x PNG, 19.7 20.4 21.5 23.6 26.2 32.4 34.4 dB
#   3. a 4000x3000 mosaic of the photos: encode and decode seconds (2 threads), then the
#      best of 3 full decodes beside libpng decoding the same pixels (best of 3)
#      targets: decode <= 1.5 s, encode <= 10 s
# Corpus: $HOLO_V4_CORPUS (default /tmp/v4corpus/photos): the photos of Debian's
# python3-skimage (skimage/data: astronaut camera chelsea coffee coins hubble_deep_field ihc
# moon motorcycle_left retina rocket). Fetch it with:
#   cd /tmp && apt-get download python3-skimage && dpkg-deb -x python3-skimage_*.deb sk &&
#   mkdir -p v4corpus/photos && cp sk/usr/lib/python3/dist-packages/skimage/data/{astronaut,
#   camera,chelsea,coffee,coins,ihc,moon,motorcycle_left}.png sk/usr/lib/python3/dist-packages/
#   skimage/data/{hubble_deep_field,retina,rocket}.jpg v4corpus/photos/
: "${HOLO_BENCH:?HOLO_BENCH not set (run via make bench)}"
corpus=${HOLO_V4_CORPUS:-/tmp/v4corpus/photos}
eval=$HOLO_BENCH/v4_eval
[ -x "$eval" ] || { echo "bench_v4: $eval not built" >&2; exit 1; }
set -- "$corpus"/*.png "$corpus"/*.jpg
[ -f "$1" ] || { echo "bench_v4: no photos in $corpus, skipped (see the header of bench/bench_v4.sh)"; exit 0; }
n=${BENCH_V4_SUBSETS:-8}
echo "-- lossless profile (B = 32, $n random subsets per k)"
"$eval" -n "$n" "$@" || exit 1
echo "-- lossy profile at v3 q50's bytes, per image (same $n random subsets per k for both)"
"$eval" -n "$n" --vs-v3 "$@" || exit 1
echo "-- 12 MP mosaic (4000x3000), 2 threads: enc_s / dec_s"
"$eval" -n 1 -t 2 --no-png --mosaic 4000x3000 "$@" || exit 1
