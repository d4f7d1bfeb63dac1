"""The outbox's batch writes and the batched chat lookup, on a real SQLite file."""

import asyncio
from collections.abc import AsyncIterator, Awaitable
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from bot.core.events import PageFailed, PagePurpose, PageSent
from bot.database_url import DatabaseLocation
from bot.store import Finished, OutboxItem, SqlStore, TeamsUserLink, open_store
from bot.teams.personal_chats import PersonalChats

T0 = datetime(2026, 11, 28, 7, 0, tzinfo=timezone.utc)


@pytest.fixture
async def store(database: DatabaseLocation) -> AsyncIterator[SqlStore]:
    opened = await open_store(database)
    yield opened
    await opened.close()


def item(person: str, channel: str = "teams") -> OutboxItem:
    return OutboxItem(
        key=f"K-2026-001/summons/{person}/0/{channel}", crisis_id="K-2026-001", person=person, roles=("it",),
        purpose="summons", channel=channel, attempt_at=T0, next_try_at=T0, tries=0,
    )


def sent(person: str) -> PageSent:
    return PageSent(person=person, roles=["it"], purpose=PagePurpose.SUMMONS, channel="teams", provider_id=f"id-{person}")


async def test_a_batch_is_claimed_and_finished_once_with_its_events_in_order(store: SqlStore) -> None:
    items = [item(p) for p in ("cvo", "hjm", "lak", "peter")]
    await store.enqueue(items=items)
    await store.claim(keys=[i.key for i in items])
    failed = PageFailed(person="lak", roles=["it"], purpose=PagePurpose.SUMMONS, channel="teams", reason="Teams svarede 403")

    events = await store.finish(items=[
        Finished(items[0].key, "K-2026-001", "sent", T0, provider_id="id-cvo", event=sent("cvo")),
        Finished(items[1].key, "K-2026-001", "cancelled", T0),
        Finished(items[2].key, "K-2026-001", "failed", T0, error="Teams svarede 403", event=failed),
        Finished(items[3].key, "K-2026-001", "sent", T0 + timedelta(seconds=1), provider_id="id-peter", event=sent("peter")),
    ])
    again = await store.finish(items=[Finished(items[0].key, "K-2026-001", "sent", T0, event=sent("cvo"))])

    assert again == []
    assert [(e.payload.type, e.payload.person) for e in events] == [
        ("page_sent", "cvo"), ("page_failed", "lak"), ("page_sent", "peter"),
    ]
    assert [e.seq for e in events] == [e.seq for e in await store.events(crisis_id="K-2026-001")]
    assert events[2].at == T0 + timedelta(seconds=1)
    assert await store.pending(due_by=T0 + timedelta(days=1)) == []


async def test_next_try_after_a_moment_leaves_out_what_was_due_by_then(store: SqlStore) -> None:
    await store.enqueue(items=[item("cvo"), replace(item("hjm"), next_try_at=T0 + timedelta(seconds=30))])

    assert await store.next_try_at() == T0
    assert await store.next_try_at(after=T0) == T0 + timedelta(seconds=30)


async def test_chats_asked_for_together_are_looked_up_together(store: SqlStore) -> None:
    await store.link_teams_user(link=TeamsUserLink("29:old", None, None, "cvo"), at=T0)
    await store.link_teams_user(link=TeamsUserLink("29:new", None, None, "cvo"), at=T0 + timedelta(minutes=1))
    for key, chat in [("teams:29:old", "a:old"), ("teams:29:new", "a:new"), ("person:jesper", "19:graph")]:
        await store.save_conversation_reference(key=key, reference={"conversation": {"id": chat}}, at=T0)
    chats = PersonalChats(store)
    queries = 0
    original = store.teams_users_of_people

    async def counted(**kwargs):
        nonlocal queries
        queries += 1
        return await original(**kwargs)

    store.teams_users_of_people = counted

    found = await asyncio.gather(*(chats.reference(p) for p in ("cvo", "jesper", "hjm")))

    assert [f and f["conversation"]["id"] for f in found] == ["a:new", "19:graph", None]
    assert queries == 1


async def test_only_pending_pages_are_claimed(store: SqlStore) -> None:
    items = [item(p) for p in ("cvo", "hjm", "lak")]
    await store.enqueue(items=items)
    await store.claim(keys=[items[0].key])
    await store.finish(items=[Finished(items[0].key, "K-2026-001", "sent", T0, provider_id="id-cvo", event=sent("cvo"))])

    claimed = await store.claim(keys=[i.key for i in items] + ["K-2026-001/summons/nobody/0/teams"])

    assert claimed == {items[1].key, items[2].key}
    assert [(i.key, i.tries) for i in await store.pending(due_by=T0)] == [(items[1].key, 1), (items[2].key, 1)]


async def sqlite_steps(store: SqlStore, work: Awaitable[object]) -> int:
    """How many thousand SQLite virtual machine instructions ``work`` runs on the store's connection."""
    steps = 0

    def count() -> int:
        nonlocal steps
        steps += 1
        return 0  # go on

    connection = store._db._db  # the store's own connection: the statements under test run on it
    await connection.set_progress_handler(count, 1000)
    try:
        await work
    finally:
        await connection.set_progress_handler(None, 1000)
    return steps


async def claim_and_finish_steps(store: SqlStore, others: int) -> tuple[int, int]:
    """(steps to claim, steps to finish) a batch of 100 pages while ``others`` other pages are pending."""
    await store.enqueue(items=[item(f"other{n:04d}", "feed") for n in range(others)])
    batch = [item(f"p{n:03d}") for n in range(100)]
    await store.enqueue(items=batch)
    claiming = await sqlite_steps(store, store.claim(keys=[i.key for i in batch]))
    outcomes = [Finished(i.key, "K-2026-001", "sent", T0, provider_id="id", event=sent(i.person)) for i in batch]
    finishing = await sqlite_steps(store, store.finish(items=outcomes))
    return claiming, finishing


async def test_claiming_and_finishing_a_batch_costs_the_same_however_many_other_pages_wait(tmp_path: Path) -> None:
    costs = {}
    for others in (0, 3000):
        store = await open_store(tmp_path / f"{others}.db")
        try:
            costs[others] = await claim_and_finish_steps(store, others)
        finally:
            await store.close()

    (claim_alone, finish_alone), (claim_among, finish_among) = costs[0], costs[3000]
    assert claim_among <= 1.5 * claim_alone + 2, costs
    assert finish_among <= 1.5 * finish_alone + 2, costs
