"""Answers that are clauses: the reason, purpose or means a sentence gives after its cue word ("do", "để", "bằng
cách"), for the questions no typed finder answers ("Vì sao …?", "… nhằm mục đích gì?", "… bằng cách nào?")."""

from __future__ import annotations

import re
from functools import cache

from retrieval.search.answer.neighbourhood import word_before, words_before
from retrieval.text.lexicon import CLAUSE_AGENT_VERBS, CLAUSE_ANSWERS, CLAUSE_NOT_OPENERS, CLAUSE_WORD_BEFORE

__all__ = ["clause_answer"]

# Where the answering clause ends: a semicolon, colon, bracket or dash, or the sentence's end. Commas stay inside:
# a reason is often a list ("do quá trình chế biến cầu kỳ, nhiều khâu nhào trộn"); so do quotes ("bởi quan niệm
# “chết phải toàn thây”").
_CLAUSE_END_RE = re.compile(r"[;:()\[\]–—!?]|\s-\s|\.(?:\s|$)")
_TRAILING = " \t\n.,;:!?…"
_OPENING = " \t\n\"“‘'(["
# A short clause ending on one of these points back to what was said before ("vì nguyên nhân này", "do điều
# đó"): the answer is elsewhere.
_POINTS_BACK_RE = re.compile(r"\W*(?:\w+\s+){0,3}(?:này|đó|ấy|trên|vậy|thế)\W*", re.IGNORECASE)


def _alternatives(words: tuple[str, ...]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


@cache  # one pattern per kind of question
def _cue_pattern(kind: str) -> re.Pattern[str]:
    cues = next(cues for name, _phrases, cues in CLAUSE_ANSWERS if name == kind)
    return re.compile(
        rf"(?<![\w])(?!(?:{_alternatives(CLAUSE_NOT_OPENERS)})(?!\w))(?:{_alternatives(cues)})(?=\s)",
        re.IGNORECASE,
    )


# "lý do", "tự do", "công bằng": the cue is the end of a word
_IN_A_WORD = words_before(CLAUSE_WORD_BEFORE)


_AGENT_DONE_RE = re.compile(rf"\s(?:{_alternatives(CLAUSE_AGENT_VERBS)})(?!\w)", re.IGNORECASE)


# Lower-case words a body's name holds in bulletins ("UBND tỉnh", "Hội Nông dân các xã").
_IN_NAMES = frozenset(["tỉnh", "huyện", "xã", "thành", "phố", "thị", "trấn", "phường", "quận", "và", "các", "tp"])


def _names_agent(text: str, cue_end: int, end: int) -> bool:
    """Whether "do" opens who did it: a body's name after it ("Ban Dân vận Tỉnh ủy", "UBND tỉnh"), then one of
    CLAUSE_AGENT_VERBS."""
    done = _AGENT_DONE_RE.search(text, cue_end, end)
    if done is None:
        return False
    name = text[cue_end : done.start()].split()
    if not name or not name[0][:1].isupper():
        return False
    # a lower-case syllable ends a capitalised word ("Dân vận", "Tỉnh ủy"); two in a row are a clause, not a name
    return all(w[:1].isupper() or w.lower() in _IN_NAMES or name[i - 1][:1].isupper() for i, w in enumerate(name) if i)


def clause_answer(kind: str, text: str, lo: int, hi: int) -> tuple[int, int, int] | None:
    """(start, the cue word's end, end) of the clause answering a ``kind`` question ("reason", "purpose", "means") in the sentence
    ``text[lo:hi]``: from the first cue word that opens one to the clause's end, cue word kept ("do thiếu vốn"
    answers "Vì sao …?" as a cadre would say it); None when the sentence has no such cue."""
    for m in _cue_pattern(kind).finditer(text, lo, hi):
        if word_before(_IN_A_WORD, text, m.start()):
            continue
        if text[m.start()].isupper() and text[lo : m.start()].strip(_OPENING):
            continue  # capitalised inside a sentence: a name ("Kỷ niệm chương Vì sự nghiệp dân vận")
        cut = _CLAUSE_END_RE.search(text, m.end(), hi)
        end = cut.start() if cut else hi
        while end > m.end() and text[end - 1] in _TRAILING:
            end -= 1
        if m.group().lower() == "do" and _names_agent(text, m.end(), end):
            continue
        if text[m.end() : end].strip() and not _POINTS_BACK_RE.fullmatch(text, m.end(), end):
            return m.start(), m.end(), end
    return None
