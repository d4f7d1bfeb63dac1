"""With Microsoft Graph: pages also raise the Teams activity feed and send a mail, and someone
who never wrote to the bot is reached by installing the app for them."""

import asyncio

import pytest

from bot.engine import pager
from bot.graph.readiness import entra_findings
from bot.plan import load_plan
from bot.resources import default_plan_path
from tests.fakes.connector import FakeConnector
from tests.fakes.graph import FakeCredential, FakeGraph
from tests.protocol.crisis import Crisis, alarm, verbs
from tests.protocol.teams import CLAUS, EVERYONE, JESPER, installed, page_key, register

CATALOG_ID = "0d7c2a1e-0000-4000-8000-c4741091ab1e"
SENDER = "krisebot@struer.dk"


@pytest.fixture
async def graph():
    async with FakeGraph() as fake:
        fake.add_teams_app(CATALOG_ID)
        for user in EVERYONE:
            fake.add_user(user.aad_object_id, user.upn.lower(), user.name, apps=(CATALOG_ID,) if user is CLAUS else ())
        fake.add_user("mailbox-krisebot", SENDER, "Krisebot")
        yield fake


@pytest.fixture
async def crisis(settings_for, start_bot, connector: FakeConnector, graph: FakeGraph) -> Crisis:
    settings = settings_for(
        graph_tenant_id="5d6a8f1e-0000-4000-8000-5712ae5c0000", graph_client_id="graph-app",
        graph_client_secret="not-a-real-secret", graph_base_url=graph.url, graph_mail_sender=SENDER,
        teams_app_catalog_id=CATALOG_ID,
    )
    bot = await start_bot(settings, graph_credential=FakeCredential())
    register(connector, *EVERYONE)
    assert (await bot.post(installed(CLAUS, connector.url))).status == 201
    return Crisis(bot, connector)


async def test_a_page_goes_to_teams_the_activity_feed_and_mail(crisis: Crisis, graph: FakeGraph) -> None:
    crisis_id = await alarm(crisis)

    assert any("triage_inform_director" in verbs(card) for card in crisis.cards_of(CLAUS))
    [feed] = graph.notifications()
    assert feed.user == CLAUS.aad_object_id or feed.user == CLAUS.upn.lower()
    [mail] = graph.mails()
    assert mail.user == SENDER and crisis_id in str(mail.body)
    channels = {e.payload.channel for e in await crisis.bot.store.events(crisis_id=crisis_id) if e.payload.type == "page_sent"}
    assert channels == {"voice", "teams", "feed", "mail"}, "the page also goes as a call, as the plan says"


async def test_the_activity_feed_and_mail_go_once_the_teams_card_is_answered(
    crisis: Crisis, graph: FakeGraph, connector: FakeConnector
) -> None:
    answered = connector.hold(lambda activity: page_key(activity) is not None)

    await crisis.taps(CLAUS, "raise_alarm", source="brugere", deliveries="lonudbetaling", description="Lønkørslen fejler")
    await connector.wait_for(lambda requests: any(page_key(r.activity) for r in requests))
    while_held = len(graph.requests)
    answered.set()
    await crisis.settled()

    sends = {"send_activity_notification", "send_mail"}
    before, after = graph.requests[:while_held], graph.requests[while_held:]
    assert not [r.operation for r in before if r.operation in sends], "Graph was called before Teams answered the card"
    assert sorted(r.operation for r in after if r.operation in sends) == sorted(sends)
    assert len(graph.notifications()) == 1 and len(graph.mails()) == 1


async def test_a_teams_that_does_not_answer_holds_the_feed_and_mail_back_only_briefly(
    crisis: Crisis, graph: FakeGraph, connector: FakeConnector, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pager, "FOLLOW_UP_WAIT", 0.3)
    answered = connector.hold(lambda activity: page_key(activity) is not None)

    await crisis.taps(CLAUS, "raise_alarm", source="brugere", deliveries="lonudbetaling", description="Lønkørslen fejler")
    for _ in range(200):
        if graph.notifications() and graph.mails():
            break
        await asyncio.sleep(0.01)

    assert len(graph.notifications()) == 1 and len(graph.mails()) == 1, "feed and mail waited for the unanswered card"
    answered.set()
    await crisis.settled()


async def test_someone_who_never_wrote_to_the_bot_gets_the_app_installed_and_the_card(
    crisis: Crisis, graph: FakeGraph, connector: FakeConnector
) -> None:
    crisis_id = await alarm(crisis)

    await crisis.taps(CLAUS, "triage_inform_director", crisis=crisis_id, assessment="Alvorligt")
    await crisis.settled()

    assert graph.installed(JESPER.aad_object_id) == [CATALOG_ID]
    [chat] = {r.conversation_id for r in connector.requests if r.conversation_id.startswith(f"19:{JESPER.aad_object_id}")}
    assert [card for card in connector.cards(chat) if "director_activate" in verbs(card)]
    sent = [e.payload for e in await crisis.bot.store.events(crisis_id=crisis_id) if e.payload.type == "page_sent"]
    assert ("jesper", "teams") in {(p.person, p.channel) for p in sent}


async def test_check_reports_people_missing_in_entra_and_mobile_numbers_that_differ(settings_for, graph: FakeGraph) -> None:
    graph._users.pop(JESPER.aad_object_id)
    graph.add_user("aad-emilbc", "emilbc@struer.dk", "Emil B. Christensen", mobile_phone="+45 20 00 00 01")
    settings = settings_for(
        graph_tenant_id="t", graph_client_id="graph-app", graph_client_secret="not-a-real-secret", graph_base_url=graph.url,
    )

    findings = await entra_findings(settings, load_plan(default_plan_path()), credential=FakeCredential())

    assert any("Jesper Thyrring Møller" in f and "findes ikke i Entra" in f for f in findings)
    assert any("Emil B. Christensen" in f and "+45 20 00 00 01" in f and "planens nummer bruges" in f for f in findings)
    assert len(findings) == 2
