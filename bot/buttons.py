"""Callback data of the answer buttons: one prefix and one pattern per kind, fields range-checked.

Telegram gives a button 64 bytes of data; the state behind it (the question) is in SQLite,
so the data holds only the question id, the page and the choice.
"""

from __future__ import annotations

import re

__all__ = [
    "ARTICLE",
    "ARTICLE_PATTERN",
    "PAGE",
    "PAGE_PATTERN",
    "VOTE",
    "VOTE_PATTERN",
    "article_data",
    "page_data",
    "question_id",
    "vote_data",
]

PAGE = "p"  # p:<question id>:<page>
ARTICLE = "a"  # a:<question id>:<page>:<quote on the page>
VOTE = "v"  # v:<question id>:<page>:<1 up | 0 down>

# Ids fit SQLite's signed 64-bit integers with room to spare; pages and quotes are small.
_ID = r"([1-9]\d{0,17})"
_PAGE = r"(0|[1-9]\d{0,3})"
PAGE_PATTERN = re.compile(rf"^{PAGE}:{_ID}:{_PAGE}$")
ARTICLE_PATTERN = re.compile(rf"^{ARTICLE}:{_ID}:{_PAGE}:([0-9])$")
VOTE_PATTERN = re.compile(rf"^{VOTE}:{_ID}:{_PAGE}:([01])$")


def page_data(qid: int, page: int) -> str:
    return f"{PAGE}:{qid}:{page}"


def article_data(qid: int, page: int, index: int) -> str:
    return f"{ARTICLE}:{qid}:{page}:{index}"


def vote_data(qid: int, page: int, up: bool) -> str:
    return f"{VOTE}:{qid}:{page}:{int(up)}"


def question_id(data: str | None) -> int | None:
    """The question id a button's data names, whatever its kind (None for data of no known kind)."""
    for pattern in (VOTE_PATTERN, PAGE_PATTERN, ARTICLE_PATTERN):
        match = pattern.match(data or "")
        if match:
            return int(match.group(1))
    return None
