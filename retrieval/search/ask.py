"""One question on its way through the cascade: what every stage reads, and what the stages learn."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from retrieval.search.candidates import Candidates
from retrieval.search.config import RankerConfig
from retrieval.search.query import Query
from retrieval.search.reader import IndexReader
from retrieval.search.searcher import Searcher
from retrieval.search.sentences import SentenceWeights

__all__ = ["Ask", "Notes"]


@dataclass
class Notes:
    """What the stages learned on the way, for the not-found judge, the quotes and the next turn."""

    lead: int | None = None  # the passage that led before the sentence step (the not-found judge reads it)
    sentences: dict[int, tuple[float, int, int]] = field(default_factory=dict)  # best sentence of each passage read
    evidence: list[tuple[int, float]] = field(default_factory=list)  # (article row, share of the best score), the question alone
    alone: Candidates | None = None  # the order before the conversation lifted any
    in_period: set[int] = field(default_factory=set)  # article rows among the candidates dated in the question's period


@dataclass(frozen=True)
class Ask:
    """The question as understood (``query``, its sentence ``weights``), the conversation's ``lift`` (article row →
    share of the best score its passages gain), the first pass's ``scores`` of every passage, and where to read."""

    query: Query
    weights: SentenceWeights
    lift: dict[int, float]
    scores: np.ndarray
    config: RankerConfig
    reader: IndexReader
    searcher: Searcher
    notes: Notes = field(default_factory=Notes)
