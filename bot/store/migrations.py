"""Versioned schema migrations: ``schema/NNNN_name.sql``, applied in order at start, on either engine.

Each migration is written once, in SQL both engines run, with a token for what they spell
differently (``render``): ``{sequence_key}`` (the logbog's numbered key) and ``{append_only
TABLE}`` (triggers refusing to change or delete rows of TABLE). Each migration runs in its own
transaction together with the version bump (``Database.apply``), so a crash leaves the previous
version intact. The version is SQLite's ``user_version``, or PostgreSQL's one-row ``schema_version``.
"""

import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import StoreError
from .database import Database

_FOLDER = Path(__file__).with_name("schema")
_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
_TOKEN = re.compile(r"\{(sequence_key|append_only) ?(\w*)\}")
_TEXT = re.compile(r"\bTEXT\b")
APPEND_ONLY = "logbogen kan kun tilføjes til"

_SQLITE_TOKENS = {
    "sequence_key": "INTEGER PRIMARY KEY AUTOINCREMENT",
    "append_only": (
        "CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table}\nBEGIN\n"
        f"    SELECT RAISE(ABORT, '{APPEND_ONLY}');\nEND;\n"
        "CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table}\nBEGIN\n"
        f"    SELECT RAISE(ABORT, '{APPEND_ONLY}');\nEND;"
    ),
}
_POSTGRES_TOKENS = {
    "sequence_key": "BIGINT PRIMARY KEY",
    "append_only": (
        "CREATE OR REPLACE FUNCTION refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$\n"
        f"BEGIN\n    RAISE EXCEPTION '{APPEND_ONLY}' USING ERRCODE = 'restrict_violation';\nEND\n$$;\n"
        "CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table}\n"
        "    FOR EACH ROW EXECUTE FUNCTION refuse_change();\n"
        "CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}\n"
        "    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();\n"
        "REVOKE UPDATE, DELETE, TRUNCATE ON {table} FROM PUBLIC;"
    ),
}
ENGINES = {"sqlite": _SQLITE_TOKENS, "postgresql": _POSTGRES_TOKENS}


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str

    def render(self, engine: str) -> str:
        """The migration's SQL as ``engine`` (sqlite or postgresql) runs it. PostgreSQL's text columns compare byte by
        byte (``COLLATE "C"``), as SQLite's do, whatever the database's locale: the store compares ISO time stamps as
        text, and a locale's order puts ``07:00:00.5+00:00`` before ``07:00:00+00:00``."""
        tokens = ENGINES[engine]
        sql = _TOKEN.sub(lambda match: tokens[match.group(1)].replace("{table}", match.group(2)), self.sql)
        return _TEXT.sub('TEXT COLLATE "C"', sql) if engine == "postgresql" else sql


def bundled_migrations() -> list[Migration]:
    """The migrations shipped with this version of Krisebot, by version."""
    found = []
    for path in sorted(_FOLDER.glob("*.sql")):
        match = _NAME.match(path.name)
        if match:
            found.append(Migration(int(match.group(1)), path.stem, path.read_text(encoding="utf-8")))
    return found


async def require_current(db: Database, migrations: list[Migration]) -> None:
    """Raise StoreError unless the database has exactly the latest schema version."""
    current, latest = await db.schema_version(), migrations[-1].version
    if current == 0:
        raise StoreError("databasen har ingen logbog endnu: krisebot serve opretter den")
    if current != latest:
        raise StoreError(f"databasen har skemaversion {current}, denne Krisebot forventer {latest}")


async def migrate(db: Database, migrations: list[Migration], engine: str) -> int:
    """Apply every migration newer than the database, rendered for ``engine``; return the resulting version.

    Raises StoreError if the database is newer than this Krisebot (a downgrade).
    """
    current, latest = await db.schema_version(), migrations[-1].version
    if current > latest:
        raise StoreError(f"databasen har skemaversion {current}, men denne Krisebot kender kun til {latest}")
    for migration in migrations:
        if migration.version > current:
            await db.apply(migration.version, migration.render(engine))
    return await db.schema_version()
