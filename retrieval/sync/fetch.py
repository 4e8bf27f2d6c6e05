"""Polite HTTP for feeds and article pages: conditional GET, a delay per host, a timeout, a size limit."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

__all__ = ["FetchError", "Fetched", "Fetcher"]


class FetchError(RuntimeError):
    """A request that gave nothing usable; the message says why, in one line."""


@dataclass(frozen=True)
class Fetched:
    status: int  # 200, or 304 when the conditional GET says nothing changed
    url: str  # after redirects
    body: bytes = b""
    etag: str | None = None
    last_modified: str | None = None
    content_type: str = ""


class Fetcher:
    """One HTTP client for a sync; requests to one host are spaced by ``delay`` seconds."""

    def __init__(self, user_agent: str, timeout: float, max_bytes: int, delay: float) -> None:
        self.max_bytes = max_bytes
        self.delay = delay
        self.timeout = timeout
        self._client = httpx.Client(
            timeout=httpx.Timeout(timeout),
            follow_redirects=True,
            max_redirects=5,
            headers={"User-Agent": user_agent, "Accept-Encoding": "gzip, deflate"},
        )
        self._last: dict[str, float] = {}
        self._lock = threading.Lock()
        self.requests = 0

    def _wait_for(self, host: str) -> None:
        with self._lock:
            last = self._last.get(host)
            now = time.monotonic()
            wait = 0.0 if last is None else last + self.delay - now
            self._last[host] = now + max(0.0, wait)
        if wait > 0:
            time.sleep(wait)

    def get(self, url: str, etag: str | None = None, last_modified: str | None = None, accept: str = "*/*") -> Fetched:
        """GET ``url``; 304 when unchanged since ``etag``/``last_modified``. Raises FetchError."""
        self._wait_for(urlsplit(url).netloc)
        headers = {"Accept": accept}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        self.requests += 1
        try:
            with self._client.stream("GET", url, headers=headers) as response:
                if response.status_code == 304:
                    return Fetched(304, str(response.url), etag=etag, last_modified=last_modified)
                if response.status_code >= 400:
                    raise FetchError(f"HTTP {response.status_code} {response.reason_phrase}".strip())
                declared = response.headers.get("content-length")
                if declared and declared.isdigit() and int(declared) > self.max_bytes:
                    raise FetchError(f"larger than the limit ({int(declared) / 1e6:.1f} MB > {self.max_bytes / 1e6:.1f} MB)")
                body = bytearray()
                for chunk in response.iter_bytes():
                    body += chunk
                    if len(body) > self.max_bytes:
                        raise FetchError(f"larger than the limit ({self.max_bytes / 1e6:.1f} MB)")
                return Fetched(
                    response.status_code,
                    str(response.url),
                    bytes(body),
                    response.headers.get("etag"),
                    response.headers.get("last-modified"),
                    response.headers.get("content-type", ""),
                )
        except httpx.TimeoutException:
            raise FetchError(f"no answer within {self.timeout:g} s") from None
        except httpx.TooManyRedirects:
            raise FetchError("too many redirects") from None
        except httpx.HTTPError as exc:
            raise FetchError(f"cannot connect ({type(exc).__name__})") from None

    def close(self) -> None:
        self._client.close()
