"""The loop shape of the pager and the heartbeat watcher: work, then sleep until the next due time or a poke."""

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

from ..clock import Clock


async def tick_forever(
    tick: Callable[[], Awaitable[datetime | None]], *, poked: asyncio.Event, clock: Clock, max_sleep: float,
    log: logging.Logger, what: str,
) -> None:
    """Run ``tick``; sleep until the time it returns (at most ``max_sleep`` seconds) or until ``poked``
    is set; forever. A tick that raises is logged as ``what`` failing and the loop goes on."""
    while True:
        poked.clear()
        try:
            wake = await tick()
        except Exception:  # the loop must survive anything one tick runs into
            log.exception("%s failed", what)
            wake = None
        delay = max_sleep if wake is None else max(0.0, min(max_sleep, (wake - clock()).total_seconds()))
        await wait_for_set(poked, delay)


async def wait_for_set(event: asyncio.Event, seconds: float) -> None:
    """Return once ``event`` is set, or after ``seconds``; a cancellation always propagates.

    (``asyncio.wait_for`` in Python 3.11 swallows a cancellation that arrives just as the
    event is set, and a loop cancelled then would run on forever.)
    """
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            await event.wait()
