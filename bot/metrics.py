"""Prometheus metrics (METRICS_PORT): what a maintainer graphs and alerts on, served on their own port.

Each Application has its own registry, so several bots in one process (the tests) never share counters.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from threading import Thread
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, start_http_server

__all__ = ["Metrics"]

# Answer times in seconds: most answers take milliseconds, a slow archive or a queue a second or more.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


@dataclass
class Metrics:
    """The bot's counters and the HTTP server that exposes them (``serve``)."""

    registry: CollectorRegistry = field(default_factory=CollectorRegistry)
    _server: Any = None
    _thread: Thread | None = None

    def __post_init__(self) -> None:
        r = self.registry
        self.questions = Counter("bantin_questions", "Questions answered (a reply with quotes or a 'not found').", registry=r)
        self.not_found = Counter("bantin_not_found", "Questions answered 'not found'.", registry=r)
        self.follow_ups = Counter("bantin_follow_ups", "Questions the conversation before them changed the answer of.", registry=r)
        self.latency = Histogram("bantin_answer_seconds", "Time from the question to its quotes.", buckets=LATENCY_BUCKETS, registry=r)
        self.telegram_errors = Counter("bantin_telegram_errors", "Errors while handling an update (Telegram's or ours).", registry=r)
        self.syncs = Counter("bantin_sync_runs", "Feed syncs run (schedule and /capnhat).", registry=r)
        self.new_articles = Counter("bantin_sync_new_articles", "Articles the feed syncs added.", registry=r)
        self.uploads = Counter("bantin_uploads", "Bulletin files admins sent that were kept.", registry=r)

    def serve(self, port: int, listen: str) -> None:
        """Serve ``/metrics`` on ``listen:port`` in a daemon thread."""
        self._server, self._thread = start_http_server(port, addr=listen, registry=self.registry)

    def close(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
