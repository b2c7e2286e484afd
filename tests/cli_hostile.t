#!/bin/sh
# cli_hostile.t — holo decode / holo info on hostile chunk sets: each bomb of
# tests/corpus/chunks (a header claiming GiBs from a few bytes) is refused with one line naming
# the file and its claim, exit 1, no output, in bounded memory; --max-pixels / --max-output;
# "exact" in holo info is "yes" only when holo.sum proves it.
. "$(dirname "$0")/lib.sh"
H="$HOLO_BIN/holo"
C="$(cd "$(dirname "$0")" && pwd)/corpus/chunks"
[ -x "$H" ] || skip_all "no $H"
plan 50

# GNU time measures the peak RSS (kB, last line of its -o file); without it RSS is skipped.
TIME=""; [ -x /usr/bin/time ] && TIME="/usr/bin/time -f %M -o $T/rss"

# rss_ok NAME: the peak RSS of the last $TIME command is under 64 MiB
rss_ok() {
  if [ "$HOLO_SAN" = 1 ] || [ -z "$TIME" ]; then skip "RSS (ASan, or no /usr/bin/time)"; else
    kb=$(tail -n 1 "$T/rss"); ok "$( [ "$kb" -lt 65536 ]; echo $?)" "$1: peak RSS $kb kB < 64 MiB"; fi
}
# refused B TEXT WHAT: holo decode of corpus chunk B (alone in the set $D) exits 1 with one line
# "$D/chunk_0000.holo: TEXT...", writes nothing, in bounded memory.
refused() {
  D="$T/$1.holo"; mkdir -p "$D"; cp "$C/$1" "$D/chunk_0000.holo"
  timeout -k 5 60 $TIME "$H" decode -o "$T/$1.out" "$D" > /dev/null 2> "$T/err"; rc=$?
  is "$rc:$(wc -l < "$T/err")" "1:1" "$1: decode exits 1 with one line"
  like "$(cat "$T/err")" "$D/chunk_0000.holo: $2" "$1: the line names the chunk and $3"
  ok "$( [ ! -e "$T/$1.out" ]; echo $?)" "$1: no output written"
  rss_ok "$1"
}

for b in bomb_binary_3g bomb_audio_2g_frames bomb_image_16k bomb_v4_16k; do
  refused "$b" "claims " "its claim"
  run "$H" info "$D"
  is "$rc:$(printf '%s\n' "$err" | wc -l)" "1:1" "$b: info exits 1 with one line"
done

# A v4 header patched to exactly 2^27 pixels, the default --max-pixels: inside the limit, so
# refused by what the claim must agree with (T0's shift tables) before the full-size planes
# (~1.5 GB) are allocated.
refused bomb_v4_2p27 "corrupt v4 T0 stream (bad shift table for 16384x8192)" "the problem"

# v3 audio (tests/corpus/mkbomb_v3_audio.py). 67M frames from 97 bytes, block 0 of 1: its
# residual cannot inflate to the 134M coefficients the blob implies, so the set is refused
# before anything is synthesised (the whole-signal decoder took 1.8 GB and wrote 134 MB).
refused bomb_v3_audio_67m "claims 134741502 coefficients, more than its chunks can carry" "its claim"
# holo info applies the same rule (headers plus the reference's blob): one line, exit 1
run "$H" info "$D"
is "$rc:$(printf '%s\n' "$err" | wc -l)" "1:1" "bomb_v3_audio_67m: info exits 1 with one line"
like "$err" "$D/chunk_0000.holo: claims 134741502 coefficients, more than its chunks can carry" \
  "bomb_v3_audio_67m: info names the chunk and its claim"
# 8M frames from one 2.7 KB chunk of 16 is a plausible partial set: decoded, the WAV written as
# it is synthesised, in memory that does not follow the claim (the whole-signal decoder took
# 269 MB); the bytes are the ones that decoder wrote (sha256 recorded from it).
D="$T/bomb_v3_audio_8m.holo"; mkdir -p "$D"; cp "$C/bomb_v3_audio_8m" "$D/chunk_0000.holo"
timeout -k 5 120 $TIME "$H" decode -o "$T/a8.wav" "$D" > /dev/null 2> "$T/err"; rc=$?
is "$rc:$(cat "$T/err")" "0:" "bomb_v3_audio_8m: decodes, no message"
is "$(sha256sum < "$T/a8.wav" | cut -d' ' -f1)" 9e67244c210dee9cf189b4b87335fe3f24d192b885218bce81c57d1cd128ee6f \
  "bomb_v3_audio_8m: the 16 MB WAV of the whole-signal decoder, to the bit"
rss_ok bomb_v3_audio_8m
run "$H" info "$D"
is "$rc" 0 "bomb_v3_audio_8m: a plausible partial set passes info"
rm -f "$T/a8.wav"

# limits on a real image: 40x30 v2 = 1200 pixels, 3600 bytes
"$HOLO_TOOLS/mkimage" "$T/p.png" 40 30 2> /dev/null || printf 'P6\n40 30\n255\n%3600s' "" > "$T/p.png"
"$H" encode --codec-version 2 -b 4 "$T/p.png" 2> /dev/null
run "$H" decode --max-pixels 1199 -o "$T/p1.png" "$T/p.png.holo"
is "$rc" 1 "--max-pixels below W*H: exit 1"
like "$err" "1200 pixels, over the limit of 1199" "... naming the claim and the limit"
run "$H" decode --max-pixels 1200 -o "$T/p2.png" "$T/p.png.holo"
is "$rc" 0 "--max-pixels W*H decodes"
run "$H" decode --max-output 3K -o "$T/p3.png" "$T/p.png.holo"
is "$rc:$(printf '%s\n' "$err" | wc -l)" "1:1" "--max-output 3K (< 3600 bytes): exit 1, one line"
run "$H" info --max-output 4K "$T/p.png.holo"
is "$rc" 0 "info --max-output 4K passes"
run "$H" info --max-pixels 1K "$T/p.png.holo"
is "$rc" 1 "info --max-pixels 1K refuses"
run "$H" decode --max-pixels 12Q "$T/p.png.holo"
is "$rc" 2 "--max-pixels 12Q is a usage error"

run "$H" encode --codec-version 3 -b 4 -o "$T/p3.holo" "$T/p.png"
run "$H" decode --max-pixels 1K -o "$T/p5.png" "$T/p3.holo"
is "$rc" 1 "v3: --max-pixels 1K refuses"
like "$err" "over the limit of 1024" "v3: ... naming the limit"

# exact / verified
run "$H" info "$T/p.png.holo"
like "$out" "exact: yes, every chunk matches holo.sum" "intact set with holo.sum: exact yes"
(cd "$T/p.png.holo" && sha256sum -c --quiet holo.sum > /dev/null 2>&1); ok $? "sha256sum -c holo.sum accepts our sidecar"
printf 'x' | dd of="$T/p.png.holo/chunk_0002.holo" bs=1 seek=40 conv=notrunc 2> /dev/null
run "$H" info "$T/p.png.holo"
like "$out" "1 bad" "a changed chunk is bad"
like "$out" "exact: no" "... and the set not exact"
run "$H" decode -o "$T/p4.png" "$T/p.png.holo"
like "$err" "chunk_0002.holo" "decode warns about the changed chunk"
rm "$T/p.png.holo/holo.sum"
run "$H" info "$T/p.png.holo"
like "$out" "exact: unverified" "without holo.sum, a complete set is unverified"
run "$H" info --json "$T/p.png.holo"
like "$out" '"verified": false' "--json reports verified"
