"""The logbog on a PostgreSQL server: what holds there beyond what every store test checks on both engines
(test_store.py): several instances on one database, the server failing, the logbog refusing change, read-only
sessions, the roles an operator sets up (ADR 34), and a password that is shown nowhere."""

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import psycopg
import pytest

from bot.core.events import LogEntryAdded, LogEntryKind
from bot.database_url import DatabaseLocation, PostgresUrl, postgres_url
from bot.errors import StoreError
from bot.store import CallRecord, CodeRequest, OutboxItem, SqlStore, open_store
from tests.stores import two_stores
from tests.postgres_server import PASSWORD, USER, PostgresServer, free_port
from tests.raw_sql import raw_sql

T0 = datetime(2026, 11, 28, 7, 0, tzinfo=timezone.utc)
LATEST = max(int(path.name[:4]) for path in (Path(__file__).resolve().parents[2] / "bot" / "store" / "schema").glob("*.sql"))


def note(text: str) -> LogEntryAdded:
    return LogEntryAdded(kind=LogEntryKind.HANDLING, text=text)


def page(key: str) -> OutboxItem:
    return OutboxItem(key, "K-2026-001", "p-anne", ("it",), "triage", "sms", T0, T0, 0)


@pytest.fixture
async def instances(postgres_database: PostgresUrl) -> AsyncIterator[tuple[SqlStore, SqlStore]]:
    """Two stores on one database, as two instances of Krisebot would have."""
    async with two_stores(postgres_database) as pair:
        yield pair


def shows_no_password(error: StoreError) -> None:
    assert PASSWORD not in str(error) and PASSWORD not in error.reason and PASSWORD not in repr(error)


# --- several instances on one database ------------------------------------------------------


async def test_two_instances_starting_at_once_migrate_the_database_once(postgres_database: PostgresUrl) -> None:
    stores = await asyncio.gather(*(open_store(postgres_database) for _ in range(3)))
    try:
        assert [await store._db.schema_version() for store in stores] == [LATEST] * 3
        assert raw_sql(postgres_database, "SELECT version FROM schema_version") == [(LATEST,)]
    finally:
        for store in stores:
            await store.close()


async def test_the_same_delivery_to_two_instances_acts_once(instances: tuple[SqlStore, SqlStore]) -> None:
    """An activity, webhook or alarm delivered to both instances (its request key): one records it, the other nothing."""
    first, second = instances
    deliveries = [
        store.append_all(at=T0, actor="system", payloads=[note(f"levering {n}")], crisis_id="K-1", request_key=f"activity-{n}")
        for n in range(20)
        for store in (first, second)
    ]

    recorded = await asyncio.gather(*deliveries)

    for n in range(20):
        assert sorted(len(events) for events in recorded[2 * n : 2 * n + 2]) == [0, 1]
    assert sorted(event.payload.text for event in await first.events()) == sorted(f"levering {n}" for n in range(20))


async def test_two_instances_number_the_logbog_without_gaps_or_repeats(instances: tuple[SqlStore, SqlStore]) -> None:
    appends = [store.append(at=T0, actor="system", payload=note(f"nr. {n}")) for n in range(30) for store in instances]

    events = await asyncio.gather(*appends)

    assert sorted(event.seq for event in events) == list(range(1, 61))
    assert (await instances[0].numbering()).contiguous


async def test_the_same_pages_enqueued_by_two_instances_are_added_once(instances: tuple[SqlStore, SqlStore]) -> None:
    pages = [page(f"K-2026-001/triage/p-anne/{n}/sms") for n in range(50)]

    added = await asyncio.gather(*(store.enqueue(items=order) for store, order in zip(instances, (pages, pages[::-1]))))

    assert sum(added) == 50
    assert len(await instances[1].pending(due_by=T0)) == 50


async def test_a_page_another_instance_is_claiming_is_left_to_it(postgres_database: PostgresUrl) -> None:
    store = await open_store(postgres_database)
    try:
        await store.enqueue(items=[page("a"), page("b")])
        with psycopg.connect(postgres_database.conninfo) as other:  # another instance, inside its claim of «a»
            other.execute("SELECT key FROM outbox WHERE key = 'a' FOR UPDATE")

            assert await store.claim(keys=["a", "b"]) == {"b"}
        assert [(item.key, item.tries) for item in await store.pending(due_by=T0)] == [("a", 0), ("b", 1)]
    finally:
        await store.close()


async def test_two_instances_give_different_codes_on_one_number(instances: tuple[SqlStore, SqlStore]) -> None:
    asked = [
        store.sms_codes(pages=[CodeRequest("+4520123456", f"K-{n}", "triage", "p-anne")], at=T0, open_crises={f"K-{n}"})
        for n, store in enumerate([*instances] * 5)
    ]

    codes = [code for [code] in await asyncio.gather(*asked)]

    assert sorted(codes) == list(range(1, 11))


async def test_a_calls_key_and_end_count_once_across_instances(instances: tuple[SqlStore, SqlStore]) -> None:
    """Both instances get the provider's webhook of one call: the first report wins, once."""
    first, second = instances
    await first.save_call(call=CallRecord("ref-1", "a", "K-2026-001", "p-anne", ("it",), "triage", "+4520123456", T0))

    keyed = await asyncio.gather(*(store.call_keyed(ref="ref-1", digits=digits) for store, digits in zip(instances, "12")))
    ended = await asyncio.gather(*(store.call_ended(ref="ref-1", outcome="completed", at=T0) for store in instances))

    assert sorted(keyed) == [False, True] and sorted(ended) == [False, True]
    assert (await second.call(ref="ref-1")).digits == "12"[keyed.index(True)]


async def test_times_compare_as_on_sqlite_in_a_database_of_a_danish_locale(postgres: PostgresServer) -> None:
    """Danish collation puts «07:00:00.5+00:00» before «07:00:00+00:00»; the logbog's text compares byte by byte."""
    name = postgres.create_database("LOCALE_PROVIDER icu ICU_LOCALE 'da-DK' LOCALE 'C.UTF-8'")
    store = await open_store(postgres_url(postgres.url(name)))
    try:
        half_past = T0 + timedelta(milliseconds=500)
        await store.enqueue(items=[OutboxItem("a", "K-2026-001", "p-anne", ("it",), "triage", "sms", T0, half_past, 0)])

        assert await store.pending(due_by=T0) == []
        assert await store.next_try_at(after=T0) == half_past
    finally:
        await store.close()
        postgres.drop_database(name)


# --- the logbog refuses change --------------------------------------------------------------


@pytest.mark.parametrize("sql", ["UPDATE events SET actor = 'forfalsket'", "DELETE FROM events", "TRUNCATE events"])
async def test_the_logbog_refuses_change_even_from_its_owner(postgres_database: PostgresUrl, sql: str) -> None:
    store = await open_store(postgres_database)
    try:
        await store.append(at=T0, actor="person:p1", payload=note("første"), crisis_id="K-1")
        before = await store.events()

        with pytest.raises(psycopg.errors.RestrictViolation, match="logbogen kan kun tilføjes til"):
            raw_sql(postgres_database, sql)

        assert await store.events() == before
    finally:
        await store.close()


APPLICATION_ROLE = (
    "CREATE ROLE krisebot_app LOGIN PASSWORD '{password}'",
    "GRANT USAGE ON SCHEMA public TO krisebot_app",
    "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO krisebot_app",
    "REVOKE UPDATE, DELETE, TRUNCATE ON events FROM krisebot_app",
    "ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO krisebot_app",
)
"""ADR 34's application role, as the administrator creates it and the owner (who migrated the database) grants it."""


async def test_the_application_role_of_adr_34_runs_krisebot_and_cannot_change_the_logbog(
    postgres: PostgresServer, postgres_database: PostgresUrl
) -> None:
    await (await open_store(postgres_database)).close()  # the owner migrates
    raw_sql(postgres_database, *(statement.format(password=PASSWORD, owner=USER) for statement in APPLICATION_ROLE))
    application = postgres_url(postgres_database.conninfo.replace(f"{USER}:", "krisebot_app:", 1))
    try:
        store = await open_store(application)
        try:
            event = await store.append(at=T0, actor="system", payload=note("som tjenesten"))
            assert await store.enqueue(items=[page("a")]) == 1
            assert await store.claim(keys=["a"]) == {"a"}
        finally:
            await store.close()
        raw_sql(postgres_database, "ALTER TABLE events DISABLE TRIGGER USER")  # only the owner could

        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            raw_sql(application, "DELETE FROM events")

        assert raw_sql(postgres_database, "SELECT seq FROM events") == [(event.seq,)]
    finally:
        raw_sql(postgres_database, "DROP OWNED BY krisebot_app", "DROP ROLE krisebot_app")


# --- opening --------------------------------------------------------------------------------


async def test_a_read_only_store_reads_in_read_only_sessions(postgres_database: PostgresUrl) -> None:
    await (await open_store(postgres_database)).close()
    reader = await open_store(postgres_database, read_only=True)
    try:
        assert await reader._db.fetch_value("SHOW default_transaction_read_only") == "on"
    finally:
        await reader.close()


async def test_a_read_only_store_neither_creates_nor_migrates_a_logbog(postgres_database: PostgresUrl) -> None:
    with pytest.raises(StoreError) as refused:
        await open_store(postgres_database, read_only=True)

    assert refused.value.reason == "databasen har ingen logbog endnu: krisebot serve opretter den"
    assert raw_sql(postgres_database, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") == [(0,)]


@pytest.mark.parametrize("read_only", [False, True])
async def test_a_database_from_a_newer_krisebot_is_refused(postgres_database: PostgresUrl, read_only: bool) -> None:
    await (await open_store(postgres_database)).close()
    raw_sql(postgres_database, f"UPDATE schema_version SET version = {LATEST + 1}")

    with pytest.raises(StoreError) as refused:
        await open_store(postgres_database, read_only=read_only)

    assert f"skemaversion {LATEST + 1}" in refused.value.reason
    assert raw_sql(postgres_database, "SELECT version FROM schema_version") == [(LATEST + 1,)]


# --- the server failing ---------------------------------------------------------------------


def server_of(location: DatabaseLocation) -> str:
    assert isinstance(location, PostgresUrl)
    return location.server


async def test_an_unreachable_server_is_a_store_error_naming_it_and_not_the_password() -> None:
    nowhere = postgres_url(f"postgresql://{USER}:{PASSWORD}@127.0.0.1:{free_port()}/logbog")  # nobody listens there

    with pytest.raises(StoreError) as refused:
        await open_store(nowhere)

    assert refused.value.reason.startswith(f"PostgreSQL-serveren svarer ikke: kører den, og kan tjenesten nå den? ({server_of(nowhere)}: ")
    shows_no_password(refused.value)


async def test_a_wrong_password_is_a_store_error_showing_neither_password(postgres: PostgresServer) -> None:
    database = postgres.create_database()
    wrong = postgres_url(postgres.url(database, password="forkert-kodeord"))
    try:
        with pytest.raises(StoreError) as refused:
            await open_store(wrong)
    finally:
        postgres.drop_database(database)

    assert refused.value.reason.startswith("PostgreSQL-serveren afviste brugeren eller adgangskoden")
    assert "forkert-kodeord" not in str(refused.value)
    shows_no_password(refused.value)


async def test_a_missing_database_is_a_store_error_naming_it(postgres: PostgresServer) -> None:
    with pytest.raises(StoreError) as refused:
        await open_store(postgres_url(postgres.url("findes_ikke")))

    assert refused.value.reason.startswith(f"databasen findes ikke på serveren (127.0.0.1:{postgres.port}/findes_ikke: ")
    shows_no_password(refused.value)


async def test_a_failing_read_is_a_store_error_naming_the_server(postgres_database: PostgresUrl) -> None:
    store = await open_store(postgres_database)
    try:
        raw_sql(postgres_database, "DROP TABLE teams_users")  # the database changed under the service
        with pytest.raises(StoreError) as failed:
            await store.linked_person_ids()
    finally:
        await store.close()

    assert failed.value.reason.startswith(f"databasefejl ({postgres_database.server}: ")
    assert "teams_users" in failed.value.reason


async def test_connections_the_server_ended_are_replaced_unnoticed(postgres_database: PostgresUrl) -> None:
    store = await open_store(postgres_database)
    try:
        await store.append(at=T0, actor="system", payload=note("før"))
        [(ended,)] = raw_sql(
            postgres_database,
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid != pg_backend_pid()",
        )
        after = await store.append(at=T0, actor="system", payload=note("efter"))
    finally:
        await store.close()

    assert ended >= 1
    assert after.seq == 2


async def test_a_server_that_goes_down_under_a_running_store_is_a_store_error_until_it_is_back(
    own_postgres: PostgresServer,
) -> None:
    location = postgres_url(own_postgres.url(own_postgres.create_database()))
    store = await open_store(location)
    try:
        await store.append(at=T0, actor="system", payload=note("før"))
        own_postgres.stop("fast")
        with pytest.raises(StoreError) as failed:
            await store.append(at=T0 + timedelta(minutes=1), actor="system", payload=note("under nedbruddet"))
        own_postgres.start()
        after = await store.append(at=T0 + timedelta(minutes=2), actor="system", payload=note("efter"))
    finally:
        await store.close()

    assert failed.value.reason.startswith(f"hændelserne kunne ikke gemmes: PostgreSQL-serveren svarer ikke: kører den, og kan "
                                          f"tjenesten nå den? ({location.server}: ")
    shows_no_password(failed.value)
    assert after.seq == 2
