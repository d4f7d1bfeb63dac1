"""Contacts made outside Krisebot («via telefonopkald, personligt eller via mail»), recorded in Teams.

The kriseleder and the one responsible for the situation picture record that they reached a
person of the plan, and the answer counts as that person's own; and that an external
participant (police, emergency services …) was contacted or called in.
"""

import re

import pytest

from bot.app import CRISES
from bot.core.state import fold
from bot.plan import load_plan
from bot.resources import default_plan_path
from tests.clock import Clock
from tests.fakes.connector import FakeConnector
from tests.markdown import shown_texts, visible
from tests.protocol.crisis import Crisis, activated, at, installed_for, text_of, verbs
from tests.protocol.teams import CLAUS, HENRIK, JESPER, PETER, in_channel

PLAN = load_plan(default_plan_path())
OKONOMI = PLAN.role_by_id["okonomi"]
DEPUTY_AFTER = PLAN.ack_timeout(OKONOMI) * (PLAN.repeat(OKONOMI) + 1)
"""When a role's first deputy is paged if nobody answered (the escalation schedule)."""


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def crisis(settings_for, start_bot, connector: FakeConnector, clock: Clock) -> Crisis:
    crisis = await installed_for(await start_bot(settings_for(), clock=clock), connector)
    assert (await crisis.bot.post(in_channel(CLAUS, connector.url, "logkanal"))).status == 201
    return crisis


async def thread_lines(crisis: Crisis, crisis_id: str) -> list[str]:
    """The log thread's lines as a reader sees them."""
    thread = await crisis.bot.store.thread(crisis_id=crisis_id)
    return [visible(text) for text in crisis.connector.texts(thread.conversation_id)]


async def pages_for(crisis: Crisis, crisis_id: str, person: str, role: str) -> list[str]:
    """The channels ``person`` was paged on for ``role``."""
    events = await crisis.bot.store.events(crisis_id=crisis_id)
    return [e.payload.channel for e in events if e.payload.type == "page_sent" and e.payload.person == person and role in e.payload.roles]


def last_reply(crisis: Crisis, user) -> str:
    return crisis.connector.texts(user.chat_id)[-1]


async def test_a_recorded_phone_contact_stops_that_roles_escalation(crisis: Crisis, clock: Clock) -> None:
    crisis_id = await activated(crisis)
    summoned_at = clock.now
    assert await pages_for(crisis, crisis_id, "hjm", "okonomi")

    await crisis.says(JESPER, "kontakt hjm telefon kvitteret")
    await crisis.settled()
    await at(crisis, clock, summoned_at + DEPUTY_AFTER * 2)

    assert last_reply(crisis, JESPER) == f"Kontakten er registreret i logbogen for {crisis_id}."
    assert await pages_for(crisis, crisis_id, "emilbc", "okonomi") == [], "the økonomi deputy is not paged"
    assert await pages_for(crisis, crisis_id, "marialouiserj", "kommunikation"), "an unanswered role still escalates"
    state = crisis.bot.client.app[CRISES].get(crisis_id)
    assert state.role_acknowledged("okonomi", "summons")
    lines = await thread_lines(crisis, crisis_id)
    assert any(
        "Jesper Thyrring Møller registrerede: Henrik Jebjerg Mogensen kontaktet pr. telefon — kvitteret" in line
        for line in lines
    ), lines


async def test_a_recorded_arrival_is_the_persons_answer_to_the_summons(crisis: Crisis) -> None:
    crisis_id = await activated(crisis)

    await crisis.says(CLAUS, "kontakt Henrik Jebjerg Mogensen personligt kommer 20 min")
    await crisis.says(PETER, "KONTAKT lisbeth sms kommer ikke")
    await crisis.settled()

    state = crisis.bot.client.app[CRISES].get(crisis_id)
    assert (state.answers["hjm"].coming, state.answers["hjm"].eta) == (True, "20 min")
    assert not state.answers["lak"].coming
    assert fold(await crisis.bot.store.events(crisis_id=crisis_id)).answers == state.answers, "rebuilt from the logbog"
    lines = await thread_lines(crisis, crisis_id)
    assert any(
        "Claus Vagn Ohrt registrerede: Henrik Jebjerg Mogensen kontaktet personligt — kommer, ankomst 20 min" in line
        for line in lines
    )
    assert any("Peter Knudsen registrerede: Lisbeth Kusk kontaktet pr. sms — kommer ikke" in line for line in lines)
    await crisis.says(JESPER, f"eksport {crisis_id}")
    export = visible(last_reply(crisis, JESPER))
    assert "Henrik Jebjerg Mogensen kontaktet personligt — kommer, ankomst 20 min" in export
    assert "Kommer, ankomst ca. kl. 08:20 (20 min)" in export, "the answers to the summons list it"


async def test_only_the_kriseleder_and_the_situation_role_record_contacts(crisis: Crisis) -> None:
    crisis_id = await activated(crisis)

    await crisis.says(HENRIK, "kontakt lak telefon kvitteret")
    await crisis.says(HENRIK, "ekstern politi tilkaldt")
    await crisis.settled()

    refusals = crisis.connector.texts(HENRIK.chat_id)[-2:]
    assert all(r.startswith("Det må kun Kriseleder") and "Ansvarlig for situationsbillede" in r for r in refusals), refusals
    events = await crisis.bot.store.events(crisis_id=crisis_id)
    assert not any(e.payload.type in ("contact_recorded", "external_contacted") for e in events)
    assert "lak" not in crisis.bot.client.app[CRISES].get(crisis_id).answers


async def test_words_that_name_nothing_get_the_choices(crisis: Crisis) -> None:
    crisis_id = await activated(crisis)

    await crisis.says(JESPER, "kontakt Hanne telefon kvitteret")
    assert "vælg en af: jesper (Jesper Thyrring Møller), emilbc (Emil B. Christensen)" in visible(last_reply(crisis, JESPER))
    await crisis.says(JESPER, "kontakt hjm brevdue kvitteret")
    assert "«brevdue» kender jeg ikke; vælg en af: telefon, personligt, mail, sms" in visible(last_reply(crisis, JESPER))
    await crisis.says(JESPER, "kontakt hjm telefon måske")
    assert "vælg en af: kvitteret, kommer [ankomst], kommer ikke" in visible(last_reply(crisis, JESPER))
    await crisis.says(JESPER, "ekstern brandvæsen tilkaldt")
    assert "vælg en af: politi, beredskab, forsyning, myndigheder" in visible(last_reply(crisis, JESPER))
    await crisis.says(JESPER, "kontakt cvo telefon kommer")
    assert last_reply(crisis, JESPER) == f"Kontakten er registreret i logbogen for {crisis_id}."
    await crisis.says(JESPER, "kontakt emilbc telefon kvitteret")
    assert last_reply(crisis, JESPER) == "Emil B. Christensen er ikke blevet kaldt i denne krise, så der er intet at kvittere for."

    events = await crisis.bot.store.events(crisis_id=crisis_id)
    assert [e.payload.person for e in events if e.payload.type == "contact_recorded"] == ["cvo"]


async def test_the_situation_card_records_a_contact_and_an_external_participant(crisis: Crisis) -> None:
    crisis_id = await activated(crisis)
    await crisis.says(JESPER, "status")
    situation = crisis.latest_card(JESPER)
    assert {"record_contact", "record_external"} <= verbs(situation)

    await crisis.taps(JESPER, "record_contact", crisis=crisis_id, person="hjm", how="mail", answer="kommer", eta="14:30")
    after = await crisis.taps(PETER, "record_external", crisis=crisis_id, external="beredskab", status="tilkaldt", note="Sender en vagthavende")
    await crisis.settled()

    state = crisis.bot.client.app[CRISES].get(crisis_id)
    assert state.answers["hjm"].eta == "14:30"
    assert (state.externals["beredskab"].status, state.externals["beredskab"].note) == ("tilkaldt", "Sender en vagthavende")
    assert state.externals["beredskab"].actor == "peter"
    assert "record_external" in verbs(after)
    lines = await thread_lines(crisis, crisis_id)
    assert any("Indsatsleder fra beredskabet tilkaldt – «Sender en vagthavende»" in line for line in lines)


async def test_external_participants_are_recorded_from_the_chat_and_exported(crisis: Crisis) -> None:
    crisis_id = await activated(crisis)

    await crisis.says(JESPER, "ekstern politi kontaktet ringer tilbage kl. 10")
    await crisis.says(CLAUS, "ekstern Indsatsleder fra politiet tilkaldt")
    await crisis.settled()

    assert last_reply(crisis, CLAUS) == f"Den eksterne deltager er registreret i logbogen for {crisis_id}."
    state = crisis.bot.client.app[CRISES].get(crisis_id)
    assert list(state.externals) == ["politi"]
    assert (state.externals["politi"].status, state.externals["politi"].actor) == ("tilkaldt", "cvo")
    assert fold(await crisis.bot.store.events(crisis_id=crisis_id)).externals == state.externals
    await crisis.says(JESPER, "status")
    card = [visible(text) for text in shown_texts(crisis.latest_card(JESPER))]
    called_in = card.index("Eksterne (1)")
    assert re.fullmatch(r"Indsatsleder fra politiet – tilkaldt kl\. \d\d:\d\d", card[called_in + 1]), card[called_in + 1]
    await crisis.says(JESPER, f"eksport {crisis_id}")
    export = visible(last_reply(crisis, JESPER))
    assert "Eksterne deltagere" in export
    assert "Indsatsleder fra politiet kontaktet – «ringer tilbage kl. 10»" in export
    assert "Indsatsleder fra politiet tilkaldt" in export


async def test_help_lists_the_recording_commands(crisis: Crisis) -> None:
    await crisis.says(JESPER, "hjælp")

    help_text = "\n".join(visible(text) for text in shown_texts(crisis.latest_card(JESPER)))
    assert "kontakt [K-ÅÅÅÅ-NNN] <person> <telefon|personligt|mail|sms>" in help_text
    assert "ekstern [K-ÅÅÅÅ-NNN] <id|navn> <kontaktet|tilkaldt|indkald>" in help_text


async def test_the_bundled_plans_external_participants_are_not_summoned_by_krisebot(crisis: Crisis) -> None:
    """The plan text gives them no mobile number: they are called by hand, and recorded."""
    crisis_id = await activated(crisis)
    await crisis.says(JESPER, "status")
    card = crisis.latest_card(JESPER)
    [form] = [action["card"] for action in card["actions"] if action.get("title") == "Eksterne deltagere"]

    await crisis.says(JESPER, "ekstern politi indkald")
    await crisis.settled()

    assert "indkald" not in text_of(form) and "Indkald" not in text_of(form), "the form offers no summons"
    assert last_reply(crisis, JESPER) == (
        "Krisebot kan ikke indkalde Indsatsleder fra politiet: kriseplanen giver ikke deltageren et mobilnummer og "
        "lov til det (summon = true). Ring selv, og registrér deltageren som tilkaldt."
    )
    events = await crisis.bot.store.events(crisis_id=crisis_id)
    assert not any(e.payload.type in ("external_summoned", "external_contacted") for e in events)
    assert not any(getattr(e.payload, "person", "") == "politi" for e in events), "nothing was sent"
