"""Follow-up questions: quality and cost of reading each question after the ones before it.

    python benchmarks/conversation.py                 # news train and dev, accented and without diacritics
    python benchmarks/conversation.py --work W        # keep the news index in W between runs
    python benchmarks/conversation.py --json out.json
    python benchmarks/conversation.py --index /tmp/archive-index   # the cost alone, on a large index

The news questions (``../shared/data/vinewsqa_dev``, research-only: read in place, never copied into the
repository) come in runs of questions per article. Each question is asked after the ones before it, as
in one chat, and alone, in one run (``retrieval.evaluate.conversation_run``): a question about the same
article as the one before is a follow-up, the first about another article a topic switch. Then the cost:
every question timed alone and with its conversation (``took_ms`` of ``Engine.search``), alternating,
so the two figures share the machine's drift. With ``--index`` only the cost is measured, on that index
(build one from ``../shared/data/news_archive``: the news questions are not about its articles, but a
question touches as much of it as a real one). When the news data is absent the script says so and
measures the conversation fixture of the tests instead.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.table import Table

from retrieval.evaluate import EvalQuestion, conversation_run, load_questions
from retrieval.index.build import build_index, resolve_options
from retrieval.search.conversation import Turn
from retrieval.search.engine import Engine
from retrieval.text.normalize import fold_accents

ROOT = Path(__file__).resolve().parent.parent
NEWS = ROOT.parent / "shared" / "data" / "vinewsqa_dev"
FIXTURE = ROOT / "tests" / "fixtures" / "conversation"


def _engine(docs: Path, folder: Path) -> Engine:
    if not (folder / "CURRENT").exists():
        started = time.perf_counter()
        build_index([docs], folder, resolve_options(folder))
        print(f"indexed {docs.name} in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    engine = Engine.open(folder)
    engine.warm_up()
    return engine


def _cost(engine: Engine, questions: list[EvalQuestion]) -> dict[str, float]:
    """p50/p95 of ``took_ms``, alone and with the conversation, each question timed both ways, each way first in turn."""
    keep = engine.config.follow_up.turns
    alone: list[float] = []
    after: list[float] = []
    turns: list[Turn] = []
    for i, q in enumerate(questions):
        # the second search of a question finds its pages and caches warm: each way goes first in turn
        if i % 2:
            alone.append(engine.search(q.question, k=3).took_ms)
        result = engine.search(q.question, k=3, context=turns[-keep:])
        after.append(result.took_ms)
        if not i % 2:
            alone.append(engine.search(q.question, k=3).took_ms)
        turns.append(result.turn())
    return {
        "p50 alone": float(np.percentile(alone, 50)),
        "p95 alone": float(np.percentile(alone, 95)),
        "p50 after": float(np.percentile(after, 50)),
        "p95 after": float(np.percentile(after, 95)),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--work", type=Path, help="keep the index here between runs (default: a temporary folder)")
    ap.add_argument("--json", type=Path, help="also write the figures here")
    ap.add_argument("--index", type=Path, help="only time the questions alone and after their conversation, on this index")
    args = ap.parse_args()
    if args.index:
        if not (NEWS / "questions.jsonl").exists():
            print(f"News questions are absent ({NEWS} not found): nothing to time.", file=sys.stderr)
            return 1
        engine = Engine.open(args.index)
        engine.warm_up()
        questions = load_questions(NEWS / "questions.jsonl")
        cost = _cost(engine, questions)
        print(
            f"{len(questions)} questions on {engine.params['n_passages']:,} passages: took_ms p50 {cost['p50 alone']:.2f} → "
            f"{cost['p50 after']:.2f}, p95 {cost['p95 alone']:.2f} → {cost['p95 after']:.2f} (alone → after the ones before)"
        )
        if args.json:
            args.json.write_text(json.dumps(cost, indent=2), encoding="utf-8")
        engine.close()
        return 0
    tmp = None if args.work else tempfile.TemporaryDirectory(prefix="bantin-conversation-")
    work = args.work or Path(tmp.name)  # type: ignore[union-attr]
    work.mkdir(parents=True, exist_ok=True)
    if (NEWS / "articles.jsonl").exists():
        engine = _engine(NEWS / "articles.jsonl", work / "news")
        sets = {split: load_questions(NEWS / "questions.jsonl", split=split) for split in ("train", "dev")}
    else:
        print(f"News questions are absent ({NEWS} not found): measuring the test fixture only.", file=sys.stderr)
        engine = _engine(FIXTURE / "articles.jsonl", work / "fixture")
        sets = {"fixture": load_questions(FIXTURE / "questions.jsonl")}
    report: dict[str, Any] = {}
    table = Table(
        "set", "questions", "n", "P@1", "answer in quote 1", "in quotes 1–3", "context used", title="alone → after the ones before"
    )
    for name, questions in sets.items():
        for nd in (False, True):
            label = f"{name}{' no diacritics' if nd else ''}"
            asked = [EvalQuestion(q.id, fold_accents(q.question), q.answers, q.doc_id) for q in questions] if nd else questions
            report[label] = conversation_run(engine, asked)
            for group, row in report[label].items():
                cells = [
                    f"{row[f'{k} alone']:.3f} → {row[f'{k} with context']:.3f}" for k in ("P@1", "answer_in_quote@1", "answer_in_quote@3")
                ]
                table.add_row(label, group, str(int(row["questions"])), *cells, f"{row['context used']:.2f}")
            print(f"{label}: done", file=sys.stderr)
    cost = {name: _cost(engine, questions) for name, questions in sets.items()}
    report["cost_ms"] = cost
    console = Console(width=160)
    console.print(table)
    for name, row in cost.items():
        console.print(
            f"{name}: took_ms p50 {row['p50 alone']:.2f} → {row['p50 after']:.2f}, p95 {row['p95 alone']:.2f} → {row['p95 after']:.2f} "
            f"({engine.params['n_passages']:,} passages)"
        )
    if args.json:
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    engine.close()
    if tmp:
        tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
