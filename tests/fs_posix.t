#!/bin/sh
# fs_posix.t — POSIX behaviour through an allow_other mount: FIFOs and device nodes pass
# through with their creator's ownership; chmod, chown and utimensat of encoded files are kept
# (the chunk directory and its .holofs-meta sidecar) and survive a remount; an explicit mtime
# gives way to a newer chunk; unprivileged chown/chgrp fail with EPERM; rename over and
# between entries of every kind; hard links of plain files, EPERM for encoded ones; rsync -a
# run twice copies nothing the second time; cp -p keeps modes, owners and times; a write by
# another user clears setuid; a name over NAME_MAX fails with ENAMETOOLONG.
# Needs root (allow_other, mknod, becoming nobody) and rsync.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fs_lib.sh"
[ "$(id -u)" = 0 ] || skip_all "needs root"
command -v setpriv > /dev/null || skip_all "setpriv is absent"
command -v rsync > /dev/null || skip_all "rsync is absent"
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
as_nobody true 2> /dev/null || skip_all "cannot become nobody"

chmod 755 "$T"
cd "$T"
head -c 30000 /dev/urandom > data.bin
"$holo" encode -o "$S/enc.bin.holo" data.bin > /dev/null 2>&1
[ -d "$S/enc.bin.holo" ] || bail_out "holo cannot encode the test input"
mount_fs -o allow_other || skip_all "cannot mount FUSE here: $(head -1 "$T/holofs.log")"
plan 45
mkdir "$M/pub" && chmod 1777 "$M/pub"

# ---- special files ----------------------------------------------------------------------------
mkfifo -m 640 "$M/fifo"
is "$(stat -c '%F %a %U' "$M/fifo")|$(stat -c '%F %a %U' "$S/fifo")" \
    "fifo 640 root|fifo 640 root" "mkfifo: a FIFO with its mode, in the mount and the store"
mknod -m 600 "$M/null" c 1 3
is "$(stat -c '%F %t,%T %a' "$M/null")" "character special file 1,3 600" \
    "mknod as root: a character device with its numbers and mode"
as_nobody mkfifo "$M/pub/nfifo"
is "$(stat -c %U:%G "$M/pub/nfifo") $(stat -c %U:%G "$S/pub/nfifo")" \
    "nobody:nogroup nobody:nogroup" "a FIFO nobody makes is nobody's, in the store too"
run as_nobody mknod "$M/pub/dev" c 1 3
ok $((rc == 0)) "mknod of a device as nobody fails (EPERM)"

# ---- attributes of an encoded file -------------------------------------------------------------
chmod 4751 "$M/enc.bin"
is "$(stat -c %a "$M/enc.bin") $(stat -c %a "$S/enc.bin.holo")" "4751 750" \
    "chmod 4751 of an encoded file: served as 4751, its chunk directory 0750"
chmod 640 "$M/enc.bin"
is "$(stat -c %a "$M/enc.bin")" "640" "chmod back to 640"
[ ! -e "$S/enc.bin.holo/.holofs-meta" ]
ok $? "... a mode the directory can hold needs no sidecar"
chown 65534:65534 "$M/enc.bin"
is "$(stat -c %u:%g "$M/enc.bin") $(stat -c %u:%g "$S/enc.bin.holo")" "65534:65534 65534:65534" \
    "chown of an encoded file: the chunk directory's owner"
touch -m -d @1234567890 "$M/enc.bin"
touch -a -d @1111111111 "$M/enc.bin"
is "$(stat -c '%X %Y' "$M/enc.bin")" "1111111111 1234567890" "utimensat sets atime and mtime"
ls "$M/enc.bin.holo" > /dev/null 2>&1
ok $((! $?)) "the sidecar never shows in the mount"
tcat "$M/enc.bin" | cmp -s - data.bin
ok $? "... and the file still reads exactly"

umount_fs
mount_fs -o allow_other || { echo "Bail out! remount failed"; exit 1; }
is "$(stat -c '%a %u %Y' "$M/enc.bin")" "640 65534 1234567890" "mode, owner and mtime survive a remount"
touch "$S/enc.bin.holo/chunk_0000.holo"   # a chunk lands (rewritten) after the explicit mtime
want=$(stat -c %Y "$S/enc.bin.holo/chunk_0000.holo"); i=0
while [ "$(stat -c %Y "$M/enc.bin")" != "$want" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
is "$(stat -c %Y "$M/enc.bin")" "$want" \
    "a chunk newer than the explicit mtime: st_mtime is the newest chunk's again"

# ---- POSIX ownership rules ----------------------------------------------------------------------
as_nobody sh -c "echo hi > '$M/pub/mine'"
run as_nobody chown 0 "$M/pub/mine"
like "$rc $err" "Operation not permitted" "nobody cannot give a file away (EPERM)"
run as_nobody chgrp 0 "$M/pub/mine"
like "$rc $err" "Operation not permitted" "nobody cannot chgrp to a group they are not in (EPERM)"
run as_nobody chown 0 "$M/enc.bin"
like "$rc $err" "Operation not permitted" "... nor an encoded file they own"
chmod 2755 "$M/pub/mine" && chown 65534:0 "$M/pub/mine"
is "$(stat -c %a "$M/pub/mine")" "755" "chown clears setgid"

printf '' > "$S/pub/suid" && chmod 4777 "$S/pub/suid"
as_nobody sh -c "printf x > '$M/pub/suid'"
is "$(stat -c %a "$M/pub/suid") $(cat "$M/pub/suid")" "777 x" "a write by another user clears setuid"
long=$(printf '%0256d' 0)
run touch "$M/$long"
like "$rc $err" "File name too long" "a name over NAME_MAX: ENAMETOOLONG"

# ---- rename -------------------------------------------------------------------------------------
mkdir "$M/r" "$M/r/d1" "$M/r/d2" "$M/r/full" && echo x > "$S/r/full/f"
cp data.bin "$M/r/e1"; printf plain > "$S/r/p1"; printf other > "$S/r/p2"
mv "$M/r/e1" "$M/r/p1"
[ -d "$S/r/p1.holo" ] && [ ! -e "$S/r/p1" ] && tcat "$M/r/p1" | cmp -s - data.bin
ok $? "an encoded file renamed over a plain one replaces it"
mv "$M/r/p2" "$M/r/p1"
[ -f "$S/r/p1" ] && [ ! -e "$S/r/p1.holo" ] && [ "$(cat "$M/r/p1")" = other ]
ok $? "a plain file renamed over an encoded one replaces it"
cp data.bin "$M/r/e2"
mv "$M/r/e2" "$M/r/d1/e2"
tcat "$M/r/d1/e2" | cmp -s - data.bin
ok $? "an encoded file moves between directories"
run python3 -c 'import os,sys; os.rename(sys.argv[1], sys.argv[1])' "$M/r/d1/e2"
tcat "$M/r/d1/e2" | cmp -s - data.bin
ok $? "renaming an encoded file to itself keeps it"
mv -T "$M/r/d1" "$M/r/d2"
[ -e "$M/r/d2/e2" ] && [ ! -e "$M/r/d1" ]
ok $? "a directory renamed over an empty one replaces it"
pyrename() { python3 -c 'import os,sys
try: os.rename(sys.argv[1], sys.argv[2])
except OSError as e: print(os.strerror(e.errno))' "$@"; }
is "$(pyrename "$M/r/d2" "$M/r/full")" "Directory not empty" "... over a non-empty one: ENOTEMPTY"
is "$(pyrename "$M/r/p1" "$M/r/d2")" "Is a directory" "a file over a directory: EISDIR"
is "$(pyrename "$M/r/d2" "$M/r/p1")" "Not a directory" "a directory over a file: ENOTDIR"
is "$(pyrename "$M/r" "$M/r/d2/sub")" "Invalid argument" "a directory into itself: EINVAL"
mkfifo "$M/r/fifo"; mv "$M/r/fifo" "$M/r/d2/e2"
is "$(stat -c %F "$M/r/d2/e2")" "fifo" "a FIFO renamed over an encoded file replaces it"
[ ! -e "$S/r/d2/e2.holo" ]
ok $? "... its chunk directory is gone"

# ---- hard links ---------------------------------------------------------------------------------
printf linked > "$S/r/p3"
ln "$M/r/p3" "$M/r/p3link"
is "$(stat -c %h "$M/r/p3") $(stat -c %h "$S/r/p3") $(cat "$M/r/p3link")" "2 2 linked" \
    "a hard link to a plain file: both names, nlink 2"
is "$(stat -c %i "$M/r/p3link")" "$(stat -c %i "$M/r/p3")" "... one inode number"
stat "$M/r/p3" > /dev/null
chmod 604 "$M/r/p3link"
is "$(stat -c %a "$M/r/p3")" "604" "chmod through one name shows at once through the other"
rm "$M/r/p3"
is "$(stat -c %h "$M/r/p3link")" "1" "... and unlink of one drops the other's nlink to 1"
run ln "$M/enc.bin" "$M/enclink"
like "$rc $err" "Operation not permitted" "a hard link to an encoded file: EPERM (holofs(1) BUGS)"
[ ! -e "$M/enclink" ] && [ ! -e "$S/enclink" ]
ok $? "... and nothing is created"

# ---- cp -p and rsync -a -------------------------------------------------------------------------
mkdir src src/sub
cp data.bin src/exec.bin && chmod 755 src/exec.bin
cp data.bin src/sub/private.bin && chmod 600 src/sub/private.bin && chown 65534:65534 src/sub/private.bin
printf '' > src/empty; ln -s exec.bin src/link; mkfifo src/sub/pipe
# old times everywhere: rsync skips setting an mtime that equals the new entry's to the second
touch -h -d @1300000000 src/exec.bin src/sub/private.bin src/empty src/link src/sub/pipe src/sub src
cp -p src/exec.bin "$M/cp.bin"
is "$(stat -c '%a %U %G %Y' "$M/cp.bin")" "$(stat -c '%a %U %G %Y' src/exec.bin)" \
    "cp -p keeps mode (with x), owner, group and mtime of an encoded file"
cp -p src/sub/private.bin "$M/cp2.bin"
is "$(stat -c '%a %U %G %Y' "$M/cp2.bin")" "$(stat -c '%a %U %G %Y' src/sub/private.bin)" \
    "... and of nobody's 0600 file"
run rsync -a src/ "$M/sync/"
is "$rc" 0 "rsync -a of a mixed tree (encoded, empty, symlink, FIFO, directories)"
is "$(cd src && find . -printf '%p %y %m %u %T@\n' | sort)" \
   "$(cd "$M/sync" && find . -printf '%p %y %m %u %T@\n' | sort)" \
    "... every entry has its type, mode, owner and mtime"
tcat "$M/sync/sub/private.bin" | cmp -s - data.bin
ok $? "... the data reads back"
run rsync -a --itemize-changes src/ "$M/sync/"
is "$rc:$out" "0:" "a second rsync -a finds nothing to change"
run rsync -a --stats src/ "$M/sync/"
like "$out" "Number of regular files transferred: 0" "... and transfers no file"
touch -d @1400000000 src/exec.bin
run rsync -a --itemize-changes src/ "$M/sync/"
is "$out" ">f..t...... exec.bin" "a changed mtime: only that file is copied again"

umount_fs
is "$fsrc" 0 "holofs exits cleanly"
