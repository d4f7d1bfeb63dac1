"""The pager: the one loop that owns paging timers and the outbox.

``start`` puts the first attempt of the lifecycle's SendPage commands in the outbox (one item
per channel); their paging timers were stored with the PagesRequested event that asked for
them. ``tick`` enqueues the attempts that fell due (repeats and escalation to deputies, from
``bot.core.escalation``), records Escalated events, and starts
sending every due outbox item from a task of its own (it does not wait for them): each is
claimed before it goes out, stays in flight until its outcome is written, and is marked done
exactly once together with its PageSent or PageFailed event. ``run`` ticks, then sleeps until the next
attempt or retry is due (or until poked), so nothing waits on a polling interval, and a
restart sends whatever is overdue at once.
"""

import asyncio
import logging
import random
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TypedDict

from ..channels.base import Channel, Notifier, PageRequest
from ..clock import LOCAL_TIME, Clock
from ..core.commands import SendPage
from ..core.escalation import (
    Attempt, Timer, current_attempts, new_escalations, next_attempt_at, still_waiting,
)
from ..core.events import PageFailed, PagePurpose, PageSent
from ..core.state import CrisisState
from ..errors import ChannelError, PermanentError, TransientError
from ..plan.models import Plan
from ..store import Finished, OutboxItem, Store
from .crises import Crises
from .wakeup import tick_forever

log = logging.getLogger(__name__)

MAX_TRIES = 5
SEND_TIMEOUT = 15.0
"""Seconds one send may take before it counts as a transient failure (a hung call must not hold a tick)."""
MAX_SLEEP = 30.0
CONCURRENCY = {Channel.TEAMS: 100, Channel.SMS: 5000, Channel.FEED: 5, Channel.MAIL: 4}
"""Sends in flight at once, per channel. The activity feed's equals its rate limit (5 a second), so
a send never waits in the limiter long enough to time out; mail's is Graph's limit of 4 requests
at a time to one mailbox (and keeps mail's CPU from crowding out the Teams pages). SMS sends are
gathered into batched gateway requests (``Batcher``), so many may wait for one batch."""
SEND_ORDER = {Channel.TEAMS: 0, Channel.SMS: 1, Channel.FEED: 2, Channel.MAIL: 3}
"""The order a tick starts its sends in: the cheapest first, so everyone's first page goes out soonest."""
FOLLOW_UP = {Channel.FEED, Channel.MAIL}
"""Channels whose sends wait for the same tick's Teams cards (at most ``FOLLOW_UP_WAIT`` seconds): a Graph
call costs the loop several times a card's CPU, and the card is what reaches everyone first."""
FOLLOW_UP_WAIT = 2.0
"""Seconds at most that feed and mail, and the tick after ``start``, wait for a burst of cards to go out."""


def backoff(tries: int, retry_after: float | None) -> float:
    """Seconds before the next try: the provider's Retry-After, else exponential with full jitter."""
    if retry_after is not None:
        return retry_after
    return random.uniform(0, min(60.0, 2.0 ** tries))


def outbox_key(crisis_id: str, purpose: PagePurpose, person: str, at: datetime, channel: Channel) -> str:
    return f"{crisis_id}/{purpose.value}/{person}/{int(at.timestamp() * 1000)}/{channel.value}"


FALLBACK = "+fallback"
"""Suffix of an SMS that goes only if the same attempt reached the person on no other channel in time."""


def sms_at_once(plan: Plan, state: CrisisState | None, attempt: Attempt, *, outage: bool) -> bool:
    """Does this attempt go by SMS at once, not only as a fallback? While a Microsoft dependency is down,
    for an escalation to deputies, and for an alarm that says Office 365 itself is affected."""
    if outage or attempt.stage >= 1:
        return True
    office365 = {delivery.id for delivery in plan.deliveries if delivery.office365}
    return state is not None and bool(office365.intersection(state.deliveries))


class _PageFacts(TypedDict):
    """What a page's PageSent or PageFailed says of it."""

    person: str
    roles: list[str]
    purpose: PagePurpose
    channel: str


class Pager:
    """Pages people through the outbox until someone answers, surviving restarts."""

    def __init__(
        self, *, plan: Plan, store: Store, clock: Clock, crises: Crises, notifiers: list[Notifier],
        outage: Callable[[], bool] = lambda: False, sms_grace: timedelta = timedelta(seconds=4),
        probe: Callable[[], datetime | None] = lambda: None,
    ) -> None:
        """``outage`` says whether a Microsoft dependency is down; without it, an SMS waits ``sms_grace``
        for the attempt to reach the person another way. ``probe`` runs at every tick and says when it
        wants to run again (a dependency to try once more)."""
        self._plan = plan
        self._outage = outage
        self._probe = probe
        self._sms_grace = sms_grace
        self._store = store
        self._clock = clock
        self._crises = crises
        self._notifiers = {notifier.channel: notifier for notifier in notifiers}
        self._poked = asyncio.Event()
        self._ticking = asyncio.Lock()
        self._limits = {channel: asyncio.Semaphore(CONCURRENCY[channel]) for channel in Channel}
        self._in_flight: set[str] = set()  # claimed keys whose outcome is not written yet (still ``pending``)
        self._enqueued: dict[str, set[str]] = defaultdict(set)  # per crisis, keys this process put in the outbox
        self._idle = asyncio.Event()
        self._idle.set()
        self._tasks: set[asyncio.Task] = set()
        self._outcomes: list[Finished] = []
        self._writer: asyncio.Task | None = None

    async def start(self, crisis_id: str, pages: list[SendPage], at: datetime) -> None:
        """Put the first attempt of pages requested at ``at`` in the outbox and start sending what is due
        at once, without waiting for a tick (their timers were stored with the request; without this
        call, the next tick would enqueue and send the same attempt). The next tick follows once the
        cards are out (it would only slow them down), or at once if this fails."""
        burst = None
        try:
            async with self._ticking:
                now = self._clock()
                attempts = [Attempt(p.person, p.roles, p.purpose, at, 0) for p in pages]
                offered = await self._enqueue(crisis_id, attempts, now)
                burst = await self._send([i for i in offered if i.next_try_at <= now and i.key not in self._in_flight])
        finally:
            if burst is None:
                self.poke()
            else:
                self._track(self._poke_when_done(burst))

    def poke(self) -> None:
        """Make ``run`` tick now (something changed)."""
        self._poked.set()

    async def run(self) -> None:
        """Tick, then sleep until the next due time or a poke; forever. When cancelled, it cancels
        the sends in flight (they stay pending and go again after a restart) and writes the outcomes
        it already has."""
        try:
            await tick_forever(
                self.tick, poked=self._poked, clock=self._clock, max_sleep=MAX_SLEEP, log=log, what="paging tick"
            )
        finally:
            await self._stop_sending()

    async def tick(self) -> datetime | None:
        """Enqueue due attempts and escalations, start sending every due outbox item not already in
        flight (one tick at a time, without waiting for the sends); return when the next attempt or
        retry falls due.

        The next attempt is looked for after the time the tick began, so one that fell due
        while the tick was still running is due at once, not left until the attempt after it.
        """
        async with self._ticking:
            began = self._clock()
            probe_at = self._probe()
            timers = await self._store.timers()
            await self._tick(began, timers)
            wake = await self._next_wake(began, timers)
            return min((t for t in (wake, probe_at) if t is not None), default=None)

    async def settle(self) -> None:
        """Tick until nothing is due now and no send is in flight (tests, benchmarks)."""
        while True:
            await self.tick()
            await self._idle.wait()
            if not await self._store.pending(due_by=self._clock()):
                return

    async def _tick(self, now: datetime, timers_by_crisis: dict[str, list[Timer]]) -> None:
        for crisis_id, timers in timers_by_crisis.items():
            state = self._crises.get(crisis_id)
            if state is None:
                continue
            escalations = new_escalations(self._plan, state, timers, now)
            if escalations:
                await self._crises.record(crisis_id, escalations)
            attempts = current_attempts(self._plan, state, timers, now)
            if attempts:
                await self._enqueue(crisis_id, attempts, now)
            else:
                self._enqueued.pop(crisis_id, None)  # nobody in it is waiting to be paged
        await self._send([item for item in await self._store.pending(due_by=now) if item.key not in self._in_flight])

    async def _next_wake(self, after: datetime, timers_by_crisis: dict[str, list[Timer]]) -> datetime | None:
        times = [await self._store.next_try_at(after=after)]  # those due by then are in flight
        for crisis_id, timers in timers_by_crisis.items():
            state = self._crises.get(crisis_id)
            if state is not None:
                times.append(next_attempt_at(self._plan, state, timers, after))
        return min((t for t in times if t is not None), default=None)

    async def page_by_sms_now(self) -> None:
        """Send the current attempt of every page still waiting by SMS at once (a dependency went down),
        unless it already went by SMS."""
        if Channel.SMS not in self._notifiers:
            return
        now = self._clock()
        for crisis_id, timers in (await self._store.timers()).items():
            state = self._crises.get(crisis_id)
            if state is not None:
                attempts = current_attempts(self._plan, state, timers, now)
                await self._store.enqueue(items=[self._item(crisis_id, a, Channel.SMS, now) for a in attempts])
        self.poke()

    async def _enqueue(self, crisis_id: str, attempts: list[Attempt], now: datetime) -> list[OutboxItem]:
        """Put the attempts' items in the outbox; return those offered. Items this process already put
        there are left out (the store would ignore them: a key is enqueued once), which spares every
        tick re-offering everyone's current attempt."""
        state, outage = self._crises.get(crisis_id), self._outage()
        items = []
        for attempt in attempts:
            for channel in self._notifiers:
                if channel is not Channel.SMS:
                    items.append(self._item(crisis_id, attempt, channel, now))
                elif sms_at_once(self._plan, state, attempt, outage=outage):
                    items.append(self._item(crisis_id, attempt, channel, now))
                else:
                    items.append(self._item(crisis_id, attempt, channel, now + self._sms_grace, suffix=FALLBACK))
        enqueued = self._enqueued[crisis_id]
        items = [item for item in items if item.key not in enqueued]
        if items:
            await self._store.enqueue(items=items)
            enqueued.update(item.key for item in items)
        return items

    @staticmethod
    def _item(crisis_id: str, attempt: Attempt, channel: Channel, due: datetime, suffix: str = "") -> OutboxItem:
        return OutboxItem(
            key=outbox_key(crisis_id, attempt.purpose, attempt.person, attempt.at, channel) + suffix,
            crisis_id=crisis_id, person=attempt.person, roles=attempt.roles, purpose=attempt.purpose.value,
            channel=channel.value, attempt_at=attempt.at, next_try_at=due, tries=0,
        )

    async def _reached_otherwise(self, item: OutboxItem) -> bool:
        """Is ``item`` a fallback SMS whose attempt was already sent another way (another channel, or an SMS)?"""
        if not item.key.endswith(FALLBACK):
            return False
        prefix = item.key.removesuffix(FALLBACK).rsplit("/", 1)[0] + "/"
        return await self._store.sent_otherwise(attempt_prefix=prefix, key=item.key)

    async def _send(self, due: list[OutboxItem]) -> asyncio.Future | None:
        """Claim the due items in one transaction, then send each one claimed from a task of its own (one
        done or given up meanwhile is not claimed, and does not go again): a slow send
        holds up neither the tick nor the other sends. A key stays in flight until its outcome is
        written, so a later tick does not send it again (a claimed item is still ``pending``). Returns a
        future done once the Teams cards among them are sent (None: no card)."""
        if not due:
            return None
        claimed = await self._store.claim(keys=[item.key for item in due])
        due = [item for item in due if item.key in claimed]
        if not due:
            return None
        self._idle.clear()
        ordered = sorted(due, key=lambda item: SEND_ORDER.get(Channel(item.channel), len(SEND_ORDER)))
        self._in_flight.update(item.key for item in ordered)
        cards = [self._track(self._deliver(item)) for item in ordered if Channel(item.channel) is Channel.TEAMS]
        cards_done = asyncio.gather(*cards, return_exceptions=True) if cards else None
        for item in ordered:
            if Channel(item.channel) is not Channel.TEAMS:
                self._track(self._deliver(item, after=cards_done if Channel(item.channel) in FOLLOW_UP else None))
        return cards_done

    def _track(self, work) -> asyncio.Task:
        """Run ``work`` in a task of its own, cancelled when the pager stops."""
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _poke_when_done(self, burst: asyncio.Future) -> None:
        """Poke once ``burst`` is done, or ``FOLLOW_UP_WAIT`` seconds at most."""
        await asyncio.wait([burst], timeout=FOLLOW_UP_WAIT)
        self.poke()

    async def _deliver(self, item: OutboxItem, *, after: asyncio.Future | None = None) -> None:
        """Send one claimed item once ``after`` is done (or ``FOLLOW_UP_WAIT`` passed); its outcome goes
        to the writer, or it is left pending to be tried again."""
        if after is not None:
            await asyncio.wait([after], timeout=FOLLOW_UP_WAIT)
        try:
            finished = await self._attempt(item)
        except Exception:  # the store failed: the item stays pending and goes again
            log.exception("page %s could not be sent", item.key, extra={"crisis_id": item.crisis_id})
            finished = None
        if finished is None:
            self._release([item.key])
        else:
            self._write(finished)

    async def _attempt(self, item: OutboxItem) -> Finished | None:
        async with self._limits[Channel(item.channel)]:
            state = self._crises.get(item.crisis_id)
            notifier = self._notifiers.get(Channel(item.channel))
            person = self._plan.person_by_id.get(item.person)
            purpose = PagePurpose(item.purpose)
            needed = state is not None and still_waiting(state, purpose, roles=item.roles, person=item.person)
            if notifier is None or person is None or state is None or not needed or await self._reached_otherwise(item):
                return Finished(item.key, item.crisis_id, "cancelled", self._clock())
            facts = _PageFacts(person=item.person, roles=list(item.roles), purpose=purpose, channel=item.channel)
            request = PageRequest(state=state, person=person, roles=item.roles, purpose=purpose, attempt=item.tries, key=item.key)
            try:
                async with asyncio.timeout(SEND_TIMEOUT):
                    provider_id = await notifier.send(request)
            except TimeoutError:
                return await self._failed(item, TransientError(f"intet svar inden {SEND_TIMEOUT:.0f} s"), facts)
            except ChannelError as exc:
                return await self._failed(item, exc, facts)
            except Exception as exc:  # a notifier bug must not stop other people's pages
                log.exception("notifier %s failed", item.channel, extra={"crisis_id": item.crisis_id})
                return await self._failed(item, TransientError(f"intern fejl ({type(exc).__name__})"), facts)
            event = PageSent(**facts, provider_id=provider_id)
            return Finished(item.key, item.crisis_id, "sent", self._clock(), provider_id=provider_id, event=event)

    async def _failed(self, item: OutboxItem, error: ChannelError, facts: _PageFacts) -> Finished | None:
        """The failed item's outcome; None when it is to be tried again (recorded here)."""
        if isinstance(error, TransientError) and item.tries + 1 < MAX_TRIES:
            at = self._clock() + timedelta(seconds=backoff(item.tries + 1, error.retry_after))
            await self._store.retry_later(key=item.key, at=at, error=error.reason)
            retry = f"{error.reason}; prøver igen kl. {at.astimezone(LOCAL_TIME):%H:%M:%S}"
            await self._crises.record(item.crisis_id, [PageFailed(**facts, reason=retry)])
            self.poke()
            return None
        reason = error.reason if isinstance(error, PermanentError) else f"{error.reason} (opgivet efter {MAX_TRIES} forsøg)"
        event = PageFailed(**facts, reason=reason)
        return Finished(item.key, item.crisis_id, "failed", self._clock(), error=error.reason, event=event)

    def _write(self, finished: Finished) -> None:
        """Queue an outcome for the writer, which records whatever has queued up in one transaction."""
        self._outcomes.append(finished)
        if self._writer is None:
            self._writer = asyncio.create_task(self._write_outcomes())

    async def _finish(self) -> None:
        """Mark the queued items done with their events, and fold the events into the crises."""
        batch, self._outcomes = self._outcomes, []
        try:
            events = await self._store.finish(items=batch)
            for crisis_id in dict.fromkeys(event.crisis_id for event in events if event.crisis_id is not None):
                await self._crises.absorb(crisis_id, [event for event in events if event.crisis_id == crisis_id])
        except Exception:  # not written: the items stay pending and go again (at least once)
            log.exception("the outcome of %d pages could not be recorded", len(batch))
        finally:
            self._release([finished.key for finished in batch])

    async def _write_outcomes(self) -> None:
        try:
            while self._outcomes:
                await self._finish()
        finally:
            self._writer = None

    def _release(self, keys: list[str]) -> None:
        """The keys are no longer in flight; once none is, look again (time passed while they were out)."""
        self._in_flight.difference_update(keys)
        if not self._in_flight:
            self._idle.set()
            self.poke()

    async def _stop_sending(self) -> None:
        """Cancel the sends in flight, then write the outcomes already known."""
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._writer is not None:
            await self._writer
