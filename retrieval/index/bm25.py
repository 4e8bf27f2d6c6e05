"""rank-bm25's BM25Okapi, one pure function per formula, vectorised.

BM25Okapi's per-posting weight does not depend on the query: it is idf(term) ×
saturation(tf, |d|), and an index holds only a few hundred distinct (tf, |d|) pairs, so
both factors are computed once per build and a question is a sum of a few posting lists
(see postings.py). Every formula reproduces ``rank_bm25.BM25Okapi`` operation for
operation, in float64, so the scores agree to the last bits (tests compare them).
"""

from __future__ import annotations

import numpy as np

__all__ = ["average_doc_length", "length_norm", "okapi_idf", "tf_saturation"]


def okapi_idf(df: np.ndarray, n_docs: int, epsilon: float) -> np.ndarray:
    """idf = ln(N − df + 0.5) − ln(df + 0.5); negative values are floored at ε × mean idf.

    As in rank_bm25, the mean is over every term's raw idf, and a term in exactly
    half the documents keeps idf 0 (only negative values are floored).
    """
    df = np.asarray(df, dtype=np.float64)
    idf = np.log(n_docs - df + 0.5) - np.log(df + 0.5)
    if idf.size == 0:
        return idf
    floor = epsilon * float(idf.mean())
    return np.where(idf < 0, floor, idf)


def average_doc_length(doc_len: np.ndarray) -> float:
    """Mean document length in tokens (rank_bm25's avgdl)."""
    n = len(doc_len)
    return int(np.asarray(doc_len, dtype=np.int64).sum()) / n if n else 0.0


def length_norm(doc_len: np.ndarray, avgdl: float, k1: float, b: float) -> np.ndarray:
    """k1 × (1 − b + b × |d| / avgdl): the denominator term that penalises long documents."""
    doc_len = np.asarray(doc_len, dtype=np.float64)
    if avgdl == 0:  # every document empty in this field (e.g. one-syllable titles have no pairs): no postings to weigh
        return np.full(len(doc_len), k1 * (1 - b))
    return k1 * (1 - b + b * doc_len / avgdl)


def tf_saturation(tf: np.ndarray, norm: np.ndarray, k1: float) -> np.ndarray:
    """tf × (k1 + 1) / (tf + norm): term frequency with diminishing returns."""
    tf = np.asarray(tf, dtype=np.float64)
    return tf * (k1 + 1) / (tf + norm)
