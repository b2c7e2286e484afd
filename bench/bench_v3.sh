#!/bin/sh
# bench_v3.sh — v3 (DCT / STFT) encode and decode speed through the holo tool, beside v2 of the
# same inputs: a generated 2000x1500 photo and 60 s of stereo 44.1 kHz audio. MB/s of the
# input's raw samples; chunk bytes as a fraction of the raw size.
: "${HOLO_BIN:?}" "${HOLO_TOOLS:?}"
T=$(mktemp -d "${TMPDIR:-/tmp}/holo-bench-v3.XXXXXX")
trap 'rm -rf "$T"' EXIT
"$HOLO_TOOLS/mkimage" "$T/img.png" 2000 1500 9
"$HOLO_TOOLS/mkwav" "$T/snd.wav" 2646000 44100 2
now() { date +%s.%N; }
printf '%-26s %8s %12s %12s %12s %9s\n' input version encode decode "chunk bytes" "PSNR dB"
for in in img.png snd.wav; do
    case $in in img.png) raw=$((2000 * 1500 * 3)); out=o.png ;; *) raw=$((2646000 * 4)); out=o.wav ;; esac
    for v in 2 3; do
        rm -rf "$T/d.holo"
        t0=$(now); "$HOLO_BIN/holo" encode -j 2 --codec-version $v -o "$T/d.holo" "$T/$in" || exit 1
        t1=$(now); "$HOLO_BIN/holo" decode -j 2 -o "$T/$out" "$T/d.holo" || exit 1
        t2=$(now)
        bytes=$(cat "$T"/d.holo/chunk_*.holo | wc -c)
        q=-
        [ "$in" = img.png ] && q=$("$HOLO_TOOLS/psnr" "$T/$in" "$T/$out")
        awk -v n="$in" -v v="$v" -v r="$raw" -v a="$t0" -v b="$t1" -v c="$t2" -v by="$bytes" -v q="$q" \
            'BEGIN { printf "%-26s %8s %7.1f MB/s %7.1f MB/s %12.3f %9s\n", n, "v" v, r / 1e6 / (b - a), r / 1e6 / (c - b), by / r, q }'
    done
done
