"""One index generation opened for reading: its fields, store, article dates and checks."""

from __future__ import annotations

import itertools
import threading
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from retrieval.index.build import ANALYZER_VERSION, ARTICLE_PREFIX, TITLE_PREFIX
from retrieval.index.ingest import ARTICLE_FIELDS, TITLE_FIELDS
from retrieval.index.layout import FORMAT_VERSION, READABLE_FORMATS, IndexOutdated, Maps, load_array, read_params
from retrieval.index.matrix import Field, FieldMatrix
from retrieval.index.store import Store
from retrieval.text.analyzer import FIELDS

__all__ = ["DATED_SHARE", "IndexReader", "outdated_reason"]

DATED_SHARE = 0.5  # an archive is dated when at least this share of its articles have a date


def outdated_reason(gen: Path, params: dict[str, Any] | None = None) -> str | None:
    """Why this version cannot read the index generation ``gen`` (its ``params`` when already read), or None."""
    params = read_params(gen) if params is None else params
    if params.get("format") in READABLE_FORMATS and params.get("analyzer") == ANALYZER_VERSION:
        return None
    return (
        f"the index in {gen.parent} was built by an older version (format {params.get('format')}, "
        f"analyzer {params.get('analyzer')}; this version reads {FORMAT_VERSION}, {ANALYZER_VERSION})"
    )


class IndexReader:
    """The arrays of a generation, memory-mapped (``maps`` can give their pages back), and its store.
    Thread-safe: the store opens one connection per thread, the article dates are read once under a lock."""

    def __init__(self, gen: Path) -> None:
        self.gen = gen
        self.params = read_params(gen)
        reason = outdated_reason(gen, self.params)
        if reason:
            raise IndexOutdated(reason)
        meta = self.params["fields"]
        self.maps = Maps()

        def load(name: str) -> Field:
            return Field.load(gen, name, meta[name], maps=self.maps)

        self.fields = {name: load(name) for name in FIELDS}
        self.title_fields = {name: load(TITLE_PREFIX + name) for name in TITLE_FIELDS}
        self.article_fields = {name: load(ARTICLE_PREFIX + name) for name in ARTICLE_FIELDS}
        self.passage_article = load_array(gen / "passage_article.npy")
        self.store = Store(gen / "store.sqlite")
        self.n_passages = int(self.params["n_passages"])
        self._days: np.ndarray | None = None
        self._days_lock = threading.Lock()

    def check(self) -> None:
        """Touch what opening does not: the store's tables and every array's last element (damage shows here)."""
        last = self.store.last_passage_id()
        if last != self.n_passages - 1 or len(self.passage_article) != self.n_passages:
            raise ValueError(f"the store ends at passage {last}, the arrays hold {len(self.passage_article)}")
        for field_ in (*self.fields.values(), *self.title_fields.values(), *self.article_fields.values()):
            for matrix, name in itertools.product(field_.segments, FieldMatrix.ARRAYS):
                array = getattr(matrix, name)
                if len(array):
                    _ = array[-1]

    def article_days(self) -> np.ndarray:
        """Each article's date as a day number (0: unknown), read from the store on the first dated question."""
        if self._days is None:
            with self._days_lock:
                if self._days is None:
                    dates = self.store.article_dates()
                    days = np.zeros(max((row for row, _ in dates), default=-1) + 1, dtype=np.int64)
                    for row, iso in dates:
                        if iso:
                            try:
                                days[row] = date.fromisoformat(iso).toordinal()
                            except ValueError:
                                pass
                    self._days = days
        return self._days

    def dated(self) -> bool:
        """Whether most articles carry a date (periods in questions are read only then)."""
        days = self.article_days()
        return bool(len(days)) and float(np.count_nonzero(days)) >= DATED_SHARE * len(days)

    def idf(self, name: str, terms: list[str]) -> dict[str, float]:
        """IDF of each term in a passage field; a term the index lacks weighs as its rarest term would."""
        unique = list(dict.fromkeys(terms))
        return dict(zip(unique, self.fields[name].idf(unique).tolist(), strict=True))

    def article_rows(self, passages: np.ndarray) -> np.ndarray:
        """The article row of each passage."""
        return self.passage_article[passages]

    def article_firsts(self, passages: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Each passage's article row, and where each article first appears among ``passages``, in rank order."""
        rows = self.passage_article[passages]
        _, first = np.unique(rows, return_index=True)
        return rows, np.sort(first)

    def first_articles(self, passages: np.ndarray, n: int) -> tuple[int, ...]:
        """The articles of ``passages`` (in rank order) in the order they first appear, the first ``n``."""
        rows, first = self.article_firsts(passages)
        return tuple(int(rows[i]) for i in first[:n])

    def close(self) -> None:
        self.store.close()
