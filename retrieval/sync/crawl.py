"""Crawl a paper's whole archive from its address, politely and resumably, into the archive ``sync`` keeps.

For each site: robots.txt first (its rules for us, its Crawl-delay, its sitemaps); the homepage (the feeds it
announces, kept for ``sync``); then the sitemaps, nested, gzipped or plain text, skipping those whose
``<lastmod>`` says nothing in them is new. A site without a sitemap is read from its homepage: sections to a
depth limit, a section's next pages only while they bring new articles, traps never (sync/links.py).

Every address found goes into the frontier in the sync's SQLite (``pages``) before anything is fetched;
articles are fetched newest first, read in the guarded reading worker, and stored once under their
canonical address. A part file and the state that names its articles are written together every few
seconds, so a crawl killed at any point (kill -9, power loss) starts again where it stopped, and a later
crawl fetches only what is new.
"""

from __future__ import annotations

import time
import uuid
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from retrieval.model import Article, Problem
from retrieval.sources.draft import Draft, to_article
from retrieval.sync.archive import PartWriter, digest, record, rewrite
from retrieval.sync.feeds import canonical_link
from retrieval.sync.fetch import Fetched, Fetcher, FetchError
from retrieval.sync.links import PageLinks, page_links, same_site
from retrieval.sync.pages import PageReader
from retrieval.sync.robots import Robots, parse_robots
from retrieval.sync.run import CRAWLED, PAGE_ACCEPT, make_fetcher
from retrieval.sync.settings import SyncSettings
from retrieval.sync.sitemaps import SitemapEntry, SitemapError, parse_sitemap
from retrieval.sync.state import SyncState

__all__ = ["CrawlCounts", "CrawlReport", "crawl_sites", "probe_site", "site_root"]

SITEMAP_ACCEPT = "application/xml, text/xml;q=0.9, application/x-gzip;q=0.8, text/plain;q=0.5, */*;q=0.1"
GUESSED_SITEMAPS = ("sitemap.xml", "sitemap_index.xml")
MAX_SITEMAPS = 20_000  # per site and crawl: a sitemap index cannot send the crawl round forever
MAX_SITEMAP_DEPTH = 4
FLUSH_SECONDS = 2.0  # how much work a kill -9 can cost at most
FLUSH_RECORDS = 50
ROBOTS_MAX_BYTES = 512 * 1024  # Google reads the first 500 KiB
_HTML_TYPES = ("text/html", "application/xhtml+xml")


@dataclass
class CrawlCounts:
    """What the progress bar shows."""

    found: int = 0  # article addresses to fetch in this run
    done: int = 0  # of those, taken (fetched, failed or found unchanged)
    fetched: int = 0
    stored: int = 0
    failed: int = 0


@dataclass
class CrawlReport:
    sites: int = 0
    sitemaps: int = 0  # sitemaps read
    sitemaps_skipped: int = 0  # unchanged since the last crawl, or older than --since
    listing_pages: int = 0  # sections and their pages read (sites without a sitemap)
    found: int = 0
    fetched: int = 0
    added: list[Article] = field(default_factory=list)
    updated: list[Article] = field(default_factory=list)
    unchanged: int = 0
    duplicates: int = 0  # another address of an article already kept
    out_of_range: int = 0  # dated outside --since/--until
    disallowed: int = 0  # addresses robots.txt keeps us from: never requested
    traps: int = 0  # same-site links left alone (search, calendars, filters)
    left: int = 0  # in range but past --max-articles: the next crawl takes them
    feeds: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    requests: int = 0
    retried: int = 0
    took_s: float = 0.0
    finished_at: str = ""

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated)


def site_root(url: str) -> str:
    """The site's root address (``https://baolangson.vn/``) from any address on it."""
    parts = urlsplit(url.strip())
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}/"


def read_robots(fetcher: Fetcher, root: str) -> Robots | str:
    """The site's robots.txt, or why the site cannot be crawled now (one line)."""
    try:
        got = fetcher.get(root + "robots.txt", accept="text/plain, */*;q=0.5", max_bytes=ROBOTS_MAX_BYTES)
        robots = parse_robots(got.body.decode("utf-8", "replace"), got.status)
    except FetchError as exc:
        if exc.status == 0:
            return f"cannot reach the site ({exc}); check the address, or try again later"
        robots = parse_robots("", exc.status)
    if robots.deny_all:
        return "robots.txt answers with a server error, so nothing may be fetched (RFC 9309); try again later"
    return robots


def _is_html(content_type: str) -> bool:
    return not content_type or content_type.split(";")[0].strip().lower() in _HTML_TYPES


class _Crawl:
    def __init__(
        self,
        settings: SyncSettings,
        since: str | None,
        until: str | None,
        max_articles: int | None,
        progress: Callable[[CrawlCounts], None] | None,
    ) -> None:
        self.settings = settings
        self.since, self.until = since, until
        self.budget = max_articles
        self.folder = settings.feeds_dir
        self.folder.mkdir(parents=True, exist_ok=True)
        self.state = SyncState(self.folder)
        self.fetcher = make_fetcher(settings)
        self.reader = PageReader()
        self.report = CrawlReport()
        self.counts = CrawlCounts()
        self.tell = progress or (lambda _: None)
        self.stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        self.max_sitemap_bytes = int(settings.crawl_max_sitemap_mb * 1e6)

    # -- one site ----------------------------------------------------------------------
    def site(self, address: str) -> None:
        root = site_root(address)
        host = urlsplit(root).netloc
        self.report.sites += 1
        robots = self._robots(root)
        if robots is None:
            return
        if robots.crawl_delay:
            self.fetcher.set_host_delay(host, robots.crawl_delay)
        home = self._homepage(root, host, robots)
        self.report.feeds += [f for f in home.feeds if f not in self.report.feeds]
        found_before, sitemaps_before = self.report.found, self.report.sitemaps
        named = list(robots.sitemaps)
        read_any = self._sitemaps(root, host, robots, named or [root + name for name in GUESSED_SITEMAPS], guessed=not named)
        if not read_any:
            self._from_homepage(root, host, robots, home)
        nothing = self.report.found == found_before and not read_any and not home.feeds and not home.articles
        if nothing and not self.state.has_pages(root):
            self._problem(root, "not a news site: no sitemap, no feed and no article links on its homepage")
        self.state.site_seen(root, robots.describe(), list(home.feeds), self.report.sitemaps - sitemaps_before)
        self._articles(root, host, robots)

    def _problem(self, source: str, reason: str) -> None:
        self.report.problems.append(Problem(source, reason))

    def _robots(self, root: str) -> Robots | None:
        robots = read_robots(self.fetcher, root)
        if isinstance(robots, str):
            self._problem(root, robots)
            return None
        return robots

    def _homepage(self, root: str, host: str, robots: Robots) -> PageLinks:
        empty = PageLinks((), (), (), 0, ())
        if not robots.allowed(root):
            return empty
        try:
            got = self.fetcher.get(root, accept=PAGE_ACCEPT)
        except FetchError as exc:
            self._problem(root, f"the homepage: {exc}")
            return empty
        if not _is_html(got.content_type) or not same_site(got.url, host):
            return empty
        return page_links(got.body, got.url, host)

    # -- discovery ---------------------------------------------------------------------
    def _first_visit(self, url: str, seen: set[str], robots: Robots) -> bool:
        """Whether to request ``url`` now: not asked before in this walk, and robots.txt allows it."""
        if url in seen:
            return False
        seen.add(url)
        if not robots.allowed(url):
            self.report.disallowed += 1
            return False
        return True

    def _sitemaps(self, root: str, host: str, robots: Robots, urls: list[str], guessed: bool) -> bool:
        """Walk the sitemaps from ``urls``; whether any was read (or is unchanged since the last crawl)."""
        queue: deque[tuple[str, str | None, int]] = deque((u, None, 0) for u in urls)
        seen: set[str] = set()
        usable = False
        while queue and len(seen) < MAX_SITEMAPS:
            url, lastmod, depth = queue.popleft()
            if not self._first_visit(url, seen, robots):
                continue
            if lastmod and self.since and lastmod < self.since:
                self.report.sitemaps_skipped += 1  # nothing in it changed since --since
                usable = True
                continue
            known = self.state.sitemap(url)
            if known and lastmod and known[0] == lastmod:
                self.report.sitemaps_skipped += 1  # unchanged since the last crawl read it whole
                usable = True
                continue
            try:
                got = self.fetcher.get(
                    url, known[1] if known else None, known[2] if known else None, SITEMAP_ACCEPT, self.max_sitemap_bytes
                )
                if got.status == 304:
                    self.report.sitemaps_skipped += 1
                    usable = True
                    continue
                sitemap = parse_sitemap(got.body, self.max_sitemap_bytes)
            except (FetchError, SitemapError) as exc:
                if not (guessed and depth == 0):  # a guessed address that is not a sitemap is no problem
                    self._problem(url, f"sitemap not read: {exc}")
                    self.state.sitemap_read(url, root, lastmod, None, None, str(exc))
                continue
            usable = True
            self.report.sitemaps += 1
            if sitemap.kind == "index":
                if depth < MAX_SITEMAP_DEPTH:
                    queue.extend((e.loc.strip(), e.lastmod, depth + 1) for e in sitemap.entries)
            else:
                for entry in sitemap.entries:
                    self._found(root, host, robots, entry)
            self.state.sitemap_read(url, root, lastmod, got.etag, got.last_modified)  # commits the pages it listed
        return usable

    def _found(self, root: str, host: str, robots: Robots, entry: SitemapEntry) -> bool:
        """An article's address found: into the frontier when in range; True when it is to be fetched."""
        url = canonical_link(entry.loc)
        if not same_site(url, host):
            return False
        if not robots.allowed(url):
            self.report.disallowed += 1
            return False
        day = entry.published or entry.lastmod
        if (self.since and day and day < self.since) or (self.until and entry.published and entry.published > self.until):
            self.report.out_of_range += 1
            return False
        if self.state.found(url, root, entry.lastmod, day, self.state.resolve(url)):
            self.report.found += 1
            return True
        return False

    def _from_homepage(self, root: str, host: str, robots: Robots, home: PageLinks) -> None:
        """A site without a sitemap: its sections to a depth limit, each section's next pages while they bring new
        articles; listing pages capped by CRAWL_MAX_LISTING_PAGES."""
        queue: deque[tuple[str, int]] = deque()
        seen = {root}

        def take(links: PageLinks, url: str, depth: int) -> None:
            new = sum(self._found(root, host, robots, SitemapEntry(a)) for a in links.articles)
            self.report.traps += links.traps
            if depth < self.settings.crawl_depth:
                queue.extend((u, depth + 1) for u in links.listings)
            if new:  # the next page of a listing is read only while pages bring articles not seen before
                queue.extend((u, depth) for u in links.pagination)

        take(home, root, 0)
        while queue and self.report.listing_pages < self.settings.crawl_max_listing_pages:
            url, depth = queue.popleft()
            if not self._first_visit(url, seen, robots):
                continue
            try:
                got = self.fetcher.get(url, accept=PAGE_ACCEPT)
            except FetchError:
                continue  # a dead section link: the articles are what the crawl is for
            self.report.listing_pages += 1
            if _is_html(got.content_type) and same_site(got.url, host):
                take(page_links(got.body, got.url, host), url, depth)
        self.state.commit()

    # -- articles ----------------------------------------------------------------------
    def _articles(self, root: str, host: str, robots: Robots) -> None:
        limit = self.budget - self.counts.fetched if self.budget is not None else 1 << 62
        todo = self.state.todo(root, max(0, limit))
        self.report.left += max(0, self.state.todo_count(root) - len(todo))
        self.counts.found += len(todo)
        self.tell(self.counts)
        # a name no other crawl can take (two may start within one second): new parts never overwrite kept ones
        writer = PartWriter(self.folder / (host.replace(":", "_") or "site"), f"crawl-{self.stamp}-{uuid.uuid4().hex[:8]}")
        reading: deque[tuple[str, str | None, Fetched, Future[Draft | str]]] = deque()
        window = 64  # pages fetched ahead of the reading: the fetcher never waits on a reader, memory stays small
        last_flush = time.monotonic()
        for url, lastmod in todo:
            page = self._fetch(url, host, robots)
            if page is not None:
                reading.append((url, lastmod, page, self.reader.submit(page.body, page.url)))
            while len(reading) > window or (reading and reading[0][3].done()):
                self._store(root, host, writer, *reading.popleft())
            if time.monotonic() - last_flush > FLUSH_SECONDS or writer.pending >= FLUSH_RECORDS:
                self._flush(writer)
                last_flush = time.monotonic()
            self.counts.done += 1
            self.tell(self.counts)
        while reading:
            self._store(root, host, writer, *reading.popleft())
        self._flush(writer)
        self.tell(self.counts)

    def _fetch(self, url: str, host: str, robots: Robots) -> Fetched | None:
        if not self.state.is_todo(url):  # stored meanwhile, reached by a redirect or a copy
            return None
        if not robots.allowed(url):
            self.report.disallowed += 1
            self.state.page_done(url, "disallowed")
            return None
        seen = self.state.entry(self.state.resolve(url))
        try:
            page = self.fetcher.get(url, seen.etag if seen else None, seen.last_modified if seen else None, PAGE_ACCEPT)
        except FetchError as exc:
            self._failed(url, str(exc), "gone" if exc.status in (404, 410) else "failed")
            return None
        self.counts.fetched += 1
        self.report.fetched += 1
        if page.status == 304:
            self.report.unchanged += 1
            self.state.page_done(url, "same")
            return None
        if not _is_html(page.content_type):
            self._failed(url, f"not a web page ({page.content_type.split(';')[0]})", "unreadable")
            return None
        if not same_site(page.url, host):
            self._failed(url, f"redirects off the site, to {page.url}", "unreadable")
            return None
        return page

    def _failed(self, url: str, reason: str, status: str) -> None:
        self._problem(url, reason)
        self.counts.failed += 1
        self.state.page_done(url, status, reason)

    def _store(
        self, root: str, host: str, writer: PartWriter, url: str, lastmod: str | None, page: Fetched, reading: Future[Draft | str]
    ) -> None:
        draft = reading.result()
        if isinstance(draft, str):
            self._failed(url, draft, "unreadable")
            return
        named = draft.url if draft.url and same_site(draft.url, host) else page.url
        key = self.state.resolve(canonical_link(named))
        existing = self.state.entry(key)
        if existing is not None and self.state.resolve(url) != key and url != key:
            self.report.duplicates += 1  # another address of an article already kept
            self.state.alias(url, key)
            self.state.page_done(url, "duplicate")
            return
        draft.url = draft.url or page.url
        article = to_article(draft, existing.doc_id if existing else self.state.doc_id_for(key, key), key)
        day = article.published or article.date  # the range is of publication; an event's own date is for answers
        if day and ((self.since and day < self.since) or (self.until and day > self.until)):
            self.report.out_of_range += 1
            self.state.page_done(url, "out-of-range")
            return
        rec = record(article)
        stamp = digest(rec)
        if existing is not None and existing.digest == stamp:
            self.report.unchanged += 1
            self.state.page_done(url, "same")
            return
        if existing is not None:
            rewrite(Path(existing.file), {article.doc_id: rec})
            self.report.updated.append(article)
            target = existing.file
        else:
            target = str(writer.add(rec))
            self.report.added.append(article)
        self.counts.stored += 1
        self.state.remember(key, url, article.doc_id, target, f"{CRAWLED}{lastmod or ''}", page.etag, page.last_modified, stamp)
        self.state.alias(url, key)
        self.state.page_done(url, "stored")
        if key != url:
            self.state.page_done(key, "stored")  # reached by a redirect or a copy first: its own address is not fetched again

    def _flush(self, writer: PartWriter) -> None:
        """The open part file first, then the state naming its articles: a kill between the two fetches them again."""
        writer.flush()
        self.state.commit()

    def close(self) -> None:
        self.reader.close()
        self.fetcher.close()
        self.state.close()


def crawl_sites(
    sites: list[str],
    settings: SyncSettings,
    since: str | None = None,
    until: str | None = None,
    max_articles: int | None = None,
    progress: Callable[[CrawlCounts], None] | None = None,
) -> CrawlReport:
    """Take every article of ``sites`` dated ``since``..``until`` (ISO days; None: no bound) into
    ``settings.feeds_dir``; never raises for a site, a sitemap or a page (each becomes a Problem)."""
    started = time.perf_counter()
    run = _Crawl(settings, since, until, max_articles, progress)
    try:
        for site in dict.fromkeys(site_root(s) for s in sites):
            run.site(site)
        report = run.report
        report.requests = run.fetcher.requests
        report.retried = run.fetcher.retried
        run.state.crawl_finished(report.sites, report.found, len(report.added), len(report.updated), len(report.problems), report.requests)
    finally:
        run.close()
    report.took_s = time.perf_counter() - started
    report.finished_at = datetime.now().astimezone().isoformat(timespec="seconds")
    return report


def probe_site(address: str, settings: SyncSettings) -> tuple[bool, str]:
    """Read the site's robots.txt: (reachable and allowed, one line of what it says)."""
    fetcher = make_fetcher(settings)
    try:
        robots = read_robots(fetcher, site_root(address))
    finally:
        fetcher.close()
    return (False, robots) if isinstance(robots, str) else (True, robots.describe())
