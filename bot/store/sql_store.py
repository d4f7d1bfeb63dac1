"""The Store over a ``Database`` (``database.py``): the same SQL on SQLite and on PostgreSQL.

SQLite is one file, WAL journal, every commit fsynced (``synchronous=FULL``), so each committed
event survives a killed process and a power cut; PostgreSQL commits durably on its server. The
append-only rule is enforced by triggers in the schema as well as by the API. The logbog's events
are numbered without gaps: an append takes the events table for its transaction (``Queries.lock``)
and numbers its events after the last one, so a rolled-back append leaves no hole that an export
would report missing. Every method raises StoreError, naming the database, for any failure of it.
"""

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from ..core.escalation import Subject, Timer
from ..core.events import AlarmRaised, Event, EventPayload, PagePurpose, payload_adapter, utc
from ..errors import Stale, StoreError
from .base import CrisisThread, Finished, LogSummary, OutboxItem, TeamsUserLink
from .bulk import BATCH_VALUES, FROM_ROWS, VALUES_TABLE, columns, rows_param
from .database import SKIP_LOCKED, Database, Queries
from .failures import store_errors
from .call_records import CallRecords
from .intake_records import IntakeRecords
from .leases import Fence, LeaseRecords, fenced
from .numbering import Numbering
from .sms_records import SmsRecords


OPENING: str = AlarmRaised.model_fields["type"].default
"""The type of the event that opens a crisis."""
_ITEM_COLUMNS = "next_try_at, key, crisis_id, person, roles, purpose, channel, attempt_at, tries, step, fallback"


def _item(row: Any) -> OutboxItem:
    next_try, key, crisis, person, roles, purpose, channel, attempt_at, tries, step, fallback = row
    return OutboxItem(
        key, crisis, person, tuple(json.loads(roles)), purpose, channel, datetime.fromisoformat(attempt_at),
        datetime.fromisoformat(next_try), tries, step, bool(fallback),
    )


@store_errors
class SqlStore(SmsRecords, IntakeRecords, CallRecords, LeaseRecords):
    """The logbog in a database. Create with ``open_store`` (``opening.py``); close with ``close``."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self.location = db.location

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
        opened_since: int | None = None,
    ) -> list[Event]:
        if (timers or after is not None) and crisis_id is None:
            raise ValueError("paging timers and the expected last event belong to a crisis")
        moment = utc(at)
        stamp = moment.isoformat()
        async with self._transaction("hændelserne kunne ikke gemmes") as tx:
            if request_key is not None and not await tx.execute(
                "INSERT INTO handled_requests (key, at) VALUES (?, ?) ON CONFLICT DO NOTHING", (request_key, stamp)
            ):
                return []  # seen before (by this instance or another one): nothing was written
            await _expect(tx, crisis_id, after, opened_since)
            seqs = await _insert_events(
                tx, [(stamp, crisis_id, actor, payload.type, payload.model_dump_json()) for payload in payloads]
            )
            if timers and crisis_id is not None:
                await _start_timers(tx, crisis_id, timers)
        return [
            Event(seq=seq, at=moment, crisis_id=crisis_id, actor=actor, payload=payload)
            for seq, payload in zip(seqs, payloads)
        ]

    async def crisis_ids(self) -> list[str]:
        rows = await self._db.fetch_all(
            "SELECT crisis_id FROM events WHERE crisis_id IS NOT NULL GROUP BY crisis_id ORDER BY MIN(seq)"
        )
        return [crisis_id for (crisis_id,) in rows]

    async def save_thread(self, *, crisis_id: str, conversation_id: str, activity_id: str, at: datetime) -> None:
        await self._write(
            "INSERT INTO crisis_threads (crisis_id, conversation_id, activity_id, updated_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (crisis_id) DO UPDATE SET conversation_id = excluded.conversation_id, "
            "activity_id = excluded.activity_id, updated_at = excluded.updated_at",
            (crisis_id, conversation_id, activity_id, utc(at).isoformat()),
        )

    async def thread(self, *, crisis_id: str) -> CrisisThread | None:
        rows = await self._db.fetch_all(
            "SELECT crisis_id, conversation_id, activity_id FROM crisis_threads WHERE crisis_id = ?", (crisis_id,)
        )
        return CrisisThread(*rows[0]) if rows else None

    async def mirror_cursor(self, *, crisis_id: str) -> tuple[int, datetime | None]:
        """(last event seq posted to the crisis's log thread, when posting began to fail or None)."""
        rows = await self._db.fetch_all("SELECT posted_seq, behind_since FROM log_mirror WHERE crisis_id = ?", (crisis_id,))
        if not rows:
            return 0, None
        posted, behind = rows[0]
        return posted, datetime.fromisoformat(behind) if behind else None

    async def save_mirror_cursor(self, *, crisis_id: str, posted_seq: int, behind_since: datetime | None) -> None:
        """Remember how far the crisis's log thread is written, and whether it is behind since a failure."""
        await self._write(
            "INSERT INTO log_mirror (crisis_id, posted_seq, behind_since) VALUES (?, ?, ?) "
            "ON CONFLICT (crisis_id) DO UPDATE SET posted_seq = excluded.posted_seq, behind_since = excluded.behind_since",
            (crisis_id, posted_seq, utc(behind_since).isoformat() if behind_since else None),
        )

    async def log_summaries(self, *, crisis_id: str) -> dict[int, LogSummary]:
        rows = await self._db.fetch_rows("wave_seq, activity_id, text, late", "FROM log_summaries WHERE crisis_id = ?", (crisis_id,))
        return {seq: LogSummary(seq, activity_id, text, bool(late)) for seq, activity_id, text, late in rows}

    async def save_log_summary(self, *, crisis_id: str, summary: LogSummary) -> None:
        await self._write(
            "INSERT INTO log_summaries (crisis_id, wave_seq, activity_id, text, late) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (crisis_id, wave_seq) DO UPDATE SET activity_id = excluded.activity_id, text = excluded.text, "
            "late = excluded.late",
            (crisis_id, summary.wave_seq, summary.activity_id, summary.text, int(summary.late)),
        )

    async def timers(self) -> dict[str, list[Timer]]:
        found: dict[str, list[Timer]] = {}
        rows = await self._db.fetch_rows("started_at, crisis_id, purpose, subject, subject_id", "FROM paging_timers")
        for started_at, crisis_id, purpose, subject, subject_id in sorted(rows):
            timer = Timer(PagePurpose(purpose), Subject(subject), subject_id, datetime.fromisoformat(started_at))
            found.setdefault(crisis_id, []).append(timer)
        return found

    async def enqueue(self, *, items: list[OutboxItem]) -> int:
        async with self._transaction("siderne kunne ikke lægges i udbakken") as tx:
            return await tx.execute(
                "INSERT INTO outbox (key, crisis_id, person, roles, purpose, channel, attempt_at, next_try_at, step, "
                # in key order: instances adding the same pages wait for each other, never deadlock
                f"fallback) SELECT {columns(10, integers=(8, 9))} {FROM_ROWS} WHERE true ORDER BY 1 ON CONFLICT DO NOTHING",
                (rows_param([
                    (i.key, i.crisis_id, i.person, json.dumps(list(i.roles)), i.purpose, i.channel,
                     utc(i.attempt_at).isoformat(), utc(i.next_try_at).isoformat(), i.step, int(i.fallback))
                    for i in items
                ]),),
            )

    async def pending(self, *, due_by: datetime) -> list[OutboxItem]:
        rows = await self._db.fetch_rows(
            _ITEM_COLUMNS, "FROM outbox WHERE status = 'pending' AND next_try_at <= ?", (utc(due_by).isoformat(),)
        )
        return [_item(row) for row in sorted(rows)]

    async def outbox_item(self, *, key: str) -> OutboxItem | None:
        rows = await self._db.fetch_rows(_ITEM_COLUMNS, "FROM outbox WHERE key = ?", (key,))
        return _item(rows[0]) if rows else None

    async def next_try_at(self, *, after: datetime | None = None) -> datetime | None:
        since = "" if after is None else utc(after).isoformat()
        earliest = await self._db.fetch_value(
            "SELECT MIN(next_try_at) FROM outbox WHERE status = 'pending' AND next_try_at > ?", (since,)
        )
        return datetime.fromisoformat(earliest) if earliest else None

    async def outbox_depth(self) -> dict[str, int]:
        rows = await self._db.fetch_all(
            "SELECT channel, SUM(CASE WHEN status = 'pending' THEN 1 ELSE 0 END) FROM outbox GROUP BY channel ORDER BY channel"
        )
        return {channel: int(pending) for channel, pending in rows}

    async def claim(self, *, keys: list[str], fence: Fence | None = None) -> set[str]:
        """A page another instance is claiming at the same moment is left to it (PostgreSQL: ``SKIP LOCKED``); nothing
        is claimed unless ``fence`` still holds its lease."""
        held, lease = fenced(fence)
        async with self._transaction("siderne kunne ikke markeres som afsendt") as tx:
            claimed = await _pending_keys(tx, keys, claiming=True)
            changed = await tx.execute(
                f"UPDATE outbox SET tries = tries + 1 WHERE key IN {BATCH_VALUES}{held}", (rows_param(sorted(claimed)), *lease)
            )
            if not changed:
                return set()  # nothing was pending, or the lease is no longer this holder's under this token
        return claimed

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
        async with self._transaction("siderne kunne ikke afsluttes") as tx:
            await tx.lock("events")  # first: finishing instances wait for each other, not for each other's rows
            done = await _pending_keys(tx, [item.key for item in items])
            # the batch is read once and each item found by its key; joined directly, SQLite walked
            # every pending item and read the whole batch again for each (0.5 s for 100 of 3,000)
            await tx.execute(
                "WITH j AS MATERIALIZED (SELECT batch.value ->> 'key' AS key, batch.value ->> 'status' AS status, "
                "batch.value ->> 'provider_id' AS provider_id, batch.value ->> 'error' AS error, "
                f"batch.value ->> 'at' AS at {FROM_ROWS}) "
                "UPDATE outbox SET status = j.status, provider_id = j.provider_id, "
                "last_error = COALESCE(j.error, outbox.last_error), done_at = j.at "
                "FROM j WHERE outbox.key = j.key AND outbox.status = 'pending'",
                (rows_param(rows),),
            )
            logged = [(item, event) for item in items if item.key in done and (event := item.event) is not None]
            seqs = await _insert_events(tx, [
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
        rows = sorted(await self._db.fetch_rows("seq, at, crisis_id, actor, type, payload", source, params))
        return [
            Event(seq=seq, at=datetime.fromisoformat(at), crisis_id=crisis, actor=actor, payload=self._decode(seq, kind, payload))
            for seq, at, crisis, actor, kind, payload in rows
        ]

    def _decode(self, seq: int, kind: str, payload: str) -> EventPayload:
        """A stored payload as its model; StoreError if this version cannot read it."""
        try:
            return payload_adapter.validate_json(payload)
        except ValidationError:
            raise StoreError(f"hændelse nr. {seq} ({kind}) i logbogen kan ikke læses", database=self.location) from None

    async def save_conversation_reference(self, *, key: str, reference: dict[str, Any], at: datetime) -> None:
        await self._write(
            "INSERT INTO conversation_references (key, reference, updated_at) VALUES (?, ?, ?) "
            "ON CONFLICT (key) DO UPDATE SET reference = excluded.reference, updated_at = excluded.updated_at",
            (key, json.dumps(reference, sort_keys=True), utc(at).isoformat()),
        )

    async def conversation_reference(self, *, key: str) -> dict[str, Any] | None:
        rows = await self._db.fetch_all("SELECT reference FROM conversation_references WHERE key = ?", (key,))
        return json.loads(rows[0][0]) if rows else None

    async def conversation_references(self, *, keys: list[str]) -> dict[str, dict[str, Any]]:
        rows = await self._db.fetch_rows(
            "key, reference", f"FROM conversation_references WHERE key IN {BATCH_VALUES}", (rows_param(keys),)
        )
        return {key: json.loads(reference) for key, reference in rows}

    async def latest_service_url(self) -> str | None:
        rows = await self._db.fetch_all(
            "SELECT json_doc(reference) ->> 'serviceUrl' FROM conversation_references "
            "WHERE json_doc(reference) ->> 'serviceUrl' IS NOT NULL ORDER BY updated_at DESC LIMIT 1"
        )
        return rows[0][0] if rows else None

    async def link_teams_user(self, *, link: TeamsUserLink, at: datetime) -> None:
        await self._write(
            "INSERT INTO teams_users (teams_user_id, aad_object_id, upn, person_id, linked_at) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (teams_user_id) DO UPDATE SET aad_object_id = excluded.aad_object_id, "
            "upn = excluded.upn, person_id = excluded.person_id, linked_at = excluded.linked_at",
            (link.teams_user_id, link.aad_object_id, link.upn, link.person_id, utc(at).isoformat()),
        )

    async def teams_user(self, *, teams_user_id: str) -> TeamsUserLink | None:
        rows = await self._db.fetch_all(
            "SELECT teams_user_id, aad_object_id, upn, person_id FROM teams_users WHERE teams_user_id = ?", (teams_user_id,)
        )
        return TeamsUserLink(*rows[0]) if rows else None

    async def teams_users_of(self, *, person_id: str) -> list[TeamsUserLink]:
        rows = await self._db.fetch_all(
            "SELECT teams_user_id, aad_object_id, upn, person_id FROM teams_users WHERE person_id = ? ORDER BY linked_at DESC",
            (person_id,),
        )
        return [TeamsUserLink(*row) for row in rows]

    async def teams_users_of_people(self, *, person_ids: list[str]) -> list[TeamsUserLink]:
        rows = await self._db.fetch_rows(
            "linked_at, teams_user_id, aad_object_id, upn, person_id",
            f"FROM teams_users WHERE person_id IN {BATCH_VALUES}", (rows_param(person_ids),),
        )
        return [TeamsUserLink(*row[1:]) for row in sorted(rows, key=lambda row: row[0], reverse=True)]

    async def linked_person_ids(self) -> set[str]:
        return {person_id for (person_id,) in await self._db.fetch_all("SELECT DISTINCT person_id FROM teams_users")}

    async def probe(self) -> None:
        """Prove that the logbog can be appended to: commit a write to ``store_probe``, never to the logbog."""
        async with self._transaction("logbogen kan ikke skrives") as tx:
            await tx.execute(
                "INSERT INTO store_probe (id, writes) VALUES (1, 1) "
                "ON CONFLICT (id) DO UPDATE SET writes = store_probe.writes + 1"
            )

    async def close(self) -> None:
        await self._db.close()

    async def numbering(self) -> Numbering:
        """Read from the events and (SQLite) from ``sqlite_sequence``: the last number AUTOINCREMENT gave out, which a
        deleted last event leaves behind (PostgreSQL's logbog refuses TRUNCATE as well as DELETE)."""
        [(greatest, given)] = await self._db.fetch_all("SELECT COALESCE(MAX(seq), 0), COALESCE(last_given_seq(), 0) FROM events")
        last = max(greatest, given)
        gaps = await self._db.fetch_rows(
            "seq + 1, next - 1",
            "FROM (SELECT seq, LEAD(seq, 1, CAST(? AS BIGINT)) OVER (ORDER BY seq) AS next "
            "FROM (SELECT 0 AS seq UNION ALL SELECT seq FROM events) AS numbered) AS neighbours "
            "WHERE next > seq + 1",
            (last + 1,),
        )
        return Numbering(last, tuple(sorted((first, end) for first, end in gaps)))


async def _expect(tx: Queries, crisis_id: str | None, after: int | None, opened_since: int | None) -> None:
    """Raise Stale unless ``crisis_id``'s last event is ``after`` (0: it has none) and no crisis was opened (an
    ``alarm_raised`` event) after ``opened_since``, each when given, in the open transaction ``tx``, with the events
    table taken (as for an append), so no one appends between the check and the write."""
    if (after is None or crisis_id is None) and opened_since is None:
        return
    await tx.lock("events")
    if after is not None and crisis_id is not None:
        last = await tx.fetch_value("SELECT COALESCE(MAX(seq), 0) FROM events WHERE crisis_id = ?", (crisis_id,))
        if last != after:
            raise Stale(crisis_id, after, last)
    if opened_since is not None:
        opened = await tx.fetch_value(
            "SELECT COALESCE(MAX(seq), 0) FROM events WHERE seq > ? AND type = ?", (opened_since, OPENING)
        )
        if opened:
            raise Stale(crisis_id or "", opened_since, opened)


async def _insert_events(tx: Queries, rows: list[tuple[str, str | None, str, str, str]]) -> list[int]:
    """Insert (at, crisis_id, actor, type, payload) rows in the open transaction ``tx``, numbered after the last
    event; their seqs, in the order of ``rows``. The events table stays taken until the transaction ends, so no
    one else numbers an event meanwhile, and a rollback leaves no gap."""
    if not rows:
        return []
    await tx.lock("events")
    last = await tx.fetch_value("SELECT COALESCE(MAX(seq), 0) FROM events")
    seqs = list(range(last + 1, last + 1 + len(rows)))
    await tx.execute(
        f"INSERT INTO events (seq, at, crisis_id, actor, type, payload) SELECT {columns(6, integers=(0,))} {FROM_ROWS}",
        (rows_param([(seq, *row) for seq, row in zip(seqs, rows)]),),
    )
    return seqs


async def _start_timers(tx: Queries, crisis_id: str, timers: Sequence[Timer]) -> None:
    """Start paging timers in the open transaction ``tx``: a role's running timer keeps its start; a person's (a
    new notice) restarts."""
    await tx.execute(
        "INSERT INTO paging_timers (crisis_id, purpose, subject, subject_id, started_at) "
        f"SELECT {columns(5)} {FROM_ROWS} WHERE true ON CONFLICT (crisis_id, purpose, subject, subject_id) "
        "DO UPDATE SET started_at = excluded.started_at WHERE paging_timers.subject = 'person'",
        (rows_param([(crisis_id, t.purpose.value, t.subject.value, t.id, utc(t.started_at).isoformat()) for t in timers]),),
    )


async def _pending_keys(tx: Queries, keys: list[str], *, claiming: bool = False) -> set[str]:
    """Which of ``keys`` are pending, each looked up by its key (the cost grows with the keys, not the outbox);
    ``claiming``, without those another transaction is claiming (``SKIP_LOCKED``), and kept from it until ``tx`` ends."""
    rows = await tx.fetch_rows(
        "outbox.key",
        f"FROM {VALUES_TABLE} CROSS JOIN outbox "  # CROSS JOIN: SQLite looks up each key, never scans the outbox
        f"WHERE outbox.key = batch_value.value AND outbox.status = 'pending'{SKIP_LOCKED if claiming else ''}",
        (rows_param(keys),),
    )
    return {key for (key,) in rows}
