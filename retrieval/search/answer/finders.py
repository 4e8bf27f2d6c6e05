"""The typed finders: the question's answer type picks one, and the best candidate is the answer."""

from __future__ import annotations

from retrieval.search.answer.dates import dates
from retrieval.search.answer.names import people, places
from retrieval.search.answer.neighbourhood import key
from retrieval.search.answer.numbers import numbers
from retrieval.search.answer.span import Span
from retrieval.search.query import Query

__all__ = ["candidates", "find_answer"]


def candidates(query: Query, passage: str) -> list[tuple[float, int, int]]:
    """(score, start, end) of every span of ``passage`` that could answer ``query``."""
    qtype = query.qtype
    if qtype is None or not passage:
        return []
    qkeys = {key(s) for s in query.syllables}
    if qtype == "number":
        cands = numbers(passage, query, qkeys)
    elif qtype in ("date", "year"):
        cands = dates(passage, qkeys, year_only=qtype == "year", grain=query.grain)
    elif qtype == "person":
        cands = people(passage, qkeys)
    else:
        cands = places(passage, qkeys)
    return cands


def find_answer(query: Query, passage: str) -> Span | None:
    """The verbatim span of ``passage`` that answers ``query``, or None."""
    cands = candidates(query, passage)
    if not cands:
        return None
    _score, start, end = max(cands, key=lambda c: (c[0], -c[1]))
    return Span(passage[start:end], start, end)
