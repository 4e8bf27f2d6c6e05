"""Telegram handlers: each reads an update, asks the retrieval library, and replies in Vietnamese.

Shared objects are in ``context.bot_data`` (a ``BotState``, loaded once in post_init). Who may
use the bot is checked once, by ``gate`` (app.py runs it before every other handler); admin
commands carry ``@admin_only``.
"""

from __future__ import annotations

import asyncio
import functools
import html
import logging
import os
import re
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from telegram import CallbackQuery, InlineQueryResultArticle, InputTextMessageContent, Message, Update
from telegram.constants import ChatAction, ChatType, ParseMode
from telegram.error import BadRequest, NetworkError, TelegramError
from telegram.ext import ApplicationHandlerStop

from retrieval import QuestionError, Result, Turn, clean_question, last_run

from . import messages as msg
from .archive import add_upload, reload_engine, sync_now
from .buttons import question_id
from .ops import serving_facts, write_heartbeat
from .render import (
    answer_keyboard,
    answer_messages,
    article_messages,
    format_date,
    hit_block,
    inline_snippet,
    latest_message,
    stats_message,
    sync_message,
    sync_stats_line,
    vn_number,
)
from .state import BotContext, BotState
from .storage import AskedQuestion

__all__ = [
    "admin_only",
    "ask_command",
    "ask_text",
    "beat",
    "error_handler",
    "fresh_start",
    "gate",
    "heartbeat_job",
    "help_command",
    "inline_query",
    "latest",
    "media_hint",
    "on_article",
    "on_document",
    "on_page",
    "on_photo",
    "on_stale_button",
    "on_vote",
    "prune_job",
    "reload",
    "start",
    "stats",
    "sync_command",
    "sync_job",
    "unknown_command",
]

log = logging.getLogger(__name__)

Handler = Callable[[Update, BotContext], Coroutine[Any, Any, None]]


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
        if context.bot_data.serving is None:  # the index is being built (first start, or after an upgrade)
            await _turn_away(update, msg.UPDATING)
            raise ApplicationHandlerStop
        return
    await _turn_away(update, msg.NOT_ALLOWED)
    raise ApplicationHandlerStop


async def _turn_away(update: Update, text: str) -> None:
    """Say ``text`` once to whoever wrote to the bot, in the form the update allows (an alert for a button,
    an empty list inline, a reply to a message addressed to the bot)."""
    if update.callback_query:
        await update.callback_query.answer(text, show_alert=True)
    elif update.inline_query:
        await update.inline_query.answer([], cache_time=5, is_personal=True)
    elif update.message and _addressed_to_bot(update.message):
        await update.message.reply_text(text)


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


# -- helpers --------------------------------------------------------------------------
async def _search(context: BotContext, question: str, k: int, offset: int = 0, after: AskedQuestion | None = None) -> Result:
    """Search in a worker thread so one slow question never blocks other chats; a follow-up of ``after``
    is read with that question's turns (built in the same thread: an old one may be asked again)."""
    state = context.bot_data

    def run() -> Result:
        turns = _turns(state, after) if after is not None else []
        return state.engine.search(question, k, offset, context=turns)

    return await asyncio.get_running_loop().run_in_executor(state.executor, run)


def _turns(state: BotState, asked: AskedQuestion) -> list[Turn]:
    """The conversation ``asked`` closes, oldest first: it and the questions it followed, as many as the engine reads.

    A turn pruned from the store (older than TURN_DAYS) is rebuilt by asking its question again."""
    keep = state.engine.config.follow_up.turns
    chain: list[AskedQuestion] = []
    current: AskedQuestion | None = asked
    while current is not None and len(chain) < keep:
        chain.append(current)
        current = state.store.question(current.after_id) if current.after_id is not None else None
    turns: list[Turn] = []
    for item in reversed(chain):
        turn = Turn.from_dict(item.turn) if item.turn else None
        if turn is None or not turn.question:
            turn = state.engine.search(item.question, 3, context=turns).turn()
        turns.append(turn)
    return turns


def _earlier(update: Update, context: BotContext) -> AskedQuestion | None:
    """The question a new one follows up: the bot's answer it replies to (any age, in any chat), else in a
    private chat this user's last question within CONTEXT_MINUTES (after their last /chudemoi). Never
    another chat's, and in a private chat never another user's."""
    message = update.effective_message
    if message is None:
        return None
    state = context.bot_data
    replied = message.reply_to_message
    if replied is not None and replied.from_user is not None and replied.from_user.id == context.bot.id:
        asked = state.store.answered_by(message.chat_id, replied.message_id)
        if asked is None and replied.reply_markup is not None:
            # an answer sent before its messages were recorded (a reply within milliseconds, or an
            # answer from before follow-ups existed): its buttons name the question
            ids = {
                question_id(b.callback_data if isinstance(b.callback_data, str) else None)
                for row in replied.reply_markup.inline_keyboard
                for b in row
            }
            ids.discard(None)
            if len(ids) == 1:
                found = state.store.question(int(ids.pop() or 0))
                asked = found if found is not None and found.chat_id == message.chat_id else None
        return asked
    minutes = state.settings.context_minutes
    if message.chat.type != ChatType.PRIVATE or minutes <= 0:
        return None
    user_id = update.effective_user.id if update.effective_user else message.chat_id
    return state.store.last_question(message.chat_id, user_id, time.time() - minutes * 60)


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
    after = _earlier(update, context)
    search = asyncio.ensure_future(_search(context, question, per_page, after=after))
    done, _ = await asyncio.wait({search}, timeout=state.settings.typing_after_ms / 1000)
    if not done:
        await _typing(context, message.chat_id)
    result = await search
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


async def _refused_while_busy(message: Message, state: BotState) -> bool:
    """One index update at a time (/reload, /capnhat, an upload, the schedule): say so and refuse."""
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


UPLOAD_SUFFIXES = frozenset({".pdf", ".docx", ".html", ".htm", ".txt", ".jsonl", ".jpg", ".jpeg", ".png", ".tif", ".tiff", ".webp", ""})


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
    name = document.file_name or "ban-tin"
    suffix = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if suffix not in UPLOAD_SUFFIXES:
        await message.reply_text(msg.UPLOAD_UNSUPPORTED.format(name=name))
        return
    await _take_upload(message, state, name, document.file_size, document.get_file)


async def on_photo(update: Update, context: BotContext) -> None:
    """A photo sent to the bot: an admin's photo of a printed page is read (OCR) and indexed; anyone else's gets
    the hint to type the question (cadres' photos are not indexed)."""
    message = update.effective_message
    user = update.effective_user
    state = context.bot_data
    if message is None or not message.photo or not user or user.id not in state.settings.admin_user_ids:
        await media_hint(update, context)
        return
    photo = message.photo[-1]  # the largest size Telegram kept
    name = f"anh-chup-{message.date:%Y%m%d-%H%M%S}-{photo.file_unique_id}.jpg"
    await _take_upload(message, state, name, photo.file_size, photo.get_file)


async def _take_upload(
    message: Message, state: BotState, name: str, size: int | None, get_file: Callable[[], Coroutine[Any, Any, Any]]
) -> None:
    """Download an admin's file (refused first when it is over MAX_UPLOAD_MB), keep it, index it, say what it gave."""
    limit = state.settings.max_upload_mb
    if size and size > limit * 1024 * 1024:  # refused before a byte is downloaded
        await message.reply_text(msg.UPLOAD_TOO_BIG.format(name=name, size=vn_number(size / 1024 / 1024), limit=limit))
        return
    if await _refused_while_busy(message, state):
        return
    async with state.reload_lock:
        await message.reply_text(msg.UPLOAD_READING.format(name=name))
        try:
            tg_file = await get_file()
            data = bytes(await tg_file.download_as_bytearray())
        except TelegramError as exc:
            log.warning("Upload %s not downloaded: %s", name, exc)
            await message.reply_text(msg.UPLOAD_DOWNLOAD_FAILED.format(name=name))
            return
        summary = await asyncio.get_running_loop().run_in_executor(None, add_upload, state, name, data)
        await message.reply_text(summary, parse_mode=ParseMode.HTML)


async def media_hint(update: Update, context: BotContext) -> None:
    """Stickers, photos, voice and files: a one-line hint to type the question."""
    if update.effective_message:
        await update.effective_message.reply_text(msg.MEDIA_HINT)


async def unknown_command(update: Update, context: BotContext) -> None:
    """An unknown /command in a private chat."""
    if update.effective_message:
        await update.effective_message.reply_text(msg.UNKNOWN_COMMAND)


# -- buttons --------------------------------------------------------------------------
@dataclass(frozen=True)
class _Button:
    """A pressed answer button whose question is known and was asked in this chat."""

    query: CallbackQuery
    qid: int
    page: int
    question: str
    choice: str  # the kind's last field: the vote, or the quote on the page; "" for paging
    asked: AskedQuestion  # the stored question: what it followed, the turn it became


async def _button(update: Update, context: BotContext) -> _Button | None:
    """The pressed button, or None after telling the user it is stale.

    Only the chat the question was asked in may act on it; any other id looks the same as an
    expired one, so ids reveal nothing.
    """
    query = update.callback_query
    if query is None:
        return None
    # PTB hands a button with empty data to the first pattern handler, with True for a match
    match = context.matches[0] if context.matches and isinstance(context.matches[0], re.Match) else None
    message = query.message
    asked = context.bot_data.store.question(int(match.group(1))) if match else None
    if match is None or asked is None or message is None or asked.chat_id != message.chat.id:
        await query.answer(msg.EXPIRED, show_alert=True)
        return None
    rest = match.groups()[2:]
    return _Button(query, asked.id, int(match.group(2)), asked.question, rest[0] if rest else "", asked)


async def _page_of(context: BotContext, button: _Button) -> Result:
    """The quotes of the button's page, searched again with the question's own context (the same pages as at first)."""
    state = context.bot_data
    per_page = state.settings.results_per_page
    earlier = state.store.question(button.asked.after_id) if button.asked.after_id is not None else None
    return await _search(context, button.question, per_page, button.page * per_page, after=earlier)


def _remember(context: BotContext, button: _Button, read: str | None = None, rejected: tuple[str, ...] = ()) -> None:
    """Keep in the question's turn what the cadre did: an article read in full leads its articles; articles
    of quotes voted wrong are dropped, so a follow-up does not lean on them."""
    if not button.asked.turn:
        return
    turn = Turn.from_dict(button.asked.turn)
    answered = [d for d in turn.answered if d not in rejected and d != read]
    evidence = [(d, s) for d, s in turn.evidence if d not in rejected]
    if read is not None:
        answered.insert(0, read)
    changed = Turn(turn.question, tuple(answered), tuple(evidence), turn.asked)
    if changed != turn:
        context.bot_data.store.update_turn(button.qid, changed.as_dict())


async def on_vote(update: Update, context: BotContext) -> None:
    """👍/👎 under an answer: thank first, then store the vote with the quotes it judged."""
    button = await _button(update, context)
    if button is None:
        return
    up = button.choice == "1"
    await button.query.answer(msg.THANKS_UP if up else msg.THANKS_DOWN)
    result = await _page_of(context, button)
    if not result.hits:
        return  # a page that does not exist: nothing was judged
    user_id = update.effective_user.id if update.effective_user else None
    chat_id = button.query.message.chat.id if button.query.message else 0
    context.bot_data.store.record_feedback(button.qid, chat_id, user_id, 1 if up else -1, button.page, [h.passage_id for h in result.hits])
    if not up:
        _remember(context, button, rejected=tuple(h.doc_id for h in result.hits))


async def on_page(update: Update, context: BotContext) -> None:
    """◀ Trước / Xem thêm ▶: the same message shows another page of quotes."""
    button = await _button(update, context)
    if button is None:
        return
    await button.query.answer()
    message = button.query.message
    state = context.bot_data
    if message is None or state.shows(message.chat.id, message.message_id, button.page):
        return  # the message shows that page already (a double tap, or a stale keyboard)
    before = state.shown_pages.get((message.chat.id, message.message_id), 0)
    state.shown(message.chat.id, message.message_id, button.page)  # claimed before any await: taps cannot race
    try:
        result = await _page_of(context, button)
        if not result.hits:
            state.shown(message.chat.id, message.message_id, before)
            return
        per_page = state.settings.results_per_page
        text = answer_messages(result, button.page, per_page)[0]
        markup = answer_keyboard(button.qid, button.page, result, per_page)
        await button.query.edit_message_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():  # it showed that page already (we restarted since)
            state.shown(message.chat.id, message.message_id, before)
            raise
    except BaseException:
        state.shown(message.chat.id, message.message_id, before)
        raise


async def on_article(update: Update, context: BotContext) -> None:
    """📄 Toàn văn: the whole article of a quote, over as many messages as it needs."""
    button = await _button(update, context)
    if button is None:
        return
    await button.query.answer()
    result = await _page_of(context, button)
    message = button.query.message
    index = int(button.choice)
    if index >= len(result.hits) or not isinstance(message, Message):
        return
    article = context.bot_data.engine.article(result.hits[index].doc_id)
    if article is None:
        await message.reply_text(msg.EXPIRED)
        return
    _remember(context, button, read=article.doc_id)
    for i, text in enumerate(article_messages(article)):
        await message.reply_text(text, parse_mode=ParseMode.HTML, do_quote=(i == 0))


async def on_stale_button(update: Update, context: BotContext) -> None:
    """A button whose data matches no kind (forged, or from an older version): say it expired."""
    if update.callback_query:
        await update.callback_query.answer(msg.EXPIRED, show_alert=True)


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
    result = await _search(context, text, 10)
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
