#!/bin/sh
# cli_outputs.t — holo decode: the output name's format decides, for every kind of set, and
# never gets another format's bytes: a PNM recipe's set without all its chunks as .pgm is a
# PGM of its grey pixels (was PNG bytes), a PPM's set as .pgm is refused (was P6 bytes), a
# PNG recipe's set as .jpg is a JPEG (was the PNG file), .pbm is refused (was P5 bytes), an
# HO4A set of an AIFF file decodes to .aiff and refuses .wav (was AIFF bytes in _recon.wav).
# Refusals: one line naming the set and the name, exit 2, no file.
. "$(dirname "$0")/lib.sh"
plan 25

holo="$HOLO_BIN/holo"
mk="python3 $(cd "$(dirname "$0")" && pwd)/tools/mkstore.py"
cd "$T"
magic() { head -c "${2:-2}" "$1"; }
# refused SET NAME TEXT: decode SET -o NAME exits 2 with one line containing TEXT, writes nothing
refused() {
  run "$holo" decode -o "$2" "$1"
  like "$rc:$(printf '%s\n' "$err" | wc -l):$err" "2:1:holo: $1: $3" "$1 -o $2: refused, exit 2, one line"
  [ ! -e "$2" ]; ok $? "... and no $2"
}

"$HOLO_TOOLS/mkimage" photo.ppm 96 64 5
$mk pgm grey.pgm photo.ppm
$mk png z1.png photo.ppm 1 0
for f in photo.ppm grey.pgm z1.png; do "$holo" encode -b 8 "$f" > /dev/null 2>&1; done
is "$("$holo" info grey.pgm.holo | sed -n 's/^codec: //p')" "v4 image + PNM recipe" "grey.pgm: a PNM recipe set"
mkdir gpart.holo ppart.holo
cp grey.pgm.holo/chunk_000[4-7].holo gpart.holo/; cp photo.ppm.holo/chunk_000[4-7].holo ppart.holo/

# PGM: the file itself, or a view of grey pixels
run "$holo" decode -o g.pgm grey.pgm.holo
cmp -s grey.pgm g.pgm; ok $? "complete PGM set -o g.pgm: the PGM byte for byte"
run "$holo" decode -o G.PGM grey.pgm.holo
cmp -s grey.pgm G.PGM; ok $? "... -o G.PGM (any case) too"
run "$holo" decode -o g.pnm grey.pgm.holo
cmp -s grey.pgm g.pnm; ok $? "... -o g.pnm too"
run "$holo" decode -o gp.pgm gpart.holo
is "$rc:$(magic gp.pgm)" "0:P5" "4 of 8 chunks of the PGM set -o gp.pgm: a PGM (P5), not PNG"
is "$(wc -c < gp.pgm)" $((13 + 96 * 64)) "... of the picture's size (a 13-byte header, 96x64 grey samples)"
run "$holo" decode -o gp.ppm gpart.holo
is "$rc:$(magic gp.ppm)" "0:P6" "... -o gp.ppm: a PPM"
run "$holo" decode -o g.ppm grey.pgm.holo
is "$rc:$(magic g.ppm)" "0:P6" "complete PGM set -o g.ppm: a PPM of its pixels, not the PGM's bytes"
refused photo.ppm.holo c.pgm "the picture has colour; PGM holds grey pixels, not c.pgm"
refused ppart.holo cp.pgm "the picture has colour; PGM holds grey pixels, not cp.pgm"
run "$holo" decode -o c.pnm photo.ppm.holo
cmp -s photo.ppm c.pnm; ok $? "complete PPM set -o c.pnm: the PPM byte for byte"
refused grey.pgm.holo g.pbm "an image set decodes to PNG, JPEG or PPM, not to g.pbm"

# PNG recipe: .jpg is a JPEG of the pixels, .png the file
run "$holo" decode -o z.jpg z1.png.holo
is "$rc:$(od -An -tx1 -N2 z.jpg | tr -d ' ')" "0:ffd8" "PNG recipe set -o z.jpg: a JPEG, not the PNG file"
run "$holo" decode -o z.png z1.png.holo
cmp -s z1.png z.png; ok $? "... -o z.png: the PNG byte for byte"

# HO4A of an AIFF file
python3 - t.aiff <<'PY'
import math, struct, sys
rate, n = 22050, 11025
e = 14   # 2^14 <= 22050 < 2^15: IEEE 754 80-bit extended
ext = struct.pack('>HQ', 16383 + e, int(rate * 2 ** (63 - e)))
pcm = b''.join(struct.pack('>h', int(8000 * math.sin(2 * math.pi * 440 * i / rate))) for i in range(n))
comm = struct.pack('>hIh', 1, n, 16) + ext
ssnd = struct.pack('>II', 0, 0) + pcm
body = b'AIFF' + b'COMM' + struct.pack('>I', len(comm)) + comm + b'SSND' + struct.pack('>I', len(ssnd)) + ssnd
open(sys.argv[1], 'wb').write(b'FORM' + struct.pack('>I', len(body)) + body)
PY
"$holo" encode t.aiff > /dev/null 2>&1
is "$("$holo" info t.aiff.holo | sed -n 's/^codec: //p')" "audio v4" "t.aiff: an audio v4 set"
run "$holo" decode t.aiff.holo
cmp -s t.aiff t_recon.aiff; ok $? "no -o: t_recon.aiff, the AIFF byte for byte"
[ ! -e t_recon.wav ]; ok $? "... not AIFF bytes under t_recon.wav"
refused t.aiff.holo t.wav "the set holds an AIFF file, which decodes to AIFF, not to t.wav"
run "$holo" decode -o t2.aif t.aiff.holo
cmp -s t.aiff t2.aif; ok $? "-o t2.aif: the AIFF"
"$HOLO_TOOLS/mkwav" w.wav 22050 11025 1
"$holo" encode --codec-version 4 w.wav > /dev/null 2>&1
refused w.wav.holo w.aiff "an audio set decodes to WAV, not to w.aiff"
