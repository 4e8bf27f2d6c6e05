"""Answer quality as numbers (the `eval` command's library), beside plain BM25Okapi in the same run.

Questions are JSON Lines {"id","question","answers":[...],"passage_id"} where
passage_id names the document that holds the answer.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from retrieval.search.answer import Span
from retrieval.search.conversation import Turn, carry_on
from retrieval.search.engine import Engine
from retrieval.search.result import Result
from retrieval.text.normalize import fold_accents, nfc

__all__ = [
    "RECALL_DEPTH",
    "EvalOptions",
    "EvalQuestion",
    "MarkFigures",
    "RunFigures",
    "baseline_run",
    "calibrate_not_found",
    "conversation_run",
    "eval_report",
    "evaluate",
    "load_questions",
    "off_topic_run",
    "plot_recall",
    "rank_of",
    "scores_of",
    "span_overlaps",
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


def span_overlaps(answers: Sequence[str], text: str) -> bool:
    """Whether a marked span and a gold answer contain one another (after ``_span_norm``): eval's span precision."""
    golds = {_span_norm(a) for a in answers} - {""}
    marked = _span_norm(text)
    return bool(marked) and any(marked in g or g in marked for g in golds)


def rank_of(articles: Sequence[str], gold: str) -> int | None:
    """1-based rank of the gold document among the articles behind an answer (None: not among them, or not found)."""
    seen = list(dict.fromkeys(articles))
    return seen.index(gold) + 1 if gold in seen else None


@dataclass
class MarkFigures:
    """What a cadre reads first, on the first quote: the underlined span and the bold sentence."""

    questions: int = 0
    spans: int = 0  # questions whose first quote has an underlined span
    overlap: int = 0  # ... that overlaps a gold answer (one inside the other)
    exact: int = 0  # ... that is a gold answer
    sentence: int = 0  # questions whose bold sentence holds a gold answer
    quote: int = 0  # questions whose first quote holds one

    def add_first(self, answers: Sequence[str], result: Result) -> bool:
        """The marks of ``result``'s first quote (none when not found); whether its span is a gold answer."""
        hit = result.hits[0] if result.hits else None
        return self.add(answers, hit.text if hit else None, hit.sentence if hit else None, hit.answer if hit else None)

    def add(self, answers: Sequence[str], quote: str | None, sentence: Span | None, span: Span | None) -> bool:
        """One quote's marks; whether its span is a gold answer."""
        self.questions += 1
        golds = {_span_norm(a) for a in answers} - {""}
        marked = _span_norm(span.text) if span else ""
        if marked:
            self.spans += 1
            self.overlap += span_overlaps(answers, marked)
            self.exact += marked in golds
        self.sentence += sentence is not None and _answer_in(tuple(answers), [sentence.text])
        self.quote += quote is not None and _answer_in(tuple(answers), [quote])
        return bool(marked) and marked in golds

    def summary(self) -> dict[str, float]:
        n, shown = max(self.questions, 1), max(self.spans, 1)
        return {
            "span_coverage": self.spans / n,
            "span_precision": self.overlap / shown,
            "span_exact": self.exact / shown,
            "sentence_holds_answer": self.sentence / n,
            "quote_holds_answer": self.quote / n,
        }


@dataclass
class RunFigures:
    name: str
    ranks: list[int | None] = field(default_factory=list)
    in_quote1: list[bool] = field(default_factory=list)
    in_quote3: list[bool] = field(default_factory=list)
    typed_exact: list[bool] = field(default_factory=list)  # questions with an answer type only
    not_found: list[bool] = field(default_factory=list)
    latency_ms: list[float] = field(default_factory=list)
    marks: MarkFigures = field(default_factory=MarkFigures)  # the first quote's sentence and span (not for the baseline)

    def add(self, result: Result, q: EvalQuestion) -> None:
        """Score one answer as a cadre sees it."""
        exact = self.marks.add_first(q.answers, result)
        if result.qtype is not None:
            self.typed_exact.append(exact)
        self.latency_ms.append(result.took_ms)
        self.ranks.append(rank_of(result.articles, q.doc_id))
        quotes = [h.text for h in result.hits]
        self.in_quote1.append(_answer_in(q.answers, quotes[:1]))
        self.in_quote3.append(_answer_in(q.answers, quotes[:3]))
        self.not_found.append(result.not_found)

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
        marks = self.marks
        if marks.questions:
            out["answer_in_sentence@1"] = marks.sentence / n
        if self.typed_exact:
            out["typed_questions"] = len(self.typed_exact)
            out["typed_span_exact"] = sum(self.typed_exact) / len(self.typed_exact)
        if marks.questions:
            out["answer_span_exact"] = marks.exact / n
            # looser: the marked span and a gold answer contain one another (for analysis)
            out["answer_span_overlap"] = marks.overlap / n
            out |= marks.summary()
        return out

    def recall_curve(self, depth: int = RECALL_DEPTH) -> list[float]:
        n = max(len(self.ranks), 1)
        return [sum(1 for r in self.ranks if r and r <= k) / n for k in range(1, depth + 1)]


def _typed(question: str, no_diacritics: bool) -> str:
    return fold_accents(question) if no_diacritics else question


def evaluate(
    engine: Engine, questions: list[EvalQuestion], k: int = 3, no_diacritics: bool = False, misses: list[dict] | None = None
) -> RunFigures:
    """Run every question through the engine exactly as ``ask`` and the bot do, ``k`` quotes per answer, and score
    the ``Result`` they show: "not found" is a miss, the ranks are the articles behind the quotes, the latency
    the whole search."""
    figures = RunFigures("ranker")
    for q in questions:
        text = _typed(q.question, no_diacritics)
        result = engine.search(text, k=k)
        figures.add(result, q)
        if misses is not None and figures.ranks[-1] != 1:
            quotes = [h.text for h in result.hits]
            misses.append(
                {
                    "id": q.id,
                    "question": text,
                    "gold_doc": q.doc_id,
                    "gold_rank": figures.ranks[-1],
                    "answers": list(q.answers),
                    "first_doc": result.articles[0] if result.articles else None,
                    "first_quote": quotes[0] if quotes else None,
                }
            )
    return figures


def scores_of(articles: list[list[str]], golds: list[str]) -> dict[str, float]:
    """P@1, MRR@10 and R@10 of answers given as their ranked articles (``ask --json``'s "articles"): the same
    figures ``evaluate`` reports, for answers produced elsewhere."""
    figures = RunFigures("answers")
    figures.ranks = [rank_of(a, g) for a, g in zip(articles, golds, strict=True)]
    summary = figures.summary()
    return {key: summary[key] for key in ("P@1", "MRR@10", "R@10")}


CONVERSATION_GROUPS = ("follow-up", "topic switch", "first question")


@dataclass
class _Arm:
    """One way of asking a group of questions: P@1 and answer in quote 1 and in quotes 1–3."""

    first: list[bool] = field(default_factory=list)
    quote3: list[bool] = field(default_factory=list)
    used: list[bool] = field(default_factory=list)
    marks: MarkFigures = field(default_factory=MarkFigures)

    def add(self, result: Result, q: EvalQuestion) -> None:
        self.first.append(rank_of(result.articles, q.doc_id) == 1)
        self.quote3.append(_answer_in(q.answers, [h.text for h in result.hits[:3]]))
        self.used.append(bool(result.context and result.context.used))
        self.marks.add_first(q.answers, result)

    def summary(self) -> dict[str, float]:
        n = max(len(self.first), 1)
        out = {"P@1": sum(self.first) / n, "answer_in_quote@1": self.marks.quote / n, "answer_in_quote@3": sum(self.quote3) / n}
        return out | self.marks.summary()


def conversation_run(engine: Engine, questions: list[EvalQuestion], no_diacritics: bool = False) -> dict[str, dict[str, float]]:
    """Each question asked after the ones before it in the file, as a cadre asks in one chat, beside the same
    question asked alone, in one run. A question about the same article as the one before is a follow-up;
    the first about another article is a topic switch (the news questions come in runs per article)."""
    arms = {(group, arm): _Arm() for group in CONVERSATION_GROUPS for arm in ("alone", "context")}
    turns: list[Turn] = []
    previous: EvalQuestion | None = None
    for q in questions:
        text = _typed(q.question, no_diacritics)
        group = "first question" if previous is None else "follow-up" if previous.doc_id == q.doc_id else "topic switch"
        arms[group, "alone"].add(engine.search(text, k=3), q)
        result = engine.search(text, k=3, context=turns)
        arms[group, "context"].add(result, q)
        turns = carry_on(turns, result.turn(), engine.config.follow_up)
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
        figures.ranks.append(rank_of([doc_ids[i] for i in order if scores[i] > 0], q.doc_id))
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


def calibrate_not_found(
    engine: Engine, questions: list[EvalQuestion], thresholds: list[float], no_diacritics: bool = False, k: int = 3
) -> list[dict]:
    """For each threshold: how often "not found" is said with the gold document in the pool (unwanted) and with
    it removed (wanted). Each question is searched as ``ask`` searches it; its ``Result.bar`` is the highest
    threshold at which the search's own not-found rule still shows quotes."""
    row_of_doc = {d: r for r, d in enumerate(engine.store.doc_ids())}
    present: list[float] = []
    absent: list[float] = []
    for q in questions:
        text = _typed(q.question, no_diacritics)
        present.append(engine.search(text, k=k).bar)
        absent.append(engine.search(text, k=k, exclude_articles=np.array([row_of_doc.get(q.doc_id, -1)])).bar)
    return [
        {
            "threshold": t,
            "not_found_when_present": sum(bar < t for bar in present) / max(len(present), 1),
            "not_found_when_absent": sum(bar < t for bar in absent) / max(len(absent), 1),
        }
        for t in thresholds
    ]


@dataclass(frozen=True)
class EvalOptions:
    """What `eval` measures beside the ranker's figures."""

    k: int = 3  # quotes per answer, as ``ask -k``
    no_diacritics: bool = False
    baseline: bool = False  # plain rank_bm25.BM25Okapi in the same run
    calibrate: bool = False  # the not-found threshold's grid
    misses: bool = False  # the questions whose gold article was not first
    plot: str | None = None  # a recall curve, written here


def eval_report(
    engine: Engine, questions: list[EvalQuestion], off_topic: list[EvalQuestion], options: EvalOptions, label: str = ""
) -> dict:
    """`eval`'s report: the ranker's figures (and the baseline's, their difference, the calibration, the misses)."""
    misses: list[dict] | None = [] if options.misses else None
    ours = evaluate(engine, questions, options.k, options.no_diacritics, misses)
    report: dict = {"questions": label, "no_diacritics": options.no_diacritics, "ranker": ours.summary()}
    curves = {"ranker": ours.recall_curve()}
    if off_topic:
        report["ranker"] |= off_topic_run(engine, off_topic, options.no_diacritics)
    if options.baseline:
        base = baseline_run(engine, questions, options.no_diacritics)
        report["baseline"] = base.summary()
        report["difference"] = {key: report["ranker"][key] - val for key, val in report["baseline"].items() if key in report["ranker"]}
        curves["plain BM25Okapi"] = base.recall_curve()
    if options.calibrate:
        grid = [round(x, 2) for x in np.arange(0.1, 0.91, 0.05)]
        report["not_found_calibration"] = calibrate_not_found(engine, questions, grid, options.no_diacritics, options.k)
        report["not_found_threshold"] = engine.config.min_coverage
    if misses is not None:
        report["misses"] = misses
    if options.plot:
        plot_recall(curves, Path(options.plot), f"{Path(label).parent.name}{' (no diacritics)' if options.no_diacritics else ''}")
    return report


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
