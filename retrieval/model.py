"""The records that flow through the retrieval layer."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["NO_DATE", "Article", "Paragraph", "Passage", "Problem", "date_label", "format_date"]

# What a reader is shown for an article whose date is unknown (the bot and the terminal alike).
NO_DATE = "không rõ ngày"


def format_date(iso: str | None) -> str:
    """'2021-03-06' → '06/03/2021', as dates are written in Vietnam."""
    if not iso:
        return NO_DATE
    parts = iso.split("-")
    return "/".join(reversed(parts)) if len(parts) == 3 else iso


def scan_label(confidence: float) -> str:
    """What a quote read from a scan or photo says of itself, in the bot and the CLI alike: a digit may be misread.

    >>> scan_label(91.6)
    'trích từ bản quét (nhận dạng chữ, độ tin cậy 92%): chữ số có thể bị đọc sai'
    """
    return f"trích từ bản quét (nhận dạng chữ, độ tin cậy {confidence:.0f}%): chữ số có thể bị đọc sai"


def date_label(date: str | None, published: str | None) -> str:
    """The article's date, and the page's when it was published on another day: which date is which.

    >>> date_label("2018-12-25", "2021-03-06")
    '25/12/2018 (đăng ngày 06/03/2021)'
    """
    if published and date and published != date:
        return f"{format_date(date)} (đăng ngày {format_date(published)})"
    return format_date(date or published)


@dataclass(frozen=True)
class Paragraph:
    kind: str  # "lead", "body" or "caption"
    start: int  # offsets in Article.text
    end: int


@dataclass
class Article:
    doc_id: str
    title: str
    date: str | None  # ISO date a reader calls the article's date (the event's, when the lead gives it), or None
    text: str  # the body: paragraphs separated by blank lines, captions joined
    paragraphs: list[Paragraph] = field(default_factory=list)
    author: str | None = None
    url: str | None = None
    source: str = ""  # file (and line, for JSON Lines) it came from
    published: str | None = None  # ISO date the page or document was published, when known
    ocr: float | None = None  # read from a scan or photo: Tesseract's mean word confidence (0–100)
    scanned_pages: int = 0  # pages of it read by OCR


@dataclass(frozen=True)
class Passage:
    doc_id: str
    position: int  # order inside its article
    kind: str
    start: int  # offsets in Article.text: Article.text[start:end] == text
    end: int
    text: str


@dataclass(frozen=True)
class Problem:
    """A file (or JSON Lines record) that could not be indexed, and why."""

    source: str
    reason: str
    over: str | None = None  # the budget the file exceeded (sources/budget.py), e.g. "unzipped"
    limit: float | None = None  # and its limit, in that budget's unit

    def __str__(self) -> str:
        return f"{self.source}: {self.reason}"
