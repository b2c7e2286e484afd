#!/bin/sh
# net_harden.t — a live `holonet rx` against the attacks of the hardening issue:
#   1. a transfer named like a user's file in a store must not shadow it (holofs shows X.holo
#      as X): it lands under the next free name;
#   2. one forged 26-byte DATA datagram does not make best-mode rx exit as if it had received a
#      transfer;
#   3. a flood of 3000 junk datagrams gives a bounded number of log lines (rejects summarised);
#   4. with --key, a captured datagram replayed later is dropped (same receiver: replay window;
#      fresh receiver: stale sent_ms);
#   5. --max-output: a 121-byte claim of a 3 GiB binary is refused on receipt, nothing lands,
#      and rx's memory stays small.
. "$(dirname "$0")/lib.sh"   # plan, ok, skip_all; T, removed on exit
BIN=$HOLO_BIN; V=$HOLO_VECTORS/transport/hnet
H="$BIN/holonet"
if [ ! -x "$H" ] || [ ! -f "$V/capture.hex" ]; then
  skip_all "holonet or the transport vectors missing"; fi
plan 26
PIDS=""
cleanup() { for p in $PIDS; do stop "$p" 5; done; [ -n "$KEEP" ] || rm -rf "$T"; }
trap cleanup EXIT INT TERM
. "$(dirname "$0")/net_lib.sh"
# wait_lines FILE N PID: until rx's --capture FILE holds N datagrams (it writes a batch after
# feeding it, so they are counted) or rx is gone; a loaded machine may take seconds, not 0.5
wait_lines() {
  i=0
  while [ $i -lt 1200 ]; do
    [ "$(grep -c . "$1" 2>/dev/null)" -ge "$2" ] && return 0
    kill -0 "$3" 2>/dev/null || return 1
    sleep 0.05; i=$((i+1))
  done; return 1
}
# the peak RSS (KiB) of the rx under its timeout wrapper
vmhwm() {
  for c in $(cat /proc/"$1"/task/*/children 2>/dev/null); do
    sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' /proc/"$c"/status 2>/dev/null
  done | head -1
}

# ---- 1. a plain file or directory X in the store: the transfer named X does not shadow it --
mkdir -p "$T/s1/docs.bin" "$T/src"
printf 'the user notes\n' > "$T/s1/notes.txt"; cp "$T/s1/notes.txt" "$T/notes.orig"
head -c 5000 /dev/urandom > "$T/src/notes.txt"
head -c 5000 /dev/urandom > "$T/src/docs.bin"
start_rx "$T/rx1.log" --base-dir "$T/s1" --decode-mode none --idle-timeout 0
tx "$T/src/notes.txt" 127.0.0.1 --port "$RXPORT" --loops 2 --delay 0
tx "$T/src/docs.bin" 127.0.0.1 --port "$RXPORT" --loops 2 --delay 0
wait_for "docs-2.bin.holo" "$T/rx1.log" "$RXPID"
wait_for "complete, .* in $T/s1/docs-2.bin.holo" "$T/rx1.log" "$RXPID"
stop "$RXPID"
ok "$( [ ! -e "$T/s1/notes.txt.holo" ] && [ ! -e "$T/s1/docs.bin.holo" ]; echo $?)" \
   "no notes.txt.holo / docs.bin.holo beside the user's notes.txt and docs.bin/"
cmp -s "$T/s1/notes.txt" "$T/notes.orig" && [ -d "$T/s1/docs.bin" ] && [ -z "$(ls -A "$T/s1/docs.bin")" ]
ok $? "the user's file and directory are untouched"
ok "$( [ "$(ls "$T/s1/notes-2.txt.holo" | wc -l)" -gt 0 ] && [ "$(ls "$T/s1/docs-2.bin.holo" | wc -l)" -gt 0 ]; echo $?)" \
   "the transfers landed under the next free names notes-2.txt.holo and docs-2.bin.holo"

# ---- 2. one forged DATA datagram does not end best-mode rx -------------------------------
mkdir "$T/s2"
start_rx "$T/rx2.log" --base-dir "$T/s2" --idle-timeout 1
echo "$(hdr 1 4242 4 0 0 1)deadbeef" > "$T/one.hex"
ok "$( [ "$(head -1 "$T/one.hex" | tr -d '\n' | wc -c)" = 52 ]; echo $?)" "the forged datagram is 26 bytes"
inject "$T/one.hex"
wait_for "transfer 4242 (no name): 0/4 chunks" "$T/rx2.log" "$RXPID"
ok $? "the forged transfer went idle (0/4 chunks)"
sleep 1   # several 200 ms ticks: the old rx exited at the first one
ok "$(kill -0 "$RXPID" 2>/dev/null; echo $?)" "rx is still waiting for a real transfer"
inject "$V/capture.hex" --delay 0.0003
waitpid "$RXPID" 30; rc=$?
ok "$( [ $rc = 0 ] && [ "$(ls -A "$T/s2")" = sample.png ]; echo $?)" \
   "then the real transfer is decoded and rx exits 0 (status $rc)"

# ---- 3. a flood of 3000 junk datagrams: bounded log ---------------------------------------
# (750 each: DATA and META of forged transfer ids, bad magic, short)
mkdir "$T/s3"
awk 'BEGIN { for (i = 0; i < 3000; i++) {
  k = i % 4
  if (k == 0) printf "484e45540101%08x0000000400000000000000016a756e6b\n", 700000 + i  # forged DATA
  else if (k == 1) printf "484e45540100%08x0000000400000000000000006a756e6b2e62696e\n", 700000 + i  # META junk.bin
  else if (k == 2) printf "584e45540101%08x0000000400000000000000016a756e6b\n", 1 + i  # bad magic
  else printf "484e455409\n" } }' > "$T/flood.hex"   # short
start_rx "$T/rx3.log" --base-dir "$T/s3" --decode-mode none --idle-timeout 0
inject "$T/flood.hex"
inject "$V/capture.hex" --delay 0.0003
wait_for "complete, 9/9 chunks" "$T/rx3.log" "$RXPID"
ok $? "after the flood an honest transfer still lands and is logged"
i=0; while [ $i -lt 600 ] && ! grep -q "last 10 s: dropped" "$T/rx3.log"; do sleep 0.05; i=$((i+1)); done
grep -q "last 10 s: dropped [0-9]* datagrams (short [0-9]*, magic [0-9]*), [0-9]* log lines suppressed" "$T/rx3.log"
ok $? "a periodic line summarises the drops by reason"
# 60 s: after 3000 datagrams an ASan rx on a loaded machine can take long to exit; the status
# names the cause of a failure (124: killed after the wait, else rx's own) and its log's tail follows
stop "$RXPID" 60; st=$?; ok $st "rx exits 0 on SIGTERM (status $st)"
[ $st = 0 ] || tail -n 5 "$T/rx3.log" | sed 's/^/#   /'
lines=$(wc -l < "$T/rx3.log")
ok "$( [ "$lines" -le 100 ]; echo $?)" "3000 junk datagrams: $lines lines of stderr (at most 100)"
grep -q "summary:.*short [1-9][0-9]*, magic [1-9][0-9]*.*[1-9][0-9]* log lines suppressed" "$T/rx3.log"
ok $? "the summary counts the rejects by reason and the suppressed lines"

# ---- 4. --key: replayed captures are dropped ----------------------------------------------
mkdir "$T/s4" "$T/s4b"
printf 'correct horse battery staple' > "$T/key"
head -c 20000 /dev/urandom > "$T/src/blob.bin"
start_rx "$T/rx4.log" --base-dir "$T/s4" --decode-mode none --idle-timeout 1 --key "$T/key" \
  --capture "$T/cap4.hex"
tx "$T/src/blob.bin" 127.0.0.1 --port "$RXPORT" --loops 1 --delay 0 --key "$T/key"
wait_for "complete, [0-9]*/[0-9]* chunks" "$T/rx4.log" "$RXPID"
ok $? "keyed transfer complete"
wait_for "transfer [0-9]* blob.bin: [0-9]*/[0-9]* chunks" "$T/rx4.log" "$RXPID"   # idle: state freed
rm -rf "$T/s4/blob.bin.holo"   # the consumer took the file; a replay must not bring it back
cp "$T/cap4.hex" "$T/old.hex"   # (rx keeps appending what it receives to cap4.hex)
dg=$(grep -c . "$T/old.hex")
inject "$T/old.hex"
wait_lines "$T/cap4.hex" $((2 * dg)) "$RXPID"
stop "$RXPID"
ok "$( [ "$dg" -gt 1 ] && [ -z "$(ls -A "$T/s4")" ]; echo $?)" \
   "the capture ($dg datagrams, written while rx ran) replayed into the same receiver lands nothing"
grep -q "summary:.*replay $dg[,)]" "$T/rx4.log"
ok $? "all $dg replayed datagrams dropped and counted as replay"
sleep 2   # the capture is now older than --max-skew 1 below
start_rx "$T/rx4b.log" --base-dir "$T/s4b" --decode-mode none --idle-timeout 1 --key "$T/key" --max-skew 1 \
  --capture "$T/cap4b.hex"
inject "$T/old.hex"
wait_lines "$T/cap4b.hex" "$dg" "$RXPID"
stop "$RXPID"
ok "$( [ -z "$(ls -A "$T/s4b")" ] && grep -q "summary:.*stale $dg[,)]" "$T/rx4b.log"; echo $?)" \
   "a fresh receiver drops the old capture as stale (sent_ms beyond --max-skew)"
ok "$(grep -q 'summary: 0 transfers, 0 chunks landed' "$T/rx4b.log"; echo $?)" "...without creating any transfer state"

# ---- 5. --max-output: a 3 GiB claim in two small datagrams --------------------------------
# a valid HOBI v2 chunk: L = 3 GiB, B = 2^20, block 0, no prefix, the 3072-byte zero slice
CH=484f42490200000000c0000000001000000000000000000000000000080000001978da03000000000178daedc101010000008220ffaf6e48400100002f060c000001
{ echo "$(hdr 0 5151 1048576 0 0 0)$(hexs big.bin)"; echo "$(hdr 1 5151 1048576 0 0 1)$CH"; } > "$T/claim.hex"
sz=$(tr -d '\n' < "$T/claim.hex" | wc -c)
ok "$( [ $((sz / 2)) = 117 ]; echo $?)" "the claim is two datagrams of 117 bytes together"
mkdir "$T/s5" "$T/s5c"
start_rx "$T/rx5c.log" --base-dir "$T/s5c" --decode-mode none --idle-timeout 0 --max-output 4G
inject "$T/claim.hex"
wait_for "complete\|chunk_0000\|started" "$T/rx5c.log" "$RXPID"
stop "$RXPID"
ok "$( [ -f "$T/s5c/big.bin.holo/chunk_0000.holo" ]; echo $?)" "control: under --max-output 4G the claim is a valid chunk and lands"
start_rx "$T/rx5.log" --base-dir "$T/s5" --idle-timeout 1 --max-output 1M
inject "$T/claim.hex"
inject "$T/claim.hex"
wait_for "refused" "$T/rx5.log" "$RXPID"
grep -q "transfer 5151: refused: chunk 0: its binary v2 header claims a 3221225472-byte file, more than --max-output 1048576" "$T/rx5.log"
ok $? "rx refuses the claim on receipt, saying why"
hwm=$(vmhwm "$RXPID")
ok "$( [ -n "$hwm" ] && [ "$hwm" -lt 524288 ]; echo $?)" "peak RSS while refusing: ${hwm} KiB (< 512 MiB)"
inject "$V/capture.hex" --delay 0.0003
waitpid "$RXPID" 30; rc=$?
ok $rc "rx then receives the honest transfer and exits 0"
ok "$( [ "$(ls -A "$T/s5")" = sample.png ]; echo $?)" "nothing of the claim landed or was decoded (only sample.png)"
rss=$(sed -n 's/.*max RSS \([0-9]*\) KiB.*/\1/p' "$T/rx5.log")
ok "$( [ -n "$rss" ] && [ "$rss" -lt 524288 ]; echo $?)" "peak RSS over the whole run: ${rss} KiB (< 512 MiB)"
grep -q "summary:.*1 refused transfers" "$T/rx5.log"
ok $? "the summary counts the refused transfer"
ok "$( [ "$(grep -c 'refused transfers' "$T/rx5.log")" = 1 ] && [ "$(grep -c 'refused: chunk' "$T/rx5.log")" = 1 ]; echo $?)" \
   "one refusal line, though the claim was sent twice"
exit $_failed
