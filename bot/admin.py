"""Admin commands and the jobs that keep the index current: /reload, /thongke, /capnhat, bulletin uploads, the
schedule and the heartbeat. One index update runs at a time (``BotState.reload_lock``)."""

from __future__ import annotations

import asyncio
import functools
import html
import logging
import os
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import Message, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError

from retrieval import UploadRefused, check_upload, last_run

from . import messages as msg
from .archive import add_upload, reload_engine, sync_now
from .ops import serving_facts, write_heartbeat
from .render import refusal_message, stats_message, sync_message, sync_stats_line
from .state import BotContext, BotState

__all__ = [
    "admin_only",
    "beat",
    "heartbeat_job",
    "on_document",
    "on_photo",
    "prune_job",
    "reload",
    "stats",
    "sync_command",
    "sync_job",
]

log = logging.getLogger(__name__)

Handler = Callable[[Update, BotContext], Coroutine[Any, Any, None]]


def admin_only(handler: Handler) -> Handler:
    """Let only ADMIN_USER_IDS run ``handler``; others get a polite refusal."""

    @functools.wraps(handler)
    async def wrapped(update: Update, context: BotContext) -> None:
        user = update.effective_user
        if user and user.id in context.bot_data.settings.admin_user_ids:
            await handler(update, context)
        elif update.effective_message:
            await update.effective_message.reply_text(msg.ADMIN_ONLY)

    return wrapped


async def _refused_while_busy(message: Message, state: BotState) -> bool:
    """One index update at a time (/reload, /capnhat, the schedule): say so and refuse (uploads wait instead)."""
    if state.reload_lock.locked():
        await message.reply_text(msg.RELOAD_BUSY)
        return True
    return False


async def _update_index(message: Message, state: BotState, starting: str, work: Callable[[BotState], str]) -> None:
    """Say the update starts, run ``work`` in a thread under the reload lock, send the HTML it returns."""
    if await _refused_while_busy(message, state):
        return
    async with state.reload_lock:
        await message.reply_text(starting)
        summary = await asyncio.get_running_loop().run_in_executor(None, work, state)
    await beat(state)  # the heartbeat says at once what is served now, and the last sync or crawl
    await message.reply_text(summary, parse_mode=ParseMode.HTML)


@admin_only
async def reload(update: Update, context: BotContext) -> None:
    """/reload (admins): index new or changed bulletins without a restart."""
    if update.effective_message:
        await _update_index(update.effective_message, context.bot_data, msg.RELOADING, reload_engine)


@admin_only
async def stats(update: Update, context: BotContext) -> None:
    """/thongke (admins): questions per day, not-found rate, feedback counts."""
    if update.effective_message:
        state = context.bot_data
        settings = state.settings
        line = sync_stats_line(last_run(settings.feeds_dir), settings.sync_minutes, bool(settings.feeds or settings.sites))
        text = stats_message(state.store.stats(), state.engine.params["n_articles"], state.engine.params["n_passages"], line)
        await update.effective_message.reply_text(text, parse_mode=ParseMode.HTML)


@admin_only
async def sync_command(update: Update, context: BotContext) -> None:
    """/capnhat (admins): fetch new articles from the feeds and the sites now, and say what came."""
    message = update.effective_message
    state = context.bot_data
    if message is None:
        return
    settings = state.settings
    if not settings.feeds and not settings.sites:
        await message.reply_text(msg.SYNC_NO_FEEDS)
        return
    starting = msg.SYNC_RUNNING.format(n=len(settings.feeds) + len(settings.sites))
    await _update_index(message, state, starting, lambda s: sync_message(sync_now(s)))


async def heartbeat_job(context: BotContext) -> None:
    """Every minute: the heartbeat `python -m bot status` reads (what the bot serves, its last sync)."""
    await beat(context.bot_data)


async def beat(state: BotState) -> None:
    """Write the heartbeat now (every minute, and as soon as the index the bot answers from changes)."""
    facts = {"pid": os.getpid(), **serving_facts(state)}
    try:
        await asyncio.get_running_loop().run_in_executor(None, write_heartbeat, state.settings.bantin_data_dir, facts)
    except OSError as exc:  # a full disk must not stop the answers; `status` then reports the bot as stale
        log.warning("Heartbeat not written: %s", exc)


async def sync_job(context: BotContext) -> None:
    """The JobQueue's periodic sync; skipped while a reload, an upload or /capnhat holds the lock."""
    state = context.bot_data
    if state.reload_lock.locked():
        log.info("Scheduled sync skipped: an update is running")
        return
    async with state.reload_lock:
        try:
            await asyncio.get_running_loop().run_in_executor(None, sync_now, state)
        except Exception:  # the schedule must survive anything a feed does; the bot keeps its index
            log.exception("Scheduled sync failed")
    await beat(state)


async def prune_job(context: BotContext) -> None:
    """Daily: forget the follow-up evidence of old questions (a reply to such an answer asks it again)."""
    pruned = context.bot_data.store.prune_turns()
    if pruned:
        log.info("Forgot the follow-up evidence of %d old question(s)", pruned)


async def on_document(update: Update, context: BotContext) -> None:
    """A file sent to the bot: an admin's bulletin is read and added to the archive and the index."""
    message = update.effective_message
    if message is None or message.document is None:
        return
    state = context.bot_data
    user = update.effective_user
    if not user or user.id not in state.settings.admin_user_ids:
        await message.reply_text(msg.UPLOAD_NOT_ADMIN)
        return
    document = message.document
    await _take_upload(message, state, document.file_name or "ban-tin", document.file_size, document.get_file)


async def on_photo(update: Update, context: BotContext) -> None:
    """A photo sent to the bot: an admin's photo of a printed page is read (OCR) and indexed; anyone else's gets
    the hint to type the question (cadres' photos are not indexed)."""
    message = update.effective_message
    user = update.effective_user
    state = context.bot_data
    if message is None or not message.photo or not user or user.id not in state.settings.admin_user_ids:
        if message is not None:
            await message.reply_text(msg.MEDIA_HINT)
        return
    photo = message.photo[-1]  # the largest size Telegram kept
    name = f"anh-chup-{message.date:%Y%m%d-%H%M%S}-{photo.file_unique_id}.jpg"
    await _take_upload(message, state, name, photo.file_size, photo.get_file)


async def _take_upload(
    message: Message, state: BotState, name: str, size: int | None, get_file: Callable[[], Coroutine[Any, Any, Any]]
) -> None:
    """Refuse by name and size before a byte is downloaded (the library's rule), else download the file, keep it,
    index it and say what it gave."""
    try:
        check_upload(name, size, state.settings.max_upload_mb << 20)
    except UploadRefused as refused:
        await message.reply_text(refusal_message(refused))
        return
    # Files carry what an admin means to add: they wait their turn behind a running update (an admin selecting
    # five PDFs sends five messages at once), where /reload and /capnhat, which lose nothing, are refused.
    waiting = state.reload_lock.locked()
    await message.reply_text((msg.UPLOAD_QUEUED if waiting else msg.UPLOAD_READING).format(name=name))
    async with state.reload_lock:
        try:
            tg_file = await get_file()
            data = bytes(await tg_file.download_as_bytearray())
        except TelegramError as exc:
            log.warning("Upload %s not downloaded: %s", name, exc)
            summary = msg.UPLOAD_DOWNLOAD_FAILED.format(name=html.escape(name))
        else:
            summary = await asyncio.get_running_loop().run_in_executor(None, add_upload, state, name, data)
    await message.reply_text(summary, parse_mode=ParseMode.HTML)  # add_upload escapes what it quotes
