"""Pacing: sends spaced ``1/rate`` seconds apart, the most urgent waiting send first.

A voice provider takes so many calls a second (Twilio: 1 by default); a summons wave must not
hold up the call to the IT head about the next alarm. Waiters are served by ``priority``
(lower first), then in arrival order. A cancelled waiter gives up its turn. The clock and
sleep are injected so tests and benchmarks can drive them.
"""

import asyncio
import heapq
import itertools
import time
from collections.abc import Awaitable, Callable


class Pacer:
    def __init__(
        self, rate: float, *, clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self._gap = 1.0 / rate
        self._clock = clock
        self._sleep = sleep
        self._next = float("-inf")
        self._waiting: list[tuple[int, int, asyncio.Future[None]]] = []
        self._order = itertools.count()
        self._turns: asyncio.Task[None] | None = None

    async def acquire(self, priority: int = 0) -> None:
        """Return at this caller's turn: at least ``1/rate`` seconds after the previous turn."""
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiting, (priority, next(self._order), turn))
        if self._turns is None:
            self._turns = asyncio.create_task(self._give_turns())
        await turn

    async def _give_turns(self) -> None:
        try:
            while self._waiting:
                wait = self._next - self._clock()
                if wait > 0:
                    await self._sleep(wait)
                _, _, turn = heapq.heappop(self._waiting)
                if turn.done():  # its waiter was cancelled
                    continue
                turn.set_result(None)
                self._next = self._clock() + self._gap
        finally:
            self._turns = None
