"""Vietnamese text normalisation: Unicode form, tone-mark placement, accent folding.

Pure functions on strings; nothing here loads a model.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from retrieval.text.memo import bounded_cache

__all__ = [
    "fold_accents",
    "fold_syllable",
    "fold_text",
    "has_diacritics",
    "is_vietnamese_syllable",
    "nfc",
    "normalize_syllable",
]

# The five tone marks as combining characters (NFD). Circumflex, breve and horn
# are letter parts, not tones, and stay on their vowel.
_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
_VOWELS = set("aăâeêioôơuưy")
_HAT_VOWELS = set("ăâêôơư")
_WORD_CHARS = re.compile(r"^[^\W\d_]+$")


def nfc(text: str) -> str:
    """Return ``text`` in NFC, the form both documents and questions are compared in."""
    return unicodedata.normalize("NFC", text)


def _split_tone(syllable: str) -> tuple[str, str]:
    """Split a syllable into (letters without tone in NFC, tone mark or '')."""
    tone = ""
    kept = []
    for ch in unicodedata.normalize("NFD", syllable):
        if ch in _TONES:
            tone = ch
        else:
            kept.append(ch)
    return unicodedata.normalize("NFC", "".join(kept)), tone


def _tone_position(base: str) -> int:
    """Index of the vowel that carries the tone, old-style placement (hòa, thủy, ủy).

    Old style is what Vietnamese dictionaries and most provincial papers use; the
    choice only has to be the same for documents and questions.
    """
    low = base.lower()
    n = len(low)
    start = 0
    # "qu" and "gi" are initial consonants when a vowel follows them.
    if (low.startswith("qu") and n > 2 and low[2] in _VOWELS) or (low.startswith("gi") and n > 2 and low[2] in _VOWELS):
        start = 2
    i = start
    while i < n and low[i] not in _VOWELS:
        i += 1
    if i == n:
        # "gì", "gìn" style: the i of gi is the only vowel.
        i = start - 1 if start == 2 and low[1] in _VOWELS else -1
        return i
    j = i
    while j < n and low[j] in _VOWELS:
        j += 1
    cluster = range(i, j)
    hats = [k for k in cluster if low[k] in _HAT_VOWELS]
    if hats:
        return hats[-1]
    if j < n:  # closed syllable: the last vowel of the nucleus
        return j - 1
    size = j - i
    if size == 1:
        return i
    if size == 2:
        return i
    return i + 1


@bounded_cache(1 << 15)
def normalize_syllable(syllable: str) -> str:
    """One spelling per syllable: NFC, tone on its canonical vowel, toned final y after a consonant as i.

    >>> normalize_syllable("hoà") == normalize_syllable("hòa")
    True
    >>> normalize_syllable("uỷ") == normalize_syllable("ủy")
    True
    """
    base, tone = _split_tone(syllable)
    if not tone or not _WORD_CHARS.match(base):
        return nfc(syllable)
    low = base.lower()
    # kỷ/kỉ, lý/lí, mỹ/mĩ: a toned lone y after a consonant is spelled i.
    if len(low) >= 2 and low[-1] == "y" and (low[-2] not in _VOWELS or low[:-1] == "qu"):
        base = base[:-1] + ("I" if base[-1] == "Y" else "i")
    pos = _tone_position(base)
    if pos < 0:
        return nfc(syllable)
    return unicodedata.normalize("NFC", base[: pos + 1] + tone + base[pos + 1 :])


@bounded_cache(1 << 14)
def fold_accents(text: str) -> str:
    """Strip every diacritic and map đ to d: what a cadre types on a phone without a Vietnamese keyboard."""
    out = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in out if not unicodedata.combining(ch))


@bounded_cache(1 << 15)
def fold_syllable(syllable: str) -> str:
    """Accent-free key of one lower-case syllable; final y after a consonant is i (ky/ki, quy/qui)."""
    folded = fold_accents(syllable)
    if len(folded) >= 2 and folded[-1] == "y" and (folded[-2] not in "aeiouy" or folded[:-1] == "qu"):
        folded = folded[:-1] + "i"
    return folded


_DIACRITIC_RE = re.compile(r"[^\x00-\x7f]")


def has_diacritics(text: str) -> bool:
    """True when the text carries any Vietnamese letter beyond ASCII (a typed-with-accents question)."""
    return any(unicodedata.category(c).startswith("L") for c in _DIACRITIC_RE.findall(nfc(text)))


# A Vietnamese syllable: optional initial consonant, a vowel nucleus, optional final.
_SYLLABLE_RE = re.compile(
    r"^(ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdđghklmnpqrstvx])?"
    r"([aăâeêioôơuưy]{1,3})"
    r"(ch|ng|nh|[cmnpt])?$"
)


@bounded_cache(1 << 14)
def is_vietnamese_syllable(word: str) -> bool:
    """True when ``word`` is spelled like a Vietnamese syllable (used to recognise legacy encodings)."""
    base, _ = _split_tone(word.lower())
    return bool(_SYLLABLE_RE.match(base))


# fold_syllable's rule: final y after a consonant is i (kỷ → ki), and quy is qui. The pattern starts with the
# literal "y" so the regex engine jumps from y to y (25× faster on news text than trying the look-behinds at
# every character; the same matches).
_FINAL_Y_RE = re.compile(r"y(?:(?<=[b-df-hj-np-tv-xz]y)|(?<=\bquy))(?![^\W_])")


@lru_cache(maxsize=1)
def _fold_table() -> dict[int, str]:
    """Every Latin letter with diacritics → its base letter (đ → d): folding keeps offsets."""
    table = {}
    for code in range(0x00C0, 0x1F00):
        ch = chr(code)
        base = fold_accents(ch)
        if base != ch and len(base) == 1:
            table[code] = base
    return table


def fold_text(text: str) -> str:
    """Lower case, accent-free, keyed as the fold1 field keys syllables, one character per character (offsets
    stay valid): the one pass over whole passages and articles (sentences, answers, periods named in texts)."""
    return _FINAL_Y_RE.sub("i", text.lower().translate(_fold_table()))
