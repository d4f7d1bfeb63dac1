"""Pages go out from tasks of their own: a page Teams is slow to answer holds up nobody else's,
and is not sent again while it is in flight. Driven by a clock the test moves by hand."""

from collections import Counter
from datetime import datetime, timedelta, timezone

from bot.app import PAGER
from bot.plan import load_plan
from bot.resources import default_plan_path
from tests.fakes.connector import FakeConnector
from tests.protocol.crisis import Crisis, alarm
from tests.protocol.teams import EVERYONE, installed, page_key, register

PLAN = load_plan(default_plan_path())
TIMEOUT = PLAN.ack_timeout(PLAN.role_by_id["it"])


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 28, 7, 0, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now


def pages(connector: FakeConnector) -> list[str]:
    return [key for r in connector.requests if (key := page_key(r.activity))]


async def test_a_page_teams_is_slow_to_answer_holds_up_no_other_crisis_and_goes_once(settings_for, start_bot) -> None:
    clock = Clock()
    async with FakeConnector() as connector:
        register(connector, *EVERYONE)
        bot = await start_bot(settings_for(), clock=clock)
        for user in EVERYONE:
            assert (await bot.post(installed(user, connector.url))).status == 201
        crisis = Crisis(bot, connector)
        start = clock.now
        slow = await alarm(crisis)
        clock.now = start + timedelta(minutes=1)
        other = await alarm(crisis, description="Hjemmesiden er nede")
        pager = bot.client.app[PAGER]

        def key(crisis_id: str, at: datetime) -> str:
            return f"{crisis_id}/triage/cvo/{int(at.timestamp() * 1000)}/teams"

        released = connector.hold(lambda activity: (page_key(activity) or "").startswith(f"{slow}/"))
        clock.now = start + TIMEOUT  # the slow crisis's repeat goes out, and Teams does not answer it
        pager.poke()
        await connector.wait_for(lambda _: key(slow, start + TIMEOUT) in pages(connector))
        clock.now = start + timedelta(minutes=1) + TIMEOUT  # the other crisis's repeat falls due
        pager.poke()
        await connector.wait_for(lambda _: key(other, start + timedelta(minutes=1) + TIMEOUT) in pages(connector))
        for _ in range(3):  # more ticks while the slow page is still in flight
            await pager.tick()

        assert Counter(pages(connector))[key(slow, start + TIMEOUT)] == 1, "a page in flight went out again"
        released.set()
        await crisis.settled()

    sent = [e.payload for e in await bot.store.events(crisis_id=slow) if e.payload.type == "page_sent"]
    assert Counter(p.channel for p in sent) == {"teams": 2, "voice": 2}, (
        "the first page and the slow repeat, each recorded once as a card and once as a call"
    )
