"""What one file may cost to read, and the refusal when it asks for more.

A bulletin is a few pages; a file that inflates to gigabytes, or whose page yields a million
characters, is broken or made to hurt. Each limit is checked where the bytes are expanded: a Word
part from the ZIP directory (and by ``zipfile`` itself while it inflates: it stops at the size the
directory gives and fails the CRC when that was a lie), a PDF's compressed streams before PDFium
parses them, a page's characters before its text is taken, a web page's size before it is parsed.
What a format cannot announce in advance (PDFium's work on a page) is bounded by reading it in a
worker process with a memory and a time cap (``sources/guard.py``).

The limits are settings (``BANTIN_READ_*`` in the environment or ``.env``; README lists them).
"""

from __future__ import annotations

import re
import zlib
from functools import lru_cache
from typing import Literal

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from retrieval.model import Problem
from retrieval.sources.draft import ReadError

__all__ = ["Budget", "BudgetError", "OverBudget", "check_pdf_streams", "check_zip_sizes", "current_budget"]

MB = 1 << 20
# Deflate cannot inflate by more than 1032:1 (a 258-byte match in at most 2 bits), so a stream shorter
# than limit / 1032 cannot pass the limit: it is not inflated to check.
DEFLATE_MAX_RATIO = 1032

Kind = Literal["unzipped", "stream", "pages", "page_chars", "html", "article", "memory", "time", "pixels", "ocr_pages", "ocr_seconds"]


class OverBudget(ReadError):
    """A file that would cost more than its budget to read; ``kind`` and ``limit`` say which budget (the bot words it)."""

    def __init__(self, kind: Kind, limit: float, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.limit = limit

    def problem(self, source: str) -> Problem:
        """The refusal as a Problem that keeps which budget it was."""
        return Problem(source, str(self), over=self.kind, limit=self.limit)


class Budget(BaseSettings):
    """Limits on reading one file (defaults: tens of times what a real bulletin needs)."""

    model_config = SettingsConfigDict(env_prefix="BANTIN_READ_", env_file=".env", extra="ignore", frozen=True)

    unzipped_mb: float = Field(default=64, gt=0)  # one part of a Word file, inflated (a 300-page bulletin's text: ~5 MB)
    stream_mb: float = Field(default=64, gt=0)  # one compressed stream of a PDF, inflated
    pages: int = Field(default=1000, gt=0)  # pages of a PDF
    page_chars: int = Field(default=100_000, gt=0)  # characters of one PDF page's text (a dense page: ~6,000)
    html_mb: float = Field(default=16, gt=0)  # a web page's bytes (a news page with its scripts: ~1 MB)
    article_chars: int = Field(default=2_000_000, gt=0)  # characters of one article's text (a long report: ~100,000)
    memory_mb: int = Field(default=1024, gt=0)  # address space a worker reading a Word, PDF or web file may add
    seconds: float = Field(default=30, gt=0)  # wall time for reading one such file
    ocr_pages: int = Field(default=300, gt=0)  # scanned pages read with OCR in one file (a photo is one)
    ocr_pixels: int = Field(default=60_000_000, gt=0)  # pixels of one picture or rendered page (A4 at 600 dpi: 35 M)
    ocr_seconds: float = Field(default=1800, gt=0)  # OCR time for one file, on top of ``seconds`` (a page: ~4 s of a core)


class BudgetError(ValueError):
    """A BANTIN_READ_* setting that is not a valid limit; the message names it."""


@lru_cache(maxsize=1)
def current_budget() -> Budget:
    """The budget from the environment and .env (read once per process); ``BudgetError`` names a malformed setting."""
    try:
        return Budget()
    except ValidationError as exc:
        err = exc.errors()[0]
        name = "BANTIN_READ_" + str(err["loc"][0]).upper() if err["loc"] else "a BANTIN_READ_* setting"
        raise BudgetError(f"{name} is invalid: {err['msg']}") from None


def check_zip_sizes(infos: list, budget: Budget) -> None:
    """Refuse a ZIP whose directory announces a part, or parts together, inflating past the budget."""
    limit = budget.unzipped_mb * MB
    total = 0
    for info in infos:
        total += info.file_size
        if info.file_size > limit or total > 4 * limit:
            raise OverBudget(
                "unzipped",
                budget.unzipped_mb,
                f"inflates to more than {budget.unzipped_mb:g} MB ({info.filename}: {info.file_size / MB:,.0f} MB); "
                "the file may be damaged, or made to cause harm (BANTIN_READ_UNZIPPED_MB)",
            )


_STREAM_RE = re.compile(rb"stream\r?\n")
_ENDSTREAM = b"endstream"


def check_pdf_streams(data: bytes, budget: Budget) -> None:
    """Refuse a PDF one of whose Flate streams inflates past the budget (streams too short to, are not inflated).

    The streams are found by their keywords, not by parsing objects: a stream is what lies between
    ``stream`` and the next ``endstream``. A stream that is not Flate data simply fails to inflate and
    is left to PDFium (and to the worker's caps).
    """
    limit = int(budget.stream_mb * MB)
    shortest = limit // DEFLATE_MAX_RATIO
    if len(data) < shortest:
        return
    for match in _STREAM_RE.finditer(data):
        if data[max(0, match.start() - 3) : match.start()] == b"end":
            continue  # the end of a stream, not the start of one
        start = match.end()
        end = data.find(_ENDSTREAM, start)
        if end < 0:
            end = len(data)
        if end - start < shortest:
            continue
        if _inflated_size(memoryview(data)[start:end], limit) > limit:
            raise OverBudget(
                "stream",
                budget.stream_mb,
                f"a stream in the PDF inflates to more than {budget.stream_mb:g} MB; "
                "the file may be damaged, or made to cause harm (BANTIN_READ_STREAM_MB)",
            )


def _inflated_size(stream: memoryview, limit: int) -> int:
    """Bytes the zlib (or raw deflate) stream inflates to, counted up to just past ``limit``; 0 if it is not deflate data."""
    for wbits in (15, -15):
        inflater = zlib.decompressobj(wbits)
        size = 0
        try:
            pending, offset = b"", 0
            while True:
                if not pending and offset < len(stream):
                    pending = bytes(stream[offset : offset + (1 << 16)])
                    offset += len(pending)
                out = inflater.decompress(pending, 1 << 20)
                size += len(out)
                if size > limit:
                    return size
                pending = inflater.unconsumed_tail
                if inflater.eof or (not out and not pending and offset >= len(stream)):
                    return size
        except zlib.error:
            continue
    return 0
