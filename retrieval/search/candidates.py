"""The ranked candidates every stage of the cascade takes and gives: ids and scores, best first.

The tie rule lives here and only here: by score, then the lower passage id first. Every stage that
changes scores hands them to ``rescored``; nothing else sorts passages.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Candidates"]


@dataclass(frozen=True)
class Candidates:
    """Passage ids and their scores, in rank order (after ``ranked``/``rescored``)."""

    ids: np.ndarray
    scores: np.ndarray

    @classmethod
    def ranked(cls, ids: np.ndarray, scores: np.ndarray) -> Candidates:
        """``ids`` ordered by ``scores``, best first; ties: lower id first."""
        order = np.lexsort((ids, -scores))
        return cls(ids[order], scores[order])

    def rescored(self, scores: np.ndarray) -> Candidates:
        """The same passages under new scores, ranked again."""
        return Candidates.ranked(self.ids, scores)

    def newest_first(self, days: np.ndarray, share: float) -> Candidates:
        """ "mới nhất": among the passages scoring at least ``share`` of the best, the newest article's first
        (``days``: each candidate's article date as a day number), by score within a day; the rest after."""
        top = self.scores[0]
        group = np.flatnonzero(self.scores >= share * top)
        rest = np.flatnonzero(self.scores < share * top)
        group = group[np.lexsort((-self.scores[group], -days[group]))]
        order = np.concatenate([group, rest])
        return Candidates(self.ids[order], self.scores[order])

    def head(self, n: int) -> Candidates:
        return Candidates(self.ids[:n], self.scores[:n])

    def where(self, keep: np.ndarray) -> Candidates:
        return Candidates(self.ids[keep], self.scores[keep])

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def lead(self) -> int | None:
        """The first passage, when it scores at all."""
        return int(self.ids[0]) if len(self.ids) and self.scores[0] > 0 else None

    def same_order(self, other: Candidates, n: int) -> bool:
        """Whether the first ``n`` passages are the same, in the same order."""
        return [int(p) for p in self.ids[:n]] == [int(p) for p in other.ids[:n]]
