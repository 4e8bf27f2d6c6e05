"""Search the passage and title field weights on a dev set (how the first defaults in retrieval/search/engine.py were chosen).

Scores every question once per field, then tries weight combinations with numpy, so a grid
of hundreds of settings takes seconds. Tune on MLQA-vi; check on XQuAD-vi (never tuned on). The
article, title and sentence weights on news are searched by `benchmarks/tune_news.py` (train split, checked on dev).

    python benchmarks/tune_ranker.py --tune data/mlqa_vi --check data/xquad_vi
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import time
from pathlib import Path

import numpy as np

from retrieval.index.matrix import FieldMatrix
from retrieval.sources.passages import split_passages
from retrieval.sources.reader import read_sources
from retrieval.text.analyzer import analyze_question, document_terms
from retrieval.text.normalize import fold_accents

FIELDS = ("word", "syl", "fold2", "fold1")  # syl included to show it does not pay


def load(folders: list[Path]):
    result = read_sources([f / "passages.jsonl" for f in folders])
    passages, article_of, titles = [], [], []
    for row, art in enumerate(result.articles):
        titles.append(art.title)
        for p in split_passages(art):
            passages.append(p)
            article_of.append(row)
    return result.articles, passages, np.array(article_of), titles


def field_scores(passages, titles, questions, k1=1.5, b=0.75):
    t0 = time.time()
    terms = [document_terms(p.text) for p in passages]
    tterms = [document_terms(t) for t in titles]
    print(f"analyzed {len(passages)} passages in {time.time() - t0:.0f}s", file=sys.stderr)
    mats = {f: FieldMatrix.build([t[f] for t in terms], k1=k1, b=b) for f in FIELDS}
    tmats = {f: FieldMatrix.build([t[f] for t in tterms], k1=k1, b=b) for f in ("word", "syl", "fold2")}
    out = []
    for q in questions:
        qa = analyze_question(q)
        s = {f: mats[f].scores(qa.terms[f]) for f in FIELDS}
        s.update({"t_" + f: tmats[f].scores(qa.terms[f]) for f in tmats})
        out.append(s)
    return out


def p_at_1(scores_list, gold_rows, article_of, weights, title_w):
    hits = 0
    for s, gold in zip(scores_list, gold_rows, strict=False):
        total = sum(w * s[f] for f, w in weights.items() if w)
        if title_w:
            t = sum(w * s["t_" + f] for f, w in weights.items() if w and "t_" + f in s)
            total = total + title_w * t[article_of]
        best = int(np.argmax(total))
        hits += total[best] > 0 and article_of[best] == gold
    return hits / len(gold_rows)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tune", type=Path, required=True)
    ap.add_argument("--check", type=Path)
    ap.add_argument("--no-diacritics", action="store_true")
    args = ap.parse_args()
    folders = [args.tune] + ([args.check] if args.check else [])
    articles, passages, article_of, titles = load(folders)
    row_of = {a.doc_id: i for i, a in enumerate(articles)}

    def questions(folder: Path):
        rows = [json.loads(line) for line in (folder / "questions.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
        texts = [fold_accents(r["question"]) if args.no_diacritics else r["question"] for r in rows]
        return texts, [row_of[r["passage_id"]] for r in rows]

    tq, tg = questions(args.tune)
    tscores = field_scores(passages, titles, tq)
    cq, cg = questions(args.check) if args.check else ([], [])
    cscores = field_scores(passages, titles, cq) if args.check else []
    grid = [0.0, 0.25, 0.5, 1.0] if not args.no_diacritics else [0.0]
    fold_grid = [0.0, 0.15, 0.3, 0.6, 1.0, 1.5, 2.0, 3.0]
    results = []
    for w_word, w_syl, w_f2, w_f1, w_title in itertools.product(
        [1.0] if not args.no_diacritics else [0.0], grid, fold_grid, fold_grid, [0.0, 0.1, 0.2, 0.4]
    ):
        weights = {"word": w_word, "syl": w_syl, "fold2": w_f2 if w_word else 1.0, "fold1": w_f1}
        p = p_at_1(tscores, tg, article_of, weights, w_title)
        results.append((p, weights, w_title))
    results.sort(key=lambda r: -r[0])
    for p, weights, w_title in results[:10]:
        check = p_at_1(cscores, cg, article_of, weights, w_title) if cscores else float("nan")
        print(f"tune P@1 {p:.3f}  check P@1 {check:.3f}  {weights} title={w_title}")


if __name__ == "__main__":
    main()
