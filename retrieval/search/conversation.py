"""Follow-up questions: how far a question leans on the conversation before it, and what it takes from it.

A cadre asks "Bao nhiêu người tử vong vì sốt xuất huyết ở TP HCM?", then "Các bác sĩ khuyến cáo gì?".
The second question has few words of its own; read alone it matches whichever article uses them. So
a search may be given the earlier turns, newest last: each turn's question, the articles its quotes
came from, and the articles the question alone ranked best (its evidence). One policy, used the same
way by the bot, the CLI and ``eval``:

- **Lean.** A question with few content words of its own, or one pointing back ("ông ấy", "việc
  đó"), leans on the earlier turns; a long, specific question stands alone. The lean scales how much
  the earlier turns' articles weigh (``FollowUpConfig``).
- **Articles.** The earlier turns' evidence (their own best articles, newer turns more; the order the
  conversation chose, for a turn whose first article it changed) lifts those articles' passages among
  the question's own candidates. Only candidates the question itself
  matches fairly well can be lifted (``gate``): the context breaks near-ties, it never answers a
  question from an article that does not speak to it.
- **Words.** An elliptic question ("Còn ở Đồng Nai thì sao?", "Còn năm 2019?", "Vì sao?") takes the
  earlier question's words, its own counting double; a period it names replaces the earlier one.
  "Còn …" changes the subject inside the earlier question's frame, so there the earlier articles are
  not lifted.

Pure functions over plain values; the engine applies them (``Engine.search(..., context=...)``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from retrieval.search.query import folded, says, spelled
from retrieval.text.lexicon import CONTRAST_CLOSERS, CONTRAST_OPENERS, CONTRAST_OPENERS_FOLDED, FOLLOW_UP_WORDS, FOLLOW_UP_WORDS_FOLDED
from retrieval.text.normalize import has_diacritics, nfc

__all__ = [
    "EVIDENCE_DEPTH",
    "ContextUse",
    "FollowUpConfig",
    "Reading",
    "Turn",
    "article_weights",
    "carry_on",
    "is_contrast",
    "leans",
    "read_follow_up",
    "revised_turn",
    "without_contrast",
]

EVIDENCE_DEPTH = 20  # articles a turn keeps as its evidence (the context reads no deeper)


@dataclass(frozen=True)
class FollowUpConfig:
    """How far earlier turns count. Tuned on the news questions' train split (benchmarks/conversation.py), checked on dev."""

    boost: float = 1.3  # a fully leaning question: an earlier answer's article gains up to this × the best score
    decay: float = 0.6  # each older turn counts this much of the next newer one
    turns: int = 3  # turns read, newest first
    answered: float = 0.25  # weight of the article a turn's first quote came from, beside its evidence
    gate: float = 0.35  # only candidates scoring at least this share of the best can be lifted
    own_terms: int = 7  # a question with up to this many content syllables leans fully ...
    sharpness: float = 5.0  # ... and one with more leans (own_terms / n) ** sharpness


@dataclass(frozen=True)
class Turn:
    """One earlier question of a conversation, and what it got.

    ``answered``: the articles its quotes came from, best first. ``evidence``: the articles the
    question alone ranked best, with their share of the best score. ``asked``: the question as it was
    understood (with words it took from the turn before), which a later elliptic question takes.
    """

    question: str
    answered: tuple[str, ...] = ()
    evidence: tuple[tuple[str, float], ...] = ()
    asked: str = ""

    @property
    def understood(self) -> str:
        return self.asked or self.question

    def as_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "asked": self.asked,
            "answered": list(self.answered),
            "evidence": [list(e) for e in self.evidence],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Turn:
        """The inverse of ``as_dict``; malformed parts are dropped (a stored turn must never break a question)."""
        evidence = []
        for item in data.get("evidence") or ():
            if isinstance(item, (list, tuple)) and len(item) == 2 and isinstance(item[0], str) and isinstance(item[1], (int, float)):
                evidence.append((item[0], float(item[1])))
        answered = tuple(d for d in data.get("answered") or () if isinstance(d, str))
        asked = data.get("asked")
        return cls(str(data.get("question") or ""), answered, tuple(evidence), asked if isinstance(asked, str) else "")


@dataclass(frozen=True)
class ContextUse:
    """What the conversation did to an answer: shown above the quotes, and in ``--json``."""

    after: str  # the earlier question this one was read after
    used: bool  # the context changed the quotes shown
    carried: tuple[str, ...] = ()  # words taken from the earlier question
    lean: float = 0.0  # how far the question leaned on the earlier turns (0–1)

    def as_dict(self) -> dict[str, Any]:
        return {"after": self.after, "used": self.used, "carried": list(self.carried), "lean": round(self.lean, 3)}


@dataclass(frozen=True)
class Reading:
    """How one question is read against its conversation."""

    lean: float  # 0: stands alone; 1: leans fully on the earlier turns' articles
    carry: bool  # takes the earlier question's words
    weights: dict[str, float] = field(default_factory=dict)  # doc_id → how much the conversation is about it (0–1)


def _bare(text: str) -> str:
    """Lower case, accents kept, punctuation off the ends ("Còn năm 2019?" → "còn năm 2019")."""
    return re.sub(r"^\W+|\W+$", "", spelled(text))


def _contrast_phrases(accented: bool) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The openers and closers of a contrast ("còn …", "… thì sao") in the form a question is typed in."""
    if accented:
        return tuple(spelled(o) for o in CONTRAST_OPENERS), tuple(spelled(c) for c in CONTRAST_CLOSERS)
    return CONTRAST_OPENERS_FOLDED, tuple(folded(c) for c in CONTRAST_CLOSERS)


def is_contrast(question: str) -> bool:
    """ "Còn ở Đồng Nai thì sao?", "Vậy còn năm 2019?": the earlier question, about something else."""
    accented = has_diacritics(question)
    text = _bare(question) if accented else folded(_bare(question))
    openers, closers = _contrast_phrases(accented)
    return any(text == c or text.endswith(" " + c) for c in closers) or any(text.startswith(o + " ") for o in openers)


def without_contrast(question: str) -> str:
    """The question less its "còn … thì sao" (those words match every passage that uses them)."""
    openers, closers = _contrast_phrases(has_diacritics(question))
    text = nfc(question).strip()
    for opener in sorted(openers, key=len, reverse=True):
        text = re.sub(rf"^\W*{re.escape(opener)}\s+", "", text, count=1, flags=re.IGNORECASE)
    for closer in sorted(closers, key=len, reverse=True):
        text = re.sub(rf"\s*{re.escape(closer)}\W*$", "", text, count=1, flags=re.IGNORECASE)
    return " ".join(text.split())


def leans(question: str) -> bool:
    """Whether the question points back at the conversation ("ông ấy", "việc đó", "nơi này")."""
    return says(question, FOLLOW_UP_WORDS, FOLLOW_UP_WORDS_FOLDED)


def read_follow_up(question: str, own_terms: int, turns: Sequence[Turn], config: FollowUpConfig) -> Reading:
    """How far ``question`` (with ``own_terms`` content syllables) leans on ``turns``; no turns: not at all."""
    if not turns:
        return Reading(0.0, False)
    contrast = is_contrast(question)
    carry = contrast or own_terms == 0
    if contrast:
        lean = 0.0  # a new subject in the earlier frame: its words, not its articles
    elif own_terms == 0 or leans(question):
        lean = 1.0
    else:
        lean = min(1.0, config.own_terms / own_terms) ** config.sharpness
    return Reading(lean, carry, article_weights(turns, config) if lean > 0 else {})


def article_weights(turns: Sequence[Turn], config: FollowUpConfig) -> dict[str, float]:
    """doc_id → how much the last ``config.turns`` turns are about that article, in [0, 1].

    Each turn counts its evidence (share of its best score, squared: the runner-up articles of a clear
    answer count little) and the article of its first quote; each older turn ``decay`` times the next.
    """
    out: dict[str, float] = {}
    total = 0.0
    for age, turn in enumerate(reversed(list(turns)[-config.turns :])):
        weight = config.decay**age
        total += weight * (1.0 + config.answered)
        for doc_id, share in turn.evidence[:EVIDENCE_DEPTH]:
            out[doc_id] = out.get(doc_id, 0.0) + weight * max(0.0, min(1.0, share)) ** 2
        if turn.answered:
            out[turn.answered[0]] = out.get(turn.answered[0], 0.0) + weight * config.answered
    return {doc_id: value / total for doc_id, value in out.items()} if total else {}


def carry_on(turns: Sequence[Turn], turn: Turn, config: FollowUpConfig) -> list[Turn]:
    """The conversation after ``turn``: the turns a follow-up of it reads, oldest first (the last ``config.turns``;
    older ones are never read, so a conversation of any length stays this small)."""
    return [*turns, turn][-config.turns :]


def revised_turn(turn: Turn, read: str | None = None, rejected: Sequence[str] = ()) -> Turn:
    """The turn after what the cadre did with its answer: an article read in full leads its articles; articles of
    quotes voted wrong are dropped from it and from its evidence, so a follow-up does not lean on them."""
    answered = [d for d in turn.answered if d not in rejected and d != read]
    if read is not None:
        answered.insert(0, read)
    evidence = tuple((d, s) for d, s in turn.evidence if d not in rejected)
    return Turn(turn.question, tuple(answered), evidence, turn.asked)
