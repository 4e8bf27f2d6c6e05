"""The conversation: passages of the articles the earlier turns were about gain, among near-ties.

It also notes what the question alone ranked best (the evidence a later follow-up reads of this turn), so
it runs for every question, and lifts only when the conversation gives a lift.
"""

from __future__ import annotations

import numpy as np

from retrieval.search.ask import Ask
from retrieval.search.candidates import Candidates
from retrieval.search.conversation import EVIDENCE_DEPTH
from retrieval.search.reader import IndexReader

__all__ = ["applies", "best_articles", "run"]


def applies(ask: Ask) -> bool:
    return True


def best_articles(reader: IndexReader, candidates: Candidates) -> list[tuple[int, float]]:
    """The first EVIDENCE_DEPTH articles among the candidates, each with its best passage's share of the best score."""
    if not len(candidates) or candidates.scores[0] <= 0:
        return []
    rows, first = reader.article_firsts(candidates.ids)
    top = float(candidates.scores[0])
    return [(int(rows[i]), round(max(0.0, float(candidates.scores[i])) / top, 4)) for i in first[:EVIDENCE_DEPTH]]


def run(candidates: Candidates, ask: Ask) -> Candidates:
    """Passages of the conversation's articles gain ``lift[row]`` × the best score, when they score at least ``gate``
    of the best on their own (the context breaks near-ties; it cannot answer from an article that does not speak
    to the question)."""
    ask.notes.evidence = best_articles(ask.reader, candidates)
    ask.notes.alone = candidates
    if not ask.lift or not len(candidates):
        return candidates
    lifted = _lifted(candidates, ask)
    if lifted is candidates:
        return candidates
    passage_article = ask.reader.passage_article
    if passage_article[lifted.ids[0]] != passage_article[candidates.ids[0]]:
        # the conversation chose another article: a follow-up of this turn reads that choice
        ask.notes.evidence = best_articles(ask.reader, lifted)
    return lifted


def _lifted(candidates: Candidates, ask: Ask) -> Candidates:
    keys = np.array(sorted(ask.lift), dtype=np.int64)
    values = np.array([ask.lift[k] for k in keys.tolist()], dtype=np.float64)
    rows = ask.reader.passage_article[candidates.ids].astype(np.int64)
    where = np.minimum(np.searchsorted(keys, rows), len(keys) - 1)
    lifts = np.where(keys[where] == rows, values[where], 0.0)
    top = float(candidates.scores[0])
    gain = np.where(candidates.scores >= ask.config.follow_up.gate * top, lifts, 0.0)
    if not gain.any():
        return candidates
    return candidates.rescored(candidates.scores + gain * top)
