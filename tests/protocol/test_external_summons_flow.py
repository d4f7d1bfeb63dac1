"""An external participant summoned by Krisebot, by SMS and call, from the chat and the situation card.

The real app with Teams up, a fake GatewayAPI and a fake Twilio, and a clock moved by hand. The plan is
the bundled plan with mobiles for the IT head and others (``tests.protocol.sms``) and one external
participant the plan lets Krisebot summon (``tests.plans.SUMMONED_EXTERNAL``): the bundled plan has none,
and its own external participants are called by hand (``tests.protocol.test_contacts``).
"""

import re
from datetime import timedelta
from pathlib import Path

import pytest

from bot.app import CRISES, PAGER
from bot.core.actions import Decide, RaiseAlarm, SummonExternal, Triage
from bot.core.escalation import requested_timers
from bot.core.events import DirectorDecision, TriageDecision
from bot.database_url import DatabaseLocation
from bot.core.lifecycle import Accepted, step
from bot.render.export import logbog_markdown
from tests.fakes.connector import FakeConnector
from tests.fakes.gatewayapi import FakeGatewayApi, SentSms
from tests.fakes.graph import FakeGraph
from tests.fakes.twilio_voice import FakeCall, FakeTwilioVoice
from tests.markdown import shown_texts, visible
from tests.plans import SUMMONED_EXTERNAL
from tests.protocol.crisis import Crisis, activated, verbs
from tests.protocol.sms import (  # noqa: F401 (fixtures)
    Clock, clock, gateway, graph, later, more_settings, phone_settings, reachable_plan, start_crisis, voice,
)
from tests.protocol.teams import CLAUS, JESPER

MOBILE = 4520112266
"""The mobile number of ``vagtchef``, as the gateway writes it."""
NAME = "Vagtchef hos politiet"


@pytest.fixture
async def crisis(settings_for, start_bot, connector: FakeConnector, graph: FakeGraph, gateway: FakeGatewayApi,
                 voice: FakeTwilioVoice, clock: Clock, tmp_path: Path, more_settings: dict) -> Crisis:
    settings = phone_settings(settings_for, graph, gateway, voice, **more_settings)
    return await start_crisis(start_bot, settings, reachable_plan(tmp_path, SUMMONED_EXTERNAL), connector, voice, clock)


def texts_to_it(gateway: FakeGatewayApi) -> list[SentSms]:
    return [sms for sms in gateway.sent if sms.msisdn == MOBILE]


def calls_to_it(voice: FakeTwilioVoice) -> list[FakeCall]:
    return [call for call in voice.calls if call.to == f"+{MOBILE}"]


async def externals_on_the_card(crisis: Crisis) -> list[str]:
    """The «Eksterne (n)» lines of the situation card the crisis leader gets with «status»."""
    await crisis.says(JESPER, "status")
    card = [visible(text) for text in shown_texts(crisis.latest_card(JESPER))]
    start = next(i for i, line in enumerate(card) if line.startswith("Eksterne ("))
    return card[start + 1:start + 1 + int(card[start].removeprefix("Eksterne (").rstrip(")"))]


async def thread_lines(crisis: Crisis, crisis_id: str) -> list[str]:
    """The log thread's posts as a reader sees them now (a wave's summary as last edited)."""
    thread = await crisis.bot.store.thread(crisis_id=crisis_id)
    lines = [visible(post["text"]) for post in crisis.connector.transcript(thread.conversation_id) if post.get("text")]
    return lines


async def test_the_crisis_leader_summons_it_from_the_chat_and_its_sms_answer_shows_its_arrival(
    crisis: Crisis, gateway: FakeGatewayApi, voice: FakeTwilioVoice, clock: Clock
) -> None:
    crisis_id = await activated(crisis)

    await crisis.says(JESPER, "ekstern vagtchef indkald Mød ved hovedindgangen")
    await crisis.settled()

    assert crisis.connector.texts(JESPER.chat_id)[-1] == (
        f"Krisebot indkalder nu den eksterne deltager i {crisis_id}; svaret kommer på situationsbilledet."
    )
    [summons] = texts_to_it(gateway)
    assert summons.message == (
        f"Krise {crisis_id}: Jesper Thyrring Møller (Kommunaldirektør, Struer Kommune) indkalder dig til krisestaben. "
        'Mød: Byrådssalen, Struer Rådhus kl. 09:30. Svar til 1204: "KRISE 1K" kommer (+ minutter), "KRISE 1N" kommer ikke.'
    )
    assert "Lønkørslen" not in summons.message, "what the alarm says stays in the crisis room"
    [call] = calls_to_it(voice)
    assert await externals_on_the_card(crisis) == [f"{NAME} – indkaldt kl. 08:00 – Mød ved hovedindgangen"]

    answer = await gateway.inbound(str(crisis.bot.client.make_url("/api/sms/gatewayapi")), MOBILE, "KRISE 1K 20")
    assert answer.status == 200
    await later(crisis, clock, 60)

    assert await externals_on_the_card(crisis) == [
        f"{NAME} – indkaldt kl. 08:00 · kommer, ankomst ca. 08:20 – Mød ved hovedindgangen"
    ]
    assert texts_to_it(gateway)[-1].message == f"Krisebot: {crisis_id}: modtaget - du kommer."
    lines = await thread_lines(crisis, crisis_id)
    assert any(
        line.endswith(f"Jesper Thyrring Møller (Kommunaldirektør): {NAME} indkaldes af Krisebot – «Mød ved hovedindgangen»")
        for line in lines
    ), lines
    assert "08:00 · Indkaldelse af ekstern deltager til 1 person: 1 nået (sms)" in lines, "its wave, the call left ringing"
    assert any(
        f"{NAME} (ekstern deltager): Svar på indkaldelse fra {NAME} via sms: Kommer, ankomst ca. kl. 08:20 (20 min)" in line
        for line in lines
    ), lines
    await crisis.says(JESPER, f"eksport {crisis_id}")
    export = visible(crisis.connector.texts(JESPER.chat_id)[-1])
    assert (
        f"{NAME}\nindkaldt via sms, opkald\nJesper Thyrring Møller (Kommunaldirektør)\n2026-11-28 08:00:00 +01:00\n"
        "Mød ved hovedindgangen\nKommer, ankomst ca. kl. 08:20 (20 min)"
    ) in export, "the row of «Eksterne deltagere»"

    clock.now += crisis.bot.client.app[CRISES].plan.escalation.ack_timeout * 10
    await crisis.settled()
    assert len(texts_to_it(gateway)) == 2 and len(calls_to_it(voice)) == 1, "one summons: no repeat, no escalation"
    assert not call.heard, "the call rang and was never picked up; nobody else was paged for it"


async def test_the_situation_role_summons_it_from_the_card_and_it_answers_with_a_key(
    crisis: Crisis, voice: FakeTwilioVoice
) -> None:
    crisis_id = await activated(crisis)
    await crisis.says(CLAUS, "status")
    assert "record_external" in verbs(crisis.latest_card(CLAUS))

    after = await crisis.taps(CLAUS, "record_external", crisis=crisis_id, external="vagtchef", status="indkald", note="")
    await crisis.settled()
    [call] = calls_to_it(voice)
    await voice.answer(call)
    heard = call.words()
    await voice.press(call, "2")
    await crisis.settled()

    assert "Claus Vagn Ohrt, Afdelingsleder for IT og Digitalisering i Struer Kommune, indkalder dig til krisestaben." in heard
    assert "Tryk 1, hvis du kommer." in heard and "Tryk 2, hvis du ikke kommer." in heard
    assert call.words()[len(heard):len(heard) + 2] == ["Tak.", "Det er registreret: du kommer ikke."]
    assert any(f"{NAME} – indkaldt kl." in visible(text) for text in shown_texts(after)), "the tap answers with the card"
    assert await externals_on_the_card(crisis) == [f"{NAME} – indkaldt kl. 08:00 · kommer ikke"]
    lines = await thread_lines(crisis, crisis_id)
    assert any(f"Claus Vagn Ohrt (Afdelingsleder for IT og Digitalisering): {NAME} indkaldes af Krisebot" in l for l in lines)
    assert any(f"Svar på indkaldelse fra {NAME} via telefon: Kommer ikke" in line for line in lines), lines
    assert "08:00 · Indkaldelse af ekstern deltager til 1 person: 1 nået (sms, opkald)" in lines
    events = await crisis.bot.store.events(crisis_id=crisis_id)
    assert [e.payload.outcome for e in events if e.payload.type == "key_pressed"] == ["kommer ikke pr. telefon (tast 2)"], (
        "the logbog keeps the key"
    )


async def test_a_summons_that_reaches_it_on_no_channel_says_so_on_the_card_and_in_the_logbog(
    crisis: Crisis, gateway: FakeGatewayApi, voice: FakeTwilioVoice, clock: Clock
) -> None:
    crisis_id = await activated(crisis)
    gateway.refuse_number(MOBILE)

    await crisis.says(JESPER, "ekstern vagtchef indkald")
    await crisis.settled()
    await voice.ring_out()
    await crisis.settled()

    assert await externals_on_the_card(crisis) == [f"{NAME} – indkaldt kl. 08:00 · ikke nået"]
    lines = await thread_lines(crisis, crisis_id)
    assert (
        f"08:00 · Indkaldelse af ekstern deltager til 1 person: 1 kan ikke nås: {NAME} – sms: GatewayAPI afviste nummeret "
        f"+{MOBILE}, opkald: ikke taget"
    ) in lines, lines
    export = visible(logbog_markdown(crisis.bot.client.app[CRISES].plan, await crisis.bot.store.events(crisis_id=crisis_id)))
    assert f"Alarmering af {NAME} kunne ikke sendes via sms – indkaldelse af ekstern deltager" in export
    assert f"Alarmering af {NAME} via opkald – indkaldelse af ekstern deltager: opkaldene blev ikke besvaret" in export
    assert "eskaleres" not in export

    clock.now += timedelta(minutes=5)
    await crisis.says(JESPER, "ekstern vagtchef indkald")
    await crisis.settled()
    assert len(calls_to_it(voice)) == 2, "summoned again by hand, it is called again"
    assert await externals_on_the_card(crisis) == [f"{NAME} – indkaldt kl. 08:05"], "and waits for its answer again"
    events = await crisis.bot.store.events(crisis_id=crisis_id)
    assert [e.payload.channel for e in events if e.payload.type == "page_failed" and e.payload.person == "vagtchef"] == [
        "sms", "sms"
    ]


async def test_a_summons_recorded_before_a_crash_goes_out_once_after_the_restart(
    database: DatabaseLocation, settings_for, start_bot, connector: FakeConnector, graph: FakeGraph,
    gateway: FakeGatewayApi, voice: FakeTwilioVoice, clock: Clock, tmp_path: Path,
) -> None:
    """The summons and its page are in the logbog, but the process died before the page reached the outbox."""
    settings = phone_settings(settings_for, graph, gateway, voice, database=database)
    plan = reachable_plan(tmp_path, SUMMONED_EXTERNAL)
    first = await start_crisis(start_bot, settings, plan, connector, voice, clock)
    state = None
    for action, actor in (
        (RaiseAlarm("K-2026-001", "brugere", ("lonudbetaling",), "Lønkørslen fejler"), "cvo"),
        (Triage(TriageDecision.INFORM_DIRECTOR, "Lønnen går ikke ud", via="teams"), "cvo"),
        (Decide(DirectorDecision.ACTIVATE, via="teams", meeting_at=clock.now), "jesper"),
        (SummonExternal("vagtchef"), "jesper"),
    ):
        outcome = step(plan, state, action, actor=actor, now=clock())
        assert isinstance(outcome, Accepted)
        timers = requested_timers(outcome.events, clock()) if isinstance(action, SummonExternal) else []
        await first.bot.store.append_all(
            at=clock(), actor=actor, payloads=list(outcome.events), crisis_id="K-2026-001", timers=timers
        )
        state = outcome.state
    await first.bot.client.close()

    for _ in range(2):
        again = await start_crisis(start_bot, settings, plan, connector, voice, clock)
        again.bot.client.app[PAGER].poke()
        await again.settled()
        await again.bot.client.close()

    [summons] = texts_to_it(gateway)
    assert re.match(r"Krise K-2026-001: Jesper Thyrring Møller \(Kommunaldirektør, Struer Kommune\) indkalder dig", summons.message)
    assert len(calls_to_it(voice)) == 1
