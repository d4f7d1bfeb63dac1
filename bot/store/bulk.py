"""Many rows in one SQLite step: rows go in as one JSON array parameter and come out as one JSON text.

Python's sqlite3 lets go of the GIL for every step of a statement (each row ``executemany``
binds, each row a query returns) and has to take it back before the next. While other Python
code runs (the event loop in a burst of pages), each handover may wait for the interpreter's
switch interval: with another thread busy, writing, reading and claiming 200 outbox items a
row per step took 0.1–4 s; as one step per statement, 0.17–0.21 s (``benchmarks/store.py``).
The statements of the paging hot path therefore bind a whole batch as one parameter
(``rows_param`` read through ``FROM_ROWS``) and read a whole result as one value
(``fetch_rows``). Rows come back in no particular order.
"""

import json
from typing import Any

import aiosqlite

FROM_ROWS = "FROM json_each(?) AS batch"
"""Table source over a ``rows_param``: ``batch.value ->> n`` is column ``n`` of a row (as its SQL value),
``batch.key`` its place in the batch."""


BATCH_VALUES = "(SELECT value FROM json_each(?))"
"""The values of a ``rows_param`` of single values, as in ``key IN {BATCH_VALUES}``."""


def rows_param(rows: list[tuple[Any, ...]] | list[Any]) -> str:
    """A batch of rows (tuples of text, numbers and None; or single values) as one parameter for ``FROM_ROWS``."""
    return json.dumps(rows)


def columns(width: int) -> str:
    """``batch.value ->> 0, …``: the ``width`` columns of a ``FROM_ROWS`` row, in order."""
    return ", ".join(f"batch.value ->> {n}" for n in range(width))


async def fetch_value(db: aiosqlite.Connection, sql: str, params: tuple[Any, ...] = ()) -> Any:
    """The one value of a query that always yields one row of one column (an aggregate, a PRAGMA)."""
    async with db.execute(sql, params) as cursor:
        row = await cursor.fetchone()
    if row is None:
        raise ValueError(f"no row from {sql!r}")
    return row[0]


async def fetch_rows(db: aiosqlite.Connection, select: str, source: str, params: tuple[Any, ...] = ()) -> list[list[Any]]:
    """The rows of ``SELECT {select} {source}`` (comma-separated expressions of text, numbers or
    NULL; ``source`` from FROM on, without ORDER BY) as lists, fetched in one step."""
    rows: list[list[Any]] = json.loads(
        await fetch_value(db, f"SELECT json_group_array(json_array({select})) {source}", params)
    )
    return rows
