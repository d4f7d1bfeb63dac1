"""The SQLite logbog store: what an operator relies on when the bot, the disk or the process fails."""

import signal
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import get_args

import aiosqlite
import pytest

from bot.core.events import (
    Acknowledged,
    AlarmRaised,
    EventPayload,
    LogEntryAdded,
    LogEntryKind,
    PageSent,
)
from bot.errors import StoreError
from bot.store import SqliteStore, TeamsUserLink, open_store
from bot.store.migrations import Migration, migrate

SCHEMA = Path(__file__).resolve().parents[2] / "bot" / "store" / "schema"
WRITER = Path(__file__).with_name("store_writer.py")
LATEST = max(int(path.name[:4]) for path in SCHEMA.glob("*.sql"))

T0 = datetime(2024, 3, 1, 14, 30, tzinfo=timezone(timedelta(hours=1)))
PAYLOADS = [
    AlarmRaised(source="sms", deliveries=["vand", "el"], description="Oversvømmelse i kælderen", reporter_phone="+4520304050"),
    LogEntryAdded(kind=LogEntryKind.BESLUTNING, text="Rådhuset evakueres – æøå"),
    PageSent(person="p-anne", roles=["krisestabschef"], channel="sms", provider_id="msg-17"),
    Acknowledged(person="p-anne", roles=["krisestabschef", "logfører"], via="teams"),
]


def note(text: str) -> LogEntryAdded:
    return LogEntryAdded(kind=LogEntryKind.HANDLING, text=text)


def pragma(path: Path, name: str) -> object:
    with sqlite3.connect(path) as raw:
        return raw.execute(f"PRAGMA {name}").fetchone()[0]


def tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as raw:
        return {name for (name,) in raw.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "logbog.sqlite"


@pytest.fixture
async def store(db_path: Path) -> AsyncIterator[SqliteStore]:
    opened = await open_store(db_path)
    yield opened
    await opened.close()


# --- events ---------------------------------------------------------------------------------


def test_every_payload_type_has_a_round_trip_example() -> None:
    """A new payload type in bot.core.events must be added to PAYLOADS here."""
    assert {type(payload) for payload in PAYLOADS} == set(get_args(get_args(EventPayload)[0]))


async def test_appended_events_come_back_in_order_in_utc_with_typed_payloads(store: SqliteStore) -> None:
    appended = [
        await store.append(at=T0 + timedelta(minutes=i), actor=f"person:p{i}", payload=payload, crisis_id="krise-1")
        for i, payload in enumerate(PAYLOADS)
    ]

    assert [event.seq for event in appended] == [1, 2, 3, 4]
    read = await store.events()
    assert read == appended
    for i, (event, payload) in enumerate(zip(read, PAYLOADS, strict=True)):
        assert event.at == T0 + timedelta(minutes=i)
        assert event.at.utcoffset() == timedelta(0)
        assert (event.actor, event.crisis_id) == (f"person:p{i}", "krise-1")
        assert type(event.payload) is type(payload)
        assert event.payload == payload


async def test_events_filter_by_crisis_and_after(store: SqliteStore) -> None:
    for crisis in ["a", "b", None, "a", "b", "a"]:
        await store.append(at=T0, actor="system", payload=note(f"til {crisis}"), crisis_id=crisis)

    assert [event.seq for event in await store.events(crisis_id="a")] == [1, 4, 6]
    assert [event.seq for event in await store.events(after=3)] == [4, 5, 6]
    assert [event.seq for event in await store.events(crisis_id="b", after=2)] == [5]
    assert await store.events(after=6) == []
    assert await store.events(crisis_id="ukendt") == []


async def test_naive_time_is_refused_and_writes_nothing(store: SqliteStore) -> None:
    with pytest.raises(ValueError):
        await store.append(at=datetime(2024, 3, 1, 14, 30), actor="system", payload=note("uden tidszone"))

    assert await store.events() == []
    assert (await store.append(at=T0, actor="system", payload=note("med tidszone"))).seq == 1


# --- append-only ----------------------------------------------------------------------------


@pytest.mark.parametrize("sql", ["UPDATE events SET actor = 'forfalsket'", "DELETE FROM events"])
async def test_logbog_cannot_be_changed_behind_the_bots_back(store: SqliteStore, db_path: Path, sql: str) -> None:
    await store.append(at=T0, actor="person:p1", payload=note("første"), crisis_id="krise-1")
    await store.append(at=T0, actor="person:p2", payload=note("anden"), crisis_id="krise-1")
    before = await store.events()

    with sqlite3.connect(db_path) as raw, pytest.raises(sqlite3.IntegrityError, match="logbogen kan kun tilføjes til"):
        raw.execute(sql)

    assert await store.events() == before


# --- migrations and opening -----------------------------------------------------------------


async def test_new_database_is_at_latest_schema_version_and_uses_wal(store: SqliteStore, db_path: Path) -> None:
    assert pragma(db_path, "user_version") == LATEST
    assert pragma(db_path, "journal_mode") == "wal"


async def test_reopening_keeps_data_and_does_not_reapply_migrations(db_path: Path) -> None:
    first = await open_store(db_path)
    await first.append(at=T0, actor="system", payload=note("før genstart"))
    await first.close()

    second = await open_store(db_path)
    try:
        assert pragma(db_path, "user_version") == LATEST
        assert [event.payload for event in await second.events()] == [note("før genstart")]
        assert (await second.append(at=T0, actor="system", payload=note("efter genstart"))).seq == 2
    finally:
        await second.close()


@pytest.mark.parametrize("read_only", [False, True])
async def test_database_from_a_newer_krisebot_is_refused(db_path: Path, read_only: bool) -> None:
    await (await open_store(db_path)).close()
    with sqlite3.connect(db_path) as raw:
        raw.execute(f"PRAGMA user_version = {LATEST + 1}")

    with pytest.raises(StoreError):
        await open_store(db_path, read_only=read_only)

    assert pragma(db_path, "user_version") == LATEST + 1


async def test_read_only_store_reads_but_never_writes(db_path: Path) -> None:
    writable = await open_store(db_path)
    await writable.link_teams_user(link=TeamsUserLink("29:anne", "aad-anne", "anne@kommune.dk", "p-anne"), at=T0)
    await writable.close()
    content = db_path.read_bytes()

    reader = await open_store(db_path, read_only=True)
    try:
        assert await reader.linked_person_ids() == {"p-anne"}
        with pytest.raises(StoreError):
            await reader.append(at=T0, actor="system", payload=note("må ikke gemmes"))
        with pytest.raises(StoreError):
            await reader.link_teams_user(link=TeamsUserLink("29:bo", None, None, "p-bo"), at=T0)
    finally:
        await reader.close()

    assert db_path.read_bytes() == content
    assert pragma(db_path, "SELECT count(*) FROM events".replace("SELECT", "").strip() and "user_version") == LATEST
