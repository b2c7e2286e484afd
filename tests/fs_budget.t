#!/bin/sh
# fs_budget.t — holofs bounds the memory of decodes in flight plus its cache (-o decode_mb):
# a file whose decode alone needs more than the budget fails to open with EFBIG and a log line
# (stat still works: sizes come from the headers), container objects too; files within the
# budget read exactly, also several at once whose sum exceeds it (they wait for each other,
# the cache gives way). A JPEG v4 set is counted at the codec's estimate (8 bytes per pixel,
# holo_decode_bytes_estimate), not 3: a 4 MP photo needs about 33 MiB, refused under 20.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fs_lib.sh"

cd "$T"
head -c 2000000 /dev/urandom > big.bin          # binary: ~3 x 2 MB (chunks, bytes, served)
"$HOLO_TOOLS/mkimage" big.png 700 500 3         # image: ~2 x 1 MB (RGB, stored PNG) + chunks
for f in a b c; do head -c 300000 /dev/urandom > $f.bin; done   # ~0.9 MB each
# whole-file decodes are what the budget bounds: v2 binaries (binary v4 reads frame by frame
# through a stream of its own, bench_fs) and pixel images
for f in big.bin a.bin b.bin c.bin; do "$holo" encode --codec-version 2 -o "$S/$f.holo" $f > /dev/null 2>&1; done
"$holo" encode --pixels -o "$S/big.png.holo" big.png > /dev/null 2>&1
"$HOLO_TOOLS/mkimage" small.png 64 48 3
"$holo" pack -b 4 -o "$S/bigset.holo" big.png > /dev/null 2>&1     # containers: same budget
"$holo" pack -b 4 -o "$S/smallset.holo" small.png > /dev/null 2>&1
photo="${HOLO_JPEG_DIR:-$HOME/.cache/holofs/wallpapers}/Kite.jpg"   # 2560x1600
[ -f "$photo" ] || bail_out "no $photo: run make deps"
cp "$photo" photo.jpg
"$holo" encode -o "$S/photo.jpg.holo" photo.jpg > /dev/null 2>&1
[ -d "$S/c.bin.holo" ] && [ -d "$S/big.png.holo" ] && [ -d "$S/bigset.holo" ] ||
    bail_out "holo cannot encode the test inputs"
mount_fs -o decode_mb=1 || skip_all "cannot mount FUSE here: $(head -1 "$T/holofs.log")"
plan 16

run tcat "$M/big.bin"
is "$rc $(printf %s "$out" | wc -c)" "1 0" "a binary whose decode needs more than decode_mb=1 is not served"
like "$err" "File too large" "... open fails with EFBIG"
grep -q 'big.bin: decoding needs about 6 MiB, more than the decode budget (decode_mb=1): refused' "$T/holofs.log"
ok $? "... with a log line naming the file, the need and the budget"
run tcat "$M/big.png"
like "$rc $err" "1 cat: $M/big.png: File too large" "an image over the budget: EFBIG too"
is "$(stat -c %s "$M/big.bin")" 2000000 "stat still works (headers only)"
run tcat "$M/bigset/obj_0000.png"
like "$rc $err" "1 cat: $M/bigset/obj_0000.png: File too large" "a container object over the budget: EFBIG"
grep -q 'bigset/obj_0000.png: decoding needs about' "$T/holofs.log"
ok $? "... with a log line"
tcat "$M/smallset/obj_0000.png" > got_obj.png
is "$("$HOLO_TOOLS/psnr" got_obj.png small.png)" inf "a container object within the budget reads exactly"

# three files of ~0.9 MB each to decode: one fits at a time, all three read exactly
pids=
for f in a b c; do (tcat "$M/$f.bin" > got_$f.bin; echo $? > rc_$f) & pids="$pids $!"; done
wait $pids   # (not a bare wait: holofs is a background job too)
is "$(cat rc_a rc_b rc_c | tr -d '\n')" 000 "three concurrent opens over the budget together all succeed"
cmp -s got_a.bin a.bin && cmp -s got_b.bin b.bin && cmp -s got_c.bin c.bin
ok $? "... with exact bytes"
tcat "$M/a.bin" | cmp -s - a.bin
ok $? "a file reads again after the others (the cache made room)"

umount_fs
is "$fsrc" 0 "holofs exits cleanly"

# JPEG v4: 2560x1600 x 8 + the file + its chunks = 33 MiB (x 3 would say 13 and admit it)
mount_fs -o decode_mb=20 || bail_out "cannot remount"
run tcat "$M/photo.jpg"
like "$rc $err" "1 cat: $M/photo.jpg: File too large" "a 4 MP JPEG v4 under decode_mb=20: EFBIG (it needs ~33 MiB)"
grep -q 'photo.jpg: decoding needs about 33 MiB, more than the decode budget (decode_mb=20): refused' "$T/holofs.log"
ok $? "... with a log line naming the need"
umount_fs
mount_fs -o decode_mb=40 || bail_out "cannot remount"
tcat "$M/photo.jpg" | cmp -s - photo.jpg
ok $? "... under decode_mb=40 it reads back byte for byte"
umount_fs
is "$fsrc" 0 "holofs exits cleanly again"
