#!/bin/sh
# fs_write.t — holofs writing: cp in encodes into STORE/X.holo/ (binary, image, audio) with the
# automatic codec version (images v4, the rest v2) and reads back exact; overwrite, rm, mv,
# mkdir/rmdir, truncate, fsync, statfs; a failed encode reports the error to close() and keeps
# the previous version; mount options (chunk_kb, which selects v2 for images unless
# codec_version is given, codec_version, ro); no temporary file is left behind. Every wait is
# bounded.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fs_lib.sh"
t() { timeout 60 "$@"; }
nchunks() { ls "$1" 2> /dev/null | grep -c '^chunk_.*\.holo$'; }

cd "$T"
head -c 40000 /dev/urandom > a.bin
head -c 30000 /dev/urandom > b.bin
"$HOLO_TOOLS/mkimage" pic.png 48 32 5
# speech: audio v4 fits it (a 4000-sample synthetic tone in 32 HO4A chunks would not, and
# would be stored as binary v4)
espeak-ng -w tone.wav "Every chunk of this recording plays the whole sentence."
echo "plain" > "$S/plain.txt"

if ! mount_fs; then
    grep -qi "permission\|device not found\|not permitted" "$T/holofs.log" &&
        skip_all "cannot mount FUSE here: $(head -1 "$T/holofs.log")"
fi
plan 54
mounted; ok $? "holofs mounts an empty store"

# ---- cp in, read back -----------------------------------------------------------------------
t cp a.bin "$M/a.bin"
ok $? "cp a binary into the mount"
[ "$(nchunks "$S/a.bin.holo")" -gt 0 ] && [ ! -e "$S/a.bin" ]
ok $? "... it is encoded into STORE/a.bin.holo/"
tcat "$M/a.bin" | cmp -s - a.bin
ok $? "... and reads back exact"
"$holo" decode -o a_dec.bin "$S/a.bin.holo" > /dev/null 2>&1
cmp -s a_dec.bin a.bin
ok $? "... holo decode of the store gives it back too"
is "$(stat -c %s "$M/a.bin")" 40000 "... st_size is exact"
is "$(xattr "$M/a.bin" user.holo.codec)" "binary v4" "... as binary v4 (the store policy)"
t cp pic.png "$M/pic.png"
is "$(xattr "$M/pic.png" user.holo.exact_bytes)" 1 "a .png is stored to read back as its own bytes"
tcat "$M/pic.png" > pic_back.png
is "$("$psnr" pic_back.png pic.png)" inf "... and reads back pixel-exact"
is "$(xattr "$M/pic.png" user.holo.version)" 4 "... as v4, the default for images"
tcat "$M/pic.png" | cmp -s - pic.png
ok $? "... byte for byte"
"$holo" decode -o pic_dec.png "$S/pic.png.holo" > /dev/null 2>&1
is "$("$psnr" pic_dec.png pic.png)" inf "... which holo decode gives back exactly"
t cp tone.wav "$M/tone.wav"
tcat "$M/tone.wav" | cmp -s - tone.wav
ok $? "a .wav reads back byte for byte"
is "$(xattr "$M/tone.wav" user.holo.codec)" "audio v4" "... stored as audio v4 (the store policy)"
is "$(xattr "$M/tone.wav" user.holo.exact_bytes)" 1 "... exact_bytes 1"
"$holo" decode -o tone_dec.wav "$S/tone.wav.holo" > /dev/null 2>&1
tcat "$M/tone.wav" | cmp -s - tone_dec.wav
ok $? "... and reads back as holo decode's WAV"
mkdir "$M/sub"
t cp a.bin "$M/sub/nested.bin"
tcat "$M/sub/nested.bin" | cmp -s - a.bin
ok $? "cp into a new subdirectory"

# ---- overwrite, truncate, fsync -------------------------------------------------------------
t cp b.bin "$M/a.bin"
tcat "$M/a.bin" | cmp -s - b.bin
ok $? "overwriting X re-encodes it"
t truncate -s 1000 "$M/a.bin"
is "$(stat -c %s "$M/a.bin")" 1000 "truncate sets the size"
head -c 1000 b.bin > b1000.bin
tcat "$M/a.bin" | cmp -s - b1000.bin
ok $? "... and keeps the head of the file"
t dd if=a.bin of="$M/synced.bin" bs=8192 conv=fsync status=none
ok $? "dd conv=fsync succeeds"
tcat "$M/synced.bin" | cmp -s - a.bin
ok $? "... and the data is there"
echo "more" >> "$M/plain.txt"
is "$(cat "$S/plain.txt" | tr '\n' ' ')" "plain more " "plain files are written through unchanged"
: > "$M/empty.txt"
is "$(stat -c %s "$M/empty.txt")" 0 "an empty file can be created"
printf 'now with data' > "$M/empty.txt"
is "$(tcat "$M/empty.txt")" "now with data" "... and filled later (then encoded)"
[ -d "$S/empty.txt.holo" ] && [ ! -e "$S/empty.txt" ]
ok $? "... the placeholder gave way to the encoded file"

# ---- atomic writes through the mount (write NAME.tmpXXXXXX, rename to NAME) -----------------
run t "$holo" decode -o "$M/decoded.png" "$S/pic.png.holo"
is "$rc" 0 "holo decode -o MNT/X (temp file + rename) works through the mount"
is "$("$psnr" "$M/decoded.png" pic.png)" inf "... the result is encoded and reads back exact"
is "$(xattr "$M/decoded.png" user.holo.version)" 4 "... as v4 (the rename path uses the same default)"
[ -d "$S/decoded.png.holo" ] && [ -z "$(ls -A "$S" | grep "\.tmp")" ]
ok $? "... and no temporary name is left in the store"

# ---- rm, mv, mkdir, rmdir, statfs -----------------------------------------------------------
mv "$M/synced.bin" "$M/moved.bin"
[ -d "$S/moved.bin.holo" ] && [ ! -e "$S/synced.bin.holo" ] && tcat "$M/moved.bin" | cmp -s - a.bin
ok $? "mv renames X.holo/"
t cp b.bin "$M/over.bin"
mv "$M/over.bin" "$M/moved.bin"
[ ! -e "$S/over.bin.holo" ] && tcat "$M/moved.bin" | cmp -s - b.bin
ok $? "mv over an existing encoded file replaces it"
mv "$M/moved.bin" "$M/sub/"
[ -d "$S/sub/moved.bin.holo" ] && [ ! -e "$M/moved.bin" ] && tcat "$M/sub/moved.bin" | cmp -s - b.bin
ok $? "mv into a subdirectory"
rm "$M/sub/moved.bin"
[ ! -e "$S/sub/moved.bin.holo" ] && [ ! -e "$M/sub/moved.bin" ]
ok $? "rm X removes X.holo/"
mkdir "$M/d1" && [ -d "$S/d1" ] && rmdir "$M/d1" && [ ! -e "$S/d1" ]
ok $? "mkdir and rmdir"
run mkdir "$M/bad.holo"
ok $((rc == 0)) "mkdir NAME.holo is refused (it would be an encoded file)"
is "$(stat -f -c %b "$M")" "$(stat -f -c %b "$S")" "statfs reports the store's file system"
is "$(ls -A "$S/.holofs-tmp" | wc -l)" 0 "no temporary file is left in the scratch directory"
is "$(ls -A "$M" | tr '\n' ' ')" "a.bin decoded.png empty.txt pic.png plain.txt sub tone.wav " "the mount shows exactly the files written"
umount_fs
is "$fsrc" 0 "unmount: holofs exits with status 0"

# ---- mount options --------------------------------------------------------------------------
mount_fs -o chunk_kb=4,codec_version=1
t cp a.bin "$M/opt.bin"
t cp pic.png "$M/opt.png"
is "$(xattr "$M/opt.png" user.holo.version)" 1 "-o codec_version=1 is used for writes"
n=$(nchunks "$S/opt.bin.holo")
[ "$n" -gt 1 ] && [ "$n" != 32 ] && [ "$(xattr "$M/opt.bin" user.holo.chunks)" = "$n/$n" ]
ok $? "-o chunk_kb=4 sets the chunk count ($n)"
umount_fs
mount_fs -o chunk_kb=4
t cp pic.png "$M/kb.png"
is "$(xattr "$M/kb.png" user.holo.version)" 2 "-o chunk_kb without codec_version: images are written as v2"
n=$(nchunks "$S/kb.png.holo")
[ "$n" -gt 1 ] && [ "$n" != 32 ]; ok $? "... so chunk_kb sets their chunk count ($n)"
umount_fs
mount_fs -o codec_version=2
t cp pic.png "$M/v2.png"
is "$(xattr "$M/v2.png" user.holo.version)" 2 "-o codec_version=2 writes images as v2"
is "$("$psnr" "$M/v2.png" pic.png)" inf "... exact"
# a failed encode keeps the previous version (v2 needs a real image)
printf 'this is not a png' > fake.png
run t cp fake.png "$M/v2.png"
ok $((rc == 0)) "a failed encode is reported to the writer (cp fails)"
tcat "$M/v2.png" > v2_after.png
is "$("$psnr" v2_after.png pic.png)" inf "... and the previous version is intact"
grep -q 'v2.png: encode failed' "$T/holofs.log"
ok $? "... with a log line"
umount_fs
mount_fs -o codec_version=4,chunk_kb=4
t cp pic.png "$M/v4.png"
t cp a.bin "$M/v4.bin"
is "$(xattr "$M/v4.png" user.holo.version) $(head -c 4 "$S/v4.png.holo/chunk_0000.holo")" "4 HOV4" \
   "-o codec_version=4 writes images as v4"
cmp -s a.bin "$M/v4.bin" && [ "$(xattr "$M/v4.bin" user.holo.codec)" = "binary v4" ]
ok $? "... and binaries as binary v4, read back exact"
grep -q "chunk_kb applies to audio only" "$T/holofs.log"
ok $? "... and holofs says at mount time that it does not apply to v4 images"
umount_fs
mount_fs -o ro
run t cp a.bin "$M/ro.bin"
like "$err" "Read-only file system" "-o ro: writes fail with EROFS"
tcat "$M/a.bin" | cmp -s - b1000.bin
ok $? "-o ro: reads work"
umount_fs
