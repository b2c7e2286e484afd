#!/bin/sh
# cli_corrupt.t — chunks whose rows fail their CRC count as missing, however many there are:
# a JPEG (HO4J) and an audio (HO4A) set with two chunks damaged in the middle of their rows
# decode to exactly what the set without those two chunks gives (never to bytes rebuilt from a
# corrupt row), and a binary v4 set with parity gives the file back exactly.
. "$(dirname "$0")/lib.sh"
plan 12

holo="$HOLO_BIN/holo"
self="$(cd "$(dirname "$0")" && pwd)/$(basename "$0")"
cd "$T"
# u16 / u64 big-endian at offset $2 of file $1
u16() { od -An -tu1 -j "$2" -N2 "$1" | awk '{ print $1 * 256 + $2 }'; }
u64() { od -An -tu1 -j "$2" -N8 "$1" | awk '{ v = 0; for (i = 1; i <= 8; i++) v = v * 256 + $i; print v }'; }
# flip one byte in the middle of the first protected (m > 1) tier row of container chunk $1
# (holo(5) "V4 CONTAINER": 112-byte header, tier t's m at 60 + 10t, S at 62 + 10t)
damage() {
  _off=112
  for _t in 0 1 2 3; do
    _m=$(u16 "$1" $((60 + 10 * _t))); _s=$(u64 "$1" $((62 + 10 * _t)))
    [ "$_m" -gt 0 ] || break
    _r=$(( (_s + _m - 1) / _m ))
    if [ "$_m" -gt 1 ] && [ "$_r" -gt 0 ]; then _off=$((_off + _r / 2)); break; fi
    _off=$((_off + _r))
  done
  _v=$(od -An -tu1 -j $_off -N1 "$1" | tr -d ' ')
  printf "\\$(printf %o $(( (_v + 1) % 256 )))" | dd of="$1" bs=1 seek=$_off conv=notrunc 2> /dev/null
}
# SET A B OUT: decode SET with chunks A and B damaged, and a copy without them; compare
two_damaged() {
  set=$1; a=$2; b=$3; ext=$4
  rm -rf gone.holo; cp -r "$set" gone.holo; rm -f gone.holo/chunk_$a.holo gone.holo/chunk_$b.holo
  damage "$set/chunk_$a.holo"; damage "$set/chunk_$b.holo"
  "$holo" decode -o missing.$ext gone.holo > /dev/null 2>&1; rc_missing=$?
  run "$holo" decode -o damaged.$ext "$set"
}

# JPEG: 32 chunks, two data chunks of the protected tiers damaged
"$HOLO_TOOLS/mkimage" img.png 320 200 3
"$holo" encode --codec-version 2 -o ref.holo img.png > /dev/null 2>&1
"$holo" decode -o img.jpg ref.holo > /dev/null 2>&1
"$holo" encode --codec-version 4 -o j.holo img.jpg > /dev/null 2>&1
is "$(head -c 4 j.holo/chunk_0000.holo)" HO4J "a JPEG set (HO4J)"
two_damaged j.holo 0002 0003 jpg
is "$rc_missing:$rc" "0:0" "JPEG: two damaged chunks decode, as the set without them does"
cmp -s missing.jpg damaged.jpg; ok $? "... to the same bytes as with both chunks missing"
like "$err" "fails its CRC (corrupt rows), skipped as missing" "... and each damaged chunk is named"
is "$(printf '%s\n' "$err" | grep -c 'skipped as missing')" 2 "... both of them"

# audio: 32 chunks, two damaged
espeak-ng -w s.wav "Two damaged chunks count as two missing ones."
"$holo" encode --codec-version 4 -o a.holo s.wav > /dev/null 2>&1
is "$(head -c 4 a.holo/chunk_0000.holo)" HO4A "an audio set (HO4A)"
two_damaged a.holo 0001 0004 wav
is "$rc_missing:$rc" "0:0" "audio: two damaged chunks decode, as the set without them does"
cmp -s missing.wav damaged.wav; ok $? "... to the same bytes as with both chunks missing"

# binary v4 with parity: two damaged chunks of four data + two parity, the file exactly
head -c 3000000 /dev/urandom > r.bin
cat "$self" "$self" "$self" >> r.bin
"$holo" encode --codec-version 4 -b 4 --recovery 0.5 -o b.holo r.bin > /dev/null 2>&1
is "$(ls b.holo | grep -c '^chunk_')" 6 "a binary set of 4 data + 2 parity chunks"
two_damaged b.holo 0000 0001 bin
is "$rc_missing:$rc" "0:0" "binary: two damaged data chunks decode"
cmp -s r.bin damaged.bin; ok $? "... to the exact file"
cmp -s missing.bin damaged.bin; ok $? "... as with both chunks missing"
exit $_failed
