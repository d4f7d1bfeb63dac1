"""The feed's rate limiter: never more than five calls in any second, callers served in order."""

import asyncio

from bot.graph.throttle import RateLimiter


class SteppedClock:
    """A clock that only moves when someone sleeps."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += max(0.0, seconds)
        await asyncio.sleep(0)


async def test_twelve_calls_at_once_keep_to_five_per_second() -> None:
    clock = SteppedClock()
    limiter = RateLimiter(5, 1.0, clock=clock, sleep=clock.sleep)
    started: list[tuple[int, float]] = []

    async def call(n: int) -> None:
        await limiter.acquire()
        started.append((n, clock()))

    await asyncio.gather(*(call(n) for n in range(12)))

    assert [n for n, _ in started] == list(range(12))
    times = [t for _, t in started]
    for t in times:
        assert sum(1 for u in times if t <= u < t + 1.0) <= 5
    assert times[-1] - times[0] == 2.0


async def test_calls_spread_out_in_time_never_wait() -> None:
    clock = SteppedClock()
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    limiter = RateLimiter(5, 1.0, clock=clock, sleep=sleep)
    for _ in range(20):
        await limiter.acquire()
        clock.now += 0.2

    assert slept == []
