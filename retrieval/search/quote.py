"""A quote's extent: the passage, widened by a sentence where the sentence that answers meets a cut.

Long paragraphs are cut into passages at sentence ends, and an answer is often the sentence just
after the one that matches the question ("… cho biết phòng khám … . Đây là phòng khám do …"). So
a quote whose best sentence closes its passage takes the next sentence of the same paragraph, and
one whose best sentence opens it takes the previous one. Never across a paragraph break: a
paragraph quoted whole stays as it was written.
"""

from __future__ import annotations

from retrieval.search.sentences import sentence_spans

__all__ = ["REACH", "make_quote", "unshown", "widen"]

REACH = 400  # characters read on either side; a neighbouring sentence longer than this is left out


def _previous_sentence(before: str) -> int:
    """Length of the tail of ``before`` holding its last whole sentence in the same paragraph (0: none)."""
    cut = before.rfind("\n")
    paragraph = before[cut + 1 :]
    if not paragraph.strip():
        return 0
    spans = sentence_spans(paragraph)
    start = spans[-1][0] if spans else 0
    if start == 0 and cut < 0 and len(before) >= REACH:
        return 0  # the reach ended inside this sentence: it is longer than a quote should grow
    return len(paragraph) - start


def _next_sentence(after: str) -> int:
    """Length of the head of ``after`` through its first whole sentence in the same paragraph (0: none)."""
    spans = sentence_spans(after)
    if not spans or "\n" in after[: spans[0][0]]:
        return 0
    end = spans[0][1]
    if end >= len(after.rstrip()) and len(after) >= REACH:
        return 0  # no sentence end within the reach
    return end


def widen(before: str, passage: str, after: str, best: tuple[float, int, int]) -> tuple[int, int]:
    """How many characters of ``before`` (its end) and of ``after`` (its start) the quote takes in, given the
    passage's best sentence (``best_sentence``: share of the question, start, end)."""
    share, start, end = best
    if share <= 0:
        return 0, 0
    lead = _previous_sentence(before) if not passage[:start].strip() else 0
    tail = _next_sentence(after) if not passage[end:].strip() else 0
    return lead, tail


def unshown(start: int, end: int, text: str, shown: list[tuple[int, int]]) -> tuple[int, int]:
    """The part of the quote ``text`` (at ``start``..``end`` in its article) that quotes above it, at those
    article ranges, do not show: an overlap at either edge is cut, white space with it. Passages never
    overlap, so only a widened edge can; a quote that would be left empty is kept whole."""
    cut_start, cut_end = start, end
    for s, e in shown:
        if s <= cut_start < e:
            cut_start = e
        if s < cut_end <= e:
            cut_end = s
    if cut_start >= cut_end:
        return 0, len(text)
    piece = text[cut_start - start : cut_end - start]
    lo = cut_start - start + (len(piece) - len(piece.lstrip()))
    hi = cut_end - start - (len(piece) - len(piece.rstrip()))
    return (lo, hi) if lo < hi else (0, len(text))


def make_quote(
    before: str, passage: str, after: str, best: tuple[float, int, int], start: int, shown: list[tuple[int, int]]
) -> tuple[str, tuple[int, int]]:
    """The quote of a passage found at ``start`` in its article, and the article range it covers:
    widened around its best sentence, less what the quotes above (``shown`` ranges) already show."""
    lead, tail = widen(before, passage, after, best)
    text = before[len(before) - lead :] + passage + after[:tail]
    begin = start - lead
    lo, hi = unshown(begin, begin + len(text), text, shown)
    return text[lo:hi], (begin + lo, begin + hi)
