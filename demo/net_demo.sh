#!/bin/sh
# net_demo.sh — send a photo over a lossy link and watch it arrive. Called by demo.sh with its
# demo directory (uses DIR/photo.png, or makes one); runnable alone: sh demo/net_demo.sh [DIR].
#   holonet rx in store mode  <-  holonet relay (30% loss)  <-  holonet tx, one loop at a time
# After each pass the image is read back (through a holofs mount of the store when holofs and
# /dev/fuse are available, else with holo decode) and its PSNR printed: it climbs to "inf".
cd "$(dirname "$0")/.." || exit 1
: "${HOLO_BIN:=$PWD/bin}" "${HOLO_TOOLS:=$PWD/build/tools}"
D=${1:-$(mktemp -d /tmp/holo-net-demo.XXXXXX)}
H=$HOLO_BIN/holonet
[ -x "$H" ] || { echo "net demo: $H not built" >&2; exit 1; }
N="$D/net"
rm -rf "$N"; mkdir -p "$N/store" "$N/mnt"
[ -f "$D/photo.png" ] || "$HOLO_TOOLS/mkimage" "$D/photo.png" 1024 768 7
PIDS=""; MOUNTED=""
cleanup() {
    for p in $PIDS; do kill "$p" 2>/dev/null; done
    [ -n "$MOUNTED" ] && fusermount3 -u "$N/mnt" 2>/dev/null
    for p in $PIDS; do   # bounded wait, then SIGKILL
        i=0; while kill -0 "$p" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.05; i=$((i+1)); done
        kill -KILL "$p" 2>/dev/null
    done
    wait 2>/dev/null
}
trap cleanup EXIT INT TERM
port() { echo $(( 20000 + $(od -An -N2 -tu2 /dev/urandom) % 40000 )); }
ready() { i=0; while [ $i -lt 100 ] && ! grep -q "$1" "$2" 2>/dev/null; do sleep 0.05; i=$((i+1)); done; }

echo "4. send the photo over a lossy UDP link (30% of datagrams lost) and watch it arrive"
RX=$(port); RL=$((RX + 1))
"$H" rx --bind 127.0.0.1 --port $RX --base-dir "$N/store" --decode-mode none --idle-timeout 0 \
    2>"$N/rx.log" & PIDS="$PIDS $!"
"$H" relay --bind 127.0.0.1 --listen $RL --to 127.0.0.1:$RX --loss 0.3 --seed 30 \
    2>"$N/relay.log" & PIDS="$PIDS $!"
ready "listening" "$N/rx.log"; ready "seed" "$N/relay.log"
view="holo decode"
if [ -x "$HOLO_BIN/holofs" ] && [ -c /dev/fuse ] && "$HOLO_BIN/holofs" "$N/store" "$N/mnt" 2>/dev/null; then
    MOUNTED=1; view="the holofs mount $N/mnt"
fi
echo "   rx (store mode) -> $N/store; image read back through $view"
"$HOLO_BIN/holo" encode --pixels -b 64 -o "$N/photo.png.holo" "$D/photo.png" >/dev/null 2>&1
kb=$(cat "$N"/photo.png.holo/chunk_*.holo | wc -c | awk '{ printf "%.0f", $1 / 64 / 1000 }')
echo "   tx: 64 v4 chunks of about $kb kB, 1400-byte datagrams, 8 loops (segments of one transfer"
echo "   combine across loops; each loop sends the chunks in a new random order)"
"$H" tx "$N/photo.png.holo" 127.0.0.1 --port $RL --loops 8 --delay 0.0003 2>"$N/tx.log" &
TX=$!; PIDS="$PIDS $TX"
t=0; last=""
while :; do
    sleep 0.5; t=$((t + 1))
    got=$(ls "$N/store/photo.png.holo" 2>/dev/null | wc -l)
    [ "$got" = "$last" ] && kill -0 $TX 2>/dev/null && continue
    last=$got; p=""
    if [ "$got" -gt 0 ] && [ -n "$MOUNTED" ]; then
        p=$("$HOLO_TOOLS/psnr" "$D/photo.png" "$N/mnt/photo.png" 2>/dev/null)
    elif [ "$got" -gt 0 ]; then
        "$HOLO_BIN/holo" decode --force -o "$N/view.png" "$N/store/photo.png.holo" >/dev/null 2>&1
        p=$("$HOLO_TOOLS/psnr" "$D/photo.png" "$N/view.png" 2>/dev/null)
    fi
    printf '   %4.1f s: %2d of 64 chunks stored -> %s dB PSNR\n' "$(echo $t | awk '{print $1 / 2}')" "$got" "${p:--}"
    [ "$p" = inf ] && break
    kill -0 $TX 2>/dev/null || break
    [ $t -gt 60 ] && break
done
wait $TX 2>/dev/null
cleanup; PIDS=""; MOUNTED=""
sed -n 's/^\[relay\] summary: /   relay: /p' "$N/relay.log"
sed -n 's/^\[rx\] summary: /   rx: /p' "$N/rx.log"
