"""Answer quality on every question set in one run: news (train and dev), Wikipedia, and off-topic.

    python benchmarks/quality.py                      # everything, with plain BM25Okapi beside it
    python benchmarks/quality.py --no-baseline        # ours only (minutes faster)
    python benchmarks/quality.py --json quality.json  # also the figures as JSON

News questions come from ``../shared/data/vinewsqa_dev`` (research-only data: read in place, never
copied into the repository); when it is absent the script says so and measures the Wikipedia sets
alone. For each split it reports, typed as asked and without diacritics: P@1, MRR@10, answer in quote
1 and in quotes 1–3, answer in the marked sentence of quote 1, typed spans exactly right; and the
share of off-topic questions answered "not found": Wikipedia questions asked of the news pool, and
news questions asked of the Wikipedia pool.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from retrieval.evaluate import EvalQuestion, baseline_run, evaluate, load_questions, off_topic_run
from retrieval.index.build import build_index, resolve_options
from retrieval.search.engine import Engine

ROOT = Path(__file__).resolve().parent.parent
NEWS = ROOT.parent / "shared" / "data" / "vinewsqa_dev"
WIKI = {name: ROOT / "data" / name for name in ("mlqa_vi", "xquad_vi")}
KEYS = (
    "P@1", "MRR@10", "answer_in_quote@1", "answer_in_quote@3", "answer_in_sentence@1", "typed_span_exact", "span_coverage",
    "span_precision", "not_found_rate",
)  # fmt: skip


def _index(docs: list[Path], folder: Path) -> Engine:
    if not (folder / "CURRENT").exists():
        started = time.perf_counter()
        build_index(docs, folder, resolve_options(folder))
        print(f"indexed {', '.join(d.name for d in docs)} in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    engine = Engine.open(folder)
    engine.warm_up()
    return engine


def _row(figures: dict[str, Any]) -> dict[str, float]:
    return {k: round(float(figures[k]), 4) for k in KEYS if k in figures}


def _measure(engine: Engine, name: str, questions: list[EvalQuestion], baseline: bool, report: dict[str, Any]) -> None:
    for nd in (False, True):
        label = f"{name}{' no diacritics' if nd else ''}"
        report[label] = _row(evaluate(engine, questions, no_diacritics=nd).summary())
        if baseline:
            report[f"{label} · plain BM25Okapi"] = _row(baseline_run(engine, questions, no_diacritics=nd).summary())
        print(f"{label}: {report[label]}", file=sys.stderr)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--work", type=Path, help="keep the indexes here between runs (default: a temporary folder)")
    ap.add_argument("--no-baseline", action="store_true", help="skip plain rank_bm25.BM25Okapi (slow on the news pool)")
    ap.add_argument("--json", type=Path, help="also write the figures here")
    args = ap.parse_args()
    tmp = None if args.work else tempfile.TemporaryDirectory(prefix="bantin-quality-")
    work = args.work or Path(tmp.name)  # type: ignore[union-attr]
    work.mkdir(parents=True, exist_ok=True)
    report: dict[str, Any] = {}

    wiki_docs = [WIKI[n] / "passages.jsonl" for n in WIKI]
    wiki_questions = [q for n in WIKI for q in load_questions(WIKI[n] / "questions.jsonl")]
    wiki = _index(wiki_docs, work / "wiki")
    for name, folder in WIKI.items():
        _measure(wiki, name, load_questions(folder / "questions.jsonl"), not args.no_baseline, report)

    if not (NEWS / "articles.jsonl").exists():
        print(f"News questions are absent ({NEWS} not found): only the Wikipedia sets were measured.", file=sys.stderr)
    else:
        news = _index([NEWS / "articles.jsonl"], work / "news")
        for split in ("train", "dev"):
            questions = load_questions(NEWS / "questions.jsonl", split=split)
            _measure(news, f"news {split}", questions, not args.no_baseline, report)
            report[f"off-topic: news {split} questions → Wikipedia pool"] = off_topic_run(wiki, questions)
        report["off-topic: Wikipedia questions → news pool"] = off_topic_run(news, wiki_questions)
        report["off-topic: Wikipedia questions → news pool, no diacritics"] = off_topic_run(news, wiki_questions, no_diacritics=True)

    table = Table("set", *KEYS, title="Answer quality (benchmarks/quality.py)")
    for name, row in report.items():
        if name.startswith("off-topic"):
            continue
        table.add_row(name, *(f"{row[k]:.3f}" if k in row else "—" for k in KEYS))
    console = Console(width=200)
    console.print(table)
    for name, row in report.items():
        if name.startswith("off-topic"):
            console.print(f'{name}: {row["off_topic_not_found"]:.3f} answered "not found" ({row["off_topic_questions"]} questions)')
    if args.json:
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    if tmp:
        tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
