#!/bin/sh
# net_family.t — holonet with the rest of the format family: recovery chunks (HORC) sent as
# chunk_index 1000000 + coded_id, validated and landed as recovery_NNNN.holo, filling chunks lost
# by the relay (fixed seed and --prefer-gain order, so the losses are the same every run);
# a forged recovery chunk is refused; v3 image and audio transfers end to end; --prefer-gain
# sends the first loop in manifest.json's ordered_chunks order (seen in an rx --capture).
. "$(dirname "$0")/lib.sh"   # plan, ok, skip_all; T, removed on exit
BIN=$HOLO_BIN; TOOLS=$HOLO_TOOLS
H="$BIN/holonet"
if [ ! -x "$H" ] || [ ! -x "$TOOLS/mkimage" ] || [ ! -x "$TOOLS/psnr" ]; then
  skip_all "holonet or test tools not built"; fi
plan 23
PIDS=""
cleanup() { for p in $PIDS; do stop "$p" 5; done; rm -rf "$T"; }
trap cleanup EXIT INT TERM

. "$(dirname "$0")/net_lib.sh"
# field HEXLINE: chunk_index of a captured datagram as 8 hex digits (bytes 14..17)
idx() { cut -c29-36; }

"$TOOLS/mkimage" "$T/p.png" 96 64 5
"$BIN/holo" encode --codec-version 2 -b 8 --recovery 0.5 -o "$T/p.png.holo" "$T/p.png" >/dev/null 2>&1

# --- 1. recovery through a lossy relay ---------------------------------------------------
# seed 2 at 25% loss drops three data chunks and no recovery chunk of this send order
mkdir "$T/r1"
start_rx "$T/rx1.log" --base-dir "$T/r1" --idle-timeout 1 --decode-mode none
start_relay "$T/rl1.log" --loss 0.25 --seed 2
tx "$T/p.png.holo" 127.0.0.1 --port "$RLPORT" --loops 1 --delay 0 --payload 8000 --prefer-gain
ok $? "tx of a directory with 4 recovery chunks exits 0"
grep -q "8 chunks (total 8) + 4 recovery" "$T/tx.log"; ok $? "tx announces the recovery chunks"
waitpid "$RXPID"; stop "$RLPID"
S1="$T/r1/p.png.holo"
nd=$(ls "$S1" | grep -c '^chunk_'); nr=$(ls "$S1" | grep -c '^recovery_')
[ "$nd" -lt 8 ] && [ "$nr" -ge 1 ]; ok $? "relay lost data chunks ($nd/8 landed), recovery landed ($nr)"
"$BIN/holo" info "$S1" > "$T/info1" 2>&1
grep -q "enough to rebuild the missing chunks" "$T/info1" && grep -q "^exact: yes" "$T/info1"
ok $? "holo info: recoverable, exact"
"$BIN/holo" decode -o "$T/o1.png" "$S1" >/dev/null 2>&1 && [ "$("$TOOLS/psnr" "$T/o1.png" "$T/p.png")" = inf ]
ok $? "holo decode of the store is exact"
"$BIN/holo" decode --no-recovery -o "$T/o1n.png" "$S1" >/dev/null 2>&1 && [ "$("$TOOLS/psnr" "$T/o1n.png" "$T/p.png")" != inf ]
ok $? "without the recovery chunks the decode is not exact (they did the work)"

# --- 2. tx --recovery encodes with recovery; the capture shows 1000000 + coded_id ---------
mkdir "$T/r2"
start_rx "$T/rx2.log" --base-dir "$T/r2" --idle-timeout 1 --decode-mode none --capture "$T/cap2.hex"
tx "$T/p.png" 127.0.0.1 --port "$RXPORT" --loops 1 --delay 0 --chunk-kb 2 --recovery 0.25
ok $? "tx --recovery 0.25 of an image exits 0"
waitpid "$RXPID"
nr=$(ls "$T/r2/p.png.holo" | grep -c '^recovery_')
[ "$nr" -ge 1 ]; ok $? "rx landed $nr recovery chunk(s) as recovery_NNNN.holo"
idx < "$T/cap2.hex" | grep -q '^000f4240$'; ok $? "recovery chunk 0 travels as chunk_index 1000000"
"$BIN/holo" info "$T/r2/p.png.holo" | grep -q "recovery: $nr recovery chunk"; ok $? "holo info counts them"

# --- 3. a forged recovery chunk is refused -----------------------------------------------
# recovery_0000 relabelled as coded id 1 (transport index 1000001), and a HORC as block 0
awk '{ if (substr($0,29,8)=="000f4240") print substr($0,1,28) "000f4241" substr($0,37); else if (substr($0,29,8)=="000f4241") next; else print }' "$T/cap2.hex" > "$T/bad.hex"
mkdir "$T/r3"
"$H" rx --replay "$T/bad.hex" --base-dir "$T/r3" --decode-mode none 2>"$T/rx3.log"
grep -q "coded_id 0 does not match transport index 1000001" "$T/rx3.log" && [ ! -e "$T/r3/p.png.holo/recovery_0001.holo" ]
ok $? "a HORC whose coded_id differs from its index is rejected"
awk '{ if (substr($0,29,8)=="000f4240") print substr($0,1,28) "00000000" substr($0,37); else if (substr($0,29,8)!="00000000") print }' "$T/cap2.hex" > "$T/bad2.hex"
mkdir "$T/r4"
"$H" rx --replay "$T/bad2.hex" --base-dir "$T/r4" --decode-mode none 2>"$T/rx4.log"
grep -q "chunk 0 rejected: a recovery chunk sent as block 0" "$T/rx4.log" && [ ! -e "$T/r4/p.png.holo/chunk_0000.holo" ]
ok $? "a HORC sent as a data block is rejected"

# --- 4. v3 transfers end to end ----------------------------------------------------------
"$BIN/holo" encode --codec-version 3 -b 6 -o "$T/v3.png.holo" "$T/p.png" >/dev/null 2>&1
"$BIN/holo" decode -o "$T/v3ref.png" "$T/v3.png.holo" >/dev/null 2>&1
mkdir "$T/r5"
start_rx "$T/rx5.log" --base-dir "$T/r5" --idle-timeout 1
tx "$T/v3.png.holo" 127.0.0.1 --port "$RXPORT" --loops 1 --delay 0
ok $? "tx accepts a v3 image directory"
waitpid "$RXPID"
[ -f "$T/r5/v3.png" ] && [ "$("$TOOLS/psnr" "$T/r5/v3.png" "$T/v3ref.png")" = inf ]
ok $? "v3 image: rx lands every chunk and decodes what holo decode gives"
"$TOOLS/mkwav" "$T/a.wav" 6000 8000 1 16 3
"$BIN/holo" encode --codec-version 3 -b 4 -o "$T/v3.wav.holo" "$T/a.wav" >/dev/null 2>&1
"$BIN/holo" decode -o "$T/v3ref.wav" "$T/v3.wav.holo" >/dev/null 2>&1
mkdir "$T/r6"
start_rx "$T/rx6.log" --base-dir "$T/r6" --idle-timeout 1
tx "$T/v3.wav.holo" 127.0.0.1 --port "$RXPORT" --loops 1 --delay 0
ok $? "tx accepts a v3 audio directory"
waitpid "$RXPID"
cmp -s "$T/r6/v3.wav" "$T/v3ref.wav"; ok $? "v3 audio: received WAV equals holo decode's"
grep -q "4/4 chunks" "$T/rx6.log"; ok $? "v3 audio: all 4 chunks landed"
mkdir "$T/r7"
start_rx "$T/rx7.log" --base-dir "$T/r7" --idle-timeout 1 --decode-mode none
tx "$T/p.png" 127.0.0.1 --port "$RXPORT" --loops 1 --delay 0 --codec-version 3
ok $? "tx --codec-version 3 encodes and sends"
waitpid "$RXPID"
"$BIN/holo" info "$T/r7/p.png.holo" 2>&1 | grep -q "codec v3"; ok $? "the store holds v3 chunks"

# --- 5. v4 (HOV4) directories travel unchanged ------------------------------------------------
"$BIN/holo" encode --codec-version 4 -b 8 -o "$T/v4.png.holo" "$T/p.png" >/dev/null 2>&1
mkdir "$T/r40"
start_rx "$T/rx40.log" --base-dir "$T/r40" --idle-timeout 1 --decode-mode none
tx "$T/v4.png.holo" 127.0.0.1 --port "$RXPORT" --loops 1 --delay 0
ok $? "tx accepts a v4 image directory"
waitpid "$RXPID"
ok "$(cd "$T/v4.png.holo" && for f in chunk_*.holo; do cmp -s "$f" "$T/r40/v4.png.holo/$f" || echo x; done | wc -l)" \
   "v4: every chunk lands byte-identical"
"$BIN/holo" decode -o "$T/v4.png" "$T/r40/v4.png.holo" >/dev/null 2>&1
[ "$("$TOOLS/psnr" "$T/p.png" "$T/v4.png")" = inf ]; ok $? "v4: the received store decodes to the original"

# --- 5. --prefer-gain: the first loop follows manifest.json --------------------------------
mkdir "$T/r8"
start_rx "$T/rx8.log" --base-dir "$T/r8" --idle-timeout 1 --decode-mode none --capture "$T/cap8.hex"
tx "$T/p.png.holo" 127.0.0.1 --port "$RXPORT" --loops 2 --delay 0 --payload 8000 --prefer-gain
waitpid "$RXPID"
want=$(sed -n '/"ordered_chunks"/,/]/p' "$T/p.png.holo/manifest.json" | grep -o 'chunk_[0-9]*' | sed 's/chunk_//' | awk '{ printf "%08x\n", $1 + 0 }' | tr '\n' ' ')
got=$(cut -c11-12,29-36 "$T/cap8.hex" | grep '^01' | cut -c3- | grep -v '^000f42' | head -8 | tr '\n' ' ')
[ -n "$want" ] && [ "$want" = "$got" ]; ok $? "first loop order = ordered_chunks ($got)"

exit $_failed
