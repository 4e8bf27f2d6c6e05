"""What every reader produces: a title, paragraphs and metadata, laid out as an Article with offsets."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from retrieval.model import Article, Paragraph
from retrieval.sources.dates import event_date

__all__ = [
    "LEAD_TAG_RE",
    "SENTENCE_END",
    "Draft",
    "NotText",
    "ReadError",
    "TextBlocks",
    "fold_line",
    "join_wrapped",
    "text_blocks",
    "to_article",
]

# The paper's tag at the start of a lead: "LSO-Chiều nay ...", "LSO - ...", "(LSO) ...".
LEAD_TAG_RE = re.compile(r"^\(?[A-ZĐ]{2,8}\)?\s*[-–—:]\s*\S")
SENTENCE_END = tuple(".!?…:;\"”)»'")


class ReadError(ValueError):
    """A file (or part of one) no reader can turn into articles; the message says why, for the maintainer."""


# A line of text has words of a few letters (Vietnamese syllables: 4.5 characters with their space); a line
# whose words average under MIN_WORD or over MAX_WORD characters is looked at closely, every other line is not
# (the check then costs nothing: the words were split to fold the white space anyway).
_MIN_WORD, _MAX_WORD, _LOOK_FROM = 3.0, 20.0, 80
_LETTER_RE = re.compile(r"[^\W_]")  # letters and digits (a table of figures is text)
_REPEAT_RE = re.compile(r"(\S)\1{29,}")  # one character 30 times in a row
_ENTITY_RE = re.compile(r"&(?:[a-zA-Z]{2,8}|#\d{1,7}|#x[0-9a-fA-F]{1,6});")  # "&amp;", "&#160;": markup left in the text


def _not_text(line: str) -> bool:
    """Runs of entities, symbols or one repeated character: under half letters and digits, or one character 30 times over."""
    letters = len(_LETTER_RE.findall(_ENTITY_RE.sub("", line)))
    return letters < 0.5 * len(line.replace(" ", "")) or bool(_REPEAT_RE.search(line))


def fold_line(raw: str) -> str | None:
    """A line with its white space folded; None when it is not text (symbols, entities, one repeated character)."""
    words = raw.split()
    line = " ".join(words)
    if len(line) >= _LOOK_FROM and not _MIN_WORD * len(words) <= len(line) <= _MAX_WORD * len(words) and _not_text(line):
        return None
    return line


class NotText(ReadError):
    """A file whose text is only runs of symbols, entities or one repeated character."""

    def __init__(self, dropped: int) -> None:
        super().__init__(f"no text, only runs of symbols or one repeated character ({dropped:,} characters); not a bulletin")


class TextBlocks(list[list[str]]):
    """Blank-line separated blocks of lines, and how many characters of lines that were not text were dropped."""

    dropped: int = 0

    def no_text(self, otherwise: str) -> ReadError:
        """The error for a text with nothing left to index: ``NotText`` when lines were dropped, else ``otherwise``."""
        return NotText(self.dropped) if self.dropped else ReadError(otherwise)


def text_blocks(text: str) -> TextBlocks:
    """Blank-line separated blocks, each a list of non-empty lines with white space folded; lines that are not
    text (``fold_line``) are dropped and counted."""
    blocks = TextBlocks()
    current: list[str] = []
    for raw in text.split("\n"):
        line = fold_line(raw)
        if line is None:
            blocks.dropped += len(raw)
        elif line:
            current.append(line)
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    return blocks


def join_wrapped(block: list[str]) -> list[tuple[str, bool]]:
    """Join wrapped lines; return (paragraph, wrapped_without_punctuation) pairs.

    A line that does not end a sentence continues on the next line: that is how the
    paper's photo captions wrap ("... Tỉnh ủy / phát biểu tại hội nghị").
    """
    out: list[tuple[str, bool]] = []
    pending: list[str] = []
    for line in block:
        pending.append(line)
        if line.endswith(SENTENCE_END):
            out.append((" ".join(pending), False))
            pending = []
    if pending:
        out.append((" ".join(pending), True))
    return out


@dataclass
class Draft:
    title: str
    paragraphs: list[tuple[str, str]] = field(default_factory=list)  # (kind, text): kind is lead, body or caption
    published: str | None = None  # ISO date of the page or document
    date: str | None = None  # ISO date of the event, when the source states it outright
    author: str | None = None
    url: str | None = None
    ocr: float | None = None  # Tesseract's mean confidence (0–100) when any of the text was read from a picture
    scanned_pages: int = 0


def to_article(draft: Draft, doc_id: str, source: str) -> Article:
    """Lay paragraphs out as Article.text (blank line between them) and settle which date is the article's."""
    parts: list[str] = []
    spans: list[Paragraph] = []
    pos = 0
    for kind, para in draft.paragraphs:
        if parts:
            pos += 2  # the blank line between paragraphs
        spans.append(Paragraph(kind, pos, pos + len(para)))
        parts.append(para)
        pos += len(para)
    lead = draft.paragraphs[0][1] if draft.paragraphs else ""
    when = draft.date or event_date(draft.title, lead, draft.published) or draft.published
    return Article(
        doc_id=doc_id,
        title=draft.title,
        date=when,
        text="\n\n".join(parts),
        paragraphs=spans,
        author=draft.author,
        url=draft.url,
        source=source,
        published=draft.published,
        ocr=draft.ocr,
        scanned_pages=draft.scanned_pages,
    )
