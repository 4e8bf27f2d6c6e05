"""Polite HTTP for feeds, sitemaps and article pages: conditional GET, a delay per host, a timeout, a size
limit on the decoded bytes, and 429/503 waited out as the server asks (bounded)."""

from __future__ import annotations

import email.utils
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

__all__ = ["FetchError", "Fetched", "Fetcher", "retry_after"]

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})  # Scrapy's RETRY_HTTP_CODES, less the rare ones
MAX_REDIRECTS = 5
MAX_RETRY_WAIT = 120.0  # seconds: a Retry-After longer than this is not waited out; the address is tried next time


class FetchError(RuntimeError):
    """A request that gave nothing usable; the message says why, in one line."""

    def __init__(self, message: str, status: int = 0, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.status = status  # the HTTP status when the server answered, else 0
        self.retry_after = retry_after  # seconds the server asked to wait (429, 503)


@dataclass(frozen=True)
class Fetched:
    status: int  # 200, or 304 when the conditional GET says nothing changed
    url: str  # after redirects
    body: bytes = b""
    etag: str | None = None
    last_modified: str | None = None
    content_type: str = ""


def retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds a ``Retry-After`` header asks for (delta-seconds or an HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


class Fetcher:
    """One HTTP client for a sync or a crawl; requests to one host are spaced by the larger of ``delay`` and
    the host's own delay (robots.txt's Crawl-delay, set with ``set_host_delay``)."""

    def __init__(self, user_agent: str, timeout: float, max_bytes: int, delay: float, retries: int = 2) -> None:
        self.max_bytes = max_bytes
        self.delay = delay
        self.timeout = timeout
        self.retries = retries
        self._client = httpx.Client(
            timeout=httpx.Timeout(timeout),
            follow_redirects=False,
            headers={"User-Agent": user_agent, "Accept-Encoding": "gzip, deflate"},
        )
        self._last: dict[str, float] = {}
        self._host_delay: dict[str, float] = {}
        self._lock = threading.Lock()
        self.requests = 0
        self.retried = 0
        self.sleep = time.sleep  # the tests' seam for waiting out Retry-After

    def set_host_delay(self, host: str, seconds: float) -> None:
        """A host's own spacing (its Crawl-delay); the fetcher keeps the larger of it and ``delay``."""
        self._host_delay[host] = seconds

    def host_delay(self, host: str) -> float:
        return max(self.delay, self._host_delay.get(host, 0.0))

    def _wait_for(self, host: str) -> None:
        with self._lock:
            last = self._last.get(host)
            now = time.monotonic()
            wait = 0.0 if last is None else last + self.host_delay(host) - now
            self._last[host] = now + max(0.0, wait)
        if wait > 0:
            time.sleep(wait)

    def _stamp(self, host: str) -> None:
        """The next request to ``host`` waits from now (a response that took long, or a redirect, counts from its end)."""
        with self._lock:
            self._last[host] = max(self._last.get(host, 0.0), time.monotonic())

    def get(
        self, url: str, etag: str | None = None, last_modified: str | None = None, accept: str = "*/*", max_bytes: int | None = None
    ) -> Fetched:
        """GET ``url``; 304 when unchanged since ``etag``/``last_modified``. A 429 or 5xx is tried again after the
        server's Retry-After (else a growing pause), ``retries`` times at most. Raises FetchError."""
        for attempt in range(self.retries + 1):
            try:
                return self._get_once(url, etag, last_modified, accept, max_bytes or self.max_bytes)
            except FetchError as exc:
                if exc.status not in RETRY_STATUSES or attempt == self.retries:
                    raise
                wait = exc.retry_after if exc.retry_after is not None else self.host_delay(urlsplit(url).netloc) + 2.0**attempt
                if wait > MAX_RETRY_WAIT:
                    raise FetchError(f"{exc}; the server asks to wait {wait:.0f} s, tried again at the next run", exc.status) from None
                self.retried += 1
                self.sleep(wait)
        raise AssertionError("unreachable")

    def _get_once(self, url: str, etag: str | None, last_modified: str | None, accept: str, max_bytes: int) -> Fetched:
        """One GET, its redirects followed here (not by httpx) so that each hop waits its turn like any request."""
        headers = {"Accept": accept}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        visited = {url}
        request = self._client.build_request("GET", url, headers=headers)
        for _ in range(MAX_REDIRECTS + 1):
            host = request.url.netloc.decode("ascii", "replace")
            self._wait_for(host)
            self.requests += 1
            try:
                with self._client.stream(request.method, request.url, headers=request.headers, follow_redirects=False) as response:
                    if response.is_redirect and response.next_request is not None:
                        request = response.next_request
                        if str(request.url) in visited:
                            raise FetchError("a redirect loop")
                        visited.add(str(request.url))
                        continue
                    return self._read(response, etag, last_modified, max_bytes)
            except httpx.TimeoutException:
                raise FetchError(f"no answer within {self.timeout:g} s") from None
            except httpx.DecodingError:
                raise FetchError("the server's compressed answer is damaged") from None
            except httpx.HTTPError as exc:
                raise FetchError(f"cannot connect ({type(exc).__name__})") from None
            finally:
                self._stamp(host)
        raise FetchError(f"more than {MAX_REDIRECTS} redirects")

    def _read(self, response: httpx.Response, etag: str | None, last_modified: str | None, max_bytes: int) -> Fetched:
        if response.status_code == 304:
            return Fetched(304, str(response.url), etag=etag, last_modified=last_modified)
        if response.status_code >= 400:
            raise FetchError(
                f"HTTP {response.status_code} {response.reason_phrase}".strip(),
                response.status_code,
                retry_after(response.headers.get("retry-after")),
            )
        declared = response.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > max_bytes:
            raise FetchError(f"larger than the limit ({int(declared) / 1e6:.1f} MB > {max_bytes / 1e6:.1f} MB)")
        body = bytearray()
        for chunk in response.iter_bytes():  # decoded: a gzip Content-Encoding is counted inflated
            body += chunk
            if len(body) > max_bytes:
                raise FetchError(f"larger than the limit ({max_bytes / 1e6:.1f} MB)")
        return Fetched(
            response.status_code,
            str(response.url),
            bytes(body),
            response.headers.get("etag"),
            response.headers.get("last-modified"),
            response.headers.get("content-type", ""),
        )

    def close(self) -> None:
        self._client.close()
