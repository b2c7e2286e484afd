#!/bin/sh
# fs_demo.sh DIR — the mount demo: DIR holds photo.png and its chunks photo.png.holo/ (made by
# demo.sh). Mount a store that has 1/4 of the chunks, show the file, its xattrs and its PSNR;
# let more chunks land behind the mount (1/2, then all) and watch the same file improve;
# unmount. Needs HOLO_BIN and HOLO_TOOLS.
D=${1:?usage: fs_demo.sh DIR}
: "${HOLO_BIN:?}" "${HOLO_TOOLS:?}"
holofs=$HOLO_BIN/holofs; psnr=$HOLO_TOOLS/psnr
[ -d "$D/photo.png.holo" ] || { echo "fs_demo: $D/photo.png.holo missing" >&2; exit 1; }
if [ ! -c /dev/fuse ] || ! command -v fusermount3 > /dev/null; then
    echo "3. mount demo skipped: no FUSE here"; exit 0
fi
S=$D/store; M=$D/mnt
rm -rf "$S"; mkdir -p "$S/photo.png.holo" "$M"
chunks=$(ls "$D/photo.png.holo" | grep '^chunk_.*\.holo$')
total=$(echo "$chunks" | wc -l)
# land chunks number FROM..TO (1-based), each atomically (temp name, then rename)
land() {
    echo "$chunks" | sed -n "$1,$2p" | while read -r c; do
        cp "$D/photo.png.holo/$c" "$S/photo.png.holo/.$c.tmp000000"
        mv "$S/photo.png.holo/.$c.tmp000000" "$S/photo.png.holo/$c"
    done
}
xattrs() {
    if command -v getfattr > /dev/null; then getfattr -d "$1" 2> /dev/null | sed -n 's/^user/   user/p'
    else python3 -c 'import os,sys
for n in os.listxattr(sys.argv[1]): print("   %s=\"%s\"" % (n, os.getxattr(sys.argv[1], n).decode()))' "$1"; fi
}
# wait (at most 5 s) until the mount shows N chunks
wait_chunks() {
    i=0
    while [ $i -lt 50 ]; do
        v=$(python3 -c 'import os,sys; print(os.getxattr(sys.argv[1], "user.holo.chunks").decode())' "$M/photo.png" 2> /dev/null ||
            getfattr --only-values -n user.holo.chunks "$M/photo.png" 2> /dev/null)
        [ "${v%%/*}" = "$1" ] && return 0
        sleep 0.1; i=$((i + 1))
    done
}
show() {
    cat "$M/photo.png" > "$D/mnt_$1.png"
    printf '   %-18s %s bytes, %s dB PSNR\n' "$2 chunks:" "$(stat -c %s "$M/photo.png")" "$("$psnr" "$D/photo.png" "$D/mnt_$1.png")"
}

echo "3. mount a store with 1/4 of the chunks: holofs $S $M"
q=$((total / 4)); hf=$((total / 2))
land 1 "$q"
"$holofs" "$S" "$M" || { echo "fs_demo: mount failed" >&2; exit 1; }
trap 'fusermount3 -u "$M" 2>/dev/null' EXIT
ls -l "$M" | sed 's/^/   /'
xattrs "$M/photo.png"
show q "$q/$total"
echo "   ... more chunks land in $S/photo.png.holo/ behind the mount"
land $((q + 1)) "$hf"; wait_chunks "$hf"
show h "$hf/$total"
land $((hf + 1)) "$total"; wait_chunks "$total"
show a "$total/$total"
echo "   (the same file, reread as chunks arrive; inf = the original exactly)"
fusermount3 -u "$M" && trap - EXIT
echo "   unmounted"
