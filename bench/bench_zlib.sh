#!/bin/sh
# bench_zlib.sh — why the residual deflate level defaults to 4: chunk bytes and encode time at
# each level against the reference's level 9, on the reference's real photo (flower, 320x320)
# and a 2000x1500 generated photo. Target: bytes within 2% of level 9.
: "${HOLO_BIN:?}" "${HOLO_TOOLS:?}"
V=${HOLO_VECTORS:-$(cd "$(dirname "$0")/../.." && pwd)/shared/vectors}
T=$(mktemp -d "${TMPDIR:-/tmp}/holo-bench-zlib.XXXXXX")
trap 'rm -rf "$T"' EXIT
"$HOLO_TOOLS/mkimage" "$T/gen.png" 2000 1500 5
inputs="$T/gen.png"
[ -f "$V/formats/inputs/flower_320x320.png" ] && inputs="$V/formats/inputs/flower_320x320.png $inputs"
now() { date +%s.%N; }
printf '%-22s %5s %12s %10s %9s %9s\n' image level "chunk bytes" "vs lvl 9" "seconds" "vs lvl 9"
for img in $inputs; do
    base_b=; base_t=
    for level in 9 6 4 3 1; do
        rm -rf "$T/o.holo"
        t0=$(now)
        "$HOLO_BIN/holo" encode -j 2 --zlib-level $level -o "$T/o.holo" "$img" || exit 1
        t1=$(now)
        bytes=$(cat "$T"/o.holo/chunk_*.holo | wc -c)
        secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')
        [ -z "$base_b" ] && base_b=$bytes && base_t=$secs
        awk -v n="$(basename "$img")" -v l="$level" -v b="$bytes" -v bb="$base_b" -v s="$secs" -v bt="$base_t" \
            'BEGIN { printf "%-22s %5s %12s %10.4f %9.3f %9.2fx\n", n, l, b, b / bb, s, bt / s }'
    done
done
echo "(default level: 4; 'vs lvl 9' seconds column is the speed-up)"
