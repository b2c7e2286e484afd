#!/bin/sh
# bench_audio4.sh — HO4A against flac and wavpack: bytes (default and --compact) and encode /
# decode time next to `flac -8` / `flac -d` and `wavpack -hhx` / `wvunpack`, per WAV given. Default corpus: 30 s excerpts of the music of
# frozen-bubble-data (Debian; its Ogg files decoded to WAV) when installed, and two espeak-ng
# recordings (BENCH_MUSIC_DIR: another directory holding those Ogg files, e.g. the package
# unpacked with dpkg-deb -x). Times are wall clock (our two threads against flac's one) and
# CPU (user + sys), each the best of BENCH_RUNS (3) runs; the ratios put ours over flac's and
# wavpack's. The targets (issue 17): encode <= 3x `flac -8`, decode <= 3x `flac -d` in wall
# time on 2 cores.
# "store" is `holo encode` without a version (the store policy: HO4A plus a verifying decode).
# Usage: HOLO_BIN=bin sh bench/bench_audio4.sh [FILE.wav...]
set -e
holo=${HOLO_BIN:-bin}/holo
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if [ $# -eq 0 ]; then
    snd=${BENCH_MUSIC_DIR:-/usr/share/games/frozen-bubble/snd}
    for o in frozen-mainzik-1p frozen-mainzik-2p introzik; do
        [ -f "$snd/$o.ogg" ] || continue
        if command -v ffmpeg > /dev/null; then
            ffmpeg -loglevel error -y -i "$snd/$o.ogg" -t 30 -c:a pcm_s16le "$tmp/$o.wav"
        elif command -v sox > /dev/null; then
            sox "$snd/$o.ogg" -b 16 "$tmp/$o.wav" trim 0 30 2> /dev/null
        else
            continue
        fi
        set -- "$@" "$tmp/$o.wav"
    done
    [ $# -gt 0 ] || echo "(no music: apt-get install frozen-bubble-data ffmpeg for the music rows)"
    espeak-ng -w "$tmp/speech_en.wav" "Move and store media over links that lose data. Every chunk holds a coarse view of the whole file."
    espeak-ng -v de+f3 -w "$tmp/speech_de.wav" "Ein holographischer Codec schneidet eine Datei in viele Stuecke."
    set -- "$@" "$tmp/speech_en.wav" "$tmp/speech_de.wav"
    for a in Front_Center Noise; do   # alsa-utils: short speech, and noise (compact in the store)
        [ -f "/usr/share/sounds/alsa/$a.wav" ] && set -- "$@" "/usr/share/sounds/alsa/$a.wav"
    done
fi
# timed CMD...: runs CMD $runs times (BENCH_RUNS, default 3; after `$prep` each time), sets
# wall and cpu (user + sys, seconds) to the fastest run's: the machine's other load only adds.
# CPU from `perf stat` (task-clock, all threads, to the microsecond) when it works, else from
# /usr/bin/time (10 ms steps: flac -d on 30 s takes ~20 ms).
if perf stat -x, -e task-clock -o "$tmp/p" true 2> /dev/null; then useperf=1; else useperf=; fi
timed() {
    wall=; cpu=
    i=0
    while [ $i -lt "$runs" ]; do
        i=$((i + 1))
        eval "$prep"
        if [ -n "$useperf" ]; then
            t0=$(date +%s%N)
            perf stat -x, -e task-clock -o "$tmp/p" "$@"
            t1=$(date +%s%N)
            w=$(echo "($t1 - $t0) / 1000000000" | bc -l)
            c=$(awk -F, '/task-clock/ { printf "%.6f", $1 / 1000 }' "$tmp/p")
        elif [ -x /usr/bin/time ]; then
            /usr/bin/time -f '%e %U %S' -o "$tmp/t" "$@"
            read -r w u s < "$tmp/t"
            c=$(echo "$u + $s" | bc)
        else
            t0=$(date +%s.%N); "$@"; t1=$(date +%s.%N)
            w=$(echo "$t1 - $t0" | bc); c=$w
        fi
        [ -n "$wall" ] && [ "$(echo "$w >= $wall" | bc)" = 1 ] || wall=$w
        [ -n "$cpu" ] && [ "$(echo "$c >= $cpu" | bc)" = 1 ] || cpu=$c
    done
    prep=:
}
prep=:
runs=${BENCH_RUNS:-3}
# ratio A B: A / B to one decimal, "-" when B is below 10 ms (the timer's resolution, or a
# process start)
ratio() { if [ "$(echo "$2 >= 0.01" | bc)" = 1 ]; then printf '%.1f' "$(echo "$1 / $2" | bc -l)"; else echo -; fi; }
size() { cat "$1"/* | wc -c; }   # the chunks' bytes (the store's size rule counts these)
echo "wall x / cpu x: our time over flac's (-8 to encode, -d to decode) in the same run, targets: wall <= 3.0;"
echo "wv x: our wall time over wavpack's (-hhx / wvunpack); /wv: bytes over wavpack -hhx's; store: holo encode (policy) wall over flac -8"
printf '%-22s %9s %9s %9s %6s %6s %6s | %5s %5s %5s %5s %5s %5s | %5s %5s %5s %5s %5s\n' file flac8 wv_hhx ho4a ratio /wv cmpct \
    enc_s flac8 wall_x cpu_x wv_x store dec_s flacd wall_x cpu_x wv_x
for f in "$@"; do
    timed flac -8 -s -f -o "$tmp/x.flac" "$f" 2> /dev/null; fe=$wall; fec=$cpu
    timed flac -d -s -f -o "$tmp/x.wav" "$tmp/x.flac"; fd=$wall; fdc=$cpu
    timed wavpack -hhx -q -y -o "$tmp/x.wv" "$f"; we=$wall
    timed wvunpack -q -y -o "$tmp/w.wav" "$tmp/x.wv"; wd=$wall
    rm -rf "$tmp/c.holo"
    prep='rm -rf "$tmp/a.holo"'; timed "$holo" encode --codec-version 4 -o "$tmp/a.holo" "$f"; he=$wall; hec=$cpu
    timed "$holo" decode --force -o "$tmp/a.wav" "$tmp/a.holo"; hd=$wall; hdc=$cpu
    prep='rm -rf "$tmp/s.holo"'; timed "$holo" encode -o "$tmp/s.holo" "$f"; hs=$wall
    "$holo" encode --codec-version 4 --compact -o "$tmp/c.holo" "$f"
    cmp -s "$f" "$tmp/a.wav" || echo "$f: NOT EXACT" >&2
    fl=$(stat -c %s "$tmp/x.flac"); wv=$(stat -c %s "$tmp/x.wv"); a=$(size "$tmp/a.holo"); c=$(size "$tmp/c.holo")
    printf '%-22s %9s %9s %9s %6.3f %6.3f %6.3f | %5.2f %5.2f %5s %5s %5s %5s | %5.2f %5.2f %5s %5s %5s\n' \
        "$(basename "$f")" "$fl" "$wv" "$a" "$(echo "$a / $fl" | bc -l)" "$(echo "$a / $wv" | bc -l)" "$(echo "$c / $fl" | bc -l)" \
        "$he" "$fe" "$(ratio "$he" "$fe")" "$(ratio "$hec" "$fec")" "$(ratio "$he" "$we")" "$(ratio "$hs" "$fe")" \
        "$hd" "$fd" "$(ratio "$hd" "$fd")" "$(ratio "$hdc" "$fdc")" "$(ratio "$hd" "$wd")"
done
