# fs_lib.sh — shared set-up for the holofs mount tests (source after lib.sh): skips without
# FUSE, a store S and mount point M in $T, mount_fs/umount_fs/wait_gone with bounded waits,
# xattr and tcat helpers. The mount is always undone on exit.
holo="$HOLO_BIN/holo"
holofs="$HOLO_BIN/holofs"
psnr="$HOLO_TOOLS/psnr"
[ -x "$holofs" ] || skip_all "holofs is not built"
[ -c /dev/fuse ] || skip_all "/dev/fuse is absent"
command -v fusermount3 > /dev/null || skip_all "fusermount3 is absent"

S="$T/store"; M="$T/mnt"
mkdir -p "$S" "$M"
fspid=
cleanup() {
    if grep -q " $M fuse" /proc/mounts 2> /dev/null; then fusermount3 -uz "$M" 2> /dev/null; fi
    [ -n "$fspid" ] && kill "$fspid" 2> /dev/null
    rm -rf "$T"
}
trap cleanup EXIT
# Bounds of the condition-based waits (steps of 0.05-0.1 s): generous, so a loaded machine or the
# instrumented build is slow but never fails; a wait ends as soon as its condition holds.
if [ "$HOLO_SAN" = 1 ]; then wait_steps=1200; else wait_steps=600; fi

mounted() { grep -q " $M fuse" /proc/mounts; }
# mount_fs [OPTS...]: start holofs in the foreground (background job), wait for the mount.
mount_fs() {
    "$holofs" -f "$@" "$S" "$M" 2>> "$T/holofs.log" &
    fspid=$!
    i=0
    while [ $i -lt $wait_steps ]; do
        mounted && return 0
        kill -0 "$fspid" 2> /dev/null || return 1
        sleep 0.1; i=$((i + 1))
    done
    return 1
}
# wait_gone: wait for the holofs process to exit; sets fsrc to its exit status.
wait_gone() {
    i=0
    while kill -0 "$fspid" 2> /dev/null && [ $i -lt $wait_steps ]; do sleep 0.1; i=$((i + 1)); done
    if kill -0 "$fspid" 2> /dev/null; then fsrc=timeout; kill -9 "$fspid"; else wait "$fspid"; fsrc=$?; fi
    [ "$fsrc" = 0 ] || tail -20 "$T/holofs.log" | sed 's/^/#   log: /'
    fspid=
}
umount_fs() { fusermount3 -u "$M"; wait_gone; }
xattr() { # FILE NAME -> value
    if command -v getfattr > /dev/null; then getfattr --only-values -n "$2" "$1" 2> /dev/null
    else python3 -c 'import os,sys; sys.stdout.write(os.getxattr(sys.argv[1], sys.argv[2]).decode())' "$1" "$2" 2> /dev/null; fi
}
tcat() { timeout 60 cat "$@"; }
