"""Scans and photos of printed bulletin pages, drawn at test time with Pillow from text the tests own.

A page is A4 at 300 dpi in DejaVu Serif (matplotlib ships the font), then spoilt as paper is: turned a little,
blurred, speckled; or turned on its side with only the photo's EXIF saying so; or put upside down in a PDF.
"""

from __future__ import annotations

import io
import random
import struct
import textwrap
import zlib
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

__all__ = ["A4", "bomb_png", "draw_page", "pdf_of", "speckled", "two_columns"]

A4 = (2480, 3508)


def _font(size: int) -> ImageFont.FreeTypeFont:
    import matplotlib

    return ImageFont.truetype(str(Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSerif.ttf"), size)


def draw_page(title: str, paragraphs: list[str], size: tuple[int, int] = A4, columns: int = 1) -> Image.Image:
    """A printed page: the title across the top, then the paragraphs in ``columns`` columns."""
    page = Image.new("L", size, 255)
    draw = ImageDraw.Draw(page)
    margin, gap = 200, 120
    y = margin
    for line in textwrap.wrap(title, 38):
        draw.text((margin, y), line, font=_font(64), fill=0)
        y += 90
    y += 60
    width = (size[0] - 2 * margin - gap * (columns - 1)) // columns
    chars = int(width / 22)
    body = _font(40)
    per_column = -(-len(paragraphs) // columns)
    for c in range(columns):
        x, cy = margin + c * (width + gap), y
        for para in paragraphs[c * per_column : (c + 1) * per_column]:
            for line in textwrap.wrap(para, chars):
                draw.text((x, cy), line, font=body, fill=0)
                cy += 56
            cy += 40
    return page


def speckled(page: Image.Image, degrees: float = 0.8, seed: int = 7) -> Image.Image:
    """Turned a little, blurred and speckled, as a flatbed scan of a photocopy."""
    rng = random.Random(seed)
    out = page.rotate(degrees, resample=Image.Resampling.BICUBIC, expand=False, fillcolor=255).filter(ImageFilter.GaussianBlur(0.8))
    pixels = out.load()
    assert pixels is not None
    for _ in range(out.width * out.height // 400):
        pixels[rng.randrange(out.width), rng.randrange(out.height)] = rng.choice((0, 90, 200))
    return out


def two_columns(title: str, left: list[str], right: list[str]) -> Image.Image:
    return draw_page(title, [*left, *right], columns=2)


def jpeg_on_its_side(page: Image.Image) -> bytes:
    """A phone photo stored on its side (pixels turned 90°), with the EXIF orientation that sets it upright."""
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    buf = io.BytesIO()
    page.rotate(90, expand=True).convert("RGB").save(buf, "JPEG", quality=85, exif=exif)
    return buf.getvalue()


def pdf_of(pages: list[Image.Image]) -> bytes:
    """A scanned PDF: each page a picture, no text layer."""
    buf = io.BytesIO()
    pages[0].save(buf, "PDF", resolution=300.0, save_all=True, append_images=pages[1:])
    return buf.getvalue()


def bomb_png(width: int = 100_000, height: int = 100_000) -> bytes:
    """A PNG whose header claims ``width`` × ``height`` pixels, in a few hundred bytes."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b"")
