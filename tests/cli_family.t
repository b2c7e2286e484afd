#!/bin/sh
# cli_family.t — the rest of the format family through the holo tool: v3 with recovery chunks,
# HOPK containers (pack/unpack), prefer-gain ordering.
. "$(dirname "$0")/lib.sh"
plan 14

holo="$HOLO_BIN/holo"
cd "$T"
cp "$HOLO_VECTORS/formats/inputs/img_64x64.png" img.png
cp "$HOLO_VECTORS/formats/inputs/aud_stereo16_16000.wav" aud.wav

# --- v3 image with recovery chunks: losing chunks costs nothing while recovery covers them
run "$holo" encode --codec-version 3 -b 8 --recovery 0.25 img.png
is "$rc" 0 "v3 encode with --recovery 0.25"
is "$(ls img.png.holo | grep -c '^recovery_')" 2 "two recovery chunks for B=8"
run "$holo" decode -o full.png img.png.holo
full=$("$HOLO_TOOLS/psnr" img.png full.png)
rm img.png.holo/chunk_0002.holo img.png.holo/chunk_0005.holo
run "$holo" info img.png.holo
like "$out" "6 present, 2 missing" "info sees the missing chunks"
run "$holo" decode -o rec.png img.png.holo
is "$("$HOLO_TOOLS/psnr" full.png rec.png)" "inf" "two lost chunks are rebuilt exactly from recovery"
run "$holo" decode --no-recovery -o norec.png img.png.holo
p=$("$HOLO_TOOLS/psnr" full.png norec.png)
[ "$p" != inf ]
ok $? "--no-recovery leaves them missing ($p dB)"
case "$full" in inf) ok 1 "v3 is lossy" ;; *) ok 0 "v3 is lossy but close ($full dB)" ;; esac

# --- HOPK container
run "$holo" pack -b 6 -o set.holo img.png aud.wav
is "$rc" 0 "pack an image and a WAV"
run "$holo" info set.holo
like "$out" "HOPK container, 2 objects" "info describes the container"
mkdir out
run "$holo" unpack -o out set.holo
is "$rc" 0 "unpack every object"
is "$("$HOLO_TOOLS/psnr" img.png out/obj_0000.png)" "inf" "the image comes back exactly"
cmp -s aud.wav out/obj_0001.wav
ok $? "the WAV comes back exactly"
rm set.holo/chunk_0000.holo set.holo/chunk_0003.holo
run "$holo" unpack -o out set.holo
is "$rc" 0 "unpack from a partial chunk set"
run "$holo" decode set.holo
like "$err" "use holo unpack" "decode points containers to unpack"

# --- prefer-gain: the manifest's order picks the chunks with the most detail first
run "$holo" encode -b 16 -o g.holo img.png
run "$holo" decode --prefer-gain --max-chunks 4 -o gain.png g.holo
pg=$("$HOLO_TOOLS/psnr" img.png gain.png)
run "$holo" decode --max-chunks 4 -o plain.png g.holo
pp=$("$HOLO_TOOLS/psnr" img.png plain.png)
awk -v a="$pg" -v b="$pp" 'BEGIN { exit !(a >= b) }'
ok $? "prefer-gain with 4 chunks is at least as good as name order ($pg vs $pp dB)"
