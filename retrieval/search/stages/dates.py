"""Dates: a question naming a period prefers articles dated in it, then those naming it; "mới nhất" the newest."""

from __future__ import annotations

import re
from datetime import date

import numpy as np

from retrieval.search.ask import Ask
from retrieval.search.candidates import Candidates
from retrieval.text.normalize import fold_text

__all__ = ["DATED_BOOST", "MENTION_DEPTH", "NAMED_BOOST", "RECENT_SHARE", "applies", "run"]

# Passages of articles dated in the period weigh (1 + DATED_BOOST) times as much, of articles that name it
# in their text (1 + NAMED_BOOST) times ("năm 2018" in a January 2019 report).
DATED_BOOST = 1.0
NAMED_BOOST = 0.5
MENTION_DEPTH = 50  # passages whose articles' text is searched for the period
RECENT_SHARE = 0.6  # "mới nhất": among the passages scoring at least this share of the best, the newest article first


def applies(ask: Ask) -> bool:
    return ask.query.period is not None


def run(candidates: Candidates, ask: Ask) -> Candidates:
    """Passages of articles dated in the period score (1 + DATED_BOOST) times as much, those whose article names
    the period in its text (1 + NAMED_BOOST) times; "mới nhất" then puts the newest article first among the
    passages scoring at least RECENT_SHARE of the best."""
    period = ask.query.period
    if period is None or not len(candidates):
        return candidates
    article_days = ask.reader.article_days()
    rows = ask.reader.passage_article[candidates.ids].astype(np.int64)
    days = article_days[rows]
    fused = candidates.scores.copy()
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
                for r, text in ask.reader.store.article_texts(unseen).items()
                if period.needle in text and any(p.search(text if digits_only else fold_text(text)) for p in patterns)
            ]
            boost[~dated & near & np.isin(rows, named)] = NAMED_BOOST
        ask.notes.in_period = {int(r) for r in rows[dated]}
        fused *= 1.0 + boost
    ranked = candidates.rescored(fused)
    if period.recent:
        ranked = ranked.newest_first(article_days[ask.reader.passage_article[ranked.ids].astype(np.int64)], RECENT_SHARE)
    return ranked
