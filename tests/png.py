"""Read a PNG's pixels without an imaging library (8-bit RGB/RGBA, not interlaced)."""

from __future__ import annotations

import struct
import zlib


def pixels(data: bytes) -> tuple[int, int, list[bytes]]:
    """Width, height, and each row's bytes as RGB(A) triples/quads."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    at, idat = 8, b""
    width = height = channels = 0
    while at < len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        kind, body = data[at + 4 : at + 8], data[at + 8 : at + 8 + length]
        if kind == b"IHDR":
            width, height, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and color in (2, 6) and interlace == 0, (depth, color, interlace)
            channels = 3 if color == 2 else 4
        elif kind == b"IDAT":
            idat += body
        at += 12 + length
    raw = zlib.decompress(idat)
    stride = width * channels
    rows, previous = [], bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up = previous[i]
            corner = previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                guess = left if pa <= pb and pa <= pc else up if pb <= pc else corner
                line[i] = (line[i] + guess) & 0xFF
        rows.append(bytes(line))
        previous = line
    return width, height, rows


def region(data: bytes, left: int, top: int, width: int, height: int) -> list[bytes]:
    """The pixel rows of a rectangle, as bytes (for comparing two regions)."""
    full_width, _, rows = pixels(data)
    channels = len(rows[0]) // full_width
    return [row[left * channels : (left + width) * channels] for row in rows[top : top + height]]


def dark_share(rows: list[bytes], channels: int = 3) -> float:
    """Share of pixels darker than mid-grey."""
    dark = total = 0
    for row in rows:
        for i in range(0, len(row) - channels + 1, channels):
            total += 1
            dark += (row[i] + row[i + 1] + row[i + 2]) < 384
    return dark / total if total else 0.0
