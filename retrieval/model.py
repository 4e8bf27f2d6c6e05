"""The records that flow through the retrieval layer."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["NO_DATE", "Article", "Paragraph", "Passage", "Problem"]

# What a reader is shown for an article whose date is unknown (the bot and the terminal alike).
NO_DATE = "không rõ ngày"


@dataclass(frozen=True)
class Paragraph:
    kind: str  # "lead", "body" or "caption"
    start: int  # offsets in Article.text
    end: int


@dataclass
class Article:
    doc_id: str
    title: str
    date: str | None  # ISO date the page showed, or None
    text: str  # the body: paragraphs separated by blank lines, captions joined
    paragraphs: list[Paragraph] = field(default_factory=list)
    author: str | None = None
    url: str | None = None
    source: str = ""  # file (and line, for JSON Lines) it came from


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

    def __str__(self) -> str:
        return f"{self.source}: {self.reason}"
