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
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(poked.wait(), delay)
