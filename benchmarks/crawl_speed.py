"""What a crawl costs per stored article, beside `sync` on the same pages and pyvi on the same text.

    python benchmarks/crawl_speed.py [--articles 2000] [--feeds 10] [--rounds 2]

A local paper site (tests/papersite.py on 127.0.0.1, no Crawl-delay, no delay of ours) serves ``--articles``
real articles of ``../shared/data/news_archive`` (internal use only, read in place; said on stderr and made
up instead when absent), listed by its sitemaps and by ``--feeds`` RSS feeds. In alternating rounds, a crawl
and a sync each take every page into an empty archive; then the crawled archive is merged into an index, and
pyvi segments the same titles and paragraphs. Reports, as one JSON object: per stored article, the crawl's
fetch + read + store and the index merge, pyvi alone, requests per stored article, and the crawl's throughput
÷ the sync's (articles a second, each round and the median).
"""

from __future__ import annotations

import argparse
import html
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.crawl_site import real_stories  # noqa: E402
from retrieval.service import open_index  # noqa: E402
from retrieval.sync.crawl import crawl_sites  # noqa: E402
from retrieval.sync.run import sync_feeds  # noqa: E402
from retrieval.sync.settings import SyncSettings  # noqa: E402
from retrieval.text.segment import get_tokenizer  # noqa: E402
from tests.feedserver import FeedServer, Route, rss_feed  # noqa: E402
from tests.papersite import PaperSite  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--articles", type=int, default=2000)
    ap.add_argument("--feeds", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args()
    items = real_stories(args.articles)
    row: dict[str, object] = {"articles": len(items)}
    crawl_rates: list[float] = []
    sync_rates: list[float] = []
    with FeedServer() as web, tempfile.TemporaryDirectory(prefix="bantin-crawl-speed-") as tmp:
        site = PaperSite(web, items, faults=False)
        per_feed = -(-len(items) // args.feeds)
        feeds = []
        for f in range(args.feeds):
            chunk = items[f * per_feed : (f + 1) * per_feed]
            entries = [(html.escape(s.title), site.url(s), "Mon, 30 Nov 2026 08:00:00 +0700", site.url(s)) for s in chunk]
            web.routes[f"/rss/{f}.rss"] = Route(rss_feed(f"Chuyên mục {f}", entries), content_type="application/rss+xml")
            feeds.append(web.url(f"/rss/{f}.rss"))
        crawled = Path(tmp) / "crawled-0"
        for n in range(args.rounds):
            order = ("crawl", "sync") if n % 2 == 0 else ("sync", "crawl")
            for kind in order:
                folder = Path(tmp) / f"{kind}ed-{n}"
                settings = SyncSettings(_env_file=None, feeds_dir=folder, sync_delay_seconds=0, sync_max_entries=10_000)  # type: ignore[call-arg]
                requests_before = len(web.log)
                t = time.perf_counter()
                if kind == "crawl":
                    report = crawl_sites([web.url("/")], settings)
                    stored = len(report.added)
                else:
                    synced = sync_feeds(feeds, settings)
                    stored = len(synced.added)
                seconds = time.perf_counter() - t
                (crawl_rates if kind == "crawl" else sync_rates).append(stored / seconds)
                if kind == "crawl" and n == 0:
                    row |= {
                        "crawl_stored": stored,
                        "crawl_ms_per_article": round(1000 * seconds / stored, 2),
                        "crawl_requests_per_stored": round((len(web.log) - requests_before) / stored, 3),
                    }
        t = time.perf_counter()
        opened = open_index(Path(tmp) / "index", sources=[crawled])
        index_s = time.perf_counter() - t
        opened.engine.close()
        tokenize = get_tokenizer()
        tokenize("Khởi động.")
        texts = [s.title for s in items] + [p for s in items for p in s.paragraphs]
        t = time.perf_counter()
        for text in texts:
            tokenize(text)
        pyvi_s = time.perf_counter() - t
    row |= {
        "index_merge_ms_per_article": round(1000 * index_s / len(items), 2),
        "pyvi_ms_per_article": round(1000 * pyvi_s / len(items), 2),
        "crawl_articles_per_s": [round(r, 1) for r in crawl_rates],
        "sync_articles_per_s": [round(r, 1) for r in sync_rates],
        "crawl_over_sync": [round(c / s, 3) for c, s in zip(crawl_rates, sync_rates, strict=True)],
        "crawl_over_sync_median": round(statistics.median(c / s for c, s in zip(crawl_rates, sync_rates, strict=True)), 3),
    }
    print(json.dumps(row, ensure_ascii=False))


if __name__ == "__main__":
    main()
