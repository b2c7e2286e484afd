#!/bin/sh
# net_holofs.t — holofs mounted on a running `holonet rx` store: the chunks of a photo arrive in
# four batches (each batch a separate tx of a partial chunk directory, so later transfers join
# the same store), and reading the image through the mount after each batch gives a
# non-decreasing PSNR and finally the exact original. holofs runs as a daemon here (no -f): after
# the unmount its process must end.
. "$(dirname "$0")/lib.sh"   # plan, ok, skip_all; T, removed on exit
BIN=$HOLO_BIN; TOOLS=$HOLO_TOOLS
H="$BIN/holonet"
[ -x "$BIN/holofs" ] || skip_all "bin/holofs not built"
[ -c /dev/fuse ] || skip_all "/dev/fuse missing"
command -v fusermount3 >/dev/null || skip_all "fusermount3 missing"
[ -x "$H" ] && [ -x "$TOOLS/mkimage" ] && [ -x "$TOOLS/psnr" ] || skip_all "holonet or tools not built"
PIDS=""; MOUNTED=""
cleanup() {
  for p in $PIDS; do stop "$p" 5; done
  [ -n "$MOUNTED" ] && fusermount3 -u "$T/mnt" 2>/dev/null
  rm -rf "$T"
}
trap cleanup EXIT INT TERM
. "$(dirname "$0")/net_lib.sh"

mkdir "$T/store" "$T/mnt" "$T/src"
"$TOOLS/mkimage" "$T/photo.png" 192 128 11
"$BIN/holo" encode --pixels -b 16 -o "$T/src/photo.png.holo" "$T/photo.png" >/dev/null 2>&1
if ! timeout 20 "$BIN/holofs" "$T/store" "$T/mnt" 2>"$T/fs.log"; then
  skip_all "cannot mount holofs here: $(head -1 "$T/fs.log")"
fi
MOUNTED=1
plan 10
for try in 1 2 3 4 5 6; do
  P=$(rport)
  $SERVICE "$H" rx --bind 127.0.0.1 --port "$P" --base-dir "$T/store" --decode-mode none \
    --idle-timeout 5 2>"$T/rx.log" &
  RX=$!; PIDS="$PIDS $RX"
  wait_for "listening on" "$T/rx.log" "$RX" && break
  stop "$RX" 5
done

prev=0; mono=0; last=""
for batch in 1 2 3 4; do
  # chunks 0..4*batch-1 of 16, spread: block b goes in batch (b*5 mod 16)/4 + 1
  rm -rf "$T/part"; mkdir -p "$T/part/photo.png.holo"
  for b in $(seq 0 15); do
    [ $(( (b * 5 % 16) / 4 + 1 )) -le $batch ] && cp "$T/src/photo.png.holo/$(printf 'chunk_%04d.holo' $b)" "$T/part/photo.png.holo/"
  done
  want=$(ls "$T/part/photo.png.holo" | wc -l)
  timeout -k 5 30 "$H" tx "$T/part/photo.png.holo" 127.0.0.1 --port "$P" --loops 2 --delay 0 2>/dev/null
  i=0
  while [ $i -lt 100 ] && [ "$(ls "$T/store/photo.png.holo" 2>/dev/null | wc -l)" -lt "$want" ]; do sleep 0.05; i=$((i+1)); done
  # the mount notices store changes asynchronously: allow it a moment to drop its cache
  i=0; p=""
  while [ $i -lt 40 ]; do
    p=$("$TOOLS/psnr" "$T/photo.png" "$T/mnt/photo.png" 2>/dev/null)
    [ -n "$p" ] && [ "$p" != "$last" ] && break
    sleep 0.1; i=$((i+1))
  done
  last=$p
  ok "$( [ -n "$p" ]; echo $?)" "batch $batch: $want/16 chunks in the store, image read through the mount: PSNR $p dB"
  ok "$(awk -v a="$p" -v b="$prev" 'BEGIN { exit !(a == "inf" || (b != "inf" && a + 0 >= b + 0)) }'; echo $?)" \
     "batch $batch: PSNR did not decrease ($prev -> $p)"
  prev=$p
done
ok "$( [ "$last" = inf ]; echo $?)" "the final read through the mount is the exact original"
stop "$RX"
# the daemon (its command line as started above) ends after the unmount, within a bounded wait
fusermount3 -u "$T/mnt" && MOUNTED=""
daemon() { pgrep -f -x "$BIN/holofs $T/store $T/mnt"; }
i=0; while daemon > /dev/null && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done
left=$(daemon); [ -n "$left" ] && kill -9 $left
ok "$( [ -z "$left" ]; echo $?)" "the holofs daemon exits after fusermount3 -u"
exit $_failed
