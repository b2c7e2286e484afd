#!/bin/sh
# mkseeds.sh — (re)build the seed corpora fuzz/corpus/NAME/ from the reference vectors.
#   sh fuzz/mkseeds.sh [VECTORS]     (default ../shared/vectors; needs bin/holo for the v4 seeds)
# The seeds are committed; this script documents where they came from. Each seed joins the
# files of one case with "\n--\n", the separator the chunk, v3 and v4 targets split on.
set -e
cd "$(dirname "$0")/.."
V=${1:-${HOLO_VECTORS:-../shared/vectors}}
C=$V/formats/cases
out=fuzz/corpus
mkdir -p $out/fuzz_chunks $out/fuzz_v3 $out/fuzz_v4 $out/fuzz_hnet
sep() { printf '\n--\n'; }
# join OUT FILE...: the files joined with the separator
join() { o=$1; shift; first=1; : > "$o"; for f in "$@"; do [ $first = 1 ] || sep >> "$o"; cat "$f" >> "$o"; first=0; done; }

# fuzz_chunks: up to 8 chunks of the small v1/v2 cases (images, audio, binaries)
for c in image_v2_img_10x10_identity_B2 image_v2_img_32x5_B8 image_v1_img_37x23_B8 \
         audio_v2_mono16_22050_B1 binary_v2_bin_1025_B4 binary_v2_bin_1_B1 binary_v1_bin_5000_B8_synthetic; do
    join $out/fuzz_chunks/$c $(ls $C/$c/chunks/chunk_*.holo | head -8)
done

# fuzz_v3: parts 0-4 chunks, 5-6 recovery, 7 manifest.json (see fuzz_v3.c)
v3case() { # NAME: chunks 0-4, recovery 0-1 (or empty), manifest
    d=$C/$1/chunks; tmp=$(mktemp -d)
    for i in 0 1 2 3 4; do f=$d/chunk_000$i.holo; [ -f $f ] && cp $f $tmp/p$i || : > $tmp/p$i; done
    for i in 0 1; do f=$d/recovery_000$i.holo; [ -f $f ] && cp $f $tmp/p$((5 + i)) || : > $tmp/p$((5 + i)); done
    [ "$2" ] && cp $d/$2 $tmp/p6
    cp $d/manifest.json $tmp/p7
    join $out/fuzz_v3/$1 $tmp/p0 $tmp/p1 $tmp/p2 $tmp/p3 $tmp/p4 $tmp/p5 $tmp/p6 $tmp/p7
    rm -rf $tmp
}
v3case image_v3_img_37x23_block16_q30_B6
v3case image_v3_img_37x23_lowfreq_q75_B5
v3case audio_v3_quiet_mono16_8000_downsample_q50_B5
v3case horc_image_v3_img_64x64_B6
v3case container_hopk_3objects_B6 obj_0000_coarse.bin

# fuzz_v4: v4 chunk sets of small images (the target caps geometry at 64 K pixels)
if [ -x bin/holo ] && [ -x build/tools/mkimage ]; then
    tmp=$(mktemp -d)
    build/tools/mkimage $tmp/noise.png 37 23 7
    cp $V/resample/in_300x200_gradient.png $tmp/gradient.png
    cp $V/resample/in_32x5_extreme.png $tmp/extreme.png
    for i in noise gradient extreme; do
        bin/holo encode --codec-version 4 $tmp/$i.png > /dev/null
        join $out/fuzz_v4/v4_$i $(ls $tmp/$i.png.holo/chunk_*.holo | head -4)
    done
    rm -rf $tmp
fi

# fuzz_v4bin: one chunk of a small HO4B set per frame filter (4 KiB frames): a log (column
# filter since it exists; line filter before) and an ELF cut to its headers and 4 KiB of its
# code (x86 filter), and no filter. fuzz/corpus/fuzz_v4bin/columns*: hand-made inputs for the
# column decoder (2 bytes of raw length, then filtered bytes: a two-line log, the identity form).
if [ -x bin/holo ]; then
    tmp=$(mktemp -d)
    mkdir -p $out/fuzz_v4bin
    head -c 7000 /var/log/dpkg.log > $tmp/log
    python3 - bin/holo $tmp/elf <<'PY'
import struct, sys
b = open(sys.argv[1], "rb").read()
phoff, = struct.unpack_from("<Q", b, 32); esz, num = struct.unpack_from("<HH", b, 54)
for i in range(num):
    t, fl, off = struct.unpack_from("<IIQ", b, phoff + i * esz)
    if t == 1 and fl & 1:
        open(sys.argv[2], "wb").write(b[:4096] + b[off:off + 4096]); break
PY
    head -c 7000 /dev/urandom > $tmp/random
    for i in log elf random; do
        bin/holo encode --codec-version 4 --frame-kb 4 -o $tmp/$i.holo $tmp/$i > /dev/null
        cp $tmp/$i.holo/chunk_0000.holo $out/fuzz_v4bin/$i
    done
    rm -rf $tmp
fi

# fuzz_hnet: byte 0 = limits selector (no HMAC), then 2-byte big-endian length + datagram
hnet() { # OUT N: the first N datagrams of the capture
    python3 - "$V/transport/hnet/capture.hex" "$1" "$2" <<'PY'
import sys
lines = [l.strip() for l in open(sys.argv[1]) if l.strip()]
out = bytearray([3])
for h in lines[:int(sys.argv[3])]:
    d = bytes.fromhex(h)
    out += len(d).to_bytes(2, "big") + d
open(sys.argv[2], "wb").write(out)
PY
}
hnet $out/fuzz_hnet/capture_40 40
hnet $out/fuzz_hnet/capture_120 120

# fuzz_dict: byte 0 = fix-ups (fuzz_dict.c), then the 8 chunks of a dictionary set and a small
# file's binary v4 chunk compressed with it (a 64 KiB and a 1 KiB dictionary trained on
# /usr/share/doc/*/copyright), and 4 parity chunks alone (the set rebuilt from parity)
if [ -x bin/holo ]; then
    tmp=$(mktemp -d)
    mkdir $tmp/samples $tmp/s64 $tmp/s1
    i=0; for f in $(ls /usr/share/doc/*/copyright | head -300); do i=$((i + 1)); cp $f $tmp/samples/c$i.txt; done
    bin/holo dict train -o $tmp/s64/.holo-dict $tmp/samples > /dev/null
    bin/holo dict train --size 1024 --force -o $tmp/s1/.holo-dict $tmp/samples > /dev/null
    cp $tmp/samples/c5.txt $tmp/s64/small.txt; bin/holo encode $tmp/s64/small.txt > /dev/null
    cp $tmp/samples/c7.txt $tmp/s1/small.txt; bin/holo encode $tmp/s1/small.txt > /dev/null
    mkdir -p $out/fuzz_dict
    d64=$(ls -d $tmp/s64/.holo-dict/*.holo); d1=$(ls -d $tmp/s1/.holo-dict/*.holo)
    printf '\000' > $tmp/f0; printf '\003' > $tmp/f3; printf '\001' > $tmp/f1
    join $tmp/j $d64/chunk_*.holo $tmp/s64/small.txt.holo/chunk_0000.holo; cat $tmp/f0 $tmp/j > $out/fuzz_dict/seed_64k
    join $tmp/j $d1/chunk_*.holo $tmp/s1/small.txt.holo/chunk_0000.holo; cat $tmp/f3 $tmp/j > $out/fuzz_dict/seed_1k_fixed
    join $tmp/j $d1/chunk_0004.holo $d1/chunk_0005.holo $d1/chunk_0006.holo $d1/chunk_0007.holo
    cat $tmp/f1 $tmp/j > $out/fuzz_dict/seed_1k_parity_only
    rm -rf $tmp
fi

# fuzz_smallpack: byte 0 = fix-ups (fuzz_smallpack.c), then the .holo-pack of four small files
# (the first 3000 bytes of four copyright files, encoded, then holo smallpack)
if [ -x bin/holo ]; then
    tmp=$(mktemp -d); mkdir $tmp/d
    i=0; for f in $(ls /usr/share/doc/*/copyright | head -4); do
        i=$((i + 1)); head -c 3000 $f > $tmp/d/c$i.txt; bin/holo encode $tmp/d/c$i.txt > /dev/null; rm $tmp/d/c$i.txt
    done
    bin/holo smallpack $tmp/d > /dev/null
    mkdir -p $out/fuzz_smallpack
    (printf '\000'; cat $tmp/d/.holo-pack) > $out/fuzz_smallpack/seed_pack4
    (printf '\003'; cat $tmp/d/.holo-pack) > $out/fuzz_smallpack/seed_pack4_fix_compact
    rm -rf $tmp
fi
