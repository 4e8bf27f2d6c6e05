"""The bot syncs feeds on PTB's JobQueue and on /capnhat: a feed server and the fake Bot API, both on 127.0.0.1."""

from __future__ import annotations

import time

import pytest

from bot import messages as msg
from bot.testing.fake_api import FakeTelegram
from bot.testing.harness import BotRunner, make_settings

from .conftest import SEEDS
from .feedserver import FeedServer, Route
from .test_sync import ARTICLES, ATOM, RSS, _rss, _site

ADMIN = 42
CADRE = 1001


def _ask_until(tg: FakeTelegram, question: str, expect: str, timeout: float) -> str:
    """Ask again until the answer holds ``expect`` (a sync may still be running), or give up after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        reply = tg.replies_to(tg.send_text(question, user_id=CADRE))[0].params["text"]
        if expect in reply or time.monotonic() > deadline:
            return reply
        time.sleep(0.3)


@pytest.fixture
def web():
    with FeedServer() as server:
        _site(server)
        yield server


def test_the_schedule_brings_new_articles_without_a_restart(web, tmp_path):
    with FakeTelegram() as tg:
        settings = make_settings(
            tmp_path,
            tg,
            SEEDS,
            admin_user_ids={ADMIN},
            feeds=[web.url(RSS)],
            sync_minutes=0.03,
            sync_delay_seconds=0,
            sync_timeout_seconds=2,
        )
        with BotRunner(settings, tg):
            period = settings.sync_minutes * 60
            reply = _ask_until(tg, "Huyện Cao Lộc có bao nhiêu xã đạt chuẩn nông thôn mới?", "19 xã đạt chuẩn", timeout=3 * period + 10)
            assert "19 xã đạt chuẩn" in reply
            # a new entry in the feed: answerable within one sync period (plus the time to merge it), no restart
            web.routes[RSS] = _rss(web, list(ARTICLES))
            reply = _ask_until(tg, "Giá lúa tẻ bao nhiêu một ki-lô-gam?", "Giá lúa vụ mùa tăng nhẹ", timeout=2 * period + 10)
            assert "Giá lúa vụ mùa tăng nhẹ" in reply and "7.800 đến <u>8.200 đồng</u>" in reply
            # the seed is still answered: the feeds were merged, nothing was replaced
            assert (
                "34 đồng chí"
                in tg.replies_to(tg.send_text("Bao nhiêu đồng chí được nhận kỷ niệm chương?", user_id=CADRE))[0].params["text"]
            )


def test_capnhat_syncs_now_and_thongke_shows_it(web, tmp_path):
    with FakeTelegram() as tg:
        settings = make_settings(
            tmp_path,
            tg,
            SEEDS,
            admin_user_ids={ADMIN},
            feeds=[web.url(RSS), web.url(ATOM)],
            sync_minutes=0,
            sync_delay_seconds=0,
            sync_timeout_seconds=2,
        )
        with BotRunner(settings, tg):
            refused = tg.replies_to(tg.send_text("/capnhat", user_id=CADRE))
            assert [c.params["text"] for c in refused] == [msg.ADMIN_ONLY]
            before = tg.replies_to(tg.send_text("/thongke", user_id=ADMIN))[0].params["text"]
            assert msg.STATS_SYNC_NEVER in before
            sent = tg.send_text("/capnhat", user_id=ADMIN)
            replies = tg.wait_for(lambda _: len(tg.replies_to(sent)) >= 2 and tg.replies_to(sent), timeout=60)
            assert replies[0].params["text"] == msg.SYNC_RUNNING.format(n=2)
            done = replies[1].params["text"]
            assert done.startswith("Đã cập nhật tin từ 2 nguồn: thêm <b>4</b> bài mới, 0 bài được sửa.")
            assert "Chủ tịch UBND tỉnh đối thoại với thanh niên" in done
            answer = tg.replies_to(tg.send_text("Thanh niên nêu bao nhiêu ý kiến tại buổi đối thoại?", user_id=CADRE))[0].params["text"]
            assert "42 ý kiến" in answer
            stats = tg.replies_to(tg.send_text("/thongke", user_id=ADMIN))[0].params["text"]
            assert "Cập nhật tin gần nhất:" in stats and "2 nguồn, thêm 4 bài, sửa 0 bài, 0 lỗi" in stats

            # the feeds fail: the bot says so in Vietnamese and keeps answering from what it has
            web.routes[RSS] = Route(b"oops", status=500, content_type="text/plain")
            web.routes[ATOM] = Route(b"<html><body>maintenance</body></html>")
            sent = tg.send_text("/capnhat", user_id=ADMIN)
            failed = tg.wait_for(lambda _: len(tg.replies_to(sent)) >= 2 and tg.replies_to(sent), timeout=60)[1].params["text"]
            assert failed.startswith("Đã kiểm tra 2 nguồn: chưa có bài mới.")
            assert "máy chủ của nguồn tin đang báo lỗi" in failed and "không phải nguồn RSS" in failed
            answer = tg.replies_to(tg.send_text("Thanh niên nêu bao nhiêu ý kiến tại buổi đối thoại?", user_id=CADRE))[0].params["text"]
            assert "42 ý kiến" in answer


def test_capnhat_without_feeds_says_how_to_add_them(tmp_path):
    with FakeTelegram() as tg:
        settings = make_settings(tmp_path, tg, SEEDS, admin_user_ids={ADMIN})
        with BotRunner(settings, tg):
            replies = tg.replies_to(tg.send_text("/capnhat", user_id=ADMIN))
            assert [c.params["text"] for c in replies] == [msg.SYNC_NO_FEEDS]
