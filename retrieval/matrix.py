"""One BM25 field as a term-by-passage sparse matrix (CSR by term), saved as .npy arrays.

Terms are keyed by a 64-bit hash kept in a sorted array, so opening an index is a
memory map, not a vocabulary load, and a question's terms are found by binary search.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import bm25

__all__ = ["term_hash", "term_hashes", "FieldBuilder", "FieldMatrix"]


def term_hash(term: str) -> int:
    """Stable 64-bit key of a term (the same on every machine and Python run)."""
    return int.from_bytes(hashlib.blake2b(term.encode("utf-8"), digest_size=8).digest(), "little")


def term_hashes(terms: list[str]) -> np.ndarray:
    return np.fromiter((term_hash(t) for t in terms), dtype=np.uint64, count=len(terms))


class FieldBuilder:
    """Collects term frequencies passage by passage, then lays out the CSR arrays."""

    def __init__(self) -> None:
        self.vocab: dict[str, int] = {}
        self._ids: list[np.ndarray] = []
        self._tfs: list[np.ndarray] = []
        self.doc_len: list[int] = []

    def add(self, tokens: list[str]) -> None:
        counts = Counter(tokens)
        vocab = self.vocab
        ids = np.fromiter((vocab.setdefault(t, len(vocab)) for t in counts), dtype=np.int64, count=len(counts))
        self._ids.append(ids)
        self._tfs.append(np.fromiter(counts.values(), dtype=np.int64, count=len(counts)))
        self.doc_len.append(len(tokens))

    def postings(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(term hashes sorted, term of each posting, doc of each posting, tf) before weighting."""
        n_docs = len(self.doc_len)
        ids = np.concatenate(self._ids) if self._ids else np.zeros(0, np.int64)
        tfs = np.concatenate(self._tfs) if self._tfs else np.zeros(0, np.int64)
        docs = np.repeat(np.arange(n_docs, dtype=np.int64), [len(a) for a in self._ids])
        hashes = term_hashes(list(self.vocab))
        order = np.argsort(hashes, kind="stable")
        rank = np.empty_like(order)
        rank[order] = np.arange(len(order))
        return hashes[order], rank[ids], docs, tfs


@dataclass
class FieldMatrix:
    terms: np.ndarray  # uint64, sorted: row i is the term with hash terms[i]
    indptr: np.ndarray  # int64, len(terms) + 1
    docs: np.ndarray  # int32, passage of each posting (ascending within a row)
    tf: np.ndarray  # uint16, term frequency of each posting (kept for incremental updates)
    weights: np.ndarray  # float32 or float64, idf × saturated tf
    idf: np.ndarray  # float64, per term
    doc_len: np.ndarray  # int32, per passage
    avgdl: float

    ARRAYS = ("terms", "indptr", "docs", "tf", "weights", "idf", "doc_len")

    @property
    def n_docs(self) -> int:
        return len(self.doc_len)

    @classmethod
    def from_postings(
        cls,
        terms: np.ndarray,
        term_of: np.ndarray,
        doc_of: np.ndarray,
        tf: np.ndarray,
        doc_len: np.ndarray,
        k1: float,
        b: float,
        epsilon: float,
        dtype: str = "float32",
    ) -> "FieldMatrix":
        """Sort postings by term (docs stay ascending) and compute every weight in one vectorised pass."""
        order = np.argsort(term_of, kind="stable")
        term_of, doc_of, tf = term_of[order], doc_of[order], tf[order]
        df = np.bincount(term_of, minlength=len(terms))
        indptr = np.zeros(len(terms) + 1, dtype=np.int64)
        np.cumsum(df, out=indptr[1:])
        doc_len = np.asarray(doc_len, dtype=np.int32)
        n_docs = len(doc_len)
        idf = bm25.okapi_idf(df, n_docs, epsilon)
        avgdl = bm25.average_doc_length(doc_len)
        norm = bm25.length_norm(doc_len, avgdl, k1, b) if n_docs else np.zeros(0)
        weights = bm25.posting_weights(idf[term_of], tf, norm[doc_of], k1)
        if tf.size and tf.max() > np.iinfo(np.uint16).max:
            raise ValueError("a term occurs more than 65,535 times in one passage")
        return cls(
            terms=np.asarray(terms, dtype=np.uint64),
            indptr=indptr,
            docs=doc_of.astype(np.int32),
            tf=tf.astype(np.uint16),
            weights=weights.astype(dtype),
            idf=idf,
            doc_len=doc_len,
            avgdl=avgdl,
        )

    @classmethod
    def build(cls, docs: list[list[str]], k1: float = 1.5, b: float = 0.75, epsilon: float = 0.25, dtype: str = "float32") -> "FieldMatrix":
        builder = FieldBuilder()
        for tokens in docs:
            builder.add(tokens)
        terms, term_of, doc_of, tf = builder.postings()
        return cls.from_postings(terms, term_of, doc_of, tf, np.asarray(builder.doc_len), k1, b, epsilon, dtype)

    def save(self, folder: Path, name: str) -> None:
        for key in self.ARRAYS:
            np.save(folder / f"{name}.{key}.npy", getattr(self, key), allow_pickle=False)

    @classmethod
    def load(cls, folder: Path, name: str, avgdl: float, mmap: bool = True) -> "FieldMatrix":
        mode = "r" if mmap else None
        arrays = {key: np.load(folder / f"{name}.{key}.npy", mmap_mode=mode, allow_pickle=False) for key in cls.ARRAYS}
        return cls(avgdl=avgdl, **arrays)

    def rows(self, tokens: list[str]) -> np.ndarray:
        """Matrix rows of the query tokens found in the index, repeats kept (as rank_bm25 sums them)."""
        if not tokens or not len(self.terms):
            return np.zeros(0, dtype=np.int64)
        hashes = term_hashes(tokens)
        pos = np.searchsorted(self.terms, hashes)
        pos = np.minimum(pos, len(self.terms) - 1)
        return pos[self.terms[pos] == hashes]

    def scores(self, tokens: list[str], out: np.ndarray | None = None, factor: float = 1.0) -> np.ndarray:
        """BM25Okapi score of every passage for the query tokens (added into ``out`` when given)."""
        if out is None:
            out = np.zeros(self.n_docs, dtype=np.float64)
        bm25.accumulate(out, self.rows(tokens), self.indptr, self.docs, self.weights, factor)
        return out

    def contains(self, row: int, docs: np.ndarray) -> np.ndarray:
        """Which of ``docs`` hold the term of ``row`` (binary search in its posting list)."""
        start, end = int(self.indptr[row]), int(self.indptr[row + 1])
        plist = self.docs[start:end]
        pos = np.searchsorted(plist, docs)
        pos = np.minimum(pos, max(len(plist) - 1, 0))
        return (plist[pos] == docs) if len(plist) else np.zeros(len(docs), dtype=bool)
