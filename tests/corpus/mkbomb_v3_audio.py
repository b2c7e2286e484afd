#!/usr/bin/env python3
"""mkbomb_v3_audio.py -- write a one-chunk HOAU v3 set (doc/formats.md section HOAU v3) that
claims FRAMES mono frames from a few KB: 2 coarse frames (downsample model), n_fft 512, hop 256,
and block 0 of B carrying its whole slice (zeros with a 1 every 4096th value) or, with --short,
only its first 1024 values.

  python3 tests/corpus/mkbomb_v3_audio.py FRAMES B [--short] > OUT

The committed bombs: bomb_v3_audio_8m (8388608 16: one chunk of 16, plausible, decoded in
bounded memory) and bomb_v3_audio_67m (67108864 1 --short: implausible, refused)."""
import math, struct, sys, zlib

frames, B = int(sys.argv[1]), int(sys.argv[2])
short = "--short" in sys.argv[3:]
n_fft, hop, ch, L = 512, 256, 1, 2
F = max(1, math.ceil((frames - n_fft) / hop) + 1)
N = ch * F * (n_fft // 2 + 1) * 2
slice_len = (N + B - 1) // B
m = min(slice_len, 1024) if short else slice_len
vals = bytearray(2 * m)
for k in range(0, m, 4096):
    vals[2 * k] = 1
coarse = zlib.compress(struct.pack("<hh", -8000, 8000), 9)
name = b"downsample"
blob = b"OLOA" + bytes([2, 50, 0, len(name)]) + struct.pack(">II", n_fft, hop) + name + coarse
resid = zlib.compress(bytes(vals), 9)
hdr = b"HOAU" + bytes([3, ch, 2, 0]) + struct.pack(">IIIIIII", 8000, frames, B, 0, L,
                                                   len(blob), len(resid))
sys.stdout.buffer.write(hdr + blob + resid)
