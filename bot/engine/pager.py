"""The pager: the one loop that owns paging timers and the outbox.

``start`` turns the lifecycle's SendPage commands into paging timers and outbox items (one
per channel) in the database. ``tick`` enqueues the attempts that fell due (repeats and
escalation to deputies, from ``bot.core.escalation``), records Escalated events, and sends
every due outbox item: each is claimed before it goes out, and marked done exactly once
together with its PageSent or PageFailed event. ``run`` ticks, then sleeps until the next
attempt or retry is due (or until poked), so nothing waits on a polling interval, and a
restart sends whatever is overdue at once.
"""

import asyncio
import logging
import random
from datetime import datetime, timedelta

from ..channels.base import Channel, ChannelError, Notifier, PageRequest, PermanentError, TransientError
from ..clock import LOCAL_TIME, Clock
from ..core.commands import SendPage
from ..core.escalation import (
    Attempt, Timer, current_attempts, new_escalations, next_attempt_at, still_waiting, timer_for,
)
from ..core.events import PageFailed, PagePurpose, PageSent
from ..plan.models import Plan
from ..store import OutboxItem, Store
from .crises import Crises

log = logging.getLogger(__name__)

MAX_TRIES = 5
SEND_TIMEOUT = 15.0
"""Seconds one send may take before it counts as a transient failure (a hung call must not hold a tick)."""
MAX_SLEEP = 30.0
CONCURRENCY = 20


def backoff(tries: int, retry_after: float | None) -> float:
    """Seconds before the next try: the provider's Retry-After, else exponential with full jitter."""
    if retry_after is not None:
        return retry_after
    return random.uniform(0, min(60.0, 2.0 ** tries))


def outbox_key(crisis_id: str, purpose: PagePurpose, person: str, at: datetime, channel: Channel) -> str:
    return f"{crisis_id}/{purpose.value}/{person}/{int(at.timestamp() * 1000)}/{channel.value}"


class Pager:
    """Pages people through the outbox until someone answers, surviving restarts."""

    def __init__(self, *, plan: Plan, store: Store, clock: Clock, crises: Crises, notifiers: list[Notifier]) -> None:
        self._plan = plan
        self._store = store
        self._clock = clock
        self._crises = crises
        self._notifiers = {notifier.channel: notifier for notifier in notifiers}
        self._poked = asyncio.Event()
        self._limit = asyncio.Semaphore(CONCURRENCY)
        self._ticking = asyncio.Lock()

    async def start(self, crisis_id: str, pages: list[SendPage]) -> None:
        """Start paging: timers for the escalation, and the first attempt in the outbox."""
        now = self._clock()
        timers = [timer for page in pages for timer in timer_for(page.purpose, page.person, page.roles, now)]
        await self._store.start_timers(crisis_id=crisis_id, timers=timers)
        await self._enqueue(crisis_id, [Attempt(p.person, p.roles, p.purpose, now, 0) for p in pages], now)
        self.poke()

    def poke(self) -> None:
        """Make ``run`` tick now (something changed)."""
        self._poked.set()

    async def run(self) -> None:
        """Tick, then sleep until the next due time or a poke; forever."""
        while True:
            self._poked.clear()
            try:
                wake = await self.tick()
            except Exception:  # the loop must survive anything one tick runs into
                log.exception("paging tick failed")
                wake = None
            delay = MAX_SLEEP if wake is None else max(0.0, min(MAX_SLEEP, (wake - self._clock()).total_seconds()))
            try:
                await asyncio.wait_for(self._poked.wait(), delay)
            except TimeoutError:
                pass

    async def tick(self) -> datetime | None:
        """Enqueue due attempts and escalations, send every due outbox item (one tick at a time);
        return when the next attempt or retry falls due.

        The next attempt is looked for after the time the tick began, so one that fell due
        while the tick was still sending is due at once, not left until the attempt after it.
        """
        async with self._ticking:
            began = self._clock()
            timers = await self._store.timers()
            await self._tick(began, timers)
            return await self._next_wake(began, timers)

    async def settle(self) -> None:
        """Tick until nothing is due now (tests, benchmarks)."""
        while True:
            await self.tick()
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
            await self._enqueue(crisis_id, current_attempts(self._plan, state, timers, now), now)
        due = await self._store.pending(due_by=now)
        await asyncio.gather(*(self._deliver(item) for item in due))

    async def _next_wake(self, after: datetime, timers_by_crisis: dict[str, list[Timer]]) -> datetime | None:
        times = [await self._store.next_try_at()]
        for crisis_id, timers in timers_by_crisis.items():
            state = self._crises.get(crisis_id)
            if state is not None:
                times.append(next_attempt_at(self._plan, state, timers, after))
        return min((t for t in times if t is not None), default=None)

    async def _enqueue(self, crisis_id: str, attempts: list[Attempt], now: datetime) -> None:
        items = [
            OutboxItem(
                key=outbox_key(crisis_id, attempt.purpose, attempt.person, attempt.at, channel),
                crisis_id=crisis_id, person=attempt.person, roles=attempt.roles, purpose=attempt.purpose.value,
                channel=channel.value, attempt_at=attempt.at, next_try_at=now, tries=0,
            )
            for attempt in attempts
            for channel in self._notifiers
        ]
        if items:
            await self._store.enqueue(items=items)

    async def _deliver(self, item: OutboxItem) -> None:
        async with self._limit:
            state = self._crises.get(item.crisis_id)
            notifier = self._notifiers.get(Channel(item.channel))
            person = self._plan.person_by_id.get(item.person)
            purpose = PagePurpose(item.purpose)
            needed = state is not None and still_waiting(state, purpose, roles=item.roles, person=item.person)
            if notifier is None or person is None or not needed:
                await self._store.finish(key=item.key, status="cancelled", at=self._clock())
                return
            facts = dict(person=item.person, roles=list(item.roles), purpose=purpose, channel=item.channel)
            await self._store.claim(key=item.key)
            request = PageRequest(state=state, person=person, roles=item.roles, purpose=purpose, attempt=item.tries, key=item.key)
            try:
                async with asyncio.timeout(SEND_TIMEOUT):
                    provider_id = await notifier.send(request)
            except TimeoutError:
                await self._failed(item, TransientError(f"intet svar inden {SEND_TIMEOUT:.0f} s"), facts)
                return
            except ChannelError as exc:
                await self._failed(item, exc, facts)
                return
            except Exception as exc:  # a notifier bug must not stop other people's pages
                log.exception("notifier %s failed", item.channel)
                await self._failed(item, TransientError(f"intern fejl ({type(exc).__name__})"), facts)
                return
            await self._finish(item, "sent", PageSent(**facts, provider_id=provider_id), provider_id=provider_id)

    async def _failed(self, item: OutboxItem, error: ChannelError, facts: dict) -> None:
        if isinstance(error, TransientError) and item.tries + 1 < MAX_TRIES:
            at = self._clock() + timedelta(seconds=backoff(item.tries + 1, error.retry_after))
            await self._store.retry_later(key=item.key, at=at, error=error.reason)
            retry = f"{error.reason}; prøver igen kl. {at.astimezone(LOCAL_TIME):%H:%M:%S}"
            await self._crises.record(item.crisis_id, [PageFailed(**facts, reason=retry)])
            self.poke()
            return
        reason = error.reason if isinstance(error, PermanentError) else f"{error.reason} (opgivet efter {MAX_TRIES} forsøg)"
        await self._finish(item, "failed", PageFailed(**facts, reason=reason), error=error.reason)

    async def _finish(self, item: OutboxItem, status: str, event, **details) -> None:
        events = await self._store.finish(
            key=item.key, status=status, at=self._clock(), event=event, crisis_id=item.crisis_id, **details
        )
        await self._crises.absorb(item.crisis_id, events)
