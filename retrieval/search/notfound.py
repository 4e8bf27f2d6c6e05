"""Whether to answer at all: the share of the question a passage holds, and the verdict over the candidates.

A passage's coverage is the share of the question's idf mass (in the field that defines a match) found in it.
A term the bulletins never use weighs as much as the rarest term they do use (found in one passage), so a
question about something absent ("giá vàng") cannot reach the threshold on "hôm nay" alone. With
``title_coverage``, a term in the title of the passage's article counts that share of its idf: the title is
shown above the quote, and a cadre who asks by a headline whose words the body does not repeat is asking for
that article.

The verdict: without a period, nothing is shown unless the first passage, and the passage that led before the
sentence step, both reach ``min_coverage`` (that step prefers passages gathering more of the question's words,
which an off-topic question's best passage then does too). With a period, dates reorder the passages, so each
one is judged alone. ``Verdict.bar`` is the highest threshold at which something would still be shown: `eval`
calibrates on it, so the calibration is this rule, not an approximation of it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from retrieval.index.kernels import Kernels
from retrieval.search.config import RankerConfig
from retrieval.search.query import Query
from retrieval.search.reader import IndexReader

__all__ = ["Verdict", "coverage", "judge"]


def coverage(reader: IndexReader, kernels: Kernels, config: RankerConfig, query: Query, docs: np.ndarray) -> np.ndarray:
    """Share of the question's idf mass found in each passage of ``docs`` (its article's title counting ``title_coverage``)."""
    name = config.coverage_field if query.accented else "fold1"
    field_ = reader.fields[name]
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
    titles = reader.title_fields.get(name) if config.title_coverage > 0 else None
    in_title: list[np.ndarray] = []
    if titles is not None:
        articles = reader.passage_article[docs]
        titled = titles.positions(terms)
        in_title = [titles.contains(titled, i, articles, kernels) for i in range(len(terms))]
    for i in range(len(terms)):
        has = field_.contains(found, i, docs, kernels) if known[i] else np.zeros(len(docs), dtype=bool)
        share = has.astype(float)
        if in_title:
            share = np.maximum(share, config.title_coverage * in_title[i])
        got += (float(idf[i]) if known[i] else field_.unknown_idf) * share
    return got / total if total > 0 else np.zeros(len(docs))


@dataclass(frozen=True)
class Verdict:
    """The coverage of each candidate judged, and whether each is shown at a threshold."""

    cover: np.ndarray
    bar: float  # the highest threshold at which anything is shown (0.0: nothing ever)
    each: bool  # each passage judged alone (a question with a period)

    def kept(self, threshold: float) -> np.ndarray:
        """Which candidates are shown at ``threshold`` (``min_coverage``)."""
        keep = self.cover >= threshold
        if not self.each and self.bar < threshold:
            keep[:] = False
        return keep


def judge(reader: IndexReader, kernels: Kernels, config: RankerConfig, query: Query, ids: np.ndarray, lead: int | None) -> Verdict:
    """The verdict on the candidates ``ids`` (in rank order); ``lead``: the passage that led before the sentence step."""
    cover = coverage(reader, kernels, config, query, ids)
    if not len(ids):
        return Verdict(cover, 0.0, query.period is not None)
    if query.period is not None:
        return Verdict(cover, float(cover.max()), True)
    bar = float(cover[0])
    if config.judge_lead and lead is not None and int(ids[0]) != lead:
        where = np.flatnonzero(ids == lead)  # judged already when it is among the candidates
        lead_cover = float(cover[where[0]]) if len(where) else float(coverage(reader, kernels, config, query, np.array([lead]))[0])
        bar = min(bar, lead_cover)
    return Verdict(cover, bar, False)
