"""Mark the answer inside a quote: the question's answer type picks a finder, the span is found verbatim.

bao nhiêu / mấy → a number with its noun ("34 đồng chí", "74,78%"); ai → a person's
name, titles left out; khi nào / bao giờ / ngày nào / năm nào → a date or time;
năm nào → the year alone; ở đâu → a place. A span is only ever a slice of the passage text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from retrieval.search.query import Query
from retrieval.search.sentences import SentenceWeights, fold_text, sentence_shares
from retrieval.text.lexicon import (
    CONTINUATION_OPENERS,
    COUNT_UNITS,
    FORMS_OF_ADDRESS,
    NUMBER_QUALIFIERS,
    PLACE_AND_BODY_NOUNS,
    SURNAMES,
    TITLE_PHRASES,
    TITLE_WORDS,
)
from retrieval.text.normalize import fold_accents, normalize_syllable

__all__ = ["Span", "find_answer", "mark"]


@dataclass(frozen=True)
class Span:
    text: str
    start: int
    end: int

    def as_dict(self) -> dict:
        return {"text": self.text, "start": self.start, "end": self.end}


_SYL_RE = re.compile(r"[^\W\d_]+|\d+(?:[.,/]\d+)*%?")
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

_YEAR_RE = re.compile(r"(?<![\w/.,])(1\d{3}|20\d{2})(?![\w/]|[.,]\d)")
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
    _YEAR_RE,
    re.compile(r"(?:sáng|chiều|tối|trưa|đêm)\s+(?:nay|qua|mai)", re.I),
]
_PLACE_LEAD_RE = re.compile(r"(?<!\w)(?:tại|ở|trên địa bàn|đến|về|thuộc|trên)\s+", re.I)
_WORD_RE = re.compile(r"[^\W\d_]+")
# Words that name a kind of place and belong to it ("Quảng trường Ba Đình", "huyện Cao Lộc").
_PLACE_NOUNS = frozenset(
    [
        "quảng",
        "trường",
        "nhà",
        "văn",
        "hóa",
        "hội",
        "trường",
        "trung",
        "tâm",
        "thành",
        "phố",
        "thị",
        "xã",
        "thị",
        "trấn",
        "tỉnh",
        "huyện",
        "xã",
        "phường",
        "thôn",
        "bản",
        "làng",
        "sông",
        "núi",
        "hồ",
        "đảo",
        "vùng",
        "miền",
        "khu",
        "cảng",
        "sân",
        "bay",
        "sân",
        "vận",
        "động",
        "trường",
        "bệnh",
        "viện",
        "chợ",
        "đường",
        "phố",
    ]
)


def _key(word: str) -> str:
    return fold_accents(word.lower())


def _cap_runs(text: str, start: int = 0, anchored: bool = False) -> list[tuple[int, int]]:
    """Runs of capitalised words separated by single spaces or hyphens ("Hoàng Văn Nghiệm")."""
    runs: list[tuple[int, int]] = []
    run: tuple[int, int] | None = None
    for m in _WORD_RE.finditer(text, start):
        if anchored and run is None and m.start() != start:
            break
        if m.group()[0].isupper():
            if run is not None and text[run[1] : m.start()] in (" ", "-"):
                run = (run[0], m.end())
                continue
            if run is not None:
                runs.append(run)
                if anchored:
                    return runs
            run = (m.start(), m.end())
        elif run is not None:
            runs.append(run)
            run = None
            if anchored:
                return runs
        elif anchored:
            break
    if run is not None:
        runs.append(run)
    return runs


def _context_score(text: str, start: int, end: int, qkeys: set[str], window: int = 80) -> float:
    """How many of the question's content syllables stand near the candidate (nearer counts more)."""
    score = 0.0
    for m in _SYL_RE.finditer(text, max(0, start - window), min(len(text), end + window)):
        if m.start() >= start and m.end() <= end:
            continue
        if _key(m.group()) in qkeys:
            dist = start - m.end() if m.end() <= start else m.start() - end
            score += 1.0 / (1.0 + max(dist, 0) / 20.0)
    return score


def _first_word_end(text: str, start: int, max_syllables: int) -> int | None:
    """End of the first pyvi word after ``start`` when it has at most ``max_syllables`` syllables."""
    from retrieval.text.analyzer import tokenize_words

    window = text[start : start + 40]
    words = [w for w in tokenize_words(window) if w]
    if not words:
        return None
    sylls = words[0].split("_")
    if len(sylls) > max_syllables:
        return None
    pos = start
    for syl in sylls:
        m = re.compile(re.escape(syl), re.I).search(text, pos)
        if m is None:
            return None
        pos = m.end()
    return pos


# Counts written in words ("ba lần", "hai tuần", "một triệu người"): answers only with a counted noun after them.
_SPELLED_RE = re.compile(r"(?<!\w)(?:một|hai|ba|bốn|năm|sáu|bảy|tám|chín|mười)" + _MAGNITUDE + r"(?!\w)", re.IGNORECASE)
SPELLED_PENALTY = 1.0  # a word like "một" or "ba" is more often an article or a noun than a count


def _number_matches(text: str) -> list[tuple[int, int, str, bool]]:
    """(start, end, first number, spelled) of every number in ``text``."""
    out = [(m.start(), m.end(), m.group(1) or m.group(2) or m.group(), False) for m in _NUMBER_RE.finditer(text)]
    out += [(m.start(), m.end(), m.group(), True) for m in _SPELLED_RE.finditer(text)]
    return out


def _numbers(text: str, query: Query, qkeys: set[str]) -> list[tuple[float, int, int]]:
    focus = query.focus
    wants_percent = query.wants_percent
    asked = set(re.findall(r"\d+(?:[.,]\d+)*", query.text))  # numbers the question itself gives
    out = []
    for start, end, first, spelled in _number_matches(text):
        whole = text[start:end]
        before = text[max(0, start - 6) : start].lower()
        if _YEAR_RE.fullmatch(first) and re.search(r"năm\s*$", before):
            continue  # "năm 2018" is a date, not a count
        score = _context_score(text, start, end, qkeys) - (SPELLED_PENALTY if spelled else 0.0)
        if whole.rstrip("%").strip() in asked:
            score -= 5.0  # "Trong số 10 bệnh nhân, bao nhiêu …": the answer is not the 10
        is_percent = whole.endswith("%")
        if wants_percent:
            score += 3.0 if is_percent else -1.0
        tail = list(re.finditer(r"[^\W\d_]+", text[end : end + 40]))
        same = 0
        for i, w in enumerate(tail[: len(focus)]):
            gap = text[end + (tail[i - 1].end() if i else 0) : end + w.start()]
            if _key(w.group()) != focus[i] or re.search(r"[^\w\s]", gap) or (spelled and gap.strip()):
                break
            same += 1
        if same:
            two = " ".join(w.group().lower() for w in tail[:2]) if len(tail) > 1 else ""
            one = tail[0].group().lower()
            if same >= 2 and two in COUNT_UNITS:
                end = end + tail[1].end()
            elif one in COUNT_UNITS:
                end = end + tail[0].end()
            else:
                word_end = _first_word_end(text, end, same)
                end = word_end if word_end else end + tail[same - 1].end()
            score += 6.0
        elif spelled:
            continue  # "một người" is mostly "a person": a count in words must name the question's noun
        elif not is_percent and tail and not text[end : end + tail[0].start()].strip() and tail[0].group().lower() in COUNT_UNITS:
            two = " ".join(w.group().lower() for w in tail[:2]) if len(tail) > 1 else ""
            end = end + (
                tail[1].end() if two in COUNT_UNITS and not text[end + tail[0].end() : end + tail[1].start()].strip(" ") else tail[0].end()
            )
            score += 0.5
        out.append((score, _qualified_start(text, start, query), end))
    return out


_WordRule = tuple[re.Pattern[str], int]


def _words_before(words: Iterable[str]) -> _WordRule:
    """A rule finding one of ``words`` (longest first, whole words) just before an offset, and how far back to look."""
    ordered = sorted(words, key=len, reverse=True)
    pattern = re.compile(r"(?:^|(?<=\W))(?:" + "|".join(re.escape(w) for w in ordered) + r")\s+$", re.IGNORECASE)
    return pattern, len(ordered[0]) + 4


def _word_before(rule: _WordRule, text: str, start: int) -> re.Match[str] | None:
    pattern, reach = rule
    return pattern.search(text, max(0, start - reach), start)


_QUALIFIERS = _words_before(NUMBER_QUALIFIERS)
_BODIES = _words_before(PLACE_AND_BODY_NOUNS)
_ADDRESSES = _words_before(FORMS_OF_ADDRESS)


def _qualified_start(text: str, start: int, query: Query) -> int:
    """Move a number's start back over a qualifier that belongs to it ("khoảng 20%", "hơn 100.000 ca"),
    unless the question says it already ("… lên tới bao nhiêu?" is answered by "40%")."""
    m = _word_before(_QUALIFIERS, text, start)
    if m and _key(" ".join(m.group().split())) + " bao nhieu" in _key(query.text):
        return start
    return m.start() if m else start


def _dates(text: str, qkeys: set[str], year_only: bool) -> list[tuple[float, int, int]]:
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
                specific = 1.5 if re.search(r"\d{1,2}\s*(?:/|tháng)\s*\d{1,2}|nay|qua|mai", m.group(), re.I) else 0.0
            score = _context_score(text, start, end, qkeys) + specific + (len(_DATE_RES) - rank) * 0.05
            out.append((score, start, end))
    return out


def _is_title(words: list[str]) -> int:
    """How many leading words form a title or form of address ("Phó Bí thư", "Hoàng tử"), 0 if none."""
    low = [normalize_syllable(w.lower()) for w in words]
    for n in (3, 2, 1):
        if len(low) >= n and " ".join(low[:n]) in TITLE_PHRASES:
            return n
    return 0


def _strip_titles(words: list[tuple[str, int, int]], following: list[str]) -> list[tuple[str, int, int]]:
    while words:
        n = _is_title([w for w, _, _ in words] + following)
        if n == 0 or n > len(words):
            if n > len(words):
                return []  # the run and the next lower-case word(s) are a title: "Hoàng" + "tử"
            break
        words = words[n:]
    while words and (normalize_syllable(words[-1][0].lower()) in TITLE_WORDS or (words[-1][0].isupper() and len(words[-1][0]) > 1)):
        words.pop()
    return words


def _people(text: str, qkeys: set[str]) -> list[tuple[float, int, int]]:
    out = []
    for rs, re_ in _cap_runs(text):
        words = [(w.group(), w.start(), w.end()) for w in _WORD_RE.finditer(text, rs, re_)]
        following = [w.group() for w in list(_WORD_RE.finditer(text, re_, min(len(text), re_ + 30)))[:2]]
        while words and words[0][0].isupper() and len(words[0][0]) > 1:
            words.pop(0)  # abbreviations (HĐND, LSO) are not names
        words = _strip_titles(words, following)
        if not words or any(w.isupper() and len(w) > 1 for w, _, _ in words):
            continue
        if all(_key(w) in qkeys for w, _, _ in words):
            continue  # the question already names it: not the answer
        start, end = words[0][1], words[-1][2]
        if _word_before(_BODIES, text, start):
            continue  # "Bệnh viện Từ Dũ", "xã Kim Thượng": a place or a body, not a person
        sentence_start = start == 0 or re.search(r"[.!?…:]\s*$", text[:start]) is not None
        if sentence_start and len(words) == 1:
            continue  # a capitalised first word is just a sentence start
        score = _context_score(text, start, end, qkeys)
        if normalize_syllable(words[0][0].lower()) in SURNAMES:
            score += 3.0
        if 2 <= len(words) <= 4:
            score += 1.0
        out.append((score, _addressed_start(text, start), end))
    return out


def _addressed_start(text: str, start: int) -> int:
    """Move a name's start back over the form of address just before it ("Bác sĩ Lê Minh Hoan")."""
    m = _word_before(_ADDRESSES, text, start)
    return m.start() if m else start


def _places(text: str, qkeys: set[str]) -> list[tuple[float, int, int]]:
    """After tại/ở/đến...: the last proper name before punctuation, with its kind of place
    ("Quảng trường Ba Đình", "huyện Cao Lộc"); a common noun phrase when there is no name."""
    out = []
    for m in _PLACE_LEAD_RE.finditer(text):
        words: list[re.Match[str]] = []
        for w in _WORD_RE.finditer(text, m.end()):
            gap = text[(words[-1].end() if words else m.end()) : w.start()]
            if (words and gap not in (" ", "-")) or (not words and gap) or len(words) == 6:
                break
            words.append(w)
        if not words:
            continue
        caps = [i for i, w in enumerate(words) if w.group()[0].isupper()]
        if caps:
            last = caps[-1]
            first = last
            while first > 0 and first - 1 in caps:
                first -= 1
            # take in the kind of place just before the name: "Quảng trường" + "Ba Đình"
            while first > 0 and any(
                " ".join(x.group().lower() for x in words[k:first]) in _PLACE_NOUNS for k in range(max(0, first - 2), first)
            ):
                k = next(k for k in range(max(0, first - 2), first) if " ".join(x.group().lower() for x in words[k:first]) in _PLACE_NOUNS)
                first = k
            start, end, bonus = words[first].start(), words[last].end(), 2.0
        else:
            start, end, bonus = words[0].start(), words[min(len(words), 4) - 1].end(), 0.0
        out.append((_context_score(text, start, end, qkeys) + bonus, start, end))
    return out


def _candidates(query: Query, passage: str) -> list[tuple[float, int, int]]:
    """(score, start, end) of every span of ``passage`` that could answer ``query``."""
    qtype = query.qtype
    if qtype is None or not passage:
        return []
    qkeys = {_key(s) for s in query.syllables}
    if qtype == "number":
        cands = _numbers(passage, query, qkeys)
    elif qtype in ("date", "year"):
        cands = _dates(passage, qkeys, year_only=qtype == "year")
    elif qtype == "person":
        cands = _people(passage, qkeys)
    else:
        cands = _places(passage, qkeys)
    return cands


def find_answer(query: Query, passage: str) -> Span | None:
    """The verbatim span of ``passage`` that answers ``query``, or None."""
    cands = _candidates(query, passage)
    if not cands:
        return None
    _score, start, end = max(cands, key=lambda c: (c[0], -c[1]))
    return Span(passage[start:end], start, end)


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
    return sum(1 for m in _SYL_RE.finditer(fold_text(text)) if m.group() not in weights.syllables)


def _typed_answer(query: Query, passage: str, shares: list[tuple[float, int, int]], best: int) -> tuple[Span | None, int]:
    """The typed answer of a quote and the sentence to mark with it (``best`` unless the answer moves it)."""
    top = shares[best][0]
    ranked = []
    for score, start, end in _candidates(query, passage):
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
