"""Which instance leads, as ``/readyz`` and ``/metrics`` tell a load balancer and Prometheus; a follower sends no page."""

from collections import Counter
from datetime import timedelta

from bot.app import LEADERSHIP, PAGER
from bot.plan import load_plan
from bot.resources import default_plan_path
from bot.store import OutboxItem, open_store
from tests.fakes.connector import FakeConnector
from tests.protocol.crisis import Crisis, alarm
from tests.protocol.teams import page_key
from tests.protocol.test_metrics import sample, scrape, start

OTHER = "anden-instans"


async def ready(bot) -> dict:
    response = await bot.client.get("/readyz")
    assert response.status == 200, "a follower serves requests too: it is ready"
    return await response.json()


async def test_an_instance_alone_on_its_database_leads_and_says_so(bot) -> None:
    assert (await ready(bot))["leader"] is True
    assert sample(await scrape(bot), "krisebot_leader") == 1


async def test_an_instance_whose_lease_another_holds_follows_sends_nothing_and_leads_once_it_expires(
    settings_for, start_bot, clock
) -> None:
    settings = settings_for()
    other = await open_store(settings.database)
    await other.acquire_lease(name="leader", holder=OTHER, at=clock(), ttl=timedelta(seconds=settings.lease_seconds))
    await other.close()
    bot = await start_bot(settings, clock=clock)
    page = OutboxItem(
        key="k1", crisis_id="K-2026-001", person="cvo", roles=("it",), purpose="triage", channel="teams",
        attempt_at=clock(), next_try_at=clock(), tries=0,
    )
    await bot.store.enqueue(items=[page])

    following = await ready(bot)
    following_metric = sample(await scrape(bot), "krisebot_leader")
    await bot.client.app[PAGER].tick()
    untouched = await bot.store.outbox_item(key="k1")
    clock.now += timedelta(seconds=settings.lease_seconds)  # the other instance stopped renewing
    await bot.client.app[LEADERSHIP].renew()

    assert following["leader"] is False and following_metric == 0
    assert untouched == page, "the follower's pager claimed nothing"
    assert (await ready(bot))["leader"] is True
    assert sample(await scrape(bot), "krisebot_leader") == 1


async def test_a_page_in_flight_when_the_instance_stops_leading_goes_again_when_it_leads_again(
    settings_for, start_bot, clock
) -> None:
    plan = load_plan(default_plan_path())
    timeout = plan.ack_timeout(plan.role_by_id["it"])
    async with FakeConnector() as connector:
        bot = await start(settings_for(), start_bot, connector, clock)
        crisis = Crisis(bot, connector)
        began = clock.now
        crisis_id = await alarm(crisis)
        repeat = f"{crisis_id}/triage/cvo/{int((began + timeout).timestamp() * 1000)}/teams"

        def sent() -> int:
            return Counter(key for r in connector.requests if (key := page_key(r.activity)))[repeat]

        released = connector.hold(lambda activity: page_key(activity) == repeat)
        clock.now = began + timeout
        bot.client.app[PAGER].poke()
        await connector.wait_for(lambda _: sent() == 1)
        leadership = bot.client.app[LEADERSHIP]
        await leadership.resign()  # its send is cancelled in flight: the page stays pending
        await leadership.renew()
        await connector.wait_for(lambda _: sent() == 2)
        released.set()
        await crisis.settled()

    assert leadership.leader
