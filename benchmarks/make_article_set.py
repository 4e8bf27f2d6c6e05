"""Turn the dev sets into an article-retrieval set that looks like news: paragraphs grouped by title.

MLQA-vi and XQuAD-vi give one Wikipedia paragraph per document. News questions are asked of
whole articles cut into passages, so this groups each set's paragraphs by their article title
(in order) into multi-paragraph articles, and points every question at its article. The held-out
news benchmark is measured the same way (gold = article). Output keeps the CC BY-SA licences.

    python benchmarks/make_article_set.py --out /tmp/articles
    python -m retrieval eval /tmp/articles/questions.jsonl --docs /tmp/articles/docs.jsonl --baseline
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--sets", nargs="+", default=["mlqa_vi", "xquad_vi"])
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    articles: dict[str, dict] = {}
    article_of: dict[str, str] = {}
    for name in args.sets:
        folder = ROOT / "data" / name
        for line in (folder / "passages.jsonl").read_text(encoding="utf-8").splitlines():
            p = json.loads(line)
            key = f"{name}:{p['title']}"
            art = articles.setdefault(key, {"id": f"{name}-a{len(articles):04d}", "title": p["title"], "paragraphs": []})
            art["paragraphs"].append(p["text"])
            article_of[p["id"]] = art["id"]
        shutil.copy(folder / "LICENSE.txt", args.out / f"LICENSE-{name}.txt")
    with (args.out / "docs.jsonl").open("w", encoding="utf-8") as fh:
        for art in articles.values():
            fh.write(
                json.dumps({"id": art["id"], "title": art["title"], "text": "\n\n".join(art["paragraphs"])}, ensure_ascii=False) + "\n"
            )
    n = 0
    with (args.out / "questions.jsonl").open("w", encoding="utf-8") as fh:
        for name in args.sets:
            for line in (ROOT / "data" / name / "questions.jsonl").read_text(encoding="utf-8").splitlines():
                q = json.loads(line)
                q["passage_id"] = article_of[q["passage_id"]]
                fh.write(json.dumps(q, ensure_ascii=False) + "\n")
                n += 1
    print(f"{len(articles)} articles, {n} questions in {args.out}")


if __name__ == "__main__":
    main()
