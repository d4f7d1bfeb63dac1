"""Foreground first: answering people beats mirroring to the log channel.

The endpoint counts the requests it is answering; background work asks ``quiet`` to wait
until none are in flight, but never longer than ``max_wait``, so a burst of taps is
answered before the Connector calls that mirror them, and nothing waits for long.
"""

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager

from .wakeup import wait_for_set


class Foreground:
    """A count of requests in flight, and a way for background work to wait for a lull."""

    def __init__(self) -> None:
        self._busy = 0
        self._idle = asyncio.Event()
        self._idle.set()

    @contextmanager
    def serving(self) -> Iterator[None]:
        """Mark one request as in flight for the duration of the block."""
        self._busy += 1
        self._idle.clear()
        try:
            yield
        finally:
            self._busy -= 1
            if not self._busy:
                self._idle.set()

    async def quiet(self, max_wait: float) -> None:
        """Return when no request is in flight, or after ``max_wait`` seconds at most."""
        await wait_for_set(self._idle, max_wait)
