"""The store's database on a PostgreSQL server, over psycopg's async connection pool (``database.py``).

Statements on their own run on any pooled connection in autocommit; a ``transaction`` holds one
connection until it commits. A pooled connection is asked whether it still works before it is handed out only
when the server sent something on it while it was idle (it does when it ends the connection), so a server that
restarted or failed over costs no statement, and a working connection no extra round trip.

Several instances may share the database: the schema is migrated under an advisory lock, and its version kept in
the one-row table ``schema_version``. Opened read-only, every session is ``default_transaction_read_only``. Every
failure of the server is raised as StoreError whose reason names the server and database, never the password
(``postgres_failures.py``).
"""

import logging
import select
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import psycopg
from psycopg_pool import AsyncConnectionPool

from ..database_url import PostgresUrl
from ..errors import StoreError
from .database import POSTGRES, Queries, storable
from .postgres_failures import failure

CONNECT_TIMEOUT = 5
"""Seconds to wait for the server to accept a connection."""
POOL_SIZE = 10
WAIT_FOR_CONNECTION = 5.0
"""Seconds a statement waits for a free (or new) connection before it fails."""
MIGRATION_LOCK = 0x6B726973656D6967
"""The advisory lock every instance takes to migrate ("krisemig"): one migrates, the others then find it done."""
WRITE_LOCKS = 0x6B726973
"""The first half of the advisory locks ``Queries.lock`` takes ("kris"; the second half: the table's name hashed)."""

_VERSION_TABLE = (
    "CREATE TABLE IF NOT EXISTS schema_version ("
    "only_row BOOLEAN PRIMARY KEY DEFAULT true CHECK (only_row), version INTEGER NOT NULL)"
)


class _Connection:
    """``Queries`` on one connection of the pool."""

    def __init__(self, connection: psycopg.AsyncConnection[Any]) -> None:
        self._connection = connection

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        cursor = await self._run(sql, params)
        return max(cursor.rowcount, 0)

    async def execute_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        async with self._connection.cursor() as cursor:
            await cursor.executemany(POSTGRES.render(sql), [storable(row) for row in rows])

    async def fetch_all(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        cursor = await self._run(sql, params)
        return await cursor.fetchall()

    async def fetch_rows(self, select: str, source: str, params: Sequence[Any] = ()) -> list[list[Any]]:
        return [list(row) for row in await self.fetch_all(f"SELECT {select} {source}", params)]

    async def fetch_value(self, sql: str, params: Sequence[Any] = ()) -> Any:
        row = await (await self._run(sql, params)).fetchone()
        if row is None:
            raise ValueError(f"no row from {sql!r}")
        return row[0]

    async def lock(self, table: str) -> None:
        # an advisory lock, not LOCK TABLE: that would need UPDATE on the logbog, which the application role lacks
        await self._connection.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", (WRITE_LOCKS, table))

    async def _run(self, sql: str, params: Sequence[Any]) -> psycopg.AsyncCursor[Any]:
        if params:
            return await self._connection.execute(POSTGRES.render(sql), storable(params))
        return await self._connection.execute(POSTGRES.render(sql, bound=False))


async def _check(connection: psycopg.AsyncConnection[Any]) -> None:
    """The pool's check of a connection before it is handed out: a round trip only if the server said something on
    it while it was idle (a server that ends a connection, stopping or failing over, says so, or closes it)."""
    if connection.closed or _heard_from(connection.fileno()):
        await AsyncConnectionPool.check_connection(connection)


def _heard_from(socket: int) -> bool:
    readable = select.poll()
    readable.register(socket, select.POLLIN | select.POLLERR | select.POLLHUP)
    return bool(readable.poll(0))


class PostgresDatabase:
    """A PostgreSQL database's ``Database``; ``location`` is its URL (shown without the password)."""

    def __init__(self, pool: AsyncConnectionPool, location: PostgresUrl) -> None:
        self._pool = pool
        self.location = location

    @classmethod
    async def connect(cls, location: PostgresUrl, *, read_only: bool = False) -> "PostgresDatabase":
        """Connect to the server (StoreError saying why not: down, refused, no such database) and open a pool."""
        # the pool says in English, every few seconds, what each store call then raises in Danish (StoreError)
        logging.getLogger("psycopg.pool").setLevel(logging.ERROR)
        options: dict[str, Any] = {"autocommit": True, "connect_timeout": CONNECT_TIMEOUT}
        if read_only:
            options["options"] = "-c default_transaction_read_only=on"
        pool: AsyncConnectionPool = AsyncConnectionPool(
            location.conninfo, kwargs=options, min_size=1, max_size=POOL_SIZE, timeout=WAIT_FOR_CONNECTION,
            check=_check, open=False, name="krisebot",
        )
        try:
            # first one connection of its own: if the server refuses it, its own words say why (the pool only times out)
            await (await psycopg.AsyncConnection.connect(location.conninfo, **options)).close()
            await pool.open(wait=True, timeout=WAIT_FOR_CONNECTION)
        except Exception as exc:
            await pool.close()
            if (error := failure(exc, location)) is not None:
                raise error from None
            raise
        return cls(pool, location)

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        async with self._connection() as connection:
            return await connection.execute(sql, params)

    async def execute_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        async with self.transaction("kunne ikke skrive til databasen") as connection:
            await connection.execute_many(sql, rows)

    async def fetch_all(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        async with self._connection() as connection:
            return await connection.fetch_all(sql, params)

    async def fetch_rows(self, select: str, source: str, params: Sequence[Any] = ()) -> list[list[Any]]:
        async with self._connection() as connection:
            return await connection.fetch_rows(select, source, params)

    async def fetch_value(self, sql: str, params: Sequence[Any] = ()) -> Any:
        async with self._connection() as connection:
            return await connection.fetch_value(sql, params)

    async def lock(self, table: str) -> None:
        """Outside a transaction a lock would end at once: nothing to do."""

    async def write(self, sql: str, params: Sequence[Any], doing: str) -> int:
        """In autocommit: one statement is its own transaction."""
        with self._failing(doing):
            return await self.execute(sql, params)

    @asynccontextmanager
    async def _connection(self) -> AsyncIterator[_Connection]:
        async with self._pool.connection() as connection:
            yield _Connection(connection)

    @asynccontextmanager
    async def transaction(self, doing: str) -> AsyncIterator[Queries]:
        with self._failing(doing):
            async with self._pool.connection() as connection, connection.transaction():
                yield _Connection(connection)

    @contextmanager
    def _failing(self, doing: str) -> Iterator[None]:
        """A failure of the server inside the block raised as the StoreError saying ``doing``."""
        try:
            yield
        except Exception as exc:
            if (error := self.failure(exc, doing)) is not None:
                raise error from exc
            raise

    def failure(self, exc: BaseException, doing: str = "") -> StoreError | None:
        return failure(exc, self.location, doing) if isinstance(exc, Exception) else None

    async def schema_version(self) -> int:
        async with self._connection() as connection:
            if await connection.fetch_value("SELECT to_regclass('schema_version') IS NULL"):
                return 0
            version: int = await connection.fetch_value("SELECT version FROM schema_version")
        return version

    async def apply(self, version: int, sql: str) -> bool:
        async with self._pool.connection() as connection, connection.transaction():
            await connection.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
            await connection.execute(_VERSION_TABLE)
            await connection.execute("INSERT INTO schema_version (version) VALUES (0) ON CONFLICT DO NOTHING")
            current = await (await connection.execute("SELECT version FROM schema_version")).fetchone()
            if current is not None and current[0] >= version:
                return False
            await connection.execute(sql.encode())  # several statements: sent as they are, with no parameters
            await connection.execute("UPDATE schema_version SET version = %s", (version,))
        return True

    async def close(self) -> None:
        await self._pool.close()
