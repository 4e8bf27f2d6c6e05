"""The crawl's targets on a local paper site of real articles (issue: "the paper's whole archive from one address").

    python benchmarks/crawl_site.py [--articles 1200] [--crawl-delay 0.05] [--bomb-mb 1024] [--big-page-mb 30]

The site is tests/papersite.py on 127.0.0.1 with every fault it has (disallowed paths, traps, duplicate
addresses, redirects, a redirect loop, a 404, a page that is not HTML, a 503 with Retry-After, a gzipped
sitemap that inflates to ``--bomb-mb`` and a page of ``--big-page-mb``). Its articles are the first
``--articles`` titled articles of ``../shared/data/news_archive`` (internal use only, read in place; said on
stderr and made up instead when absent). Each run of ``python -m retrieval crawl`` is a real subprocess;
its memory is the peak of the sum of RSS over its process tree, sampled every 20 ms.

Reports, as one JSON object: articles stored of those allowed (with title and date), stored twice, requests
to disallowed paths and into traps, requests per stored article (sitemaps and retries aside), the closest
two requests came, what a kill -9 part-way cost on the run after it, what a later crawl fetched after ten
new articles, peak memory, and how often an article's own title finds it first.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.feedserver import FeedServer  # noqa: E402
from tests.papersite import PaperSite, Story, _ascii_slug, stories  # noqa: E402

ARCHIVE = ROOT.parent / "shared" / "data" / "news_archive"


def real_stories(n: int, skip: int = 1000, start: str = "2026-11-30") -> list[Story]:
    """``n`` articles of the real archive with a title of their own, dated one a day back from ``start``."""
    parts = sorted(ARCHIVE.glob("articles-part-*.jsonl.zst"))
    if not parts:
        print(f"{ARCHIVE} is absent: the site serves made-up articles instead (tests/papersite.stories)", file=sys.stderr)
        return stories(n, start=start)
    out: list[Story] = []
    titles: set[str] = set()
    day = date.fromisoformat(start)
    with subprocess.Popen(["zstd", "-dc", str(parts[0])], stdout=subprocess.PIPE) as unzip:
        assert unzip.stdout is not None
        for i, line in enumerate(unzip.stdout):
            if i < skip:
                continue
            record = json.loads(line)
            title = " ".join((record.get("title") or "").split())
            paragraphs = tuple(p.strip() for p in record["text"].split("\n\n") if p.strip())
            if len(title) < 25 or title in titles or len(paragraphs) < 2:
                continue
            titles.add(title)
            out.append(Story(f"{_ascii_slug(title)[:80]}-{100000 + len(out)}", title, paragraphs, day.isoformat()))
            day -= timedelta(days=1)
            if len(out) == n:
                unzip.kill()
                break
    return out


def tree_rss(pid: int) -> int:
    """Resident bytes of ``pid`` and every process below it."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/status", encoding="ascii") as fh:
                total += next((int(line.split()[1]) * 1024 for line in fh if line.startswith("VmRSS:")), 0)
            with open(f"/proc/{p}/task/{p}/children", encoding="ascii") as fh:
                todo += [int(c) for c in fh.read().split()]
        except (OSError, ValueError):
            continue
    return total


def crawl(url: str, feeds: Path, env: dict[str, str], kill_after: int = 0) -> tuple[int, float, float]:
    """Run the CLI's crawl; (exit status, seconds, peak tree RSS in MB). ``kill_after``: kill -9 it once that many
    articles are stored."""
    started = time.monotonic()
    command = [sys.executable, "-m", "retrieval", "crawl", url, "--feeds-dir", str(feeds), "--no-index", "-q"]
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak = 0
    while proc.poll() is None:
        peak = max(peak, tree_rss(proc.pid))
        if kill_after and len(records(feeds)) >= kill_after:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            break
        time.sleep(0.02)
    return proc.returncode, time.monotonic() - started, peak / 1e6


def records(feeds: Path) -> list[dict]:
    out = []
    for f in feeds.rglob("*.jsonl"):
        try:
            out += [json.loads(line) for line in f.read_text(encoding="utf-8").splitlines()]
        except (OSError, ValueError):
            continue  # being replaced
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--articles", type=int, default=1200)
    ap.add_argument("--crawl-delay", type=float, default=0.05)
    ap.add_argument("--bomb-mb", type=int, default=1024)
    ap.add_argument("--big-page-mb", type=float, default=30)
    ap.add_argument("--skip-kill", action="store_true")
    args = ap.parse_args()
    items = real_stories(args.articles)
    env = {**os.environ, "SYNC_DELAY_SECONDS": "0"}  # the site's Crawl-delay alone spaces the requests
    row: dict[str, object] = {"articles": len(items), "crawl_delay_s": args.crawl_delay}
    with FeedServer() as web, tempfile.TemporaryDirectory(prefix="bantin-crawl-") as tmp:
        site = PaperSite(web, items, crawl_delay=args.crawl_delay, bomb_mb=args.bomb_mb, big_page_mb=args.big_page_mb)
        feeds = Path(tmp) / "feeds"
        status, seconds, peak = crawl(web.url("/"), feeds, env)
        kept = records(feeds)
        by_title = {s.title: s for s in items}
        good = [r for r in kept if r["title"] in by_title and r.get("published") == by_title[r["title"]].day and r.get("date")]
        log = list(web.log)
        gaps = sorted(b - a for (a, _), (b, _) in itertools.pairwise(log))
        sitemaps = sum(1 for _, p in log if p.startswith(("/sitemap", "/sitemaps/")))
        retries = sum(1 for p, fault in site.broken.items() if fault == "retried")
        row |= {
            "exit": status,
            "crawl_s": round(seconds, 1),
            "stored_share": round(len(good) / len(items), 4),
            "stored_twice": len(kept) - len({r["url"] for r in kept}),
            "requests_disallowed": sum(1 for _, p in log if p.startswith("/private/")),
            "requests_into_traps": sum(1 for _, p in log if p.startswith(site.trap_paths())),
            "requests_per_stored": round((len(log) - sitemaps - retries) / max(1, len(kept)), 3),
            "closest_requests_s": round(gaps[0], 4),
            "peak_rss_mb": round(peak),
        }
        # an article's own title asked: is it the first answer?
        from retrieval.service import open_index

        opened = open_index(Path(tmp) / "index", sources=[feeds])
        first = sum(1 for r in kept if (hits := opened.engine.search(r["title"], k=1).hits) and hits[0].doc_id == r["id"])
        opened.engine.close()
        row["title_first_share"] = round(first / max(1, len(kept)), 4)
        # ten new articles, then a later crawl
        before = dict(web.hits)
        fresh = (
            real_stories(10, skip=1000 + 3 * args.articles, start="2026-12-15")
            if ARCHIVE.exists()
            else stories(10, start="2026-12-15", first_id=7000)
        )
        site.publish(fresh)
        crawl(web.url("/"), feeds, env)
        fetched = {p for p, n in web.hits.items() if n > before.get(p, 0) and p.startswith("/bai/")}
        row["later_crawl_new_fetched"] = len(fetched & {site.path(s) for s in fresh})
        row["later_crawl_old_fetched"] = len(fetched - {site.path(s) for s in fresh})
        if not args.skip_kill:
            feeds2 = Path(tmp) / "feeds-killed"
            crawl(web.url("/"), feeds2, env, kill_after=len(items) // 3)
            stored_urls = {r["url"] for r in records(feeds2)}
            before = dict(web.hits)
            crawl(web.url("/"), feeds2, env)
            again = [u for u in stored_urls if web.hits.get(u.removeprefix(web.url("")), 0) > before.get(u.removeprefix(web.url("")), 0)]
            row |= {
                "killed_after_stored": len(stored_urls),
                "stored_fetched_again": len(again),
                "after_resume_stored": len(records(feeds2)),
            }
    print(json.dumps(row, ensure_ascii=False))


if __name__ == "__main__":
    main()
