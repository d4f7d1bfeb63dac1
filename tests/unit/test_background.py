"""Background work: ``drain`` returns once all of it is done, however it ended and whenever it was started."""

import asyncio

from bot.background import Background


async def test_drain_returns_when_a_task_has_just_ended_and_is_not_yet_let_go() -> None:
    background = Background()
    done: list[str] = []

    async def mirror() -> None:
        done.append("mirrored")

    background.start(mirror())
    await asyncio.sleep(0)  # the task ends in this turn of the loop; its done callback runs in the next one
    await background.drain()  # before, from Python 3.12 on: drain spun here, the loop never turning again

    assert done == ["mirrored"]


async def test_drain_waits_for_work_started_by_work_it_waits_for() -> None:
    background = Background()
    done: list[str] = []

    async def follow_up() -> None:
        await asyncio.sleep(0)
        done.append("follow-up")

    async def carry_out() -> None:
        await asyncio.sleep(0)
        background.start(follow_up())
        done.append("carried out")

    background.start(carry_out())
    await background.drain()

    assert done == ["carried out", "follow-up"]


async def test_drain_returns_after_work_that_failed() -> None:
    background = Background()
    done: list[str] = []

    async def fails() -> None:
        raise RuntimeError("Teams svarer ikke")

    async def succeeds() -> None:
        await asyncio.sleep(0)
        done.append("mirrored")

    background.start(fails())
    background.start(succeeds())
    await background.drain()

    assert done == ["mirrored"]
