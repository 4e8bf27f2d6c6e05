"""Dates and times in a quote ("15h chiều 5/1", "tháng 12/2018", "năm 2018"): the finder of khi nào / năm nào."""

from __future__ import annotations

import re

from retrieval.search.answer.neighbourhood import context_score

__all__ = ["YEAR_RE", "dates"]

YEAR_RE = re.compile(r"(?<![\w/.,])(1\d{3}|20\d{2})(?![\w/]|[.,]\d)")
# Date shapes, most specific first. Spans leave out a leading "ngày"/"năm": the date is the answer.
_DATE_RES = [
    # a time of day, with its part of the day and date when written ("15h chiều 5/1", "8h30 sáng nay")
    re.compile(
        r"(?<![\w/])\d{1,2}h(?:\d{2})?(?:\s*phút)?(?:\s+(?:sáng|chiều|tối|trưa|đêm)(?:\s+(?:nay|qua|mai))?)?"
        r"(?:\s+(?:ngày\s+)?\d{1,2}/\d{1,2}(?:/\d{2,4})?)?(?![\w/])",
        re.I,
    ),
    re.compile(r"(?:sáng|chiều|tối|trưa|đêm|hôm|ngày)\s+nay\s*\(\d{1,2}/\d{1,2}(?:/\d{2,4})?\)", re.I),
    re.compile(r"\d{1,2}\s+tháng\s+\d{1,2}(?:\s*,?\s*năm\s+\d{3,4})?", re.I),
    re.compile(r"(?<![\w/])\d{1,2}/\d{1,2}(?:/\d{2,4})?(?![\w/])"),
    re.compile(r"tháng\s+\d{1,2}(?:\s*(?:,?\s*năm\s+|/)\d{3,4})?", re.I),
    re.compile(r"thế\s+k[ỷỉ]\s+(?:thứ\s+)?[IVXLC\d]+", re.I),
    YEAR_RE,
    re.compile(r"(?:sáng|chiều|tối|trưa|đêm)\s+(?:nay|qua|mai)", re.I),
]


def dates(text: str, qkeys: set[str], year_only: bool) -> list[tuple[float, int, int]]:
    out = []
    taken: list[tuple[int, int]] = []
    for rank, pattern in enumerate(_DATE_RES):
        for m in pattern.finditer(text):
            if any(s <= m.start() < e or s < m.end() <= e for s, e in taken):
                continue
            taken.append((m.start(), m.end()))
            start, end = m.start(), m.end()
            if year_only:
                year = re.search(r"(?<!\d)(1\d{3}|20\d{2})(?!\d)", m.group())
                if not year:
                    continue
                start, end = start + year.start(), start + year.end()
                specific = 0.0
            else:
                # A day and month pins an event; a bare year usually qualifies a noun ("công tác năm 2018").
                specific = 3.0 if re.search(r"\d{1,2}\s*(?:/|tháng)\s*\d{1,2}|nay|qua|mai", m.group(), re.I) else 0.0
            score = context_score(text, start, end, qkeys) + specific + (len(_DATE_RES) - rank) * 0.05
            out.append((score, start, end))
    return out
