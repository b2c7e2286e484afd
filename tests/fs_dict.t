#!/bin/sh
# fs_dict.t — holofs and the store dictionary: after enough small files are written through
# the mount it trains one by itself in the background (a log line says so, CURRENT appears);
# new small files then use it (user.holo.dict names it, they read back exact); .holo-dict is
# not shown in the mount; a file whose dictionary is gone reads as EIO with a log line naming
# the dictionary; a daemonized holofs (no -f) trains too. Every wait is bounded.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fs_lib.sh"
t() { timeout 60 "$@"; }

cd "$T"
# Real small files of 1-20 KB: man page sources, then Perl modules.
mkdir src
i=$(small_texts src 260)
[ $i -ge 260 ] || bail_out "fewer than 260 real text files of 1-20 KB (man pages, Perl modules) on this machine"
if ! mount_fs; then
    grep -qi "permission\|device not found\|not permitted" "$T/holofs.log" &&
        skip_all "cannot mount FUSE here: $(head -1 "$T/holofs.log")"
fi
plan 11

for f in $(ls src | head -250); do t cp "src/$f" "$M/$f" || break; done
is "$(ls "$M" | wc -l)" 250 "250 small files written through the mount"
k=0
while [ ! -e "$S/.holo-dict/CURRENT" ] && [ $k -lt $((wait_steps * 3)) ]; do sleep 0.1; k=$((k + 1)); done
[ -e "$S/.holo-dict/CURRENT" ]
ok $? "holofs trained a dictionary by itself (STORE/.holo-dict/CURRENT)"
id=$(cat "$S/.holo-dict/CURRENT" 2> /dev/null)
like "$(cat "$T/holofs.log")" "trained dictionary $id" "... and logged it"
ls -a "$M" | grep -q '^\.holo-dict$'
ok $((! $?)) ".holo-dict is not shown in the mount"

t cp src/255.man "$M/new.man"
is "$(xattr "$M/new.man" user.holo.dict)" "$id" "a small file written now uses it (user.holo.dict)"
is "$(xattr "$M/new.man" user.holo.version)" 4 "... as HO4B"
tcat "$M/new.man" | cmp -s - src/255.man
ok $? "... and reads back exact"
xattr "$M/1.man" user.holo.dict > /dev/null
ok $((! $?)) "a file written before has no user.holo.dict"

umount_fs
mv "$S/.holo-dict" "$T/saved-dict"
mount_fs
tcat "$M/new.man" > /dev/null 2> cat.err
like "$(cat cat.err)" "Input/output error" "its dictionary gone: reading it is EIO"
like "$(cat "$T/holofs.log")" "$S/new.man.holo: needs dictionary $id" "... with a log line naming the dictionary"

# A daemonized holofs (no -f) trains too: its threads must start after the daemon fork (the
# trainer used to start before it: lost in the daemon, and under ASan a deadlock).
umount_fs
S="$T/store2"; mkdir -p "$S"
"$holofs" "$S" "$M" 2>> "$T/holofs.log"
i=0; while ! mounted && [ $i -lt $wait_steps ]; do sleep 0.1; i=$((i + 1)); done
for f in $(ls src | head -250); do t cp "src/$f" "$M/$f" || break; done
k=0
while [ ! -e "$S/.holo-dict/CURRENT" ] && [ $k -lt $((wait_steps * 3)) ]; do sleep 0.1; k=$((k + 1)); done
[ -e "$S/.holo-dict/CURRENT" ]
ok $? "a daemonized holofs trains a dictionary by itself too"
fusermount3 -u "$M"
