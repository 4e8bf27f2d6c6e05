"""The best sentence: answers sit in one sentence, so passages gain by how much of the question one of theirs holds."""

from __future__ import annotations

import numpy as np

from retrieval.search.answer import find_answer
from retrieval.search.ask import Ask
from retrieval.search.candidates import Candidates
from retrieval.search.sentences import best_sentence

__all__ = ["applies", "run"]


def applies(ask: Ask) -> bool:
    return bool(ask.config.sentence)


def run(candidates: Candidates, ask: Ask) -> Candidates:
    """The best ``sentence_depth`` passages gain ``sentence`` × the best score × the share of the question their best
    sentence holds, and, for a typed question ("bao nhiêu", "ai", "khi nào"), ``answer_type`` for holding an answer
    of that type. The sentences read are noted: the quotes are widened around them."""
    if not len(candidates):
        return candidates
    config = ask.config
    head = [int(p) for p in candidates.ids[: config.sentence_depth]]
    texts = ask.reader.store.passages(head)
    sentences = {p: best_sentence(texts[p].text, ask.weights) for p in head}
    bonus = np.array([sentences[p][0] for p in head])
    if config.answer_type and ask.query.qtype is not None:
        bonus += config.answer_type * np.array([find_answer(ask.query, texts[p].text) is not None for p in head], dtype=np.float64)
    fused = candidates.scores.copy()
    fused[: len(head)] += config.sentence * float(fused[0]) * bonus
    ask.notes.sentences = sentences
    return candidates.rescored(fused)
