#!/bin/sh
# demo.sh — `make demo`: the main job on a sample it creates. Encode a photo-like image into
# 32 chunks, lose half of them, decode what is left, and show the quality at each step; then
# (when present) the mount demo and the lossy-link demo.
set -e
cd "$(dirname "$0")/.."
: "${HOLO_BIN:=$PWD/bin}" "${HOLO_TOOLS:=$PWD/build/tools}"
export HOLO_BIN HOLO_TOOLS
D=${HOLO_DEMO_DIR:-$(mktemp -d /tmp/holo-demo.XXXXXX)}
mkdir -p "$D"
echo "demo directory: $D"
"$HOLO_TOOLS/mkimage" "$D/photo.png" 1024 768 7
echo "1. encode a 1024x768 photo-like PNG into 32 chunks"
"$HOLO_BIN/holo" encode --pixels -b 32 "$D/photo.png"   # pixels: partial sets decode to pictures
"$HOLO_BIN/holo" info "$D/photo.png.holo" | sed 's/^/   /'
echo "2. lose chunks and decode what is left"
for keep in 1 2 4 8 12 16 24 32; do
    rm -rf "$D/part.holo"; mkdir "$D/part.holo"
    # keep every (32/keep)-th chunk: a spread-out subset, as a lossy link would leave
    i=0
    for c in "$D"/photo.png.holo/chunk_*.holo; do
        [ $((i * keep % 32)) -lt "$keep" ] && cp "$c" "$D/part.holo/"
        i=$((i + 1))
    done
    "$HOLO_BIN/holo" decode --force -o "$D/part_$keep.png" "$D/part.holo" 2>/dev/null
    n=$(ls "$D/part.holo" | wc -l)
    printf '   %2d of 32 chunks -> %s dB PSNR (%s)\n' "$n" "$("$HOLO_TOOLS/psnr" "$D/photo.png" "$D/part_$keep.png")" "$D/part_$keep.png"
done
echo "   (inf = identical to the original: every chunk gives it back exactly)"
[ -x demo/fs_demo.sh ] && [ -x "$HOLO_BIN/holofs" ] && sh demo/fs_demo.sh "$D"
[ -x demo/net_demo.sh ] && [ -x "$HOLO_BIN/holonet" ] && sh demo/net_demo.sh "$D"
echo "done: files are in $D"
