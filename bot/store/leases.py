"""SQL table of the leases: which instance holds the lease on the loops that must run once, until when,
and under which fencing token.

A mixin of ``SqlStore`` (it writes through the store's ``Transactions``); the methods are the
``Leases`` protocol. Each is one statement, so it is atomic on either engine: taking, renewing and
releasing a lease never race another instance's, and ``fenced`` lets a write check the lease in the
statement that makes it (on PostgreSQL holding the lease row against a takeover until the write commits).
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from ..core.events import utc
from .database import FOR_SHARE
from .failures import Transactions

RELEASED = datetime(1970, 1, 1, tzinfo=UTC)
"""The expiry a released lease is given: long past, so anyone may take it at once."""


@dataclass(frozen=True, slots=True)
class Fence:
    """A lease as one holder holds it: a write fenced with it is made only while the lease still has this holder and token."""

    name: str
    holder: str
    token: int


def fenced(fence: Fence | None) -> tuple[str, tuple[Any, ...]]:
    """The condition (`` AND …``, or nothing without a fence) and its parameters that a statement adds to its
    WHERE clause to act only while ``fence`` still holds its lease."""
    if fence is None:
        return "", ()
    return (
        f" AND EXISTS (SELECT 1 FROM leases WHERE name = ? AND holder = ? AND token = ?{FOR_SHARE})",
        (fence.name, fence.holder, fence.token),
    )


class LeaseRecords(Transactions):
    async def acquire_lease(self, *, name: str, holder: str, at: datetime, ttl: timedelta) -> int | None:
        """Take the lease ``name`` until ``at + ttl`` when it is free, expired or already ``holder``'s, and return its token;
        None while another holder's lease runs. Taken from another holder (or for the first time) the token grows by one;
        renewed by its holder it stays (nobody held it in between, whether or not it had expired)."""
        now = utc(at)
        async with self._transaction("ledelsen kunne ikke tages eller fornys") as tx:
            rows = await tx.fetch_all(
                "INSERT INTO leases (name, holder, token, expires_at) VALUES (?, ?, 1, ?) "
                "ON CONFLICT (name) DO UPDATE SET expires_at = excluded.expires_at, holder = excluded.holder, "
                "token = CASE WHEN leases.holder = excluded.holder THEN leases.token ELSE leases.token + 1 END "
                "WHERE leases.holder = excluded.holder OR leases.expires_at <= ? "
                "RETURNING token",
                (name, holder, (now + ttl).isoformat(), now.isoformat()),
            )
        return int(rows[0][0]) if rows else None

    async def release_lease(self, *, name: str, holder: str, token: int) -> None:
        """Give the lease up at once if ``holder`` still holds it under ``token``; its token stays, for the next holder to bump."""
        async with self._transaction("ledelsen kunne ikke frigives") as tx:
            await tx.execute(
                "UPDATE leases SET expires_at = ? WHERE name = ? AND holder = ? AND token = ?",
                (RELEASED.isoformat(), name, holder, token),
            )
