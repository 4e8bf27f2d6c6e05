"""A question read against its index and its conversation: the query, how far it leans, the lift."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date

from retrieval.search.config import RankerConfig
from retrieval.search.conversation import Reading, Turn, is_contrast, read_follow_up, without_contrast
from retrieval.search.query import Query, merge_queries, parse_question
from retrieval.search.reader import IndexReader

__all__ = ["MIN_LIFT", "Understood", "understand"]

MIN_LIFT = 0.01  # a lift under this share of the best score changes nothing worth its cost: not applied


@dataclass(frozen=True)
class Understood:
    """The query to rank, and what the conversation gave it."""

    query: Query
    reading: Reading | None = None  # None: asked without a conversation
    asked: str = ""  # the question as understood, when it took the earlier question's words
    carried: tuple[str, ...] = ()  # the words it took
    lift: dict[int, float] = field(default_factory=dict)  # article row → share of the best score its passages gain


def understand(reader: IndexReader, config: RankerConfig, question: str, today: date | None, context: Sequence[Turn]) -> Understood:
    """``question`` parsed (``today``: the day "hôm qua" counts from), read after ``context`` (newest last)."""
    query = _parse(reader, config, question, today)
    if not context:
        return Understood(query)
    own = query
    if is_contrast(question):
        rest = without_contrast(question)
        own = _parse(reader, config, rest, today) if rest else replace(query, terms={n: [] for n in query.terms}, syllables=())
    reading = read_follow_up(question, len(set(own.terms["fold1"])), context, config.follow_up)
    asked, carried = "", tuple[str, ...]()
    if reading.carry:
        merged, asked, carried = merge_queries(own, context[-1].understood, today, config.periods, said=question)
        query = _undated(reader, merged)
    return Understood(query, reading, asked, carried, _lift(reader, config, reading))


def _parse(reader: IndexReader, config: RankerConfig, question: str, today: date | None) -> Query:
    return _undated(reader, parse_question(question, today, config.periods))


def _undated(reader: IndexReader, query: Query) -> Query:
    """An archive without dates (a QA set, an old export) is matched on words alone: a period could only
    reorder it by chance."""
    if query.period is not None and not reader.dated():
        return replace(query, period=None, cover_terms=None)
    return query


def _lift(reader: IndexReader, config: RankerConfig, reading: Reading) -> dict[int, float]:
    """Article row → share of the best score a passage of it gains (the conversation's weight × lean × boost)."""
    if reading.lean <= 0 or not reading.weights:
        return {}
    scale = config.follow_up.boost * reading.lean
    wanted = [doc_id for doc_id, weight in reading.weights.items() if scale * weight >= MIN_LIFT]
    rows = reader.store.article_rows(wanted)
    return {row: scale * reading.weights[doc_id] for doc_id, row in rows.items()}
