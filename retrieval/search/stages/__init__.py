"""The ranking stages, run in order over the first pass's candidates (Anserini's RerankerCascade).

Each stage is one module of the same shape: ``applies(ask) -> bool`` and ``run(candidates, ask) ->
Candidates``. A new ranking signal is one new module here and one line in ``CASCADE``.
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType

from retrieval.search.ask import Ask
from retrieval.search.candidates import Candidates
from retrieval.search.stages import context_passages, conversation, dates, evidence, sentence

__all__ = ["CASCADE", "run_cascade"]

# The order matters: the conversation comes last, so that it only breaks near-ties among passages the question
# already ranks well (lifting before the sentence step gave better quotes but lost more topic switches: README).
CASCADE: tuple[ModuleType, ...] = (context_passages, evidence, sentence, dates, conversation)


def run_cascade(candidates: Candidates, ask: Ask, stages: tuple[ModuleType, ...] = CASCADE) -> Candidates:
    """The candidates after every stage that applies to this question."""
    for stage in stages:
        applies: Callable[[Ask], bool] = stage.applies
        if applies(ask):
            candidates = stage.run(candidates, ask)
    return candidates
