"""Opening the logbog: ``open_store`` hands back a store that works, or raises StoreError naming the
database and the problem, so ``krisebot serve`` stops at once instead of failing on the first alarm.

The logbog is a SQLite file (a path: the embedded default) or a PostgreSQL database (a
``postgresql://`` URL). Opened for writing, it must be at this version's schema (migrated if
older), hold only event types this version knows, and take a write. Opened read-only
(``krisebot check``, ``krisebot export``) nothing is written, not even a migration.

A SQLite file must be a whole database (``quick_check``). A new one is built under a temporary
name and renamed into place, 0600: a 0-byte file is therefore never one Krisebot left, and is
refused rather than silently becoming a new, empty logbog.
"""

import os
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiosqlite

from ..core.events import PAYLOAD_TYPES
from ..database_url import DatabaseLocation, PostgresUrl, database_location
from ..errors import StoreError
from ..private_files import open_private
from .database import Database
from .failures import DAMAGED, failure
from .migrations import bundled_migrations, migrate, require_current
from .postgres_database import PostgresDatabase
from .sql_store import SqlStore
from .sqlite_database import SqliteDatabase

_PRAGMAS = ("journal_mode = WAL", "synchronous = FULL", "foreign_keys = ON", "busy_timeout = 5000")
EMPTY = (
    "filen er tom (0 byte), så logbogen er væk: læg den seneste sikkerhedskopi på plads, "
    "eller slet filen for at begynde på en ny, tom logbog"
)


async def open_store(location: DatabaseLocation | str, *, read_only: bool = False) -> SqlStore:
    """Open the logbog at ``location`` (a file path, or a PostgreSQL URL) and bring its schema up to date
    (creating it if needed).

    ``read_only`` opens an existing database without writing anything, not even a
    migration; it raises StoreError if the schema is not the current one.
    """
    db = await open_database(location, read_only=read_only)
    store = SqlStore(db)
    if not read_only:
        async with _closed_on_failure(db):
            await store.probe()
    return store


async def open_database(location: DatabaseLocation | str, *, read_only: bool = False) -> Database:
    """``open_store``'s database, opened and migrated (or, ``read_only``, checked current), holding only known
    event types, before any write: for what works on the tables themselves (``copying.py``)."""
    location = database_location(location) if isinstance(location, str) else location
    if isinstance(location, PostgresUrl):
        db: Database = await PostgresDatabase.connect(location, read_only=read_only)
    else:
        db = await _open_sqlite(location, read_only=read_only)
    async with _closed_on_failure(db):
        if read_only:
            await require_current(db, bundled_migrations())
        else:
            await migrate(db, bundled_migrations(), "postgresql" if isinstance(location, PostgresUrl) else "sqlite")
        await _known_event_types(db)
    return db


@asynccontextmanager
async def _closed_on_failure(db: Database) -> AsyncIterator[None]:
    """Close ``db`` if the block raises: a failure of its engine, or a StoreError, as a StoreError naming the database."""
    try:
        yield
    except BaseException as exc:
        await db.close()
        if (error := db.failure(exc)) is not None:
            raise error from exc
        if isinstance(exc, StoreError) and exc.database is None:
            raise StoreError(exc.reason, database=db.location) from None
        raise


async def _open_sqlite(path: Path, *, read_only: bool) -> SqliteDatabase:
    """The SQLite file at ``path``, set up, checked whole, and migrated unless ``read_only``; created if missing."""
    if read_only and not path.exists():
        raise StoreError("databasen findes ikke", database=path)
    if path.is_file() and path.stat().st_size == 0:
        raise StoreError(EMPTY, database=path)
    try:
        if not read_only and not path.exists():
            await _create(path)
        connection = await (
            aiosqlite.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True) if read_only else aiosqlite.connect(path)
        )
    except OSError as exc:
        raise StoreError(f"databasen kan ikke oprettes eller åbnes ({exc.strerror})", database=path) from None
    except sqlite3.Error as exc:
        raise failure(exc, path) from exc
    db = SqliteDatabase(connection, path)
    if not read_only:
        async with _closed_on_failure(db):
            await _prepare(db)
    return db


async def _prepare(db: SqliteDatabase) -> None:
    """Set the connection up and refuse a damaged file (``open_store`` migrates it)."""
    for pragma in _PRAGMAS:
        await db.execute(f"PRAGMA {pragma}")
    [(found,)] = await db.fetch_all("PRAGMA quick_check(1)")
    if found != "ok":
        raise StoreError(f"{DAMAGED} ({' '.join(found.split())})")


async def _known_event_types(db: Database) -> None:
    """Refuse a logbog holding events this version cannot read (one written by a newer Krisebot)."""
    unknown = sorted({kind for (kind,) in await db.fetch_all("SELECT DISTINCT type FROM events")} - PAYLOAD_TYPES)
    if unknown:
        raise StoreError(
            f"logbogen har hændelser af typen {', '.join(unknown)}, som denne version af Krisebot ikke kender: "
            "den er skrevet af en nyere version, så installér den (eller en nyere) igen"
        )


async def _create(path: Path) -> None:
    """A new logbog at ``path``, made 0600 under a temporary name and renamed into place when its
    schema is in (SQLite gives its ``-wal`` and ``-shm`` files the database file's mode)."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    partial = path.with_name(f"{path.name}.ny")
    for leftover in (partial, *_sidecars(partial)):  # from a start that died half-way
        leftover.unlink(missing_ok=True)
    open_private(partial).close()
    db = SqliteDatabase(await aiosqlite.connect(partial), partial)
    try:
        await _prepare(db)
        await migrate(db, bundled_migrations(), "sqlite")
    finally:
        await db.close()  # the last connection: SQLite checkpoints the WAL and removes its files
    os.replace(partial, path)
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


def _sidecars(database: Path) -> tuple[Path, Path]:
    return database.with_name(f"{database.name}-wal"), database.with_name(f"{database.name}-shm")
