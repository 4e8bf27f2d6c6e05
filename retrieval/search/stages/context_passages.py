"""The conversation's articles join the candidates: "Các bác sĩ khuyến cáo gì?" matches a thousand articles,
and the one the cadre was reading may not be among its best 200 passages."""

from __future__ import annotations

import numpy as np

from retrieval.search.ask import Ask
from retrieval.search.candidates import Candidates

__all__ = ["CONTEXT_ARTICLES", "CONTEXT_PASSAGES", "applies", "run"]

CONTEXT_PASSAGES = 3  # passages of each conversation article added to the candidates (a page of quotes) ...
CONTEXT_ARTICLES = 5  # ... for the articles the conversation lifts most (the others are lifted only if already candidates)


def applies(ask: Ask) -> bool:
    return bool(ask.lift)


def run(candidates: Candidates, ask: Ask) -> Candidates:
    """The candidates and the best CONTEXT_PASSAGES passages of each of the CONTEXT_ARTICLES articles the
    conversation lifts most, when the question's own words reach them (unranked: the evidence stage ranks)."""
    passage_article = ask.reader.passage_article
    chosen = sorted(ask.lift, key=lambda row: (-ask.lift[row], row))[:CONTEXT_ARTICLES]
    rows = np.array(chosen, dtype=passage_article.dtype)
    starts = np.searchsorted(passage_article, rows, side="left").tolist()
    ends = np.searchsorted(passage_article, rows, side="right").tolist()
    extra: list[int] = []
    for lo, hi in zip(starts, ends, strict=True):
        best = Candidates.ranked(np.arange(lo, hi), ask.scores[lo:hi]).head(CONTEXT_PASSAGES)
        extra.extend(best.ids[best.scores > 0].tolist())
    if not extra:
        return candidates
    ids = np.concatenate([candidates.ids, np.setdiff1d(np.array(extra, dtype=candidates.ids.dtype), candidates.ids)])
    return Candidates(ids, ask.scores[ids].copy())
