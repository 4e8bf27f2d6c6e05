"""End to end: the real Application polls a fake Bot API server on 127.0.0.1 over real HTTP."""

from __future__ import annotations

import json
import sqlite3
import time

import pytest

from bot import messages as msg
from bot.testing.fake_api import BOT_USERNAME, BadRequest, FakeTelegram, check_html
from bot.testing.harness import BotRunner, free_port, make_settings, wait_for_port

from .conftest import SEEDS

ADMIN = 42
GROUP = -100500
OUTSIDER = 6666
KNP = "<b>Nhân dịp này, <u>34 đồng chí</u> đã được nhận kỷ niệm chương"  # the sentence in bold, the answer underlined


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("bot")
    with FakeTelegram() as tg:
        settings = make_settings(
            tmp, tg, SEEDS, admin_user_ids={ADMIN}, allowed_user_ids=set(range(1000, 1100)) | {ADMIN}, allowed_chat_ids={GROUP}
        )
        with BotRunner(settings, tg) as runner:
            yield tg, runner, settings


def _text(call) -> str:
    return call.params["text"]


def _markup(call) -> dict:
    return json.loads(call.params["reply_markup"])


def _buttons(call) -> dict[str, str]:
    return {b["text"]: b["callback_data"] for row in _markup(call)["inline_keyboard"] for b in row}


def test_commands_are_registered_in_vietnamese(env):
    tg, _, _ = env
    commands = json.loads(tg.calls_to("setMyCommands")[0].params["commands"])
    assert {c["command"] for c in commands} == {"start", "hoi", "moi", "chudemoi", "help"}
    assert any("câu hỏi" in c["description"] for c in commands)


@pytest.mark.parametrize(
    "question,user",
    [
        ("Bao nhiêu đồng chí được nhận kỷ niệm chương?", 1001),
        ("bao nhieu dong chi duoc nhan ky niem chuong", 1002),
    ],
)
def test_private_question_gets_the_quote_with_the_answer_in_bold(env, question, user):
    tg, _, _ = env
    asked = tg.send_text(question, user_id=user)
    reply = tg.replies_to(asked)[0]
    text = _text(reply)
    assert reply.params["parse_mode"] == "HTML"
    assert "<blockquote" in text and KNP in text
    assert "<b>1. Tổng kết công tác dân vận năm 2018</b>" in text and "Bản tin ngày 25/12/2018 (đăng ngày 06/03/2021)" in text
    assert any(c.params.get("action") == "typing" and int(c.params["chat_id"]) == user for c in tg.calls_to("sendChatAction"))
    buttons = _buttons(reply)
    assert {"👍 Hữu ích", "👎 Chưa đúng", "📄 Toàn văn"} <= set(buttons)
    assert all(len(d.encode()) <= 64 for d in buttons.values())


@pytest.mark.parametrize("question", ["Nhân rộng các mô hình hay, cách làm tốt để làm gì?", "nhan rong mo hinh hay nham muc dich gi"])
def test_a_purpose_question_gets_its_clause_underlined(env, question):
    tg, _, _ = env
    text = _text(tg.replies_to(tg.send_text(question, user_id=1011))[0])
    assert "<u>để tạo sức lan tỏa trong cộng đồng</u>.</b>" in text  # the answering clause, in the bold sentence


@pytest.mark.parametrize(
    "question,heading",
    [
        ("Năm 2018 có bao nhiêu đồng chí được nhận kỷ niệm chương?", "<i>Các bài trong năm 2018:</i>"),
        ("thang 12/2018 bao nhieu dong chi duoc nhan ky niem chuong", "<i>Các bài trong tháng 12/2018:</i>"),
    ],
)
def test_a_question_with_a_period_says_which_dates_it_understood(env, question, heading):
    tg, _, _ = env
    text = _text(tg.replies_to(tg.send_text(question, user_id=1010))[0])
    assert text.startswith(heading + "\n\n<b>1. Tổng kết công tác dân vận năm 2018</b>")
    assert KNP in text


def test_group_needs_hoi_or_a_reply_to_the_bot(env):
    tg, _, _ = env
    plain = tg.send_text("Bao nhiêu đồng chí được nhận kỷ niệm chương?", user_id=1003, chat_id=GROUP, chat_type="supergroup")
    asked = tg.send_text(
        f"/hoi@{BOT_USERNAME} Bao nhiêu đồng chí được nhận kỷ niệm chương?", user_id=1003, chat_id=GROUP, chat_type="supergroup"
    )
    reply = tg.replies_to(asked)[0]
    assert KNP in _text(reply)
    follow = tg.send_text(
        "Ai phát biểu tại hội nghị?", user_id=1003, chat_id=GROUP, chat_type="supergroup", reply_to=tg.sent_message(reply)
    )
    assert "<u>Đồng chí Hoàng Văn Nghiệm</u>" in _text(tg.replies_to(follow)[0])
    time.sleep(0.5)
    assert not [
        c
        for c in tg.calls_to("sendMessage")
        if c.params.get("_result", {}).get("reply_to_message", {}).get("message_id") == plain["message_id"]
    ]


def test_hoi_without_a_question_gets_a_hint(env):
    tg, _, _ = env
    asked = tg.send_text("/hoi", user_id=1004)
    assert "Bạn vui lòng gõ câu hỏi sau lệnh" in _text(tg.replies_to(asked)[0])


def test_more_pages_edit_the_message(env):
    tg, _, _ = env
    asked = tg.send_text("công tác dân vận", user_id=1005)
    reply = tg.replies_to(asked)[0]
    first = _text(reply)
    assert "Trang 1/" in first
    data = _buttons(reply)["Xem thêm ▶"]
    tg.press(tg.sent_message(reply), data, user_id=1005)
    edit = tg.wait_for(lambda calls: [c for c in calls if c.method == "editMessageText" and "_result" in c.params])[0]
    assert "Trang 2/" in _text(edit) and "<b>4. " in _text(edit)
    assert _text(edit) != first
    assert "◀ Trước" in _buttons(edit)
    assert tg.calls_to("answerCallbackQuery")


def test_full_text_and_feedback(env):
    tg, _, settings = env
    asked = tg.send_text("Bao nhiêu đồng chí được nhận kỷ niệm chương?", user_id=1006)
    reply = tg.replies_to(asked)[0]
    buttons = _buttons(reply)
    sent = tg.sent_message(reply)
    tg.press(sent, buttons["📄 Toàn văn"], user_id=1006)
    article = tg.wait_for(lambda calls: [c for c in calls if c.method == "sendMessage" and "PHƯƠNG DUNG" in c.params.get("text", "")])
    assert "<b>Tổng kết công tác dân vận năm 2018</b>" in _text(article[0])
    assert "Đồng chí Hoàng Văn Nghiệm, Phó Bí thư Thường trực Tỉnh ủy phát biểu tại hội nghị" in _text(article[0])
    tg.press(sent, buttons["👍 Hữu ích"], user_id=1006)
    tg.wait_for(lambda calls: [c for c in calls if c.method == "answerCallbackQuery" and c.params.get("text") == msg.THANKS_UP])

    def stored():
        con = sqlite3.connect(settings.feedback_db)
        try:
            return con.execute(
                "SELECT f.vote, f.passage_ids, f.chat_id, q.question, f.ts FROM feedback f JOIN questions q"
                " ON q.id = f.question_id WHERE f.user_id = 1006"
            ).fetchall()
        finally:
            con.close()

    deadline = time.time() + 10
    while not stored() and time.time() < deadline:
        time.sleep(0.05)
    vote, passages, chat_id, question, ts = stored()[0]
    assert vote == 1 and chat_id == 1006 and question == "Bao nhiêu đồng chí được nhận kỷ niệm chương?"
    assert json.loads(passages) and ts > 0


def test_outsider_is_refused_and_nothing_is_searched(env):
    tg, _, settings = env
    asked = tg.send_text("Bao nhiêu đồng chí được nhận kỷ niệm chương?", user_id=OUTSIDER)
    assert _text(tg.replies_to(asked)[0]) == msg.NOT_ALLOWED
    con = sqlite3.connect(settings.feedback_db)
    assert con.execute("SELECT count(*) FROM questions WHERE user_id = ?", (OUTSIDER,)).fetchone()[0] == 0
    con.close()


def test_reload_is_for_admins_and_picks_up_a_new_bulletin(env):
    tg, _, settings = env
    asked = tg.send_text("/reload", user_id=1007)
    assert _text(tg.replies_to(asked)[0]) == msg.ADMIN_ONLY
    (settings.bantin_sources / "cau-ky-cung.txt").write_text(
        "Thứ hai, 02/12/2024\n\nKhánh thành cầu Kỳ Cùng mới\n\n"
        "LSO-Sáng nay (2/12), UBND thành phố Lạng Sơn tổ chức lễ khánh thành cầu Kỳ Cùng mới với tổng vốn đầu tư 215 tỷ đồng.\n\n"
        "Cây cầu dài 320 mét, rộng 24 mét, được xây dựng trong 18 tháng.\n\nMINH ANH\n",
        encoding="utf-8",
    )
    asked = tg.send_text("/reload", user_id=ADMIN)
    done = tg.wait_for(
        lambda calls: [c for c in calls if c.method == "sendMessage" and "Đã cập nhật xong" in c.params.get("text", "")], timeout=60
    )
    assert "thêm <b>1</b> bản tin mới" in _text(done[0])
    asked = tg.send_text("Cầu Kỳ Cùng mới dài bao nhiêu mét?", user_id=1008)
    text = _text(tg.replies_to(asked)[0])
    assert "<u>320 mét</u>" in text and "Khánh thành cầu Kỳ Cùng mới" in text


def test_admin_stats_and_latest(env):
    tg, _, _ = env
    asked = tg.send_text("/thongke", user_id=ADMIN)
    text = _text(tg.replies_to(asked)[0])
    assert "Thống kê" in text and "câu hỏi" in text and "👍" in text
    asked = tg.send_text("/moi", user_id=1009)
    assert "Tổng kết công tác dân vận năm 2018" in _text(tg.replies_to(asked)[0])


def test_start_and_help(env):
    tg, _, _ = env
    asked = tg.send_text("/start", user_id=1010)
    text = _text(tg.replies_to(asked)[0])
    assert "Xin chào Cán bộ" in text and text.count("• ") == 3
    asked = tg.send_text("/help", user_id=1010)
    shown = _text(tg.replies_to(asked)[0])
    assert "/hoi" in shown and "gạch chân" in shown and "<i>Vì sao…?</i>" in shown  # how to read the marks


def test_bad_input_gets_polite_replies_and_the_bot_keeps_answering(env):
    tg, _, _ = env
    asked = tg.send_text("x" * 5000, user_id=1011)
    assert "Câu hỏi hơi dài (5000 ký tự)" in _text(tg.replies_to(asked)[0])
    asked = tg.send_text("<b>x</b> & y", user_id=1011)
    reply = _text(tg.replies_to(asked)[0])
    check_html(reply)  # valid for Telegram
    sticker = tg.send_sticker(user_id=1011)
    assert _text(tg.replies_to(sticker)[0]) == msg.MEDIA_HINT
    asked = tg.send_text("Ai phát biểu tại hội nghị?", user_id=1011)
    assert "<u>Đồng chí Hoàng Văn Nghiệm</u>" in _text(tg.replies_to(asked)[0])
    assert not [e for e in tg.errors if e[0] != "getUpdates"]


def test_flood_limit_429_is_retried_and_the_reply_arrives(env):
    tg, _, _ = env
    tg.fail_next("sendMessage", BadRequest("Too Many Requests: retry after 1", code=429, parameters={"retry_after": 1}))
    asked = tg.send_text("Bao nhiêu đồng chí được nhận kỷ niệm chương?", user_id=1012)
    replies = tg.replies_to(asked, timeout=20)
    assert KNP in _text(replies[-1])
    assert any(e[1]["error_code"] == 429 for e in tg.errors)


def test_an_error_gets_an_apology_without_details(env):
    tg, _, _ = env
    tg.fail_next("sendMessage", BadRequest("Bad Request: chat not found"))
    asked = tg.send_text("Bao nhiêu đồng chí được nhận kỷ niệm chương?", user_id=1013)
    apology = tg.wait_for(
        lambda calls: [
            c for c in calls if c.method == "sendMessage" and c.params.get("text") == msg.ERROR and int(c.params["chat_id"]) == 1013
        ]
    )
    assert apology
    for call in tg.calls_to("sendMessage"):
        assert "Traceback" not in call.params.get("text", "") and tg.token not in call.params.get("text", "")
    asked = tg.send_text("Ai phát biểu tại hội nghị?", user_id=1013)
    assert "Hoàng Văn Nghiệm" in _text(tg.replies_to(asked)[0])


def test_per_user_rate_limit(tmp_path):
    with FakeTelegram() as tg:
        settings = make_settings(tmp_path, tg, SEEDS, rate_limit_per_minute=3)
        with BotRunner(settings, tg):
            asked = [tg.send_text(f"Ai phát biểu tại hội nghị lần {i}?", user_id=2001) for i in range(5)]
            texts = [_text(tg.replies_to(a)[0]) for a in asked]
            assert sum("Bạn đang hỏi hơi nhanh" in t for t in texts) == 2
            other = tg.send_text("Ai phát biểu tại hội nghị?", user_id=2002)
            assert "Hoàng Văn Nghiệm" in _text(tg.replies_to(other)[0])


def test_inline_mode_offers_quotes_with_sources(env):
    tg, _, _ = env
    tg.inline("ky niem chuong", user_id=1014)
    call = tg.wait_for(lambda calls: [c for c in calls if c.method == "answerInlineQuery"])[0]
    results = json.loads(call.params["results"])
    assert 1 <= len(results) <= 10
    first = results[0]
    assert first["title"].startswith("Tổng kết công tác dân vận năm 2018")
    assert "34 đồng chí" in first["description"]
    content = first["input_message_content"]
    assert content["parse_mode"] == "HTML" and "<blockquote" in content["message_text"]
    assert "34 đồng chí" in content["message_text"] and "06/03/2021" in content["message_text"]


def test_webhook_mode_checks_the_secret_token(tmp_path):
    import urllib.error
    import urllib.request

    from bot.testing.fake_api import TOKEN

    port = free_port()
    with FakeTelegram() as tg:
        settings = make_settings(
            tmp_path,
            tg,
            SEEDS,
            webhook_url="https://bot.example.org/hook",
            webhook_secret="s3cret-value",
            webhook_listen="127.0.0.1",
            webhook_port=port,
        )
        with BotRunner(settings, tg):
            hook = tg.wait_for(lambda calls: [c for c in calls if c.method == "setWebhook"])[0]
            assert hook.params["secret_token"] == "s3cret-value"
            assert hook.params["url"] == f"https://bot.example.org/hook/{TOKEN.split(':')[0]}"
            update = {
                "update_id": 1,
                "message": {
                    "message_id": 77,
                    "date": int(time.time()),
                    "chat": tg.chat(3001),
                    "from": tg.user(3001),
                    "text": "Ai phát biểu tại hội nghị?",
                },
            }
            tg.messages[(3001, 77)] = update["message"]
            url = f"http://127.0.0.1:{port}/{TOKEN.split(':')[0]}"

            wait_for_port(port, timeout=15)  # the webhook server starts a moment after setWebhook

            def post(headers):
                req = urllib.request.Request(
                    url, data=json.dumps(update).encode(), method="POST", headers={"Content-Type": "application/json", **headers}
                )
                try:
                    return urllib.request.urlopen(req, timeout=10).status
                except urllib.error.HTTPError as exc:
                    return exc.code

            assert post({"X-Telegram-Bot-Api-Secret-Token": "wrong"}) == 403
            assert post({}) == 403
            assert post({"X-Telegram-Bot-Api-Secret-Token": "s3cret-value"}) == 200
            reply = tg.replies_to(update["message"])[0]
            assert "<u>Đồng chí Hoàng Văn Nghiệm</u>" in reply.params["text"]
            assert len([c for c in tg.calls_to("sendMessage") if int(c.params["chat_id"]) == 3001]) == 1


def test_forged_or_foreign_buttons_are_expired_and_change_nothing(env):
    """Huge ids, bad shapes, another chat's question, a page that does not exist: one polite alert each."""
    tg, _, settings = env
    asked = tg.send_text("Bao nhiêu đồng chí được nhận kỷ niệm chương?", user_id=1012)
    reply = tg.replies_to(asked)[0]
    sent = tg.sent_message(reply)
    vote = _buttons(reply)["👍 Hữu ích"]
    qid = vote.split(":")[1]
    # the same question's buttons pressed from another private chat (user 1014 copies the data)
    foreign = dict(sent, chat={"id": 1014, "type": "private", "first_name": "B"})
    apologies = len([c for c in tg.calls if c.method == "sendMessage" and c.params.get("text") == msg.ERROR])
    forged = ["v:99999999999999999999:0:1", "v:1:0", "x:1:2", "a:1:0:99", "p:-1:0", "", f"v:{qid}:500:1"]
    presses = [tg.press(sent, data, user_id=1012) for data in forged] + [tg.press(foreign, vote, user_id=1014)]
    answers = tg.wait_for(
        lambda calls: (
            [c for c in calls if c.method == "answerCallbackQuery" and c.params["callback_query_id"] in presses]
            if len([c for c in calls if c.method == "answerCallbackQuery" and c.params["callback_query_id"] in presses]) == len(presses)
            else None
        )
    )
    by_id = {c.params["callback_query_id"]: c.params.get("text") for c in answers}
    for press, data in zip(presses, [*forged, "foreign"], strict=True):
        expected = msg.THANKS_UP if data.endswith(":500:1") else msg.EXPIRED  # a well-formed vote is thanked …
        assert by_id[press] == expected, data
    time.sleep(0.3)
    con = sqlite3.connect(settings.feedback_db)
    try:
        assert con.execute("SELECT COUNT(*) FROM feedback WHERE user_id IN (1012, 1014)").fetchone()[0] == 0  # … but not stored
    finally:
        con.close()
    assert len([c for c in tg.calls if c.method == "sendMessage" and c.params.get("text") == msg.ERROR]) == apologies


def test_polling_that_gives_up_stops_the_bot_with_status_1(tmp_path):
    """A 401 on getUpdates mid-run (a revoked token): PTB stops polling for good; the bot must not stay up deaf."""
    with FakeTelegram() as tg:
        runner = BotRunner(make_settings(tmp_path, tg, SEEDS), tg)
        with runner:
            asked = tg.send_text("Bao nhiêu đồng chí được nhận kỷ niệm chương?", user_id=1001)
            assert tg.replies_to(asked)  # it answers first
            tg.fail_next("getUpdates", BadRequest("Unauthorized", code=401))
            runner._thread.join(30)
            assert not runner._thread.is_alive(), "the bot kept running after polling gave up"
        assert runner.error is None and runner.status == 1, runner.error


def test_a_dropped_connection_is_retried_and_the_answer_arrives(env):
    tg, _, _ = env
    tg.fail_next("sendMessage", BadRequest("Bad Gateway", code=502))  # PTB reads a 502 as a network error
    asked = tg.send_text("Bao nhiêu đồng chí được nhận kỷ niệm chương?", user_id=1015)
    replies = tg.replies_to(asked)
    assert replies and KNP in _text(replies[-1])
    assert not [
        c for c in tg.calls if c.method == "sendMessage" and c.params.get("text") == msg.ERROR and c.params.get("chat_id") == "1015"
    ]


FEEDBACK_SHOWN = "SELECT q.question, f.passage_ids, f.generation FROM feedback f JOIN questions q ON q.id = f.question_id"
BRIDGE = (
    "Thứ hai, 02/12/2024\n\nKhánh thành cầu Kỳ Cùng mới\n\n"
    "LSO-Sáng nay (2/12), UBND thành phố Lạng Sơn tổ chức lễ khánh thành cầu Kỳ Cùng mới với tổng vốn đầu tư 215 tỷ đồng.\n\n"
    "Cây cầu dài 320 mét, rộng 24 mét, được xây dựng trong 18 tháng.\n\nMINH ANH\n"
)


def test_buttons_act_on_the_quotes_shown_even_after_the_index_changed(tmp_path):
    """Answer, rebuild with changed bulletins (one removed, so passage ids shift), then press 👍 and Toàn văn."""
    from retrieval import Engine

    with FakeTelegram() as tg:
        settings = make_settings(tmp_path, tg, SEEDS, admin_user_ids={ADMIN})
        (settings.bantin_sources / "a-cau-ky-cung.txt").write_text(BRIDGE, encoding="utf-8")  # sorts before the seed
        with BotRunner(settings, tg):
            per_page = settings.results_per_page
            questions = {"knp": "Bao nhiêu đồng chí được nhận kỷ niệm chương?", "bridge": "Cầu Kỳ Cùng mới dài bao nhiêu mét?"}
            before = Engine.open(settings.bantin_index_dir)
            shown = {key: before.search(q, per_page) for key, q in questions.items()}
            before.close()
            replies = {key: tg.replies_to(tg.send_text(q, user_id=1001))[0] for key, q in questions.items()}
            assert "<u>320 mét</u>" in _text(replies["bridge"]) and KNP in _text(replies["knp"])
            (settings.bantin_sources / "a-cau-ky-cung.txt").unlink()
            tg.send_text("/reload", user_id=ADMIN)
            tg.wait_for(
                lambda calls: [c for c in calls if c.method == "sendMessage" and "Đã cập nhật xong" in c.params.get("text", "")], 60
            )
            after = Engine.open(settings.bantin_index_dir)
            moved = after.search(questions["knp"], per_page)
            assert after.gen.name != shown["knp"].generation
            assert [h.passage_id for h in moved.hits] != [h.passage_id for h in shown["knp"].hits]  # the ids did shift
            after.close()
            for key in ("knp", "bridge"):
                tg.press(tg.sent_message(replies[key]), _buttons(replies[key])["👍 Hữu ích"], user_id=1001)
            con = sqlite3.connect(settings.feedback_db)
            try:
                rows = tg.wait_for(lambda calls: len(r := con.execute(FEEDBACK_SHOWN).fetchall()) == 2 and r)
            finally:
                con.close()
            for question, passage_ids, generation in rows:
                key = next(k for k, q in questions.items() if q == question)
                assert json.loads(passage_ids) == [h.passage_id for h in shown[key].hits]  # what was shown, not searched again
                assert generation == shown[key].generation
            full = next(data for text, data in _buttons(replies["bridge"]).items() if text.startswith("📄"))  # the first quote's
            assert shown["bridge"].hits[0].doc_id == "a-cau-ky-cung"
            tg.press(tg.sent_message(replies["bridge"]), full, user_id=1001)
            tg.wait_for(lambda calls: [c for c in calls if c.method == "sendMessage" and c.params.get("text") == msg.ARTICLE_GONE])
            full = next(data for text, data in _buttons(replies["knp"]).items() if text.startswith("📄"))
            tg.press(tg.sent_message(replies["knp"]), full, user_id=1001)
            article = tg.wait_for(
                lambda calls: [c for c in calls if c.method == "sendMessage" and "PHƯƠNG DUNG" in c.params.get("text", "")]
            )
            assert "<b>Tổng kết công tác dân vận năm 2018</b>" in _text(article[0])


def test_a_question_asked_while_the_first_index_builds_is_answered_when_it_is_ready(tmp_path):
    with FakeTelegram() as tg:
        settings = make_settings(tmp_path, tg, SEEDS)
        with BotRunner(settings, tg, ready=False) as runner:
            assert runner.app.bot_data.serving is None  # the seed is being indexed in the background
            asked = tg.send_text("Bao nhiêu đồng chí được nhận kỷ niệm chương?", user_id=1001)
            tg.wait_for(lambda calls: any(KNP in _text(c) for c in tg.replies_to(asked)), timeout=60)
            texts = [_text(c) for c in tg.replies_to(asked)]
            assert msg.UPDATING not in texts  # never turned away; a slow build may say once that the answer is coming
            assert set(texts[:-1]) <= {msg.UPDATING_WAIT} and KNP in texts[-1]
