"""What stands around a candidate answer: the question's syllables near it, the words just before it."""

from __future__ import annotations

import re
from collections.abc import Iterable

from retrieval.text.normalize import fold_accents

__all__ = ["SYL_RE", "WordRule", "asked_already", "context_score", "first_word_end", "key", "word_before", "words_before"]

SYL_RE = re.compile(r"[^\W\d_]+|\d+(?:[.,/]\d+)*%?")


def key(word: str) -> str:
    return fold_accents(word.lower())


def asked_already(words: Iterable[str], qkeys: set[str]) -> bool:
    """Whether the question itself says every one of ``words``: what a question names is not its answer."""
    return all(key(w) in qkeys for w in words)


def context_score(text: str, start: int, end: int, qkeys: set[str], window: int = 80) -> float:
    """How many of the question's content syllables stand near the candidate (nearer counts more)."""
    score = 0.0
    for m in SYL_RE.finditer(text, max(0, start - window), min(len(text), end + window)):
        if m.start() >= start and m.end() <= end:
            continue
        if key(m.group()) in qkeys:
            dist = start - m.end() if m.end() <= start else m.start() - end
            score += 1.0 / (1.0 + max(dist, 0) / 20.0)
    return score


def first_word_end(text: str, start: int, max_syllables: int) -> int | None:
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


WordRule = tuple[re.Pattern[str], int]


def words_before(words: Iterable[str]) -> WordRule:
    """A rule finding one of ``words`` (longest first, whole words) just before an offset, and how far back to look."""
    ordered = sorted(words, key=len, reverse=True)
    pattern = re.compile(r"(?:^|(?<=\W))(?:" + "|".join(re.escape(w) for w in ordered) + r")\s+$", re.IGNORECASE)
    return pattern, len(ordered[0]) + 4


def word_before(rule: WordRule, text: str, start: int) -> re.Match[str] | None:
    pattern, reach = rule
    return pattern.search(text, max(0, start - reach), start)


# Commas are not clause ends here: Vietnamese lists ("xã, phường, thị trấn") sit inside the clause they qualify.
_CLAUSE_RE = re.compile(r"[;:()\[\]\"“”–—]|\s-\s")


def clause_bounds(text: str, start: int, end: int, lo: int, hi: int) -> tuple[int, int]:
    """The clause of ``text[lo:hi]`` (a sentence) around ``start..end``: cut at semicolons, colons, brackets, quotes
    and dashes outside the candidate."""
    left = lo
    for m in _CLAUSE_RE.finditer(text, lo, start):
        left = m.end()
    cut = _CLAUSE_RE.search(text, end, hi)
    return left, cut.start() if cut else hi


def evidence(folded: str, start: int, end: int, lo: int, hi: int, weights: dict[str, float], total: float, reach: float) -> float:
    """Share of the question's weight (``weights``: IDF of its accent-free syllables, ``total`` their sum) standing in
    ``folded[lo:hi]`` around the candidate ``start..end``: each syllable once, at its nearest occurrence, counted
    idf / (1 + distance / reach) (distance in characters; the candidate's own syllables are not evidence)."""
    if total <= 0:
        return 0.0
    nearest: dict[str, float] = {}
    for m in SYL_RE.finditer(folded, lo, hi):
        word = m.group()
        if word not in weights or (m.start() >= start and m.end() <= end):
            continue
        distance = start - m.end() if m.end() <= start else m.start() - end
        near = 1.0 / (1.0 + max(distance, 0) / reach)
        if near > nearest.get(word, 0.0):
            nearest[word] = near
    return sum(weights[w] * v for w, v in nearest.items()) / total
