"""Per-user question limit: a sliding window, so one user cannot flood the search for everyone."""

from __future__ import annotations

import time
from collections import defaultdict, deque
from collections.abc import Callable

__all__ = ["UserRateLimiter"]


class UserRateLimiter:
    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic, prune_over: int = 10_000) -> None:
        self.per_minute = per_minute
        self.clock = clock
        self.prune_over = prune_over  # users tracked before idle ones are forgotten
        self._seen: dict[int, deque[float]] = defaultdict(deque)

    def allow(self, user_id: int) -> bool:
        """Count one question for ``user_id``; False when over the limit (the question is not counted)."""
        now = self.clock()
        if len(self._seen) > self.prune_over:
            self._prune(now)
        window = self._seen[user_id]
        while window and now - window[0] >= 60.0:
            window.popleft()
        if len(window) >= self.per_minute:
            return False
        window.append(now)
        return True

    def _prune(self, now: float) -> None:
        """Forget users with nothing in their window, so the table does not grow with every user ever seen."""
        for uid in [u for u, w in self._seen.items() if not w or now - w[-1] >= 60.0]:
            del self._seen[uid]

    def __len__(self) -> int:
        return len(self._seen)

    def retry_after(self, user_id: int) -> int:
        """Seconds until the next question is allowed."""
        window = self._seen.get(user_id)
        if not window or len(window) < self.per_minute:
            return 0
        return max(1, int(60.0 - (self.clock() - window[0])) + 1)
