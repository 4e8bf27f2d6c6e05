"""A question, cleaned once and analysed once: its terms, the answer type, the counted noun.

Every shell (the CLI, the bot, ``bot --console``, ``eval``) cleans with ``clean_question``
and the engine analyses with ``parse_question``; nothing else re-reads the question.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, replace
from datetime import date
from functools import cache, lru_cache

from retrieval.search.period import Period, find_period
from retrieval.text.analyzer import FIELDS, Terms, analyze_question
from retrieval.text.lexicon import (
    AGE_PHRASES,
    ANSWER_TYPE_PHRASES,
    CLAUSE_ANSWERS,
    CONDITION_WORDS,
    COUNT_STOPWORDS,
    DURATION_PHRASES,
    FORMS_OF_ADDRESS,
    MEASURES,
    NOT_QUESTION_WORDS,
    PERCENT_PHRASES,
    UNTYPED_PHRASES,
)
from retrieval.text.normalize import fold_accents, has_diacritics, nfc, normalize_syllable

__all__ = ["MAX_QUESTION_CHARS", "Query", "QuestionError", "clean_question", "folded", "merge_queries", "parse_question", "says", "spelled"]

# Longer than any real question; a paste of a whole article is not one.
MAX_QUESTION_CHARS = 1000


class QuestionError(ValueError):
    """A question that can't be asked: ``reason`` is "empty" or "too_long" (shells word it)."""

    def __init__(self, reason: str, length: int = 0, limit: int = MAX_QUESTION_CHARS) -> None:
        super().__init__(f"question is {reason.replace('_', ' ')} ({length} characters, limit {limit})")
        self.reason = reason
        self.length = length
        self.limit = limit


# Lone surrogates (a cut emoji from a JSON escape) and control or format characters: pyvi's
# tagger and UTF-8 encoders fail on the first, and none of them carries a word.
_JUNK_RE = re.compile(r"[\ud800-\udfff]")


def _visible(ch: str) -> str:
    cat = unicodedata.category(ch)
    return " " if cat in ("Cc", "Cf", "Zl", "Zp", "Co", "Cn") else ch


def clean_question(text: str, limit: int = MAX_QUESTION_CHARS) -> str:
    """NFC, junk characters dropped, white space folded; ``QuestionError`` when empty or too long."""
    text = _JUNK_RE.sub("", text)
    text = "".join(_visible(ch) for ch in nfc(text)) if not text.isprintable() else nfc(text)
    text = " ".join(text.split())
    if not text:
        raise QuestionError("empty")
    if len(text) > limit:
        raise QuestionError("too_long", len(text), limit)
    return text


def folded(text: str) -> str:
    """Lower case, no accents, single spaces: the form question phrases are matched in."""
    return " ".join(fold_accents(nfc(text).lower()).split())


def spelled(text: str) -> str:
    """Lower case, one tone placement per syllable, single spaces: accented phrases are matched in this form."""
    return " ".join(normalize_syllable(w) for w in nfc(text).lower().split())


def _alternatives(accented: bool, phrases: tuple[str, ...]) -> str:
    """The phrases as one regex alternation, longest first, in the form the question is matched in."""
    forms = {spelled(p) if accented else folded(p) for p in phrases}
    return "|".join(re.escape(p) for p in sorted(forms, key=len, reverse=True))


@lru_cache(maxsize=2)
def _type_patterns(accented: bool) -> tuple[tuple[str, re.Pattern[str]], ...]:
    out = []
    for name, phrases in ANSWER_TYPE_PHRASES:
        end = "đâu" if accented else "dau"
        extra = rf"|(?<!\w){end}\W*$" if name == "place" else ""  # "… đâu?" at the end
        out.append((name, re.compile(rf"(?<!\w)(?:{_alternatives(accented, phrases)})(?!\w){extra}")))
    return tuple(out)


@cache  # a handful of constant word lists, each accented and folded
def _phrases(accented: bool, phrases: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile(rf"(?<!\w)(?:{_alternatives(accented, phrases)})(?!\w)")


def says(question: str, phrases: tuple[str, ...], folded_phrases: tuple[str, ...] | None = None) -> bool:
    """Whether the question holds one of ``phrases`` as whole words; typed without diacritics, one of
    ``folded_phrases`` when given (the accent-free forms that are not ambiguous), else of ``phrases`` folded."""
    accented = has_diacritics(question)
    text = spelled(question) if accented else folded(question)
    return bool(_phrases(accented, phrases if accented or folded_phrases is None else folded_phrases).search(text))


_OPEN_WHEN = ("khi nào", "bao giờ")  # "when" that may ask a condition; "lúc nào" asks a time


_WHO_IS_RE = re.compile(r"^\W*(.+?)\s+(?:là|la)\s+ai\W*$", re.IGNORECASE)
_ADDRESS_WORDS = frozenset(folded(w) for phrase in (*FORMS_OF_ADDRESS, "những", "người", "các") for w in phrase.split())


def _asks_who_someone_is(question: str) -> bool:
    """Whether a named person's role is asked, not a name ("Bác sĩ Dương Quang Trung là ai?", "Dunbar là ai?");
    "Giám đốc Bệnh viện Chợ Rẫy là ai?" names a post: its holder's name is the answer."""
    m = _WHO_IS_RE.match(nfc(question))
    if not m:
        return False
    words = m.group(1).split()
    while words and folded(words[0]) in _ADDRESS_WORDS:
        words.pop(0)
    return bool(words) and all(w[:1].isupper() for w in words)


def question_type(question: str) -> str | None:
    """'number', 'person', 'date', 'year', 'place', or None when the question asks for something else (a clause:
    ``clause_type``)."""
    if not question.isupper():  # "tiềm năng của AI": the initials, not "ai" (unless all of it is typed in capitals)
        question = re.sub(r"(?<!\w)AI(?!\w)", " ", question)
    accented = has_diacritics(question)
    text = spelled(question) if accented else folded(question)
    if _phrases(accented, UNTYPED_PHRASES).search(text) or _asks_who_someone_is(question) or clause_type(question):
        return None  # a reason, purpose or means is a clause, even when the question names a rate ("Vì sao tỷ lệ … tăng?")
    text = _phrases(accented, NOT_QUESTION_WORDS).sub(" ", text)
    if _phrases(accented, AGE_PHRASES).search(text):
        return "number"  # "kết hôn năm bao nhiêu tuổi?" asks for an age, not a year
    for name, pattern in _type_patterns(accented):
        if pattern.search(text):
            if name == "date" and _phrases(accented, _OPEN_WHEN).search(text) and _phrases(accented, CONDITION_WORDS).search(text):
                return None
            return name
    return None


def clause_type(question: str) -> str | None:
    """'reason', 'purpose' or 'means' when the question asks for what a clause answers ("Vì sao …?", "… nhằm mục
    đích gì?", "… bằng cách nào?"), else None. Such a question has no answer type (``question_type``)."""
    return next((kind for kind, phrases, _cues in CLAUSE_ANSWERS if says(question, phrases)), None)


def _focus(text: str) -> tuple[str, ...]:
    """Folded syllables of the counted noun after 'bao nhiêu'/'mấy' ("bao nhiêu đồng chí được" → dong, chi)."""
    m = re.search(r"\b(?:bao nhieu|may)\s+([a-z0-9 ]+)", text)
    if not m:
        return ()
    out = []
    for w in m.group(1).split()[:3]:
        if w in COUNT_STOPWORDS:
            break
        out.append(w)
    return tuple(out)


# Words before "bao nhiêu" that say nothing about the number ("là bao nhiêu", "có bao nhiêu").
_LEAD_STOPWORDS = frozenset([*COUNT_STOPWORDS, "tat", "ca", "khoang", "muc", "con", "tong", "so", "luong"])


def _lead(text: str) -> tuple[str, ...]:
    """The one or two folded syllables right before 'bao nhiêu'/'mấy', which the answer's number follows in the
    text ("nặng bao nhiêu" → nang; "thế hệ bao nhiêu" → the, he); none when they say nothing ("là bao nhiêu")."""
    m = re.search(r"([a-z0-9]+)(?:\s+([a-z0-9]+))?\s+(?:bao nhieu|may)\b", text)
    if not m:
        return ()
    words = [w for w in m.groups() if w]
    while words and words[0] in _LEAD_STOPWORDS:
        words.pop(0)
    return tuple(words) if words and words[-1] not in _LEAD_STOPWORDS else ()


def _measured(text: str, lead: tuple[str, ...]) -> frozenset[str] | None:
    """The units that answer what the question measures ("cân nặng", "nặng bao nhiêu" → kg, g …), None when it names
    nothing measured: a measure noun anywhere, or the word right before "bao nhiêu"."""
    fold = fold_accents(text.lower())
    for phrases, units in MEASURES:
        for phrase in phrases:
            if " " in phrase and re.search(rf"(?<!\w){phrase}(?!\w)", fold):
                return units
            if " " not in phrase and lead and lead[-1] == phrase:
                return units
    return None


_ASKS_SEASON_RE = re.compile(r"mùa nào|trong năm|mua nao|trong nam", re.I)
_ASKS_DAYTIME_RE = re.compile(r"trong ngày|buổi nào|giờ nào|trong ngay|buoi nao|gio nao", re.I)


def _grain(text: str) -> str | None:
    """The kind of time a question asks for when no calendar date answers it: "season" ("… thời điểm nào trong
    năm?"), "daytime" ("… trong ngày?"), else None."""
    return "season" if _ASKS_SEASON_RE.search(text) else "daytime" if _ASKS_DAYTIME_RE.search(text) else None


@dataclass(frozen=True)
class Query:
    """Everything the engine and the answer marker need to know about one question."""

    text: str
    accented: bool
    terms: Terms = field(default_factory=dict)
    syllables: tuple[str, ...] = ()  # content syllables, normalised (answer marking)
    qtype: str | None = None
    clause_type: str | None = None  # an untyped question answered by a clause: "reason", "purpose", "means"
    focus: tuple[str, ...] = ()  # the counted noun, folded ("dong", "chi")
    lead: tuple[str, ...] = ()  # the word(s) the number follows, folded ("nặng bao nhiêu" → nang)
    units: frozenset[str] | None = None  # the units of what it measures ("cân nặng" → kg, g …)
    grain: str | None = None  # "season" or "daytime": the kind of time asked without a calendar
    wants_percent: bool = False
    wants_duration: bool = False  # "bao lâu": a count of time units ("36 năm")
    period: Period | None = None  # the dates the question asks about ("tháng 12/2018", "mới nhất")
    cover_terms: Terms | None = None  # the terms without the period's words, for the not-found check


def _without(text: str, spans: tuple[tuple[int, int], ...]) -> str:
    for start, end in sorted(spans, reverse=True):
        text = text[:start] + " " + text[end:]
    return text


def parse_question(text: str, today: date | None = None, periods: bool = True) -> Query:
    """Analyse a (cleaned) question once, and the period it names."""
    period = find_period(text, today or date.today()) if periods else None
    analysed = analyze_question(text)
    # A period is matched by the articles' dates, so its words do not count against an article that
    # lacks them ("tháng 12/2020" in a question, "Ngày 18/12" in the article; "hôm qua", "mới nhất").
    # They are still scored: where an article does use them ("gần đây"), they are evidence.
    rest = _without(text, period.spans) if period else ""
    cover = analyze_question(rest).terms if period and rest.strip() else None
    fold = folded(text)
    lead = _lead(fold)
    return Query(
        text=text,
        accented=analysed.accented,
        terms={name: analysed.terms[name] for name in (*FIELDS, "syl")},
        syllables=tuple(analysed.syllables),
        qtype=question_type(text),
        clause_type=clause_type(text),
        focus=_focus(fold),
        lead=lead,
        units=_measured(text, lead),
        grain=_grain(text),
        wants_percent=any(re.search(rf"\b{folded(p)}\b", fold) for p in PERCENT_PHRASES),
        wants_duration=any(re.search(rf"\b{folded(p)}\b", fold) for p in DURATION_PHRASES),
        period=period,
        cover_terms={name: cover[name] for name in FIELDS} if cover else None,
    )


def _doubled(own: Terms, earlier: Terms) -> Terms:
    """Own terms twice (rank_bm25 sums repeats), then the earlier terms the question lacks, once."""
    return {name: [*own[name], *own[name], *(t for t in earlier[name] if t not in set(own[name]))] for name in own}


def merge_queries(
    own: Query, earlier_text: str, today: date | None = None, periods: bool = True, said: str = ""
) -> tuple[Query, str, tuple[str, ...]]:
    """An elliptic question ("Còn năm 2019?", "Còn ở Đồng Nai thì sao?") read with the earlier question's words.

    Returns the merged query, the question as understood (the earlier one, less a period this one
    replaces, then this one as ``said``, by default its text) and the words taken. The question's own terms count double; its own
    answer type, counted noun and period come first, the earlier question's otherwise.
    """
    earlier = parse_question(earlier_text, today, periods)
    if own.period is not None and earlier.period is not None:
        earlier_text = " ".join(_without(earlier_text, earlier.period.spans).split())
        earlier = parse_question(earlier_text, today, periods) if earlier_text else replace(earlier, period=None)
    terms = _doubled(own.terms, earlier.terms)
    period = own.period or earlier.period
    cover = None
    if period is not None:
        cover = _doubled(own.cover_terms or {n: own.terms[n] for n in FIELDS}, earlier.cover_terms or {n: earlier.terms[n] for n in FIELDS})
    carried = tuple(dict.fromkeys(s for s in earlier.syllables if s not in set(own.syllables)))
    lead = own.lead or earlier.lead
    merged = Query(
        text=own.text,
        accented=own.accented,
        terms=terms,
        syllables=(*own.syllables, *carried),
        # "Vì sao?" after "Bao nhiêu hộ thoát nghèo?" asks for the reason, not the number again
        qtype=own.qtype or (None if own.clause_type else earlier.qtype),
        clause_type=own.clause_type or (None if own.qtype else earlier.clause_type),
        focus=own.focus or earlier.focus,
        lead=lead,
        units=_measured(own.text, lead),  # the question's own measure words, or the word before its "bao nhiêu"
        grain=own.grain,
        wants_percent=own.wants_percent or earlier.wants_percent,
        wants_duration=own.wants_duration or earlier.wants_duration,
        period=period,
        cover_terms=cover,
    )
    asked = re.sub(r"\s+([?!.,;:])", r"\1", f"{earlier_text} {said or own.text}".strip())
    return merged, asked, carried
