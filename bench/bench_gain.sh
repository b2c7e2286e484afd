#!/bin/sh
# bench_gain.sh — what gain order buys: PSNR (dB, against the case's full decode decoded_all.png)
# after decoding only the first N chunks, in name order and with --prefer-gain (manifest.json's
# ordered_chunks), for N = 1, 2, 4 and half the blocks, on the reference image vectors that carry
# a manifest. Needs HOLO_BIN and HOLO_TOOLS (psnr); vectors from HOLO_VECTORS.
BIN=${HOLO_BIN:-bin}; TOOLS=${HOLO_TOOLS:-build/tools}
V=${HOLO_VECTORS:-../shared/vectors}
if [ ! -x "$BIN/holo" ] || [ ! -x "$TOOLS/psnr" ] || [ ! -d "$V/formats/cases" ]; then
    echo "bench_gain: skipped (holo, psnr or vectors missing)"; exit 0; fi
T=$(mktemp -d /tmp/bench_gain.XXXXXX)
trap 'rm -rf "$T"' EXIT INT TERM
printf '%-40s %3s %4s  %9s %9s %7s\n' case B N name gain delta
for c in "$V"/formats/cases/image_v2_* "$V"/formats/cases/image_v3_*; do
    [ -f "$c/chunks/manifest.json" ] && [ -f "$c/decoded_all.png" ] || continue
    B=$(ls "$c/chunks" | grep -c '^chunk_.*\.holo$')
    [ "$B" -ge 2 ] || continue
    for N in 1 2 4 $((B / 2)); do
        [ "$N" -lt "$B" ] && [ "$N" -ge 1 ] || continue
        case " $seen " in *" $N "*) continue ;; esac
        seen="$seen $N"
        "$BIN/holo" decode -o "$T/n.png" --max-chunks "$N" "$c/chunks" >/dev/null 2>&1 &&
            pn=$("$TOOLS/psnr" "$T/n.png" "$c/decoded_all.png") || pn=fail
        "$BIN/holo" decode -o "$T/g.png" --max-chunks "$N" --prefer-gain "$c/chunks" >/dev/null 2>&1 &&
            pg=$("$TOOLS/psnr" "$T/g.png" "$c/decoded_all.png") || pg=fail
        d=$(awk -v a="$pn" -v b="$pg" 'BEGIN { if (a ~ /^[0-9.]+$/ && b ~ /^[0-9.]+$/) printf "%+.2f", b - a; else print "-" }')
        printf '%-40s %3s %4s  %9s %9s %7s\n' "$(basename "$c")" "$B" "$N" "$pn" "$pg" "$d"
    done
    seen=""
done
