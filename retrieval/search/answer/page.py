"""The underlines of a page of quotes, read together: where quotes from different articles answer differently,
only the most confident keeps its underline."""

from __future__ import annotations

from collections.abc import Sequence

from retrieval.search.answer.marking import Marks
from retrieval.search.answer.span import Span
from retrieval.text.normalize import fold_text

__all__ = ["RIVALS", "settle"]

# The answer's first quotes, read together whatever the page size: the bot's page of three (and ``ask``'s default).
RIVALS = 3

_EDGES = " \t\n.,;:!?\"'()[]«»“”‘’…-–"


def _same_answer(a: str, b: str) -> bool:
    """Whether two candidates say the same ("34 đồng chí" and "34 đồng chí,"; "34" inside "34 đồng chí")."""
    a, b = (" ".join(fold_text(t).split()).strip(_EDGES) for t in (a, b))
    return bool(a) and bool(b) and (a in b or b in a)


def settle(page: Sequence[tuple[str, Marks]]) -> list[Span | None]:
    """The underline each quote of ``page`` (its article's id, its marks) keeps, in order.

    A quote's answer stands only when no quote from another article holds a different candidate at least as
    confident: two articles answering the same question differently, as well as each other, mean the first quote
    may be the wrong story (seven wrong underlines in ten were in a first quote from another article), and a
    wrong underline misleads more than none. Quotes of the same article may name several numbers; they are
    weighed inside ``marks`` already. The bold sentences stay as they are.
    """
    kept: list[Span | None] = []
    for i, (article, own) in enumerate(page):
        answer = own.answer
        if answer is not None and own.choice is not None:
            for j, (other_article, other) in enumerate(page):
                if j == i or other_article == article or other.choice is None or other.confidence <= 0:
                    continue
                if other.confidence >= own.confidence and not _same_answer(other.choice.span.text, own.choice.span.text):
                    answer = None
                    break
        kept.append(answer)
    return kept
