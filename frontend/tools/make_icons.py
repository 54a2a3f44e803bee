"""Draws the app icons as PNG files with the standard library only (no Pillow on the servers).

Run from the repository root: python frontend/tools/make_icons.py
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "static" / "frontend" / "icons"
BLUE = (29, 78, 137)
WHITE = (255, 255, 255)
ORANGE = (228, 87, 46)
SAMPLES = 3  # per axis, for anti-aliased edges


def rounded_rect(x: float, y: float, box: tuple[float, float, float, float], r: float) -> bool:
    left, top, right, bottom = box
    if not (left <= x <= right and top <= y <= bottom):
        return False
    cx = min(max(x, left + r), right - r)
    cy = min(max(y, top + r), bottom - r)
    return (x - cx) ** 2 + (y - cy) ** 2 <= r * r


def circle(x: float, y: float, cx: float, cy: float, r: float) -> bool:
    return (x - cx) ** 2 + (y - cy) ** 2 <= r * r


def colour_at(x: float, y: float, *, maskable: bool) -> tuple[int, int, int, int]:
    """The colour of a point in unit coordinates; a diary page on a blue tile."""
    if maskable:
        background = True
        # Maskable icons keep their content inside the central 80 % safe zone.
        x, y = (x - 0.5) / 0.72 + 0.5, (y - 0.5) / 0.72 + 0.5
    else:
        background = rounded_rect(x, y, (0, 0, 1, 1), 0.2)
    if not background:
        return (0, 0, 0, 0)
    if rounded_rect(x, y, (0.22, 0.24, 0.78, 0.8), 0.06):
        if y < 0.36:
            return (*ORANGE, 255)
        for row in range(3):
            for col in range(3):
                cx, cy = 0.34 + col * 0.16, 0.48 + row * 0.11
                if circle(x, y, cx, cy, 0.04):
                    return (*(ORANGE if (row, col) == (1, 2) else BLUE), 255)
        return (*WHITE, 255)
    return (*BLUE, 255)


def render(size: int, *, maskable: bool) -> bytes:
    rows = []
    step = 1 / (size * SAMPLES)
    for py in range(size):
        row = bytearray([0])  # filter type: none
        for px in range(size):
            total = [0, 0, 0, 0]
            for sy in range(SAMPLES):
                for sx in range(SAMPLES):
                    x = px / size + (sx + 0.5) * step
                    y = py / size + (sy + 0.5) * step
                    r, g, b, a = colour_at(x, y, maskable=maskable)
                    total[0] += r * a
                    total[1] += g * a
                    total[2] += b * a
                    total[3] += a
            alpha = total[3]
            n = SAMPLES * SAMPLES
            if alpha:
                row += bytes([total[0] // alpha, total[1] // alpha, total[2] // alpha, alpha // n])
            else:
                row += bytes(4)
        rows.append(bytes(row))
    return png(size, b"".join(rows))


def png(size: int, raw: bytes) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, size, maskable in (
        ("icon-192.png", 192, False),
        ("icon-512.png", 512, False),
        ("maskable-512.png", 512, True),
        ("apple-touch-icon-180.png", 180, True),
        ("favicon-32.png", 32, False),
    ):
        (OUT / name).write_bytes(render(size, maskable=maskable))
        print(f"wrote {OUT / name}")


if __name__ == "__main__":
    main()
