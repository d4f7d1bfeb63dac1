"""One leader among instances on one database: two ``Leadership`` components on one SQLite file, with a clock
and a timer the test moves by hand."""

import asyncio
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.errors import StoreError
from bot import leadership
from bot.leadership import Leadership
from bot.database_url import DatabaseLocation
from bot.store import Fence, Leases, OutboxItem, SqlStore
from tests.stores import two_stores

T0 = datetime(2026, 12, 4, 8, 0, tzinfo=UTC)
TTL = timedelta(seconds=5)
MARGIN = timedelta(seconds=1)


class Time:
    """The wall clock and the monotonic timer of every instance in the test, moved together by hand."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now

    def timer(self) -> float:
        return (self.now - T0).total_seconds()

    def pass_(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class Loop:
    """A loop that must run on one instance only: it says whether it runs, and counts its starts."""

    def __init__(self) -> None:
        self.starts = 0
        self.running = False
        self.started = asyncio.Event()
        self.stopped = asyncio.Event()

    async def __call__(self) -> None:
        self.starts += 1
        self.running = True
        self.started.set()
        try:
            await asyncio.Event().wait()
        finally:
            self.running = False
            self.stopped.set()


class Unreachable:
    """A lease store the database behind which stops answering: ``down`` raises, ``hang`` never answers."""

    def __init__(self, store: Leases) -> None:
        self._store = store
        self.down = False
        self.hang = False

    async def acquire_lease(self, *, name: str, holder: str, at: datetime, ttl: timedelta) -> int | None:
        if self.hang:
            await asyncio.Event().wait()
        if self.down:
            raise StoreError("databasen er låst af en anden proces")
        return await self._store.acquire_lease(name=name, holder=holder, at=at, ttl=ttl)

    async def release_lease(self, *, name: str, holder: str, token: int) -> None:
        await self._store.release_lease(name=name, holder=holder, token=token)


@pytest.fixture
def time() -> Time:
    return Time()


@pytest.fixture
async def stores(database: DatabaseLocation) -> AsyncIterator[tuple[SqlStore, SqlStore]]:
    """Two connections to one database, as two instances have."""
    async with two_stores(database) as pair:
        yield pair


def instance(store: Leases, time: Time, holder: str, loop: Loop) -> Leadership:
    leadership = Leadership(store=store, clock=time, holder=holder, ttl=TTL, margin=MARGIN, timer=time.timer)
    leadership.lead(loop)
    return leadership


async def started(loop: Loop) -> None:
    await asyncio.wait_for(loop.started.wait(), 10)  # a guard against hanging, not a timing assertion


async def stopped(loop: Loop) -> None:
    await asyncio.wait_for(loop.stopped.wait(), 10)  # a guard against hanging, not a timing assertion


async def leading(store: Leases, time: Time, holder: str = "a") -> tuple[Leadership, Loop]:
    """An instance that has taken the lease, and its loop, running."""
    loop = Loop()
    leadership = instance(store, time, holder, loop)
    await leadership.renew()
    await started(loop)
    return leadership, loop


def page() -> OutboxItem:
    return OutboxItem(
        key="k1", crisis_id="K-2026-001", person="cvo", roles=("it",), purpose="triage", channel="teams",
        attempt_at=T0, next_try_at=T0, tries=0,
    )


async def test_only_one_of_two_instances_runs_the_loops(stores, time: Time) -> None:
    loop_a, loop_b = Loop(), Loop()
    a, b = instance(stores[0], time, "a", loop_a), instance(stores[1], time, "b", loop_b)

    await a.renew()
    await b.renew()
    await started(loop_a)
    time.pass_(1.7)
    await a.renew()
    await b.renew()

    assert (a.leader, b.leader) == (True, False)
    assert (loop_a.running, loop_b.running) == (True, False)
    assert loop_a.starts == 1, "renewing does not start the loops again"
    assert (a.fence(), b.fence()) == (Fence("leader", "a", 1), None)
    await a.resign()


async def test_the_other_takes_over_within_the_lease_time_after_the_leader_stops_renewing(stores, time: Time) -> None:
    (a, loop_a), loop_b = await leading(stores[0], time), Loop()
    b = instance(stores[1], time, "b", loop_b)

    time.pass_((TTL - MARGIN).total_seconds())  # a no longer renews (its database link is gone, or it hangs)
    await a.expire()
    stopped_before_expiry = not loop_a.running
    await b.renew()
    not_yet = b.leader
    time.pass_(MARGIN.total_seconds())
    await b.renew()
    await started(loop_b)

    assert stopped_before_expiry, "a stops its loops a margin before its lease can expire"
    assert not not_yet, "b cannot take a lease that has not expired"
    assert (a.leader, b.leader) == (False, True)
    assert (loop_a.running, loop_b.running) == (False, True)
    assert b.fence() == Fence("leader", "b", 2), "the token grows when the lease changes hands"
    await b.resign()


async def test_the_old_leaders_fence_claims_nothing_after_a_takeover(stores, time: Time) -> None:
    a, b = instance(stores[0], time, "a", Loop()), instance(stores[1], time, "b", Loop())
    await a.renew()
    old = a.fence()
    assert old is not None
    time.pass_(TTL.total_seconds())
    await b.renew()
    new = b.fence()
    assert new is not None
    await stores[0].enqueue(items=[page()])

    assert await stores[0].claim(keys=["k1"], fence=old) == set()
    assert await stores[1].claim(keys=["k1"], fence=new) == {"k1"}
    await a.resign()
    await b.resign()


async def test_a_leader_that_learns_another_holds_the_lease_stops_its_loops(stores, time: Time) -> None:
    (a, loop_a), b = await leading(stores[0], time), instance(stores[1], time, "b", Loop())
    time.pass_(TTL.total_seconds())  # a's clock was stepped past its own lease (it missed its deadline)
    await b.renew()

    await a.renew()

    assert not a.leader and not loop_a.running
    await b.resign()


async def test_resigning_stops_the_loops_and_lets_the_other_take_over_at_once(stores, time: Time) -> None:
    (a, loop_a), b = await leading(stores[0], time), instance(stores[1], time, "b", Loop())

    await a.resign()
    await b.renew()

    assert not loop_a.running
    assert (a.leader, b.leader) == (False, True)
    await b.resign()


async def test_a_leader_keeps_leading_through_failed_renewals_until_its_deadline(stores, time: Time) -> None:
    store = Unreachable(stores[0])
    a, loop_a = await leading(store, time)
    store.down = True

    time.pass_(3.9)
    await a.renew()
    still = a.leader and loop_a.running
    time.pass_(0.1)
    await a.renew()

    assert still, "a failed renewal before the deadline changes nothing"
    assert not a.leader and not loop_a.running


async def test_a_leader_whose_renewal_hangs_stops_at_its_deadline(stores, time: Time) -> None:
    store = Unreachable(stores[0])
    a, loop_a = await leading(store, time)
    store.hang = True
    time.pass_((TTL - MARGIN).total_seconds())  # the deadline is now: the hanging round is given up at once

    renewing = asyncio.create_task(a.run())
    await stopped(loop_a)
    renewing.cancel()
    await asyncio.gather(renewing, return_exceptions=True)

    assert not a.leader


async def test_an_instance_leads_again_when_the_database_answers_again(stores, time: Time) -> None:
    store = Unreachable(stores[0])
    a, loop_a = await leading(store, time)
    store.down = True
    time.pass_(TTL.total_seconds())
    await a.renew()
    assert not loop_a.running
    store.down = False
    loop_a.started.clear()

    await a.renew()
    await started(loop_a)

    assert a.leader and loop_a.starts == 2
    assert a.fence() == Fence("leader", "a", 1), "nobody held it in between: the same token"
    await a.resign()


async def test_becoming_leader_and_stopping_are_logged_in_danish(stores, time: Time, caplog) -> None:
    caplog.set_level(logging.INFO, logger="bot.leadership")
    a, b = instance(stores[0], time, "a", Loop()), instance(stores[1], time, "b", Loop())
    await a.renew()
    await b.renew()
    before = list(caplog.records)

    a.announce()
    b.announce()
    time.pass_(TTL.total_seconds())
    await b.renew()  # a stopped renewing: b takes over
    await a.renew()

    messages = [record.getMessage() for record in caplog.records]
    assert before == [], "nothing is said before the instance serves (a failed start prints one line)"
    assert messages[:2] == [
        "Instansen a er nu leder (token 1) og står for alarmeringens udbakke og eskalering, livstegn og alarmpostkassen",
        "Instansen b er ikke leder: en anden instans har ledelsen",
    ]
    assert messages[2].startswith("Instansen b er nu leder (token 2)")
    assert messages[3] == "Instansen a er ikke længere leder: en anden instans har taget ledelsen"
    await b.resign()


async def test_a_follower_tries_every_tenth_of_the_lease_and_the_leader_renews_every_third(
    stores, time: Time, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, _ = await leading(stores[0], time)
    b = instance(stores[1], time, "b", Loop())
    await b.renew()
    pauses: list[float] = []

    async def first_pause(seconds: float) -> None:  # the round's wait, then the end of the loop
        pauses.append(seconds)
        raise asyncio.CancelledError

    monkeypatch.setattr(leadership.asyncio, "sleep", first_pause)
    for each in (a, b):
        with pytest.raises(asyncio.CancelledError):
            await each.run()

    assert pauses == [TTL.total_seconds() / 3, TTL.total_seconds() / 10]
