"""The marks a cadre reads first: how often the underlined span and the bold sentence are right, news train and dev.

    python benchmarks/answer_marks.py --index /tmp/qwork/news              # the figures, train beside dev
    python benchmarks/answer_marks.py --index I --quotes quotes.json       # keep the first quotes between runs
    python benchmarks/answer_marks.py --index I --json marks.json
    python benchmarks/answer_marks.py --index I --quotes quotes.json --fit    # refit MarkConfig's confidence on train

The news questions (``../shared/data/vinewsqa_dev``, research-only: read in place, never copied into the
repository) are searched once, as ``ask`` searches them (accented and without diacritics, alone and after the
questions before them); the quotes of each answer are kept (``--quotes``: in a JSON file, so that a
change to the marking alone is measured in seconds). Then every page is marked as ``ask`` marks it (each quote by
``marks``, the page's underlines ``settle``d together) and the first quote is scored as ``eval`` scores it (``retrieval.evaluate.MarkFigures``): span coverage (questions with an underlined
span), span precision (shown spans overlapping a gold answer), span exact, the bold sentence holding the
answer, the first quote holding it. ``--fit`` refits the span's confidence (``MarkConfig.bias``/``weights``: a
logistic regression over five figures of the chosen candidate, whether it overlaps a gold answer, on train's
accented first quotes) and ``show`` (the confidence at which 8 % of train questions get a span), prints them, and
reports train beside dev under them. The shipped weights are such a fit, rounded; the shipped ``show`` is lower
(0.50), the highest that keeps the seed bulletin's own answers underlined (MarkConfig says which).
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.table import Table

from retrieval.evaluate import EvalQuestion, MarkFigures, load_questions, span_overlaps
from retrieval.search.answer.marking import MarkConfig, first_choice, marks
from retrieval.search.answer.page import Quote, settle
from retrieval.search.conversation import Turn, carry_on
from retrieval.search.engine import Engine
from retrieval.search.understand import understand
from retrieval.text.normalize import fold_accents

ROOT = Path(__file__).resolve().parent.parent
NEWS = ROOT.parent / "shared" / "data" / "vinewsqa_dev"
WAYS = ("accented", "no diacritics", "follow-ups")
FIT_L2 = 0.1
FIT_COVERAGE = 0.08  # the confidence shown is the one at which this share of train questions gets a span


def _asked(questions: list[EvalQuestion], way: str) -> list[str]:
    return [fold_accents(q.question) if way == "no diacritics" else q.question for q in questions]


def _first_quotes(engine: Engine, questions: list[EvalQuestion], way: str) -> list[dict[str, Any]]:
    """Each question's quotes (the first one None when not found), searched as ``ask`` searches it."""
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
        page = [{"doc": h.doc_id, "text": h.text} for h in result.hits]  # the quotes on screen, read together
        cover = result.hits[0].coverage if result.hits else 0.0
        runner_up = result.evidence[1][1] if len(result.evidence) > 1 else 0.0  # the second article's share of the best
        out.append(
            {
                "id": q.id,
                "asked": text,
                "context": [t.as_dict() for t in context],
                "quote": quote,
                "page": page,
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
        weights = engine.sentence_weights(query)
        page = [Quote(hit["doc"], hit["text"], marks(query, hit["text"], weights, config)) for hit in row["page"]]
        figures.add(q.answers, row["quote"], page[0].marks.sentence, settle(page, row["asked"])[0])
    return figures


def _choices(engine: Engine, questions: list[EvalQuestion], quotes: list[dict[str, Any]]) -> tuple[np.ndarray, np.ndarray]:
    """The features of each first quote's chosen typed candidate, and whether it overlaps a gold answer."""
    rows, labels = [], []
    for q, row in zip(questions, quotes, strict=True):
        if row["quote"] is None:
            continue
        context = [Turn.from_dict(t) for t in row["context"]]
        query = understand(engine.reader, engine.config, row["asked"], None, context).query
        choice = first_choice(query, row["quote"], engine.sentence_weights(query))
        if choice is not None and choice.evidence.margin > 0:  # a tie is never shown: not fitted on
            rows.append(choice.evidence.features())
            labels.append(span_overlaps(q.answers, choice.span.text))
    return np.array(rows, dtype=np.float64), np.array(labels, dtype=np.float64)


def _logistic(x: np.ndarray, y: np.ndarray, l2: float = FIT_L2, steps: int = 4000, rate: float = 0.5) -> tuple[float, np.ndarray]:
    """(bias, weights) of an L2-regularised logistic regression, by gradient descent on standardised features."""
    mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-9
    z = np.c_[np.ones(len(x)), (x - mean) / scale]
    w = np.zeros(z.shape[1])
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-z @ w))
        w -= rate * (z.T @ (p - y) / len(y) + l2 * np.r_[0.0, w[1:]])
    weights = w[1:] / scale
    return float(w[0] - (w[1:] * mean / scale).sum()), weights


def _fit(engine: Engine, splits: dict[str, list[EvalQuestion]], cached: dict[str, Any]) -> MarkConfig:
    """MarkConfig's confidence refitted on train's first quotes (accented, standalone); ``show`` keeps train's
    coverage at FIT_COVERAGE. Prints the weights and both splits' figures under them."""
    x, y = _choices(engine, splits["train"], cached["train accented"])
    bias, weights = _logistic(x, y)
    confidence = 1.0 / (1.0 + np.exp(-(bias + x @ weights)))
    shown = int(FIT_COVERAGE * len(splits["train"]))
    show = float(np.sort(confidence)[::-1][max(shown - 1, 0)])
    config = replace(MarkConfig(), bias=round(bias, 2), weights=tuple(round(float(w), 2) for w in weights), show=round(show, 2))  # type: ignore[arg-type]
    print(f"fitted on {len(y)} train choices ({int(y.sum())} overlapping a gold answer):", file=sys.stderr)
    print(f"  bias={config.bias}, weights={config.weights}, show={config.show}", file=sys.stderr)
    return config


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--index", type=Path, required=True, help="an index of the news articles (quality.py --work W builds W/news)")
    ap.add_argument("--quotes", type=Path, help="keep the first quotes here (JSON) and reuse them")
    ap.add_argument("--json", type=Path, help="also write the figures here")
    ap.add_argument("--fit", action="store_true", help="refit MarkConfig's confidence on train and report under it")
    args = ap.parse_args()
    if not (NEWS / "questions.jsonl").exists():
        print(f"News questions are absent ({NEWS} not found): nothing to measure.", file=sys.stderr)
        return 1
    engine = Engine.open(args.index)
    engine.warm_up()
    splits = {split: load_questions(NEWS / "questions.jsonl", split=split) for split in ("train", "dev")}
    cached = json.loads(args.quotes.read_text(encoding="utf-8")) if args.quotes and args.quotes.exists() else {}
    for way in WAYS:
        for split, questions in splits.items():
            label = f"{split} {way}"
            if label not in cached or any("page" not in row for row in cached[label]):  # a cache from before pages
                cached[label] = _first_quotes(engine, questions, way)
                print(f"{label}: searched", file=sys.stderr)
    if args.quotes:
        args.quotes.write_text(json.dumps(cached, ensure_ascii=False), encoding="utf-8")
    config = _fit(engine, splits, cached) if args.fit else MarkConfig()
    report = {
        f"{split} {way}": _figures(engine, questions, cached[f"{split} {way}"], way, config).summary()
        for way in WAYS
        for split, questions in splits.items()
    }
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
