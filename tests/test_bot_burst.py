"""A burst over the flood limit (Telegram's 30 messages a second): queued answers are announced with "typing…"."""

from __future__ import annotations

from bot.testing.fake_api import FakeTelegram
from bot.testing.harness import BotRunner, make_settings

from .conftest import SEEDS


def test_answers_queued_by_the_rate_limiter_get_a_typing_indicator_first(tmp_path):
    with FakeTelegram() as tg:
        # typing for slow searches off: every indicator below comes from a reply waiting in the queue;
        # 5 messages a second, so that 30 answers queue however fast or slow this machine searches
        settings = make_settings(tmp_path, tg, SEEDS, typing_after_ms=10_000, messages_per_second=5)
        with BotRunner(settings, tg):
            users = range(2000, 2030)
            asked = {user: tg.send_text("Bao nhiêu đồng chí được nhận kỷ niệm chương?", user_id=user) for user in users}
            replies = {user: tg.replies_to(message, timeout=60)[0] for user, message in asked.items()}
            typing = [c for c in tg.calls_to("sendChatAction") if c.params.get("action") == "typing"]
    assert all("34 đồng chí" in r.params["text"] for r in replies.values())  # every cadre got the answer
    assert len(typing) >= 15  # 30 replies at 5 a second: most of them waited over a second
    users_typed = {int(action.params["chat_id"]) for action in typing}
    # only answers that were held back get one (none for the first ones out of the queue) ...
    first_out = sorted(replies, key=lambda u: replies[u].at)[:5]
    assert not users_typed & set(first_out)
    # ... and it comes before the answer it announces (one released at the same moment may cross it)
    ahead = sum(action.at < replies[int(action.params["chat_id"])].at for action in typing)
    assert ahead >= 0.8 * len(typing)
