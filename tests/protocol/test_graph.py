"""Krisebot's Graph calls through the real msgraph-sdk client against a fake Graph: users, feed, mail, install."""

from collections.abc import AsyncIterator
from datetime import datetime, timedelta, timezone

import pytest
from azure.core.exceptions import ClientAuthenticationError
from msgraph import GraphServiceClient
from msgraph.generated.models.importance import Importance
from msgraph.generated.models.teamwork_activity_topic_source import TeamworkActivityTopicSource

from bot.channels.base import PageRequest
from bot.channels.feed import ACTIVITY_TYPE, FeedNotifier
from bot.channels.mail import MailNotifier
from bot.core.events import AlarmRaised, DirectorDecided, DirectorDecision, Event, PagePurpose, Triaged, TriageDecision
from bot.core.state import CrisisState, fold
from bot.errors import PermanentError, TransientError
from bot.graph.client import open_graph
from bot.graph.install import ensure_chat
from bot.graph.users import SELECT, GraphUsers
from bot.plan import Person, load_plan
from bot.resources import default_plan_path
from bot.settings import load_settings
from tests.fakes.graph import RETRY_WAIT_SCALE, TOKEN, FakeCredential, FakeGraph

PLAN = load_plan(default_plan_path())
CVO = PLAN.person_by_id["cvo"]
HJM = PLAN.person_by_id["hjm"]
CVO_ID = "11111111-0000-0000-0000-00000000c0c0"
HJM_ID = "22222222-0000-0000-0000-0000000000aa"
APP = "8b1f7f6e-0000-0000-0000-0000000000a1"
SENDER = "krise@struer.dk"
CHAT_URL = "https://teams.microsoft.com/l/chat/0/0?users=28:bot-app-id"
CRISIS = "K-2026-001"
T0 = datetime(2026, 3, 12, 13, 0, tzinfo=timezone.utc)


@pytest.fixture
async def graph() -> AsyncIterator[FakeGraph]:
    async with FakeGraph() as fake:
        fake.add_user(CVO_ID, CVO.email, CVO.name, mobile_phone="+45 96 84 81 43", business_phones=["96848143"], apps=(APP,))
        fake.add_user(HJM_ID, HJM.email, HJM.name)
        fake.add_user("sender-id", SENDER, "Krisebot")
        yield fake


@pytest.fixture
async def msgraph(graph: FakeGraph) -> AsyncIterator[GraphServiceClient]:
    settings = load_settings(_env_file=None, graph_base_url=graph.url)
    async with open_graph(settings, credential=FakeCredential(), retry_wait_scale=RETRY_WAIT_SCALE) as client:
        assert client is not None
        yield client


def crisis(*later: object, description: str = "Ingen kan sende mail.") -> CrisisState:
    payloads = [
        AlarmRaised(source="brugere", deliveries=["o365"], description=description, reporter="lak"),
        *later,
    ]
    return fold([
        Event(seq=n + 1, at=T0 + timedelta(minutes=n), crisis_id=CRISIS, actor="lak" if n == 0 else "cvo", payload=p)
        for n, p in enumerate(payloads)
    ])


def page(person: Person = CVO, purpose: PagePurpose = PagePurpose.TRIAGE, state: CrisisState | None = None,
         roles: tuple[str, ...] = ("it",)) -> PageRequest:
    return PageRequest(
        state=state or crisis(), person=person, roles=roles, purpose=purpose, attempt=0, key=f"{CRISIS}:{person.id}:{purpose}"
    )


def with_object_id(person: Person, object_id: str) -> Person:
    return person.model_copy(update={"entra_object_id": object_id})


# --- users ---------------------------------------------------------------------------------


async def test_a_person_with_an_object_id_is_looked_up_by_it(graph: FakeGraph, msgraph: GraphServiceClient) -> None:
    user = await GraphUsers(msgraph).resolve(with_object_id(CVO, CVO_ID))

    assert user is not None
    assert (user.id, user.display_name, user.mail) == (CVO_ID, CVO.name, CVO.email)
    assert (user.mobile_phone, user.business_phones) == ("+45 96 84 81 43", ("96848143",))
    [request] = graph.calls("get_user")
    assert request.user == CVO_ID
    assert request.query["$select"].split(",") == SELECT
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"


async def test_a_person_without_an_object_id_is_looked_up_by_upn(graph: FakeGraph, msgraph: GraphServiceClient) -> None:
    user = await GraphUsers(msgraph).resolve(HJM)

    assert user is not None and user.id == HJM_ID
    assert [r.user for r in graph.calls("get_user")] == [HJM.email]


async def test_users_are_looked_up_once_per_process(graph: FakeGraph, msgraph: GraphServiceClient) -> None:
    users = GraphUsers(msgraph)

    first, second = await users.resolve(HJM), await users.resolve(HJM)

    assert first == second
    assert len(graph.calls("get_user")) == 1


async def test_a_person_entra_does_not_know_is_none(graph: FakeGraph, msgraph: GraphServiceClient) -> None:
    assert await GraphUsers(msgraph).resolve(PLAN.person_by_id["peter"]) is None
    assert [r.status for r in graph.calls("get_user")] == [404]


@pytest.mark.parametrize("body", ["{not json", '{"displayName": "no id"}', "[]"])
async def test_a_malformed_user_answer_is_transient(graph: FakeGraph, msgraph: GraphServiceClient, body: str) -> None:
    graph.answer_next(200, body=body)

    with pytest.raises(TransientError):
        await GraphUsers(msgraph).resolve(HJM)


# --- activity feed -------------------------------------------------------------------------


async def test_feed_notification_goes_to_the_user_with_the_declared_activity_type(
    graph: FakeGraph, msgraph: GraphServiceClient
) -> None:
    notifier = FeedNotifier(msgraph, PLAN, chat_url=CHAT_URL, teams_app_id=APP)

    provider_id = await notifier.send(page(with_object_id(CVO, CVO_ID)))

    [request] = graph.notifications()
    body = request.model
    assert request.user == CVO_ID
    assert body.activity_type == ACTIVITY_TYPE
    assert body.topic.source is TeamworkActivityTopicSource.Text
    assert body.topic.value == f"{CRISIS} Kritisk alarm – vurdér omfanget"
    assert body.topic.web_url == CHAT_URL
    assert body.preview_text.content == "Ingen kan sende mail."
    assert {p.name: p.value for p in body.template_parameters} == {
        "purpose": "Kritisk alarm – vurdér omfanget", "crisis": CRISIS,
    }
    assert body.teams_app_id == APP
    assert provider_id == request.headers["client-request-id"]


async def test_feed_to_a_person_without_object_id_uses_the_upn(graph: FakeGraph, msgraph: GraphServiceClient) -> None:
    await FeedNotifier(msgraph, PLAN, chat_url=CHAT_URL).send(page())

    assert [r.user for r in graph.notifications()] == [CVO.email]


async def test_feed_preview_is_clipped_to_what_teams_shows(graph: FakeGraph, msgraph: GraphServiceClient) -> None:
    await FeedNotifier(msgraph, PLAN, chat_url=CHAT_URL).send(page(state=crisis(description="Alt er nede. " * 40)))

    preview = graph.notifications()[0].model.preview_text.content
    assert len(preview) == 150 and preview.endswith("…")


async def test_feed_to_a_user_entra_does_not_know_is_permanent(graph: FakeGraph, msgraph: GraphServiceClient) -> None:
    with pytest.raises(PermanentError) as caught:
        await FeedNotifier(msgraph, PLAN, chat_url=CHAT_URL).send(page(PLAN.person_by_id["peter"]))

    assert "brugeren findes ikke i Entra" in caught.value.reason
    assert "404" in caught.value.reason


async def test_feed_to_a_user_without_the_app_is_permanent(graph: FakeGraph, msgraph: GraphServiceClient) -> None:
    with pytest.raises(PermanentError) as caught:
        await FeedNotifier(msgraph, PLAN, chat_url=CHAT_URL).send(page(HJM, roles=("okonomi",)))

    assert "appen er ikke installeret for brugeren" in caught.value.reason


async def test_throttling_is_retried_by_the_sdk_after_retry_after(graph: FakeGraph, msgraph: GraphServiceClient) -> None:
    graph.fail_next(429, retry_after=1)

    await FeedNotifier(msgraph, PLAN, chat_url=CHAT_URL).send(page())

    calls = graph.calls("send_activity_notification")
    assert [r.status for r in calls] == [429, 204]
    assert calls[1].headers["Retry-Attempt"] == "1"


async def test_throttling_that_persists_is_transient_with_retry_after(graph: FakeGraph, msgraph: GraphServiceClient) -> None:
    graph.fail_next(429, count=4, retry_after=1)

    with pytest.raises(TransientError) as caught:
        await FeedNotifier(msgraph, PLAN, chat_url=CHAT_URL).send(page())

    assert caught.value.retry_after == 1
    assert [r.status for r in graph.calls("send_activity_notification")] == [429] * 4


@pytest.mark.parametrize("status", [429, 503, 504])
async def test_a_long_retry_after_comes_back_at_once(graph: FakeGraph, msgraph: GraphServiceClient, status: int) -> None:
    graph.fail_next(status, count=4, retry_after=120)

    with pytest.raises(TransientError) as caught:
        await FeedNotifier(msgraph, PLAN, chat_url=CHAT_URL).send(page())

    assert caught.value.retry_after == 120
    assert f"HTTP {status}" in caught.value.reason
    assert len(graph.calls("send_activity_notification")) == 1, "the SDK waited to retry instead of handing the wait back"


async def test_a_slow_graph_is_transient_not_a_hang(graph: FakeGraph, msgraph: GraphServiceClient) -> None:
    graph.delay = 1.0  # then it answers 201: without the notifier's own timeout the send succeeds

    with pytest.raises(TransientError) as caught:
        await FeedNotifier(msgraph, PLAN, chat_url=CHAT_URL, timeout=0.2).send(page())

    assert caught.value.retry_after is None


async def test_a_failing_token_is_transient(graph: FakeGraph) -> None:
    class Unreachable(FakeCredential):
        async def get_token(self, *scopes, claims=None, enable_cae=False, **kwargs):
            raise ClientAuthenticationError("login.microsoftonline.com did not answer")

    settings = load_settings(_env_file=None, graph_base_url=graph.url)
    async with open_graph(settings, credential=Unreachable()) as client:
        with pytest.raises(TransientError, match="adgangstoken"):
            await FeedNotifier(client, PLAN, chat_url=CHAT_URL).send(page())
    assert graph.requests == []


async def test_a_rejected_token_is_permanent(graph: FakeGraph) -> None:
    settings = load_settings(_env_file=None, graph_base_url=graph.url)
    async with open_graph(settings, credential=FakeCredential("wrong")) as client:
        with pytest.raises(PermanentError, match="401"):
            await FeedNotifier(client, PLAN, chat_url=CHAT_URL).send(page())


async def test_a_closed_graph_is_transient(graph: FakeGraph, msgraph: GraphServiceClient) -> None:
    await graph.close()

    with pytest.raises(TransientError, match="forbindelse"):
        await FeedNotifier(msgraph, PLAN, chat_url=CHAT_URL).send(page())


# --- mail ----------------------------------------------------------------------------------


async def test_mail_goes_from_the_sender_with_high_importance(graph: FakeGraph, msgraph: GraphServiceClient) -> None:
    notifier = MailNotifier(msgraph, PLAN, sender=SENDER, chat_url=CHAT_URL)

    provider_id = await notifier.send(page())

    [request] = graph.mails()
    message = request.model.message
    assert request.user == SENDER
    assert request.model.save_to_sent_items is True
    assert message.importance is Importance.High
    assert message.subject == f"[Krise {CRISIS}] Kritisk alarm – vurdér omfanget"
    assert [(r.email_address.address, r.email_address.name) for r in message.to_recipients] == [(CVO.email, CVO.name)]
    assert message.body.content_type.value == "html"
    assert provider_id == request.headers["client-request-id"]


async def test_mail_carries_the_cards_facts_and_what_is_asked(graph: FakeGraph, msgraph: GraphServiceClient) -> None:
    await MailNotifier(msgraph, PLAN, sender=SENDER, chat_url=CHAT_URL).send(page())

    html = graph.mails()[0].model.message.body.content
    for fact in [CRISIS, "Kilde", "Brugere af kritiske systemer", "Berørte leverancer", "O365", "Lisbeth Kusk",
                 "12.03.2026 kl. 14:00", "Ingen kan sende mail.", "Ansvarlig for IT og Digitalisering",
                 "Underret kommunaldirektøren", f'href="{CHAT_URL.replace("&", "&amp;")}"']:
        assert fact in html
    assert "Din vurdering" not in html  # inputs are not mail


async def test_summons_mail_says_where_and_when(graph: FakeGraph, msgraph: GraphServiceClient) -> None:
    state = crisis(
        Triaged(decision=TriageDecision.INFORM_DIRECTOR, assessment="Alle er ramt."),
        DirectorDecided(decision=DirectorDecision.ACTIVATE, meeting_at=T0 + timedelta(minutes=45)),
    )

    await MailNotifier(msgraph, PLAN, sender=SENDER, chat_url=CHAT_URL).send(
        page(HJM, PagePurpose.SUMMONS, state, roles=("okonomi",))
    )

    message = graph.mails()[0].model.message
    assert message.subject == f"[Krise {CRISIS}] Indkaldelse: kriseberedskabet er aktiveret"
    for fact in ["Mødested", "Byrådssalen", "Mødetid", "14:45", "ansvarlig for økonomi", "Alle er ramt.", "Kommer ikke"]:
        assert fact in message.body.content


async def test_mail_escapes_what_people_typed(graph: FakeGraph, msgraph: GraphServiceClient) -> None:
    state = crisis(description='<script>alert("x")</script> & <b>**fed**</b>')

    await MailNotifier(msgraph, PLAN, sender=SENDER, chat_url=CHAT_URL).send(page(state=state))

    html = graph.mails()[0].model.message.body.content
    assert "<script>" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;**fed**&lt;/b&gt;" in html, "as typed, not bold"
    assert "\\" not in html, "the card's Markdown escapes do not show in the mail"


async def test_mail_from_an_unknown_sender_is_permanent(graph: FakeGraph, msgraph: GraphServiceClient) -> None:
    with pytest.raises(PermanentError, match="afsenderpostkassen nobody@struer.dk findes ikke"):
        await MailNotifier(msgraph, PLAN, sender="nobody@struer.dk", chat_url=CHAT_URL).send(page())


async def test_mail_when_graph_is_down_is_transient(graph: FakeGraph, msgraph: GraphServiceClient) -> None:
    graph.fail_next(503, count=4, retry_after=60)

    with pytest.raises(TransientError) as caught:
        await MailNotifier(msgraph, PLAN, sender=SENDER, chat_url=CHAT_URL).send(page())

    assert caught.value.retry_after == 60


# --- installing the app --------------------------------------------------------------------


async def test_ensure_chat_installs_the_app_and_returns_the_chat(graph: FakeGraph, msgraph: GraphServiceClient) -> None:
    graph.add_teams_app(APP)

    chat_id = await ensure_chat(msgraph, HJM_ID, catalog_id=APP)

    assert graph.installed(HJM_ID) == [APP]
    assert [(r.operation, r.status) for r in graph.requests] == [
        ("install_app", 201), ("list_installed_apps", 200), ("get_installation_chat", 200),
    ]
    install, listing, _ = graph.requests
    assert install.body["teamsApp@odata.bind"] == f"{graph.url}/appCatalogs/teamsApps/{APP}"
    assert listing.query == {"$expand": "teamsApp", "$filter": f"teamsApp/id eq '{APP}'"}
    assert chat_id.startswith("19:") and chat_id.endswith("@unq.gbl.spaces")


async def test_ensure_chat_when_already_installed(graph: FakeGraph, msgraph: GraphServiceClient) -> None:
    graph.add_teams_app(APP)
    first = await ensure_chat(msgraph, HJM_ID, catalog_id=APP)

    again = await ensure_chat(msgraph, HJM_ID, catalog_id=APP)

    assert again == first
    assert graph.calls("install_app")[-1].status == 409
    assert graph.installed(HJM_ID) == [APP]


async def test_ensure_chat_for_an_app_not_in_the_catalog_is_permanent(graph: FakeGraph, msgraph: GraphServiceClient) -> None:
    with pytest.raises(PermanentError, match="KRISEBOT_TEAMS_APP_CATALOG_ID"):
        await ensure_chat(msgraph, HJM_ID, catalog_id="not-published")


async def test_a_malformed_chat_answer_is_transient(graph: FakeGraph, msgraph: GraphServiceClient) -> None:
    graph.add_teams_app(APP)
    await ensure_chat(msgraph, HJM_ID, catalog_id=APP)
    graph.answer_next(409)  # install
    graph.answer_next(200, body='{"value": [{"id": "x", "teamsApp": {"id": "' + APP + '"}}]}')  # list
    graph.answer_next(200, body="<html>proxy error</html>", content_type="text/html")  # chat

    with pytest.raises(TransientError, match="ugyldigt svar"):
        await ensure_chat(msgraph, HJM_ID, catalog_id=APP)
