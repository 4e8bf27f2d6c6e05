"""Telegram handlers: each one reads an update, asks the retrieval layer, and replies in Vietnamese.

Shared objects live in ``context.bot_data`` (loaded once in post_init, see app.py):
``engine`` (retrieval.search.Engine), ``store`` (BotStore), ``settings``, ``limiter``, ``executor``.
"""

from __future__ import annotations

import asyncio
import html
import logging
import time
from typing import Any

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    Update,
)
from telegram.constants import ChatAction, ChatType, ParseMode
from telegram.error import BadRequest, TelegramError
from telegram.ext import ContextTypes

from retrieval.search.engine import Result

from . import messages as msg
from .render import answer_messages, article_messages, inline_snippet, latest_message, hit_block

__all__ = [
    "start", "help_command", "ask_command", "ask_text", "latest", "reload", "stats", "media_hint",
    "unknown_command", "on_button", "inline_query", "error_handler", "answer_keyboard",
]

log = logging.getLogger(__name__)


# -- helpers ------------------------------------------------------------------------
def _allowed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """Empty allowlists mean open to all; otherwise the user or the chat must be listed."""
    settings = context.bot_data["settings"]
    if not settings.allowed_user_ids and not settings.allowed_chat_ids:
        return True
    user = update.effective_user
    chat = update.effective_chat
    return bool((user and user.id in settings.allowed_user_ids) or (chat and chat.id in settings.allowed_chat_ids))


def _is_admin(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    user = update.effective_user
    return bool(user and user.id in context.bot_data["settings"].admin_user_ids)


async def _search(context: ContextTypes.DEFAULT_TYPE, question: str, k: int, offset: int = 0) -> Result:
    """Run the search in a worker thread so one slow question never blocks other chats."""
    engine = context.bot_data["engine"]
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(context.bot_data["executor"], engine.search, question, k, offset)


async def _typing(context: ContextTypes.DEFAULT_TYPE, chat_id: int) -> None:
    """The typing indicator; cosmetic, so a failure is logged and the answer still goes out."""
    try:
        await context.bot.send_chat_action(chat_id=chat_id, action=ChatAction.TYPING)
    except TelegramError as exc:
        log.info("Typing indicator not sent: %s", exc)


def answer_keyboard(qid: int, page: int, result: Result, per_page: int) -> InlineKeyboardMarkup:
    """👍/👎, one "Toàn văn" per article on the page, and paging. Callback data stays tiny: state is in SQLite."""
    rows: list[list[InlineKeyboardButton]] = [[
        InlineKeyboardButton("👍 Hữu ích", callback_data=f"v:{qid}:{page}:1"),
        InlineKeyboardButton("👎 Chưa đúng", callback_data=f"v:{qid}:{page}:0"),
    ]]
    articles: list[int] = []
    seen: set[str] = set()
    for i, hit in enumerate(result.hits):
        if hit.doc_id not in seen:
            seen.add(hit.doc_id)
            articles.append(i)
    if len(articles) == 1:
        rows.append([InlineKeyboardButton("📄 Toàn văn", callback_data=f"a:{qid}:{page}:{articles[0]}")])
    else:
        first = page * per_page + 1
        rows.append([InlineKeyboardButton(f"📄 Toàn văn bài {first + i}", callback_data=f"a:{qid}:{page}:{i}") for i in articles])
    nav = []
    if page > 0:
        nav.append(InlineKeyboardButton("◀ Trước", callback_data=f"p:{qid}:{page - 1}"))
    if (page + 1) * per_page < result.total:
        nav.append(InlineKeyboardButton("Xem thêm ▶", callback_data=f"p:{qid}:{page + 1}"))
    if nav:
        rows.append(nav)
    return InlineKeyboardMarkup(rows)


def _question_after_command(text: str) -> str:
    """'/hoi@bot  câu hỏi' → 'câu hỏi' (keeps the question's own line breaks)."""
    parts = text.split(maxsplit=1)
    return parts[1] if len(parts) > 1 else ""


async def _answer(update: Update, context: ContextTypes.DEFAULT_TYPE, question: str) -> None:
    """Validate, rate-limit, search off the loop, reply with quotes and buttons."""
    message = update.effective_message
    if message is None:
        return
    if not _allowed(update, context):
        await message.reply_text(msg.NOT_ALLOWED)
        return
    question = " ".join(question.split())
    if not question:
        await message.reply_text(msg.EMPTY, parse_mode=ParseMode.HTML)
        return
    if len(question) > msg.MAX_QUESTION:
        await message.reply_text(msg.TOO_LONG.format(length=len(question), limit=msg.MAX_QUESTION))
        return
    user_id = update.effective_user.id if update.effective_user else message.chat_id
    limiter = context.bot_data["limiter"]
    if not limiter.allow(user_id):
        await message.reply_text(msg.RATE_LIMITED.format(seconds=limiter.retry_after(user_id)))
        return
    settings = context.bot_data["settings"]
    per_page = settings.results_per_page
    started = time.perf_counter()
    search = asyncio.ensure_future(_search(context, question, per_page))
    done, _ = await asyncio.wait({search}, timeout=settings.typing_after_ms / 1000)
    if not done:
        await _typing(context, message.chat_id)
    result = await search
    took = (time.perf_counter() - started) * 1000
    qid = context.bot_data["store"].record_question(
        message.chat_id, user_id, message.chat.type, question, result.not_found, result.total, took)
    texts = answer_messages(result, 0, per_page)
    for i, text in enumerate(texts):
        last = i == len(texts) - 1
        markup = answer_keyboard(qid, 0, result, per_page) if last and not result.not_found else None
        await message.reply_text(text, parse_mode=ParseMode.HTML, reply_markup=markup, do_quote=(i == 0))


# -- commands -----------------------------------------------------------------------
async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Greet the user and show three example questions."""
    if not _allowed(update, context):
        await update.effective_message.reply_text(msg.NOT_ALLOWED)
        return
    user = update.effective_user
    name = html.escape(user.first_name if user and user.first_name else "bạn", quote=False)
    await update.effective_message.reply_text(msg.START.format(name=name), parse_mode=ParseMode.HTML)


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Explain how to ask, in private chats and in groups."""
    await update.effective_message.reply_text(
        msg.HELP.replace("{username}", html.escape(context.bot.username or "bot", quote=False)), parse_mode=ParseMode.HTML)


async def ask_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/hoi <câu hỏi> (also /hoi@botname in groups)."""
    await _answer(update, context, _question_after_command(update.effective_message.text or ""))


async def ask_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A plain text message in a private chat, or a reply to the bot in a group: it is a question."""
    await _answer(update, context, update.effective_message.text or "")


async def latest(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/moi: the latest bulletins with titles and dates."""
    if not _allowed(update, context):
        await update.effective_message.reply_text(msg.NOT_ALLOWED)
        return
    articles = context.bot_data["engine"].latest(7)
    await update.effective_message.reply_text(latest_message(articles), parse_mode=ParseMode.HTML)


async def reload(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/reload (admins): index new or changed bulletins without a restart."""
    if not _is_admin(update, context):
        await update.effective_message.reply_text(msg.ADMIN_ONLY)
        return
    lock: asyncio.Lock = context.bot_data["reload_lock"]
    if lock.locked():
        await update.effective_message.reply_text(msg.RELOAD_BUSY)
        return
    async with lock:
        await update.effective_message.reply_text(msg.RELOADING)
        from .app import reload_engine

        loop = asyncio.get_running_loop()
        summary = await loop.run_in_executor(None, reload_engine, context.bot_data)
        await update.effective_message.reply_text(summary, parse_mode=ParseMode.HTML)


async def stats(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/thongke (admins): questions per day, not-found rate, feedback counts."""
    if not _is_admin(update, context):
        await update.effective_message.reply_text(msg.ADMIN_ONLY)
        return
    s = context.bot_data["store"].stats()
    engine = context.bot_data["engine"]
    lines = ["<b>Thống kê 7 ngày gần nhất</b>"]
    for day, count, nf in s["per_day"]:
        y, m, d = day.split("-")
        lines.append(f"• {d}/{m}: {count} câu hỏi, {nf or 0} không tìm thấy")
    if not s["per_day"]:
        lines.append("• Chưa có câu hỏi nào.")
    rate = (s["not_found"] / s["total"] * 100) if s["total"] else 0.0
    lines += [
        "",
        f"Tổng cộng: {s['total']} câu hỏi, tỷ lệ không tìm thấy {rate:.1f}%".replace(".", ","),
        f"Góp ý: 👍 {s['up']} · 👎 {s['down']}",
        f"Kho bản tin: {engine.params['n_articles']} bài, {engine.params['n_passages']} đoạn",
    ]
    await update.effective_message.reply_text("\n".join(lines), parse_mode=ParseMode.HTML)


async def media_hint(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stickers, photos, voice and files: a one-line hint to type the question."""
    await update.effective_message.reply_text(msg.MEDIA_HINT)


async def unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """An unknown /command in a private chat."""
    await update.effective_message.reply_text(msg.UNKNOWN_COMMAND)


# -- buttons ------------------------------------------------------------------------
def _parse_callback(data: str) -> tuple[str, list[int]] | None:
    kind, _, rest = data.partition(":")
    try:
        numbers = [int(x) for x in rest.split(":")]
    except ValueError:
        return None
    expected = {"p": 2, "a": 3, "v": 3}
    if kind not in expected or len(numbers) != expected[kind] or any(n < 0 for n in numbers):
        return None
    return kind, numbers


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Xem thêm / Toàn văn / 👍 👎 under an answer."""
    query = update.callback_query
    parsed = _parse_callback(query.data or "")
    asked = context.bot_data["store"].question(parsed[1][0]) if parsed else None
    if parsed is None or asked is None:
        await query.answer(msg.EXPIRED, show_alert=True)
        return
    if not _allowed(update, context):
        await query.answer(msg.NOT_ALLOWED, show_alert=True)
        return
    kind, numbers = parsed
    qid, page = numbers[0], numbers[1]
    if kind == "v":
        vote = 1 if numbers[2] else -1
        await query.answer(msg.THANKS_UP if vote > 0 else msg.THANKS_DOWN)
    else:
        await query.answer()
    per_page = context.bot_data["settings"].results_per_page
    result = await _search(context, asked.question, per_page, page * per_page)
    if kind == "v":
        user_id = update.effective_user.id if update.effective_user else None
        context.bot_data["store"].record_feedback(
            qid, query.message.chat_id if query.message else 0, user_id, vote, page, [h.passage_id for h in result.hits])
    elif kind == "p":
        if not result.hits:
            return
        text = answer_messages(result, page, per_page)[0]
        try:
            await query.edit_message_text(text, parse_mode=ParseMode.HTML, reply_markup=answer_keyboard(qid, page, result, per_page))
        except BadRequest as exc:
            if "not modified" not in str(exc).lower():  # a double tap: same page again
                raise
    elif kind == "a":
        index = numbers[2]
        if index >= len(result.hits) or query.message is None:
            return
        article = context.bot_data["engine"].article(result.hits[index].doc_id)
        if article is None:
            await query.message.reply_text(msg.EXPIRED)
            return
        for i, text in enumerate(article_messages(article)):
            await query.message.reply_text(text, parse_mode=ParseMode.HTML, do_quote=(i == 0))


# -- inline mode --------------------------------------------------------------------
async def inline_query(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """@botname câu hỏi: up to 10 quotes to pick from, each sent with its source."""
    query = update.inline_query
    text = " ".join((query.query or "").split())
    if not _allowed(update, context) or len(text) < 2:
        await query.answer([], cache_time=5, is_personal=True)
        return
    result = await _search(context, text[: msg.MAX_QUESTION], 10)
    results: list[Any] = []
    for i, hit in enumerate(result.hits):
        body = f"❓ <i>{html.escape(text, quote=False)}</i>\n\n" + hit_block(i + 1, hit)
        results.append(InlineQueryResultArticle(
            id=str(hit.passage_id),
            title=f"{hit.title} ({hit.date or 'không rõ ngày'})"[:256],
            description=inline_snippet(hit),
            input_message_content=InputTextMessageContent(body, parse_mode=ParseMode.HTML),
        ))
    await query.answer(results, cache_time=60, is_personal=False)


# -- errors -------------------------------------------------------------------------
async def error_handler(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the traceback for maintainers; tell the user a short apology, never the details."""
    log.error("Error while handling an update", exc_info=context.error)
    if isinstance(update, Update):
        if update.callback_query:
            try:
                await update.callback_query.answer(msg.ERROR, show_alert=True)
            except Exception:  # noqa: BLE001 (already answered, or too old: nothing more to do)
                pass
        if update.effective_chat and (update.effective_message or update.callback_query):
            try:
                await context.bot.send_message(update.effective_chat.id, msg.ERROR)
            except Exception:  # noqa: BLE001 (the apology itself failed: logged above, never re-raised)
                log.warning("Could not send the apology")
