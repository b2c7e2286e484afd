#!/bin/sh
# cli_binary4.t — `holo` on binary v4 (HO4B): --codec-version 4 writes HO4B chunks that decode
# to the same bytes (exit 0); with chunks missing a decode is one error line naming the
# directory and the first missing range (exit 1, no output file), --partial writes the file
# with the holes zero-filled and lists them (exit 3); holo info shows the codec, k, n, frames,
# holes, the frame filter (x86, lines, none) and "exact: unverified" until --verify; a lying
# SHA-256 fails the decode.
. "$(dirname "$0")/lib.sh"
plan 43

holo="$HOLO_BIN/holo"
cd "$T"
# A real shared library (several 4 MiB frames at the default frame size would be too slow in
# the sanitizer build; 2.5 MB of it is plenty for k = 32).
src=$(ls -S /usr/lib/x86_64-linux-gnu/*.so* 2>/dev/null | head -1)
[ -n "$src" ] || skip_all "no shared library to use as input"
head -c 2500000 "$src" > lib.bin
magic() { head -c 4 "$1/chunk_0000.holo"; }

run "$holo" encode --codec-version 4 --recovery 0.25 lib.bin
is "$rc" 0 "encode --codec-version 4 --recovery 0.25 a binary"
is "$(magic lib.bin.holo)" HO4B "... writes HO4B chunks"
n=$(ls lib.bin.holo | grep -c '^chunk_.*\.holo$')
run "$holo" info lib.bin.holo
like "$out" "codec binary v4, 2500000 bytes" "info: codec binary v4 and the size"
like "$out" "of n = $n, any k = " "info: k and n ($n chunks)"
like "$out" "frames: " "info: frames"
like "$out" "holes: 0 ranges" "info: no holes"
like "$out" "exact: unverified" "info: exact is unverified without --verify"
run "$holo" info --verify lib.bin.holo
like "$rc:$out" "0:" "info --verify exits 0"
like "$out" "exact: yes, verified" "info --verify checks the SHA-256"

run "$holo" decode lib.bin.holo
is "$rc" 0 "decode exits 0"
cmp -s lib.bin lib_recon.bin
ok $? "decode writes the original bytes to lib_recon.bin"

cp -r lib.bin.holo one_less.holo
rm one_less.holo/chunk_0001.holo
run "$holo" decode -o one_less.out one_less.holo
is "$rc:$(cmp -s lib.bin one_less.out && echo same)" "0:same" "one chunk lost: parity rebuilds it, exit 0, same bytes"
run "$holo" decode --strict -o strict.out one_less.holo
like "$rc:$err" "1:holo: one_less.holo: 1 of $n chunks missing (strict decode)" "--strict refuses a set with a chunk missing"

# Lose half the chunks: more than the parity can rebuild.
mkdir half.holo
i=0
for f in lib.bin.holo/chunk_*.holo; do
    [ $((i % 2)) = 0 ] && cp "$f" half.holo/
    i=$((i + 1))
done
run "$holo" decode -o half.out half.holo
is "$rc" 1 "decode with too few chunks exits 1"
like "$err" "half.holo: bytes " "... one line naming the directory and the first missing range"
is "$(printf '%s\n' "$err" | wc -l)" 1 "... exactly one line"
[ ! -e half.out ] && [ -z "$(ls -A | grep tmp)" ]
ok $? "... and writes no output, not even a temporary"
run "$holo" decode --partial -o half.out half.holo
is "$rc" 3 "decode --partial exits 3"
like "$err" "missing range" "--partial lists the missing ranges on stderr"
is "$(stat -c %s half.out)" 2500000 "--partial writes a file of the full size"
# every byte outside the listed ranges is the original's; inside, zero
first=$(printf '%s\n' "$err" | sed -n 's/.*bytes \([0-9]*\)-\([0-9]*\)$/\1 \2/p' | head -1)
a=${first% *}; b=${first#* }
cmp -s -n "$a" lib.bin half.out
ok $? "bytes before the first hole are the original's"
[ "$(head -c $((b + 1)) half.out | tail -c $((b - a + 1)) | tr -d '\000' | wc -c)" = 0 ]
ok $? "the hole is zero-filled"

# Incompressible real files (a JPEG, a gzip): stored bytes <= size + 1% + 4 KiB.
found=0
for f in $(find /usr/share /usr/lib -name '*.jpg' -size +50k 2>/dev/null | head -1) \
         $(find /usr/share/doc -name '*.gz' -size +100k 2>/dev/null | head -1); do
    cp "$f" inc.bin
    # --mode binary: a JPEG would otherwise be encoded as an image
    "$holo" encode --codec-version 4 --mode binary -o inc.holo inc.bin > /dev/null 2>&1
    size=$(stat -c %s inc.bin); stored=$(cat inc.holo/chunk_*.holo | wc -c)
    [ "$stored" -le $((size + size / 100 + 4096)) ]
    ok $? "$(basename "$f"): $stored bytes stored for $size (<= +1% +4 KiB)"
    rm -rf inc.holo inc.bin
    found=$((found + 1))
done
while [ "$found" -lt 2 ]; do skip "no JPEG or gzip of that size on this machine"; found=$((found + 1)); done

# A flipped byte inside a data row: decode still exact (rebuilt from parity), info --verify
# names the corrupt chunk.
cp -r lib.bin.holo flip.holo
sz=$(stat -c %s flip.holo/chunk_0002.holo)
printf '\377' | dd of=flip.holo/chunk_0002.holo bs=1 seek=$((sz / 2)) conv=notrunc 2>/dev/null
run "$holo" decode -o flip.out flip.holo
is "$rc:$(cmp -s lib.bin flip.out && echo same)" "0:same" "a corrupt data chunk: decode is still exact"
run "$holo" info --verify flip.holo
like "$out$err" "chunk 2 fails its CRC" "... and names the corrupt chunk"

# --level max: zstd 22 or 9, whichever is smaller, in one frame up to 64 MiB; the same bytes back
run "$holo" encode --codec-version 4 --level max -o max.holo lib.bin
is "$rc" 0 "encode --level max"
run "$holo" info max.holo
like "$out" "frames: 1 of 67108864 bytes" "... one 64 MiB frame"
"$holo" decode -o max.out max.holo > /dev/null 2>&1
cmp -s lib.bin max.out
ok $? "... decodes to the original bytes"
"$holo" encode --codec-version 4 -o def.holo lib.bin > /dev/null 2>&1
[ "$(cat max.holo/chunk_*.holo | wc -c)" -le "$(cat def.holo/chunk_*.holo | wc -c)" ]
ok $? "... in no more chunk bytes than the default level (no parity in either)"
nmax=$(ls max.holo | grep -c '^chunk_'); ndef=$(ls def.holo | grep -c '^chunk_')
[ "$nmax" -lt "$ndef" ]
ok $? "... in fewer chunks than the default (256 KiB per chunk, not 64: $nmax < $ndef)"
rm -rf max.holo max.out def.holo

# An executable takes the x86 filter (holo(5) "HO4B FILTERS"); its frame of more than 2 MiB,
# read 1 MiB at a time by holo decode, is served only once whole and un-filtered.
cat "$holo" "$holo" | head -c 3000000 > elf.bin
"$holo" encode --codec-version 4 -o elf.holo elf.bin > /dev/null 2>&1
is "$(od -An -tu1 -j5 -N1 elf.holo/chunk_0000.holo | tr -d ' ')" 2 "an ELF of 3 MB takes the x86 filter (header flag 0x02)"
"$holo" decode -o elf.out elf.holo > /dev/null 2>&1
cmp -s elf.bin elf.out
ok $? "... and its 3 MB frame decodes to the original bytes"
# holo info names the set's filter (text and JSON): x86 for the ELF, lines for a log, none for
# random bytes
run "$holo" info elf.holo
like "$out" "filter: x86 branch targets" "holo info on the ELF's set: filter: x86 branch targets"
run "$holo" info --json elf.holo
like "$out" '"filter": "x86"' "... and in JSON"
seq 1 100000 | sed 's/^/Dec  3 18:00:00 host kernel: usb 1-2: new device number /' > log.txt
"$holo" encode --codec-version 4 -o log.holo log.txt > /dev/null 2>&1
run "$holo" info log.holo
is "$(od -An -tu1 -j5 -N1 log.holo/chunk_0000.holo | tr -d ' '):$(printf '%s\n' "$out" | grep '^filter:')" \
   "8:filter: text lines" "a log takes the line filter (flag 0x08) and holo info says so"
run "$holo" info --json log.holo
like "$out" '"filter": "lines"' "... and in JSON"
head -c 200000 /dev/urandom > rnd.bin
"$holo" encode --codec-version 4 -o rnd.holo rnd.bin > /dev/null 2>&1
run "$holo" info rnd.holo
is "$(od -An -tu1 -j5 -N1 rnd.holo/chunk_0000.holo | tr -d ' '):$(printf '%s\n' "$out" | grep '^filter:')" \
   "0:filter: none" "random bytes take no filter and holo info says none"
rm -rf log.txt log.holo rnd.bin rnd.holo
rm -rf elf.bin elf.holo elf.out

# zstd's threads share a frame in a fixed number of jobs: the bytes do not depend on -j
"$holo" encode -j 1 --codec-version 4 -o j1.holo lib.bin > /dev/null 2>&1
"$holo" encode -j 2 --codec-version 4 -o j2.holo lib.bin > /dev/null 2>&1
[ -f j1.holo/chunk_0000.holo ] && [ "$(cat j1.holo/chunk_*.holo | cksum)" = "$(cat j2.holo/chunk_*.holo | cksum)" ]
ok $? "the default level writes the same chunks with -j 1 and -j 2"
rm -rf j1.holo j2.holo

run "$holo" encode --codec-version 2 --level max lib.bin
like "$rc:$err" "2:holo: --level and --frame-kb apply to binary v4 only" "--level with --codec-version 2 is a usage error"
[ ! -e lib.bin.holo.tmp ] && [ -z "$(ls -A | grep '^\.')" ]
ok $? "... and writes nothing"

# A recorded SHA-256 that does not match the bytes: flip one SHA byte in every header and
# fix nothing else; the CRC-checked header then fails, so every chunk is skipped.
cp -r lib.bin.holo lie.holo
for f in lie.holo/chunk_*.holo; do printf '\001' | dd of="$f" bs=1 seek=20 conv=notrunc 2>/dev/null; done
run "$holo" decode -o lie.out lie.holo
is "$rc" 1 "decode of chunks whose headers were altered exits 1"
[ ! -e lie.out ]
ok $? "... and writes nothing"
