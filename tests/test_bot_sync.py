"""The bot syncs feeds on PTB's JobQueue and on /capnhat: a feed server and the fake Bot API, both on 127.0.0.1."""

from __future__ import annotations

import json
import time

import pytest

from bot import messages as msg
from bot.testing.fake_api import FakeTelegram
from bot.testing.harness import BotRunner, make_settings

from .conftest import SEEDS
from .feedserver import FeedServer, Route
from .papersite import PaperSite, stories
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


def _sync_settings(tmp_path, tg, feeds: list[str], **overrides):
    """An admin's bot over the seeds that syncs ``feeds`` at once when asked (no schedule, no delay)."""
    options = {"sync_minutes": 0, "sync_delay_seconds": 0, "sync_timeout_seconds": 2, **overrides}
    return make_settings(tmp_path, tg, SEEDS, admin_user_ids={ADMIN}, feeds=feeds, **options)


def test_the_schedule_brings_new_articles_without_a_restart(web, tmp_path):
    with FakeTelegram() as tg:
        settings = _sync_settings(tmp_path, tg, [web.url(RSS)], sync_minutes=0.03)
        with BotRunner(settings, tg):
            period = settings.sync_minutes * 60
            reply = _ask_until(tg, "Huyện Cao Lộc có bao nhiêu xã đạt chuẩn nông thôn mới?", "19 xã đạt chuẩn", timeout=3 * period + 10)
            assert "19 xã đạt chuẩn" in reply
            # a new entry in the feed: answerable within one sync period (plus the time to merge it), no restart
            web.routes[RSS] = _rss(web, list(ARTICLES))
            reply = _ask_until(tg, "Giá lúa tẻ bao nhiêu một ki-lô-gam?", "Giá lúa vụ mùa tăng nhẹ", timeout=2 * period + 10)
            assert "Giá lúa vụ mùa tăng nhẹ" in reply and "<u>7.800 đến 8.200 đồng</u>" in reply
            # the seed is still answered: the feeds were merged, nothing was replaced
            assert (
                "34 đồng chí"
                in tg.replies_to(tg.send_text("Bao nhiêu đồng chí được nhận kỷ niệm chương?", user_id=CADRE))[0].params["text"]
            )


def test_capnhat_syncs_now_and_thongke_shows_it(web, tmp_path):
    with FakeTelegram() as tg:
        settings = _sync_settings(tmp_path, tg, [web.url(RSS), web.url(ATOM)])
        with BotRunner(settings, tg):
            refused = tg.replies_to(tg.send_text("/capnhat", user_id=CADRE))
            assert [c.params["text"] for c in refused] == [msg.ADMIN_ONLY]
            before = tg.replies_to(tg.send_text("/thongke", user_id=ADMIN))[0].params["text"]
            assert msg.STATS_SYNC_NEVER in before
            sent = tg.send_text("/capnhat", user_id=ADMIN)
            replies = tg.wait_for(lambda _: len(tg.replies_to(sent)) >= 2 and tg.replies_to(sent), timeout=60)
            assert replies[0].params["text"] == msg.SYNC_RUNNING.format(n=2)
            done = replies[1].params["text"]
            assert done.startswith("Đã cập nhật tin từ 2 nguồn: thêm <b>4</b> bài mới.\n")
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


def test_every_feed_fault_through_capnhat_and_the_bot_keeps_answering(web, tmp_path):
    """Each scenario of a sync, forced with /capnhat, then a cadre's question through the fake Bot API."""
    from .feedserver import article_page, rss_feed
    from .test_sync import ARTICLES, _page

    extra = "/rss/tong-hop.rss"
    web.routes[extra] = Route(rss_feed("Tổng hợp", []), content_type="application/rss+xml")
    with FakeTelegram() as tg:
        settings = _sync_settings(tmp_path, tg, [web.url(RSS), web.url(extra)], sync_timeout_seconds=1, sync_max_page_mb=0.2)

        def capnhat() -> str:
            sent = tg.send_text("/capnhat", user_id=ADMIN)
            return tg.wait_for(lambda _: len(tg.replies_to(sent)) >= 2 and tg.replies_to(sent), timeout=60)[1].params["text"]

        def ask(question: str) -> str:
            return tg.replies_to(tg.send_text(question, user_id=CADRE))[0].params["text"]

        with BotRunner(settings, tg):
            # a first sync
            assert "thêm <b>3</b> bài mới" in capnhat()
            assert "42 ý kiến" in ask("Thanh niên nêu bao nhiêu ý kiến tại buổi đối thoại?")
            # a second sync fetches nothing (304s)
            assert capnhat().startswith("Đã kiểm tra 2 nguồn: chưa có bài mới.")
            assert web.not_modified[RSS] >= 1
            # a changed page
            path = "/bai/hoi-nghi-dan-van-102.html"
            title, lead, _, day = ARTICLES[path]
            web.routes[path] = Route(
                article_page(
                    title, lead, ["Năm 2026, khối cơ quan có 23 mô hình dân vận khéo được công nhận ở cấp tỉnh."], day, web.url(path)
                )
            )
            web.routes[RSS] = _rss(web, list(ARTICLES)[:3], {path: "Sat, 21 Nov 2026 18:00:00 +0700"})
            assert capnhat().startswith("Đã cập nhật tin từ 2 nguồn: 1 bài được sửa.\n• Hội nghị công tác dân vận khối cơ quan")
            reply = ask("Khối cơ quan có bao nhiêu mô hình dân vận khéo?")
            assert "23 mô hình" in reply and "18 mô hình" not in reply
            # a new entry, a redirect, a page too large, a slow server and an entry without a link, in one feed
            web.routes["/bai/moi.html"] = Route(status=302, location=web.url("/bai/gia-lua-104.html"))
            web.routes["/bai/lon.html"] = Route(b"<html><body>" + b"<p>x</p>" * 40_000 + b"</body></html>")
            web.routes["/bai/cham.html"] = Route(_page(web, "/bai/gia-lua-104.html").body, delay=2)
            items = [
                ("Giá lúa", web.url("/bai/moi.html"), "Mon, 23 Nov 2026 08:00:00 +0700", "a"),
                ("Lớn", web.url("/bai/lon.html"), "Mon, 23 Nov 2026 08:00:00 +0700", "b"),
                ("Chậm", web.url("/bai/cham.html"), "Mon, 23 Nov 2026 08:00:00 +0700", "c"),
            ]
            feed = rss_feed("Tổng hợp", items).replace(b"</channel>", b"<item><title>x</title></item></channel>")
            web.routes[extra] = Route(feed, content_type="application/rss+xml")
            done = capnhat()
            assert "thêm <b>1</b> bài mới" in done
            assert (
                "trang quá lớn nên không tải" in done and "máy chủ không trả lời kịp" in done and "một mục tin không có đường dẫn" in done
            )
            assert "<u>7.800 đến 8.200 đồng</u>" in ask("Giá lúa tẻ bao nhiêu một ki-lô-gam?")
            # a feed answering 500 and one answering HTML: reported, and everything kept is still answered
            web.routes[RSS] = Route(b"oops", status=500, content_type="text/plain")
            web.routes[extra] = Route(b"<!DOCTYPE html><html><body>trang chu</body></html>")
            failed = capnhat()
            assert "máy chủ của nguồn tin đang báo lỗi" in failed and "không phải nguồn RSS" in failed
            assert "42 ý kiến" in ask("Thanh niên nêu bao nhiêu ý kiến tại buổi đối thoại?")
            assert "34 đồng chí" in ask("Bao nhiêu đồng chí được nhận kỷ niệm chương?")


def test_sites_are_crawled_by_capnhat_and_kept_current(tmp_path):
    items = stories(12)
    with FeedServer() as web, FakeTelegram() as tg:
        site = PaperSite(web, items, faults=False)
        settings = _sync_settings(tmp_path, tg, [], sites=[web.url("/")])
        with BotRunner(settings, tg):
            sent = tg.send_text("/capnhat", user_id=ADMIN)
            replies = tg.wait_for(lambda _: len(tg.replies_to(sent)) >= 2 and tg.replies_to(sent), timeout=60)
            assert replies[0].params["text"] == msg.SYNC_RUNNING.format(n=1)
            assert "thêm <b>12</b> bài mới" in replies[1].params["text"]
            answer = tg.replies_to(tg.send_text("Văn Lãng hoàn thành bao nhiêu công trình giao thông nông thôn?", user_id=CADRE))
            assert "<u>57 công trình</u>" in answer[0].params["text"]
            heartbeat = json.loads((settings.bantin_data_dir / "heartbeat.json").read_text(encoding="utf-8"))
            assert ", 1 site(s), 12 new, 0 updated, 0 failed" in heartbeat["last_crawl"]
            # the paper publishes three more: the next update takes those three and fetches no old article again
            before = {p: n for p, n in web.hits.items() if p.startswith("/bai/")}
            site.publish(stories(3, start="2026-12-05", first_id=6000))
            sent = tg.send_text("/capnhat", user_id=ADMIN)
            replies = tg.wait_for(lambda _: len(tg.replies_to(sent)) >= 2 and tg.replies_to(sent), timeout=60)
            assert "thêm <b>3</b> bài mới" in replies[1].params["text"]
            assert {p: web.hits[p] for p in before} == before
