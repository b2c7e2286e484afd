#!/bin/sh
# cli_jpeg4.t — HO4J through the CLI: an explicit --codec-version 4 on a JPEG keeps the JPEG
# (HO4J chunks), all chunks decode to the same bytes, half of them to a JPEG of the picture,
# PNG output gives its pixels; without a version (the store policy) a camera JPEG becomes HO4J
# and a tiny one whose set would outgrow the JPEG + 4 KiB stays binary v4; holo info shows the
# encoder's PSNR estimates; --robust stays within 1.25x and exact; an arithmetic-coded
# JPEG, which HO4J refuses, is still encoded (HOV4 with a version, binary v4 without); the
# output name's format picks JPEG bytes or PNG pixels, and a name decode cannot write is refused.
. "$(dirname "$0")/lib.sh"
plan 38

holo="$HOLO_BIN/holo"
psnr="$HOLO_TOOLS/psnr"
cd "$T"
magic() { head -c 4 "$1/chunk_0000.holo"; }
"$HOLO_TOOLS/mkimage" img.png 320 200 3
"$holo" encode --codec-version 2 -o ref.holo img.png > /dev/null 2>&1
"$holo" decode -o img.jpg ref.holo > /dev/null 2>&1

run "$holo" encode --codec-version 4 -o j.holo img.jpg
is "$rc:$(magic j.holo)" "0:HO4J" "--codec-version 4 on a JPEG writes HO4J chunks"
is "$(ls j.holo | grep -c '^chunk_')" 32 "... 32 of them"
run "$holo" decode -o back.jpg j.holo
is "$rc" 0 "decode to .jpg"
cmp -s img.jpg back.jpg; ok $? "... gives the JPEG back byte for byte"
run "$holo" info j.holo
is "$rc" 0 "holo info reads the set"
like "$out" "320x200" "... and its size"
run "$holo" decode -o back.png j.holo
is "$("$psnr" img.jpg back.png)" inf "decode to .png: the JPEG's pixels"
for i in $(seq 0 2 31); do rm -f j.holo/chunk_$(printf %04d $i).holo; done
run "$holo" decode -o half.jpg j.holo
is "$rc" 0 "half of the chunks decode"
p=$("$psnr" img.jpg half.jpg)
[ "${p%.*}" -ge 24 ] 2> /dev/null; ok $? "... to a JPEG of the picture ($p dB >= 24)"

# one chunk: the thumbnail, still a JPEG of the whole picture
for f in j.holo/chunk_*.holo; do [ "$f" = j.holo/chunk_0001.holo ] || rm -f "$f"; done
run "$holo" decode -o one.jpg j.holo
p=$("$psnr" img.jpg one.jpg)
[ "$rc" = 0 ] && [ "${p%.*}" -ge 12 ] 2> /dev/null; ok $? "one chunk decodes to a JPEG of the picture ($p dB)"
# a damaged byte in one chunk's U: that chunk is left out, the rest still decode
"$holo" encode --codec-version 4 -o k.holo img.jpg > /dev/null 2>&1
f=k.holo/chunk_0005.holo; sz=$(stat -c %s $f)
printf '\001' | dd of=$f bs=1 seek=$((sz - 10)) conv=notrunc 2> /dev/null
run "$holo" decode -o k.jpg k.holo
is "$rc" 0 "a chunk with a damaged byte: decode still succeeds"
cmp -s img.jpg k.jpg; [ $? != 0 ]; ok $? "... not claiming the exact file"
run "$holo" decode --strict -o k2.jpg k.holo
[ "$rc" != 0 ]; ok $? "... and --strict refuses"
# damage in the middle of another chunk (its tier rows): that chunk is avoided for the tiers too
f=k.holo/chunk_0009.holo; sz=$(stat -c %s $f)
printf '\001' | dd of=$f bs=1 seek=$((sz / 2)) conv=notrunc 2> /dev/null
run "$holo" decode -o k3.jpg k.holo
p=$("$psnr" img.jpg k3.jpg)
[ "$rc" = 0 ] && [ "${p%.*}" -ge 30 ] 2> /dev/null; ok $? "two damaged chunks: a JPEG of the picture ($p dB >= 30)"

run "$holo" encode -o d.holo img.jpg
is "$rc:$(magic d.holo)" "0:HO4B" "without a version, a small JPEG whose HO4J set exceeds it + 4 KiB: binary v4"
photo="${HOLO_JPEG_DIR:-$HOME/.cache/holofs/wallpapers}/ColdRipple.jpg"
cp "$photo" photo.jpg 2> /dev/null || echo "# no $photo: run make deps"
run "$holo" encode -o p.holo photo.jpg
is "$rc:$(magic p.holo)" "0:HO4J" "without a version, a camera JPEG: HO4J (the store policy's default)"
[ "$(cat p.holo/chunk_*.holo | wc -c)" -le $(($(stat -c %s photo.jpg) + 4096)) ]
ok $? "... no larger than the JPEG + 4 KiB"
run "$holo" decode -o p.jpg p.holo
cmp -s photo.jpg p.jpg; ok $? "... and decodes to it byte for byte"
run "$holo" info p.holo
q=$(printf '%s\n' "$out" | sed -n 's/^quality: any 1 chunk >= \([0-9]*\)\.[0-9]* dB, any 4 >= [0-9.]* dB, any 16 >= \([0-9]*\)\.[0-9]* dB.*/\1 \2/p')
[ -n "$q" ] && [ "${q% *}" -ge 15 ] && [ "${q#* }" -ge 27 ]
ok $? "holo info shows the encoder's PSNR estimates ($q dB from 1 and 16 chunks)"
run "$holo" encode --robust -o r.holo photo.jpg
is "$rc:$(magic r.holo)" "0:HO4J" "--robust: HO4J"
[ "$(cat r.holo/chunk_*.holo | wc -c)" -le $(($(stat -c %s photo.jpg) * 5 / 4)) ]
ok $? "... no larger than 1.25x the JPEG"
run "$holo" decode -o r.jpg r.holo
cmp -s photo.jpg r.jpg; ok $? "... and decodes to it byte for byte"

# The output name's format decides what a JPEG v4 set is written as, not the set's name: V.holo
# (no extension) as V.png is a PNG of the JPEG's pixels (it used to get the JPEG's bytes); no -o
# or .jpeg gives the JPEG itself; a name of a format decode cannot write is refused up front.
cp -r p.holo V.holo
run "$holo" decode -o V.png V.holo
dims=$(file -b photo.jpg | sed -n 's/.*, \([0-9]*\)x\([0-9]*\),.*/\1 x \2/p')
like "$rc:$(file -b V.png)" "0:PNG image data, $dims," "a JPEG v4 set named V.holo decoded to V.png: a PNG ($dims)"
is "$("$psnr" photo.jpg V.png)" inf "... of the JPEG's pixels"
run "$holo" decode V.holo
cmp -s photo.jpg V_recon.jpg; ok $? "no -o: V_recon.jpg, the JPEG byte for byte"
run "$holo" decode -o V2.JPEG V.holo
cmp -s photo.jpg V2.JPEG; ok $? "-o V2.JPEG: the JPEG byte for byte"
run "$holo" decode -o V.wav V.holo
is "$rc:$err" "2:holo: V.holo: an image set decodes to PNG, JPEG or PPM, not to V.wav (use -o NAME.png, .jpg or .ppm)" \
   "-o V.wav on an image set: a one-line error, exit 2"
[ ! -e V.wav ]; ok $? "... and no file"
# audio: its sets decode to a WAV, never under an image's name
"$HOLO_TOOLS/mkwav" tone.wav 22050 22050 1
for v in 4 3 2; do
    "$holo" encode --codec-version $v -o tone$v.holo tone.wav > /dev/null 2>&1
    run "$holo" decode -o tone$v.png tone$v.holo
    is "$rc:$err" "2:holo: tone$v.holo: an audio set decodes to WAV, not to tone$v.png (use -o NAME.wav)" \
       "-o tone$v.png on an audio v$v set: a one-line error, exit 2"
    [ ! -e tone$v.png ]; ok $? "... and no file"
done
run "$holo" decode -o tone4.wav tone4.holo
cmp -s tone.wav tone4.wav; ok $? "-o tone4.wav on the audio v4 set: the WAV byte for byte"

if command -v cjpeg > /dev/null && "$holo" decode -o img.ppm ref.holo > /dev/null 2>&1 &&
   cjpeg -arithmetic img.ppm > arith.jpg 2> /dev/null; then
    run "$holo" encode --codec-version 4 -o a.holo arith.jpg
    is "$rc:$(magic a.holo)" "0:HOV4" "an arithmetic-coded JPEG falls back to HOV4"
    run "$holo" decode -o a.png a.holo
    is "$("$psnr" arith.jpg a.png)" inf "... exact to its pixels"
    run "$holo" encode -o b.holo arith.jpg
    is "$rc:$(magic b.holo)" "0:HO4B" "... and without a version it is kept as binary v4"
else
    skip "no cjpeg -arithmetic"
    skip "no cjpeg -arithmetic"
    skip "no cjpeg -arithmetic"
fi
exit $_failed
