"""Dates and times in a quote ("15h chiều 5/1", "tháng 12/2018", "năm 2018"): the finder of khi nào / năm nào."""

from __future__ import annotations

import re

from retrieval.search.answer.neighbourhood import asked_already, context_score

__all__ = ["GRAIN_BONUS", "YEAR_RE", "dates"]

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
# When, said without a calendar: an age, a time before or after, a season, a part of the day. Tried after the
# dates above; a question asking for a season or a time of day prefers its own kind (GRAIN_BONUS).
_AGE_RE = re.compile(r"(?:khi|lúc|năm|từ)\s+(?:mới\s+|chỉ\s+|được\s+|lên\s+)?\d{1,3}(?:\s*[-–]\s*\d{1,3})?\s+(?:tháng\s+)?tuổi", re.I)
_RELATIVE_RE = re.compile(r"(?<![\w/])\d{1,3}(?:\s*[-–]\s*\d{1,3})?\s+(?:ngày|tuần|tháng|năm|giờ|tiếng)\s+(?:trước|sau|qua)(?!\w)", re.I)
_SEASON_RE = re.compile(r"(?<!\w)mùa\s+(?:xuân|hè|hạ|thu|đông|mưa|khô|nắng|lạnh|nóng|cúm|dịch|lễ hội|thi|tựu trường)(?!\w)", re.I)
_DAYTIME_RE = re.compile(
    r"(?<!\w)(?:(?:vào\s+)?buổi\s+(?:sáng|trưa|chiều|tối|đêm)(?:\s+(?:sớm|muộn))?|ban\s+(?:ngày|đêm)|sáng\s+sớm|"
    r"đêm\s+khuya|nửa\s+đêm|rạng\s+sáng|giữa\s+trưa|chiều\s+tối)(?!\w)",
    re.I,
)
_WITHOUT_CALENDAR = [("age", _AGE_RE), ("relative", _RELATIVE_RE), ("season", _SEASON_RE), ("daytime", _DAYTIME_RE)]
GRAIN_BONUS = 4.0


def dates(text: str, qkeys: set[str], year_only: bool, grain: str | None = None) -> list[tuple[float, int, int]]:
    """(score, start, end) of the dates and times in ``text``; ``grain`` (Query.grain) is the kind of time asked for
    when no calendar date answers."""
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
                # A day and month pins an event, as does a clock time; a bare year usually qualifies a noun
                # ("công tác năm 2018").
                specific = 3.0 if re.search(r"\d{1,2}\s*(?:/|tháng)\s*\d{1,2}|\d{1,2}h|nay|qua|mai", m.group(), re.I) else 0.0
            score = context_score(text, start, end, qkeys) + specific + (len(_DATE_RES) - rank) * 0.05
            out.append((score, start, end))
    if year_only:
        return out
    for kind, pattern in _WITHOUT_CALENDAR:
        for m in pattern.finditer(text):
            if any(s < m.end() and m.start() < e for s, e in taken):
                continue
            taken.append((m.start(), m.end()))
            if asked_already(re.findall(r"[^\W\d_]+", m.group()), qkeys):
                continue  # "Mùa cúm … vào thời điểm nào?": the question's own words are not its answer
            out.append((context_score(text, m.start(), m.end(), qkeys) + (GRAIN_BONUS if kind == grain else 0.0), m.start(), m.end()))
    return out
