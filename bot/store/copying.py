"""Moving a logbog from SQLite to an empty PostgreSQL database (``krisebot migrate-store``), checked row by row.

``copy_logbog`` copies every table of the schema but those an instance keeps for itself while it runs
(``NOT_COPIED``), in one transaction on the target, then compares the copy with the original inside that
transaction (``differences``): every event by its number, time, crisis, actor, type and payload, and every
other table row by row. Any difference raises StoreError and the transaction rolls back, leaving the target
as empty as it was. PostgreSQL numbers the next event after the last one (``sql_store.py``): the copy's
numbers go on from the original's, so the source must have given out no number beyond its last event.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..clock import LOCAL_TIME
from ..core.events import utc
from ..errors import StoreError
from .database import Database, Queries
from .numbering import Numbering
from .sql_store import SqlStore

NOT_COPIED = {
    "leases": "who runs the loops that must run once: the instances on the new database take them anew",
    "store_probe": "a counter /readyz rewrites to prove a write; not part of the logbog",
}
"""Tables of the schema that are not copied, and why (an instance's leases also tell ``copy_logbog`` it runs)."""

TABLE_NAMES = {
    "events": ("hændelse", "hændelser"),
    "handled_requests": ("behandlet anmodning", "behandlede anmodninger"),
    "paging_timers": ("alarmeringsur", "alarmeringsure"),
    "outbox": ("side i udbakken", "sider i udbakken"),
    "conversation_references": ("samtalereference", "samtalereferencer"),
    "teams_users": ("Teams-bruger koblet til planen", "Teams-brugere koblet til planen"),
    "crisis_threads": ("logtråd", "logtråde"),
    "log_mirror": ("logtrådsmarkør", "logtrådsmarkører"),
    "log_summaries": ("resumé i logtrådene", "resuméer i logtrådene"),
    "sms_codes": ("sms-svarkode", "sms-svarkoder"),
    "sms_help_replies": ("hjælpesvar på sms", "hjælpesvar på sms"),
    "calls": ("opkald", "opkald"),
    "heartbeats": ("overvåget hjerteslag", "overvågede hjerteslag"),
    "mailbox_cursors": ("postkassemarkør", "postkassemarkører"),
}
"""What each copied table's rows are, as the summary names them (Danish: one, several)."""


OUTBOX_STATES = {"pending": "venter", "sent": "sendt", "failed": "fejlet", "cancelled": "annulleret"}

_SHOWN_DIFFERENCES = 5


@dataclass(frozen=True, slots=True)
class Table:
    """A copied table: its name and columns, as the schema has them."""

    name: str
    columns: tuple[str, ...]

    @property
    def select(self) -> str:
        return f"SELECT {', '.join(self.columns)} FROM {self.name}"

    @property
    def insert(self) -> str:
        return f"INSERT INTO {self.name} ({', '.join(self.columns)}) VALUES ({', '.join('?' * len(self.columns))})"


@dataclass(frozen=True, slots=True)
class Copied:
    """What was copied: the rows of each table, the crises, and the outbox items by state."""

    rows: dict[str, int]
    crises: int
    outbox: dict[str, int]
    numbering: Numbering


async def copied_tables(source: Database) -> list[Table]:
    """The tables ``copy_logbog`` copies from the SQLite ``source`` (every table of its schema but ``NOT_COPIED``),
    events first."""
    names = [
        name for (name,) in await source.fetch_all(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
        if name not in NOT_COPIED
    ]
    tables = [
        Table(name, tuple(column for _, column, *_ in await source.fetch_all(f"PRAGMA table_info({name})")))
        for name in names
    ]
    return sorted(tables, key=lambda table: table.name != "events")


async def copy_logbog(source: Database, target: Database, *, at: datetime) -> Copied:
    """Copy the SQLite logbog ``source`` into the empty PostgreSQL ``target`` (migrated to the current schema), in
    one transaction that is committed only if the copy is identical.

    Raises StoreError (Danish) if an instance holds a lease on the source at ``at`` (it is running, and would
    write on after the copy), if the target holds rows already, if the source gave out a number after its last
    event, or naming the first differences between the copy and the original (then nothing is kept)."""
    await _refuse_a_logbog_in_use(source, at)
    tables = await copied_tables(source)
    await _refuse_a_filled_target(target, tables)
    numbering = await SqlStore(source).numbering()
    last_event = await source.fetch_value("SELECT COALESCE(MAX(seq), 0) FROM events")
    if numbering.last != last_event:
        raise StoreError(
            f"logbogen har givet numre ud til og med nr. {numbering.last}, men dens sidste hændelse er nr. {last_event}: "
            "PostgreSQL nummererer efter den sidste hændelse og kan ikke vise, at de sidste numre mangler",
            database=source.location,
        )
    async with target.transaction("logbogen kunne ikke kopieres") as copy:
        for table in tables:
            await copy.execute_many(table.insert, await source.fetch_all(table.select))
        found = await differences(source, copy, tables)
        if found:
            raise StoreError(
                "kopien er ikke magen til logbogen, så intet er gemt i PostgreSQL: " + "; ".join(found[:_SHOWN_DIFFERENCES])
                + (f" (og {len(found) - _SHOWN_DIFFERENCES} forskelle mere)" if len(found) > _SHOWN_DIFFERENCES else ""),
                database=target.location,
            )
        outbox = await copy.fetch_all("SELECT status, COUNT(*) FROM outbox GROUP BY status")
        crises = await copy.fetch_value("SELECT COUNT(DISTINCT crisis_id) FROM events")
        rows = {table.name: int(await copy.fetch_value(f"SELECT COUNT(*) FROM {table.name}")) for table in tables}
    return Copied(rows, int(crises), {status: int(count) for status, count in sorted(outbox)}, numbering)


def summary(copied: Copied) -> list[str]:
    """What was copied, a line each (Danish): the events and crises, the outbox by state, every other table."""
    numbering = copied.numbering
    lines = [
        f"{_counted(copied.rows['events'], 'events')} (nr. 1–{numbering.last}) i {copied.crises} "
        + ("krise" if copied.crises == 1 else "kriser")
        + ("" if numbering.contiguous else f"; {_missing(numbering)} mangler, som i logbogen")
    ]
    states = ", ".join(f"{count} {OUTBOX_STATES.get(status, status)}" for status, count in copied.outbox.items())
    lines.append(_counted(copied.rows["outbox"], "outbox") + (f" ({states})" if states else ""))
    lines += [_counted(count, table) for table, count in copied.rows.items() if table not in ("events", "outbox")]
    return lines


def _rows_of(table: str) -> str:
    return TABLE_NAMES.get(table, (table, table))[1]


def _counted(count: int, table: str) -> str:
    """``count`` rows of ``table`` in Danish: «1 logtråd», «2 logtråde»."""
    one, several = TABLE_NAMES.get(table, (table, table))
    return f"{count} {one if count == 1 else several}"


def _missing(numbering: Numbering) -> str:
    runs = [f"nr. {first}" if first == last else f"nr. {first}–{last}" for first, last in numbering.missing]
    return ", ".join(runs)


async def differences(source: Queries, copy: Queries, tables: list[Table]) -> list[str]:
    """How the ``copy`` differs from the ``source`` (Danish, one sentence each; none: identical): each event
    compared by its number, and each other table row by row, both sorted the same way on either engine."""
    found: list[str] = []
    for table in tables:
        original, copied = await _rows(source, table), await _rows(copy, table)
        if table.name == "events":
            found += _event_differences(table, original, copied)
        elif original != copied:
            found.append(_table_difference(table, original, copied))
    return found


async def _refuse_a_logbog_in_use(source: Database, at: datetime) -> None:
    """A running instance holds its leases (and renews them); one that stopped released them, one that died lets
    them run out."""
    held = await source.fetch_all(
        "SELECT holder, MAX(expires_at) FROM leases WHERE expires_at > ? GROUP BY holder ORDER BY holder",
        (utc(at).isoformat(),),
    )
    if held:
        holders = ", ".join(
            f"{holder} til kl. {datetime.fromisoformat(until).astimezone(LOCAL_TIME):%H:%M:%S}" for holder, until in held
        )
        raise StoreError(
            f"logbogen bruges af en kørende Krisebot ({holders}): stop tjenesten, og prøv igen", database=source.location
        )


async def _refuse_a_filled_target(target: Database, tables: list[Table]) -> None:
    events = await target.fetch_value("SELECT COUNT(*) FROM events")
    if events:
        raise StoreError(
            f"databasen har allerede {events} hændelser: logbogen flyttes kun til en tom database", database=target.location
        )
    for table in tables:
        if await target.fetch_value(f"SELECT COUNT(*) FROM {table.name}"):
            raise StoreError(
                f"databasen er ikke tom ({_rows_of(table.name)} i tabellen {table.name}): "
                "logbogen flyttes kun til en tom database (kørte krisebot serve allerede på den?)",
                database=target.location,
            )


async def _rows(db: Queries, table: Table) -> list[tuple[Any, ...]]:
    return sorted(await db.fetch_all(table.select), key=_sort_key)


def _sort_key(row: tuple[Any, ...]) -> tuple[tuple[bool, Any], ...]:
    """Rows in one order on both engines: NULL first, text by code point (as both compare UTF-8 byte by byte)."""
    return tuple((value is not None, value) for value in row)


def _event_differences(table: Table, original: list[tuple[Any, ...]], copied: list[tuple[Any, ...]]) -> list[str]:
    originals, copies = {row[0]: row for row in original}, {row[0]: row for row in copied}
    found = []
    for seq in sorted(originals.keys() | copies.keys()):
        before, after = originals.get(seq), copies.get(seq)
        if before is None:
            found.append(f"hændelse nr. {seq} findes kun i kopien")
        elif after is None:
            found.append(f"hændelse nr. {seq} mangler i kopien")
        elif before != after:
            changed = [column for column, a, b in zip(table.columns, before, after) if a != b]
            found.append(f"hændelse nr. {seq} er ændret i kopien ({', '.join(changed)})")
    return found


def _table_difference(table: Table, original: list[tuple[Any, ...]], copied: list[tuple[Any, ...]]) -> str:
    name = f"{table.name} ({_rows_of(table.name)})"
    if len(original) != len(copied):
        return f"{name}: {len(original)} rækker i logbogen, {len(copied)} i kopien"
    first = next(number for number, (a, b) in enumerate(zip(original, copied), start=1) if a != b)
    return f"{name}: række {first} af {len(original)} er ikke den samme i kopien"
