"""The reference every latency figure is a ratio against: bm25s (numba backend, one thread, top-10).

    pip install 'bm25s>=0.3,<0.4'        # benchmark-only; never a runtime dependency
    python benchmarks/reference_bm25s.py --index /tmp/archive-index --questions ../shared/data/vinewsqa_dev/questions.jsonl
    python benchmarks/reference_bm25s.py --index I --questions Q --project   # also time `ask --batch` alternately
    git worktree add /tmp/before <commit>
    python benchmarks/reference_bm25s.py --index I --questions Q --project --before /tmp/before   # and that checkout's

This machine's speed drifts (1.5× from minute to minute), so a time alone says little. bm25s indexes
the very passages of the project's index (read from its store), as lower-cased syllables, and answers
the same questions one at a time; with ``--project`` the project's ``ask --batch`` (``took_ms``) and
bm25s run in turns of 500 questions, so both figures share the same minutes. Prints p50/p95/p99 of
each and the ratio of the project's to bm25s'. With ``--before DIR`` (another checkout of the project, e.g. a git
worktree of the commit before a change) its ``ask --batch`` runs in the same turns too, so a change's cost is a ratio
of two figures taken in the same minutes.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
WORD = re.compile(r"\w+")
TURN = 500  # questions per turn when the two alternate


def _tokens(text: str) -> list[str]:
    return WORD.findall(text.lower())


def _pct(values: list[float]) -> dict[str, float]:
    return {f"p{q}": float(np.percentile(values, q)) for q in (50, 95, 99)}


def _project_times(index: Path, questions: list[str], tree: Path = ROOT) -> list[float]:
    """``ask --batch`` (of the checkout ``tree``) over these questions in one process: each question's ``took_ms``."""
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", encoding="utf-8", delete=False) as fh:
        for i, q in enumerate(questions):
            fh.write(json.dumps({"id": i, "question": q}, ensure_ascii=False) + "\n")
        batch = fh.name
    out = subprocess.run(
        [sys.executable, "-m", "retrieval", "ask", "--batch", batch, "--json", "--index", str(index), "--no-refresh"],
        capture_output=True,
        text=True,
        check=True,
        cwd=tree,
        env={**os.environ, "PYTHONPATH": str(tree)},
    )
    Path(batch).unlink()
    return [json.loads(line)["took_ms"] for line in out.stdout.splitlines()]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--index", type=Path, required=True, help="the project's index folder (its passages are indexed by bm25s)")
    ap.add_argument("--questions", type=Path, required=True, help='JSON Lines with a "question" field')
    ap.add_argument("--project", action="store_true", help="also time the project's ask --batch, alternating with bm25s")
    ap.add_argument("--limit", type=int, default=0, help="only the first N questions")
    ap.add_argument("--before", type=Path, help="another checkout of the project, timed in the same turns (with --project)")
    args = ap.parse_args()
    try:
        import bm25s
    except ImportError:
        print("bm25s is not installed: pip install 'bm25s>=0.3,<0.4' (a benchmark-only dependency).", file=sys.stderr)
        return 1
    if not args.questions.exists():
        print(f"Questions not found: {args.questions}.", file=sys.stderr)
        return 1
    from retrieval.search.engine import Engine

    questions = [json.loads(line)["question"] for line in args.questions.open(encoding="utf-8") if line.strip()]
    if args.limit:
        questions = questions[: args.limit]
    engine = Engine.open(args.index)
    started = time.perf_counter()
    corpus = [_tokens(t) for t in engine.store.passage_texts()]
    engine.close()
    retriever = bm25s.BM25(k1=1.5, b=0.75)
    retriever.index(corpus, show_progress=False)
    del corpus
    print(f"bm25s indexed {engine.params['n_passages']:,} passages in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    queries = [_tokens(q) for q in questions]
    retriever.retrieve([queries[0]], k=10, backend_selection="numba", n_threads=1, show_progress=False)  # compile

    reference: list[float] = []
    ours: list[float] = []
    before: list[float] = []
    for turn, first in enumerate(range(0, len(queries), TURN)):
        for q in queries[first : first + TURN]:
            t = time.perf_counter()
            retriever.retrieve([q], k=10, backend_selection="numba", n_threads=1, show_progress=False)
            reference.append((time.perf_counter() - t) * 1000)
        chunk = questions[first : first + TURN]
        if args.project and args.before and turn % 2:  # each goes first in turn
            before.extend(_project_times(args.index, chunk, args.before))
        if args.project:
            ours.extend(_project_times(args.index, chunk))
        if args.project and args.before and not turn % 2:
            before.extend(_project_times(args.index, chunk, args.before))
    ref = _pct(reference)
    print(
        f"bm25s (numba, 1 thread, top-10): p50 {ref['p50']:.2f}  p95 {ref['p95']:.2f}  p99 {ref['p99']:.2f} ms ({len(reference)} questions)"
    )
    if ours:
        own = _pct(ours)
        print(
            f"project ask --batch (took_ms):   p50 {own['p50']:.2f}  p95 {own['p95']:.2f}  p99 {own['p99']:.2f} ms; "
            f"ratio p50 {own['p50'] / ref['p50']:.2f}×, p95 {own['p95'] / ref['p95']:.2f}×"
        )
    if before:
        old = _pct(before)
        print(
            f"before ({args.before}) ask --batch: p50 {old['p50']:.2f}  p95 {old['p95']:.2f}  p99 {old['p99']:.2f} ms; "
            f"ratio p50 {old['p50'] / ref['p50']:.2f}×, p95 {old['p95'] / ref['p95']:.2f}×"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
