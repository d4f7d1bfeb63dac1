"""Background work waits for the requests in flight, but never longer than it may."""

import asyncio

from bot.engine.foreground import Foreground


async def test_quiet_returns_at_once_when_nothing_is_in_flight() -> None:
    await asyncio.wait_for(Foreground().quiet(max_wait=10), timeout=0.5)


async def test_quiet_waits_until_the_last_request_is_answered() -> None:
    foreground = Foreground()
    order: list[str] = []

    async def background() -> None:
        await foreground.quiet(max_wait=10)
        order.append("mirrored")

    with foreground.serving():
        with foreground.serving():
            task = asyncio.create_task(background())
            await asyncio.sleep(0.01)
            order.append("first answered")
        await asyncio.sleep(0.01)
        order.append("second answered")
    await task

    assert order == ["first answered", "second answered", "mirrored"]


async def test_quiet_gives_up_waiting_after_max_wait() -> None:
    foreground = Foreground()
    with foreground.serving():
        await asyncio.wait_for(foreground.quiet(max_wait=0.05), timeout=1)


async def test_an_error_in_a_request_does_not_leave_it_counted() -> None:
    foreground = Foreground()
    try:
        with foreground.serving():
            raise RuntimeError("handler failed")
    except RuntimeError:
        pass
    await asyncio.wait_for(foreground.quiet(max_wait=10), timeout=0.5)
