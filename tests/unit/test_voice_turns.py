"""A call is placed at its channel's turn, once it is stored; a call already placed takes no turn."""

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.channels.base import PageRequest
from bot.channels.voice.base import OutgoingCall
from bot.channels.voice.notifier import VoiceNotifier
from bot.core.actions import RaiseAlarm
from bot.core.events import PagePurpose
from bot.core.lifecycle import Accepted, step
from bot.plan import load_plan
from bot.resources import default_plan_path
from bot.store import SqliteStore, open_store

PLAN = load_plan(default_plan_path())
T0 = datetime(2026, 11, 28, 9, 30, tzinfo=UTC)


class Provider:
    name = "test"

    def __init__(self) -> None:
        self.placed: list[OutgoingCall] = []

    async def place(self, call: OutgoingCall) -> str:
        self.placed.append(call)
        return f"id-{len(self.placed)}"


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteStore]:
    opened = await open_store(tmp_path / "logbog.sqlite")
    yield opened
    await opened.close()


def page(turn: asyncio.Event) -> PageRequest:
    outcome = step(PLAN, None, RaiseAlarm("K-2026-001", "brugere", ("o365",), "Mail svarer ikke"), actor="lak", now=T0)
    assert isinstance(outcome, Accepted), outcome
    return PageRequest(
        state=outcome.state, person=PLAN.person_by_id["cvo"], roles=("it",), purpose=PagePurpose.TRIAGE,
        key="K-2026-001/triage/cvo/0/voice", turn=turn.wait,
    )


async def test_a_call_is_stored_before_its_turn_and_placed_at_it(store: SqliteStore) -> None:
    provider = Provider()
    notifier = VoiceNotifier(provider=provider, store=store, clock=lambda: T0, caller_id="+4578787878", rate=1.0)
    turn = asyncio.Event()
    sending = asyncio.create_task(notifier.send(page(turn)))
    await asyncio.sleep(0.1)

    assert not provider.placed, "no call before its turn"
    assert not sending.done()
    turn.set()
    assert await sending == "id-1"
    (call,) = provider.placed
    stored = await store.call(ref=call.ref)
    assert stored is not None and stored.number == "+4596848143" and stored.provider_id == "id-1"


async def test_a_page_sent_again_after_its_call_was_placed_takes_no_turn(store: SqliteStore) -> None:
    provider = Provider()
    notifier = VoiceNotifier(provider=provider, store=store, clock=lambda: T0, caller_id="+4578787878", rate=1.0)
    given = asyncio.Event()
    given.set()
    assert await notifier.send(page(given)) == "id-1"

    never = asyncio.Event()
    assert await asyncio.wait_for(notifier.send(page(never)), 1) == "id-1"
    assert len(provider.placed) == 1
