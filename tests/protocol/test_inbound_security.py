"""What reaches /api/messages must be authentic, well-formed and from our tenant; refusals change nothing."""

import json
from collections.abc import Iterator

import pytest

from bot.teams.references import personal_chat_key
from tests.fakes.connector import FakeConnector
from tests.fakes.openid import FakeTokenIssuer
from tests.protocol.secured import APP_ID, secured
from tests.protocol.teams import JESPER, TENANT, personal


@pytest.fixture
def issuer() -> Iterator[FakeTokenIssuer]:
    with FakeTokenIssuer() as fake:
        yield fake


@pytest.fixture
async def secured_bot(settings_for, start_bot, issuer: FakeTokenIssuer):
    return await start_bot(secured(settings_for, issuer, bot_app_password="not-a-real-secret"))


def installed(connector: FakeConnector) -> dict:
    return personal(JESPER, connector.url, type="conversationUpdate", membersAdded=[{"id": JESPER.id}])


async def remembered(bot) -> bool:
    return await bot.store.conversation_reference(key=personal_chat_key(JESPER.id)) is not None


async def test_a_valid_channel_token_is_accepted(secured_bot, connector, issuer) -> None:
    token = issuer.token(audience=APP_ID, service_url=connector.url)

    response = await secured_bot.post(installed(connector), headers={"Authorization": f"Bearer {token}"})

    assert response.status == 201
    assert await remembered(secured_bot)


async def test_a_managed_identity_registration_checks_tokens_too(settings_for, start_bot, connector, issuer) -> None:
    bot = await start_bot(secured(settings_for, issuer, bot_app_type="UserAssignedMSI"))
    good = issuer.token(audience=APP_ID, service_url=connector.url)
    forged = issuer.forged_token(audience=APP_ID, service_url=connector.url)

    assert (await bot.post(installed(connector), headers={"Authorization": f"Bearer {forged}"})).status == 401
    assert not await remembered(bot)
    assert (await bot.post(installed(connector), headers={"Authorization": f"Bearer {good}"})).status == 201
    assert await remembered(bot)


@pytest.mark.parametrize(
    "authorization",
    [
        pytest.param(lambda issuer, url: None, id="no header"),
        pytest.param(lambda issuer, url: "Bearer", id="bearer without token"),
        pytest.param(lambda issuer, url: "Basic dXNlcjpwYXNz", id="wrong scheme"),
        pytest.param(lambda issuer, url: f"Bearer {issuer.token(audience='someone-else', service_url=url)}", id="wrong audience"),
        pytest.param(lambda issuer, url: f"Bearer {issuer.forged_token(audience=APP_ID, service_url=url)}", id="forged signature"),
        pytest.param(lambda issuer, url: f"Bearer {issuer.token(audience=APP_ID, service_url=url, lifetime=-3600)}", id="expired"),
        pytest.param(lambda issuer, url: f"Bearer {issuer.token(audience=APP_ID, service_url='https://evil.example/')}", id="other service url"),
        pytest.param(lambda issuer, url: f"Bearer {issuer.token(audience=APP_ID, service_url=url, issuer='https://evil.example')}", id="other issuer"),
    ],
)
async def test_requests_without_a_valid_token_get_401_and_change_nothing(
    secured_bot, connector, issuer, authorization
) -> None:
    header = authorization(issuer, connector.url)

    response = await secured_bot.post(installed(connector), headers={"Authorization": header} if header else {})

    assert response.status == 401
    assert "error" in await response.json()
    assert not await remembered(secured_bot)
    assert connector.requests == []


async def test_activities_from_another_tenant_are_refused(settings_for, start_bot, connector) -> None:
    bot = await start_bot(settings_for(bot_tenant_id=TENANT))
    activity = personal(JESPER, connector.url, text="roller", tenant="00000000-0000-0000-0000-0000000e0110")

    response = await bot.post(activity)

    assert response.status == 403
    assert connector.requests == []
    assert not await remembered(bot)


@pytest.mark.parametrize(
    ("body", "status", "reason"),
    [
        pytest.param(b"{not json", 400, "ugyldig aktivitet", id="malformed json"),
        pytest.param(b"[1, 2, 3]", 400, "ugyldig aktivitet", id="not an object"),
        pytest.param(json.dumps({"type": "message", "text": "hej"}).encode(), 400, "serviceUrl", id="no service url"),
        pytest.param(b'{"type": "message", "serviceUrl": "ftp://x", "channelId": "msteams", "from": {"id": "u"}, "conversation": {"id": "c"}}', 400, "serviceUrl", id="bad service url"),
        pytest.param(b'{"type": "weird", "serviceUrl": "http://127.0.0.1/", "channelId": "msteams", "from": {"id": "u"}, "recipient": {"id": "b"}, "conversation": {"id": "c"}}', 400, "ukendt aktivitetstype", id="unknown activity type"),
    ],
)
async def test_bad_input_gets_a_4xx_with_a_reason(bot, connector, body, status, reason) -> None:
    response = await bot.post(None, raw=body, headers={"Content-Type": "application/json"})

    assert response.status == status
    assert reason in (await response.json())["error"]
    assert await bot.store.events() == []
    assert connector.requests == []


async def test_an_oversized_activity_is_refused_before_it_is_read(bot, connector) -> None:
    activity = personal(JESPER, connector.url, text="x" * (300 * 1024))

    response = await bot.post(activity)

    assert response.status == 413
    assert not await remembered(bot)
    assert connector.requests == []


async def test_refusals_are_logged_as_warnings_without_the_token(secured_bot, connector, issuer, caplog) -> None:
    forged = issuer.forged_token(audience=APP_ID, service_url=connector.url)

    await secured_bot.post(installed(connector), headers={"Authorization": f"Bearer {forged}"})

    warnings = [r for r in caplog.records if r.levelname == "WARNING" and "refused" in r.getMessage()]
    assert warnings and "401" in warnings[0].getMessage()
    assert forged not in caplog.text and forged.split(".")[2] not in caplog.text
