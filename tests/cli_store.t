#!/bin/sh
# cli_store.t — the store policy (holo(1) "STORE POLICY"): `holo encode` without a version keeps
# the user's bytes. For every kind of file: encode, decode, cmp with the original, the codec
# holo info names, and what the store costs. --pixels keeps the old behaviour; decode never
# overwrites without --force; a recipe that does not re-create the file is caught.
. "$(dirname "$0")/lib.sh"
command -v python3 > /dev/null || bail_out "python3 not installed (make deps installs it; tests/tools/mkstore.py writes the test files)"
plan 87

holo="$HOLO_BIN/holo"
mk="python3 $(cd "$(dirname "$0")" && pwd)/tools/mkstore.py"
cd "$T"

# store bytes of a chunk directory
bytes_of() { cat "$1"/* | wc -c | tr -d ' '; }
codec_of() { "$holo" info "$1" 2> /dev/null | sed -n 's/^codec: //p'; }
# roundtrip FILE CODEC|either: encode with no options, decode to the default name, cmp (one test),
# then the codec holo info names (one test). Sets store (bytes) and size (of FILE).
roundtrip() {
    f=$1
    back=$(echo "$f" | sed 's/\(\.[^.]*\)$/_recon\1/')
    "$holo" encode "$f" > /dev/null 2> "$f.err"; erc=$?
    "$holo" decode "$f.holo" > /dev/null 2>> "$f.err"; drc=$?
    same=$(cmp -s "$f" "$back" && echo same)
    is "$erc:$drc:$same" "0:0:same" "$f: encode, decode, the same bytes back $(head -c 200 "$f.err")"
    c=$(codec_of "$f.holo")
    if [ "$2" = either ]; then   # PNGs of other writers: whichever store is smaller
        case "$c" in "binary v4"|"v4 image + PNG recipe") r=0 ;; *) r=1 ;; esac
        ok $r "$f: codec is binary v4 or a recipe image ($c)"
    elif [ "$2" = audio_or_binary ]; then   # near the size rule: either, within_1pct decides
        case "$c" in "binary v4"|"audio v4") r=0 ;; *) r=1 ;; esac
        ok $r "$f: codec is audio v4 or binary v4 ($c)"
    else
        is "$c" "$2" "$f: holo info says codec: $2"
    fi
    store=$(bytes_of "$f.holo"); size=$(wc -c < "$f" | tr -d ' ')
}
# the bound for compressed and random files: file size + 1% + 4 KiB
within_1pct() { [ "$store" -le $((size + size / 100 + 4096)) ]; ok $? "$1: store $store <= $size + 1% + 4 KiB"; }
within_own() { [ "$store" -le "$size" ]; ok $? "$1: store $store <= its own size $size"; }

"$HOLO_TOOLS/mkimage" photo.ppm 256 192 5

# ---- WAV: audio v4 (HO4A), verified byte for byte (v2 audio dropped chunks, clipped) --------
# the synthetic noise of mkstore.py: a WAV takes one HO4A chunk per 4 KiB (1 to 32), and noise
# whose default set outgrows the size rule (file + 1% + 4 KiB) takes the compact profile (any
# half of the chunks): deep.wav (48 KB of 24-bit noise) is 11 compact chunks; list.wav is
# within 2% of the bound; loud.wav fits it
$mk wav list.wav 16000 2 16 24000 quiet list
roundtrip list.wav audio_or_binary; within_1pct list.wav
$mk wav deep.wav 8000 1 24 16000 quiet plain
roundtrip deep.wav "audio v4"; within_1pct deep.wav
is "$("$holo" info deep.wav.holo | sed -n '1s/.* \([0-9]*\) blocks$/\1/p')" 11 "deep.wav: 11 chunks, one per 4 KiB"
$mk wav loud.wav 8000 1 16 16000 loud plain
roundtrip loud.wav "audio v4"; within_1pct loud.wav
espeak-ng -w speech.wav "Any half of the chunks plays the whole recording, a little noisier." 2> /dev/null
roundtrip speech.wav "audio v4"; within_own speech.wav
# FLAC: no recipe re-creates a FLAC file (holo(1)), so it keeps its bytes in binary v4
flac -8 -s -f -o speech.flac speech.wav 2> /dev/null
roundtrip speech.flac "binary v4"; within_1pct speech.flac
if command -v sox > /dev/null; then
    sox -n -r 22050 -c 2 -b 16 sox.wav synth 0.5 sine 440 sine 660 2> /dev/null
    roundtrip sox.wav "audio v4"; within_own sox.wav
    # 0.05 s (1.6 KB): one chunk, which fits the size rule (32 chunks were 12 KB)
    sox -n -r 16000 -c 1 -b 16 short.wav synth 0.05 sine 440 vol 0.5 2> /dev/null
    roundtrip short.wav "audio v4"; within_1pct short.wav
    # above 64 MiB the encoder's memory (~13x the file) is not spent: binary v4
    sox -n -r 44100 -c 2 -b 16 big.wav synth 381 sine 440 2> /dev/null
    roundtrip big.wav "binary v4"; within_own big.wav; rm -rf big.wav big.wav.holo big_recon.wav
else
    for i in 1 2 3 4 5 6 7 8 9; do skip "sox not installed"; done
fi

# ---- PNG: a verified recipe image when smaller than binary v4, else binary v4 ---------------
# zlib level 1, no filter (134 KB): weakly compressed, so the recipe image (98 KB) wins
$mk png z1.png photo.ppm 1 0
roundtrip z1.png "v4 image + PNG recipe"; within_own z1.png
$mk png z9.png photo.ppm 9 0
roundtrip z9.png "v4 image + PNG recipe"; within_own z9.png
cp "$HOLO_VECTORS/formats/inputs/img_37x23.png" tiny.png
roundtrip tiny.png "binary v4"; within_1pct tiny.png
"$holo" encode --pixels -o px.holo photo.ppm > /dev/null 2>&1
"$holo" decode -o lib.png px.holo > /dev/null 2>&1   # the library's own PNG writer
roundtrip lib.png either; within_1pct lib.png
if command -v convert > /dev/null; then
    convert photo.ppm im.png 2> /dev/null
    roundtrip im.png either; within_1pct im.png
else
    skip "convert (ImageMagick) not installed"; skip "convert (ImageMagick) not installed"
    skip "convert (ImageMagick) not installed"
fi

# ---- PPM / PGM: header recipe ----------------------------------------------------------------
roundtrip photo.ppm "v4 image + PNM recipe"; within_own photo.ppm
$mk pgm grey.pgm photo.ppm
roundtrip grey.pgm "v4 image + PNM recipe"; within_own grey.pgm

# ---- compressed and unknown: binary v4, about the file's size -------------------------------
if command -v cjpeg > /dev/null; then
    cjpeg -quality 85 photo.ppm > photo.jpg
    roundtrip photo.jpg "binary v4"; within_1pct photo.jpg
else
    skip "cjpeg (libjpeg-turbo-progs) not installed"; skip "cjpeg (libjpeg-turbo-progs) not installed"
    skip "cjpeg (libjpeg-turbo-progs) not installed"
fi
$mk ogg crafted.ogg
roundtrip crafted.ogg "binary v4"; within_1pct crafted.ogg
if command -v oggenc > /dev/null; then
    oggenc -Q -o vorbis.ogg list.wav
    roundtrip vorbis.ogg "binary v4"; within_1pct vorbis.ogg
else
    skip "oggenc (vorbis-tools) not installed"; skip "oggenc (vorbis-tools) not installed"
    skip "oggenc (vorbis-tools) not installed"
fi
gzip -9 -c photo.ppm > photo.ppm.gz
roundtrip photo.ppm.gz "binary v4"; within_1pct photo.ppm.gz
head -c 100000 /dev/urandom > noise.bin
roundtrip noise.bin "binary v4"; within_1pct noise.bin
: > empty.bin
roundtrip empty.bin "binary v4"
printf 'x' > one.bin
roundtrip one.bin "binary v4"

# ---- content decides, not the name ------------------------------------------------------------
cp z1.png disguised.dat
"$holo" encode disguised.dat > /dev/null 2>&1
is "$(codec_of disguised.dat.holo)" "v4 image + PNG recipe" "a PNG named .dat: sniffed, recipe image"
cp noise.bin noise.png
"$holo" encode noise.png > /dev/null 2>&1
is "$(codec_of noise.png.holo)" "binary v4" "noise named .png: binary v4"

# ---- --pixels: the old behaviour ------------------------------------------------------------
run "$holo" encode --pixels -o zpx.holo z1.png
is "$rc:$(codec_of zpx.holo)" "0:v4 image" "--pixels on a PNG: v4 image of the pixels"
"$holo" decode -o zpx.png zpx.holo > /dev/null 2>&1
is "$("$HOLO_TOOLS/psnr" z1.png zpx.png):$(cmp -s z1.png zpx.png && echo same)" "inf:" \
   "... decodes to the same pixels in other bytes (a canonical PNG)"
run "$holo" encode --pixels -o wpx.holo list.wav
is "$rc:$(codec_of wpx.holo)" "0:v2 audio" "--pixels on a WAV: v2 audio"
"$holo" decode -o wpx.wav wpx.holo > /dev/null 2>&1
cmp -s list.wav wpx.wav; is "$?" 1 "... whose decode is not the file (the LIST chunk is gone)"
"$holo" encode --pixels -o lpx.holo loud.wav > /dev/null 2>&1
"$holo" decode -o lpx.wav lpx.holo > /dev/null 2>&1
cmp -s loud.wav lpx.wav; is "$?" 1 "--pixels on a loud WAV: v2 audio clips it (why WAVs are stored as bytes)"
run "$holo" info list.wav.holo
like "$out" "exact bytes: unverified" "info: a binary v4 store, exact bytes unverified without --verify"
run "$holo" info --json z1.png.holo
like "$out" '"codec": "v4 image + PNG recipe",' "info --json names the codec"
run "$holo" info wpx.holo
like "$out" "exact bytes: no" "info: a v2 audio store does not hold the bytes"

# ---- --force ----------------------------------------------------------------------------------
printf 'keep me' > z1_recon.png
run "$holo" decode z1.png.holo
is "$rc" 1 "decode onto an existing file: exit 1"
like "$err" "z1_recon.png exists (use --force)" "... names it and says --force"
is "$(cat z1_recon.png)" "keep me" "... and leaves it alone"
run "$holo" decode --force z1.png.holo
is "$rc:$(cmp -s z1.png z1_recon.png && echo same)" "0:same" "--force replaces it with the original bytes"
run "$holo" decode -o z1_recon.png noise.bin.holo
like "$rc:$err" "1:holo: z1_recon.png exists (use --force)" "binary v4 (streamed) decode refuses too"

# ---- partial and corrupt recipe sets ------------------------------------------------------------
mkdir part.holo && cp z1.png.holo/chunk_000[0-9].holo z1.png.holo/chunk_001[0-9].holo part.holo/
run "$holo" decode -o part.png part.holo
is "$rc:$(cmp -s z1.png part.png && echo same)" "0:" "a partial recipe set decodes to a pixel view"
run "$holo" info part.holo
like "$out" "exact bytes: no, chunks are missing" "... and info says the bytes are not there"
run "$holo" info --verify z1.png.holo
like "$out" "exact bytes: yes" "info --verify re-creates a complete recipe set and checks it"
# A recorded SHA-256 that does not match: flip one byte of it in every chunk and re-seal the
# CRC, so only the recipe check can notice.
cp -r z1.png.holo sha.holo
python3 - sha.holo <<'EOF'
import os, sys, zlib
d = sys.argv[1]
for n in os.listdir(d):
    p = os.path.join(d, n); b = bytearray(open(p, 'rb').read())
    t0 = 50 + 4 * (b[28] - 1)           # the header ends with the lengths of levels 1..np-1
    b[t0 + 8] ^= 1                      # first SHA-256 byte of the T0 prefix
    b[46:50] = b'\0\0\0\0'
    b[46:50] = zlib.crc32(bytes(b)).to_bytes(4, 'big')
    open(p, 'wb').write(bytes(b))
EOF
run "$holo" decode -o sha.png sha.holo
is "$rc:$(cmp -s z1.png sha.png && echo same)" "0:" "a recipe that fails its SHA-256: the pixel view, not wrong bytes"
like "$err" "did not re-create the original file" "... with a warning"
is "$("$HOLO_TOOLS/psnr" z1.png sha.png)" inf "... whose pixels are exact"
run "$holo" info --verify sha.holo
like "$out" "exact bytes: no" "info --verify says no"
