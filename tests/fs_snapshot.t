#!/bin/sh
# fs_snapshot.t — an open handle of an encoded file keeps the snapshot it opened until it is
# closed: every byte it reads, to the snapshot's end, while the chunk directory is replaced
# behind the mount and after the file is removed (through the mount or behind it). fstat of the
# handle shows the snapshot's size after a replace and after a removal behind the mount (Linux
# sends fstat without the handle: holofs answers by the caller's process, see holofs(1) BUGS).
# After rm through the mount (also after a rename, and when mv replaces the open file; a plain
# pass-through file too) fstat shows the file with no link (nlink 0, as ext4), fchmod works on
# the handle, and the close leaves nothing behind. Fresh opens and stats by other processes see
# the new version.
# holdopen (tests/tools) holds the descriptor while a script changes the store. Waits are
# bounded.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fs_lib.sh"
hold="$HOLO_TOOLS/holdopen"
[ -x "$hold" ] || bail_out "holdopen is not built"

cd "$T"
head -c 147726 /dev/urandom > big.bin
head -c 65536 /dev/urandom > small.bin
for f in y z w r v; do "$holo" encode -o "$S/$f.bin.holo" big.bin > /dev/null 2>&1; done
[ -d "$S/w.bin.holo" ] || bail_out "holo cannot encode the test input"
mount_fs || skip_all "cannot mount FUSE here: $(head -1 "$T/holofs.log")"
printf 'plain bytes\n' > "$S/p.txt"
plan 28

# Scripts run while the file is held open; each waits (bounded) until the mount shows the change.
cat > replace.sh << EOS
"$holo" encode -o "$S/y.bin.holo" small.bin > /dev/null 2>&1 || exit 1
i=0
while [ "\$(stat -c %s "$M/y.bin")" != 65536 ] && [ \$i -lt 300 ]; do sleep 0.1; i=\$((i + 1)); done
[ "\$(stat -c %s "$M/y.bin")" = 65536 ]
EOS
cat > rm_mount.sh << EOS
rm "$M/z.bin" && [ ! -e "$M/z.bin" ] && [ ! -e "$S/z.bin.holo" ]
EOS
cat > mv_rm.sh << EOS
mv "$M/r.bin" "$M/r2.bin" && rm "$M/r2.bin" && [ ! -e "$S/r2.bin.holo" ]
EOS
cp small.bin "$S/q.bin"
cat > mv_over.sh << EOS
mv "$M/q.bin" "$M/v.bin" && [ "\$(stat -c %s "$M/v.bin")" = 65536 ]
EOS
cat > rm_plain.sh << EOS
rm "$M/p.txt" && [ ! -e "$S/p.txt" ]
EOS
cat > rm_store.sh << EOS
rm -r "$S/w.bin.holo" || exit 1
i=0
while [ -e "$M/w.bin" ] && [ \$i -lt 300 ]; do sleep 0.1; i=\$((i + 1)); done
[ ! -e "$M/w.bin" ]
EOS

# ---- the chunk directory is replaced by a smaller encoding while the file is open ----------
"$hold" "$M/y.bin" "sh replace.sh" > got_y 2> rep_y
is "$?" 0 "an open handle reads on while its chunk directory is replaced"
cmp -s got_y big.bin
ok $? "... every byte of the version it opened, none of the new one"
like "$(cat rep_y)" "read=147726" "... to its end (147726 bytes, not the new 65536)"
like "$(cat rep_y)" "fstat=147726 " "... and fstat of the handle shows the snapshot's size, not the new 65536"
is "$(stat -c %s "$M/y.bin")" 65536 "stat by path shows the new size"
tcat "$M/y.bin" | cmp -s - small.bin
ok $? "a fresh open reads the new version"

# ---- removed through the mount while open ----------------------------------------------------
chmod 640 "$M/z.bin"
"$hold" "$M/z.bin" "sh rm_mount.sh" > got_z 2> rep_z
is "$?" 0 "rm through the mount of an open file: the handle keeps reading"
cmp -s got_z big.bin
ok $? "... every byte of its snapshot"
like "$(cat rep_z)" "read=147726" "... to its end"
like "$(cat rep_z)" "fstat=147726 nlink=0 mode=0640 " \
    "... and fstat of the handle shows the file, mode 0640, with no link (not ESTALE)"
"$hold" -m 600 "$M/r.bin" "sh mv_rm.sh" > got_r 2> rep_r
is "$?" 0 "mv then rm of an open file through the mount: the handle keeps reading"
cmp -s got_r big.bin
ok $? "... every byte"
like "$(cat rep_r)" "fstat=147726 nlink=0 mode=0600 " "... fchmod and fstat of the handle work"
"$hold" "$M/v.bin" "sh mv_over.sh" > got_v 2> rep_v
is "$?" 0 "mv of another file over an open one: the handle keeps reading"
cmp -s got_v big.bin
ok $? "... every byte of the replaced file"
like "$(cat rep_v)" "fstat=147726 nlink=0 " "... fstat shows the replaced file with no link"
tcat "$M/v.bin" | cmp -s - small.bin
ok $? "... while the name reads the new file"
"$hold" "$M/p.txt" "sh rm_plain.sh" > got_p 2> rep_p
is "$?" 0 "rm through the mount of an open plain file"
is "$(cat got_p)" "plain bytes" "... the handle reads its bytes"
like "$(cat rep_p)" "fstat=12 nlink=0 " "... fstat shows it with no link"
# the closed handles leave nothing: no hidden name in the mount, nothing in the store
is "$(ls -A "$M" | tr '\n' ' ')" "v.bin w.bin y.bin " "the mount lists only the files left"
is "$(ls -A "$S" | grep -v '^\.holofs-tmp$' | tr '\n' ' ')" "v.bin w.bin.holo y.bin.holo " \
    "... and the store holds nothing of the removed files"
is "$(ls -A "$S/.holofs-tmp" | wc -l)" 0 "... nor its scratch directory"

# ---- removed behind the mount while open -------------------------------------------------------
"$hold" "$M/w.bin" "sh rm_store.sh" > got_w 2> rep_w
is "$?" 0 "rm -r of the chunk directory behind the mount: the open handle keeps reading"
cmp -s got_w big.bin
ok $? "... every byte of its snapshot"
like "$(cat rep_w)" "read=147726" "... to its end"
like "$(cat rep_w)" "fstat=147726 " "... and fstat of the handle shows the snapshot (not ENOENT)"

umount_fs
is "$fsrc" 0 "holofs exits cleanly"
