"""Two instances' crises on one database (a SQLite file, a PostgreSQL database: ``database``): each decides on the
crisis as the logbog holds it, and a decision made on what another instance has since changed is made again, never
recorded beside the other's."""

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest

from bot.core.actions import Acknowledge
from bot.core.commands import ReporterNews, SendPage
from bot.core.events import AlarmStatus, BreakerChanged, Event, PagePurpose
from bot.core.lifecycle import Accepted
from bot.core.state import CrisisState
from bot.database_url import DatabaseLocation
from bot.engine.crises import FOLLOW_INTERVAL, Crises
from bot.engine.outlet import LogPost
from bot.intake.formats import Alert
from bot.intake.receiver import AlarmReceiver, Receipt, ReceiptStatus
from bot.errors import Stale, StoreError
from bot.plan import load_plan
from bot.render.log_thread import thread_posts
from bot.resources import default_plan_path
from bot.store import open_store
from tests.clock import Clock

PLAN = load_plan(default_plan_path())
NOTE = BreakerChanged(dependency="connector", open=True, reason="Teams svarer ikke")


class Paging:
    """The pager as the crises see it: counts its pokes and the pages it is asked to start."""

    def __init__(self) -> None:
        self.pokes = 0
        self.started: list[str] = []

    async def start(self, crisis_id: str, pages: list[SendPage], at: Any) -> None:
        self.started.append(crisis_id)

    def poke(self) -> None:
        self.pokes += 1


@dataclass
class Outlet:
    """A log channel that keeps what is posted to it."""

    posts: list[tuple[str, int]] = field(default_factory=list)

    async def ready(self) -> bool:
        return True

    def log_posts(self, logbog: Sequence[Event]) -> Sequence[LogPost]:
        return thread_posts(PLAN, logbog)

    async def post_to_log(self, state: CrisisState, post: LogPost, *, late: bool) -> str | None:
        self.posts.append((state.id, post.seq))
        return f"a{len(self.posts)}"

    async def edit_in_log(self, state: CrisisState, activity_id: str, post: LogPost, *, late: bool) -> None:
        pass

    async def refresh_situation(self, state: CrisisState) -> None:
        pass

    async def refresh_pages(self, state: CrisisState, purposes: Collection[PagePurpose] = ()) -> None:
        pass

    async def tell_reporter(self, state: CrisisState, news: ReporterNews) -> None:
        pass


class Interleaved:
    """A store that lets another instance act just before this one's next append (as if both decided at once), and
    whose next ``failures`` reads of the logbog fail."""

    def __init__(self, store: Any) -> None:
        self._store = store
        self.meanwhile: Callable[[], Awaitable[object]] | None = None
        self.failures = 0

    async def events(self, **kwargs: Any) -> list[Event]:
        if self.failures:
            self.failures -= 1
            raise StoreError("databasen svarer ikke")
        return await self._store.events(**kwargs)

    async def append_all(self, **kwargs: Any) -> list[Event]:
        meanwhile, self.meanwhile = self.meanwhile, None
        if meanwhile is not None:
            await meanwhile()
        return await self._store.append_all(**kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


@dataclass
class Instance:
    crises: Crises
    store: Interleaved
    paging: Paging
    outlet: Outlet


@pytest.fixture
async def instances(database: DatabaseLocation) -> AsyncIterator[Callable[..., Awaitable[Instance]]]:
    """Instances on one database, each with its own connection; ``leading`` as given."""
    clock, stores, running = Clock(), [], []

    async def start(*, leading: bool = True, follow_every: float = FOLLOW_INTERVAL) -> Instance:
        store = await open_store(database)
        stores.append(store)
        paging, outlet, shared = Paging(), Outlet(), Interleaved(store)
        crises = Crises(
            plan=PLAN, store=shared, clock=clock, outlet=outlet, paging=lambda: paging, leading=lambda: leading,
            follow_every=follow_every,
        )
        await crises.load()
        running.append(crises)
        return Instance(crises, shared, paging, outlet)

    yield start
    for each in running:
        await each.drain()
    for store in stores:
        await store.close()


async def raise_alarm(instance: Instance, key: str | None = None) -> str:
    outcome = await instance.crises.raise_alarm(
        source="brugere", deliveries=["lonudbetaling"], description="Lønkørslen fejler", reporter_phone=None,
        actor="cvo", request_key=key,
    )
    assert isinstance(outcome, Accepted) and outcome.state is not None
    await instance.crises.drain()
    return outcome.state.id


async def test_the_same_action_raced_on_two_instances_is_recorded_once_and_both_agree(instances) -> None:
    first, second = await instances(), await instances()
    crisis_id = await raise_alarm(first)
    await second.crises.refresh()
    second.store.meanwhile = lambda: first.crises.act(crisis_id, Acknowledge(via="teams"), actor="cvo")

    outcome = await second.crises.act(crisis_id, Acknowledge(via="teams"), actor="cvo")
    await first.crises.refresh()

    logbog = await first.store.events(crisis_id=crisis_id)
    assert [event.payload.type for event in logbog].count("acknowledged") == 1
    assert not (isinstance(outcome, Accepted) and outcome.events), "decided again on the acknowledged crisis"
    assert first.crises.get(crisis_id) == second.crises.get(crisis_id)


async def test_the_same_request_raced_on_two_instances_answers_with_the_crisis_as_recorded(instances) -> None:
    """One tap delivered to both instances at once: the one that finds its key taken answers (the person's card) with
    the crisis as the other recorded it, not as it was before."""
    first, second = await instances(), await instances()
    crisis_id = await raise_alarm(first)
    await second.crises.refresh()
    second.store.meanwhile = lambda: first.crises.act(
        crisis_id, Acknowledge(via="teams"), actor="cvo", request_key="activity-7"
    )

    outcome = await second.crises.act(crisis_id, Acknowledge(via="teams"), actor="cvo", request_key="activity-7")

    assert isinstance(outcome, Accepted) and not outcome.events
    assert outcome.state is not None and outcome.state.role_acknowledged("it", PagePurpose.TRIAGE)
    assert outcome.state == second.crises.get(crisis_id) == first.crises.get(crisis_id)


async def test_two_alarms_raised_at_once_on_two_instances_get_two_ids(instances) -> None:
    first, second = await instances(), await instances()
    ids: list[str] = []

    async def meanwhile() -> None:
        ids.append(await raise_alarm(first))

    second.store.meanwhile = meanwhile
    ids.append(await raise_alarm(second))
    await first.crises.refresh()

    assert len(set(ids)) == 2
    assert {state.id for state in first.crises.all()} == {state.id for state in second.crises.all()} == set(ids)


async def test_the_same_alert_at_both_instances_at_once_opens_one_crisis_and_joins_it(instances) -> None:
    first, second = await instances(), await instances()
    alert = Alert(system="Zabbix", fingerprint="sd-01", status=AlarmStatus.FIRING, title="SD-løn svarer ikke")
    receipts: list[Receipt] = []

    async def meanwhile() -> None:  # the first instance takes the same alert after the second found no crisis for it
        receipts.append(await AlarmReceiver(crises=first.crises).receive(alert, source="overvaagning", actor="Zabbix"))

    second.store.meanwhile = meanwhile
    receipts.append(await AlarmReceiver(crises=second.crises).receive(alert, source="overvaagning", actor="Zabbix"))
    await first.crises.refresh()

    [crisis_id] = await first.store.crisis_ids()
    assert [(receipt.status, receipt.crisis) for receipt in receipts] == [
        (ReceiptStatus.NEW, crisis_id), (ReceiptStatus.JOINED, crisis_id),
    ]
    logbog = [event.payload.type for event in await first.store.events(crisis_id=crisis_id)]
    assert logbog.count("alarm_raised") == 1 and logbog.count("alarm_reported") == 1


async def test_an_alert_waits_for_no_crisis_raised_elsewhere_but_its_own(instances) -> None:
    first, second = await instances(), await instances()
    alert = Alert(system="Zabbix", fingerprint="sd-01", status=AlarmStatus.FIRING, title="SD-løn svarer ikke")
    other: list[str] = []

    async def meanwhile() -> None:  # another alarm opens a crisis of its own just then
        other.append(await raise_alarm(first))

    second.store.meanwhile = meanwhile
    receipt = await AlarmReceiver(crises=second.crises).receive(alert, source="overvaagning", actor="Zabbix")

    assert receipt.status is ReceiptStatus.NEW and receipt.crisis not in other
    assert len(await first.store.crisis_ids()) == 2


async def test_a_redelivered_request_taken_by_the_other_instance_acts_once(instances) -> None:
    first, second = await instances(), await instances()
    await raise_alarm(first, key="activity-1")

    await second.crises.raise_alarm(
        source="brugere", deliveries=["lonudbetaling"], description="Lønkørslen fejler", reporter_phone=None,
        actor="cvo", request_key="activity-1",
    )

    assert len(second.crises.all()) == 1 and await second.store.crisis_ids() == [second.crises.all()[0].id]


async def test_an_action_on_a_crisis_raised_elsewhere_loads_it_first(instances) -> None:
    first, second = await instances(), await instances()
    crisis_id = await raise_alarm(first)
    assert second.crises.get(crisis_id) is None

    outcome = await second.crises.act(crisis_id, Acknowledge(via="teams"), actor="cvo")

    assert isinstance(outcome, Accepted) and outcome.events
    assert outcome.state is not None and outcome.state.id == crisis_id


async def test_what_another_instance_records_is_folded_in_and_pokes_the_pager_once(instances) -> None:
    first, second = await instances(), await instances()
    await second.crises.refresh()
    crisis_id = await raise_alarm(first)

    await second.crises.refresh()
    learnt = second.paging.pokes
    await second.crises.refresh()
    again = second.paging.pokes
    await second.crises.act(crisis_id, Acknowledge(via="teams"), actor="cvo")
    await second.crises.drain()
    pokes_after_own = second.paging.pokes
    await second.crises.refresh()
    await first.crises.refresh()

    assert second.crises.get(crisis_id) == first.crises.get(crisis_id)
    assert learnt == 1 and again == 1, "nothing new: no poke"
    assert second.paging.pokes == pokes_after_own, "its own events are not news to it"


async def test_the_engine_facts_recorded_on_a_crisis_changed_elsewhere_go_after_those_changes(instances) -> None:
    first, second = await instances(), await instances()
    crisis_id = await raise_alarm(first)
    await second.crises.refresh()
    await first.crises.act(crisis_id, Acknowledge(via="teams"), actor="cvo")

    [recorded] = await second.crises.record(crisis_id, [NOTE])

    logbog = await second.store.events(crisis_id=crisis_id)
    assert logbog[-1] == recorded
    state = second.crises.get(crisis_id)
    assert state is not None and state == (await first.crises.find(crisis_id))


async def test_only_the_leader_mirrors_what_either_instance_records(instances) -> None:
    leader, follower = await instances(leading=True), await instances(leading=False)
    crisis_id = await raise_alarm(follower)
    await follower.crises.act(crisis_id, Acknowledge(via="teams"), actor="cvo")
    await follower.crises.drain()

    await leader.crises.refresh()
    await leader.crises.drain()

    assert follower.outlet.posts == []
    logbog = await leader.store.events(crisis_id=crisis_id)
    assert leader.outlet.posts == [(crisis_id, post.seq) for post in thread_posts(PLAN, logbog)]


async def test_an_append_decided_on_an_old_crisis_writes_nothing(database: DatabaseLocation) -> None:
    store = await open_store(database)
    try:
        [raised] = await store.append_all(
            at=Clock()(), actor="cvo", payloads=[NOTE], crisis_id="K-1", after=0
        )
        with pytest.raises(Stale):
            await store.append_all(at=Clock()(), actor="cvo", payloads=[NOTE], crisis_id="K-1", after=0)
        with pytest.raises(Stale):
            await store.append_all(
                at=Clock()(), actor="cvo", payloads=[NOTE], crisis_id="K-1", after=raised.seq - 1,
                request_key="r1",
            )
        later = await store.append_all(
            at=Clock()(), actor="cvo", payloads=[NOTE], crisis_id="K-1", after=raised.seq,
            request_key="r1",
        )
        redelivered = await store.append_all(
            at=Clock()(), actor="cvo", payloads=[NOTE], crisis_id="K-1", after=0, request_key="r1"
        )
        assert [event.seq for event in await store.events()] == [raised.seq, later[0].seq]
        assert redelivered == [], "a request seen before is answered as before, whatever the crisis holds"
    finally:
        await store.close()


async def test_the_follow_loop_says_once_that_the_logbog_cannot_be_read_and_follows_it_again(instances, caplog) -> None:
    first, second = await instances(), await instances(follow_every=0)
    crisis_id = await raise_alarm(first)
    second.store.failures = 3
    caplog.set_level(logging.INFO, logger="bot.engine.crises")

    following = asyncio.create_task(second.crises.follow())
    try:
        async with asyncio.timeout(5):
            while second.crises.get(crisis_id) is None:
                await asyncio.sleep(0)
    finally:
        following.cancel()

    said = [record.getMessage() for record in caplog.records if "logbogen" in record.getMessage()]
    assert said == ["kriserne kan ikke holdes ajour med logbogen: databasen svarer ikke", "kriserne følger logbogen igen"]
    assert second.paging.pokes == 1


async def test_a_request_is_refused_at_once_while_the_last_look_at_the_logbog_failed_and_looks_again_after_one_worked(
    instances, caplog
) -> None:
    first, second = await instances(), await instances()
    crisis_id = await raise_alarm(first)
    second.store.failures = 2

    with pytest.raises(StoreError):
        await second.crises.refresh()  # the follow loop's look
    with pytest.raises(StoreError) as refused:
        await second.crises.refresh_or_fail()  # a request's look, while the last one failed
    left_after_the_request = second.store.failures
    with pytest.raises(StoreError):
        await second.crises.refresh()
    await second.crises.refresh()
    await second.crises.refresh_or_fail()

    assert refused.value.reason == "databasen svarer ikke"
    assert left_after_the_request == 1, "the request did not wait for the database"
    assert second.crises.reachable and second.crises.get(crisis_id) is not None
    errors = [record.getMessage() for record in caplog.records if record.levelno >= logging.ERROR]
    assert errors == ["kriserne kan ikke holdes ajour med logbogen: databasen svarer ikke"], "logged once"


async def test_what_the_engine_finds_is_found_again_on_a_crisis_another_instance_changed_meanwhile(instances) -> None:
    first, second = await instances(), await instances()
    crisis_id = await raise_alarm(first)
    await second.crises.refresh()
    second.store.meanwhile = lambda: first.crises.act(crisis_id, Acknowledge(via="teams"), actor="cvo")
    looked_at: list[bool] = []

    def unanswered(state: CrisisState) -> list[BreakerChanged]:
        answered = any(page.acknowledged_at is not None for page in state.pages)
        looked_at.append(answered)
        return [] if answered else [NOTE]

    recorded = await second.crises.record_found(crisis_id, unanswered)

    assert looked_at == [False, True] and recorded == []
    assert "breaker_changed" not in [event.payload.type for event in await second.store.events(crisis_id=crisis_id)]


async def test_a_fact_of_a_crisis_raised_elsewhere_is_recorded_in_it(instances) -> None:
    first, second = await instances(), await instances()
    crisis_id = await raise_alarm(first)

    [recorded] = await second.crises.record(crisis_id, [NOTE])

    assert recorded.crisis_id == crisis_id and second.crises.get(crisis_id) is not None
