"""Mark the answer inside a quote: the question's answer type picks a finder, the span is found verbatim.

bao nhiêu / mấy → a number with its noun ("34 đồng chí", "74,78%"); ai → a person's
name, titles left out; khi nào / bao giờ / ngày nào / năm nào → a date or time;
năm nào → the year alone; ở đâu → a place. A span is only ever a slice of the passage text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from retrieval.search.query import Query
from retrieval.search.sentences import SentenceWeights, best_sentence, sentence_spans
from retrieval.text.lexicon import NUMBER_QUALIFIERS, SURNAMES, TITLE_PHRASES, TITLE_WORDS
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
_NUMBER_RE = re.compile(r"(?<![\w/])(-?\d+(?:[.,]\d+)*(?:\s?%)?)" + _MAGNITUDE + r"(?![\w/])")
# Units and counted nouns that follow a number: one word or a two-syllable compound.
_UNITS = frozenset(
    p.strip()
    for p in [
        "người",
        " đồng chí",
        " lượt",
        " hộ",
        " xã",
        " phường",
        " thị trấn",
        " huyện",
        " thôn",
        " bản",
        " tổ",
        " đội",
        " đơn vị",
        "\n    cơ sở",
        " doanh nghiệp",
        " dự án",
        " công trình",
        " km",
        " m",
        " ha",
        " kg",
        " tấn",
        " tạ",
        " lít",
        " đồng",
        " usd",
        " tuổi",
        " năm",
        " tháng",
        " ngày",
        " giờ",
        " phút",
        "\n    giây",
        " lần",
        " ca",
        " trường",
        " lớp",
        " học sinh",
        " sinh viên",
        " hội viên",
        " đảng viên",
        " cán bộ",
        " gia đình",
        " mô hình",
        " chi bộ",
        " tổ chức",
        "\n    cuộc",
        " buổi",
        " điểm",
        " tập thể",
        " cá nhân",
        " con",
        " cây",
        " ngôi",
        " căn",
        " km2",
        " mét",
        " héc ta",
        " phần trăm",
        " bệnh nhân",
        " trẻ em",
        " độ",
        "\n    tỷ đồng",
        " triệu đồng",
        " nghìn đồng",
        " suất",
        " phòng",
        " chiếc",
        " tàu",
        " xe",
        " nhà",
        " loài",
        " bài",
        " cuốn",
        " quyển",
        " tập",
        " trận",
        " bàn",
        "\n    thành viên",
        " quốc gia",
        " nước",
        " tỉnh",
        " thành phố",
        " ngôn ngữ",
        " dân tộc",
        " bệnh viện",
    ]
)
_YEAR_RE = re.compile(r"(?<![\w/.,])(1\d{3}|20\d{2})(?![\w/]|[.,]\d)")
# Date shapes, most specific first. Spans leave out a leading "ngày"/"năm": the date is the answer.
_DATE_RES = [
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


def _numbers(text: str, query: Query, qkeys: set[str]) -> list[tuple[float, int, int]]:
    focus = query.focus
    wants_percent = query.wants_percent
    asked = set(re.findall(r"\d+(?:[.,]\d+)*", query.text))  # numbers the question itself gives
    out = []
    for m in _NUMBER_RE.finditer(text):
        start, end = m.start(), m.end()
        before = text[max(0, start - 6) : start].lower()
        if _YEAR_RE.fullmatch(m.group(1)) and re.search(r"năm\s*$", before):
            continue  # "năm 2018" is a date, not a count
        score = _context_score(text, start, end, qkeys)
        if m.group(1).rstrip("%").strip() in asked:
            score -= 5.0  # "Trong số 10 bệnh nhân, bao nhiêu …": the answer is not the 10
        is_percent = m.group(1).endswith("%")
        if wants_percent:
            score += 3.0 if is_percent else -1.0
        tail = list(re.finditer(r"[^\W\d_]+", text[end : end + 40]))
        same = 0
        for i, w in enumerate(tail[: len(focus)]):
            gap = text[end + (tail[i - 1].end() if i else 0) : end + w.start()]
            if _key(w.group()) != focus[i] or re.search(r"[^\w\s]", gap):
                break
            same += 1
        if same:
            two = " ".join(w.group().lower() for w in tail[:2]) if len(tail) > 1 else ""
            one = tail[0].group().lower()
            if same >= 2 and two in _UNITS:
                end = end + tail[1].end()
            elif one in _UNITS:
                end = end + tail[0].end()
            else:
                word_end = _first_word_end(text, end, same)
                end = word_end if word_end else end + tail[same - 1].end()
            score += 6.0
        elif not is_percent and tail and not text[end : end + tail[0].start()].strip() and tail[0].group().lower() in _UNITS:
            two = " ".join(w.group().lower() for w in tail[:2]) if len(tail) > 1 else ""
            end = end + (
                tail[1].end() if two in _UNITS and not text[end + tail[0].end() : end + tail[1].start()].strip(" ") else tail[0].end()
            )
            score += 0.5
        out.append((score, _qualified_start(text, start), end))
    return out


_QUALIFIER_RE = re.compile(r"(?:^|(?<=\s))(?:" + "|".join(re.escape(w) for w in NUMBER_QUALIFIERS) + r")\s+$", re.IGNORECASE)


def _qualified_start(text: str, start: int) -> int:
    """Move a number's start back over a qualifier that belongs to it ("khoảng 20%", "hơn 100.000 ca")."""
    m = _QUALIFIER_RE.search(text, max(0, start - 24), start)
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
        sentence_start = start == 0 or re.search(r"[.!?…:]\s*$", text[:start]) is not None
        if sentence_start and len(words) == 1:
            continue  # a capitalised first word is just a sentence start
        score = _context_score(text, start, end, qkeys)
        if normalize_syllable(words[0][0].lower()) in SURNAMES:
            score += 3.0
        if 2 <= len(words) <= 4:
            score += 1.0
        out.append((score, start, end))
    return out


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


def find_answer(query: Query, passage: str) -> Span | None:
    """The verbatim span of ``passage`` that answers ``query``, or None."""
    qtype = query.qtype
    if qtype is None or not passage:
        return None
    qkeys = {_key(s) for s in query.syllables}
    if qtype == "number":
        cands = _numbers(passage, query, qkeys)
    elif qtype in ("date", "year"):
        cands = _dates(passage, qkeys, year_only=qtype == "year")
    elif qtype == "person":
        cands = _people(passage, qkeys)
    else:
        cands = _places(passage, qkeys)
    if not cands:
        return None
    _score, start, end = max(cands, key=lambda c: (c[0], -c[1]))
    return Span(passage[start:end], start, end)


def _containing(spans: list[tuple[int, int]], start: int, end: int) -> tuple[int, int] | None:
    for s, e in spans:
        if s <= start and end <= e:
            return s, e
    return None


def mark(query: Query, passage: str, weights: SentenceWeights) -> tuple[Span | None, Span | None]:
    """(the sentence that answers, the typed answer inside it) of one quote; either may be None.

    The sentence holds most of the question's weight; a typed answer (number, date, person,
    place) is looked for inside it first, then in the whole quote, and the marked sentence
    moves to the one holding the answer then.
    """
    share, start, end = best_sentence(passage, weights)
    if share <= 0:
        return None, find_answer(query, passage)
    answer = None
    if query.qtype:
        inner = find_answer(query, passage[start:end])
        if inner is not None:
            answer = Span(inner.text, start + inner.start, start + inner.end)
        else:
            answer = find_answer(query, passage)
            if answer is not None:
                start, end = _containing(sentence_spans(passage), answer.start, answer.end) or (start, end)
    return Span(passage[start:end], start, end), answer
