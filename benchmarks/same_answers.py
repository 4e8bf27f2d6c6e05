"""Every answer on the news questions, written down so that a refactor can prove it changed none.

    python benchmarks/same_answers.py --index /tmp/qwork/news --out before.jsonl     # before the change
    python benchmarks/same_answers.py --index /tmp/qwork/news --out after.jsonl      # after it
    python benchmarks/same_answers.py --compare before.jsonl after.jsonl

Each question of ``../shared/data/vinewsqa_dev`` (train and dev; research-only: read in place, never copied
into the repository) is asked as typed and without diacritics, alone and after the questions before it (as
``eval --conversation`` asks them). A line holds what a cadre is shown (quotes, marks, the period, the context
line) and the scores' exact bits (``float.hex``), so "the same answers" means the same bits. ``--compare``
prints how many answers differ, in what, and the first few. With ``--threads N`` the first pass is split over
N threads even on a small index (the same bits are required with 1 and 2).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from retrieval.evaluate import load_questions
from retrieval.search.conversation import Turn
from retrieval.search.engine import Engine
from retrieval.text.normalize import fold_accents

ROOT = Path(__file__).resolve().parent.parent
NEWS = ROOT.parent / "shared" / "data" / "vinewsqa_dev"


def _record(result: Any) -> dict[str, Any]:
    out = result.as_dict()
    out["bits"] = [(h.passage_id, float(h.score).hex(), float(h.coverage).hex()) for h in result.hits]
    out["total"] = result.total
    out["evidence"] = [list(e) for e in result.evidence]
    out["asked"] = result.asked
    return out


def _dump(engine: Engine, out: Path) -> int:
    questions = load_questions(NEWS / "questions.jsonl")
    keep = engine.config.follow_up.turns
    n = 0
    with out.open("w", encoding="utf-8") as fh:
        for typed in ("accented", "folded"):
            turns: list[Turn] = []
            for q in questions:
                text = q.question if typed == "accented" else fold_accents(q.question)
                alone = engine.search(text, k=3)
                after = engine.search(text, k=3, context=turns[-keep:])
                turns.append(after.turn())
                for way, result in (("alone", alone), ("after", after)):
                    fh.write(json.dumps({"id": q.id, "typed": typed, "way": way, **_record(result)}, ensure_ascii=False) + "\n")
                    n += 1
    return n


def _without(record: dict[str, Any], ignore: set[str]) -> dict[str, Any]:
    out = {k: v for k, v in record.items() if k not in ignore}
    if isinstance(out.get("period"), dict):
        out["period"] = {k: v for k, v in out["period"].items() if k not in ignore}
    return out


def _compare(a: Path, b: Path, ignore: set[str]) -> int:
    left = [_without(json.loads(line), ignore) for line in a.open(encoding="utf-8")]
    right = [_without(json.loads(line), ignore) for line in b.open(encoding="utf-8")]
    if len(left) != len(right):
        print(f"{a} has {len(left)} answers, {b} {len(right)}")
        return 1
    differ: dict[str, int] = {}
    shown = 0
    for x, y in zip(left, right, strict=True):
        keys = sorted(k for k in x.keys() | y.keys() if x.get(k) != y.get(k))
        for k in keys:
            differ[k] = differ.get(k, 0) + 1
        if keys and shown < 5:
            shown += 1
            print(f"{x['id']} {x['typed']} {x['way']}: {', '.join(keys)}")
    print(f"{len(left)} answers compared; differing: {differ or 'none'}")
    return 1 if differ else 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--index", type=Path, help="an index of the news articles (benchmarks/quality.py --work W builds W/news)")
    ap.add_argument("--out", type=Path, help="write the answers here")
    ap.add_argument("--threads", type=int, default=0, help="split the first pass over this many threads, however small the index")
    ap.add_argument("--compare", nargs=2, type=Path, metavar=("BEFORE", "AFTER"))
    ap.add_argument("--ignore", action="append", default=[], help="with --compare: leave out this key (one a change added on purpose)")
    args = ap.parse_args()
    if args.compare:
        return _compare(*args.compare, set(args.ignore))
    if not (NEWS / "questions.jsonl").exists():
        print(f"News questions are absent ({NEWS} not found): nothing to write.", file=sys.stderr)
        return 1
    if not args.index or not args.out:
        ap.error("give --index and --out (or --compare)")
    engine = Engine.open(args.index)
    engine.warm_up()
    if args.threads:
        engine.force_threads(args.threads)
    n = _dump(engine, args.out)
    print(f"{n} answers written to {args.out}")
    engine.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
