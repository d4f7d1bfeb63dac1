"""Statements run on a logbog behind the store's back, as an operator's SQL tool would: on a SQLite
file with sqlite3, on a PostgreSQL database with psycopg (as the server's superuser in the tests)."""

import sqlite3
from collections.abc import Sequence
from contextlib import closing
from pathlib import Path
from typing import Any

import psycopg

from bot.database_url import DatabaseLocation, PostgresUrl
from bot.store.database import POSTGRES


def raw_sql(location: DatabaseLocation, *statements: str) -> list[tuple[Any, ...]]:
    """Run ``statements`` in one transaction and commit it; the rows the last one gave."""
    rows: list[tuple[Any, ...]] = []
    if isinstance(location, PostgresUrl):
        with psycopg.connect(location.conninfo) as connection:
            for statement in statements:
                cursor = connection.execute(statement.encode())
                rows = cursor.fetchall() if cursor.description else []
        return rows
    with closing(sqlite3.connect(location)) as connection:
        for statement in statements:
            rows = connection.execute(statement).fetchall()
        connection.commit()
    return rows


def read(location: DatabaseLocation, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    """The rows of the query ``sql`` (``?`` placeholders on both engines), read in a read-only session of its own."""
    if isinstance(location, PostgresUrl):
        options = "-c default_transaction_read_only=on"
        with psycopg.connect(location.conninfo, options=options, autocommit=True) as connection:
            return connection.execute(POSTGRES.render(sql, bound=bool(params)).encode(), tuple(params) or None).fetchall()
    with closing(sqlite3.connect(f"{location.resolve().as_uri()}?mode=ro", uri=True, timeout=5)) as connection:
        return connection.execute(sql, tuple(params)).fetchall()


_WRITES = ("INSERT", "UPDATE", "DELETE")


def refuse_writes(database: Path) -> None:
    """Make the SQLite logbog ``database`` refuse every write with «disk full», as a full disk does, while it can still
    be read (triggers on every table, which another connection adds; ``allow_writes`` takes them away)."""
    with closing(sqlite3.connect(database)) as connection:
        tables = [name for (name,) in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )]
        for table in tables:
            for write in _WRITES:
                connection.execute(
                    f"CREATE TRIGGER refused_{table}_{write.lower()} BEFORE {write} ON {table} "
                    "BEGIN SELECT RAISE(FAIL, 'disk full'); END"
                )
        connection.commit()


def allow_writes(database: Path) -> None:
    """Take away what ``refuse_writes`` added: the logbog takes writes again."""
    with closing(sqlite3.connect(database)) as connection:
        triggers = connection.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'refused_%'")
        for (name,) in list(triggers):
            connection.execute(f"DROP TRIGGER {name}")
        connection.commit()
