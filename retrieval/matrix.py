"""One BM25 field as a term-by-passage sparse matrix (CSR by term), saved as .npy arrays.

Terms are keyed by a 64-bit hash kept in a sorted array, so opening an index is a
memory map, not a vocabulary load, and a question's terms are found by binary search.
"""

from __future__ import annotations

import hashlib
from array import array
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
    """Collects term frequencies passage by passage (compact buffers), then lays out postings."""

    def __init__(self) -> None:
        self.vocab: dict[str, int] = {}
        self._ids = array("q")
        self._tfs = array("q")
        self._lens = array("q")  # distinct terms per document, to rebuild the doc of each posting
        self.doc_len = array("q")

    def add(self, tokens: list[str]) -> None:
        counts = Counter(tokens)
        vocab = self.vocab
        self._ids.extend(vocab.setdefault(t, len(vocab)) for t in counts)
        self._tfs.extend(counts.values())
        self._lens.append(len(counts))
        self.doc_len.append(len(tokens))

    @property
    def n_docs(self) -> int:
        return len(self.doc_len)

    def postings(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(term hashes sorted, term row of each posting, doc of each posting, tf), in document order."""
        ids = np.frombuffer(self._ids, dtype=np.int64) if self._ids else np.zeros(0, np.int64)
        tfs = np.frombuffer(self._tfs, dtype=np.int64) if self._tfs else np.zeros(0, np.int64)
        docs = np.repeat(np.arange(self.n_docs, dtype=np.int64), np.frombuffer(self._lens, dtype=np.int64) if self._lens else 0)
        hashes = term_hashes(list(self.vocab))
        order = np.argsort(hashes, kind="stable")
        if len(order) and np.any(hashes[order][1:] == hashes[order][:-1]):
            raise ValueError("64-bit term hash collision")  # astronomically unlikely; never silently merge terms
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
        """Sort postings by term (docs stay ascending within a term) and weigh them."""
        order = np.argsort(term_of, kind="stable")
        df = np.bincount(term_of, minlength=len(terms))
        indptr = np.zeros(len(terms) + 1, dtype=np.int64)
        np.cumsum(df, out=indptr[1:])
        return cls.from_csr(terms, indptr, doc_of[order], tf[order], doc_len, k1, b, epsilon, dtype)

    @classmethod
    def from_csr(
        cls,
        terms: np.ndarray,
        indptr: np.ndarray,
        docs: np.ndarray,
        tf: np.ndarray,
        doc_len: np.ndarray,
        k1: float,
        b: float,
        epsilon: float,
        dtype: str = "float32",
    ) -> "FieldMatrix":
        """Compute every weight in one vectorised pass (IDF and avgdl from the whole collection)."""
        doc_len = np.asarray(doc_len, dtype=np.int32)
        n_docs = len(doc_len)
        df = np.diff(indptr)
        idf = bm25.okapi_idf(df, n_docs, epsilon)
        avgdl = bm25.average_doc_length(doc_len)
        norm = bm25.length_norm(doc_len, avgdl, k1, b) if n_docs else np.zeros(0)
        term_of = np.repeat(np.arange(len(terms), dtype=np.int64), df)
        weights = bm25.posting_weights(idf[term_of], tf, norm[docs], k1)
        if tf.size and tf.max() > np.iinfo(np.uint16).max:
            raise ValueError("a term occurs more than 65,535 times in one passage")
        return cls(
            terms=np.asarray(terms, dtype=np.uint64),
            indptr=np.asarray(indptr, dtype=np.int64),
            docs=np.asarray(docs, dtype=np.int32),
            tf=np.asarray(tf, dtype=np.uint16),
            weights=weights.astype(dtype),
            idf=idf,
            doc_len=doc_len,
            avgdl=avgdl,
        )

    def extended(self, builder: FieldBuilder, k1: float, b: float, epsilon: float, dtype: str = "float32") -> "FieldMatrix":
        """This matrix plus the builder's documents (numbered after ours), every weight recomputed.

        New postings slot in after the old ones of the same term (their documents are newer,
        so rows stay sorted); nothing is re-read or re-segmented.
        """
        new_terms, new_term_of, new_docs, new_tf = builder.postings()
        new_docs = new_docs + self.n_docs
        terms = np.union1d(np.asarray(self.terms), new_terms)
        old_rows = np.searchsorted(terms, self.terms)
        new_rows = np.searchsorted(terms, new_terms)[new_term_of]
        old_counts = np.zeros(len(terms), dtype=np.int64)
        old_counts[old_rows] = np.diff(self.indptr)
        new_counts = np.bincount(new_rows, minlength=len(terms))
        indptr = np.zeros(len(terms) + 1, dtype=np.int64)
        np.cumsum(old_counts + new_counts, out=indptr[1:])
        total = int(indptr[-1])
        docs = np.empty(total, dtype=np.int32)
        tf = np.empty(total, dtype=np.uint16)
        # old postings keep their order, each row shifted to its new start
        old_n = np.diff(self.indptr)
        shift = np.repeat(indptr[old_rows] - self.indptr[:-1], old_n)
        old_pos = np.arange(len(self.docs), dtype=np.int64) + shift
        docs[old_pos] = self.docs
        tf[old_pos] = self.tf
        # new postings go after them, in document order within each row
        order = np.argsort(new_rows, kind="stable")
        rows_sorted = new_rows[order]
        start_in_new = np.zeros(len(terms) + 1, dtype=np.int64)
        np.cumsum(new_counts, out=start_in_new[1:])
        within = np.arange(len(order), dtype=np.int64) - start_in_new[rows_sorted]
        new_pos = indptr[rows_sorted] + old_counts[rows_sorted] + within
        docs[new_pos] = new_docs[order]
        tf[new_pos] = new_tf[order]
        doc_len = np.concatenate([np.asarray(self.doc_len), np.frombuffer(builder.doc_len, dtype=np.int64).astype(np.int32)])
        return FieldMatrix.from_csr(terms, indptr, docs, tf, doc_len, k1, b, epsilon, dtype)

    @classmethod
    def build_from(cls, builder: FieldBuilder, k1: float, b: float, epsilon: float, dtype: str = "float32") -> "FieldMatrix":
        terms, term_of, doc_of, tf = builder.postings()
        return cls.from_postings(terms, term_of, doc_of, tf, np.frombuffer(builder.doc_len, dtype=np.int64), k1, b, epsilon, dtype)

    @classmethod
    def build(cls, docs: list[list[str]], k1: float = 1.5, b: float = 0.75, epsilon: float = 0.25, dtype: str = "float32") -> "FieldMatrix":
        builder = FieldBuilder()
        for tokens in docs:
            builder.add(tokens)
        return cls.build_from(builder, k1, b, epsilon, dtype)

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
        from .kernels import accumulate

        if out is None:
            out = np.zeros(self.n_docs, dtype=np.float64)
        rows = self.rows(tokens)
        accumulate(out, rows, np.full(len(rows), factor, dtype=np.float64), self.indptr, self.docs, self.weights)
        return out

    def contains(self, row: int, docs: np.ndarray) -> np.ndarray:
        """Which of ``docs`` hold the term of ``row`` (binary search in its posting list)."""
        from .kernels import contains_sorted

        start, end = int(self.indptr[row]), int(self.indptr[row + 1])
        return contains_sorted(self.docs[start:end], np.asarray(docs, dtype=self.docs.dtype))
