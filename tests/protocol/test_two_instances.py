"""Two instances on one database: any of them takes any request, and the leader pages as if all of it happened on it.

Both run the real app on one database (a SQLite file, a PostgreSQL database: ``database``), with one fake Bot
Connector and one clock moved by hand; the first started leads (its lease outlasts every test: a clock moved by
minutes must not hand the lead over midway).
"""

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import pytest

from bot.app import CRISES, LEADERSHIP
from bot.database_url import DatabaseLocation
from bot.plan import load_plan
from bot.render.log_thread import thread_posts
from bot.resources import default_plan_path
from bot.settings import Settings, load_settings
from tests.clock import Clock
from tests.fakes.connector import FakeConnector
from tests.protocol.crisis import Crisis, alarm, installed_for, verbs
from tests.protocol.teams import CLAUS, LOG_CHANNEL, PETER, in_channel

PLAN = load_plan(default_plan_path())
TIMEOUT = PLAN.ack_timeout(PLAN.role_by_id["it"])
REPEAT = PLAN.repeat(PLAN.role_by_id["it"])
FORM = {"source": "brugere", "deliveries": "lonudbetaling", "description": "Lønkørslen fejler"}


@dataclass
class Pair:
    leader: Crisis
    follower: Crisis

    async def settled(self) -> None:
        """The follower has carried out what it decided, the leader has folded it in and paged what is due."""
        await self.follower.bot.client.app[CRISES].drain()
        await self.leader.bot.client.app[CRISES].refresh()
        await self.leader.settled()


@pytest.fixture
def settings_for(database: DatabaseLocation) -> Callable[..., Settings]:
    """Settings on the test's database, on either engine; keyword arguments override."""

    def make(**overrides: Any) -> Settings:
        return load_settings(_env_file=None, **{"database": database, **overrides})

    return make


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def pair(settings_for, start_bot, connector: FakeConnector, clock: Clock) -> AsyncIterator[Pair]:
    first = await start_bot(settings_for(instance_id="leder", lease_seconds=300), clock=clock)
    # the follower's own loop stays out of the way: what it knows, it learns as it takes a request
    second = await start_bot(settings_for(instance_id="foelger", lease_seconds=300), clock=clock, follow_every=3600)
    assert first.client.app[LEADERSHIP].leader and not second.client.app[LEADERSHIP].leader
    leader = await installed_for(first, connector)
    yield Pair(leader, Crisis(second, connector))


def triage_pages(crisis: Crisis, user) -> list[dict]:
    return [card for card in crisis.cards_of(user) if "triage_inform_director" in verbs(card)]


async def test_an_alarm_raised_on_the_follower_is_paged_by_the_leader_at_once_and_to_the_deputy_on_time(
    pair: Pair, connector: FakeConnector, clock: Clock
) -> None:
    start = clock.now
    await pair.follower.taps(CLAUS, "raise_alarm", **FORM)
    await connector.wait_for(lambda _: len(triage_pages(pair.leader, CLAUS)) == 1)  # the leader's follow loop pokes it
    crisis_id = pair.follower.bot.client.app[CRISES].active()[-1].id
    assert pair.leader.bot.client.app[CRISES].get(crisis_id) is not None

    clock.now = start + TIMEOUT
    await pair.settled()
    repeated = len(triage_pages(pair.leader, CLAUS))
    clock.now = start + TIMEOUT * (REPEAT + 1)
    await pair.settled()

    assert repeated == 2
    [deputy_page] = triage_pages(pair.leader, PETER)
    assert crisis_id in str(deputy_page)
    sent = [e.payload for e in await pair.leader.bot.store.events(crisis_id=crisis_id) if e.payload.type == "page_sent"]
    cards = [(page.person, page.purpose.value) for page in sent if page.channel == "teams"]
    assert cards == [("cvo", "triage")] * 3 + [("peter", "triage")], "each card was sent (and recorded) once"


async def test_an_acknowledgement_taken_by_the_follower_stops_the_leaders_escalation(
    pair: Pair, clock: Clock
) -> None:
    start = clock.now
    crisis_id = await alarm(pair.leader)
    assert pair.follower.bot.client.app[CRISES].get(crisis_id) is None, "the follower has not looked since"

    await pair.follower.taps(CLAUS, "acknowledge", crisis=crisis_id)
    await pair.settled()
    clock.now = start + TIMEOUT * (REPEAT + 1)
    await pair.settled()

    assert triage_pages(pair.leader, PETER) == []
    assert len(triage_pages(pair.leader, CLAUS)) == 1
    kinds = [e.payload.type for e in await pair.leader.bot.store.events(crisis_id=crisis_id)]
    assert "escalated" not in kinds and kinds.count("acknowledged") == 1
    leader_state = pair.leader.bot.client.app[CRISES].get(crisis_id)
    assert leader_state == pair.follower.bot.client.app[CRISES].get(crisis_id)


async def test_a_crisis_raised_on_the_follower_is_mirrored_once_by_the_leader(
    pair: Pair, connector: FakeConnector, clock: Clock
) -> None:
    assert (await pair.follower.bot.post(in_channel(CLAUS, connector.url, "logkanal"))).status == 201
    await pair.follower.taps(CLAUS, "raise_alarm", **FORM)
    crisis_id = pair.follower.bot.client.app[CRISES].active()[-1].id
    await pair.settled()
    await pair.follower.taps(CLAUS, "acknowledge", crisis=crisis_id)
    await pair.settled()

    threads = [c for c in connector.created() if c.get("channelData", {}).get("channel", {}).get("id") == LOG_CHANNEL]
    assert len(threads) == 1
    thread = await pair.leader.bot.store.thread(crisis_id=crisis_id)
    assert thread is not None
    logbog = await pair.leader.bot.store.events(crisis_id=crisis_id)
    assert "acknowledged" in [event.payload.type for event in logbog]
    assert len(connector.texts(thread.conversation_id)) == len(thread_posts(PLAN, logbog)), "each post written once"
    assert await pair.leader.bot.store.mirror_cursor(crisis_id=crisis_id) == (logbog[-1].seq, None)
