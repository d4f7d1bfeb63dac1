"""Tables of the alarm intake: heartbeats and the alarm mailbox's read position.

A mixin of ``SqlStore`` (it writes through the store's ``Transactions``); the methods are
part of the Store protocol.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..core.events import utc
from .failures import Transactions


@dataclass(frozen=True, slots=True)
class HeartbeatRecord:
    """When a heartbeat was last heard from (or first watched), and since when it is silent."""

    name: str
    last_seen_at: datetime
    silent_since: datetime | None


class IntakeRecords(Transactions):
    async def heartbeats(self) -> dict[str, HeartbeatRecord]:
        """Every heartbeat ever watched, by name."""
        rows = await self._db.fetch_all("SELECT name, last_seen_at, silent_since FROM heartbeats")
        return {
            name: HeartbeatRecord(name, datetime.fromisoformat(seen), datetime.fromisoformat(silent) if silent else None)
            for name, seen, silent in rows
        }

    async def watch_heartbeats(self, *, names: list[str], at: datetime) -> None:
        """Start watching heartbeats not watched before, as if heard from at ``at``."""
        await self._intake_write(
            "INSERT INTO heartbeats (name, last_seen_at) VALUES (?, ?) ON CONFLICT DO NOTHING",
            [(name, utc(at).isoformat()) for name in names],
        )

    async def heartbeat_seen(self, *, name: str, at: datetime) -> None:
        """Record a beat at ``at``: the heartbeat keeps time again."""
        await self._intake_write(
            "INSERT INTO heartbeats (name, last_seen_at) VALUES (?, ?) "
            "ON CONFLICT (name) DO UPDATE SET last_seen_at = excluded.last_seen_at, silent_since = NULL",
            [(name, utc(at).isoformat())],
        )

    async def heartbeat_silent(self, *, name: str, since: datetime) -> None:
        """Mark the heartbeat silent since ``since`` (until it is heard from again)."""
        await self._intake_write(
            "UPDATE heartbeats SET silent_since = ? WHERE name = ? AND silent_since IS NULL", [(utc(since).isoformat(), name)]
        )

    async def mailbox_cursor(self, *, mailbox: str) -> str | None:
        """The delta (or next page) link to read the mailbox from, if it was read before."""
        rows = await self._db.fetch_all("SELECT link FROM mailbox_cursors WHERE mailbox = ?", (mailbox.lower(),))
        return rows[0][0] if rows else None

    async def save_mailbox_cursor(self, *, mailbox: str, link: str, at: datetime) -> None:
        """Remember where reading the mailbox got to."""
        await self._intake_write(
            "INSERT INTO mailbox_cursors (mailbox, link, updated_at) VALUES (?, ?, ?) "
            "ON CONFLICT (mailbox) DO UPDATE SET link = excluded.link, updated_at = excluded.updated_at",
            [(mailbox.lower(), link, utc(at).isoformat())],
        )

    async def _intake_write(self, sql: str, rows: list[tuple[Any, ...]]) -> None:
        async with self._transaction("kunne ikke skrive til databasen") as tx:
            await tx.execute_many(sql, rows)
