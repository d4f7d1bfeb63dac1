"""Calls first, as the plan says: the bundled plan, unchanged, with Office 365 down.

The real app with a fake Bot Connector and a fake Graph that both answer 503, and a fake
Twilio that takes the calls (and the SMS) and drives them as Twilio would: picked up by a
person or a machine, keys pressed, status callbacks, every webhook signed. The IT head has
only his direct line in the plan; the director has a mobile.
"""

import time
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from bot.app import CRISES
from bot.plan import load_plan
from bot.render.export import logbog_markdown
from bot.resources import default_plan_path
from tests.clock import Clock
from tests.fakes.connector import FakeConnector
from tests.fakes.graph import FakeCredential, FakeGraph
from tests.fakes.twilio_voice import FakeCall, FakeTwilioVoice
from tests.protocol.alarms import TOKEN, generic, post_alarm
from tests.protocol.crisis import Crisis
from tests.protocol.teams import CLAUS, installed, register
from tests.serve import free_port

PLAN = load_plan(default_plan_path())
CALLER_ID = "+4596848000"


def number(person: str, kind: str) -> str:
    return next(phone.number for phone in PLAN.person_by_id[person].phones if phone.kind == kind)


@pytest.fixture
async def graph() -> AsyncIterator[FakeGraph]:
    async with FakeGraph() as fake:
        yield fake


@pytest.fixture
async def crisis(settings_for, start_bot, connector: FakeConnector, graph: FakeGraph, twilio: FakeTwilioVoice,
                 clock: Clock) -> Crisis:
    port = free_port()
    settings = settings_for(
        public_url=f"http://127.0.0.1:{port}", alarm_token=TOKEN,
        graph_tenant_id="5d6a8f1e-0000-4000-8000-5712ae5c0000", graph_client_id="graph-app",
        graph_client_secret="not-a-real-secret", graph_base_url=graph.url,
        voice_provider="twilio", voice_caller_id=CALLER_ID, sms_provider="twilio", sms_sender="Krisebot",
        twilio_base_url=twilio.url.rstrip("/"), twilio_account_sid=twilio.account_sid, twilio_auth_token=twilio.auth_token,
    )
    connector.down = graph.down = 503
    bot = await start_bot(settings, clock=clock, graph_credential=FakeCredential(), port=port)
    return Crisis(bot, connector)


async def calls_to(twilio: FakeTwilioVoice, to: str, crisis: Crisis, *, within: float = 2.0) -> list[FakeCall]:
    """The calls placed to ``to``, waiting up to ``within`` seconds (of the wall clock) for the first."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        found = [call for call in twilio.calls if call.to == to]
        if found:
            return found
        await crisis.settled()
    return [call for call in twilio.calls if call.to == to]


async def events(crisis: Crisis, kind: str) -> list:
    [state] = crisis.bot.client.app[CRISES].all()
    return [e.payload for e in await crisis.bot.store.events(crisis_id=state.id) if e.payload.type == kind]


async def o365_alarm(crisis: Crisis) -> None:
    answer = await post_alarm(crisis.bot, generic(title="Ingen kan logge på Office 365", deliveries=["o365"]))
    assert answer.status == 202, await answer.text()


async def test_an_o365_alarm_calls_the_it_head_on_his_direct_line_and_key_1_acknowledges(
    crisis: Crisis, twilio: FakeTwilioVoice, clock: Clock
) -> None:
    began = time.monotonic()
    await o365_alarm(crisis)
    [call] = await calls_to(twilio, number("cvo", "landline"), crisis)
    assert time.monotonic() - began < 2.0, "the call leaves within 2 s of the alarm"
    assert call.caller_id == CALLER_ID and call.machine_detection == "Enable"

    await twilio.answer(call)
    heard = " ".join(call.words())
    assert "Krisebot for Struer Kommune" in heard
    assert "ansvarlig for IT og Digitalisering" in heard
    assert "Tryk 1 for at kvittere" in heard and "Tryk 9 for at høre beskeden igen" in heard
    assert {said.language for said in call.heard} == {"da-DK"}
    assert call.gather is not None and call.gather.num_digits == "1" and call.gather.input == "dtmf"

    heard_before = len(call.words())
    await twilio.press(call, "1")
    after = call.words()[heard_before:]
    assert after[:2] == ["Tak.", "Det er registreret: kvitteret."]
    assert "Tryk 2 for at underrette kommunaldirektøren." in after and "Tryk 1 for at kvittere." not in after, (
        "the call goes on with the decision the triage still needs"
    )
    assert call.gather is not None
    assert (await twilio.status(call, "completed")).status == 200
    await crisis.settled()

    [key] = await events(crisis, "key_pressed")
    assert (key.person, key.digits, key.outcome) == ("cvo", "1", "kvitteret pr. telefon (tast 1)")
    [ack] = await events(crisis, "acknowledged")
    assert (ack.person, ack.via) == ("cvo", "telefon")
    [state] = crisis.bot.client.app[CRISES].all()
    logbog = logbog_markdown(PLAN, await crisis.bot.store.events(crisis_id=state.id))
    assert "kvitteret pr. telefon (tast 1)" in logbog

    role = PLAN.role_by_id["it"]
    for _ in range(PLAN.repeat(role) + 2):
        clock.now += PLAN.ack_timeout(role)
        await crisis.settled()
    assert not await events(crisis, "escalated"), "the escalation for the role stopped at the key press"
    assert [c.to for c in twilio.calls] == [number("cvo", "landline")], "nobody else was called, cvo not again"


async def test_key_2_informs_the_director_who_is_called_on_his_mobile(crisis: Crisis, twilio: FakeTwilioVoice) -> None:
    await o365_alarm(crisis)
    [call] = await calls_to(twilio, number("cvo", "landline"), crisis)
    await twilio.answer(call)
    assert "Tryk 2 for at underrette kommunaldirektøren" in " ".join(call.words())
    await twilio.press(call, "2")
    await crisis.settled()

    [state] = crisis.bot.client.app[CRISES].all()
    assert state.phase.value == "director"
    [director] = await calls_to(twilio, number("jesper", "mobile"), crisis)
    await twilio.answer(director)
    assert "Tryk 2 for at aktivere kriseberedskabet" in " ".join(director.words())
    [triaged] = await events(crisis, "triaged")
    assert triaged.assessment == "", "a key is no assessment: the logbog has it as the key pressed"
    assert [pressed.digits for pressed in await events(crisis, "key_pressed")] == ["2"]


async def test_a_voicemail_is_no_acknowledgement_and_the_next_step_follows_at_once(
    crisis: Crisis, twilio: FakeTwilioVoice
) -> None:
    await o365_alarm(crisis)
    [call] = await calls_to(twilio, number("cvo", "landline"), crisis)
    await twilio.answer(call, machine=True)
    assert call.hung_up and "Beskeden er ikke kvitteret." in call.words()
    assert "Svar i Teams." in call.words(), "he has no mobile: no SMS is promised"
    await crisis.settled()

    [reported] = await events(crisis, "call_reported")
    assert (reported.person, reported.status.value) == ("cvo", "voicemail")
    assert not await events(crisis, "acknowledged")
    lost = await events(crisis, "page_delivery_reported")
    assert [(p.person, p.channel, p.status.value) for p in lost] == [("cvo", "voice", "unanswered")]
    deputy = await calls_to(twilio, number("peter", "landline"), crisis)
    assert deputy, "the deputy is called at once, not after ack_timeout"
    [escalated] = await events(crisis, "escalated")
    assert (escalated.role, escalated.stage) == ("it", 1)


@pytest.mark.parametrize("status", ["no-answer", "busy", "failed"])
async def test_a_call_nobody_answers_moves_on_at_once(crisis: Crisis, twilio: FakeTwilioVoice, status: str) -> None:
    await o365_alarm(crisis)
    [call] = await calls_to(twilio, number("cvo", "landline"), crisis)
    assert (await twilio.status(call, status)).status == 200
    await crisis.settled()
    assert await calls_to(twilio, number("peter", "landline"), crisis), f"{status}: the deputy is called at once"
    assert not await events(crisis, "acknowledged")
    body = await (await crisis.bot.client.get("/metrics")).text()
    assert f'krisebot_calls_total{{outcome="{status.replace("-", "_")}"}} 1.0' in body


async def test_an_answered_call_without_a_key_is_said_twice_and_acknowledges_nothing(
    crisis: Crisis, twilio: FakeTwilioVoice
) -> None:
    await o365_alarm(crisis)
    [call] = await calls_to(twilio, number("cvo", "landline"), crisis)
    await twilio.answer(call)
    first = list(call.words())
    await twilio.no_key(call)
    assert call.gather is not None, "the message repeats once"
    assert call.words()[len(first):] == first
    await twilio.no_key(call)
    assert call.hung_up and "Der blev ikke trykket på nogen tast." in call.words()
    await twilio.status(call, "completed")
    await crisis.settled()
    assert not await events(crisis, "acknowledged")
    assert await calls_to(twilio, number("peter", "landline"), crisis)


async def test_a_replayed_or_forged_key_changes_nothing(crisis: Crisis, twilio: FakeTwilioVoice) -> None:
    await o365_alarm(crisis)
    [call] = await calls_to(twilio, number("cvo", "landline"), crisis)
    await twilio.answer(call)
    forged = await twilio.press(call, "1", signature="bm90IGEgc2lnbmF0dXJl")
    assert forged.status == 401
    unsigned = await twilio.press(call, "1", signed=False)
    assert unsigned.status == 401
    assert not await events(crisis, "acknowledged")
    await twilio.press(call, "1")
    replay = await twilio.repost(twilio.posted[-1])
    assert replay.status == 200
    await crisis.settled()
    assert len(await events(crisis, "acknowledged")) == 1
    assert len(await events(crisis, "key_pressed")) == 1


async def test_metrics_count_calls_by_how_they_ended_and_the_time_to_a_key(
    crisis: Crisis, twilio: FakeTwilioVoice, clock: Clock
) -> None:
    await o365_alarm(crisis)
    [call] = await calls_to(twilio, number("cvo", "landline"), crisis)
    clock.now += timedelta(seconds=25)
    await twilio.answer(call)
    await twilio.press(call, "1")
    await twilio.status(call, "completed")
    await crisis.settled()
    [deputy] = [c for c in twilio.calls if c is not call] or [None]
    assert deputy is None, "an acknowledged page calls nobody else"

    body = await (await crisis.bot.client.get("/metrics")).text()
    assert 'krisebot_calls_total{outcome="key_pressed"} 1.0' in body
    assert 'krisebot_calls_total{outcome="completed"}' not in body, "a call with a key is counted once, as key_pressed"
    assert "krisebot_time_to_key_press_seconds_count 1.0" in body
    assert 'krisebot_time_to_key_press_seconds_bucket{le="20.0"} 0.0' in body
    assert 'krisebot_time_to_key_press_seconds_bucket{le="30.0"} 1.0' in body
    assert 'krisebot_pages_sent_total{channel="voice"} 1.0' in body


async def test_an_unanswered_call_to_someone_whose_card_reached_teams_waits_for_the_schedule(
    crisis: Crisis, connector: FakeConnector, graph: FakeGraph, twilio: FakeTwilioVoice, clock: Clock
) -> None:
    connector.down = graph.down = None
    register(connector, CLAUS)
    assert (await crisis.bot.post(installed(CLAUS, connector.url))).status == 201
    await o365_alarm(crisis)
    [call] = await calls_to(twilio, number("cvo", "landline"), crisis)
    assert connector.cards(CLAUS.chat_id), "the card reached his chat"
    await twilio.status(call, "no-answer")
    await crisis.settled()
    assert not await events(crisis, "page_delivery_reported"), "the card reached him: the page is not lost"
    assert [c.to for c in twilio.calls] == [call.to], "the deputy is paged on the schedule, not at once"

    clock.now += PLAN.ack_timeout(PLAN.role_by_id["it"]) * (PLAN.repeat(PLAN.role_by_id["it"]) + 1)
    await crisis.settled()
    assert number("peter", "landline") in [c.to for c in twilio.calls]


async def test_the_logbog_says_in_danish_how_the_call_went_and_why_the_deputy_was_called(
    crisis: Crisis, twilio: FakeTwilioVoice
) -> None:
    await o365_alarm(crisis)
    [call] = await calls_to(twilio, number("cvo", "landline"), crisis)
    await twilio.status(call, "no-answer")
    await crisis.settled()
    [state] = crisis.bot.client.app[CRISES].all()
    logbog = logbog_markdown(PLAN, await crisis.bot.store.events(crisis_id=state.id))
    assert f"på {call.to}" in logbog and ": ikke taget" in logbog
    assert "via opkald – " in logbog and "(id )" not in logbog
    assert "opkaldene blev ikke besvaret med en tast på nogen af numrene – eskaleres straks" in logbog
