#!/bin/sh
# net_loopback.t — holonet tx -> relay -> rx end to end on 127.0.0.1 (fixed relay seeds):
# 0% loss gives the exact file; 25% loss with one-datagram chunks and enough loops gives the
# exact file; 60% loss in one loop gives a partial image that decodes; reordering, duplication,
# the HMAC tag and IPv6 are harmless. Every process is bounded by timeout, every wait is
# bounded, and everything still running is stopped on exit.
. "$(dirname "$0")/lib.sh"   # plan, ok, skip_all; T, removed on exit
BIN=$HOLO_BIN; TOOLS=$HOLO_TOOLS
H="$BIN/holonet"
if [ ! -x "$H" ] || [ ! -x "$TOOLS/mkimage" ] || [ ! -x "$TOOLS/psnr" ]; then
  skip_all "holonet or test tools not built"; fi
plan 26
PIDS=""
cleanup() { for p in $PIDS; do stop "$p" 5; done; rm -rf "$T"; }
trap cleanup EXIT INT TERM

. "$(dirname "$0")/net_lib.sh"

head -c 20000 /dev/urandom > "$T/blob.bin"
"$TOOLS/mkimage" "$T/photo.png" 96 64 5

# --- 1. 0% loss: exact binary and exact image ------------------------------------------
mkdir "$T/r1"
start_rx "$T/rx1.log" --base-dir "$T/r1" --idle-timeout 1
start_relay "$T/rl1.log" --loss 0 --seed 1
tx "$T/blob.bin" 127.0.0.1 --port "$RLPORT" --loops 1 --delay 0 --chunk-kb 4
ok $? "tx of a 20 kB binary exits 0"
waitpid "$RXPID"; ok $? "rx (best mode) exits 0 after its idle timeout"
cmp -s "$T/blob.bin" "$T/r1/blob.bin"; ok $? "0% loss: binary received byte for byte"
stop "$RLPID"

mkdir "$T/r2"
start_rx "$T/rx2.log" --base-dir "$T/r2" --idle-timeout 1
start_relay "$T/rl2.log" --loss 0 --seed 1
tx "$T/photo.png" 127.0.0.1 --port "$RLPORT" --loops 1 --delay 0
waitpid "$RXPID"
ok "$( [ "$("$TOOLS/psnr" "$T/photo.png" "$T/r2/photo.png" 2>/dev/null)" = inf ]; echo $?)" \
   "0% loss: image pixels exact"
stop "$RLPID"

# --- 2. 25% loss, one-datagram chunks -----------------------------------------------------
# With B chunks of one datagram each and independent loss p = 0.25, a chunk is missing after
# L loops with probability p^L, so P(incomplete) <= (B + 1) * p^L. B is about 10 here; L = 12
# gives (11) * 0.25^12 = 6.6e-7. The relay's seed fixes which datagram positions are lost.
mkdir "$T/r3"
start_rx "$T/rx3.log" --base-dir "$T/r3" --idle-timeout 1
start_relay "$T/rl3.log" --loss 0.25 --seed 25
: > "$T/tx.log"
tx "$T/photo.png" 127.0.0.1 --port "$RLPORT" --loops 12 --delay 0 --payload 8000 --chunk-kb 4
chunks=$(sed -n 's/.* \([0-9]*\) chunks (total.*/\1/p' "$T/tx.log")
dpl=$(sed -n 's/.* \([0-9]*\) datagrams per loop.*/\1/p' "$T/tx.log")
ok "$( [ -n "$chunks" ] && [ "$dpl" = $((chunks + 1)) ]; echo $?)" \
   "precondition: every chunk fits one datagram ($chunks chunks, $dpl datagrams per loop)"
waitpid "$RXPID"
ok "$( [ "$("$TOOLS/psnr" "$T/photo.png" "$T/r3/photo.png" 2>/dev/null)" = inf ]; echo $?)" \
   "25% loss, 12 loops: image exact"
stop "$RLPID"
lost=$(sed -n 's/.* \([0-9]*\) lost.*/\1/p' "$T/rl3.log")
ok "$( [ "${lost:-0}" -gt 0 ]; echo $?)" "the relay really dropped datagrams ($lost)"

# --- 3. 60% loss, 1 loop: a partial image that decodes ------------------------------------
mkdir "$T/r4"
start_rx "$T/rx4.log" --base-dir "$T/r4" --idle-timeout 1
start_relay "$T/rl4.log" --loss 0.6 --seed 3
tx "$T/photo.png" 127.0.0.1 --port "$RLPORT" --loops 1 --delay 0 --payload 8000 --chunk-kb 4
waitpid "$RXPID"
out=$(ls "$T/r4" | grep -v '\.holo$' | head -1)
got=$(sed -n 's/.*: \([0-9]*\)\/[0-9]* chunks, .*/\1/p' "$T/rx4.log" | tail -1)
ok "$( [ -n "$out" ] && [ -n "$got" ] && [ "$got" -lt "$chunks" ]; echo $?)" \
   "60% loss: partial set ($got of $chunks chunks) decoded into $out"
p=$("$TOOLS/psnr" "$T/photo.png" "$T/r4/$out" 2>/dev/null)
ok "$(echo "$p" | awk '{exit !($1 != "inf" && $1 > 12)}'; echo $?)" "partial image PSNR $p dB (finite, > 12)"
stop "$RLPID"

# --- 4. reordering and duplication are harmless -------------------------------------------
mkdir "$T/r5"
start_rx "$T/rx5.log" --base-dir "$T/r5" --idle-timeout 1
start_relay "$T/rl5.log" --reorder 0.3 --dup 0.3 --seed 9
tx "$T/blob.bin" 127.0.0.1 --port "$RLPORT" --loops 1 --delay 0 --payload 300 --chunk-kb 4
waitpid "$RXPID"
cmp -s "$T/blob.bin" "$T/r5/blob.bin"; ok $? "reorder 30% + dup 30%, 300-byte datagrams: binary exact"
stop "$RLPID"
ok "$(grep -q 'summary:.* [1-9][0-9]* duplicated, [1-9][0-9]* reordered' "$T/rl5.log"; echo $?)" \
   "the relay duplicated and reordered"
ok "$(grep -q 'summary:.* [1-9][0-9]* duplicates, 0 rejects' "$T/rx5.log"; echo $?)" \
   "rx counted the duplicates and rejected nothing"

# --- 5. the optional HMAC tag --------------------------------------------------------------
printf 'correct horse battery staple' > "$T/key"
mkdir "$T/r6"
start_rx "$T/rx6.log" --base-dir "$T/r6" --idle-timeout 1 --key "$T/key"
tx "$T/blob.bin" 127.0.0.1 --port "$RXPORT" --loops 1 --delay 0 --key "$T/key"
waitpid "$RXPID"
cmp -s "$T/blob.bin" "$T/r6/blob.bin"; ok $? "--key on both sides: binary exact"
mkdir "$T/r7"
start_rx "$T/rx7.log" --base-dir "$T/r7" --idle-timeout 1 --key "$T/key"
tx "$T/blob.bin" 127.0.0.1 --port "$RXPORT" --loops 1 --delay 0
printf 'wrong key' > "$T/key2"
tx "$T/blob.bin" 127.0.0.1 --port "$RXPORT" --loops 1 --delay 0 --key "$T/key2"
sleep 0.3; stop "$RXPID"
ok $? "keyed rx stops cleanly on SIGTERM"
ok "$( [ -z "$(ls -A "$T/r7")" ]; echo $?)" "untagged and forged datagrams land nothing"
ok "$(grep -q 'summary: 0 transfers.*(short [0-9]*, auth [1-9]' "$T/rx7.log" || grep -q 'summary: 0 transfers.*auth [1-9]' "$T/rx7.log"; echo $?)" \
   "they are counted as rejects (auth)"

# --- 6. IPv6 -------------------------------------------------------------------------------
mkdir "$T/r8"
if RXBIND=::1 start_rx "$T/rx8.log" --base-dir "$T/r8" --idle-timeout 1; then
  tx "$T/blob.bin" ::1 --port "$RXPORT" --loops 1 --delay 0
  waitpid "$RXPID"
  cmp -s "$T/blob.bin" "$T/r8/blob.bin"; ok $? "IPv6 (::1): binary exact"
else
  ok 0 "# SKIP no IPv6 loopback"
fi

# --- 7. store mode keeps serving until killed, and is resumable ---------------------------
mkdir "$T/r9"
start_rx "$T/rx9.log" --base-dir "$T/r9" --decode-mode none --idle-timeout 1
tx "$T/photo.png" 127.0.0.1 --port "$RXPORT" --loops 1 --delay 0
sleep 1.5
ok "$(kill -0 "$RXPID"; echo $?)" "store mode is still running after the transfer went idle"
stop "$RXPID"; ok $? "store mode exits 0 on SIGTERM"
ok "$( [ -d "$T/r9/photo.png.holo" ] && [ ! -e "$T/r9/photo.png" ] && \
       [ "$(ls "$T/r9/photo.png.holo" | wc -l)" -gt 1 ]; echo $?)" "store mode: photo.png.holo kept, never decoded"
ok "$(grep -q 'summary: 1 transfers' "$T/rx9.log"; echo $?)" "store mode prints the final summary"

# --- 8. two transfers at once ----------------------------------------------------------------
mkdir "$T/r10"
start_rx "$T/rx10.log" --base-dir "$T/r10" --idle-timeout 1
tx "$T/blob.bin" 127.0.0.1 --port "$RXPORT" --loops 2 --delay 0.0002 --payload 500 &
A=$!
tx "$T/photo.png" 127.0.0.1 --port "$RXPORT" --loops 2 --delay 0.0002 --payload 500
wait $A
waitpid "$RXPID"
cmp -s "$T/blob.bin" "$T/r10/blob.bin" && \
  [ "$("$TOOLS/psnr" "$T/photo.png" "$T/r10/photo.png" 2>/dev/null)" = inf ]
ok $? "two concurrent transfers into one rx: both exact"
ok "$(grep -q 'summary: 2 transfers' "$T/rx10.log"; echo $?)" "rx reports both transfers"

# --- 9. multicast (IPv4 group on the loopback interface) -------------------------------------
mkdir "$T/r11"
if RXBIND=239.255.42.99 start_rx "$T/rx11.log" --base-dir "$T/r11" --idle-timeout 1 --iface lo; then
  tx "$T/blob.bin" 239.255.42.99 --port "$RXPORT" --loops 1 --delay 0 --ttl 1 --iface lo
  waitpid "$RXPID" 10
  if [ -f "$T/r11/blob.bin" ]; then cmp -s "$T/blob.bin" "$T/r11/blob.bin"; ok $? "multicast: binary exact"
  else ok 0 "# SKIP multicast not delivered on lo here"; fi
else
  ok 0 "# SKIP cannot join a multicast group on lo"
fi

# --- 10. chunk_index = block number beyond 10000 (doc/transport.md §Chunk index) ---------
# 10002 tiny valid HOBI chunks (a 1024-byte file, B = 10002, every slice empty), made with awk +
# perl (hex to bytes: perl is always there, prove is perl) + split. On the wire each DATA
# datagram must carry chunk_index = the block id inside its chunk (a name-sorted sender would put
# chunk_10000 at index 1001), and rx must store chunk_10000.holo under that name.
mkdir -p "$T/many/x.holo" "$T/r12"
awk 'BEGIN { for (i = 0; i < 10002; i++)
    printf "484f4249020000000000000400000027120%07x000004000000001100000008" \
           "78da63601805a360148c5400000400000178da030000000001", i }' |
  perl -ne 'chomp; print pack("H*", $_)' > "$T/many/all"
( cd "$T/many/x.holo" && split -b 58 -a 5 -d --additional-suffix=.holo ../all chunk_ )
start_rx "$T/rx12.log" --base-dir "$T/r12" --decode-mode none --capture "$T/many.hex"
tx "$T/many/x.holo" 127.0.0.1 --port "$RXPORT" --loops 1 --delay 0
i=0; while [ $i -lt 1200 ] && [ "$(ls "$T/r12/x.holo" 2>/dev/null | wc -l)" -lt 10002 ]; do sleep 0.05; i=$((i+1)); done
stop "$RXPID"
res=$(awk '/^484e45540101/ { d++; if (substr($0, 79, 8) != substr($0, 29, 8) || substr($0, 21, 8) != "00002712") bad++ }
      END { printf "%d %d", d, bad + 0 }' "$T/many.hex")
ok "$( [ "$res" = "10002 0" ]; echo $?)" "10002 chunks: every chunk_index equals the block id, total 10002 ($res)"
cmp -s "$T/many/x.holo/chunk_10000.holo" "$T/r12/x.holo/chunk_10000.holo" && \
  cmp -s "$T/many/x.holo/chunk_09999.holo" "$T/r12/x.holo/chunk_9999.holo" && \
  [ "$(ls "$T/r12/x.holo" | wc -l)" = 10002 ]
ok $? "...and rx stores all 10002, named by block id (chunk_9999.holo, chunk_10000.holo)"
exit $_failed
