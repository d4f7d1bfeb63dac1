"""The pager: the one loop that owns paging timers and the outbox.

``start`` puts the first attempt of the lifecycle's SendPage commands in the outbox (one item
per channel); their paging timers were stored with the PagesRequested event that asked for
them. ``tick`` enqueues the attempts that fell due (repeats and escalation to deputies, from
``bot.core.escalation``), records Escalated events, and starts
sending every due outbox item from a task of its own (it does not wait for them): each is
claimed before it goes out, stays in flight until its outcome is written, and is marked done
exactly once together with its PageSent or PageFailed event. Which channels a page uses, first and
as the fallback, is the plan's contact order; how each channel is sent (how many at once, how fast,
in which order, whether a send reaches the person) is its notifier's ``ChannelPolicy``: the pager
names no channel. An external participant's summons is a page like any other (``Plan.recipient`` finds it), with
one attempt and no deputies. A call that ends unanswered moves on at once (``not_reached``), and so does an attempt that
reached the person on no channel (every item failed for good, was given up, or was a call that ended
without a key, with no card or SMS sent): it is recorded lost, which escalates its roles at once. A role
whose chain is exhausted is recorded uncovered and told of (``bot.core.coverage``). ``run`` ticks, then sleeps until the next
attempt or retry is due (or until poked), so nothing waits on a polling interval, and a
restart sends whatever is overdue at once.
"""

import asyncio
import contextlib
import logging
import random
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial
from typing import TypedDict

from ..channels.base import ChannelPolicy, Notifier, PageRequest, at_once
from ..clock import LOCAL_TIME, Clock
from ..core.commands import SendPage
from ..core.coverage import uncovered_pages
from ..core.contact_order import page_order
from ..core.guests import person_of
from ..core.escalation import (
    Attempt, Timer, current_attempts, new_escalations, new_uncovered, next_attempt_at, still_waiting,
)
from ..core.events import (
    DeliveryState, PageDeliveryReported, PageFailed, PagePurpose, PageSent, PagesRequested, RoleUncovered,
)
from ..core.state import CrisisState
from ..errors import ChannelError, PermanentError, TransientError
from ..plan.contact import Channel, ContactOrder
from ..plan.models import Plan
from ..store import AttemptItem, Fence, Finished, Outbox, OutboxItem
from .crises import Crises
from .pacing import Pacer
from .wakeup import tick_forever

log = logging.getLogger(__name__)

MAX_TRIES = 5
SEND_TIMEOUT = 15.0
"""Seconds one send may take before it counts as a transient failure (a hung call must not hold a tick)."""
MAX_SLEEP = 30.0
FOLLOW_UP_WAIT = 2.0
"""Seconds at most that a channel following the cards, and the tick after ``start``, wait for a burst of cards."""
OUTCOME_WAIT = timedelta(minutes=3)
"""How long the fallback waits for the outcome of a call at most (it goes at once when the call ends unanswered)."""
URGENCY = {
    PagePurpose.TRIAGE: 0, PagePurpose.DIRECTOR: 0, PagePurpose.SUMMONS: 1, PagePurpose.MEETING_MOVED: 1,
    PagePurpose.TOP_STAFF: 2, PagePurpose.INFORM: 2, PagePurpose.MONITORING: 3, PagePurpose.UNCOVERED: 1,
    PagePurpose.EXTERNAL: 1, PagePurpose.STAND_DOWN: 1, PagePurpose.NOT_CRITICAL: 3,
}
"""Which paced sends go first: the triage and the crisis leader's decision before a summons wave."""
UNSERVED = ChannelPolicy(concurrency=1, order=99)
"""The policy of a channel no notifier here serves (a plan naming it, an item left from another set-up)."""


def backoff(tries: int, retry_after: float | None) -> float:
    """Seconds before the next try: the provider's Retry-After, else exponential with full jitter."""
    if retry_after is not None:
        return retry_after
    return random.uniform(0, min(60.0, 2.0 ** tries))


def outbox_key(
    crisis_id: str, purpose: PagePurpose, person: str, at: datetime, channel: Channel, *, step: int = 0,
    fallback: bool = False,
) -> str:
    """The outbox key of one attempt's item on one channel: the same attempt gives the same key."""
    number = f"/{step}" if step else ""
    return f"{crisis_id}/{purpose.value}/{person}/{int(at.timestamp() * 1000)}/{channel.value}{number}" + (
        "+fallback" if fallback else ""
    )


async def _turn(pacer: Pacer, limit: asyncio.Timeout, priority: int) -> None:
    """A paced send's turn, given as the request leaves: waiting for it does not count against ``SEND_TIMEOUT``,
    which starts again at the turn."""
    limit.reschedule(None)
    await pacer.acquire(priority)
    limit.reschedule(asyncio.get_running_loop().time() + SEND_TIMEOUT)


def fallback_at_once(plan: Plan, state: CrisisState | None, attempt: Attempt, *, outage: bool) -> bool:
    """Does this attempt use its fallback channels at once, not only when the first ones do not reach?
    While a Microsoft dependency is down, for an escalation to deputies, for the notice of a role nobody
    answers for, and for an alarm that says Office 365 itself is affected."""
    if outage or attempt.stage >= 1 or attempt.purpose is PagePurpose.UNCOVERED:
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
        self, *, plan: Plan, store: Outbox, clock: Clock, crises: Crises, notifiers: list[Notifier],
        fence: Callable[[], Fence | None], outage: Callable[[], bool] = lambda: False,
        sms_grace: timedelta = timedelta(seconds=4), probe: Callable[[], datetime | None] = lambda: None,
    ) -> None:
        """``notifiers`` are the channels set up here; the plan's contact order says which a page uses first
        and which follow. ``outage`` says whether a Microsoft dependency is down; without it, a fallback
        waits ``sms_grace`` for the attempt to reach the person another way (or for a call's outcome).
        ``probe`` runs at every tick and says when it wants to run again (a dependency to try once more).
        ``fence`` gives the lease this instance leads under (``bot.leadership``): every claim is fenced with it,
        and none is made while it gives None (another instance leads and sends)."""
        self._plan = plan
        self._outage = outage
        self._probe = probe
        self._fence = fence
        self._sms_grace = sms_grace
        self._store = store
        self._clock = clock
        self._crises = crises
        self._notifiers = {notifier.channel: notifier for notifier in notifiers}
        self._poked = asyncio.Event()
        self._ticking = asyncio.Lock()
        self._limits = {n.channel: asyncio.Semaphore(n.policy.concurrency) for n in notifiers}
        self._pacers = {n.channel: Pacer(n.policy.rate) for n in notifiers if n.policy.rate}
        self._confirming = [n.channel.value for n in notifiers if n.policy.confirms]
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
            await self._crises.refresh()  # decide on what every instance recorded, as far as it is known
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
            if new_escalations(self._plan, state, timers, now):  # recorded as found on the crisis as it is by then
                await self._crises.record_found(crisis_id, partial(new_escalations, self._plan, timers=timers, now=now))
            if new_uncovered(self._plan, state, timers, now):
                await self._tell_uncovered(crisis_id, timers, now)
            attempts = current_attempts(self._plan, state, timers, now)
            if attempts:
                await self._enqueue(crisis_id, attempts, now)
            else:
                self._enqueued.pop(crisis_id, None)  # nobody in it is waiting to be paged
        await self._send([item for item in await self._store.pending(due_by=now) if item.key not in self._in_flight])

    async def _tell_uncovered(self, crisis_id: str, timers: list[Timer], now: datetime) -> None:
        """Record the roles nobody answers for (as found on the crisis as it is by then) with the pages that tell of
        them, and put those in the outbox."""

        def found(state: CrisisState) -> list[RoleUncovered | PagesRequested]:
            uncovered = new_uncovered(self._plan, state, timers, now)
            pages = uncovered_pages(self._plan, uncovered)
            return [*uncovered, *([PagesRequested(pages=pages)] if pages else [])]

        recorded = await self._crises.record_found(crisis_id, found)
        requested = recorded[-1].payload if recorded else None
        if isinstance(requested, PagesRequested):
            attempts = [Attempt(p.person, tuple(p.roles), p.purpose, recorded[-1].at, 0) for p in requested.pages]
            await self._enqueue(crisis_id, attempts, now)

    async def _next_wake(self, after: datetime, timers_by_crisis: dict[str, list[Timer]]) -> datetime | None:
        times = [await self._store.next_try_at(after=after)]  # those due by then are in flight
        for crisis_id, timers in timers_by_crisis.items():
            state = self._crises.get(crisis_id)
            if state is not None:
                times.append(next_attempt_at(self._plan, state, timers, after))
        return min((t for t in times if t is not None), default=None)

    async def fallbacks_now(self) -> None:
        """Send the current attempt of every page still waiting on its fallback channels at once (a
        dependency went down), unless it already went on them."""
        now = self._clock()
        for crisis_id, timers in (await self._store.timers()).items():
            state = self._crises.get(crisis_id)
            if state is None:
                continue
            items = [
                self._item(crisis_id, attempt, channel, now)
                for attempt in current_attempts(self._plan, state, timers, now)
                for channel in self._order(state, attempt.purpose, attempt.person).then
                if channel in self._notifiers
            ]
            if items:
                await self._store.enqueue(items=items)
        self.poke()

    async def _enqueue(self, crisis_id: str, attempts: list[Attempt], now: datetime) -> list[OutboxItem]:
        """Put the attempts' items in the outbox, on the channels of the plan's contact order set up here;
        return those offered. Items this process already put there are left out (the store would ignore
        them: a key is enqueued once), which spares every tick re-offering everyone's current attempt."""
        state, outage = self._crises.get(crisis_id), self._outage()
        items = []
        for attempt in attempts:
            order = self._order(state, attempt.purpose, attempt.person)
            items += [self._item(crisis_id, attempt, channel, now) for channel in order.first if channel in self._notifiers]
            at_once = fallback_at_once(self._plan, state, attempt, outage=outage)
            wait = OUTCOME_WAIT if self._awaits_outcome(state, attempt.purpose, attempt.person) else self._sms_grace
            for channel in (c for c in order.then if c in self._notifiers):
                items.append(
                    self._item(crisis_id, attempt, channel, now) if at_once
                    else self._item(crisis_id, attempt, channel, now + wait, fallback=True)
                )
        enqueued = self._enqueued[crisis_id]
        items = [item for item in items if item.key not in enqueued]
        if items:
            await self._store.enqueue(items=items)
            enqueued.update(item.key for item in items)
        return items

    def _order(self, state: CrisisState | None, purpose: PagePurpose | str, person_id: str) -> ContactOrder:
        """The channels a page uses first and as the fallback (``bot.core.contact_order``), which the channels'
        policies help decide."""
        purpose, person = PagePurpose(purpose), person_of(self._plan, state, person_id)
        if state is None or person is None:
            return self._plan.contact_procedure.channels.for_purpose(purpose)

        def confirms(channel: Channel) -> bool:
            return (notifier := self._notifiers.get(channel)) is None or notifier.policy.confirms

        def reaches(channel: Channel) -> bool:
            return (notifier := self._notifiers.get(channel)) is not None and notifier.policy.reaches(person)

        return page_order(self._plan, state, purpose, person_id, confirms=confirms, reaches=reaches)

    def _awaits_outcome(self, state: CrisisState | None, purpose: PagePurpose | str, person_id: str) -> bool:
        """Does a page's fallback wait for the outcome of a first contact that only an answer confirms (a call)?"""
        person = person_of(self._plan, state, person_id)
        first = self._order(state, purpose, person_id).first
        return person is not None and any(
            not n.policy.confirms and n.policy.reaches(person) for c in first if (n := self._notifiers.get(c))
        )

    @staticmethod
    def _item(
        crisis_id: str, attempt: Attempt, channel: Channel, due: datetime, *, step: int = 0, fallback: bool = False
    ) -> OutboxItem:
        return OutboxItem(
            key=outbox_key(crisis_id, attempt.purpose, attempt.person, attempt.at, channel, step=step, fallback=fallback),
            crisis_id=crisis_id, person=attempt.person, roles=attempt.roles, purpose=attempt.purpose.value,
            channel=channel.value, attempt_at=attempt.at, next_try_at=due, tries=0, step=step, fallback=fallback,
        )

    async def _reached_otherwise(self, item: OutboxItem) -> bool:
        """Is ``item`` a fallback whose attempt already reached the person another way? A fallback that
        waits for a call's outcome is stopped only by an answer (the person is then no longer waited for)."""
        if not item.fallback or self._awaits_outcome(self._crises.get(item.crisis_id), item.purpose, item.person):
            return False
        return await self._store.sent_otherwise(item=item)

    async def not_reached(self, key: str) -> None:
        """The outbox item ``key`` (a call) ended without reaching the person: move on at once."""
        item = await self._store.outbox_item(key=key)
        if item is not None:
            await self._move_on(item)

    async def _move_on(self, item: OutboxItem) -> None:
        """``item`` ended without reaching the person (a call without a key, a send failed for good): the
        channel's next number is tried. A call that did not reach on its last number makes its attempt's
        fallbacks go now and, unless a channel that confirms delivery (a card, an SMS) reached the person,
        counts the page as lost at once, which moves its roles' escalation on at once. After any other
        item, the attempt counts as lost once none of its items may still reach the person: a pending
        fallback is hastened instead (unless it waits for a call still ringing), and a call still
        ringing counts as not reached once the fallbacks that waited for its outcome went."""
        now = self._clock()
        policy = self._policy_of(item)
        if not policy.confirms:
            await self._store.hasten_fallbacks(item=item, at=now)
        person = person_of(self._plan, self._crises.get(item.crisis_id), item.person)
        if person is not None and item.step + 1 < len(policy.numbers_of(person)):
            attempt = Attempt(item.person, item.roles, PagePurpose(item.purpose), item.attempt_at, 0)
            await self._store.enqueue(items=[self._item(item.crisis_id, attempt, Channel(item.channel), now, step=item.step + 1)])
            self.poke()
            return
        items = await self._store.attempt_items(item=item)
        if any(i.status == "sent" and i.channel in self._confirming for i in items):
            pass  # it reached the person
        elif not policy.confirms:
            await self._lost(item, items)
        elif any(i.status == "pending" and not i.fallback for i in items):
            pass  # another first contact may still reach them
        elif any(i.status == "pending" and i.fallback for i in items):
            if not self._ringing(items):
                await self._store.hasten_fallbacks(item=item, at=now)
        elif not self._ringing(items) or any(i.fallback for i in items):
            await self._lost(item, items)
        self.poke()

    def _ringing(self, items: list[AttemptItem]) -> bool:
        """Is a call of the attempt placed and not ended yet?"""
        return any(i.status == "sent" and i.channel not in self._confirming and not i.unanswered for i in items)

    async def _lost(self, item: OutboxItem, items: list[AttemptItem]) -> None:
        """Record ``item``'s attempt lost (once), if its page still waits: ``unanswered`` if a call was placed."""
        state, purpose = self._crises.get(item.crisis_id), PagePurpose(item.purpose)
        if state is None or not still_waiting(state, purpose, roles=item.roles, person=item.person):
            return
        called = any(i.status == "sent" and i.channel not in self._confirming for i in items)
        lost = PageDeliveryReported(
            person=item.person, roles=list(item.roles), purpose=purpose, channel=item.channel, provider_id="",
            status=DeliveryState.UNANSWERED if called else DeliveryState.UNREACHABLE,
        )
        attempt = f"{item.crisis_id}/{item.purpose}/{item.person}/{int(item.attempt_at.timestamp() * 1000)}"
        await self._crises.record(item.crisis_id, [lost], request_key=f"lost:{attempt}")

    async def _send(self, due: list[OutboxItem]) -> asyncio.Future | None:
        """Claim the due items in one transaction, then send each one claimed from a task of its own (one
        done or given up meanwhile is not claimed, and does not go again): a slow send
        holds up neither the tick nor the other sends. A key stays in flight until its outcome is
        written, so a later tick does not send it again (a claimed item is still ``pending``). Returns a
        future done once the Teams cards among them are sent (None: no card)."""
        if not due:
            return None
        claimed = await self._claim([item.key for item in due])
        due = [item for item in due if item.key in claimed]
        if not due:
            return None
        self._idle.clear()
        ordered = sorted(due, key=self._send_order)
        self._in_flight.update(item.key for item in ordered)
        policies = {item.key: self._policy_of(item) for item in ordered}
        cards = [self._track(self._deliver(item)) for item in ordered if policies[item.key].cards]
        cards_done = asyncio.gather(*cards, return_exceptions=True) if cards else None
        for item in ordered:
            if not policies[item.key].cards:
                self._track(self._deliver(item, after=cards_done if policies[item.key].follows_cards else None))
        return cards_done

    async def _claim(self, keys: list[str]) -> set[str]:
        """Claim ``keys`` under this instance's lease; none while another instance leads."""
        fence = self._fence()
        return await self._store.claim(keys=keys, fence=fence) if fence is not None else set()

    def _send_order(self, item: OutboxItem) -> tuple[int, int]:
        return self._policy_of(item).order, URGENCY.get(PagePurpose(item.purpose), 9)

    def _notifier_of(self, item: OutboxItem) -> Notifier | None:
        return self._notifiers.get(Channel(item.channel))

    def _policy_of(self, item: OutboxItem) -> ChannelPolicy:
        """The policy of the item's channel; a channel not set up here has the default one (its item is cancelled)."""
        notifier = self._notifier_of(item)
        return notifier.policy if notifier is not None else UNSERVED

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
        channel = Channel(item.channel)
        async with self._limits.get(channel) or contextlib.nullcontext():
            state = self._crises.get(item.crisis_id) or await self._crises.find(item.crisis_id)
            notifier = self._notifier_of(item)
            person = person_of(self._plan, state, item.person)
            purpose = PagePurpose(item.purpose)
            needed = state is not None and still_waiting(state, purpose, roles=item.roles, person=item.person)
            if notifier is None or person is None or state is None or not needed or await self._reached_otherwise(item):
                return Finished(item.key, item.crisis_id, "cancelled", self._clock())
            facts = _PageFacts(person=item.person, roles=list(item.roles), purpose=purpose, channel=item.channel)
            pacer = self._pacers.get(channel)
            try:
                async with asyncio.timeout(SEND_TIMEOUT) as limit:
                    request = PageRequest(
                        state=state, person=person, roles=item.roles, purpose=purpose, attempt=item.tries,
                        step=item.step, after_call=item.fallback and self._awaits_outcome(state, purpose, item.person),
                        key=item.key, turn=partial(_turn, pacer, limit, URGENCY.get(purpose, 9)) if pacer else at_once,
                    )
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
        """Mark the queued items done with their events, and fold the events into the crises; then move on
        from the items that failed for good (once written, so that the last of an attempt sees the others)."""
        batch, self._outcomes = self._outcomes, []
        try:
            events = await self._store.finish(items=batch)
            for crisis_id in dict.fromkeys(event.crisis_id for event in events if event.crisis_id is not None):
                await self._crises.absorb(crisis_id, [event for event in events if event.crisis_id == crisis_id])
            for finished in batch:
                failed = await self._store.outbox_item(key=finished.key) if finished.status == "failed" else None
                if failed is not None:
                    await self._move_on(failed)
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
        """Cancel the sends in flight, then write the outcomes already known. The sends cancelled are no longer in
        flight: their items stay pending, for whoever runs the pager next (this instance too, if it leads again)."""
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._writer is not None:
            await self._writer
        self._in_flight.clear()
        self._idle.set()
