"""The marks of a quote: the sentence that answers (bold) and the typed answer in it (underlined)."""

from __future__ import annotations

import re

from retrieval.search.answer.finders import candidates, find_answer
from retrieval.search.answer.neighbourhood import SYL_RE
from retrieval.search.answer.span import Span
from retrieval.search.query import Query
from retrieval.search.sentences import SentenceWeights, sentence_shares
from retrieval.text.lexicon import CONTINUATION_OPENERS
from retrieval.text.normalize import fold_text

__all__ = ["IN_SENTENCE_BONUS", "MOVE_SHARE", "NEW_WORDS_MIN", "mark"]


# A typed answer found outside the best sentence moves the mark to its sentence only when that sentence
# holds at least this share of the best one's weight ("vào mùa đông" should not lose to a funeral's date).
MOVE_SHARE = 0.5
# A candidate inside the best sentence is preferred by this much (a count of the question's own noun, +6,
# still wins from a neighbouring sentence that holds enough of the question).
IN_SENTENCE_BONUS = 3.0
# A best sentence with fewer words than this beyond the question's restates it ("Tuy nhiên, không nên ăn
# nhiều bì lợn."): the answer follows, so the next sentence is marked with it.
NEW_WORDS_MIN = 8
_CONTINUES_RE = re.compile(r"(?:" + "|".join(re.escape(w) for w in CONTINUATION_OPENERS) + r")(?!\w)", re.IGNORECASE)


def _new_words(text: str, weights: SentenceWeights) -> int:
    """Syllables of ``text`` that the question does not have."""
    return sum(1 for m in SYL_RE.finditer(fold_text(text)) if m.group() not in weights.syllables)


def _typed_answer(query: Query, passage: str, shares: list[tuple[float, int, int]], best: int) -> tuple[Span | None, int]:
    """The typed answer of a quote and the sentence to mark with it (``best`` unless the answer moves it)."""
    top = shares[best][0]
    ranked = []
    for score, start, end in candidates(query, passage):
        holder = next((i for i, (_, s, e) in enumerate(shares) if s <= start and end <= e), None)
        strong = holder is not None and shares[holder][0] >= MOVE_SHARE * top
        ranked.append((strong, score + (IN_SENTENCE_BONUS if holder == best else 0.0), -start, end, holder))
    if not ranked:
        return None, best
    strong, _, neg_start, end, holder = max(ranked, key=lambda r: r[:4])
    return Span(passage[-neg_start:end], -neg_start, end), holder if strong and holder is not None else best


def mark(query: Query, passage: str, weights: SentenceWeights) -> tuple[Span | None, Span | None]:
    """(the sentence that answers, the typed answer) of one quote; either may be None.

    The sentence holds most of the question's weight. A typed answer (number, date, person, place)
    is preferred inside it; one in another sentence that holds enough of the question moves the mark
    there, one elsewhere is marked on its own. The next sentence joins the mark when it continues
    this one ("Đây là…") or when this one only restates the question.
    """
    shares = sentence_shares(passage, weights)
    best = max(range(len(shares)), key=lambda i: (shares[i][0], -i))
    if shares[best][0] <= 0:
        return None, find_answer(query, passage)
    answer, best = _typed_answer(query, passage, shares, best) if query.qtype else (None, best)
    _, start, end = shares[best]
    if (answer is None or not start <= answer.start < end) and best + 1 < len(shares):
        next_start, next_end = shares[best + 1][1:]
        if "\n" not in passage[end:next_start] and (
            _CONTINUES_RE.match(passage, next_start) or _new_words(passage[start:end], weights) < NEW_WORDS_MIN
        ):
            end = next_end
            later = find_answer(query, passage[start:end]) if query.qtype else None
            if later is not None:
                answer = Span(later.text, start + later.start, start + later.end)
    return Span(passage[start:end], start, end), answer
