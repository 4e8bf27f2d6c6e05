"""The marks a cadre reads first: how often the underlined span and the bold sentence are right, news train and dev.

    python benchmarks/answer_marks.py --index /tmp/qwork/news              # the figures, train beside dev
    python benchmarks/answer_marks.py --index I --quotes quotes.json       # keep the first quotes between runs
    python benchmarks/answer_marks.py --index I --json marks.json
    python benchmarks/answer_marks.py --index I --quotes quotes.json --tune   # MarkConfig's grid, train beside dev

The news questions (``../shared/data/vinewsqa_dev``, research-only: read in place, never copied into the
repository) are searched once, as ``ask`` searches them (accented and without diacritics, alone and after the
questions before them); the first quote of each answer is kept (``--quotes``: in a JSON file, so that a
change to the marking alone is measured in seconds). Then every quote is marked by the library's ``mark`` and
scored as ``eval`` scores it (``retrieval.evaluate.MarkFigures``): span coverage (questions with an underlined
span), span precision (shown spans overlapping a gold answer), span exact, the bold sentence holding the
answer, the first quote holding it. ``--tune`` marks the same quotes under a grid of ``MarkConfig`` weights and
thresholds (the span's evidence and its margin over the runner-up) and prints train beside dev: the defaults were
chosen there (precision first, as the issue asks, keeping the product's own examples marked: tests/test_marking.py).
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from retrieval.evaluate import EvalQuestion, MarkFigures, load_questions
from retrieval.search.answer import mark
from retrieval.search.answer.marking import MarkConfig
from retrieval.search.conversation import Turn, carry_on
from retrieval.search.engine import Engine
from retrieval.search.understand import understand
from retrieval.text.normalize import fold_accents

ROOT = Path(__file__).resolve().parent.parent
NEWS = ROOT.parent / "shared" / "data" / "vinewsqa_dev"
WAYS = ("accented", "no diacritics", "follow-ups")


def _asked(questions: list[EvalQuestion], way: str) -> list[str]:
    return [fold_accents(q.question) if way == "no diacritics" else q.question for q in questions]


def _first_quotes(engine: Engine, questions: list[EvalQuestion], way: str) -> list[dict[str, Any]]:
    """Each question's first quote (None when not found), searched as ``ask`` searches it."""
    out = []
    turns: list[Turn] = []
    previous: EvalQuestion | None = None
    for q, text in zip(questions, _asked(questions, way), strict=True):
        context = turns if way == "follow-ups" else []
        result = engine.search(text, k=3, context=context)
        if way == "follow-ups":
            turns = carry_on(turns, result.turn(), engine.config.follow_up)
        follow = previous is not None and previous.doc_id == q.doc_id
        quote = result.hits[0].text if result.hits else None
        cover = result.hits[0].coverage if result.hits else 0.0
        runner_up = result.evidence[1][1] if len(result.evidence) > 1 else 0.0  # the second article's share of the best
        out.append(
            {
                "id": q.id,
                "asked": text,
                "context": [t.as_dict() for t in context],
                "quote": quote,
                "follow": follow,
                "cover": cover,
                "runner_up": runner_up,
            }
        )
        previous = q
    return out


def _figures(
    engine: Engine, questions: list[EvalQuestion], quotes: list[dict[str, Any]], way: str, config: MarkConfig | None = None
) -> MarkFigures:
    figures = MarkFigures()
    for q, row in zip(questions, quotes, strict=True):
        if way == "follow-ups" and not row["follow"]:
            continue
        if row["quote"] is None:
            figures.add(q.answers, None, None, None)
            continue
        context = [Turn.from_dict(t) for t in row["context"]]
        query = understand(engine.reader, engine.config, row["asked"], None, context).query
        sentence, span = mark(query, row["quote"], engine.sentence_weights(query), config)
        figures.add(q.answers, row["quote"], sentence, span)
    return figures


def _tune(engine: Engine, splits: dict[str, list[EvalQuestion]], cached: dict[str, Any]) -> None:
    """Span coverage and precision under a grid of MarkConfig values, train beside dev (accented, standalone)."""
    default = MarkConfig()
    table = Table(
        "clause", "reach", "show", "margin", "train coverage", "train precision", "dev coverage", "dev precision", title="MarkConfig grid"
    )
    for clause, reach, show, margin in itertools.product((0.0, 4.0), (10.0, 20.0), (0.0, 0.3, 0.4, 0.5), (-1e9, 0.5, 2.0)):
        config = replace(default, clause=clause, clause_reach=reach, show=show, margin=margin)
        cells = []
        for split, questions in splits.items():
            row = _figures(engine, questions, cached[f"{split} accented"], "accented", config).summary()
            cells += [f"{row['span_coverage']:.3f}", f"{row['span_precision']:.3f}"]
        label = " (default)" if config == default else ""
        table.add_row(f"{clause:g}", f"{reach:g}", f"{show:g}", f"{margin:g}{label}" if margin > -1e8 else f"none{label}", *cells)
    Console(width=200).print(table)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--index", type=Path, required=True, help="an index of the news articles (quality.py --work W builds W/news)")
    ap.add_argument("--quotes", type=Path, help="keep the first quotes here (JSON) and reuse them")
    ap.add_argument("--json", type=Path, help="also write the figures here")
    ap.add_argument("--tune", action="store_true", help="also mark the quotes under a grid of MarkConfig values")
    args = ap.parse_args()
    if not (NEWS / "questions.jsonl").exists():
        print(f"News questions are absent ({NEWS} not found): nothing to measure.", file=sys.stderr)
        return 1
    engine = Engine.open(args.index)
    engine.warm_up()
    splits = {split: load_questions(NEWS / "questions.jsonl", split=split) for split in ("train", "dev")}
    cached = json.loads(args.quotes.read_text(encoding="utf-8")) if args.quotes and args.quotes.exists() else {}
    report: dict[str, dict[str, float]] = {}
    for way in WAYS:
        for split, questions in splits.items():
            label = f"{split} {way}"
            if label not in cached:
                cached[label] = _first_quotes(engine, questions, way)
                print(f"{label}: searched", file=sys.stderr)
            report[label] = _figures(engine, questions, cached[label], way).summary()
    if args.quotes:
        args.quotes.write_text(json.dumps(cached, ensure_ascii=False), encoding="utf-8")
    if args.tune:
        _tune(engine, splits, cached)
    keys = list(next(iter(report.values())))
    table = Table("", *keys, title="the marks of the first quote (news)")
    for label, row in report.items():
        table.add_row(label, *(f"{row[k]:.3f}" if isinstance(row[k], float) else str(row[k]) for k in keys))
    Console(width=200).print(table)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2), encoding="utf-8")
    engine.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
