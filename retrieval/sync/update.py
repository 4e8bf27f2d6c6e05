"""Keeping the archive current: one policy for the bot's schedule, /capnhat and the CLI's ``sync``.

The feeds read are FEEDS and those the crawled sites' homepages announce; each site in SITES is crawled
again for what its sitemaps list as new (at most ``crawl_max_per_sync`` articles a run, so a scheduled
update never turns into a whole first crawl: that one is ``python -m retrieval crawl``).
"""

from __future__ import annotations

from collections.abc import Callable

from retrieval.sync.crawl import crawl_sites, probe_site, site_root
from retrieval.sync.run import SyncReport, sync_feeds
from retrieval.sync.settings import SyncSettings
from retrieval.sync.state import SyncState

__all__ = ["feeds_to_read", "probe_site", "update_archive"]


def feeds_to_read(settings: SyncSettings) -> list[str]:
    """FEEDS, then the feeds the sites in SITES announce (found by their crawls), each once."""
    if not settings.sites:
        return list(dict.fromkeys(settings.feeds))
    settings.feeds_dir.mkdir(parents=True, exist_ok=True)
    state = SyncState(settings.feeds_dir)
    try:
        found = state.site_feeds([site_root(s) for s in settings.sites])
    finally:
        state.close()
    return list(dict.fromkeys([*settings.feeds, *found]))


def update_archive(settings: SyncSettings, progress: Callable[[str], None] | None = None) -> SyncReport:
    """New articles from the feeds and the sites' sitemaps into ``settings.feeds_dir``; never raises for a source."""
    report = sync_feeds(feeds_to_read(settings), settings, progress)
    if settings.sites:
        crawl = crawl_sites(settings.sites, settings, max_articles=settings.crawl_max_per_sync)
        report.sites = crawl.sites
        report.pages += crawl.fetched
        known = {a.doc_id for a in [*report.added, *report.updated]}
        report.added += [a for a in crawl.added if a.doc_id not in known]
        report.updated += [a for a in crawl.updated if a.doc_id not in known]
        report.problems += crawl.problems
        report.took_s += crawl.took_s
    return report
