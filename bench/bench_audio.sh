#!/bin/sh
# bench_audio.sh — audio (HOAU v2) and binary (HOBI) throughput: library timings with 1 and 2
# threads beside memcpy (bench_audio.c), then the same through the holo CLI (-j N) beside cp.
# Sizes: BENCH_AUDIO_SECONDS (default 300 s of stereo 44.1 kHz) and BENCH_BIN_MB (default 100).
secs=${BENCH_AUDIO_SECONDS:-300}
mb=${BENCH_BIN_MB:-100}
prog=$HOLO_BENCH/bench_audio
holo=$HOLO_BIN/holo
[ -x "$prog" ] || { echo "bench_audio: $prog not built" >&2; exit 1; }
"$prog" "$secs" "$mb" || exit 1

[ -x "$holo" ] || { echo "bench_audio: no $holo, CLI table skipped" >&2; exit 0; }
tmp=$(mktemp -d /tmp/bench_audio_sh.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT
"$prog" --gen "$tmp" "$secs" "$mb" || exit 1

secs_of() { s=$(date +%s.%N); "$@" >/dev/null 2>&1 || echo "failed: $*" >&2; e=$(date +%s.%N)
            echo "$s $e" | awk '{printf "%.4f", $2 - $1}'; }
mbs() { awk -v b="$1" -v s="$2" 'BEGIN { if (s > 0) printf "%7.1f MB/s", b / 1e6 / s; else print "-" }'; }
printf '\n%-34s %10s %12s %12s %14s\n' "CLI (holo, whole process)" "threads" "encode" "decode" "chunk bytes"
for f in in.wav in.bin; do
    size=$(wc -c < "$tmp/$f")
    for j in 1 2; do
        rm -rf "$tmp/$f.holo" "$tmp/out"
        te=$(secs_of "$holo" encode --pixels -j $j -o "$tmp/$f.holo" "$tmp/$f")
        td=$(secs_of "$holo" decode -j $j -o "$tmp/out" "$tmp/$f.holo")
        cb=$(cat "$tmp/$f.holo"/chunk_*.holo | wc -c)
        printf '%-34s %10s %12s %12s %14s\n' "$f ($((size / 1000000)) MB)" $j "$(mbs "$size" "$te")" "$(mbs "$size" "$td")" \
            "$cb ($(awk -v c="$cb" -v s="$size" 'BEGIN { printf "%.2fx", c / s }'))"
    done
    tc=$(secs_of cp "$tmp/$f" "$tmp/copy")
    printf '%-34s %10s %12s\n' "  baseline: cp" 1 "$(mbs "$size" "$tc")"
    rm -rf "$tmp/copy" "$tmp/out" "$tmp/$f.holo"
done
