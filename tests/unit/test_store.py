"""The logbog store, on SQLite and on PostgreSQL (``store``, ``database``): what an operator relies on when the bot,
the disk or the process fails, a writer SIGKILLed mid-write included. What is about the SQLite file alone (WAL,
file modes, a 0-byte file) opens a SQLite file (``db_path``); PostgreSQL's own counterparts are in
test_postgres_store.py."""

import asyncio
import os
import signal
import stat
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import closing
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import get_args

import aiosqlite
import pytest

from bot.core.escalation import Subject, Timer, requested_timers
from bot.core.events import (
    Acknowledged,
    ArrivalRecorded,
    ContactAnswer,
    ContactMethod,
    ContactRecorded,
    ExternalAnswered,
    ExternalContacted,
    ExternalSummoned,
    ExternalStatus,
    AlarmRaised,
    AlarmReported,
    AlarmStatus,
    BreakerChanged,
    DeliveryState,
    CrisisClosed,
    DirectorDecided,
    DirectorDecision,
    Escalated,
    EscalationRequested,
    EventPayload,
    LevelChanged,
    LogEntryAdded,
    LogEntryKind,
    MeetingPlaceChanged,
    PageDeliveryReported,
    PageFailed,
    PagePurpose,
    PageSent,
    PagesRequested,
    RequestedPage,
    RoleUncovered,
    SmsReceived,
    CallReported,
    CallStatus,
    KeyPressed,
    SummonsAnswered,
    Triaged,
    TriageDecision,
)
from bot.database_url import DatabaseLocation, PostgresUrl
from bot.errors import StoreError
from bot.store import CallRecord, Finished, LogSummary, OutboxItem, SqlStore, TeamsUserLink, open_store
from bot.store.migrations import Migration, migrate
from bot.store.database import Database
from bot.store.postgres_database import PostgresDatabase
from bot.store.sqlite_database import SqliteDatabase
from tests.raw_sql import raw_sql
from tests.stores import setting

SCHEMA = Path(__file__).resolve().parents[2] / "bot" / "store" / "schema"
WRITER = Path(__file__).with_name("store_writer.py")
LATEST = max(int(path.name[:4]) for path in SCHEMA.glob("*.sql"))

T0 = datetime(2024, 3, 1, 14, 30, tzinfo=timezone(timedelta(hours=1)))
PAYLOADS = [
    AlarmRaised(
        source="sms", deliveries=["vand", "el"], description="Oversvømmelse i kælderen", reporter_phone="+4520304050"
    ),
    LogEntryAdded(kind=LogEntryKind.BESLUTNING, text="Rådhuset evakueres – æøå"),
    AlarmReported(status=AlarmStatus.RESOLVED, text="Alertmanager: ProbeFailure er afklaret"),
    PagesRequested(pages=[
        RequestedPage(person="p-anne", roles=["krisestabschef"], purpose=PagePurpose.SUMMONS),
        RequestedPage(person="p-bo", roles=[], purpose=PagePurpose.INFORM),
    ]),
    PageSent(person="p-anne", roles=["krisestabschef"], purpose=PagePurpose.SUMMONS, channel="sms", provider_id="msg-17"),
    PageFailed(person="p-bo", roles=["it"], purpose=PagePurpose.TRIAGE, channel="teams", reason="ingen samtale"),
    Acknowledged(person="p-anne", roles=["krisestabschef", "logfører"], via="teams"),
    Escalated(role="krisestabschef", purpose=PagePurpose.TRIAGE, stage=1, people=["p-anne", "p-bo"]),
    EscalationRequested(),
    Triaged(decision=TriageDecision.INFORM_DIRECTOR, assessment="Hele netværket er nede"),
    DirectorDecided(decision=DirectorDecision.ACTIVATE, members=["p-anne"], meeting_at=T0, note="Mød op"),
    SummonsAnswered(person="p-anne", coming=True, eta="15 min"),
    ContactRecorded(person="p-bo", how=ContactMethod.TELEFON, answer=ContactAnswer.KOMMER, eta="20 min"),
    ArrivalRecorded(person="p-bo"),
    ExternalContacted(external="politi", status=ExternalStatus.TILKALDT, note="Indsatsleder på vej"),
    ExternalSummoned(external="vagtchef", note="Mød i byrådssalen"),
    ExternalAnswered(external="vagtchef", coming=True, eta="20 min", via="sms"),
    MeetingPlaceChanged(place="it-undervisningslokale"),
    LevelChanged(level="kommune", contacts=["p-anne"]),
    CrisisClosed(note="Afsluttet"),
    PageDeliveryReported(
        person="p-bo", roles=["it"], purpose=PagePurpose.TRIAGE, channel="sms", provider_id="4711",
        status=DeliveryState.UNDELIVERABLE, detail="nummeret findes ikke",
    ),
    SmsReceived(person="p-bo", number="+4520304050", text="KRISE 1K", outcome="kvitteret"),
    CallReported(person="p-bo", roles=["it"], purpose=PagePurpose.TRIAGE, number="+4596848142", provider_id="CA1",
                 status=CallStatus.VOICEMAIL),
    KeyPressed(person="p-bo", number="+4596848142", digits="1", outcome="kvitteret pr. telefon (tast 1)"),
    BreakerChanged(dependency="connector", open=True, reason="3 fejl i træk"),
    RoleUncovered(role="okonomi", purpose=PagePurpose.SUMMONS),
]


def note(text: str) -> LogEntryAdded:
    return LogEntryAdded(kind=LogEntryKind.HANDLING, text=text)


def raw_connection(path: Path) -> closing[sqlite3.Connection]:
    """A plain sqlite3 connection to the file, as an operator's tool would open it."""
    return closing(sqlite3.connect(path))


def pragma(path: Path, name: str) -> object:
    with raw_connection(path) as raw:
        return raw.execute(f"PRAGMA {name}").fetchone()[0]


def tables(path: Path) -> set[str]:
    with raw_connection(path) as raw:
        return {name for (name,) in raw.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "logbog.sqlite"


@pytest.fixture
async def store(database: DatabaseLocation) -> AsyncIterator[SqlStore]:
    opened = await open_store(database)
    yield opened
    await opened.close()


@pytest.fixture
async def sqlite_store(db_path: Path) -> AsyncIterator[SqlStore]:
    opened = await open_store(db_path)
    yield opened
    await opened.close()


# --- events ---------------------------------------------------------------------------------


def test_every_payload_type_has_a_round_trip_example() -> None:
    """A new payload type in bot.core.events must be added to PAYLOADS here."""
    assert {type(payload) for payload in PAYLOADS} == set(get_args(get_args(EventPayload)[0]))


async def test_appended_events_come_back_in_order_in_utc_with_typed_payloads(store: SqlStore) -> None:
    appended = [
        await store.append(at=T0 + timedelta(minutes=i), actor=f"person:p{i}", payload=payload, crisis_id="krise-1")
        for i, payload in enumerate(PAYLOADS)
    ]

    assert [event.seq for event in appended] == list(range(1, len(PAYLOADS) + 1))
    read = await store.events()
    assert read == appended
    for i, (event, payload) in enumerate(zip(read, PAYLOADS, strict=True)):
        assert event.at == T0 + timedelta(minutes=i)
        assert event.at.utcoffset() == timedelta(0)
        assert (event.actor, event.crisis_id) == (f"person:p{i}", "krise-1")
        assert type(event.payload) is type(payload)
        assert event.payload == payload


async def test_events_filter_by_crisis_and_after(store: SqlStore) -> None:
    for crisis in ["a", "b", None, "a", "b", "a"]:
        await store.append(at=T0, actor="system", payload=note(f"til {crisis}"), crisis_id=crisis)

    assert [event.seq for event in await store.events(crisis_id="a")] == [1, 4, 6]
    assert [event.seq for event in await store.events(after=3)] == [4, 5, 6]
    assert [event.seq for event in await store.events(crisis_id="b", after=2)] == [5]
    assert await store.events(after=6) == []
    assert await store.events(crisis_id="ukendt") == []


async def test_naive_time_is_refused_and_writes_nothing(store: SqlStore) -> None:
    with pytest.raises(ValueError):
        await store.append(at=datetime(2024, 3, 1, 14, 30), actor="system", payload=note("uden tidszone"))

    assert await store.events() == []
    assert (await store.append(at=T0, actor="system", payload=note("med tidszone"))).seq == 1


async def test_a_failing_write_does_not_undo_concurrent_appends(store: SqlStore) -> None:
    """Handlers run concurrently: one write failing must not roll back events already reported as stored."""
    broken = TeamsUserLink("29:ukendt", None, None, None)  # type: ignore[arg-type]  # person_id is NOT NULL
    appends = [store.append(at=T0, actor="system", payload=note(f"samtidig {i}")) for i in range(4)]

    a, b, failed, c, d = await asyncio.gather(
        *appends[:2], store.link_teams_user(link=broken, at=T0), *appends[2:], return_exceptions=True
    )

    assert isinstance(failed, StoreError)
    # every append reported as stored is there; concurrent ones are numbered in the order they took the logbog
    # (on PostgreSQL each has a connection of its own, so not necessarily the order they were called in)
    assert await store.events() == sorted([a, b, c, d], key=lambda event: event.seq)


async def test_a_nul_character_is_kept_in_an_events_text_and_stands_in_as_u_fffd_elsewhere(store: SqlStore) -> None:
    """PostgreSQL's text cannot hold a NUL character: on both engines it becomes U+FFFD outside the event's own JSON."""
    event = await store.append(at=T0, actor="person:p\x001", payload=note("før\x00efter"), crisis_id="krise-1")
    await store.enqueue(items=[OutboxItem("k", "krise-1", "p1", ("it",), "triage", "sms", T0, T0, 0)])
    await store.retry_later(key="k", at=T0, error="svar: \x00")
    await store.finish(items=[Finished("k", "krise-1", "failed", T0, error="svar: \x00")])
    await store.link_teams_user(link=TeamsUserLink("29:anne", None, "anne\x00@kommune.dk", "p-anne"), at=T0)

    [read] = await store.events()
    assert read.seq == event.seq and read.actor == "person:p\ufffd1" and read.payload == note("før\x00efter")
    assert (await store.teams_user(teams_user_id="29:anne")).upn == "anne\ufffd@kommune.dk"
    assert (await store.sent_page(key="k")).status == "failed"


# --- append-only ----------------------------------------------------------------------------


@pytest.mark.parametrize("sql", ["UPDATE events SET actor = 'forfalsket'", "DELETE FROM events"])
async def test_logbog_cannot_be_changed_behind_the_bots_back(sqlite_store: SqlStore, db_path: Path, sql: str) -> None:
    store = sqlite_store
    await store.append(at=T0, actor="person:p1", payload=note("første"), crisis_id="krise-1")
    await store.append(at=T0, actor="person:p2", payload=note("anden"), crisis_id="krise-1")
    before = await store.events()

    with raw_connection(db_path) as raw, pytest.raises(sqlite3.IntegrityError, match="logbogen kan kun tilføjes til"):
        raw.execute(sql)

    assert await store.events() == before


# --- migrations and opening -----------------------------------------------------------------


async def test_new_database_is_at_latest_schema_version_and_uses_wal(sqlite_store: SqlStore, db_path: Path) -> None:
    assert pragma(db_path, "user_version") == LATEST
    assert pragma(db_path, "journal_mode") == "wal"


async def test_reopening_keeps_data_and_does_not_reapply_migrations(database: DatabaseLocation) -> None:
    first = await open_store(database)
    await first.append(at=T0, actor="system", payload=note("før genstart"))
    await first.close()

    second = await open_store(database)
    try:
        assert await second._db.schema_version() == LATEST
        assert [event.payload for event in await second.events()] == [note("før genstart")]
        assert (await second.append(at=T0, actor="system", payload=note("efter genstart"))).seq == 2
    finally:
        await second.close()


async def test_a_waves_summary_post_is_kept_per_crisis_across_a_reopening_and_replaced_when_edited(
    database: DatabaseLocation,
) -> None:
    first = await open_store(database)
    await first.save_log_summary(crisis_id="K-2026-001", summary=LogSummary(2, "1700000000009", "Indkaldelse til 4", True))
    await first.save_log_summary(crisis_id="K-2026-002", summary=LogSummary(2, "1700000000010", "Vurdering", False))
    await first.close()

    second = await open_store(database)
    try:
        assert await second.log_summaries(crisis_id="K-2026-001") == {2: LogSummary(2, "1700000000009", "Indkaldelse til 4", True)}
        await second.save_log_summary(crisis_id="K-2026-001", summary=LogSummary(2, "1700000000009", "Indkaldelse til 5", True))
        assert (await second.log_summaries(crisis_id="K-2026-001"))[2].text == "Indkaldelse til 5"
        assert await second.log_summaries(crisis_id="K-2026-003") == {}
    finally:
        await second.close()


@pytest.mark.parametrize("read_only", [False, True])
async def test_database_from_a_newer_krisebot_is_refused(db_path: Path, read_only: bool) -> None:
    await (await open_store(db_path)).close()
    with raw_connection(db_path) as raw:
        raw.execute(f"PRAGMA user_version = {LATEST + 1}")

    with pytest.raises(StoreError):
        await open_store(db_path, read_only=read_only)

    assert pragma(db_path, "user_version") == LATEST + 1


async def test_read_only_store_reads_but_never_writes(database: DatabaseLocation) -> None:
    writable = await open_store(database)
    await writable.link_teams_user(link=TeamsUserLink("29:anne", "aad-anne", "anne@kommune.dk", "p-anne"), at=T0)
    await writable.close()
    content = database.read_bytes() if isinstance(database, Path) else None  # a SQLite file stays as it was

    reader = await open_store(database, read_only=True)
    try:
        assert await reader.linked_person_ids() == {"p-anne"}
        with pytest.raises(StoreError) as refused:
            await reader.append(at=T0, actor="system", payload=note("må ikke gemmes"))
        assert "databasen er skrivebeskyttet" in refused.value.reason
        with pytest.raises(StoreError):
            await reader.link_teams_user(link=TeamsUserLink("29:bo", None, None, "p-bo"), at=T0)
    finally:
        await reader.close()

    assert raw_sql(database, "SELECT count(*) FROM events") == [(0,)]
    assert raw_sql(database, "SELECT count(*) FROM teams_users") == [(1,)]
    if isinstance(database, Path):
        assert database.read_bytes() == content


async def test_read_only_store_refuses_an_older_schema_without_migrating_it(db_path: Path) -> None:
    with raw_connection(db_path) as raw:
        raw.execute("CREATE TABLE fra_en_gammel_version (x INTEGER)")

    with pytest.raises(StoreError):
        await open_store(db_path, read_only=True)

    assert pragma(db_path, "user_version") == 0
    assert tables(db_path) == {"fra_en_gammel_version"}


async def test_read_only_store_does_not_create_a_missing_database(db_path: Path) -> None:
    with pytest.raises(StoreError):
        await open_store(db_path, read_only=True)

    assert not db_path.exists()


async def test_failed_migration_leaves_the_previous_version_and_no_partial_tables(database: DatabaseLocation) -> None:
    good = Migration(1, "0001_a", "CREATE TABLE a (x INTEGER);")
    broken = Migration(2, "0002_b", "CREATE TABLE b (x INTEGER);\nCREATE TABLE c (;")
    fixed = Migration(2, "0002_b", "CREATE TABLE b (x INTEGER);\nCREATE TABLE c (x INTEGER);")
    engine = "postgresql" if isinstance(database, PostgresUrl) else "sqlite"

    db = await connect(database)
    try:
        with pytest.raises(Exception) as failed:
            await migrate(db, [good, broken], engine)
        assert db.failure(failed.value) is not None
        assert await db.schema_version() == 1
    finally:
        await db.close()
    assert user_tables(database) == {"a"}

    db = await connect(database)
    try:
        assert await migrate(db, [good, fixed], engine) == 2
    finally:
        await db.close()
    assert user_tables(database) == {"a", "b", "c"}


async def connect(database: DatabaseLocation) -> Database:
    """The bare database at ``database``, without the store's set-up or schema."""
    if isinstance(database, PostgresUrl):
        return await PostgresDatabase.connect(database)
    return SqliteDatabase(await aiosqlite.connect(database), database)


def user_tables(database: DatabaseLocation) -> set[str]:
    """The tables of the database, but for the one holding the schema version."""
    if isinstance(database, PostgresUrl):
        rows = raw_sql(database, "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename != 'schema_version'")
        return {name for (name,) in rows}
    return tables(database)


# --- what an operator is told when the database fails ---------------------------------------


async def test_a_new_database_and_its_wal_and_shm_are_private_whatever_the_umask(db_path: Path) -> None:
    permissive = os.umask(0)
    try:
        opened = await open_store(db_path)
        await opened.append(at=T0, actor="system", payload=note("telefonnumre og navne"))
        files = sorted(db_path.parent.iterdir())
        modes = {path.name: stat.S_IMODE(path.stat().st_mode) for path in files}
        await opened.close()
    finally:
        os.umask(permissive)

    assert modes == {name: 0o600 for name in ("logbog.sqlite", "logbog.sqlite-shm", "logbog.sqlite-wal")}


@pytest.mark.parametrize("read_only", [False, True])
async def test_an_empty_database_file_is_refused_and_left_empty(db_path: Path, read_only: bool) -> None:
    db_path.touch()

    with pytest.raises(StoreError) as refused:
        await open_store(db_path, read_only=read_only)

    assert "tom (0 byte)" in refused.value.reason and str(refused.value).startswith(f"{db_path}: ")
    assert db_path.stat().st_size == 0


@pytest.mark.parametrize("read_only", [False, True])
async def test_a_logbog_with_events_this_version_does_not_know_is_refused(
    database: DatabaseLocation, read_only: bool
) -> None:
    await (await open_store(database)).close()
    raw_sql(database, "INSERT INTO events (seq, at, actor, type, payload) VALUES (1, '2030-01-01T00:00:00+00:00', 'system', "
                      "'meeting_held', '{\"type\": \"meeting_held\"}')")

    with pytest.raises(StoreError) as refused:
        await open_store(database, read_only=read_only)

    assert "meeting_held" in refused.value.reason and "nyere version" in refused.value.reason


async def test_an_event_that_cannot_be_read_back_is_a_store_error(store: SqlStore, database: DatabaseLocation) -> None:
    await store.append(at=T0, actor="system", payload=note("første"))
    raw_sql(database, "INSERT INTO events (seq, at, actor, type, payload) VALUES (2, '2024-03-01T13:30:00+00:00', 'system', "
                      "'log_entry_added', '{\"type\": \"log_entry_added\"}')")

    with pytest.raises(StoreError) as failed:
        await store.events()

    assert failed.value.reason == "hændelse nr. 2 (log_entry_added) i logbogen kan ikke læses"


async def test_a_failing_read_is_a_store_error_naming_the_file(sqlite_store: SqlStore, db_path: Path) -> None:
    store = sqlite_store
    with raw_connection(db_path) as raw:  # the database changed under the service
        raw.execute("DROP TABLE teams_users")

    with pytest.raises(StoreError) as failed:
        await store.linked_person_ids()

    assert failed.value.database == db_path and "no such table" in failed.value.reason


async def test_a_refused_write_is_a_store_error_with_the_reason(db_path: Path) -> None:
    await (await open_store(db_path)).close()
    reader = await open_store(db_path, read_only=True)  # SQLite's own read-only mode: works as root too
    try:
        with pytest.raises(StoreError) as failed:
            await reader.append(at=T0, actor="system", payload=note("må ikke gemmes"))
    finally:
        await reader.close()

    assert failed.value.reason.startswith("hændelserne kunne ikke gemmes: databasen er skrivebeskyttet")
    assert str(failed.value).startswith(f"{db_path}: ")


async def test_the_probe_proves_the_logbog_takes_a_write_without_writing_an_event(database: DatabaseLocation) -> None:
    writable = await open_store(database)
    try:
        await writable.probe()
        assert await writable.events() == []
    finally:
        await writable.close()
    reader = await open_store(database, read_only=True)
    try:
        with pytest.raises(StoreError) as refused:
            await reader.probe()
    finally:
        await reader.close()

    assert refused.value.reason.startswith("logbogen kan ikke skrives: databasen er skrivebeskyttet")


# --- conversation references and Teams users ------------------------------------------------


async def test_conversation_reference_is_saved_overwritten_and_survives_a_restart(database: DatabaseLocation) -> None:
    first = {"serviceUrl": "https://smba.example/emea/", "conversation": {"id": "a:1chat"}, "user": {"id": "29:anne"}}
    second = {"serviceUrl": "https://smba.example/emea/", "conversation": {"id": "a:2chat"}}

    store = await open_store(database)
    await store.save_conversation_reference(key="user:29:anne", reference=first, at=T0)
    assert await store.conversation_reference(key="user:29:anne") == first
    await store.save_conversation_reference(key="user:29:anne", reference=second, at=T0 + timedelta(hours=1))
    assert await store.latest_service_url() == "https://smba.example/emea/"
    await store.close()

    store = await open_store(database)
    try:
        assert await store.conversation_reference(key="user:29:anne") == second
        assert await store.conversation_reference(key="user:29:ukendt") is None
    finally:
        await store.close()


async def test_teams_user_can_be_linked_and_relinked(store: SqlStore) -> None:
    anne = TeamsUserLink("29:anne", "aad-anne", "anne@kommune.dk", "p-anne")
    bo = TeamsUserLink("29:bo", None, None, "p-bo")
    await store.link_teams_user(link=anne, at=T0)
    await store.link_teams_user(link=bo, at=T0)
    assert await store.teams_user(teams_user_id="29:anne") == anne
    assert await store.linked_person_ids() == {"p-anne", "p-bo"}

    relinked = TeamsUserLink("29:anne", "aad-anne", "anne.ny@kommune.dk", "p-carl")
    await store.link_teams_user(link=relinked, at=T0 + timedelta(days=1))

    assert await store.teams_user(teams_user_id="29:anne") == relinked
    assert await store.teams_user(teams_user_id="29:ukendt") is None
    assert await store.linked_person_ids() == {"p-carl", "p-bo"}


# --- paging timers ---------------------------------------------------------------------------


def requested(*pages: RequestedPage) -> PagesRequested:
    return PagesRequested(pages=list(pages))


async def running(store: SqlStore) -> dict[str, set[Timer]]:
    return {crisis_id: set(timers) for crisis_id, timers in (await store.timers()).items()}


async def test_paging_timers_are_started_with_the_events_that_request_them(store: SqlStore) -> None:
    pages = requested(
        RequestedPage(person="p-anne", roles=["it", "krisestabschef"], purpose=PagePurpose.TRIAGE),
        RequestedPage(person="p-bo", roles=[], purpose=PagePurpose.INFORM),
    )
    await store.append_all(
        at=T0, actor="system", payloads=[note("alarm"), pages], crisis_id="krise-1", timers=requested_timers([pages], T0)
    )

    assert await running(store) == {"krise-1": {
        Timer(PagePurpose.TRIAGE, Subject.ROLE, "it", T0),
        Timer(PagePurpose.TRIAGE, Subject.ROLE, "krisestabschef", T0),
        Timer(PagePurpose.INFORM, Subject.PERSON, "p-bo", T0),
    }}


async def test_the_store_starts_no_timer_it_was_not_given(store: SqlStore) -> None:
    pages = requested(RequestedPage(person="p-anne", roles=["it"], purpose=PagePurpose.TRIAGE))
    await store.append_all(at=T0, actor="system", payloads=[pages], crisis_id="krise-1")

    assert await store.timers() == {}


async def test_a_redelivered_request_starts_no_timer_again(store: SqlStore) -> None:
    pages = requested(RequestedPage(person="p-bo", roles=[], purpose=PagePurpose.INFORM))
    later = T0 + timedelta(minutes=5)
    for at in (T0, later):
        await store.append_all(
            at=at, actor="system", payloads=[pages], crisis_id="krise-1", request_key="activity-1",
            timers=requested_timers([pages], at),
        )

    assert await running(store) == {"krise-1": {Timer(PagePurpose.INFORM, Subject.PERSON, "p-bo", T0)}}


async def test_a_roles_running_timer_keeps_its_start_and_a_persons_restarts(store: SqlStore) -> None:
    pages = requested(
        RequestedPage(person="p-anne", roles=["it"], purpose=PagePurpose.TRIAGE),
        RequestedPage(person="p-bo", roles=[], purpose=PagePurpose.INFORM),
    )
    later = T0 + timedelta(minutes=5)
    for at in (T0, later):
        await store.append_all(at=at, actor="system", payloads=[pages], crisis_id="krise-1", timers=requested_timers([pages], at))

    assert await running(store) == {"krise-1": {
        Timer(PagePurpose.TRIAGE, Subject.ROLE, "it", T0),
        Timer(PagePurpose.INFORM, Subject.PERSON, "p-bo", later),
    }}


async def test_timers_without_a_crisis_are_refused_and_nothing_is_written(store: SqlStore) -> None:
    with pytest.raises(ValueError):
        await store.append_all(
            at=T0, actor="system", payloads=[note("ingen krise")], timers=[Timer(PagePurpose.INFORM, Subject.PERSON, "p-bo", T0)]
        )

    assert await store.events() == []
    assert await store.timers() == {}


# --- calls ----------------------------------------------------------------------------------


def a_call(ref: str, number: str = "+4520123456") -> CallRecord:
    return CallRecord(ref, "opkald-1", "K-2026-001", "p-anne", ("it",), "triage", number, T0)


async def test_a_call_is_saved_until_the_provider_took_one_for_its_outbox_item_which_is_then_given_back(
    store: SqlStore,
) -> None:
    """A call whose placing was cut off is placed again (a second record); once one was taken, a send again rings no one."""
    assert await store.save_call(call=a_call("ref-1")) is None
    assert await store.save_call(call=a_call("ref-2")) is None
    await store.call_placed(ref="ref-2", provider="vonage", provider_id="uuid-2")

    again = await store.save_call(call=a_call("ref-3", number="+4520999999"))

    assert again is not None and (again.ref, again.provider_id, again.number) == ("ref-2", "uuid-2", "+4520123456")
    assert await store.call(ref="ref-3") is None
    assert (await store.call(ref="ref-1")).provider_id is None


# --- crash safety ---------------------------------------------------------------------------


def kill_writer_after(location: DatabaseLocation, lines: int, *mode: str) -> tuple[int, list[int]]:
    """SIGKILL store_writer.py (in ``mode``) once it has reported ``lines`` commits; return its pid and every
    seq it printed."""
    writer = subprocess.Popen(
        [sys.executable, str(WRITER), setting(location), *mode], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    printed: list[int] = []
    while len(printed) < lines:
        line = writer.stdout.readline()
        if not line:
            pytest.fail(f"skriveren stoppede af sig selv: {writer.communicate()[1]}")
        printed.append(int(line))
    writer.kill()
    writer.wait(timeout=5)
    rest, errors = writer.stdout.read(), writer.stderr.read()  # not communicate(): it would skip what readline() buffered
    assert writer.returncode == -signal.SIGKILL, errors
    return writer.pid, printed + [int(seq) for seq in rest.split()]


async def test_killed_writer_loses_no_committed_event(database: DatabaseLocation) -> None:
    """Every seq the writer saw committed survives SIGKILL, with no gap, three times over."""
    stored = 0
    for lines in (150, 300, 220):
        pid, printed = kill_writer_after(database, lines)

        store = await open_store(database)
        try:
            if isinstance(database, Path):
                assert pragma(database, "integrity_check") == "ok"
            events = await store.events()
            assert [event.seq for event in events] == list(range(1, len(events) + 1))
            assert printed == list(range(stored + 1, stored + 1 + len(printed)))
            texts = {event.seq: event.payload.text for event in events}
            for n, seq in enumerate(printed):
                assert texts[seq] == f"linje {n} fra skriver {pid}"
            unreported = events[printed[-1] :]
            assert [event.payload.text for event in unreported] in ([], [f"linje {len(printed)} fra skriver {pid}"])

            after = await store.append(at=T0, actor="system", payload=note("efter nedbruddet"))
            assert after.seq == len(events) + 1
            stored = after.seq
        finally:
            await store.close()


async def test_a_killed_writer_leaves_no_page_request_without_its_timer(database: DatabaseLocation) -> None:
    """A page once recorded as requested is paged after a crash: its timer was committed with it, never apart."""
    _, printed = kill_writer_after(database, 200, "pages")

    store = await open_store(database)
    try:
        requests = [event.payload for event in await store.events()]
        assert len(requests) >= len(printed)
        paged = {page.person for request in requests if isinstance(request, PagesRequested) for page in request.pages}
        assert {timer.id for timer in (await store.timers())["krise-1"]} == paged
    finally:
        await store.close()
