"""The inner loops compiled with numba (see kernels.py for when they are used).

numba compiles them once and caches the machine code beside this file (``cache=True``),
so a new process pays only a load (~0.3 s, with numba's import). ``nogil`` lets the bot's
search threads run them in parallel. Each does in one pass what numpy does with several
temporaries; the arithmetic is the same, operation for operation.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["accumulate", "top_k", "contains_sorted", "weigh_postings", "merge_rows"]


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
def top_k(scores, k):  # pragma: no cover
    """Indices of the ``k`` highest positive scores, best first; ties keep the lower index first.

    One pass with a k-sized heap of the best so far: no dense sort, no introselect worst case.
    """
    n = scores.shape[0]
    # The heap starts full of placeholders (score 0, indices past the end, so worse than any
    # real entry): one comparison per passage decides, as in a plain threshold scan.
    heap_s = np.zeros(k, dtype=np.float64)
    heap_i = np.arange(n, n + k, dtype=np.int64)[::-1].copy()
    size = k
    for i in range(n):
        s = scores[i]
        if s <= heap_s[0]:
            continue  # not better than the worst kept (ties keep the lower index)
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
    real = heap_i < n
    out_s = heap_s[real].copy()
    out_i = heap_i[real].copy()
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


@njit(cache=True, nogil=True)
def weigh_postings(indptr, docs, tf, idf, norm, k1, out):  # pragma: no cover
    """out[j] = idf[term] × tf × (k1 + 1) / (tf + norm[doc]): bm25.posting_weights in one pass, same arithmetic."""
    for t in range(indptr.shape[0] - 1):
        w = idf[t]
        for j in range(indptr[t], indptr[t + 1]):
            f = np.float64(tf[j])
            out[j] = w * (f * (k1 + 1) / (f + norm[docs[j]]))


@njit(cache=True, nogil=True)
def merge_rows(indptr, old_rows, old_indptr, old_docs, old_tf, new_rows, new_docs, new_tf, out_docs, out_tf):  # pragma: no cover
    """Lay out old postings (row by row, at their new rows) then new ones after them, in one copy."""
    fill = indptr[:-1].copy()
    for t in range(old_rows.shape[0]):
        r = old_rows[t]
        pos = fill[r]
        for j in range(old_indptr[t], old_indptr[t + 1]):
            out_docs[pos] = old_docs[j]
            out_tf[pos] = old_tf[j]
            pos += 1
        fill[r] = pos
    for j in range(new_rows.shape[0]):  # sorted by row, documents ascending within a row
        r = new_rows[j]
        out_docs[fill[r]] = new_docs[j]
        out_tf[fill[r]] = new_tf[j]
        fill[r] += 1
