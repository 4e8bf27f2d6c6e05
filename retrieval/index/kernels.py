"""The inner loops of a search: posting-list accumulation, top-k, lookup of a few passages in lists.

Two interchangeable sets with bit-identical results:
- ``NUMPY``: loads instantly; fine for one question (tens of ms at a million passages);
- ``compiled()``: numba versions (compiled.py), ~10× faster per question but ~0.3 s to load,
  so long-running processes (the bot, ``ask --batch``) load them once at start-up.
Posting lists are in the layout of postings.py: (run_ptr, run_high, run_start, low, code).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

__all__ = ["NUMPY", "Kernels", "compiled"]


@dataclass(frozen=True)
class Kernels:
    name: str
    accumulate: Callable[..., None]
    accumulate_part: Callable[..., None]  # accumulate() for the passages of an id range (one thread's share)
    top_k: Callable[..., np.ndarray]
    locate: Callable[..., np.ndarray]
    gather: Callable[..., None]


def _row_docs(r, run_ptr, run_high, run_start, low) -> tuple[int, int, np.ndarray]:
    """(first posting, end, passage ids) of row ``r``."""
    q0, q1 = int(run_ptr[r]), int(run_ptr[r + 1])
    start, end = int(run_start[q0]), int(run_start[q1])
    base = np.repeat(np.asarray(run_high[q0:q1], dtype=np.int64) << 16, np.diff(np.asarray(run_start[q0 : q1 + 1])))
    return start, end, base + low[start:end]


def _accumulate(scores, rows, factors, run_ptr, run_high, run_start, low, code, idf, sat) -> None:
    """scores[passage] += factor × idf[row] × sat[code], for every posting of every (row, factor) in order."""
    _accumulate_part(scores, rows, factors, run_ptr, run_high, run_start, low, code, idf, sat, 0, len(scores))


def _accumulate_part(scores, rows, factors, run_ptr, run_high, run_start, low, code, idf, sat, lo, hi) -> None:
    """_accumulate() for the passages with ids in [lo, hi) only."""
    for r, f in zip(rows, factors, strict=True):
        start, _, docs = _row_docs(r, run_ptr, run_high, run_start, low)
        a, b = np.searchsorted(docs, [lo, hi])
        scores[docs[a:b]] += f * (idf[r] * sat[code[start + a : start + b]])


def _top_k(scores, k) -> np.ndarray:
    """Indices of the ``k`` highest positive scores, best first; ties keep the lower index first."""
    positive = np.flatnonzero(scores > 0)
    if len(positive) > k:
        kth = np.partition(scores[positive], len(positive) - k)[len(positive) - k]
        positive = positive[scores[positive] >= kth]
    order = np.lexsort((positive, -scores[positive]))
    return positive[order][:k]


def _locate(row, targets, run_ptr, run_high, run_start, low) -> np.ndarray:
    """Position of each target passage in the posting list of ``row``, or -1."""
    start, _, docs = _row_docs(row, run_ptr, run_high, run_start, low)
    targets = np.asarray(targets, dtype=np.int64)
    if not len(docs):
        return np.full(len(targets), -1, dtype=np.int64)
    pos = np.minimum(np.searchsorted(docs, targets), len(docs) - 1)
    return np.where(docs[pos] == targets, start + pos, -1).astype(np.int64)


def _gather(out, rows, factors, targets, run_ptr, run_high, run_start, low, code, idf, sat) -> None:
    """accumulate() for a few target passages only: out[i] += the score of targets[i], same additions in the same order."""
    for r, f in zip(rows, factors, strict=True):
        pos = _locate(r, targets, run_ptr, run_high, run_start, low)
        found = pos >= 0
        out[found] += f * (idf[r] * sat[code[pos[found]]])


NUMPY = Kernels("numpy", _accumulate, _accumulate_part, _top_k, _locate, _gather)


@lru_cache(maxsize=1)
def compiled() -> Kernels:
    """The numba set, loaded (and compiled on first ever use) and exercised once."""
    from retrieval.index import compiled as c

    scores = np.zeros(4)
    rows = np.zeros(1, dtype=np.int64)
    run_ptr = np.array([0, 1], dtype=np.int64)
    run_high = np.zeros(1, dtype=np.uint16)
    run_start = np.array([0, 1], dtype=np.int64)
    low = np.zeros(1, dtype=np.uint16)
    for code in (np.zeros(1, dtype=np.uint16), np.zeros(1, dtype=np.uint32)):
        c.accumulate(scores, rows, np.ones(1), run_ptr, run_high, run_start, low, code, np.ones(1), np.ones(1))
        c.accumulate_part(scores, rows, np.ones(1), run_ptr, run_high, run_start, low, code, np.ones(1), np.ones(1), 0, 4)
    c.top_k(scores, 2)
    for targets in (np.zeros(1, dtype=np.int32), np.zeros(1, dtype=np.int64)):
        c.locate(0, targets, run_ptr, run_high, run_start, low)
        for code in (np.zeros(1, dtype=np.uint16), np.zeros(1, dtype=np.uint32)):
            c.gather(np.zeros(1), rows, np.ones(1), targets, run_ptr, run_high, run_start, low, code, np.ones(1), np.ones(1))
    return Kernels("numba", c.accumulate, c.accumulate_part, c.top_k, c.locate, c.gather)
