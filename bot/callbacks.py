"""The answer buttons: 👍/👎, ◀ Trước / Xem thêm ▶ and 📄 Toàn văn. Each is answered first, then acts on the
quotes the page showed (kept with the answer), even after the index changed."""

from __future__ import annotations

import re
from dataclasses import dataclass

from telegram import CallbackQuery, Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest

from retrieval import Result, Turn, revised_turn

from . import messages as msg
from .render import answer_keyboard, answer_messages, article_messages
from .searching import search
from .state import BotContext
from .storage import AskedQuestion, Shown

__all__ = ["on_article", "on_page", "on_stale_button", "on_vote"]


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
    return await search(context, button.question, per_page, button.page * per_page, after=earlier)


def keep_shown(context: BotContext, qid: int, page: int, result: Result) -> None:
    """Keep the quotes a page shows, so that its buttons act on them later."""
    context.bot_data.store.record_shown(qid, page, result.generation, [(h.passage_id, h.doc_id) for h in result.hits])


async def _shown(context: BotContext, button: _Button) -> Shown | None:
    """The quotes the button's page showed; for an answer from before they were kept, the page searched again."""
    shown = context.bot_data.store.shown(button.qid, button.page)
    if shown is not None:
        return shown
    result = await _page_of(context, button)
    if not result.hits:
        return None
    return Shown(result.generation, tuple(h.passage_id for h in result.hits), tuple(h.doc_id for h in result.hits))


def _remember(context: BotContext, button: _Button, read: str | None = None, rejected: tuple[str, ...] = ()) -> None:
    """Keep in the question's turn what the cadre did (the library's rule: read leads, voted down dropped)."""
    if not button.asked.turn:
        return
    turn = Turn.from_dict(button.asked.turn)
    changed = revised_turn(turn, read, rejected)
    if changed != turn:
        context.bot_data.store.update_turn(button.qid, changed.as_dict())


async def on_vote(update: Update, context: BotContext) -> None:
    """👍/👎 under an answer: thank first, then store the vote with the quotes it judged."""
    button = await _button(update, context)
    if button is None:
        return
    up = button.choice == "1"
    await button.query.answer(msg.THANKS_UP if up else msg.THANKS_DOWN)
    shown = await _shown(context, button)
    if shown is None:
        return  # a page that does not exist: nothing was judged
    user_id = update.effective_user.id if update.effective_user else None
    chat_id = button.query.message.chat.id if button.query.message else 0
    vote = 1 if up else -1
    context.bot_data.store.record_feedback(button.qid, chat_id, user_id, vote, button.page, list(shown.passage_ids), shown.generation)
    if not up:
        _remember(context, button, rejected=shown.doc_ids)


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
        keep_shown(context, button.qid, button.page, result)
        await button.query.edit_message_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():  # it showed that page already (we restarted since)
            state.shown(message.chat.id, message.message_id, before)
            raise
    except BaseException:
        state.shown(message.chat.id, message.message_id, before)
        raise


async def on_article(update: Update, context: BotContext) -> None:
    """📄 Toàn văn: the whole article of a quote shown, over as many messages as it needs."""
    button = await _button(update, context)
    if button is None:
        return
    await button.query.answer()
    shown = await _shown(context, button)
    message = button.query.message
    index = int(button.choice)
    if shown is None or index >= len(shown.doc_ids) or not isinstance(message, Message):
        return
    article = context.bot_data.engine.article(shown.doc_ids[index])
    if article is None:  # the bulletin was removed since the answer (a /reload, a sync)
        await message.reply_text(msg.ARTICLE_GONE)
        return
    _remember(context, button, read=article.doc_id)
    for i, text in enumerate(article_messages(article)):
        await message.reply_text(text, parse_mode=ParseMode.HTML, do_quote=(i == 0))


async def on_stale_button(update: Update, context: BotContext) -> None:
    """A button whose data matches no kind (forged, or from an older version): say it expired."""
    if update.callback_query:
        await update.callback_query.answer(msg.EXPIRED, show_alert=True)
