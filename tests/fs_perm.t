#!/bin/sh
# fs_perm.t — permissions through an allow_other mount, checked by the kernel against the modes
# and owners holofs reports (always mounted with default_permissions). As user nobody: a root
# 0600 file (written through the mount, or encoded behind it) can be neither read, overwritten
# nor removed, nor its chunk directory read in the store; a 0644 file reads; what nobody
# creates (in a sticky world-writable directory) is nobody's, in the mount and in the store;
# chmod through the mount changes the chunk directory.
# Needs root (to mount with allow_other without user_allow_other, and to become nobody).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fs_lib.sh"
[ "$(id -u)" = 0 ] || skip_all "needs root"
command -v setpriv > /dev/null || skip_all "setpriv is absent"
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
as_nobody true 2> /dev/null || skip_all "cannot become nobody"

chmod 755 "$T"   # nobody may walk to the mount point and the store, nothing more
cd "$T"
head -c 30000 /dev/urandom > secret.bin
head -c 30000 /dev/urandom > public.bin
chmod 600 secret.bin; chmod 644 public.bin
"$holo" encode -o "$S/behind.bin.holo" secret.bin > /dev/null 2>&1
[ -d "$S/behind.bin.holo" ] || bail_out "holo cannot encode the test input"
mount_fs -o allow_other || skip_all "cannot mount FUSE here: $(head -1 "$T/holofs.log")"
plan 18

cp secret.bin "$M/secret.bin" && cp public.bin "$M/public.bin"
ok $? "root writes a 0600 and a 0644 file through the mount"
is "$(stat -c '%a %U' "$M/secret.bin") $(stat -c '%a %U' "$S/secret.bin.holo")" "600 root 700 root" \
    "a 0600 file is 0600 in the mount, its chunk directory 0700 (x where r) in the store"
is "$(stat -c '%a %U' "$M/behind.bin")" "600 root" "holo encode of a 0600 file: 0600 through the mount"

# ---- nobody against root's private files ----------------------------------------------------
for f in secret.bin behind.bin; do
    run as_nobody cat "$M/$f"
    is "$rc $out" "1 " "nobody cannot read root's 0600 $f"
done
like "$err" "Permission denied" "... EACCES"
run as_nobody sh -c "echo overwritten > '$M/secret.bin'"
ok $((rc == 0)) "nobody cannot overwrite it"
run as_nobody rm -f "$M/secret.bin"
ok $((rc == 0)) "nobody cannot remove it"
run as_nobody cat "$S/secret.bin.holo/chunk_0000.holo"
ok $((rc == 0)) "nobody cannot read its chunks in the store either"
tcat "$M/secret.bin" | cmp -s - secret.bin && [ -d "$S/secret.bin.holo" ]
ok $? "... and root still reads it unchanged"

# ---- what nobody may do ---------------------------------------------------------------------
run as_nobody cat "$M/public.bin"
is "$rc" 0 "nobody reads a 0644 file"
as_nobody cat "$M/public.bin" | cmp -s - public.bin
ok $? "... its exact bytes"
mkdir "$M/drop" && chmod 1777 "$M/drop" && cp secret.bin "$M/drop/root.bin"
run as_nobody cp public.bin "$M/drop/mine.bin"
is "$rc" 0 "nobody writes into a world-writable directory"
is "$(stat -c %U "$M/drop/mine.bin") $(stat -c %U "$S/drop/mine.bin.holo")" "nobody nobody" \
    "... the file is nobody's, in the mount and in the store"
as_nobody cat "$M/drop/mine.bin" | cmp -s - public.bin
ok $? "... and reads back"
chmod 600 "$M/public.bin"
run as_nobody cat "$M/public.bin"
is "$rc $(stat -c %a "$M/public.bin") $(stat -c %a "$S/public.bin.holo")" "1 600 700" \
    "chmod 600 through the mount makes a file private (its chunk directory 0700)"
run as_nobody rm "$M/drop/root.bin"
ok $((rc == 0)) "the sticky bit keeps nobody from removing root's file beside it"

umount_fs
is "$fsrc" 0 "holofs exits cleanly"
