#!/bin/sh
# bench_audio4.sh — HO4A against flac: bytes (default and --compact) and wall-clock encode /
# decode time next to `flac -8` and `flac -d`, per WAV given (default: two espeak-ng
# recordings). Usage: HOLO_BIN=bin sh bench/bench_audio4.sh [FILE.wav...]
set -e
holo=${HOLO_BIN:-bin}/holo
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if [ $# -eq 0 ]; then
    espeak-ng -w "$tmp/speech_en.wav" "Move and store media over links that lose data. Every chunk holds a coarse view of the whole file."
    espeak-ng -v de+f3 -w "$tmp/speech_de.wav" "Ein holographischer Codec schneidet eine Datei in viele Stuecke."
    set -- "$tmp/speech_en.wav" "$tmp/speech_de.wav"
fi
now() { date +%s.%N; }
secs() { echo "$2 - $1" | bc; }
size() { du -sb "$1" | cut -f1; }
printf '%-28s %10s %10s %6s %6s | %7s %7s %5s | %7s %7s %5s\n' file flac8 ho4a ratio cmpct \
    enc_s flac_s x dec_s flacd_s x
for f in "$@"; do
    t0=$(now); flac -8 -s -f -o "$tmp/x.flac" "$f"; t1=$(now)
    flac -d -s -f -o "$tmp/x.wav" "$tmp/x.flac"; t2=$(now)
    rm -rf "$tmp/a.holo" "$tmp/c.holo"
    "$holo" encode --codec-version 4 -o "$tmp/a.holo" "$f"; t3=$(now)
    "$holo" decode -o "$tmp/a.wav" "$tmp/a.holo"; t4=$(now)
    "$holo" encode --codec-version 4 --compact -o "$tmp/c.holo" "$f"
    cmp -s "$f" "$tmp/a.wav" || echo "$f: NOT EXACT" >&2
    fl=$(stat -c %s "$tmp/x.flac"); a=$(size "$tmp/a.holo"); c=$(size "$tmp/c.holo")
    fe=$(secs "$t0" "$t1"); fd=$(secs "$t1" "$t2"); he=$(secs "$t2" "$t3"); hd=$(secs "$t3" "$t4")
    printf '%-28s %10s %10s %6.3f %6.3f | %7.2f %7.2f %5.1f | %7.2f %7.2f %5.1f\n' "$(basename "$f")" \
        "$fl" "$a" "$(echo "$a / $fl" | bc -l)" "$(echo "$c / $fl" | bc -l)" \
        "$he" "$fe" "$(echo "$he / $fe" | bc -l)" "$hd" "$fd" "$(echo "$hd / $fd" | bc -l)"
done
