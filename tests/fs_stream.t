#!/bin/sh
# fs_stream.t — binary v4 files read through holofs: 16 files read at once (decoded frames,
# read-ahead and decoders of every open file drawn from one budget, -o cache_mb) come back
# exact and holofs's peak RSS stays within idle + the budget + a fixed allowance (without the
# budget it was 16 x a frame and a stored frame); a chunk set replaced under the mount after a
# verified read (new inodes, sizes, mtimes) is verified again: a set whose frames pass their
# CRCs but whose bytes miss the recorded SHA-256 reads EIO, a good new set reads its new bytes.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fs_lib.sh"

cd "$T"
N=16
FILE_MB=4                  # one 4 MiB frame per file: a read needs about 8 MiB (frame + stored)
BUDGET_MB=32
ALLOW_MB=32                # FUSE request and reply buffers (1-2 MiB per read in flight), stacks
i=0
while [ $i -lt $N ]; do
    head -c $((FILE_MB << 20)) /dev/urandom > "f$i.bin"
    "$holo" encode -o "$S/f$i.bin.holo" "f$i.bin" > /dev/null 2>&1
    i=$((i + 1))
done
head -c 3000000 /dev/urandom > x.bin
head -c 3000000 /dev/urandom > y.bin
mkdir bad new
"$holo" encode -o "$S/sw.bin.holo" x.bin > /dev/null 2>&1
cp -r "$S/sw.bin.holo" bad/
"$HOLO_TOOLS/ho4b_badsha" bad/sw.bin.holo > /dev/null
"$holo" encode -o new/sw.bin.holo y.bin > /dev/null 2>&1
[ -d "$S/f$((N - 1)).bin.holo" ] && [ -d new/sw.bin.holo ] || bail_out "holo cannot encode the test inputs"
sleep 3                    # verdicts are kept only for chunks unchanged for 2 s
mount_fs -o cache_mb=$BUDGET_MB || skip_all "cannot mount FUSE here: $(head -1 "$T/holofs.log")"
plan 9

kib() { awk -v k="$1" '/^'"$2"':/ { print $2; exit }' "/proc/$fspid/status"; }
idle=$(kib x VmRSS)
pids=
i=0
while [ $i -lt $N ]; do tcat "$M/f$i.bin" > "o$i.bin" & pids="$pids $!"; i=$((i + 1)); done
for p in $pids; do wait "$p"; done
bad=0
i=0
while [ $i -lt $N ]; do cmp -s "f$i.bin" "o$i.bin" || bad=$((bad + 1)); i=$((i + 1)); done
is "$bad" 0 "$N binary v4 files of $FILE_MB MiB read at once: all exact"
hwm=$(kib x VmHWM)
above=$(( (hwm - idle) / 1024 ))
if [ "$HOLO_SAN" = 1 ]; then
    skip "RSS under ASan (its quarantine keeps freed memory): ${above} MiB above idle"
else
    ok $([ "$above" -le $((BUDGET_MB + ALLOW_MB)) ]; echo $?) \
       "... holofs peak RSS ${above} MiB above idle (${idle} KiB): within cache_mb=$BUDGET_MB + $ALLOW_MB MiB"
fi

# ---- a verified set replaced chunk by chunk under the mount -------------------------------
tcat "$M/sw.bin" > got.bin && tcat "$M/sw.bin" > got2.bin
ok $(cmp -s got.bin x.bin && cmp -s got2.bin x.bin; echo $?) "a binary v4 file read twice: exact (the first pass verified)"
# replace [SET]: every chunk file of SET moved over the store's, the way holonet lands them
replace() {
    for c in "$1"/chunk_*.holo; do
        b=$(basename "$c")
        cp "$c" "$S/sw.bin.holo/.$b.tmpAAAAAA" && mv "$S/sw.bin.holo/.$b.tmpAAAAAA" "$S/sw.bin.holo/$b"
    done
}
# wait_read WANT: read sw.bin until the outcome is WANT ("eio" or a file to equal), bounded
wait_read() {
    i=0
    while [ $i -lt $wait_steps ]; do
        run tcat "$M/sw.bin"
        case "$1" in
        eio) case "$err" in *"Input/output error"*) return 0 ;; esac ;;
        *) tcat "$M/sw.bin" > cur.bin 2> /dev/null && cmp -s cur.bin "$1" && return 0 ;;
        esac
        sleep 0.1; i=$((i + 1))
    done
    return 1
}
replace bad/sw.bin.holo
wait_read eio
ok $? "its chunks replaced by ones whose frames pass but whose bytes miss the SHA-256: EIO"
grep -q 'sw.bin.*SHA-256' "$T/holofs.log"
ok $? "... with a log line naming the file and the SHA-256"
run tcat "$M/sw.bin"
like "$rc $err" "1 cat: $M/sw.bin: Input/output error" "... and again on the next open: no byte served"
replace new/sw.bin.holo
wait_read y.bin
ok $? "replaced again by a good set of other bytes: the new bytes, exact"
tcat "$M/sw.bin" > got3.bin
ok $(cmp -s got3.bin y.bin; echo $?) "... and on the next read too"

umount_fs
is "$fsrc" 0 "clean unmount"
