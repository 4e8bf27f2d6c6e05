"""The page of quotes a cadre reads: each kept passage widened to its answering sentence, the answer marked."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from retrieval.index.store import Store
from retrieval.search.answer.marking import marks
from retrieval.search.answer.page import Quote, settle
from retrieval.search.query import Query
from retrieval.search.quote import REACH, make_quote
from retrieval.search.result import Hit
from retrieval.search.sentences import SentenceWeights, best_sentence

__all__ = ["present"]


def present(
    store: Store,
    query: Query,
    weights: SentenceWeights,
    ids: np.ndarray,
    scores: np.ndarray,
    cover: np.ndarray,
    sentences: dict[int, tuple[float, int, int]],
    rivals: Sequence[int] = (),
) -> list[Hit]:
    """The hits of the passages ``ids`` (their scores and coverage beside), in order; a quote leaves out what the
    quotes above it from the same article show (``sentences``: best sentences the cascade read already). The
    underlines are settled with those of ``rivals`` (the answer's first quotes, when not on this page) as well:
    an answer's first quote is marked the same whatever the page size."""
    pids = [int(p) for p in ids]
    on_page = set(pids)
    others = [int(p) for p in rivals if int(p) not in on_page]
    rows = store.passages(pids + others)
    around = store.surroundings(pids, REACH)
    page: list[Quote] = []
    shown: dict[int, list[tuple[int, int]]] = {}  # article row → ranges its quotes above show
    for pid in pids:
        sp = rows[pid]
        before, after = around[pid]
        best = sentences.get(pid) or best_sentence(sp.text, weights)
        text, covered = make_quote(before, sp.text, after, best, sp.start, shown.setdefault(sp.article_row, []))
        shown[sp.article_row].append(covered)
        page.append(Quote(sp.doc_id, text, marks(query, text, weights)))
    beyond = [Quote(rows[pid].doc_id, rows[pid].text, marks(query, rows[pid].text, weights)) for pid in others if pid in rows]
    answers = settle([*page, *beyond], query.text)[: len(page)]
    hits = []
    for pid, quote, answer, score, cov in zip(pids, page, answers, scores, cover, strict=True):
        sp = rows[pid]
        hits.append(
            Hit(
                passage_id=pid,
                doc_id=sp.doc_id,
                title=sp.title,
                date=sp.date,
                text=quote.text,
                score=float(score),
                coverage=float(cov),
                kind=sp.kind,
                position=sp.position,
                answer=answer,
                sentence=quote.marks.sentence,
                disputed=quote.marks.answer is not None and answer is None,
                published=sp.published,
                url=sp.url,
                ocr=sp.ocr,
            )
        )
    return hits
