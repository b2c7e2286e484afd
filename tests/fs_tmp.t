#!/bin/sh
# fs_tmp.t — temporary names of encodes and atomic writes: short (".holo-tmp-PID-N"), so a
# 250-byte name encodes into a 255-byte X.holo (holo encode, holo decode -o, cp through the
# mount); leftovers of killed processes are removed by the next encode into that directory and
# when holofs starts (its .holofs-tmp too), while those of live processes stay; holofs never
# shows them.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fs_lib.sh"

cd "$T"
n250=$(printf '%0250d' 0 | tr 0 n)
head -c 20000 /dev/urandom > "$n250"
head -c 20000 /dev/urandom > x.bin
# the pid of a process that died by SIGKILL, for leftovers "of a killed encode"
sleep 60 & dead=$!; kill -9 $dead; wait $dead 2> /dev/null
kill -0 $dead 2> /dev/null && skip_all "pid $dead is alive again"
plan 16

# ---- names up to NAME_MAX ------------------------------------------------------------------
mkdir out
run "$holo" encode -o "out/$n250.holo" "$n250"
is "$rc" 0 "holo encode of a 250-byte name (X.holo is 255 bytes) works"
run "$holo" decode -o "out/${n250}.dec" "out/$n250.holo"
cmp -s "out/$n250.dec" "$n250"
ok $? "holo decode -o a 254-byte name works (atomic write with a short temporary name)"
is "$(ls -A out | grep -c '^\.')" 0 "no temporary is left"

# ---- leftovers of killed encodes: the next encode into the directory removes them -----------
mkdir enc
mkdir "enc/.holo-tmp-$dead-0" && : > "enc/.holo-tmp-$dead-0/chunk_0000.holo"
mkdir "enc/.holo-tmp-$dead-1.oldAbC123"
mkdir "enc/.holo-tmp-$$-7"                       # a live process's encode in flight: kept
mkdir "enc/.holo-tmp-$$-8"; touch -d '2 days ago' "enc/.holo-tmp-$$-8"   # untouched for a day
: > "enc/.holo-tmp-$dead-2"                      # a killed atomic write (a file)
"$holo" encode -o enc/x.bin.holo x.bin > /dev/null 2>&1
is "$(ls -A enc | tr '\n' ' ')" ".holo-tmp-$$-7 x.bin.holo " \
    "the next encode removes the leftovers of dead processes and day-old ones, not live ones"

# ---- holofs: removes leftovers at start, never shows temporaries ----------------------------
mkdir -p "$S/sub" "$S/.holofs-tmp"
"$holo" encode -o "$S/sub/x.bin.holo" x.bin > /dev/null 2>&1
mkdir "$S/.holo-tmp-$dead-0" "$S/sub/.holo-tmp-$dead-3" "$S/.holo-tmp-$$-9"
: > "$S/.holofs-tmp/wAbC123"
mount_fs || skip_all "cannot mount FUSE here: $(head -1 "$T/holofs.log")"
[ ! -e "$S/.holo-tmp-$dead-0" ] && [ ! -e "$S/sub/.holo-tmp-$dead-3" ]
ok $? "holofs start removes leftovers of dead encodes anywhere in the store"
grep -q "removed 2 temporary encode(s) left by killed processes" "$T/holofs.log"
ok $? "... and says so in one log line"
[ ! -e "$S/.holofs-tmp/wAbC123" ]
ok $? "... and empties its .holofs-tmp"
[ -d "$S/.holo-tmp-$$-9" ]
ok $? "... but keeps a live process's"
is "$(ls -A "$M" | tr '\n' ' ')" "sub " "holofs does not list temporary directories"
run stat "$M/.holo-tmp-$$-9"
ok $((rc == 0)) "... nor resolve them by name"
cp "$n250" "$M/"
tcat "$M/$n250" | cmp -s - "$n250"
ok $? "a 250-byte name written through the mount encodes and reads back"
[ -d "$S/$n250.holo" ]
ok $? "... into a 255-byte chunk directory"
mkdir "$S/sub/.holo-tmp-$dead-4"
cp x.bin "$M/sub/y.bin"
[ ! -e "$S/sub/.holo-tmp-$dead-4" ] && tcat "$M/sub/y.bin" | cmp -s - x.bin
ok $? "an encode through the mount removes leftovers in its directory"
is "$(ls -A "$M/sub" | tr '\n' ' ')" "x.bin y.bin " "... and the mount shows only the files"
tcat "$M/sub/x.bin" | cmp -s - x.bin
ok $? "files beside the swept leftovers are untouched"
umount_fs
is "$fsrc" 0 "holofs exits cleanly"
