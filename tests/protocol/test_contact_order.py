"""The plan decides the contact order: a plan whose pages start with the Teams card alone.

Some municipalities will not call first. With ``first = ["teams"]`` and ``then = ["sms"]`` no call
is placed, and the SMS follows only when the card has not reached the person within
``KRISEBOT_SMS_GRACE`` (4 s), or at once when the card cannot reach them at all. The director, who has a mobile in the bundled plan, is paged
after the IT head's triage in Teams.
"""

from datetime import timedelta
from pathlib import Path

import pytest

from bot.app import CRISES
from bot.plan import load_plan
from bot.resources import default_plan_path
from tests.clock import Clock
from tests.fakes.connector import FakeConnector
from tests.fakes.gatewayapi import FakeGatewayApi, SentSms
from tests.fakes.twilio_voice import FakeTwilioVoice
from tests.protocol.crisis import Crisis, alarm
from tests.protocol.sms import gateway  # noqa: F401 (fixture)
from tests.protocol.teams import CLAUS, EVERYONE, installed, register

CALLS_FIRST = 'first = ["voice", "teams", "feed", "mail"]'


@pytest.fixture
async def crisis(settings_for, start_bot, connector: FakeConnector, gateway: FakeGatewayApi, twilio: FakeTwilioVoice,
                 clock: Clock, tmp_path: Path) -> Crisis:
    text = default_plan_path().read_text(encoding="utf-8")
    assert CALLS_FIRST in text, "the bundled plan's contact order changed"
    path = tmp_path / "plan.toml"
    path.write_text(text.replace(CALLS_FIRST, 'first = ["teams"]'), encoding="utf-8")
    settings = settings_for(
        public_url="https://krisebot.struer.dk", sms_provider="gatewayapi", gatewayapi_base_url=gateway.url.rstrip("/"),
        gatewayapi_token=gateway.token, gatewayapi_webhook_secret=gateway.webhook_secret,
        voice_provider="twilio", voice_caller_id="+4596848000", twilio_base_url=twilio.url.rstrip("/"),
        twilio_account_sid=twilio.account_sid, twilio_auth_token=twilio.auth_token,
    )
    bot = await start_bot(settings, load_plan(path), clock=clock)
    register(connector, *EVERYONE)
    for user in EVERYONE:
        assert (await bot.post(installed(user, connector.url))).status == 201
    return Crisis(bot, connector)


def texts_to(gateway: FakeGatewayApi, person: str) -> list[SentSms]:
    number = int(load_plan(default_plan_path()).person_by_id[person].mobile.number.lstrip("+"))
    return [sms for sms in gateway.sent if sms.msisdn == number]


async def inform_director(crisis: Crisis) -> None:
    crisis_id = await alarm(crisis)
    await crisis.taps(CLAUS, "triage_inform_director", crisis=crisis_id, assessment="Lønnen kommer ikke ud")
    await crisis.settled()


async def later(crisis: Crisis, clock: Clock, seconds: float) -> None:
    clock.now += timedelta(seconds=seconds)
    await crisis.settled()


async def test_a_card_that_reaches_the_director_in_time_sends_no_sms_and_nobody_is_called(
    crisis: Crisis, gateway: FakeGatewayApi, twilio: FakeTwilioVoice, clock: Clock
) -> None:
    await inform_director(crisis)
    await later(crisis, clock, 10)
    assert [state.phase.value for state in crisis.bot.client.app[CRISES].active()] == ["director"]
    assert texts_to(gateway, "jesper") == [], "the card reached him: no fallback SMS"
    assert twilio.calls == [], "the plan's contact order has no call"


async def test_a_card_that_cannot_reach_the_director_is_followed_by_an_sms_at_once(
    crisis: Crisis, connector: FakeConnector, gateway: FakeGatewayApi, twilio: FakeTwilioVoice, clock: Clock
) -> None:
    crisis_id = await alarm(crisis)
    connector.down = 403
    await crisis.taps(CLAUS, "triage_inform_director", crisis=crisis_id, assessment="Lønnen kommer ikke ud")
    await crisis.settled()
    [sms] = texts_to(gateway, "jesper")  # the card failed for good: the SMS does not wait for the grace
    assert crisis_id in sms.message and "uden svar" not in sms.message, "no call was made, so none is named"
    assert twilio.calls == []
