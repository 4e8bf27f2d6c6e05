"""What a sync already knows, in SQLite beside the archive: feeds' validators, entries fetched, runs."""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

__all__ = ["STATE_FILE", "LastCrawl", "LastRun", "Seen", "SyncState", "last_crawl", "last_run"]

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
-- another address of an article kept under ``target`` (a redirect, a duplicate URL, a rel=canonical)
CREATE TABLE IF NOT EXISTS aliases (key TEXT PRIMARY KEY, target TEXT NOT NULL);
-- crawls: each site's pages (the frontier), the sitemaps read, the feeds found, and each run
CREATE TABLE IF NOT EXISTS sites (
    site TEXT PRIMARY KEY, robots TEXT, feeds TEXT, sitemaps INTEGER, crawled_at REAL, error TEXT
);
CREATE TABLE IF NOT EXISTS sitemaps (
    url TEXT PRIMARY KEY, site TEXT NOT NULL, lastmod TEXT, etag TEXT, last_modified TEXT, read_at REAL, error TEXT
);
CREATE TABLE IF NOT EXISTS pages (
    url TEXT PRIMARY KEY, site TEXT NOT NULL, status TEXT NOT NULL, lastmod TEXT, day TEXT,
    found_at REAL, done_at REAL, error TEXT
);
CREATE INDEX IF NOT EXISTS pages_todo ON pages(site, status, day);
CREATE TABLE IF NOT EXISTS crawls (
    id INTEGER PRIMARY KEY, finished_at REAL NOT NULL, sites INTEGER, found INTEGER, stored INTEGER, updated INTEGER,
    failed INTEGER, requests INTEGER
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


@dataclass(frozen=True)
class LastCrawl:
    finished_at: float  # Unix time
    sites: int
    found: int
    stored: int
    updated: int
    failed: int
    requests: int


def _latest(folder: Path, query: str) -> tuple[object, ...] | None:
    path = folder / STATE_FILE
    if not path.exists():
        return None
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            row: tuple[object, ...] | None = con.execute(query).fetchone()
        finally:
            con.close()
    except sqlite3.Error:  # an archive of an older version has no crawls table yet
        return None
    return row


def last_run(folder: Path) -> LastRun | None:
    """The latest sync recorded in ``folder`` (by the bot's job, /capnhat or the CLI), or None."""
    row = _latest(folder, "SELECT finished_at, feeds, added, updated, problems FROM runs ORDER BY id DESC LIMIT 1")
    return LastRun(*row) if row else None  # type: ignore[arg-type]


def last_crawl(folder: Path) -> LastCrawl | None:
    """The latest crawl of the sites recorded in ``folder``, or None."""
    row = _latest(folder, "SELECT finished_at, sites, found, stored, updated, failed, requests FROM crawls ORDER BY id DESC LIMIT 1")
    return LastCrawl(*row) if row else None  # type: ignore[arg-type]


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

    def resolve(self, key: str) -> str:
        """The key an article is kept under, when ``key`` is another address of it."""
        row = self.con.execute("SELECT target FROM aliases WHERE key = ?", (key,)).fetchone()
        return str(row[0]) if row else key

    def alias(self, key: str, target: str) -> None:
        if key != target:
            self.con.execute("INSERT OR REPLACE INTO aliases VALUES (?, ?)", (key, target))

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

    # -- crawls -----------------------------------------------------------------------
    def site_seen(self, site: str, robots: str, feeds: list[str], sitemaps: int, error: str | None = None) -> None:
        self.con.execute(
            "INSERT OR REPLACE INTO sites VALUES (?,?,?,?,?,?)",
            (site, robots, json.dumps(feeds, ensure_ascii=False), sitemaps, time.time(), error),
        )
        self.con.commit()

    def site_feeds(self, sites: list[str] | None = None) -> list[str]:
        """The feeds the crawled sites' homepages announce (``sync`` reads them beside FEEDS)."""
        rows = self.con.execute("SELECT site, feeds FROM sites").fetchall()
        return [f for site, feeds in rows if sites is None or site in sites for f in json.loads(feeds or "[]")]

    def sitemap(self, url: str) -> tuple[str | None, str | None, str | None] | None:
        """(lastmod, etag, last_modified) of a sitemap read completely before, else None."""
        row = self.con.execute("SELECT lastmod, etag, last_modified FROM sitemaps WHERE url = ? AND error IS NULL", (url,)).fetchone()
        return (row[0], row[1], row[2]) if row else None

    def sitemap_read(
        self, url: str, site: str, lastmod: str | None, etag: str | None, modified: str | None, error: str | None = None
    ) -> None:
        self.con.execute("INSERT OR REPLACE INTO sitemaps VALUES (?,?,?,?,?,?,?)", (url, site, lastmod, etag, modified, time.time(), error))
        self.con.commit()

    def found(self, url: str, site: str, lastmod: str | None, day: str | None, key: str) -> bool:
        """Put a page in the frontier; True when it is to be fetched (new, or changed since it was stored).
        ``key``: the address its article would be kept under (a feed's sync may have kept it already)."""
        row = self.con.execute("SELECT status, lastmod FROM pages WHERE url = ?", (url,)).fetchone()
        if row is None:
            status = "stored" if self.entry(key) else "todo"
            self.con.execute("INSERT INTO pages VALUES (?,?,?,?,?,?,NULL,NULL)", (url, site, status, lastmod, day, time.time()))
            return status == "todo"
        status, known = row
        if status == "todo":
            return True
        if status in ("stored", "same", "unreadable", "duplicate", "out-of-range") and lastmod and (not known or lastmod > known):
            self.con.execute("UPDATE pages SET status = 'todo', lastmod = ?, day = COALESCE(?, day) WHERE url = ?", (lastmod, day, url))
            return True
        if status == "failed":  # tried again at every crawl
            self.con.execute("UPDATE pages SET status = 'todo' WHERE url = ?", (url,))
            return True
        return False

    def todo(self, site: str, limit: int) -> list[tuple[str, str | None]]:
        """Pages of ``site`` to fetch, newest first: (url, lastmod)."""
        rows = self.con.execute(
            "SELECT url, lastmod FROM pages WHERE site = ? AND status = 'todo' ORDER BY COALESCE(day, lastmod) DESC, url LIMIT ?",
            (site, limit),
        ).fetchall()
        return [(r[0], r[1]) for r in rows]

    def has_pages(self, site: str) -> bool:
        """Whether any crawl of ``site`` found an article address."""
        return self.con.execute("SELECT 1 FROM pages WHERE site = ? LIMIT 1", (site,)).fetchone() is not None

    def is_todo(self, url: str) -> bool:
        return self.con.execute("SELECT 1 FROM pages WHERE url = ? AND status = 'todo'", (url,)).fetchone() is not None

    def todo_count(self, site: str) -> int:
        return int(self.con.execute("SELECT COUNT(*) FROM pages WHERE site = ? AND status = 'todo'", (site,)).fetchone()[0])

    def page_done(self, url: str, status: str, error: str | None = None) -> None:
        """``status``: stored, same (unchanged), duplicate, out-of-range, gone (404/410), disallowed or failed."""
        self.con.execute("UPDATE pages SET status = ?, done_at = ?, error = ? WHERE url = ?", (status, time.time(), error, url))

    def crawl_finished(self, sites: int, found: int, stored: int, updated: int, failed: int, requests: int) -> None:
        self.con.execute(
            "INSERT INTO crawls(finished_at, sites, found, stored, updated, failed, requests) VALUES (?,?,?,?,?,?,?)",
            (time.time(), sites, found, stored, updated, failed, requests),
        )
        self.con.commit()
