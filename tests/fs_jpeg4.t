#!/bin/sh
# fs_jpeg4.t — a camera JPEG copied into holofs is stored as HO4J (the store policy's default
# for JPEGs) and reads back as JPEG bytes at every stage: all chunks give the file itself
# (cmp, also from a fresh mount, where holofs rebuilds the JPEG without decoding its pixels);
# with chunks missing it is still a JPEG libjpeg reads, of the same st_size (known from
# the headers, without decoding) and as many bytes as read. Corpus: `make deps`
# (plasma-workspace-wallpapers in HOLO_JPEG_DIR, default ~/.cache/holofs/wallpapers).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fs_lib.sh"
plan 18

photo="${HOLO_JPEG_DIR:-$HOME/.cache/holofs/wallpapers}/Kite.jpg"
[ -f "$photo" ] || { echo "Bail out! no $photo: run make deps"; exit 1; }
cd "$T"
cp "$photo" photo.jpg
size=$(stat -c %s photo.jpg)
set="$S/photo.jpg.holo"
# the JPEG decoded by libjpeg into a PPM: "valid JPEG" means djpeg reads it whole
decodes() { djpeg "$1" > "$1.ppm" 2> "$1.err" && [ ! -s "$1.err" ] && [ -s "$1.ppm" ]; }

mount_fs || { echo "Bail out! mount failed"; exit 1; }
cp photo.jpg "$M/photo.jpg" || echo "#   cp failed"
cmp -s photo.jpg "$M/photo.jpg"; ok $? "cp + cmp: the JPEG reads back byte for byte"
is "$(head -c 4 "$set/chunk_0000.holo")" HO4J "... stored as HO4J chunks"
is "$(xattr "$M/photo.jpg" user.holo.codec)" "JPEG v4" "user.holo.codec"
is "$(xattr "$M/photo.jpg" user.holo.exact_bytes)" 1 "user.holo.exact_bytes"
stored=$(cat "$set"/chunk_*.holo | wc -c)
[ "$stored" -le $((size + 4096)) ]; ok $? "the chunks ($stored bytes) are no larger than the JPEG ($size) + 4 KiB"
umount_fs
# a fresh mount (nothing cached): every chunk decodes to the JPEG itself, served from its bytes
# alone (holo_decode_opts.bytes_only: no pixels decoded)
mount_fs || { echo "Bail out! remount failed"; exit 1; }
tcat "$M/photo.jpg" > full.jpg
cmp -s photo.jpg full.jpg; ok $? "remounted with all 32 chunks: the JPEG reads back byte for byte"
dd if="$M/photo.jpg" bs=4096 skip=7 count=3 2> /dev/null > mid.bin
dd if=photo.jpg bs=4096 skip=7 count=3 2> /dev/null | cmp -s - mid.bin; ok $? "... and a read in its middle gives its bytes"
umount_fs

# half of the chunks, then one: st_size stays the JPEG's, the bytes read are a JPEG
for i in $(seq 0 2 31); do rm -f "$set/chunk_$(printf %04d "$i").holo"; done
# partial LABEL OUT DB: mounted on a partial set, photo.jpg has the original's size, reads as
# that many bytes into OUT, is a JPEG libjpeg reads cleanly, and is the picture at >= DB dB
partial() {
    mount_fs || { echo "Bail out! remount failed"; exit 1; }
    is "$(stat -c %s "$M/photo.jpg")" "$size" "$1: st_size is the original's"
    tcat "$M/photo.jpg" > "$2"
    is "$(stat -c %s "$2")" "$size" "... and as many bytes are read"
    decodes "$2"; ok $? "... a JPEG libjpeg reads without a warning"
    p=$("$psnr" photo.jpg "$2")
    [ "${p%.*}" -ge "$3" ] 2> /dev/null; ok $? "... of the picture ($p dB >= $3)"
}
partial "16 of 32 chunks" half.jpg 27
cmp -s photo.jpg half.jpg; [ $? != 0 ]; ok $? "... not claimed to be the original"
umount_fs

for f in "$set"/chunk_*.holo; do [ "$f" = "$set/chunk_0005.holo" ] || rm -f "$f"; done
partial "one chunk" one.jpg 15
dd if="$M/photo.jpg" bs=1 skip=$((size - 10)) count=10 2> /dev/null > tail.bin
is "$(stat -c %s tail.bin)" 10 "... a read at the end of the file gives its last bytes"
umount_fs
is "$fsrc" 0 "holofs exits cleanly"
exit $_failed
