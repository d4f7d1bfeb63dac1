"""The pacer spaces turns 1/rate apart and gives the most urgent waiter the next turn."""

import asyncio

from bot.engine.pacing import Pacer


class FakeTime:
    """A monotonic clock that sleeping moves on (no real waiting)."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        """Let the waiters whose turn came run first (as they would in the time slept), then move on."""
        for _ in range(3):
            await asyncio.sleep(0)
        self.now += seconds


async def test_turns_are_spaced_by_the_rate_and_the_first_is_at_once() -> None:
    time = FakeTime()
    pacer = Pacer(2.0, clock=time, sleep=time.sleep)
    turns: list[float] = []

    async def one() -> None:
        await pacer.acquire()
        turns.append(time.now)

    await asyncio.gather(*(one() for _ in range(5)))
    assert turns == [100.0, 100.5, 101.0, 101.5, 102.0]


async def test_a_more_urgent_waiter_goes_before_those_already_waiting() -> None:
    time = FakeTime()
    pacer = Pacer(1.0, clock=time, sleep=time.sleep)
    order: list[str] = []

    async def one(name: str, priority: int) -> None:
        await pacer.acquire(priority)
        order.append(name)

    wave = [asyncio.create_task(one(f"summons-{n}", 1)) for n in range(4)]
    await asyncio.sleep(0)  # the first of the wave has its turn; the others wait
    triage = asyncio.create_task(one("triage", 0))
    await asyncio.gather(*wave, triage)
    assert order[0] == "summons-0"
    assert order[1] == "triage", order
    assert order[2:] == ["summons-1", "summons-2", "summons-3"]


async def test_a_cancelled_waiter_gives_up_its_turn_without_a_gap() -> None:
    time = FakeTime()
    pacer = Pacer(1.0, clock=time, sleep=time.sleep)
    turns: dict[str, float] = {}

    async def one(name: str) -> None:
        await pacer.acquire()
        turns[name] = time.now

    first = asyncio.create_task(one("a"))
    gone = asyncio.create_task(one("b"))
    last = asyncio.create_task(one("c"))
    await asyncio.sleep(0)
    gone.cancel()
    await asyncio.gather(first, last)
    assert turns == {"a": 100.0, "c": 101.0}
