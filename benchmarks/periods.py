"""What reading dates in questions changes: the questions that name a period, ranked with and without it.

    python benchmarks/periods.py [--work DIR]

Sets: the date questions over tests/fixtures/dated/ (37 questions, "today" as each gives), the news
questions in ``../shared/data/vinewsqa_dev`` (train and dev; research-only, read in place — skipped with
a message when absent), and MLQA-vi and XQuAD-vi. Questions that name no period are parsed exactly as
before (the period is None and nothing else changes); the script checks that too, on every question.
Reports, for the questions that do name one: how many, P@1 and answer-in-quotes-1–3 with periods read
and with them ignored.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from dataclasses import replace
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from retrieval.index.build import build_index, resolve_options  # noqa: E402
from retrieval.search.engine import Engine  # noqa: E402
from retrieval.search.period import find_period  # noqa: E402
from retrieval.text.normalize import fold_accents  # noqa: E402

NEWS = ROOT.parent / "shared" / "data" / "vinewsqa_dev"
TODAY = date(2026, 11, 27)


def _engine(docs: list[Path], folder: Path) -> Engine:
    if not (folder / "CURRENT").exists():
        build_index(docs, folder, resolve_options(folder))
    return Engine.open(folder)


def _found(hit_text: str, answers: list[str]) -> bool:
    low = fold_accents(hit_text.lower())
    return any(fold_accents(a.lower()) in low for a in answers if a)


def _measure(name: str, engine: Engine, questions: list[dict]) -> dict:
    off = Engine(engine.gen, replace(engine.config, periods=False))
    dated = [q for q in questions if find_period(q["question"], q.get("today") or TODAY)]
    row: dict = {"set": name, "questions": len(questions), "with a period": len(dated)}
    for label, eng in (("read", engine), ("ignored", off)):
        p1 = in3 = 0
        for q in dated:
            res = eng.search(q["question"], k=3, today=q.get("today") or TODAY)
            ids = [h.doc_id for h in res.hits]
            p1 += bool(ids) and ids[0] == q["expect"]
            in3 += any(_found(h.text, q.get("answers", [])) for h in res.hits)
        row[f"P@1 {label}"] = round(p1 / max(1, len(dated)), 3)
        if any(q.get("answers") for q in dated):
            row[f"answer in 1-3 {label}"] = round(in3 / max(1, len(dated)), 3)
    return row


def _news(split: str) -> list[dict]:
    out = []
    for line in (NEWS / "questions.jsonl").open(encoding="utf-8"):
        q = json.loads(line)
        if q.get("split") == split:
            out.append({"question": q["question"], "expect": q["passage_id"], "answers": q.get("answers", [])})
    return out


def _wiki(name: str) -> list[dict]:
    out = []
    for line in (ROOT / "data" / name / "questions.jsonl").open(encoding="utf-8"):
        q = json.loads(line)
        out.append({"question": q["question"], "expect": q.get("passage_id") or q.get("doc_id"), "answers": q.get("answers", [])})
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--work", type=Path, help="keep the indexes here between runs")
    args = ap.parse_args()
    tmp = None if args.work else tempfile.TemporaryDirectory(prefix="bantin-periods-")
    work = args.work or Path(tmp.name)  # type: ignore[union-attr]
    rows = []
    dated = _engine([ROOT / "tests" / "fixtures" / "dated"], work / "dated")
    questions = [json.loads(line) for line in (ROOT / "tests" / "fixtures" / "date_questions.jsonl").open(encoding="utf-8")]
    for q in questions:
        q["today"] = date.fromisoformat(q["today"])
    rows.append(_measure("date questions (fixtures)", dated, questions))
    wiki = _engine([ROOT / "data" / n / "passages.jsonl" for n in ("mlqa_vi", "xquad_vi")], work / "wiki")
    for name in ("mlqa_vi", "xquad_vi"):
        rows.append(_measure(name, wiki, _wiki(name)))
    if (NEWS / "questions.jsonl").exists():
        news = _engine([NEWS / "articles.jsonl"], work / "news")
        for split in ("train", "dev"):
            rows.append(_measure(f"news {split}", news, _news(split)))
    else:
        print(f"news: skipped ({NEWS} is absent)", file=sys.stderr)
    for row in rows:
        print(json.dumps(row, ensure_ascii=False))
    if tmp:
        tmp.cleanup()


if __name__ == "__main__":
    main()
