"""Anyone of the organisation's tenant raises an alarm in Teams: an employee who uses a critical system and is
not in the crisis plan. The IT head sees who raised it, the reporter is told what becomes of it, and they can
do nothing else."""

from datetime import timedelta

import pytest

from bot.app import CRISES, PLAN
from bot.plan import Plan, load_plan
from bot.render.export import logbog_markdown
from bot.resources import default_plan_path
from tests.clock import Clock
from tests.fakes.connector import FakeConnector
from tests.markdown import shown_texts, visible
from tests.protocol.crisis import Crisis, facts_of, installed_for, text_of, verbs
from tests.protocol.teams import CLAUS, JESPER, OUTSIDER, TENANT, TeamsUser, tap
from tests.schemas import assert_valid_card

REPORT = {"source": "brugere", "deliveries": "lonudbetaling", "description": "Lønsystemet viser fejl 500", "phone": ""}


@pytest.fixture
async def crisis(settings_for, start_bot, connector: FakeConnector, clock: Clock) -> Crisis:
    return await installed_for(await start_bot(settings_for(), clock=clock), connector)


async def outsider_alarm(crisis: Crisis, user: TeamsUser = OUTSIDER, **fields: str) -> dict:
    """``user`` writes «alarm» in their chat and sends the form; the card the tap is answered with."""
    await crisis.says(user, "alarm")
    answer = await crisis.taps(user, "raise_alarm", **{**REPORT, **fields})
    await crisis.settled()
    return answer


def notices(crisis: Crisis, user: TeamsUser = OUTSIDER) -> list[str]:
    """The chat messages ``user`` has received, as they read them."""
    return [visible(text) for text in crisis.connector.texts(user.chat_id)]


def triage_card(crisis: Crisis) -> dict:
    [card] = [card for card in crisis.cards_of(CLAUS) if "triage_inform_director" in verbs(card)]
    return card


async def test_someone_outside_the_plan_gets_the_alarm_form_and_the_it_head_sees_who_raised_it(crisis: Crisis) -> None:
    await crisis.says(OUTSIDER, "alarm")

    [form] = crisis.cards_of(OUTSIDER)
    assert_valid_card(form)
    assert verbs(form) == {"raise_alarm"}
    assert "29 25 65 11" not in text_of(form) and "Stedfortræder" not in text_of(form), "the form, not the roster"

    answer = await crisis.taps(OUTSIDER, "raise_alarm", **REPORT)
    await crisis.settled()

    assert "Alarm K-2026-001 er sendt" in text_of(answer)
    assert "Du får besked her i chatten" in text_of(answer) and "«status»" not in text_of(answer)
    facts = facts_of(triage_card(crisis))
    assert facts["Anmeldt af"] == "Anne Andersen (anne@example.org), uden for kriseplanen"
    assert facts["Berørte leverancer"] == "Lønudbetaling"
    exported = logbog_markdown(crisis.bot.client.app[PLAN], await crisis.bot.store.events(crisis_id="K-2026-001"))
    assert "anmelder: Anne Andersen (anne@example.org), uden for kriseplanen" in exported
    assert "| Rejst af | Anne Andersen (anne@example.org) |" in exported


async def test_the_reporter_is_told_when_it_is_assessed_as_not_critical(crisis: Crisis) -> None:
    await outsider_alarm(crisis)

    await crisis.taps(CLAUS, "triage_not_critical", crisis="K-2026-001", assessment="Kun én bruger, kendt fejl")
    await crisis.settled()

    assert notices(crisis) == [
        "Din alarm K-2026-001 («Lønsystemet viser fejl 500») er vurderet af Claus Vagn Ohrt: ikke kritisk. "
        "Der sker ikke mere med den; skriv «alarm» igen, hvis det bliver værre."
    ]


async def test_the_reporter_is_told_when_the_crisis_staff_is_called_together_and_when_it_is_closed(crisis: Crisis) -> None:
    await outsider_alarm(crisis)
    await crisis.taps(CLAUS, "triage_inform_director", crisis="K-2026-001", assessment="Ingen løn i morgen")
    await crisis.settled()
    assert notices(crisis) == [], "passing it on to the director is no news to the reporter"

    await crisis.taps(JESPER, "director_activate", crisis="K-2026-001", meeting_time="09:30", note="")
    await crisis.settled()
    await crisis.says(JESPER, "afslut K-2026-001")
    await crisis.settled()

    assert notices(crisis) == [
        "Din alarm K-2026-001 («Lønsystemet viser fejl 500»): Jesper Thyrring Møller har kaldt krisestaben sammen. "
        "Du bliver kontaktet, hvis der er brug for dig.",
        "Din alarm K-2026-001 («Lønsystemet viser fejl 500») er afsluttet.",
    ]
    assert [card for card in crisis.cards_of(OUTSIDER) if "summons_coming" in verbs(card)] == [], "not summoned"


async def test_the_reporter_is_told_when_the_director_decides_no_action(crisis: Crisis) -> None:
    await outsider_alarm(crisis)
    await crisis.taps(CLAUS, "triage_inform_director", crisis="K-2026-001", assessment="Måske alvorligt")
    await crisis.settled()
    await crisis.taps(JESPER, "director_no_action", crisis="K-2026-001", note="")
    await crisis.settled()

    assert notices(crisis) == ["Din alarm K-2026-001 («Lønsystemet viser fejl 500») er afsluttet."]


@pytest.mark.parametrize(
    "command", ["status", "roller", "log Kaffen er kold", "afslut", "eskalér", "eksport", "kontakt hjm telefon kvitteret"]
)
async def test_someone_outside_the_plan_can_do_nothing_but_raise_alarms(crisis: Crisis, command: str) -> None:
    await outsider_alarm(crisis)

    await crisis.says(OUTSIDER, command)
    await crisis.settled()

    [answer] = notices(crisis)
    assert answer.startswith("Du står ikke i kriseplanen, så det kan jeg ikke vise eller gøre for dig.")
    assert "Du kan altid slå alarm med «alarm»" in answer and "Claus Vagn Ohrt" in answer
    assert "K-2026-001" not in answer and "Lønsystemet" not in answer
    assert crisis.bot.client.app[CRISES].get("K-2026-001").phase.value == "triage"
    recorded = {event.payload.type for event in await crisis.bot.store.events(crisis_id="K-2026-001")}
    assert not recorded & {"log_entry_added", "crisis_closed", "escalation_requested", "contact_recorded", "acknowledged"}


async def test_someone_outside_the_plan_cannot_acknowledge_or_decide_from_a_card(crisis: Crisis) -> None:
    await outsider_alarm(crisis)

    for verb, data in (("acknowledge", {}), ("triage_not_critical", {"assessment": "Ikke kritisk"})):
        card = await crisis.taps(OUTSIDER, verb, crisis="K-2026-001", **data)
        assert "Du står ikke i kriseplanen" in text_of(card)
    await crisis.settled()

    state = crisis.bot.client.app[CRISES].get("K-2026-001")
    assert state.phase.value == "triage" and state.triage is None
    assert not any(page.acknowledged_at for page in state.pages)


async def test_a_person_outside_the_plan_raises_at_most_three_alarms_an_hour(crisis: Crisis, clock: Clock) -> None:
    for n in range(3):
        await outsider_alarm(crisis, description=f"Fejl nummer {n + 1}")
        clock.now += timedelta(minutes=10)

    await crisis.says(OUTSIDER, "alarm")
    refused = await crisis.taps(OUTSIDER, "raise_alarm", **REPORT)

    limited = (
        "Du har slået 3 alarmer inden for den seneste time, så denne er ikke sendt. Du kan slå alarm igen kl. 09:00. "
        "Er det akut, så kontakt Claus Vagn Ohrt (Afdelingsleder for IT og Digitalisering) direkte."
    )
    assert notices(crisis)[-1] == limited, "the «alarm» command says so before the form is filled in"
    assert limited in [visible(text) for text in shown_texts(refused)]
    assert len(crisis.bot.client.app[CRISES].all()) == 3

    clock.now += timedelta(minutes=30)  # 09:00 local: the first alarm is an hour old
    await outsider_alarm(crisis, description="Fejl nummer 4")
    assert len(crisis.bot.client.app[CRISES].all()) == 4


async def test_plan_people_raise_alarms_without_a_limit_and_are_not_sent_notices(crisis: Crisis) -> None:
    for n in range(4):
        answer = await crisis.taps(CLAUS, "raise_alarm", **{**REPORT, "description": f"Fejl {n}"})
        assert f"Alarm K-2026-00{n + 1} er sendt" in text_of(answer) and "«status»" in text_of(answer)
    await crisis.settled()
    await crisis.taps(CLAUS, "triage_not_critical", crisis="K-2026-001", assessment="Ikke kritisk")
    await crisis.settled()

    assert len(crisis.bot.client.app[CRISES].all()) == 4
    assert not [text for text in notices(crisis, CLAUS) if text.startswith("Din alarm")]


async def test_a_teams_user_without_an_entra_account_cannot_raise_an_alarm(crisis: Crisis) -> None:
    guest = TeamsUser("29:1anonymous", "", "anonymous@example.org", "Mødedeltager")
    activity = tap(guest, crisis.connector.url, "raise_alarm", **REPORT)
    del activity["from"]["aadObjectId"]

    response = await crisis.bot.post(activity)

    body = await response.json()
    assert "Alarmer tages kun imod fra medarbejdere i Struer Kommune" in text_of(body["value"])
    assert crisis.bot.client.app[CRISES].all() == []


async def test_with_the_plans_tenant_set_activities_from_another_tenant_are_refused(
    settings_for, start_bot, connector: FakeConnector
) -> None:
    data = load_plan(default_plan_path()).model_dump(mode="json")
    data["organisation"]["tenant_id"] = TENANT
    bot = await start_bot(settings_for(), Plan.model_validate(data))
    crisis = await installed_for(bot, connector, users=())

    foreign = tap(OUTSIDER, connector.url, "raise_alarm", **REPORT)
    foreign["channelData"]["tenant"]["id"] = foreign["conversation"]["tenantId"] = "7c0ffee0-0000-4000-8000-00000000abcd"

    response = await bot.post(foreign)

    assert response.status == 403
    assert "ukendt tenant" in (await response.json())["error"]
    assert bot.client.app[CRISES].all() == []
    await outsider_alarm(crisis)  # the same person from the plan's tenant
    assert [state.id for state in bot.client.app[CRISES].all()] == ["K-2026-001"]
