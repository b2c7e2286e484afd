#!/bin/sh
# fs_poll.t — holofs on a store where inotify cannot see the writes: the store is a FUSE layer
# (bindfs UNDER STORE) and chunks land in UNDER, as another host's writes land on NFS. The
# mount shows new chunks and a replaced chunk directory within a bounded wait (the poll
# interval is 1 s; we wait up to 20 s, 60 s in the sanitizer build, and print the time seen).
# Also: which mode a store gets (log line), -o poll=SECS on a local store, poll=0, bad values.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fs_lib.sh"
command -v bindfs > /dev/null || skip_all "bindfs is absent (make deps installs it)"
U="$T/under"
mkdir -p "$U"
cleanup_poll() {
    if grep -q " $M fuse" /proc/mounts 2> /dev/null; then fusermount3 -uz "$M" 2> /dev/null; fi
    if grep -q " $S fuse" /proc/mounts 2> /dev/null; then fusermount3 -uz "$S" 2> /dev/null; fi
    cleanup
}
trap cleanup_poll EXIT
if [ "$HOLO_SAN" = 1 ]; then land_wait=600; else land_wait=200; fi   # tenths of a second

cd "$T"
now() { date +%s.%N; }
# wait_same FILE WANT: until `cat FILE` equals WANT (bounded); sets took to the seconds waited
wait_same() {
    t0=$(now); i=0
    while [ $i -lt $land_wait ]; do
        tcat "$1" > got 2> /dev/null && cmp -s got "$2" && break
        sleep 0.1; i=$((i + 1))
    done
    took=$(echo "$t0 $(now)" | awk '{printf "%.1f", $2 - $1}')
    cmp -s got "$2"
}
# wait_mode_line: holofs logs its live-update mode after the mount appears (the poller and
# the watcher start then): wait for that line, bounded, before reading the log
wait_mode_line() {
    i=0
    while ! grep -q "live updates" "$T/holofs.log" && [ $i -lt $wait_steps ]; do sleep 0.1; i=$((i + 1)); done
}
# land SRC DST: copy SRC's chunks into DST the way holonet rx does (temporary name, rename)
land() {
    for c in "$@"; do :; done
    dst=$c
    for c in "$@"; do
        [ "$c" = "$dst" ] && break
        b=$(basename "$c")
        cp "$c" "$dst/.$b.tmp0123456789ab" && mv "$dst/.$b.tmp0123456789ab" "$dst/$b"
    done
}

# two pictures as 32-chunk v4 image sets (explicit version: the store policy keeps these PNGs
# as bytes); .ppm names make holofs serve PPM, comparable byte for byte
"$HOLO_TOOLS/mkimage" a.png 160 120 3
"$HOLO_TOOLS/mkimage" b.png 160 120 9
"$holo" encode --codec-version 4 -o full_a.holo a.png > /dev/null 2>&1
"$holo" encode --codec-version 4 -o full_b.holo b.png > /dev/null 2>&1
mkdir part_a.holo part_b.holo
cp full_a.holo/chunk_000[0-3].holo part_a.holo/
cp full_b.holo/chunk_000?.holo part_b.holo/
"$holo" decode -o dec_a.ppm full_a.holo > /dev/null 2>&1
"$holo" decode -o dec_b.ppm full_b.holo > /dev/null 2>&1
"$holo" decode -o dec_part_a.ppm part_a.holo > /dev/null 2>&1
"$holo" decode -o dec_part_b.ppm part_b.holo > /dev/null 2>&1
[ -s dec_a.ppm ] && [ -s dec_b.ppm ] && [ -s dec_part_a.ppm ] && ! cmp -s dec_a.ppm dec_part_a.ppm &&
    [ -s dec_part_b.ppm ] && ! cmp -s dec_b.ppm dec_part_b.ppm ||
    bail_out "holo cannot make the test sets"

mkdir "$U/pic.ppm.holo"
cp part_a.holo/* "$U/pic.ppm.holo/"
if ! bindfs "$U" "$S" 2> bindfs.log; then skip_all "bindfs cannot mount here: $(head -1 bindfs.log)"; fi
grep -q " $S fuse" /proc/mounts || skip_all "bindfs did not mount"
if ! mount_fs; then
    grep -qi "permission\|device not found\|not permitted" "$T/holofs.log" &&
        skip_all "cannot mount FUSE here: $(head -1 "$T/holofs.log")"
fi
plan 18
mounted; ok $? "holofs mounts a store behind bindfs"
wait_mode_line
like "$(cat "$T/holofs.log")" "fuse filesystem: live updates by inotify and polling every 1 s" \
    "a FUSE store is polled every second by default (log line)"

# ---- chunks landing underneath ----------------------------------------------------------
is "$(xattr "$M/pic.ppm" user.holo.chunks)" "4/32" "4 of 32 chunks at first"
tcat "$M/pic.ppm" > got
cmp -s got dec_part_a.ppm
ok $? "cat gives the 4-chunk picture (equal to holo decode of those chunks)"
land full_a.holo/chunk_00[0-3]?.holo "$U/pic.ppm.holo"
wait_same "$M/pic.ppm" dec_a.ppm
ok $? "after the other 28 chunks land underneath, cat gives the full picture (holo decode)"
echo "# new chunks seen after $took s (target 2 s)"
is "$(xattr "$M/pic.ppm" user.holo.chunks)" "32/32" "user.holo.chunks says 32/32"

# ---- a chunk directory replaced underneath ------------------------------------------------
mkdir "$U/.pic.ppm.holo.tmpAbC123"
cp full_b.holo/* "$U/.pic.ppm.holo.tmpAbC123/"
mv "$U/pic.ppm.holo" "$U/.pic.ppm.holo.tmpAbC123.oldXyZ789" &&
    mv "$U/.pic.ppm.holo.tmpAbC123" "$U/pic.ppm.holo" && rm -rf "$U/.pic.ppm.holo.tmpAbC123.oldXyZ789"
wait_same "$M/pic.ppm" dec_b.ppm
ok $? "a whole pic.ppm.holo/ replaced underneath: cat gives the new picture"
echo "# replaced directory seen after $took s (target 2 s)"

# ---- a file open while its chunks change keeps its snapshot; a new open improves ----------
rm "$U/pic.ppm.holo"/chunk_001*.holo "$U/pic.ppm.holo"/chunk_002*.holo "$U/pic.ppm.holo"/chunk_003*.holo
wait_same "$M/pic.ppm" dec_part_b.ppm
ok $? "22 chunks removed underneath: cat gives the 10-chunk picture (holo decode of those)"
exec 3< "$M/pic.ppm"
head -c 1000 <&3 > first
land full_b.holo/chunk_00[1-3]?.holo "$U/pic.ppm.holo"
wait_same "$M/pic.ppm" dec_b.ppm
ok $? "chunks landing again: a new open gives the full picture"
cat <&3 >> first
exec 3<&-
cmp -s first dec_part_b.ppm
ok $? "the handle opened before keeps the bytes it opened (holo decode of those 10 chunks)"

# ---- a file appearing underneath --------------------------------------------------------
mkdir "$U/new.ppm.holo" && cp full_a.holo/* "$U/new.ppm.holo/"
wait_same "$M/new.ppm" dec_a.ppm
ok $? "a chunk directory created underneath shows and reads"
umount_fs
is "$fsrc" 0 "holofs exits cleanly on unmount (no sanitizer report)"
fusermount3 -u "$S"

# ---- local stores: inotify, unless poll= says otherwise -----------------------------------
S="$U"
: > "$T/holofs.log"
mount_fs && wait_mode_line
like "$(cat "$T/holofs.log")" "live updates by inotify" "a local store uses inotify (log line)"
case "$(cat "$T/holofs.log")" in *polling*) ok 1 "... and does not poll" ;; *) ok 0 "... and does not poll" ;; esac
umount_fs
: > "$T/holofs.log"
mount_fs -o poll=0.5 && wait_mode_line
like "$(cat "$T/holofs.log")" "live updates by inotify and polling every 0.5 s (poll= option)" \
    "-o poll=0.5 polls a local store"
rm "$U/pic.ppm.holo"/chunk_00[1-3]?.holo
land full_b.holo/chunk_00[1-3]?.holo "$U/pic.ppm.holo"
wait_same "$M/pic.ppm" dec_b.ppm
ok $? "... and serves chunks landing there"
umount_fs
is "$fsrc" 0 "... and exits cleanly"

run "$holofs" -f -o poll=soon "$S" "$M"
is "$rc:$err" "1:holofs: poll=soon: not a number of seconds from 0 to 3600" \
    "a bad poll= value: one line naming it, exit 1"
