"""Caches for the analyzer's per-term functions, bounded in bytes.

A cache keyed by whatever users type grows with junk: a million distinct 1,000-character "terms"
would hold gigabytes in an entry-bounded ``lru_cache``. Here only keys up to ``MAX_KEY`` characters
are cached (a real syllable or word is far shorter; longer ones are computed each time, which is
cheap), so each entry has a worst-case size and ``maxsize`` × that size bounds the cache in bytes.
The C ``lru_cache`` stays underneath: a lookup costs what it did.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["BUDGETS", "MAX_KEY", "bounded_cache", "cache_bytes"]

MAX_KEY = 48  # characters: longer than any Vietnamese word pyvi forms ("thành_phố_Hồ_Chí_Minh" is 21)
# Worst case of one entry: the key (a 48-character non-Latin-1 str, 170 bytes), the value (a tuple of
# up to 24 short strings, 600 bytes at most for _word_parts, an int or a short str elsewhere), and
# lru_cache's own link and dict slot (about 150 bytes).
_ENTRY_BYTES = {"small": 170 + 80 + 150, "parts": 170 + 600 + 150}
BUDGETS: dict[str, int] = {}  # function name → worst-case bytes of its cache

F = TypeVar("F", bound=Callable[..., Any])


def bounded_cache(maxsize: int, value: str = "small") -> Callable[[F], F]:
    """``lru_cache(maxsize)`` for a one-string-argument function, skipping keys over MAX_KEY characters."""

    def wrap(fn: F) -> F:
        cached = functools.lru_cache(maxsize=maxsize)(fn)

        @functools.wraps(fn)
        def call(key: str) -> Any:
            return cached(key) if len(key) <= MAX_KEY else fn(key)

        call.cache_info = cached.cache_info  # type: ignore[attr-defined]
        call.cache_clear = cached.cache_clear  # type: ignore[attr-defined]
        BUDGETS[fn.__qualname__] = maxsize * _ENTRY_BYTES[value]
        return call  # type: ignore[return-value]

    return wrap


def cache_bytes() -> int:
    """The worst case, in bytes, of every bounded cache together (stated in README, checked by a test)."""
    return sum(BUDGETS.values())
