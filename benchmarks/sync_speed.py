"""How long a sync of 1,000 new articles takes against a local server, next to segmenting them.

    python benchmarks/sync_speed.py [--articles 1000] [--feeds 10]

Pages are served by the test suite's feed server on 127.0.0.1 (tests/feedserver.py), each a saved-page
layout with menus and comments around the article. Their text comes from the news articles in
``../shared/data/vinewsqa_dev`` when present (research-only, read in place), else from the seed bulletin
and the format fixtures (said on stderr). Reports, in one run:

- fetch + read + archive (``sync_feeds``, no delay between requests to the one host),
- merging the archive into an index (``open_index``, which segments the new passages),
- segmenting the articles' paragraphs with pyvi alone, and the index's whole analysis of them,

and the ratios: sync (fetch, read, archive) ÷ segmenting, and the whole ``sync`` command's work
(fetch, read, archive, index) ÷ the index's analysis of the same articles.
"""

from __future__ import annotations

import argparse
import html
import json
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from retrieval.service import open_index  # noqa: E402
from retrieval.sources.reader import read_sources  # noqa: E402
from retrieval.sync.run import sync_feeds  # noqa: E402
from retrieval.sync.settings import SyncSettings  # noqa: E402
from retrieval.text.analyzer import document_terms  # noqa: E402
from retrieval.text.segment import get_tokenizer  # noqa: E402
from tests.feedserver import FeedServer, Route, article_page, rss_feed  # noqa: E402

NEWS = ROOT.parent / "shared" / "data" / "vinewsqa_dev" / "articles.jsonl"


def _texts(n: int) -> list[list[str]]:
    """n articles as lists of paragraphs."""
    if NEWS.exists():
        out = []
        with NEWS.open(encoding="utf-8") as fh:
            for line in fh:
                paras = [p.strip() for p in json.loads(line)["text"].split("\n") if p.strip()]
                if len(paras) >= 2:
                    out.append(paras)
                if len(out) == n:
                    return out
    print(f"{NEWS} is absent: articles are made from the seed and the fixtures' paragraphs", file=sys.stderr)
    arts = read_sources([ROOT / "seeds", ROOT / "tests" / "fixtures" / "formats"]).articles
    pool = [a.text[p.start : p.end] for a in arts for p in a.paragraphs]
    rng = random.Random(3)
    return [[rng.choice(pool) for _ in range(8)] for _ in range(n)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--articles", type=int, default=1000)
    ap.add_argument("--feeds", type=int, default=10)
    args = ap.parse_args()
    texts = _texts(args.articles)
    tokenize = get_tokenizer()
    tokenize("Khởi động.")
    with FeedServer() as web, tempfile.TemporaryDirectory(prefix="bantin-sync-") as tmp:
        work = Path(tmp)
        per_feed = -(-len(texts) // args.feeds)
        feeds = []
        for f in range(args.feeds):
            items = []
            for i in range(f * per_feed, min(len(texts), (f + 1) * per_feed)):
                path = f"/bai/tin-{i}.html"
                paras = [html.escape(p) for p in texts[i]]
                title = f"Tin số {i}: " + texts[i][0][:50].rsplit(" ", 1)[0]
                web.routes[path] = Route(article_page(html.escape(title), paras[0], paras[1:], "2026-11-20", web.url(path)))
                items.append((html.escape(title), web.url(path), "Fri, 20 Nov 2026 08:00:00 +0700", web.url(path)))
            web.routes[f"/rss/{f}.rss"] = Route(rss_feed(f"Chuyên mục {f}", items), content_type="application/rss+xml")
            feeds.append(web.url(f"/rss/{f}.rss"))
        settings = SyncSettings(_env_file=None, feeds_dir=work / "feeds", sync_delay_seconds=0, sync_max_entries=10_000)  # type: ignore[call-arg]
        open_index(work / "index", sources=[ROOT / "seeds"]).engine.close()  # an index to merge into
        t = time.perf_counter()
        report = sync_feeds(feeds, settings)
        sync_s = time.perf_counter() - t
        t = time.perf_counter()
        opened = open_index(work / "index", sources=[settings.feeds_dir])
        index_s = time.perf_counter() - t
        n_articles = int(opened.engine.params["n_articles"])
        opened.engine.close()
        articles = report.added
        paragraphs = [a.title for a in articles] + [a.text[p.start : p.end] for a in articles for p in a.paragraphs]
        t = time.perf_counter()
        for text in paragraphs:
            tokenize(text)
        segment_s = time.perf_counter() - t
        t = time.perf_counter()
        for text in paragraphs:
            document_terms(text)
        analyse_s = time.perf_counter() - t
    row = {
        "articles": len(articles),
        "problems": len(report.problems),
        "index holds": n_articles,
        "sync (fetch, read, archive) s": round(sync_s, 2),
        "index merge s": round(index_s, 2),
        "segment (pyvi) s": round(segment_s, 2),
        "analyse (index's) s": round(analyse_s, 2),
        "sync / segment": round(sync_s / segment_s, 2),
        "sync+index / analyse": round((sync_s + index_s) / analyse_s, 2),
    }
    print(json.dumps(row, ensure_ascii=False))


if __name__ == "__main__":
    main()
