"""Run the real bot Application against the fake Bot API server, in a thread with its own event loop."""

from __future__ import annotations

import asyncio
import shutil
import socket
import threading
import time
from pathlib import Path

from bot.app import build_application, run
from bot.config import Settings
from bot.testing.fake_api import TOKEN, FakeTelegram

__all__ = ["BotRunner", "free_port", "make_settings", "wait_for_port"]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now (for a webhook server under test)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_port(port: int, timeout: float = 30.0, poll: float = 0.005) -> bool:
    """Block until 127.0.0.1:``port`` accepts connections (True), or ``timeout`` seconds pass (False)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return True
        except OSError:
            time.sleep(poll)
    return False


def make_settings(tmp: Path, tg: FakeTelegram, seeds: Path, **overrides: object) -> Settings:
    sources = tmp / "bulletins"
    if not sources.exists():
        shutil.copytree(seeds, sources)
    values: dict[str, object] = {
        "telegram_bot_token": TOKEN,
        "telegram_api_url": tg.base_url,
        "bantin_index_dir": tmp / "index",
        "bantin_sources": sources,
        "bantin_data_dir": tmp / "var",
        "feeds_dir": tmp / "var" / "feeds",
        "feeds": [],
        "rate_limit_per_minute": 600,
        "typing_after_ms": 0,  # always show typing, so tests see it
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg, arg-type]  # pydantic-settings validates


class BotRunner:
    """``with BotRunner(settings, tg):`` starts polling and returns once post_init has finished and the index
    answers (``ready=False``: once post_init has finished, while an index may still be building)."""

    def __init__(self, settings: Settings, tg: FakeTelegram, ready: bool = True) -> None:
        self.settings = settings
        self.ready = ready
        self.tg = tg
        self.app = build_application(settings)
        self.loop: asyncio.AbstractEventLoop | None = None
        self.error: BaseException | None = None
        self.status: int | None = None  # what run() returned: 1 when polling gave up
        self._thread = threading.Thread(target=self._run, name="bot", daemon=True)

    def _run(self) -> None:
        self.loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self.loop)
        try:
            extra = {} if self.settings.webhook_url else {"timeout": 1}
            self.status = run(self.app, self.settings, close_loop=False, stop_signals=None, **extra)
        except BaseException as exc:
            self.error = exc
        finally:
            self.loop.close()

    def __enter__(self) -> BotRunner:
        self._thread.start()
        self.tg.wait_for(lambda calls: any(c.method == "setMyCommands" for c in calls) or self.error, timeout=60)
        if self.error:
            raise self.error
        state = self.app.bot_data
        deadline = time.monotonic() + 120
        while self.ready and (state.serving is None or state.updating) and not state.start_error and time.monotonic() < deadline:
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.loop and self.loop.is_running():
            self.loop.call_soon_threadsafe(self.app.stop_running)
        self._thread.join(30)
