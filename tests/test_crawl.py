"""Crawling a paper's whole archive: a real site on 127.0.0.1 (tests/papersite.py) with the faults real sites have,
real httpx, protego, lxml, trafilatura and SQLite, the CLI in a subprocess, a real index."""

from __future__ import annotations

import gzip
import itertools
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from retrieval.service import open_index
from retrieval.sync.crawl import CrawlReport, crawl_sites
from retrieval.sync.links import classify, page_links
from retrieval.sync.robots import parse_robots
from retrieval.sync.run import sync_feeds
from retrieval.sync.settings import SyncSettings
from retrieval.sync.sitemaps import SitemapError, inflate, parse_sitemap

from .conftest import ROOT, run_cli
from .feedserver import FeedServer, Route
from .papersite import PaperSite, Story, gzip_bomb, stories

DELAY = 0.05


def _settings(tmp_path: Path, **kw) -> SyncSettings:
    values = {"feeds_dir": tmp_path / "feeds", "sync_delay_seconds": 0, "sync_timeout_seconds": 5, "sync_max_page_mb": 0.5}
    values.update(kw)
    return SyncSettings(_env_file=None, **values)  # type: ignore[call-arg, arg-type]


def _records(folder: Path) -> list[dict]:
    return [json.loads(line) for f in sorted(folder.rglob("*.jsonl")) for line in f.read_text(encoding="utf-8").splitlines()]


def _hits(web: FeedServer, site: PaperSite, items: list[Story]) -> dict[str, int]:
    return {site.path(s): web.hits.get(site.path(s), 0) for s in items}


@pytest.fixture
def web():
    with FeedServer() as server:
        yield server


def test_a_whole_site_is_taken_once_politely_and_every_fault_is_named(web, tmp_path):
    items = stories(40)
    site = PaperSite(web, items, crawl_delay=DELAY, bomb_mb=80, big_page_mb=1)
    report = crawl_sites([web.url("/")], _settings(tmp_path))
    records = _records(tmp_path / "feeds")
    # every allowed article, once, with its title and date; the AMP copies, tracked and old addresses are not stored again
    assert sorted(r["title"] for r in records) == sorted(s.title for s in items)
    assert len({r["url"] for r in records}) == len({r["id"] for r in records}) == len(records) == 40
    assert all(r["published"] == r["date"] == next(s.day for s in items if s.title == r["title"]) for r in records)
    assert report.duplicates >= 2 and report.disallowed == 3
    # robots.txt: nothing under /private/ was requested; its Crawl-delay spaced every request
    assert not [p for _, p in web.log if p.startswith("/private/")]
    gaps = [b - a for (a, _), (b, _) in itertools.pairwise(web.log)]
    assert min(gaps) >= DELAY * 0.95
    # a 503 with Retry-After was waited out and the article stored; every fault is named by its address
    assert report.retried == 1
    named = {p.source.removeprefix(web.url("")): p.reason for p in report.problems}
    assert set(named) == set(site.broken) - {p for p, fault in site.broken.items() if fault == "retried"}
    for path, fault in site.broken.items():
        if fault != "retried":
            assert fault in named[path], (path, named[path])
    assert report.feeds == [web.url("/rss/tin-moi.rss")]
    # requests per stored article, sitemaps and retries aside
    sitemaps = sum(1 for _, p in web.log if p.startswith(("/sitemap", "/sitemaps/")))
    assert (report.requests - sitemaps - report.retried) / 40 <= 1.35  # the faults cost a few; 1.15 at scale (benchmarks)
    # the crawled articles answer, from the index
    engine = open_index(tmp_path / "index", sources=[tmp_path / "feeds"]).engine
    hit = engine.search("Văn Lãng hoàn thành bao nhiêu công trình giao thông nông thôn?", k=1).hits[0]
    assert hit.title == "Văn Lãng hoàn thành 57 công trình giao thông nông thôn" and hit.answer and hit.answer.text == "57 công trình"
    engine.close()


def test_a_later_crawl_fetches_only_what_is_new(web, tmp_path):
    items = stories(30)
    site = PaperSite(web, items, faults=False)
    first = crawl_sites([web.url("/")], _settings(tmp_path))
    assert len(first.added) == 30 and not first.problems
    before = _hits(web, site, items)
    fresh = stories(10, start="2026-12-10", first_id=5000)
    site.publish(fresh)
    second = crawl_sites([web.url("/")], _settings(tmp_path))
    assert sorted(a.title for a in second.added) == sorted(s.title for s in fresh)
    assert _hits(web, site, items) == before  # no old article fetched again
    assert set(_hits(web, site, fresh).values()) == {1}
    assert second.sitemaps_skipped >= 1  # the older month's sitemap: its lastmod did not move
    assert len(_records(tmp_path / "feeds")) == 40


def test_since_and_until_bound_the_crawl(web, tmp_path):
    items = stories(45)  # 2026-11-30 back to 2026-10-17
    site = PaperSite(web, items, faults=False)
    report = crawl_sites([web.url("/")], _settings(tmp_path), since="2026-11-01", until="2026-11-20")
    assert sorted(a.date or "" for a in report.added) == sorted(s.day for s in items if "2026-11-01" <= s.day <= "2026-11-20")
    assert report.sitemaps_skipped == 1  # October's sitemap ends before --since: not even requested
    assert web.hits.get("/sitemaps/2026-10.xml", 0) == 0
    assert all(web.hits.get(site.path(s), 0) == 0 for s in items if s.day < "2026-11-01")


def test_a_site_without_a_sitemap_is_read_from_its_sections_and_its_traps_are_left(web, tmp_path):
    items = stories(50)
    PaperSite(web, items, sitemap=False, faults=False)
    report = crawl_sites([web.url("/")], _settings(tmp_path))
    assert len(report.added) == 50 and not report.problems
    traps = [p for _, p in web.log if p.startswith(("/lich/", "/tim-kiem", "/tag/"))]
    assert traps == [] and report.traps > 0
    # three pages hold the 50 articles; the endless pages after them are left after the first that brings nothing
    section_pages = [p for _, p in web.log if p.startswith(PaperSite.SECTION)]
    assert len(section_pages) <= 4
    again = crawl_sites([web.url("/")], _settings(tmp_path))
    assert not again.added and again.fetched == 0


def test_a_crawled_article_is_not_stored_again_by_its_feed(web, tmp_path):
    PaperSite(web, stories(25), faults=False)
    settings = _settings(tmp_path)
    crawl_sites([web.url("/")], settings)
    synced = sync_feeds([web.url("/rss/tin-moi.rss")], settings)
    assert synced.added == [] and synced.pages == 0 and not synced.problems  # not even asked again
    assert len(_records(tmp_path / "feeds")) == 25


def test_max_articles_takes_the_newest_and_leaves_the_rest_for_the_next_run(web, tmp_path):
    items = stories(30)
    PaperSite(web, items, faults=False)
    first = crawl_sites([web.url("/")], _settings(tmp_path), max_articles=10)
    assert sorted(a.date or "" for a in first.added) == sorted(s.day for s in items[:10]) and first.left == 20
    second = crawl_sites([web.url("/")], _settings(tmp_path))
    assert len(second.added) == 20


def test_sites_that_cannot_be_crawled_are_named_in_one_line(web, tmp_path):
    web.routes["/"] = Route("<html><body><p>Trang đang xây dựng.</p></body></html>".encode())
    report = crawl_sites([web.url("/"), "http://127.0.0.1:9/"], _settings(tmp_path))
    reasons = [p.reason for p in report.problems]
    assert reasons[0].startswith("not a news site") and reasons[1].startswith("cannot reach the site")
    web.routes["/robots.txt"] = Route(b"down", status=503, content_type="text/plain")
    report = crawl_sites([web.url("/")], _settings(tmp_path, sync_retries=0))
    assert report.problems[0].reason.startswith("robots.txt answers with a server error") and report.requests == 1


def _part_files(folder: Path) -> list[Path]:
    return sorted(folder.rglob("crawl-*.jsonl"))


def _children(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    return [int(p) for p in out]


def test_kill_9_part_way_then_run_again_fetches_no_stored_article_again(web, tmp_path, monkeypatch):
    monkeypatch.setenv("SYNC_DELAY_SECONDS", "0")  # the site's Crawl-delay alone spaces the requests
    items = stories(70)
    site = PaperSite(web, items, crawl_delay=0.04, faults=False)
    feeds = tmp_path / "feeds"
    command = [sys.executable, "-m", "retrieval", "crawl", web.url("/"), "--feeds-dir", str(feeds), "--no-index", "-q"]
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    crawl = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and sum(len(f.read_text(encoding="utf-8").splitlines()) for f in _part_files(feeds)) < 20:
        time.sleep(0.05)
    family = [crawl.pid, *_children(crawl.pid)]
    crawl.send_signal(signal.SIGKILL)
    crawl.communicate(timeout=30)
    stored = {r["url"] for r in _records(feeds)}
    assert 20 <= len(stored) < 70
    time.sleep(0.5)
    assert all(not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text() for pid in family)
    before = dict(web.hits)
    again = run_cli("crawl", web.url("/"), "--feeds-dir", str(feeds), "--no-index", "-q")
    assert again.returncode == 0, again.stderr
    refetched = [s for s in items if site.url(s) in stored and web.hits[site.path(s)] > before.get(site.path(s), 0)]
    assert refetched == []
    records = _records(feeds)
    assert sorted(r["title"] for r in records) == sorted(s.title for s in items)  # every article, once
    assert not [p for p in feeds.rglob("*") if p.name.startswith(".sync-")]  # no half-written file left


def test_the_cli_names_bad_input_in_one_line_and_exits_2(web, tmp_path):
    cases = [
        (["ftp://baolangson.vn"], "not a web address: ftp://baolangson.vn"),
        ([web.url("/"), "--since", "2026-12-01", "--until", "2026-01-01"], "--since 2026-12-01 is after --until 2026-01-01"),
        ([web.url("/"), "--since", "1/12/2026"], "not a date"),
        ([web.url("/"), "--feeds-dir", str(ROOT / "README.md" / "feeds")], "cannot write the archive folder"),
    ]
    for args, said in cases:
        done = run_cli("crawl", *args, "--index", str(tmp_path / "index"))
        assert done.returncode == 2 and said in done.stderr, (args, done.stderr)
        assert "Traceback" not in done.stderr


def test_the_cli_crawls_merges_into_the_index_and_answers(web, tmp_path, monkeypatch):
    monkeypatch.setenv("SYNC_DELAY_SECONDS", "0")
    PaperSite(web, stories(12), faults=False)
    done = run_cli(
        "crawl", web.url("/"), "--feeds-dir", str(tmp_path / "feeds"), "--index", str(tmp_path / "index"), cwd=tmp_path
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "12 │ new articles stored" in done.stdout and "holds 12 article(s)" in done.stdout
    asked = run_cli("ask", "Cao Lộc hoàn thành bao nhiêu công trình giao thông nông thôn?", "--index", str(tmp_path / "index"), "--json")
    assert json.loads(asked.stdout)["hits"][0]["answer"]["text"] == "20 công trình"


# -- the parts, one by one ---------------------------------------------------------------
def test_sitemaps_of_every_kind_are_read_and_bombs_refused():
    urlset = (
        b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        b'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"><url><loc>https://bao.vn/a-1.html</loc>'
        b"<lastmod>2026-11-02T08:00:00+07:00</lastmod><news:news><news:publication_date>2026-11-01</news:publication_date>"
        b"</news:news></url><url><loc>javascript:x</loc></url></urlset>"
    )
    parsed = parse_sitemap(gzip.compress(urlset))
    assert parsed.kind == "urls" and [(e.loc, e.lastmod, e.published) for e in parsed.entries] == [
        ("https://bao.vn/a-1.html", "2026-11-02", "2026-11-01")
    ]
    index = parse_sitemap(
        b'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap><loc>https://bao.vn/s1.xml</loc></sitemap></sitemapindex>'
    )
    assert index.kind == "index" and index.entries[0].lastmod is None
    assert parse_sitemap(b"https://bao.vn/a.html\nnot a url\nhttps://bao.vn/b.html\n").kind == "text"
    with pytest.raises(SitemapError, match="inflates to more than 5 MB"):
        inflate(gzip_bomb(40), 5_000_000)
    laughs = b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><urlset><url><loc>&b;</loc></url></urlset>'
    assert parse_sitemap(laughs).entries == ()  # entities are not expanded
    for junk in ("<html><body>Trang chủ</body></html>".encode(), b"\x1f\x8b\x08garbage", b"<urlset><url>"):
        with pytest.raises(SitemapError):
            parse_sitemap(junk)


def test_robots_rules_delay_and_sitemaps():
    robots = parse_robots("User-agent: *\nDisallow: /private/\nDisallow: /*?in=\nCrawl-delay: 2\nSitemap: https://bao.vn/s.xml\n", 200)
    assert not robots.allowed("https://bao.vn/private/a.html") and not robots.allowed("https://bao.vn/bai/a.html?in=1")
    assert robots.allowed("https://bao.vn/bai/a.html") and robots.crawl_delay == 2 and robots.sitemaps == ("https://bao.vn/s.xml",)
    ours = parse_robots("User-agent: bantin-bot\nDisallow: /\n\nUser-agent: *\nAllow: /\n", 200)
    assert not ours.allowed("https://bao.vn/bai/a.html")
    assert parse_robots("", 404).allowed("https://bao.vn/x") and not parse_robots("", 503).allowed("https://bao.vn/x")


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("https://baolangson.vn/bai/chu-tich-ubnd-tinh-doi-thoai-5031234.html", "article"),
        ("https://baolangson.vn/tin?id=123", "article"),
        ("https://baolangson.vn/thoi-su", "listing"),
        ("https://baolangson.vn/thoi-su?page=4", "pagination"),
        ("https://baolangson.vn/category/thoi-su/page/2", "pagination"),
        ("https://baolangson.vn/tim-kiem?q=nong+thon", "trap"),
        ("https://baolangson.vn/lich/2026/12", "trap"),
        ("https://baolangson.vn/2026/12/07", "trap"),
        ("https://baolangson.vn/thoi-su?sort=moi&loc=1", "trap"),
        ("https://baolangson.vn/anh/hoi-nghi.jpg", "trap"),
    ],
)
def test_links_are_judged_by_their_address(url, kind):
    assert classify(url) == kind


def test_page_links_keep_the_site_and_its_feeds():
    html = (
        b'<html><head><link rel="alternate" type="application/rss+xml" href="/rss/thoi-su.rss"></head><body>'
        b'<a href="/bai/ubnd-tinh-hop-phien-thuong-ky-101.html?utm_source=home">a</a><a href="https://khac.vn/bai/x-y-z-w-1.html">x</a>'
        b'<a href="/thoi-su">s</a><a href="/thoi-su?page=2">2</a><a href="/tim-kiem?q=a">t</a><a href="mailto:a@b.vn">m</a></body></html>'
    )
    links = page_links(html, "https://baolangson.vn/", "baolangson.vn")
    assert links.articles == ("https://baolangson.vn/bai/ubnd-tinh-hop-phien-thuong-ky-101.html",)
    assert links.listings == ("https://baolangson.vn/thoi-su",) and links.pagination == ("https://baolangson.vn/thoi-su?page=2",)
    assert links.traps == 1 and links.feeds == ("https://baolangson.vn/rss/thoi-su.rss",)


def test_a_crawl_report_changed_only_with_articles():
    assert not CrawlReport().changed


def test_the_cli_sync_without_addresses_keeps_the_sites_current(web, tmp_path, monkeypatch):
    items = stories(12)
    site = PaperSite(web, items, faults=False)
    monkeypatch.setenv("SYNC_DELAY_SECONDS", "0")
    monkeypatch.setenv("SITES", web.url("/"))
    feeds, index = str(tmp_path / "feeds"), str(tmp_path / "index")
    first = run_cli("crawl", "--feeds-dir", feeds, "--index", index, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    site.publish(stories(2, start="2026-12-05", first_id=8000))
    synced = run_cli("sync", "--feeds-dir", feeds, "--index", index, cwd=tmp_path)
    assert synced.returncode == 0, synced.stderr
    assert "Read 1 feed(s) (0 unchanged) and 1 site(s)" in synced.stdout and "holds 14 article(s)" in synced.stdout
    monkeypatch.delenv("SITES")
    nothing = run_cli("sync", "--feeds-dir", feeds, "--index", index, cwd=tmp_path)
    assert nothing.returncode == 2 and "no feeds or sites to read" in nothing.stderr
