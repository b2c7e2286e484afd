#!/bin/sh
# bench_v4.sh — the v4 layered wavelet codec on real photos (bench/v4_eval.c), B = 32:
#   1. lossless profile: bytes / PNG (libpng level 9, best filter), PSNR mean / worst over
#      random subsets for k = 1, 4, 8, 16, 24, 31, 32 chunks, and the encoder's guarantees
#      targets (median): bytes <= 1.0x PNG; k=16 >= 35.0 dB; k=4 >= 28.0 dB; k=32 exact (99);
#      under each photo its bytes by part / PNG and the copies beyond one (the PET price)
#   2. lossy profile at v3 q50's bytes, per image (v4_eval --vs-v3): our v3 encoder (quality
#      50, zlib 9 as the reference) gives each photo's byte budget and the v3 PSNR means; v4
#      lossy is encoded at those bytes and decoded from the same random subsets; per k: v3
#      mean, v4 mean / worst, delta. target: delta >= +3.0 dB at every k (median over the
#      photos; the lines after MEDIAN list every photo and k below it). Reference check: the
#      v3 medians of doc/holo4.md §Motivation: 0.36x PNG, 19.7 20.4 21.5 23.6 26.2 32.4 34.4 dB
#   3. the transfer curve (v4_eval --curve): PSNR after every k = 1..32 chunks, mean of
#      $BENCH_V4_ORDERS random orders (default 3); target (issue 12): every step of the median
#      curve >= 0.25 dB; floors any 1 >= 20, any 4 >= 28, any 16 >= 35 dB (worst order)
#   4. lossless beside cwebp -lossless -z 9 and cjxl -d 0 -e 7 on the same pixels (PPM/PGM
#      from v4_eval --dump-pixels): bytes, ratios and encode seconds (2 threads);
#      target: v4 <= cwebp (median), never above PNG
#   5. a 4000x3000 mosaic of the photos: encode and decode seconds (2 threads), then the
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
V4_EVAL_PARTS=1 "$eval" -n "$n" "$@" || exit 1
echo "-- lossy profile at v3 q50's bytes, per image (same $n random subsets per k for both)"
"$eval" -n "$n" --vs-v3 "$@" || exit 1
echo "-- transfer curve, lossless (B = 32, ${BENCH_V4_ORDERS:-3} random orders): mean PSNR after k chunks"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench_v4.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
"$eval" -n "${BENCH_V4_ORDERS:-3}" --curve "$@" | tee "$tmp/curve" || exit 1
echo "-- lossless beside cwebp -lossless -z 9 and cjxl -d 0 -e 7 (same pixels, 2 threads)"
if ! command -v cwebp > /dev/null || ! command -v cjxl > /dev/null; then
    echo "bench_v4: cwebp or cjxl missing (make deps installs webp and libjxl-tools)" >&2
    exit 1
fi
mkdir "$tmp/px" && "$eval" --dump-pixels "$tmp/px" "$@" || exit 1
printf '%-20s %9s %9s %9s %9s %7s %7s %7s %6s %6s %6s\n' image PNG_B v4_B webp_B jxl_B \
    v4/PNG v4/webp v4/jxl v4_s webp_s jxl_s
i=0
for f in "$@"; do
    i=$((i + 1))
    b=$(basename "$f"); b=${b%%.*}
    px=$(ls "$tmp/px/$b".p?m)
    # row i of the curve table (after its header): v4 bytes, PNG bytes, v4 encode seconds
    set -- $(sed -n "$((i + 1))p" "$tmp/curve" | awk '{ print $2, $3, $5 }')
    t0=$(date +%s.%N); cwebp -quiet -mt -lossless -z 9 "$px" -o "$tmp/x.webp" || exit 1
    t1=$(date +%s.%N); cjxl -d 0 -e 7 --num_threads=2 "$px" "$tmp/x.jxl" > /dev/null 2>&1 || exit 1
    t2=$(date +%s.%N)
    wb=$(stat -c %s "$tmp/x.webp"); jb=$(stat -c %s "$tmp/x.jxl")
    echo "$b $2 $1 $wb $jb $3 $t0 $t1 $t2" | awk '{ printf "%-20.20s %9d %9d %9d %9d %7.3f %7.3f %7.3f %6.2f %6.2f %6.2f\n",
        $1, $2, $3, $4, $5, $3 / $2, $3 / $4, $3 / $5, $6, $8 - $7, $9 - $8 }'
done | tee "$tmp/table"
sort -n -k7 "$tmp/table" | awk '{ r[NR] = $7 } END { printf "median v4/webp %.3f (target <= 1.0)\n", NR % 2 ? r[(NR + 1) / 2] : (r[NR / 2] + r[NR / 2 + 1]) / 2 }'
awk '$6 > 1 { n++ } END { printf "photos above PNG: %d (target 0)\n", n }' "$tmp/table"
set -- "$corpus"/*.png "$corpus"/*.jpg
echo "-- 12 MP mosaic (4000x3000), 2 threads: enc_s / dec_s"
"$eval" -n 1 -t 2 --no-png --mosaic 4000x3000 "$@" || exit 1
