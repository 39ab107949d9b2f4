#!/usr/bin/env python3
"""The expected bytes of ImageOpsTests.Resize_MatchesPillowsBilinearToTheByte: the test's pattern
(x*37 + y*101 + c*59) % 256, resized with Pillow's Image.resize((w, h), Image.BILINEAR), as hex.
They were made with Pillow 9.4.0, Debian 12's python3-pil (apt-get install python3-pil).

Run: /usr/bin/python3 tests/Kodiak.Vision.Tests/Golden/pillow_bilinear.py (the system Python, which has python3-pil)
"""
import PIL
from PIL import Image

CASES = [(7, 5, 3, 4), (7, 5, 16, 2)]  # width, height, toWidth, toHeight: the test's InlineData

print(f"Pillow {PIL.__version__}")
for width, height, to_width, to_height in CASES:
    pattern = bytes((x * 37 + y * 101 + c * 59) % 256 for y in range(height) for x in range(width) for c in range(3))
    image = Image.frombytes("RGB", (width, height), pattern)
    resized = image.resize((to_width, to_height), Image.BILINEAR)
    print(f"{width}, {height}, {to_width}, {to_height}, \"{resized.tobytes().hex()}\"")
