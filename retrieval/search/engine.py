"""Answer a question from an index: understand → first pass → cascade → not-found judge → present → settle.

The rooms, in the order a question passes through them: ``understand`` (the query and the conversation's
lift), ``searcher`` (the first pass over every passage), ``stages/`` (the ranking cascade over the best
candidates), ``notfound`` (whether to answer), ``present`` (the quotes, marked). ``reader`` holds the opened
generation and ``memory`` the page budget. This class only wires them.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from retrieval.index.kernels import compiled
from retrieval.index.layout import MAPPED_BUDGET_MB, current_generation
from retrieval.index.store import Store, StoredArticle
from retrieval.search.answer.page import RIVALS
from retrieval.search.ask import Ask
from retrieval.search.candidates import Candidates
from retrieval.search.config import RankerConfig
from retrieval.search.conversation import ContextUse, Turn, carry_on
from retrieval.search.memory import PageBudget
from retrieval.search.notfound import judge
from retrieval.search.period import Period
from retrieval.search.present import present
from retrieval.search.query import Query
from retrieval.search.reader import IndexReader, outdated_reason
from retrieval.search.result import Hit, Result
from retrieval.search.searcher import Searcher
from retrieval.search.sentences import SentenceWeights
from retrieval.search.stages import run_cascade
from retrieval.search.understand import Understood, understand

__all__ = ["RECALL_ARTICLES", "RERANK_DEPTH", "Engine", "Hit", "RankerConfig", "Result", "outdated_reason"]

RERANK_DEPTH = 200  # passages whose score their article's evidence can still change
RECALL_ARTICLES = 20  # articles a result lists in rank order (eval's ranks and recall curves)
DEFAULT_BUDGET = MAPPED_BUDGET_MB << 20


class Engine:
    """A loaded index generation. Thread-safe for searching (the store opens one connection per thread).

    ``mapped_budget``: bytes of index pages this process may hold before giving some back after a question
    (None: never; see MAPPED_BUDGET_MB)."""

    def __init__(self, gen: Path, config: RankerConfig | None = None, mapped_budget: int | None = DEFAULT_BUDGET) -> None:
        self.reader = IndexReader(gen)
        self.config = config or RankerConfig()
        self.searcher = Searcher(self.reader, self.config)
        self.budget = PageBudget(self.reader.maps, mapped_budget)

    @classmethod
    def open(cls, index_dir: Path, config: RankerConfig | None = None, mapped_budget: int | None = DEFAULT_BUDGET) -> Engine:
        return cls(current_generation(index_dir), config, mapped_budget)

    # what shells read of the generation
    @property
    def gen(self) -> Path:
        return self.reader.gen

    @property
    def params(self) -> dict[str, Any]:
        return self.reader.params

    @property
    def store(self) -> Store:
        return self.reader.store

    @property
    def passage_article(self) -> np.ndarray:
        return self.reader.passage_article

    def check(self) -> None:
        """Touch what opening does not (damage shows here, not at a cadre's question)."""
        self.reader.check()

    def warm_up(self) -> None:
        """Load the compiled kernels and pyvi before the first real question (servers, batches)."""
        self.searcher.kernels = compiled()
        self.search("khởi động", 1)

    def force_threads(self, threads: int) -> None:
        """Split the first pass over ``threads`` threads however small the index (tests and benchmarks: same bits)."""
        self.searcher.kernels = compiled()
        self.searcher.threads, self.searcher.parallel_from = threads, 0

    def sentence_weights(self, query: Query) -> SentenceWeights:
        """The IDF of the question's accent-free syllables and pairs: what its sentences and marks are weighed by."""
        terms = query.terms
        return SentenceWeights(self.reader.idf("fold1", terms["fold1"]), self.reader.idf("fold2", terms["fold2"]))

    def search(
        self,
        question: str,
        k: int = 3,
        offset: int = 0,
        exclude_articles: np.ndarray | None = None,
        today: date | None = None,
        context: Sequence[Turn] = (),
    ) -> Result:
        """The top ``k`` passages after ``offset`` that pass the not-found judge, answer sentence and span marked
        (``today``: the day "hôm qua" and "tháng trước" count from; the clock's by default; ``context``: the
        conversation's earlier turns, newest last, see search/conversation.py)."""
        t0 = time.perf_counter()
        understood = understand(self.reader, self.config, question, today, context)
        query = understood.query
        weights = self.sentence_weights(query)
        depth = max(1, min(self.reader.n_passages, max(k + offset, 1) * 4 + 10))
        scores, first = self.searcher.top(query, max(depth, RERANK_DEPTH), exclude_articles)
        ask = Ask(query, weights, understood.lift, scores, self.config, self.reader, self.searcher)
        ranked = run_cascade(first, ask)
        top = ranked.head(depth)
        verdict = judge(self.reader, self.searcher.kernels, self.config, query, top.ids, ask.notes.lead)
        keep = verdict.kept(self.config.min_coverage)
        kept, cover = top.where(keep), verdict.cover[keep]
        page = slice(offset, offset + k)
        hits = present(
            self.store, query, weights, kept.ids[page], kept.scores[page], cover[page], ask.notes.sentences, kept.ids[:RIVALS].tolist()
        )
        # the articles behind the quotes (each once, in rank order; none when nothing is shown), named in one look-up
        # with the turn's evidence
        behind = self.reader.first_articles(np.concatenate([kept.ids, ranked.ids[depth:]]), RECALL_ARTICLES) if len(kept) else ()
        names = self.store.doc_ids_of([*(row for row, _ in ask.notes.evidence), *behind])
        self.budget.settle()  # timed with the question: its asker waits while the pages are given back
        return Result(
            question,
            hits,
            query.qtype,
            query.accented,
            (time.perf_counter() - t0) * 1000,
            total=len(kept),
            period=query.period,
            context=self._context_use(understood, context, ask, ranked, offset + k),
            evidence=tuple((names[row], share) for row, share in ask.notes.evidence if row in names),
            asked=understood.asked,
            articles=tuple(names[row] for row in behind if row in names),
            bar=verdict.bar,
            in_period=_in_period(query.period, hits, ask),
            generation=self.reader.gen.name,
        )

    @staticmethod
    def _context_use(understood: Understood, context: Sequence[Turn], ask: Ask, ranked: Candidates, shown: int) -> ContextUse | None:
        """What the conversation did: whether the quotes shown differ from the question's own, and the words it took."""
        reading = understood.reading
        if reading is None:
            return None
        alone = ask.notes.alone if ask.notes.alone is not None else ranked
        moved = bool(understood.lift) and not alone.same_order(ranked, shown)
        return ContextUse(after=context[-1].question, used=moved or bool(understood.carried), carried=understood.carried, lean=reading.lean)

    def replay(self, asked: Sequence[tuple[str, Turn | None]], today: date | None = None) -> list[Turn]:
        """The turns a follow-up of a conversation reads, from its questions oldest first, each with its stored turn
        when kept: a turn missing (pruned, or never stored) is its question asked again after the ones before it."""
        turns: list[Turn] = []
        for question, turn in asked:
            if turn is None or not turn.question:
                turn = self.search(question, 3, today=today, context=turns).turn()
            turns = carry_on(turns, turn, self.config.follow_up)
        return turns

    def article(self, doc_id: str) -> StoredArticle | None:
        return self.store.article(doc_id)

    def latest(self, n: int = 5) -> list[StoredArticle]:
        return self.store.latest(n)

    def close(self) -> None:
        self.searcher.close()
        self.reader.close()


def _in_period(period: Period | None, hits: list[Hit], ask: Ask) -> bool:
    """Whether a quote shown comes from an article dated in the question's period (one that only names it, like a
    2018 report's "nhiệm vụ năm 2019", is the nearest there is, and the heading says so)."""
    if period is None or not hits or (period.start is None and not period.yearless):
        return True
    rows = ask.reader.passage_article[np.array([h.passage_id for h in hits])]
    return any(int(row) in ask.notes.in_period for row in rows)
