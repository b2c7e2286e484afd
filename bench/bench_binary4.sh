#!/bin/sh
# bench_binary4.sh — binary v4 (HO4B) on real files: chunk bytes against `zstd -19`, encode
# MB/s at the default level (64 MiB frames, what `holo encode` writes; and 128 KiB frames, what
# a holofs mount writes: "fs128") and at --level max (against `zstd -19 --long=27`), sequential
# decode MB/s (wall clock and per second of CPU time) beside `zstd -d` and a plain copy (cat),
# their outputs fsynced as holo decode's is. Targets: default <= 1.10x zstd -19 at
# >= 40 MB/s on 2 cores; max <= 1.00x zstd -19 --long=27; decode >= 500 MB/s.
# Encode speed is given twice: wall clock (what a user waits, the machine's load included) and
# per core of CPU time ("cpu": user + system seconds; 2 cores give at most twice that).
# Inputs: the first 48 MB of a tar of /usr/share/doc (the whole tree takes minutes at -19),
# /var/lib/dpkg/status, shared libraries (libclang or libz3, libc, libavcodec or another of 12-20 MB; libLLVM with
# BENCH_BIG=1: 110 MB, minutes at -19), the first 32 MB of a tar of /usr/bin, the largest
# readable /var/log file, a tar of /usr/share/perl5. "flt": the frame filter the default
# encode chose (x86: branch targets, lines: line prefixes; holo(5) "HO4B FILTERS").
# BENCH_ONLY=REGEX: only the inputs whose names match (e.g. 'libclang|dpkg').
# First, files of at most 2 MiB (one frame, the small-file default): our default encode, best
# of BENCH_N (5) runs, wall clock and CPU, bytes over zstd -19, beside zstd -19, -10 and -3
# (best of BENCH_N too, -19 once). BENCH_SMALL_ONLY=1: that table only.
: "${HOLO_BIN:?}"
command -v zstd > /dev/null || { echo "bench_binary4: zstd not installed, skipped"; exit 0; }
T=$(mktemp -d "${TMPDIR:-/tmp}/holo-bench-bin4.XXXXXX")
trap 'rm -rf "$T"' EXIT
holo="$HOLO_BIN/holo"
tar cf - -C /usr/share doc 2> /dev/null | head -c 48000000 > "$T/doc.tar"
cp /var/lib/dpkg/status "$T/status"
lib=$(ls -S /usr/lib/x86_64-linux-gnu/libz3.so* /usr/lib/x86_64-linux-gnu/libclang-*.so* 2>/dev/null | head -1)
[ -n "$lib" ] || lib=$(ls -S /usr/lib/x86_64-linux-gnu/*.so* | head -1)
cp "$lib" "$T/$(basename "$lib")"
libs="$T/$(basename "$lib")"
for l in "$(ls /usr/lib/x86_64-linux-gnu/libc.so.6 2>/dev/null)" \
         "$( (ls /usr/lib/x86_64-linux-gnu/libavcodec.so.*.* 2>/dev/null; find /usr/lib/x86_64-linux-gnu -maxdepth 1 \
               -name '*.so*' -type f -size +12M -size -20M 2>/dev/null | sort) | head -1)" \
         "$([ -n "${BENCH_BIG:-}" ] && ls -S /usr/lib/x86_64-linux-gnu/libLLVM*.so* 2>/dev/null | head -1)"; do
    [ -n "$l" ] && [ -f "$l" ] && cp "$l" "$T/$(basename "$l")" && libs="$libs $T/$(basename "$l")"
done
tar cf - -C /usr bin 2> /dev/null | head -c 32000000 > "$T/usrbin.tar"
log=$(ls -S /var/log/*.log 2>/dev/null | head -1)
[ -n "$log" ] && cp "$log" "$T/$(basename "$log")"
[ -d /usr/share/perl5 ] && tar cf "$T/perl5.tar" -C /usr/share perl5 2> /dev/null

[ -f /usr/lib/x86_64-linux-gnu/libc.so.6 ] && cp -L /usr/lib/x86_64-linux-gnu/libc.so.6 "$T/libc.so.6"
head -c 1000000 "$T/doc.tar" > "$T/doc1m.tar"

now() { date +%s.%N; }
# secs CMD...: run, print elapsed seconds
secs() { t0=$(now); "$@" > /dev/null 2>&1 || echo "bench_binary4: failed: $*" >&2; t1=$(now); awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }'; }
# cpusecs CMD...: run, print user + system seconds (of the command and its threads)
cpusecs() { [ -x /usr/bin/time ] || { echo 0; return; }; /usr/bin/time -f "%U %S" -o "$T/time" "$@" > /dev/null 2>&1 || echo "bench_binary4: failed: $*" >&2; awk '{ printf "%.3f", $1 + $2 }' "$T/time"; }
mbs() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.0f", (s > 0 ? n / s / 1e6 : 0) }'; }
chunk_bytes() { cat "$1"/chunk_*.holo | wc -c; }

# best CMD...: the least elapsed seconds of BENCH_N runs
best() { b=; for i in $(seq "${BENCH_N:-5}"); do t=$(secs "$@"); b=$(awk -v a="$t" -v b="${b:-$t}" 'BEGIN { print (a < b ? a : b) }'); done; echo "$b"; }
# enc_best MODE FILE: our default encode of FILE into $T/s.holo, the least of BENCH_N runs: wall
# seconds (MODE wall) or user + system seconds (MODE cpu: perf's task-clock, in ms resolution)
enc_best() {
    b=
    for i in $(seq "${BENCH_N:-5}"); do
        rm -rf "$T/s.holo"
        if [ "$1" = wall ]; then t=$(secs "$holo" encode -j 2 --codec-version 4 -o "$T/s.holo" "$2")
        elif command -v perf > /dev/null && perf stat -x, -e task-clock -o "$T/pst" "$holo" encode -j 2 --codec-version 4 \
                 -o "$T/s.holo" "$2" > /dev/null 2>&1; then t=$(awk -F, '/task-clock/ { printf "%.4f", $1 / 1000 }' "$T/pst")
        else t=$(cpusecs "$holo" encode -j 2 --codec-version 4 -o "$T/s.holo" "$2"); fi
        b=$(awk -v a="$t" -v b="${b:-$t}" 'BEGIN { print (a < b ? a : b) }')
    done
    echo "$b"
}
echo "small files (<= 2 MiB, one frame): default encode, best of ${BENCH_N:-5}"
printf '%-14s %9s | %9s %6s %5s %7s %7s | %9s %7s | %7s %7s\n' file bytes default /z19 flt MB/s cpuMB/s z19 z19MB/s z10MB/s z3MB/s
for f in "$T"/status ${log:+"$T/$(basename "$log")"} "$T"/libc.so.6 $(ls "$T"/perl5.tar 2> /dev/null) "$T"/doc1m.tar; do
    [ -f "$f" ] || continue
    [ -n "${BENCH_ONLY:-}" ] && ! basename "$f" | grep -Eq "$BENCH_ONLY" && continue
    n=$(stat -c %s "$f")
    tz=$(secs zstd -q -19 -f -o "$f.zst" "$f"); z=$(stat -c %s "$f.zst")
    tz10=$(best zstd -q -10 -f -o "$f.zst" "$f"); tz3=$(best zstd -q -3 -f -o "$f.zst" "$f")
    rm -f "$f.zst"
    td=$(enc_best wall "$f"); d=$(chunk_bytes "$T/s.holo")
    case $(od -An -tu1 -j5 -N1 "$T/s.holo/chunk_0000.holo" | tr -d ' ') in
        2|3) flt=x86 ;; 4|5) flt=arm64 ;; 8|9) flt=lines ;; 16|17) flt=cols ;; *) flt=- ;;
    esac
    "$holo" decode -o "$f.out" "$T/s.holo" > /dev/null 2>&1 && cmp -s "$f" "$f.out" || echo "bench_binary4: $f: decode differs" >&2
    rm -f "$f.out"
    tc=$(enc_best cpu "$f"); rm -rf "$T/s.holo"
    printf '%-14s %9s | %9s %6.3f %5s %7s %7s | %9s %7s | %7s %7s\n' "$(basename "$f" | cut -c1-14)" "$n" "$d" \
        "$(awk -v a="$d" -v b="$z" 'BEGIN { print a / b }')" "$flt" "$(mbs "$n" "$td")" "$(mbs "$n" "$tc")" \
        "$z" "$(mbs "$n" "$tz")" "$(mbs "$n" "$tz10")" "$(mbs "$n" "$tz3")"
done
echo "(default: chunk bytes of our default encode; MB/s wall clock of the whole holo process including its"
echo " fdatasync of the chunks, zstd's without any sync; cpuMB/s per second of user + system time; -j 2 and"
echo " zstd single-threaded; load: $(cut -d' ' -f1-3 /proc/loadavg))"
[ -n "${BENCH_SMALL_ONLY:-}" ] && exit 0
echo

printf '%-22s %10s | %11s %6s %5s %7s %7s %7s | %11s %6s | %11s %6s %7s %7s | %7s %7s %7s %7s\n' file bytes \
    "default" "/z19" "flt" "MB/s" "cpuMB/s" "z19MB/s" "fs128" "/z19" "max" "/z19L" "MB/s" "z19L" "dec" "decCPU" "zstd-d" "cat"
for f in "$T"/doc.tar "$T"/status $libs "$T"/usrbin.tar ${log:+"$T/$(basename "$log")"} $(ls "$T"/perl5.tar 2> /dev/null); do
    [ -n "${BENCH_ONLY:-}" ] && ! basename "$f" | grep -Eq "$BENCH_ONLY" && continue
    n=$(stat -c %s "$f")
    tz=$(secs zstd -q -19 -T2 -f -o "$f.zst" "$f"); z=$(stat -c %s "$f.zst")
    tzl=$(secs zstd -q -19 --long=27 -T2 -f -o "$f.l.zst" "$f"); zl=$(stat -c %s "$f.l.zst")
    rm -rf "$f.holo" "$f.max.holo" "$f.128.holo"
    "$holo" encode -j 2 --codec-version 4 --frame-kb 128 -o "$f.128.holo" "$f" > /dev/null 2>&1 || echo "bench_binary4: $f: 128 KiB encode failed" >&2
    s=$(chunk_bytes "$f.128.holo")
    td=$(secs "$holo" encode -j 2 --codec-version 4 -o "$f.holo" "$f"); d=$(chunk_bytes "$f.holo")
    case $(od -An -tu1 -j5 -N1 "$f.holo/chunk_0000.holo" | tr -d ' ') in
        2|3) flt=x86 ;; 4|5) flt=arm64 ;; 8|9) flt=lines ;; 16|17) flt=cols ;; *) flt=- ;;
    esac
    rm -rf "$f.c.holo"; tc=$(cpusecs "$holo" encode -j 2 --codec-version 4 -o "$f.c.holo" "$f"); rm -rf "$f.c.holo"
    tm=$(secs "$holo" encode -j 2 --codec-version 4 --level max -o "$f.max.holo" "$f"); m=$(chunk_bytes "$f.max.holo")
    # decode: holo decode writes atomically (fsync, rename), so the baselines fsync too
    tdec=$(secs "$holo" decode -o "$f.out" "$f.holo")
    cmp -s "$f" "$f.out" || echo "bench_binary4: $f: decode differs" >&2
    rm -f "$f.out"; tcdec=$(cpusecs "$holo" decode -o "$f.out" "$f.holo")
    tzd=$(secs sh -c "zstd -q -d -f -o '$f.zout' '$f.zst' && sync '$f.zout'")
    tcat=$(secs sh -c "cat '$f' > '$f.cat' && sync '$f.cat'")
    printf '%-22s %10s | %11s %6.3f %5s %7s %7s %7s | %11s %6.3f | %11s %6.3f %7s %7s | %7s %7s %7s %7s\n' "$(basename "$f" | cut -c1-22)" "$n" \
        "$d" "$(awk -v a="$d" -v b="$z" 'BEGIN { print a / b }')" "$flt" "$(mbs "$n" "$td")" "$(mbs "$n" "$tc")" "$(mbs "$n" "$tz")" \
        "$s" "$(awk -v a="$s" -v b="$z" 'BEGIN { print a / b }')" \
        "$m" "$(awk -v a="$m" -v b="$zl" 'BEGIN { print a / b }')" "$(mbs "$n" "$tm")" "$(mbs "$n" "$tzl")" \
        "$(mbs "$n" "$tdec")" "$(mbs "$n" "$tcdec")" "$(mbs "$n" "$tzd")" "$(mbs "$n" "$tcat")"
    [ -x "${HOLO_BENCH:-}/bench_stream" ] && printf '  holo_stream: %s\n' "$("$HOLO_BENCH/bench_stream" "$f.holo")"
    rm -f "$f.out" "$f.zout" "$f.cat" "$f.zst" "$f.l.zst"; rm -rf "$f.holo" "$f.max.holo" "$f.128.holo"
done
echo "(bytes: the plain file; /z19: HO4B chunk bytes over zstd -19; fs128: 128 KiB frames; /z19L: --level max over zstd -19 --long=27; MB/s of the"
echo " original size, wall clock including the atomic commit and fsync; cpuMB/s: per second of CPU time"
echo " (user + system) of a second default encode; load: $(cut -d' ' -f1-3 /proc/loadavg); dec: holo decode, SHA-256"
echo " checked, wall clock; decCPU: per second of its CPU time; zstd-d and cat: of the same file, each"
echo " output fsynced as holo decode's is; holo_stream: the library's sequential read and random"
echo " 4 KiB reads, no output file)"
