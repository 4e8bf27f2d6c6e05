"""The page of quotes a cadre reads: each kept passage widened to its answering sentence, the answer marked."""

from __future__ import annotations

import numpy as np

from retrieval.index.store import Store
from retrieval.search.answer import mark
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
) -> list[Hit]:
    """The hits of the passages ``ids`` (their scores and coverage beside), in order; a quote leaves out what the
    quotes above it from the same article show (``sentences``: best sentences the cascade read already)."""
    pids = [int(p) for p in ids]
    rows = store.passages(pids)
    around = store.surroundings(pids, REACH)
    hits = []
    shown: dict[int, list[tuple[int, int]]] = {}  # article row → ranges its quotes above show
    for pid, score, cov in zip(pids, scores, cover, strict=True):
        sp = rows[pid]
        before, after = around[pid]
        best = sentences.get(pid) or best_sentence(sp.text, weights)
        text, covered = make_quote(before, sp.text, after, best, sp.start, shown.setdefault(sp.article_row, []))
        shown[sp.article_row].append(covered)
        sentence, answer = mark(query, text, weights)
        hits.append(
            Hit(
                passage_id=pid,
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
    return hits
