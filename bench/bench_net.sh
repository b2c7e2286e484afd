#!/bin/sh
# bench_net.sh — HNET on loopback: tx send rate, and rx storing a transfer (store mode, chunks
# written to disk) beside a plain UDP sink that only counts datagrams. tx runs with --delay 0,
# one loop. Size: BENCH_NET_MB (default 100) of random bytes, encoded once with 32 kB chunks.
# Target: rx keeps up (no kernel drops) and reaches at least half the sink's rate.
mb=${BENCH_NET_MB:-100}
H=$HOLO_BIN/holonet; SINK=$HOLO_BENCH/bench_net_sink
[ -x "$H" ] && [ -x "$SINK" ] && [ -x "$HOLO_BIN/holo" ] || { echo "bench_net: holonet, holo or bench_net_sink not built" >&2; exit 1; }
tmp=$(mktemp -d /tmp/bench_net.XXXXXX) || exit 1
PIDS=""
trap 'for p in $PIDS; do kill $p 2>/dev/null; done; [ -n "$KEEP" ] || rm -rf "$tmp"' EXIT INT TERM
head -c $((mb * 1000000)) /dev/urandom > "$tmp/data.bin"
"$HOLO_BIN/holo" encode -k 32 -o "$tmp/data.bin.holo" "$tmp/data.bin" >/dev/null 2>&1 || { echo "bench_net: encode failed" >&2; exit 1; }
rm -f "$tmp/data.bin"
port() { echo $(( 20000 + $(od -An -N2 -tu2 /dev/urandom) % 40000 )); }
ready() { i=0; while [ $i -lt 200 ] && ! grep -q "$1" "$2" 2>/dev/null; do sleep 0.05; i=$((i+1)); done; }

printf '%-40s %12s %12s %14s\n' "loopback, payload 1400, --delay 0" "datagrams/s" "MB/s" "kernel drops"
# 1. baseline sink (and the tx rate measured against it)
P=$(port)
timeout 300 "$SINK" "$P" 2 > "$tmp/sink.out" 2>"$tmp/sink.err" & S=$!; PIDS="$PIDS $S"
ready listening "$tmp/sink.err"
timeout 300 "$H" tx "$tmp/data.bin.holo" 127.0.0.1 --port "$P" --loops 1 --delay 0 2>"$tmp/tx1.log"
wait $S
read sn sb ss sd < "$tmp/sink.out" || cat "$tmp/sink.err" >&2
txr=$(sed -n 's/.*in \([0-9.]*\) s (\([0-9]*\) datagrams\/s, \([0-9.]*\) MB\/s).*/\2 \3/p' "$tmp/tx1.log")
printf '%-40s %12s %12s %14s\n' "tx send rate" ${txr:-? ?} "-"
srate=$(awk -v n="$sn" -v s="$ss" 'BEGIN { printf "%.0f", (s > 0 ? n / s : 0) }')
printf '%-40s %12s %12s %14s\n' "baseline: UDP sink (count only)" "$srate" \
    "$(awk -v b="$sb" -v s="$ss" 'BEGIN { printf "%.2f", (s > 0 ? b / s / 1e6 : 0) }')" "$sd"
# 2. rx in store mode
P=$(port)
mkdir "$tmp/store"
timeout 300 "$H" rx --bind 127.0.0.1 --port "$P" --base-dir "$tmp/store" --decode-mode none \
    --idle-timeout 2 2>"$tmp/rx.log" & R=$!; PIDS="$PIDS $R"
ready listening "$tmp/rx.log"
timeout 300 "$H" tx "$tmp/data.bin.holo" 127.0.0.1 --port "$P" --loops 1 --delay 0 2>"$tmp/tx2.log"
i=0; while [ $i -lt 600 ] && ! grep -q "data.bin: .* chunks" "$tmp/rx.log"; do sleep 0.05; i=$((i+1)); done
kill $R; wait $R
line=$(grep "transfer .* data.bin: " "$tmp/rx.log" | tail -1)
rr=$(echo "$line" | sed -n 's/.*(\([0-9]*\) datagrams\/s, \([0-9.]*\) MB\/s).*/\1 \2/p')
drops=$(sed -n 's/.* \([0-9]*\) kernel drops.*/\1/p' "$tmp/rx.log")
printf '%-40s %12s %12s %14s\n' "holonet rx --decode-mode none" ${rr:-? ?} "${drops:-?}"
echo "$line" | sed 's/^\[rx\] /  /'
set -- $rr
awk -v a="${1:-0}" -v b="$srate" 'BEGIN { if (b > 0) printf "  rx / sink datagram rate: %.2f (target >= 0.5)\n", a / b }'
