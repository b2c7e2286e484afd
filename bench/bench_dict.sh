#!/bin/sh
# bench_dict.sh — many small files and the store dictionary (holo(5) DICTIONARY). For a tree of
# real small files (man page sources of 1-20 KB, gunzipped; the Perl modules of 1-20 KB beside
# them): store bytes with the dictionary (its own 8 chunks included) against the sum of
# per-file `zstd -19` and `zstd -19 -D` with zstd's own trained dictionary; `du` of the store
# against its bytes; the time `holo dict train` takes on 10,000 files; the extra cost of reading
# a small file through holofs when it uses a dictionary (and when it is packed as well). The
# store's sets are packed by `holo smallpack` (holo(5) SMALL-FILE PACKS) before bytes and du are
# taken; du before packing is shown beside. Targets: store <= 0.5x per-file zstd -19; du <= 1.5x
# bytes; training 10,000 files <= 10 s on 2 cores; holofs read <= +1 ms.
# BENCH_DICT_N (default 3000) sets the tree's size.
: "${HOLO_BIN:?}"
command -v zstd > /dev/null || { echo "bench_dict: zstd not installed, skipped"; exit 0; }
N=${BENCH_DICT_N:-3000}
T=$(mktemp -d "${TMPDIR:-/tmp}/holo-bench-dict.XXXXXX")
M="$T/mnt"
cleanup() { grep -q " $M fuse" /proc/mounts 2> /dev/null && fusermount3 -uz "$M"; rm -rf "$T"; }
trap cleanup EXIT
# a private copy of the tools: a rebuild during the run must not pull them away
mkdir -p "$T/bin"; cp "$HOLO_BIN/holo" "$T/bin/"; [ -x "$HOLO_BIN/holofs" ] && cp "$HOLO_BIN/holofs" "$T/bin/"
HOLO_BIN="$T/bin"
holo="$HOLO_BIN/holo"
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.4f", b - a }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }

# man_tree DIR COUNT MAXBYTES: gunzipped man page sources of 1 KiB to MAXBYTES
man_tree() {
    mkdir -p "$1"
    i=0
    for f in /usr/share/man/man[1-8]/*.gz; do
        zcat "$f" > "$1/.t" 2> /dev/null || continue
        s=$(stat -c %s "$1/.t")
        [ "$s" -ge 1024 ] && [ "$s" -le "$3" ] && { i=$((i + 1)); mv "$1/.t" "$1/$i.$(basename "${f%.gz}")"; }
        [ $i -ge "$2" ] && break
    done
    rm -f "$1/.t"
    echo $i
}
pm_tree() {
    mkdir -p "$1"
    i=0
    for f in $(find /usr/share/perl5 /usr/share/perl /usr/lib/x86_64-linux-gnu/perl* -name '*.pm' -size +1k -size -20k 2> /dev/null | sort); do
        i=$((i + 1)); cp "$f" "$1/$i.pm"
    done
    echo $i
}
bytes_of() { find "$1" -type f -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }'; }

# store NAME SRC [DICT]: encode every file of SRC into T/NAME (train first when DICT = dict)
store() {
    st="$T/$1"; mkdir -p "$st"
    if [ "$3" = dict ]; then
        t0=$(now); "$holo" dict train "$2" -o "$st/.holo-dict" > "$T/$1.train" 2>&1 || cat "$T/$1.train" >&2
        train_s=$(since "$t0")
    fi
    for f in "$2"/*; do "$holo" encode --codec-version 4 -o "$st/$(basename "$f").holo" "$f" > /dev/null || echo "bench_dict: $f failed" >&2; done
}

printf '%-10s %5s %10s | %10s %10s %7s | %10s %6s %10s %6s %8s | %7s\n' tree files bytes "zstd-19" "z19 -D" "/z19" \
    "store" "/z19" "du" "du/B" "unpacked" "train s"
for tree in man pm; do
    if [ $tree = man ]; then n=$(man_tree "$T/src_$tree" "$N" 20480); else n=$(pm_tree "$T/src_$tree"); fi
    src="$T/src_$tree"
    raw=$(bytes_of "$src")
    mkdir "$T/z_$tree" "$T/zd_$tree"
    zstd -q -19 -r "$src" --output-dir-flat "$T/z_$tree" 2> /dev/null
    z=$(bytes_of "$T/z_$tree")
    zstd -q --train -r "$src" -o "$T/$tree.zdict" --maxdict=112640 2> /dev/null
    zstd -q -19 -D "$T/$tree.zdict" -r "$src" --output-dir-flat "$T/zd_$tree" 2> /dev/null
    zd=$(( $(bytes_of "$T/zd_$tree") + $(stat -c %s "$T/$tree.zdict") ))
    store "st_$tree" "$src" dict
    du0=$(( $(du -sk "$T/st_$tree" | cut -f1) * 1024 )); b0=$(bytes_of "$T/st_$tree")
    [ $tree = man ] && cp -a "$T/st_man" "$T/st_man_dirs"   # for the read timing below
    "$holo" smallpack "$T/st_$tree" > /dev/null || echo "bench_dict: holo smallpack failed" >&2
    s=$(bytes_of "$T/st_$tree")
    du=$(( $(du -sk "$T/st_$tree" | cut -f1) * 1024 ))
    printf '%-10s %5s %10s | %10s %10s %7s | %10s %6s %10s %6s %7sx | %7s\n' $tree "$n" "$raw" "$z" "$zd" "$(ratio "$zd" "$z")" \
        "$s" "$(ratio "$s" "$z")" "$du" "$(ratio "$du" "$s")" "$(ratio "$du0" "$b0")" "$train_s"
    sed 's/^/    /' "$T/st_$tree.train"
done
echo "(zstd-19: sum of per-file zstd -19 outputs; z19 -D: per-file zstd -19 -D with zstd --train's 110 KiB"
echo " dictionary, the dictionary counted once; store: every chunk file of the store, the dictionary's"
echo " 8-chunk set included, its small sets packed in .holo-pack; du: the store's disk blocks,"
echo " directories included; unpacked: du/bytes before holo smallpack, one X.holo/ per file)"

# Training time on 10,000 files (1-64 KiB man page sources).
n10=$(man_tree "$T/src10k" 10000 65536)
t0=$(now); "$holo" dict train -o "$T/d10k" "$T/src10k" > "$T/d10k.out" 2>&1
echo "dict train on $n10 files: $(since "$t0") s (2 cores; target <= 10 s)"
sed 's/^/    /' "$T/d10k.out"

# holofs: first reads (cold output cache) of 400 small files, without and with the dictionary.
if [ -x "$HOLO_BIN/holofs" ] && [ -c /dev/fuse ] && command -v fusermount3 > /dev/null; then
    store st_plain "$T/src_man"   # no dictionary
    read_ms() { # STORE -> ms per file, 400 distinct files read once each through a fresh mount
        mkdir -p "$M"
        "$HOLO_BIN/holofs" -f "$1" "$M" 2> /dev/null &
        k=0; while ! grep -q " $M fuse" /proc/mounts && [ $k -lt 100 ]; do sleep 0.1; k=$((k + 1)); done
        files=$(ls "$M" | head -400)
        t0=$(now); got=$(cd "$M" && cat $files | wc -c); el=$(since "$t0")
        want=$(cd "$T/src_man" && cat $files | wc -c)
        [ "$got" = "$want" ] || echo "bench_dict: holofs returned $got bytes, the files hold $want" >&2
        fusermount3 -u "$M"; wait
        awk -v s="$el" 'BEGIN { printf "%.3f", s * 1000 / 400 }'
    }
    p=$(read_ms "$T/st_plain"); d=$(read_ms "$T/st_man_dirs"); k=$(read_ms "$T/st_man")
    echo "holofs first read of a small file: $p ms without a dictionary, $d ms with one" \
         "($(awk -v a="$d" -v b="$p" 'BEGIN { printf "%+.3f", a - b }') ms; target <= +1 ms)," \
         "$k ms with one and packed ($(awk -v a="$k" -v b="$p" 'BEGIN { printf "%+.3f", a - b }') ms)"
fi
