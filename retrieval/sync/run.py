"""One sync: read each feed, fetch the pages of entries not seen (or changed), keep them as JSON Lines.

The archive is files the index is built from: a sync adds a new ``.jsonl`` file per feed (the index
merges it as ``index --add`` does) and rewrites the file of an article whose page changed (the index
then rebuilds from its cache). A feed or a page that fails is reported and skipped; nothing already
kept is touched, and the next sync asks again.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from retrieval.index.ingest import die_with_parent
from retrieval.index.layout import write_atomically
from retrieval.model import Article, Problem
from retrieval.sources.draft import Draft, ReadError, to_article
from retrieval.sources.webpage import read_html
from retrieval.sync.feeds import FeedEntry, parse_feed
from retrieval.sync.fetch import Fetched, Fetcher, FetchError
from retrieval.sync.settings import SyncSettings
from retrieval.sync.state import Seen, SyncState

__all__ = ["SyncReport", "sync_feeds"]

_FEED_ACCEPT = "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
_PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"


@dataclass
class SyncReport:
    feeds: int = 0
    unchanged: int = 0  # feeds that answered 304 Not Modified
    pages: int = 0  # article pages downloaded
    added: list[Article] = field(default_factory=list)
    updated: list[Article] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    took_s: float = 0.0
    finished_at: str = ""

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated)


def _record(article: Article) -> dict[str, str | None]:
    return {
        "id": article.doc_id,
        "title": article.title,
        "date": article.date,
        "published": article.published,
        "author": article.author,
        "url": article.url,
        "text": article.text,
    }


def _write_jsonl(path: Path, records: list[dict[str, str | None]]) -> None:
    """Write the records as JSON Lines, atomically."""
    write_atomically(path, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode(), ".sync-")


def _rewrite(path: Path, replacements: dict[str, dict[str, str | None]]) -> None:
    """The archive file with some records replaced by their new versions."""
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()] if path.exists() else []
    seen = set()
    for i, record in enumerate(records):
        if record.get("id") in replacements:
            records[i] = replacements[record["id"]]
            seen.add(record["id"])
    records += [r for doc_id, r in replacements.items() if doc_id not in seen]
    _write_jsonl(path, records)


PARALLEL_FROM = 40  # pages in one feed: below this, reading them inline costs less than starting workers


def read_page(body: bytes, url: str) -> Draft | str:
    """A fetched page read as an article, or the reason it can't be (runs in a worker process too)."""
    try:
        return read_html(body, url=url)
    except ReadError as exc:
        return str(exc)


class _Run:
    def __init__(self, settings: SyncSettings, progress: Callable[[str], None] | None) -> None:
        self.settings = settings
        self.folder = settings.feeds_dir
        self.folder.mkdir(parents=True, exist_ok=True)
        self.state = SyncState(self.folder)
        self.fetcher = Fetcher(
            settings.sync_user_agent, settings.sync_timeout_seconds, int(settings.sync_max_page_mb * 1e6), settings.sync_delay_seconds
        )
        self.report = SyncReport()
        self.done_keys: set[str] = set()  # an entry listed by two feeds is fetched once
        self.stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        self.progress = progress or (lambda _: None)
        self.pool: ProcessPoolExecutor | None = None

    def feed(self, url: str) -> None:
        self.report.feeds += 1
        etag, modified = self.state.feed(url)
        try:
            got = self.fetcher.get(url, etag, modified, _FEED_ACCEPT)
        except FetchError as exc:
            self.report.problems.append(Problem(url, str(exc)))
            self.state.feed_checked(url, None, None, str(exc))
            return
        if got.status == 304:
            self.report.unchanged += 1
            self.state.feed_checked(url, etag, modified)
            return
        entries, problems = parse_feed(got.body, url, got.content_type, self.settings.sync_max_entries)
        self.report.problems += problems
        if not entries and problems:
            self.state.feed_checked(url, None, None, problems[0].reason)
            return
        new: list[dict[str, str | None]] = []
        changed: dict[str, dict[str, dict[str, str | None]]] = {}
        # a name no other sync can take (two syncs may start within one second): new articles never overwrite kept ones
        file = self.folder / (urlsplit(url).netloc or "feed") / f"{self.stamp}-{self.report.feeds:03d}-{uuid.uuid4().hex[:8]}.jsonl"
        pending: list[tuple[FeedEntry, str, str, str | None, str | None, str]] = []  # remembered once the files are written
        wanted = []
        for entry in entries:
            if entry.key in self.done_keys:
                continue
            self.done_keys.add(entry.key)
            seen = self.state.entry(entry.key)
            if not (seen and seen.stamp == entry.stamp):  # listed again, unchanged: not fetched again
                wanted.append((entry, seen))
        # Pages are fetched here, one at a time (politely), and read by worker processes meanwhile when
        # there are many: reading is CPU work, fetching mostly waiting.
        pool = self._pool() if len(wanted) >= PARALLEL_FROM else None
        fetched: list[tuple[FeedEntry, Seen | None, Fetched, Future[Draft | str] | Draft | str]] = []
        for entry, seen in wanted:
            self.progress(entry.link)
            try:
                page = self.fetcher.get(entry.link, seen.etag if seen else None, seen.last_modified if seen else None, _PAGE_ACCEPT)
            except FetchError as exc:
                self.report.problems.append(Problem(entry.link, str(exc)))
                continue
            if page.status == 304 and seen:
                self.state.touch(entry.key, entry.stamp)
                continue
            self.report.pages += 1
            fetched.append((entry, seen, page, pool.submit(read_page, page.body, page.url) if pool else read_page(page.body, page.url)))
        for entry, seen, page, reading in fetched:
            draft = reading.result() if isinstance(reading, Future) else reading
            if isinstance(draft, str):
                self.report.problems.append(Problem(entry.link, draft))
                continue
            draft.title = draft.title or entry.title
            draft.published = draft.published or entry.published
            draft.url = draft.url or page.url
            doc_id = seen.doc_id if seen else self.state.doc_id_for(entry.link, entry.key)
            article = to_article(draft, doc_id, entry.link)
            record = _record(article)
            digest = hashlib.sha256(json.dumps(record, ensure_ascii=False).encode()).hexdigest()
            if seen and seen.digest == digest:
                self.state.touch(entry.key, entry.stamp)
                continue
            if seen:
                changed.setdefault(seen.file, {})[doc_id] = record
                self.report.updated.append(article)
                target = seen.file
            else:
                new.append(record)
                self.report.added.append(article)
                target = str(file)
            pending.append((entry, doc_id, target, page.etag, page.last_modified, digest))
        if new:
            _write_jsonl(file, new)
        for path, replacements in changed.items():
            _rewrite(Path(path), replacements)
        for entry, doc_id, target, page_etag, page_modified, digest in pending:
            self.state.remember(entry.key, entry.link, doc_id, target, entry.stamp, page_etag, page_modified, digest)
        self.state.feed_checked(url, got.etag, got.last_modified)  # commits the entries with it

    def _pool(self) -> ProcessPoolExecutor:
        if self.pool is None:
            self.pool = ProcessPoolExecutor(
                max_workers=max(1, min(4, os.cpu_count() or 1)), initializer=die_with_parent, initargs=(os.getpid(),)
            )
        return self.pool

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)
        self.fetcher.close()
        self.state.close()


def sync_feeds(feeds: list[str], settings: SyncSettings, progress: Callable[[str], None] | None = None) -> SyncReport:
    """Fetch what is new in ``feeds`` into ``settings.feeds_dir``; never raises for a feed or a page."""
    started = time.perf_counter()
    run = _Run(settings, progress)
    try:
        for url in dict.fromkeys(feeds):
            run.feed(url)
        report = run.report
        run.state.finish(report.feeds, len(report.added), len(report.updated), len(report.problems))
    finally:
        run.close()
    report.took_s = time.perf_counter() - started
    report.finished_at = datetime.now().astimezone().isoformat(timespec="seconds")
    return report
