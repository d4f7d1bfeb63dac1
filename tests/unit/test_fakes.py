"""The test fakes behave like the real services, as seen through botbuilder's own clients."""

import asyncio
from collections.abc import AsyncIterator, Iterator
from types import SimpleNamespace
from typing import Any

import aiohttp
import jwt
import pytest
from botbuilder.core import BotAdapter, TurnContext
from botbuilder.core.adapters import TestAdapter
from botbuilder.core.teams import TeamsInfo
from botbuilder.integration.aiohttp import ConfigurationBotFrameworkAuthentication
from botbuilder.schema import Activity, Attachment, ChannelAccount, ConversationAccount, ConversationParameters
from botframework.connector import ConnectorClient as SyncConnectorClient
from botframework.connector.aio import ConnectorClient
from botframework.connector.auth import MicrosoftAppCredentials
from botframework.connector.models import ErrorResponseException
from msrest.authentication import BasicTokenAuthentication

from tests.fakes.connector import ADAPTIVE_CARD, FakeConnector
from tests.fakes.openid import FakeTokenIssuer

CHAT = "a:1chat"
CHANNEL_THREAD = "19:general@thread.tacv2;messageid=1712345678901"
APP_ID = "00000000-0000-0000-0000-00000000b07"
SERVICE_URL = "https://smba.example/emea/"


@pytest.fixture
async def connector() -> AsyncIterator[FakeConnector]:
    async with FakeConnector() as fake:
        yield fake


def anonymous_client(connector: FakeConnector) -> ConnectorClient:
    return ConnectorClient(MicrosoftAppCredentials("", ""), base_url=connector.url)


def message(text: str, **kwargs: object) -> Activity:
    return Activity(type="message", text=text, **kwargs)


async def test_send_reply_and_update_through_botbuilder(connector: FakeConnector) -> None:
    client = anonymous_client(connector)

    sent = await client.conversations.send_to_conversation(CHANNEL_THREAD, message("Krise erklæret"))
    reply = await client.conversations.reply_to_activity(CHANNEL_THREAD, "1712345678901", message("Modtaget"))
    updated = await client.conversations.update_activity(
        CHANNEL_THREAD, sent.id, message("Krise afblæst", id=sent.id)
    )

    assert sent.id != reply.id and updated.id == sent.id
    assert connector.texts(CHANNEL_THREAD) == ["Krise erklæret", "Modtaget"]
    assert [a["text"] for a in connector.updates()] == ["Krise afblæst"]
    assert [a["text"] for a in connector.transcript(CHANNEL_THREAD)] == ["Krise afblæst", "Modtaget"]
    assert [r.operation for r in connector.requests] == ["send_to_conversation", "reply_to_activity", "update_activity"]
    assert connector.requests[1].path == f"/v3/conversations/{CHANNEL_THREAD}/activities/1712345678901"


async def test_update_of_an_activity_never_posted_there_is_404(connector: FakeConnector) -> None:
    client = anonymous_client(connector)
    posted = await client.conversations.send_to_conversation(CHAT, message("hej"))

    with pytest.raises(ErrorResponseException) as error:
        await client.conversations.update_activity("a:1other", posted.id, message("nej", id=posted.id))

    assert error.value.error.error.code == "ActivityNotFoundInConversation"
    assert error.value.response.status_code == 404
    assert connector.updates() == []


async def test_create_conversation_posts_the_included_activity(connector: FakeConnector) -> None:
    client = anonymous_client(connector)
    params = ConversationParameters(
        is_group=False,
        bot=ChannelAccount(id="28:bot"),
        members=[ChannelAccount(id="29:anne")],
        tenant_id="tenant",
        activity=message("Du er tilkaldt"),
    )

    created = await client.conversations.create_conversation(params)
    again = await client.conversations.create_conversation(
        ConversationParameters(is_group=False, bot=ChannelAccount(id="28:bot"), members=[ChannelAccount(id="29:anne")])
    )

    assert created.service_url == connector.url
    assert again.id == created.id and again.activity_id is None
    assert connector.sent(created.id) == [{"type": "message", "text": "Du er tilkaldt", "id": created.activity_id}]
    assert connector.created()[0]["members"] == [{"id": "29:anne"}]


async def test_teams_info_gets_a_registered_member_and_404s_an_unknown_one(connector: FakeConnector) -> None:
    connector.add_member(
        "29:anne",
        name="Anne Hansen",
        aad_object_id="aad-anne",
        user_principal_name="anne@kommune.dk",
        email="anne@kommune.dk",
        given_name="Anne",
        surname="Hansen",
        tenant_id="tenant",
    )
    activity = Activity(
        type="message",
        channel_id="msteams",
        service_url=connector.url,
        conversation=ConversationAccount(id=CHAT),
        channel_data={"tenant": {"id": "tenant"}},  # TeamsInfo crashes on an activity without channelData
    )
    context = TurnContext(TestAdapter(), activity)
    context.turn_state[BotAdapter.BOT_CONNECTOR_CLIENT_KEY] = anonymous_client(connector)

    member = await TeamsInfo.get_member(context, "29:anne")
    by_aad = await TeamsInfo.get_member(context, "aad-anne")
    with pytest.raises(ErrorResponseException) as error:
        await TeamsInfo.get_member(context, "29:nobody")

    assert (member.name, member.user_principal_name, member.given_name, member.user_role) == (
        "Anne Hansen",
        "anne@kommune.dk",
        "Anne",
        "user",
    )
    assert by_aad.id == "29:anne"
    assert error.value.error.error.code == "MemberNotFoundInConversation"


async def test_blocking_client_works_from_a_thread(connector: FakeConnector) -> None:
    client = SyncConnectorClient(MicrosoftAppCredentials("", ""), base_url=connector.url)

    await asyncio.to_thread(client.conversations.send_to_conversation, CHAT, message("synkron"))

    assert connector.texts(CHAT) == ["synkron"]


async def test_fail_next_fails_the_next_requests_without_recording_them(connector: FakeConnector) -> None:
    client = anonymous_client(connector)
    connector.fail_next(429, count=2, retry_after=3)

    for _ in range(2):
        with pytest.raises(ErrorResponseException) as error:
            await client.conversations.send_to_conversation(CHAT, message("throttled"))
        assert error.value.response.status_code == 429
        assert error.value.response.headers["Retry-After"] == "3"
    await client.conversations.send_to_conversation(CHAT, message("igennem"))

    assert connector.texts() == ["igennem"]
    assert len(connector.requests) == 1


async def test_require_token_refuses_requests_without_bearer() -> None:
    async with FakeConnector(require_token=True) as connector:
        async with aiohttp.ClientSession() as session:
            async with session.post(f"{connector.url}v3/conversations/{CHAT}/activities", json={}) as response:
                assert response.status == 401
                assert await response.json() == {"message": "Authorization has been denied for this request."}
        client = ConnectorClient(BasicTokenAuthentication({"access_token": "t0ken"}), base_url=connector.url)
        await client.conversations.send_to_conversation(CHAT, message("med token"))

    assert [(r.status, r.authorization) for r in connector.requests] == [(401, None), (201, "Bearer t0ken")]
    assert connector.texts() == ["med token"]


async def test_cards_and_wait_for(connector: FakeConnector) -> None:
    card = {"type": "AdaptiveCard", "version": "1.5", "body": [{"type": "TextBlock", "text": "Status"}]}
    client = anonymous_client(connector)
    posting = asyncio.create_task(
        client.conversations.send_to_conversation(
            CHAT, Activity(type="message", attachments=[Attachment(content_type=ADAPTIVE_CARD, content=card)])
        )
    )

    await connector.wait_for(lambda requests: len(requests) == 1)
    await posting
    with pytest.raises(AssertionError, match="not met within 0.05s"):
        await connector.wait_for(lambda requests: len(requests) == 2, timeout=0.05)

    assert connector.cards(CHAT) == [card]
    assert connector.texts() == []


@pytest.fixture
def issuer() -> Iterator[FakeTokenIssuer]:
    with FakeTokenIssuer() as fake:
        yield fake


def authentication(issuer: FakeTokenIssuer) -> ConfigurationBotFrameworkAuthentication:
    config = SimpleNamespace(
        APP_ID=APP_ID,
        APP_PASSWORD="secret",
        APP_TYPE="SingleTenant",
        APP_TENANTID="tenant",
        TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL=issuer.metadata_url,
        TO_BOT_FROM_CHANNEL_TOKEN_ISSUER=issuer.issuer,
    )
    return ConfigurationBotFrameworkAuthentication(config)


def teams_activity(channel_id: str = "msteams") -> Activity:
    return Activity(type="message", channel_id=channel_id, service_url=SERVICE_URL)


async def test_botbuilder_accepts_a_token_from_the_issuer(issuer: FakeTokenIssuer) -> None:
    token = issuer.token(audience=APP_ID, service_url=SERVICE_URL)

    result = await authentication(issuer).authenticate_request(teams_activity(), f"Bearer {token}")

    assert result.claims_identity.is_authenticated
    assert result.claims_identity.claims["aud"] == APP_ID
    assert issuer.fetched == ["/.well-known/openid-configuration", "/keys"]


@pytest.mark.parametrize(
    ("forge", "overrides", "channel_id", "raised"),
    [
        pytest.param(True, {}, "msteams", jwt.InvalidSignatureError, id="forged"),
        pytest.param(False, {"audience": "someone-else"}, "msteams", PermissionError, id="wrong-audience"),
        pytest.param(False, {"service_url": "https://smba.example/emea"}, "msteams", PermissionError, id="service-url"),
        pytest.param(False, {"issuer": "https://sts.example/"}, "msteams", PermissionError, id="other-issuer"),
        pytest.param(False, {"lifetime": -400}, "msteams", jwt.ExpiredSignatureError, id="expired"),
        pytest.param(False, {}, "webchat", Exception, id="channel-not-endorsed"),
    ],
)
async def test_botbuilder_rejects_bad_tokens(
    issuer: FakeTokenIssuer, forge: bool, overrides: dict[str, Any], channel_id: str, raised: type[Exception]
) -> None:
    mint = issuer.forged_token if forge else issuer.token
    token = mint(**{"audience": APP_ID, "service_url": SERVICE_URL, **overrides})

    with pytest.raises(raised):
        await authentication(issuer).authenticate_request(teams_activity(channel_id), f"Bearer {token}")
