#!/usr/bin/env python3
"""Writes the small image fixtures the imaging tests decode.

They are made by encoders independent of Echo's (pypng for PNG, Pillow for JPEG), with
pixel values given by the formulas below, which the Swift tests recompute. Run once;
the outputs are committed (a few KB). Requires: pip install pypng pillow.

    python3 make_fixtures.py
"""
import png
from PIL import Image

W, H = 16, 12


def gray(x, y):
    return (x * 16 + y * 3) % 256


def rgb(x, y):
    return (x * 16 % 256, y * 20 % 256, (x + y) * 8 % 256)


def alpha(x, y):
    return (x * 7 + y * 11) % 256


def write_png(name, rows, **kw):
    with open(name, "wb") as f:
        png.Writer(W, H, **kw).write(f, rows)


write_png("gray8.png", [[gray(x, y) for x in range(W)] for y in range(H)], greyscale=True, bitdepth=8)
write_png("gray16.png", [[x * 4096 + y * 100 for x in range(W)] for y in range(H)], greyscale=True, bitdepth=16)
write_png("gray1.png", [[(x + y) % 2 for x in range(W)] for y in range(H)], greyscale=True, bitdepth=1)
write_png("gray-alpha.png", [sum(([gray(x, y), alpha(x, y)] for x in range(W)), []) for y in range(H)],
          greyscale=True, alpha=True, bitdepth=8)
write_png("rgb.png", [sum((list(rgb(x, y)) for x in range(W)), []) for y in range(H)], greyscale=False, bitdepth=8)
write_png("rgb16.png", [sum(([x * 4096, y * 5000, 65535 - x * 4096] for x in range(W)), []) for y in range(H)],
          greyscale=False, bitdepth=16)
write_png("rgb-interlaced.png", [sum((list(rgb(x, y)) for x in range(W)), []) for y in range(H)],
          greyscale=False, bitdepth=8, interlace=True)
write_png("rgba.png", [sum((list(rgb(x, y)) + [alpha(x, y)] for x in range(W)), []) for y in range(H)],
          greyscale=False, alpha=True, bitdepth=8)
palette = [(255, 0, 0), (0, 255, 0), (0, 0, 255), (250, 250, 250)]
write_png("palette.png", [[(x // 4 + y) % 4 for x in range(W)] for y in range(H)], palette=palette, bitdepth=2)
write_png("palette-transparent.png", [[(x // 4 + y) % 4 for x in range(W)] for y in range(H)],
          palette=[(255, 0, 0, 0), (0, 255, 0, 128), (0, 0, 255, 255), (250, 250, 250, 255)], bitdepth=2)

# JPEG: four solid quadrants of 16×16, so lossy decoding stays within a small tolerance.
QUADRANTS = [(220, 30, 30), (30, 200, 40), (40, 40, 210), (235, 235, 235)]


def quadrant(x, y):
    return QUADRANTS[(1 if x >= 16 else 0) + (2 if y >= 16 else 0)]


image = Image.new("RGB", (32, 32))
image.putdata([quadrant(x, y) for y in range(32) for x in range(32)])
image.save("rgb-baseline.jpg", quality=95)
image.save("rgb-progressive.jpg", quality=95, progressive=True)
image.convert("L").save("gray.jpg", quality=95)
# Pillow writes CMYK JPEGs the Adobe way (inverted, with an Adobe marker), as Photoshop does.
image.convert("CMYK").save("cmyk.jpg", quality=95)
