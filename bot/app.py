"""Assemble the Application: one place registers every handler; shared objects load once in post_init."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from telegram import Bot, BotCommand, BotCommandScopeChat, Message, Update
from telegram.error import TelegramError
from telegram.ext import (
    AIORateLimiter,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    Defaults,
    InlineQueryHandler,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import HTTPXRequest

from retrieval import BuildError, IndexBusy, IndexDamaged, IndexMissing

from . import admin, callbacks, handlers, messages
from .archive import open_index_for_bot, open_published, refresh_at_start
from .buttons import ARTICLE_PATTERN, PAGE_PATTERN, VOTE_PATTERN
from .config import Settings
from .ops import HEARTBEAT_SECONDS
from .ratelimit import UserRateLimiter
from .state import CONTEXT_TYPES, BotApplication, BotState
from .storage import TURN_DAYS, BotStore
from .webhook import serve_webhook

__all__ = ["ALLOWED_UPDATES", "RedactingFormatter", "build_application", "register_handlers", "run", "setup_logging"]

log = logging.getLogger(__name__)


class RedactingFormatter(logging.Formatter):
    """Replace secrets (the bot token) in every formatted line, tracebacks included, whatever logger wrote it."""

    def __init__(self, fmt: str, *secrets: str) -> None:
        super().__init__(fmt)
        self.secrets = [s for s in secrets if s]

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "[REDACTED]")
        return text

    def format(self, record: logging.LogRecord) -> str:
        return self.redact(super().format(record))


LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
JOURNAL_FORMAT = "%(levelname)s %(name)s: %(message)s"  # under systemd the journal stamps each line itself


def log_format() -> str:
    """Lines without a time of their own when stderr goes to systemd's journal (it sets JOURNAL_STREAM)."""
    return JOURNAL_FORMAT if os.environ.get("JOURNAL_STREAM") else LOG_FORMAT


def setup_logging(settings: Settings, level: int | None = None) -> RedactingFormatter:
    """Log lines on stderr at LOG_LEVEL with every secret redacted (PTB's exceptions quote the token in URLs)."""
    fmt = log_format()
    logging.basicConfig(format=fmt, level=level if level is not None else settings.log_level)
    # httpx logs every request URL, and Bot API URLs contain the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    formatter = RedactingFormatter(fmt, settings.token, settings.webhook_secret.get_secret_value())
    for handler in logging.getLogger().handlers:
        handler.setFormatter(formatter)
    return formatter


BUSY_RETRY_SECONDS = 1.0  # how often a bot starting beside a running build tries to open the index again
POLLING_TASK = "Updater:start_polling:polling_task"  # the name PTB gives its polling task


async def _watch_polling(application: BotApplication) -> None:
    """Polling that gave up (Telegram refused the token mid-run) leaves PTB up but deaf: stop the bot instead.

    A supervisor then sees the exit status and restarts it, or tells someone.
    """
    task = None
    while task is None:
        await asyncio.sleep(0.2)
        task = next((t for t in asyncio.all_tasks() if t.get_name() == POLLING_TASK), None)
    await asyncio.wait({task})
    if not task.cancelled() and task.exception() is not None:
        log.error("Polling stopped for good (%s); stopping the bot", type(task.exception()).__name__)
        application.bot_data.polling_failed = True
        if application.updater is not None:
            # Stop the updater here: stopping awaits the failed task, which raises its (logged) error
            # again, and raised from run_polling's own shutdown it would skip the rest of the shutdown.
            with contextlib.suppress(TelegramError):
                await application.updater.stop()
        application.stop_running()


async def post_init(application: BotApplication) -> None:
    """Load the bot's database and the index as published, and register the commands in Vietnamese.

    An index that must be built first (none yet, or one an older version wrote) is built in the background:
    meanwhile the bot is up and tells cadres it is updating, and /healthz says so.
    """
    state: BotState = application.bot_data
    settings = state.settings
    loop = asyncio.get_running_loop()
    engine = await loop.run_in_executor(None, open_published, settings)
    executor = ThreadPoolExecutor(settings.search_workers, thread_name_prefix="search")
    if settings.metrics_port:
        state.metrics.serve(settings.metrics_port, settings.metrics_listen)
        log.info("Metrics on http://%s:%d/metrics", settings.metrics_listen, settings.metrics_port)
    store = BotStore(settings.feedback_db)
    state.load(engine, store, UserRateLimiter(settings.rate_limit_per_minute), executor)
    state.updating = engine is None
    pruned = store.prune_turns()
    if pruned:
        log.info("Forgot the follow-up evidence of %d question(s) older than %d days", pruned, TURN_DAYS)
    if application.job_queue is not None:
        application.job_queue.run_repeating(admin.prune_job, interval=86400, first=86400, name="prune")
        application.job_queue.run_repeating(admin.heartbeat_job, interval=HEARTBEAT_SECONDS, first=0.5, name="heartbeat")
    state.typing_bot = Bot(settings.token, base_url=settings.base_url, request=HTTPXRequest(connection_pool_size=4))
    await state.typing_bot.initialize()
    if engine is not None:  # load pyvi's model and the compiled kernels before the first cadre waits for them
        await loop.run_in_executor(executor, engine.warm_up)
    state.preparing = asyncio.create_task(_bring_up_to_date(application), name="bring-up-to-date")
    if not settings.webhook_url:
        state.watchdog = asyncio.create_task(_watch_polling(application))
    if (settings.feeds or settings.sites) and settings.sync_minutes and application.job_queue is not None:
        # the first sync soon after start, then every SYNC_MINUTES
        interval = settings.sync_minutes * 60
        application.job_queue.run_repeating(admin.sync_job, interval=interval, first=min(interval, 10.0), name="sync")
        log.info("Feeds: %d, sites: %d, synced every %g minute(s)", len(settings.feeds), len(settings.sites), settings.sync_minutes)
    await application.bot.set_my_commands([BotCommand(c, d) for c, d in messages.COMMANDS])
    for admin_id in settings.admin_user_ids:
        try:
            await application.bot.set_my_commands(
                [BotCommand(c, d) for c, d in messages.COMMANDS + messages.ADMIN_COMMANDS], scope=BotCommandScopeChat(admin_id)
            )
        except TelegramError as exc:  # the admin has not opened a chat with the bot yet
            log.info("Admin commands not shown to %s: %s", admin_id, exc)


async def _bring_up_to_date(application: BotApplication) -> None:
    """Build the index when there was none to answer from (telling admins after an upgrade), or refresh the one
    answering with bulletins changed while the bot was stopped; /reload, uploads and syncs wait for it."""
    state = application.bot_data
    settings = state.settings
    loop = asyncio.get_running_loop()
    try:
        async with state.reload_lock:
            if state.serving is not None:
                await loop.run_in_executor(None, refresh_at_start, state)
                return
            while True:
                try:
                    opened = await loop.run_in_executor(None, open_index_for_bot, settings)
                    break
                except IndexBusy:  # a maintainer's `index` is writing the folder: it publishes soon, then we open
                    log.info("Another build is writing %s; waiting for it", settings.bantin_index_dir)
                    await asyncio.sleep(BUSY_RETRY_SECONDS)
            await loop.run_in_executor(state.executor, opened.engine.warm_up)
            state.engine = opened.engine
            state.updating = False
            log.info("Answering from %d articles", opened.engine.params["n_articles"])
        await admin.beat(state)  # `status` says what is served now, not at the next minute's beat
    except (BuildError, IndexMissing, IndexDamaged, OSError) as exc:
        state.updating = False
        if state.serving is not None:
            log.warning("The index was not brought up to date at start: %s", exc)
            return
        if isinstance(exc, IndexDamaged):
            state.start_error = f"no index to answer from: {exc}. Next: {exc.command}"
        else:
            state.start_error = (
                f"no index to answer from: {exc}. Next: put readable bulletins in {settings.bantin_sources}/ (BANTIN_SOURCES)"
            )
        log.error("%s", state.start_error)
        state.ready.set()  # questions waiting for the build are turned away politely; the process then stops
        while not application.running:  # stop_running() stops only a started application's loop
            await asyncio.sleep(0.05)
        application.stop_running()
        return
    if opened.upgraded:  # after an upgrade the index was rebuilt at start: admins hear it is done
        done = messages.UPGRADED.format(articles=f"{opened.engine.params['n_articles']:,}".replace(",", "."))  # 1.234 bài
        for admin_id in settings.admin_user_ids:
            try:
                await application.bot.send_message(admin_id, done)
            except TelegramError as exc:
                log.info("Upgrade notice not sent to %s: %s", admin_id, exc)


async def post_shutdown(application: BotApplication) -> None:
    """Close what post_init opened."""
    if application.bot_data.typing_bot is not None:
        await application.bot_data.typing_bot.shutdown()
    application.bot_data.close()


class _ReplyToBot(filters.MessageFilter):
    """A message that replies to one of this bot's own messages."""

    def filter(self, message: Message) -> bool:
        replied = message.reply_to_message
        return bool(replied and replied.from_user and replied.from_user.id == message.get_bot().id)


def register_handlers(application: BotApplication) -> None:
    """Every handler, in one place, in the order they are tried (the access gate first, in group -1)."""
    private = filters.ChatType.PRIVATE
    groups = filters.ChatType.GROUPS
    reply_to_bot = _ReplyToBot()
    media = (
        filters.Sticker.ALL
        | filters.PHOTO
        | filters.VOICE
        | filters.AUDIO
        | filters.VIDEO
        | filters.VIDEO_NOTE
        | filters.ANIMATION
        | filters.LOCATION
        | filters.CONTACT
        | filters.POLL
    )
    new_messages = filters.UpdateType.MESSAGE

    application.add_handler(TypeHandler(Update, handlers.gate), group=-1)
    application.add_handler(CommandHandler("start", handlers.start, filters=new_messages))
    application.add_handler(CommandHandler(["help", "trogiup"], handlers.help_command, filters=new_messages))
    application.add_handler(CommandHandler("hoi", handlers.ask_command, filters=new_messages))
    application.add_handler(CommandHandler("moi", handlers.latest, filters=new_messages))
    application.add_handler(CommandHandler("chudemoi", handlers.fresh_start, filters=new_messages))
    application.add_handler(CommandHandler("reload", admin.reload, filters=new_messages))
    application.add_handler(CommandHandler("thongke", admin.stats, filters=new_messages))
    application.add_handler(CommandHandler("capnhat", admin.sync_command, filters=new_messages))
    application.add_handler(MessageHandler(new_messages & private & filters.TEXT & ~filters.COMMAND, handlers.ask_text))
    application.add_handler(MessageHandler(new_messages & groups & filters.TEXT & ~filters.COMMAND & reply_to_bot, handlers.ask_text))
    application.add_handler(MessageHandler(new_messages & filters.Document.ALL & (private | reply_to_bot), admin.on_document))
    application.add_handler(MessageHandler(new_messages & filters.PHOTO & (private | reply_to_bot), admin.on_photo))
    application.add_handler(MessageHandler(new_messages & media & (private | reply_to_bot), handlers.media_hint))
    application.add_handler(MessageHandler(new_messages & private & filters.COMMAND, handlers.unknown_command))
    application.add_handler(CallbackQueryHandler(callbacks.on_vote, pattern=VOTE_PATTERN))
    application.add_handler(CallbackQueryHandler(callbacks.on_page, pattern=PAGE_PATTERN))
    application.add_handler(CallbackQueryHandler(callbacks.on_article, pattern=ARTICLE_PATTERN))
    application.add_handler(CallbackQueryHandler(callbacks.on_stale_button))
    application.add_handler(InlineQueryHandler(handlers.inline_query))
    application.add_error_handler(handlers.error_handler)


def build_application(settings: Settings) -> BotApplication:
    """The configured Application (not started)."""
    application: BotApplication = (
        ApplicationBuilder()
        .token(settings.token)
        .base_url(settings.base_url)
        .base_file_url(settings.base_url.replace("/bot", "/file/bot"))
        .context_types(CONTEXT_TYPES)
        .rate_limiter(AIORateLimiter(overall_max_rate=settings.messages_per_second, max_retries=3))
        .defaults(Defaults(do_quote=True))  # every reply quotes the question it answers, in groups and in private
        .concurrent_updates(32)
        .post_init(post_init)
        .post_shutdown(post_shutdown)
        .build()
    )
    application.bot_data.settings = settings
    register_handlers(application)
    return application


ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY, Update.INLINE_QUERY]


def run(application: BotApplication, settings: Settings, **kwargs: Any) -> int:
    """Long polling, or a webhook server (with Telegram's secret-token check, and /healthz) when WEBHOOK_URL is set.

    Blocks until SIGINT/SIGTERM (PTB stops gracefully: updates in progress finish first), until polling
    gives up for good, or until no index can be built; returns the exit status (1 for polling, 2 for the index).
    """
    if settings.webhook_url:
        stop_signals = kwargs.get("stop_signals", (signal.SIGINT, signal.SIGTERM))
        serve_webhook(application, settings, ALLOWED_UPDATES, stop_signals=stop_signals, close_loop=kwargs.get("close_loop", True))
    else:
        application.run_polling(allowed_updates=ALLOWED_UPDATES, **kwargs)
    state = application.bot_data
    return 2 if state.start_error else 1 if state.polling_failed else 0
