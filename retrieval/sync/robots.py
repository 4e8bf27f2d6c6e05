"""A site's robots.txt: what our User-Agent may fetch, how long to wait between requests, and its sitemaps.

protego (Scrapy's parser) reads RFC 9309 with the common extensions (wildcards, ``$``, ``Crawl-delay``,
``Sitemap:`` anywhere in the file). What a missing or failing robots.txt means follows RFC 9309 §2.3.1:
a 4xx allows everything; a 5xx or no answer disallows everything for this run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["ROBOT_NAME", "Robots", "parse_robots"]

ROBOT_NAME = "bantin-bot"  # the product token robots.txt groups are matched against


@dataclass(frozen=True)
class Robots:
    found: bool  # robots.txt answered 200
    allow_all: bool = False
    deny_all: bool = False
    crawl_delay: float | None = None
    sitemaps: tuple[str, ...] = ()
    rules: int = 0  # Allow/Disallow lines, for what `bot check` says
    _parser: Any = field(default=None, repr=False, compare=False)

    def allowed(self, url: str) -> bool:
        if self.deny_all:
            return False
        if self.allow_all or self._parser is None:
            return True
        return bool(self._parser.can_fetch(url, ROBOT_NAME))

    def describe(self) -> str:
        """One line for a maintainer: what the file says about us."""
        if self.deny_all:
            return "robots.txt could not be read (a server error): nothing is fetched until it answers"
        if not self.found:
            return "no robots.txt (everything allowed)"
        delay = f", Crawl-delay {self.crawl_delay:g} s" if self.crawl_delay else ""
        return f"robots.txt: {self.rules} rule(s){delay}, {len(self.sitemaps)} sitemap(s)"


def parse_robots(text: str, status: int) -> Robots:
    """The rules for ``ROBOT_NAME`` from a robots.txt answer (``status`` 0: no answer at all)."""
    if status == 0 or status >= 500:
        return Robots(found=False, deny_all=True)
    if status >= 400:
        return Robots(found=False, allow_all=True)
    from protego import Protego

    parser = Protego.parse(text)
    delay = parser.crawl_delay(ROBOT_NAME)
    rules = sum(1 for line in text.splitlines() if line.strip().lower().startswith(("allow:", "disallow:")))
    return Robots(
        found=True,
        crawl_delay=float(delay) if delay else None,
        sitemaps=tuple(dict.fromkeys(str(s).strip() for s in parser.sitemaps if str(s).strip())),
        rules=rules,
        _parser=parser,
    )
