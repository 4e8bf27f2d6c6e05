"""How many index pages a process may hold: the page budget settled after each question."""

from __future__ import annotations

import os

from retrieval.index.layout import Maps

__all__ = ["PageBudget", "file_resident"]

_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def file_resident() -> int:
    """Bytes of file pages (and shared memory) resident in this process: /proc/self/statm's third field."""
    try:
        with open("/proc/self/statm", "rb") as fh:
            return int(fh.read().split()[2]) * _PAGE
    except (OSError, IndexError, ValueError):  # not Linux: never release
        return 0


class PageBudget:
    """Index pages (of ``maps``) this process may hold beyond what it held at opening; None: never give back."""

    def __init__(self, maps: Maps, budget: int | None) -> None:
        self.maps = maps
        self.budget = budget
        self._at_open = file_resident()

    def settle(self) -> bool:
        """Give back index pages once those held pass the budget (after each search); True if it did."""
        base, budget = self._at_open, self.budget
        if budget is None or file_resident() - base <= budget:
            return False
        target = budget * 3 // 4  # a quarter of room, so that the next questions do not pay for a release each
        self.maps.release_until(lambda: file_resident() - base <= target)
        return True
