"""The fake Graph answers like Graph: auth, unknown users, $select, body validation with the SDK's models."""

from collections.abc import AsyncIterator

import aiohttp
import pytest

from tests.fakes.graph import TOKEN, FakeGraph

AUTH = {"Authorization": f"Bearer {TOKEN}"}
MAIL = {"subject": "Test", "body": {"contentType": "html", "content": "<p>x</p>"},
        "toRecipients": [{"emailAddress": {"address": "cvo@struer.dk"}}], "importance": "high"}


@pytest.fixture
async def graph() -> AsyncIterator[FakeGraph]:
    async with FakeGraph() as fake:
        fake.add_user("u1", "Cvo@Struer.dk", "Claus Vagn Ohrt", mobile_phone="+4512345678")
        yield fake


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def test_a_request_without_the_token_is_401(graph: FakeGraph, http: aiohttp.ClientSession) -> None:
    async with http.get(f"{graph.url}/users/u1", headers={"Authorization": "Bearer other"}) as response:
        assert response.status == 401
        assert (await response.json())["error"]["code"] == "InvalidAuthenticationToken"


async def test_an_unknown_user_is_404_with_graphs_error_body(graph: FakeGraph, http: aiohttp.ClientSession) -> None:
    async with http.get(f"{graph.url}/users/nobody@struer.dk", headers=AUTH) as response:
        assert response.status == 404
        assert (await response.json())["error"]["code"] == "Request_ResourceNotFound"


async def test_users_are_found_by_upn_in_any_case_and_select_is_honoured(
    graph: FakeGraph, http: aiohttp.ClientSession
) -> None:
    async with http.get(f"{graph.url}/users/cvo@struer.dk", params={"$select": "id,MOBILEPHONE"}, headers=AUTH) as response:
        body = await response.json()
    assert {k: v for k, v in body.items() if not k.startswith("@")} == {"id": "u1", "mobilePhone": "+4512345678"}


@pytest.mark.parametrize(("message", "sent"), [("Message", "SaveToSentItems"), ("message", "saveToSentItems")])
async def test_send_mail_keys_match_in_any_case(
    graph: FakeGraph, http: aiohttp.ClientSession, message: str, sent: str
) -> None:
    async with http.post(f"{graph.url}/users/u1/sendMail", json={message: MAIL, sent: True}, headers=AUTH) as response:
        assert response.status == 202

    [mail] = graph.mails()
    assert mail.model.message.subject == "Test"
    assert mail.model.save_to_sent_items is True


@pytest.mark.parametrize(
    "body",
    ['{"Message": ', '{"Message": {"subject": "no recipients", "body": {"content": "x"}}}', "[]"],
    ids=["not-json", "no-recipients", "not-an-object"],
)
async def test_a_body_graph_would_refuse_is_400(graph: FakeGraph, http: aiohttp.ClientSession, body: str) -> None:
    headers = {**AUTH, "Content-Type": "application/json"}
    async with http.post(f"{graph.url}/users/u1/sendMail", data=body, headers=headers) as response:
        assert response.status == 400
        assert (await response.json())["error"]["code"] == "BadRequest"
    assert graph.mails() == []


async def test_an_activity_notification_needs_a_web_url_for_a_text_topic(
    graph: FakeGraph, http: aiohttp.ClientSession
) -> None:
    graph.add_user("u2", "hjm@struer.dk", "Henrik", apps=("app",))
    body = {"topic": {"source": "text", "value": "K-1"}, "activityType": "crisisPage", "previewText": {"content": "x"}}

    async with http.post(f"{graph.url}/users/u2/teamwork/sendActivityNotification", json=body, headers=AUTH) as response:
        assert response.status == 400
    body["topic"]["webUrl"] = "https://teams.microsoft.com/"
    async with http.post(f"{graph.url}/users/u2/teamwork/sendActivityNotification", json=body, headers=AUTH) as response:
        assert response.status == 204


async def test_injected_failures_are_recorded_with_retry_after(graph: FakeGraph, http: aiohttp.ClientSession) -> None:
    graph.fail_next(429, count=2, retry_after=3)

    statuses = []
    for _ in range(3):
        async with http.get(f"{graph.url}/users/u1", headers=AUTH) as response:
            statuses.append((response.status, response.headers.get("Retry-After")))

    assert statuses == [(429, "3"), (429, "3"), (200, None)]
    assert [r.status for r in graph.calls("get_user")] == [429, 429, 200]
