"""Twilio: concurrent sends to the fake Messages API, errors as Transient/Permanent, and signed webhooks."""

import base64
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from urllib.parse import urlencode

import aiohttp
import pytest

from bot.channels.sms.base import DeliveryReport, DeliveryStatus, InboundSms, OutgoingSms, PartialSend
from bot.channels.sms.twilio import TwilioSms, TwilioWebhook
from bot.channels.twilio import signature, url_forms
from bot.channels.webhooks import WebhookRejected
from bot.errors import PermanentError, TransientError
from tests.fakes.twilio import ACCOUNT_SID, FakeTwilio

PUBLIC = "https://krise.example.dk/api/sms/twilio"
NOW = datetime(2026, 11, 28, 9, 30, tzinfo=UTC)
TOKEN = "tw-auth-token"


def sms(n: int) -> OutgoingSms:
    return OutgoingSms(to=f"+45{20000000 + n}", text="Krise: mød nu — svar 1K", ref=f"K-2026-001/triage/p{n}/sms")


@pytest.fixture
async def fake() -> AsyncIterator[FakeTwilio]:
    async with FakeTwilio() as server:
        yield server


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client:
        yield client


def provider(fake: FakeTwilio, session: aiohttp.ClientSession, token: str = TOKEN) -> TwilioSms:
    return TwilioSms(
        session, base_url=fake.url, account_sid=ACCOUNT_SID, auth_token=token, sender="+4578787878", callback_url=PUBLIC
    )


async def test_a_batch_goes_as_one_form_per_sms_with_basic_auth(fake: FakeTwilio, session: aiohttp.ClientSession) -> None:
    ids = await provider(fake, session).send([sms(1), sms(2), sms(3)])
    by_to = {sent.to: sent for sent in fake.sent}
    assert ids == [by_to[f"+4520000{n:03d}"].sid for n in (1, 2, 3)]
    assert all(i.startswith("SM") for i in ids)
    first = by_to["+4520000001"]
    assert (first.sender, first.body) == ("+4578787878", "Krise: mød nu - svar 1K")
    assert first.status_callback == f"{PUBLIC}?ref=K-2026-001%2Ftriage%2Fp1%2Fsms"
    assert set(fake.authorizations) == {"Basic " + base64.b64encode(f"{ACCOUNT_SID}:{TOKEN}".encode()).decode()}


async def test_wrong_credentials_are_transient(fake: FakeTwilio, session: aiohttp.ClientSession) -> None:
    with pytest.raises(TransientError, match="adgangsnøgle"):
        await provider(fake, session, token="wrong").send([sms(1)])


async def test_throttling_is_transient_with_retry_after(fake: FakeTwilio, session: aiohttp.ClientSession) -> None:
    fake.fail_next(429, retry_after=3)
    with pytest.raises(TransientError) as caught:
        await provider(fake, session).send([sms(1)])
    assert caught.value.retry_after == 3


async def test_an_invalid_number_is_permanent_for_that_sms_only(fake: FakeTwilio, session: aiohttp.ClientSession) -> None:
    fake.refuse_number("+4520000002")
    with pytest.raises(PartialSend) as caught:
        await provider(fake, session).send([sms(1), sms(2)])
    sent, refused = caught.value.results
    assert sent == fake.sent[0].sid
    assert isinstance(refused, PermanentError) and "21211" in refused.reason


# -- webhooks ------------------------------------------------------------------------------

parse = TwilioWebhook(auth_token=TOKEN, clock=lambda: NOW, keyword="KRISE")


def form(params: dict[str, str]) -> bytes:
    return urlencode(params).encode()


def signed(url: str, params: dict[str, str]) -> dict[str, str]:
    return {"X-Twilio-Signature": signature(TOKEN, url, sorted(params.items()))}


INBOUND = {"MessageSid": "SM" + "a" * 32, "AccountSid": ACCOUNT_SID, "From": "+4520304050", "To": "+4578787878",
           "Body": "Krise 1K", "SmsStatus": "received", "NumMedia": "0"}


def test_an_incoming_sms_is_verified_and_loses_its_keyword() -> None:
    assert parse(PUBLIC, signed(PUBLIC, INBOUND), form(INBOUND)) == [InboundSms(
        provider="twilio", id="SM" + "a" * 32, sender="+4520304050", text="1K", received_at=NOW, raw="Krise 1K",
    )]


@pytest.mark.parametrize("signed_over", ["https://krise.example.dk:443/api/sms/twilio", PUBLIC])
def test_both_url_forms_are_accepted(signed_over: str) -> None:
    (event,) = parse(PUBLIC, signed(signed_over, INBOUND), form(INBOUND))
    assert isinstance(event, InboundSms)
    (event,) = parse("https://krise.example.dk:443/api/sms/twilio", signed(signed_over, INBOUND), form(INBOUND))
    assert isinstance(event, InboundSms)


def test_url_forms() -> None:
    assert url_forms("https://a.dk/x?y=1") == ("https://a.dk:443/x?y=1", "https://a.dk/x?y=1")
    assert url_forms("http://127.0.0.1:8080/x") == ("http://127.0.0.1:8080/x", "http://127.0.0.1/x")


def test_a_status_callback_is_a_delivery_report_naming_our_ref() -> None:
    url = f"{PUBLIC}?ref=K-2026-001%2Ftriage%2Fp1%2Fsms"
    params = {"MessageSid": "SM" + "b" * 32, "MessageStatus": "undelivered", "ErrorCode": "30003", "To": "+4520000001"}
    assert parse(url, signed(url, params), form(params)) == [DeliveryReport(
        provider="twilio", report_id=f"SM{'b' * 32}:undelivered", id="SM" + "b" * 32, ref="K-2026-001/triage/p1/sms",
        status=DeliveryStatus.UNDELIVERABLE, at=NOW, detail="undelivered 30003",
    )]


@pytest.mark.parametrize(
    ("status", "expected"),
    [("delivered", DeliveryStatus.DELIVERED), ("failed", DeliveryStatus.UNDELIVERABLE), ("sent", DeliveryStatus.PENDING),
     ("queued", DeliveryStatus.PENDING)],
)
def test_twilio_statuses_map_to_delivery_statuses(status: str, expected: DeliveryStatus) -> None:
    params = {"MessageSid": "SM1", "MessageStatus": status}
    (report,) = parse(PUBLIC, signed(PUBLIC, params), form(params))
    assert isinstance(report, DeliveryReport) and report.status is expected and report.ref is None


@pytest.mark.parametrize(
    ("headers", "body", "status"),
    [
        ({}, form(INBOUND), 401),
        ({"X-Twilio-Signature": "AAAA"}, form(INBOUND), 401),
        (signed(PUBLIC, INBOUND), form({**INBOUND, "Body": "KRISE 9Z"}), 401),
        (signed("https://evil.example/api/sms/twilio", INBOUND), form(INBOUND), 401),
        (signed(PUBLIC, {}), b"\xff\xfe", 400),
        (signed(PUBLIC, {"From": "+4520304050", "Body": "1K"}), form({"From": "+4520304050", "Body": "1K"}), 400),
        (signed(PUBLIC, {"MessageSid": "SM1"}), form({"MessageSid": "SM1"}), 400),
    ],
    ids=["unsigned", "wrong-signature", "tampered-body", "other-url", "not-a-form", "no-sid", "neither-reply-nor-status"],
)
def test_bad_webhooks_are_rejected(headers: dict[str, str], body: bytes, status: int) -> None:
    with pytest.raises(WebhookRejected) as caught:
        parse(PUBLIC, headers, body)
    assert caught.value.status == status


def test_a_replayed_webhook_carries_the_same_sid() -> None:
    assert parse(PUBLIC, signed(PUBLIC, INBOUND), form(INBOUND)) == parse(PUBLIC, signed(PUBLIC, INBOUND), form(INBOUND))
