#!/bin/sh
# fs_family.t — holofs with the rest of the format family: a chunk directory with missing chunks
# and enough recovery chunks reads back exact (xattrs recoverable / exact), recovery chunks
# landing behind the mount make the next read exact; v3 image and audio are served with
# st_size = bytes read; a HOPK container X.holo/ is the read-only directory X/ of obj_0000.png,
# obj_0001.wav with exact sizes, read back exact, still readable with a chunk removed.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fs_lib.sh"

cd "$T"
"$HOLO_TOOLS/mkimage" img.png 64 48 3
"$HOLO_TOOLS/mkwav" snd.wav 3000 8000 2
# recovery: 8 blocks, 4 recovery chunks, 2 data chunks gone; a second copy waits outside
"$holo" encode --codec-version 2 -b 8 --recovery 0.5 -o "$S/rec.png.holo" img.png > /dev/null 2>&1
mkdir rec_spare && mv "$S/rec.png.holo"/recovery_* rec_spare/
rm -f "$S/rec.png.holo/chunk_0002.holo" "$S/rec.png.holo/chunk_0005.holo"
mv rec_spare/recovery_0000.holo "$S/rec.png.holo/"
"$holo" encode --codec-version 3 -b 6 -o "$S/v3.png.holo" img.png > /dev/null 2>&1
"$holo" encode --codec-version 3 -b 4 -o "$S/v3.wav.holo" snd.wav > /dev/null 2>&1
"$holo" decode -o v3ref.png "$S/v3.png.holo" > /dev/null 2>&1
"$holo" decode -o v3ref.wav "$S/v3.wav.holo" > /dev/null 2>&1
"$holo" pack -b 4 -o "$S/set.holo" img.png snd.wav > /dev/null 2>&1

plan 22
mount_fs; ok $? "mounted"

# ---- recovery ------------------------------------------------------------------------------
is "$(xattr "$M/rec.png" user.holo.recoverable)" 0 "one recovery chunk for two missing: recoverable 0"
is "$(xattr "$M/rec.png" user.holo.exact)" 0 "...and not exact"
tcat "$M/rec.png" > r0.png
[ "$("$psnr" r0.png img.png)" != inf ]; ok $? "...reads a degraded image"
mv rec_spare/recovery_0001.holo "$S/rec.png.holo/"   # lands behind the mount: the watcher
i=0; while [ "$(xattr "$M/rec.png" user.holo.recoverable)" != 1 ] && [ $i -lt $wait_steps ]; do sleep 0.1; i=$((i + 1)); done
is "$(xattr "$M/rec.png" user.holo.recoverable)" 1 "a recovery chunk landing behind the mount: recoverable 1"
is "$(xattr "$M/rec.png" user.holo.exact)" 1 "...exact 1"
tcat "$M/rec.png" > r1.png
is "$("$psnr" r1.png img.png)" inf "...and the read is exact (recovered)"
is "$(stat -c %s "$M/rec.png")" "$(stat -c %s r1.png)" "st_size equals the bytes read"

# ---- v3 ------------------------------------------------------------------------------------
tcat "$M/v3.png" > v3.png
is "$(stat -c %s "$M/v3.png")" "$(stat -c %s v3.png)" "v3 image: st_size equals the bytes read"
is "$("$psnr" v3.png v3ref.png)" inf "v3 image: pixels equal holo decode's"
is "$(xattr "$M/v3.png" user.holo.version)" 3 "v3 image: user.holo.version 3"
tcat "$M/v3.wav" > v3.wav
is "$(stat -c %s "$M/v3.wav")" "$(stat -c %s v3.wav)" "v3 audio: st_size equals the bytes read"
cmp -s v3.wav v3ref.wav; ok $? "v3 audio: WAV equals holo decode's"

# ---- HOPK container ------------------------------------------------------------------------
[ -d "$M/set" ]; ok $? "a container set.holo/ is the directory set/"
is "$(ls "$M/set" | tr '\n' ' ')" "obj_0000.png obj_0001.wav " "ls shows its objects"
tcat "$M/set/obj_0000.png" > o0.png
tcat "$M/set/obj_0001.wav" > o1.wav
is "$(stat -c %s "$M/set/obj_0000.png") $(stat -c %s "$M/set/obj_0001.wav")" \
   "$(stat -c %s o0.png) $(stat -c %s o1.wav)" "object sizes equal the bytes read"
is "$("$psnr" o0.png img.png)" inf "image object reads back exact"
cmp -s o1.wav snd.wav; ok $? "audio object reads back exact"
rm -f "$S/set.holo/chunk_0001.holo"
i=0; while [ $i -lt $wait_steps ]; do tcat "$M/set/obj_0000.png" > p0.png 2> /dev/null && [ "$("$psnr" p0.png img.png)" != inf ] && break; sleep 0.1; i=$((i + 1)); done
p=$("$psnr" p0.png img.png); [ "$p" != inf ] && [ -s p0.png ]; ok $? "a chunk removed: the image object is still readable (PSNR $p)"
tcat "$M/set/obj_0001.wav" > p1.wav; [ -s p1.wav ] && ! cmp -s p1.wav snd.wav; ok $? "...and so is the audio object, degraded"
rm "$M/set/obj_0000.png" 2> /dev/null; [ $? != 0 ] && [ -e "$S/set.holo/obj_0000_coarse.bin" ]; ok $? "objects are read-only"
[ ! -e "$M/set/obj_0002.png" ] && [ ! -e "$M/set/nothing" ]; ok $? "other names inside a container do not exist"

fusermount3 -u "$M"
exit $_failed
