"""The sentence of a quote that answers: the one holding most of the question's weight.

Each sentence is scored by the IDF of the question's accent-free syllables it contains, plus half
the IDF of the question's syllable pairs it contains in order (so "ky niem chuong" as a phrase
beats the three syllables scattered), as a share of the question's total. Pure functions: the
engine supplies the weights from its index. It runs on the best 30 passages of every question, so
the text is folded with one translate table and searched with one regex of the question's syllables.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from functools import cached_property

from retrieval.text.normalize import fold_text

__all__ = ["SentenceWeights", "best_sentence", "sentence_shares", "sentence_spans"]

# A sentence ends at . ! ? … (optionally closed by a quote or bracket) before white space, or at a line break.
_END_RE = re.compile(r"(?<=[.!?…])([\"”’»)]*)\s+|\n\s*")
PAIR_SHARE = 0.5  # a matched pair counts half its IDF on top of its syllables


@dataclass(frozen=True)
class SentenceWeights:
    """IDF of each distinct accent-free syllable and syllable pair of a question."""

    syllables: dict[str, float]
    pairs: dict[str, float]

    @property
    def total(self) -> float:
        return sum(self.syllables.values()) + PAIR_SHARE * sum(self.pairs.values())

    @cached_property
    def pattern(self) -> re.Pattern[str] | None:
        """One regex that finds the question's syllables as whole syllables in folded text."""
        keys = sorted(self.syllables, key=len, reverse=True)
        if not keys:
            return None
        return re.compile(r"(?<![^\W_])(?:" + "|".join(re.escape(k) for k in keys) + r")(?![^\W_]|[.,/]\d)")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of ``text``, trailing white space left out."""
    spans = []
    start = 0
    for m in _END_RE.finditer(text):
        if text[m.end() : m.end() + 1].islower() and "\n" not in m.group():
            continue  # "rau xanh, trái cây... giàu chất xơ": a list's ellipsis, the sentence goes on
        end = m.start() + len(m.group(1) or "")  # closing quotes belong to the sentence
        if end > start:
            spans.append((start, end))
        start = m.end()
    if start < len(text) and text[start:].strip():
        spans.append((start, len(text.rstrip())))
    return spans


def sentence_shares(text: str, weights: SentenceWeights) -> list[tuple[float, int, int]]:
    """(share of the question's weight, start, end) of each sentence of ``text``, in order."""
    total = weights.total
    spans = sentence_spans(text) or [(0, len(text))]
    pattern = weights.pattern
    if total <= 0 or pattern is None:
        return [(0.0, s, e) for s, e in spans]
    starts = [s for s, _ in spans]
    got = [0.0] * len(spans)
    seen: list[set[str]] = [set() for _ in spans]
    prev: tuple[int, str] | None = None  # (end, key) of the previous matched syllable
    folded = fold_text(text)
    if len(folded) != len(text):  # a character whose lower case is longer: offsets would not line up
        folded = text.lower()
    for m in pattern.finditer(folded):
        i = bisect_right(starts, m.start()) - 1
        if i < 0 or m.start() >= spans[i][1]:
            prev = None
            continue
        key = m.group()
        if key not in seen[i]:
            seen[i].add(key)
            got[i] += weights.syllables[key]
        if prev is not None and folded[prev[0] : m.start()].isspace():
            pair = prev[1] + "_" + key
            if pair in weights.pairs and pair not in seen[i]:
                seen[i].add(pair)
                got[i] += PAIR_SHARE * weights.pairs[pair]
        prev = (m.end(), key)
    return [(g / total, s, e) for g, (s, e) in zip(got, spans, strict=True)]


def best_sentence(text: str, weights: SentenceWeights) -> tuple[float, int, int]:
    """(share of the question's weight, start, end) of the best sentence; the first one wins ties."""
    shares = sentence_shares(text, weights)
    return max(shares, key=lambda s: (s[0], -s[1]))
