"""The voice notifier: which number a page's call goes to, a call placed at its turn once stored, and no second
call for a page already placed."""

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace

import pytest

from bot.channels.base import PageRequest
from bot.channels.voice.base import OutgoingCall
from bot.channels.voice.notifier import VoiceNotifier
from bot.core.events import PagePurpose
from bot.errors import PermanentError
from bot.plan import load_plan
from bot.resources import default_plan_path
from bot.database_url import DatabaseLocation
from bot.store import SqlStore, open_store
from tests.clock import Clock
from tests.stories import raised

PLAN = load_plan(default_plan_path())


class Provider:
    name = "recorder"

    def __init__(self) -> None:
        self.placed: list[OutgoingCall] = []

    async def place(self, call: OutgoingCall) -> str:
        self.placed.append(call)
        return f"CA{len(self.placed)}"


@pytest.fixture
async def store(database: DatabaseLocation) -> AsyncIterator[SqlStore]:
    opened = await open_store(database)
    yield opened
    await opened.close()


def page(
    person: str, step: int = 0, key: str = "K-2026-001/triage/p/0/voice", turn: asyncio.Event | None = None
) -> PageRequest:
    request = PageRequest(
        state=raised(PLAN), person=PLAN.person_by_id[person], roles=("it",), purpose=PagePurpose.TRIAGE, step=step, key=key
    )
    return request if turn is None else replace(request, turn=turn.wait)


def notifier(provider: Provider, store: SqlStore) -> VoiceNotifier:
    return VoiceNotifier(provider=provider, store=store, clock=Clock(), caller_id="+4596848000", rate=1.0)


async def test_the_mobile_first_then_the_direct_line_and_never_a_short_number(store: SqlStore) -> None:
    provider = Provider()
    voice = notifier(provider, store)
    lak = PLAN.person_by_id["lak"]
    numbers = {phone.kind.value: phone.number for phone in lak.phones}
    await voice.send(page("lak", 0, key="a"))
    await voice.send(page("lak", 1, key="b"))
    assert [call.to for call in provider.placed] == [numbers["mobile"], numbers["landline"]]
    assert {call.caller_id for call in provider.placed} == {"+4596848000"}
    with pytest.raises(PermanentError, match="alle personens numre er prøvet"):
        await voice.send(page("lak", 2, key="c"))


async def test_a_page_sent_again_after_a_restart_finds_its_call_and_does_not_ring_twice(store: SqlStore) -> None:
    provider = Provider()
    first = await notifier(provider, store).send(page("cvo"))
    again = await notifier(provider, store).send(page("cvo"))  # a new process, the same outbox item
    assert again == first and len(provider.placed) == 1
    [call] = provider.placed
    record = await store.call(ref=call.ref)
    assert record is not None and (record.provider, record.provider_id, record.person) == ("recorder", first, "cvo")


async def test_a_call_whose_placing_was_cut_off_is_placed_again(store: SqlStore) -> None:
    class Dropped(Provider):
        async def place(self, call: OutgoingCall) -> str:
            self.placed.append(call)
            raise ConnectionResetError("the process died while the request was out")

    dropped = Dropped()
    with pytest.raises(ConnectionResetError):
        await notifier(dropped, store).send(page("cvo"))
    provider = Provider()
    assert await notifier(provider, store).send(page("cvo")) == "CA1"
    assert len(provider.placed) == 1 and provider.placed[0].ref != dropped.placed[0].ref


async def test_a_call_is_stored_before_its_turn_and_placed_at_it(store: SqlStore) -> None:
    provider = Provider()
    turn = asyncio.Event()
    sending = asyncio.create_task(notifier(provider, store).send(page("cvo", turn=turn)))
    await asyncio.sleep(0.1)
    assert not provider.placed and not sending.done(), "no call before its turn"
    turn.set()
    assert await sending == "CA1"
    [call] = provider.placed
    stored = await store.call(ref=call.ref)
    assert stored is not None and stored.number == "+4596848143" and stored.provider_id == "CA1"


async def test_a_page_sent_again_after_its_call_was_placed_takes_no_turn(store: SqlStore) -> None:
    provider = Provider()
    given = asyncio.Event()
    given.set()
    assert await notifier(provider, store).send(page("cvo", turn=given)) == "CA1"
    never = asyncio.Event()
    assert await asyncio.wait_for(notifier(provider, store).send(page("cvo", turn=never)), 1) == "CA1"
    assert len(provider.placed) == 1
