"""Cut articles into quotable passages that keep their offsets, so every quote is verbatim."""

from __future__ import annotations

import re

from retrieval.model import Article, Passage

__all__ = ["MAX_CHARS", "MIN_CHARS", "split_passages"]

# Three quotes of this size with their headers fit one 4,096-character Telegram message.
MAX_CHARS = 600
# Paragraphs shorter than this say too little on their own and join a neighbour.
MIN_CHARS = 60

# A sentence ends at . ! ? … (optionally closed by a quote or bracket) before white space.
_SENTENCE_END_RE = re.compile(r"(?<=[.!?…])[\"”’»)]*\s+")
_CLAUSE_END_RE = re.compile(r"(?<=[,;:])\s+")


def _cuts(text: str, pattern: re.Pattern[str]) -> list[int]:
    """Offsets where a new piece may start."""
    return [m.end() for m in pattern.finditer(text)]


def _split_long(text: str, base: int, limit: int) -> list[tuple[int, int]]:
    """Greedy packing of sentences (then clauses, then words) into spans of at most ``limit`` chars."""
    if len(text) <= limit:
        return [(base, base + len(text))]
    for pattern in (_SENTENCE_END_RE, _CLAUSE_END_RE, re.compile(r"\s+")):
        cuts = [c for c in _cuts(text, pattern) if 0 < c < len(text)]
        if not cuts:
            continue
        spans: list[tuple[int, int]] = []
        start = 0
        last_ok = None
        for cut in [*cuts, len(text)]:
            if cut - start <= limit:
                last_ok = cut
                continue
            if last_ok is None or last_ok == start:
                last_ok = cut  # a single piece over the limit: split it further below
            spans.append((start, last_ok))
            start = last_ok
            last_ok = cut if cut - start <= limit else None
        if start < len(text):
            spans.append((start, len(text)))
        out: list[tuple[int, int]] = []
        for s, e in spans:
            piece = text[s:e]
            stripped = piece.rstrip()
            e = s + len(stripped)
            if e - s > limit:
                out.extend(_split_long(stripped, base + s, limit))
            elif e > s:
                out.append((base + s, base + e))
        return out
    return [(base + i, base + min(i + limit, len(text))) for i in range(0, len(text), limit)]


def split_passages(article: Article, max_chars: int = MAX_CHARS, min_chars: int = MIN_CHARS) -> list[Passage]:
    """Paragraphs become passages: short ones merge with the next, long ones split at sentences."""
    text = article.text
    groups: list[tuple[str, int, int]] = []  # (kind, start, end) after merging short paragraphs
    pending: tuple[str, int, int] | None = None
    for para in article.paragraphs:
        if pending is not None:
            kind, start, _ = pending
            if para.end - start <= max_chars:
                pending = (kind, start, para.end)
            else:
                groups.append(pending)
                pending = (para.kind, para.start, para.end)
        else:
            pending = (para.kind, para.start, para.end)
        if pending[2] - pending[1] >= min_chars:
            groups.append(pending)
            pending = None
    if pending is not None:
        if groups and pending[2] - groups[-1][1] <= max_chars:
            kind, start, _ = groups.pop()
            groups.append((kind, start, pending[2]))
        else:
            groups.append(pending)
    passages: list[Passage] = []
    for kind, start, end in groups:
        for s, e in _split_long(text[start:end], start, max_chars):
            passages.append(Passage(article.doc_id, len(passages), kind, s, e, text[s:e]))
    return passages
