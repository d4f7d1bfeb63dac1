"""SQLite failures as the rest of Krisebot sees them: a StoreError whose reason says, in Danish, what
an operator must look at (a damaged file, a full disk, no write access, a lock held elsewhere).

``Transactions`` is the write path of the store's parts: one write transaction at a time on the
shared connection, committed or rolled back whole. ``store_errors`` makes every public coroutine
of a store raise StoreError, never ``sqlite3.Error``, so an HTTP edge can answer 503 with the reason.
"""

import asyncio
import functools
import inspect
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

from ..errors import StoreError

DAMAGED = "databasen er beskadiget: læg den seneste sikkerhedskopi på plads"
_REASONS = {
    sqlite3.SQLITE_CORRUPT: DAMAGED,
    sqlite3.SQLITE_NOTADB: f"filen er ikke en SQLite-database, eller {DAMAGED}",
    sqlite3.SQLITE_FULL: "disken er fuld",
    sqlite3.SQLITE_READONLY: "databasen er skrivebeskyttet",
    sqlite3.SQLITE_PERM: "tjenesten må ikke skrive i databasen",
    sqlite3.SQLITE_BUSY: "databasen er låst af en anden proces",
    sqlite3.SQLITE_LOCKED: "databasen er låst",
    sqlite3.SQLITE_IOERR: "læse- eller skrivefejl på disken",
    sqlite3.SQLITE_CANTOPEN: "databasen kan ikke åbnes: findes mappen, og må tjenesten skrive i den?",
    sqlite3.SQLITE_CONSTRAINT: "databasen afviste ændringen",
}


def failure(exc: sqlite3.Error, database: Path, doing: str = "") -> StoreError:
    """The StoreError for ``exc``, naming ``database``; ``doing`` (Danish) says what could not be done."""
    code = getattr(exc, "sqlite_errorcode", None)
    kind = _REASONS.get(code & 0xFF, "databasefejl") if isinstance(code, int) else "databasefejl"
    reason = f"{kind} (SQLite: {exc})"
    return StoreError(f"{doing}: {reason}" if doing else reason, database=database)


class Transactions:
    """Mixin of the store's parts: the shared connection, its write lock and its file."""

    _db: aiosqlite.Connection
    _writing: asyncio.Lock
    path: Path

    @asynccontextmanager
    async def _transaction(self, doing: str) -> AsyncIterator[None]:
        """One write transaction: committed when the block ends, rolled back if it raises.

        Under the write lock, so a failing write's rollback cannot undo another coroutine's
        insert before that one commits; it takes the file's write lock at once (``BEGIN IMMEDIATE``), so what
        it reads is what it writes on, whatever another process on the same file commits meanwhile.
        A SQLite failure is raised as StoreError saying ``doing``.
        """
        async with self._writing:
            try:
                await self._db.execute("BEGIN IMMEDIATE")
                yield
                await self._db.commit()
            except BaseException as exc:
                with suppress(sqlite3.Error, ValueError):  # a broken or closed connection has nothing to undo
                    await self._db.rollback()
                if isinstance(exc, sqlite3.Error):
                    raise failure(exc, self.path, doing) from exc
                raise


StoreClass = TypeVar("StoreClass", bound=type)


def store_errors(cls: StoreClass) -> StoreClass:
    """Make every public coroutine of the store class ``cls`` raise a SQLite failure as StoreError."""
    for name in dir(cls):
        method = getattr(cls, name)
        if not name.startswith("_") and inspect.iscoroutinefunction(method):
            setattr(cls, name, _translating(method))
    return cls


def _translating(method: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    @functools.wraps(method)
    async def run(self: Transactions, *args: Any, **kwargs: Any) -> Any:
        try:
            return await method(self, *args, **kwargs)
        except sqlite3.Error as exc:
            raise failure(exc, self.path) from exc

    return run
