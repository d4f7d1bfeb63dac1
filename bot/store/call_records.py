"""Table of the voice channel: every call placed, by Krisebot's ``ref`` for it.

A mixin of ``SqlStore`` (it writes through the store's ``Transactions``); the methods are
part of the Store protocol. A call is written before it is placed, so its webhooks find it
after a restart, and a page sent again after a restart finds the call it already placed.
"""

import json
from dataclasses import dataclass
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from ..core.events import utc
from .failures import Transactions


@dataclass(frozen=True, slots=True)
class CallRecord:
    """One call of a page: the outbox item it belongs to, the number, and how it stands."""

    ref: str
    outbox_key: str
    crisis_id: str
    person: str
    roles: tuple[str, ...]
    purpose: str
    number: str
    created_at: datetime
    provider: str | None = None
    provider_id: str | None = None
    digits: str | None = None
    outcome: str | None = None


_COLUMNS = "ref, outbox_key, crisis_id, person, roles, purpose, number, created_at, provider, provider_id, digits, outcome"


def _record(row: Sequence[Any]) -> CallRecord:
    ref, key, crisis, person, roles, purpose, number, created, provider, provider_id, digits, outcome = row
    return CallRecord(
        ref, key, crisis, person, tuple(json.loads(roles)), purpose, number, datetime.fromisoformat(created),
        provider, provider_id, digits, outcome,
    )


_SAVING = "opkaldet kunne ikke gemmes"


class CallRecords(Transactions):
    async def save_call(self, *, call: CallRecord) -> CallRecord | None:
        """Remember a call about to be placed, in one statement, unless the provider already took a call for its
        outbox item: then that call, and nothing is saved (a page sent again after a restart rings once)."""
        saved = await self._write(
            f"INSERT INTO calls ({_COLUMNS}) SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? "
            "WHERE NOT EXISTS (SELECT 1 FROM calls WHERE outbox_key = ? AND provider_id IS NOT NULL)",
            (call.ref, call.outbox_key, call.crisis_id, call.person, json.dumps(list(call.roles)), call.purpose,
             call.number, utc(call.created_at).isoformat(), call.provider, call.provider_id, call.digits, call.outcome,
             call.outbox_key),
            _SAVING,
        )
        return None if saved else await self._placed_call(call.outbox_key)

    async def call_placed(self, *, ref: str, provider: str, provider_id: str) -> None:
        """The provider took the call and gave it ``provider_id``."""
        await self._write("UPDATE calls SET provider = ?, provider_id = ? WHERE ref = ?", (provider, provider_id, ref), _SAVING)

    async def call(self, *, ref: str) -> CallRecord | None:
        """The call with ``ref``, if Krisebot placed it."""
        rows = await self._db.fetch_rows(_COLUMNS, "FROM calls WHERE ref = ?", (ref,))
        return _record(rows[0]) if rows else None

    async def _placed_call(self, outbox_key: str) -> CallRecord:
        rows = await self._db.fetch_all(
            f"SELECT {_COLUMNS} FROM calls WHERE outbox_key = ? AND provider_id IS NOT NULL ORDER BY created_at LIMIT 1",
            (outbox_key,),
        )
        return _record(rows[0])

    async def call_keyed(self, *, ref: str, digits: str) -> bool:
        """Record the key acted on in the call; False if one already was (a key counts once per call)."""
        return await self._set_once(ref, "digits", digits)

    async def call_ended(self, *, ref: str, outcome: str, at: datetime) -> bool:
        """Record the call's final status; False if it already had one (the first report wins)."""
        return await self._set_once(ref, "outcome", outcome, ended_at=utc(at).isoformat())

    async def _set_once(self, ref: str, column: str, value: str, *, ended_at: str | None = None) -> bool:
        changed = await self._write(
            f"UPDATE calls SET {column} = ?, ended_at = COALESCE(?, ended_at) WHERE ref = ? AND {column} IS NULL",
            (value, ended_at, ref), _SAVING,
        )
        return changed > 0
