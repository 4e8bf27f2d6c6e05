"""Asking the library from a handler: off the event loop, with the conversation a question follows."""

from __future__ import annotations

import asyncio
import time

from telegram import Message, Update
from telegram.constants import ChatType

from retrieval import Result, Turn

from .buttons import question_id
from .state import BotContext, BotState
from .storage import AskedQuestion

__all__ = ["conversation_of", "earlier_question", "search"]


async def search(context: BotContext, question: str, k: int, offset: int = 0, after: AskedQuestion | None = None) -> Result:
    """Search in a worker thread so one slow question never blocks other chats; a follow-up of ``after``
    is read with that question's turns (built in the same thread: an old one may be asked again)."""
    state = context.bot_data

    def run() -> Result:
        turns = conversation_of(state, after) if after is not None else []
        return state.engine.search(question, k, offset, context=turns)

    return await asyncio.get_running_loop().run_in_executor(state.executor, run)


def conversation_of(state: BotState, asked: AskedQuestion) -> list[Turn]:
    """The turns a follow-up of ``asked`` reads, oldest first: it and the questions it followed, as stored
    (the library asks again a question whose turn was pruned)."""
    keep = state.engine.config.follow_up.turns
    chain: list[AskedQuestion] = []
    current: AskedQuestion | None = asked
    while current is not None and len(chain) < keep:
        chain.append(current)
        current = state.store.question(current.after_id) if current.after_id is not None else None
    return state.engine.replay([(item.question, Turn.from_dict(item.turn) if item.turn else None) for item in reversed(chain)])


def earlier_question(update: Update, context: BotContext) -> AskedQuestion | None:
    """The question a new one follows up: the bot's answer it replies to (any age, in any chat), else in a
    private chat this user's last question within CONTEXT_MINUTES (after their last /chudemoi). Never
    another chat's, and in a private chat never another user's."""
    message = update.effective_message
    if message is None:
        return None
    state = context.bot_data
    replied = message.reply_to_message
    if replied is not None and replied.from_user is not None and replied.from_user.id == context.bot.id:
        return _answered(state, message, replied)
    minutes = state.settings.context_minutes
    if message.chat.type != ChatType.PRIVATE or minutes <= 0:
        return None
    user_id = update.effective_user.id if update.effective_user else message.chat_id
    return state.store.last_question(message.chat_id, user_id, time.time() - minutes * 60)


def _answered(state: BotState, message: Message, replied: Message) -> AskedQuestion | None:
    """The question the bot's message ``replied`` answered, in this chat."""
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
