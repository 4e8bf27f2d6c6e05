"""The inner loops compiled with numba (see kernels.py for when they are used).

numba compiles them once and caches the machine code beside this file (``cache=True``),
so a new process pays only a load (~0.3 s, with numba's import). ``nogil`` lets the bot's
search threads run them in parallel. Each does in one pass what numpy does with several
temporaries; the arithmetic is the same, operation for operation (postings.py explains the
layout they read).
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["accumulate", "accumulate_part", "decode_runs", "encode_tokens", "gather", "locate", "merge_rows", "top_k"]


@njit(cache=True, nogil=True)
def accumulate(scores, rows, factors, run_ptr, run_high, run_start, low, code, idf, sat):  # pragma: no cover (compiled)
    """scores[passage] += factor × idf[row] × sat[code], for every posting of every (row, factor) in order."""
    accumulate_part(scores, rows, factors, run_ptr, run_high, run_start, low, code, idf, sat, 0, scores.shape[0])


@njit(cache=True, nogil=True)
def _first_at_least(values, a, b, want):  # pragma: no cover
    """The first position in values[a:b] (ascending) holding at least ``want``, or b."""
    while a < b:
        mid = (a + b) >> 1
        if np.int64(values[mid]) < want:
            a = mid + 1
        else:
            b = mid
    return a


@njit(cache=True, nogil=True)
def accumulate_part(scores, rows, factors, run_ptr, run_high, run_start, low, code, idf, sat, lo, hi):  # pragma: no cover
    """accumulate() for the passages with ids in [lo, hi) only.

    Each passage still receives its additions in row order, so threads given disjoint ranges
    fill one score array together with the very bits one thread would.
    """
    for i in range(rows.shape[0]):
        r = rows[i]
        f = factors[i]
        w = idf[r]
        q = _first_at_least(run_high, run_ptr[r], run_ptr[r + 1], lo >> 16)
        while q < run_ptr[r + 1]:
            base = np.int64(run_high[q]) << 16
            if base >= hi:
                break
            a, b = run_start[q], run_start[q + 1]
            if base < lo:  # a run the range starts inside
                a = _first_at_least(low, a, b, lo - base)
            if base + 65536 > hi:  # a run the range ends inside
                b = _first_at_least(low, a, b, hi - base)
            if f == 1.0:  # a plain BM25 field: no multiply (1.0 * x == x, so results are the same)
                for j in range(a, b):
                    scores[base + low[j]] += w * sat[code[j]]
            else:
                for j in range(a, b):
                    scores[base + low[j]] += f * (w * sat[code[j]])
            q += 1


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
def locate(row, targets, run_ptr, run_high, run_start, low):  # pragma: no cover
    """Position of each target passage in the posting list of ``row``, or -1 (binary searches)."""
    out = np.full(targets.shape[0], -1, dtype=np.int64)
    q0, q1 = run_ptr[row], run_ptr[row + 1]
    for i in range(targets.shape[0]):
        t = np.int64(targets[i])
        high = t >> 16
        lo, hi = q0, q1
        while lo < hi:  # the run with these high bits
            mid = (lo + hi) >> 1
            if np.int64(run_high[mid]) < high:
                lo = mid + 1
            else:
                hi = mid
        if lo == q1 or np.int64(run_high[lo]) != high:
            continue
        want = t & 0xFFFF
        a, b = run_start[lo], run_start[lo + 1]
        while a < b:
            mid = (a + b) >> 1
            if np.int64(low[mid]) < want:
                a = mid + 1
            else:
                b = mid
        if a < run_start[lo + 1] and np.int64(low[a]) == want:
            out[i] = a
    return out


@njit(cache=True, nogil=True)
def gather(out, rows, factors, targets, run_ptr, run_high, run_start, low, code, idf, sat):  # pragma: no cover
    """accumulate() for a few target passages only: out[i] += the score of targets[i], same additions in the same order."""
    for i in range(rows.shape[0]):
        r = rows[i]
        f = factors[i]
        w = idf[r]
        pos = locate(r, targets, run_ptr, run_high, run_start, low)
        for t in range(targets.shape[0]):
            if pos[t] >= 0:
                if f == 1.0:
                    out[t] += w * sat[code[pos[t]]]
                else:
                    out[t] += f * (w * sat[code[pos[t]]])


@njit(cache=True, nogil=True)
def decode_runs(run_high, run_start, low):  # pragma: no cover
    """Every posting's passage id (int32), in storage order: postings.decode_docs in one pass."""
    out = np.empty(low.shape[0], dtype=np.int32)
    for q in range(run_high.shape[0]):
        base = np.int64(run_high[q]) << 16
        for j in range(run_start[q], run_start[q + 1]):
            out[j] = np.int32(base + low[j])
    return out


@njit(cache=True, nogil=True)
def merge_rows(indptr, old_rows, old_indptr, old_docs, old_code, new_rows, new_docs, new_code, out_docs, out_code):  # pragma: no cover
    """Lay out old postings (row by row, at their new rows) then new ones after them, in one copy."""
    fill = indptr[:-1].copy()
    for t in range(old_rows.shape[0]):
        r = old_rows[t]
        pos = fill[r]
        for j in range(old_indptr[t], old_indptr[t + 1]):
            out_docs[pos] = old_docs[j]
            out_code[pos] = old_code[j]
            pos += 1
        fill[r] = pos
    for j in range(new_rows.shape[0]):  # sorted by row, documents ascending within a row
        r = new_rows[j]
        out_docs[fill[r]] = new_docs[j]
        out_code[fill[r]] = new_code[j]
        fill[r] += 1


@njit(cache=True, nogil=True)
def encode_tokens(buf, doc_tokens):  # pragma: no cover
    """Term hashes of NUL-terminated UTF-8 tokens, then each document's distinct terms and counts.

    Returns (hashes, tfs, distinct terms per document); the hash is matrix.term_hash.
    """
    n_tokens = 0
    for d in range(doc_tokens.shape[0]):
        n_tokens += doc_tokens[d]
    hashes = np.empty(n_tokens, dtype=np.uint64)
    t = 0
    h = np.uint64(0xCBF29CE484222325)
    for i in range(buf.shape[0]):
        b = buf[i]
        if b == 0:
            h ^= h >> np.uint64(33)
            h *= np.uint64(0xFF51AFD7ED558CCD)
            h ^= h >> np.uint64(33)
            h *= np.uint64(0xC4CEB9FE1A85EC53)
            h ^= h >> np.uint64(33)
            hashes[t] = h
            t += 1
            h = np.uint64(0xCBF29CE484222325)
        else:
            h = (h ^ np.uint64(b)) * np.uint64(0x100000001B3)
    out_h = np.empty(n_tokens, dtype=np.uint64)
    out_tf = np.empty(n_tokens, dtype=np.uint32)
    unique = np.zeros(doc_tokens.shape[0], dtype=np.int64)
    pos = 0
    k = 0
    for d in range(doc_tokens.shape[0]):
        m = doc_tokens[d]
        seg = np.sort(hashes[pos : pos + m])
        j = 0
        while j < m:
            c = 1
            while j + c < m and seg[j + c] == seg[j]:
                c += 1
            out_h[k] = seg[j]
            out_tf[k] = c
            k += 1
            unique[d] += 1
            j += c
        pos += m
    return out_h[:k].copy(), out_tf[:k].copy(), unique
