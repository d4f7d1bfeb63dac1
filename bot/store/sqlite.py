"""SQLite implementation of the Store: one file, WAL journal, every commit fsynced.

``synchronous=FULL`` in WAL mode makes each committed event survive a killed process and a
power cut; the append-only rule is enforced by triggers in the schema as well as by the API.
Every method raises StoreError, naming the file, for any SQLite failure (``failures.py``).
"""

import asyncio
import json
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import aiosqlite
from pydantic import ValidationError

from ..core.escalation import Subject, Timer
from ..core.events import Event, EventPayload, PagePurpose, payload_adapter, utc
from ..errors import Stale, StoreError
from .base import CrisisThread, Finished, LogSummary, OutboxItem, TeamsUserLink
from .bulk import BATCH_VALUES, FROM_ROWS, columns, fetch_rows, fetch_value, rows_param
from .failures import store_errors
from .call_records import CallRecords
from .intake_records import IntakeRecords
from .leases import Fence, LeaseRecords, fenced
from .numbering import Numbering
from .sms_records import SmsRecords


_ITEM_COLUMNS = "next_try_at, key, crisis_id, person, roles, purpose, channel, attempt_at, tries, step, fallback"


def _item(row: Any) -> OutboxItem:
    next_try, key, crisis, person, roles, purpose, channel, attempt_at, tries, step, fallback = row
    return OutboxItem(
        key, crisis, person, tuple(json.loads(roles)), purpose, channel, datetime.fromisoformat(attempt_at),
        datetime.fromisoformat(next_try), tries, step, bool(fallback),
    )


@store_errors
class SqliteStore(SmsRecords, IntakeRecords, CallRecords, LeaseRecords):
    """The logbog in a SQLite file. Create with ``open_store`` (``opening.py``); close with ``close``."""

    def __init__(self, db: aiosqlite.Connection, path: Path) -> None:
        self._db = db
        self.path = path
        # One write transaction at a time on the shared connection: a failing write's rollback
        # must not undo another coroutine's insert before that one commits.
        self._writing = asyncio.Lock()

    async def append(self, *, at: datetime, actor: str, payload: EventPayload, crisis_id: str | None = None) -> Event:
        [event] = await self.append_all(at=at, actor=actor, payloads=[payload], crisis_id=crisis_id)
        return event

    async def append_all(
        self,
        *,
        at: datetime,
        actor: str,
        payloads: list[EventPayload],
        crisis_id: str | None = None,
        request_key: str | None = None,
        timers: Sequence[Timer] = (),
        after: int | None = None,
    ) -> list[Event]:
        if (timers or after is not None) and crisis_id is None:
            raise ValueError("paging timers and the expected last event belong to a crisis")
        moment = utc(at)
        stamp = moment.isoformat()
        async with self._transaction("hændelserne kunne ikke gemmes"):
            if request_key is not None:
                async with self._db.execute(
                    "INSERT INTO handled_requests (key, at) VALUES (?, ?) ON CONFLICT DO NOTHING RETURNING key",
                    (request_key, stamp),
                ) as cursor:
                    if await cursor.fetchone() is None:
                        return []  # seen before: nothing was written
            if after is not None and crisis_id is not None:
                await self._expect(crisis_id, after)
            seqs = await self._insert_events(
                [(stamp, crisis_id, actor, payload.type, payload.model_dump_json()) for payload in payloads]
            )
            if timers and crisis_id is not None:
                await self._start_timers(crisis_id, timers)
        return [
            Event(seq=seq, at=moment, crisis_id=crisis_id, actor=actor, payload=payload)
            for seq, payload in zip(seqs, payloads)
        ]

    async def _expect(self, crisis_id: str, after: int) -> None:
        """Raise Stale unless ``crisis_id``'s last event is ``after`` (0: it has none), in a write transaction."""
        last = await fetch_value(self._db, "SELECT COALESCE(MAX(seq), 0) FROM events WHERE crisis_id = ?", (crisis_id,))
        if last != after:
            raise Stale(crisis_id, after, last)

    async def _insert_events(self, rows: list[tuple[str, str | None, str, str, str]]) -> list[int]:
        """Insert (at, crisis_id, actor, type, payload) rows, in a write transaction already open; their
        seqs, in the order of ``rows`` (seqs only grow, and no one else writes meanwhile)."""
        if not rows:
            return []
        last = await fetch_value(self._db, "SELECT COALESCE(MAX(seq), 0) FROM events")
        await self._db.execute(
            f"INSERT INTO events (at, crisis_id, actor, type, payload) SELECT {columns(5)} {FROM_ROWS} ORDER BY batch.key",
            (rows_param(rows),),
        )
        return sorted(seq for (seq,) in await fetch_rows(self._db, "seq", "FROM events WHERE seq > ?", (last,)))

    async def crisis_ids(self) -> list[str]:
        async with self._db.execute(
            "SELECT crisis_id FROM events WHERE crisis_id IS NOT NULL GROUP BY crisis_id ORDER BY MIN(seq)"
        ) as cursor:
            return [crisis_id for (crisis_id,) in await cursor.fetchall()]

    async def save_thread(self, *, crisis_id: str, conversation_id: str, activity_id: str, at: datetime) -> None:
        await self._write(
            "INSERT INTO crisis_threads (crisis_id, conversation_id, activity_id, updated_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (crisis_id) DO UPDATE SET conversation_id = excluded.conversation_id, "
            "activity_id = excluded.activity_id, updated_at = excluded.updated_at",
            (crisis_id, conversation_id, activity_id, utc(at).isoformat()),
        )

    async def thread(self, *, crisis_id: str) -> CrisisThread | None:
        async with self._db.execute(
            "SELECT crisis_id, conversation_id, activity_id FROM crisis_threads WHERE crisis_id = ?", (crisis_id,)
        ) as cursor:
            row = await cursor.fetchone()
        return CrisisThread(*row) if row else None

    async def mirror_cursor(self, *, crisis_id: str) -> tuple[int, datetime | None]:
        """(last event seq posted to the crisis's log thread, when posting began to fail or None)."""
        async with self._db.execute(
            "SELECT posted_seq, behind_since FROM log_mirror WHERE crisis_id = ?", (crisis_id,)
        ) as cursor:
            row = await cursor.fetchone()
        if row is None:
            return 0, None
        return row[0], datetime.fromisoformat(row[1]) if row[1] else None

    async def save_mirror_cursor(self, *, crisis_id: str, posted_seq: int, behind_since: datetime | None) -> None:
        """Remember how far the crisis's log thread is written, and whether it is behind since a failure."""
        await self._write(
            "INSERT INTO log_mirror (crisis_id, posted_seq, behind_since) VALUES (?, ?, ?) "
            "ON CONFLICT (crisis_id) DO UPDATE SET posted_seq = excluded.posted_seq, behind_since = excluded.behind_since",
            (crisis_id, posted_seq, utc(behind_since).isoformat() if behind_since else None),
        )

    async def log_summaries(self, *, crisis_id: str) -> dict[int, LogSummary]:
        rows = await fetch_rows(
            self._db, "wave_seq, activity_id, text, late", "FROM log_summaries WHERE crisis_id = ?", (crisis_id,)
        )
        return {seq: LogSummary(seq, activity_id, text, bool(late)) for seq, activity_id, text, late in rows}

    async def save_log_summary(self, *, crisis_id: str, summary: LogSummary) -> None:
        await self._write(
            "INSERT INTO log_summaries (crisis_id, wave_seq, activity_id, text, late) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (crisis_id, wave_seq) DO UPDATE SET activity_id = excluded.activity_id, text = excluded.text, "
            "late = excluded.late",
            (crisis_id, summary.wave_seq, summary.activity_id, summary.text, int(summary.late)),
        )

    async def _start_timers(self, crisis_id: str, timers: Sequence[Timer]) -> None:
        """Start paging timers, in a write transaction already open: a role's running timer keeps its
        start; a person's (a new notice) restarts."""
        await self._db.execute(
            "INSERT INTO paging_timers (crisis_id, purpose, subject, subject_id, started_at) "
            f"SELECT {columns(5)} {FROM_ROWS} WHERE true ON CONFLICT DO UPDATE SET started_at = excluded.started_at "
            "WHERE paging_timers.subject = 'person'",
            (rows_param([(crisis_id, t.purpose.value, t.subject.value, t.id, utc(t.started_at).isoformat()) for t in timers]),),
        )

    async def timers(self) -> dict[str, list[Timer]]:
        found: dict[str, list[Timer]] = {}
        rows = await fetch_rows(self._db, "started_at, crisis_id, purpose, subject, subject_id", "FROM paging_timers")
        for started_at, crisis_id, purpose, subject, subject_id in sorted(rows):
            timer = Timer(PagePurpose(purpose), Subject(subject), subject_id, datetime.fromisoformat(started_at))
            found.setdefault(crisis_id, []).append(timer)
        return found

    async def enqueue(self, *, items: list[OutboxItem]) -> int:
        async with self._transaction("siderne kunne ikke lægges i udbakken"):
            before = self._db.total_changes
            await self._db.execute(
                "INSERT INTO outbox (key, crisis_id, person, roles, purpose, channel, attempt_at, next_try_at, step, "
                f"fallback) SELECT {columns(10)} {FROM_ROWS} WHERE true ON CONFLICT DO NOTHING",
                (rows_param([
                    (i.key, i.crisis_id, i.person, json.dumps(list(i.roles)), i.purpose, i.channel,
                     utc(i.attempt_at).isoformat(), utc(i.next_try_at).isoformat(), i.step, int(i.fallback))
                    for i in items
                ]),),
            )
            added = self._db.total_changes - before
        return added

    async def pending(self, *, due_by: datetime) -> list[OutboxItem]:
        rows = await fetch_rows(
            self._db, _ITEM_COLUMNS, "FROM outbox WHERE status = 'pending' AND next_try_at <= ?", (utc(due_by).isoformat(),)
        )
        return [_item(row) for row in sorted(rows)]

    async def outbox_item(self, *, key: str) -> OutboxItem | None:
        rows = await fetch_rows(self._db, _ITEM_COLUMNS, "FROM outbox WHERE key = ?", (key,))
        return _item(rows[0]) if rows else None

    async def next_try_at(self, *, after: datetime | None = None) -> datetime | None:
        since = "" if after is None else utc(after).isoformat()
        earliest = await fetch_value(
            self._db, "SELECT MIN(next_try_at) FROM outbox WHERE status = 'pending' AND next_try_at > ?", (since,)
        )
        return datetime.fromisoformat(earliest) if earliest else None

    async def outbox_depth(self) -> dict[str, int]:
        async with self._db.execute(
            "SELECT channel, SUM(status = 'pending') FROM outbox GROUP BY channel ORDER BY channel"
        ) as cursor:
            return {channel: pending for channel, pending in await cursor.fetchall()}

    async def claim(self, *, keys: list[str], fence: Fence | None = None) -> set[str]:
        held, lease = fenced(fence)
        async with self._transaction("siderne kunne ikke markeres som afsendt"):
            claimed = await self._pending_keys(keys)
            before = self._db.total_changes
            await self._db.execute(
                f"UPDATE outbox SET tries = tries + 1 WHERE key IN {BATCH_VALUES}{held}", (rows_param(sorted(claimed)), *lease)
            )
            if self._db.total_changes == before:
                return set()  # nothing was pending, or the lease is no longer this holder's under this token
        return claimed

    async def _pending_keys(self, keys: list[str]) -> set[str]:
        """Which of ``keys`` are pending, each looked up by its key (the cost grows with the keys, not the outbox)."""
        rows = await fetch_rows(
            self._db, "outbox.key",
            "FROM json_each(?) AS k CROSS JOIN outbox ON outbox.key = k.value WHERE outbox.status = 'pending'",
            (rows_param(keys),),
        )
        return {key for (key,) in rows}

    async def retry_later(self, *, key: str, at: datetime, error: str) -> None:
        await self._write(
            "UPDATE outbox SET next_try_at = ?, last_error = ? WHERE key = ? AND status = 'pending'",
            (utc(at).isoformat(), error, key),
        )

    async def finish(self, *, items: list[Finished]) -> list[Event]:
        # A few statements for the whole batch, not two per item: the pager finishes a hundred pages at a time.
        rows = [
            {"key": i.key, "status": i.status, "provider_id": i.provider_id, "error": i.error, "at": utc(i.at).isoformat()}
            for i in items
        ]
        async with self._transaction("siderne kunne ikke afsluttes"):
            done = await self._pending_keys([item.key for item in items])
            # the batch is read once and each item found by its key; joined directly, SQLite walked
            # every pending item and read the whole batch again for each (0.5 s for 100 of 3,000)
            await self._db.execute(
                "WITH j AS MATERIALIZED (SELECT value ->> 'key' AS key, value ->> 'status' AS status, "
                "value ->> 'provider_id' AS provider_id, value ->> 'error' AS error, value ->> 'at' AS at "
                "FROM json_each(?)) "
                "UPDATE outbox SET status = j.status, provider_id = j.provider_id, "
                "last_error = COALESCE(j.error, outbox.last_error), done_at = j.at "
                "FROM j WHERE outbox.key = j.key AND outbox.status = 'pending'",
                (rows_param(rows),),
            )
            logged = [(item, event) for item in items if item.key in done and (event := item.event) is not None]
            seqs = await self._insert_events([
                (utc(item.at).isoformat(), item.crisis_id, "system", event.type, event.model_dump_json())
                for item, event in logged
            ])
        return [
            Event(seq=seq, at=utc(item.at), crisis_id=item.crisis_id, actor="system", payload=event)
            for seq, (item, event) in zip(seqs, logged)
        ]

    async def events(self, *, crisis_id: str | None = None, after: int = 0) -> list[Event]:
        params: tuple[Any, ...]
        source, params = "FROM events WHERE seq > ?", (after,)
        if crisis_id is not None:
            source, params = source + " AND crisis_id = ?", (after, crisis_id)
        return await self._events(source, params)

    async def events_outside_crises(self) -> list[Event]:
        return await self._events("FROM events WHERE crisis_id IS NULL", ())

    async def _events(self, source: str, params: tuple[Any, ...]) -> list[Event]:
        rows = sorted(await fetch_rows(self._db, "seq, at, crisis_id, actor, type, payload", source, params))
        return [
            Event(seq=seq, at=datetime.fromisoformat(at), crisis_id=crisis, actor=actor, payload=self._decode(seq, kind, payload))
            for seq, at, crisis, actor, kind, payload in rows
        ]

    def _decode(self, seq: int, kind: str, payload: str) -> EventPayload:
        """A stored payload as its model; StoreError if this version cannot read it."""
        try:
            return payload_adapter.validate_json(payload)
        except ValidationError:
            raise StoreError(f"hændelse nr. {seq} ({kind}) i logbogen kan ikke læses", database=self.path) from None

    async def save_conversation_reference(self, *, key: str, reference: dict[str, Any], at: datetime) -> None:
        await self._write(
            "INSERT INTO conversation_references (key, reference, updated_at) VALUES (?, ?, ?) "
            "ON CONFLICT (key) DO UPDATE SET reference = excluded.reference, updated_at = excluded.updated_at",
            (key, json.dumps(reference, sort_keys=True), utc(at).isoformat()),
        )

    async def conversation_reference(self, *, key: str) -> dict[str, Any] | None:
        async with self._db.execute("SELECT reference FROM conversation_references WHERE key = ?", (key,)) as cursor:
            row = await cursor.fetchone()
        return json.loads(row[0]) if row else None

    async def conversation_references(self, *, keys: list[str]) -> dict[str, dict[str, Any]]:
        rows = await fetch_rows(
            self._db, "key, reference", f"FROM conversation_references WHERE key IN {BATCH_VALUES}", (rows_param(keys),)
        )
        return {key: json.loads(reference) for key, reference in rows}

    async def latest_service_url(self) -> str | None:
        async with self._db.execute(
            "SELECT json_extract(reference, '$.serviceUrl') FROM conversation_references "
            "WHERE json_extract(reference, '$.serviceUrl') IS NOT NULL ORDER BY updated_at DESC LIMIT 1"
        ) as cursor:
            row = await cursor.fetchone()
        return row[0] if row else None

    async def link_teams_user(self, *, link: TeamsUserLink, at: datetime) -> None:
        await self._write(
            "INSERT INTO teams_users (teams_user_id, aad_object_id, upn, person_id, linked_at) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (teams_user_id) DO UPDATE SET aad_object_id = excluded.aad_object_id, "
            "upn = excluded.upn, person_id = excluded.person_id, linked_at = excluded.linked_at",
            (link.teams_user_id, link.aad_object_id, link.upn, link.person_id, utc(at).isoformat()),
        )

    async def teams_user(self, *, teams_user_id: str) -> TeamsUserLink | None:
        async with self._db.execute(
            "SELECT teams_user_id, aad_object_id, upn, person_id FROM teams_users WHERE teams_user_id = ?",
            (teams_user_id,),
        ) as cursor:
            row = await cursor.fetchone()
        return TeamsUserLink(*row) if row else None

    async def teams_users_of(self, *, person_id: str) -> list[TeamsUserLink]:
        async with self._db.execute(
            "SELECT teams_user_id, aad_object_id, upn, person_id FROM teams_users WHERE person_id = ? ORDER BY linked_at DESC",
            (person_id,),
        ) as cursor:
            return [TeamsUserLink(*row) for row in await cursor.fetchall()]

    async def teams_users_of_people(self, *, person_ids: list[str]) -> list[TeamsUserLink]:
        rows = await fetch_rows(
            self._db, "linked_at, teams_user_id, aad_object_id, upn, person_id",
            f"FROM teams_users WHERE person_id IN {BATCH_VALUES}", (rows_param(person_ids),),
        )
        return [TeamsUserLink(*row[1:]) for row in sorted(rows, key=lambda row: row[0], reverse=True)]

    async def linked_person_ids(self) -> set[str]:
        async with self._db.execute("SELECT DISTINCT person_id FROM teams_users") as cursor:
            return {person_id for (person_id,) in await cursor.fetchall()}

    async def probe(self) -> None:
        """Prove that the logbog can be appended to: commit a write to ``store_probe``, never to the logbog."""
        try:
            async with self._transaction("logbogen kan ikke skrives"):
                await self._db.execute(
                    "INSERT INTO store_probe (id, writes) VALUES (1, 1) ON CONFLICT (id) DO UPDATE SET writes = writes + 1"
                )
        except ValueError as exc:  # aiosqlite: the connection is closed
            raise StoreError(f"databasen er lukket ({exc})", database=self.path) from exc

    async def close(self) -> None:
        await self._db.close()

    async def _write(self, sql: str, params: tuple[Any, ...]) -> None:
        async with self._transaction("kunne ikke skrive til databasen"):
            await self._db.execute(sql, params)

    async def numbering(self) -> Numbering:
        """Read from the events and from ``sqlite_sequence`` (the last number AUTOINCREMENT gave out, which a deleted
        last event leaves behind)."""
        last = await fetch_value(
            self._db,
            "SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'events'), 0), "
            "COALESCE((SELECT MAX(seq) FROM events), 0))",
        )
        gaps = await fetch_rows(
            self._db, "seq + 1, next - 1",
            "FROM (SELECT seq, LEAD(seq, 1, ?) OVER (ORDER BY seq) AS next FROM (SELECT 0 AS seq UNION ALL SELECT seq FROM events)) "
            "WHERE next > seq + 1",
            (last + 1,),
        )
        return Numbering(last, tuple(sorted((first, end) for first, end in gaps)))
