"""Answer a question from an index: fused BM25 fields, a not-found threshold, the answer span."""

from __future__ import annotations

import itertools
import os
import re
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from retrieval.index.build import ANALYZER_VERSION, ARTICLE_PREFIX, TITLE_PREFIX
from retrieval.index.ingest import ARTICLE_FIELDS, TITLE_FIELDS
from retrieval.index.kernels import NUMPY, Kernels, compiled
from retrieval.index.layout import (
    FORMAT_VERSION,
    MAPPED_BUDGET_MB,
    READABLE_FORMATS,
    IndexOutdated,
    Maps,
    current_generation,
    load_array,
    read_params,
)
from retrieval.index.matrix import Field, FieldMatrix
from retrieval.index.store import Store, StoredArticle
from retrieval.search.answer import Span, find_answer, mark
from retrieval.search.conversation import (
    EVIDENCE_DEPTH,
    ContextUse,
    FollowUpConfig,
    Reading,
    Turn,
    is_contrast,
    read_follow_up,
    without_contrast,
)
from retrieval.search.period import Period, fold_text
from retrieval.search.query import Query, merge_queries, parse_question
from retrieval.search.quote import REACH, make_quote
from retrieval.search.sentences import SentenceWeights, best_sentence
from retrieval.text.analyzer import FIELDS

__all__ = ["RERANK_DEPTH", "Engine", "Hit", "RankerConfig", "Result", "outdated_reason"]

RERANK_DEPTH = 200  # passages whose score their article's evidence can still change
CONTEXT_PASSAGES = 3  # passages of each conversation article added to the candidates (a page of quotes) ...
CONTEXT_ARTICLES = 5  # ... for the articles the conversation lifts most (the others are lifted only if already candidates)
MIN_LIFT = 0.01  # a lift under this share of the best score changes nothing worth its cost: not applied
RECALL_ARTICLES = 20  # articles a result lists in rank order (eval's ranks and recall curves)
# A question naming a period: passages of articles dated in it weigh (1 + DATED_BOOST) times as much,
# of articles that name it in their text (1 + NAMED_BOOST) times ("năm 2018" in a January 2019 report).
DATED_BOOST = 1.0
NAMED_BOOST = 0.5
DATED_SHARE = 0.5
MENTION_DEPTH = 50  # passages whose articles' text is searched for the period  # an archive is dated when at least this share of its articles have a date
# A question's passage scores are summed by this many threads (one per core, at most 4) once the index
# holds PARALLEL_MIN_PASSAGES: below that a thread's hand-off costs more than it saves.
SCORING_THREADS = max(1, min(4, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1))
PARALLEL_MIN_PASSAGES = 1 << 18
PARALLEL_MIN_ARTICLES = 8  # per thread, for the article and title look-ups
# "mới nhất": among the passages scoring at least this share of the best, the newest article comes first.
RECENT_SHARE = 0.6


def _file_resident() -> int:
    """Bytes of file pages (and shared memory) resident in this process: /proc/self/statm's third field."""
    try:
        with open("/proc/self/statm", "rb") as fh:
            return int(fh.read().split()[2]) * _PAGE
    except (OSError, IndexError, ValueError):  # not Linux: never release
        return 0


_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def outdated_reason(gen: Path, params: dict[str, Any] | None = None) -> str | None:
    """Why this version cannot read the index generation ``gen`` (its ``params`` when already read), or None."""
    params = read_params(gen) if params is None else params
    if params.get("format") in READABLE_FORMATS and params.get("analyzer") == ANALYZER_VERSION:
        return None
    return (
        f"the index in {gen.parent} was built by an older version (format {params.get('format')}, "
        f"analyzer {params.get('analyzer')}; this version reads {FORMAT_VERSION}, {ANALYZER_VERSION})"
    )


@dataclass(frozen=True)
class RankerConfig:
    """How the fields' BM25 scores are combined, and when to say "not found".

    A passage's score is its own fields' BM25 plus ``article`` × its whole article's fields' BM25
    (a passage is believed more when its article is about the question), plus ``sentence`` × the
    best candidate's score × the share of the question its best sentence holds. Accented
    questions may use pyvi words; questions typed without diacritics only the accent-free fields.
    Tuned on the news questions' train split (benchmarks/quality.py), checked on dev.
    """

    accented: dict[str, float] = field(default_factory=lambda: {"word": 1.0, "fold2": 0.3, "fold1": 1.0})
    unaccented: dict[str, float] = field(default_factory=lambda: {"word": 0.0, "fold2": 0.3, "fold1": 1.0})
    article_accented: dict[str, float] = field(default_factory=lambda: {"word": 1.0, "fold2": 0.5, "fold1": 0.3})
    article_unaccented: dict[str, float] = field(default_factory=lambda: {"word": 0.0, "fold2": 0.5, "fold1": 0.2})
    article: float = 1.5
    # The title alone, with the passage fields' weights: siblings under one title (Wikipedia) need it.
    title: float = 1.0
    sentence: float = 0.8
    sentence_depth: int = 10  # passages whose best sentence is read (measured: 30 ranks no better)
    # Share of the best score a passage gains when it holds an answer of the type asked (0: off).
    answer_type: float = 0.0
    # Judge "not found" on the passage that led before the sentence step (see Engine.search).
    judge_lead: bool = True
    # In a large index, question terms found in more than this share of passages are not scored over
    # every passage in these fields: they discriminate little and cost most of the postings read ("của",
    # "và", "được"; at 1.5M passages p95 13.6 → 7.8 ms, quality unchanged on news). Small indexes keep them.
    common_share: float = 0.2
    common_fields: tuple[str, ...] = ("fold1", "word")
    common_min_passages: int = 50_000
    # Share of the question's idf mass that the best passage must contain (see README), measured
    # in this field for accented questions (accent-free questions always use fold1).
    min_coverage: float = 0.4
    coverage_field: str = "fold1"
    # What a word found only in the title of the passage's article counts toward that coverage, as a share
    # of its idf (a question asked by its headline; 0: the passage's words alone).
    title_coverage: float = 0.3  # fitted on news train: off-topic answers within 0.003, headlines 0.888 -> 0.950
    # Read dates and periods in questions ("tháng 12/2018", "mới nhất"); off only to measure what they change.
    periods: bool = True
    # How far a follow-up question leans on the conversation before it (search/conversation.py).
    follow_up: FollowUpConfig = field(default_factory=FollowUpConfig)


@dataclass
class Hit:
    passage_id: int
    doc_id: str
    title: str
    date: str | None
    text: str
    score: float
    coverage: float
    kind: str
    position: int
    answer: Span | None = None
    sentence: Span | None = None  # the sentence that answers; ``answer`` lies inside it when both exist
    published: str | None = None  # the page's date, when it differs from ``date`` (the event's)
    url: str | None = None  # the original article, when known
    ocr: float | None = None  # quoted from a scan or photo: Tesseract's mean confidence (a digit may be misread)

    def as_dict(self) -> dict[str, Any]:
        return {
            "doc_id": self.doc_id,
            "passage_id": self.passage_id,
            "title": self.title,
            "date": self.date,
            "published": self.published,
            "url": self.url,
            "ocr": self.ocr,
            "text": self.text,
            "score": round(self.score, 6),
            "answer": self.answer.as_dict() if self.answer else None,
            "sentence": {"start": self.sentence.start, "end": self.sentence.end} if self.sentence else None,
        }


@dataclass
class Result:
    question: str
    hits: list[Hit]
    qtype: str | None
    accented: bool
    took_ms: float = 0.0
    total: int = 0  # passages that passed the threshold (for paging)
    period: Period | None = None  # the dates the question was understood to ask about
    context: ContextUse | None = None  # what the conversation before it did, when one was given
    # The articles the question alone ranked best, with their share of the best score: what a
    # follow-up reads of this turn (see ``turn``).
    evidence: tuple[tuple[str, float], ...] = ()
    asked: str = ""  # the question as understood, when it took words from the one before
    ranking: tuple[int, ...] = ()  # article rows in the order ranked, before the not-found check (eval's ranks)

    @property
    def not_found(self) -> bool:
        return not self.hits

    def turn(self) -> Turn:
        """This question and what it got, as the turn a follow-up is read after."""
        return Turn(self.question, tuple(dict.fromkeys(h.doc_id for h in self.hits)), self.evidence, self.asked)

    def as_dict(self) -> dict:
        out = {
            "question": self.question,
            "not_found": self.not_found,
            "period": self.period.as_dict() if self.period else None,
            "hits": [h.as_dict() for h in self.hits],
        }
        if self.context is not None:
            out["context"] = self.context.as_dict()
        return out


@dataclass
class _Ranking:
    """The candidates in order, and what the steps before the not-found check learned on the way."""

    candidates: np.ndarray
    fused: np.ndarray
    lead: int | None  # the passage that led before the sentence step (the not-found check reads it)
    sentences: dict[int, tuple[float, int, int]]  # best sentence of each passage the sentence step read
    evidence: list[tuple[int, float]]  # (article row, share of the best score), the question alone
    alone: np.ndarray  # the candidates' order before the conversation lifted any
    articles: tuple[int, ...] = ()  # article rows in the final order (the first RECALL_ARTICLES)


class Engine:
    """A loaded index generation. Thread-safe for searching (the store opens one connection per thread)."""

    def __init__(self, gen: Path, config: RankerConfig | None = None) -> None:
        self.gen = gen
        self.params = read_params(gen)
        reason = outdated_reason(gen, self.params)
        if reason:
            raise IndexOutdated(reason)
        self.config = config or RankerConfig()
        meta = self.params["fields"]
        self.maps = Maps()
        self.fields = {name: Field.load(gen, name, meta[name], maps=self.maps) for name in FIELDS}
        self.title_fields = {name: Field.load(gen, TITLE_PREFIX + name, meta[TITLE_PREFIX + name], maps=self.maps) for name in TITLE_FIELDS}
        self.article_fields = {
            name: Field.load(gen, ARTICLE_PREFIX + name, meta[ARTICLE_PREFIX + name], maps=self.maps) for name in ARTICLE_FIELDS
        }
        self.passage_article = load_array(gen / "passage_article.npy")
        # index pages this process may hold before giving them back (None: never); see MAPPED_BUDGET_MB
        self.mapped_budget: int | None = MAPPED_BUDGET_MB << 20
        self._file_pages_at_open = _file_resident()
        self._buffers = threading.local()
        self.store = Store(gen / "store.sqlite")
        self.n_passages = int(self.params["n_passages"])
        self.kernels: Kernels = NUMPY  # until warm_up(): one question does not pay for loading numba
        self.threads = SCORING_THREADS  # threads scoring one question (with the compiled kernels, in a large index)
        self._scoring_pool: ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()

    def keep_within_budget(self) -> bool:
        """Give back index pages once those this process holds pass ``mapped_budget`` (after each search); True if it did."""
        base, budget = self._file_pages_at_open, self.mapped_budget
        if budget is None or _file_resident() - base <= budget:
            return False
        target = budget * 3 // 4  # a quarter of room, so that the next questions do not pay for a release each
        self.maps.release_until(lambda: _file_resident() - base <= target)
        return True

    def check(self) -> None:
        """Touch what opening does not: the store's tables and every array's last element (damage shows here)."""
        last = self.store.last_passage_id()
        if last != self.n_passages - 1 or len(self.passage_article) != self.n_passages:
            raise ValueError(f"the store ends at passage {last}, the arrays hold {len(self.passage_article)}")
        for field_ in (*self.fields.values(), *self.title_fields.values(), *self.article_fields.values()):
            for matrix, name in itertools.product(field_.segments, FieldMatrix.ARRAYS):
                array = getattr(matrix, name)
                if len(array):
                    _ = array[-1]

    def warm_up(self) -> None:
        """Load the compiled kernels and pyvi before the first real question (servers, batches)."""
        self.kernels = compiled()
        self.search("khởi động", 1)

    @classmethod
    def open(cls, index_dir: Path, config: RankerConfig | None = None) -> Engine:
        return cls(current_generation(index_dir), config)

    # -- scoring -----------------------------------------------------------------
    def _weights(self, query: Query) -> dict[str, float]:
        return self.config.accented if query.accented else self.config.unaccented

    def _scratch(self) -> np.ndarray:
        """This thread's score array (reused: allocating 12 MB per question costs page faults); each part zeroes its span."""
        buf = getattr(self._buffers, "scores", None)
        if buf is None:
            buf = self._buffers.scores = np.empty(self.n_passages, dtype=np.float64)
        return buf

    def _plan(self, query: Query) -> list[tuple[FieldMatrix, np.ndarray, np.ndarray]]:
        """The passage fields' (matrix, rows, weights) a question sums, commonest terms left out in a large index."""
        prune = self.config.common_share and self.n_passages >= self.config.common_min_passages
        max_df = int(self.config.common_share * self.n_passages) if prune else None
        plan = []
        for name, w in self._weights(query).items():
            if w:
                limit = max_df if name in self.config.common_fields else None
                for segment, rows in self.fields[name].rows(query.terms[name], limit):
                    plan.append((segment, rows, np.full(len(rows), w, dtype=np.float64)))
        return plan

    def _parts(self) -> list[tuple[int, int]]:
        """Passage id ranges of about equal size, one per scoring thread."""
        threads = self.threads if self.kernels is not NUMPY and self.n_passages >= PARALLEL_MIN_PASSAGES else 1
        threads = max(1, min(threads, self.n_passages))
        cuts = [round(i * self.n_passages / threads) for i in range(threads + 1)]
        return list(itertools.pairwise(cuts))

    def _score_top(self, query: Query, depth: int, exclude_articles: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Fused passage-field score of every passage (in this thread's reused buffer: copy it to keep it), and the
        best ``depth`` passages with a positive score, best first (ties: lower id first).

        In a large index the passages are split by id into one range per core: each thread zeroes, scores and
        ranks its own range, and the ranges' best are merged. Each passage receives its additions in the same
        order as with one thread, so scores and ranking are the same bits.
        """
        scores = self._scratch()
        plan = self._plan(query)
        kernels = self.kernels

        def part(lo: int, hi: int) -> np.ndarray:
            view = scores[lo:hi]
            view.fill(0.0)
            for matrix, rows, factors in plan:
                kernels.accumulate_part(scores, rows, factors, *matrix.postings, lo, hi)
            if exclude_articles is not None and len(exclude_articles):
                view[np.isin(self.passage_article[lo:hi], exclude_articles)] = 0.0
            return lo + kernels.top_k(view, depth)

        parts = self._parts()
        if len(parts) == 1:
            return scores, part(*parts[0])
        futures = [self._pool().submit(part, *p) for p in parts[1:]]
        try:
            found = [part(*parts[0])]
        finally:  # never leave a thread writing into a buffer the next question reuses
            found += [f.result() for f in futures]
        merged = np.concatenate(found)
        order = np.lexsort((merged, -scores[merged]))
        return scores, merged[order][:depth]

    def _pool(self) -> ThreadPoolExecutor:
        pool = self._scoring_pool
        if pool is None:
            with self._pool_lock:
                if self._scoring_pool is None:
                    self._scoring_pool = ThreadPoolExecutor(max_workers=max(1, self.threads - 1), thread_name_prefix="score")
                pool = self._scoring_pool
        return pool

    def score(self, query: Query) -> np.ndarray:
        """Fused passage-field score of every passage (in this thread's reused buffer: copy it to keep it)."""
        return self._score_top(query, 1)[0]

    def _looked_up(self, matrices: dict[str, Field], weights: dict[str, float], query: Query, articles: np.ndarray) -> np.ndarray:
        """Fused score of each of ``articles`` in per-article fields, looked up in their lists, not scored for all
        (the same additions, in the same order, as scoring every article)."""
        scores = np.zeros(len(articles), dtype=np.float64)
        for name, w in weights.items():
            if w and name in matrices:
                matrices[name].scores_at(query.terms[name], articles, scores, w, self.kernels)
        return scores

    def article_scores(self, query: Query, articles: np.ndarray) -> np.ndarray:
        """Fused whole-article score of each of ``articles``."""
        weights = self.config.article_accented if query.accented else self.config.article_unaccented
        return self._looked_up(self.article_fields, weights, query, articles)

    def title_scores(self, query: Query, articles: np.ndarray) -> np.ndarray:
        """Fused title score of each of ``articles`` (with the passage fields' weights)."""
        return self._looked_up(self.title_fields, self._weights(query), query, articles)

    def _evidence(self, query: Query, articles: np.ndarray) -> np.ndarray:
        """What each of ``articles`` adds to its passages: ``article`` × its whole-article score plus ``title`` ×
        its title score (looked up by the scoring threads, each for a share of the articles, when there are several)."""

        def share(part: np.ndarray) -> np.ndarray:
            evidence = np.zeros(len(part))
            if self.config.article:
                evidence += self.config.article * self.article_scores(query, part)
            if self.config.title:
                evidence += self.config.title * self.title_scores(query, part)
            return evidence

        threads = len(self._parts())
        if threads == 1 or len(articles) < PARALLEL_MIN_ARTICLES * threads:
            return share(articles)
        parts = np.array_split(articles, threads)
        futures = [self._pool().submit(share, part) for part in parts[1:]]
        try:
            found = [share(parts[0])]
        finally:
            found += [f.result() for f in futures]
        return np.concatenate(found)

    def _idf(self, name: str, terms: list[str]) -> dict[str, float]:
        """IDF of each term in a passage field; a term the index lacks weighs as its rarest term would."""
        unique = list(dict.fromkeys(terms))
        return dict(zip(unique, self.fields[name].idf(unique).tolist(), strict=True))

    def sentence_weights(self, query: Query) -> SentenceWeights:
        return SentenceWeights(self._idf("fold1", query.terms["fold1"]), self._idf("fold2", query.terms["fold2"]))

    def coverage(self, query: Query, docs: np.ndarray) -> np.ndarray:
        """Share of the question's idf mass found in each passage, in the field that defines a match.

        A term the bulletins never use weighs as much as the rarest term they do use
        (found in one passage), so a question about something absent ("giá vàng")
        cannot reach the threshold on "hôm nay" alone. With ``title_coverage``, a term in the title of the
        passage's article counts as found: the title is shown above the quote, and a cadre who asks by a
        headline whose words the body does not repeat is asking for that article.
        """
        name = self.config.coverage_field if query.accented else "fold1"
        field_ = self.fields[name]
        terms = list(dict.fromkeys((query.cover_terms or query.terms)[name]))
        if not terms or not len(docs):
            return np.zeros(len(docs))
        found = field_.positions(terms)
        known = np.zeros(len(terms), dtype=bool)
        for pos in found:
            known |= pos >= 0
        idf = field_.idf(terms, found)
        total = field_.unknown_idf * float(np.count_nonzero(~known)) + sum(idf[known].tolist())
        got = np.zeros(len(docs))
        titles = self.title_fields.get(name) if self.config.title_coverage > 0 else None
        in_title: list[np.ndarray] = []
        if titles is not None:
            articles = self.passage_article[docs]
            titled = titles.positions(terms)
            in_title = [titles.contains(titled, i, articles, self.kernels) for i in range(len(terms))]
        for i in range(len(terms)):
            has = field_.contains(found, i, docs, self.kernels) if known[i] else np.zeros(len(docs), dtype=bool)
            share = has.astype(float)
            if in_title:
                share = np.maximum(share, self.config.title_coverage * in_title[i])
            got += (float(idf[i]) if known[i] else field_.unknown_idf) * share
        return got / total if total > 0 else np.zeros(len(docs))

    def ranked(
        self, query: Query, depth: int, exclude_articles: np.ndarray | None = None, weights: SentenceWeights | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Best ``depth`` passages by fused score (ids, scores), zero scores dropped (``weights``: the question's
        sentence weights, when the caller has them)."""
        ranking = self._ranked(query, depth, exclude_articles, weights)
        return ranking.candidates, ranking.fused

    def _ranked(
        self,
        query: Query,
        depth: int,
        exclude_articles: np.ndarray | None,
        weights: SentenceWeights | None,
        lift: dict[int, float] | None = None,
    ) -> _Ranking:
        """``ranked``, with what the steps learned on the way (``_Ranking``); ``lift``: article row → share of the
        best score the conversation adds (see ``search``)."""
        depth = max(1, min(self.n_passages, depth))
        # Article evidence re-ranks the best passages (all of them in a small index): looking it up
        # for the candidates' articles costs a few binary searches, scoring a million would not.
        scores, candidates = self._score_top(query, max(depth, RERANK_DEPTH), exclude_articles)
        if lift:
            candidates = self._with_context_passages(candidates, scores, lift)
        fused = scores[candidates].copy()
        if (self.config.article or self.config.title) and len(candidates):
            articles, where = np.unique(self.passage_article[candidates], return_inverse=True)
            fused += self._evidence(query, articles)[where]
        order = np.lexsort((candidates, -fused))
        candidates, fused = candidates[order], fused[order]
        lead = int(candidates[0]) if len(candidates) and fused[0] > 0 else None
        sentences: dict[int, tuple[float, int, int]] = {}
        if self.config.sentence and len(candidates):
            candidates, fused, sentences = self._sentence_rerank(weights or self.sentence_weights(query), candidates, fused, query)
        if query.period is not None and len(candidates):
            candidates, fused = self._period_rerank(query.period, candidates, fused)
        # The conversation comes last: it breaks near-ties among passages the question already ranks well
        # (lifting before the sentence step gave better quotes but lost more topic switches: see README).
        best = self._best_articles(candidates, fused)
        alone = candidates
        if lift and len(candidates):
            candidates, fused = self._context_rerank(lift, candidates, fused)
            if self.passage_article[candidates[0]] != self.passage_article[alone[0]]:
                # the conversation chose another article: a follow-up of this turn reads that choice
                best = self._best_articles(candidates, fused)
        rows, first = self._article_firsts(candidates)
        order_of_articles = tuple(int(rows[i]) for i in first[:RECALL_ARTICLES])
        return _Ranking(candidates[:depth], fused[:depth], lead, sentences, best, alone, order_of_articles)

    def _with_context_passages(self, candidates: np.ndarray, scores: np.ndarray, lift: dict[int, float]) -> np.ndarray:
        """The candidates and the best CONTEXT_PASSAGES passages of each of the CONTEXT_ARTICLES articles the
        conversation lifts most, when the question's own words reach them ("Các bác sĩ khuyến cáo gì?" matches a
        thousand articles; the one the cadre was reading may not be among its best 200 passages)."""
        chosen = sorted(lift, key=lambda row: (-lift[row], row))[:CONTEXT_ARTICLES]
        rows = np.array(chosen, dtype=self.passage_article.dtype)
        starts = np.searchsorted(self.passage_article, rows, side="left").tolist()
        ends = np.searchsorted(self.passage_article, rows, side="right").tolist()
        extra: list[int] = []
        for lo, hi in zip(starts, ends, strict=True):
            part = scores[lo:hi]
            best = np.argsort(-part, kind="stable")[:CONTEXT_PASSAGES]
            extra.extend((lo + best[part[best] > 0]).tolist())
        if not extra:
            return candidates
        return np.concatenate([candidates, np.setdiff1d(np.array(extra, dtype=candidates.dtype), candidates)])

    def _best_articles(self, candidates: np.ndarray, fused: np.ndarray) -> list[tuple[int, float]]:
        """The first EVIDENCE_DEPTH articles among the candidates, each with its best passage's share of the best score."""
        if not len(candidates) or fused[0] <= 0:
            return []
        rows, first = self._article_firsts(candidates)
        top = float(fused[0])
        return [(int(rows[i]), round(max(0.0, float(fused[i])) / top, 4)) for i in first[:EVIDENCE_DEPTH]]

    def _article_firsts(self, candidates: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Each candidate's article row, and where each article first appears among the candidates, in rank order."""
        rows = self.passage_article[candidates]
        _, first = np.unique(rows, return_index=True)
        return rows, np.sort(first)

    def _context_rerank(self, lift: dict[int, float], candidates: np.ndarray, fused: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Passages of the conversation's articles gain ``lift[row]`` × the best score, when they score at least
        ``gate`` of the best on their own (the context breaks near-ties; it cannot answer from an article that
        does not speak to the question)."""
        keys = np.array(sorted(lift), dtype=np.int64)
        values = np.array([lift[k] for k in keys.tolist()], dtype=np.float64)
        rows = self.passage_article[candidates].astype(np.int64)
        where = np.minimum(np.searchsorted(keys, rows), len(keys) - 1)
        lifts = np.where(keys[where] == rows, values[where], 0.0)
        top = float(fused[0])
        gain = np.where(fused >= self.config.follow_up.gate * top, lifts, 0.0)
        if not gain.any():
            return candidates, fused
        lifted = fused + gain * top
        order = np.lexsort((candidates, -lifted))
        return candidates[order], lifted[order]

    def _sentence_rerank(
        self, weights: SentenceWeights, candidates: np.ndarray, fused: np.ndarray, query: Query | None = None
    ) -> tuple[np.ndarray, np.ndarray, dict[int, tuple[float, int, int]]]:
        """The best passages gain by how much of the question their best sentence holds (answers sit in one sentence),
        and, for a typed question ("bao nhiêu", "ai", "khi nào"), by holding an answer of that type."""
        head = [int(p) for p in candidates[: self.config.sentence_depth]]
        texts = self.store.passages(head)
        sentences = {p: best_sentence(texts[p].text, weights) for p in head}
        bonus = np.array([sentences[p][0] for p in head])
        if self.config.answer_type and query is not None and query.qtype is not None:
            bonus += self.config.answer_type * np.array([find_answer(query, texts[p].text) is not None for p in head], dtype=np.float64)
        fused = fused.copy()
        fused[: len(head)] += self.config.sentence * float(fused[0]) * bonus
        order = np.lexsort((candidates, -fused))
        return candidates[order], fused[order], sentences

    # -- dates -------------------------------------------------------------------
    def _article_days(self) -> np.ndarray:
        """Each article's date as a day number (0: unknown), read from the store on the first dated question."""
        days = getattr(self, "_days", None)
        if days is None:
            dates = self.store.article_dates()
            days = np.zeros(max((row for row, _ in dates), default=-1) + 1, dtype=np.int64)
            for row, iso in dates:
                if iso:
                    try:
                        days[row] = date.fromisoformat(iso).toordinal()
                    except ValueError:
                        pass
            self._days = days
        return days

    def _dated(self) -> bool:
        """Whether most articles carry a date (periods in questions are read only then)."""
        days = self._article_days()
        return bool(len(days)) and float(np.count_nonzero(days)) >= DATED_SHARE * len(days)

    def _period_rerank(self, period: Period, candidates: np.ndarray, fused: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Passages of articles dated in the period score (1 + DATED_BOOST) times as much, those whose article
        names the period in its text (1 + NAMED_BOOST) times; "mới nhất" then puts the newest article first
        among the passages scoring at least RECENT_SHARE of the best."""
        rows = self.passage_article[candidates].astype(np.int64)
        days = self._article_days()[rows]
        fused = fused.copy()
        if period.start is not None or period.yearless:
            dated = np.array([bool(d) and period.contains(date.fromordinal(int(d))) for d in days], dtype=bool)
            boost = np.where(dated, DATED_BOOST, 0.0)
            if period.mentions:
                # read for the best MENTION_DEPTH passages only: the boost can lift a passage from there,
                # hardly from further down, and 200 articles' texts cost more than the whole search
                near = np.arange(len(candidates)) < MENTION_DEPTH
                unseen = sorted({int(r) for r in rows[~dated & near]})
                patterns = [re.compile(m) for m in period.mentions]
                digits_only = period.yearless is not None
                named = [
                    r
                    for r, text in self.store.article_texts(unseen).items()
                    if period.needle in text and any(p.search(text if digits_only else fold_text(text)) for p in patterns)
                ]
                boost[~dated & near & np.isin(rows, named)] = NAMED_BOOST
            fused *= 1.0 + boost
        order = np.lexsort((candidates, -fused))
        candidates, fused, days = candidates[order], fused[order], days[order]
        if period.recent:
            group = np.flatnonzero(fused >= RECENT_SHARE * fused[0])
            rest = np.flatnonzero(fused < RECENT_SHARE * fused[0])
            group = group[np.lexsort((-fused[group], -days[group]))]
            order = np.concatenate([group, rest])
            candidates, fused = candidates[order], fused[order]
        return candidates, fused

    def _read_context(
        self, question: str, query: Query, context: Sequence[Turn], today: date | None
    ) -> tuple[Query, Reading, str, tuple[str, ...]]:
        """The question read against the conversation: its query (with the earlier question's words when it
        is elliptic), how far it leans, the question as understood and the words it took."""
        own = query
        if is_contrast(question):
            rest = without_contrast(question)
            own = self._parse(rest, today) if rest else replace(query, terms={n: [] for n in query.terms}, syllables=())
        reading = read_follow_up(question, len(set(own.terms["fold1"])), context, self.config.follow_up)
        if not reading.carry:
            return query, reading, "", ()
        merged, asked, carried = merge_queries(own, context[-1].understood, today, self.config.periods, said=question)
        return self._undated(merged), reading, asked, carried

    def _parse(self, question: str, today: date | None) -> Query:
        return self._undated(parse_question(question, today, self.config.periods))

    def _undated(self, query: Query) -> Query:
        """An archive without dates (a QA set, an old export) is matched on words alone: a period could only
        reorder it by chance."""
        if query.period is not None and not self._dated():
            return replace(query, period=None, cover_terms=None)
        return query

    def _lift(self, reading: Reading) -> dict[int, float]:
        """Article row → share of the best score a passage of it gains (the conversation's weight × lean × boost)."""
        if reading.lean <= 0 or not reading.weights:
            return {}
        scale = self.config.follow_up.boost * reading.lean
        wanted = [doc_id for doc_id, weight in reading.weights.items() if scale * weight >= MIN_LIFT]
        rows = self.store.article_rows(wanted)
        return {row: scale * reading.weights[doc_id] for doc_id, row in rows.items()}

    def search(
        self,
        question: str,
        k: int = 3,
        offset: int = 0,
        exclude_articles: np.ndarray | None = None,
        today: date | None = None,
        context: Sequence[Turn] = (),
    ) -> Result:
        """The top ``k`` passages after ``offset`` that pass the not-found threshold, answer sentence and span marked
        (``today``: the day "hôm qua" and "tháng trước" count from; the clock's by default; ``context``: the
        conversation's earlier turns, newest last, see search/conversation.py)."""
        t0 = time.perf_counter()
        query = self._parse(question, today)
        reading: Reading | None = None
        asked, carried, lift = "", tuple[str, ...](), dict[int, float]()
        if context:
            query, reading, asked, carried = self._read_context(question, query, context, today)
            lift = self._lift(reading)
        weights = self.sentence_weights(query)  # for the re-rank and for marking the quotes
        ranking = self._ranked(query, max(k + offset, 1) * 4 + 10, exclude_articles, weights, lift)
        top, top_scores, lead, sentences = ranking.candidates, ranking.fused, ranking.lead, ranking.sentences
        cover = self.coverage(query, top)
        keep = cover >= self.config.min_coverage
        # The not-found check reads the passage that led before the sentence step: that step prefers
        # passages gathering more of the question's words, which an off-topic question's best passage
        # then does too, so judged after it more off-topic questions would pass.
        if self.config.judge_lead and query.period is None and lead is not None and len(top) and int(top[0]) != lead:
            where = np.flatnonzero(top == lead)  # judged already when it is among the passages kept
            lead_kept = keep[where[0]] if len(where) else self.coverage(query, np.array([lead]))[0] >= self.config.min_coverage
            if not lead_kept:
                keep[:] = False
        # Nothing is shown when even the best passage misses too much of the question (with a period,
        # dates reorder the passages, so each one is judged alone).
        if len(top) and not keep[0] and query.period is None:
            keep[:] = False
        shown_alone = ranking.alone[: offset + k]
        top, top_scores, cover = top[keep], top_scores[keep], cover[keep]
        page = slice(offset, offset + k)
        ids = [int(p) for p in top[page]]
        rows = self.store.passages(ids)
        around = self.store.surroundings(ids, REACH)
        hits = []
        shown: dict[int, list[tuple[int, int]]] = {}  # article row → ranges its quotes above show
        for pid, score, cov in zip(top[page], top_scores[page], cover[page], strict=True):
            sp = rows[int(pid)]
            before, after = around[int(pid)]
            best = sentences.get(int(pid)) or best_sentence(sp.text, weights)
            text, covered = make_quote(before, sp.text, after, best, sp.start, shown.setdefault(sp.article_row, []))
            shown[sp.article_row].append(covered)
            sentence, answer = mark(query, text, weights)
            hits.append(
                Hit(
                    passage_id=int(pid),
                    doc_id=sp.doc_id,
                    title=sp.title,
                    date=sp.date,
                    text=text,
                    score=float(score),
                    coverage=float(cov),
                    kind=sp.kind,
                    position=sp.position,
                    answer=answer,
                    sentence=sentence,
                    published=sp.published,
                    url=sp.url,
                    ocr=sp.ocr,
                )
            )
        names = self.store.doc_ids_of([row for row, _ in ranking.evidence])
        evidence = tuple((names[row], share) for row, share in ranking.evidence if row in names)
        use = None
        if reading is not None:
            moved = bool(lift) and [int(p) for p in shown_alone] != [int(p) for p in ranking.candidates[: offset + k]]
            use = ContextUse(after=context[-1].question, used=moved or bool(carried), carried=carried, lean=reading.lean)
        self.keep_within_budget()  # timed with the question: its asker waits while the pages are given back
        took = (time.perf_counter() - t0) * 1000
        return Result(
            question,
            hits,
            query.qtype,
            query.accented,
            took,
            total=len(top),
            period=query.period,
            context=use,
            evidence=evidence,
            asked=asked,
            ranking=ranking.articles,
        )

    # -- articles ----------------------------------------------------------------
    def article(self, doc_id: str) -> StoredArticle | None:
        return self.store.article(doc_id)

    def latest(self, n: int = 5) -> list[StoredArticle]:
        return self.store.latest(n)

    def close(self) -> None:
        if self._scoring_pool is not None:
            self._scoring_pool.shutdown(wait=False)
        self.store.close()
