"""Mark the answer inside a quote: the question's answer type picks a finder, the span is found verbatim.

bao nhiêu / mấy → a number with its noun ("34 đồng chí", "74,78%"); ai → a person's
name, titles left out; khi nào / bao giờ / ngày nào / năm nào → a date or time;
năm nào → the year alone; ở đâu → a place; bao lâu → a duration ("36 năm"). A span is only ever a slice of
the passage text, and is underlined only when the question's words around it have earned it (marking.MarkConfig).
"""

from __future__ import annotations

from retrieval.search.answer.finders import find_answer
from retrieval.search.answer.marking import mark
from retrieval.search.answer.span import Span

__all__ = ["Span", "find_answer", "mark"]
