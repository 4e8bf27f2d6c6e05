"""The inner loops of a search: posting-list accumulation, top-k, membership.

Two interchangeable sets with bit-identical results:
- ``NUMPY``: loads instantly; fine for one question (tens of ms at a million passages);
- ``compiled()``: numba versions (compiled.py), ~10× faster per question but ~0.3 s to load,
  so long-running processes (the bot, ``ask --batch``) load them once at start-up.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

import numpy as np

__all__ = ["Kernels", "NUMPY", "compiled"]


@dataclass(frozen=True)
class Kernels:
    name: str
    accumulate: Callable[..., None]
    top_k: Callable[..., np.ndarray]
    contains_sorted: Callable[..., np.ndarray]


def _accumulate(scores, rows, factors, indptr, docs, weights) -> None:
    """scores[docs of row r] += factor × weight, for every (row, factor) in order."""
    for r, f in zip(rows, factors):
        start, end = int(indptr[r]), int(indptr[r + 1])
        scores[docs[start:end]] += f * weights[start:end].astype(np.float64)


def _top_k(scores, k) -> np.ndarray:
    """Indices of the ``k`` highest positive scores, best first; ties keep the lower index first."""
    positive = np.flatnonzero(scores > 0)
    if len(positive) > k:
        kth = np.partition(scores[positive], len(positive) - k)[len(positive) - k]
        positive = positive[scores[positive] >= kth]
    order = np.lexsort((positive, -scores[positive]))
    return positive[order][:k]


def _contains_sorted(plist, docs) -> np.ndarray:
    """For each of ``docs``, whether it is in the ascending array ``plist``."""
    if not len(plist):
        return np.zeros(len(docs), dtype=bool)
    pos = np.minimum(np.searchsorted(plist, docs), len(plist) - 1)
    return plist[pos] == docs


NUMPY = Kernels("numpy", _accumulate, _top_k, _contains_sorted)


@lru_cache(maxsize=1)
def compiled() -> Kernels:
    """The numba set, loaded (and compiled on first ever use) and exercised once."""
    from . import compiled as c

    scores = np.zeros(4)
    rows = np.zeros(1, dtype=np.int64)
    indptr = np.array([0, 1], dtype=np.int64)
    docs = np.zeros(1, dtype=np.int32)
    for dtype in (np.float32, np.float64):
        c.accumulate(scores, rows, np.ones(1), indptr, docs, np.ones(1, dtype=dtype))
    c.top_k(scores, 2)
    c.contains_sorted(docs, docs)
    return Kernels("numba", c.accumulate, c.top_k, c.contains_sorted)
