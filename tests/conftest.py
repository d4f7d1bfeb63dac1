"""Fixtures of every test that opens a logbog: the same store tests run on both engines.

``database`` is a new logbog's location, once a SQLite file and once a PostgreSQL database of
its own on the session's throwaway server (``tests/postgres_server.py``); ``postgres`` is that
server, and ``own_postgres`` one a test may stop. Where PostgreSQL is not installed, the tests
needing it skip, naming what is missing (and fail under CI=true: ``tests/prerequisites.py``).
"""

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.database_url import DatabaseLocation, postgres_url
from tests.postgres_server import PostgresServer, throwaway_server

ENGINES = ("sqlite", "postgresql")


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """The session's PostgreSQL server."""
    yield from throwaway_server()


@pytest.fixture
def own_postgres() -> Iterator[PostgresServer]:
    """A PostgreSQL server of the test's own, to stop and start again."""
    yield from throwaway_server()


@pytest.fixture
def postgres_database(postgres: PostgresServer) -> Iterator[DatabaseLocation]:
    """A new, empty PostgreSQL database on the session's server, dropped after the test."""
    name = postgres.create_database()
    yield postgres_url(postgres.url(name))
    postgres.drop_database(name)


@pytest.fixture(params=ENGINES)
def database(request: pytest.FixtureRequest, tmp_path: Path) -> DatabaseLocation:
    """A new logbog's location: a SQLite file, or an empty PostgreSQL database."""
    if request.param == "sqlite":
        return tmp_path / "logbog.sqlite"
    location: DatabaseLocation = request.getfixturevalue("postgres_database")
    return location
