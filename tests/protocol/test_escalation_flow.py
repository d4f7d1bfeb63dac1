"""Nobody answers: the page repeats, goes to the deputy on time, and stops at the first answer.

Driven by an injected clock: the test moves time, the pager does what is due by then.
"""

from datetime import timedelta

import pytest

from bot.app import CRISES, SETTINGS
from bot.plan import load_plan
from bot.resources import default_plan_path
from tests.clock import Clock
from tests.fakes.connector import FakeConnector
from tests.protocol.crisis import Crisis, alarm, at, installed_for, text_of, verbs
from tests.protocol.teams import CLAUS, JESPER, PETER

PLAN = load_plan(default_plan_path())
TIMEOUT = PLAN.ack_timeout(PLAN.role_by_id["it"])
REPEAT = PLAN.repeat(PLAN.role_by_id["it"])


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def crisis(settings_for, start_bot, connector: FakeConnector, clock: Clock) -> Crisis:
    return await installed_for(await start_bot(settings_for(), clock=clock), connector)


def triage_pages(crisis: Crisis, user) -> list[dict]:
    return [card for card in crisis.cards_of(user) if "triage_inform_director" in verbs(card)]


def console_calls(crisis: Crisis) -> set[str]:
    """The ids of the calls the console voice provider placed (its call file)."""
    path = crisis.bot.client.app[SETTINGS].voice_console_path
    return {line.split("\t")[2] for line in path.read_text(encoding="utf-8").splitlines() if "\tringer op " in line}


async def test_the_deputy_is_paged_at_exactly_ack_timeout_times_repeat_plus_one(crisis: Crisis, clock: Clock) -> None:
    start = clock.now
    crisis_id = await alarm(crisis)
    assert len(triage_pages(crisis, CLAUS)) == 1

    await at(crisis, clock, start + TIMEOUT)
    assert len(triage_pages(crisis, CLAUS)) == 1 + 1
    await at(crisis, clock, start + TIMEOUT * (REPEAT + 1) - timedelta(seconds=1))
    assert triage_pages(crisis, PETER) == []

    await at(crisis, clock, start + TIMEOUT * (REPEAT + 1))
    [deputy_page] = triage_pages(crisis, PETER)
    assert crisis_id in text_of(deputy_page)
    assert len(triage_pages(crisis, CLAUS)) == REPEAT + 2
    escalated = [e.payload for e in await crisis.bot.store.events(crisis_id=crisis_id) if e.payload.type == "escalated"]
    assert [(e.role, e.stage, e.people) for e in escalated] == [("it", 1, ["cvo", "peter"])]


async def test_the_deputys_acknowledgement_stops_the_role(crisis: Crisis, clock: Clock) -> None:
    start = clock.now
    crisis_id = await alarm(crisis)
    await at(crisis, clock, start + TIMEOUT * (REPEAT + 1))

    await crisis.taps(PETER, "acknowledge", crisis=crisis_id)
    before = (len(triage_pages(crisis, CLAUS)), len(triage_pages(crisis, PETER)))
    await at(crisis, clock, start + TIMEOUT * 20)

    assert (len(triage_pages(crisis, CLAUS)), len(triage_pages(crisis, PETER))) == before
    state = crisis.bot.client.app[CRISES].get(crisis_id)
    assert state.role_acknowledged("it", "triage")


async def test_every_attempt_is_in_the_logbog_with_channel_provider_id_and_time(crisis: Crisis, clock: Clock) -> None:
    start = clock.now
    crisis_id = await alarm(crisis)
    for n in range(1, REPEAT + 2):
        await at(crisis, clock, start + TIMEOUT * n)

    sent = [e for e in await crisis.bot.store.events(crisis_id=crisis_id) if e.payload.type == "page_sent"]
    cards = [e for e in sent if e.payload.channel == "teams"]
    delivered = [a for a in crisis.connector.sent() if (a.get("channelData") or {}).get("krisebot")]
    assert len(cards) == len(delivered) == REPEAT + 2 + 1
    assert {e.payload.provider_id for e in cards} == {a["id"] for a in delivered}
    calls = [e for e in sent if e.payload.channel == "voice"]
    assert len(calls) == len(cards), "every attempt also goes as a call"
    assert {e.payload.provider_id for e in calls} == console_calls(crisis)
    assert len(sent) == len(cards) + len(calls) and all(e.at >= start for e in sent)


async def test_the_kriseleder_escalates_by_hand_to_everyone_in_the_chain(crisis: Crisis, clock: Clock) -> None:
    crisis_id = await alarm(crisis)

    await crisis.says(JESPER, "eskalér")
    await crisis.settled()

    assert crisis.connector.texts(JESPER.chat_id)[-1].startswith("Eskaleret")
    assert len(triage_pages(crisis, PETER)) == 1
    escalated = [e.payload for e in await crisis.bot.store.events(crisis_id=crisis_id) if e.payload.type == "escalated"]
    assert [(e.role, e.people) for e in escalated] == [("it", ["cvo", "peter"])]


async def test_eskaler_pages_the_chain_again_after_the_schedule_ran_out(crisis: Crisis, clock: Clock) -> None:
    start = clock.now
    await alarm(crisis)
    await at(crisis, clock, start + TIMEOUT * 20)  # long after the last attempt of the schedule
    before = (len(triage_pages(crisis, CLAUS)), len(triage_pages(crisis, PETER)))

    await crisis.says(JESPER, "eskalér")
    await crisis.settled()

    after = (len(triage_pages(crisis, CLAUS)), len(triage_pages(crisis, PETER)))
    assert after == (before[0] + 1, before[1] + 1), "everyone in the unanswered role's chain is paged now"


async def test_only_the_kriseleder_escalates_by_hand(crisis: Crisis) -> None:
    crisis_id = await alarm(crisis)

    await crisis.says(PETER, f"eskalér {crisis_id}")
    await crisis.settled()

    assert "Det må kun Kriseleder" in crisis.connector.texts(PETER.chat_id)[-1]
    assert triage_pages(crisis, PETER) == []


async def test_a_throttled_page_is_retried_when_teams_says_and_sent_once(crisis: Crisis, clock: Clock) -> None:
    start = clock.now
    crisis.connector.fail_next(429, retry_after=7)
    crisis_id = await alarm(crisis)
    assert triage_pages(crisis, CLAUS) == []

    await at(crisis, clock, start + timedelta(seconds=6))
    assert triage_pages(crisis, CLAUS) == []
    await at(crisis, clock, start + timedelta(seconds=7))

    assert len(triage_pages(crisis, CLAUS)) == 1
    events = [e.payload for e in await crisis.bot.store.events(crisis_id=crisis_id)]
    assert [(p.person, p.channel) for p in events if p.type == "page_sent"] == [("cvo", "voice"), ("cvo", "teams")], (
        "the call goes at once, the card once Teams takes it, and once"
    )
    [retried] = [p for p in events if p.type == "page_failed" and p.channel == "teams"]
    assert "429" in retried.reason and "prøver igen kl. 08:00:07" in retried.reason


async def test_a_page_teams_refuses_for_good_is_recorded_and_the_deputy_still_gets_it(crisis: Crisis, clock: Clock) -> None:
    start = clock.now
    crisis.connector.fail_next(403, count=2)
    crisis_id = await alarm(crisis)

    failed = [e.payload for e in await crisis.bot.store.events(crisis_id=crisis_id) if e.payload.type == "page_failed"]
    assert [(p.person, p.channel) for p in failed] == [("cvo", "teams")]
    assert "403" in failed[0].reason
    await at(crisis, clock, start + TIMEOUT * (REPEAT + 1))
    assert len(triage_pages(crisis, PETER)) == 1
