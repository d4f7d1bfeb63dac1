"""``krisebot migrate-store``: what it copies, what it refuses, and how its check finds a copy that differs.

The command runs for real against the tests' PostgreSQL server; the check (``differences``) is also run on its own
against a copy changed behind the store's back. A whole crisis moved and exported: tests/protocol/test_moved_logbog.py.
"""

import asyncio
import re
import sqlite3
import time
from contextlib import closing
from datetime import datetime, timezone
from pathlib import Path

from bot.core.events import AlarmRaised, LogEntryAdded, LogEntryKind
from bot.database_url import PostgresUrl
from bot.store import OutboxItem, open_store
from bot.store.copying import NOT_COPIED, TABLE_NAMES, copied_tables, differences
from bot.store.opening import open_database
from tests.postgres_server import PASSWORD
from tests.raw_sql import raw_sql
from tests.serve import HANG, serving
from tests.unit.test_cli import krisebot

T0 = datetime(2026, 3, 2, 7, 5, tzinfo=timezone.utc)


def _logbog(path: Path) -> Path:
    """A SQLite logbog with one crisis of two events and a page in the outbox."""

    async def write() -> None:
        store = await open_store(path)
        await store.append(at=T0, actor="cvo", crisis_id="K-2026-001",
                           payload=AlarmRaised(source="dpo", deliveries=["lonudbetaling"], description="Lønfil lækket"))
        await store.append(at=T0, actor="cvo", crisis_id="K-2026-001",
                           payload=LogEntryAdded(kind=LogEntryKind.BESLUTNING, text="Datatilsynet underrettes"))
        await store.enqueue(items=[OutboxItem("K-2026-001/triage/cvo/teams", "K-2026-001", "cvo", ("it",), "triage",
                                              "teams", T0, T0, 0)])
        await store.close()

    asyncio.run(write())
    return path


def _move(tmp_path: Path, logbog: Path, target: PostgresUrl, **env: str):
    return krisebot(tmp_path, "migrate-store", "--from", str(logbog), "--to", target.conninfo, **env)


def test_every_table_of_the_schema_is_copied_but_the_instances_own(tmp_path: Path) -> None:
    logbog = _logbog(tmp_path / "logbog.db")
    with closing(sqlite3.connect(logbog)) as raw:
        schema = {name for (name,) in raw.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}

    async def tables() -> list[str]:
        db = await open_database(logbog, read_only=True)
        try:
            return [table.name for table in await copied_tables(db)]
        finally:
            await db.close()

    copied = asyncio.run(tables())
    assert copied[0] == "events"
    assert set(copied) == schema - set(NOT_COPIED) - {"sqlite_sequence"}
    assert set(copied) <= set(TABLE_NAMES), "the summary names every copied table in Danish"


def test_the_copy_is_summarised_and_the_password_never_shown(tmp_path: Path, postgres_database: PostgresUrl) -> None:
    result = _move(tmp_path, _logbog(tmp_path / "logbog.db"), postgres_database)

    assert result.returncode == 0, result.stderr
    assert "  2 hændelser (nr. 1–2) i 1 krise\n  1 side i udbakken (1 venter)\n" in result.stdout
    assert "Kopien er kontrolleret hændelse for hændelse og tabel for tabel" in result.stdout
    assert PASSWORD not in result.stdout + result.stderr
    assert raw_sql(postgres_database, "SELECT seq, actor, type FROM events ORDER BY seq") == [
        (1, "cvo", "alarm_raised"), (2, "cvo", "log_entry_added")
    ]


def test_the_logbog_named_by_the_setting_is_moved_unless_it_is_postgresql_already(
    tmp_path: Path, postgres_database: PostgresUrl
) -> None:
    logbog = _logbog(tmp_path / "krisebot.db")

    moved = krisebot(tmp_path, "migrate-store", "--to", postgres_database.conninfo, KRISEBOT_DATABASE=str(logbog))
    again = krisebot(tmp_path, "migrate-store", "--to", postgres_database.conninfo, KRISEBOT_DATABASE=postgres_database.conninfo)

    assert moved.returncode == 0, moved.stderr
    assert again.returncode == 2 and again.stdout == ""
    assert again.stderr == (
        f"krisebot: KRISEBOT_DATABASE: er allerede {postgres_database}: angiv SQLite-logbogen med --from\n"
    )


def test_a_target_that_is_no_postgresql_database_is_refused(tmp_path: Path) -> None:
    result = krisebot(tmp_path, "migrate-store", "--from", str(_logbog(tmp_path / "logbog.db")), "--to", "ny.db")

    assert result.returncode == 2
    assert result.stderr == "krisebot: --to: skal være en PostgreSQL-adresse (postgresql://bruger@vært:5432/database)\n"


def test_a_target_that_holds_events_is_refused_and_left_as_it_was(tmp_path: Path, postgres_database: PostgresUrl) -> None:
    logbog = _logbog(tmp_path / "logbog.db")
    assert _move(tmp_path, logbog, postgres_database).returncode == 0

    again = _move(tmp_path, logbog, postgres_database)

    assert again.returncode == 2 and again.stdout == ""
    assert again.stderr == (
        f"krisebot: {postgres_database}: databasen har allerede 2 hændelser: logbogen flyttes kun til en tom database\n"
    )
    assert raw_sql(postgres_database, "SELECT COUNT(*) FROM events") == [(2,)]


def test_a_target_an_instance_has_written_to_is_refused(tmp_path: Path, postgres_database: PostgresUrl) -> None:
    async def heartbeat() -> None:
        store = await open_store(postgres_database)
        await store.watch_heartbeats(names=["overvaagning"], at=T0)
        await store.close()

    asyncio.run(heartbeat())

    result = _move(tmp_path, _logbog(tmp_path / "logbog.db"), postgres_database)

    assert result.returncode == 2
    assert "databasen er ikke tom (livstegn i tabellen heartbeats)" in result.stderr
    assert len(result.stderr.splitlines()) == 1


def test_a_copy_changed_on_its_way_is_caught_and_nothing_is_kept(tmp_path: Path, postgres_database: PostgresUrl) -> None:
    asyncio.run(_migrated(postgres_database))
    raw_sql(
        postgres_database,
        "CREATE FUNCTION tamper() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "IF NEW.seq = 2 THEN NEW.actor := 'lak'; END IF; RETURN NEW; END $$",
        "CREATE TRIGGER tamper BEFORE INSERT ON events FOR EACH ROW EXECUTE FUNCTION tamper()",
    )

    result = _move(tmp_path, _logbog(tmp_path / "logbog.db"), postgres_database)

    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr == (
        f"krisebot: {postgres_database}: kopien er ikke magen til logbogen, så intet er gemt i PostgreSQL: "
        "hændelse nr. 2 er ændret i kopien (actor)\n"
    )
    assert raw_sql(postgres_database, "SELECT COUNT(*) FROM events") == [(0,)]
    assert raw_sql(postgres_database, "SELECT COUNT(*) FROM outbox") == [(0,)]


def test_the_check_names_each_event_and_table_that_differs(tmp_path: Path, postgres_database: PostgresUrl) -> None:
    logbog = _logbog(tmp_path / "logbog.db")
    assert _move(tmp_path, logbog, postgres_database).returncode == 0
    assert asyncio.run(_differences(logbog, postgres_database, batch=1)) == []
    raw_sql(
        postgres_database,
        "ALTER TABLE events DISABLE TRIGGER USER",
        "UPDATE events SET payload = replace(payload, 'Datatilsynet', 'Ingen') WHERE seq = 2",
        "DELETE FROM events WHERE seq = 1",
        "ALTER TABLE events ENABLE TRIGGER USER",
        "UPDATE outbox SET status = 'sent'",
    )

    assert asyncio.run(_differences(logbog, postgres_database, batch=1)) == [
        "hændelse nr. 1 mangler i kopien",
        "hændelse nr. 2 er ændret i kopien (payload)",
        "outbox (sider i udbakken): række 1 af 1 er ikke den samme i kopien",
    ]


def test_a_logbog_that_gave_out_numbers_after_its_last_event_is_not_moved(
    tmp_path: Path, postgres_database: PostgresUrl
) -> None:
    logbog = _logbog(tmp_path / "logbog.db")
    raw_sql(logbog, "UPDATE sqlite_sequence SET seq = 5 WHERE name = 'events'")

    result = _move(tmp_path, logbog, postgres_database)

    assert result.returncode == 2
    assert result.stderr.startswith(
        f"krisebot: {logbog}: logbogen har givet numre ud til og med nr. 5, men dens sidste hændelse er nr. 2"
    )
    assert raw_sql(postgres_database, "SELECT COUNT(*) FROM events") == [(0,)]


async def _migrated(location: PostgresUrl) -> None:
    await (await open_database(location)).close()


async def _differences(logbog: Path, copy: PostgresUrl, *, batch: int) -> list[str]:
    """The differences the check names, a stretch of ``batch`` rows of the logbog at a time."""
    source, target = await open_database(logbog, read_only=True), await open_database(copy, read_only=True)
    try:
        found = await differences(source, target, await copied_tables(source), batch=batch)
        assert found.count == len(found.shown)
        return found.shown
    finally:
        await source.close()
        await target.close()


def test_a_logbog_a_running_instance_holds_is_not_moved_until_it_stops(
    tmp_path: Path, postgres_database: PostgresUrl
) -> None:
    logbog = _logbog(tmp_path / "logbog.db")
    with serving(tmp_path, KRISEBOT_DATABASE=str(logbog), KRISEBOT_INSTANCE_ID="vm-1"):
        deadline = time.monotonic() + HANG
        while not raw_sql(logbog, "SELECT holder FROM leases"):  # the leader takes its leases once it serves
            assert time.monotonic() < deadline, "krisebot serve took no lease"
            time.sleep(0.05)

        refused = _move(tmp_path, logbog, postgres_database)

    moved = _move(tmp_path, logbog, postgres_database)

    assert refused.returncode == 2 and len(refused.stderr.splitlines()) == 1
    assert re.fullmatch(
        rf"krisebot: {re.escape(str(logbog))}: logbogen bruges af en kørende Krisebot \(vm-1 til kl\. \d\d:\d\d:\d\d\): "
        r"stop tjenesten, og prøv igen\n",
        refused.stderr,
    ), refused.stderr
    assert moved.returncode == 0, "a stopped instance released its leases"
