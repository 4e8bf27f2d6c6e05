"""Read Word, PDF and web files in a worker process with a memory and a time cap.

Their structure decides what parsing costs, and not all of it can be told in advance (PDFium's work on
one page, an XML parser's on one part). A worker process reads them, one at a time, under
``RLIMIT_AS`` (its size at start plus ``Budget.memory_mb``); the caller waits ``Budget.seconds`` for the
answer. A file over either cap is refused by name, the worker is replaced, and the caller goes on: the
worst a file can do is be refused.

The worker comes from a fork server started once with the readers imported (forking the server is
a few milliseconds, safe beside threads, and the libraries are not imported again per file).
"""

from __future__ import annotations

import multiprocessing
import os
import resource
import threading
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any, TypeVar

from retrieval.model import Problem
from retrieval.sources.budget import Budget, current_budget

__all__ = ["GUARDED_FORMATS", "read_guarded"]

GUARDED_FORMATS = frozenset({"docx", "pdf", "html", "image"})
_CONTEXT = multiprocessing.get_context("forkserver")
_CONTEXT.set_forkserver_preload(["retrieval.sources.reader"])


def _address_space() -> int:
    """This process's virtual size in bytes (what RLIMIT_AS counts)."""
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def _serve(conn: Connection, memory_mb: int) -> None:
    """The worker: read files sent by the parent, with the reader sent along (by name), until it hangs up."""
    from retrieval.sources.ocr import set_announcer

    limit = _address_space() + memory_mb * (1 << 20)
    resource.setrlimit(resource.RLIMIT_AS, (limit, resource.RLIM_INFINITY))
    set_announcer(lambda done, total: conn.send((OCR_PROGRESS, done, total)))
    while True:
        try:
            read, data, name, source, budget = conn.recv()
        except (EOFError, OSError):
            return
        try:
            result: list[Any] = read(data, name, source, budget)
        except MemoryError:
            result = [_over_memory(source, budget)]
        del data
        conn.send(result)


def _over_memory(source: str, budget: Budget) -> Problem:
    message = f"reading it needs more than {budget.memory_mb} MB of memory; the file may be damaged, or made to cause harm (BANTIN_READ_MEMORY_MB)"
    return Problem(source, message, over="memory", limit=budget.memory_mb)


class _Worker:
    """One worker process and its pipe; replaced after a file it could not finish."""

    def __init__(self, memory_mb: int) -> None:
        self.conn, child = _CONTEXT.Pipe()
        self.process: Any = _CONTEXT.Process(target=_serve, args=(child, memory_mb), name="bantin-reader", daemon=True)
        self.process.start()
        child.close()
        self.memory_mb = memory_mb
        self.owner = os.getpid()  # a forked process inherits this object, not the worker: it starts its own

    def stop(self) -> None:
        self.conn.close()
        self.process.kill()
        self.process.join(5)


_lock = threading.Lock()
_idle: list[_Worker] = []  # workers between two files; one per thread reading at once


def _take(memory_mb: int) -> _Worker:
    """An idle worker of this process with this memory cap, else a new one."""
    with _lock:
        while _idle:
            worker = _idle.pop()
            if worker.owner != os.getpid():
                continue  # the parent's, seen from a forked child: not ours to use or stop
            if worker.process.is_alive() and worker.memory_mb == memory_mb:
                return worker
            worker.stop()
    return _Worker(memory_mb)


OCR_PROGRESS = "ocr"  # (OCR_PROGRESS, pages read, pages): sent by the worker while it reads a scan
T = TypeVar("T")
Reader = Callable[[bytes, str, str, Budget], list[T | Problem]]


def read_guarded(
    read: Reader[T],
    data: bytes,
    name: str,
    source: str,
    budget: Budget | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> list[T | Problem]:
    """``read(data, name, source, budget)`` in a worker, within the budget's memory and time (one file at a time per
    worker; threads calling at once get a worker each). ``read`` must be a module-level function: it is sent to the
    worker by name. A file that turns out to need OCR gets the OCR seconds on top of its time, from the moment
    the worker says so; ``on_progress(pages read, pages)`` hears how it goes."""
    budget = budget or current_budget()
    worker = _take(budget.memory_mb)
    try:
        worker.conn.send((read, data, name, source, budget))
        deadline = time.monotonic() + budget.seconds
        while worker.conn.poll(max(0.0, deadline - time.monotonic())):
            message = worker.conn.recv()
            if isinstance(message, tuple) and message[:1] == (OCR_PROGRESS,):
                _, done, total = message
                if done == 0:
                    deadline = time.monotonic() + budget.ocr_seconds + budget.seconds
                if on_progress is not None:
                    on_progress(done, total)
                continue
            result: list[T | Problem] = message
            with _lock:
                _idle.append(worker)
            return result
        over: Problem = Problem(
            source,
            f"reading it takes more than {budget.seconds:g} s; the file may be damaged, or made to cause harm (BANTIN_READ_SECONDS)",
            over="time",
            limit=budget.seconds,
        )
    except (EOFError, OSError):  # the worker died (a native library that ran out of memory aborts)
        over = _over_memory(source, budget)
    worker.stop()
    return [over]
