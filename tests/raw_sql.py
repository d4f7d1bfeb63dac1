"""Statements run on a logbog behind the store's back, as an operator's SQL tool would: on a SQLite
file with sqlite3, on a PostgreSQL database with psycopg (as the server's superuser in the tests)."""

import sqlite3
from contextlib import closing
from typing import Any

import psycopg

from bot.database_url import DatabaseLocation, PostgresUrl


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
