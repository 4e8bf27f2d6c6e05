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
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

from retrieval.text.lexicon import ABBREVIATIONS, FOLDED_QUESTION_PHRASES, QUESTION_PHRASES
from retrieval.text.memo import bounded_cache
from retrieval.text.normalize import fold_accents, fold_syllable, has_diacritics, nfc, normalize_syllable

__all__ = ["FIELDS", "QuestionTerms", "Terms", "analyze_question", "document_terms", "fields_from_words", "tokenize_words"]

FIELDS: tuple[str, ...] = ("word", "fold2", "fold1")
Terms = dict[str, list[str]]

_NUMBER_RE = re.compile(r"^\d+(?:[.,]\d+)*$")
_ALNUM_RE = re.compile(r"\w")


def _pyvi() -> Callable[[str], str]:
    """pyvi's segmenter, loaded on first use (see segment.py for how it loads fast)."""
    from retrieval.text.segment import get_tokenizer

    return get_tokenizer()


_TONED = "àáảãạèéẻẽẹìíỉĩịòóỏõọùúủũụỳýỷỹỵ"
_TONED_HAT = "ằắẳẵặầấẩẫậềếểễệồốổỗộờớởỡợừứửữự"
# Words whose spelling normalize_syllable can change: new-style oa/oe/uy (hoà, uỷ), a toned final y
# (kỷ, quý), or a tone beside a vowel that should carry it (hiêụ). Only these pay for the call;
# tests check the shortcut against calling it on every word.
_NEEDS_NORMALIZING = re.compile(
    rf"[oO][àáảãạèéẻẽẹÀÁẢÃẠÈÉẺẼẸ]|[uU][ỳýỷỹỵỲÝỶỸỴ]|[ỳýỷỹỵỲÝỶỸỴ](?![^\W_])"
    rf"|[ăâêôơưĂÂÊÔƠƯ][{_TONED}{_TONED.upper()}]|[{_TONED}{_TONED.upper()}][ăâêôơưĂÂÊÔƠƯ{_TONED_HAT}{_TONED_HAT.upper()}]"
    rf"|[{_TONED}{_TONED.upper()}][aeiouyAEIOUY]{{2}}"
)
_WORD_AT_RE = re.compile(r"[^\W_]+")


def _normalize_words(text: str) -> str:
    """Every syllable in its one spelling, case kept (pyvi reads case)."""
    text = nfc(text)
    out: list[str] = []
    pos = 0
    for m in _NEEDS_NORMALIZING.finditer(text):
        if m.start() < pos:
            continue
        start = m.start()
        while start > 0 and (text[start - 1].isalnum() and text[start - 1] != "_"):
            start -= 1
        word = _WORD_AT_RE.match(text, start)
        if word is None:  # cannot happen: the match above starts inside a word
            continue
        out.append(text[pos:start])
        out.append(normalize_syllable(word.group()))
        pos = word.end()
    if not out:
        return text
    out.append(text[pos:])
    return "".join(out)


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
def _abbreviation_rule() -> tuple[re.Pattern[str], re.Pattern[str], dict[str, str]]:
    """(first word of any full form, in lower case; every full form longest first; full form → abbreviation).

    Full forms are normalised, and also typed without accents.
    """
    forms: dict[str, str] = {}
    for abbr, full_forms in ABBREVIATIONS.items():
        for form in full_forms:
            norm = _normalize_words(form)
            forms[_phrase_key(norm)] = abbr
            forms[_phrase_key(fold_accents(norm))] = abbr
    ordered = sorted(forms, key=len, reverse=True)
    full = re.compile(r"(?:" + "|".join(_phrase_pattern(f) for f in ordered) + r")(?!\w)", re.IGNORECASE)
    firsts = {m.group() for f in forms if (m := _WORD_AT_RE.match(f))}
    by_letter: dict[str, list[str]] = {}
    for word in sorted(firsts, key=len, reverse=True):
        by_letter.setdefault(word[0], []).append(re.escape(word[1:]))
    # grouped by first letter: Python's re has no trie of its own
    trie = "|".join(re.escape(ch) + "(?:" + "|".join(rest) + ")" for ch, rest in by_letter.items())
    return re.compile(r"(?<![^\W_])(?:" + trie + r")(?![^\W_])"), full, forms


def _prepare(text: str) -> str:
    """Normalised spelling, full forms replaced by their abbreviation.

    Scanning for ~90 alternatives at every position is slow in Python's re; the full forms
    are tried only where a word could start one.
    """
    text = _normalize_words(text)
    first, full, forms = _abbreviation_rule()
    low = text.lower()
    if len(low) != len(text):  # a character whose lower case is longer: offsets would shift
        low = "".join(ch.lower() if len(ch.lower()) == 1 else ch for ch in text)
    out: list[str] = []
    pos = 0
    for m in first.finditer(low):
        if m.start() < pos:
            continue
        hit = full.match(text, m.start())
        if hit:
            out.append(text[pos : hit.start()])
            out.append(forms.get(_phrase_key(hit.group()), hit.group()))
            pos = hit.end()
    if not out:
        return text
    out.append(text[pos:])
    return "".join(out)


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


@bounded_cache(1 << 15, value="parts")
def _word_parts(low: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(syllables, accent-free syllables) of a lower-case pyvi word; numbers and dates stay whole."""
    sylls = (low,) if _NUMBER_RE.match(low.rstrip("%")) or "/" in low else tuple(s for s in low.split("_") if s)
    return sylls, tuple(fold_syllable(s) for s in sylls)


def fields_from_words(words: list[str | None]) -> Terms:
    """Build every field from a word stream in which None marks a break."""
    word: list[str] = []
    syl: list[str] = []
    fold1: list[str] = []
    fold2: list[str] = []
    prev: str | None = None
    percent = False
    for w in words:
        if w is None:
            prev = None
            continue
        low = w.lower()
        word.append(low)
        sylls, folds = _word_parts(low)
        syl.extend(sylls)
        fold1.extend(folds)
        for f in folds:
            if prev is not None:
                fold2.append(prev + "_" + f)
            prev = f
        percent = percent or low.endswith("%")
    if percent:  # "74,78" alone still finds "74,78%"
        for tokens in (word, syl, fold1):
            tokens.extend([t[:-1] for t in tokens if t.endswith("%") and len(t) > 1])
    return {"word": word, "fold2": fold2, "fold1": fold1, "syl": syl}


def document_terms(text: str) -> Terms:
    """Terms of a passage (or title) for every field."""
    return fields_from_words(tokenize_words(text))


@dataclass
class QuestionTerms:
    """What the index is asked: a question's terms per field, without its question words."""

    text: str
    accented: bool
    terms: Terms = field(default_factory=dict)
    syllables: list[str] = field(default_factory=list)  # content syllables, normalised (for answer marking)


@lru_cache(maxsize=1)
def _question_phrases() -> dict[str, tuple[tuple[tuple[str, ...], bool], ...]]:
    """First syllable → (phrase, whether it is an accented phrase) of every question phrase starting with it,
    accented ones first, each list in QUESTION_PHRASES / FOLDED_QUESTION_PHRASES order (the first match wins)."""
    accented = [tuple(normalize_syllable(s) for s in p.split()) for p in QUESTION_PHRASES]
    folded = [tuple(p.split()) for p in FOLDED_QUESTION_PHRASES]
    accented_set = set(accented)
    by_first: dict[str, list[tuple[tuple[str, ...], bool]]] = {}
    for phrase in accented + folded:
        by_first.setdefault(phrase[0], []).append((phrase, phrase in accented_set))
    return {first: tuple(phrases) for first, phrases in by_first.items()}


def _drop_question_words(words: list[str | None]) -> list[str | None]:
    """Replace question words (bao nhiêu, ai, khi nào, ...) by breaks: they pick the answer type, not passages."""
    flat: list[tuple[int, str]] = []  # (word index, lower syllable)
    for wi, word in enumerate(words):
        if word is not None:
            flat.extend((wi, s) for s in word.lower().split("_"))
    syllables = [s for _, s in flat]
    phrases = _question_phrases()
    drop_words: set[int] = set()
    i = 0
    while i < len(flat):
        matched = 0
        for phrase, accented in phrases.get(syllables[i], ()):
            n = len(phrase)
            window = tuple(syllables[i : i + n])
            if window == phrase and (accented or all(s.isascii() for s in window)):
                matched = n
                break
        if matched:
            drop_words.update(wi for wi, _ in flat[i : i + matched])
            i += matched
        else:
            i += 1
    return [None if wi in drop_words else w for wi, w in enumerate(words)]


def analyze_question(text: str) -> QuestionTerms:
    """Terms of a question, without its question words; accent-free typing is detected."""
    words = _drop_question_words(tokenize_words(text))
    terms = fields_from_words(words)
    return QuestionTerms(text=text, accented=has_diacritics(text), terms=terms, syllables=list(terms["syl"]))
