"""Pages are posted straight to the Bot Connector: the activity botbuilder would send, the
Connector's refusals sorted as before, and the bot's own bearer token when authentication is on."""

import socket
from collections.abc import AsyncIterator

import pytest
from aiohttp import ClientSession
from botframework.connector.auth import ManagedIdentityAppCredentials, MicrosoftAppCredentials

from bot.errors import PermanentError, TokenError, TransientError
from bot.settings import load_settings
from bot.teams.adapter import bot_authentication, create_adapter
from bot.teams.bot_token import BotToken, connector_token
from bot.teams.connector_post import ConnectorPoster, proactive_activity
from tests.fakes.connector import FakeConnector
from tests.protocol.crisis import Crisis, alarm
from tests.protocol.teams import BOT_ID, CLAUS, TENANT, installed, register

APP_ID = "8c2f0f3e-0000-4000-8000-b07b07b07b07"
MESSAGE = {"type": "message", "text": "Prøve", "channelData": {"notification": {"alert": True}}}


def reference(service_url: str, user=CLAUS) -> dict:
    return {
        "serviceUrl": service_url, "channelId": "msteams", "locale": "da-DK",
        "bot": {"id": BOT_ID, "name": "Krisebot"}, "user": {"id": user.id, "name": user.name},
        "conversation": {"id": user.chat_id, "conversationType": "personal", "tenantId": TENANT},
    }


async def credentials(**settings) -> MicrosoftAppCredentials:
    """The credentials botbuilder builds for these settings' proactive Connector calls."""
    auth = bot_authentication(load_settings(_env_file=None, **settings))
    token = await connector_token(auth, create_adapter(auth, owner_name="Claus"), settings.get("bot_app_id", ""))
    return token.credentials


@pytest.fixture
async def session() -> AsyncIterator[ClientSession]:
    async with ClientSession() as http:
        yield http


@pytest.fixture
async def anonymous() -> BotToken:
    return BotToken(await credentials())


async def test_a_page_goes_into_the_persons_chat_as_botbuilder_addresses_it_with_the_alert_and_its_key(
    settings_for, start_bot, connector: FakeConnector
) -> None:
    bot = await start_bot(settings_for())
    assert (await bot.post(installed(CLAUS, connector.url))).status == 201
    crisis_id = await alarm(Crisis(bot, connector))

    [page] = [r for r in connector.requests if (r.activity or {}).get("channelData", {}).get("krisebot")]
    assert page.operation == "send_to_conversation" and page.conversation_id == CLAUS.chat_id
    activity = page.body
    assert activity["type"] == "message" and activity["inputHint"] == "acceptingInput"
    assert activity["from"]["id"] == BOT_ID and activity["recipient"]["id"] == CLAUS.id
    assert activity["conversation"]["id"] == CLAUS.chat_id and activity["serviceUrl"] == connector.url
    assert activity["channelData"]["notification"] == {"alert": True}
    assert activity["channelData"]["krisebot"]["page"].startswith(f"{crisis_id}/triage/cvo/")
    assert activity["summary"] == f"Krise {crisis_id}"
    [attachment] = activity["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive" and attachment["content"]["body"]
    sent = [e.payload for e in await bot.store.events(crisis_id=crisis_id) if e.payload.type == "page_sent"]
    assert [p.provider_id for p in sent if p.channel == "teams"] == [page.activity_id]


async def test_the_connectors_id_for_the_activity_comes_back(
    connector: FakeConnector, session: ClientSession, anonymous: BotToken
) -> None:
    activity_id = await ConnectorPoster(session, anonymous).post(proactive_activity(reference(connector.url), MESSAGE))

    [sent] = connector.sent(CLAUS.chat_id)
    assert activity_id == sent["id"] and sent["text"] == "Prøve" and sent["locale"] == "da-DK"
    assert connector.requests[-1].authorization is None


@pytest.mark.parametrize(
    ("status", "retry_after", "error", "wait"),
    [
        pytest.param(403, None, PermanentError, None, id="403 blocked"),
        pytest.param(404, None, PermanentError, None, id="404 unknown conversation"),
        pytest.param(429, 7, TransientError, 7.0, id="429 throttled"),
        pytest.param(503, None, TransientError, None, id="503 unavailable"),
    ],
)
async def test_the_connectors_refusals_are_sorted_as_before(
    connector: FakeConnector, session: ClientSession, anonymous: BotToken, status, retry_after, error, wait
) -> None:
    connector.fail_next(status, retry_after=retry_after)

    with pytest.raises(error) as refused:
        await ConnectorPoster(session, anonymous).post(proactive_activity(reference(connector.url), MESSAGE))

    assert refused.value.reason == f"Teams svarede {status}"
    assert getattr(refused.value, "retry_after", None) == wait


async def test_an_unreachable_connector_is_transient(session: ClientSession, anonymous: BotToken) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{sock.getsockname()[1]}/"

    with pytest.raises(TransientError, match="Teams kunne ikke nås"):
        await ConnectorPoster(session, anonymous).post(proactive_activity(reference(closed), MESSAGE))


@pytest.fixture
def tokens(monkeypatch) -> list[str]:
    """Entra's answers to botbuilder's credentials, offline: each names the credential type that asked."""
    fetched: list[str] = []

    def token(credentials, force_refresh: bool = False) -> str:
        fetched.append(f"{type(credentials).__name__}:{credentials.microsoft_app_id}:{credentials.oauth_scope}")
        return f"token-{len(fetched)}"

    monkeypatch.setattr(MicrosoftAppCredentials, "get_access_token", token)
    monkeypatch.setattr(ManagedIdentityAppCredentials, "get_access_token", token)
    return fetched


@pytest.mark.parametrize(
    ("registration", "kind"),
    [
        pytest.param({"bot_app_password": "not-a-real-secret"}, "MicrosoftAppCredentials", id="SingleTenant"),
        pytest.param({"bot_app_type": "UserAssignedMSI"}, "ManagedIdentityAppCredentials", id="UserAssignedMSI"),
    ],
)
async def test_with_authentication_on_the_bots_token_is_sent_and_reused(
    session: ClientSession, tokens: list[str], registration: dict, kind: str
) -> None:
    token = BotToken(await credentials(bot_app_id=APP_ID, bot_tenant_id=TENANT, **registration))
    async with FakeConnector(require_token=True) as connector:
        register(connector, CLAUS)
        poster = ConnectorPoster(session, token)
        for _ in range(3):
            await poster.post(proactive_activity(reference(connector.url), MESSAGE))

    assert [r.authorization for r in connector.requests] == ["Bearer token-1"] * 3
    assert tokens == [f"{kind}:{APP_ID}:https://api.botframework.com"]


async def test_with_authentication_off_no_token_is_asked_for(tokens: list[str]) -> None:
    token = BotToken(await credentials())

    assert await token.headers() == {}
    assert tokens == []


async def test_no_token_from_entra_is_a_token_error(monkeypatch) -> None:
    def fail(credentials, force_refresh: bool = False) -> str:
        raise PermissionError("AADSTS7000215: Invalid client secret provided.")

    monkeypatch.setattr(MicrosoftAppCredentials, "get_access_token", fail)
    token = BotToken(await credentials(bot_app_id=APP_ID, bot_tenant_id=TENANT, bot_app_password="wrong"))

    with pytest.raises(TokenError, match="adgangstoken til Bot Framework"):
        await token.headers()
