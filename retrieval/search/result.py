"""What a search gives: the quotes (``Hit``) and the answer around them (``Result``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from retrieval.search.answer import Span
from retrieval.search.conversation import ContextUse, Turn
from retrieval.search.period import Period

__all__ = ["Hit", "Result"]


@dataclass
class Hit:
    passage_id: int
    doc_id: str
    title: str
    date: str | None
    text: str
    score: float
    coverage: float
    kind: str
    position: int
    answer: Span | None = None
    sentence: Span | None = None  # the sentence that answers; ``answer`` lies inside it when both exist
    published: str | None = None  # the page's date, when it differs from ``date`` (the event's)
    url: str | None = None  # the original article, when known
    ocr: float | None = None  # quoted from a scan or photo: Tesseract's mean confidence (a digit may be misread)
    disputed: bool = False  # its answer is not underlined: another article's quote answers otherwise (answer/page.py)

    def as_dict(self) -> dict[str, Any]:
        return {
            "doc_id": self.doc_id,
            "passage_id": self.passage_id,
            "title": self.title,
            "date": self.date,
            "published": self.published,
            "url": self.url,
            "ocr": self.ocr,
            "text": self.text,
            "score": round(self.score, 6),
            "answer": self.answer.as_dict() if self.answer else None,
            "disputed": self.disputed,
            "sentence": {"start": self.sentence.start, "end": self.sentence.end} if self.sentence else None,
        }


@dataclass
class Result:
    question: str
    hits: list[Hit]
    qtype: str | None
    accented: bool
    took_ms: float = 0.0  # the whole search, as its asker waits for it
    total: int = 0  # passages that passed the threshold (for paging)
    period: Period | None = None  # the dates the question was understood to ask about
    context: ContextUse | None = None  # what the conversation before it did, when one was given
    # The articles the question alone ranked best, with their share of the best score: what a
    # follow-up reads of this turn (see ``turn``).
    evidence: tuple[tuple[str, float], ...] = ()
    asked: str = ""  # the question as understood, when it took words from the one before
    # The articles in rank order behind the quotes (the first of them is the first quote's), each once, at most
    # RECALL_ARTICLES; empty when nothing is found. `eval`'s ranks, and ``articles`` in ``--json``.
    articles: tuple[str, ...] = ()
    bar: float = 0.0  # the highest not-found threshold at which something would be shown (notfound.Verdict.bar)
    in_period: bool = True  # with a period: some article is dated in it (else the quotes are the nearest)
    generation: str = ""  # the index generation the quotes were read from

    @property
    def not_found(self) -> bool:
        return not self.hits

    @property
    def disputed(self) -> bool:
        """Whether the page's first quote lost its underline because another article answers the question differently
        (a lower quote losing its own to a more confident first one is the usual case, and needs no word)."""
        return bool(self.hits) and self.hits[0].disputed

    def turn(self) -> Turn:
        """This question and what it got, as the turn a follow-up is read after."""
        return Turn(self.question, tuple(dict.fromkeys(h.doc_id for h in self.hits)), self.evidence, self.asked)

    def as_dict(self) -> dict[str, Any]:
        period: dict[str, Any] | None = None
        if self.period is not None:
            period = {**self.period.as_dict(), "in_archive": self.in_period, "heading": self.period.heading(self.in_period)}
        out: dict[str, Any] = {
            "question": self.question,
            "not_found": self.not_found,
            "period": period,
            "hits": [h.as_dict() for h in self.hits],
            "articles": list(self.articles),
        }
        if self.context is not None:
            out["context"] = self.context.as_dict()
        return out
