"""SQLite implementation of the Store: one file, WAL journal, every commit fsynced.

``synchronous=FULL`` in WAL mode makes each committed event survive a killed process and a
power cut; the append-only rule is enforced by triggers in the schema as well as by the API.
"""

import asyncio
import json
import sqlite3
from datetime import datetime
from pathlib import Path
from typing import Any

import aiosqlite

from ..core.escalation import Subject, Timer, timer_for
from ..core.events import Event, EventPayload, PagePurpose, PagesRequested, payload_adapter, utc
from ..errors import StoreError
from .base import CrisisThread, Finished, OutboxItem, TeamsUserLink
from .migrations import bundled_migrations, migrate, require_current
from .intake_records import IntakeRecords
from .sms_records import SmsRecords

CLAIM_CHUNK = 500
"""Keys per statement that looks up which keys can be claimed: well under SQLite's limit on bound parameters."""
_PRAGMAS = ("journal_mode = WAL", "synchronous = FULL", "foreign_keys = ON", "busy_timeout = 5000")


class SqliteStore(SmsRecords, IntakeRecords):
    """The logbog in a SQLite file. Create with ``open_store``; close with ``close``."""

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
    ) -> list[Event]:
        moment = utc(at)
        stamp = moment.isoformat()
        async with self._writing:
            try:
                if request_key is not None:
                    async with self._db.execute(
                        "INSERT INTO handled_requests (key, at) VALUES (?, ?) ON CONFLICT DO NOTHING RETURNING key",
                        (request_key, stamp),
                    ) as cursor:
                        if await cursor.fetchone() is None:
                            await self._db.rollback()
                            return []
                events = []
                for payload in payloads:
                    async with self._db.execute(
                        "INSERT INTO events (at, crisis_id, actor, type, payload) VALUES (?, ?, ?, ?, ?) RETURNING seq",
                        (stamp, crisis_id, actor, payload.type, payload.model_dump_json()),
                    ) as cursor:
                        (seq,) = await cursor.fetchone()
                    events.append(Event(seq=seq, at=moment, crisis_id=crisis_id, actor=actor, payload=payload))
                    if isinstance(payload, PagesRequested) and crisis_id is not None:
                        await self._start_timers(crisis_id, payload, moment)
                await self._db.commit()
            except sqlite3.Error as exc:
                await self._db.rollback()
                raise StoreError(f"hændelserne kunne ikke gemmes: {exc}") from exc
        return events

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

    async def _start_timers(self, crisis_id: str, requested: PagesRequested, at: datetime) -> None:
        """The paging timers the requested pages start, in the transaction that records them: a role's
        running timer keeps its start; a person's (a new notice) restarts."""
        timers = [timer for page in requested.pages for timer in timer_for(page.purpose, page.person, tuple(page.roles), at)]
        await self._db.executemany(
            "INSERT INTO paging_timers (crisis_id, purpose, subject, subject_id, started_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET started_at = excluded.started_at "
            "WHERE paging_timers.subject = 'person'",
            [(crisis_id, t.purpose.value, t.subject.value, t.id, utc(t.started_at).isoformat()) for t in timers],
        )

    async def timers(self) -> dict[str, list[Timer]]:
        found: dict[str, list[Timer]] = {}
        async with self._db.execute(
            "SELECT crisis_id, purpose, subject, subject_id, started_at FROM paging_timers ORDER BY started_at"
        ) as cursor:
            for crisis_id, purpose, subject, subject_id, started_at in await cursor.fetchall():
                timer = Timer(PagePurpose(purpose), Subject(subject), subject_id, datetime.fromisoformat(started_at))
                found.setdefault(crisis_id, []).append(timer)
        return found

    async def enqueue(self, *, items: list[OutboxItem]) -> int:
        async with self._writing:
            try:
                before = self._db.total_changes
                await self._db.executemany(
                    "INSERT INTO outbox (key, crisis_id, person, roles, purpose, channel, attempt_at, next_try_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                    [
                        (i.key, i.crisis_id, i.person, json.dumps(list(i.roles)), i.purpose, i.channel,
                         utc(i.attempt_at).isoformat(), utc(i.next_try_at).isoformat())
                        for i in items
                    ],
                )
                added = self._db.total_changes - before
                await self._db.commit()
            except sqlite3.Error as exc:
                await self._db.rollback()
                raise StoreError(f"siderne kunne ikke lægges i udbakken: {exc}") from exc
        return added

    async def pending(self, *, due_by: datetime) -> list[OutboxItem]:
        async with self._db.execute(
            "SELECT key, crisis_id, person, roles, purpose, channel, attempt_at, next_try_at, tries FROM outbox "
            "WHERE status = 'pending' AND next_try_at <= ? ORDER BY next_try_at, key",
            (utc(due_by).isoformat(),),
        ) as cursor:
            rows = await cursor.fetchall()
        return [
            OutboxItem(key, crisis, person, tuple(json.loads(roles)), purpose, channel,
                       datetime.fromisoformat(attempt_at), datetime.fromisoformat(next_try), tries)
            for key, crisis, person, roles, purpose, channel, attempt_at, next_try, tries in rows
        ]

    async def next_try_at(self, *, after: datetime | None = None) -> datetime | None:
        since = "" if after is None else utc(after).isoformat()
        async with self._db.execute(
            "SELECT MIN(next_try_at) FROM outbox WHERE status = 'pending' AND next_try_at > ?", (since,)
        ) as cursor:
            (earliest,) = await cursor.fetchone()
        return datetime.fromisoformat(earliest) if earliest else None

    async def outbox_depth(self) -> dict[str, int]:
        async with self._db.execute(
            "SELECT channel, SUM(status = 'pending') FROM outbox GROUP BY channel ORDER BY channel"
        ) as cursor:
            return {channel: pending for channel, pending in await cursor.fetchall()}

    async def claim(self, *, keys: list[str]) -> set[str]:
        claimed: set[str] = set()
        async with self._writing:
            try:
                for start in range(0, len(keys), CLAIM_CHUNK):
                    chunk = keys[start:start + CLAIM_CHUNK]
                    async with self._db.execute(
                        f"SELECT key FROM outbox WHERE status = 'pending' AND key IN ({', '.join('?' * len(chunk))})", chunk
                    ) as cursor:
                        claimed.update(key for (key,) in await cursor.fetchall())
                await self._db.executemany("UPDATE outbox SET tries = tries + 1 WHERE key = ?", [(key,) for key in claimed])
                await self._db.commit()
            except sqlite3.Error as exc:
                await self._db.rollback()
                raise StoreError(f"siderne kunne ikke markeres som afsendt: {exc}") from exc
        return claimed

    async def retry_later(self, *, key: str, at: datetime, error: str) -> None:
        await self._write(
            "UPDATE outbox SET next_try_at = ?, last_error = ? WHERE key = ? AND status = 'pending'",
            (utc(at).isoformat(), error, key),
        )

    async def finish(self, *, items: list[Finished]) -> list[Event]:
        # Three statements for the whole batch, not two per item: each statement is a round trip to
        # aiosqlite's thread, and the pager finishes a hundred pages at a time.
        rows = [
            {"key": i.key, "status": i.status, "provider_id": i.provider_id, "error": i.error,
             "at": utc(i.at).isoformat(), "crisis_id": i.crisis_id,
             "type": i.event.type if i.event else None, "payload": i.event.model_dump_json() if i.event else None}
            for i in items
        ]
        async with self._writing:
            try:
                async with self._db.execute(
                    "UPDATE outbox SET status = json_extract(j.value, '$.status'), "
                    "provider_id = json_extract(j.value, '$.provider_id'), "
                    "last_error = COALESCE(json_extract(j.value, '$.error'), outbox.last_error), "
                    "done_at = json_extract(j.value, '$.at') "
                    "FROM json_each(?) AS j WHERE outbox.key = json_extract(j.value, '$.key') AND outbox.status = 'pending' "
                    "RETURNING outbox.key",
                    (json.dumps(rows),),
                ) as cursor:
                    done = {key for (key,) in await cursor.fetchall()}
                logged = [(item, row) for item, row in zip(items, rows) if item.key in done and item.event is not None]
                seqs: list[int] = []
                if logged:
                    # rows go in, and get their seq, in the order of the array: sorted seqs match it
                    async with self._db.execute(
                        "INSERT INTO events (at, crisis_id, actor, type, payload) "
                        "SELECT json_extract(j.value, '$.at'), json_extract(j.value, '$.crisis_id'), 'system', "
                        "json_extract(j.value, '$.type'), json_extract(j.value, '$.payload') "
                        "FROM json_each(?) AS j ORDER BY j.key RETURNING seq",
                        (json.dumps([row for _, row in logged]),),
                    ) as cursor:
                        seqs = sorted(seq for (seq,) in await cursor.fetchall())
                await self._db.commit()
            except sqlite3.Error as exc:
                await self._db.rollback()
                raise StoreError(f"siderne kunne ikke afsluttes: {exc}") from exc
        return [
            Event(seq=seq, at=utc(item.at), crisis_id=item.crisis_id, actor="system", payload=item.event)
            for seq, (item, _) in zip(seqs, logged)
        ]

    async def events(self, *, crisis_id: str | None = None, after: int = 0) -> list[Event]:
        query = "SELECT seq, at, crisis_id, actor, payload FROM events WHERE seq > ?"
        params: list[Any] = [after]
        if crisis_id is not None:
            query += " AND crisis_id = ?"
            params.append(crisis_id)
        async with self._db.execute(query + " ORDER BY seq", params) as cursor:
            rows = await cursor.fetchall()
        return [
            Event(
                seq=seq,
                at=datetime.fromisoformat(at),
                crisis_id=crisis,
                actor=actor,
                payload=payload_adapter.validate_json(payload),
            )
            for seq, at, crisis, actor, payload in rows
        ]

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
        async with self._db.execute(
            "SELECT key, reference FROM conversation_references WHERE key IN (SELECT value FROM json_each(?))",
            (json.dumps(keys),),
        ) as cursor:
            return {key: json.loads(reference) for key, reference in await cursor.fetchall()}

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
        async with self._db.execute(
            "SELECT teams_user_id, aad_object_id, upn, person_id FROM teams_users "
            "WHERE person_id IN (SELECT value FROM json_each(?)) ORDER BY linked_at DESC",
            (json.dumps(person_ids),),
        ) as cursor:
            return [TeamsUserLink(*row) for row in await cursor.fetchall()]

    async def linked_person_ids(self) -> set[str]:
        async with self._db.execute("SELECT DISTINCT person_id FROM teams_users") as cursor:
            return {person_id for (person_id,) in await cursor.fetchall()}

    async def ping(self) -> None:
        try:
            async with self._db.execute("SELECT 1") as cursor:
                await cursor.fetchone()
        except (sqlite3.Error, ValueError) as exc:
            raise StoreError(f"databasen svarer ikke: {exc}") from exc

    async def close(self) -> None:
        await self._db.close()

    async def _write(self, sql: str, params: tuple[Any, ...]) -> None:
        async with self._writing:
            try:
                await self._db.execute(sql, params)
                await self._db.commit()
            except sqlite3.Error as exc:
                await self._db.rollback()
                raise StoreError(f"kunne ikke skrive til databasen: {exc}") from exc


async def open_store(path: Path, *, read_only: bool = False) -> SqliteStore:
    """Open the database at ``path`` and bring its schema up to date (creating it if needed).

    ``read_only`` opens an existing database without writing anything, not even a
    migration; it raises StoreError if the schema is not the current one.
    """
    path = Path(path)
    try:
        if read_only:
            db = await aiosqlite.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            db = await aiosqlite.connect(path)
    except (OSError, sqlite3.Error) as exc:
        raise StoreError(f"databasen {path} kan ikke åbnes: {exc}") from exc
    try:
        if read_only:
            await require_current(db, bundled_migrations())
        else:
            for pragma in _PRAGMAS:
                await db.execute(f"PRAGMA {pragma}")
            await migrate(db, bundled_migrations())
    except sqlite3.Error as exc:
        await db.close()
        raise StoreError(f"databasen {path} kan ikke bruges: {exc}") from exc
    except StoreError:
        await db.close()
        raise
    return SqliteStore(db, path)
