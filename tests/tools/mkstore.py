#!/usr/bin/env python3
# mkstore.py — test files for cli_store.t, written byte by byte so the test controls them:
#   mkstore.py png OUT.png IN.ppm LEVEL FILTER   PNG of a PPM's pixels (zlib LEVEL, filter 0|1, a tEXt chunk)
#   mkstore.py pgm OUT.pgm IN.ppm                PGM (with a comment line) of the green channel
#   mkstore.py wav OUT.wav RATE CH BITS FRAMES quiet|loud list|plain
#   mkstore.py ogg OUT.ogg                       an Ogg page header then noise (sniffed as Ogg)
import sys, struct, zlib, os, random
def chunk(t, d): return struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d))
def read_pnm(path):
    b = open(path, 'rb').read()
    parts = b.split(maxsplit=4)   # P6 W H MAX data
    w, h = int(parts[1]), int(parts[2])
    return w, h, 3 if parts[0] == b'P6' else 1, parts[4][-w * h * (3 if parts[0] == b'P6' else 1):]
def png(out, w, h, ch, px, level, filt):
    stride = w * ch
    rows = []
    for y in range(h):
        r = px[y * stride:(y + 1) * stride]
        if filt == 1:   # Sub
            r = bytes((r[i] - (r[i - ch] if i >= ch else 0)) & 255 for i in range(stride))
        rows.append(bytes([filt]) + r)
    ihdr = struct.pack('>IIBBBBB', w, h, 8, 2 if ch == 3 else 0, 0, 0, 0)
    data = b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', ihdr) + chunk(b'tEXt', b'Comment\x00made by cli_store.t')
    data += chunk(b'IDAT', zlib.compress(b''.join(rows), level)) + chunk(b'IEND', b'')
    open(out, 'wb').write(data)
def wav(out, rate, ch, bits, frames, loud, extra):
    bps = bits // 8
    samples = bytearray()
    top = (1 << (bits - 1)) - 1
    for i in range(frames):
        for c in range(ch):
            if loud:   # full-scale square wave: every sample on the rails
                v = top if (i // 20) % 2 else -top - 1
            else:
                v = int(top * 0.3 * ((i * (c + 1) % 200) / 100.0 - 1))
            samples += (v & ((1 << bits) - 1)).to_bytes(bps, 'little')
    fmt = struct.pack('<HHIIHH', 1, ch, rate, rate * ch * bps, ch * bps, bits)
    body = b'WAVE' + b'fmt ' + struct.pack('<I', 16) + fmt + b'data' + struct.pack('<I', len(samples)) + bytes(samples)
    if extra:   # a LIST/INFO chunk after the samples, as many editors write
        info = b'INFO' + b'ISFT' + struct.pack('<I', 14) + b'cli_store.t\x00\x00\x00'
        body += b'LIST' + struct.pack('<I', len(info)) + info
    open(out, 'wb').write(b'RIFF' + struct.pack('<I', len(body)) + body)
k = sys.argv[1]
if k == 'png':
    w, h, ch, px = read_pnm(sys.argv[3]); png(sys.argv[2], w, h, ch, px, int(sys.argv[4]), int(sys.argv[5]))
elif k == 'pgm':
    w, h, ch, px = read_pnm(sys.argv[3])
    g = bytes(px[3 * i + 1] for i in range(w * h))
    open(sys.argv[2], 'wb').write(b'P5\n# cli_store.t\n%d %d\n255\n' % (w, h) + g)
elif k == 'wav':
    wav(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]), sys.argv[7] == 'loud', sys.argv[8] == 'list')
elif k == 'ogg':   # an Ogg page header (capture pattern, version 0, BOS) then noise: sniffed as Ogg
    rnd = random.Random(3)
    open(sys.argv[2], 'wb').write(b'OggS\x00\x02' + bytes(rnd.getrandbits(8) for _ in range(40000)))
