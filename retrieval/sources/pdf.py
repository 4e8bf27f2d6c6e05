"""PDFs with a text layer: the text in reading order, without running headers, footers or page numbers.

A scanned PDF has pictures of pages and no text: it is refused with "needs OCR" rather than
indexed empty, and so is a password-protected one.
"""

from __future__ import annotations

import io
import logging
import re
from collections import Counter

from retrieval.sources.dates import parse_date, parse_written_date
from retrieval.sources.draft import LEAD_TAG_RE, SENTENCE_END, Draft, ReadError, join_wrapped
from retrieval.text.normalize import nfc

__all__ = ["read_pdf"]

_PAGE_NUMBER_RE = re.compile(r"^\W*(?:trang|page)?\s*\d{1,4}(?:\s*(?:/|của|of)\s*\d{1,4})?\W*$", re.IGNORECASE)
_DIGITS_RE = re.compile(r"\d+")
_MARGIN = 2  # lines at the top and at the bottom of a page where headers and footers live
# Producers write their own name where the title belongs: not a title.
_JUNK_TITLE_RE = re.compile(r"^(microsoft word|untitled|document\d*|\S+\.(docx?|pdf|txt))", re.IGNORECASE)
# A syllable cut by a hyphen at the end of a line goes on in lower case on the next line.
_HYPHEN_END_RE = re.compile(r"(?<=[^\W\d_])[-\u00ad]$")


def _page_lines(reader: object) -> list[list[str]]:
    pages: list[list[str]] = []
    for page in reader.pages:  # type: ignore[attr-defined]
        text = nfc(page.extract_text() or "")
        pages.append([" ".join(line.split()) for line in text.split("\n") if line.strip()])
    return pages


def _running_lines(pages: list[list[str]]) -> set[str]:
    """Lines (digits ignored) repeated at the top or bottom of at least half the pages: headers and footers."""
    if len(pages) < 2:
        return set()
    seen: Counter[str] = Counter()
    for lines in pages:
        margin = set(lines[:_MARGIN] + lines[-_MARGIN:])
        seen.update({_DIGITS_RE.sub("#", line) for line in margin})
    return {key for key, n in seen.items() if n >= max(2, (len(pages) + 1) // 2)}


def _clean_pages(pages: list[list[str]]) -> list[str]:
    """One list of lines: running headers, footers and page numbers dropped, hyphenated words joined."""
    running = _running_lines(pages)
    out: list[str] = []
    for lines in pages:
        n = len(lines)
        for i, line in enumerate(lines):
            at_margin = i < _MARGIN or i >= n - _MARGIN
            if at_margin and (_PAGE_NUMBER_RE.match(line) or _DIGITS_RE.sub("#", line) in running):
                continue
            if out and _HYPHEN_END_RE.search(out[-1]) and line[:1].islower():
                out[-1] = out[-1][:-1] + line
                continue
            out.append(line)
    return out


def _heading_blocks(lines: list[str]) -> list[list[str]]:
    """Cut the lines after every short unpunctuated line followed by a capital (a heading), so that it
    does not run into the next sentence: a wrapped line fills the width, a heading does not."""
    widths = sorted(len(line) for line in lines)
    full = widths[len(widths) // 2] if widths else 0
    blocks: list[list[str]] = [[]]
    for line, nxt in zip(lines, [*lines[1:], ""], strict=True):
        blocks[-1].append(line)
        if len(line) < 0.7 * full and not line.endswith(SENTENCE_END) and nxt[:1].isupper():
            blocks.append([])
    return [b for b in blocks if b]


def read_pdf(data: bytes, fallback_title: str) -> Draft:
    """One article from a PDF's text layer."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # pypdf warns on every odd object; reported below instead
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            try:
                opened = bool(reader.decrypt(""))  # many offices protect against editing only, with no password to open
            except Exception:  # AES without the cryptography package, or a broken encryption dictionary
                opened = False
            if not opened:
                raise ReadError("password-protected PDF; save an unprotected copy and index it")
        pages = _page_lines(reader)
        metadata_title = (reader.metadata.title if reader.metadata else None) or ""
    except ReadError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, IndexError, OSError) as exc:
        raise ReadError(f"damaged PDF ({exc or type(exc).__name__}); export it again") from exc
    n_chars = sum(len(line) for lines in pages for line in lines)
    if not pages or n_chars < 20 * len(pages):
        raise ReadError(f"scanned PDF without a text layer ({len(pages)} page(s)); it needs OCR before it can be indexed")
    lines = _clean_pages(pages)
    published = None
    for i, line in enumerate(lines[:4]):
        found = parse_written_date(line) or (parse_date(line) if len(line) <= 40 else None)
        if found:
            published = found
            del lines[i]
            break
    title = nfc(" ".join(str(metadata_title).split()))
    if not title or _JUNK_TITLE_RE.match(title):
        title = lines.pop(0) if lines else fallback_title
    elif lines and lines[0] == title:
        lines.pop(0)
    paragraphs: list[tuple[str, str]] = []
    for block in _heading_blocks(lines):
        for para, _ in join_wrapped(block):
            kind = "lead" if not paragraphs and LEAD_TAG_RE.match(para) else "body"
            paragraphs.append((kind, para))
    if not paragraphs:
        raise ReadError("PDF with a title but no text")
    return Draft(title=title, paragraphs=paragraphs, published=published)
