"""What a sync already knows, in SQLite beside the archive: feeds' validators, entries fetched, runs."""

from __future__ import annotations

import hashlib
import re
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

__all__ = ["STATE_FILE", "LastRun", "Seen", "SyncState", "last_run"]

# Hidden, so that reading the archive folder never takes it for a bulletin.
STATE_FILE = ".sync.sqlite"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS feeds (
    url TEXT PRIMARY KEY, etag TEXT, last_modified TEXT, checked_at REAL, error TEXT
);
CREATE TABLE IF NOT EXISTS entries (
    key TEXT PRIMARY KEY, link TEXT NOT NULL, doc_id TEXT NOT NULL UNIQUE, file TEXT NOT NULL,
    stamp TEXT, etag TEXT, last_modified TEXT, digest TEXT, fetched_at REAL
);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY, finished_at REAL NOT NULL, feeds INTEGER, added INTEGER, updated INTEGER, problems INTEGER
);
"""


@dataclass(frozen=True)
class Seen:
    doc_id: str
    file: str
    stamp: str | None
    etag: str | None
    last_modified: str | None
    digest: str | None


@dataclass(frozen=True)
class LastRun:
    finished_at: float  # Unix time
    feeds: int
    added: int
    updated: int
    problems: int


def last_run(folder: Path) -> LastRun | None:
    """The latest sync recorded in ``folder`` (by the bot's job, /capnhat or the CLI), or None."""
    path = folder / STATE_FILE
    if not path.exists():
        return None
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            row = con.execute("SELECT finished_at, feeds, added, updated, problems FROM runs ORDER BY id DESC LIMIT 1").fetchone()
        finally:
            con.close()
    except sqlite3.Error:
        return None
    return LastRun(*row) if row else None


class SyncState:
    def __init__(self, folder: Path) -> None:
        self.con = sqlite3.connect(folder / STATE_FILE)
        self.con.executescript(_SCHEMA)

    def feed(self, url: str) -> tuple[str | None, str | None]:
        row = self.con.execute("SELECT etag, last_modified FROM feeds WHERE url = ?", (url,)).fetchone()
        return (row[0], row[1]) if row else (None, None)

    def feed_checked(self, url: str, etag: str | None, last_modified: str | None, error: str | None = None) -> None:
        """Remember the feed's validators (kept as they were when it failed: the next sync asks again in full)."""
        if error:
            self.con.execute(
                "INSERT INTO feeds(url, checked_at, error) VALUES (?,?,?) ON CONFLICT(url) DO UPDATE SET checked_at=excluded.checked_at, error=excluded.error",
                (url, time.time(), error),
            )
        else:
            self.con.execute(
                "INSERT OR REPLACE INTO feeds(url, etag, last_modified, checked_at, error) VALUES (?,?,?,?,NULL)",
                (url, etag, last_modified, time.time()),
            )
        self.con.commit()

    def entry(self, key: str) -> Seen | None:
        row = self.con.execute("SELECT doc_id, file, stamp, etag, last_modified, digest FROM entries WHERE key = ?", (key,)).fetchone()
        return Seen(*row) if row else None

    def doc_id_for(self, link: str, key: str) -> str:
        """A readable, stable id: the page's host and last path segment ("baolangson.vn/hoi-nghi-5031234")."""
        parts = urlsplit(link)
        slug = re.sub(r"\.(html?|aspx?|php)$", "", parts.path.rstrip("/").rsplit("/", 1)[-1]) or "bai"
        doc_id = f"{parts.netloc}/{slug}"[:180]
        if self.con.execute("SELECT 1 FROM entries WHERE doc_id = ? AND key != ?", (doc_id, key)).fetchone():
            doc_id = f"{doc_id}-{hashlib.sha1(key.encode()).hexdigest()[:8]}"
        return doc_id

    def remember(
        self, key: str, link: str, doc_id: str, file: str, stamp: str, etag: str | None, modified: str | None, digest: str
    ) -> None:
        self.con.execute(
            "INSERT OR REPLACE INTO entries VALUES (?,?,?,?,?,?,?,?,?)",
            (key, link, doc_id, file, stamp, etag, modified, digest, time.time()),
        )

    def touch(self, key: str, stamp: str) -> None:
        """The entry changed in the feed but not on its page: remember the new stamp only."""
        self.con.execute("UPDATE entries SET stamp = ?, fetched_at = ? WHERE key = ?", (stamp, time.time(), key))

    def finish(self, feeds: int, added: int, updated: int, problems: int) -> None:
        self.con.execute(
            "INSERT INTO runs(finished_at, feeds, added, updated, problems) VALUES (?,?,?,?,?)",
            (time.time(), feeds, added, updated, problems),
        )
        self.con.commit()

    def commit(self) -> None:
        self.con.commit()

    def close(self) -> None:
        self.con.close()
