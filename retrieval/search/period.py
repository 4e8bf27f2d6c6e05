"""Dates and periods in a question: "năm 2018", "tháng 12/2018", "tuần này", "hôm qua", "mới nhất".

Read on the accent-free question, so "thang 12/2018" and "moi nhat" work as typed on a phone.
Relative periods are resolved against ``today`` (the caller's clock, injectable for tests).
The rule the engine applies is in README "How a question is answered".
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, replace
from datetime import date, timedelta

from retrieval.text.normalize import fold_accents

__all__ = ["Period", "find_period", "fold_keep_offsets"]


@dataclass(frozen=True)
class Period:
    """What the question asks about in time: a range of days, or "the most recent" (``recent``)."""

    label: str  # in Vietnamese, as the bot shows it: "tháng 12/2018", "năm 2018", "tuần này (23/11–29/11/2026)"
    start: date | None = None  # inclusive; None with ``recent``
    end: date | None = None
    recent: bool = False
    yearless: tuple[int, int] | None = None  # (day, month) of "ngày 14/3": that day in any year
    relative: bool = False  # "hôm qua", "tháng trước": words the bulletins never use that way, not scored
    spans: tuple[tuple[int, int], ...] = ()  # where the period's words are in the question
    mentions: tuple[str, ...] = ()  # accent-free regexes that say the period in an article's text
    needle: str = ""  # a string every mention holds (the year): texts without it are not folded and searched

    def contains(self, day: date) -> bool:
        if self.yearless:
            return (day.day, day.month) == self.yearless
        return self.start is not None and self.end is not None and self.start <= day <= self.end

    def heading(self, in_archive: bool = True) -> str:
        """The line shown above the quotes, so a cadre sees which dates were understood; ``in_archive`` False:
        no quote comes from the period, and the line says so before the nearest ones."""
        if not in_archive:
            where = "về" if self.yearless else "trong"
            return f"Không có bài nào {where} {self.label}. Các bài gần nhất với câu hỏi:"
        if self.yearless:
            return f"Các bài về {self.label}, mới nhất trước:"
        if self.start is None:
            return f"Các bài {self.label}:"
        if self.recent:
            return f"Các bài mới nhất trong {self.label}:"
        return f"Các bài trong {self.label}:"

    def as_dict(self) -> dict[str, str | bool | None]:
        return {
            "label": self.label,
            "start": self.start.isoformat() if self.start else None,
            "end": self.end.isoformat() if self.end else None,
            "recent": self.recent,
            "heading": self.heading(),
        }


def fold_keep_offsets(text: str) -> str:
    """Lower-case, accent-free, one character per character (offsets stay valid in the original)."""
    out = []
    for ch in text.lower():
        folded = fold_accents(ch)
        out.append(folded if len(folded) == 1 else ch)
    return "".join(out)


def _day(d: date) -> str:
    return f"{d.day:02d}/{d.month:02d}/{d.year}"


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _ok_year(y: int) -> bool:
    return 1945 <= y <= 2100


def _month_mentions(year: int, month: int) -> tuple[str, ...]:
    return (
        rf"\bthang\s+0?{month}\s*(?:/|-|\.|\s+nam\s+)\s*{year}\b",
        rf"\b\d{{1,2}}\s*/\s*0?{month}\s*/\s*{year}\b",
        rf"\b0?{month}/{year}\b",
    )


_RECENT_LABELS = {
    "moi nhat": "mới nhất",
    "gan day": "gần đây",
    "gan day nhat": "gần đây nhất",
    "gan nhat": "gần nhất",
    "moi day": "mới đây",
    "vua qua": "vừa qua",
}
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}

# Each pattern: (compiled regex on the folded question, builder(match, today) -> Period | None).
_DATE = r"(\d{1,2})\s*[/.-]\s*(\d{1,2})"
_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(rf"\b(?:ngay\s+)?{_DATE}\s*[/.-]\s*(\d{{4}})\b"), "day"),
    (re.compile(r"\bngay\s+(\d{1,2})\s+thang\s+(\d{1,2})\s+nam\s+(\d{4})\b"), "day"),
    (re.compile(r"\bthang\s+(\d{1,2})\s*(?:/|-|\.|\s+nam\s+|\s+)\s*(\d{4})\b"), "month"),
    (re.compile(r"\bquy\s+(i{1,3}|iv|[1-4])\s*(?:/|-|\s+nam\s+|\s+)\s*(\d{4})\b"), "quarter"),
    (re.compile(r"\bnam\s+(\d{4})\b"), "year"),
    (re.compile(r"\b(tuan|thang|nam)\s+(nay|truoc|ngoai|qua)\b(?!\s+\d)"), "relative"),
    (re.compile(r"\b(hom)\s+(nay|qua|kia)\b"), "relative"),
    (re.compile(rf"\bngay\s+{_DATE}\b(?!\s*[/.-]\s*\d)"), "day-no-year"),
    # "tin mới nhất về …": the request words around it are not what the article is about either
    (
        re.compile(
            r"\b(?:(?:cac\s+)?(?:tin tuc|thong tin|tin|bai viet|bai)\s+)?(moi nhat|gan day nhat|gan day|gan nhat|moi day|vua qua|moi dang)(?:\s+ve)?\b"
        ),
        "recent",
    ),
]


def _relative(unit: str, which: str, today: date) -> tuple[date, date, str] | None:
    """('tuan', 'nay'), ('thang', 'truoc'), ('nam', 'ngoai'), ('hom', 'qua') → (start, end, label)."""
    back = 0 if which == "nay" else 1
    if which == "qua" and unit != "hom":  # "tuần qua", "năm qua": the last 7 days, 12 months, up to today
        days = {"tuan": 7, "thang": 31, "nam": 366}[unit]
        start = today - timedelta(days=days - 1)
        name = {"tuan": "tuần qua", "thang": "tháng qua", "nam": "năm qua"}[unit]
        return start, today, f"{name} ({_day(start)}–{_day(today)})"
    if unit == "hom":
        n = {"nay": 0, "qua": 1, "kia": 2}[which]
        d = today - timedelta(days=n)
        return d, d, ["hôm nay", "hôm qua", "hôm kia"][n] + f" ({_day(d)})"
    if unit == "tuan":
        monday = today - timedelta(days=today.weekday()) - timedelta(weeks=back)
        sunday = monday + timedelta(days=6)
        name = "tuần này" if back == 0 else "tuần trước"
        return monday, sunday, f"{name} ({monday.day:02d}/{monday.month:02d}–{_day(sunday)})"
    if unit == "thang":
        year, month = today.year, today.month - back
        if month == 0:
            year, month = year - 1, 12
        name = "tháng này" if back == 0 else "tháng trước"
        return date(year, month, 1), _month_end(year, month), f"{name} ({month:02d}/{year})"
    if unit == "nam":
        year = today.year - back
        name = "năm nay" if back == 0 else "năm ngoái"
        return date(year, 1, 1), date(year, 12, 31), f"{name} ({year})"
    return None


def _build(kind: str, m: re.Match[str], today: date) -> Period | None:
    span = ((m.start(), m.end()),)
    if kind == "day":
        d, mo, y = (int(g) for g in m.groups())
        try:
            day = date(y, mo, d)
        except ValueError:
            return None
        mentions = (rf"\b0?{d}\s*/\s*0?{mo}\s*/\s*{y}\b", rf"\bngay\s+0?{d}\s+thang\s+0?{mo}\s+nam\s+{y}\b")
        return Period(f"ngày {_day(day)}", day, day, spans=span, mentions=mentions, needle=str(y))
    if kind == "day-no-year":
        d, mo = (int(g) for g in m.groups())
        try:
            date(2000, mo, d)  # a leap year: 29/2 exists
        except ValueError:
            return None
        # the same day in any year, the latest first ("mới nhất" order within it)
        # digits only: searched in the text as it is, without folding it
        return Period(
            f"ngày {d:02d}/{mo:02d}", recent=True, yearless=(d, mo), spans=span, mentions=(rf"\b0?{d}\s*/\s*0?{mo}\b",), needle="/"
        )
    if kind == "month":
        mo, y = int(m.group(1)), int(m.group(2))
        if not (1 <= mo <= 12 and _ok_year(y)):
            return None
        return Period(f"tháng {mo}/{y}", date(y, mo, 1), _month_end(y, mo), spans=span, mentions=_month_mentions(y, mo), needle=str(y))
    if kind == "quarter":
        q = _ROMAN.get(m.group(1)) or int(m.group(1))
        y = int(m.group(2))
        if not _ok_year(y):
            return None
        start, end = date(y, 3 * q - 2, 1), _month_end(y, 3 * q)
        roman = ["I", "II", "III", "IV"][q - 1]
        return Period(
            f"quý {roman}/{y}",
            start,
            end,
            spans=span,
            mentions=(rf"\bqu[yi]\s+(?:{roman.lower()}|{q})\s*(?:/|nam\s+)?\s*{y}\b",),
            needle=str(y),
        )
    if kind == "year":
        y = int(m.group(1))
        if not _ok_year(y):
            return None
        return Period(f"năm {y}", date(y, 1, 1), date(y, 12, 31), spans=span, mentions=(rf"\b{y}\b",), needle=str(y))
    if kind == "relative":
        found = _relative(m.group(1), m.group(2), today)
        if not found:
            return None
        start, end, label = found
        return Period(label, start, end, relative=True, spans=span)
    if kind == "recent":
        return Period(_RECENT_LABELS.get(m.group(1), "mới nhất"), recent=True, relative=True, spans=span)
    return None


# The accented spelling of every period word: a question typed with diacritics must spell them so
# ("gan nhất" is the liver, "Việt Nam trước đây" is no year).
_ACCENTED = {
    "nam": "năm", "thang": "tháng", "tuan": "tuần", "hom": "hôm", "truoc": "trước", "ngoai": "ngoái",
    "moi": "mới", "nhat": "nhất", "gan": "gần", "day": "đây", "vua": "vừa", "dang": "đăng", "ngay": "ngày",
    "quy": "quý", "cuoi": "cuối", "dau": "đầu",
}  # fmt: skip
# "một năm trước", "4 năm trước", "8 năm qua": a count of years ago, not last year.
_COUNTED_RE = re.compile(r"(?:\d+|mot|hai|ba|bon|nam|vai|may|nhieu|nhung|cac)\s+$")


def _spelled_right(question: str, folded: str, m: re.Match[str], accented: bool) -> bool:
    """The match is the period words as typed, not look-alikes once accents are gone."""
    original = question[m.start() : m.end()]
    if m.group(0).split()[0] in ("nam", "thang", "tuan") and original[:1].isupper() and question[: m.start()].strip() != "":
        return False  # "Việt Nam trước", "Hà Nam": a name in mid-sentence
    before = folded[max(0, m.start() - 12) : m.start()]
    if re.match(r"(tuan|thang|nam)\s+(truoc|qua)", m.group(0)) and _COUNTED_RE.search(before):
        return False
    if not accented:
        return True
    for word, folded_word in zip(original.lower().split(), m.group(0).split(), strict=False):
        want = _ACCENTED.get(folded_word)
        if want and word.strip(".,;:!?") != want:
            return False
    return True


def find_period(question: str, today: date) -> Period | None:
    """The first period the question names (an explicit one before "mới nhất"), or None."""
    folded = fold_keep_offsets(question)
    accented = folded != question.lower()
    found: list[Period] = []
    taken: list[tuple[int, int]] = []
    for pattern, kind in _PATTERNS:
        for m in pattern.finditer(folded):
            if any(s < m.end() and m.start() < e for s, e in taken):
                continue  # "tháng 12/2018" already read: its "2018" is not a year of its own
            if not _spelled_right(question, folded, m, accented):
                continue
            period = _build(kind, m, today)
            if period is not None:
                found.append(period)
                taken.append((m.start(), m.end()))
    if not found:
        return None
    explicit = [p for p in found if not p.recent]
    chosen = explicit[0] if explicit else found[0]
    if explicit and any(p.recent for p in found):
        # "tin mới nhất tháng 12/2018": the month filters, and "mới nhất" orders within it
        spans = tuple(s for p in found for s in p.spans)
        return replace(chosen, recent=True, spans=spans)
    return chosen
