"""The store tells an export whether the logbog it reads is complete: every number up to the last one given out holds an event."""

from collections.abc import AsyncIterator
from datetime import datetime, timezone
from pathlib import Path

import pytest

from bot.core.events import LogEntryAdded, LogEntryKind
from bot.database_url import DatabaseLocation
from bot.store import Numbering, SqlStore, open_store
from tests.raw_sql import raw_sql

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
async def store(database: DatabaseLocation) -> AsyncIterator[SqlStore]:
    opened = await open_store(database)
    yield opened
    await opened.close()


async def append(store: SqlStore, count: int, crisis_id: str | None = "K-2026-001") -> None:
    for n in range(count):
        await store.append(at=T0, actor="cvo", payload=LogEntryAdded(kind=LogEntryKind.HANDLING, text=f"nr. {n}"), crisis_id=crisis_id)


def tamper(store: SqlStore, *statements: str) -> None:
    """Change the logbog behind the store's back, as a hand with an SQL tool could (the triggers dropped first)."""
    drop = "DROP TRIGGER events_no_delete" if isinstance(store.location, Path) else "DROP TRIGGER events_no_change ON events"
    raw_sql(store.location, drop, *statements)


async def test_an_empty_logbog_and_one_written_by_the_store_are_contiguous(store: SqlStore) -> None:
    assert await store.numbering() == Numbering(0)

    await append(store, 3)
    await append(store, 2, crisis_id=None)
    await append(store, 2, crisis_id="K-2026-002")

    assert await store.numbering() == Numbering(7)
    assert (await store.numbering()).contiguous


async def test_deleted_events_show_as_runs_of_missing_numbers(store: SqlStore) -> None:
    await append(store, 9)
    tamper(store, "DELETE FROM events WHERE seq IN (1, 4, 5, 6, 8)")

    assert await store.numbering() == Numbering(9, ((1, 1), (4, 6), (8, 8)))


async def test_a_deleted_last_event_is_missing_too(tmp_path: Path) -> None:
    """The last number given out outlives the event that took it (SQLite's AUTOINCREMENT keeps it; PostgreSQL refuses
    to delete an event whoever asks, and has no such record: ADR 34)."""
    store = await open_store(tmp_path / "logbog.sqlite")
    await append(store, 4)
    tamper(store, "DELETE FROM events WHERE seq >= 3")

    numbering = await store.numbering()
    await store.close()

    assert numbering == Numbering(4, ((3, 4),))
    assert not numbering.contiguous


async def test_a_read_only_store_checks_the_numbering(store: SqlStore) -> None:
    await append(store, 3)
    tamper(store, "DELETE FROM events WHERE seq = 2")

    reader = await open_store(store.location, read_only=True)
    try:
        assert await reader.numbering() == Numbering(3, ((2, 2),))
    finally:
        await reader.close()
