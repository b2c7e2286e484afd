#!/bin/sh
# cli_info.t — holo info on a JPEG v4 (HO4J) set describes it like the other v4 kinds: size,
# chunk counts, every tier with the chunks it needs and whether those present rebuild it, U,
# in text and JSON; a set missing most chunks says which tiers are lost.
. "$(dirname "$0")/lib.sh"
plan 10

holo="$HOLO_BIN/holo"
cd "$T"
"$HOLO_TOOLS/mkimage" img.png 320 200 3
"$holo" encode --codec-version 2 -o ref.holo img.png > /dev/null 2>&1
"$holo" decode -o img.jpg ref.holo > /dev/null 2>&1
"$holo" encode --codec-version 4 -b 16 -o j.holo img.jpg > /dev/null 2>&1
is "$(head -c 4 j.holo/chunk_0000.holo)" HO4J "the fixture is an HO4J set"

run "$holo" info j.holo
is "$rc" 0 "info on a complete HO4J set"
like "$out" "JPEG v4 (HO4J), 320x200, n=16, 16/16 chunks present, content id " \
  "... names the format, size and chunk counts"
like "$out" "original $(stat -c %s img.jpg) bytes" "... and the JPEG's length"
t="$(printf '%s\n' "$out" | grep -c '^T[0-3]: [0-9]* bytes\(, any [0-9]* chunks\| in every chunk\): recoverable$')"
is "$t" 4 "... tiers 0-3, each with the chunks it needs, all recoverable"
like "$out" "U: 16/16 chunk shares; all chunks: the original file byte for byte" "... and U"

mkdir part.holo && cp j.holo/chunk_001[0-5].holo part.holo/
run "$holo" info part.holo
like "$out" "6/16 chunks present" "6 of 16 chunks: counted"
like "$out" "any 8 chunks: NOT recoverable" "... tier 2 (any 8) is lost"
like "$out" "U: 0/16 chunk shares (need T2)" "... and U with it"

run "$holo" info --json part.holo
is "$(printf '%s' "$out" | python3 -c 'import json,sys; j=json.load(sys.stdin)
print(j["format"], [(t["tier"], t["any_chunks"], t["recoverable"]) for t in j["tiers"]])')" \
  "HO4J [(0, 1, True), (1, 2, True), (2, 8, False), (3, 16, False)]" "JSON: format and tiers"
