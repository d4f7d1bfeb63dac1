"""SMS from numbers the plan does not name, on the bundled plan as it ships: an ``ALARM`` is never dropped but goes
to triage marked «ubekræftet afsender» with the number, within limits per number and overall; anything else is kept
and does nothing, and such a number never gets an answer.

The real app with Teams up, a fake GatewayAPI, a fake Twilio for the IT head's calls and a clock moved by hand.
"""

import pytest

from bot.app import CRISES
from bot.plan import Plan
from bot.render.export import markdown, sms_record_document
from tests.fakes.gatewayapi import FakeGatewayApi
from tests.fakes.twilio_voice import FakeTwilioVoice
from tests.markdown import shown_texts, visible
from tests.protocol.crisis import Crisis
from tests.protocol.sms import (  # noqa: F401 (fixtures)
    Clock, Phones, clock, crisis, gateway, graph, later, more_settings, shipped_plan, voice,
)
from tests.protocol.teams import CLAUS

STRANGER = 4520998877
"""A mobile number the plan does not name."""


@pytest.fixture
def sms_plan() -> Plan:
    return shipped_plan()


async def texted(crisis: Crisis, gateway: FakeGatewayApi, clock: Clock, msisdn: int, *messages: str) -> None:
    url = str(crisis.bot.client.make_url("/api/sms/gatewayapi"))
    for message in messages:
        assert (await gateway.inbound(url, msisdn, message)).status == 200
    await later(crisis, clock, 1)


async def sms_record(crisis: Crisis) -> list[str]:
    """What ``krisebot export sms`` shows of each SMS kept outside any crisis."""
    plan = crisis.bot.client.app[CRISES].plan
    export = visible(markdown(sms_record_document(plan, await crisis.bot.store.events_outside_crises())))
    return [line.split(" | ")[-1].rstrip(" |") for line in export.splitlines() if "Sms fra" in line]


async def test_an_alarm_from_a_number_outside_the_plan_goes_to_triage_marked_unverified_sender(
    crisis: Crisis, gateway: FakeGatewayApi, voice: FakeTwilioVoice, clock: Clock
) -> None:
    await texted(crisis, gateway, clock, STRANGER, "KRISE ALARM Netværket er nede på rådhuset")

    [state] = crisis.bot.client.app[CRISES].active()
    assert state.phase.value == "triage"
    card = [visible(text) for text in shown_texts(crisis.latest_card(CLAUS))]
    assert "⚠ Ubekræftet afsender, tlf. +4520998877: nummeret er ikke i planen" in card
    assert "Netværket er nede på rådhuset" in card

    thread = await crisis.bot.store.thread(crisis_id=state.id)
    posts = [visible(text) for text in crisis.connector.texts(thread.conversation_id)]
    assert any(
        "ubekræftet afsender (+4520998877): Alarm fra Brugere af kritiske systemer; ubekræftet afsender – nummeret er "
        "ikke i planen; tlf. +4520998877 – «Netværket er nede på rådhuset»" in post for post in posts
    )
    assert not any("Sms fra" in post for post in posts), "the SMS that raised it is in the alarm's post"
    [sms] = [e.payload for e in await crisis.bot.store.events(crisis_id=state.id) if e.payload.type == "sms_received"]
    assert (sms.text, sms.outcome) == (
        "KRISE ALARM Netværket er nede på rådhuset", "alarm rejst og sendt til vurdering (ubekræftet afsender)"
    ), "the logbog keeps it word for word"

    [call] = voice.calls
    await voice.answer(call)
    assert "Afsenderen er ubekræftet: alarmen kom pr. sms fra et nummer, der ikke er i planen." in call.words()
    assert [sms for sms in gateway.sent if sms.msisdn == STRANGER] == [], "a number outside the plan gets no answer"


async def test_anything_else_from_a_number_outside_the_plan_is_kept_and_does_nothing(
    crisis: Crisis, gateway: FakeGatewayApi, clock: Clock
) -> None:
    phones = Phones(crisis, gateway)
    await phones.text("lak", "KRISE ALARM Lønkørslen fejler")
    await later(crisis, clock, 1)
    [state] = crisis.bot.client.app[CRISES].active()

    await texted(crisis, gateway, clock, STRANGER, "KRISE 1D", "KRISE STATUS", "KRISE Hvad sker der?", "KRISE ALARM")

    assert crisis.bot.client.app[CRISES].get(state.id).phase.value == "triage"
    assert [crisis_.id for crisis_ in crisis.bot.client.app[CRISES].active()] == [state.id]
    assert not [e for e in await crisis.bot.store.events(crisis_id=state.id) if e.payload.type == "sms_received"
                and e.payload.person is None]
    assert await sms_record(crisis) == [
        "Sms fra ubekræftet afsender (+4520998877): «KRISE 1D» – intet udført: nummeret er ikke i planen",
        "Sms fra ubekræftet afsender (+4520998877): «KRISE STATUS» – intet udført: nummeret er ikke i planen",
        "Sms fra ubekræftet afsender (+4520998877): «KRISE Hvad sker der?» – intet udført: nummeret er ikke i planen",
        "Sms fra ubekræftet afsender (+4520998877): «KRISE ALARM» – ingen alarm: Skriv en tekst først.",
    ]
    assert [sms for sms in gateway.sent if sms.msisdn == STRANGER] == []


async def test_alarms_from_numbers_outside_the_plan_are_limited_per_number_and_overall(
    crisis: Crisis, gateway: FakeGatewayApi, clock: Clock
) -> None:
    def opened() -> int:
        return len(crisis.bot.client.app[CRISES].all())

    await texted(crisis, gateway, clock, STRANGER, *(f"KRISE ALARM Printeren brænder {n}" for n in range(4)))
    assert opened() == 3, "three an hour from one number"
    for number in (4520998801, 4520998802):
        await texted(crisis, gateway, clock, number, *(f"KRISE ALARM Serveren er nede {n}" for n in range(3)))
    await texted(crisis, gateway, clock, 4520998803, "KRISE ALARM Alt er nede", "KRISE ALARM Stadig nede")
    assert opened() == 10, "ten an hour from all numbers outside the plan"

    refused = "ingen alarm: over 3 i timen fra nummeret eller 10 i timen fra numre uden for planen"
    assert await sms_record(crisis) == [
        f"Sms fra ubekræftet afsender (+4520998877): «KRISE ALARM Printeren brænder 3» – {refused}",
        f"Sms fra ubekræftet afsender (+4520998803): «KRISE ALARM Stadig nede» – {refused}",
    ]

    phones = Phones(crisis, gateway)
    await phones.text("lak", "KRISE ALARM Lønkørslen fejler")
    await later(crisis, clock, 1)
    assert opened() == 11, "the plan's own people are not limited"
