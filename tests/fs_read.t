#!/bin/sh
# fs_read.t — holofs reading: namespace, exact sizes, views (PNG, PPM, WAV, raw) equal to
# `holo decode`, xattrs, partial and corrupt chunk sets (v4 images, the default, and v2 ones),
# 8 readers sharing one decode, chunks landing behind the mount (fresh reads improve, open
# handles keep their snapshot), clean unmount by fusermount3 and by SIGTERM. Every wait is
# bounded; the mount is always undone.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fs_lib.sh"
if [ "$HOLO_SAN" = 1 ]; then big=300000; else big=2000000; fi
newest_mtime() { stat -c %Y "$1"/chunk_*.holo | sort -n | tail -1; }

# ---- the store ----------------------------------------------------------------------------
cd "$T"
head -c 50000 /dev/urandom > data.bin
"$HOLO_TOOLS/mkimage" img.png 64 48 3
"$HOLO_TOOLS/mkwav" snd.wav 6000 8000 2
head -c "$big" /dev/urandom > large.bin
"$holo" encode --codec-version 2 -o "$S/data.bin.holo" data.bin > /dev/null 2>&1
"$holo" encode --pixels -o "$S/img.png.holo" img.png > /dev/null 2>&1
"$holo" encode --codec-version 2 -o "$S/view.ppm.holo" img.png > /dev/null 2>&1
"$holo" encode --pixels -o "$S/snd.wav.holo" snd.wav > /dev/null 2>&1
"$holo" encode -o "$S/large.bin.holo" large.bin > /dev/null 2>&1
mkdir -p "$S/a/b"
"$holo" encode -o "$S/a/b/deep.bin.holo" data.bin > /dev/null 2>&1
echo "plain text" > "$S/plain.txt"
# a plain file shadowed by an encoded one of the same name
echo "shadowed" > "$S/dup.bin"
"$holo" encode -o "$S/dup.bin.holo" data.bin > /dev/null 2>&1
# partial sets: 5 of 32 binary chunks, 3 of 32 v2 image chunks, 5 of 32 v4 image chunks
mkdir "$S/part.bin.holo" "$S/part.png.holo" "$S/part4.png.holo"
cp "$S"/data.bin.holo/chunk_000[0-4].holo "$S/part.bin.holo/"
cp "$S"/view.ppm.holo/chunk_000[2-4].holo "$S/part.png.holo/"
cp "$S"/img.png.holo/chunk_000[2-6].holo "$S/part4.png.holo/"
# a corrupt chunk, and a set with no valid chunk at all
cp -r "$S/data.bin.holo" "$S/corrupt.bin.holo"
printf 'garbage' > "$S/corrupt.bin.holo/chunk_0003.holo"
cp -r "$S/view.ppm.holo" "$S/corrupt.ppm.holo"
printf 'garbage' > "$S/corrupt.ppm.holo/chunk_0003.holo"
mkdir "$S/empty.bin.holo"
printf 'garbage' > "$S/empty.bin.holo/chunk_0000.holo"
# a directory of many encoded files (hard links: cheap), listed with prefetching threads
mkdir "$S/many"
i=1; while [ $i -le 40 ]; do mkdir "$S/many/f$i.bin.holo"; ln "$S"/data.bin.holo/chunk_* "$S/many/f$i.bin.holo/"; i=$((i + 1)); done
# bookkeeping that must never show
mkdir "$S/.x.holo.tmpAbC123"; : > "$S/y.bin.tmpXyZ789"
[ -s "$S/img.png.holo/chunk_0000.holo" ] && [ -s "$S/snd.wav.holo/chunk_0000.holo" ] ||
    bail_out "holo cannot encode the test inputs"

if ! mount_fs; then
    if grep -qi "permission\|fuse: device not found\|not permitted" "$T/holofs.log"; then
        skip_all "cannot mount FUSE here: $(head -1 "$T/holofs.log")"
    fi
fi
plan 50
mounted; ok $? "holofs mounts the store"

# ---- namespace ----------------------------------------------------------------------------
is "$(ls "$M" | tr '\n' ' ')" "a corrupt.bin corrupt.ppm data.bin dup.bin empty.bin img.png large.bin many part.bin part.png part4.png plain.txt snd.wav view.ppm " \
    "X.holo/ shows as X; hidden bookkeeping never shows"
is "$(ls -A "$M/a/b")" "deep.bin" "nested directories are mirrored"
run ls -l "$M"
is "$rc" 0 "ls -l works"
is "$(xattr "$M/img.png" user.holo.decodes)" 0 "ls -l decodes nothing"
is "$(ls -l "$M/many" | awk 'NR > 1 { print $1, $5 }' | sort | uniq -c | tr -s ' ')" " 40 -rw-r--r-- 50000" \
    "ls -l of 40 encoded files: every one a regular file of exact size"
[ -f "$M/data.bin" ] && [ -d "$M/a" ]
ok $? "encoded files are regular files, directories are directories"
[ ! -e "$M/data.bin.holo" ] && [ ! -e "$M/.holofs-tmp" ]
ok $? "chunk directories and scratch space are not reachable by name"

# ---- reading equals holo decode -------------------------------------------------------------
"$holo" decode -o dec.bin "$S/data.bin.holo" > /dev/null 2>&1
tcat "$M/data.bin" > got.bin
cmp -s got.bin dec.bin && cmp -s got.bin data.bin
ok $? "binary: cat equals holo decode and the original"
tcat "$M/a/b/deep.bin" > got_deep.bin
cmp -s got_deep.bin data.bin
ok $? "binary in a nested directory"
"$holo" decode -o dec.png "$S/img.png.holo" > /dev/null 2>&1
tcat "$M/img.png" > got.png
is "$(od -An -c -N4 got.png | tr -d ' ')" '211PNG' "image is served as PNG"
is "$("$psnr" got.png dec.png)" inf "image: pixels equal holo decode"
is "$("$psnr" got.png img.png)" inf "image: pixels equal the original"
tcat "$M/view.ppm" > got.ppm
is "$(head -c 2 got.ppm)" P6 "a name ending in .ppm is served as PPM"
is "$("$psnr" got.ppm img.png)" inf "PPM view: pixels equal the original"
"$holo" decode -o dec.wav "$S/snd.wav.holo" > /dev/null 2>&1
tcat "$M/snd.wav" > got.wav
cmp -s got.wav dec.wav
ok $? "audio: WAV bytes equal holo decode"
is "$(head -c 4 got.wav)" RIFF "audio is served as WAV"
sizes_ok=0
for f in data.bin img.png view.ppm snd.wav a/b/deep.bin part.png part4.png corrupt.ppm; do
    s=$(stat -c %s "$M/$f"); n=$(tcat "$M/$f" | wc -c)
    [ "$s" = "$n" ] || { sizes_ok=1; echo "#   $f: st_size $s, read $n"; }
done
ok $sizes_ok "st_size equals the bytes read, for every view"
is "$(stat -c %Y "$M/img.png")" "$(newest_mtime "$S/img.png.holo")" "st_mtime is the newest chunk's"
is "$(tcat "$M/plain.txt")" "plain text" "plain files pass through"

# ---- xattrs -------------------------------------------------------------------------------
is "$(xattr "$M/img.png" user.holo.kind) $(xattr "$M/img.png" user.holo.version)" "image 4" "xattr kind, version (images default to v4)"
is "$(xattr "$M/view.ppm" user.holo.kind) $(xattr "$M/view.ppm" user.holo.version)" "image 2" "xattr version of a v2 image"
is "$(xattr "$M/snd.wav" user.holo.kind) $(xattr "$M/snd.wav" user.holo.version)" "audio 2" "xattr kind, version of audio"
is "$(xattr "$M/img.png" user.holo.chunks) $(xattr "$M/img.png" user.holo.exact)" "32/32 1" "xattr chunks, exact"
is "$(xattr "$M/img.png" user.holo.size)" 64x48 "xattr size of an image (WxH)"
is "$(xattr "$M/snd.wav" user.holo.size)" 6000/8000/2 "xattr size of audio (frames/rate/channels)"
is "$(xattr "$M/part.bin" user.holo.chunks) $(xattr "$M/part.bin" user.holo.exact)" "5/32 0" "partial set: chunks 5/32, not exact"

# ---- partial, shadowed, corrupt, empty --------------------------------------------------------
# a binary that does not decode exactly would be wrong bytes: EIO, never a guess
run tcat "$M/part.bin"
is "$rc $(printf %s "$out" | wc -c)" "1 0" "partial binary set: no byte is served"
like "$err" "Input/output error" "... the read fails with EIO"
grep -q 'part.bin: cannot decode exactly (5/32 chunks valid)' "$T/holofs.log"
ok $? "... with a log line naming the file and the problem"
"$holo" decode -o dec_part.png "$S/part.png.holo" > /dev/null 2>&1
tcat "$M/part.png" > got_part.png
is "$("$psnr" got_part.png dec_part.png)" inf "partial v2 image set: same pixels as holo decode"
"$holo" decode -o dec_part4.png "$S/part4.png.holo" > /dev/null 2>&1
tcat "$M/part4.png" > got_part4.png
p4=$("$psnr" got_part4.png img.png)
[ "$("$psnr" got_part4.png dec_part4.png)" = inf ] && [ "$p4" != inf ]
ok $? "partial v4 image set: same pixels as holo decode, degraded ($p4 dB)"
tcat "$M/dup.bin" > got_dup.bin; stat "$M/dup.bin" > /dev/null
cmp -s got_dup.bin data.bin
ok $? "when X and X.holo/ both exist the encoded file wins"
is "$(grep -c 'both dup.bin and dup.bin.holo' "$T/holofs.log")" 1 "... and holofs warns once"
"$holo" decode -o dec_corrupt.ppm "$S/corrupt.ppm.holo" > /dev/null 2>&1
tcat "$M/corrupt.ppm" > got_corrupt.ppm
cmp -s got_corrupt.ppm dec_corrupt.ppm && [ "$("$psnr" got_corrupt.ppm img.png)" != inf ]
ok $? "a corrupt image chunk is skipped as in holo decode (degraded pixels served)"
run tcat "$M/corrupt.bin"
like "$err" "Input/output error" "a binary with a corrupt chunk reads EIO (31 of 32 is not exact)"
grep -q 'chunk_0003.holo' "$T/holofs.log"
ok $? "the skipped chunk is logged"
run tcat "$M/empty.bin"
like "$err" "Input/output error" "no valid chunk: open fails with EIO"
grep -q 'empty.bin: cannot decode' "$T/holofs.log"
ok $? "... with a log line naming the file"

# ---- 8 parallel readers share one decode ----------------------------------------------------
pids=
for i in 1 2 3 4 5 6 7 8; do tcat "$M/large.bin" > "par$i.bin" & pids="$pids $!"; done
for p in $pids; do wait "$p"; done
same=0
for i in 1 2 3 4 5 6 7 8; do cmp -s "par$i.bin" large.bin || same=1; done
ok $same "8 parallel readers get identical, exact bytes"
is "$(xattr "$M/large.bin" user.holo.codec) $(xattr "$M/large.bin" user.holo.decodes)" "binary v4 0" \
   "... through one shared binary v4 stream, nothing decoded whole"
is "$(stat -c %o "$M/large.bin")" 1048576 "binary v4: st_blksize 1 MiB (cat reads 1 MiB per FUSE request)"

# ---- live updates: chunks landing behind the mount ------------------------------------------
# v2: every chunk adds detail (v4 improves by tiers, so not every chunk changes the image)
mkdir enc && "$holo" encode --codec-version 2 -b 6 -o enc/live.png.holo img.png > /dev/null 2>&1
mkdir "$S/live.png.holo"
cp enc/live.png.holo/chunk_0000.holo "$S/live.png.holo/"
# wait_change OLD: read live.png until its bytes differ from OLD (bounded), into cur.png
wait_change() {
    i=0
    while [ $i -lt $wait_steps ]; do
        tcat "$M/live.png" > cur.png 2> /dev/null
        cmp -s cur.png "$1" || return 0
        sleep 0.05; i=$((i + 1))
    done
    return 1
}
tcat "$M/live.png" > prev.png
cp prev.png snap0.png
exec 3< "$M/live.png"          # an open handle: must keep its snapshot throughout
p_prev=$("$psnr" prev.png img.png)
mono=0; seen=0
for b in 1 2 3 4 5; do
    # land a chunk atomically, the way holonet does: temp name, then rename
    cp "enc/live.png.holo/chunk_000$b.holo" "$S/live.png.holo/.chunk_000$b.holo.tmpAAAAAA"
    mv "$S/live.png.holo/.chunk_000$b.holo.tmpAAAAAA" "$S/live.png.holo/chunk_000$b.holo"
    if wait_change prev.png; then seen=$((seen + 1)); fi
    p=$("$psnr" cur.png img.png)
    if [ "$p" != inf ] && [ "$p_prev" != inf ] && awk "BEGIN{exit !($p < $p_prev)}"; then mono=1; fi
    [ "$p_prev" = inf ] && [ "$p" != inf ] && mono=1
    echo "#   $b+1 chunks: PSNR $p dB"
    cp cur.png prev.png; p_prev=$p
done
is "$seen" 5 "every landed chunk shows in a fresh open+read"
ok $mono "PSNR never decreases as chunks land"
is "$p_prev" inf "all chunks landed: exact"
is "$(stat -c %Y "$M/live.png")" "$(newest_mtime "$S/live.png.holo")" "a fresh stat shows the new mtime"
cat <&3 > snap1.png
exec 3<&-
cmp -s snap1.png snap0.png
ok $? "an open handle keeps its snapshot while chunks change"

# ---- unmount --------------------------------------------------------------------------------
fusermount3 -u "$M"
wait_gone
is "$fsrc" 0 "fusermount3 -u: holofs exits cleanly (status 0)"
mounted; is $? 1 "... and the mount is gone"
mount_fs
kill -TERM "$fspid"
wait_gone
mounted
is "$?:$fsrc" "1:0" "SIGTERM unmounts and exits cleanly"
