"""A small async rate limiter: at most ``rate`` calls in any window of ``per`` seconds.

Graph allows 5 activity notifications per second per tenant; one limiter per process keeps
the feed under that. Callers wait their turn in arrival order. The clock and sleep are
injected so tests run without waiting.
"""

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable


class RateLimiter:
    def __init__(
        self, rate: int = 5, per: float = 1.0, *,
        clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.rate = rate
        self.per = per
        self._clock = clock
        self._sleep = sleep
        self._starts: deque[float] = deque()
        self._lock = asyncio.Lock()

    async def acquire(self) -> None:
        """Return when one more call fits in the window."""
        async with self._lock:
            now = self._forget_before(self._clock())
            while len(self._starts) >= self.rate:
                await self._sleep(self._starts[0] + self.per - now)
                now = self._forget_before(self._clock())
            self._starts.append(now)

    def _forget_before(self, now: float) -> float:
        while self._starts and now - self._starts[0] >= self.per:
            self._starts.popleft()
        return now
