"""PDFs with a text layer: the text in reading order, without running headers, footers or page numbers.

PDFium (through pypdfium2) reads the text layer: the engine Chrome uses, about five times faster
than pure-Python readers on the same pages. A scanned PDF has pictures of pages and no text: it is
refused with "needs OCR" rather than indexed empty, and so is a password-protected one.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from typing import Any

from retrieval.sources.budget import Budget, OverBudget, check_pdf_streams, current_budget
from retrieval.sources.dates import parse_date, parse_written_date
from retrieval.sources.draft import LEAD_TAG_RE, SENTENCE_END, Draft, ReadError, fold_line, join_wrapped
from retrieval.sources.ocr import DPI, OcrUnavailable, ocr_images, ocr_status
from retrieval.text.normalize import nfc

__all__ = ["read_pdf"]

_PAGE_NUMBER_RE = re.compile(r"^\W*(?:trang|page)?\s*\d{1,4}(?:\s*(?:/|của|of)\s*\d{1,4})?\W*$", re.IGNORECASE)
_DIGITS_RE = re.compile(r"\d+")
_MARGIN = 2  # lines at the top and at the bottom of a page where headers and footers live
# Producers write their own name where the title belongs: not a title.
_JUNK_TITLE_RE = re.compile(r"^(microsoft word|untitled|document\d*|\S+\.(docx?|pdf|txt))", re.IGNORECASE)
# A syllable cut by a hyphen at the end of a line goes on in lower case on the next line.
_HYPHEN_END_RE = re.compile(r"(?<=[^\W\d_])[-\u00ad]$")


SCANNED_CHARS = 10  # a page with fewer characters in its text layer is a picture of a page (a page number at most)
# PDFium is not thread-safe, and the bot reads uploads in worker threads.
_PDFIUM_LOCK = threading.Lock()
# PDFium marks a hyphen at the end of a line (U+0002, or U+FFFE from get_text_range) and joins the
# lines; a word cut in two goes on in lower case, anything else keeps its hyphen.
_SOFT_HYPHEN_RE = re.compile(r"[\x02\ufffe](?=[^\W\d_])")


def _page_text(text: str) -> list[str]:
    text = _SOFT_HYPHEN_RE.sub(lambda m: "" if text[m.end()].islower() else "-", text)
    text = text.replace("\x02", "-").replace("\ufffe", "-")
    text = nfc(text.replace("\r\n", "\n").replace("\r", "\n"))
    return [line for line in map(fold_line, text.split("\n")) if line]  # runs of symbols are not text


def _load(data: bytes, budget: Budget) -> tuple[list[list[str]], str, float | None, int]:
    """Lines of every page, the title the document's metadata gives, and the OCR confidence when pages without a
    text layer were read from their pictures (within the budget's pages, characters, pixels and OCR time)."""
    import pypdfium2 as pdfium  # a native library: loaded only when a PDF is read
    import pypdfium2.raw as pdfium_c  # the object count has no helper

    check_pdf_streams(data, budget)
    with _PDFIUM_LOCK:
        try:
            pdf = pdfium.PdfDocument(data)  # a PDF protected against editing only opens with no password
        except pdfium.PdfiumError as exc:
            if "password" in str(exc).lower():
                raise ReadError("password-protected PDF; save an unprotected copy and index it") from exc
            raise ReadError(f"damaged PDF ({str(exc).split('(')[-1].rstrip(').') or 'unreadable'}); export it again") from exc
        try:
            if len(pdf) > budget.pages:
                raise OverBudget(
                    "pages", budget.pages, f"{len(pdf):,} pages, more than {budget.pages:,} (BANTIN_READ_PAGES); split the file"
                )
            pages: list[list[str]] = []
            scanned: list[int] = []  # pages without a text layer: read from their pictures
            for page in pdf:
                textpage = page.get_textpage()
                chars = textpage.count_chars()
                if chars < SCANNED_CHARS and pdfium_c.FPDFPage_CountObjects(page) > 0:
                    scanned.append(len(pages))  # a picture of a page (or text drawn as curves); a blank page stays blank
                if chars > budget.page_chars:
                    raise OverBudget(
                        "page_chars",
                        budget.page_chars,
                        f"page {len(pages) + 1} holds {chars:,} characters, more than {budget.page_chars:,} (BANTIN_READ_PAGE_CHARS); "
                        "the file may be damaged, or made to cause harm",
                    )
                pages.append(_page_text(textpage.get_text_range()))
                textpage.close()
                page.close()
            confidence = _read_scanned(pdf, pages, scanned, budget) if scanned else None
            try:
                title = str(pdf.get_metadata_value("Title") or "")
            except UnicodeDecodeError:  # a damaged metadata string (a lone UTF-16 surrogate): no title from there
                title = ""
        except pdfium.PdfiumError as exc:
            raise ReadError(f"damaged PDF ({exc}); export it again") from exc
        finally:
            pdf.close()
    return pages, title, confidence, len(scanned) if confidence is not None else 0


def _read_scanned(pdf: Any, pages: list[list[str]], scanned: list[int], budget: Budget) -> float | None:
    """Fill the scanned pages' lines by OCR (each rendered at the resolution Tesseract is trained for, when it asks
    for it); the mean confidence. A PDF of text pages with a blank one reads nothing here."""

    def render(n: int) -> Any:
        page = pdf[scanned[n]]
        width, height = page.get_size()
        scale = DPI / 72
        if width * scale * height * scale > budget.ocr_pixels:
            raise OverBudget(
                "pixels",
                budget.ocr_pixels,
                f"page {scanned[n] + 1} renders to {width * scale * height * scale:,.0f} pixels at {DPI} dpi, more than "
                f"{budget.ocr_pixels:,} (BANTIN_READ_OCR_PIXELS)",
            )
        image = page.render(scale=scale, grayscale=True).to_pil()
        page.close()
        return image

    usable, status = ocr_status()
    if not usable:
        if sum(len(line) for lines in pages for line in lines) < 20 * len(pages):  # nothing much to read without it
            raise OcrUnavailable(f"scanned PDF ({len(scanned)} of {len(pages)} page(s) without a text layer) needs OCR: {status}")
        return None  # the text layer is read as before; the pictured pages wait for Tesseract
    read = ocr_images(len(scanned), render, budget)
    for i, page_read in zip(scanned, read, strict=True):
        pages[i] = [line for line in map(fold_line, page_read.lines) if line]
    return round(sum(p.confidence for p in read) / len(read), 1)


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
    if not lines:  # every line was a running header or footer (pages that repeat one another)
        return []
    widths = sorted(len(line) for line in lines)
    full = widths[len(widths) // 2] if widths else 0
    blocks: list[list[str]] = [[]]
    for line, nxt in zip(lines, [*lines[1:], ""], strict=True):
        blocks[-1].append(line)
        if len(line) < 0.7 * full and not line.endswith(SENTENCE_END) and nxt[:1].isupper():
            blocks.append([])
    return [b for b in blocks if b]


def read_pdf(data: bytes, fallback_title: str, budget: Budget | None = None) -> Draft:
    """One article from a PDF: its text layer, and OCR of the pages that have none."""
    pages, metadata_title, confidence, scanned = _load(data, budget or current_budget())
    n_chars = sum(len(line) for lines in pages for line in lines)
    if not pages or n_chars < 20 * len(pages):
        raise ReadError(
            f"scanned PDF from which OCR read no text ({len(pages)} page(s): blank, too faint, or pictures without text); scan it again"
        )
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
    return Draft(title=title, paragraphs=paragraphs, published=published, ocr=confidence, scanned_pages=scanned)
