"""Arrivals at the meeting place, recorded in Teams on the bundled plan.

People say they come («Kommer, 20 min»); the crisis room records who actually arrived, by ``ankommet`` in the chat
or by «Registrér ankomst» on the situation card, and the situation card shows when each arrived.
"""

from datetime import timedelta

from bot.app import CRISES
from bot.clock import LOCAL_TIME
from bot.core.state import fold
from tests.clock import Clock
from tests.markdown import shown_texts, visible, walk
from tests.protocol.crisis import Crisis, activated, at, verbs
from tests.protocol.teams import CLAUS, HENRIK, JESPER, LISBETH
from tests.protocol.test_contacts import clock, crisis, last_reply  # noqa: F401 (the crisis room with its log channel)


def people_on(card: dict) -> list[str]:
    """The situation card's lines from «Kommer (n)» to the alarm, as a reader sees them."""
    texts = [visible(text) for text in shown_texts(card)]
    start = next(i for i, text in enumerate(texts) if text.startswith("Kommer ("))
    return texts[start:start + 8]


async def test_the_director_records_arrivals_by_command_and_by_the_card_and_the_situation_card_shows_them(
    crisis: Crisis, clock: Clock
) -> None:
    crisis_id = await activated(crisis)
    await crisis.taps(HENRIK, "summons_coming", crisis=crisis_id, eta="20 min")
    await crisis.taps(CLAUS, "summons_coming", crisis=crisis_id, eta="efter mødet på skolen")
    await crisis.settled()
    await at(crisis, clock, clock.now + timedelta(minutes=18))
    arrived = f"{clock.now.astimezone(LOCAL_TIME):%H:%M}"

    await crisis.says(JESPER, "ankommet henrik jebjerg mogensen")
    assert last_reply(crisis, JESPER) == f"Ankomsten er registreret i logbogen for {crisis_id}."
    await crisis.says(JESPER, f"ANKOMMET {crisis_id}")
    await crisis.says(JESPER, "status")
    assert "record_arrival" in verbs(crisis.latest_card(JESPER))
    after = await crisis.taps(JESPER, "record_arrival", crisis=crisis_id, person="lak")
    await crisis.settled()

    answered = f"{crisis.bot.client.app[CRISES].get(crisis_id).answers['cvo'].at.astimezone(LOCAL_TIME):%H:%M}"
    assert people_on(after)[:5] == [
        "Kommer (4)",
        f"Jesper Thyrring Møller – ankommet kl. {arrived}",
        f"Claus Vagn Ohrt – ankomst efter mødet på skolen (svar kl. {answered})",
        f"Henrik Jebjerg Mogensen – ankommet kl. {arrived}",
        f"Lisbeth Kusk – ankommet kl. {arrived}",
    ]
    state = crisis.bot.client.app[CRISES].get(crisis_id)
    assert state.answers["hjm"].eta == "20 min", "the stated arrival is kept beside the recorded one"
    assert state.answers["lak"].coming, "Lisbeth had not answered: her arrival is her «kommer»"
    events = await crisis.bot.store.events(crisis_id=crisis_id)
    assert [(e.payload.person, e.actor) for e in events if e.payload.type == "arrival_recorded"] == [
        ("hjm", "jesper"), ("jesper", "jesper"), ("lak", "jesper"),
    ]
    assert fold(events).arrivals == state.arrivals, "rebuilt from the logbog"
    await crisis.says(JESPER, "status")
    [person] = [node for node in walk(_arrival_form(crisis.latest_card(JESPER))) if node.get("id") == "person"]
    offered = [choice["value"] for choice in person["choices"]]
    assert "cvo" in offered and not {"jesper", "hjm", "lak"} & set(offered), "the form offers who has not arrived"


async def test_a_second_arrival_is_refused_with_the_time_of_the_first(crisis: Crisis) -> None:
    crisis_id = await activated(crisis)
    await crisis.says(HENRIK, "ankommet")
    await crisis.settled()
    first = crisis.bot.client.app[CRISES].get(crisis_id).arrivals["hjm"]

    await crisis.says(JESPER, f"ankommet hjm {crisis_id}")
    await crisis.taps(JESPER, "record_arrival", crisis=crisis_id, person="hjm")
    await crisis.settled()

    refusal = f"Henrik Jebjerg Mogensen er allerede registreret ankommet kl. {first.astimezone(LOCAL_TIME):%H:%M}; intet er ændret."
    assert crisis.connector.texts(JESPER.chat_id)[-2:] == [refusal, refusal]
    events = await crisis.bot.store.events(crisis_id=crisis_id)
    assert [(e.payload.person, e.actor) for e in events if e.payload.type == "arrival_recorded"] == [("hjm", "hjm")]


async def test_people_record_their_own_arrival_and_only_the_crisis_room_records_others(crisis: Crisis) -> None:
    crisis_id = await activated(crisis)

    await crisis.says(LISBETH, "ankommet Henrik")
    refusal = last_reply(crisis, LISBETH)
    await crisis.says(LISBETH, "arrived")
    await crisis.says(CLAUS, "ankommet Brandvæsnet")
    await crisis.settled()

    assert refusal.startswith("Det må kun Kriseleder") and "Ansvarlig for situationsbillede" in refusal
    assert last_reply(crisis, LISBETH) == f"Ankomsten er registreret i logbogen for {crisis_id}."
    assert "Hvem er ankommet? «Brandvæsnet» er ikke én person eller ekstern deltager i kriseplanen" in visible(last_reply(crisis, CLAUS))
    assert "politi (Indsatsleder fra politiet)" in visible(last_reply(crisis, CLAUS))
    assert list(crisis.bot.client.app[CRISES].get(crisis_id).arrivals) == ["lak"]


async def test_help_lists_ankommet(crisis: Crisis) -> None:
    await crisis.says(JESPER, "hjælp")

    help_text = "\n".join(visible(text) for text in shown_texts(crisis.latest_card(JESPER)))
    assert "ankommet [person] [K-ÅÅÅÅ-NNN]" in help_text


def _arrival_form(card: dict) -> dict:
    return next(action["card"] for action in card["actions"] if action.get("title") == "Registrér ankomst")
