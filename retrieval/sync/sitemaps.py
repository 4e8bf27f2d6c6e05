"""Sitemaps (sitemaps.org): an index of sitemaps, a set of URLs, or a plain text list; gzipped or not.

Pure: bytes in, entries out. A gzipped sitemap is inflated in steps and refused past ``max_bytes`` of XML
(the protocol's limit is 50 MB), so a small file that inflates to gigabytes costs nothing. The XML is
read by lxml without entities or network access.
"""

from __future__ import annotations

import io
import re
import zlib
from dataclasses import dataclass

__all__ = ["Sitemap", "SitemapEntry", "SitemapError", "in_range", "inflate", "parse_sitemap"]

_GZIP_MAGIC = b"\x1f\x8b"
_DATE_RE = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})")
_URL_RE = re.compile(r"^https?://\S+$")


class SitemapError(ValueError):
    """A sitemap that cannot be read; the message says why, in one line."""


@dataclass(frozen=True)
class SitemapEntry:
    loc: str
    lastmod: str | None = None  # ISO date (the day part of the W3C datetime)
    published: str | None = None  # a Google News sitemap's publication date, when given


@dataclass(frozen=True)
class Sitemap:
    kind: str  # "index" (lists sitemaps), "urls" (lists pages) or "text"
    entries: tuple[SitemapEntry, ...]


def _day(value: str | None) -> str | None:
    match = _DATE_RE.match(value or "")
    return f"{match[1]}-{match[2]}-{match[3]}" if match else None


def inflate(data: bytes, max_bytes: int) -> bytes:
    """``data`` inflated when gzipped (in steps, refused past ``max_bytes``), else as it is."""
    if not data.startswith(_GZIP_MAGIC):
        return data
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    out = bytearray()
    pending = data
    try:
        while pending:
            out += inflater.decompress(pending, max_bytes + 1 - len(out))
            if len(out) > max_bytes:
                raise SitemapError(f"inflates to more than {max_bytes / 1e6:g} MB (the sitemaps protocol allows 50 MB)")
            pending = inflater.unconsumed_tail
            if inflater.eof:
                break
    except zlib.error:
        raise SitemapError("damaged gzip data") from None
    return bytes(out)


def parse_sitemap(data: bytes, max_bytes: int = 50_000_000) -> Sitemap:
    """The entries of a sitemap document (gzipped or not); a text sitemap is one URL a line."""
    from lxml import etree

    data = inflate(data, max_bytes)
    if len(data) > max_bytes:
        raise SitemapError(f"larger than {max_bytes / 1e6:g} MB (the sitemaps protocol allows 50 MB)")
    head = data[:512].lstrip()
    if not head.startswith(b"<"):
        urls = [line.strip() for line in data.decode("utf-8", "replace").splitlines()]
        entries = tuple(SitemapEntry(u) for u in urls if _URL_RE.match(u))
        if not entries:
            raise SitemapError("neither XML nor a list of addresses")
        return Sitemap("text", entries)
    entries_list: list[SitemapEntry] = []
    kind = ""
    fields: dict[str, str] = {}
    try:
        for event, element in etree.iterparse(
            io.BytesIO(data), events=("start", "end"), resolve_entities=False, no_network=True, huge_tree=False, recover=False
        ):
            tag = etree.QName(element).localname if isinstance(element.tag, str) else ""
            if event == "start":
                if not kind and tag in ("sitemapindex", "urlset"):
                    kind = "index" if tag == "sitemapindex" else "urls"
                elif tag in ("url", "sitemap"):
                    fields = {}
                continue
            if tag in ("loc", "lastmod", "publication_date"):
                fields.setdefault(tag, (element.text or "").strip())
            elif tag in ("url", "sitemap"):
                loc = fields.get("loc", "")
                if _URL_RE.match(loc):
                    entries_list.append(SitemapEntry(loc, _day(fields.get("lastmod")), _day(fields.get("publication_date"))))
                element.clear()
    except etree.XMLSyntaxError as exc:
        raise SitemapError(f"not well-formed XML ({str(exc)[:80]})") from None
    if not kind:
        raise SitemapError("XML, but not a sitemap (no <urlset> or <sitemapindex>)")
    return Sitemap(kind, tuple(entries_list))


def in_range(day: str | None, since: str | None, until: str | None) -> bool:
    """Whether a known ISO ``day`` falls within ``since``..``until`` (an unknown day is kept: the page tells)."""
    if day is None:
        return True
    return not ((since and day < since) or (until and day > until))
