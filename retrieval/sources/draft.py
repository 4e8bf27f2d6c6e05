"""What every reader produces: a title, paragraphs and metadata, laid out as an Article with offsets."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from retrieval.model import Article, Paragraph
from retrieval.sources.dates import event_date

__all__ = ["LEAD_TAG_RE", "SENTENCE_END", "Draft", "ReadError", "join_wrapped", "text_blocks", "to_article"]

# The paper's tag at the start of a lead: "LSO-Chiều nay ...", "LSO - ...", "(LSO) ...".
LEAD_TAG_RE = re.compile(r"^\(?[A-ZĐ]{2,8}\)?\s*[-–—:]\s*\S")
SENTENCE_END = tuple(".!?…:;\"”)»'")


class ReadError(ValueError):
    """A file (or part of one) no reader can turn into articles; the message says why, for the maintainer."""


def text_blocks(text: str) -> list[list[str]]:
    """Blank-line separated blocks, each a list of non-empty lines with white space folded."""
    blocks: list[list[str]] = []
    current: list[str] = []
    for raw in text.split("\n"):
        line = " ".join(raw.split())
        if line:
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
    )
