"""The store's protocols: what the rest of Krisebot may ask of the logbog database, one role at a time.

Each part of Krisebot asks for the roles it uses (``Logbog``, ``Outbox``, ``SentPages``, ``Chats``,
``LogThreads``, ``SmsCodes``, ``Calls``, ``Monitoring``, ``Health``, ``Leases``); ``Store`` is all of them, for
what opens the database and wires the app (docs/adr/0033-store-roles-and-one-leader.md).
Every method is keyword-only and atomic: it either completes or leaves nothing behind.
Every failure of the database (damaged, full, read-only, locked, closed, or holding what this
version cannot read) is raised as StoreError, whose ``reason`` an HTTP edge can answer 503 with.
A PostgreSQL store implements the same protocol.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from ..core.escalation import Timer
from ..core.events import Event, EventPayload
from .call_records import CallRecord
from .intake_records import HeartbeatRecord
from .leases import Fence
from .numbering import Numbering
from .sms_records import AttemptItem, CodeRequest, SentPage, SmsCode


@dataclass(frozen=True, slots=True)
class TeamsUserLink:
    """A Teams user known to be a plan person."""

    teams_user_id: str
    aad_object_id: str | None
    upn: str | None
    person_id: str


@dataclass(frozen=True, slots=True)
class CrisisThread:
    """Where a crisis is mirrored in the log channel: the thread and its situation card."""

    crisis_id: str
    conversation_id: str
    activity_id: str


@dataclass(frozen=True, slots=True)
class LogSummary:
    """The summary post of one alarmering wave in a crisis's log thread: its activity, the text it shows, and
    whether it was posted late (after an outage)."""

    wave_seq: int
    activity_id: str
    text: str
    late: bool


@dataclass(frozen=True, slots=True)
class OutboxItem:
    """One page to send on one channel. ``key`` makes it idempotent; ``tries`` counts sends begun.

    The attempt it belongs to is (``crisis_id``, ``person``, ``purpose``, ``attempt_at``); ``step`` is
    which of the channel's numbers it uses, and a ``fallback`` goes only if the attempt's first
    contacts did not reach the person."""

    key: str
    crisis_id: str
    person: str
    roles: tuple[str, ...]
    purpose: str
    channel: str
    attempt_at: datetime
    next_try_at: datetime
    tries: int
    step: int = 0
    fallback: bool = False


@dataclass(frozen=True, slots=True)
class Finished:
    """How one outbox item ended: ``status`` is sent, failed or cancelled; ``event`` goes in the logbog with it."""

    key: str
    crisis_id: str
    status: str
    at: datetime
    provider_id: str | None = None
    error: str | None = None
    event: EventPayload | None = None


class Logbog(Protocol):
    """The logbog's events: appended, read back, and how they are numbered."""

    async def append(self, *, at: datetime, actor: str, payload: EventPayload, crisis_id: str | None = None) -> Event:
        """Durably append one event and return it with its sequence number."""

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
        """Durably append ``payloads`` in one transaction: all of them or none.

        With ``after`` (the seq of ``crisis_id``'s last event the caller decided on; 0 for a new crisis), the
        crisis's last event is checked to be that one in the same transaction: if another writer appended to the
        crisis since, nothing is written and ``Stale`` is raised (the caller catches up and decides again).
        ``opened_since`` (the seq of the logbog's last event the caller decided on) checks that no crisis was
        opened since (no ``AlarmRaised``): for a decision that looked at every crisis (is this alarm's crisis open
        already?). A ``request_key`` seen before returns ``[]`` first, whatever the crisis holds.

        With ``request_key`` (an inbound activity or message id) the events are written only
        the first time that key is seen; a redelivery returns ``[]`` and writes nothing.
        ``timers`` (of ``crisis_id``) are started in the same transaction: the paging timers of
        a ``PagesRequested`` among the payloads (``bot.core.escalation.requested_timers``), so a
        page once recorded as requested is sent even if the process dies at once. A role's
        running timer keeps its start; a person's restarts (a new notice).
        """

    async def events(self, *, crisis_id: str | None = None, after: int = 0) -> list[Event]:
        """Events with ``seq > after`` in order; only ``crisis_id``'s when given."""

    async def events_outside_crises(self) -> list[Event]:
        """The events recorded outside any crisis (``crisis_id`` None: SMS that belong to none), in order."""

    async def crisis_ids(self) -> list[str]:
        """Every crisis id in the logbog, oldest first."""

    async def numbering(self) -> Numbering:
        """How the logbog's events are numbered: the last number given out and the runs of numbers with no event."""


class Outbox(Protocol):
    """Paging timers and the outbox: what the pager needs to page people until someone answers."""

    async def timers(self) -> dict[str, list[Timer]]:
        """Every paging timer, by crisis."""

    async def enqueue(self, *, items: list[OutboxItem]) -> int:
        """Add pages to the outbox; keys already there are left alone. Returns how many were new."""

    async def pending(self, *, due_by: datetime) -> list[OutboxItem]:
        """Pending pages whose next try is due by ``due_by``, oldest first."""

    async def next_try_at(self, *, after: datetime | None = None) -> datetime | None:
        """When the earliest pending page is due (of those due after ``after``, if given)."""

    async def outbox_depth(self) -> dict[str, int]:
        """Pending pages by channel, for every channel the outbox has held (0 when none is pending)."""

    async def outbox_item(self, *, key: str) -> OutboxItem | None:
        """The outbox item with ``key``, in whatever state."""

    async def claim(self, *, keys: list[str], fence: Fence | None = None) -> set[str]:
        """Count sends as begun, in one transaction (before they go out, so a crash leaves a trace).
        Only pending pages are claimed; returns their keys (the others must not go out). With ``fence``, only
        while that lease still has its holder and token, checked in the same statement: a claim under a lease
        taken over since claims nothing. Without one, unfenced: for a store only one process uses."""

    async def retry_later(self, *, key: str, at: datetime, error: str) -> None:
        """Leave the page pending, to be tried again at ``at``."""

    async def finish(self, *, items: list[Finished]) -> list[Event]:
        """Mark pages done in one transaction, each once and together with its logbog event; an item
        already done is left alone. Returns the events recorded."""

    async def sent_otherwise(self, *, item: OutboxItem) -> bool:
        """Was ``item``'s attempt sent under another key than ``item``'s?"""

    async def attempt_items(self, *, item: OutboxItem) -> list[AttemptItem]:
        """Every outbox item of ``item``'s attempt (``item`` too), as it stands."""

    async def hasten_fallbacks(self, *, item: OutboxItem, at: datetime) -> int:
        """Make the pending fallbacks of ``item``'s attempt due at ``at`` (if later); how many were."""


class SentPages(Protocol):
    """Pages as they were sent, found by key, provider id or crisis: for delivery reports and cards updated in place."""

    async def sent_page(self, *, key: str | None = None, channel: str = "", provider_id: str = "") -> SentPage | None:
        """The outbox page with ``key``, else the one sent on ``channel`` with ``provider_id``."""

    async def sent_pages(self, *, crisis_id: str, channel: str) -> list[SentPage]:
        """The latest page sent on ``channel`` to each person for each purpose in the crisis."""


class Chats(Protocol):
    """Where Krisebot can write to people in Teams: conversation references and which plan person a Teams user is."""

    async def save_conversation_reference(self, *, key: str, reference: dict[str, Any], at: datetime) -> None:
        """Store (or replace) the conversation reference under ``key``."""

    async def conversation_reference(self, *, key: str) -> dict[str, Any] | None:
        """The reference stored under ``key``, if any."""

    async def conversation_references(self, *, keys: list[str]) -> dict[str, dict[str, Any]]:
        """The references stored under any of ``keys``, by key."""

    async def latest_service_url(self) -> str | None:
        """The Bot Connector service URL of the most recently stored conversation, if any."""

    async def link_teams_user(self, *, link: TeamsUserLink, at: datetime) -> None:
        """Remember which plan person a Teams user is."""

    async def teams_user(self, *, teams_user_id: str) -> TeamsUserLink | None:
        """The stored link for a Teams user id, if any."""

    async def teams_users_of(self, *, person_id: str) -> list[TeamsUserLink]:
        """The Teams users linked to a plan person, most recently linked first."""

    async def teams_users_of_people(self, *, person_ids: list[str]) -> list[TeamsUserLink]:
        """The Teams users linked to any of the plan persons, most recently linked first."""

    async def linked_person_ids(self) -> set[str]:
        """Plan person ids that have been linked to a Teams user."""


class LogThreads(Protocol):
    """How far each crisis's thread in the log channel is written: the thread, its cursor and its wave summaries."""

    async def save_thread(self, *, crisis_id: str, conversation_id: str, activity_id: str, at: datetime) -> None:
        """Remember the crisis's thread in the log channel."""

    async def thread(self, *, crisis_id: str) -> CrisisThread | None:
        """The crisis's thread in the log channel, if it has one."""

    async def mirror_cursor(self, *, crisis_id: str) -> tuple[int, datetime | None]:
        """(last event seq posted to the crisis's log thread, when posting began to fail or None)."""

    async def save_mirror_cursor(self, *, crisis_id: str, posted_seq: int, behind_since: datetime | None) -> None:
        """Remember how far the crisis's log thread is written, and whether it is behind since a failure."""

    async def log_summaries(self, *, crisis_id: str) -> dict[int, LogSummary]:
        """The crisis's wave summary posts in its log thread, by the wave's ``PagesRequested`` seq."""

    async def save_log_summary(self, *, crisis_id: str, summary: LogSummary) -> None:
        """Remember (or replace) a wave's summary post as it now stands."""


class SmsCodes(Protocol):
    """The SMS fallback's own records: reply codes per number and the help replies sent."""

    async def sms_codes(self, *, pages: list[CodeRequest], at: datetime, open_crises: set[str]) -> list[int]:
        """The reply code of each page on its number (the one it has, else the next free one), in one transaction."""

    async def sms_code_page(self, *, number: str, code: int) -> SmsCode | None:
        """What ``code`` stands for on ``number``, if it was ever given out."""

    async def help_replies_allowed(self, *, number: str, at: datetime, since: datetime, limit: int) -> bool:
        """Count a help reply to ``number`` if fewer than ``limit`` went out since ``since``; say whether it may go."""


class Calls(Protocol):
    """The voice channel's record of every call placed."""

    async def save_call(self, *, call: CallRecord) -> CallRecord | None:
        """Remember a call about to be placed, unless the provider already took a call for its outbox item: then
        that call, and nothing is saved (a page sent again after a restart rings once)."""

    async def call_placed(self, *, ref: str, provider: str, provider_id: str) -> None:
        """The provider took the call and gave it ``provider_id``."""

    async def call(self, *, ref: str) -> CallRecord | None:
        """The call with ``ref``, if Krisebot placed it."""

    async def call_keyed(self, *, ref: str, digits: str) -> bool:
        """Record the key acted on in the call; False if one already was (a key counts once per call)."""

    async def call_ended(self, *, ref: str, outcome: str, at: datetime) -> bool:
        """Record the call's final status; False if it already had one (the first report wins)."""


class Monitoring(Protocol):
    """The alarm intake's state: heartbeats watched and where reading the alarm mailbox got to."""

    async def heartbeats(self) -> dict[str, HeartbeatRecord]:
        """Every heartbeat ever watched, by name."""

    async def watch_heartbeats(self, *, names: list[str], at: datetime) -> None:
        """Start watching heartbeats not watched before, as if heard from at ``at``."""

    async def heartbeat_seen(self, *, name: str, at: datetime) -> None:
        """Record a beat at ``at``: the heartbeat keeps time again."""

    async def heartbeat_silent(self, *, name: str, since: datetime) -> None:
        """Mark the heartbeat silent since ``since`` (until it is heard from again)."""

    async def mailbox_cursor(self, *, mailbox: str) -> str | None:
        """The delta (or next page) link to read the mailbox from, if it was read before."""

    async def save_mailbox_cursor(self, *, mailbox: str, link: str, at: datetime) -> None:
        """Remember where reading the mailbox got to."""


class Health(Protocol):
    """The database itself: can the logbog be written, and releasing it."""

    async def probe(self) -> None:
        """Raise StoreError (with the reason) unless the logbog can be appended to; writes no logbog event."""

    async def close(self) -> None:
        """Release the database."""


class Leases(Protocol):
    """Leases on what only one instance may do at a time, with fencing tokens (``bot/leadership.py``)."""

    async def acquire_lease(self, *, name: str, holder: str, at: datetime, ttl: timedelta) -> int | None:
        """Take the lease until ``at + ttl`` if it is free, expired or ``holder``'s already, and return its fencing
        token (grown by one when taken from another holder or for the first time; kept when renewed); None while
        another holder's lease runs."""

    async def release_lease(self, *, name: str, holder: str, token: int) -> None:
        """Give the lease up at once, if ``holder`` still holds it under ``token``."""


class Store(Logbog, Outbox, SentPages, Chats, LogThreads, SmsCodes, Calls, Monitoring, Health, Leases, Protocol):
    """Every role of the store: for what truly needs all of it (opening the database, wiring the app)."""
