"""The marks of a quote: the sentence that answers (bold) and the typed answer in it (underlined)."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from retrieval.search.answer.clauses import clause_answer
from retrieval.search.answer.finders import candidates
from retrieval.search.answer.neighbourhood import SYL_RE, clause_bounds, evidence
from retrieval.search.answer.span import Span
from retrieval.search.query import Query
from retrieval.search.sentences import SentenceWeights, sentence_shares
from retrieval.text.lexicon import CONTINUATION_OPENERS
from retrieval.text.normalize import fold_text

__all__ = [
    "CLAUSE_MAX_ASKED",
    "CLAUSE_SHOW",
    "IN_SENTENCE_BONUS",
    "MOVE_SHARE",
    "NEW_WORDS_MIN",
    "Choice",
    "Evidence",
    "MarkConfig",
    "Marks",
    "choose",
    "first_choice",
    "mark",
    "marks",
]


@dataclass(frozen=True)
class Evidence:
    """What speaks for the chosen candidate: the figures its confidence is read from."""

    finder: float  # its finder's score (the counted noun after it, the unit, the surname …)
    clause: float  # share of the question's weight near it in its clause
    sentence: float  # ... and in its sentence
    margin: float  # its lead over the best different candidate (MARGIN_CAP when it has none)
    best_share: float  # the share of the question's weight the quote's best sentence holds

    def features(self) -> tuple[float, float, float, float, float]:
        return (self.finder, self.clause, self.sentence, min(self.margin, MARGIN_CAP), self.best_share)


MARGIN_CAP = 5.0  # a lead beyond this says nothing more


@dataclass(frozen=True)
class MarkConfig:
    """How a typed answer is chosen among a quote's candidates, and when it has earned its underline.

    A candidate's score is its finder's plus ``clause`` × the question's evidence in its clause: the share of the
    question's IDF standing near it, each word at its nearest, decayed with distance (neighbourhood.evidence).
    The chosen one is underlined only when it leads every different candidate and its confidence, a logistic
    over ``Evidence.features()`` (``bias`` + ``weights``), reaches ``show``; otherwise its sentence is bold and
    nothing is underlined. The weights are a logistic regression fitted on news train's first quotes (whether the
    chosen span overlaps a gold answer; ``benchmarks/answer_marks.py --fit``), dev read after. ``show`` is the
    highest confidence, in steps of 0.01, at which the seed bulletin's own answers keep their underline ("74,78%"
    stands at 0.505; tests/test_search.py): 8.6 % of train questions get a span, 76.6 % of them right.
    """

    clause: float = 4.0
    clause_reach: float = 10.0  # characters at which a word counts half
    sentence_reach: float = 60.0
    bias: float = -1.43
    weights: tuple[float, float, float, float, float] = (0.12, 0.54, 1.42, 0.07, -0.20)
    show: float = 0.50

    def confidence(self, evidence: Evidence) -> float:
        """The chance, as fitted on train, that the chosen candidate is the answer."""
        z = self.bias + sum(w * x for w, x in zip(self.weights, evidence.features(), strict=True))
        return 1.0 / (1.0 + math.exp(-z))


# A typed answer found outside the best sentence moves the mark to its sentence only when that sentence
# holds at least this share of the best one's weight ("vào mùa đông" should not lose to a funeral's date).
MOVE_SHARE = 0.5
# A candidate inside the best sentence is preferred by this much (a count of the question's own noun, +6,
# still wins from a neighbouring sentence that holds enough of the question).
IN_SENTENCE_BONUS = 3.0
# A best sentence with fewer words than this beyond the question's restates it ("Tuy nhiên, không nên ăn
# nhiều bì lợn."): the answer follows, so the next sentence is marked with it.
NEW_WORDS_MIN = 8
_CONTINUES_RE = re.compile(r"(?:" + "|".join(re.escape(w) for w in CONTINUATION_OPENERS) + r")(?!\w)", re.IGNORECASE)


def _new_words(text: str, weights: SentenceWeights) -> int:
    """Syllables of ``text`` that the question does not have."""
    return sum(1 for m in SYL_RE.finditer(fold_text(text)) if m.group() not in weights.syllables)


@dataclass(frozen=True)
class Choice:
    """The typed candidate a quote's marks would underline, the sentence to mark with it, and what speaks for it."""

    span: Span
    sentence: int
    evidence: Evidence


def choose(
    query: Query,
    passage: str,
    shares: list[tuple[float, int, int]],
    best: int,
    weights: SentenceWeights,
    config: MarkConfig,
    within: tuple[int, int] | None = None,
) -> Choice | None:
    """The best typed candidate of a quote (None when there is none), whether or not it has earned its underline.

    ``shares`` are the quote's sentences, ``best`` the one holding most of the question; a candidate in a sentence
    holding at least MOVE_SHARE of that moves the mark there."""
    top = shares[best][0]
    folded = fold_text(passage)
    if len(folded) != len(passage):  # a character whose lower case is longer: offsets would not line up
        folded = passage.lower()
    total = sum(weights.syllables.values())
    ranked = []
    for score, start, end in candidates(query, passage):
        if within is not None and not (within[0] <= start and end <= within[1]):
            continue
        holder = next((i for i, (_, s, e) in enumerate(shares) if s <= start and end <= e), None)
        lo, hi = (shares[holder][1], shares[holder][2]) if holder is not None else (0, len(passage))
        c_lo, c_hi = clause_bounds(passage, start, end, lo, hi)
        in_sentence = evidence(folded, start, end, lo, hi, weights.syllables, total, config.sentence_reach)
        in_clause = evidence(folded, start, end, c_lo, c_hi, weights.syllables, total, config.clause_reach)
        strong = holder is not None and shares[holder][0] >= MOVE_SHARE * top
        value = score + (IN_SENTENCE_BONUS if holder == best else 0.0) + config.clause * in_clause
        ranked.append((strong, value, -start, end, holder, score, in_clause, in_sentence))
    if not ranked:
        return None
    ranked.sort(key=lambda r: r[:4], reverse=True)
    strong, value, neg_start, end, holder, score, in_clause, in_sentence = ranked[0]
    text = passage[-neg_start:end]
    rival = next((r for r in ranked[1:] if passage[-r[2] : r[3]] != text), None)
    margin = value - rival[1] if rival is not None and rival[0] == strong else MARGIN_CAP
    sentence = holder if strong and holder is not None else best
    return Choice(Span(text, -neg_start, end), sentence, Evidence(score, in_clause, in_sentence, margin, top))


def _earned(choice: Choice | None, config: MarkConfig) -> Span | None:
    """The chosen candidate's span when it has earned its underline, else None."""
    if choice is None:
        return None
    # Two different candidates nothing tells apart: neither is shown, however confident the pair looks.
    if choice.evidence.margin <= 0 or config.confidence(choice.evidence) < config.show:
        return None
    return choice.span


def _best_sentence(passage: str, weights: SentenceWeights) -> tuple[list[tuple[float, int, int]], int]:
    shares = sentence_shares(passage, weights)
    return shares, max(range(len(shares)), key=lambda i: (shares[i][0], -i))


def first_choice(query: Query, passage: str, weights: SentenceWeights, config: MarkConfig | None = None) -> Choice | None:
    """The typed candidate ``mark`` weighs first in a quote, shown or not (what MarkConfig's confidence is fitted on)."""
    shares, best = _best_sentence(passage, weights)
    if shares[best][0] <= 0 or not query.qtype:
        return None
    return choose(query, passage, shares, best, weights, config or MarkConfig())


@dataclass(frozen=True)
class Marks:
    """One quote's marks, and the candidate weighed for its underline (shown or not) with its confidence."""

    sentence: Span | None
    answer: Span | None
    choice: Choice | None = None  # the typed candidate, with what speaks for it
    confidence: float = 0.0  # the candidate's (0 when there is none, or when it ties with another candidate)
    clause: Span | None = None  # the answering clause of a reason, purpose or means question (``clause_answer``)

    @property
    def candidate(self) -> Span | None:
        """The answer weighed for the underline, typed or a clause, shown or not."""
        return self.choice.span if self.choice is not None else self.clause


# A clause answer ("Vì sao …?" → "do thiếu vốn") is underlined only when its sentence holds at least this share
# of the question's weight, and the clause itself at most CLAUSE_MAX_ASKED of it: a clause restating the
# question ("vì vậy phụ huynh cần chủ động phòng bệnh") is not what it asks. Chosen on news train's first quotes
# (the figures of benchmarks/answer_marks.py, dev read after): train's clause spans are right 58 times in 68 (dev 53 in 62).
CLAUSE_SHOW = 0.40
CLAUSE_MAX_ASKED = 0.30


def _asked_share(text: str, weights: SentenceWeights) -> float:
    """Share of the question's syllable weight that ``text`` holds (each syllable once)."""
    total = sum(weights.syllables.values())
    held = set(SYL_RE.findall(fold_text(text))) & weights.syllables.keys()
    return sum(weights.syllables[w] for w in held) / total if total > 0 else 1.0


def _clause_marks(
    query: Query, passage: str, sentence: tuple[float, int, int], weights: SentenceWeights
) -> tuple[Span | None, Span | None, float]:
    """(the answering clause if it has earned its underline, the clause weighed, its confidence) in one sentence."""
    share, lo, hi = sentence
    found = clause_answer(query.clause_type or "", passage, lo, hi)
    if found is None:
        return None, None, 0.0
    start, cue_end, end = found
    asked = _asked_share(passage[cue_end:end], weights)
    span = Span(passage[start:end], start, end)
    confidence = share if asked <= CLAUSE_MAX_ASKED else 0.0
    return (span if confidence >= CLAUSE_SHOW else None), span, confidence


def mark(query: Query, passage: str, weights: SentenceWeights, config: MarkConfig | None = None) -> tuple[Span | None, Span | None]:
    """(the sentence that answers, the typed answer) of one quote; either may be None (see ``marks``)."""
    found = marks(query, passage, weights, config)
    return found.sentence, found.answer


def marks(query: Query, passage: str, weights: SentenceWeights, config: MarkConfig | None = None) -> Marks:
    """The sentence that answers and the typed answer of one quote, with the candidate weighed for the underline.

    The sentence holds most of the question's weight. A typed answer (number, date, person, place)
    is preferred inside it; one in another sentence that holds enough of the question moves the mark
    there. The answer is underlined only when the question's words stand around it and no other candidate
    comes close (``MarkConfig``). A reason, purpose or means question is answered by the clause a cue word opens
    in the best sentence (``clause_answer``), underlined when CLAUSE_SHOW and CLAUSE_MAX_ASKED allow it. The next
    sentence joins the mark when it continues this one ("Đây là…") or when this one only restates the question.
    """
    config = config or MarkConfig()
    shares, best = _best_sentence(passage, weights)
    if shares[best][0] <= 0:
        return Marks(None, None)  # nothing of the question here: no mark has earned its place
    choice = choose(query, passage, shares, best, weights, config) if query.qtype else None
    answer = _earned(choice, config)
    clause, clause_confidence = None, 0.0
    if query.clause_type and not query.qtype:
        answer, clause, clause_confidence = _clause_marks(query, passage, shares[best], weights)
    best = choice.sentence if choice else best  # a strong answer elsewhere moves the mark to its sentence
    _, start, end = shares[best]
    if (answer is None or not start <= answer.start < end) and best + 1 < len(shares):
        next_start, next_end = shares[best + 1][1:]
        if "\n" not in passage[end:next_start] and (
            _CONTINUES_RE.match(passage, next_start) or _new_words(passage[start:end], weights) < NEW_WORDS_MIN
        ):
            end = next_end
            if answer is None and query.qtype:
                joined = [(share, s, e) for share, s, e in shares if start <= s and e <= end]
                rejoined = choose(query, passage, joined, 0, weights, config, within=(start, end))
                answer = _earned(rejoined, config)
                choice = rejoined if answer is not None else choice
    confidence = config.confidence(choice.evidence) if choice is not None and choice.evidence.margin > 0 else clause_confidence
    return Marks(Span(passage[start:end], start, end), answer, choice, confidence, clause)
