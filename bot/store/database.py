"""The store's one way to its database, whichever engine holds it: SQLite or PostgreSQL.

The store's SQL is written once, in what both engines run: ``?`` placeholders, ``INSERT … ON
CONFLICT``, ``CAST``, ``->>`` on JSON, and a few pseudo-functions each engine renders
(``render``): ``batch_rows(?)`` and ``batch_values(?)`` (a batch of rows, or of single values,
bound as one JSON parameter: ``bulk.py``), ``json_doc(x)`` (text read as a JSON document),
``last_given_seq()`` (the last event number SQLite's AUTOINCREMENT gave out; NULL on PostgreSQL)
``SKIP_LOCKED`` and ``FOR_SHARE``.
A ``Database`` runs it: reads on their own, writes in a ``transaction``; every failure of the
engine is raised as StoreError naming the database, never a password.
"""

import functools
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any, Protocol

from ..database_url import DatabaseLocation
from ..errors import StoreError


class Queries(Protocol):
    """Statements on one database: on their own (each its own transaction), or inside a ``transaction``."""

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one statement; how many rows it inserted, changed or deleted."""

    async def execute_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """Run one statement once per row of parameters."""

    async def fetch_all(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """The rows of a query, in the order the query gives them."""

    async def fetch_rows(self, select: str, source: str, params: Sequence[Any] = ()) -> list[list[Any]]:
        """The rows of ``SELECT {select} {source}`` (expressions of text, numbers or NULL; ``source`` from FROM
        on, without ORDER BY), in no particular order: SQLite fetches them in one step (``bulk.py``)."""

    async def fetch_value(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """The one value of a query that always yields one row of one column (an aggregate)."""

    async def lock(self, table: str) -> None:
        """Inside a transaction: keep every other writer of ``table`` waiting until it ends (readers read on).
        SQLite has one writer anyway; PostgreSQL takes an advisory lock named after the table, which every writer
        of it takes first."""


class Database(Queries, Protocol):
    """An open database: the store's reads and write transactions, its schema version, its failures."""

    @property
    def location(self) -> DatabaseLocation:
        """Where the database is: the file, or the PostgreSQL server and database."""

    def transaction(self, doing: str) -> AbstractAsyncContextManager[Queries]:
        """One write transaction: committed when the block ends, rolled back if it raises; a failure of the
        engine is raised as StoreError saying ``doing`` (Danish: what could not be done)."""

    async def write(self, sql: str, params: Sequence[Any], doing: str) -> int:
        """One statement that writes, committed on its own (as ``transaction`` would, with one statement in it, but
        PostgreSQL runs it in one round trip); how many rows it inserted, changed or deleted."""

    def failure(self, exc: BaseException, doing: str = "") -> StoreError | None:
        """``exc`` as the StoreError saying why, if it is a failure of the engine; None if it is not."""

    async def schema_version(self) -> int:
        """The version of the schema in the database (0: none)."""

    async def apply(self, version: int, sql: str) -> bool:
        """Apply one migration (its SQL rendered for this engine) together with the version bump, in one
        transaction, unless the schema already is at ``version`` or later (another instance got there
        first); whether it was applied."""

    async def close(self) -> None:
        """Release the database."""


NUL_STANDS_IN = "\ufffd"
"""What a NUL character written to the database becomes, on either engine: PostgreSQL's text cannot hold one."""


def storable(params: Sequence[Any]) -> tuple[Any, ...]:
    """Statement parameters as both engines store them: NUL characters in text replaced (``NUL_STANDS_IN``)."""
    return tuple(param.replace("\x00", NUL_STANDS_IN) if isinstance(param, str) else param for param in params)


@dataclass(frozen=True, slots=True)
class Dialect:
    """How one engine spells the pseudo-functions of the store's SQL."""

    batch_rows: str
    batch_values: str
    json_doc: str
    last_given_seq: str
    placeholder: str = "?"
    skip_locked: str = ""
    for_share: str = ""

    def render(self, sql: str, *, bound: bool = True) -> str:
        """``sql`` as this engine runs it: ``bound`` to parameters, or (PostgreSQL) sent without any."""
        return _render(self, sql, bound)


@functools.lru_cache(maxsize=1024)
def _render(dialect: Dialect, sql: str, bound: bool) -> str:
    rendered = (
        sql.replace("batch_rows(?)", dialect.batch_rows)
        .replace("batch_values(?)", dialect.batch_values)
        .replace("json_doc(", dialect.json_doc)
        .replace("last_given_seq()", dialect.last_given_seq)
        .replace(SKIP_LOCKED, dialect.skip_locked)
        .replace(FOR_SHARE, dialect.for_share)
    )
    if bound and dialect.placeholder != "?":
        rendered = rendered.replace("%", "%%").replace("?", dialect.placeholder)
    return rendered


SKIP_LOCKED = " /*skip locked*/"
"""Appended to a query that reads outbox rows to claim: PostgreSQL locks them and leaves out rows another
transaction holds (``FOR UPDATE OF outbox SKIP LOCKED``); SQLite, one writer, needs nothing."""

FOR_SHARE = " /*for share*/"
"""Appended to a subquery that reads a row a write depends on: PostgreSQL locks it against change (and reads its
latest version) until the transaction ends (``FOR SHARE``); SQLite, one writer, needs nothing."""

SQLITE = Dialect(
    batch_rows="json_each(?)",
    batch_values="json_each(?)",
    json_doc="json(",
    last_given_seq="(SELECT seq FROM sqlite_sequence WHERE name = 'events')",
)
POSTGRES = Dialect(
    batch_rows="(SELECT value FROM jsonb_array_elements(CAST(? AS jsonb)) AS elements (value))",
    batch_values="(SELECT value FROM jsonb_array_elements_text(CAST(? AS jsonb)) AS elements (value))",
    json_doc="jsonb(",
    last_given_seq="NULL",
    placeholder="%s",
    skip_locked=" FOR UPDATE OF outbox SKIP LOCKED",
    for_share=" FOR SHARE",
)
