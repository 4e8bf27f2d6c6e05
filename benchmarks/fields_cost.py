"""What the ranker's extra fields cost: the full ranker against a single-field index, same run, same index.

    python benchmarks/fields_cost.py --index INDEX --questions QUESTIONS.jsonl

Both engines answer every question (alternating which goes first); reports p50/p95 of the whole
``search`` (analysis, scoring, top-k, not-found check, SQLite, answer span) and the p95 ratio.
The single-field engine scores accent-free syllables only, with no title, article or sentence evidence.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from retrieval.search.engine import Engine, RankerConfig


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--index", type=Path, required=True)
    ap.add_argument("--questions", type=Path, required=True)
    args = ap.parse_args()
    full = Engine.open(args.index)
    single = Engine.open(args.index, RankerConfig(accented={"fold1": 1.0}, unaccented={"fold1": 1.0}, title=0.0, article=0.0, sentence=0.0))
    for engine in (full, single):
        engine.warm_up()
    questions = [json.loads(line)["question"] for line in args.questions.read_text(encoding="utf-8").splitlines() if line.strip()]
    for q in questions[:100]:  # warm the page cache for both
        full.search(q)
        single.search(q)
    times: dict[str, list[float]] = {"all fields": [], "single field": []}
    for i, q in enumerate(questions):
        order = [("all fields", full), ("single field", single)]
        for name, engine in order if i % 2 else order[::-1]:
            t = time.perf_counter()
            engine.search(q)
            times[name].append((time.perf_counter() - t) * 1000)
    for name, values in times.items():
        print(f"{name:13s} p50 {np.percentile(values, 50):.2f} ms  p95 {np.percentile(values, 95):.2f} ms")
    print(f"p95 ratio {np.percentile(times['all fields'], 95) / np.percentile(times['single field'], 95):.2f}×")


if __name__ == "__main__":
    main()
