"""Stores as tests open them: two on one database, as two instances of Krisebot have."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from bot.database_url import DatabaseLocation, PostgresUrl
from bot.store import SqlStore, open_store


def setting(location: DatabaseLocation) -> str:
    """``location`` as ``KRISEBOT_DATABASE`` (or a child process's argument) spells it: a path, or the whole URL."""
    return location.conninfo if isinstance(location, PostgresUrl) else str(location)


@asynccontextmanager
async def two_stores(location: DatabaseLocation) -> AsyncIterator[tuple[SqlStore, SqlStore]]:
    """Two stores on the database at ``location``, each with its own connection; closed afterwards."""
    first = await open_store(location)
    second = await open_store(location)
    try:
        yield first, second
    finally:
        await first.close()
        await second.close()
