"""Follow-up questions in the bot, end to end: the real Application polls the fake Bot API on 127.0.0.1.

"Các bác sĩ khuyến cáo gì?" asked alone is answered from the toy-injury article; after the dengue
question (tests/fixtures/conversation) it is answered from the dengue article, with the line saying so.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import time

import pytest

from bot import messages as msg
from bot.testing.fake_api import BOT_USERNAME, FakeTelegram
from bot.testing.harness import BotRunner, make_settings

from .test_conversation import ARTICLES, FIRST

FOLLOW = "Các bác sĩ khuyến cáo gì?"
GROUP = -100700
DENGUE = "diệt lăng quăng"  # the dengue article's advice
TOYS = "không cho trẻ chơi các đồ chơi nguy hiểm"  # the toy-injury article's
LINE = "<i>↪ Tiếp theo câu hỏi: «"


@pytest.fixture(scope="module")
def sources(tmp_path_factory):
    folder = tmp_path_factory.mktemp("conversation-sources")
    shutil.copy(ARTICLES, folder / "articles.jsonl")
    return folder


@pytest.fixture(scope="module")
def env(tmp_path_factory, sources):
    tmp = tmp_path_factory.mktemp("bot-conversation")
    with FakeTelegram() as tg:
        settings = make_settings(tmp, tg, sources)
        with BotRunner(settings, tg) as runner:
            yield tg, runner, settings


def _text(call) -> str:
    return call.params["text"]


def _ask(tg: FakeTelegram, text: str, **kw) -> tuple[dict, str]:
    reply = tg.replies_to(tg.send_text(text, **kw))[0]
    return reply, _text(reply)


def _buttons(call) -> dict[str, str]:
    return {b["text"]: b["callback_data"] for row in json.loads(call.params["reply_markup"])["inline_keyboard"] for b in row}


def test_a_private_follow_up_is_read_after_the_question_before_it(env):
    tg, _, _ = env
    _, first = _ask(tg, FIRST, user_id=2001)
    assert "12 người" in first and LINE not in first
    _, text = _ask(tg, FOLLOW, user_id=2001)
    assert text.startswith(f"{LINE}{FIRST}»</i>") and DENGUE in text.split("<b>2. ")[0]
    _, alone = _ask(tg, FOLLOW, user_id=2002)  # another cadre, no conversation yet
    assert LINE not in alone and TOYS in alone.split("<b>2. ")[0]


def test_an_elliptic_follow_up_says_which_words_it_took(env):
    tg, _, _ = env
    _ask(tg, "Ở Đồng Nai có bao nhiêu người tử vong vì sốt xuất huyết năm 2019?", user_id=2003)
    _, text = _ask(tg, "con nam 2018 thi sao", user_id=2003)
    assert text.startswith(LINE) and "(hiểu thêm: " in text and "<u>2 người</u>" in text


def test_after_the_time_out_a_question_stands_alone(env):
    tg, _, settings = env
    _ask(tg, FIRST, user_id=2004)
    con = sqlite3.connect(settings.feedback_db)
    with con:
        con.execute("UPDATE questions SET ts = ts - ? WHERE user_id = 2004", (settings.context_minutes * 60 + 5,))
    con.close()
    _, text = _ask(tg, FOLLOW, user_id=2004)
    assert LINE not in text and TOYS in text.split("<b>2. ")[0]


def test_chudemoi_starts_afresh(env):
    tg, _, _ = env
    _ask(tg, FIRST, user_id=2005)
    _, said = _ask(tg, "/chudemoi", user_id=2005)
    assert said == msg.FRESH_START
    _, text = _ask(tg, FOLLOW, user_id=2005)
    assert LINE not in text and TOYS in text.split("<b>2. ")[0]
    _ask(tg, FIRST, user_id=2005)  # the fresh start does not stop the next conversation
    _, again = _ask(tg, FOLLOW, user_id=2005)
    assert again.startswith(f"{LINE}{FIRST}»</i>")


def test_in_a_group_only_a_reply_to_an_answer_follows_it_and_cadres_do_not_share_context(env):
    tg, _, _ = env
    kw = {"chat_id": GROUP, "chat_type": "supergroup"}
    reply, first = _ask(tg, f"/hoi@{BOT_USERNAME} {FIRST}", user_id=2006, **kw)
    assert "12 người" in first
    _, fresh = _ask(tg, f"/hoi {FOLLOW}", user_id=2006, **kw)  # no reply: a fresh question, even from the same cadre
    assert LINE not in fresh and TOYS in fresh.split("<b>2. ")[0]
    _, other = _ask(tg, f"/hoi {FOLLOW}", user_id=2007, **kw)
    assert LINE not in other
    _, followed = _ask(tg, FOLLOW, user_id=2007, reply_to=tg.sent_message(reply), **kw)  # a reply names the answer
    assert followed.startswith(f"{LINE}{FIRST}»</i>") and DENGUE in followed.split("<b>2. ")[0]


def test_a_reply_to_an_old_answer_follows_it_whatever_its_age(env):
    tg, _, settings = env
    reply, _ = _ask(tg, FIRST, user_id=2008)
    con = sqlite3.connect(settings.feedback_db)
    with con:  # a week old, and its turn pruned: the bot asks the old question again
        con.execute("UPDATE questions SET ts = ts - 7 * 86400, turn = NULL WHERE user_id = 2008")
    con.close()
    _, text = _ask(tg, FOLLOW, user_id=2008, reply_to=tg.sent_message(reply))
    assert text.startswith(f"{LINE}{FIRST}»</i>") and DENGUE in text.split("<b>2. ")[0]


def test_buttons_work_on_a_follow_up_answer(env):
    tg, _, _ = env
    _ask(tg, FIRST, user_id=2009)
    reply, text = _ask(tg, "Các bác sĩ khuyến cáo những gì?", user_id=2009)
    assert text.startswith(LINE)
    buttons = _buttons(reply)
    sent = tg.sent_message(reply)
    tg.press(sent, buttons["📄 Toàn văn bài 1"], user_id=2009)
    article = tg.wait_for(
        lambda calls: [
            c
            for c in calls
            if c.method == "sendMessage"
            and c.params.get("chat_id") == "2009"
            and "Bệnh viện Bệnh Nhiệt đới" in c.params["text"]
            and not c.params["text"].startswith(LINE)
        ]
    )
    assert "<b>TP HCM: sốt xuất huyết tăng mạnh</b>" in _text(article[0])
    if "Xem thêm ▶" in buttons:
        tg.press(sent, buttons["Xem thêm ▶"], user_id=2009)
        edit = tg.wait_for(
            lambda calls: [c for c in calls if c.method == "editMessageText" and "_result" in c.params and "Trang 2/" in c.params["text"]]
        )
        assert _text(edit[0]).startswith(LINE)
    tg.press(sent, buttons["👎 Chưa đúng"], user_id=2009)
    tg.wait_for(lambda calls: [c for c in calls if c.method == "answerCallbackQuery" and c.params.get("text") == msg.THANKS_DOWN])


def test_help_explains_follow_ups_and_the_commands_include_chudemoi(env):
    tg, _, _ = env
    _, text = _ask(tg, "/help", user_id=2010)
    assert "/chudemoi" in text and "Hỏi tiếp" in text and "trong vòng 10 phút" in text
    commands = json.loads(tg.calls_to("setMyCommands")[0].params["commands"])
    assert "chudemoi" in {c["command"] for c in commands}


def test_the_conversation_survives_a_restart(tmp_path, sources):
    with FakeTelegram() as tg:
        settings = make_settings(tmp_path, tg, sources)
        with BotRunner(settings, tg):
            _ask(tg, FIRST, user_id=2011)
        with BotRunner(settings, tg):
            time.sleep(0.2)
            _, text = _ask(tg, FOLLOW, user_id=2011)
            assert text.startswith(f"{LINE}{FIRST}»</i>") and DENGUE in text.split("<b>2. ")[0]


def test_context_minutes_zero_turns_private_follow_ups_off(tmp_path, sources):
    with FakeTelegram() as tg:
        settings = make_settings(tmp_path, tg, sources, context_minutes=0)
        with BotRunner(settings, tg):
            reply, _ = _ask(tg, FIRST, user_id=2012)
            _, text = _ask(tg, FOLLOW, user_id=2012)
            assert LINE not in text
            _, replied = _ask(tg, FOLLOW, user_id=2012, reply_to=tg.sent_message(reply))  # a reply still follows
            assert replied.startswith(LINE)
            _, help_text = _ask(tg, "/help", user_id=2012)
            assert "trong vòng" not in help_text and "/chudemoi" in help_text
