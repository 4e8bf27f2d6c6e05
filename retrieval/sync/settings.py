"""Feed settings, from the environment and .env: one definition for the CLI's ``sync`` and the bot's job."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

__all__ = ["USER_AGENT", "SyncSettings"]

USER_AGENT = "bantin-bot/0.2 (Lang Son bulletin Q&A; reads feeds politely: conditional GET, one request per host per second)"


class SyncSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False)

    feeds: Annotated[list[str], NoDecode] = []  # FEEDS: feed URLs separated by commas, spaces or new lines
    sites: Annotated[list[str], NoDecode] = []  # SITES: the papers' addresses whose whole archive is crawled (crawl)
    feeds_dir: Path = Path("var/feeds")  # FEEDS_DIR: the JSON Lines archive of fetched articles (and its state)
    sync_delay_seconds: float = Field(1.0, ge=0, le=60)  # between two requests to one host
    sync_timeout_seconds: float = Field(20.0, gt=0, le=300)
    sync_max_page_mb: float = Field(5.0, gt=0, le=100)  # larger pages and feeds are refused, not read
    sync_max_entries: int = Field(200, ge=1, le=10_000)  # per feed and sync: a runaway feed cannot flood the archive
    sync_retries: int = Field(2, ge=0, le=10)  # a 429 or 5xx is tried again this many times (after its Retry-After)
    sync_user_agent: str = USER_AGENT
    crawl_max_sitemap_mb: float = Field(50.0, gt=0, le=500)  # a sitemap's XML, inflated (the protocol allows 50 MB)
    crawl_max_listing_pages: int = Field(2000, ge=1, le=1_000_000)  # sections and their pages read on a site without a sitemap
    crawl_depth: int = Field(3, ge=1, le=10)  # link hops from the homepage to a section, on a site without a sitemap
    crawl_max_per_sync: int = Field(500, ge=1, le=100_000)  # articles a scheduled update takes from SITES (the first crawl is the CLI's)

    @field_validator("sync_user_agent")
    @classmethod
    def _ascii(cls, value: str) -> str:
        if not value.isascii() or not value.strip():
            raise ValueError("must be plain ASCII text (HTTP headers carry no accents)")
        return value

    @field_validator("feeds", "sites", mode="before")
    @classmethod
    def _urls(cls, value: object) -> list[str]:
        if value is None or value == "":
            return []
        items = value if isinstance(value, list) else re.split(r"[,\s]+", str(value))
        urls = [str(u).strip() for u in items if str(u).strip()]
        for url in urls:
            if not re.match(r"^https?://", url):
                raise ValueError(f"not a web address: {url!r} (expected http:// or https://)")
        return urls
