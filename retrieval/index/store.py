"""Articles and passages in SQLite: written once per build, read only for the hits shown."""

from __future__ import annotations

import functools
import sqlite3
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from retrieval.model import Article, Passage

__all__ = ["Store", "StoredArticle", "StoredPassage", "append_store", "write_store"]

_SCHEMA = """
CREATE TABLE articles (
    id INTEGER PRIMARY KEY,
    doc_id TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    date TEXT,
    author TEXT,
    url TEXT,
    source TEXT NOT NULL,
    text TEXT NOT NULL,
    published TEXT
);
CREATE TABLE passages (
    id INTEGER PRIMARY KEY,          -- the passage's column in the BM25 matrices
    article INTEGER NOT NULL REFERENCES articles(id),
    position INTEGER NOT NULL,
    kind TEXT NOT NULL,
    start INTEGER NOT NULL,          -- character offsets in articles.text
    end INTEGER NOT NULL
);
CREATE INDEX passages_article ON passages(article, position);
CREATE INDEX articles_date ON articles(date);
"""
# Articles read from scans or photos, with Tesseract's mean confidence. A table of its own, so that a store
# written before it existed reads as it did (no OCR articles) and needs no rebuild.
_OCR_SCHEMA = "CREATE TABLE IF NOT EXISTS ocr (article INTEGER PRIMARY KEY REFERENCES articles(id), confidence REAL NOT NULL);"


@dataclass(frozen=True)
class StoredPassage:
    passage_id: int
    doc_id: str
    title: str
    date: str | None
    kind: str
    position: int
    start: int
    end: int
    text: str
    article_row: int
    published: str | None
    url: str | None
    ocr: float | None = None  # read from a scan: Tesseract's mean confidence


@dataclass(frozen=True)
class StoredArticle:
    doc_id: str
    title: str
    date: str | None
    author: str | None
    url: str | None
    source: str
    text: str
    n_passages: int
    published: str | None = None


def write_store(path: Path, articles: Iterable[tuple[Article, list[Passage]]]) -> None:
    """Write a fresh store; passage ids are assigned 0, 1, 2, ... in the order given."""
    con = sqlite3.connect(path)
    try:
        con.executescript(_SCHEMA)
        _insert(con, articles, 0, 0)
    finally:
        con.close()


def append_store(path: Path, articles: Iterable[tuple[Article, list[Passage]]], first_article: int, first_passage: int) -> None:
    """Add articles to an existing store, numbering them after what is there."""
    con = sqlite3.connect(path)
    try:
        _insert(con, articles, first_article, first_passage)
    finally:
        con.close()


def _insert(con: sqlite3.Connection, articles: Iterable[tuple[Article, list[Passage]]], row: int, pid: int) -> None:
    con.execute("PRAGMA synchronous=OFF")  # the generation is fsynced as a whole before it goes live
    con.execute(_OCR_SCHEMA)
    for article, passages in articles:
        con.execute(
            "INSERT INTO articles VALUES (?,?,?,?,?,?,?,?,?)",
            (
                row,
                article.doc_id,
                article.title,
                article.date,
                article.author,
                article.url,
                article.source,
                article.text,
                article.published,
            ),
        )
        if article.ocr is not None:
            con.execute("INSERT INTO ocr VALUES (?,?)", (row, article.ocr))
        con.executemany(
            "INSERT INTO passages VALUES (?,?,?,?,?,?)",
            [(pid + i, row, p.position, p.kind, p.start, p.end) for i, p in enumerate(passages)],
        )
        pid += len(passages)
        row += 1
    con.commit()


_PASSAGE_SQL = """
SELECT p.id, a.doc_id, a.title, a.date, p.kind, p.position, p.start, p.end,
       substr(a.text, p.start + 1, p.end - p.start), a.id, a.published, a.url{ocr}
FROM passages p JOIN articles a ON a.id = p.article{join}
"""


class Store:
    """Read-only access; one connection per thread (the bot searches in worker threads)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._uri = f"file:{path}?mode=ro&immutable=1"
        self._local = threading.local()

    def _con(self) -> sqlite3.Connection:
        con = getattr(self._local, "con", None)
        if con is None:
            con = sqlite3.connect(self._uri, uri=True, check_same_thread=False)
            self._local.con = con
        return con

    @functools.cached_property
    def has_ocr(self) -> bool:
        """Whether this store records OCR articles (one written before it could, does not)."""
        return self._con().execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'ocr'").fetchone() is not None

    @functools.cached_property
    def _passage_sql(self) -> str:
        if self.has_ocr:
            return _PASSAGE_SQL.format(ocr=", o.confidence", join=" LEFT JOIN ocr o ON o.article = a.id")
        return _PASSAGE_SQL.format(ocr="", join="")

    def passages(self, ids: list[int]) -> dict[int, StoredPassage]:
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        rows = self._con().execute(f"{self._passage_sql} WHERE p.id IN ({marks})", [int(i) for i in ids]).fetchall()
        return {r[0]: StoredPassage(*r) for r in rows}

    def ocr_count(self) -> int:
        """Articles read from scans or photos."""
        return int(self._con().execute("SELECT count(*) FROM ocr").fetchone()[0]) if self.has_ocr else 0

    def surroundings(self, ids: list[int], reach: int) -> dict[int, tuple[str, str]]:
        """Up to ``reach`` characters of article text before and after each passage (quotes widen into them)."""
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        rows = (
            self._con()
            .execute(
                "SELECT p.id, substr(a.text, max(p.start - ?, 0) + 1, p.start - max(p.start - ?, 0)), substr(a.text, p.end + 1, ?) "
                f"FROM passages p JOIN articles a ON a.id = p.article WHERE p.id IN ({marks})",
                [reach, reach, reach, *[int(i) for i in ids]],
            )
            .fetchall()
        )
        return {r[0]: (r[1], r[2]) for r in rows}

    def article_passage_ids(self, article_row: int) -> list[int]:
        return [r[0] for r in self._con().execute("SELECT id FROM passages WHERE article = ? ORDER BY position", (article_row,))]

    def article(self, doc_id: str) -> StoredArticle | None:
        row = (
            self._con()
            .execute(
                "SELECT doc_id, title, date, author, url, source, text, (SELECT count(*) FROM passages WHERE article = a.id), published"
                " FROM articles a WHERE doc_id = ?",
                (doc_id,),
            )
            .fetchone()
        )
        return StoredArticle(*row) if row else None

    def latest(self, n: int = 5) -> list[StoredArticle]:
        rows = (
            self._con()
            .execute(
                "SELECT doc_id, title, date, author, url, source, '', (SELECT count(*) FROM passages WHERE article = a.id), published"
                " FROM articles a ORDER BY date IS NULL, date DESC, id DESC LIMIT ?",
                (n,),
            )
            .fetchall()
        )
        return [StoredArticle(*r) for r in rows]

    def article_dates(self) -> list[tuple[int, str | None]]:
        """(row, ISO date) of every article: the engine's period filter keeps them as day numbers."""
        return self._con().execute("SELECT id, date FROM articles").fetchall()

    def article_texts(self, rows: list[int]) -> dict[int, str]:
        """Title and text of these articles (by row), for finding a period named in them."""
        if not rows:
            return {}
        marks = ",".join("?" * len(rows))
        got = self._con().execute(f"SELECT id, title || '\n' || text FROM articles WHERE id IN ({marks})", [int(r) for r in rows])
        return dict(got.fetchall())

    def last_passage_id(self) -> int:
        """The largest passage id (a rowid lookup: cheap at any size, and it reads the file's header)."""
        row = self._con().execute("SELECT max(id) FROM passages").fetchone()
        return -1 if row[0] is None else int(row[0])

    def counts(self) -> tuple[int, int]:
        con = self._con()
        return (con.execute("SELECT count(*) FROM articles").fetchone()[0], con.execute("SELECT count(*) FROM passages").fetchone()[0])

    def doc_ids(self) -> list[str]:
        """Every article's id, indexed by its row (the numbers in passage_article.npy)."""
        return [r[0] for r in self._con().execute("SELECT doc_id FROM articles ORDER BY id")]

    def article_rows(self, doc_ids: list[str]) -> dict[str, int]:
        """doc_id → row for the ids the index holds (a conversation names its articles by id: rows change at a rebuild)."""
        if not doc_ids:
            return {}
        marks = ",".join("?" * len(doc_ids))
        return dict(self._con().execute(f"SELECT doc_id, id FROM articles WHERE doc_id IN ({marks})", doc_ids).fetchall())

    def doc_ids_of(self, rows: list[int]) -> dict[int, str]:
        """row → doc_id for these article rows."""
        if not rows:
            return {}
        marks = ",".join("?" * len(rows))
        return dict(self._con().execute(f"SELECT id, doc_id FROM articles WHERE id IN ({marks})", [int(r) for r in rows]).fetchall())

    def fingerprints(self) -> dict[str, str]:
        """doc_id → a cheap content fingerprint (length and title), to tell edited articles apart."""
        return dict(self._con().execute("SELECT doc_id, length(text) || ':' || title FROM articles"))

    def articles_text(self) -> list[tuple[str, str, str]]:
        """(doc_id, title, text) of every article, in row order."""
        return self._con().execute("SELECT doc_id, title, text FROM articles ORDER BY id").fetchall()

    def passage_texts(self) -> list[str]:
        """Every passage's text, in passage order."""
        return [
            r[0]
            for r in self._con().execute(
                "SELECT substr(a.text, p.start + 1, p.end - p.start) FROM passages p JOIN articles a ON a.id = p.article ORDER BY p.id"
            )
        ]

    def close(self) -> None:
        con = getattr(self._local, "con", None)
        if con is not None:
            con.close()
            self._local.con = None
