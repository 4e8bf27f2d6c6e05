"""Assemble the Application: one place registers every handler; shared objects load once in post_init."""

from __future__ import annotations

import asyncio
import html
import logging
from concurrent.futures import ThreadPoolExecutor

from telegram import BotCommand, BotCommandScopeChat, Update
from telegram.error import TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    Defaults,
    InlineQueryHandler,
    MessageHandler,
    filters,
)

from retrieval.index.build import build_index, refresh_index
from retrieval.index.layout import IndexMissing, current_generation
from retrieval.search.engine import Engine

from . import handlers, messages
from .config import Settings
from .ratelimit import UserRateLimiter
from .storage import BotStore

__all__ = ["build_application", "register_handlers", "open_engine", "reload_engine", "run", "RedactingFilter", "setup_logging"]

log = logging.getLogger(__name__)


class RedactingFilter(logging.Filter):
    """Replace secrets (the bot token) in every log record, whatever logger wrote it."""

    def __init__(self, *secrets: str) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        if any(s in text for s in self.secrets):
            for s in self.secrets:
                text = text.replace(s, "[REDACTED]")
            record.msg, record.args = text, None
        return True


def setup_logging(settings: Settings, level: int = logging.INFO) -> None:
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s", level=level)
    # httpx logs every request URL, and Bot API URLs contain the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    redact = RedactingFilter(settings.token, settings.webhook_secret.get_secret_value())
    for handler in logging.getLogger().handlers:
        handler.addFilter(redact)


def open_engine(settings: Settings) -> Engine:
    """The index, built or refreshed from the bulletins folder when missing or stale."""
    index_dir = settings.bantin_index_dir
    try:
        current_generation(index_dir)
        report = refresh_index(index_dir)
    except IndexMissing:
        log.info("Indexing bulletins from %s into %s", settings.bantin_sources, index_dir)
        report = build_index([settings.bantin_sources], index_dir)
    for problem in report.problems if report else []:
        log.warning("Skipped %s", problem)
    return Engine.open(index_dir)


def reload_engine(bot_data: dict) -> str:
    """Rebuild from the bulletins folder, swap the engine in, and say what changed (runs in a thread)."""
    settings: Settings = bot_data["settings"]
    old: Engine = bot_data["engine"]
    before = old.store.fingerprints()
    try:
        sources = str(settings.bantin_sources.resolve())
        if sources in old.params.get("inputs", []):
            report = refresh_index(settings.bantin_index_dir)  # merges new files, rebuilds on edits
        else:
            report = build_index([settings.bantin_sources], settings.bantin_index_dir)
    except Exception as exc:  # noqa: BLE001 (reported to the admin in one line; the old index keeps serving)
        log.exception("Reload failed")
        return f"Chưa cập nhật được bản tin: {html.escape(str(exc), quote=False)}. Bản tin cũ vẫn được dùng."
    if report is None:
        return f"Không có bản tin mới hay thay đổi nào. Hiện có {old.params['n_articles']} bản tin."
    new = Engine.open(settings.bantin_index_dir)
    new.warm_up()
    bot_data["engine"] = new
    after = new.store.fingerprints()
    added = len(after.keys() - before.keys())
    removed = len(before.keys() - after.keys())
    changed = sum(1 for k in after.keys() & before.keys() if after[k] != before[k])
    lines = [f"Đã cập nhật xong: thêm <b>{added}</b> bản tin mới, {changed} bản tin được sửa, {removed} bản tin bị gỡ.",
             f"Hiện có {report.n_articles} bản tin, {report.n_passages} đoạn trích."]
    if report.problems:
        lines.append(f"{len(report.problems)} tệp không đọc được:")
        lines += [f"• {html.escape(str(p), quote=False)}" for p in report.problems[:10]]
    return "\n".join(lines)


async def post_init(application: Application) -> None:
    """Load the index and the bot's database once, and register the commands in Vietnamese."""
    settings: Settings = application.bot_data["settings"]
    loop = asyncio.get_running_loop()
    application.bot_data["engine"] = await loop.run_in_executor(None, open_engine, settings)
    application.bot_data["store"] = BotStore(settings.feedback_db)
    application.bot_data["limiter"] = UserRateLimiter(settings.rate_limit_per_minute)
    application.bot_data["executor"] = ThreadPoolExecutor(settings.search_workers, thread_name_prefix="search")
    application.bot_data["reload_lock"] = asyncio.Lock()
    # Load pyvi's model and the compiled kernels before the first cadre waits for them.
    await loop.run_in_executor(application.bot_data["executor"], application.bot_data["engine"].warm_up)
    await application.bot.set_my_commands([BotCommand(c, d) for c, d in messages.COMMANDS])
    for admin in settings.admin_user_ids:
        try:
            await application.bot.set_my_commands(
                [BotCommand(c, d) for c, d in messages.COMMANDS + messages.ADMIN_COMMANDS], scope=BotCommandScopeChat(admin))
        except TelegramError as exc:  # the admin has not opened a chat with the bot yet
            log.info("Admin commands not shown to %s: %s", admin, exc)


async def post_shutdown(application: Application) -> None:
    """Close what post_init opened."""
    executor = application.bot_data.get("executor")
    if executor:
        executor.shutdown(wait=False, cancel_futures=True)
    if store := application.bot_data.get("store"):
        store.close()
    if engine := application.bot_data.get("engine"):
        engine.close()


class _ReplyToBot(filters.MessageFilter):
    """A message that replies to one of this bot's own messages."""

    def filter(self, message) -> bool:  # type: ignore[override]
        replied = message.reply_to_message
        return bool(replied and replied.from_user and replied.from_user.id == message.get_bot().id)


def register_handlers(application: Application) -> None:
    """Every handler, in one place, in the order they are tried."""
    private = filters.ChatType.PRIVATE
    groups = filters.ChatType.GROUPS
    reply_to_bot = _ReplyToBot()
    media = (filters.Sticker.ALL | filters.PHOTO | filters.VOICE | filters.AUDIO | filters.VIDEO | filters.VIDEO_NOTE
             | filters.ANIMATION | filters.Document.ALL | filters.LOCATION | filters.CONTACT | filters.POLL)
    new_messages = filters.UpdateType.MESSAGE

    application.add_handler(CommandHandler("start", handlers.start, filters=new_messages))
    application.add_handler(CommandHandler(["help", "trogiup"], handlers.help_command, filters=new_messages))
    application.add_handler(CommandHandler("hoi", handlers.ask_command, filters=new_messages))
    application.add_handler(CommandHandler("moi", handlers.latest, filters=new_messages))
    application.add_handler(CommandHandler("reload", handlers.reload, filters=new_messages))
    application.add_handler(CommandHandler("thongke", handlers.stats, filters=new_messages))
    application.add_handler(MessageHandler(new_messages & private & filters.TEXT & ~filters.COMMAND, handlers.ask_text))
    application.add_handler(MessageHandler(new_messages & groups & filters.TEXT & ~filters.COMMAND & reply_to_bot, handlers.ask_text))
    application.add_handler(MessageHandler(new_messages & media & (private | reply_to_bot), handlers.media_hint))
    application.add_handler(MessageHandler(new_messages & private & filters.COMMAND, handlers.unknown_command))
    application.add_handler(CallbackQueryHandler(handlers.on_button))
    application.add_handler(InlineQueryHandler(handlers.inline_query))
    application.add_error_handler(handlers.error_handler)


def build_application(settings: Settings) -> Application:
    """The configured Application (not started)."""
    application = (
        ApplicationBuilder()
        .token(settings.token)
        .base_url(settings.base_url)
        .base_file_url(settings.base_url.replace("/bot", "/file/bot"))
        .rate_limiter(AIORateLimiter(max_retries=3))
        .defaults(Defaults(do_quote=True))  # every reply quotes the question it answers, in groups and in private
        .concurrent_updates(32)
        .post_init(post_init)
        .post_shutdown(post_shutdown)
        .build()
    )
    application.bot_data["settings"] = settings
    register_handlers(application)
    return application


ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY, Update.INLINE_QUERY]


def run(application: Application, settings: Settings, **kwargs) -> None:
    """Long polling, or a webhook server with Telegram's secret-token check when WEBHOOK_URL is set.

    Blocks until SIGINT/SIGTERM (PTB stops gracefully: updates in progress finish first).
    """
    if settings.webhook_url:
        path = settings.token.split(":", 1)[0]  # a per-bot path without the secret part of the token
        application.run_webhook(
            listen=settings.webhook_listen, port=settings.webhook_port, url_path=path,
            webhook_url=settings.webhook_url.rstrip("/") + "/" + path,
            secret_token=settings.webhook_secret.get_secret_value(), allowed_updates=ALLOWED_UPDATES, **kwargs,
        )
    else:
        application.run_polling(allowed_updates=ALLOWED_UPDATES, **kwargs)
