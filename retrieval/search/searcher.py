"""The first pass: every passage's fused BM25 over the question's fields, and the best ones, split over threads.

In a large index the passages are split by id into one range per core: each thread zeroes, scores and
ranks its own range, and the ranges' best are merged. Each passage receives its additions in the same
order as with one thread, so scores and ranking are the same bits. The per-article fields (the whole
article, its title) are looked up for the candidates' articles only, shared out the same way.
"""

from __future__ import annotations

import itertools
import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import numpy as np

from retrieval.index.kernels import NUMPY, Kernels
from retrieval.index.matrix import Field, FieldMatrix
from retrieval.search.candidates import Candidates
from retrieval.search.config import RankerConfig
from retrieval.search.query import Query
from retrieval.search.reader import IndexReader

__all__ = ["PARALLEL_MIN_ARTICLES", "PARALLEL_MIN_PASSAGES", "SCORING_THREADS", "Searcher"]

T = TypeVar("T")

# A question's passage scores are summed by this many threads (one per core, at most 4) once the index
# holds PARALLEL_MIN_PASSAGES: below that a thread's hand-off costs more than it saves.
SCORING_THREADS = max(1, min(4, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1))
PARALLEL_MIN_PASSAGES = 1 << 18
PARALLEL_MIN_ARTICLES = 8  # per thread, for the article and title look-ups


class Searcher:
    """Scores questions over one reader. Thread-safe: each thread scores into its own reused buffer."""

    def __init__(self, reader: IndexReader, config: RankerConfig) -> None:
        self.reader = reader
        self.config = config
        self.kernels: Kernels = NUMPY  # until the engine warms up: one question does not pay for loading numba
        self.threads = SCORING_THREADS  # threads scoring one question (with the compiled kernels, in a large index)
        self.parallel_from = PARALLEL_MIN_PASSAGES
        self._buffers = threading.local()
        self._pool: ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()

    def _scratch(self) -> np.ndarray:
        """This thread's score array (reused: allocating 12 MB per question costs page faults); each part zeroes its span."""
        buf = getattr(self._buffers, "scores", None)
        if buf is None:
            buf = self._buffers.scores = np.empty(self.reader.n_passages, dtype=np.float64)
        return buf

    def _plan(self, query: Query) -> list[tuple[FieldMatrix, np.ndarray, np.ndarray]]:
        """The passage fields' (matrix, rows, weights) a question sums, commonest terms left out in a large index."""
        n = self.reader.n_passages
        prune = self.config.common_share and n >= self.config.common_min_passages
        max_df = int(self.config.common_share * n) if prune else None
        plan = []
        for name, w in self.config.weights(query.accented).items():
            if w:
                limit = max_df if name in self.config.common_fields else None
                for segment, rows in self.reader.fields[name].rows(query.terms[name], limit):
                    plan.append((segment, rows, np.full(len(rows), w, dtype=np.float64)))
        return plan

    def _parts(self) -> list[tuple[int, int]]:
        """Passage id ranges of about equal size, one per scoring thread."""
        n = self.reader.n_passages
        threads = self.threads if self.kernels is not NUMPY and n >= self.parallel_from else 1
        threads = max(1, min(threads, n))
        cuts = [round(i * n / threads) for i in range(threads + 1)]
        return list(itertools.pairwise(cuts))

    def _shared(self, work: Callable[..., T], parts: Sequence[Sequence[Any]]) -> list[T]:
        """``work`` of each part, the first in this thread and the others in the pool (all finished on return)."""
        futures = [self.pool().submit(work, *p) for p in parts[1:]]
        try:
            found = [work(*parts[0])]
        finally:  # never leave a thread writing into a buffer the next question reuses
            found += [f.result() for f in futures]
        return found

    def top(self, query: Query, depth: int, exclude_articles: np.ndarray | None = None) -> tuple[np.ndarray, Candidates]:
        """Fused passage-field score of every passage (in this thread's reused buffer: copy it to keep it), and the
        best ``depth`` passages with a positive score, ranked."""
        scores = self._scratch()
        plan = self._plan(query)
        kernels = self.kernels
        passage_article = self.reader.passage_article

        def part(lo: int, hi: int) -> np.ndarray:
            view = scores[lo:hi]
            view.fill(0.0)
            for matrix, rows, factors in plan:
                kernels.accumulate_part(scores, rows, factors, *matrix.postings, lo, hi)
            if exclude_articles is not None and len(exclude_articles):
                view[np.isin(passage_article[lo:hi], exclude_articles)] = 0.0
            return lo + kernels.top_k(view, depth)

        parts = self._parts()
        if len(parts) == 1:
            ids = part(*parts[0])  # top_k ranks by the same rule
            return scores, Candidates(ids, scores[ids].copy())
        merged = np.concatenate(self._shared(part, parts))
        return scores, Candidates.ranked(merged, scores[merged]).head(depth)

    def pool(self) -> ThreadPoolExecutor:
        pool = self._pool
        if pool is None:
            with self._pool_lock:
                if self._pool is None:
                    self._pool = ThreadPoolExecutor(max_workers=max(1, self.threads - 1), thread_name_prefix="score")
                pool = self._pool
        return pool

    def _looked_up(self, matrices: dict[str, Field], weights: dict[str, float], query: Query, articles: np.ndarray) -> np.ndarray:
        """Fused score of each of ``articles`` in per-article fields, looked up in their lists, not scored for all
        (the same additions, in the same order, as scoring every article)."""
        scores = np.zeros(len(articles), dtype=np.float64)
        for name, w in weights.items():
            if w and name in matrices:
                matrices[name].scores_at(query.terms[name], articles, scores, w, self.kernels)
        return scores

    def article_scores(self, query: Query, articles: np.ndarray) -> np.ndarray:
        """Fused whole-article score of each of ``articles``."""
        return self._looked_up(self.reader.article_fields, self.config.article_weights(query.accented), query, articles)

    def title_scores(self, query: Query, articles: np.ndarray) -> np.ndarray:
        """Fused title score of each of ``articles`` (with the passage fields' weights)."""
        return self._looked_up(self.reader.title_fields, self.config.weights(query.accented), query, articles)

    def evidence(self, query: Query, articles: np.ndarray) -> np.ndarray:
        """What each of ``articles`` adds to its passages: ``article`` × its whole-article score plus ``title`` ×
        its title score (looked up by the scoring threads, each for a share of the articles, when there are several)."""

        def share(part: np.ndarray) -> np.ndarray:
            evidence = np.zeros(len(part))
            if self.config.article:
                evidence += self.config.article * self.article_scores(query, part)
            if self.config.title:
                evidence += self.config.title * self.title_scores(query, part)
            return evidence

        threads = len(self._parts())
        if threads == 1 or len(articles) < PARALLEL_MIN_ARTICLES * threads:
            return share(articles)
        return np.concatenate(self._shared(share, [(p,) for p in np.array_split(articles, threads)]))

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False)
