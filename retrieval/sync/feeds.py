"""RSS and Atom documents → entries to fetch (feedparser reads every dialect; we only judge what it found)."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urldefrag, urlencode, urlsplit, urlunsplit

from retrieval.model import Problem

__all__ = ["FeedEntry", "canonical_link", "parse_feed"]

_HTML_RE = re.compile(rb"^\s*(<!--.*?-->\s*)*<(!doctype\s+html|html)\b", re.IGNORECASE | re.DOTALL)


def canonical_link(link: str) -> str:
    """The link without its fragment and tracking parameters, host lowercased, default port and parameter order
    settled (courlan): one article, one key, whichever feed, sitemap or page lists it."""
    import courlan

    bare = urldefrag(link.strip())[0]
    try:
        return str(courlan.normalize_url(bare, strict=False))
    except ValueError:  # an address courlan cannot parse: the plain rule
        parts = urlsplit(bare)
        query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not k.lower().startswith(("utm_", "fbclid", "gclid"))]
        return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path, urlencode(query), ""))


@dataclass(frozen=True)
class FeedEntry:
    key: str  # the canonical link: what "seen before" means, even when two feeds list the article
    link: str
    title: str
    published: str | None  # ISO date the feed gives
    stamp: str  # what changes when the entry is edited: its updated time, else its published time and title


def _iso(parsed: Any) -> str | None:
    if not parsed:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(parsed), tz=UTC).date().isoformat()
    except (TypeError, ValueError, OverflowError):
        return None


def parse_feed(data: bytes, url: str, content_type: str = "", limit: int = 200) -> tuple[list[FeedEntry], list[Problem]]:
    """Entries of a feed document; a page that is not a feed, and entries without a link, become Problems."""
    import feedparser  # loaded when a feed is read

    if _HTML_RE.match(data[:2048]) or ("html" in content_type and b"<rss" not in data[:2048] and b"<feed" not in data[:2048]):
        return [], [Problem(url, "the address returns a web page, not an RSS or Atom feed; check the feed's address")]
    parsed = feedparser.parse(data, response_headers={"content-type": content_type or "application/xml", "content-location": url})
    if not parsed.get("version") and not parsed.entries:
        reason = type(parsed.get("bozo_exception")).__name__ if parsed.get("bozo") else "no entries"
        return [], [Problem(url, f"not a readable RSS or Atom feed ({reason})")]
    entries: list[FeedEntry] = []
    problems: list[Problem] = []
    for n, entry in enumerate(parsed.entries[:limit], start=1):
        link = (entry.get("link") or "").strip()
        if not re.match(r"^https?://", link):
            problems.append(
                Problem(f"{url} (entry {n})", f"entry without a link{': ' + entry.get('title', '')[:60] if entry.get('title') else ''}")
            )
            continue
        key = canonical_link(link)
        published = _iso(dict.get(entry, "published_parsed")) or _iso(dict.get(entry, "updated_parsed"))
        # dict.get: feedparser's own get maps a missing "updated" to "published", with a warning
        stamp = dict.get(entry, "updated") or f"{dict.get(entry, 'published', '')}|{entry.get('title', '')}"
        entries.append(FeedEntry(key, key, " ".join((entry.get("title") or "").split()), published, stamp))
    return entries, problems
