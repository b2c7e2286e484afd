#!/bin/sh
# cli_dict.t — store dictionaries (holo(5) DICTIONARY) through `holo`: dict train writes
# STORE/.holo-dict/<id>.holo/ (8 chunks, any 4 rebuild it) and CURRENT; small binaries encoded
# into the store afterwards are HO4B with the dictionary and round-trip; big ones do not use it;
# holo info names it; a missing, corrupt or foreign dictionary is one error line naming it and
# the file is not written; the set survives losing 4 of its 8 chunks and one corrupt chunk;
# dict apply re-compresses old files, and a kill -9 in the middle of it leaves every file
# readable and exact.
. "$(dirname "$0")/lib.sh"
plan 35

holo="$HOLO_BIN/holo"
cd "$T"
# Real small files of 1-20 KB: man page sources, then Perl modules.
mkdir src
i=$(small_texts src 200)
[ $i -ge 200 ] || bail_out "fewer than 200 real text files of 1-20 KB (man pages, Perl modules) on this machine"
flag() { od -An -tu1 -j5 -N1 "$1/chunk_0000.holo" | tr -d ' '; }   # HO4B flags byte
enc_all() { for f in $(ls src); do "$holo" encode --codec-version 4 -o "S/$f.holo" "src/$f" > /dev/null || return 1; done; }
dec_all() { # every file decodes to its original
    for f in $(ls src); do "$holo" decode --force -o out.bin "S/$f.holo" > /dev/null 2>&1 && cmp -s out.bin "src/$f" || { echo "# $f"; return 1; }; done
}

mkdir S
enc_all
ok $? "encode $i small files as HO4B into a store without a dictionary"
is "$(flag S/1.man.holo)" 0 "... they carry no dictionary flag"
before=$(du -sb --apparent-size S | cut -f1)

run "$holo" dict train S
is "$rc" 0 "dict train STORE exits 0"
like "$out" "written to S/.holo-dict (current)" "... and says where the dictionary went"
id=$(cat S/.holo-dict/CURRENT)
is "${#id}" 32 "CURRENT names a 128-bit id"
is "$(ls S/.holo-dict/$id.holo | grep -c '^chunk_.*\.holo$')" 8 "the dictionary set has 8 chunks"
is "$(head -c 4 S/.holo-dict/$id.holo/chunk_0000.holo)" HO4D "... of magic HO4D"
dsize=$(od -An -tu8 --endian=big -j50 -N8 S/.holo-dict/$id.holo/chunk_0000.holo | tr -d ' ')
[ "$dsize" -ge 16384 ] && [ "$dsize" -le 114688 ]
ok $? "... holding a dictionary of 16-112 KiB ($dsize bytes)"

# ---- new files use it -------------------------------------------------------------------------
cp src/1.man new.man
run "$holo" encode -o S/new.man.holo new.man
is "$(flag S/new.man.holo):$(head -c 4 S/new.man.holo/chunk_0000.holo)" 1:HO4B \
    "a small binary encoded into the store (automatic version) is HO4B with the dictionary"
run "$holo" info S/new.man.holo
like "$out" "dictionary: $id" "holo info names the dictionary"
run "$holo" info --json S/new.man.holo
like "$out" "\"dictionary\": \"$id\"" "holo info --json too"
run "$holo" decode -o new.out S/new.man.holo
cmp -s new.out new.man
ok $? "... and it decodes to the original bytes"
head -c 100000 /dev/urandom > big.bin
"$holo" encode --codec-version 4 -o S/big.bin.holo big.bin > /dev/null
is "$(flag S/big.bin.holo)" 0 "a file over 64 KiB does not use the dictionary"

# ---- dict apply -----------------------------------------------------------------------------
touch marker; sleep 1   # chunk sets rewritten by apply are newer than this
"$holo" dict apply S > apply.out 2>&1 &
apid=$!
k=0
while [ $k -lt 600 ]; do   # until a few files were re-encoded, then kill -9
    [ "$(find S -path S/.holo-dict -prune -o -name chunk_0000.holo -newer marker -print | wc -l)" -ge 3 ] && break
    sleep 0.05; k=$((k + 1))
done
kill -9 $apid 2> /dev/null; wait $apid 2> /dev/null
conv=$(for f in $(ls src); do flag "S/$f.holo"; done | grep -c 1)
[ "$conv" -gt 0 ] && [ "$conv" -lt "$i" ]
ok $? "kill -9 in the middle of dict apply ($conv of $i files converted)"
dec_all
ok $? "... every file still decodes to its original bytes"
is "$(ls S | grep -c '\.holo$')" $((i + 2)) "... and the store shows the same files (temporaries are hidden)"
run "$holo" dict apply S
is "$rc" 0 "dict apply again runs to the end"
like "$out" "re-compressed with dictionary $id" "... naming the dictionary"
is "$(for f in $(ls src); do flag "S/$f.holo"; done | grep -c 1)" "$i" "... every small file now uses it"
dec_all
ok $? "... and decodes exactly"
after=$(du -sb --apparent-size S/*.holo | awk '{s += $1} END {print s}')
[ "$after" -lt "$before" ]
ok $? "the store's chunks shrink ($before -> $after bytes, the dictionary set aside)"

# ---- the dictionary set's own redundancy ------------------------------------------------------
D=S/.holo-dict/$id.holo
mkdir keep
for c in 00 02 05 07; do mv "$D/chunk_00$c.holo" keep/; done
run "$holo" decode -o r.out S/2.man.holo
cmp -s r.out src/2.man
ok $? "4 of the dictionary's 8 chunks lost (data and parity): files still decode exactly"
mv "$D/chunk_0004.holo" keep/
run "$holo" decode -o r9.out S/2.man.holo
like "$rc:$err" "1:holo: S/2.man.holo: needs dictionary $id, only 3 of its 8 chunks" "5 lost: one error line naming the dictionary"
[ ! -e r9.out ]
ok $? "... and no output is written"
mv keep/* "$D/"
printf 'XXXXXXXX' | dd of="$D/chunk_0001.holo" bs=1 seek=200 conv=notrunc 2> /dev/null
run "$holo" decode -o c1.out S/2.man.holo
cmp -s c1.out src/2.man
ok $? "one corrupt dictionary chunk is survived"
for c in 00 02 03 04 05 06 07; do
    printf 'XXXXXXXX' | dd of="$D/chunk_00$c.holo" bs=1 seek=300 conv=notrunc 2> /dev/null
done
run "$holo" decode -o c.out S/2.man.holo
like "$rc:$err" "1:holo: S/2.man.holo: needs dictionary $id, unreadable: $PWD/$D: no valid v4 chunk found" \
  "every chunk corrupt (each fails its CRC, so counts as missing): a clear error"
[ ! -e c.out ]
ok $? "... and no output"

# ---- missing and foreign dictionaries -------------------------------------------------------
rm -rf "$D"
run "$holo" decode -o m.out S/2.man.holo
like "$rc:$err" "1:holo: S/2.man.holo: needs dictionary $id, not found in " "a missing dictionary: one error line naming it"
[ ! -e m.out ]
ok $? "... and no output"
mkdir F
for f in $(ls src | head -60); do head -c 3000 /dev/urandom | base64 > "F/$f"; done
run "$holo" dict train --force -o F/.holo-dict F
other=$(cat F/.holo-dict/CURRENT)
cp -r "F/.holo-dict/$other.holo" "$D"
run "$holo" decode -o f.out S/2.man.holo
like "$rc:$err" "1:holo: S/2.man.holo: needs dictionary $id, $PWD/$D holds another one ($other)" "a foreign dictionary under its name: a clear error"
[ ! -e f.out ]
ok $? "... and no output"
mv S/.holo-dict S/.hd
run "$holo" decode -o n.out S/2.man.holo
like "$rc:$err" "1:holo: S/2.man.holo: needs dictionary $id, no .holo-dict/ directory above it" "no .holo-dict anywhere above: a clear error"

# ---- train refuses what would not pay -------------------------------------------------------
mkdir tiny
cp src/1.man src/2.man tiny/
run "$holo" dict train tiny
like "$rc:$err" "1:holo: " "dict train with two files fails"
[ ! -e tiny/.holo-dict/CURRENT ]
ok $? "... and writes no dictionary"
run "$holo" dict train a b
is "$rc" 2 "dict train of several paths without -o is a usage error"
