"""Telegram handlers for cadres: each reads an update, asks the retrieval library, and replies in Vietnamese.

Shared objects are in ``context.bot_data`` (a ``BotState``, loaded once in post_init). Who may
use the bot is checked once, by ``gate`` (app.py runs it before every other handler). The answer
buttons are in callbacks.py, admin commands and jobs in admin.py.
"""

from __future__ import annotations

import asyncio
import functools
import html
import logging
import time
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import InlineQueryResultArticle, InputTextMessageContent, Message, Update
from telegram.constants import ChatAction, ChatType, ParseMode
from telegram.error import BadRequest, NetworkError, TelegramError
from telegram.ext import ApplicationHandlerStop

from retrieval import QuestionError, clean_question

from . import messages as msg
from .callbacks import keep_shown
from .render import answer_keyboard, answer_messages, format_date, hit_block, inline_snippet, latest_message
from .searching import earlier_question, search
from .state import BotContext, BotState

__all__ = [
    "ask_command",
    "ask_text",
    "error_handler",
    "fresh_start",
    "gate",
    "help_command",
    "inline_query",
    "latest",
    "media_hint",
    "start",
    "unknown_command",
]

log = logging.getLogger(__name__)


# -- access ---------------------------------------------------------------------------
def _is_allowed(update: Update, context: BotContext) -> bool:
    """Empty allowlists mean open to all; otherwise the user or the chat must be listed."""
    settings = context.bot_data.settings
    if not settings.allowed_user_ids and not settings.allowed_chat_ids:
        return True
    user, chat = update.effective_user, update.effective_chat
    return bool((user and user.id in settings.allowed_user_ids) or (chat and chat.id in settings.allowed_chat_ids))


def _addressed_to_bot(message: Message) -> bool:
    """A message the bot should answer even to refuse: private, a command, or a reply to the bot."""
    if message.chat.type == ChatType.PRIVATE or (message.text or "").startswith("/"):
        return True
    replied = message.reply_to_message
    return bool(replied and replied.from_user and replied.from_user.id == message.get_bot().id)


async def gate(update: Update, context: BotContext) -> None:
    """Refuse outsiders once, politely, before any other handler runs (group -1)."""
    if _is_allowed(update, context):
        if context.bot_data.serving is None and not await _ready_in_time(update, context.bot_data):
            await _turn_away(update, msg.UPDATING)  # the index is being built (first start, or after an upgrade)
            raise ApplicationHandlerStop
        return
    await _turn_away(update, msg.NOT_ALLOWED)
    raise ApplicationHandlerStop


WAIT_SILENTLY = 3.0  # seconds a message waits for the first index before the cadre is told it will be answered
WAIT_AT_MOST = 600.0  # after which it is turned away (a long rebuild after an upgrade): ask again later


async def _ready_in_time(update: Update, state: BotState) -> bool:
    """While the first index is built, a message addressed to the bot waits for it (the seed builds in two seconds),
    told once that it will be answered when a build takes longer; buttons and inline queries are not kept waiting."""
    message = update.message
    if message is None or not _addressed_to_bot(message):
        return False
    try:
        await asyncio.wait_for(state.ready.wait(), WAIT_SILENTLY)
    except TimeoutError:
        await message.reply_text(msg.UPDATING_WAIT)
        try:
            await asyncio.wait_for(state.ready.wait(), WAIT_AT_MOST)
        except TimeoutError:
            return False
    return state.serving is not None


async def _turn_away(update: Update, text: str) -> None:
    """Say ``text`` once to whoever wrote to the bot, in the form the update allows (an alert for a button,
    an empty list inline, a reply to a message addressed to the bot)."""
    if update.callback_query:
        await update.callback_query.answer(text, show_alert=True)
    elif update.inline_query:
        await update.inline_query.answer([], cache_time=5, is_personal=True)
    elif update.message and _addressed_to_bot(update.message):
        await update.message.reply_text(text)


# -- helpers --------------------------------------------------------------------------
async def _typing(context: BotContext, chat_id: int) -> None:
    """The typing indicator; cosmetic, so a failure is logged and the answer still goes out."""
    try:
        await context.bot.send_chat_action(chat_id=chat_id, action=ChatAction.TYPING)
    except TelegramError as exc:
        log.info("Typing indicator not sent: %s", exc)


def _question_after_command(text: str) -> str:
    """'/hoi@bot  câu hỏi' → 'câu hỏi'."""
    parts = text.split(maxsplit=1)
    return parts[1] if len(parts) > 1 else ""


async def _answer(update: Update, context: BotContext, raw: str) -> None:
    """Clean, rate-limit, search off the loop, reply with quotes and buttons."""
    message = update.effective_message
    if message is None:
        return
    try:
        question = clean_question(raw)
    except QuestionError as exc:
        if exc.reason == "too_long":
            await message.reply_text(msg.TOO_LONG.format(length=exc.length, limit=exc.limit))
        else:
            await message.reply_text(msg.EMPTY, parse_mode=ParseMode.HTML)
        return
    state = context.bot_data
    user_id = update.effective_user.id if update.effective_user else message.chat_id
    if not state.limiter.allow(user_id):
        await message.reply_text(msg.RATE_LIMITED.format(seconds=state.limiter.retry_after(user_id)))
        return
    per_page = state.settings.results_per_page
    started = time.perf_counter()
    after = earlier_question(update, context)
    searching = asyncio.ensure_future(search(context, question, per_page, after=after))
    done, _ = await asyncio.wait({searching}, timeout=state.settings.typing_after_ms / 1000)
    if not done:
        await _typing(context, message.chat_id)
    result = await searching
    took = (time.perf_counter() - started) * 1000
    state.metrics.questions.inc()
    state.metrics.latency.observe(took / 1000)
    if result.not_found:
        state.metrics.not_found.inc()
    if result.context is not None and result.context.used:
        state.metrics.follow_ups.inc()
    qid = state.store.record_question(
        message.chat_id,
        user_id,
        message.chat.type,
        question,
        result.not_found,
        result.total,
        took,
        after_id=after.id if after else None,
        turn=result.turn().as_dict(),
    )
    keep_shown(context, qid, 0, result)  # before the buttons exist: a tap acts on exactly these quotes
    texts = answer_messages(result, 0, per_page)
    sent: list[int] = []
    try:
        for i, text in enumerate(texts):
            last = i == len(texts) - 1
            markup = answer_keyboard(qid, 0, result, per_page) if last and not result.not_found else None
            send = _retrying(functools.partial(message.reply_text, text, parse_mode=ParseMode.HTML, reply_markup=markup, do_quote=(i == 0)))
            sent.append((await (_announced(state, message.chat_id, send) if i == 0 else send)).message_id)
    finally:  # a reply to any message sent is a follow-up of this question, even if a later part failed
        state.store.record_answer_messages(message.chat_id, sent, qid)


QUEUED_TYPING_AFTER = 1.0  # seconds an answer may wait in the rate limiter's queue before "typing…" is shown


async def _announced(state: BotState, chat_id: int, send: Coroutine[Any, Any, Message]) -> Message:
    """Send; if the reply is still queued (a burst over Telegram's 30 messages a second) after a second,
    show "typing…" at once, outside the queue, so the cadre knows the answer is coming."""
    sending = asyncio.ensure_future(send)
    done, _ = await asyncio.wait({sending}, timeout=QUEUED_TYPING_AFTER)
    if not done and state.typing_bot is not None:
        try:
            await state.typing_bot.send_chat_action(chat_id=chat_id, action=ChatAction.TYPING)
        except TelegramError as exc:  # cosmetic: a refused or late indicator changes nothing
            log.info("Queued-reply typing indicator not sent: %s", exc)
    return await sending


SEND_ATTEMPTS = 3


async def _retrying(send: Callable[[], Coroutine[Any, Any, Message]]) -> Message:
    """Send, retrying a network failure twice with backoff before the error handler apologises.

    A cadre waiting for an answer should not lose it to one dropped connection. Telegram's refusals
    (BadRequest, Forbidden) are not retried: sending the same thing again would fail the same way.
    """
    for attempt in range(SEND_ATTEMPTS):
        try:
            return await send()
        except NetworkError as exc:
            if isinstance(exc, BadRequest) or attempt == SEND_ATTEMPTS - 1:
                raise
            log.info("Network error sending a reply (%s); retrying", exc)
            await asyncio.sleep(0.5 * 2**attempt)
    raise AssertionError("unreachable")


# -- commands -------------------------------------------------------------------------
async def start(update: Update, context: BotContext) -> None:
    """Greet the user and show three example questions."""
    if not update.effective_message:
        return
    user = update.effective_user
    name = html.escape(user.first_name if user and user.first_name else "bạn", quote=False)
    await update.effective_message.reply_text(msg.START.format(name=name), parse_mode=ParseMode.HTML)


async def help_command(update: Update, context: BotContext) -> None:
    """Explain how to ask, in private chats and in groups."""
    if not update.effective_message:
        return
    username = html.escape(context.bot.username or "bot", quote=False)
    text = msg.HELP.replace("{username}", username).replace("{follow_up}", msg.follow_up_help(context.bot_data.settings.context_minutes))
    await update.effective_message.reply_text(text, parse_mode=ParseMode.HTML)


async def ask_command(update: Update, context: BotContext) -> None:
    """/hoi <câu hỏi> (also /hoi@botname in groups)."""
    if update.effective_message:
        await _answer(update, context, _question_after_command(update.effective_message.text or ""))


async def ask_text(update: Update, context: BotContext) -> None:
    """A plain text message in a private chat, or a reply to the bot in a group: it is a question."""
    if update.effective_message:
        await _answer(update, context, update.effective_message.text or "")


async def fresh_start(update: Update, context: BotContext) -> None:
    """/chudemoi: the next question is read on its own, not as a follow-up of the earlier ones."""
    message = update.effective_message
    if message is None:
        return
    user_id = update.effective_user.id if update.effective_user else message.chat_id
    context.bot_data.store.start_fresh(message.chat_id, user_id)
    await message.reply_text(msg.FRESH_START)


async def latest(update: Update, context: BotContext) -> None:
    """/moi: the latest bulletins with titles and dates."""
    if update.effective_message:
        articles = context.bot_data.engine.latest(7)
        await update.effective_message.reply_text(latest_message(articles), parse_mode=ParseMode.HTML)


async def media_hint(update: Update, context: BotContext) -> None:
    """Stickers, photos, voice and files: a one-line hint to type the question."""
    if update.effective_message:
        await update.effective_message.reply_text(msg.MEDIA_HINT)


async def unknown_command(update: Update, context: BotContext) -> None:
    """An unknown /command in a private chat."""
    if update.effective_message:
        await update.effective_message.reply_text(msg.UNKNOWN_COMMAND)


# -- inline mode ----------------------------------------------------------------------
async def inline_query(update: Update, context: BotContext) -> None:
    """@botname câu hỏi: up to 10 quotes to pick from, each sent with its source (personal: never cached for others)."""
    query = update.inline_query
    if query is None:
        return
    try:
        text = clean_question(query.query or "")
    except QuestionError:
        text = ""
    if len(text) < 2:
        await query.answer([], cache_time=5, is_personal=True)
        return
    result = await search(context, text, 10)
    results: list[Any] = []
    for i, hit in enumerate(result.hits):
        body = f"❓ <i>{html.escape(text, quote=False)}</i>\n\n" + hit_block(i + 1, hit)
        results.append(
            InlineQueryResultArticle(
                id=str(hit.passage_id),
                title=msg.INLINE_TITLE.format(title=hit.title, date=format_date(hit.date))[:256],
                description=inline_snippet(hit),
                input_message_content=InputTextMessageContent(body, parse_mode=ParseMode.HTML),
            )
        )
    await query.answer(results, cache_time=60, is_personal=True)


# -- errors ---------------------------------------------------------------------------
async def error_handler(update: object, context: BotContext) -> None:
    """Log the traceback for maintainers; tell the user a short apology, never the details."""
    log.error("Error while handling an update", exc_info=context.error)
    context.bot_data.metrics.telegram_errors.inc()
    if not isinstance(update, Update):
        return
    if update.callback_query:
        try:
            await update.callback_query.answer(msg.ERROR, show_alert=True)
        except TelegramError:  # already answered, or too old: the message below still apologises
            pass
    if update.effective_chat and (update.effective_message or update.callback_query):
        try:
            await context.bot.send_message(update.effective_chat.id, msg.ERROR)
        except TelegramError:
            log.warning("Could not send the apology")
