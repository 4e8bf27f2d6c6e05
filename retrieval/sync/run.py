"""One sync: read each feed, fetch the pages of entries not seen (or changed), keep them as JSON Lines.

The archive is files the index is built from: a sync adds a new ``.jsonl`` file per feed (the index
merges it as ``index --add`` does) and rewrites the file of an article whose page changed (the index
then rebuilds from its cache). A feed or a page that fails is reported and skipped; nothing already
kept is touched, and the next sync asks again.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from retrieval.model import Article, Problem
from retrieval.sources.draft import Draft, to_article
from retrieval.sync.archive import Record, digest, record, rewrite, write_jsonl
from retrieval.sync.feeds import FeedEntry, canonical_link, parse_feed
from retrieval.sync.fetch import Fetched, Fetcher, FetchError
from retrieval.sync.pages import PageReader
from retrieval.sync.settings import SyncSettings
from retrieval.sync.state import Seen, SyncState

__all__ = ["CRAWLED", "FEED_ACCEPT", "PAGE_ACCEPT", "SyncReport", "make_fetcher", "sync_feeds"]

FEED_ACCEPT = "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"


@dataclass
class SyncReport:
    feeds: int = 0
    sites: int = 0  # sites whose new sitemap entries were taken too (sync/update.py)
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


CRAWLED = "crawl:"  # the stamp a crawl gives the articles it stores (sync/crawl.py)
PARALLEL_FROM = 40  # pages in one feed: below this, read one by one as they come; from it, by one guarded worker per core


def make_fetcher(settings: SyncSettings) -> Fetcher:
    """The polite fetcher every sync and crawl uses, from the shared settings."""
    return Fetcher(
        settings.sync_user_agent,
        settings.sync_timeout_seconds,
        int(settings.sync_max_page_mb * 1e6),
        settings.sync_delay_seconds,
        settings.sync_retries,
    )


class _Run:
    def __init__(self, settings: SyncSettings, progress: Callable[[str], None] | None) -> None:
        self.settings = settings
        self.folder = settings.feeds_dir
        self.folder.mkdir(parents=True, exist_ok=True)
        self.state = SyncState(self.folder)
        self.fetcher = make_fetcher(settings)
        self.report = SyncReport()
        self.done_keys: set[str] = set()  # an entry listed by two feeds is fetched once
        self.stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        self.progress = progress or (lambda _: None)
        self.reader = PageReader()

    def feed(self, url: str) -> None:
        self.report.feeds += 1
        etag, modified = self.state.feed(url)
        try:
            got = self.fetcher.get(url, etag, modified, FEED_ACCEPT)
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
        new: list[Record] = []
        changed: dict[str, dict[str, Record]] = {}
        # a name no other sync can take (two syncs may start within one second): new articles never overwrite kept ones
        file = self.folder / (urlsplit(url).netloc or "feed") / f"{self.stamp}-{self.report.feeds:03d}-{uuid.uuid4().hex[:8]}.jsonl"
        pending: list[tuple[FeedEntry, str, str, str | None, str | None, str]] = []  # remembered once the files are written
        wanted = []
        for listed in entries:
            entry = replace(listed, key=self.state.resolve(listed.key))  # reached before under another address
            if entry.key in self.done_keys:
                continue
            self.done_keys.add(entry.key)
            seen = self.state.entry(entry.key)
            if seen and (seen.stamp or "").startswith(CRAWLED):
                # a crawl stored it (its sitemap's lastmod tells the crawl of any edit): the feed's stamp is noted,
                # and only a later change of it fetches the page again
                self.state.touch(entry.key, entry.stamp)
            elif not (seen and seen.stamp == entry.stamp):  # listed again, unchanged: not fetched again
                wanted.append((entry, seen))
        # Pages are fetched here, one at a time (politely), and read by guarded worker processes meanwhile
        # when there are many: reading is CPU work, fetching mostly waiting.
        parallel = len(wanted) >= PARALLEL_FROM
        fetched: list[tuple[FeedEntry, Seen | None, Fetched, Future[Draft | str]]] = []
        for entry, seen in wanted:
            self.progress(entry.link)
            try:
                page = self.fetcher.get(entry.link, seen.etag if seen else None, seen.last_modified if seen else None, PAGE_ACCEPT)
            except FetchError as exc:
                self.report.problems.append(Problem(entry.link, str(exc)))
                continue
            if page.status == 304 and seen:
                self.state.touch(entry.key, entry.stamp)
                continue
            self.report.pages += 1
            fetched.append((entry, seen, page, self.reader.submit(page.body, page.url, parallel)))
        for entry, seen, page, reading in fetched:
            draft = reading.result()
            if isinstance(draft, str):
                self.report.problems.append(Problem(entry.link, draft))
                continue
            draft.title = draft.title or entry.title
            draft.published = draft.published or entry.published
            draft.url = draft.url or page.url
            if not seen:
                # the page may name its own address (rel=canonical): an article a crawl or another feed stored
                # under it is the same article, kept once
                canonical = canonical_link(draft.url or page.url)
                if canonical != entry.key and self.state.entry(canonical):
                    self.state.alias(entry.key, canonical)
                    continue
            doc_id = seen.doc_id if seen else self.state.doc_id_for(entry.link, entry.key)
            article = to_article(draft, doc_id, entry.link)
            rec = record(article)
            stamp = digest(rec)
            if seen and seen.digest == stamp:
                self.state.touch(entry.key, entry.stamp)
                continue
            if seen:
                changed.setdefault(seen.file, {})[doc_id] = rec
                self.report.updated.append(article)
                target = seen.file
            else:
                new.append(rec)
                self.report.added.append(article)
                target = str(file)
            pending.append((entry, doc_id, target, page.etag, page.last_modified, stamp))
        if new:
            write_jsonl(file, new)
        for path, replacements in changed.items():
            rewrite(Path(path), replacements)
        for entry, doc_id, target, page_etag, page_modified, page_digest in pending:
            self.state.remember(entry.key, entry.link, doc_id, target, entry.stamp, page_etag, page_modified, page_digest)
        self.state.feed_checked(url, got.etag, got.last_modified)  # commits the entries with it

    def close(self) -> None:
        self.reader.close()
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
