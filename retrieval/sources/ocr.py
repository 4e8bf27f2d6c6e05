"""Pictures of printed pages read with Tesseract's Vietnamese model: photos, scans, and PDF pages without text.

Tesseract is a system program (Debian: ``tesseract-ocr``, ``tesseract-ocr-vie``, ``tesseract-ocr-osd``),
called through pytesseract; the package installs and runs without it, and a picture is then refused in
one line naming the install command. Each page is set upright first: the photo's EXIF orientation, then
Tesseract's own orientation detection (``--psm 0``) for a page scanned on its side or upside down. Its
page segmentation (``--psm 3``) reads a newspaper's columns one after the other. Everything is bounded by
the budget: pixels per picture (checked from the header, before anything is decoded), pages per file and
OCR seconds per file.
"""

from __future__ import annotations

import io
import os
import re
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from retrieval.sources.budget import Budget, OverBudget
from retrieval.sources.draft import ReadError
from retrieval.text.normalize import nfc

__all__ = ["INSTALL", "OcrPage", "OcrUnavailable", "ocr_images", "ocr_status", "open_picture", "read_picture_pages", "set_announcer"]

INSTALL = "sudo apt-get install tesseract-ocr tesseract-ocr-vie tesseract-ocr-osd"
LANG = "vie"
DPI = 300  # what Tesseract is trained for; PDF pages are rendered at this resolution
_ROTATE_RE = re.compile(r"Rotate:\s*(\d+)")
_CONFIDENCE_RE = re.compile(r"Orientation confidence:\s*([\d.]+)")
MIN_OSD_CONFIDENCE = 1.0  # Tesseract's own threshold for trusting a detected orientation


_announce: Callable[[int, int], None] | None = None  # the guarded worker tells its parent: (pages read, pages)


def set_announcer(announce: Callable[[int, int], None] | None) -> None:
    """Who hears of OCR progress in this process (the reading worker's pipe: its parent extends the time limit
    by the OCR budget and shows the pages read)."""
    global _announce
    _announce = announce


class OcrUnavailable(ReadError):
    """A picture to read, and no Tesseract (or no Vietnamese model) on this machine."""


@dataclass(frozen=True)
class OcrPage:
    lines: list[str]  # the page's text lines, paragraphs separated by an empty line, columns one after the other
    confidence: float  # Tesseract's mean word confidence, 0–100
    rotated: int  # degrees the page was turned to be read upright


@lru_cache(maxsize=1)
def ocr_status() -> tuple[bool, str]:
    """(usable, one line): whether Tesseract and its Vietnamese model are installed (``stats``, ``bot check``)."""
    try:
        import pytesseract

        version = str(pytesseract.get_tesseract_version()).split()[0]
        languages = pytesseract.get_languages(config="")
    except Exception:  # not installed, or not runnable: the same answer for a maintainer
        return False, f"Tesseract is not installed, so scans and photos cannot be read; install it: {INSTALL}"
    if LANG not in languages:
        return False, f"Tesseract {version} has no Vietnamese model; install it: {INSTALL}"
    return True, f"Tesseract {version} with the Vietnamese model{' and orientation detection' if 'osd' in languages else ''}"


def _require() -> None:
    usable, line = ocr_status()
    if not usable:
        raise OcrUnavailable(f"a picture or scan needs OCR: {line}")


def _check_pixels(width: int, height: int, budget: Budget, what: str) -> None:
    if width * height > budget.ocr_pixels:
        raise OverBudget(
            "pixels",
            budget.ocr_pixels,
            f"{what} of {width:,} × {height:,} pixels, more than {budget.ocr_pixels:,} (BANTIN_READ_OCR_PIXELS); "
            "the file may be damaged, or made to cause harm",
        )


def open_picture(data: bytes, budget: Budget) -> list[Any]:
    """The frames of a picture file (a TIFF may hold several pages), upright by their EXIF orientation, in
    greyscale; refused by their header's size before any pixel is decoded."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    Image.MAX_IMAGE_PIXELS = budget.ocr_pixels  # Pillow's own bomb check, at our limit
    try:
        picture = Image.open(io.BytesIO(data))
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError) as exc:
        if isinstance(exc, Image.DecompressionBombError):
            raise OverBudget(
                "pixels", budget.ocr_pixels, f"a picture larger than {budget.ocr_pixels:,} pixels (BANTIN_READ_OCR_PIXELS)"
            ) from None
        raise ReadError(f"damaged picture ({type(exc).__name__}); save or scan it again") from None
    frames = getattr(picture, "n_frames", 1)
    if frames > budget.ocr_pages:
        raise OverBudget(
            "ocr_pages", budget.ocr_pages, f"{frames:,} pages, more than {budget.ocr_pages:,} (BANTIN_READ_OCR_PAGES); split the file"
        )
    out = []
    for n in range(frames):
        picture.seek(n)
        _check_pixels(picture.width, picture.height, budget, "a picture")
        try:
            frame = ImageOps.exif_transpose(picture) or picture
            out.append(frame.convert("L"))
        except (OSError, ValueError, SyntaxError) as exc:
            raise ReadError(f"damaged picture ({type(exc).__name__}); save or scan it again") from None
    return out


def _upright(image: Any, seconds: float) -> tuple[Any, int]:
    """The page turned upright by Tesseract's orientation detection (as it is when it cannot tell)."""
    import pytesseract

    try:
        osd = pytesseract.image_to_osd(image, config="--psm 0", timeout=seconds)
    except pytesseract.TesseractError:  # too little text to tell, or no osd model: read as it is
        return image, 0
    turn = _ROTATE_RE.search(osd)
    sure = _CONFIDENCE_RE.search(osd)
    degrees = int(turn[1]) if turn else 0
    if degrees and sure and float(sure[1]) >= MIN_OSD_CONFIDENCE:
        return image.rotate(-degrees, expand=True), degrees
    return image, 0


def _read_one(image: Any, seconds: float) -> OcrPage:
    """One page; Tesseract is stopped past ``seconds`` (what is left of the file's OCR time)."""
    import pytesseract

    image, turned = _upright(image, seconds)
    data = pytesseract.image_to_data(image, lang=LANG, config="--psm 3", output_type=pytesseract.Output.DICT, timeout=seconds)
    lines: list[str] = []
    words: list[str] = []
    confidences: list[float] = []
    last_line: tuple[int, int, int] | None = None
    last_par: tuple[int, int] | None = None
    for i, word in enumerate(data["text"]):
        word = (word or "").strip()
        if not word:
            continue
        key = (data["block_num"][i], data["par_num"][i], data["line_num"][i])
        if key != last_line and words:
            lines.append(" ".join(words))
            words = []
        if last_par is not None and key[:2] != last_par:
            lines.append("")  # a new block or paragraph: Tesseract's layout, columns kept apart
        last_line, last_par = key, key[:2]
        words.append(word)
        conf = float(data["conf"][i])
        if conf >= 0:
            confidences.append(conf)
    if words:
        lines.append(" ".join(words))
    mean = sum(confidences) / len(confidences) if confidences else 0.0
    return OcrPage([nfc(line) for line in lines], mean, turned)


def ocr_images(count: int, render: Callable[[int], Any], budget: Budget, workers: int = min(4, os.cpu_count() or 1)) -> list[OcrPage]:
    """Read ``count`` pages, ``render(n)`` giving page ``n``'s picture, in this thread and only ``workers`` at a time
    (a 300-page scan is never all in memory), while Tesseract reads them, one process a page, within the budget's
    OCR seconds for all of them together."""
    _require()
    if count > budget.ocr_pages:
        raise OverBudget(
            "ocr_pages",
            budget.ocr_pages,
            f"{count:,} scanned pages, more than {budget.ocr_pages:,} (BANTIN_READ_OCR_PAGES); split the file",
        )
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")  # one core a page: pages run side by side instead
    started = time.monotonic()
    pages: list[OcrPage] = []
    if _announce is not None:
        _announce(0, count)

    def over(read: int) -> OverBudget:
        return OverBudget(
            "ocr_seconds",
            budget.ocr_seconds,
            f"reading its {count:,} scanned pages takes more than {budget.ocr_seconds:g} s ({read} read) "
            "(BANTIN_READ_OCR_SECONDS); split the file, or raise the limit",
        )

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        for first in range(0, count, workers):
            left = budget.ocr_seconds - (time.monotonic() - started)
            if left <= 0:
                raise over(first)
            batch = [render(n) for n in range(first, min(count, first + workers))]
            try:
                pages += list(pool.map(lambda image: _read_one(image, left), batch))  # noqa: B023 (used before the loop moves on)
            except RuntimeError as exc:  # pytesseract's "Tesseract process timeout"
                if "timeout" not in str(exc).lower():
                    raise
                raise over(first) from None
            if _announce is not None:
                _announce(len(pages), count)
    return pages


def read_picture_pages(data: bytes, budget: Budget) -> list[OcrPage]:
    """A picture file (JPEG, PNG, TIFF, WebP …) read page by page (a damaged one is named as such, Tesseract or not)."""
    frames = open_picture(data, budget)
    return ocr_images(len(frames), frames.__getitem__, budget)
