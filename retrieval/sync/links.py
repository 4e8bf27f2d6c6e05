"""Links on a site's pages, judged as a crawler must: articles to fetch, listings to follow, traps to leave.

A site can generate pages forever (calendars, search results, filters, endless pagination), so only
same-host links are kept, and each is put in one of four kinds by its address alone: ``article`` (a slug
or a numeric id, as news papers name their articles), ``listing`` (a section, followed to a depth limit),
``pagination`` (the next page of a listing: followed only while it brings new articles) and ``trap``
(never fetched). courlan (trafilatura's URL library) normalises the addresses and knows the usual
navigation and non-crawlable paths; lxml reads the links; trafilatura finds the feeds a page announces.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, urljoin, urlsplit

from retrieval.sync.feeds import canonical_link

__all__ = ["PageLinks", "classify", "page_links", "same_site"]

_SKIP_EXT_RE = re.compile(
    r"\.(jpe?g|png|gif|webp|svg|ico|bmp|tiff?|mp[34]|m4a|avi|mov|wmv|flv|webm|pdf|docx?|xlsx?|pptx?|zip|rar|7z|gz|exe|css|js|json|xml|rss|atom|txt)$",
    re.IGNORECASE,
)
# search pages, calendars, print/share/login variants, user areas: pages without end, or without news
_TRAP_PATH_RE = re.compile(
    r"/(tim-?kiem|search|tra-?cuu|lich|calendar|archive-calendar|print|in-bai|share|chia-se|login|dang-nhap|dang-ky|register|"
    r"binh-luan|comment|feed|rss|wp-admin|wp-json|cgi-bin|tag|tags|tu-khoa)(/|$|\.|\?)",
    re.IGNORECASE,
)
_PAGE_PARAMS = frozenset({"page", "p", "trang", "paged", "pageindex", "pagenumber", "pg"})
_ID_PARAMS = frozenset({"id", "newsid", "articleid", "itemid", "nid", "pid", "aid"})
_PAGINATION_PATH_RE = re.compile(r"/(page|trang|p)[/-]?\d+/?$", re.IGNORECASE)
_DATE_SEGMENTS_RE = re.compile(r"/\d{4}(/\d{1,2}){0,2}/?$")  # /2026/12/07: a calendar's day, not an article
_SLUG_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+){3,}", re.IGNORECASE)  # four words or more joined by hyphens
_NUMERIC_ID_RE = re.compile(r"(?:^|[-_/])\d{4,}(?:\.html?|\.aspx?|\.php)?$", re.IGNORECASE)


def same_site(url: str, site_host: str) -> bool:
    """Whether ``url`` is on the site (``www.`` or not)."""
    host = urlsplit(url).netloc.lower()
    return host.removeprefix("www.") == site_host.lower().removeprefix("www.")


def classify(url: str) -> str:
    """ "article", "listing", "pagination" or "trap", by the address alone."""
    import courlan

    parts = urlsplit(url)
    path = parts.path or "/"
    if _SKIP_EXT_RE.search(path) or courlan.is_not_crawlable(url) or _TRAP_PATH_RE.search(path):
        return "trap"
    params = {k.lower() for k, _ in parse_qsl(parts.query, keep_blank_values=True)}
    if params - _PAGE_PARAMS - _ID_PARAMS:  # filters, sorting, search terms, dates: combinations without end
        return "trap"
    if params & _PAGE_PARAMS or _PAGINATION_PATH_RE.search(path):
        return "pagination"
    if _DATE_SEGMENTS_RE.search(path):
        return "trap"
    last = path.rstrip("/").rsplit("/", 1)[-1]
    stem = re.sub(r"\.(html?|aspx?|php)$", "", last, flags=re.IGNORECASE)
    if params & _ID_PARAMS or _SLUG_RE.fullmatch(stem) or _NUMERIC_ID_RE.search(last):
        return "listing" if courlan.is_navigation_page(url) else "article"
    return "listing"


@dataclass(frozen=True)
class PageLinks:
    articles: tuple[str, ...]
    listings: tuple[str, ...]
    pagination: tuple[str, ...]
    traps: int  # same-site links left alone
    feeds: tuple[str, ...]


def page_links(html: bytes, url: str, site_host: str) -> PageLinks:
    """The same-site links of a page by kind (canonical addresses, in page order), and the feeds it announces."""
    from lxml import etree
    from lxml import html as lxml_html
    from trafilatura.feeds import FeedParameters, determine_feed

    try:
        tree = lxml_html.fromstring(html, base_url=url)
    except (etree.ParserError, ValueError):
        return PageLinks((), (), (), 0, ())
    kinds: dict[str, list[str]] = {"article": [], "listing": [], "pagination": []}
    seen: set[str] = set()
    traps = 0
    for element in tree.iter("a"):
        href = (element.get("href") or "").strip()
        if not href or href.startswith(("#", "javascript:", "mailto:", "tel:")) or "nofollow" in (element.get("rel") or ""):
            continue
        absolute = urljoin(url, href)
        if not absolute.startswith(("http://", "https://")) or not same_site(absolute, site_host):
            continue
        link = canonical_link(absolute)
        if link in seen:
            continue
        seen.add(link)
        kind = classify(link)
        if kind == "trap":
            traps += 1
        else:
            kinds[kind].append(link)
    base = f"{urlsplit(url).scheme}://{urlsplit(url).netloc}"
    try:
        feeds = determine_feed(html.decode("utf-8", "replace"), FeedParameters(base, site_host, url))
    except Exception:  # a page trafilatura cannot parse announces no feed
        feeds = []
    same_host_feeds = tuple(canonical_link(f) for f in feeds if same_site(f, site_host))
    return PageLinks(tuple(kinds["article"]), tuple(kinds["listing"]), tuple(kinds["pagination"]), traps, same_host_feeds)
