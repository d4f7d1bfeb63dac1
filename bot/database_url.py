"""Where the logbog is: a SQLite file (a path), or a PostgreSQL database (a ``postgresql://`` URL).

A ``PostgresUrl`` shows itself (``str``, ``repr``, logs, errors, ``krisebot check``) as its server
and database only: the password it may hold is never shown. Only ``conninfo`` gives the whole URL,
for the driver.
"""

from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from pydantic import GetCoreSchemaHandler
from pydantic_core import CoreSchema, core_schema

SCHEMES = ("postgresql", "postgres")


class PostgresUrl:
    """A PostgreSQL connection URL. ``server`` names it without user or password: ``host:port/database``.

    In a pydantic model it is validated as itself and serialised as ``str`` (so never with its password)."""

    __slots__ = ("conninfo", "server")

    def __init__(self, conninfo: str, server: str) -> None:
        self.conninfo = conninfo
        self.server = server

    def __str__(self) -> str:
        return f"PostgreSQL {self.server}"

    def __repr__(self) -> str:
        return f"PostgresUrl({self.server!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PostgresUrl) and other.conninfo == self.conninfo

    def __hash__(self) -> int:
        return hash(self.conninfo)

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        return core_schema.is_instance_schema(cls, serialization=core_schema.plain_serializer_function_ser_schema(str))


DatabaseLocation = Path | PostgresUrl


def is_postgres_url(text: str) -> bool:
    """Does ``text`` name a PostgreSQL database (rather than a file)?"""
    return text.split("://", 1)[0].lower() in SCHEMES and "://" in text


def postgres_url(text: str) -> PostgresUrl:
    """The ``postgresql://`` or ``postgres://`` URL ``text``; ValueError (Danish, without the password) if it names no database."""
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        raise ValueError("PostgreSQL-adressen kan ikke læses (form: postgresql://bruger@vært:5432/database)") from None
    query = parse_qs(parts.query)
    database = parts.path.lstrip("/") or next(iter(query.get("dbname", [])), "")
    if not database or "/" in database:
        raise ValueError("PostgreSQL-adressen nævner ingen database (form: postgresql://bruger@vært:5432/database)")
    host = parts.hostname or next(iter(query.get("host", [])), "") or "localhost"
    port_text = port or next(iter(query.get("port", [])), "")
    return PostgresUrl(text, f"{host}:{port_text}/{database}" if port_text else f"{host}/{database}")


def database_location(text: str | Path) -> DatabaseLocation:
    """A setting's text as the logbog's location: a PostgreSQL URL, else a file path."""
    if isinstance(text, str) and is_postgres_url(text):
        return postgres_url(text)
    return Path(text)
