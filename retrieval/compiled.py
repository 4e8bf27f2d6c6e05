"""The inner loops compiled with numba (see kernels.py for when they are used).

numba compiles them once and caches the machine code beside this file (``cache=True``),
so a new process pays only a load (~0.3 s, with numba's import). ``nogil`` lets the bot's
search threads run them in parallel. Each does in one pass what numpy does with several
temporaries; the arithmetic is the same, operation for operation.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["accumulate", "add_article_scores", "top_k", "contains_sorted"]


@njit(cache=True, nogil=True)
def accumulate(scores, rows, factors, indptr, docs, weights):  # pragma: no cover (compiled)
    """scores[docs of row r] += factor × weight, for every (row, factor) in order."""
    for i in range(rows.shape[0]):
        r = rows[i]
        f = factors[i]
        if f == 1.0:  # a plain BM25 field: no multiply (x * 1.0 == x, so results are the same)
            for j in range(indptr[r], indptr[r + 1]):
                scores[docs[j]] += np.float64(weights[j])
        else:
            for j in range(indptr[r], indptr[r + 1]):
                scores[docs[j]] += f * np.float64(weights[j])


@njit(cache=True, nogil=True)
def add_article_scores(scores, article_scores, passage_article, factor):  # pragma: no cover
    """Each passage borrows ``factor`` × its article's score (articles with no match add nothing)."""
    for p in range(scores.shape[0]):
        a = article_scores[passage_article[p]]
        if a != 0.0:
            scores[p] += factor * a


@njit(cache=True, nogil=True)
def top_k(scores, k):  # pragma: no cover
    """Indices of the ``k`` highest positive scores, best first; ties keep the lower index first.

    One pass with a k-sized min-heap: no dense sort, and no introselect worst case.
    """
    heap_s = np.empty(k, dtype=np.float64)
    heap_i = np.empty(k, dtype=np.int64)
    size = 0
    for i in range(scores.shape[0]):
        s = scores[i]
        if s <= 0.0 or (size == k and s <= heap_s[0]):
            continue  # the common case: one or two comparisons per passage
        if size < k:
            # sift up; the root is the worst kept (lowest score, then highest index)
            j = size
            size += 1
            while j > 0:
                parent = (j - 1) >> 1
                ps = heap_s[parent]
                if s > ps or (s == ps and i < heap_i[parent]):
                    break  # the new entry is not worse than its parent
                heap_s[j] = ps
                heap_i[j] = heap_i[parent]
                j = parent
            heap_s[j] = s
            heap_i[j] = i
        else:
            # better than the worst kept: replace the root and sift down
            j = 0
            while True:
                left = 2 * j + 1
                if left >= size:
                    break
                child = left
                right = left + 1
                if right < size:
                    ls, rs = heap_s[left], heap_s[right]
                    if rs < ls or (rs == ls and heap_i[right] > heap_i[left]):
                        child = right
                cs = heap_s[child]
                if cs > s or (cs == s and heap_i[child] < i):
                    break
                heap_s[j] = cs
                heap_i[j] = heap_i[child]
                j = child
            heap_s[j] = s
            heap_i[j] = i
    out_s = heap_s[:size].copy()
    out_i = heap_i[:size].copy()
    # best first: score descending, index ascending
    order = np.argsort(out_i, kind="mergesort")
    out_s = out_s[order]
    out_i = out_i[order]
    order = np.argsort(-out_s, kind="mergesort")
    return out_i[order]


@njit(cache=True, nogil=True)
def contains_sorted(plist, docs):  # pragma: no cover
    """For each of ``docs``, whether it is in the ascending array ``plist``."""
    out = np.zeros(docs.shape[0], dtype=np.bool_)
    n = plist.shape[0]
    for i in range(docs.shape[0]):
        d = docs[i]
        lo, hi = 0, n
        while lo < hi:
            mid = (lo + hi) >> 1
            if plist[mid] < d:
                lo = mid + 1
            else:
                hi = mid
        out[i] = lo < n and plist[lo] == d
    return out
