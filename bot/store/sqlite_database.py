"""The store's database in a SQLite file, over one aiosqlite connection (``database.py``).

One write transaction at a time on the shared connection: a failing write's rollback must not
undo another coroutine's insert before that one commits. The schema version is ``user_version``.
"""

import asyncio
import json
import sqlite3
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager, suppress
from pathlib import Path
from typing import Any

import aiosqlite

from ..errors import StoreError
from .database import SQLITE, Queries, storable
from .failures import failure


class SqliteDatabase:
    """A SQLite file's ``Database``; ``location`` is its path."""

    def __init__(self, db: aiosqlite.Connection, path: Path) -> None:
        self._db = db
        self.location = path
        self._writing = asyncio.Lock()
        self._closed = False

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        async with self._db.execute(SQLITE.render(sql), storable(params)) as cursor:
            return max(cursor.rowcount, 0)

    async def execute_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        await self._db.executemany(SQLITE.render(sql), [storable(row) for row in rows])

    async def fetch_all(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        async with self._db.execute(SQLITE.render(sql), storable(params)) as cursor:
            return [tuple(row) for row in await cursor.fetchall()]

    async def fetch_rows(self, select: str, source: str, params: Sequence[Any] = ()) -> list[list[Any]]:
        rows: list[list[Any]] = json.loads(
            await self.fetch_value(f"SELECT json_group_array(json_array({select})) {source}", params)
        )
        return rows

    async def fetch_value(self, sql: str, params: Sequence[Any] = ()) -> Any:
        async with self._db.execute(SQLITE.render(sql), storable(params)) as cursor:
            row = await cursor.fetchone()
        if row is None:
            raise ValueError(f"no row from {sql!r}")
        return row[0]

    async def lock(self, table: str) -> None:
        """Nothing to do: the write lock already keeps every other writer waiting."""

    async def write(self, sql: str, params: Sequence[Any], doing: str) -> int:
        async with self.transaction(doing) as tx:
            return await tx.execute(sql, params)

    @asynccontextmanager
    async def transaction(self, doing: str) -> AsyncIterator[Queries]:
        """Under the connection's write lock, and the file's from the start (``BEGIN IMMEDIATE``): what the
        transaction reads is what it writes on, whatever another process on the file commits meanwhile."""
        async with self._writing:
            try:
                await self._db.execute("BEGIN IMMEDIATE")
                yield self
                await self._db.commit()
            except BaseException as exc:
                with suppress(sqlite3.Error, ValueError):  # a broken or closed connection has nothing to undo
                    await self._db.rollback()
                if (error := self.failure(exc, doing)) is not None:
                    raise error from exc
                raise

    def failure(self, exc: BaseException, doing: str = "") -> StoreError | None:
        if isinstance(exc, sqlite3.Error):
            return failure(exc, self.location, doing)
        if isinstance(exc, ValueError) and self._closed:  # aiosqlite: the connection is closed
            return StoreError(f"databasen er lukket ({exc})", database=self.location)
        return None

    async def schema_version(self) -> int:
        version: int = await self.fetch_value("PRAGMA user_version")
        return version

    async def apply(self, version: int, sql: str) -> bool:
        if await self.schema_version() >= version:
            return False
        try:
            await self._db.executescript(f"BEGIN IMMEDIATE;\n{sql}\nPRAGMA user_version = {version};\nCOMMIT;")
        except Exception:
            if self._db.in_transaction:
                await self._db.rollback()
            raise
        return True

    async def close(self) -> None:
        self._closed = True
        await self._db.close()
