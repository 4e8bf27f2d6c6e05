"""How posting lists are laid out on disk: 4 bytes a posting, weights exact.

A posting is (passage, term frequency, passage length). Instead of a float32 weight and an
int32 passage id (8 bytes, weights rounded), each posting keeps two uint16s:

- ``low``: the passage id's low 16 bits. A term's passages ascend, so its list falls into
  *runs* sharing the high bits (``run_high``); at a million passages a list has at most 16.
- ``code``: which (tf, length) pair the posting has. An index holds only a few hundred
  distinct pairs (passages are short), so BM25's saturation tf·(k1+1)/(tf+k1·(1−b+b·|d|/avgdl))
  is a small float64 table, and a weight is ``idf[term] × sat[code]``: rank_bm25's own
  arithmetic, in float64, with nothing rounded to store it.

Half the bytes of the naive layout make a million-passage index fit in memory with room to
spare, and scoring reads less memory (it is faster, not slower). When the IDF or the average
length move (an incremental update), only ``idf`` and ``sat`` change: no posting is rewritten.
"""

from __future__ import annotations

import numpy as np

__all__ = ["LOW_BITS", "decode_docs", "encode_runs", "pair_codes"]

LOW_BITS = 16
_DENSE_LIMIT = 1 << 24  # largest (tf × length) grid coded with a lookup table instead of a search


def encode_runs(indptr: np.ndarray, docs: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(run_ptr, run_high, run_start, low) for CSR rows ``indptr`` over ascending ``docs``.

    Runs of row r are ``run_ptr[r]:run_ptr[r + 1]``; postings of run q are
    ``run_start[q]:run_start[q + 1]``, all with passage ids ``run_high[q] << 16 | low``.
    """
    indptr = np.asarray(indptr, dtype=np.int64)
    docs = np.asarray(docs)
    n = len(docs)
    if int(docs.max(initial=0)) >= 1 << 32:
        raise ValueError("more than 4,294,967,296 passages")
    high = (docs >> LOW_BITS).astype(np.int32)
    brk = np.zeros(n, dtype=bool)
    row_starts = indptr[:-1][np.diff(indptr) > 0]
    brk[row_starts] = True
    if n > 1:
        brk[1:] |= high[1:] != high[:-1]
    starts = np.flatnonzero(brk)
    run_high = high[starts].astype(np.uint16)
    run_start = np.append(starts, n).astype(np.int64)
    run_ptr = np.searchsorted(starts, indptr, side="left").astype(np.int64)
    low = (docs & 0xFFFF).astype(np.uint16)
    return run_ptr, run_high, run_start, low


def decode_docs(run_high: np.ndarray, run_start: np.ndarray, low: np.ndarray) -> np.ndarray:
    """Every posting's passage id (int32), in storage order."""
    wide = len(run_high) and int(np.max(run_high)) >= 1 << 15  # ids past 2^31 need 64-bit arithmetic
    dtype = np.int64 if wide else np.int32
    base = np.repeat(np.left_shift(np.asarray(run_high, dtype=dtype), LOW_BITS), np.diff(np.asarray(run_start)))
    return (base + np.asarray(low, dtype=dtype)).astype(np.int32)


def pair_codes(
    tf: np.ndarray,
    lengths: np.ndarray,
    pair_tf: np.ndarray | None = None,
    pair_len: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Code every posting by its (tf, length) pair: (codes, pair_tf, pair_len).

    Pairs already in the table keep their codes (so old postings stay valid); new ones are
    appended in (tf, length) order. Codes are uint16, or uint32 past 65,536 pairs.
    """
    tf = np.asarray(tf)
    lengths = np.asarray(lengths)
    old_tf = np.zeros(0, np.int64) if pair_tf is None else np.asarray(pair_tf, dtype=np.int64)
    old_len = np.zeros(0, np.int64) if pair_len is None else np.asarray(pair_len, dtype=np.int64)
    width = int(max(lengths.max(initial=0), old_len.max(initial=0))) + 1
    height = int(max(tf.max(initial=0), old_tf.max(initial=0))) + 1
    if width * height <= _DENSE_LIMIT:
        # int32 cells: a posting costs 4 bytes of scratch here, not 8 (a million passages hold 50M+ postings)
        cell = tf.astype(np.int32) * np.int32(width) + lengths.astype(np.int32)
        present = np.zeros(width * height, dtype=bool)
        present[cell] = True
        present[old_tf * width + old_len] = False
        fresh = np.flatnonzero(present)
        new_tf, new_len = fresh // width, fresh % width
        table_tf, table_len = np.concatenate([old_tf, new_tf]), np.concatenate([old_len, new_len])
        lut = np.zeros(width * height, dtype=np.int32)
        lut[table_tf * width + table_len] = np.arange(len(table_tf), dtype=np.int32)
        codes = lut[cell]
    else:  # a pathological grid (huge tf and lengths): sort-based lookup
        keys = (tf.astype(np.int64) << 32) | lengths.astype(np.int64)
        old_keys = (old_tf << 32) | old_len
        fresh = np.setdiff1d(np.unique(keys), old_keys)
        table = np.concatenate([old_keys, fresh])
        sorter = np.argsort(table, kind="stable")
        codes = sorter[np.searchsorted(table, keys, sorter=sorter)]
        table_tf, table_len = table >> 32, table & 0xFFFFFFFF
    dtype = np.uint16 if len(table_tf) <= 1 << 16 else np.uint32
    return codes.astype(dtype), table_tf.astype(np.int64), table_len.astype(np.int64)
