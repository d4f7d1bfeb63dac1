"""Database failures as the rest of Krisebot sees them: a StoreError whose reason says, in Danish, what
an operator must look at (a damaged file, a full disk, no write access, a lock held elsewhere; for
PostgreSQL, ``postgres_failures.py``).

``Transactions`` is what the store's parts share: the database and its write transactions.
``store_errors`` makes every public coroutine of a store raise StoreError, never an engine's own
error, so an HTTP edge can answer 503 with the reason.
"""

import functools
import inspect
import sqlite3
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any, TypeVar

from ..errors import StoreError
from .database import Database, Queries

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
    """Mixin of the store's parts: the database, and its write transactions."""

    _db: Database

    def _transaction(self, doing: str) -> AbstractAsyncContextManager[Queries]:
        """One write transaction (``Database.transaction``): committed when the block ends, rolled back if it raises."""
        return self._db.transaction(doing)

    async def _write(self, sql: str, params: Sequence[Any], doing: str = "kunne ikke skrive til databasen") -> int:
        """One statement that writes, committed on its own (``Database.write``); the rows it changed."""
        return await self._db.write(sql, params, doing)


StoreClass = TypeVar("StoreClass", bound=type)


def store_errors(cls: StoreClass) -> StoreClass:
    """Make every public coroutine of the store class ``cls`` raise a failure of its database as StoreError."""
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
        except Exception as exc:
            error = self._db.failure(exc)
            if error is None:
                raise
            raise error from exc

    return run
