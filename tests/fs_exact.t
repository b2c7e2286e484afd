#!/bin/sh
# fs_exact.t — holofs keeps the user's bytes: files copied in read back identical (binary v4),
# a 3 GiB sparse file reads in bounded memory, holes fail with EIO exactly where they are and
# are listed in user.holo.holes, parity rebuilds a lost chunk, a corrupt frame or an
# incomplete binary is never served as bytes. Every wait is bounded; the mount is always undone.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fs_lib.sh"
if [ "$HOLO_SAN" = 1 ]; then
    sparse=512M
    # ASan keeps freed blocks in a quarantine (256 MiB by default): that is not our memory
    export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=4"
else
    sparse=3G
fi
rss_kb() { awk '/^VmRSS/ { print $2 }' "/proc/$fspid/status"; }
# dd_at FILE SKIP COUNT [BS]: blocks of BS (4096) bytes to stdout; status in dd_rc
dd_at() { dd if="$1" bs="${4:-4096}" skip="$2" count="$3" 2> "$T/dd.err"; }
reads_eio() { dd_at "$@" > /dev/null; grep -q "Input/output error" "$T/dd.err"; }
same_range() { # FILE ORIG SKIP COUNT [BS]
    dd_at "$1" "$3" "$4" "$5" > "$T/a" && dd_at "$2" "$3" "$4" "$5" > "$T/b" && cmp -s "$T/a" "$T/b"
}

cd "$T"
head -c 3000000 /dev/urandom > rand.bin
"$HOLO_TOOLS/mkimage" img.png 200 150 3
"$holo" encode --codec-version 4 -o img.png.holo img.png > /dev/null 2>&1
"$holo" decode -o photo.jpg img.png.holo > /dev/null 2>&1   # a real JPEG (rendered)
{ i=0; while [ $i -lt 2000 ]; do echo "line $i of a text file, with some words in it"; i=$((i + 1)); done; } > text.txt
gzip -c text.txt > text.gz
: > empty.bin
printf x > one.bin
head -c 65536 /dev/urandom > frame.bin      # exactly one frame at -o frame_kb=64

# ---- copies through the mount (binary v4: codec_version=4 until the store policy lands) ----
mount_fs -o codec_version=4,frame_kb=64 || { echo "Bail out! mount failed"; exit 1; }
for f in rand.bin text.txt text.gz empty.bin one.bin frame.bin; do
    cp "$f" "$M/$f" || echo "#   cp $f failed"
done
for f in rand.bin text.txt text.gz empty.bin one.bin frame.bin; do
    cmp -s "$f" "$M/$f"
    ok $? "cp + cmp: $f ($(stat -c %s "$f") bytes)"
    is "$(stat -c %s "$M/$f")" "$(stat -c %s "$f")" "... st_size of $f"
done
is "$(xattr "$M/rand.bin" user.holo.codec)" "binary v4" "user.holo.codec of a binary v4 file"
is "$(xattr "$M/rand.bin" user.holo.exact_bytes)" 1 "user.holo.exact_bytes"
is "$(xattr "$M/rand.bin" user.holo.holes)" "" "user.holo.holes: empty when none"
"$holo" info "$S/frame.bin.holo" > frame.info 2>&1
like "$(cat frame.info)" "frames: 1 of 65536 bytes" "frame.bin is exactly one frame"
# a JPEG keeps its bytes under codec_version=4 too (JPEG v4)
cp photo.jpg "$M/photo.jpg"
cmp -s photo.jpg "$M/photo.jpg"; ok $? "cp + cmp: a JPEG"
is "$(xattr "$M/photo.jpg" user.holo.exact_bytes)" 1 "... user.holo.exact_bytes of the JPEG"
is "$(xattr "$M/photo.jpg" user.holo.codec)" "JPEG v4" "... held by JPEG v4"

# ---- a 3 GiB sparse file: exact ranges, bounded memory ----------------------------------------
truncate -s "$sparse" sparse.bin
printf 'hello' | dd of=sparse.bin bs=1 seek=1000000000 conv=notrunc 2> /dev/null
head -c 1048576 rand.bin | dd of=sparse.bin bs=1M seek=300 conv=notrunc 2> /dev/null
cp sparse.bin "$M/sparse.bin" || echo "#   cp sparse.bin failed"
is "$(stat -c %s "$M/sparse.bin")" "$(stat -c %s sparse.bin)" "sparse $sparse: st_size"
rss0=$(rss_kb)
rs_ok=0
for b in 0 76800 244140 244141 300000; do   # 4 KiB blocks: start, 300 MiB, "hello", ...
    same_range "$M/sparse.bin" sparse.bin $b 64 || { rs_ok=1; echo "#   block $b differs"; }
done
same_range "$M/sparse.bin" sparse.bin 0 1 1M || rs_ok=1
ok $rs_ok "sparse: dd ranges equal the original (zeros, the data at 300 MiB, 'hello' at 1e9)"
rssmax=$(rss_kb)
( while :; do rss_kb; sleep 0.2; done ) > rss.log 2> /dev/null & sampler=$!
cmp -s sparse.bin "$M/sparse.bin"; r=$?
kill $sampler 2> /dev/null; wait $sampler 2> /dev/null
ok $r "sparse: cmp of the whole file"
for v in $(cat rss.log); do [ "$v" -gt "$rssmax" ] && rssmax=$v; done
growth=$(( (rssmax - rss0) / 1024 ))
[ "$growth" -lt 64 ]
ok $? "sparse: holofs RSS grows ${growth} MiB while reading it (< 64)"
umount_fs

# ---- holes: no parity, k = 8, a data chunk removed ------------------------------------------
head -c 4194304 /dev/urandom > four.bin
"$holo" encode --codec-version 4 -b 8 --frame-kb 256 -o "$S/holes.bin.holo" four.bin > /dev/null 2>&1
rm "$S/holes.bin.holo/chunk_0002.holo"
# random bytes are stored raw: each data chunk holds 512 KiB of the file, chunk 2 the third
"$holo" encode --codec-version 4 -b 8 --recovery 0.5 -o "$S/parity.bin.holo" four.bin > /dev/null 2>&1
rm "$S/parity.bin.holo/chunk_0002.holo"
"$holo" encode --codec-version 4 -b 8 --frame-kb 256 -o "$S/flip.bin.holo" four.bin > /dev/null 2>&1
cp -r "$S/flip.bin.holo" "$S/snap.bin.holo"
# flip one byte in the middle of chunk 3's data (file bytes 1.5 MiB .. 2 MiB)
c3="$S/flip.bin.holo/chunk_0003.holo"
b=$(dd if="$c3" bs=1 skip=300000 count=1 2> /dev/null | od -An -tu1 | tr -d ' ')
printf "$(printf '\\%03o' $(( (b + 1) % 256 )))" | dd of="$c3" bs=1 seek=300000 conv=notrunc 2> /dev/null
# every frame passes its CRC, the whole file fails its SHA-256 (header resealed)
head -c 1000000 /dev/urandom > badsha.bin
"$holo" encode --codec-version 4 -b 4 --frame-kb 64 -o "$S/badsha.bin.holo" badsha.bin > /dev/null 2>&1
"$HOLO_TOOLS/ho4b_badsha" "$S/badsha.bin.holo" || echo "#   ho4b_badsha failed"
head -c 100000 /dev/urandom > hobi.bin
"$holo" encode --codec-version 2 -o "$S/hobi.bin.holo" hobi.bin > /dev/null 2>&1
rm "$S/hobi.bin.holo/chunk_0005.holo"

mount_fs -o codec_version=4,recovery=0.5 || { echo "Bail out! mount failed"; exit 1; }
is "$(stat -c %s "$M/holes.bin")" 4194304 "holes: st_size from the headers"
is "$(xattr "$M/holes.bin" user.holo.holes)" "1048576-1572863" "user.holo.holes lists the missing range"
same_range "$M/holes.bin" four.bin 0 256
ok $? "holes: bytes before the hole read exact"
same_range "$M/holes.bin" four.bin 384 640
ok $? "holes: bytes after the hole read exact"
same_range "$M/holes.bin" four.bin 255 1
ok $? "holes: the last 4 KiB before it read exact"
reads_eio "$M/holes.bin" 256 1
ok $? "holes: a read at its first byte fails with EIO"
reads_eio "$M/holes.bin" 383 1
ok $? "holes: a read at its last 4 KiB fails with EIO"
reads_eio "$M/holes.bin" 127 2 8192
ok $? "holes: a read across its start fails with EIO"
tcat "$M/holes.bin" > got_holes 2> /dev/null
n=$(stat -c %s got_holes)
[ "$n" -le 1048576 ] && head -c "$n" four.bin | cmp -s - got_holes
ok $? "holes: cat stops at the hole, never serving zeros ($n bytes, all exact)"
grep -q "holes.bin: read of .* bytes 1048576-" "$T/holofs.log"
ok $? "holes: the failed read is logged with the missing range"

cmp -s four.bin "$M/parity.bin"
ok $? "parity: a removed data chunk is rebuilt, the file reads exact"
is "$(xattr "$M/parity.bin" user.holo.holes)" "" "parity: no holes"

# the flipped byte lands in file byte ~1.87e6: frame 7 (256 KiB frames, 4 KiB blocks 448-511)
same_range "$M/flip.bin" four.bin 0 448
ok $? "flipped byte: bytes before its frame read exact"
same_range "$M/flip.bin" four.bin 512 512
ok $? "flipped byte: bytes after its frame read exact"
reads_eio "$M/flip.bin" 448 1 && reads_eio "$M/flip.bin" 511 1
ok $? "flipped byte: reads in its frame fail with EIO"
tcat "$M/flip.bin" > got_flip 2> /dev/null
n=$(stat -c %s got_flip)
[ "$n" -lt 4194304 ] && head -c "$n" four.bin | cmp -s - got_flip
ok $? "flipped byte: never wrong bytes ($n exact bytes, then EIO)"

# readers at once share one stream; an open handle keeps the chunk set it opened
i=0; for i in 1 2 3 4; do cmp -s four.bin "$M/snap.bin" & eval "p$i=\$!"; done
r=0; for i in 1 2 3 4; do eval "wait \$p$i" || r=1; done
ok $r "4 readers at once: exact bytes"
exec 3< "$M/snap.bin"
head -c 1 <&3 > /dev/null
rm "$S/snap.bin.holo/chunk_0002.holo"
sleep 0.6
cat <&3 > got_snap 2> /dev/null
exec 3<&-
tail -c +2 four.bin | cmp -s - got_snap
ok $? "an open handle keeps its snapshot after a chunk is removed behind the mount"
run tcat "$M/snap.bin"
like "$err" "Input/output error" "... while a fresh open sees the hole"

tcat "$M/badsha.bin" > got_badsha 2> badsha.err; r=$?
n=$(stat -c %s got_badsha)
[ $r != 0 ] && grep -q "Input/output error" badsha.err && [ "$n" -lt 1000000 ] &&
    head -c "$n" badsha.bin | cmp -s - got_badsha
ok $? "SHA-256 mismatch: the read completing the file fails with EIO ($n bytes before it)"
grep -q "badsha.bin: read .*do not match the recorded SHA-256" "$T/holofs.log"
ok $? "... with a log line"
tcat "$M/badsha.bin" > got_badsha2 2> badsha2.err
[ ! -s got_badsha2 ] && grep -q "Input/output error" badsha2.err
ok $? "... and a later open of that set fails with EIO before any byte"

run tcat "$M/hobi.bin"
like "$err" "Input/output error" "incomplete HOBI binary: EIO, not zero-filled bytes"
is "$(xattr "$M/hobi.bin" user.holo.holes)" "0-99999" "incomplete HOBI: the whole file is a hole"
is "$(xattr "$M/hobi.bin" user.holo.codec)" "v2 binary" "user.holo.codec of a HOBI file"

# rewriting a binary v4 file (append, truncate) copies it through its stream
cat four.bin > appended; echo tail >> appended
echo tail >> "$M/parity.bin"
cmp -s appended "$M/parity.bin"
ok $? "append to a binary v4 file: exact bytes plus the tail"
truncate -s 1000 "$M/parity.bin"
head -c 1000 four.bin | cmp -s - "$M/parity.bin"
ok $? "truncate of a binary v4 file"
before=$(ls "$S/holes.bin.holo" | tr '\n' ' ')
run sh -c "echo x >> '$M/holes.bin'"
like "$err" "Input/output error" "append to a file with a hole fails with EIO (no zeros written back)"
is "$(ls "$S/holes.bin.holo" | tr '\n' ' ')" "$before" "... and its chunks stay as they were"

# -o recovery=R: parity chunks for files copied in, a lost data chunk is rebuilt
cp four.bin "$M/rec.bin"
nchunks=$(ls "$S/rec.bin.holo" | grep -c '^chunk_')
k=$(xattr "$M/rec.bin" user.holo.chunks)
[ "$nchunks" -gt 1 ] && rm "$S/rec.bin.holo/chunk_0000.holo"
sleep 0.6
cmp -s four.bin "$M/rec.bin"
ok $? "-o recovery=0.5: $nchunks chunks ($k), one data chunk removed, the file reads exact"
# no -o frame_kb: the mount's own 128 KiB frames (random reads), not holo encode's 8 MiB
cp four.bin "$M/deframe.bin"
"$holo" info "$S/deframe.bin.holo" > deframe.info 2>&1
like "$(cat deframe.info)" "frames: 32 of 131072 bytes" "a mount writes 128 KiB frames by default"
cmp -s four.bin "$M/deframe.bin"
ok $? "... and the file reads back exact"
umount_fs
is "$fsrc" 0 "clean unmount"
plan "$_n"
exit $((_failed > 0))
