"""What every handler shares, typed: loaded once in post_init (app.py), read through ``context.bot_data``."""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from telegram import Bot
from telegram.ext import Application, CallbackContext, ContextTypes, ExtBot

from retrieval import Engine

from .config import Settings
from .metrics import Metrics
from .ratelimit import UserRateLimiter
from .storage import BotStore

__all__ = ["CONTEXT_TYPES", "BotApplication", "BotContext", "BotState"]


class NotLoaded(RuntimeError):
    """A handler ran before post_init loaded what it needs (a bug, not a user error)."""


@dataclass
class BotState:
    """The bot's shared objects. PTB creates it empty; ``load`` fills it in post_init."""

    _settings: Settings | None = None
    _engine: Engine | None = None
    _store: BotStore | None = None
    _limiter: UserRateLimiter | None = None
    _executor: ThreadPoolExecutor | None = None
    reload_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    # A Bot without the rate limiter, for "typing…" only: the answer it announces may be waiting in the
    # limiter's queue, and an action queued behind it would arrive with it, too late to mean anything.
    typing_bot: Bot | None = None
    watchdog: asyncio.Task[None] | None = None  # app._watch_polling, kept so it is not garbage-collected
    polling_failed: bool = False  # set when polling gave up for good: the process exits 1
    # True while the index is being built or rebuilt at start (an upgrade): questions get "đang cập nhật"
    updating: bool = False
    ready: asyncio.Event = field(default_factory=asyncio.Event)  # set once an engine answers (questions wait on it)
    preparing: asyncio.Task[None] | None = None  # app._bring_up_to_date, kept so it is not garbage-collected
    start_error: str = ""  # why no index could be built at start: the process exits 2 with it
    started: float = field(default_factory=time.time)  # for the heartbeat's uptime
    metrics: Metrics = field(default_factory=Metrics)  # counted always, served when METRICS_PORT is set
    # page each answer message shows, so a stale or doubled "Xem thêm" is not sent as an edit Telegram refuses
    shown_pages: OrderedDict[tuple[int, int], int] = field(default_factory=OrderedDict)

    def shows(self, chat_id: int, message_id: int, page: int) -> bool:
        """True when the message already shows ``page`` (an answer starts on page 0)."""
        return self.shown_pages.get((chat_id, message_id), 0) == page

    def shown(self, chat_id: int, message_id: int, page: int) -> None:
        """Record that the message now shows ``page`` (the 10,000 latest messages are remembered)."""
        self.shown_pages[(chat_id, message_id)] = page
        self.shown_pages.move_to_end((chat_id, message_id))
        while len(self.shown_pages) > 10_000:
            self.shown_pages.popitem(last=False)

    @staticmethod
    def _need(value: Any, name: str) -> Any:
        if value is None:
            raise NotLoaded(f"{name} is not loaded yet")
        return value

    @property
    def settings(self) -> Settings:
        return self._need(self._settings, "settings")

    @settings.setter
    def settings(self, value: Settings) -> None:
        self._settings = value

    @property
    def engine(self) -> Engine:
        return self._need(self._engine, "engine")

    @engine.setter
    def engine(self, value: Engine) -> None:
        self._engine = value
        if not self.ready.is_set():  # set on the loop at start (post_init, the first build); later swaps find it set
            self.ready.set()

    @property
    def serving(self) -> Engine | None:
        """The engine answering questions, or None while the index is first built (``updating``)."""
        return self._engine

    @property
    def store(self) -> BotStore:
        return self._need(self._store, "store")

    @property
    def limiter(self) -> UserRateLimiter:
        return self._need(self._limiter, "limiter")

    @property
    def executor(self) -> ThreadPoolExecutor:
        return self._need(self._executor, "executor")

    def load(self, engine: Engine | None, store: BotStore, limiter: UserRateLimiter, executor: ThreadPoolExecutor) -> None:
        """The shared objects; ``engine`` is None while the index is built in the background (set it when ready)."""
        self._engine, self._store, self._limiter, self._executor = engine, store, limiter, executor
        if engine is not None:
            self.ready.set()

    def close(self) -> None:
        """Close what ``load`` opened (post_shutdown)."""
        for task in (self.watchdog, self.preparing):
            if task and not task.done():
                task.cancel()
        self.metrics.close()
        if self._executor:
            self._executor.shutdown(wait=False, cancel_futures=True)
        if self._store:
            self._store.close()
        if self._engine:
            self._engine.close()


BotApplication = Application[Any, Any, Any, Any, BotState, Any]
BotContext = CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], BotState]
CONTEXT_TYPES = ContextTypes(bot_data=BotState)
