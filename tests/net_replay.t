#!/bin/sh
# net_replay.t — `holonet rx --replay` on the reference captures (vectors/transport/hnet):
# the store ends up with exactly the reference's chunk files, the dropped capture gives the
# documented partial set, and best/strict/no-META runs produce what the reference produced.
. "$(dirname "$0")/lib.sh"   # plan, ok, skip_all; T, removed on exit
BIN=$HOLO_BIN; TOOLS=$HOLO_TOOLS; V=$HOLO_VECTORS/transport/hnet
if [ ! -f "$V/capture.hex" ]; then skip_all "no transport vectors"; fi
plan 16
rx() { timeout 60 "$BIN/holonet" rx "$@"; }

# 1. full capture, store mode: exactly the 9 reference chunk files (and our hidden marker)
mkdir "$T/full"
rx --replay "$V/capture.hex" --base-dir "$T/full" --decode-mode none 2>"$T/full.log"
ok $? "replay full capture (store mode) exits 0"
same=0
for f in "$V"/rx_full/sample.png.holo/chunk_*.holo; do
  cmp -s "$f" "$T/full/sample.png.holo/$(basename "$f")" || same=1
done
ok $same "store holds the reference's chunk files byte for byte"
ok "$( [ "$(ls "$T/full/sample.png.holo" | wc -l)" = 9 ] && [ "$(ls -A "$T/full")" = sample.png.holo ]; echo $?)" \
   "nothing else: 9 chunk files in sample.png.holo, no other entry"
grep -q "summary: 1 transfers, 9 chunks landed.*234 datagrams.*116 duplicates, 0 rejects" "$T/full.log"
ok $? "summary counts 234 datagrams, 116 duplicates, 0 rejects"

# 2. dropped capture: chunks 0 1 3 4 6 7 8
mkdir "$T/drop"
rx --replay "$V/capture_dropped.hex" --base-dir "$T/drop" --decode-mode none 2>"$T/drop.log"
got=$(cd "$T/drop/sample.png.holo" && ls chunk_*.holo | tr '\n' ' ')
[ "$got" = "chunk_0000.holo chunk_0001.holo chunk_0003.holo chunk_0004.holo chunk_0006.holo chunk_0007.holo chunk_0008.holo " ]
ok $? "dropped capture: the documented partial set ($got)"
same=0
for f in "$T"/drop/sample.png.holo/chunk_*.holo; do cmp -s "$f" "$V/rx_dropped_best/sample.png.holo/$(basename "$f")" || same=1; done
ok $same "dropped capture: chunks identical to rx_dropped_best"
ok "$( [ ! -e "$T/drop/transfer_507248631.holo" ]; echo $?)" "renamed from transfer_<id>.holo at the loop-2 META"

# 3. best mode: decoded, chunk directory removed
mkdir "$T/best"
rx --replay "$V/capture.hex" --base-dir "$T/best" 2>"$T/best.log"
ok $? "best mode on the full capture exits 0"
ok "$( [ "$(ls -A "$T/best")" = sample.png ]; echo $?)" "best mode leaves only sample.png"
if [ -x "$TOOLS/psnr" ]; then
  ok "$( [ "$("$TOOLS/psnr" "$V/sample.png" "$T/best/sample.png")" = inf ]; echo $?)" "decoded pixels equal the original"
else ok 0 "# SKIP no psnr tool"; fi

mkdir "$T/dbest"
rx --replay "$V/capture_dropped.hex" --base-dir "$T/dbest" --decode-mode best 2>/dev/null
if [ -x "$TOOLS/psnr" ]; then
  ok "$( [ "$("$TOOLS/psnr" "$V/rx_dropped_best/sample.png" "$T/dbest/sample.png")" = inf ]; echo $?)" \
     "dropped capture, best mode: same degraded pixels as the reference"
  p=$("$TOOLS/psnr" "$V/sample.png" "$T/dbest/sample.png")
  ok "$(echo "$p" | awk '{exit !($1 > 30 && $1 < 40)}'; echo $?)" "degraded PSNR $p dB (reference: about 33.8)"
else ok 0 "# SKIP no psnr tool"; ok 0 "# SKIP no psnr tool"; fi

# 4. strict mode: no output, directory kept with 7 chunks
mkdir "$T/strict"
rx --replay "$V/capture_dropped.hex" --base-dir "$T/strict" --decode-mode strict 2>"$T/strict.log"
ok "$( [ ! -e "$T/strict/sample.png" ] && [ "$(ls "$T/strict/sample.png.holo" | wc -l)" = 7 ]; echo $?)" \
   "strict mode: not decoded, sample.png.holo kept with 7 chunks"
grep -q "strict mode: 7/9 chunks present, not decoded" "$T/strict.log"
ok $? "strict mode says why"

# 5. no META at all: transfer_<id>.png
mkdir "$T/nometa"
sed -e '1d' -e '118d' "$V/capture.hex" > "$T/nometa.hex"
rx --replay "$T/nometa.hex" --base-dir "$T/nometa" 2>/dev/null
ok "$( [ "$(ls -A "$T/nometa")" = transfer_507248631.png ]; echo $?)" "no META: output named transfer_507248631.png"

# 6. a second replay into the same store changes nothing and reports the chunks as already stored
rx --replay "$V/capture.hex" --base-dir "$T/full" --decode-mode none 2>"$T/again.log"
grep -q "0 chunks landed (0 recovery, 9 already stored" "$T/again.log" && [ "$(ls -A "$T/full")" = sample.png.holo ]
ok $? "replaying again: resumes the same store, 9 already stored, no new directory"
exit $_failed
