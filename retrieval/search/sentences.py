"""The sentence of a quote that answers: the one holding most of the question's weight.

Each sentence is scored by the IDF of the question's accent-free syllables it contains, plus half
the IDF of the question's syllable pairs it contains in order (so "ky niem chuong" as a phrase
beats the three syllables scattered), as a share of the question's total. Pure functions: the
engine supplies the weights from its index.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise

from retrieval.text.normalize import fold_accents

__all__ = ["SentenceWeights", "best_sentence", "sentence_spans"]

# A sentence ends at . ! ? … (optionally closed by a quote or bracket) before white space, or at a line break.
_END_RE = re.compile(r"(?<=[.!?…])([\"”’»)]*)\s+|\n\s*")
# Syllables as the accent-free fields see them: numbers keep their separators ("25/12", "74,78%").
_SYLLABLE_RE = re.compile(r"\d+(?:[.,/]\d+)*%?|[^\W\d_]+")
PAIR_SHARE = 0.5  # a matched pair counts half its IDF on top of its syllables


@dataclass(frozen=True)
class SentenceWeights:
    """IDF of each distinct accent-free syllable and syllable pair of a question."""

    syllables: dict[str, float]
    pairs: dict[str, float]

    @property
    def total(self) -> float:
        return sum(self.syllables.values()) + PAIR_SHARE * sum(self.pairs.values())


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of ``text``, trailing white space left out."""
    spans = []
    start = 0
    for m in _END_RE.finditer(text):
        end = m.start() + len(m.group(1) or "")  # closing quotes belong to the sentence
        if end > start:
            spans.append((start, end))
        start = m.end()
    if start < len(text) and text[start:].strip():
        spans.append((start, len(text.rstrip())))
    return spans


def _fold(text: str) -> list[str]:
    return [fold_accents(s.lower()) for s in _SYLLABLE_RE.findall(text)]


def best_sentence(text: str, weights: SentenceWeights) -> tuple[float, int, int]:
    """(share of the question's weight, start, end) of the best sentence; the first one wins ties."""
    total = weights.total
    best = (0.0, 0, len(text))
    for start, end in sentence_spans(text) or [(0, len(text))]:
        folded = _fold(text[start:end])
        present = set(folded)
        pairs = {a + "_" + b for a, b in pairwise(folded)}
        got = sum(w for s, w in weights.syllables.items() if s in present)
        got += PAIR_SHARE * sum(w for p, w in weights.pairs.items() if p in pairs)
        share = got / total if total > 0 else 0.0
        if share > best[0]:
            best = (share, start, end)
    return best
