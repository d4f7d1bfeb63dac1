"""A logbog that real crises wrote on SQLite, moved to PostgreSQL with ``krisebot migrate-store``: the crises read
the same there (their exports byte for byte, the numbering), and the next event takes the next number.

The real app with Teams, SMS on a fake GatewayAPI and calls on a fake Twilio, a clock moved by hand; the command
run for real, as an operator runs it, once the app has stopped."""

import asyncio
from datetime import timedelta
from pathlib import Path

from bot.core.events import LogEntryAdded, LogEntryKind
from bot.database_url import PostgresUrl
from bot.store import open_store
from bot.store.copying import NOT_COPIED
from tests.fakes.gatewayapi import FakeGatewayApi
from tests.protocol.crisis import Crisis, activated
from tests.protocol.sms import Phones, clock, crisis, gateway, graph, later, more_settings, sms_plan, voice  # noqa: F401 (fixtures)
from tests.protocol.teams import CLAUS
from tests.raw_sql import raw_sql
from tests.unit.test_cli import krisebot


async def test_crises_moved_to_postgresql_export_byte_for_byte_as_on_sqlite(
    crisis: Crisis, gateway: FakeGatewayApi, clock, tmp_path: Path, postgres_database: PostgresUrl
) -> None:
    phones = Phones(crisis, gateway)
    await phones.text("lak", "KRISE ALARM O365 er nede")
    await later(crisis, clock, 1)
    await phones.text("cvo", "krise 1d")
    await later(crisis, clock, 1)
    summoned = await activated(crisis)
    await crisis.taps(CLAUS, "summons_coming", crisis=summoned, eta="15 min")
    await later(crisis, clock, 900, steps=5)
    store = crisis.bot.store
    await store.watch_heartbeats(names=["overvaagning"], at=clock.now)
    await store.save_mailbox_cursor(mailbox="alarm@struer.dk", link="https://graph/delta?token=1", at=clock.now)
    assert await store.help_replies_allowed(number="+4520112299", at=clock.now, since=clock.now - timedelta(hours=1), limit=3)
    crises = await store.crisis_ids()
    before = await store.numbering()
    await crisis.bot.client.close()
    database = tmp_path / "krisebot.db"
    plan = str(tmp_path / "plan.toml")
    empty = [
        table for (table,) in raw_sql(database, "SELECT name FROM sqlite_master WHERE type = 'table'")
        if table not in NOT_COPIED and not table.startswith("sqlite_")
        and not raw_sql(database, f"SELECT COUNT(*) FROM {table}")[0][0]
    ]
    assert empty == [], "every table the logbog copies holds rows"

    moved = krisebot(tmp_path, "migrate-store", "--from", str(database), "--to", postgres_database.conninfo)

    assert moved.returncode == 0, moved.stderr
    assert "Kopien er kontrolleret hændelse for hændelse" in moved.stdout
    for crisis_id in crises:
        exported = {}
        for engine, location in (("sqlite", str(database)), ("postgresql", postgres_database.conninfo)):
            result = krisebot(tmp_path, "export", crisis_id, "--out", f"{engine}-{crisis_id}", KRISEBOT_DATABASE=location, KRISEBOT_PLAN=plan)
            assert result.returncode == 0, result.stderr
            exported[engine] = {path.name: path.read_bytes() for path in (tmp_path / f"{engine}-{crisis_id}").iterdir()}
        assert exported["sqlite"] == exported["postgresql"] and len(exported["sqlite"]) == 2
    moved_store = await open_store(postgres_database)
    try:
        assert await moved_store.numbering() == before
        event = await moved_store.append(
            at=clock.now + timedelta(minutes=1), actor="jesper", crisis_id=summoned,
            payload=LogEntryAdded(kind=LogEntryKind.BESLUTNING, text="Videre på PostgreSQL"),
        )
        assert event.seq == before.last + 1
    finally:
        await moved_store.close()
