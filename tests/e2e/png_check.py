#!/usr/bin/env python3
"""Checks that a PNG screenshot is not blank: decodes it (zlib only, no imaging library) and prints
its size, the number of distinct colours and the luminance standard deviation.

usage: png_check.py FILE.png [--min-colors N] [--min-stddev X] [--crop Y0 Y1 OUT.png]
Exits 1 when the image has fewer colours or less variance than asked.
"""
import struct
import sys
import zlib


def decode(path):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise SystemExit(f"{path}: not a PNG")
    pos, idat, header = 8, [], None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
    width, height, depth, color, _, _, interlace = header
    channels = {2: 3, 6: 4, 0: 1, 4: 2}.get(color)
    if depth != 8 or channels is None or interlace:
        raise SystemExit(f"{path}: unsupported PNG (depth {depth}, colour type {color}, interlace {interlace})")
    raw = zlib.decompress(b"".join(idat))
    stride = width * channels
    rows, prev, i = [], bytearray(stride), 0
    for _ in range(height):
        kind, line = raw[i], bytearray(raw[i + 1:i + 1 + stride])
        i += 1 + stride
        for x in range(stride):
            a = line[x - channels] if x >= channels else 0
            b = prev[x]
            c = prev[x - channels] if x >= channels else 0
            if kind == 1:
                line[x] = (line[x] + a) & 255
            elif kind == 2:
                line[x] = (line[x] + b) & 255
            elif kind == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return width, height, channels, rows


def encode(path, width, channels, rows):
    color = {3: 2, 4: 6, 1: 0, 2: 4}[channels]
    raw = b"".join(b"\x00" + r for r in rows)
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n")
        f.write(chunk(b"IHDR", struct.pack(">IIBBBBB", width, len(rows), 8, color, 0, 0, 0)))
        f.write(chunk(b"IDAT", zlib.compress(raw)))
        f.write(chunk(b"IEND", b""))


def main():
    args = sys.argv[1:]
    path = args.pop(0)
    min_colors, min_stddev, crop = 0, 0.0, None
    while args:
        flag = args.pop(0)
        if flag == "--min-colors":
            min_colors = int(args.pop(0))
        elif flag == "--min-stddev":
            min_stddev = float(args.pop(0))
        elif flag == "--crop":
            crop = (int(args.pop(0)), int(args.pop(0)), args.pop(0))
        else:
            raise SystemExit(f"unknown option {flag}")
    width, height, channels, rows = decode(path)
    if crop:
        encode(crop[2], width, channels, rows[crop[0]:crop[1]])
    colors, total, total_sq, n = set(), 0.0, 0.0, 0
    for r in rows[::4]:  # every 4th row and column is plenty for a blankness check
        for x in range(0, width * channels, channels * 4):
            px = r[x:x + min(channels, 3)]
            colors.add(px)
            lum = sum(px) / len(px)
            total += lum
            total_sq += lum * lum
            n += 1
    mean = total / n
    stddev = max(0.0, total_sq / n - mean * mean) ** 0.5
    print(f"{width}x{height} colors={len(colors)} stddev={stddev:.1f}")
    if len(colors) < min_colors or stddev < min_stddev:
        print(f"{path}: looks blank (want colors >= {min_colors}, stddev >= {min_stddev})", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
