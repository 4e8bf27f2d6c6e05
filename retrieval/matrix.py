"""One BM25 field as a term-by-passage sparse matrix (CSR by term), saved as .npy arrays.

Terms are keyed by a 64-bit hash kept in a sorted array, so opening an index is a
memory map, not a vocabulary load, and a question's terms are found by binary search.
"""

from __future__ import annotations

import hashlib
from array import array
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from . import bm25
from .kernels import NUMPY, Kernels

__all__ = ["term_hash", "term_hashes", "encode_terms", "FieldBuilder", "FieldMatrix"]


@lru_cache(maxsize=1 << 20)
def term_hash(term: str) -> int:
    """Stable 64-bit key of a term (the same on every machine and Python run).

    Terms are never stored as strings: with 64 bits, the chance that two of ten million
    distinct terms share a key is about 3 in a million.
    """
    return int.from_bytes(hashlib.blake2b(term.encode("utf-8"), digest_size=8).digest(), "little")


def term_hashes(terms: list[str]) -> np.ndarray:
    return np.fromiter((term_hash(t) for t in terms), dtype=np.uint64, count=len(terms))


def encode_terms(tokens: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """A document's distinct terms as (hashes, term frequencies)."""
    counts = Counter(tokens)
    return term_hashes(list(counts)), np.fromiter(counts.values(), dtype=np.uint32, count=len(counts))


class FieldBuilder:
    """Collects documents' (term hash, tf) arrays, then lays out the postings of one field."""

    def __init__(self) -> None:
        self._hashes: list[np.ndarray] = []
        self._tfs: list[np.ndarray] = []
        self._unique = array("q")  # distinct terms per document
        self.doc_len = array("q")

    def add(self, tokens: list[str]) -> None:
        hashes, tfs = encode_terms(tokens)
        self.add_batch(hashes, tfs, [len(hashes)], [len(tokens)])

    def add_batch(self, hashes: np.ndarray, tfs: np.ndarray, unique: "list[int] | np.ndarray", lengths: "list[int] | np.ndarray") -> None:
        """Several documents at once: their hashes and tfs concatenated, with per-document counts."""
        self._hashes.append(hashes)
        self._tfs.append(tfs)
        self._unique.extend(int(u) for u in unique)
        self.doc_len.extend(int(n) for n in lengths)

    @property
    def n_docs(self) -> int:
        return len(self.doc_len)

    def csr(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(terms, indptr, docs, tf) with one stable sort: rows by term hash, documents ascending."""
        hashes = np.concatenate(self._hashes) if self._hashes else np.zeros(0, np.uint64)
        unique = np.frombuffer(self._unique, dtype=np.int64) if self._unique else np.zeros(0, np.int64)
        order = np.argsort(hashes, kind="stable")
        ordered = hashes[order]
        starts = np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1]))) if len(ordered) else np.zeros(0, np.int64)
        indptr = np.append(starts, len(ordered)).astype(np.int64)
        docs = np.repeat(np.arange(self.n_docs, dtype=np.int32), unique)[order]
        tfs = np.concatenate(self._tfs)[order] if self._tfs else np.zeros(0, np.uint32)
        return ordered[starts], indptr, docs, tfs


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
        if tf.size and tf.max() > np.iinfo(np.uint16).max:
            raise ValueError("a term occurs more than 65,535 times in one passage")
        if len(docs) > 1_000_000:
            # bm25.posting_weights in one compiled pass: no archive-sized temporaries
            from .compiled import weigh_postings

            weights = np.empty(len(docs), dtype=dtype)
            weigh_postings(np.asarray(indptr, dtype=np.int64), np.asarray(docs), np.asarray(tf), idf, norm, float(k1), weights)
        else:
            term_of = np.repeat(np.arange(len(terms), dtype=np.int64), df)
            weights = bm25.posting_weights(idf[term_of], tf, norm[docs], k1)
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
        new_terms, new_indptr, new_docs, new_tf = builder.csr()
        new_docs = new_docs + self.n_docs  # the new documents are numbered after ours
        terms = np.union1d(np.asarray(self.terms), new_terms)
        old_rows = np.searchsorted(terms, self.terms)
        # the builder's postings are already grouped by term hash, so their rows come out sorted
        new_rows = np.repeat(np.searchsorted(terms, new_terms), np.diff(new_indptr))
        old_counts = np.zeros(len(terms), dtype=np.int64)
        old_counts[old_rows] = np.diff(self.indptr)
        new_counts = np.bincount(new_rows, minlength=len(terms))
        indptr = np.zeros(len(terms) + 1, dtype=np.int64)
        np.cumsum(old_counts + new_counts, out=indptr[1:])
        total = int(indptr[-1])
        docs = np.empty(total, dtype=np.int32)
        tf = np.empty(total, dtype=np.uint16)
        # old postings keep their order at their new rows; new ones follow, documents ascending
        from .compiled import merge_rows

        merge_rows(indptr, old_rows.astype(np.int64), np.asarray(self.indptr), np.asarray(self.docs), np.asarray(self.tf),
                   new_rows, new_docs.astype(np.int32), new_tf.astype(np.uint16), docs, tf)
        doc_len = np.concatenate([np.asarray(self.doc_len), np.frombuffer(builder.doc_len, dtype=np.int64).astype(np.int32)])
        return FieldMatrix.from_csr(terms, indptr, docs, tf, doc_len, k1, b, epsilon, dtype)

    @classmethod
    def build_from(cls, builder: FieldBuilder, k1: float, b: float, epsilon: float, dtype: str = "float32") -> "FieldMatrix":
        terms, indptr, docs, tf = builder.csr()
        return cls.from_csr(terms, indptr, docs, tf, np.frombuffer(builder.doc_len, dtype=np.int64), k1, b, epsilon, dtype)

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

    def scores(self, tokens: list[str], out: np.ndarray | None = None, factor: float = 1.0, kernels: Kernels = NUMPY) -> np.ndarray:
        """BM25Okapi score of every passage for the query tokens (added into ``out`` when given)."""
        if out is None:
            out = np.zeros(self.n_docs, dtype=np.float64)
        rows = self.rows(tokens)
        kernels.accumulate(out, rows, np.full(len(rows), factor, dtype=np.float64), self.indptr, self.docs, self.weights)
        return out

    def contains(self, row: int, docs: np.ndarray, kernels: Kernels = NUMPY) -> np.ndarray:
        """Which of ``docs`` hold the term of ``row`` (binary search in its posting list)."""
        start, end = int(self.indptr[row]), int(self.indptr[row + 1])
        return kernels.contains_sorted(self.docs[start:end], np.asarray(docs, dtype=self.docs.dtype))
