"""Analyse articles on every core: segment (unless cached), build every field, hash the terms.

The unit of work is a batch of whole articles (title and passages); the main process only looks up and stores cached segmentations and appends
the workers' compact arrays. Results come back in order, a bounded number in flight, so
memory stays flat however large the archive.
"""

from __future__ import annotations

import gc
import hashlib
import os
import signal
import sqlite3
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from retrieval.index.matrix import FieldBuilder, encode_batch
from retrieval.model import Article, Passage
from retrieval.text.analyzer import FIELDS, fields_from_words, tokenize_words

__all__ = ["ARTICLE_FIELDS", "SEGMENTER_VERSION", "TITLE_FIELDS", "IngestStats", "SegmentCache", "analyse_articles", "die_with_parent"]

# Bump when segmentation changes: cached word streams are then redone.
SEGMENTER_VERSION = "1"
# Title fields, one document per article: a passage borrows its article's title score (titles are
# short, so they cost few postings; they carry Wikipedia-style collections, where sibling paragraphs
# share one title).
TITLE_FIELDS: tuple[str, ...] = ("word", "fold2", "fold1")
# Whole-article fields (title and body), one document per article: a passage's article is evidence too.
# On news questions they took P@1 from 0.63 to 0.71 (README "Measured"). Accent-free syllables at article
# level help only questions typed without diacritics (and lower accented P@1, so those don't use them).
ARTICLE_FIELDS: tuple[str, ...] = ("word", "fold2", "fold1")
_BREAK = "\x1f"  # a punctuation break in a cached word stream
_BATCH_PASSAGES = 256  # passages per task sent to a worker (a longer article is cut into several tasks)
# The whole-article fields read an article's title and its first passages only: far more than any news
# article has (a 600-character passage each), and a 50 MB "article" no longer has to be one task.
ARTICLE_EVIDENCE_PASSAGES = 128
_IN_FLIGHT_PER_WORKER = 8  # tasks queued per worker (~0.1 s of work each)
_POOL_MIN = 1_500  # below this many passages, starting workers costs more than it saves

Stream = list  # list[str | None]: pyvi words, None at punctuation breaks
Progress = Callable[[str, int, int], None]


def die_with_parent(parent: int) -> None:
    """Worker start-up: ask Linux to kill this worker when the build process dies (even by kill -9).

    Without it, a killed build leaves its workers re-parented to init, holding their memory for good.
    """
    if sys.platform.startswith("linux"):
        import ctypes

        PR_SET_PDEATHSIG = 1
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before the request above took effect
        os._exit(1)


def text_key(text: str) -> bytes:
    return hashlib.blake2b(f"{SEGMENTER_VERSION}\x00{text}".encode(), digest_size=16).digest()


class SegmentCache:
    """Segmented text by content hash, so a rebuild only runs pyvi on what changed."""

    def __init__(self, path: Path) -> None:
        self.con = sqlite3.connect(path)
        self.con.execute("PRAGMA journal_mode=WAL")
        self.con.execute("PRAGMA synchronous=NORMAL")
        self.con.execute("PRAGMA cache_size=-262144")  # 256 MB: random keys touch pages all over the tree
        # A rowid table: its rows are appended in order; only the small key index takes random inserts.
        self.con.execute("CREATE TABLE IF NOT EXISTS seg2 (key BLOB PRIMARY KEY, words TEXT NOT NULL)")
        self.con.execute("DROP TABLE IF EXISTS seg")  # the layout before keys were 16-byte blobs
        self._pending = 0
        # A first build looks nothing up: at a million passages the misses alone cost ~15 s of the
        # one process that feeds the workers. (Repeats within that build are segmented twice.)
        self._empty = self.con.execute("SELECT 1 FROM seg2 LIMIT 1").fetchone() is None

    @staticmethod
    def serialize(stream: Stream) -> str:
        """A word stream as stored (workers serialize, so one string crosses the process boundary, not a list)."""
        return " ".join(_BREAK if w is None else w for w in stream)

    def get_many(self, keys: Sequence[bytes]) -> dict[bytes, Stream]:
        out: dict[bytes, Stream] = {}
        if self._empty:
            return out
        for i in range(0, len(keys), 900):
            chunk = list(keys[i : i + 900])
            q = f"SELECT key, words FROM seg2 WHERE key IN ({','.join('?' * len(chunk))})"
            for key, words in self.con.execute(q, chunk):
                out[key] = [None if w == _BREAK else w for w in words.split(" ")] if words else []
        return out

    def put_many(self, items: Iterable[tuple[bytes, str]]) -> None:
        """Store (key, serialized stream) pairs."""
        rows = list(items)
        self.con.executemany("INSERT OR REPLACE INTO seg2 VALUES (?, ?)", rows)
        self._pending += len(rows)
        if self._pending >= 20_000:
            self.flush()

    def flush(self) -> None:
        self.con.commit()
        self._pending = 0

    def close(self) -> None:
        self.flush()
        self.con.close()


@dataclass
class _Encoded:
    """Several documents of one field: concatenated (hash, tf) with per-document counts."""

    hashes: np.ndarray
    tfs: np.ndarray
    unique: np.ndarray
    lengths: np.ndarray


def _encode(docs: list[list[str]]) -> _Encoded:
    return _Encoded(*encode_batch(docs))


# A job: per piece of an article, its texts and the cached stream of each (or None), and whether the
# piece is the article's head ([title, passage, ...]: it also gives the title and whole-article fields)
# or a later run of its passages.
Job = list[tuple[list[str], list[Stream | None], bool]]


def _analyse_batch(job: Job) -> tuple[list[str], dict[str, _Encoded], dict[str, _Encoded], dict[str, _Encoded]]:
    """Worker side: segment what the cache lacked (returned serialized), then encode every passage and article field."""
    fresh: list[str] = []
    passage_terms: dict[str, list[list[str]]] = {name: [] for name in FIELDS}
    title_terms: dict[str, list[list[str]]] = {name: [] for name in TITLE_FIELDS}
    article_terms: dict[str, list[list[str]]] = {name: [] for name in ARTICLE_FIELDS}
    for texts, cached, head in job:
        streams = []
        for text, known in zip(texts, cached, strict=True):
            if known is None:
                known = tokenize_words(text)
                fresh.append(SegmentCache.serialize(known))
            streams.append(known)
        whole: dict[str, list[str]] = {}
        if head:
            title = fields_from_words(streams[0])
            for name in TITLE_FIELDS:
                title_terms[name].append(title[name])
            whole = {name: list(title[name]) for name in ARTICLE_FIELDS}  # the title, then its first passages
            streams = streams[1:]
        for j, words in enumerate(streams):
            terms = fields_from_words(words)
            for name in FIELDS:
                passage_terms[name].append(terms[name])
            if head and j < ARTICLE_EVIDENCE_PASSAGES:
                for name in ARTICLE_FIELDS:
                    whole[name].extend(terms[name])
        if head:
            for name in ARTICLE_FIELDS:
                article_terms[name].append(whole[name])
    return (
        fresh,
        {n: _encode(d) for n, d in passage_terms.items()},
        {n: _encode(d) for n, d in title_terms.items()},
        {n: _encode(d) for n, d in article_terms.items()},
    )


@dataclass
class IngestStats:
    segmented: int = 0
    cached: int = 0


Piece = tuple[Article, list[Passage], bool]  # an article, a run of its passages, and whether it is the head


def _batches(cut: list[tuple[Article, list[Passage]]]) -> Iterator[list[Piece]]:
    """Tasks of about _BATCH_PASSAGES passages; an article longer than that is cut into several."""
    batch: list[Piece] = []
    n = 0
    for article, passages in cut:
        head = max(_BATCH_PASSAGES, ARTICLE_EVIDENCE_PASSAGES)  # the head holds every passage the article fields read
        pieces = [passages[:head]] + [passages[i : i + _BATCH_PASSAGES] for i in range(head, len(passages), _BATCH_PASSAGES)]
        for k, piece in enumerate(pieces):
            batch.append((article, piece, k == 0))
            n += len(piece) + (k == 0)
            if n >= _BATCH_PASSAGES:
                yield batch
                batch, n = [], 0
    if batch:
        yield batch


def analyse_articles(
    cut: list[tuple[Article, list[Passage]]],
    cache: SegmentCache,
    passage_builders: dict[str, FieldBuilder],
    title_builders: dict[str, FieldBuilder],
    article_builders: dict[str, FieldBuilder],
    workers: int,
    progress: Progress | None = None,
) -> IngestStats:
    """Fill the builders with every passage, title and whole article of ``cut``, in order."""
    stats = IngestStats()
    total = sum(len(ps) + 1 for _, ps in cut)
    done = 0
    pool = None
    if workers > 1 and total >= _POOL_MIN:
        # Forked workers inherit every article and passage object; without this, each garbage
        # collection in a worker walks them all (and copies their pages): at a million passages
        # that made the workers 40 % slower than pyvi alone. Frozen objects are never collected.
        gc.freeze()
        pool = ProcessPoolExecutor(max_workers=workers, initializer=die_with_parent, initargs=(os.getpid(),))
    in_flight: deque[tuple[Future | tuple, list[bytes], list[int]]] = deque()

    def collect() -> None:
        nonlocal done
        pending, keys, missing = in_flight.popleft()
        fresh, passages, titles, articles = pending.result() if isinstance(pending, Future) else pending
        cache.put_many((keys[i], stream) for i, stream in zip(missing, fresh, strict=True))
        stats.segmented += len(fresh)
        stats.cached += len(keys) - len(fresh)
        for name, enc in passages.items():
            passage_builders[name].add_batch(enc.hashes, enc.tfs, enc.unique, enc.lengths)
        for name, enc in titles.items():
            title_builders[name].add_batch(enc.hashes, enc.tfs, enc.unique, enc.lengths)
        for name, enc in articles.items():
            article_builders[name].add_batch(enc.hashes, enc.tfs, enc.unique, enc.lengths)
        done += len(keys)
        if progress:
            progress("analyse", done, total)

    try:
        for batch in _batches(cut):
            texts_per_article = [([a.title] if head else []) + [p.text for p in ps] for a, ps, head in batch]
            keys = [text_key(t) for texts in texts_per_article for t in texts]
            known = cache.get_many(keys)
            job: Job = []
            missing: list[int] = []
            i = 0
            for texts, (_, _, head) in zip(texts_per_article, batch, strict=True):
                cached = []
                for _ in texts:
                    stream = known.get(keys[i])
                    if stream is None:
                        missing.append(i)
                    cached.append(stream)
                    i += 1
                job.append((texts, cached, head))
            task = pool.submit(_analyse_batch, job) if pool else _analyse_batch(job)
            in_flight.append((task, keys, missing))
            # a deep queue: the workers keep busy through the main process's SQLite commits
            if len(in_flight) > (_IN_FLIGHT_PER_WORKER * workers if pool else 0):
                collect()
        while in_flight:
            collect()
    finally:
        if pool:
            pool.shutdown(cancel_futures=True)
            gc.unfreeze()
        cache.flush()
    return stats
