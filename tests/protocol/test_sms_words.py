"""What people read in the SMS Krisebot sends them, on the bundled plan as it ships: the IT head and his deputy
have direct lines only (calls, no SMS); the director, his deputy and the communications team have mobiles.

The real app with a fake GatewayAPI (it keeps every SMS as sent) and a fake Twilio for the calls; a clock moved
by hand.
"""

import pytest

from bot.app import CRISES
from bot.plan import Plan
from tests.fakes.connector import FakeConnector
from tests.fakes.gatewayapi import FakeGatewayApi
from tests.fakes.graph import FakeGraph
from tests.fakes.twilio_voice import FakeTwilioVoice
from tests.protocol.crisis import Crisis
from tests.protocol.sms import (  # noqa: F401 (fixtures)
    Clock, Phones, clock, crisis, gateway, graph, later, more_settings, shipped_plan, voice,
)

IT_HEAD_LINE = "+4596848143"


@pytest.fixture
def sms_plan() -> Plan:
    return shipped_plan()


async def raised(crisis: Crisis, phones: Phones, clock: Clock, text: str) -> str:
    """The communications team texts an alarm; the new crisis's id."""
    await phones.text("lak", f"KRISE ALARM {text}")
    await later(crisis, clock, 1)
    return crisis.bot.client.app[CRISES].active()[-1].id


async def test_status_says_krisebot_once(crisis: Crisis, gateway: FakeGatewayApi, clock: Clock) -> None:
    phones = Phones(crisis, gateway)
    await phones.text("jesper", "KRISE STATUS")
    await later(crisis, clock, 1)
    assert phones.of("jesper")[-1].message == "Krisebot: ingen aktiv krise."

    crisis_id = await raised(crisis, phones, clock, "Lønkørslen fejler")
    await phones.text("jesper", "KRISE status")
    await later(crisis, clock, 1)
    assert phones.of("jesper")[-1].message == f"Krisebot: {crisis_id} vurderes, centerniveau, 0 kommer"


async def test_a_key_on_the_call_is_no_assessment_and_the_director_reads_each_sentence_ending_once(
    crisis: Crisis, gateway: FakeGatewayApi, voice: FakeTwilioVoice, clock: Clock
) -> None:
    phones = Phones(crisis, gateway)
    crisis_id = await raised(crisis, phones, clock, "Lønkørslen fejler. Ingen får løn i dag.")
    [call] = voice.calls
    assert call.to == IT_HEAD_LINE
    await voice.answer(call)
    await voice.press(call, "2")
    await later(crisis, clock, 1)
    assert [c.to for c in voice.calls][-1] == f"+{phones.number('jesper')}", "the director is called"
    await voice.ring_out()
    await later(crisis, clock, 1)

    [page] = phones.of("jesper")
    assert f"Krise {crisis_id}: IT beder dig tage stilling som kriseleder. Lønkørslen fejler. Ingen får løn i dag. Vi" in (
        page.message
    )
    assert ".." not in page.message and "Vurdering" not in page.message and "tast" not in page.message

    await phones.text("jesper", phones.code("jesper", "K"))
    await later(crisis, clock, 1)
    assert phones.of("jesper")[-1].message == f"Krisebot: {crisis_id}: modtaget - kvitteret."


async def test_a_bare_code_by_sms_is_no_assessment_in_the_sms_that_follow(
    crisis: Crisis, connector: FakeConnector, graph: FakeGraph, gateway: FakeGatewayApi, voice: FakeTwilioVoice,
    clock: Clock,
) -> None:
    """Office 365 is down and nobody in IT answers: the triage goes to the crisis leader, who answers by SMS."""
    phones = Phones(crisis, gateway)
    connector.down = graph.down = 503
    crisis_id = await raised(crisis, phones, clock, "Netværket er nede på rådhuset.")
    for _ in range(40):
        if any("vurdér den" in sms.message for sms in phones.of("jesper")):
            break
        await voice.ring_out()
        await later(crisis, clock, 60)
    [triage, *_] = [sms for sms in phones.of("jesper") if "vurdér den" in sms.message]
    assert "Netværket er nede på rådhuset. Svar til 1204:" in triage.message and ".." not in triage.message

    code = phones.code("jesper", "D")
    await phones.text("jesper", code)
    await later(crisis, clock, 1)
    assert crisis.bot.client.app[CRISES].get(crisis_id).phase.value == "director"
    notice = f"Krisebot: {crisis_id}: modtaget - kommunaldirektøren bliver underrettet."
    assert notice in [sms.message for sms in phones.of("jesper")]

    [director] = [sms for sms in phones.of("jesper") if "tage stilling" in sms.message]
    assert "Netværket er nede på rådhuset. Svar til 1204:" in director.message
    assert "Vurdering" not in director.message and code not in director.message
