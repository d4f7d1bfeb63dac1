"""A role somebody must cover: a person nobody can reach is passed over at once, «kommer ikke» summons the
next holder, and a role nobody answers for is told to the crisis leader and the situation role (the
triage goes to the crisis leader). The real app on the bundled plan as shipped, a clock moved by hand."""

from datetime import timedelta

import pytest

from bot.app import CRISES
from bot.engine.pager import OUTCOME_WAIT
from bot.plan import load_plan
from bot.render.log_lines import log_line
from bot.resources import default_plan_path
from tests.markdown import shown_texts, visible
from tests.clock import Clock
from tests.fakes.connector import FakeConnector
from tests.fakes.twilio_voice import FakeTwilioVoice
from tests.protocol.crisis import Crisis, activated, alarm, at, installed_for, text_of, verbs
from tests.protocol.teams import CLAUS, EMIL, EVERYONE, HENRIK, JESPER, LISBETH, MARIA

PLAN = load_plan(default_plan_path())
TIMEOUT = PLAN.ack_timeout(PLAN.role_by_id["it"])
SCHEDULE = TIMEOUT * (PLAN.repeat(PLAN.role_by_id["it"]) + 1) * 2
"""The triage role's whole schedule: the IT head alone, then with his deputy; then it has run out."""
PUBLIC_URL = "https://krisebot.struer.dk"


@pytest.fixture
async def crisis(settings_for, start_bot, connector: FakeConnector, clock: Clock) -> Crisis:
    """Everyone has written to the bot; calls and SMS go to the console."""
    return await installed_for(await start_bot(settings_for(), clock=clock), connector, EVERYONE)


@pytest.fixture
async def ringing(settings_for, start_bot, connector: FakeConnector, twilio: FakeTwilioVoice, clock: Clock) -> Crisis:
    """The finance head never wrote to the bot; calls go to a Twilio whose calls ring until a test ends them."""
    settings = settings_for(
        public_url=PUBLIC_URL, voice_provider="twilio", voice_caller_id="+4596848000", twilio_base_url=twilio.url.rstrip("/"),
        twilio_account_sid=twilio.account_sid, twilio_auth_token=twilio.auth_token,
    )
    bot = await start_bot(settings, clock=clock)
    twilio.serve(PUBLIC_URL, at=str(bot.client.make_url("/")))
    return await installed_for(bot, connector, [user for user in EVERYONE if user is not HENRIK])


def summonses(crisis: Crisis, user) -> list[dict]:
    return [card for card in crisis.cards_of(user) if "summons_coming" in verbs(card)]


def triage_cards(crisis: Crisis, user) -> list[dict]:
    return [card for card in crisis.cards_of(user) if "triage_inform_director" in verbs(card)]


async def payloads(crisis: Crisis, crisis_id: str, kind: str) -> list:
    return [e for e in await crisis.bot.store.events(crisis_id=crisis_id) if e.payload.type == kind]


async def test_the_deputy_of_a_head_no_channel_reaches_is_summoned_as_his_last_channel_fails(
    ringing: Crisis, twilio: FakeTwilioVoice, clock: Clock
) -> None:
    crisis = ringing
    crisis_id = await activated(crisis)
    start = clock.now
    assert [call.to for call in twilio.calls if call.to.endswith("96848211")], "the finance head's landline rings"
    assert summonses(crisis, EMIL) == []

    await at(crisis, clock, start + OUTCOME_WAIT - timedelta(seconds=1))
    assert summonses(crisis, EMIL) == [], "while the call may still be answered, nobody else is summoned"
    await at(crisis, clock, start + OUTCOME_WAIT)

    sms_failed = [e for e in await payloads(crisis, crisis_id, "page_failed") if e.payload.person == "hjm" and e.payload.channel == "sms"][0]
    assert sms_failed.at == start + OUTCOME_WAIT, "his last channel, the SMS after the call, fails: he has no mobile"
    [emil] = summonses(crisis, EMIL)
    assert "ansvarlig for økonomi" in text_of(emil)
    [sent] = [e for e in await payloads(crisis, crisis_id, "page_sent") if e.payload.person == "emilbc" and e.payload.channel == "teams"]
    assert sent.at - sms_failed.at < timedelta(seconds=1), "not after the acknowledgement timeout"
    [lost] = await payloads(crisis, crisis_id, "page_delivery_reported")
    assert (lost.payload.person, lost.payload.roles, lost.payload.status.value) == ("hjm", ["okonomi"], "unanswered")


async def test_kommer_ikke_summons_the_next_holder_at_once_and_is_never_paged_again(crisis: Crisis, clock: Clock) -> None:
    crisis_id = await activated(crisis)
    start = clock.now
    assert len(summonses(crisis, LISBETH)) == 1 and summonses(crisis, MARIA) == []

    await crisis.taps(LISBETH, "summons_not_coming", crisis=crisis_id)
    await crisis.settled()

    [maria] = summonses(crisis, MARIA)
    assert "ansvarlig for kommunikation" in text_of(maria)
    state = crisis.bot.client.app[CRISES].get(crisis_id)
    assert not state.role_acknowledged("kommunikation", "summons"), "«kommer ikke» covers no role"
    await at(crisis, clock, start + TIMEOUT * 3)
    assert len(summonses(crisis, LISBETH)) == 1, "she said she is not coming: never paged again for the role"
    assert len(summonses(crisis, MARIA)) > 1, "the role still waits for someone who comes"

    await crisis.taps(LISBETH, "summons_coming", crisis=crisis_id, eta="1 time")
    await crisis.settled()
    assert crisis.bot.client.app[CRISES].get(crisis_id).role_acknowledged("kommunikation", "summons")


async def test_a_role_nobody_answers_for_is_told_to_the_crisis_leader_and_the_situation_role(
    crisis: Crisis, clock: Clock
) -> None:
    crisis_id = await activated(crisis)
    start = clock.now
    for user in (JESPER, CLAUS, LISBETH):
        await crisis.taps(user, "summons_coming", crisis=crisis_id, eta="")
    await crisis.settled()
    before = {user: len(crisis.cards_of(user)) for user in (JESPER, CLAUS)}

    await at(crisis, clock, start + SCHEDULE - timedelta(seconds=1))
    assert {user: len(crisis.cards_of(user)) for user in (JESPER, CLAUS)} == before
    await at(crisis, clock, start + SCHEDULE)

    for user in (JESPER, CLAUS):
        [notice] = crisis.cards_of(user)[before[user]:]
        assert "Ingen har kvitteret for ansvarlig for økonomi" in text_of(notice)
    assert crisis.bot.client.app[CRISES].get(crisis_id).uncovered == (("summons", "okonomi"),)
    [uncovered] = await payloads(crisis, crisis_id, "role_uncovered")
    assert uncovered.at == start + SCHEDULE
    assert "Ingen har kvitteret for ansvarlig for økonomi – indkaldelse" in log_line(PLAN, uncovered)
    await crisis.says(JESPER, "status")
    warnings = [text for text in map(visible, shown_texts(crisis.latest_card(JESPER))) if text.startswith("⚠")]
    assert warnings == ["⚠ Ingen har svaret for: Ansvarlig for økonomi (alle i kæden er prøvet)"], "the card's top says so"

    await at(crisis, clock, start + SCHEDULE * 3)
    assert len(await payloads(crisis, crisis_id, "role_uncovered")) == 1, "once per role and purpose"
    await crisis.taps(EMIL, "summons_coming", crisis=crisis_id, eta="")
    await crisis.settled()
    assert crisis.bot.client.app[CRISES].get(crisis_id).uncovered == ()


async def test_a_triage_nobody_in_it_answers_goes_to_the_crisis_leader_who_may_triage(crisis: Crisis, clock: Clock) -> None:
    start = clock.now
    crisis_id = await alarm(crisis, user=LISBETH)

    await at(crisis, clock, start + SCHEDULE - timedelta(seconds=1))
    assert triage_cards(crisis, JESPER) == []
    await at(crisis, clock, start + SCHEDULE)

    [triage] = triage_cards(crisis, JESPER)
    assert crisis_id in text_of(triage)
    await crisis.says(LISBETH, "status")
    situation = crisis.latest_card(LISBETH)
    assert "Vurderes af kriseleder" in text_of(situation) and "Vurderes af IT" not in text_of(situation)
    assert "⚠ Ingen har svaret for: Ansvarlig for IT og Digitalisering (alle i kæden er prøvet)" in text_of(situation)

    await crisis.taps(JESPER, "triage_inform_director", crisis=crisis_id, assessment="IT svarer ikke; vi tager den")
    await crisis.settled()
    assert crisis.bot.client.app[CRISES].get(crisis_id).phase == "director"
