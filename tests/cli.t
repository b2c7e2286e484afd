#!/bin/sh
# cli.t — the holo tool: round trips, short forms, info, and every error path (exit code,
# one-line message naming the file, nothing left behind).
. "$(dirname "$0")/lib.sh"
plan 30

holo="$HOLO_BIN/holo"
cd "$T"

# --- binary round trip (HOBI v2: the default binary v4 is in cli_store.t), default names
head -c 70000 /dev/urandom > data.bin
run "$holo" encode --codec-version 2 data.bin
is "$rc" 0 "encode a binary"
[ -d data.bin.holo ] && [ "$(ls data.bin.holo | grep -c '^chunk_.*\.holo$')" = 32 ]
ok $? "data.bin.holo/ holds 32 chunks"
run "$holo" decode data.bin.holo
is "$rc" 0 "decode it"
cmp -s data.bin data_recon.bin
ok $? "default output data_recon.bin equals the input"
run "$holo" info data.bin.holo
like "$out" "binary, codec v2, 70000 bytes, 32 blocks" "info names kind, version, size, blocks"
like "$out" "32 present, 0 missing" "info counts chunks"
run "$holo" info --json data.bin.holo
like "$out" '"exact": true' "info --json says exact"

# --- image round trip through the short forms
cp "$HOLO_VECTORS/formats/inputs/img_37x23.png" small.png
run "$holo" small.png 1
is "$rc" 0 "short form 'holo FILE KB' encodes"
run "$holo" small.png.holo
is "$rc" 0 "short form 'holo DIR.holo' decodes"
run "$HOLO_TOOLS/psnr" small.png small_recon.png
is "$out" "inf" "decoded image is pixel-identical"
run "$holo" decode -o small.ppm small.png.holo
is "$(head -c 2 small.ppm)" "P6" "-o NAME.ppm writes PPM"

# --- partial sets
mkdir part && cp data.bin.holo/chunk_000[0-4].holo part/
run "$holo" decode -o part.bin part
is "$rc" 0 "a partial set decodes"
is "$(wc -c < part.bin | tr -d ' ')" 70000 "partial decode has the full length"
run "$holo" decode --strict -o strict.bin part
is "$rc" 1 "--strict fails on a partial set"
like "$err" "part: 27 of 32 chunks missing" "--strict says how many are missing"
[ ! -e strict.bin ]
ok $? "--strict leaves no output"

# --- corrupt chunk: skipped with a warning naming it
cp -r data.bin.holo bad.holo
printf 'garbage' > bad.holo/chunk_0003.holo
run "$holo" decode -o bad.bin bad.holo
is "$rc" 0 "a corrupt chunk does not stop the decode"
like "$err" "chunk_0003.holo" "the warning names the corrupt chunk"

# --- errors
run "$holo" encode missing.png
is "$rc" 1 "missing input: exit 1"
like "$err" "missing.png: No such file" "missing input: message names the file"
[ ! -e missing.png.holo ] && [ -z "$(ls -A | grep '^\.')" ]
ok $? "missing input: nothing left behind"
: > empty.bin
run "$holo" encode --codec-version 2 empty.bin
like "$err" "empty.bin: file is empty" "empty input is rejected clearly by v2 (the store policy keeps it)"
printf 'not a png' > fake.png
run "$holo" encode --pixels fake.png
is "$rc" 1 "a broken PNG fails with --pixels (the store policy keeps its bytes)"
[ ! -e fake.png.holo ] && [ -z "$(ls -A | grep '^\.')" ]
ok $? "a failed encode leaves no directory, not even a temporary one"
mkdir nochunks
run "$holo" decode nochunks
like "$err" "nochunks: no valid chunk" "a directory without chunks is an error"
run "$holo" decode nothere.holo
like "$err" "nothere.holo: no such directory" "a missing directory is an error"
run "$holo" decode -o /nonexistent/out.bin data.bin.holo
is "$rc" 1 "an unwritable output fails with exit 1"
run "$holo" encode -b 0 data.bin
is "$rc" 2 "a bad option is a usage error (exit 2)"
run "$holo" --frobnicate
is "$rc" 2 "an unknown option is a usage error"
run "$holo" encode --codec-version 7 data.bin
is "$rc" 2 "an unknown codec version is a usage error"
