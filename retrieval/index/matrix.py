"""One BM25 field as a term-by-passage sparse matrix (rows by term), saved as .npy arrays.

Terms are keyed by a 64-bit hash kept in a sorted array, so opening an index is a
memory map, not a vocabulary load, and a question's terms are found by binary search.
"""

from __future__ import annotations

import math
from array import array
from collections import Counter
from dataclasses import dataclass, replace
from itertools import chain
from pathlib import Path
from typing import Literal

import numpy as np

from retrieval.index import bm25
from retrieval.index.kernels import NUMPY, Kernels
from retrieval.index.layout import Maps, load_array
from retrieval.index.postings import encode_runs, pair_codes
from retrieval.text.memo import bounded_cache

__all__ = ["TAIL", "Field", "FieldBuilder", "FieldMatrix", "encode_batch", "encode_terms", "term_hash", "term_hashes", "weigh_segments"]


TAIL = "tail"  # a field's tail segment is saved as <field>.tail.<array>.npy
_MASK = (1 << 64) - 1
FNV_OFFSET, FNV_PRIME = 0xCBF29CE484222325, 0x100000001B3


@bounded_cache(1 << 16)
def term_hash(term: str) -> int:
    """Stable 64-bit key of a term (the same on every machine and Python run).

    FNV-1a over the UTF-8 bytes, then MurmurHash3's 64-bit finaliser to spread the bits; build
    workers compute the same function compiled, a batch at a time (``compiled.encode_tokens``).
    Terms are never stored as strings: with 64 bits, the chance that two of ten million
    distinct terms share a key is about 3 in a million.
    """
    h = FNV_OFFSET
    for byte in term.encode("utf-8"):
        h = ((h ^ byte) * FNV_PRIME) & _MASK
    h ^= h >> 33
    h = (h * 0xFF51AFD7ED558CCD) & _MASK
    h ^= h >> 33
    h = (h * 0xC4CEB9FE1A85EC53) & _MASK
    return h ^ (h >> 33)


def term_hashes(terms: list[str]) -> np.ndarray:
    return np.fromiter((term_hash(t) for t in terms), dtype=np.uint64, count=len(terms))


def encode_batch(docs: list[list[str]]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Several documents' distinct terms at once: (hashes, tfs, distinct terms per document, lengths).

    What ``encode_terms`` does per document, in one compiled pass over the batch's UTF-8 bytes
    (a build worker's per-token Python work was 15 % of its time). Within a document the terms
    come out in hash order; nothing depends on it.
    """
    lengths = np.fromiter(map(len, docs), dtype=np.int64, count=len(docs))
    tokens = list(chain.from_iterable(docs))
    if tokens:
        buf = np.frombuffer(("\x00".join(tokens) + "\x00").encode("utf-8"), dtype=np.uint8)
        if np.count_nonzero(buf == 0) == len(tokens):  # no NUL inside a token
            from retrieval.index.compiled import encode_tokens

            hashes, tfs, unique = encode_tokens(buf, lengths)
            return hashes, tfs, unique, lengths
    parts = [encode_terms(t) for t in docs]
    return (
        np.concatenate([h for h, _ in parts]) if parts else np.zeros(0, np.uint64),
        np.concatenate([t for _, t in parts]) if parts else np.zeros(0, np.uint32),
        np.fromiter((len(h) for h, _ in parts), dtype=np.int64, count=len(parts)),
        lengths,
    )


def encode_terms(tokens: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """A document's distinct terms as (hashes, term frequencies)."""
    counts = Counter(tokens)
    return term_hashes(list(counts)), np.fromiter(counts.values(), dtype=np.uint32, count=len(counts))


def _sorted_union(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``np.union1d`` of two sorted arrays of distinct values, in one merge: a stable sort of the two runs
    side by side is a single timsort merge, where union1d sorts them again from scratch."""
    both = np.concatenate([a, b])
    both.sort(kind="stable")
    if len(both) < 2:
        return both
    return both[np.concatenate(([True], both[1:] != both[:-1]))]


class FieldBuilder:
    """Collects documents' (term hash, tf) arrays, then lays out the postings of one field.

    With ``spill``, the arrays go to two files in that folder as they come (a build's own generation folder)
    instead of staying in memory: at 1.5M passages the nine fields' postings are 4 GB, which the builder
    then reads back one field at a time.
    """

    def __init__(self, spill: Path | None = None) -> None:
        self._hashes: list[np.ndarray] = []
        self._tfs: list[np.ndarray] = []
        self._unique = array("q")  # distinct terms per document
        self.doc_len = array("q")
        self._spill = spill
        if spill is not None:
            spill.parent.mkdir(parents=True, exist_ok=True)
            self._hash_file = open(f"{spill}.hashes", "wb")  # noqa: SIM115 (closed by csr or discard)
            self._tf_file = open(f"{spill}.tfs", "wb")  # noqa: SIM115

    def add(self, tokens: list[str]) -> None:
        hashes, tfs = encode_terms(tokens)
        self.add_batch(hashes, tfs, [len(hashes)], [len(tokens)])

    def add_batch(self, hashes: np.ndarray, tfs: np.ndarray, unique: list[int] | np.ndarray, lengths: list[int] | np.ndarray) -> None:
        """Several documents at once: their hashes and tfs concatenated, with per-document counts."""
        if self._spill is not None:
            self._hash_file.write(np.ascontiguousarray(hashes, dtype=np.uint64).data)
            self._tf_file.write(np.ascontiguousarray(tfs, dtype=np.uint32).data)
        else:
            self._hashes.append(hashes)
            self._tfs.append(tfs)
        self._unique.extend(int(u) for u in unique)
        self.doc_len.extend(int(n) for n in lengths)

    @property
    def n_docs(self) -> int:
        return len(self.doc_len)

    @property
    def n_postings(self) -> int:
        """Postings collected: one per distinct term of each document."""
        return int(sum(self._unique))

    def _collected(self) -> tuple[np.ndarray, np.ndarray]:
        """Every (hash, tf) added, in order (read back from the spill files, which are then deleted)."""
        if self._spill is None:
            hashes = np.concatenate(self._hashes) if self._hashes else np.zeros(0, np.uint64)
            tfs = np.concatenate(self._tfs) if self._tfs else np.zeros(0, np.uint32)
            self._hashes, self._tfs = [], []
            return hashes, tfs
        self._hash_file.close()
        self._tf_file.close()
        hashes = np.fromfile(self._hash_file.name, dtype=np.uint64)
        tfs = np.fromfile(self._tf_file.name, dtype=np.uint32)
        self.discard()
        return hashes, tfs

    def discard(self) -> None:
        """Close and delete the spill files (a build that failed, or one that has read them back)."""
        if self._spill is not None:
            for fh in (self._hash_file, self._tf_file):
                fh.close()
                Path(fh.name).unlink(missing_ok=True)

    def csr(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(terms, indptr, docs, tf) with one stable sort: rows by term hash, documents ascending (once: the
        collected arrays are let go)."""
        hashes, tfs = self._collected()
        unique = np.frombuffer(self._unique, dtype=np.int64) if self._unique else np.zeros(0, np.int64)
        order = np.argsort(hashes, kind="stable")
        ordered = hashes[order]
        del hashes
        starts = np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1]))) if len(ordered) else np.zeros(0, np.int64)
        indptr = np.append(starts, len(ordered)).astype(np.int64)
        docs = np.repeat(np.arange(self.n_docs, dtype=np.int32), unique)[order]
        tfs = tfs[order]
        return ordered[starts], indptr, docs, tfs


@dataclass
class FieldMatrix:
    """Rows are terms (sorted by hash), columns passages; see postings.py for the layout."""

    terms: np.ndarray  # uint64, sorted: row i is the term with hash terms[i]
    idf: np.ndarray  # float64, per term
    run_ptr: np.ndarray  # int64, len(terms) + 1: the runs of each row
    run_high: np.ndarray  # uint16 per run: the high 16 bits of its passage ids
    run_start: np.ndarray  # int64, runs + 1: the postings of each run
    low: np.ndarray  # uint16 per posting: the low 16 bits of its passage id (ascending within a row)
    code: np.ndarray  # uint16 (or uint32) per posting: its (tf, length) pair
    pair_tf: np.ndarray  # int64 per pair
    pair_len: np.ndarray  # int64 per pair
    sat: np.ndarray  # float64 per pair: BM25's saturated tf for that pair
    doc_len: np.ndarray  # int32, per passage of this segment
    avgdl: float
    first_doc: int = 0  # the id of this segment's first passage (a tail holds the passages added after a build)

    ARRAYS = ("terms", "idf", "run_ptr", "run_high", "run_start", "low", "code", "pair_tf", "pair_len", "sat", "doc_len")
    POSTING_ARRAYS = ("low", "code")

    @property
    def n_docs(self) -> int:
        return len(self.doc_len)

    @property
    def end_doc(self) -> int:
        """One past the id of this segment's last passage."""
        return self.first_doc + self.n_docs

    @property
    def unknown_idf(self) -> float:
        """The weight of a term the index lacks: the IDF a term found in one passage would have."""
        return math.log(self.n_docs - 1 + 0.5) - math.log(1.5)

    @property
    def n_postings(self) -> int:
        return int(self.run_start[-1])

    @property
    def postings(self) -> tuple[np.ndarray, ...]:
        """The arrays a kernel reads: (run_ptr, run_high, run_start, low, code, idf, sat)."""
        return (self.run_ptr, self.run_high, self.run_start, self.low, self.code, self.idf, self.sat)

    @classmethod
    def from_postings(
        cls,
        terms: np.ndarray,
        indptr: np.ndarray,
        docs: np.ndarray,
        code: np.ndarray,
        pair_tf: np.ndarray,
        pair_len: np.ndarray,
        doc_len: np.ndarray,
        k1: float,
        b: float,
        epsilon: float,
        first_doc: int = 0,
    ) -> FieldMatrix:
        """IDF and saturation from this segment alone (vectorised; nothing per posting but the layout); a tail is
        weighed again with the main segment by ``weigh_segments``. ``docs`` count from ``first_doc``."""
        doc_len = np.asarray(doc_len, dtype=np.int32)
        n_docs = len(doc_len)
        idf = bm25.okapi_idf(np.diff(indptr), n_docs, epsilon)
        avgdl = bm25.average_doc_length(doc_len)
        sat = bm25.tf_saturation(pair_tf, bm25.length_norm(pair_len, avgdl, k1, b), k1)
        run_ptr, run_high, run_start, low = encode_runs(indptr, docs)
        return cls(
            terms=np.asarray(terms, dtype=np.uint64),
            idf=idf,
            run_ptr=run_ptr,
            run_high=run_high,
            run_start=run_start,
            low=low,
            code=code,
            pair_tf=np.asarray(pair_tf, dtype=np.int64),
            pair_len=np.asarray(pair_len, dtype=np.int64),
            sat=sat,
            doc_len=doc_len,
            avgdl=avgdl,
            first_doc=first_doc,
        )

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
        first_doc: int = 0,
    ) -> FieldMatrix:
        doc_len = np.asarray(doc_len, dtype=np.int32)
        code, pair_tf, pair_len = pair_codes(tf, doc_len[docs])
        return cls.from_postings(terms, indptr, docs + first_doc, code, pair_tf, pair_len, doc_len, k1, b, epsilon, first_doc)

    def extended(self, builder: FieldBuilder, k1: float, b: float, epsilon: float) -> FieldMatrix:
        """This matrix plus the builder's documents (numbered after ours), IDF and saturation recomputed."""
        return self.appended(FieldMatrix.build_from(builder, k1, b, epsilon, first_doc=self.end_doc), k1, b, epsilon)

    def appended(self, other: FieldMatrix, k1: float, b: float, epsilon: float) -> FieldMatrix:
        """One segment holding ours and ``other``'s postings (its passages follow ours), IDF and saturation recomputed.

        ``other``'s postings slot in after ours of the same term (their passages are newer, so rows stay
        sorted); ours keep their codes, nothing is re-read or re-segmented.
        """
        if other.first_doc != self.end_doc:
            raise ValueError(f"a segment starting at passage {other.first_doc} cannot follow one ending at {self.end_doc}")
        other_code = np.asarray(other.code)
        new_code, pair_tf, pair_len = pair_codes(
            np.asarray(other.pair_tf)[other_code], np.asarray(other.pair_len)[other_code], self.pair_tf, self.pair_len
        )
        from retrieval.index.compiled import decode_runs, merge_rows

        new_docs = decode_runs(np.asarray(other.run_high), np.asarray(other.run_start), np.asarray(other.low))
        new_terms = np.asarray(other.terms)
        new_indptr = np.asarray(other.run_start)[np.asarray(other.run_ptr)]
        terms = _sorted_union(np.asarray(self.terms), new_terms)
        old_rows = np.searchsorted(terms, self.terms)
        old_indptr = np.asarray(self.run_start)[np.asarray(self.run_ptr)]
        # the other segment's postings are grouped by term hash, so their rows come out sorted
        new_rows = np.repeat(np.searchsorted(terms, new_terms), np.diff(new_indptr))
        old_counts = np.zeros(len(terms), dtype=np.int64)
        old_counts[old_rows] = np.diff(old_indptr)
        new_counts = np.bincount(new_rows, minlength=len(terms))
        indptr = np.zeros(len(terms) + 1, dtype=np.int64)
        np.cumsum(old_counts + new_counts, out=indptr[1:])
        total = int(indptr[-1])
        code_dtype = np.promote_types(np.asarray(self.code).dtype, new_code.dtype)
        docs = np.empty(total, dtype=np.int32)
        code = np.empty(total, dtype=code_dtype)
        # old postings keep their order at their new rows; new ones follow, documents ascending
        merge_rows(
            indptr,
            old_rows.astype(np.int64),
            old_indptr,
            decode_runs(np.asarray(self.run_high), np.asarray(self.run_start), np.asarray(self.low)),
            np.asarray(self.code).astype(code_dtype, copy=False),
            new_rows,
            new_docs.astype(np.int32),
            new_code.astype(code_dtype),
            docs,
            code,
        )
        doc_len = np.concatenate([np.asarray(self.doc_len), np.asarray(other.doc_len)])
        return FieldMatrix.from_postings(terms, indptr, docs, code, pair_tf, pair_len, doc_len, k1, b, epsilon, self.first_doc)

    @classmethod
    def build_from(cls, builder: FieldBuilder, k1: float, b: float, epsilon: float, first_doc: int = 0) -> FieldMatrix:
        terms, indptr, docs, tf = builder.csr()
        return cls.from_csr(terms, indptr, docs, tf, np.frombuffer(builder.doc_len, dtype=np.int64), k1, b, epsilon, first_doc)

    @classmethod
    def build(cls, docs: list[list[str]], k1: float = 1.5, b: float = 0.75, epsilon: float = 0.25) -> FieldMatrix:
        builder = FieldBuilder()
        for tokens in docs:
            builder.add(tokens)
        return cls.build_from(builder, k1, b, epsilon)

    def save(self, folder: Path, name: str) -> None:
        for key in self.ARRAYS:
            np.save(folder / f"{name}.{key}.npy", getattr(self, key), allow_pickle=False)

    @classmethod
    def load(cls, folder: Path, name: str, avgdl: float, mmap: bool = True, maps: Maps | None = None, first_doc: int = 0) -> FieldMatrix:
        """The field's arrays, memory-mapped read-only (registered in ``maps``, so a server can release their pages)."""
        mode: Literal["r"] | None = "r" if mmap else None
        # Only the postings (low, code: 85 % of the bytes) are ever given back; the per-term and per-passage
        # arrays are read by every question and stay.
        arrays = {
            key: load_array(folder / f"{name}.{key}.npy", mmap_mode=mode, maps=maps if key in cls.POSTING_ARRAYS else None)
            for key in cls.ARRAYS
        }
        return cls(avgdl=avgdl, first_doc=first_doc, **arrays)

    def positions(self, tokens: list[str]) -> np.ndarray:
        """The matrix row of each token, -1 for a token the index lacks."""
        if not tokens or not len(self.terms):
            return np.full(len(tokens), -1, dtype=np.int64)
        hashes = term_hashes(tokens)
        pos = np.minimum(np.searchsorted(self.terms, hashes), len(self.terms) - 1)
        return np.where(self.terms[pos] == hashes, pos, -1)

    def rows(self, tokens: list[str]) -> np.ndarray:
        """Matrix rows of the query tokens found in the index, repeats kept (as rank_bm25 sums them)."""
        pos = self.positions(tokens)
        return pos[pos >= 0]

    def df(self, rows: np.ndarray) -> np.ndarray:
        """Document frequency of each row's term: the length of its posting list."""
        return self.run_start[self.run_ptr[rows + 1]] - self.run_start[self.run_ptr[rows]]

    def scores(
        self, tokens: list[str], out: np.ndarray | None = None, factor: float = 1.0, kernels: Kernels = NUMPY, max_df: int | None = None
    ) -> np.ndarray:
        """BM25Okapi score of every passage for the query tokens (added into ``out`` when given).

        With ``max_df``, tokens found in more passages than that are left out of the query (each
        kept token's score is unchanged: this chooses the question's terms, not how they score).
        """
        if out is None:
            out = np.zeros(self.n_docs, dtype=np.float64)
        rows = self.rows(tokens)
        if max_df is not None and len(rows):
            rows = rows[self.df(rows) <= max_df]
        kernels.accumulate(out, rows, np.full(len(rows), factor, dtype=np.float64), *self.postings)
        return out

    def scores_at(
        self, tokens: list[str], docs: np.ndarray, out: np.ndarray | None = None, factor: float = 1.0, kernels: Kernels = NUMPY
    ) -> np.ndarray:
        """``scores(tokens, ...)[docs]``, looked up in the posting lists instead of scoring every passage."""
        if out is None:
            out = np.zeros(len(docs), dtype=np.float64)
        rows = self.rows(tokens)
        kernels.gather(out, rows, np.full(len(rows), factor, dtype=np.float64), np.asarray(docs), *self.postings)
        return out

    def contains(self, row: int, docs: np.ndarray, kernels: Kernels = NUMPY) -> np.ndarray:
        """Which of ``docs`` hold the term of ``row``."""
        return kernels.locate(int(row), np.asarray(docs), *self.postings[:4]) >= 0


def weigh_segments(segments: list[FieldMatrix], k1: float, b: float, epsilon: float) -> list[FieldMatrix]:
    """The segments of one field weighed as one collection: the IDF of every term from its document frequency in
    all of them (rank_bm25's epsilon floor over the union of their terms), saturation from the average length of
    all their passages: what one matrix of all their postings would hold, term for term and pair for pair."""
    if len(segments) == 1:
        return segments
    terms = np.asarray(segments[0].terms)
    for seg in segments[1:]:
        terms = _sorted_union(terms, np.asarray(seg.terms))
    df = np.zeros(len(terms), dtype=np.int64)
    where = []
    for seg in segments:
        at = np.searchsorted(terms, seg.terms)
        df[at] += np.diff(np.asarray(seg.run_start)[np.asarray(seg.run_ptr)])
        where.append(at)
    doc_len = np.concatenate([np.asarray(seg.doc_len) for seg in segments])
    idf = bm25.okapi_idf(df, len(doc_len), epsilon)
    avgdl = bm25.average_doc_length(doc_len)
    return [
        replace(seg, idf=idf[at], sat=bm25.tf_saturation(seg.pair_tf, bm25.length_norm(seg.pair_len, avgdl, k1, b), k1), avgdl=avgdl)
        for seg, at in zip(segments, where, strict=True)
    ]


@dataclass
class Field:
    """One BM25 field as a search reads it: the main matrix and, after ``index --add``, a tail segment holding the
    passages added since (ids after the main's). Both are weighed as one collection (``weigh_segments``) and every
    passage lies in one of them, so each passage gets the same additions, in the same order, as from one matrix."""

    segments: tuple[FieldMatrix, ...]

    @classmethod
    def load(cls, folder: Path, name: str, meta: dict, maps: Maps | None = None) -> Field:
        """The field's segments as a generation's params.json describes them (``meta``: its entry for the field)."""
        main = FieldMatrix.load(folder, name, meta["avgdl"], maps=maps)
        tail = meta.get("tail")
        if not tail:
            return cls((main,))
        return cls((main, FieldMatrix.load(folder, f"{name}.{TAIL}", meta["avgdl"], maps=maps, first_doc=int(tail["first"]))))

    @property
    def main(self) -> FieldMatrix:
        return self.segments[0]

    @property
    def n_docs(self) -> int:
        return sum(seg.n_docs for seg in self.segments)

    @property
    def unknown_idf(self) -> float:
        """The weight of a term the index lacks: the IDF a term found in one passage would have."""
        return math.log(self.n_docs - 1 + 0.5) - math.log(1.5)

    def positions(self, tokens: list[str]) -> list[np.ndarray]:
        """Each segment's row of each token (-1 where it lacks the token)."""
        return [seg.positions(tokens) for seg in self.segments]

    def idf(self, tokens: list[str], found: list[np.ndarray] | None = None) -> np.ndarray:
        """IDF of each token (the same in every segment holding it); ``unknown_idf`` for a token no segment holds
        (``found``: their ``positions``, when the caller has them)."""
        out = np.full(len(tokens), self.unknown_idf)
        for seg, pos in zip(self.segments, found or self.positions(tokens), strict=True):
            out[pos >= 0] = np.asarray(seg.idf)[pos[pos >= 0]]
        return out

    def rows(self, tokens: list[str], max_df: int | None = None) -> list[tuple[FieldMatrix, np.ndarray]]:
        """(segment, its rows of the tokens it holds, repeats kept), leaving out tokens found in more than ``max_df``
        passages of the whole field."""
        found = self.positions(tokens)
        keep = np.zeros(len(tokens), dtype=bool)
        for pos in found:
            keep |= pos >= 0
        if max_df is not None:
            df = np.zeros(len(tokens), dtype=np.int64)
            for seg, pos in zip(self.segments, found, strict=True):
                df[pos >= 0] += seg.df(pos[pos >= 0])
            keep &= df <= max_df
        return [(seg, pos[keep & (pos >= 0)]) for seg, pos in zip(self.segments, found, strict=True)]

    def scores(
        self, tokens: list[str], out: np.ndarray | None = None, factor: float = 1.0, kernels: Kernels = NUMPY, max_df: int | None = None
    ) -> np.ndarray:
        """BM25Okapi score of every passage for the query tokens (see FieldMatrix.scores)."""
        if out is None:
            out = np.zeros(self.n_docs, dtype=np.float64)
        for seg, rows in self.rows(tokens, max_df):
            kernels.accumulate(out, rows, np.full(len(rows), factor, dtype=np.float64), *seg.postings)
        return out

    def scores_at(
        self, tokens: list[str], docs: np.ndarray, out: np.ndarray | None = None, factor: float = 1.0, kernels: Kernels = NUMPY
    ) -> np.ndarray:
        """``scores(tokens, ...)[docs]``, looked up in the posting lists instead of scoring every passage."""
        if out is None:
            out = np.zeros(len(docs), dtype=np.float64)
        for seg in self.segments:
            seg.scores_at(tokens, docs, out, factor, kernels)
        return out

    def contains(self, found: list[np.ndarray], i: int, docs: np.ndarray, kernels: Kernels = NUMPY) -> np.ndarray:
        """Which of ``docs`` hold token ``i`` of a ``positions`` lookup (``found``)."""
        out = np.zeros(len(docs), dtype=bool)
        for seg, pos in zip(self.segments, found, strict=True):
            if pos[i] >= 0:
                out |= seg.contains(int(pos[i]), docs, kernels)
        return out
