"""Dates in bulletins: the page's date, the event's date, and dates written out in words.

A provincial paper's lead opens with the day of the event, usually without the year:
"LSO-Chiều nay (25/12), Ban Dân vận Tỉnh ủy tổ chức hội nghị tổng kết công tác dân vận năm 2018".
Pages are often re-published later (the seed's page says 06/03/2021), so the event's date is what a
cadre calls the article's date. The rule, applied only to that opening of the lead:

1. "(25/12/2018)" or "Ngày 25/12/2018," gives the full date.
2. "(25/12)" takes its year from the first year the title, then the lead, names ("năm 2018"), if that
   day in that year is not after the page's date.
3. Otherwise the last 25/12 not after the page's date.
4. Without a page date or a year, no event date: never a guess.
"""

from __future__ import annotations

import re
from datetime import date

__all__ = ["event_date", "parse_date", "parse_written_date"]

_DATE_RE = re.compile(r"\b(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{4})\b")
_ISO_RE = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})")
# "ngày 15 tháng 12 năm 2018": how official documents date themselves (at the top, after the place).
_WRITTEN_RE = re.compile(r"ngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+(\d{4})", re.IGNORECASE)
# The lead's opening: up to the first comma or 60 characters, where the paper puts the day.
_LEAD_DAY_RE = re.compile(
    r"\((\d{1,2})\s*/\s*(\d{1,2})(?:\s*/\s*(\d{4}))?\)|^\W*(?:[A-ZĐ]{2,8}\W+)?ngày\s+(\d{1,2})\s*/\s*(\d{1,2})(?:\s*/\s*(\d{4}))?",
    re.IGNORECASE,
)
_YEAR_RE = re.compile(r"\b(?:năm\s+)?((?:19|20)\d{2})\b", re.IGNORECASE)


def _make(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None


def parse_date(value: str | None) -> str | None:
    """'Thứ bảy, 06/03/2021', '2021-03-06' or 'ngày 6 tháng 3 năm 2021' → '2021-03-06'; else None."""
    if not value:
        return None
    m = _ISO_RE.match(value)
    if m:
        y, mo, d = (int(g) for g in m.groups())
    else:
        m = _DATE_RE.search(value) or _WRITTEN_RE.search(value)
        if not m:
            return None
        d, mo, y = (int(g) for g in m.groups())
    found = _make(y, mo, d)
    return found.isoformat() if found else None


def parse_written_date(text: str) -> str | None:
    """The first "ngày … tháng … năm …" in ``text`` as an ISO date (an official document's own date)."""
    m = _WRITTEN_RE.search(text)
    if not m:
        return None
    found = _make(int(m.group(3)), int(m.group(2)), int(m.group(1)))
    return found.isoformat() if found else None


def event_date(title: str, lead: str, page_date: str | None) -> str | None:
    """The day the lead says the event happened (see the module's rule), or None."""
    opening = lead[:120]
    m = _LEAD_DAY_RE.search(opening)
    if not m or m.start() > 60:
        return None
    d, mo, y = (m.group(1), m.group(2), m.group(3)) if m.group(1) else (m.group(4), m.group(5), m.group(6))
    day, month = int(d), int(mo)
    if y:
        full = _make(int(y), month, day)
        return full.isoformat() if full else None
    page = date.fromisoformat(page_date) if page_date else None
    for text in (title, lead):
        for ym in _YEAR_RE.finditer(text):
            candidate = _make(int(ym.group(1)), month, day)
            if candidate and (page is None or candidate <= page):
                return candidate.isoformat()
            break  # only the first year each text names
    if page is None:
        return None
    for year in (page.year, page.year - 1):
        candidate = _make(year, month, day)
        if candidate and candidate <= page:
            return candidate.isoformat()
    return None
