"""The per-user sliding window, driven by a fake clock."""

from __future__ import annotations

from bot.ratelimit import UserRateLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_window_slides_with_time():
    clock = Clock()
    limiter = UserRateLimiter(3, clock=clock)
    assert [limiter.allow(7) for _ in range(4)] == [True, True, True, False]
    assert limiter.allow(8)  # another user has a window of their own
    clock.now += 30
    assert not limiter.allow(7) and limiter.retry_after(7) == 31
    clock.now += 30  # the first three questions are a minute old now
    assert limiter.allow(7) and limiter.retry_after(7) == 0
    assert [limiter.allow(7) for _ in range(3)] == [True, True, False]


def test_idle_users_are_forgotten():
    clock = Clock()
    limiter = UserRateLimiter(3, clock=clock, prune_over=100)
    for uid in range(500):
        limiter.allow(uid)
        clock.now += 1.0  # one new user a second: the first ones fall out of the window
    assert len(limiter) <= 100 + 60
    assert [limiter.allow(499) for _ in range(3)] == [True, True, False]  # a recent user keeps its window
