"""Fetched pages read as articles in guarded reading workers (the memory and time caps every file has), one
per core at once, while the fetcher waits on the network: reading is CPU work, fetching waiting. The threads
here only hand pages to the workers and wait for their answers."""

from __future__ import annotations

import os
from concurrent.futures import Future, ThreadPoolExecutor

from retrieval.sources.draft import Draft
from retrieval.sources.guard import read_guarded
from retrieval.sources.webpage import fetched_page

__all__ = ["PageReader", "read_page"]


def read_page(body: bytes, url: str) -> Draft | str:
    """A fetched page read as an article in a guarded worker, or the reason it can't be (a reading thread calls it)."""
    result = read_guarded(fetched_page, body, url, url)[0]
    return result if isinstance(result, Draft) else result.reason


class PageReader:
    """``submit`` a page, get a future of its draft; read at once in this thread unless ``parallel``."""

    def __init__(self) -> None:
        self._pool: ThreadPoolExecutor | None = None
        self.workers = max(1, min(4, os.cpu_count() or 1))

    def submit(self, body: bytes, url: str, parallel: bool = True) -> Future[Draft | str]:
        if not parallel:
            done: Future[Draft | str] = Future()
            done.set_result(read_page(body, url))
            return done
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="bantin-page")
        return self._pool.submit(read_page, body, url)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None
