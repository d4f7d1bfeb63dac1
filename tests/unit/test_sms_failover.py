"""Failover: what the primary gateway could not send goes to the backup; both failing is an error of the right kind."""

from collections.abc import AsyncIterator

import aiohttp
import pytest

from bot.channels.sms.base import OutgoingSms, PartialSend
from bot.channels.sms.failover import FailoverSms
from bot.channels.sms.gatewayapi import GatewayApiSms
from bot.channels.sms.twilio import TwilioSms
from bot.errors import PermanentError, TransientError
from tests.fakes.gatewayapi import FakeGatewayApi
from tests.fakes.twilio import ACCOUNT_SID, FakeTwilio

MESSAGES = [OutgoingSms(to=f"+452000000{n}", text="Krise: svar 1K", ref=f"ref-{n}") for n in range(3)]


@pytest.fixture
async def gateways() -> AsyncIterator[tuple[FakeGatewayApi, FakeTwilio, FailoverSms]]:
    async with FakeGatewayApi() as gatewayapi, FakeTwilio() as twilio, aiohttp.ClientSession() as session:
        primary = GatewayApiSms(session, base_url=gatewayapi.url, token=gatewayapi.token, sender="Krisebot")
        backup = TwilioSms(
            session, base_url=twilio.url, account_sid=ACCOUNT_SID, auth_token=twilio.auth_token, sender=twilio.number
        )
        yield gatewayapi, twilio, FailoverSms(primary, backup)


async def test_the_primary_sends_when_it_can(gateways: tuple[FakeGatewayApi, FakeTwilio, FailoverSms]) -> None:
    gatewayapi, twilio, failover = gateways
    assert await failover.send(MESSAGES) == [str(s.id) for s in gatewayapi.sent]
    assert twilio.sent == [] and failover.name == "gatewayapi+twilio"


async def test_a_failing_primary_hands_everything_to_the_backup(gateways: tuple[FakeGatewayApi, FakeTwilio, FailoverSms]) -> None:
    gatewayapi, twilio, failover = gateways
    gatewayapi.fail_next(503)
    ids = await failover.send(MESSAGES)
    assert gatewayapi.sent == [] and sorted(ids) == sorted(s.sid for s in twilio.sent)
    assert [s.to for s in twilio.sent] == [m.to for m in MESSAGES]


async def test_only_what_the_primary_refused_goes_to_the_backup(gateways: tuple[FakeGatewayApi, FakeTwilio, FailoverSms]) -> None:
    gatewayapi, twilio, failover = gateways
    gatewayapi.refuse_number(4520000001)
    ids = await failover.send(MESSAGES)
    assert [s.to for s in twilio.sent] == ["+4520000001"]
    assert ids == [str(gatewayapi.sent[0].id), twilio.sent[0].sid, str(gatewayapi.sent[1].id)]


async def test_both_failing_is_transient_with_both_reasons(gateways: tuple[FakeGatewayApi, FakeTwilio, FailoverSms]) -> None:
    gatewayapi, twilio, failover = gateways
    gatewayapi.fail_next(503)
    twilio.fail_next(500, count=3)
    with pytest.raises(TransientError) as caught:
        await failover.send(MESSAGES[:1])
    assert "GatewayAPI svarede 503" in caught.value.reason and "twilio: Twilio svarede 500" in caught.value.reason


async def test_transient_wins_over_permanent(gateways: tuple[FakeGatewayApi, FakeTwilio, FailoverSms]) -> None:
    gatewayapi, twilio, failover = gateways
    gatewayapi.refuse_number(4520000000)
    twilio.fail_next(503)
    with pytest.raises(TransientError) as caught:
        await failover.send(MESSAGES[:1])
    assert caught.type is TransientError


async def test_both_refusing_the_number_is_permanent(gateways: tuple[FakeGatewayApi, FakeTwilio, FailoverSms]) -> None:
    gatewayapi, twilio, failover = gateways
    gatewayapi.refuse_number(4520000000)
    twilio.refuse_number("+4520000000")
    with pytest.raises(PartialSend) as caught:
        await failover.send(MESSAGES)
    refused, *sent = caught.value.results
    assert isinstance(refused, PermanentError) and sent == [str(s.id) for s in gatewayapi.sent]
    with pytest.raises(PermanentError):
        await failover.send(MESSAGES[:1])
