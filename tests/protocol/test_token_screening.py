"""Tokens are screened before botbuilder sees them: only the Bot Framework channel's, signed RS256 with a
known key, go on. Any other is refused 401 with a Danish reason, and no request leaves Krisebot for it,
so no token can make the service wait on a Microsoft server.

Krisebot runs here as deployed (botbuilder's public-cloud settings), with botbuilder's Microsoft
addresses for the channel's and the emulator's keys pointed at two fake issuers that count what
they are asked.
"""

import asyncio
from collections.abc import Iterator

import jwt
import pytest
from botframework.connector.auth import AuthenticationConstants

from bot.teams.references import personal_chat_key
from tests.fakes.openid import KEYS_PATH, METADATA_PATH, FakeTokenIssuer, unsigned_token
from tests.protocol.secured import APP_ID, bearer, eventually
from tests.protocol.teams import JESPER, TENANT, installed

EMULATOR_ISSUER = "https://sts.windows.net/d6d49420-f39b-4df7-a1dc-d59a935871db/"  # one of botbuilder's emulator issuers
WARM_UP = [METADATA_PATH, KEYS_PATH]


@pytest.fixture
def channel() -> Iterator[FakeTokenIssuer]:
    with FakeTokenIssuer() as fake:
        yield fake


@pytest.fixture
def emulator() -> Iterator[FakeTokenIssuer]:
    with FakeTokenIssuer(issuer=EMULATOR_ISSUER) as fake:
        yield fake


@pytest.fixture
def deployed(settings_for, start_bot, channel: FakeTokenIssuer, emulator: FakeTokenIssuer, monkeypatch):
    """Start Krisebot with authentication on and botbuilder's public-cloud addresses on the fakes."""
    monkeypatch.setattr(AuthenticationConstants, "TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL", channel.metadata_url)
    monkeypatch.setattr(AuthenticationConstants, "TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL", emulator.metadata_url)

    async def start():
        return await start_bot(settings_for(bot_app_id=APP_ID, bot_tenant_id=TENANT, bot_app_password="not-a-real-secret"))

    return start


@pytest.fixture
async def bot(deployed, channel: FakeTokenIssuer):
    """Krisebot once it has its signing keys (fetched at start-up)."""
    started = await deployed()
    await eventually(lambda: channel.fetched == WARM_UP)
    return started


async def remembered(bot) -> bool:
    return await bot.store.conversation_reference(key=personal_chat_key(JESPER.id)) is not None


async def test_an_unsigned_token_naming_the_emulator_is_refused_without_asking_anyone(
    bot, connector, channel: FakeTokenIssuer, emulator: FakeTokenIssuer
) -> None:
    claims = {"iss": EMULATOR_ISSUER, "aud": APP_ID, "appid": APP_ID, "ver": "1.0", "serviceurl": connector.url}
    token = unsigned_token(claims, kid=emulator.kid)

    *refused, health = await asyncio.gather(
        *(bot.post(installed(JESPER, connector.url), headers=bearer(token)) for _ in range(4)),
        bot.client.get("/healthz"),
    )

    assert [answer.status for answer in refused] == [401] * 4
    assert (await refused[0].json())["error"] == "token afvist: tokenet er ikke udstedt af Bot Framework-kanalen"
    assert health.status == 200
    assert emulator.fetched == []
    assert channel.fetched == WARM_UP
    assert not await remembered(bot)


@pytest.mark.parametrize(
    ("authorization", "reason"),
    [
        pytest.param(lambda fake, url: "Bearer abc", "tokenet er ikke et JWT", id="not a JWT"),
        pytest.param(lambda fake, url: "Bearer æøå.æøå.æøå", "tokenet er ikke et JWT", id="non-ASCII"),
        pytest.param(lambda fake, url: "Bearer e30.bm9wZQ.x", "tokenet kan ikke læses", id="claims not JSON"),
        pytest.param(
            lambda fake, url: f"Bearer {unsigned_token({'iss': fake.issuer, 'aud': APP_ID, 'serviceurl': url}, kid=fake.kid)}",
            "tokenet skal være signeret med RS256", id="alg none from the channel issuer",
        ),
        pytest.param(
            lambda fake, url: "Bearer " + jwt.encode(
                {"iss": fake.issuer, "aud": APP_ID, "serviceurl": url}, "guessed-secret-of-32-bytes-or-more", algorithm="HS256",
                headers={"kid": fake.kid},
            ),
            "tokenet skal være signeret med RS256", id="HS256",
        ),
        pytest.param(
            lambda fake, url: "Bearer " + jwt.encode({"iss": fake.issuer, "aud": APP_ID, "serviceurl": url}, fake.key, algorithm="RS256"),
            "tokenet mangler nøgle-id (kid)", id="no key id",
        ),
        pytest.param(
            lambda fake, url: f"Bearer {fake.token(audience=APP_ID, service_url=url, issuer='https://evil.example')}",
            "tokenet er ikke udstedt af Bot Framework-kanalen", id="other issuer",
        ),
        pytest.param(
            lambda fake, url: f"Bearer {fake.token(audience=APP_ID, service_url=url, issuer=EMULATOR_ISSUER)}",
            "tokenet er ikke udstedt af Bot Framework-kanalen", id="signed, naming the emulator",
        ),
        pytest.param(lambda fake, url: "bearer " + fake.token(audience=APP_ID, service_url=url), "Authorization skal være «Bearer <token>»", id="lower-case scheme"),
    ],
)
async def test_a_token_the_screen_refuses_gets_401_with_the_reason_and_no_request_goes_out(
    bot, connector, channel: FakeTokenIssuer, emulator: FakeTokenIssuer, authorization, reason
) -> None:
    response = await bot.post(installed(JESPER, connector.url), headers={"Authorization": authorization(channel, connector.url)})

    assert response.status == 401
    assert (await response.json())["error"] == f"token afvist: {reason}"
    assert channel.fetched == WARM_UP and emulator.fetched == []
    assert not await remembered(bot)


async def test_made_up_key_ids_are_refused_from_memory_while_the_keys_are_fresh(bot, connector, channel: FakeTokenIssuer) -> None:
    tokens = [channel.token(audience=APP_ID, service_url=connector.url, kid=f"made-up-{n}") for n in range(5)]

    answers = [await bot.post(installed(JESPER, connector.url), headers=bearer(token)) for token in tokens]

    assert [answer.status for answer in answers] == [401] * 5
    assert (await answers[0].json())["error"] == "token afvist: tokenet er signeret med en ukendt nøgle"
    assert channel.fetched == WARM_UP  # refreshed less than a minute ago: no refresh for an unknown key
    good = await bot.post(installed(JESPER, connector.url), headers=bearer(channel.token(audience=APP_ID, service_url=connector.url)))
    assert good.status == 201


async def test_a_token_that_comes_before_the_keys_waits_for_them_without_holding_up_the_service(
    deployed, connector, channel: FakeTokenIssuer
) -> None:
    release = channel.hold(KEYS_PATH)
    bot = await deployed()
    await eventually(lambda: channel.held == 1)  # the start-up refresh waits for the keys
    token = channel.token(audience=APP_ID, service_url=connector.url)

    answer = asyncio.create_task(bot.post(installed(JESPER, connector.url), headers=bearer(token)))
    health = await bot.client.get("/healthz")
    keys_still_held = channel.held
    release.set()

    assert health.status == 200 and keys_still_held == 1
    assert (await answer).status == 201
    assert channel.fetched == WARM_UP  # the token waited for the start-up refresh; it did not fetch again
    assert await remembered(bot)
