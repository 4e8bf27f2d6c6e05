"""Counts in a quote ("34 đồng chí", "74,78%", "khoảng 20%"): the finder of bao nhiêu / mấy."""

from __future__ import annotations

import re

from retrieval.search.answer.dates import YEAR_RE
from retrieval.search.answer.neighbourhood import context_score, first_word_end, key, word_before, words_before
from retrieval.search.query import Query
from retrieval.text.lexicon import COUNT_UNITS, DURATION_UNITS, NUMBER_QUALIFIERS

__all__ = ["LEAD_BONUS", "MEASURE_BONUS", "SPELLED_PENALTY", "numbers"]

_MAGNITUDE = r"(?:\s+(?:nghìn|ngàn|triệu|tỷ|tỉ|trăm))*"
_NUM = r"\d+(?:[.,]\d+)*(?:\s?%)?"
# A count, a range ("70-90 triệu", "3-5%", "22 đến 33") or a one-in-N rate ("1/1.250"); never the digits
# after a thousands dot, a date's "5/1" or a year's "1/2018".
_NUMBER_RE = re.compile(
    r"(?<![\w/])(?<!\d[.,])(?:(-?"
    + _NUM
    + ")"
    + _MAGNITUDE
    + r"(?:\s?[-–]\s?|\s+(?:đến|tới)\s+)"
    + _NUM
    + _MAGNITUDE
    + r"|1/(?:\d{1,3}(?:\.\d{3})+|\d{3})|(-?"
    + _NUM
    + ")"
    + _MAGNITUDE
    + r")(?![\w/])"
)

# Counts written in words ("ba lần", "hai tuần", "một triệu người"): answers only with a counted noun after them.
_SPELLED_RE = re.compile(r"(?<!\w)(?:một|hai|ba|bốn|năm|sáu|bảy|tám|chín|mười)" + _MAGNITUDE + r"(?!\w)", re.IGNORECASE)
SPELLED_PENALTY = 1.0  # a word like "một" or "ba" is more often an article or a noun than a count


def _number_matches(text: str) -> list[tuple[int, int, str, bool]]:
    """(start, end, first number, spelled) of every number in ``text``."""
    out = [(m.start(), m.end(), m.group(1) or m.group(2) or m.group(), False) for m in _NUMBER_RE.finditer(text)]
    out += [(m.start(), m.end(), m.group(), True) for m in _SPELLED_RE.finditer(text)]
    return out


def numbers(text: str, query: Query, qkeys: set[str]) -> list[tuple[float, int, int]]:
    focus = query.focus
    wants_percent = query.wants_percent
    asked = set(re.findall(r"\d+(?:[.,]\d+)*", query.text))  # numbers the question itself gives
    units = query.units
    out = []
    for start, end, first, spelled in _number_matches(text):
        whole = text[start:end]
        before = text[max(0, start - 6) : start].lower()
        if YEAR_RE.fullmatch(first) and re.search(r"năm\s*$", before):
            continue  # "năm 2018" is a date, not a count
        score = context_score(text, start, end, qkeys) - (SPELLED_PENALTY if spelled else 0.0)
        if whole.rstrip("%").strip() in asked:
            score -= 5.0  # "Trong số 10 bệnh nhân, bao nhiêu …": the answer is not the 10
        is_percent = whole.endswith("%")
        if wants_percent:
            score += 3.0 if is_percent else -1.0
        if query.lead and _follows(text, start, query.lead):
            score += LEAD_BONUS
        if units is not None:  # "nặng bao nhiêu": a weight, in kg
            score += MEASURE_BONUS if _unit_after(text, end) in units else -1.0
        tail = list(re.finditer(r"[^\W\d_]+", text[end : end + 40]))
        if query.wants_duration:  # "bao lâu": a number of years, days, hours
            score += 3.0 if tail and not text[end : end + tail[0].start()].strip() and tail[0].group().lower() in DURATION_UNITS else -1.0
        same = 0
        for i, w in enumerate(tail[: len(focus)]):
            gap = text[end + (tail[i - 1].end() if i else 0) : end + w.start()]
            if key(w.group()) != focus[i] or re.search(r"[^\w\s]", gap) or (spelled and gap.strip()):
                break
            same += 1
        if same:
            two = " ".join(w.group().lower() for w in tail[:2]) if len(tail) > 1 else ""
            one = tail[0].group().lower()
            # The counted noun ends at the longest of: a unit of two syllables, of one, the first word
            # ("10.400 trường hợp", not "trường" the school), then a name that qualifies it
            # ("5.000 người Anh") or a rate the question names ("ba ngày một tuần").
            ends = [end + tail[1].end()] if same >= 2 and two in COUNT_UNITS else []
            ends += [end + tail[0].end()] if one in COUNT_UNITS else []
            word_end = first_word_end(text, end, same)
            ends += [word_end] if word_end else []
            stop = max(ends) if ends else end + tail[same - 1].end()
            for i, w in enumerate(tail[:same]):
                if end + w.end() <= stop:
                    continue
                rate = i + 1 < same and w.group().lower() in ("một", "mỗi")  # "ba ngày một tuần"
                if not (rate or w.group().istitle()) or text[stop : end + w.start()].strip():
                    break  # only the words right after it: "100.000 ca" of "ca nhiễm HIV" stays
                stop = end + (tail[i + 1].end() if rate else w.end())
            end = stop
            score += 6.0
        elif spelled:
            if not (_spelled_duration(text, start, end, tail) and query.wants_duration):
                continue  # "một người" is mostly "a person": a count in words must name the question's noun
            end += tail[0].end()  # ... or, asked "bao lâu", a unit of time ("ba năm", "hai tuần")
        elif not is_percent and tail and not text[end : end + tail[0].start()].strip() and tail[0].group().lower() in COUNT_UNITS:
            two = " ".join(w.group().lower() for w in tail[:2]) if len(tail) > 1 else ""
            end = end + (
                tail[1].end() if two in COUNT_UNITS and not text[end + tail[0].end() : end + tail[1].start()].strip(" ") else tail[0].end()
            )
            score += 0.5
        elif (
            not is_percent
            and tail
            and not text[end : end + tail[0].start()].strip()
            and tail[0].group()[0].islower()  # a unit, not a name ("vắcxin ComBE Five 2 ComBE")
            and key(tail[0].group()) in qkeys
        ):
            word_end = first_word_end(text, end, 2)  # "tối đa 30 ký tự" asked about ký tự: the noun is the unit
            end = word_end if word_end else end + tail[0].end()
        out.append((score, _qualified_start(text, start, query), end))
    return out


MEASURE_BONUS = 2.0  # the number is in a unit of what the question measures


def _spelled_duration(text: str, start: int, end: int, tail: list[re.Match[str]]) -> bool:
    """A count in words right before a unit of time ("ba năm", "hai tuần"); not "một", which is as often "a" as
    "one" ("khoảng một năm sau", "hơn một tuần nay")."""
    return (
        bool(tail)
        and not text[end : end + tail[0].start()].strip()
        and tail[0].group().lower() in DURATION_UNITS
        and text[start:end].lower() != "một"
    )


def _unit_after(text: str, end: int) -> str:
    """The unit right after a number ("400 kg", "1,5 m", "37 độ C", "2 triệu đồng"), lower case; "" when none."""
    m = re.match(r"\s?((?:nhân dân tệ)|[^\W\d_]+[²2]?|°c)", text[end : end + 16], re.IGNORECASE)
    return m.group(1).lower() if m else ""


_QUALIFIERS = words_before(NUMBER_QUALIFIERS)
LEAD_BONUS = 3.0  # the number follows the word the question puts before "bao nhiêu" ("nặng 2 kg", "thế hệ 3")


def _follows(text: str, start: int, lead: tuple[str, ...]) -> bool:
    """Whether the number at ``start`` follows the question's last word before "bao nhiêu", qualifiers aside."""
    m = word_before(_QUALIFIERS, text, start)
    before = re.findall(r"[^\W\d_]+", text[max(0, (m.start() if m else start) - 30) : m.start() if m else start])
    return bool(before) and key(before[-1]) == lead[-1]


def _qualified_start(text: str, start: int, query: Query) -> int:
    """Move a number's start back over a qualifier that belongs to it ("khoảng 20%", "hơn 100.000 ca"),
    unless the question says it already ("… lên tới bao nhiêu?" is answered by "40%")."""
    m = word_before(_QUALIFIERS, text, start)
    if m and key(" ".join(m.group().split())) + " bao nhieu" in key(query.text):
        return start
    return m.start() if m else start
