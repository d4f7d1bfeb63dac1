"""The loop that ticks and sleeps until poked: it always stops when cancelled."""

import asyncio
import logging
from datetime import datetime, timezone

from bot.engine.foreground import Foreground
from bot.engine.wakeup import tick_forever


async def test_a_loop_cancelled_just_as_it_is_poked_stops() -> None:
    poked = asyncio.Event()
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        ticks += 1

    loop = asyncio.create_task(tick_forever(
        tick, poked=poked, clock=lambda: datetime.now(timezone.utc), max_sleep=30.0,
        log=logging.getLogger(__name__), what="test tick",
    ))
    await asyncio.sleep(0.01)  # asleep, waiting for a poke
    poked.set()
    loop.cancel()
    await asyncio.wait([loop], timeout=1.0)

    assert loop.cancelled(), f"the loop went on after it was cancelled ({ticks} ticks)"


async def test_work_waiting_for_a_lull_stops_when_cancelled_as_the_lull_comes() -> None:
    foreground = Foreground()
    with foreground.serving():
        waiting = asyncio.create_task(foreground.quiet(30.0))
        await asyncio.sleep(0.01)
    waiting.cancel()  # in the same moment as the last request ended
    await asyncio.wait([waiting], timeout=1.0)

    assert waiting.cancelled()
