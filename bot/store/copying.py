"""Moving a logbog from SQLite to an empty PostgreSQL database (``krisebot migrate-store``), checked row by row.

``copy_logbog`` copies every table of the schema but those an instance keeps for itself while it runs
(``NOT_COPIED``), in one transaction on the target, a batch of rows at a time in the order of each table's key
(``Table.key``), and checks every batch as it goes (``differences``): the batch read from the original is written,
then the same stretch of keys is read back from the copy inside the transaction and compared with it, every event
by its number, time, crisis, actor, type and payload, and every other table row by row. Once all is written, each
table's rows on the copy are counted again (a row added to or taken from a stretch after it was checked). Any
difference raises StoreError and the transaction rolls back, leaving the target as empty as it was. The original is
read once, and memory holds a batch of rows, never the logbog. PostgreSQL numbers the next event after the last
one (``sql_store.py``): the copy's numbers go on from the original's, so the source must have given out no number
beyond its last event.
"""

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
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
    "heartbeats": ("livstegn", "livstegn"),
    "mailbox_cursors": ("postkassemarkør", "postkassemarkører"),
}
"""What each copied table's rows are, as the summary names them (Danish: one, several)."""


OUTBOX_STATES = {"pending": "venter", "sent": "sendt", "failed": "fejlet", "cancelled": "annulleret"}

BATCH = 2000
"""Rows of a table read, written and checked at a time."""
SHOWN = 5
"""Differences a refused copy names; the rest it counts."""

Key = tuple[Any, ...]
Row = tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class Table:
    """A copied table: its name and columns, as the schema has them, and its key: the columns it is read in the
    order of, its primary key (all its columns if it has none). A key holds no NULL, and both engines order its
    values alike: numbers by value, text byte by byte (PostgreSQL's text is ``COLLATE "C"``, ``migrations.py``)."""

    name: str
    columns: tuple[str, ...]
    key: tuple[str, ...]

    @property
    def insert(self) -> str:
        return f"INSERT INTO {self.name} ({', '.join(self.columns)}) VALUES ({', '.join('?' * len(self.columns))})"

    def rows(self, after: Key | None, through: Key | None) -> tuple[str, tuple[Any, ...]]:
        """The query of the rows whose key is after ``after`` and up to ``through`` (None: from the first, to the
        last), in key order, and its parameters."""
        where, params = self._after(after)
        if through is not None:
            where += (" AND " if where else " WHERE ") + f"({', '.join(self.key)}) <= ({self._places})"
            params += through
        return f"SELECT {', '.join(self.columns)} FROM {self.name}{where} ORDER BY {', '.join(self.key)}", params

    def boundary(self, after: Key | None, batch: int) -> tuple[str, tuple[Any, ...]]:
        """The query of the key of the ``batch``-th row after ``after`` (None: from the first), and its parameters."""
        where, params = self._after(after)
        keys = ", ".join(self.key)
        return f"SELECT {keys} FROM {self.name}{where} ORDER BY {keys} LIMIT 1 OFFSET ?", (*params, batch - 1)

    @property
    def _places(self) -> str:
        return ", ".join("?" * len(self.key))

    def _after(self, after: Key | None) -> tuple[str, tuple[Any, ...]]:
        if after is None:
            return "", ()
        return f" WHERE ({', '.join(self.key)}) > ({self._places})", after


@dataclass(frozen=True, slots=True)
class Copied:
    """What was copied: the rows of each table, the crises, and the outbox items by state."""

    rows: dict[str, int]
    crises: int
    outbox: dict[str, int]
    numbering: Numbering


@dataclass(slots=True)
class Differences:
    """How a copy differs from its original, as the check finds it (Danish, a sentence each): the first ``SHOWN``,
    and how many in all, so a copy that differs everywhere costs no more memory than one that differs once."""

    shown: list[str] = field(default_factory=list)
    count: int = 0

    def add(self, difference: str) -> None:
        self.count += 1
        if len(self.shown) < SHOWN:
            self.shown.append(difference)

    def __str__(self) -> str:
        more = self.count - len(self.shown)
        return "; ".join(self.shown) + (f" (og {more} {'forskel' if more == 1 else 'forskelle'} mere)" if more else "")


@dataclass(slots=True)
class Tally:
    """One table compared batch by batch: the rows read from each side, and the first row of the original (counted
    in key order from 1) that the copy does not hold alike."""

    original: int = 0
    copied: int = 0
    first_unlike: int | None = None

    def add(self, original: list[Row], copied: list[Row]) -> None:
        if self.first_unlike is None and original != copied:
            alike = next((n for n, (a, b) in enumerate(zip(original, copied)) if a != b), min(len(original), len(copied)))
            self.first_unlike = self.original + alike + 1
        self.original += len(original)
        self.copied += len(copied)


async def copied_tables(source: Database) -> list[Table]:
    """The tables ``copy_logbog`` copies from the SQLite ``source`` (every table of its schema but ``NOT_COPIED``),
    events first."""
    names = [
        name for (name,) in await source.fetch_all(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
        if name not in NOT_COPIED
    ]
    tables = []
    for name in names:
        described = await source.fetch_all(f"PRAGMA table_info({name})")  # cid, name, type, notnull, default, pk
        columns = tuple(column for _, column, *_ in described)
        key = tuple(column for _, column, _, _, _, pk in sorted(described, key=lambda row: row[5]) if pk)
        tables.append(Table(name, columns, key or columns))
    return sorted(tables, key=lambda table: table.name != "events")


async def copy_logbog(source: Database, target: Database, *, at: datetime, batch: int = BATCH) -> Copied:
    """Copy the SQLite logbog ``source`` into the empty PostgreSQL ``target`` (migrated to the current schema), in
    one transaction that is committed only if the copy is identical; ``batch`` rows of a table at a time.

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
        found = Differences()
        tallies = [(table, await _compare(source, copy, table, batch, found, write=True)) for table in tables]
        rows = {table.name: int(await copy.fetch_value(f"SELECT COUNT(*) FROM {table.name}")) for table in tables}
        for table, tally in tallies:
            if tally.original == tally.copied != rows[table.name]:  # changed after its batches were checked
                found.add(_count_difference(table, tally.original, rows[table.name]))
        if found.count:
            raise StoreError(
                f"kopien er ikke magen til logbogen, så intet er gemt i PostgreSQL: {found}", database=target.location
            )
        outbox = await copy.fetch_all("SELECT status, COUNT(*) FROM outbox GROUP BY status")
        crises = await copy.fetch_value("SELECT COUNT(DISTINCT crisis_id) FROM events")
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


async def differences(source: Queries, copy: Queries, tables: list[Table], *, batch: int = BATCH) -> Differences:
    """How the ``copy`` differs from the ``source`` (none: identical): each table read from both side by side, the
    same stretch of keys at a time (``batch`` rows of the source), each event compared by its number, the rows of
    every other table in key order."""
    found = Differences()
    for table in tables:
        await _compare(source, copy, table, batch, found)
    return found


async def _compare(source: Queries, copy: Queries, table: Table, batch: int, found: Differences, *,
                   write: bool = False) -> Tally:
    """Compare ``table`` on ``copy`` with ``source`` a stretch of ``batch`` rows of the source at a time, after
    writing each stretch to ``copy`` if ``write``; the differences into ``found``, the rows read from either side."""
    tally = Tally()
    async for after, through, original in _stretches(source, table, batch):
        if write and original:
            await copy.execute_many(table.insert, original)
        copied = await copy.fetch_all(*table.rows(after, through))
        if table.name == "events":
            for difference in _event_differences(table, original, copied):
                found.add(difference)
        tally.add(original, copied)
    if table.name != "events" and tally.first_unlike is not None:
        found.add(_table_difference(table, tally))
    return tally


async def _stretches(source: Queries, table: Table, batch: int) -> AsyncIterator[tuple[Key | None, Key | None, list[Row]]]:
    """``table``'s rows in ``source`` in key order, ``batch`` at a time, each with its stretch of keys: after the
    one before's last key and up to its own (None: from the first key, or to the last). A table without a primary
    key keeps rows alike in every column together, so its batch may hold more."""
    after: Key | None = None
    while True:
        boundary = await source.fetch_all(*table.boundary(after, batch))
        through = boundary[0] if boundary else None
        yield after, through, await source.fetch_all(*table.rows(after, through))
        if through is None:
            return
        after = through


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


def _event_differences(table: Table, original: list[Row], copied: list[Row]) -> list[str]:
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


def _table_difference(table: Table, tally: Tally) -> str:
    if tally.original != tally.copied:
        return _count_difference(table, tally.original, tally.copied)
    return f"{table.name} ({_rows_of(table.name)}): række {tally.first_unlike} af {tally.original} er ikke den samme i kopien"


def _count_difference(table: Table, original: int, copied: int) -> str:
    return f"{table.name} ({_rows_of(table.name)}): {original} rækker i logbogen, {copied} i kopien"
