"""Every SMS from a plan person is in the logbog word for word, whatever it says, on the bundled plan as it ships.

An SMS that acts on a crisis was always kept with its action; free text, a wrong code, a bare ``ALARM`` and
``STATUS`` are kept too: in the open crisis, in the crisis the person's latest page was about when several are
open, and outside any crisis (``krisebot export sms``) when none is. The real app with Teams up (the log thread
is where the crisis room reads the logbog), a fake GatewayAPI and a clock moved by hand.
"""

import pytest

from bot.app import CRISES
from bot.plan import Plan
from bot.render.export import event_sentence, markdown, sms_record_document
from tests.fakes.connector import FakeConnector
from tests.fakes.gatewayapi import FakeGatewayApi
from tests.markdown import visible
from tests.protocol.crisis import Crisis
from tests.protocol.sms import (  # noqa: F401 (fixtures)
    Clock, Phones, clock, crisis, gateway, graph, later, more_settings, shipped_plan, voice,
)
from tests.protocol.teams import CLAUS

JESPER = "Sms fra Jesper Thyrring Møller (+4529256511)"
ANYTHING = ["KRISE Hvad sker der?", "KRISE 3X", "KRISE 9K", "KRISE ALARM", "KRISE STATUS"]
"""Free text, a letter no page offers, a code never given to the number, an alarm without text, the overview."""
KEPT = [
    f"{JESPER}: «KRISE Hvad sker der?» – ikke forstået: intet udført",
    f"{JESPER}: «KRISE 3X» – ikke forstået: intet udført",
    f"{JESPER}: «KRISE 9K» – koden 9 kendes ikke på nummeret: intet udført",
    f"{JESPER}: «KRISE ALARM» – ingen alarm: Skriv en tekst først.",
    f"{JESPER}: «KRISE STATUS» – overblik sendt",
]


@pytest.fixture
def sms_plan() -> Plan:
    return shipped_plan()


async def log_thread(crisis: Crisis, crisis_id: str) -> list[str]:
    """The log thread's posts of the crisis as the crisis room reads them."""
    thread = await crisis.bot.store.thread(crisis_id=crisis_id)
    assert thread is not None
    return [visible(text) for text in crisis.connector.texts(thread.conversation_id)]


def sms_lines(posts: list[str]) -> list[str]:
    """The posts about SMS, without their time and actor (``08:00 · Jesper Thyrring Møller: Sms fra …``)."""
    return [post.split(": ", 1)[1] for post in posts if ": Sms fra " in post]


async def texts(phones: Phones, person: str, messages: list[str]) -> None:
    for message in messages:
        await phones.text(person, message)


async def raised_by_sms(crisis: Crisis, phones: Phones, clock: Clock, person: str, text: str) -> str:
    await phones.text(person, f"KRISE ALARM {text}")
    await later(crisis, clock, 1)
    return crisis.bot.client.app[CRISES].active()[-1].id


async def test_with_no_crisis_open_every_sms_is_kept_for_krisebot_export_sms(
    crisis: Crisis, gateway: FakeGatewayApi, clock: Clock
) -> None:
    phones = Phones(crisis, gateway)
    await texts(phones, "jesper", ANYTHING)
    await later(crisis, clock, 1)

    plan = crisis.bot.client.app[CRISES].plan
    export = visible(markdown(sms_record_document(plan, await crisis.bot.store.events_outside_crises())))
    assert [line.split(" | ")[-1].rstrip(" |") for line in export.splitlines() if "Sms fra" in line] == KEPT
    answers = [sms.message for sms in phones.of("jesper")]
    assert "Krisebot: ingen aktiv krise." in answers
    assert "Krisebot: Alarmen blev ikke modtaget: Skriv en tekst først." in answers
    assert crisis.bot.client.app[CRISES].active() == [], "none of them raised an alarm"


async def test_with_one_crisis_open_every_sms_is_in_its_logbog_word_for_word(
    crisis: Crisis, gateway: FakeGatewayApi, clock: Clock
) -> None:
    phones = Phones(crisis, gateway)
    crisis_id = await raised_by_sms(crisis, phones, clock, "lak", "Lønkørslen fejler")
    await texts(phones, "jesper", ANYTHING)
    await later(crisis, clock, 1)

    assert sms_lines(await log_thread(crisis, crisis_id)) == KEPT, "what did nothing is posted as written"
    kept = [e for e in await crisis.bot.store.events(crisis_id=crisis_id) if e.payload.type == "sms_received"]
    assert [event_sentence(crisis.bot.client.app[CRISES].plan, e) for e in kept] == [
        "Sms fra Lisbeth Kusk (+4540408007): «KRISE ALARM Lønkørslen fejler» – alarm rejst og sendt til vurdering",
        *KEPT,
    ], "the logbog keeps every SMS word for word; the one that raised the alarm is in the alarm's post"
    assert await crisis.bot.store.events_outside_crises() == []
    assert phones.of("jesper")[-1].message.startswith(f"Krisebot: {crisis_id} vurderes"), "STATUS still answers"


async def test_with_several_open_an_sms_goes_to_the_crisis_of_the_persons_latest_page(
    crisis: Crisis, connector: FakeConnector, gateway: FakeGatewayApi, clock: Clock
) -> None:
    phones = Phones(crisis, gateway)
    wages = await raised_by_sms(crisis, phones, clock, "lak", "Lønkørslen fejler")
    website = await raised_by_sms(crisis, phones, clock, "marialouiserj", "Hjemmesiden svarer ikke")
    await crisis.taps(CLAUS, "triage_inform_director", crisis=wages, assessment="Ingen løn i dag")
    await later(crisis, clock, 1)

    await phones.text("jesper", "KRISE Jeg er på vej")
    await phones.text("emilbc", "KRISE Hvem ringer jeg til?")
    await later(crisis, clock, 1)

    assert f"{JESPER}: «KRISE Jeg er på vej» – ikke forstået: intet udført" in sms_lines(await log_thread(crisis, wages))
    assert "Sms fra Emil B. Christensen (+4529932716): «KRISE Hvem ringer jeg til?» – ikke forstået: intet udført" in (
        sms_lines(await log_thread(crisis, website))
    ), "paged in neither: the newest crisis"
    assert not any("Jeg er på vej" in line for line in await log_thread(crisis, website))
