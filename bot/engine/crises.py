"""Crises: the running state of every crisis, and the one way to change it, on any instance of one database.

``act`` runs one action through the pure lifecycle under the crisis's lock, on the crisis as the logbog holds it
(events other instances appended are folded in first), records the resulting events in one transaction (or
nothing) on the condition that no other instance appended to the crisis meanwhile (``Stale``: catch up and decide
again), and returns the outcome at once. Pages go to the pager (``paging``) at once; the log thread (whose posts
the outlet words) and the situation card are brought up to date by the leader only, in the background, in order
per crisis, after the requests in flight are answered (at most ``MAX_DEFERRAL`` later). The pager's facts come
back through ``record`` and ``absorb``. ``follow`` folds in what other instances record, every ``FOLLOW_INTERVAL``
(docs/adr/0035-shared-crisis-state.md).
"""

import asyncio
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable, Sequence
from contextlib import suppress
from dataclasses import replace
from datetime import datetime
from typing import Protocol

from ..background import Background
from ..clock import Clock
from ..core.actions import Action, RaiseAlarm
from ..core.commands import Command, RefreshPages, RefreshSituation, SendPage, TellReporter
from ..core.escalation import requested_timers
from ..core.events import Event, EventPayload, OutsideReporter
from ..core.lifecycle import Accepted, Outcome, next_crisis_id, step
from ..core.state import CrisisState, apply
from ..errors import Busy, ChannelError, Stale, StoreError
from ..plan.models import Plan
from ..store import LogSummary, Logbog, LogThreads
from .foreground import Foreground
from .outlet import Outlet

log = logging.getLogger(__name__)

SYSTEM = "system"
MAX_DEFERRAL = 1.0
"""Seconds background work may wait for requests in flight to be answered."""
FOLLOW_INTERVAL = 0.5
"""Seconds between two looks at the events other instances appended (``follow``)."""
DECISIONS = 5
"""How many times a decision is made again when other instances keep appending to its crisis meanwhile."""
BUSY = "krisen ændres netop nu af andre henvendelser: prøv igen om et øjeblik"


class Paging(Protocol):
    async def start(self, crisis_id: str, pages: list[SendPage], at: datetime) -> None:
        """Start paging these people (the engine's pager); it looks at what else is due itself."""

    def poke(self) -> None:
        """Something changed (an answer, an escalation): look at what is due again."""


class CrisisRecords(Logbog, LogThreads, Protocol):
    """What the crises ask of the store: the logbog, and how far each crisis's log thread is written."""


class Crises:
    """Every crisis in the logbog, kept in memory as folded state and changed only through ``act``."""

    def __init__(
        self, *, plan: Plan, store: CrisisRecords, clock: Clock, outlet: Outlet, paging: Callable[[], Paging],
        foreground: Foreground | None = None, leading: Callable[[], bool] = lambda: True,
        follow_every: float = FOLLOW_INTERVAL, decisions: int = DECISIONS,
    ) -> None:
        """``paging`` gives the pager, which is built after the crises (it records into them: ``Later``).
        ``leading`` says whether this instance leads (``bot.leadership``): only the leader mirrors crises to the log
        channel (by default, an instance alone on its database). ``follow_every``: seconds between two looks at what
        other instances appended (``follow``). ``decisions``: how many times a decision is made before ``Busy``."""
        self.plan = plan
        self._paging = paging
        self._foreground = foreground or Foreground()
        self._store = store
        self._clock = clock
        self._outlet = outlet
        self._leading = leading
        self._follow_every = follow_every
        self.decisions = decisions
        self._states: dict[str, CrisisState] = {}
        self._folded: dict[str, int] = {}  # per crisis, the seq of the last event folded in (all before it are)
        self._seen = 0  # every event up to this seq is folded in (those outside crises are not kept)
        self._following = asyncio.Lock()
        self._failure: StoreError | None = None  # why the last look at the logbog failed; None after one that succeeded
        self._outage_logged = False  # the last look failed (in any way), and that is logged
        self._locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._mirror_locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._queued: defaultdict[str, int] = defaultdict(int)
        self._new_id = asyncio.Lock()
        self._background = Background()

    async def load(self) -> None:
        """Rebuild every crisis from the logbog (at start-up), in one read."""
        async with self._following:
            await self._fold_all(await self._store.events(after=self._seen), quietly=True)

    @property
    def seen(self) -> int:
        """The seq of the last event of the logbog folded in here."""
        return self._seen

    @property
    def reachable(self) -> bool:
        """Did the last look at the logbog succeed (``refresh``: by ``follow``, the pager or a request)? Work that can
        do without the logbog skips it while not, instead of waiting for the database to fail again."""
        return self._failure is None

    async def refresh(self) -> None:
        """Fold in every event appended since the last look, by any instance (one query); mirror the crises they
        change (on the leader) and poke the pager when another instance's events came in (pages requested,
        escalated or answered there go out from here within the pager's tick, if this instance leads)."""
        await self._look(again=True)

    async def refresh_or_fail(self) -> None:
        """``refresh`` for a request answered from the crises; while the last look failed, StoreError with its reason
        at once instead, without waiting for the database again (``follow`` looks every ``follow_every`` seconds)."""
        await self._look(again=False)

    async def _look(self, *, again: bool) -> None:
        """``refresh``; unless ``again``, StoreError at once if the last look failed (the one waited for, too).

        The first look that fails is logged, as an error, and the first that works after it; the looks between are
        not."""
        async with self._following:
            if not again and self._failure is not None:
                raise StoreError(self._failure.reason, database=self._failure.database)
            try:
                events = await self._store.events(after=self._seen)
            except Exception as exc:  # a closed connection raises more than StoreError
                if not self._outage_logged:
                    reason = exc.reason if isinstance(exc, StoreError) else f"{type(exc).__name__}: {exc}"
                    log.error("kriserne kan ikke holdes ajour med logbogen: %s", reason)
                self._outage_logged = True
                self._failure = exc if isinstance(exc, StoreError) else None
                raise
            if self._outage_logged:
                log.info("kriserne følger logbogen igen")
            self._outage_logged, self._failure = False, None
            if await self._fold_all(events):
                self._paging().poke()

    async def follow(self) -> None:
        """``refresh`` every ``follow_every`` seconds, forever (every instance runs it); after a failure (of the
        database, or any other), the next look tries again."""
        while True:
            await asyncio.sleep(self._follow_every)
            with suppress(Exception):  # logged by the look; the loop must survive it
                await self.refresh()

    async def find(self, crisis_id: str) -> CrisisState | None:
        """The crisis as the logbog holds it now (loaded if this instance did not know it yet); None if none is."""
        async with self._locks[crisis_id]:
            await self._catch_up(crisis_id)
        return self._states.get(crisis_id)

    async def mirror_all(self) -> None:
        """Bring every crisis's log thread and cards up to date (a loop of the leader: it runs on taking the lead)."""
        self.catch_up()

    def get(self, crisis_id: str) -> CrisisState | None:
        return self._states.get(crisis_id)

    def all(self) -> list[CrisisState]:
        """Every crisis, oldest first."""
        return list(self._states.values())

    def active(self) -> list[CrisisState]:
        """Open crises, oldest first."""
        return [state for state in self._states.values() if state.phase.open]

    async def raise_alarm(
        self, *, source: str, deliveries: Iterable[str], description: str, reporter_phone: str | None,
        actor: str, request_key: str | None = None, fingerprint: str | None = None, unverified_sender: bool = False,
        via: str | None = None, outside_reporter: OutsideReporter | None = None,
        postscript: Sequence[EventPayload] = (), seen: int | None = None,
    ) -> Outcome:
        """Open a new crisis with the next free id (``fingerprint``: a machine alarm's identity, for dedupe; ``via``:
        the channel a person raised it by; ``outside_reporter``: who raised it in Teams, when they are not in the plan).

        The id is the next after every crisis in the logbog; one another instance took meanwhile is passed over.
        ``postscript`` (the SMS that raised it) is recorded just after the alarm's events, in the same transaction.
        With ``seen`` (``Crises.seen`` when the caller found no open crisis for this alarm) nothing is recorded if
        a crisis was opened since, by any instance: ``Stale`` is raised for the caller to look again.
        """
        async with self._new_id:
            for _ in range(self.decisions):
                if seen is None:
                    await self.refresh()
                action = RaiseAlarm(
                    crisis_id=next_crisis_id(list(self._states), self._clock()),
                    source=source, deliveries=tuple(deliveries), description=description, reporter_phone=reporter_phone,
                    fingerprint=fingerprint, unverified_sender=unverified_sender, via=via,
                    outside_reporter=outside_reporter,
                )
                try:
                    async with self._locks[action.crisis_id]:
                        return await self._run(
                            None, action, actor=actor, crisis_id=action.crisis_id, request_key=request_key,
                            postscript=postscript, opened_since=seen,
                        )
                except Stale:
                    if seen is not None:
                        raise
                    continue  # the id is taken: the next look finds its crisis
        raise Busy(BUSY)

    async def act(
        self, crisis_id: str, action: Action, *, actor: str, request_key: str | None = None,
        preface: Sequence[EventPayload] = (),
    ) -> Outcome:
        """Run ``action`` by ``actor`` (a plan person id) against an existing crisis (``KeyError`` if none is), as
        the logbog holds it: decided again if another instance appended to it meanwhile.

        ``preface`` (the SMS that asked for it) is recorded just before the action's events, in
        the same transaction, when the action changes anything.
        """
        async with self._locks[crisis_id]:
            for _ in range(self.decisions):
                await self._catch_up(crisis_id)
                state = self._states.get(crisis_id)
                if state is None:
                    raise KeyError(crisis_id)
                try:
                    return await self._run(
                        state, action, actor=actor, crisis_id=crisis_id, request_key=request_key, preface=preface
                    )
                except Stale:
                    continue
        raise Busy(BUSY)

    async def record(
        self, crisis_id: str, payloads: Sequence[EventPayload], *, actor: str = SYSTEM, request_key: str | None = None
    ) -> list[Event]:
        """Record facts found by the engine (page outcomes, replies) after the crisis's last event, fold them in and
        mirror them.

        With ``request_key`` they are recorded only the first time that key is seen (``[]`` after).
        """
        return await self.record_found(crisis_id, lambda _: payloads, actor=actor, request_key=request_key)

    async def record_found(
        self, crisis_id: str, find: Callable[[CrisisState], Sequence[EventPayload]], *, actor: str = SYSTEM,
        request_key: str | None = None,
    ) -> list[Event]:
        """Record what ``find`` finds in the crisis (escalations due, roles nobody covers) as ``record`` does, found
        again on the crisis as it then is if another instance appended to it meanwhile; ``[]`` if nothing is found (or
        the logbog has no such crisis)."""
        async with self._locks[crisis_id]:
            if crisis_id not in self._states:
                await self._catch_up(crisis_id)  # raised on another instance, and not followed here yet
            for _ in range(self.decisions):
                state = self._states.get(crisis_id)
                payloads = find(state) if state is not None else ()
                if not payloads:
                    return []
                try:
                    events = await self._append(crisis_id, payloads, actor=actor, request_key=request_key)
                except Stale:
                    await self._catch_up(crisis_id)
                    continue
                self._fold_in(crisis_id, events)
                break
            else:
                raise Busy(BUSY)
        self._mirror_later(crisis_id, events)
        return events

    async def absorb(self, crisis_id: str, events: list[Event]) -> None:
        """Fold in events the store recorded along with other work (a page's outcome), with any recorded before
        them, and mirror them."""
        if not events:
            return
        async with self._locks[crisis_id]:
            await self._catch_up(crisis_id)
        self._mirror_later(crisis_id, events)

    def catch_up(self) -> None:
        """Bring every crisis's log thread and cards up to date (Teams answers again, or on taking the lead); the
        leader's work only."""
        if not self._leading():
            return
        for crisis_id in self._states:
            self._queued[crisis_id] += 1
            self._background.start(self._mirror(crisis_id, refresh=True))

    async def drain(self) -> None:
        """Wait until every background command has been carried out (tests, shutdown)."""
        await self._background.drain()

    async def _run(
        self, state: CrisisState | None, action: Action, *, actor: str, crisis_id: str, request_key: str | None,
        preface: Sequence[EventPayload] = (), postscript: Sequence[EventPayload] = (), opened_since: int | None = None,
    ) -> Outcome:
        """Decide on ``state`` and record the events, under the crisis's lock; ``Stale`` if another instance
        appended to the crisis since ``state``'s last event (nothing recorded)."""
        outcome = step(self.plan, state, action, actor=actor, now=self._clock())
        if not isinstance(outcome, Accepted) or not outcome.events:
            return outcome
        payloads = [*preface, *outcome.events, *postscript]
        events = await self._append(crisis_id, payloads, actor=actor, request_key=request_key, opened_since=opened_since)
        if not events:  # a redelivered request: its events were recorded the first time, maybe by another instance
            await self._catch_up(crisis_id)  # so the answer (a card) shows the crisis with them
            return Accepted(self._states.get(crisis_id, state))
        self._fold_in(crisis_id, events)
        self._queued[crisis_id] += 1
        self._background.start(self._carry_out(crisis_id, events, outcome.commands))
        return Accepted(self._states[crisis_id], outcome.events, outcome.commands)

    async def _append(
        self, crisis_id: str, payloads: Sequence[EventPayload], *, actor: str, request_key: str | None,
        opened_since: int | None = None,
    ) -> list[Event]:
        """Record ``payloads`` now, with the paging timers their pages start, in one transaction, right after the
        crisis's last event folded in here (``Stale`` if it has a later one)."""
        at = self._clock()
        return await self._store.append_all(
            at=at, actor=actor, payloads=list(payloads), crisis_id=crisis_id, request_key=request_key,
            timers=requested_timers(payloads, at), after=self._folded.get(crisis_id, 0), opened_since=opened_since,
        )

    async def _catch_up(self, crisis_id: str) -> None:
        """Fold in the crisis's events appended since the last one folded in (the whole crisis if unknown here);
        under the crisis's lock."""
        self._fold_in(crisis_id, await self._store.events(crisis_id=crisis_id, after=self._folded.get(crisis_id, 0)))

    async def _fold_all(self, events: list[Event], *, quietly: bool = False) -> bool:
        """Fold in ``events`` (every one after ``_seen``, in order), each crisis's under its lock, and mirror the
        crises they change (``quietly``: neither mirror nor log them, at start-up); did any come from another
        instance (one not folded in here yet)?"""
        by_crisis: defaultdict[str, list[Event]] = defaultdict(list)
        for event in events:
            if event.crisis_id is not None:
                by_crisis[event.crisis_id].append(event)
        news = False
        for crisis_id, found in by_crisis.items():
            async with self._locks[crisis_id]:
                new = self._fold_in(crisis_id, found, verb=None if quietly else "learnt")
            if new and not quietly:
                news = True
                self._mirror_later(crisis_id, new)
        if events:
            self._seen = events[-1].seq
        return news

    def _fold_in(self, crisis_id: str, events: list[Event], *, verb: str | None = "recorded") -> list[Event]:
        """Apply those of ``events`` (the crisis's, in order) not folded in yet, logging each with ``verb``; them."""
        folded = self._folded.get(crisis_id, 0)
        new = [event for event in events if event.seq > folded]
        state = self._states.get(crisis_id)
        for event in new:
            if verb is not None:
                log.info("%s %s", verb, event.payload.type, extra={"crisis_id": crisis_id, "event_id": event.seq})
            state = apply(state, event)
        if state is not None and new:
            self._states[crisis_id] = state
            self._folded[crisis_id] = new[-1].seq
        return new

    async def _carry_out(self, crisis_id: str, events: list[Event], commands: tuple[Command, ...]) -> None:
        """Start paging at once and tell the reporter; then mirror the events (if this instance leads: else the
        leader does, once it follows them) and refresh the page cards asked for. Only the instance that decided has
        the commands, so each is carried out once among the instances."""
        pages = [command for command in commands if isinstance(command, SendPage)]
        if pages:
            await self._safely("start paging", self._paging().start(crisis_id, pages, events[-1].at), crisis_id)
        else:
            self._paging().poke()
        for command in commands:
            if isinstance(command, TellReporter):
                telling = self._outlet.tell_reporter(self._states[crisis_id], command.news)
                await self._safely("tell the reporter", telling, crisis_id)
        await self._mirror(crisis_id, refresh=any(isinstance(command, RefreshSituation) for command in commands))
        for refresh in (command for command in commands if isinstance(command, RefreshPages)):
            work = self._outlet.refresh_pages(self._states[crisis_id], refresh.purposes)
            await self._safely("refresh pages", work, crisis_id)

    def _mirror_later(self, crisis_id: str, events: list[Event]) -> None:
        """Mirror the crisis after ``events`` (by whichever instance), if this instance leads."""
        if events and self._leading():
            self._queued[crisis_id] += 1
            self._background.start(self._mirror(crisis_id, refresh=True))

    async def _mirror(self, crisis_id: str, *, refresh: bool) -> None:
        """Bring the crisis's log thread up to date, in order, after the requests in flight are answered.

        When more work for the same crisis is queued behind this one, everything is left to the last of
        them (it writes from the same cursor, and the situation card shows the latest state); the page
        cards are brought up to date after an outage.
        """
        await self._foreground.quiet(MAX_DEFERRAL)
        async with self._mirror_locks[crisis_id]:
            self._queued[crisis_id] -= 1
            if self._queued[crisis_id] or not self._leading() or not await self._outlet.ready():
                return  # the mirror queued behind this one does it all; or another instance leads; or no log channel
            caught_up = await self._write_thread(crisis_id)
            if caught_up:
                await self._safely("refresh pages", self._outlet.refresh_pages(self._states[crisis_id]), crisis_id)
            if refresh:
                await self._safely("refresh situation", self._outlet.refresh_situation(self._states[crisis_id]), crisis_id)

    async def _write_thread(self, crisis_id: str) -> bool:
        """Post what the thread does not show yet (``Outlet.log_posts``), then edit each wave summary whose text changed;
        True when this caught up after an outage.

        How far the thread is written is kept in the database (the cursor, and each summary post with its text), so
        events recorded while Teams could not be reached (or before a restart) are posted when it answers again,
        marked as late, and a summary once posted is edited, never posted again.
        """
        posted, behind = await self._store.mirror_cursor(crisis_id=crisis_id)
        logbog = await self._store.events(crisis_id=crisis_id)
        summaries = await self._store.log_summaries(crisis_id=crisis_id)
        state, late = self._states[crisis_id], behind is not None
        posts = self._outlet.log_posts(logbog)
        try:
            for post in (post for post in posts if post.seq > posted and post.seq not in summaries):
                activity_id = await self._outlet.post_to_log(state, post, late=late)
                if activity_id is None:
                    return False  # no log channel to write to
                if post.wave:
                    summaries[post.seq] = LogSummary(post.seq, activity_id, post.text, late)
                    await self._store.save_log_summary(crisis_id=crisis_id, summary=summaries[post.seq])
                posted = post.seq
                await self._store.save_mirror_cursor(crisis_id=crisis_id, posted_seq=posted, behind_since=behind)
            for post in posts:
                summary = summaries.get(post.seq)
                if summary is not None and summary.text != post.text and summary.activity_id:
                    await self._outlet.edit_in_log(state, summary.activity_id, post, late=summary.late)
                    await self._store.save_log_summary(crisis_id=crisis_id, summary=replace(summary, text=post.text))
        except Exception as exc:
            if isinstance(exc, ChannelError):
                log.warning("logtråden er bagud: %s", exc.reason, extra={"crisis_id": crisis_id})
            else:
                log.exception("writing the log thread failed", extra={"crisis_id": crisis_id})
            if behind is None:
                await self._store.save_mirror_cursor(crisis_id=crisis_id, posted_seq=posted, behind_since=self._clock())
            return False
        last = logbog[-1].seq if logbog else posted
        if last != posted or behind is not None:
            await self._store.save_mirror_cursor(crisis_id=crisis_id, posted_seq=last, behind_since=None)
        return behind is not None

    @staticmethod
    async def _safely(what: str, work: Awaitable[object], crisis_id: str, event_id: int | None = None) -> None:
        try:
            await work
        except Exception:
            log.exception("%s failed", what, extra={"crisis_id": crisis_id, "event_id": event_id})
