#!/bin/sh
# fs_smallpack.t — small files packed in their directory's .holo-pack (holo(5), holofs(1)
# "SMALL-FILE PACKS"): 2,000 real small files copied in through the mount, then `holo
# smallpack` moves their sets into one pack: du of the store is within 1.5x of its bytes, the
# mount lists and reads every file exactly as before (sizes, bytes, user.holo.*); rm, mv and
# chmod work and stay done across a remount; a killed `holo smallpack`, a torn append and a
# corrupt record leave every other file readable; `holo smallpack extract` gives a set back.
# Reads keep the copies they make of packed files within -o smallpack_kb (none left at mount
# or unmount); a packed file's inode is the same in readdir and stat, and across a remount;
# `holo dict train` samples packed files and `holo dict apply` re-compresses them in place.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fs_lib.sh"
t() { timeout 300 "$@"; }

cd "$T"
mkdir src
n=$(small_texts src 2000)
[ "$n" -ge 2000 ] || bail_out "fewer than 2000 real text files of 1-20 KB (man pages, Perl modules) on this machine"
if ! mount_fs; then
    grep -qi "permission\|device not found\|not permitted" "$T/holofs.log" &&
        skip_all "cannot mount FUSE here: $(head -1 "$T/holofs.log")"
fi
plan 48

t cp -r src "$M/tree"
is "$(ls "$M/tree" | wc -l)" 2000 "2000 small files copied in through the mount"
# The mount trains the store's dictionary in the background while the files land; files
# written before it is current do not use it (a loaded machine trains late). One file is
# written again once it is current (bounded wait), so it surely uses it (test below).
last=$(ls src | sort -n | tail -1)
i=0
while [ ! -s "$S/.holo-dict/CURRENT" ] && [ $i -lt $wait_steps ]; do sleep 0.1; i=$((i + 1)); done
[ -s "$S/.holo-dict/CURRENT" ] || diag "#   no dictionary trained after $((wait_steps / 10)) s"
cat "src/$last" > "$M/tree/$last"
umount_fs
bytes_of() { find "$1" -type f -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }'; }
du_before=$(du -sk "$S" | cut -f1)

run "$holo" smallpack "$S"
is "$rc" 0 "holo smallpack exits 0"
like "$out" "2000 small set(s) packed" "... and moved all 2000 sets into packs"
is "$(find "$S/tree" -name '*.holo' | wc -l)" 0 "... no X.holo/ directory is left in the tree"
b=$(bytes_of "$S"); du=$(( $(du -sk "$S" | cut -f1) * 1024 ))
awk -v d="$du" -v b="$b" 'BEGIN { exit !(d <= 1.5 * b) }'
ok $? "du of the store within 1.5x of its bytes ($du vs $b; $((du_before * 1024)) before packing)"

sp="$S/.holofs-tmp/sp"
mkdir -p "$sp/p1-2/left-by-a-killed-mount" && echo x > "$sp/p1-2/left-by-a-killed-mount/chunk_0000.holo"
mount_fs -o smallpack_kb=256
[ ! -e "$sp/p1-2" ]
ok $? "copies left by a killed mount are removed when it mounts"
is "$(ls "$M/tree" | wc -l)" 2000 "the mount lists all 2000 packed files"
( cd src && stat -c '%n %s' * ) > want.ls
( cd "$M/tree" && stat -c '%n %s' * ) > got.ls
cmp -s want.ls got.ls
ok $? "... with their exact sizes"
t diff -r src "$M/tree" > diff.out 2>&1
ok $? "... and their exact bytes (diff -r)"
sleep 2.5   # copies used in the last 2 s are kept (a read may be about to open them)
tcat "$M/tree/$(ls src | sed -n 3p)" > /dev/null
spk=$(du -sk "$sp"/p*/* | awk '{ s += $1 } END { print s + 0 }')
[ "$spk" -gt 0 ] && [ "$spk" -le 256 ]
ok $? "after reading them all the copies are back within -o smallpack_kb=256 (du $spk KiB; $(du -sk "$sp" | cut -f1) KiB with the directories; was 2000 copies)"
bad=$(ls src | t xargs -P4 -n1 sh -c 'cmp -s "$0/$1" "src/$1" || echo "$1"' "$M/tree" | wc -l)
is "$bad" 0 "... and 4 readers in parallel, copies evicted and made again meanwhile, read all exact"
( cd "$M/tree" && ls -i | awk '{ print $1, $2 }' | sort ) > ino.ls
( cd "$M/tree" && stat -c '%i %n' * | sort ) > ino.stat
cmp -s ino.ls ino.stat && [ "$(wc -l < ino.ls)" = 2000 ]
ok $? "readdir and stat give every packed file the same inode (ls -i vs stat)"
f1=$(ls src | sed -n 5p)
ino1=$(stat -c %i "$M/tree/$f1")
is "$(find "$M/tree" -inum "$ino1")" "$M/tree/$f1" "find -inum finds a packed file by its inode"
f=$(ls src | sed -n 10p)
is "$(xattr "$M/tree/$f" user.holo.size)" "$(stat -c %s "src/$f")" "user.holo.size of a packed file"
id=$(cat "$S/.holo-dict/CURRENT" 2> /dev/null)
is "$(xattr "$M/tree/$last" user.holo.dict)${id:+ }$id" "$id $id" "user.holo.dict of a packed file written with the dictionary current"

# changes: each moves the file out of the pack first
a=$(ls src | sed -n 20p); b2=$(ls src | sed -n 21p); c=$(ls src | sed -n 22p)
rm "$M/tree/$a"
mv "$M/tree/$b2" "$M/tree/renamed"
chmod 600 "$M/tree/$c"
[ ! -e "$M/tree/$a" ]
ok $? "rm of a packed file"
tcat "$M/tree/renamed" | cmp -s - "src/$b2"
ok $? "mv of a packed file: exact bytes under the new name"
[ ! -e "$M/tree/$b2" ]
ok $? "... and the old name is gone"
is "$(stat -c %a "$M/tree/$c")" 600 "chmod of a packed file"
umount_fs
mount_fs
[ ! -e "$M/tree/$a" ] && [ ! -e "$M/tree/$b2" ] && [ "$(stat -c %a "$M/tree/$c")" = 600 ]
ok $? "... all three stay done after a remount (no packed copy comes back)"
is "$(stat -c %i "$M/tree/$f1")" "$ino1" "a packed file keeps its inode across a remount"
tcat "$M/tree/$c" | cmp -s - "src/$c"
ok $? "... and the chmod'ed file reads exact"

# a killed holo smallpack: every file stays readable
mkdir "$M/more"
for i in $(seq 1 300); do t cp "src/$(ls src | sed -n "${i}p")" "$M/more/$i" || break; done
umount_fs
for delay in 0.02 0.1 0.3; do
    "$holo" smallpack "$S/more" > /dev/null 2>&1 &
    p=$!; sleep $delay; kill -9 $p 2> /dev/null; wait $p 2> /dev/null
done
# a torn append: half a record at the end of the pack
head -c 100 "$S/tree/.holo-pack" | tail -c 92 >> "$S/more/.holo-pack"
mount_fs
bad=0
for i in $(seq 1 300); do tcat "$M/more/$i" | cmp -s - "src/$(ls src | sed -n "${i}p")" || bad=$((bad + 1)); done
is "$bad" 0 "killed holo smallpack runs and a torn append: all 300 files read exact"
umount_fs
run "$holo" smallpack "$S/more"
is "$rc" 0 "holo smallpack finishes the job"
is "$(find "$S/more" -name '*.holo' | wc -l)" 0 "... every set is packed"

# one corrupt record costs its own file only (the scan resynchronises on the next record)
pk="$S/tree/.holo-pack"
y=$(ls src | sed -n 30p)
off=$("$holo" smallpack ls "$S/tree" | awk -F'\t' -v y="$y" '$1 == y { sub(/.* at /, "", $2); print $2 }')
printf 'X' | dd of="$pk" bs=1 seek=$((off + 40)) conv=notrunc 2> /dev/null
mount_fs
good=0
for f in $(ls src); do tcat "$M/tree/$f" 2> /dev/null | cmp -s - "src/$f" && good=$((good + 1)); done
is "$good" 1997 "a corrupt record: every other file reads exact (1997 of the 1998 left)"
[ ! -e "$M/tree/$y" ]
ok $? "... and the file of that record is not shown (never wrong bytes)"
umount_fs

# rm -r of a packed directory: every member goes, then the pack with the directory
mount_fs
rm -r "$M/more" 2> rm.err
[ ! -e "$M/more" ] && [ ! -e "$S/more" ]
ok $? "rm -r of a directory of packed files removes it, pack included"
umount_fs

# holo smallpack ls / extract: the set comes back as a chunk directory holo decodes
x=$(ls src | sed -n 40p)
run "$holo" smallpack ls "$S/tree"
like "$out" "$x	" "holo smallpack ls lists a member"
run "$holo" smallpack extract -o "$S/tree/copy.holo" "$S/tree" "$x"
is "$rc" 0 "holo smallpack extract exits 0"
"$holo" decode -o out.txt "$S/tree/copy.holo" > /dev/null 2>&1 && cmp -s out.txt "src/$x"
ok $? "... and holo decode gives the exact file back"
run "$holo" smallpack extract -o "$T/x.holo" "$S/tree" no-such-file
like "$err" "no member no-such-file" "extracting a missing member: a clear error"

# holofs -o smallpack packs by itself once a directory is quiet
mount_fs -o smallpack
mkdir "$M/auto"
for i in $(seq 1 100); do t cp "src/$(ls src | sed -n "${i}p")" "$M/auto/$i" || break; done
k=0
while { [ ! -s "$S/auto/.holo-pack" ] || [ "$(find "$S/auto" -name '*.holo' 2> /dev/null | wc -l)" != 0 ]; } &&
      [ $k -lt $((wait_steps * 3)) ]; do sleep 0.1; k=$((k + 1)); done
is "$(find "$S/auto" -name '*.holo' 2> /dev/null | wc -l)" 0 "-o smallpack: the 100 sets were packed by holofs itself"
like "$(cat "$T/holofs.log")" "small file(s) into .holo-pack" "... with a log line"
bad=0
for i in $(seq 1 100); do tcat "$M/auto/$i" | cmp -s - "src/$(ls src | sed -n "${i}p")" || bad=$((bad + 1)); done
is "$bad" 0 "... and all 100 read exact through the mount"
umount_fs
[ ! -e "$sp" ]
ok $? "unmounting removes the copies of packed files"

# holo dict train / apply see packed files: a store of 200 packed files without a dictionary
S0=$S; S="$T/D"; mkdir "$S"
for f in $(ls src | head -200); do "$holo" encode --codec-version 4 -o "$S/$f.holo" "src/$f" > /dev/null || break; done
run "$holo" smallpack "$S"
like "$out" "200 small set(s) packed" "a store of 200 small HO4B files without a dictionary, packed"
run "$holo" dict train "$S"
is "$rc" 0 "holo dict train STORE of packed files exits 0"
like "$out" "200 small files (200 of them packed, of 200 packed in all), 200 sampled" "... and sampled the 200 packed files"
id=$(cat "$S/.holo-dict/CURRENT")
run "$holo" dict apply -n "$S"
like "$out" "200 files would be re-compressed" "holo dict apply -n lists the 200 packed files"
before=$(stat -c %s "$S/.holo-pack")
for delay in 0.05 0.2 0.5; do
    "$holo" dict apply "$S" > /dev/null 2>&1 &
    p=$!; sleep $delay; kill -9 $p 2> /dev/null; wait $p 2> /dev/null
done
mount_fs
bad=0
for f in $(ls src | head -200); do tcat "$M/$f" | cmp -s - "src/$f" || bad=$((bad + 1)); done
is "$bad" 0 "holo dict apply killed three times: all 200 files read exact"
umount_fs
run "$holo" dict apply "$S"
is "$rc" 0 "holo dict apply then finishes, exit 0"
like "$out" "files re-compressed with dictionary $id" "... with the new dictionary"
is "$(find "$S" -name '*.holo' ! -path '*/.holo-dict/*' | wc -l)" 0 "... which stay packed"
run "$holo" smallpack compact "$S"
after=$(stat -c %s "$S/.holo-pack")
[ "$after" -lt "$before" ]
ok $? "... in a pack that compacts smaller ($before -> $after bytes)"
mount_fs
f=$(ls src | sed -n 7p)
is "$(xattr "$M/$f" user.holo.dict)" "$id" "user.holo.dict of a re-compressed packed file names the dictionary"
bad=0
for f in $(ls src | head -200); do tcat "$M/$f" | cmp -s - "src/$f" || bad=$((bad + 1)); done
is "$bad" 0 "... and all 200 read exact through the mount"
umount_fs
run "$holo" dict apply -n "$S"
is "${out%% files would*}" 0 "a second holo dict apply has nothing left to do"
S=$S0
