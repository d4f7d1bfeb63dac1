"""Many rows in one statement: rows go in as one JSON array parameter (both engines), and SQLite
gives a whole result back as one JSON text (``SqliteDatabase.fetch_rows``).

Python's sqlite3 lets go of the GIL for every step of a statement (each row ``executemany``
binds, each row a query returns) and has to take it back before the next. While other Python
code runs (the event loop in a burst of pages), each handover may wait for the interpreter's
switch interval: with another thread busy, writing, reading and claiming 200 outbox items a
row per step took 0.1–4 s; as one step per statement, 0.17–0.21 s (``benchmarks/store.py``).
The statements of the paging hot path therefore bind a whole batch as one parameter
(``rows_param`` read through ``FROM_ROWS``). The SQL is the engine-neutral kind of ``database.py``.
"""

import json
import re
from typing import Any

FROM_ROWS = "FROM batch_rows(?) AS batch"
"""Table source over a ``rows_param``: ``batch.value ->> n`` is column ``n`` of a row (as text,
unless ``columns`` casts it), ``batch.value ->> 'name'`` a field of a row given as an object."""


VALUES_TABLE = "batch_values(?) AS batch_value"
"""Table source over a ``rows_param`` of single values: ``batch_value.value`` is one of them (as text)."""

BATCH_VALUES = f"(SELECT value FROM {VALUES_TABLE})"
"""The values (as text) of a ``rows_param`` of single values, as in ``key IN {BATCH_VALUES}``."""


_NUL = re.compile(r"(?<!\\)((?:\\\\)*)\\u0000")
"""A NUL character in JSON text: ``\u0000`` after an even number of backslashes (an odd one escapes the first)."""


def rows_param(rows: list[tuple[Any, ...]] | list[Any] | list[dict[str, Any]]) -> str:
    """A batch of rows (tuples of text, numbers and None; objects; or single values) as one parameter for ``FROM_ROWS``;
    a NUL character in their text becomes ``NUL_STANDS_IN``, as in every parameter (``database.storable``)."""
    return _NUL.sub(lambda match: match.group(1) + "\\ufffd", json.dumps(rows))


def columns(width: int, *, integers: tuple[int, ...] = ()) -> str:
    """``batch.value ->> 0, …``: the ``width`` columns of a ``FROM_ROWS`` row, in order; those at ``integers`` as integers."""
    return ", ".join(
        f"CAST(batch.value ->> {n} AS BIGINT)" if n in integers else f"batch.value ->> {n}" for n in range(width)
    )
