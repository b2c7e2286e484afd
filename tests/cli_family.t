#!/bin/sh
# cli_family.t — the rest of the format family through the holo tool: v3 with recovery chunks,
# HOPK containers (pack/unpack), prefer-gain ordering.
. "$(dirname "$0")/lib.sh"
plan 20

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

# --- prefer-gain: the manifest's order picks the chunks with the most detail first (v2's scores)
run "$holo" encode --codec-version 2 -b 16 -o g.holo img.png
run "$holo" decode --prefer-gain --max-chunks 4 -o gain.png g.holo
pg=$("$HOLO_TOOLS/psnr" img.png gain.png)
run "$holo" decode --max-chunks 4 -o plain.png g.holo
pp=$("$HOLO_TOOLS/psnr" img.png plain.png)
awk -v a="$pg" -v b="$pp" 'BEGIN { exit !(a >= b) }'
ok $? "prefer-gain with 4 chunks is at least as good as name order ($pg vs $pp dB)"

# --- recovery for v2 images and binaries (our extension), reported by info
run "$holo" encode --codec-version 2 -b 8 --recovery 0.25 -o r.holo img.png
rm r.holo/chunk_0001.holo r.holo/chunk_0006.holo
run "$holo" info r.holo
like "$out" "enough to rebuild the missing chunks" "info says recovery can fill two missing chunks"
run "$holo" decode -o r.png r.holo
is "$("$HOLO_TOOLS/psnr" img.png r.png)" "inf" "v2 image rebuilt exactly from recovery chunks"

# --- stacking
for i in 1 2 3; do "$HOLO_TOOLS/mkimage" "f$i.png" 40 30 "$i"; done
run "$holo" stack -b 4 -o st.holo f1.png f2.png f3.png
is "$rc" 0 "stack three frames into one encoding"
run "$holo" stack --holo -o mean.png st.holo r.holo
like "$err" "cannot" "stacking captures of different geometry is refused"
run "$holo" stack -o bad.holo f1.png img.png
like "$err" "img.png: frame is 64x64 but f1.png is 40x30" "a frame of another size is named in the error"
[ ! -e bad.holo ]
ok $? "a failed stack leaves no output"
