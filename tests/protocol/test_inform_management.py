"""«Underret ledelsen»: the director picks anyone in the plan (its deputy too), or names anyone by their work
address: a plan person, or with Microsoft Graph any Entra user. They get a notice, and the logbog says who was
informed. The real app on the bundled plan as shipped; with Graph against a fake Graph."""

from datetime import timedelta

import pytest

from bot.app import CRISES
from tests.clock import Clock
from tests.fakes.connector import FakeConnector
from tests.fakes.graph import FakeCredential, FakeGraph
from tests.markdown import shown_texts, visible
from tests.protocol.crisis import Crisis, alarm, at, installed_for, verbs
from tests.protocol.teams import CLAUS, EMIL, EVERYONE, HENRIK, JESPER

CATALOG_ID = "0d7c2a1e-0000-4000-8000-c4741091ab1e"
SENDER = "krisebot@struer.dk"
ANNE_ID = "a11e0000-0000-4000-8000-00000000a11e"
ANNE = "anne.andersen@struer.dk"
"""A manager the plan does not name; Entra knows her."""


@pytest.fixture
async def crisis(bot, connector: FakeConnector) -> Crisis:
    return await installed_for(bot, connector)


@pytest.fixture
async def graph():
    async with FakeGraph() as fake:
        fake.add_teams_app(CATALOG_ID)
        for user in EVERYONE:
            fake.add_user(user.aad_object_id, user.upn.lower(), user.name, apps=(CATALOG_ID,))
        fake.add_user(ANNE_ID, ANNE, "Anne Andersen")
        fake.add_user("mailbox-krisebot", SENDER, "Krisebot")
        yield fake


@pytest.fixture
async def with_graph(settings_for, start_bot, connector: FakeConnector, graph: FakeGraph, clock: Clock) -> Crisis:
    settings = settings_for(
        graph_tenant_id="5d6a8f1e-0000-4000-8000-5712ae5c0000", graph_client_id="graph-app",
        graph_client_secret="not-a-real-secret", graph_base_url=graph.url, graph_mail_sender=SENDER,
        teams_app_catalog_id=CATALOG_ID,
    )
    return await installed_for(await start_bot(settings, graph_credential=FakeCredential(), clock=clock), connector)


async def at_the_director(crisis: Crisis) -> str:
    crisis_id = await alarm(crisis)
    await crisis.taps(CLAUS, "triage_inform_director", crisis=crisis_id, assessment="Lønnen går ikke ud")
    await crisis.settled()
    return crisis_id


def choices(card: dict) -> list[str]:
    return [
        choice["value"] for action in card["actions"] if action["type"] == "Action.ShowCard"
        for element in action["card"]["body"] if element.get("id") == "members" for choice in element["choices"]
    ]


async def logbog(crisis: Crisis) -> str:
    await crisis.says(JESPER, "eksport")
    return crisis.connector.texts(JESPER.chat_id)[-1]


async def test_the_director_may_inform_his_deputy_and_anyone_of_the_plan_by_address(crisis: Crisis) -> None:
    crisis_id = await at_the_director(crisis)
    director = crisis.latest_card(JESPER)
    assert choices(director) == ["emilbc", "cvo", "peter", "hjm", "lak", "marialouiserj"], "everyone but himself"

    await crisis.taps(JESPER, "director_inform", crisis=crisis_id, members="emilbc", emails="HJM@struer.dk", note="")
    await crisis.settled()

    for user in (EMIL, HENRIK):
        notice = crisis.latest_card(user)
        assert "Jesper Thyrring Møller har besluttet, at du skal underrettes om hændelsen." in map(visible, shown_texts(notice))
        assert "acknowledge" in verbs(notice), user.name
    assert "Beslutning: Underret ledelsen: Emil B. Christensen, Henrik Jebjerg Mogensen" in await logbog(crisis)


async def test_an_address_neither_the_plan_nor_entra_knows_informs_nobody(crisis: Crisis) -> None:
    crisis_id = await at_the_director(crisis)

    card = await crisis.taps(JESPER, "director_inform", crisis=crisis_id, members="hjm", emails="ukendt@struer.dk", note="")
    await crisis.settled()

    assert (
        "Ingen er underrettet: ukendt@struer.dk er ikke i planen, og Entra kan ikke slås op "
        "(Microsoft Graph er ikke sat op)."
    ) in map(visible, shown_texts(card))
    assert crisis.bot.client.app[CRISES].get(crisis_id).informed == (), "not even the one picked from the list"
    assert "Underret ledelsen" not in await logbog(crisis)


async def test_with_graph_the_director_informs_any_entra_user_by_address_once(
    with_graph: Crisis, graph: FakeGraph, connector: FakeConnector, clock: Clock
) -> None:
    crisis = with_graph
    crisis_id = await at_the_director(crisis)
    start = clock.now

    await crisis.taps(JESPER, "director_inform", crisis=crisis_id, members="", emails="Anne.Andersen@struer.dk", note="Til orientering")
    await crisis.settled()

    assert graph.installed(ANNE_ID) == [CATALOG_ID], "the app is installed for her, so the card reaches her"
    [chat] = {r.conversation_id for r in connector.requests if r.conversation_id and r.conversation_id.startswith(f"19:{ANNE_ID}")}
    [notice] = connector.cards(chat)
    shown = [visible(text) for text in shown_texts(notice)]
    assert crisis_id in shown and "Underretning om kritisk hændelse" in shown
    assert "Jesper Thyrring Møller har besluttet, at du skal underrettes om hændelsen." in shown
    assert verbs(notice) == set(), "she is not in the plan: there is nothing she could answer"
    assert [m.model.message.to_recipients[0].email_address.address for m in graph.mails()][-1] == ANNE
    text = await logbog(crisis)
    assert "Beslutning: Underret ledelsen: Anne Andersen (anne.andersen@struer.dk) – «Til orientering»" in text
    failed = [e.payload for e in await crisis.bot.store.events(crisis_id=crisis_id) if e.payload.type == "page_failed"]
    assert [p for p in failed if p.person == ANNE] == [], "no call or SMS is tried: the plan has no number of hers"

    await at(crisis, clock, start + timedelta(minutes=30))
    assert len(connector.cards(chat)) == 1, "her notice goes once"
