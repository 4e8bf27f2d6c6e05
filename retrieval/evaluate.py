"""Answer quality as numbers (the `eval` command's library), beside plain BM25Okapi in the same run.

Questions are JSON Lines {"id","question","answers":[...],"passage_id"} where
passage_id names the document that holds the answer.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from retrieval.search.conversation import Turn
from retrieval.search.engine import Engine, Result
from retrieval.search.query import parse_question
from retrieval.text.normalize import fold_accents, nfc

__all__ = [
    "RECALL_DEPTH",
    "EvalQuestion",
    "RunFigures",
    "baseline_run",
    "calibrate_not_found",
    "conversation_run",
    "evaluate",
    "load_questions",
    "off_topic_run",
    "plot_recall",
]

RECALL_DEPTH = 20


@dataclass(frozen=True)
class EvalQuestion:
    id: str
    question: str
    answers: tuple[str, ...]
    doc_id: str


def load_questions(path: Path, split: str | None = None) -> list[EvalQuestion]:
    """Questions from JSON Lines; with ``split``, only those whose "split" field is that (records without one stay)."""
    out = []
    with path.open(encoding="utf-8-sig") as fh:
        for lineno, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
                if split is not None and obj.get("split", split) != split:
                    continue
                answers = obj.get("answers") or ([obj["answer"]] if obj.get("answer") else [])
                out.append(EvalQuestion(str(obj["id"]), obj["question"], tuple(answers), str(obj["passage_id"])))
            except (json.JSONDecodeError, KeyError, TypeError) as exc:
                raise ValueError(f"{path}:{lineno}: not a question record ({exc})") from None
    return out


def _norm(text: str) -> str:
    return " ".join(nfc(text).split()).strip().lower()


_EDGE_PUNCT = " \t\n.,;:!?\"'()[]«»“”‘’…-–"


def _span_norm(text: str) -> str:
    """NFC, folded white space, trimmed of white space and edge punctuation ("1866," = "1866")."""
    return _norm(text).strip(_EDGE_PUNCT)


def _answer_in(answers: tuple[str, ...], texts: list[str]) -> bool:
    golds = [_norm(a) for a in answers if a.strip()]
    return any(g in _norm(t) for g in golds for t in texts)


def _ranks(doc_ids: list[str], gold: str) -> int | None:
    """1-based rank of the gold document, each document counted once at its best passage."""
    seen: list[str] = []
    for d in doc_ids:
        if d not in seen:
            seen.append(d)
            if d == gold:
                return len(seen)
    return None


@dataclass
class RunFigures:
    name: str
    ranks: list[int | None] = field(default_factory=list)
    in_quote1: list[bool] = field(default_factory=list)
    in_quote3: list[bool] = field(default_factory=list)
    in_sentence1: list[bool] = field(default_factory=list)
    span_exact: list[bool] = field(default_factory=list)
    span_overlap: list[bool] = field(default_factory=list)
    typed_exact: list[bool] = field(default_factory=list)  # questions with an answer type only
    not_found: list[bool] = field(default_factory=list)
    latency_ms: list[float] = field(default_factory=list)

    def summary(self) -> dict[str, float]:
        n = max(len(self.ranks), 1)
        rr = [1.0 / r if r and r <= 10 else 0.0 for r in self.ranks]
        lat = sorted(self.latency_ms) or [0.0]
        out = {
            "questions": len(self.ranks),
            "P@1": sum(1 for r in self.ranks if r == 1) / n,
            "MRR@10": sum(rr) / n,
            "R@10": sum(1 for r in self.ranks if r and r <= 10) / n,
            "answer_in_quote@1": sum(self.in_quote1) / n,
            "answer_in_quote@3": sum(self.in_quote3) / n,
            "not_found_rate": sum(self.not_found) / n,
            "latency_p50_ms": float(np.percentile(lat, 50)),
            "latency_p95_ms": float(np.percentile(lat, 95)),
        }
        if self.in_sentence1:
            out["answer_in_sentence@1"] = sum(self.in_sentence1) / n
        if self.typed_exact:
            out["typed_questions"] = len(self.typed_exact)
            out["typed_span_exact"] = sum(self.typed_exact) / len(self.typed_exact)
        if self.span_exact:
            out["answer_span_exact"] = sum(self.span_exact) / n
            # looser: the marked span and a gold answer contain one another (for analysis)
            out["answer_span_overlap"] = sum(self.span_overlap) / n
        return out

    def recall_curve(self, depth: int = RECALL_DEPTH) -> list[float]:
        n = max(len(self.ranks), 1)
        return [sum(1 for r in self.ranks if r and r <= k) / n for k in range(1, depth + 1)]


def _typed(question: str, no_diacritics: bool) -> str:
    return fold_accents(question) if no_diacritics else question


def evaluate(
    engine: Engine, questions: list[EvalQuestion], k: int = 10, no_diacritics: bool = False, misses: list[dict] | None = None
) -> RunFigures:
    """Run every question through the engine exactly as the bot would."""

    doc_of_article = engine.store.doc_ids()
    figures = RunFigures("ranker")
    for q in questions:
        text = _typed(q.question, no_diacritics)
        t0 = time.perf_counter()
        result = engine.search(text, k=3)
        figures.latency_ms.append((time.perf_counter() - t0) * 1000)
        top, _ = engine.ranked(parse_question(text), max(k, RECALL_DEPTH) * 6)
        docs = [doc_of_article[int(a)] for a in engine.passage_article[top]]
        rank = _ranks(docs, q.doc_id)
        figures.ranks.append(rank)
        quotes = [h.text for h in result.hits]
        figures.in_quote1.append(_answer_in(q.answers, quotes[:1]))
        figures.in_quote3.append(_answer_in(q.answers, quotes[:3]))
        span = result.hits[0].answer if result.hits else None
        golds = {_span_norm(a) for a in q.answers} - {""}
        marked = _span_norm(span.text) if span else ""
        figures.span_exact.append(bool(marked) and marked in golds)
        if result.qtype is not None:
            figures.typed_exact.append(bool(marked) and marked in golds)
        sentence = result.hits[0].sentence if result.hits else None
        figures.in_sentence1.append(sentence is not None and _answer_in(q.answers, [sentence.text]))
        figures.span_overlap.append(bool(marked) and any(marked in g or g in marked for g in golds))
        figures.not_found.append(result.not_found)
        if misses is not None and rank != 1:
            misses.append(
                {
                    "id": q.id,
                    "question": text,
                    "gold_doc": q.doc_id,
                    "gold_rank": rank,
                    "answers": list(q.answers),
                    "first_doc": docs[0] if docs else None,
                    "first_quote": quotes[0] if quotes else None,
                }
            )
    return figures


CONVERSATION_GROUPS = ("follow-up", "topic switch", "first question")


@dataclass
class _Arm:
    """One way of asking a group of questions: P@1 and answer in quote 1 and in quotes 1–3."""

    first: list[bool] = field(default_factory=list)
    quote1: list[bool] = field(default_factory=list)
    quote3: list[bool] = field(default_factory=list)
    used: list[bool] = field(default_factory=list)

    def add(self, result: Result, q: EvalQuestion, doc_of_article: list[str]) -> None:
        self.first.append(bool(result.ranking) and doc_of_article[result.ranking[0]] == q.doc_id)
        quotes = [h.text for h in result.hits]
        self.quote1.append(_answer_in(q.answers, quotes[:1]))
        self.quote3.append(_answer_in(q.answers, quotes[:3]))
        self.used.append(bool(result.context and result.context.used))

    def summary(self) -> dict[str, float]:
        n = max(len(self.first), 1)
        return {"P@1": sum(self.first) / n, "answer_in_quote@1": sum(self.quote1) / n, "answer_in_quote@3": sum(self.quote3) / n}


def conversation_run(engine: Engine, questions: list[EvalQuestion], no_diacritics: bool = False) -> dict[str, dict[str, float]]:
    """Each question asked after the ones before it in the file, as a cadre asks in one chat, beside the same
    question asked alone, in one run. A question about the same article as the one before is a follow-up;
    the first about another article is a topic switch (the news questions come in runs per article)."""
    doc_of_article = engine.store.doc_ids()
    arms = {(group, arm): _Arm() for group in CONVERSATION_GROUPS for arm in ("alone", "context")}
    turns: list[Turn] = []
    previous: EvalQuestion | None = None
    keep = engine.config.follow_up.turns
    for q in questions:
        text = _typed(q.question, no_diacritics)
        group = "first question" if previous is None else "follow-up" if previous.doc_id == q.doc_id else "topic switch"
        arms[group, "alone"].add(engine.search(text, k=3), q, doc_of_article)
        result = engine.search(text, k=3, context=turns[-keep:])
        arms[group, "context"].add(result, q, doc_of_article)
        turns.append(result.turn())
        previous = q
    report: dict[str, dict[str, float]] = {}
    for group in CONVERSATION_GROUPS:
        alone, context = arms[group, "alone"], arms[group, "context"]
        if not alone.first:
            continue
        row: dict[str, float] = {"questions": len(alone.first)}
        for key, value in alone.summary().items():
            row[f"{key} alone"] = value
            row[f"{key} with context"] = context.summary()[key]
        row["context used"] = sum(context.used) / len(context.used)
        report[group] = row
    return report


def baseline_run(engine: Engine, questions: list[EvalQuestion], no_diacritics: bool = False) -> RunFigures:
    """Plain rank_bm25.BM25Okapi over lower-cased pyvi words: whole documents for the ranks,
    the same passages as the ranker for the quotes."""
    from pyvi import ViTokenizer
    from rank_bm25 import BM25Okapi

    def toks(text: str) -> list[str]:
        return [t for t in ViTokenizer.tokenize(nfc(text)).lower().split() if any(c.isalnum() for c in t)]

    articles = engine.store.articles_text()
    passages = engine.store.passage_texts()
    doc_ids = [a[0] for a in articles]
    doc_bm25 = BM25Okapi([toks(f"{title}\n{text}") for _, title, text in articles])
    pas_bm25 = BM25Okapi([toks(p) for p in passages])
    figures = RunFigures("baseline")
    for q in questions:
        text = _typed(q.question, no_diacritics)
        t0 = time.perf_counter()
        qt = toks(text)
        scores = doc_bm25.get_scores(qt)
        pscores = pas_bm25.get_scores(qt)
        figures.latency_ms.append((time.perf_counter() - t0) * 1000)
        order = np.argsort(-scores, kind="stable")[:RECALL_DEPTH]
        figures.ranks.append(_ranks([doc_ids[i] for i in order if scores[i] > 0], q.doc_id))
        porder = [i for i in np.argsort(-pscores, kind="stable")[:3] if pscores[i] > 0]
        quotes = [passages[i] for i in porder]
        figures.in_quote1.append(_answer_in(q.answers, quotes[:1]))
        figures.in_quote3.append(_answer_in(q.answers, quotes[:3]))
        figures.not_found.append(not quotes)
    return figures


def off_topic_run(engine: Engine, questions: list[EvalQuestion], no_diacritics: bool = False) -> dict[str, float]:
    """Questions the index cannot answer (asked of another collection): how often "not found" is said."""
    said = sum(engine.search(_typed(q.question, no_diacritics), k=1).not_found for q in questions)
    return {"off_topic_questions": len(questions), "off_topic_not_found": said / max(len(questions), 1)}


def calibrate_not_found(engine: Engine, questions: list[EvalQuestion], thresholds: list[float], no_diacritics: bool = False) -> list[dict]:
    """For each threshold: how often "not found" is said with the gold document in the pool
    (unwanted) and with it removed (wanted)."""

    row_of_doc = {d: r for r, d in enumerate(engine.store.doc_ids())}
    present: list[float] = []
    absent: list[float] = []
    for q in questions:
        query = parse_question(_typed(q.question, no_diacritics))
        for store, exclude in ((present, None), (absent, np.array([row_of_doc.get(q.doc_id, -1)]))):
            top, _ = engine.ranked(query, 1, exclude)
            store.append(float(engine.coverage(query, top[:1])[0]) if len(top) else 0.0)
    rows = []
    for t in thresholds:
        rows.append(
            {
                "threshold": t,
                "not_found_when_present": sum(c < t for c in present) / max(len(present), 1),
                "not_found_when_absent": sum(c < t for c in absent) / max(len(absent), 1),
            }
        )
    return rows


def plot_recall(curves: dict[str, list[float]], path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4), dpi=120)
    ks = list(range(1, RECALL_DEPTH + 1))
    for name, curve in curves.items():
        ax.plot(ks, curve, marker="o", markersize=3, label=name)
    ax.set_xlabel("k (documents)")
    ax.set_ylabel("recall@k")
    ax.set_xticks([1, 5, 10, 15, 20])
    ax.set_ylim(0, 1)
    ax.grid(alpha=0.3)
    ax.set_title(title)
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
