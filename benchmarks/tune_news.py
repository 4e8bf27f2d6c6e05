"""Search the ranker's evidence weights on the news questions' train split, and check them on dev.

    python benchmarks/tune_news.py                       # the grid below
    python benchmarks/tune_news.py --work /tmp/tune      # keep the index between runs

Each setting is a RankerConfig change (article, title and sentence weights, the article fields'
weights, common-term pruning); every setting answers every train question, and the best few by
P@1 are checked on dev, so a gain on train alone shows as overfitting. Reads the research-only
news set from ``../shared/data/vinewsqa_dev`` in place and says so when it is absent.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

from retrieval.evaluate import evaluate, load_questions
from retrieval.index.build import build_index, resolve_options
from retrieval.search.engine import Engine, RankerConfig

NEWS = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "vinewsqa_dev"


def grid() -> list[dict[str, Any]]:
    """The settings tried: article weight × title weight × sentence weight × article fields' mix."""
    mixes = [
        {"word": 1.0, "fold2": 0.5, "fold1": 0.3},
        {"word": 1.0, "fold2": 0.5, "fold1": 0.0},
        {"word": 1.0, "fold2": 0.3, "fold1": 0.0},
    ]
    return [
        {"article": a, "title": t, "sentence": s, "article_accented": m}
        for a, t, s, m in itertools.product((1.0, 1.5, 2.0), (0.2, 1.0), (0.0, 0.3), mixes)
    ]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--work", type=Path, help="keep the index here (default: a temporary folder)")
    ap.add_argument("--check", type=int, default=5, help="how many of the best settings to check on dev (default 5)")
    args = ap.parse_args()
    if not (NEWS / "articles.jsonl").exists():
        print(f"The news questions are absent ({NEWS} not found): nothing to tune on.", file=sys.stderr)
        return 1
    tmp = None if args.work else tempfile.TemporaryDirectory(prefix="bantin-tune-")
    folder = (args.work or Path(tmp.name)) / "news"  # type: ignore[union-attr]
    if not (folder / "CURRENT").exists():
        build_index([NEWS / "articles.jsonl"], folder, resolve_options(folder))
    engine = Engine.open(folder)
    engine.warm_up()
    train = load_questions(NEWS / "questions.jsonl", split="train")
    dev = load_questions(NEWS / "questions.jsonl", split="dev")
    results = []
    for setting in grid():
        engine.config = replace(RankerConfig(), **setting)
        figures = evaluate(engine, train).summary()
        results.append((figures["P@1"], figures["answer_in_quote@1"], setting))
        print(f"train P@1 {figures['P@1']:.4f} aiq1 {figures['answer_in_quote@1']:.4f}  {setting}", file=sys.stderr)
    results.sort(key=lambda r: (-r[0], -r[1]))
    print("best on train, checked on dev:")
    for p1, aiq1, setting in results[: args.check]:
        engine.config = replace(RankerConfig(), **setting)
        figures = evaluate(engine, dev).summary()
        print(f"train P@1 {p1:.4f} aiq1 {aiq1:.4f} | dev P@1 {figures['P@1']:.4f} aiq1 {figures['answer_in_quote@1']:.4f} | {setting}")
    engine.close()
    if tmp:
        tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
