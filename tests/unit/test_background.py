"""Background work: ``drain`` returns once all of it is done, however it ended and whenever it was started."""

import asyncio
import subprocess
import sys
from pathlib import Path

import pytest

from bot.background import Background

REPO = Path(__file__).resolve().parents[2]
HANG = 30
"""Seconds after which a drain that has not returned is taken to spin forever (it returns in milliseconds)."""


JUST_ENDED = """
import asyncio
from bot.background import Background

async def main():
    background = Background()
    done = []

    async def mirror():
        done.append("mirrored")

    background.start(mirror())
    await asyncio.sleep(0)  # the task ends in this turn of the loop; its done callback runs in the next one
    await background.drain()  # before, from Python 3.12 on: drain spun here, the loop never turning again
    print(*done)

asyncio.run(main())
"""


def test_drain_returns_when_a_task_has_just_ended_and_is_not_yet_let_go() -> None:
    """In an interpreter of its own: a drain that spins never yields, so only the process can be stopped."""
    try:
        ran = subprocess.run(
            [sys.executable, "-c", JUST_ENDED], cwd=REPO, capture_output=True, text=True, timeout=HANG
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"drain did not return within {HANG} s of work that had ended")

    assert (ran.returncode, ran.stdout.strip()) == (0, "mirrored"), ran.stderr


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
