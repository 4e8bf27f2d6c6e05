"""The underlines of a page of quotes, read together: where quotes from different articles answer differently,
only the most confident keeps its underline."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from retrieval.search.answer.marking import Marks
from retrieval.search.answer.span import Span
from retrieval.text.normalize import fold_text

__all__ = ["RIVALS", "Quote", "settle"]

# The answer's first quotes, read together whatever the page size: the bot's page of three (and ``ask``'s default).
RIVALS = 3

_EDGES = " \t\n.,;:!?\"'()[]«»“”‘’…-–"
_WORD_RE = re.compile(r"[^\W\d_]+")


@dataclass(frozen=True)
class Quote:
    """One quote of the page as ``settle`` reads it: its article, its text and its marks."""

    article: str
    text: str
    marks: Marks


def _same_answer(a: str, b: str) -> bool:
    """Whether two candidates say the same ("34 đồng chí" and "34 đồng chí,"; "34" inside "34 đồng chí")."""
    a, b = (" ".join(fold_text(t).split()).strip(_EDGES) for t in (a, b))
    return bool(a) and bool(b) and (a in b or b in a)


def _words(text: str) -> set[str]:
    return set(_WORD_RE.findall(fold_text(text)))


def _named(question: str) -> set[str]:
    """The words a question capitalises past its first (a person, a place: "Xã Đề Thám có …" → de, tham), folded;
    abbreviations (UBND) left out, as bulletins write them either way."""
    words = list(_WORD_RE.finditer(question))
    return {fold_text(w.group()) for w in words[1:] if w.group()[0].isupper() and not w.group().isupper()}


def settle(page: Sequence[Quote], question: str) -> list[Span | None]:
    """The underline each quote of ``page`` keeps, in order.

    A quote's answer stands only when no quote from another article holds a different candidate at least as
    confident: two articles answering the same question differently, as well as each other, mean the first quote
    may be the wrong story (seven wrong underlines in ten were in a first quote from another article), and a
    wrong underline misleads more than none. A quote that lacks every name of the question this one holds ("Xã Đề
    Thám" asked and quoted here, absent there) is about someone or somewhere else and contradicts nothing. Quotes
    of the same article may name several numbers; they are weighed inside ``marks`` already. The bold sentences
    stay as they are.
    """
    named = _named(question)
    words = [_words(q.text) for q in page] if named else []
    kept: list[Span | None] = []
    for i, own in enumerate(page):
        answer, candidate = own.marks.answer, own.marks.candidate
        held = named & words[i] if named else set()
        if answer is not None and candidate is not None:
            for j, other in enumerate(page):
                rival = other.marks.candidate
                if j == i or other.article == own.article or rival is None or other.marks.confidence <= 0:
                    continue
                if held and not held & words[j]:
                    continue  # about another place or person than the one asked
                if other.marks.confidence >= own.marks.confidence and not _same_answer(rival.text, candidate.text):
                    answer = None
                    break
        kept.append(answer)
    return kept
