"""One analyzer for bulletins and questions: the same text always gives the same terms.

Fields (each its own BM25 index):
- ``word``:  pyvi words, lower-cased after segmentation (pyvi uses case), one tone placement;
- ``fold2``: accent-free syllable pairs, for questions typed without diacritics
             (pairs collide far less than lone accent-free syllables);
- ``fold1``: accent-free syllables, so "Bí thư" finds "Phó_Bí_thư" and "bi thu" finds both.
An accented-syllable field was measured too and dropped: with ``fold1`` beside it, it moved
P@1 by less than one question in 500 on both dev sets (see README).
``syl`` (accented syllables) is still produced, for the answer marker, but not indexed.
Numbers, dates and percentages stay whole ("25/12", "74,78%"); administrative
abbreviations and their full forms become one term ("HĐND" = "Hội đồng nhân dân").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Callable

from .lexicon import ABBREVIATIONS, FOLDED_QUESTION_PHRASES, QUESTION_PHRASES
from .text import fold_accents, fold_syllable, has_diacritics, nfc, normalize_syllable

__all__ = ["FIELDS", "Terms", "Query", "document_terms", "analyze_question", "tokenize_words", "fields_from_words"]

FIELDS: tuple[str, ...] = ("word", "fold2", "fold1")
Terms = dict[str, list[str]]

_WORD_RE = re.compile(r"[^\W_]+")
_NUMBER_RE = re.compile(r"^\d+(?:[.,]\d+)*$")
_ALNUM_RE = re.compile(r"\w")


def _pyvi() -> Callable[[str], str]:
    """pyvi's segmenter, loaded on first use (see segment.py for how it loads fast)."""
    from .segment import get_tokenizer

    return get_tokenizer()


def _normalize_words(text: str) -> str:
    """Every syllable in its one spelling, case kept (pyvi reads case)."""
    return _WORD_RE.sub(lambda m: normalize_syllable(m.group()), nfc(text))


def _phrase_key(text: str) -> str:
    """How a full form is looked up: lower case, single spaces, no spaces around - & ,"""
    return re.sub(r"\s*([-&,])\s*", r"\1", " ".join(text.lower().split()))


def _phrase_pattern(phrase: str) -> str:
    out = []
    for part in re.split(r"(\s+|[-&,])", phrase):
        if not part:
            continue
        if part.isspace():
            out.append(r"\s+")
        elif part in "-&,":
            out.append(r"\s*" + re.escape(part) + r"\s*")
        else:
            out.append(re.escape(part))
    return "".join(out)


@lru_cache(maxsize=1)
def _abbreviation_rule() -> tuple[re.Pattern[str], dict[str, str]]:
    """One regex for every full form (normalised, and typed without accents), longest first,
    and the abbreviation each stands for."""
    forms: dict[str, str] = {}
    for abbr, full_forms in ABBREVIATIONS.items():
        for form in full_forms:
            norm = _normalize_words(form)
            forms[_phrase_key(norm)] = abbr
            forms[_phrase_key(fold_accents(norm))] = abbr
    ordered = sorted(forms, key=len, reverse=True)
    pattern = re.compile(r"(?<!\w)(?:" + "|".join(_phrase_pattern(f) for f in ordered) + r")(?!\w)", re.IGNORECASE)
    return pattern, forms


def _prepare(text: str) -> str:
    text = _normalize_words(text)
    pattern, forms = _abbreviation_rule()
    return pattern.sub(lambda m: forms.get(_phrase_key(m.group()), m.group()), text)


def _merge_numbers(tokens: list[str]) -> list[str]:
    """Undo pyvi's splitting of dates and percentages: '25 / 12' → '25/12', '74,78 %' → '74,78%'."""
    out: list[str] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if _NUMBER_RE.match(tok):
            while i + 2 < len(tokens) and tokens[i + 1] == "/" and tokens[i + 2].isdigit():
                tok += "/" + tokens[i + 2]
                i += 2
            if i + 1 < len(tokens) and tokens[i + 1] == "%":
                tok += "%"
                i += 1
        out.append(tok)
        i += 1
    return out


def tokenize_words(text: str) -> list[str | None]:
    """pyvi words of ``text`` (syllables joined by '_', case kept); None marks punctuation breaks."""
    prepared = _prepare(text)
    if not prepared.strip():
        return []
    tokens = _merge_numbers(_pyvi()(prepared).split())
    return [tok if _ALNUM_RE.search(tok) else None for tok in tokens]


def fields_from_words(words: list[str | None]) -> Terms:
    """Build every field from a word stream in which None marks a break."""
    terms: Terms = {name: [] for name in (*FIELDS, "syl")}
    prev_fold: str | None = None
    for word in words:
        if word is None:
            prev_fold = None
            continue
        low = word.lower()
        terms["word"].append(low)
        sylls = [low] if _NUMBER_RE.match(low.rstrip("%")) or "/" in low else low.split("_")
        for syl in sylls:
            if not syl:
                continue
            terms["syl"].append(syl)
            folded = fold_syllable(syl)
            terms["fold1"].append(folded)
            if prev_fold is not None:
                terms["fold2"].append(prev_fold + "_" + folded)
            prev_fold = folded
    for name in ("word", "syl", "fold1"):
        if percent := [t[:-1] for t in terms[name] if t.endswith("%") and len(t) > 1]:
            terms[name].extend(percent)  # "74,78" alone still finds "74,78%"
    return terms


def document_terms(text: str) -> Terms:
    """Terms of a passage (or title) for every field."""
    return fields_from_words(tokenize_words(text))


@dataclass
class Query:
    text: str
    accented: bool
    terms: Terms = field(default_factory=dict)
    syllables: list[str] = field(default_factory=list)  # content syllables, normalised (for answer marking)


@lru_cache(maxsize=1)
def _question_phrases() -> tuple[tuple[tuple[str, ...], ...], tuple[tuple[str, ...], ...]]:
    accented = tuple(tuple(normalize_syllable(s) for s in p.split()) for p in QUESTION_PHRASES)
    folded = tuple(tuple(p.split()) for p in FOLDED_QUESTION_PHRASES)
    return accented, folded


def _drop_question_words(words: list[str | None]) -> list[str | None]:
    """Replace question words (bao nhiêu, ai, khi nào, ...) by breaks: they pick the answer type, not passages."""
    flat: list[tuple[int, str]] = []  # (word index, lower syllable)
    for wi, word in enumerate(words):
        if word is not None:
            flat.extend((wi, s) for s in word.lower().split("_"))
    accented, folded = _question_phrases()
    drop_words: set[int] = set()
    i = 0
    while i < len(flat):
        matched = 0
        for phrase in accented + folded:
            n = len(phrase)
            window = tuple(s for _, s in flat[i:i + n])
            if window == phrase and (phrase in accented or all(s.isascii() for s in window)):
                matched = n
                break
        if matched:
            drop_words.update(wi for wi, _ in flat[i:i + matched])
            i += matched
        else:
            i += 1
    return [None if wi in drop_words else w for wi, w in enumerate(words)]


def analyze_question(text: str) -> Query:
    """Terms of a question, without its question words; accent-free typing is detected."""
    words = _drop_question_words(tokenize_words(text))
    terms = fields_from_words(words)
    return Query(text=text, accented=has_diacritics(text), terms=terms, syllables=list(terms["syl"]))
