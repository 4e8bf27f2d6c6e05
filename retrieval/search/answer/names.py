"""People and places in a quote ("Phó Bí thư Hoàng Văn Nghiệm", "huyện Cao Lộc"): the finders of ai and ở đâu."""

from __future__ import annotations

import re

from retrieval.search.answer.neighbourhood import asked_already, context_score, word_before, words_before
from retrieval.text.lexicon import FORMS_OF_ADDRESS, PLACE_AND_BODY_NOUNS, SURNAMES, TITLE_PHRASES, TITLE_WORDS
from retrieval.text.normalize import normalize_syllable

__all__ = ["people", "places"]

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
_BODIES = words_before(PLACE_AND_BODY_NOUNS)
_PLACE_BEFORE = words_before(("tại", "ở", "tới", "sang"))
_PEOPLE_WORDS = frozenset(["Người", "Những", "Các", "Dân"])
_ADDRESSES = words_before(FORMS_OF_ADDRESS)


def _cap_runs(text: str, start: int = 0, anchored: bool = False) -> list[tuple[int, int]]:
    """Runs of capitalised words separated by single spaces or hyphens ("Hoàng Văn Nghiệm")."""
    runs: list[tuple[int, int]] = []
    run: tuple[int, int] | None = None
    for m in _WORD_RE.finditer(text, start):
        if anchored and run is None and m.start() != start:
            break
        if run is not None and text[run[1] : m.start()] == "-" and m.start() > 0:
            run = (run[0], m.end())  # "Kim Il-sung", "Jong-il": a hyphen joins a syllable of the name
            continue
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


def people(text: str, qkeys: set[str]) -> list[tuple[float, int, int]]:
    out = []
    for rs, re_ in _cap_runs(text):
        words = [(w.group(), w.start(), w.end()) for w in _WORD_RE.finditer(text, rs, re_)]
        following = [w.group() for w in list(_WORD_RE.finditer(text, re_, min(len(text), re_ + 30)))[:2]]
        while words and words[0][0].isupper() and len(words[0][0]) > 1:
            words.pop(0)  # abbreviations (HĐND, LSO) are not names
        whole = len(words)
        words = _strip_titles(words, following)
        if not words or any(w.isupper() and len(w) > 1 for w, _, _ in words):
            continue
        if len(words) == 1 < whole and words[0][2] < re_:
            continue  # a name's first word alone ("Hà" of "Hà Nội", once "Nội" went as a title word) names nobody
        if len(words) == 1 and following and f"{words[0][0]} {following[0]}".lower() in PLACE_AND_BODY_NOUNS:
            continue  # "Bệnh viện", "Trung tâm" written with a capital: a body's name begins, not a person's
        if asked_already((w for w, _, _ in words), qkeys):
            continue  # the question already names it: not the answer
        start, end = words[0][1], words[-1][2]
        if word_before(_BODIES, text, start):
            continue  # "Bệnh viện Từ Dũ", "xã Kim Thượng": a place or a body, not a person
        if words[0][0] in _PEOPLE_WORDS or word_before(_PLACE_BEFORE, text, start):
            continue  # "Người Hy Lạp" is a people; "tới Argentina", "ở Ấn Độ" a place
        sentence_start = start == 0 or re.search(r"[.!?…:]\s*$", text[:start]) is not None
        if sentence_start and len(words) == 1:
            continue  # a capitalised first word is just a sentence start
        score = context_score(text, start, end, qkeys)
        if normalize_syllable(words[0][0].lower()) in SURNAMES:
            score += 3.0
        if 2 <= len(words) <= 4:
            score += 1.0
        out.append((score, _addressed_start(text, start), end))
    return out


def _addressed_start(text: str, start: int) -> int:
    """Move a name's start back over the form of address just before it ("Bác sĩ Lê Minh Hoan")."""
    m = word_before(_ADDRESSES, text, start)
    return m.start() if m else start


def places(text: str, qkeys: set[str]) -> list[tuple[float, int, int]]:
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
        if caps and caps[-1] == len(words) - 1:  # the name goes on past the window: take it whole
            for w in _WORD_RE.finditer(text, words[-1].end()):
                if text[words[-1].end() : w.start()] not in (" ", "-") or not w.group()[0].isupper():
                    break
                words.append(w)
                caps.append(len(words) - 1)
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
            if asked_already((w.group() for w in words[first : last + 1]), qkeys):
                continue  # the question already names it ("… về Béo phì" asked about béo phì): not the answer
        else:
            start, end, bonus = words[0].start(), words[min(len(words), 4) - 1].end(), 0.0
        out.append((context_score(text, start, end, qkeys) + bonus, start, end))
    return out
