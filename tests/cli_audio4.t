#!/bin/sh
# cli_audio4.t — `holo` on audio v4 (HO4A): --codec-version 4 on a PCM WAV writes HO4A chunks;
# all of them decode to the same bytes (trailing bytes after the data included), any 8 of 32
# decode to a WAV of the same size; info names the codec and exactness; -b sets the chunk
# count; --compact is smaller; a float WAV is stored as HO4B instead. Speech from espeak-ng
# (`make deps` installs it).
. "$(dirname "$0")/lib.sh"
plan 14

holo="$HOLO_BIN/holo"
cd "$T"
magic() { head -c 4 "$1/chunk_0000.holo"; }
espeak-ng -w s.wav "Any half of the chunks plays the whole recording, a little noisier."
ok $? "espeak-ng writes a recording"
{ cat s.wav; printf 'junk\004\000\000\000abcd'; } > t.wav

run "$holo" encode --codec-version 4 t.wav
is "$rc:$(magic t.wav.holo)" "0:HO4A" "encode --codec-version 4 on a WAV writes HO4A"
is "$(ls t.wav.holo | grep -c '^chunk_.*\.holo$')" 32 "... 32 chunks by default"
run "$holo" info t.wav.holo
like "$out" "audio, codec v4," "info: audio, codec v4"
like "$out" "exact: yes" "info: exact with every chunk"
run "$holo" decode t.wav.holo
is "$rc" 0 "decode exits 0"
cmp -s t.wav t_recon.wav
ok $? "decode gives the WAV back byte for byte, trailing chunk included"

mkdir part.holo
for i in 0003 0007 0011 0015 0019 0023 0027 0031; do cp t.wav.holo/chunk_$i.holo part.holo/; done
run "$holo" decode -o part.wav part.holo
is "$rc" 0 "8 of 32 chunks decode"
is "$(stat -c %s part.wav)" "$(stat -c %s t.wav)" "... to a WAV of the same size"
run "$holo" info part.holo
like "$out" "exact: no" "info: not exact with 8 chunks"

run "$holo" encode --codec-version 4 -b 8 -o b8.holo t.wav
is "$rc:$(ls b8.holo | grep -c '^chunk_.*\.holo$')" "0:8" "-b 8: 8 chunks"
run "$holo" encode --codec-version 4 --compact -o c.holo t.wav
ok $([ "$rc" = 0 ] && [ "$(du -sb c.holo | cut -f1)" -lt "$(du -sb t.wav.holo | cut -f1)" ]; echo $?) \
    "--compact is smaller"

# A 32-bit float WAV: not for HO4A, stored as a binary
{ printf 'RIFF\054\000\000\000WAVEfmt \020\000\000\000\003\000\001\000\104\254\000\000\020\261\002\000\004\000\040\000'
  printf 'data\010\000\000\000\000\000\200\077\000\000\000\000'; } > f.wav
run "$holo" encode --codec-version 4 f.wav
is "$rc:$(magic f.wav.holo)" "0:HO4B" "a float WAV is stored as HO4B"
run "$holo" decode f.wav.holo
cmp -s f.wav f_recon.wav
ok $? "... and decodes to its bytes"
