#!/bin/sh
# cli_version.t — which codec version `holo encode` and `holo stack` pick: with --pixels images
# are v4 (HOV4 chunks, exact round trip, PNG/PPM/JPEG inputs) and audio v2; binaries are binary
# v4 (without options the store policy decides, cli_store.t); an explicit --codec-version wins; options that only the v1/v2 image format honours (-k, --coarse-side,
# --zlib-level, --recovery, -b above 255) select v2 when no version is given and are a one-line
# usage error (exit 2, nothing written) with an explicit --codec-version 4; v4-only options
# (--lossy, --psnr, --bytes) are refused with another version or beside a v2-only option.
. "$(dirname "$0")/lib.sh"
plan 55

holo="$HOLO_BIN/holo"
psnr="$HOLO_TOOLS/psnr"
cd "$T"
"$HOLO_TOOLS/mkimage" img.png 40 30 4
"$HOLO_TOOLS/mkwav" snd.wav 3000 8000 1
head -c 5000 /dev/urandom > data.bin
# magic of the first chunk file of a directory
magic() { head -c 4 "$1/chunk_0000.holo"; }
# first line of holo info, without the directory name
info1() { "$holo" info "$1" 2> /dev/null | head -1 | sed 's/^[^:]*: //'; }
# nothing but the inputs in the working directory (no output, no hidden temporary)
clean() { [ -z "$(ls -A | grep -v '^img\.png$\|^snd\.wav$\|^data\.bin$\|^img\.ppm$\|^img\.jpg$\|^ref\.holo$\|^f[123]\.png$')" ]; }

# ---- defaults: the store policy keeps the bytes (cli_store.t); --pixels is the old rule ----
run "$holo" encode --pixels img.png
is "$rc" 0 "encode a PNG with --pixels"
is "$(magic img.png.holo)" HOV4 "... writes HOV4 chunks"
is "$(info1 img.png.holo)" "image, codec v4, 40x30 RGB, 32 blocks" "... holo info: image, codec v4, 32 blocks"
"$holo" decode -o back.png img.png.holo > /dev/null 2>&1
is "$("$psnr" img.png back.png)" inf "... and decodes back exactly"
"$holo" info --json img.png.holo > j.json 2>&1
grep -q '"codec_version": 4' j.json; ok $? "... info --json says codec_version 4"
"$holo" encode --codec-version 2 -o ref.holo img.png > /dev/null 2>&1
"$holo" decode -o img.ppm ref.holo > /dev/null 2>&1
"$holo" decode -o img.jpg ref.holo > /dev/null 2>&1
run "$holo" encode --pixels -o ppm.holo img.ppm
is "$rc:$(magic ppm.holo)" "0:HOV4" "a PPM input with --pixels: v4 too"
"$holo" decode -o ppm_back.png ppm.holo > /dev/null 2>&1
is "$("$psnr" img.ppm ppm_back.png)" inf "... exact"
run "$holo" encode --pixels -o jpg.holo img.jpg
is "$rc:$(magic jpg.holo)" "0:HOV4" "a JPEG input with --pixels: v4 too"
"$holo" decode -o jpg_back.png jpg.holo > /dev/null 2>&1
is "$("$psnr" img.jpg jpg_back.png)" inf "... exact (to the decoded JPEG pixels)"
cp img.png noext
run "$holo" encode --pixels -o noext.holo noext
is "$(magic noext.holo)" HOV4 "a PNG recognised by its magic bytes, --pixels: v4"
rm -rf noext noext.holo
run "$holo" encode --pixels snd.wav
is "$rc:$(magic snd.wav.holo)" "0:HOAU" "a WAV with --pixels: v2 (HOAU chunks)"
like "$(info1 snd.wav.holo)" "audio, codec v2" "... holo info: audio, codec v2"
run "$holo" encode data.bin
is "$rc:$(magic data.bin.holo)" "0:HO4B" "a binary with no options: binary v4 (HO4B chunks)"
like "$(info1 data.bin.holo)" "binary, codec binary v4" "... holo info: binary, codec binary v4"
run "$holo" encode --pixels -b 8 -o b8.holo img.png
is "$(info1 b8.holo)" "image, codec v4, 40x30 RGB, 8 blocks" "--pixels -b 8 keeps v4 with 8 chunks"
run "$holo" encode --pixels -b 255 -o b255.holo img.png
like "$(info1 b255.holo)" "codec v4, 40x30 RGB, 255 blocks" "--pixels -b 255 is still v4"
rm -rf img.png.holo snd.wav.holo data.bin.holo j.json back.png ppm.holo ppm_back.png jpg.holo \
       jpg_back.png b8.holo b255.holo

# ---- explicit versions ----------------------------------------------------------------------
for v in 1 2; do
    run "$holo" encode --codec-version $v -o v$v.holo img.png
    is "$rc:$(magic v$v.holo)" "0:HOCH" "--codec-version $v writes HOCH chunks"
    like "$(info1 v$v.holo)" "image, codec v$v," "... holo info says v$v"
    rm -rf v$v.holo
done
run "$holo" encode --codec-version 3 -o v3.holo img.png
like "$rc $(info1 v3.holo)" "0 image, codec v3," "--codec-version 3 still works"
run "$holo" encode --codec-version 4 -o v4.holo snd.wav
is "$rc:$(magic v4.holo)" "0:HO4A" "--codec-version 4 on audio writes HO4A"
rm -rf v3.holo v4.holo

# ---- v1/v2-only options without a version select v2 -------------------------------------
for opt in "-k 1" "--coarse-side 8" "--coarse-side 16" "--zlib-level 9" "--recovery 0.25" "-b 300"; do
    run "$holo" encode $opt -o o.holo img.png
    like "$rc $(info1 o.holo)" "0 image, codec v2," "encode $opt (no version): v2, so the option keeps its meaning"
    rm -rf o.holo
done
run "$holo" img.png 1
like "$rc $(info1 img.png.holo)" "0 image, codec v2," "the reference's short form 'holo FILE KB' writes v2"
rm -rf img.png.holo
run "$holo" encode --recovery 0.25 -b 8 -o r.holo img.png
is "$(ls r.holo | grep -c '^recovery_')" 2 "--recovery without a version gets its recovery chunks"
rm -rf r.holo

# ---- ... and are a usage error with --codec-version 4 ----------------------------------------
for opt in "-k 1" "--coarse-side 8" "--zlib-level 9" "--recovery 0.25" "-b 300"; do
    run "$holo" encode --codec-version 4 $opt img.png
    name=${opt% *}; [ "$opt" = "-b 300" ] && name="-b above 255"
    is "$rc:$(echo "$err" | wc -l | tr -d ' ')" "2:1" "--codec-version 4 $opt: exit 2, one line"
    like "$err" "$name has no meaning for --codec-version 4" "... naming the option"
done
clean; ok $? "the refused encodes wrote nothing"
run "$holo" encode --codec-version 4 -k 1 -o k.holo snd.wav
is "$rc" "1" "--codec-version 4 -k on audio: refused (HO4A takes -b)"
like "$err" "-k has no meaning for audio v4" "... naming -k"
rm -rf k.holo

# ---- v4-only options ----------------------------------------------------------------------
run "$holo" encode --lossy -o l.holo img.png
like "$rc $(info1 l.holo)" "0 image, codec v4," "--lossy without a version: v4"
rm -rf l.holo
run "$holo" encode --codec-version 2 --psnr 30 img.png
is "$rc" 2 "--psnr with --codec-version 2: usage error"
like "$err" "--psnr needs --codec-version 4" "... naming the option"
run "$holo" encode --lossy -k 4 img.png
is "$rc" 2 "--lossy beside -k (no version): usage error"
like "$err" "-k needs the v1/v2 image format and --lossy the v4 one" "... naming both"
clean; ok $? "... nothing written"

# ---- stack ----------------------------------------------------------------------------------
for i in 1 2 3; do "$HOLO_TOOLS/mkimage" "f$i.png" 24 16 "$i"; done
run "$holo" stack -b 4 -o st.holo f1.png f2.png f3.png
like "$rc $(info1 st.holo)" "0 image, codec v4, 24x16 RGB, 4 blocks" "stack: the mean is encoded as v4 by default"
run "$holo" stack -k 1 -o st2.holo f1.png f2.png f3.png
like "$rc $(info1 st2.holo)" "0 image, codec v2," "stack -k (no version): v2"
run "$holo" stack --codec-version 2 -b 4 -o st3.holo f1.png f2.png f3.png
like "$rc $(info1 st3.holo)" "0 image, codec v2, 24x16 RGB, 4 blocks" "stack --codec-version 2"
run "$holo" stack --codec-version 4 -k 1 -o st4.holo f1.png f2.png f3.png
is "$rc" 2 "stack --codec-version 4 -k: usage error"
[ ! -e st4.holo ]; ok $? "... nothing written"
run "$holo" stack --holo -o mean.png st.holo st3.holo
is "$rc" 0 "stack --holo mixes a v4 and a v2 capture of one scene"
exit $_failed
