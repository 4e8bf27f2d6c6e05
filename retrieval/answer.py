"""Mark the answer inside a quote: the question word picks a type, the span is found verbatim.

bao nhiêu / mấy → a number with its noun ("34 đồng chí", "74,78%"); ai → a person's
name, titles left out; khi nào / bao giờ / ngày nào / năm nào → a date or time;
ở đâu → a place. A span is only ever a slice of the passage text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .lexicon import SURNAMES, TITLE_WORDS
from .text import fold_accents, nfc, normalize_syllable

__all__ = ["Span", "question_type", "find_answer"]


@dataclass(frozen=True)
class Span:
    text: str
    start: int
    end: int

    def as_dict(self) -> dict:
        return {"text": self.text, "start": self.start, "end": self.end}


def _folded(text: str) -> str:
    return " ".join(fold_accents(nfc(text).lower()).split())


_TYPE_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("date", re.compile(r"\b(khi nao|bao gio|ngay nao|nam nao|thang nao|luc nao|hom nao|thoi gian nao|thoi diem nao|dip nao|ngay bao nhieu|ngay may|nam bao nhieu)\b")),
    ("place", re.compile(r"\b(o dau|tai dau|noi nao|dia diem nao|dia ban nao|tinh nao|huyen nao|xa nao|nuoc nao|thanh pho nao|o nao)\b|\bdau\s*\??$")),
    ("number", re.compile(r"\b(bao nhieu|may|so luong|ty le|ti le|phan tram)\b")),
    ("person", re.compile(r"\b(ai|nguoi nao|vi nao|dong chi nao|ong nao|ba nao)\b")),
]


def question_type(question: str) -> str | None:
    """'number', 'person', 'date', 'place', or None when the question asks for something else."""
    folded = _folded(question)
    for name, pattern in _TYPE_PATTERNS:
        if pattern.search(folded):
            return name
    return None


_SYL_RE = re.compile(r"[^\W\d_]+|\d+(?:[.,/]\d+)*%?")
_NUMBER_WORDS = (
    "một hai ba bốn năm sáu bảy tám chín mười mươi trăm nghìn ngàn vạn triệu tỷ tỉ hàng chục hơn gần khoảng trên"
).split()
_MAGNITUDE = r"(?:\s+(?:nghìn|ngàn|triệu|tỷ|tỉ|trăm))*"
_NUMBER_RE = re.compile(r"(?<![\w/])(\d+(?:[.,]\d+)*(?:\s?%)?)" + _MAGNITUDE + r"(?![\w/])")
_UNITS = set(
    """người đồng chí lượt hộ xã phường thị trấn huyện thôn bản tổ đội đơn vị cơ sở doanh nghiệp dự án công trình
    km m ha kg tấn tạ lít đồng usd tuổi năm tháng ngày giờ phút giây lần ca trường lớp học sinh sinh viên
    hội viên đảng viên cán bộ gia đình mô hình chi bộ tổ chức cuộc buổi điểm tập thể cá nhân con cây
    ngôi căn km2 mét héc ta phần trăm bệnh nhân trẻ em""".split()
)
_DATE_RES = [
    re.compile(r"(?:(?:sáng|chiều|tối|trưa|đêm|hôm|ngày)\s+nay\s*)\(\d{1,2}/\d{1,2}(?:/\d{2,4})?\)", re.I),
    re.compile(r"(?:(?:sáng|chiều|tối|trưa|đêm)\s+)?ngày\s+\d{1,2}(?:[/-]\d{1,2}(?:[/-]\d{2,4})?|\s+tháng\s+\d{1,2}(?:\s+năm\s+\d{3,4})?)", re.I),
    re.compile(r"(?<![\w/])\d{1,2}/\d{1,2}(?:/\d{2,4})?(?![\w/])"),
    re.compile(r"tháng\s+\d{1,2}(?:\s*(?:năm\s+|/)\d{3,4})?", re.I),
    re.compile(r"(?:đầu |cuối |giữa )?năm\s+\d{3,4}", re.I),
    re.compile(r"thế\s+k[ỷỉ]\s+(?:thứ\s+)?[IVXLC\d]+", re.I),
    re.compile(r"(?<![\w/.,])(?:1[0-9]|20)\d\d(?![\w/.,])"),
    re.compile(r"(?:sáng|chiều|tối|trưa|đêm)\s+(?:nay|qua|mai)", re.I),
]
_PLACE_LEAD_RE = re.compile(r"(?<!\w)(?:tại|ở|trên địa bàn|đến|về|thuộc|trên)\s+", re.I)
_WORD_RE = re.compile(r"[^\W\d_]+")


def _cap_runs(text: str, start: int = 0, anchored: bool = False) -> list[tuple[int, int]]:
    """Runs of capitalised words separated by single spaces or hyphens ("Hoàng Văn Nghiệm")."""
    runs: list[tuple[int, int]] = []
    run: tuple[int, int] | None = None
    for m in _WORD_RE.finditer(text, start):
        if anchored and run is None and m.start() != start:
            break
        if m.group()[0].isupper():
            if run is not None and text[run[1]:m.start()] in (" ", "-"):
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


def _key(word: str) -> str:
    return fold_accents(word.lower())


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


def _focus(question: str) -> list[str]:
    """The noun after 'bao nhiêu'/'mấy' ("bao nhiêu đồng chí" → ["dong", "chi"]), folded."""
    folded = _folded(question)
    m = re.search(r"\b(?:bao nhieu|may)\s+([a-z0-9 ]+)", folded)
    if not m:
        return []
    words = m.group(1).split()
    stop = {"duoc", "da", "la", "co", "se", "dang", "thi", "va", "cua", "tai", "o", "trong"}
    out = []
    for w in words[:3]:
        if w in stop:
            break
        out.append(w)
    return out


def _numbers(text: str, question: str, qkeys: set[str]) -> list[tuple[float, int, int]]:
    focus = _focus(question)
    wants_percent = bool(re.search(r"\b(ty le|ti le|phan tram)\b", _folded(question)))
    out = []
    for m in _NUMBER_RE.finditer(text):
        start, end = m.start(), m.end()
        if re.fullmatch(r"(?:1[0-9]|20)\d\d", m.group(1)) and text[max(0, start - 4):start].lower().strip() in ("năm", "năm"):
            continue  # "năm 2018" is a date, not a count
        score = _context_score(text, start, end, qkeys)
        is_percent = m.group(1).endswith("%")
        if wants_percent:
            score += 3.0 if is_percent else -1.0
        # The noun that follows: the question's focus, or a known unit.
        tail = [(w.group(), end + w.start(), end + w.end()) for w in re.finditer(r"[^\W\d_]+", text[end:end + 40])]
        gap_ok = lambda i: not re.search(r"[^\w\s]", text[end if i == 0 else tail[i - 1][2]:tail[i][1]])
        if focus and len(tail) >= len(focus) and all(_key(tail[i][0]) == focus[i] and gap_ok(i) for i in range(len(focus))):
            end = tail[len(focus) - 1][2]
            score += 4.0
        elif not is_percent and tail and gap_ok(0) and tail[0][0].lower() in _UNITS:
            end = tail[0][2]
            if len(tail) > 1 and gap_ok(1) and f"{tail[0][0]} {tail[1][0]}".lower() in _UNITS:
                end = tail[1][2]
            score += 0.5
        out.append((score, start, end))
    return out


def _dates(text: str, qkeys: set[str]) -> list[tuple[float, int, int]]:
    out = []
    taken: list[tuple[int, int]] = []
    for rank, pattern in enumerate(_DATE_RES):
        for m in pattern.finditer(text):
            if any(s <= m.start() < e or s < m.end() <= e for s, e in taken):
                continue
            taken.append((m.start(), m.end()))
            # A day and month pins an event; a bare year usually qualifies a noun ("công tác năm 2018").
            specific = 1.5 if re.search(r"\d{1,2}\s*(?:/|tháng)\s*\d{1,2}|nay|qua|mai", m.group(), re.I) else 0.0
            out.append((_context_score(text, m.start(), m.end(), qkeys) + specific + (len(_DATE_RES) - rank) * 0.05, m.start(), m.end()))
    return out


def _title_word(word: str) -> bool:
    return normalize_syllable(word.lower()) in TITLE_WORDS or word.lower() in TITLE_WORDS


def _people(text: str, qkeys: set[str]) -> list[tuple[float, int, int]]:
    out = []
    for rs, re_ in _cap_runs(text):
        words = [(w.group(), w.start(), w.end()) for w in _WORD_RE.finditer(text, rs, re_)]
        # Titles and offices before the name are not the name ("Phó Bí thư ... Hoàng Văn Nghiệm").
        while words and (_title_word(words[0][0]) or words[0][0].isupper() and len(words[0][0]) > 1):
            words.pop(0)
        while words and (_title_word(words[-1][0]) or words[-1][0].isupper() and len(words[-1][0]) > 1):
            words.pop()
        if not words or any(w.isupper() and len(w) > 1 for w, _, _ in words):
            continue
        if all(_key(w) in qkeys for w, _, _ in words):
            continue  # the question already names it: not the answer
        start, end = words[0][1], words[-1][2]
        score = _context_score(text, start, end, qkeys)
        if normalize_syllable(words[0][0].lower()) in SURNAMES:
            score += 3.0
        if 2 <= len(words) <= 4:
            score += 1.0
        sentence_start = start == 0 or re.search(r"[.!?…:]\s*$", text[:start]) is not None
        if sentence_start and len(words) == 1:
            continue  # a capitalised first word is just a sentence start
        out.append((score, start, end))
    return out


def _places(text: str, qkeys: set[str]) -> list[tuple[float, int, int]]:
    """After tại/ở/đến...: up to the last capitalised word before punctuation ("Quảng trường Ba Đình")."""
    out = []
    for m in _PLACE_LEAD_RE.finditer(text):
        words = []
        for w in _WORD_RE.finditer(text, m.end()):
            gap = text[(words[-1].end() if words else m.end()):w.start()]
            if (words and gap not in (" ", "-")) or (not words and gap) or len(words) == 6:
                break
            words.append(w)
        if not words:
            continue
        caps = [w for w in words if w.group()[0].isupper()]
        if caps:
            start, end, bonus = words[0].start(), caps[-1].end(), 2.0
        else:
            start, end, bonus = words[0].start(), words[min(len(words), 4) - 1].end(), 0.0
        out.append((_context_score(text, start, end, qkeys) + bonus, start, end))
    return out


def find_answer(question: str, passage: str, qtype: str | None = None, question_syllables: list[str] | None = None) -> Span | None:
    """The verbatim span of ``passage`` that answers ``question``, or None."""
    qtype = qtype or question_type(question)
    if qtype is None or not passage:
        return None
    qkeys = {_key(s) for s in (question_syllables if question_syllables is not None else _SYL_RE.findall(question))}
    if qtype == "number":
        cands = _numbers(passage, question, qkeys)
    elif qtype == "date":
        cands = _dates(passage, qkeys)
    elif qtype == "person":
        cands = _people(passage, qkeys)
    else:
        cands = _places(passage, qkeys)
    if not cands:
        return None
    score, start, end = max(cands, key=lambda c: (c[0], -c[1]))
    return Span(passage[start:end], start, end)
