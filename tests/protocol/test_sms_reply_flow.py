"""SMS replies as the people of the plan send them: only the right number, code and letter count.

The real app, with Teams up, a fake GatewayAPI that signs its webhooks, and a clock moved by hand.
"""

from datetime import timedelta

from bot.app import CRISES
from bot.clock import LOCAL_TIME
from tests.fakes.connector import FakeConnector
from tests.fakes.gatewayapi import FakeGatewayApi
from tests.fakes.graph import FakeGraph
from tests.fakes.twilio_voice import FakeTwilioVoice
from tests.protocol.crisis import Crisis, alarm, facts_of, text_of, verbs
from tests.protocol.sms import CALLER_ID, Clock, Phones, clock, crisis, gateway, graph, later, more_settings, sms_plan, voice  # noqa: F401 (fixtures)
from tests.protocol.teams import CLAUS, JESPER


async def o365_alarm(crisis: Crisis, phones: Phones, clock: Clock) -> str:
    await phones.text("lak", "KRISE ALARM O365 er nede")
    await later(crisis, clock, 1)
    [state] = crisis.bot.client.app[CRISES].active()
    return state.id


async def events(crisis: Crisis, crisis_id: str, kind: str) -> list:
    return [e.payload for e in await crisis.bot.store.events(crisis_id=crisis_id) if e.payload.type == kind]


async def sms_from(crisis: Crisis, crisis_id: str, person: str | None) -> list:
    """The SMS from ``person`` (None: a number outside the plan) in the crisis's logbog (the alarm's own is lak's)."""
    return [sms for sms in await events(crisis, crisis_id, "sms_received") if sms.person == person]


async def test_an_o365_alarm_pages_the_it_head_by_sms_and_teams_at_once(
    crisis: Crisis, gateway: FakeGatewayApi, clock: Clock
) -> None:
    phones = Phones(crisis, gateway)
    crisis_id = await o365_alarm(crisis, phones, clock)
    [page] = phones.of("cvo")
    assert crisis_id in page.message and '"KRISE 1D" underret direktøren' in page.message
    assert page.userref and page.userref.startswith(f"{crisis_id}/triage/cvo/")
    assert {p.channel for p in await events(crisis, crisis_id, "page_sent") if p.person == "cvo"} >= {"teams", "sms"}


async def test_an_sms_alarm_names_its_deliveries_however_spelt(crisis: Crisis, gateway: FakeGatewayApi, clock: Clock) -> None:
    phones = Phones(crisis, gateway)
    await phones.text("lak", "KRISE ALARM Perifaert IT-udstyr: printerne er nede, og lonudbetaling stopper")
    await later(crisis, clock, 1)

    [card] = [card for card in crisis.cards_of(CLAUS) if "triage_inform_director" in verbs(card)]
    assert facts_of(card)["Berørte leverancer"] == "Perifært IT-udstyr, Lønudbetaling"


async def test_the_it_heads_reply_triages_and_is_logged_word_for_word(
    crisis: Crisis, gateway: FakeGatewayApi, clock: Clock
) -> None:
    phones = Phones(crisis, gateway)
    crisis_id = await o365_alarm(crisis, phones, clock)
    await phones.text("cvo", "krise 1d")
    await later(crisis, clock, 1)

    state = crisis.bot.client.app[CRISES].get(crisis_id)
    assert state.phase.value == "director" and state.triage.actor == "cvo"
    [received] = await sms_from(crisis, crisis_id, "cvo")
    assert (received.person, received.text, received.outcome) == ("cvo", "krise 1d", "udført: underret direktøren")
    assert phones.of("cvo")[-1].message == f"Krisebot: {crisis_id}: modtaget - kommunaldirektøren bliver underrettet."
    assert [a.via for a in await events(crisis, crisis_id, "acknowledged")] == ["sms"]


async def test_a_reply_from_an_unknown_number_changes_nothing_and_gets_no_answer(
    crisis: Crisis, gateway: FakeGatewayApi, clock: Clock
) -> None:
    phones = Phones(crisis, gateway)
    crisis_id = await o365_alarm(crisis, phones, clock)
    sent = len(gateway.sent)
    answer = await gateway.inbound(phones.url, 4520998877, "KRISE 1D")
    await later(crisis, clock, 1)

    assert answer.status == 200
    assert crisis.bot.client.app[CRISES].get(crisis_id).phase.value == "triage"
    assert await sms_from(crisis, crisis_id, None) == [], "kept outside the crisis: a stranger cannot write in its logbog"
    assert len(gateway.sent) == sent, "no answer to a number outside the plan"


async def test_a_code_counts_only_from_the_number_it_was_sent_to(
    crisis: Crisis, gateway: FakeGatewayApi, clock: Clock
) -> None:
    phones = Phones(crisis, gateway)
    crisis_id = await o365_alarm(crisis, phones, clock)
    await phones.text("jesper", "KRISE 1D")
    await later(crisis, clock, 1)

    assert crisis.bot.client.app[CRISES].get(crisis_id).phase.value == "triage"
    assert "Koden kendes ikke" in phones.of("jesper")[-1].message


async def test_a_replayed_reply_acts_once_and_is_answered_once(
    crisis: Crisis, gateway: FakeGatewayApi, clock: Clock
) -> None:
    phones = Phones(crisis, gateway)
    crisis_id = await o365_alarm(crisis, phones, clock)
    number = phones.number("cvo")
    claims = gateway.inbound_claims(number, "KRISE 1K")
    for _ in range(2):
        assert (await gateway.post_event(phones.url, claims)).status == 200
    await later(crisis, clock, 1)

    assert len(await sms_from(crisis, crisis_id, "cvo")) == 1
    assert len(await events(crisis, crisis_id, "acknowledged")) == 1
    assert sum("modtaget - kvitteret" in sms.message for sms in phones.of("cvo")) == 1


async def test_a_badly_signed_reply_is_refused_and_changes_nothing(
    crisis: Crisis, gateway: FakeGatewayApi, clock: Clock
) -> None:
    phones = Phones(crisis, gateway)
    crisis_id = await o365_alarm(crisis, phones, clock)
    number = phones.number("cvo")
    forged = await gateway.post_event(phones.url, gateway.inbound_claims(number, "KRISE 1D"), secret="guessed" * 6)
    unsigned = await gateway.post_event(phones.url, gateway.inbound_claims(number, "KRISE 1D"), signed=False)
    await later(crisis, clock, 1)

    assert (forged.status, unsigned.status) == (401, 401)
    assert crisis.bot.client.app[CRISES].get(crisis_id).phase.value == "triage"


async def test_a_letter_the_person_may_not_use_is_refused_with_what_they_may(
    crisis: Crisis, gateway: FakeGatewayApi, clock: Clock
) -> None:
    phones = Phones(crisis, gateway)
    crisis_id = await o365_alarm(crisis, phones, clock)
    await phones.text("cvo", "KRISE 1A")
    await later(crisis, clock, 1)

    assert crisis.bot.client.app[CRISES].get(crisis_id).phase.value == "triage"
    assert "1A kan ikke bruges her; du kan svare 1K, 1D, 1I" in phones.of("cvo")[-1].message
    [received] = await sms_from(crisis, crisis_id, "cvo")
    assert received.outcome.startswith("afvist")


async def test_a_code_of_a_closed_crisis_gets_a_short_already_closed_answer(
    crisis: Crisis, gateway: FakeGatewayApi, clock: Clock
) -> None:
    phones = Phones(crisis, gateway)
    crisis_id = await o365_alarm(crisis, phones, clock)
    await phones.text("cvo", "KRISE 1I")
    await later(crisis, clock, 1)
    await phones.text("cvo", "KRISE 1K")
    await later(crisis, clock, 1)

    assert phones.of("cvo")[-1].message == f"Krisebot: Krise {crisis_id} er allerede afsluttet."


async def test_help_answers_are_limited_to_five_an_hour(crisis: Crisis, gateway: FakeGatewayApi, clock: Clock) -> None:
    phones = Phones(crisis, gateway)
    for n in range(7):
        await phones.text("jesper", f"hvad sker der {n}")
    await later(crisis, clock, 1)
    assert sum("Koden kendes ikke" in sms.message for sms in phones.of("jesper")) == 5

    clock.now += timedelta(hours=1)
    await phones.text("jesper", "hjælp")
    await later(crisis, clock, 1)
    assert sum("Koden kendes ikke" in sms.message for sms in phones.of("jesper")) == 6


async def test_status_lists_the_open_crises(crisis: Crisis, gateway: FakeGatewayApi, clock: Clock) -> None:
    phones = Phones(crisis, gateway)
    crisis_id = await o365_alarm(crisis, phones, clock)
    await phones.text("jesper", "KRISE status")
    await later(crisis, clock, 1)
    assert crisis_id in phones.of("jesper")[-1].message and "vurderes" in phones.of("jesper")[-1].message


async def test_an_undeliverable_sms_escalates_to_the_deputy_at_once(
    crisis: Crisis, gateway: FakeGatewayApi, clock: Clock
) -> None:
    phones = Phones(crisis, gateway)
    crisis_id = await o365_alarm(crisis, phones, clock)
    [page] = phones.of("cvo")
    assert not phones.of("peter")

    answer = await gateway.post_event(phones.url, gateway.report_claims(page, "UNDELIVERABLE"))
    await later(crisis, clock, 1)

    assert answer.status == 200
    [reported] = await events(crisis, crisis_id, "page_delivery_reported")
    assert (reported.person, reported.status.value) == ("cvo", "undeliverable")
    [escalated] = await events(crisis, crisis_id, "escalated")
    assert (escalated.role, escalated.stage, escalated.people) == ("it", 1, ["cvo", "peter"])
    assert phones.of("peter"), "the deputy gets the page by SMS at once"


async def test_a_page_that_reaches_teams_in_time_sends_no_sms(
    crisis: Crisis, connector: FakeConnector, gateway: FakeGatewayApi, clock: Clock
) -> None:
    await alarm(crisis)
    await later(crisis, clock, 10, steps=2)
    assert crisis.cards_of(CLAUS)
    assert Phones(crisis, gateway).of("cvo") == [], "Teams answered: no fallback SMS"


async def test_a_page_that_reaches_nobody_goes_by_sms_as_soon_as_the_call_rings_out(
    crisis: Crisis, connector: FakeConnector, graph: FakeGraph, gateway: FakeGatewayApi, voice: FakeTwilioVoice,
    clock: Clock,
) -> None:
    phones = Phones(crisis, gateway)
    connector.down = graph.down = 403
    await phones.text("lak", "KRISE ALARM Lønkørslen fejler")
    await later(crisis, clock, 1)
    [state] = crisis.bot.client.app[CRISES].active()
    [call] = voice.calls
    assert (call.to, call.caller_id) == (f"+{phones.number('cvo')}", CALLER_ID), "the page calls the IT head's mobile"

    await later(crisis, clock, 4)
    assert phones.of("cvo") == [], "past the grace, the SMS still waits for the call that is ringing"

    assert [rung.to for rung in await voice.ring_out()] == [call.to]
    await later(crisis, clock, 1)
    [fallback] = phones.of("cvo")
    assert state.id in fallback.message and "Lønkørslen fejler" in fallback.message
    assert f"Vi ringede fra {CALLER_ID} uden svar." in fallback.message
    failed = {p.channel for p in await events(crisis, state.id, "page_failed") if p.person == "cvo"}
    assert failed == {"teams", "feed", "mail"}
    [reported] = [p for p in await events(crisis, state.id, "call_reported") if p.status.value == "no_answer"]
    assert (reported.person, reported.number) == ("cvo", call.to)
    assert [c.to for c in voice.calls] == [call.to, "+4596848143"], "then the call goes to the direct line"


async def test_summons_answers_by_sms_show_on_the_situation_card_and_in_the_export(
    crisis: Crisis, connector: FakeConnector, gateway: FakeGatewayApi, clock: Clock
) -> None:
    phones = Phones(crisis, gateway)
    crisis_id = await o365_alarm(crisis, phones, clock)
    await phones.text("cvo", phones.code("cvo", "D"))
    await later(crisis, clock, 1)
    await phones.text("jesper", phones.code("jesper", "A"))
    await later(crisis, clock, 1)
    [summons] = [sms for sms in phones.of("hjm") if "indkaldes" in sms.message]
    code = phones.code("hjm", "K")
    assert f'"{code}" kommer (+ minutter), "{code[:-1]}N" kommer ikke' in summons.message

    arrival = f"{(clock.now + timedelta(minutes=20)).astimezone(LOCAL_TIME):%H:%M}"
    await phones.text("hjm", f"{code} 20")
    await phones.text("lak", phones.code("lak", "N"))
    await later(crisis, clock, 1)

    assert "modtaget - du kommer." in phones.of("hjm")[-1].message
    state = crisis.bot.client.app[CRISES].get(crisis_id)
    assert state.answers["hjm"].coming and state.answers["hjm"].eta == "20 min" and not state.answers["lak"].coming
    thread = await crisis.bot.store.thread(crisis_id=crisis_id)
    situation = text_of(connector.updates(thread.conversation_id)[-1])
    assert "Kommer (1)" in situation and f"**Henrik Jebjerg Mogensen** – ankomst ca. {arrival}" in situation
    assert "Kommer ikke (1)" in situation and "**Lisbeth Kusk** – svar kl." in situation

    await crisis.says(JESPER, f"eksport {crisis_id}")
    export = connector.texts(JESPER.chat_id)[-1]
    assert f"Henrik Jebjerg Mogensen: Kommer, ankomst ca. kl. {arrival} (20 min)" in export
    assert "Lisbeth Kusk: Kommer ikke" in export
