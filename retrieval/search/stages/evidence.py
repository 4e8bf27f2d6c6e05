"""Article evidence: a passage is believed more when its whole article, and its title, are about the question."""

from __future__ import annotations

import numpy as np

from retrieval.search.ask import Ask
from retrieval.search.candidates import Candidates

__all__ = ["applies", "run"]


def applies(ask: Ask) -> bool:
    return True  # it also ranks the first pass and the context's passages together, and notes the lead


def run(candidates: Candidates, ask: Ask) -> Candidates:
    """Each candidate gains its article's evidence (``article`` × whole-article BM25 + ``title`` × title BM25),
    looked up for the candidates' articles only: a few binary searches, where scoring a million would not do."""
    fused = candidates.scores.copy()
    if (ask.config.article or ask.config.title) and len(candidates):
        articles, where = np.unique(ask.reader.passage_article[candidates.ids], return_inverse=True)
        fused += ask.searcher.evidence(ask.query, articles)[where]
    ranked = candidates.rescored(fused)
    ask.notes.lead = ranked.lead
    return ranked
