"""``copy_logbog`` a batch at a time: what it holds at once, and what its check finds in a batch after the first.

Run in this process with a batch of a few rows, so that every table of a small logbog takes several, against the
tests' PostgreSQL server. A copy changed on its way by a trigger on the target is rolled back, wherever the change
falls. The command itself and the check on its own: tests/unit/test_migrate_store.py.
"""

import asyncio
import re
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from bot.core.events import AlarmRaised, LogEntryAdded, LogEntryKind
from bot.database_url import PostgresUrl
from bot.errors import StoreError
from bot.store import OutboxItem, open_store
from bot.store.copying import Copied, copied_tables, copy_logbog
from bot.store.opening import open_database
from tests.raw_sql import raw_sql

T0 = datetime(2026, 3, 2, 7, 5, tzinfo=timezone.utc)
BATCH = 4
EVENTS = 30
PAGES = 11


def _logbog(path: Path) -> Path:
    """A SQLite logbog of ``EVENTS`` events in three crises, ``PAGES`` pages in the outbox, six heartbeats and seven
    help replies: several batches of ``BATCH`` in each of those tables."""

    async def write() -> None:
        store = await open_store(path)
        for n in range(EVENTS):
            payload = (
                AlarmRaised(source="dpo", deliveries=["lonudbetaling"], description="Lønfil lækket") if n % 10 == 0
                else LogEntryAdded(kind=LogEntryKind.BESLUTNING, text=f"Beslutning {n}: Datatilsynet underrettes")
            )
            await store.append(at=T0 + timedelta(minutes=n), actor="cvo", crisis_id=f"K-2026-{n // 10 + 1:03d}",
                               payload=payload)
        await store.enqueue(items=[
            OutboxItem(f"K-2026-001/summons/p{n:02d}/teams", "K-2026-001", f"p{n:02d}", ("it",), "summons", "teams",
                       T0, T0, 0)
            for n in range(PAGES)
        ])
        await store.watch_heartbeats(names=[f"overvaagning-{n}" for n in range(6)], at=T0)
        for n in range(7):
            assert await store.help_replies_allowed(number=f"+4520{n:06d}", at=T0, since=T0 - timedelta(hours=1), limit=3)
        await store.close()

    asyncio.run(write())
    return path


class Seen:
    """A database (or a transaction on one) passing every statement on, and noting how many rows each one gave or
    took (``seen``: the statement and its rows), as the copy holds them."""

    def __init__(self, queries: Any, seen: list[tuple[str, int]]) -> None:
        self._queries = queries
        self.seen = seen

    def __getattr__(self, name: str) -> Any:
        return getattr(self._queries, name)

    async def fetch_all(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        rows: list[tuple[Any, ...]] = await self._queries.fetch_all(sql, params)
        self.seen.append((sql, len(rows)))
        return rows

    async def fetch_rows(self, select: str, source: str, params: Sequence[Any] = ()) -> list[list[Any]]:
        rows: list[list[Any]] = await self._queries.fetch_rows(select, source, params)
        self.seen.append((f"SELECT {select} {source}", len(rows)))
        return rows

    async def execute_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        self.seen.append((sql, len(rows)))
        await self._queries.execute_many(sql, rows)

    @asynccontextmanager
    async def transaction(self, doing: str) -> AsyncIterator["Seen"]:
        async with self._queries.transaction(doing) as queries:
            yield Seen(queries, self.seen)


async def _copy(logbog: Path, target: PostgresUrl, *, batch: int = BATCH, seen: list[tuple[str, int]] | None = None) -> Copied:
    source, destination = await open_database(logbog, read_only=True), await open_database(target)
    try:
        noted = [] if seen is None else seen
        return await copy_logbog(Seen(source, noted), Seen(destination, noted), at=T0, batch=batch)
    finally:
        await source.close()
        await destination.close()


async def _tables(logbog: Path) -> list[Any]:
    source = await open_database(logbog, read_only=True)
    try:
        return await copied_tables(source)
    finally:
        await source.close()


def test_the_copy_holds_a_batch_of_rows_at_a_time_and_is_the_logbog_byte_for_byte(
    tmp_path: Path, postgres_database: PostgresUrl
) -> None:
    logbog = _logbog(tmp_path / "logbog.db")
    tables = asyncio.run(_tables(logbog))
    seen: list[tuple[str, int]] = []

    copied = asyncio.run(_copy(logbog, postgres_database, seen=seen))

    of_the_logbog = re.compile(rf"\b(?:FROM|INTO) (?:{'|'.join(table.name for table in tables)})\b")
    held = [rows for sql, rows in seen if of_the_logbog.search(sql)]
    assert max(held) == BATCH, "no statement reads or writes more rows of the logbog than a batch"
    assert (copied.rows["events"], copied.rows["outbox"], copied.rows["heartbeats"], copied.rows["sms_help_replies"]) == (
        EVENTS, PAGES, 6, 7
    )
    for table in tables:
        select = f"SELECT {', '.join(table.columns)} FROM {table.name} ORDER BY {', '.join(table.key)}"
        assert raw_sql(postgres_database, select) == raw_sql(logbog, select), table.name


def test_every_copied_table_is_read_in_one_order_on_both_engines(tmp_path: Path, postgres_database: PostgresUrl) -> None:
    """The batches follow each table's key in both databases: text compared byte by byte and no NULL in a key."""
    logbog = _logbog(tmp_path / "logbog.db")
    asyncio.run(_copy(logbog, postgres_database))
    columns = {
        (table, column): (nullable, collation)
        for table, column, nullable, collation in raw_sql(
            postgres_database,
            "SELECT table_name, column_name, is_nullable, collation_name FROM information_schema.columns "
            "WHERE table_schema = 'public'",
        )
    }

    tables = asyncio.run(_tables(logbog))

    assert tables[0].key == ("seq",)
    for table in tables:
        for column in table.key:
            nullable, collation = columns[(table.name, column)]
            assert nullable == "NO", f"{table.name}.{column} may be NULL"
            assert collation in ("C", None), f"{table.name}.{column} is compared by the locale ({collation})"


def test_an_event_and_a_row_changed_in_a_later_batch_are_caught_and_nothing_is_kept(
    tmp_path: Path, postgres_database: PostgresUrl
) -> None:
    _tamper(
        postgres_database,
        "events", "IF NEW.seq = 27 THEN NEW.payload := replace(NEW.payload, 'Datatilsynet', 'Ingen'); END IF",
        "outbox", "IF NEW.person = 'p09' THEN NEW.channel := 'sms'; END IF",
    )

    with pytest.raises(StoreError) as refused:
        asyncio.run(_copy(_logbog(tmp_path / "logbog.db"), postgres_database))

    assert refused.value.reason == (
        "kopien er ikke magen til logbogen, så intet er gemt i PostgreSQL: hændelse nr. 27 er ændret i kopien (payload); "
        "outbox (sider i udbakken): række 10 af 11 er ikke den samme i kopien"
    )
    _assert_empty(postgres_database)


def test_a_row_added_to_a_batch_already_checked_is_caught_and_nothing_is_kept(
    tmp_path: Path, postgres_database: PostgresUrl
) -> None:
    """A trigger on the last page adds one that sorts first, to the outbox's first batch, checked before."""
    _tamper(
        postgres_database,
        "outbox",
        f"IF NEW.person = 'p{PAGES - 1:02d}' THEN INSERT INTO outbox (key, crisis_id, person, roles, purpose, channel, "
        "attempt_at, next_try_at) VALUES ('0-indsat', NEW.crisis_id, 'p99', NEW.roles, NEW.purpose, NEW.channel, "
        "NEW.attempt_at, NEW.next_try_at); END IF",
        timing="AFTER",
    )

    with pytest.raises(StoreError) as refused:
        asyncio.run(_copy(_logbog(tmp_path / "logbog.db"), postgres_database))

    assert refused.value.reason == (
        f"kopien er ikke magen til logbogen, så intet er gemt i PostgreSQL: "
        f"outbox (sider i udbakken): {PAGES} rækker i logbogen, {PAGES + 1} i kopien"
    )
    _assert_empty(postgres_database)


def test_a_copy_that_differs_everywhere_names_its_first_differences_and_counts_the_rest(
    tmp_path: Path, postgres_database: PostgresUrl
) -> None:
    _tamper(postgres_database, "events", "IF NEW.seq > 2 THEN NEW.actor := 'lak'; END IF")

    with pytest.raises(StoreError) as refused:
        asyncio.run(_copy(_logbog(tmp_path / "logbog.db"), postgres_database))

    assert refused.value.reason == (
        "kopien er ikke magen til logbogen, så intet er gemt i PostgreSQL: "
        + "; ".join(f"hændelse nr. {seq} er ændret i kopien (actor)" for seq in range(3, 8))
        + f" (og {EVENTS - 7} forskelle mere)"
    )
    _assert_empty(postgres_database)


def _tamper(target: PostgresUrl, *changes: str, timing: str = "BEFORE") -> None:
    """Migrate the empty ``target``, and have PostgreSQL run each PL/pgSQL statement of ``changes`` (table,
    statement, …) on every row inserted into its table (``timing`` the insert), behind the store's back."""

    async def migrated() -> None:
        await (await open_database(target)).close()

    asyncio.run(migrated())
    for table, statement in zip(changes[::2], changes[1::2]):
        raw_sql(
            target,
            f"CREATE FUNCTION tamper_{table}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN {statement}; RETURN NEW; END $$",
            f"CREATE TRIGGER tamper_{table} {timing} INSERT ON {table} FOR EACH ROW EXECUTE FUNCTION tamper_{table}()",
        )


def _assert_empty(target: PostgresUrl) -> None:
    for table in ("events", "outbox", "heartbeats", "sms_help_replies"):
        assert raw_sql(target, f"SELECT COUNT(*) FROM {table}") == [(0,)], table
