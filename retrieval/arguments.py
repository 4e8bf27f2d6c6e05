"""The command line's grammar: every command, its arguments, its help and an example (`python -m retrieval`)."""

from __future__ import annotations

import argparse
from datetime import date

__all__ = ["DEFAULT_INDEX", "DEFAULT_SOURCES", "build_parser"]

DEFAULT_INDEX = "index"
DEFAULT_SOURCES = "seeds"


def _iso_day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date: {value!r} (expected YYYY-MM-DD, e.g. 2026-11-27)") from None


def _archive_options(p: argparse.ArgumentParser) -> None:
    """Where `sync` and `crawl` keep what they fetch, and whether they index it."""
    p.add_argument("--feeds-dir", metavar="DIR", help="the archive of fetched articles (default: FEEDS_DIR or var/feeds)")
    p.add_argument("--no-index", action="store_true", help="only fetch into the archive; index later")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m retrieval",
        description="Index Vietnamese news bulletins and answer questions with verbatim quotes.",
        epilog='Example: python -m retrieval index seeds/ && python -m retrieval ask "Bao nhiêu đồng chí được nhận kỷ niệm chương?"',
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks for internal errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def add(name: str, help_: str, example: str) -> argparse.ArgumentParser:
        """A subcommand with its help, an example, and --index."""
        p = sub.add_parser(
            name, help=help_, description=help_, epilog=f"Example:\n  {example}", formatter_class=argparse.RawDescriptionHelpFormatter
        )
        p.add_argument("--index", metavar="DIR", help=f"index folder (default: $BANTIN_INDEX_DIR or ./{DEFAULT_INDEX})")
        return p

    p = add(
        "index",
        "Build the index from bulletin files, folders or .jsonl archives.",
        "python -m retrieval index seeds/ archive.jsonl --index index/",
    )
    p.add_argument("paths", nargs="*", metavar="PATH", help=f"files, folders or .jsonl (default: {DEFAULT_SOURCES}/)")
    p.add_argument("--k1", type=float, help="BM25 k1 (default: what the index recorded, else 1.5)")
    p.add_argument("--b", type=float, help="BM25 b (default: what the index recorded, else 0.75)")
    p.add_argument("--epsilon", type=float, help="BM25Okapi idf floor factor (default: recorded, else 0.25)")
    p.add_argument("--workers", type=int, default=0, help="segmentation processes (default: all cores)")
    p.add_argument("--add", action="store_true", help="merge these new bulletins into the existing index without re-reading it")
    p.add_argument("-q", "--quiet", action="store_true", help="print only problems")

    p = add(
        "sync",
        "Fetch new articles from RSS/Atom feeds and index them: the URLs given, else FEEDS, the feeds of SITES and their new sitemap entries.",
        "python -m retrieval sync https://baolangson.vn/rss/thoi-su.rss --index index/",
    )
    p.add_argument("urls", nargs="*", metavar="URL", help="feed addresses (default: FEEDS and SITES from the environment or .env)")
    _archive_options(p)
    p.add_argument("-v", "--verbose", action="store_true", help="print each page fetched")

    p = add(
        "crawl",
        "Take a paper's whole archive from its address (robots.txt, sitemaps, else its sections), then index it.",
        "python -m retrieval crawl https://baolangson.vn --since 2018-01-01 --index index/",
    )
    p.add_argument("sites", nargs="*", metavar="SITE_URL", help="the sites' addresses (default: SITES from the environment or .env)")
    p.add_argument("--since", type=_iso_day, metavar="YYYY-MM-DD", help="only articles published on or after this day")
    p.add_argument("--until", type=_iso_day, metavar="YYYY-MM-DD", help="only articles published on or before this day")
    p.add_argument("--max-articles", type=int, metavar="N", help="fetch at most N articles this run (the next crawl goes on)")
    _archive_options(p)
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")

    p = add(
        "ask",
        "Answer a question with ranked verbatim quotes.",
        'python -m retrieval ask "Tỷ lệ xã tổ chức đối thoại trực tiếp là bao nhiêu?" -k 3\n'
        '  python -m retrieval ask "Ai trao kỷ niệm chương?" --after "Bao nhiêu đồng chí được nhận kỷ niệm chương?"',
    )
    p.add_argument("question", nargs="?", help="the question, in Vietnamese (accents optional)")
    p.add_argument("-k", type=int, default=3, help="how many quotes (default 3)")
    p.add_argument("--json", action="store_true", help="print one JSON object (JSON Lines with --batch)")
    p.add_argument(
        "--batch",
        metavar="FILE",
        help='JSON Lines of {"id","question"} ("-" for stdin), optionally "after": the id of an earlier line this one follows up; needs --json',
    )
    p.add_argument(
        "--after",
        action="append",
        metavar="QUESTION",
        help="an earlier question this one follows up, as in a chat (repeat for more, oldest first)",
    )
    p.add_argument("--no-refresh", action="store_true", help="don't re-index when the bulletins changed")
    from retrieval.index.layout import MAPPED_BUDGET_MB

    p.add_argument(
        "--index-memory",
        type=int,
        metavar="MB",
        default=MAPPED_BUDGET_MB,
        help=f"index pages a long --batch may hold before giving some back (default {MAPPED_BUDGET_MB}; 0: keep all)",
    )
    p.add_argument(
        "--today", type=_iso_day, metavar="YYYY-MM-DD", help='the day "hôm qua", "tháng trước" count from (default: the clock\'s)'
    )

    p = add("stats", "Show what the index holds and whether it is up to date.", "python -m retrieval stats")
    p.add_argument("--json", action="store_true", help="print JSON")

    p = add("show", "Print a whole article.", "python -m retrieval show tong-ket-cong-tac-dan-van-nam-2018")
    p.add_argument("doc_id", help="the article id (shown by ask)")
    p.add_argument("--json", action="store_true", help="print JSON")

    p = add(
        "eval",
        "Measure answer quality on a question set (optionally against plain BM25Okapi).",
        "python -m retrieval eval data/mlqa_vi/questions.jsonl --docs data/mlqa_vi/passages.jsonl --baseline\n"
        "  python -m retrieval eval questions.jsonl --docs articles.jsonl --conversation",
    )
    p.add_argument("questions", help='JSON Lines {"id","question","answers":[...],"passage_id"}')
    p.add_argument("--docs", nargs="+", metavar="DOCS.jsonl", help="index these documents in a temporary index first")
    p.add_argument("-k", type=int, default=3, help="quotes per answer, as ask -k (default 3); MRR and recall read 10 articles")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--no-diacritics", action="store_true", help="type every question without diacritics (đ → d too)")
    p.add_argument("--baseline", action="store_true", help="also run plain rank_bm25.BM25Okapi and show the difference")
    p.add_argument("--misses", metavar="FILE", help="write every question whose gold document is not first (JSON Lines)")
    p.add_argument("--plot", metavar="FILE.png", help="plot recall@1..20 against the baseline")
    p.add_argument("--calibrate", action="store_true", help="report not-found rates with the gold document present and removed")
    p.add_argument("--split", help='only questions whose "split" is this (e.g. train or dev)')
    p.add_argument(
        "--off-topic",
        nargs="+",
        metavar="QUESTIONS.jsonl",
        help='questions the documents cannot answer: report the share answered "not found"',
    )
    p.add_argument("--limit", type=int, default=0, help="only the first N questions")
    p.add_argument(
        "--conversation",
        action="store_true",
        help="ask each question after the ones before it (as in one chat) and beside it alone: follow-ups, topic switches",
    )
    return parser
