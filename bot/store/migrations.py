"""Versioned schema migrations: ``schema/NNNN_name.sql``, applied in order at start.

The schema version is SQLite's ``user_version``; each migration runs in its own
transaction together with the version bump, so a crash leaves the previous version intact.
"""

import re
from dataclasses import dataclass
from pathlib import Path

import aiosqlite

from ..errors import StoreError
from .bulk import fetch_value

_FOLDER = Path(__file__).with_name("schema")
_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str


def bundled_migrations() -> list[Migration]:
    """The migrations shipped with this version of Krisebot, by version."""
    found = []
    for path in sorted(_FOLDER.glob("*.sql")):
        match = _NAME.match(path.name)
        if match:
            found.append(Migration(int(match.group(1)), path.stem, path.read_text(encoding="utf-8")))
    return found


async def _version(db: aiosqlite.Connection) -> int:
    version: int = await fetch_value(db, "PRAGMA user_version")
    return version


async def require_current(db: aiosqlite.Connection, migrations: list[Migration]) -> None:
    """Raise StoreError unless the database has exactly the latest schema version."""
    current, latest = await _version(db), migrations[-1].version
    if current != latest:
        raise StoreError(f"databasen har skemaversion {current}, denne Krisebot forventer {latest}")


async def migrate(db: aiosqlite.Connection, migrations: list[Migration]) -> int:
    """Apply every migration newer than the database; return the resulting version.

    Raises StoreError if the database is newer than this Krisebot (a downgrade).
    """
    current, latest = await _version(db), migrations[-1].version
    if current > latest:
        raise StoreError(f"databasen har skemaversion {current}, men denne Krisebot kender kun til {latest}")
    for migration in migrations:
        if migration.version <= current:
            continue
        try:
            await db.executescript(f"BEGIN IMMEDIATE;\n{migration.sql}\nPRAGMA user_version = {migration.version};\nCOMMIT;")
        except Exception:
            if db.in_transaction:
                await db.rollback()
            raise
        current = migration.version
    return current
