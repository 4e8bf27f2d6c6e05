"""A local HTTP server on 127.0.0.1 serving feeds and article pages, with the faults real servers have."""

from __future__ import annotations

import hashlib
import socket
import threading
import time
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

__all__ = ["FeedServer", "Route", "article_page", "atom_feed", "rss_feed"]


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    content_type: str = "text/html; charset=utf-8"
    delay: float = 0.0  # seconds before answering (a slow server)
    location: str | None = None  # a redirect's target
    modified: float = field(default_factory=time.time)
    fail_first: int = 0  # answer this many requests with 503 and a Retry-After first (a server under load)
    retry_after: str = "1"
    headers: dict[str, str] = field(default_factory=dict)


def article_page(title: str, lead: str, paragraphs: list[str], published: str, url: str) -> bytes:
    body = "".join(f"<p>{p}</p>" for p in [lead, *paragraphs])
    nav = "".join(f'<li><a href="/c{i}">Chuyên mục {i}</a></li>' for i in range(8))
    return (
        f'<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><title>{title} - Báo Lạng Sơn</title>'
        f'<meta property="og:title" content="{title}"><meta property="article:published_time" content="{published}T07:00:00+07:00">'
        f'<link rel="canonical" href="{url}"></head><body><header><nav><ul>{nav}</ul></nav></header>'
        f"<main><article><h1>{title}</h1>{body}</article>"
        f'<section class="comments"><h3>Bình luận</h3><p>Cảm ơn báo đã đưa tin.</p></section></main>'
        f"<footer>Báo Lạng Sơn điện tử</footer></body></html>"
    ).encode()


def rss_feed(title: str, items: list[tuple[str, str, str, str]]) -> bytes:
    """items: (title, link, RFC 822 date, guid)."""
    entries = "".join(
        f"<item><title>{t}</title><link>{link}</link><pubDate>{d}</pubDate><guid>{g}</guid></item>" for t, link, d, g in items
    )
    return f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>{title}</title><link>http://127.0.0.1/</link>{entries}</channel></rss>'.encode()


def atom_feed(title: str, items: list[tuple[str, str, str, str]]) -> bytes:
    """items: (title, link, ISO updated time, id)."""
    entries = "".join(
        f'<entry><title>{t}</title><link href="{link}"/><id>{i}</id><updated>{u}</updated></entry>' for t, link, u, i in items
    )
    return f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>{title}</title><id>urn:feed</id><updated>2026-11-27T00:00:00Z</updated>{entries}</feed>'.encode()


class FeedServer:
    """``with FeedServer() as web:``; ``web.routes[path] = Route(...)``; ``web.url(path)``; ``web.hits[path]``."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.hits: dict[str, int] = {}
        self.not_modified: dict[str, int] = {}
        self.agents: set[str] = set()
        self.log: list[tuple[float, str]] = []  # (monotonic time, path) of every request, in order
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._server.handle_error = lambda request, address: None  # type: ignore[method-assign]  # a client that hangs up early (a refused page) is no error
        self._thread = threading.Thread(target=self._server.serve_forever, name="feeds", daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}{path}"

    def __enter__(self) -> FeedServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def setup(self) -> None:
                super().setup()
                # headers and body go out in two writes: without this, Nagle's algorithm and the client's
                # delayed ACK add 40 ms to every keep-alive response, which no real server does
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def do_GET(self) -> None:
                with server._lock:
                    route = server.routes.get(self.path)
                    server.hits[self.path] = server.hits.get(self.path, 0) + 1
                    server.agents.add(self.headers.get("User-Agent", ""))
                    server.log.append((time.monotonic(), self.path))
                    failing = route is not None and route.fail_first > 0
                    if failing and route is not None:
                        route.fail_first -= 1
                if route is None:
                    return self._send(404, b"not found", "text/plain")
                if failing:
                    return self._send(503, b"busy", "text/plain", {"Retry-After": route.retry_after})
                if route.delay:
                    time.sleep(route.delay)
                if route.location:
                    self.send_response(route.status)
                    self.send_header("Location", route.location)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return None
                etag = '"' + hashlib.sha1(route.body).hexdigest()[:16] + '"'
                modified = formatdate(route.modified, usegmt=True)
                # RFC 9110: If-None-Match wins; If-Modified-Since is read only without it
                if self.headers.get("If-None-Match") is not None:
                    unchanged = self.headers.get("If-None-Match") == etag
                else:
                    unchanged = self.headers.get("If-Modified-Since") == modified
                if route.status == 200 and unchanged:
                    with server._lock:
                        server.not_modified[self.path] = server.not_modified.get(self.path, 0) + 1
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.end_headers()
                    return None
                return self._send(route.status, route.body, route.content_type, {"ETag": etag, "Last-Modified": modified, **route.headers})

            def _send(self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                try:
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        return Handler
