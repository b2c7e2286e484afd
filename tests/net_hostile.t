#!/bin/sh
# net_hostile.t — a live `holonet rx` under hostile datagrams: path-traversal and control-
# character names, huge counts, a flood of transfer ids, truncated headers, wrong magic and
# version, oversize datagrams. Everything is dropped or contained (nothing outside the base
# directory, memory within --max-mem), and the receiver keeps working afterwards.
. "$(dirname "$0")/lib.sh"   # plan, ok, skip_all; T, removed on exit
BIN=$HOLO_BIN; V=$HOLO_VECTORS/transport/hnet
H="$BIN/holonet"
if [ ! -x "$H" ] || [ ! -x "$BIN/holo" ] || [ ! -f "$V/capture.hex" ]; then
  skip_all "holonet, holo or the transport vectors missing"; fi
plan 12
PIDS=""
cleanup() { for p in $PIDS; do stop "$p" 5; done; [ -n "$KEEP" ] || rm -rf "$T"; }
trap cleanup EXIT INT TERM
. "$(dirname "$0")/net_lib.sh"

mkdir "$T/base"
# a valid one-chunk encoding to pair with hostile names (B = 1, so total_chunks = 1)
head -c 3000 /dev/urandom > "$T/one.bin"
"$BIN/holo" encode -b 1 -o "$T/one.bin.holo" "$T/one.bin" >/dev/null 2>&1
CH=$(od -An -v -tx1 "$T/one.bin.holo/chunk_0000.holo" | tr -d ' \n')

for try in 1 2 3 4 5 6; do
  RXPORT=$(rport)
  $SERVICE "$H" rx --bind 127.0.0.1 --port "$RXPORT" --base-dir "$T/base" --decode-mode none \
    --idle-timeout 0 --max-mem 4M --max-transfers 8 --payload 20000 2>"$T/rx.log" &
  RXPID=$!; PIDS="$PIDS $RXPID"
  wait_for "listening on" "$T/rx.log" "$RXPID" && break
  wait "$RXPID" 2>/dev/null
done

# 1. the reference edge cases, as datagrams
grep '^datagram = ' "$V/edge_cases.txt" | sed 's/^datagram = //' > "$T/edge.hex"
inject "$T/edge.hex" --delay 0.001
# 2. hostile names, each with a valid chunk under its own transfer id
id=1000
for name in '../../../evil1' '/etc/evil2' '..' '.' '.evil3' 'a\b' "$(printf 'evil\033[2J')" \
            "$(printf 'x\001y')" '  ' "$(head -c 300 /dev/zero | tr '\0' 'e')"; do
  id=$((id + 1))
  echo "$(hdr 0 $id 1 0 0 0)$(hexs "$name")"
  echo "$(hdr 1 $id 1 0 0 1)$CH"
done > "$T/names.hex"
printf '%s6576696c00782e706e67\n%s%s\n' "$(hdr 0 2000 1 0 0 0)" "$(hdr 1 2000 1 0 0 1)" "$CH" >> "$T/names.hex"
inject "$T/names.hex" --delay 0.001
# 3. huge counts, truncated headers, wrong magic / version, zero ids, oversize
{
  echo "$(hdr 1 3001 4294967295 7 0 1)00"
  echo "$(hdr 1 3002 4 0 0 65535)$(head -c 1000 /dev/zero | od -An -v -tx1 | tr -d ' \n')"
  echo "$(hdr 1 3003 4 0 9 3)00"
  echo "484e455401"
  echo "$(hdr 1 3004 4 0 0 1 | cut -c1-42)"
  echo "584e4554$(hdr 1 3005 4 0 0 1 | cut -c9-)00"
  echo "484e455409$(hdr 1 3006 4 0 0 1 | cut -c11-)00"
  echo "$(hdr 1 0 4 0 0 1)00"
  echo "$(hdr 1 3007 4 0 0 1)$(head -c 25000 /dev/zero | od -An -v -tx1 | tr -d ' \n')"
} > "$T/bad.hex"
inject "$T/bad.hex" --delay 0.001
# 4. a flood of transfer ids, each opening a 1 MB chunk assembly
awk 'BEGIN { p = ""; for (i = 0; i < 1000; i++) p = p "ab";
             for (i = 0; i < 3000; i++) printf "484e45540101%08x000003e8%08x000003e8%s\n", 100000 + int(i / 8), i % 8, p }' \
  > "$T/flood.hex"
inject "$T/flood.hex"
sleep 0.5
ok "$(kill -0 "$RXPID"; echo $?)" "rx survived the hostile input"

# 5. and still receives an honest transfer
inject "$V/capture.hex" --delay 0.0003
# landed: every reference chunk is in the store; waited for, bounded (a loaded machine is slow)
landed() { for f in "$V"/rx_full/sample.png.holo/chunk_*.holo; do
  cmp -s "$f" "$T/base/sample.png.holo/$(basename "$f")" || return 1; done; }
i=0; while ! landed && [ $i -lt 1200 ]; do sleep 0.05; i=$((i+1)); done
landed; ok $? "after the attack the capture still lands: 9 reference chunks in sample.png.holo"
stop "$RXPID"; st=$?; ok $st "rx exits 0 on SIGTERM"
[ $st = 0 ] || { echo "#   status $st; the end of its log:"; tail -3 "$T/rx.log" | sed "s/^/#   /"; }

# containment
ok "$( [ "$(ls -A "$T" | sort | tr '\n' ' ')" = "bad.hex base edge.hex flood.hex names.hex one.bin one.bin.holo rx.log " ]; echo $?)" \
   "nothing was created outside the base directory"
ok "$( [ -z "$(find "$T/base" -mindepth 1 -maxdepth 1 ! -name '*.holo')" ] && \
       [ -z "$(find "$T/base" -mindepth 1 -maxdepth 1 -name '.*')" ]; echo $?)" \
   "the base directory holds only visible NAME.holo directories"
ok "$( [ -z "$(find "$T/base" -name '*evil*')" ] && [ ! -e "$T/base/...holo" ]; echo $?)" \
   "no hostile name was used"
cnt=$(find "$T/base" -maxdepth 1 -name 'transfer_100[1-9].holo' -o -maxdepth 1 -name 'transfer_10[01][0-9].holo' -o -maxdepth 1 -name 'transfer_2000.holo' | wc -l)
ok "$( [ "$cnt" = 11 ]; echo $?)" "the 11 chunks with rejected names landed under transfer_<id>.holo ($cnt)"
ok "$(grep -q 'name [1-9]' "$T/rx.log"; echo $?)" "rejected names are counted"
peak=$(sed -n 's/.*peak memory \([0-9]*\) bytes.*/\1/p' "$T/rx.log")
ok "$( [ -n "$peak" ] && [ "$peak" -le 4194304 ]; echo $?)" "memory stayed within --max-mem 4M (peak $peak bytes)"
ok "$(grep -q 'summary:.*cap [1-9]' "$T/rx.log"; echo $?)" "datagrams beyond the caps were counted (cap)"
ok "$(grep -q 'summary:.*short [1-9].*magic [1-9].*version [1-9].*type [1-9].*fields [1-9].*range [1-9]' "$T/rx.log"; echo $?)" \
   "short, magic, version, type, fields and range rejects all counted"
ok "$(grep -q 'summary:.*truncated [1-9]' "$T/rx.log"; echo $?)" "an oversize datagram is dropped as truncated"
exit $_failed
