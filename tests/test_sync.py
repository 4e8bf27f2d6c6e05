"""Feeds: a real HTTP server on 127.0.0.1, real httpx, feedparser and trafilatura, a real index."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from retrieval.search.engine import Engine
from retrieval.service import open_index
from retrieval.sync.feeds import canonical_link, parse_feed
from retrieval.sync.run import SyncReport, sync_feeds
from retrieval.sync.settings import SyncSettings
from retrieval.sync.state import STATE_FILE

from .conftest import run_cli
from .feedserver import FeedServer, Route, article_page, atom_feed, rss_feed

ARTICLES = {
    "/bai/doi-thoai-thanh-nien-101.html": (
        "Chủ tịch UBND tỉnh đối thoại với thanh niên",
        "LSO-Sáng nay (20/11), Chủ tịch UBND tỉnh đối thoại với đoàn viên, thanh niên về khởi nghiệp.",
        ["Tại buổi đối thoại, thanh niên đã nêu 42 ý kiến về vốn vay, đào tạo nghề và chuyển đổi số."],
        "2026-11-20",
    ),
    "/bai/hoi-nghi-dan-van-102.html": (
        "Hội nghị công tác dân vận khối cơ quan",
        "LSO-Chiều nay (21/11), Đảng ủy Khối các cơ quan tỉnh tổ chức hội nghị công tác dân vận.",
        ["Năm 2026, khối cơ quan có 18 mô hình dân vận khéo được công nhận ở cấp tỉnh."],
        "2026-11-21",
    ),
    "/bai/nong-thon-moi-103.html": (
        "Huyện Cao Lộc về đích nông thôn mới",
        "LSO-Ngày 22/11, huyện Cao Lộc tổng kết chương trình xây dựng nông thôn mới.",
        ["Toàn huyện có 19 xã đạt chuẩn nông thôn mới, 6 xã đạt chuẩn nông thôn mới nâng cao."],
        "2026-11-22",
    ),
    "/bai/gia-lua-104.html": (
        "Giá lúa vụ mùa tăng nhẹ",
        "LSO-Ngày 23/11, Sở Nông nghiệp cho biết giá lúa vụ mùa tăng nhẹ so với năm trước.",
        ["Giá lúa tẻ thường dao động từ 7.800 đến 8.200 đồng mỗi ki-lô-gam tại các huyện."],
        "2026-11-23",
    ),
}
RSS, ATOM = "/rss/thoi-su.rss", "/atom/kinh-te.xml"


def _page(web: FeedServer, path: str, extra: str = "") -> Route:
    title, lead, paras, day = ARTICLES[path]
    return Route(article_page(title, lead, [*paras, extra] if extra else paras, day, web.url(path)))


def _rss(web: FeedServer, paths: list[str], stamps: dict[str, str] | None = None) -> Route:
    stamps = stamps or {}
    items = [(ARTICLES[p][0], web.url(p), stamps.get(p, "Fri, 20 Nov 2026 08:00:00 +0700"), web.url(p)) for p in paths]
    return Route(rss_feed("Thời sự", items), content_type="application/rss+xml; charset=utf-8")


def _site(web: FeedServer) -> None:
    for path in ARTICLES:
        web.routes[path] = _page(web, path)
    web.routes[RSS] = _rss(web, list(ARTICLES)[:3])
    # the Atom feed lists one article of its own and one the RSS feed lists too (with a tracking parameter)
    items = [
        (ARTICLES["/bai/gia-lua-104.html"][0], web.url("/bai/gia-lua-104.html"), "2026-11-23T08:00:00Z", "urn:104"),
        (
            ARTICLES["/bai/nong-thon-moi-103.html"][0],
            web.url("/bai/nong-thon-moi-103.html?utm_source=atom"),
            "2026-11-22T08:00:00Z",
            "urn:103",
        ),
    ]
    web.routes[ATOM] = Route(atom_feed("Kinh tế", items), content_type="application/atom+xml")


@pytest.fixture
def web():
    with FeedServer() as server:
        _site(server)
        yield server


def _settings(tmp_path: Path, **kw) -> SyncSettings:
    values = {"feeds_dir": tmp_path / "feeds", "sync_delay_seconds": 0, "sync_timeout_seconds": 2, "sync_max_page_mb": 0.5}
    values.update(kw)
    return SyncSettings(_env_file=None, **values)  # type: ignore[call-arg, arg-type]


def _sync(web: FeedServer, tmp_path: Path, feeds=(RSS, ATOM), **kw) -> tuple[SyncReport, Engine]:
    settings = _settings(tmp_path, **kw)
    report = sync_feeds([web.url(f) for f in feeds], settings)
    opened = open_index(tmp_path / "index", sources=[settings.feeds_dir])
    return report, opened.engine


def _answer(engine: Engine, question: str) -> str:
    result = engine.search(question, k=1)
    return result.hits[0].text if result.hits else ""


def test_first_sync_fetches_every_article_once_and_they_are_answerable(web, tmp_path):
    report, engine = _sync(web, tmp_path)
    assert (report.feeds, report.unchanged, len(report.added), len(report.updated), report.problems) == (2, 0, 4, 0, [])
    assert web.hits["/bai/nong-thon-moi-103.html"] == 1  # listed by both feeds, fetched once
    assert all("bantin-bot" in agent for agent in web.agents)  # a User-Agent that names the project
    assert "42 ý kiến" in _answer(engine, "Thanh niên nêu bao nhiêu ý kiến tại buổi đối thoại?")
    assert "19 xã đạt chuẩn" in _answer(engine, "Huyện Cao Lộc có bao nhiêu xã đạt chuẩn nông thôn mới?")
    records = [
        json.loads(line) for f in sorted((tmp_path / "feeds").rglob("*.jsonl")) for line in f.read_text(encoding="utf-8").splitlines()
    ]
    host = web.url("/").split("/")[2]
    assert sorted(r["id"] for r in records) == sorted(f"{host}/{p[5:-5]}" for p in ARTICLES)  # readable, stable ids
    first = next(r for r in records if "doi-thoai-thanh-nien-101" in r["id"])
    assert (first["date"], first["published"]) == ("2026-11-20", "2026-11-20")
    assert first["url"] == web.url("/bai/doi-thoai-thanh-nien-101.html") and "Bình luận" not in first["text"]
    assert (tmp_path / "feeds" / STATE_FILE).exists()


def test_a_second_sync_fetches_nothing(web, tmp_path):
    _sync(web, tmp_path)
    pages_before = {p: web.hits[p] for p in ARTICLES}
    report, engine = _sync(web, tmp_path)
    assert (report.unchanged, report.pages, len(report.added)) == (2, 0, 0)
    assert web.not_modified[RSS] == 1 and web.not_modified[ATOM] == 1  # conditional GET answered 304
    assert {p: web.hits[p] for p in ARTICLES} == pages_before
    assert engine.params["n_articles"] == 4


def test_a_changed_page_is_updated_not_duplicated(web, tmp_path):
    _sync(web, tmp_path)
    path = "/bai/hoi-nghi-dan-van-102.html"
    title, lead, _, day = ARTICLES[path]
    web.routes[path] = Route(
        article_page(title, lead, ["Năm 2026, khối cơ quan có 23 mô hình dân vận khéo được công nhận ở cấp tỉnh."], day, web.url(path))
    )
    web.routes[RSS] = _rss(web, list(ARTICLES)[:3], {path: "Sat, 21 Nov 2026 18:00:00 +0700"})
    report, engine = _sync(web, tmp_path)
    assert (len(report.added), len(report.updated)) == (0, 1)
    assert engine.params["n_articles"] == 4
    answer = _answer(engine, "Khối cơ quan có bao nhiêu mô hình dân vận khéo?")
    assert "23 mô hình" in answer and "18 mô hình" not in answer


def test_a_new_entry_is_added(web, tmp_path):
    _sync(web, tmp_path, feeds=(RSS,))
    web.routes[RSS] = _rss(web, list(ARTICLES))
    report, engine = _sync(web, tmp_path, feeds=(RSS,))
    assert [a.title for a in report.added] == ["Giá lúa vụ mùa tăng nhẹ"]
    assert "7.800 đến 8.200 đồng" in _answer(engine, "Giá lúa tẻ bao nhiêu một ki-lô-gam?")


def test_a_failing_feed_is_reported_and_the_others_land(web, tmp_path):
    web.routes[ATOM] = Route(b"Internal Server Error", status=500, content_type="text/plain")
    web.routes["/rss/trang-web.rss"] = Route("<!DOCTYPE html><html><body><h1>Trang chủ</h1></body></html>".encode())
    report, engine = _sync(web, tmp_path, feeds=(RSS, ATOM, "/rss/trang-web.rss", "/rss/khong-co.rss"))
    reasons = {p.source.rsplit("/", 1)[-1]: p.reason for p in report.problems}
    assert reasons["kinh-te.xml"] == "HTTP 500 Internal Server Error"
    assert reasons["trang-web.rss"].startswith("the address returns a web page, not an RSS or Atom feed")
    assert reasons["khong-co.rss"] == "HTTP 404 Not Found"
    assert len(report.added) == 3 and engine.params["n_articles"] == 3
    # the failed feed is asked in full next time, and what landed stays
    web.routes[ATOM] = _rss(web, ["/bai/gia-lua-104.html"])
    report, engine = _sync(web, tmp_path, feeds=(RSS, ATOM))
    assert [a.title for a in report.added] == ["Giá lúa vụ mùa tăng nhẹ"] and engine.params["n_articles"] == 4


def test_malformed_entries_redirects_big_and_slow_pages(web, tmp_path):
    big = "/bai/rat-dai-105.html"
    slow = "/bai/cham-106.html"
    moved = "/bai/da-chuyen-107.html"
    web.routes[big] = Route(b"<html><body>" + b"<p>x</p>" * 100_000 + b"</body></html>")
    web.routes[slow] = Route(
        article_page("Chậm", "LSO-Tin chậm.", ["Nội dung đến rất chậm nên không kịp đọc trong thời hạn cho phép."], "2026-11-24", ""),
        delay=3,
    )
    web.routes[moved] = Route(status=301, location=web.url("/bai/doi-thoai-thanh-nien-101.html"))
    items = [
        (ARTICLES["/bai/gia-lua-104.html"][0], web.url("/bai/gia-lua-104.html"), "Mon, 23 Nov 2026 08:00:00 +0700", "g1"),
        ("Bài rất dài", web.url(big), "Mon, 23 Nov 2026 08:00:00 +0700", "g2"),
        ("Bài chậm", web.url(slow), "Mon, 23 Nov 2026 08:00:00 +0700", "g3"),
        ("Bài đã chuyển", web.url(moved), "Mon, 23 Nov 2026 08:00:00 +0700", "g4"),
    ]
    feed = rss_feed("Tổng hợp", items).replace(b"</channel>", "<item><title>Tin thiếu liên kết</title></item></channel>".encode())
    web.routes["/rss/tong-hop.rss"] = Route(feed, content_type="application/rss+xml")
    report, engine = _sync(web, tmp_path, feeds=("/rss/tong-hop.rss",))
    reasons = {p.source.rsplit("/", 1)[-1]: p.reason for p in report.problems}
    assert reasons["rat-dai-105.html"].startswith("larger than the limit")
    assert reasons["cham-106.html"] == "no answer within 2 s"
    assert reasons["tong-hop.rss (entry 5)"] == "entry without a link: Tin thiếu liên kết"
    assert sorted(a.title for a in report.added) == ["Chủ tịch UBND tỉnh đối thoại với thanh niên", "Giá lúa vụ mùa tăng nhẹ"]
    moved_article = next(a for a in report.added if a.title.startswith("Chủ tịch"))
    assert moved_article.url == web.url("/bai/doi-thoai-thanh-nien-101.html")  # where the redirect led
    assert "42 ý kiến" in _answer(engine, "Thanh niên nêu bao nhiêu ý kiến tại buổi đối thoại?")


def test_feed_parsing_names_what_it_cannot_use():
    entries, problems = parse_feed(b"<rss><channel><item><title>A</title><link>ftp://x</link></item></channel></rss>", "http://h/f")
    assert entries == [] and problems[0].reason == "entry without a link: A"
    _, problems = parse_feed(b"\x00\x01 not xml at all", "http://h/f")
    assert problems and problems[0].reason.startswith("not a readable RSS or Atom feed")
    assert canonical_link("HTTP://Bao.VN/a.html?utm_source=x&id=3#top") == "http://bao.vn/a.html?id=3"


def test_the_cli_syncs_and_answers(web, tmp_path):
    index, feeds_dir = tmp_path / "index", tmp_path / "feeds"
    env_args = ("--index", str(index), "--feeds-dir", str(feeds_dir))
    res = run_cli("sync", web.url(RSS), web.url(ATOM), *env_args)
    assert res.returncode == 0, res.stderr
    assert "4 new and 0 updated article(s)" in res.stdout and "holds 4 article(s)" in res.stdout
    ask = run_cli("ask", "Huyện Cao Lộc có bao nhiêu xã đạt chuẩn nông thôn mới?", "--index", str(index), "--json")
    assert "19 xã đạt chuẩn" in json.loads(ask.stdout)["hits"][0]["text"]
    again = run_cli("sync", web.url(RSS), web.url("/khong-co.rss"), *env_args)
    assert again.returncode == 1 and "HTTP 404 Not Found" in again.stderr and "Traceback" not in again.stderr
    none = run_cli("sync", "--index", str(index), "--feeds-dir", str(feeds_dir), cwd=tmp_path)
    assert none.returncode == 2 and "set FEEDS in .env" in none.stderr


def test_many_pages_are_read_by_worker_processes_with_the_same_result(web, tmp_path):
    """Over PARALLEL_FROM pages in one feed, pages are read in worker processes: same articles, same order."""
    from retrieval.sync.run import PARALLEL_FROM

    n = PARALLEL_FROM + 5
    items = []
    for i in range(n):
        path = f"/bai/tin-{i}.html"
        web.routes[path] = Route(
            article_page(
                f"Tin số {i}",
                f"LSO-Ngày 20/11, xã số {i} tổ chức hội nghị.",
                [f"Hội nghị có {100 + i} đại biểu tham dự."],
                "2026-11-20",
                web.url(path),
            )
        )
        items.append((f"Tin số {i}", web.url(path), "Fri, 20 Nov 2026 08:00:00 +0700", web.url(path)))
    web.routes["/rss/nhieu.rss"] = Route(rss_feed("Nhiều tin", items), content_type="application/rss+xml")
    web.routes["/bai/tin-7.html"] = Route(b"<html><body><nav>menu</nav></body></html>")  # one unreadable page among them
    report, engine = _sync(web, tmp_path, feeds=("/rss/nhieu.rss",))
    assert [a.title for a in report.added] == [f"Tin số {i}" for i in range(n) if i != 7]
    assert [p.source.rsplit("/", 1)[-1] for p in report.problems] == ["tin-7.html"]
    assert "142 đại biểu" in _answer(engine, "Hội nghị của xã số 42 có bao nhiêu đại biểu tham dự?")
