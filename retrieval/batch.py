"""Many questions from JSON Lines, answered in order (``ask --batch``): one record per line, or why a line is skipped.

A line may name the line it follows (``"after": "<id>"``); it is then read after that line's conversation, as a
cadre's reply to an answer is in the bot. Only the turns a follow-up reads are kept per line, so a batch of any
length holds a bounded conversation per line.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from retrieval.search.conversation import Turn, carry_on
from retrieval.search.engine import Engine
from retrieval.search.query import QuestionError, clean_question

__all__ = ["BatchLine", "answer_batch", "question_error"]


@dataclass(frozen=True)
class BatchLine:
    """One line's outcome: the record to write, or the reason it was skipped."""

    lineno: int
    record: dict[str, Any] | None = None
    error: str | None = None


def question_error(exc: Exception) -> str:
    """Why a question is refused, in one line."""
    if isinstance(exc, QuestionError) and exc.reason == "too_long":
        return f"question too long ({exc.length} characters; the limit is {exc.limit})"
    return "empty question"


def _parsed(lines: Iterable[str]) -> Iterator[tuple[int, dict[str, Any] | None, str | None]]:
    for lineno, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            yield lineno, None, f"malformed JSON ({exc.msg})"
            continue
        if not isinstance(obj, dict) or not isinstance(obj.get("question"), str):
            yield lineno, None, 'expected {"id": ..., "question": "..."}'
            continue
        yield lineno, obj, None


def answer_batch(engine: Engine, lines: Iterable[str], k: int = 3, today: date | None = None) -> Iterator[BatchLine]:
    """Each line's answer (``Result.as_dict()`` with its ``id`` and ``took_ms``), in order, or why it was skipped."""
    conversations: dict[str, list[Turn]] = {}  # id → the turns a follow-up of that line reads
    for lineno, obj, error in _parsed(lines):
        if obj is None:
            yield BatchLine(lineno, error=error)
            continue
        try:
            question = clean_question(obj["question"])
        except QuestionError as exc:
            yield BatchLine(lineno, error=question_error(exc))
            continue
        follows: list[Turn] = []
        after = obj.get("after")
        if after is not None:
            if not isinstance(after, (str, int)) or isinstance(after, bool) or str(after) not in conversations:
                named = json.dumps(after, ensure_ascii=False)
                yield BatchLine(lineno, error=f'"after": {named} names no earlier line of this batch (give the "id" of a line above)')
                continue
            follows = conversations[str(after)]
        result = engine.search(question, k=k, today=today, context=follows)
        if obj.get("id") is not None:
            conversations[str(obj["id"])] = carry_on(follows, result.turn(), engine.config.follow_up)
        yield BatchLine(lineno, {"id": obj.get("id"), **result.as_dict(), "took_ms": round(result.took_ms, 3)})
