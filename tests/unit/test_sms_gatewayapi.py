"""GatewayAPI: batched sends to the fake gateway, errors as Transient/Permanent, and verified webhooks."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import aiohttp
import jwt
import pytest

from bot.channels.sms.base import DeliveryReport, DeliveryStatus, InboundSms, OutgoingSms, PartialSend
from bot.channels.sms.gatewayapi import CHUNK, GatewayApiSms, GatewayApiWebhook
from bot.channels.webhooks import WebhookRejected
from bot.errors import PermanentError, TransientError
from tests.fakes.gatewayapi import FakeGatewayApi

CALLBACK = "https://krise.example.dk/api/sms/gatewayapi"


def sms(n: int, text: str = "Krise K-2026-001: mød i Byrådssalen. Svar KRISE 1K til 1204") -> OutgoingSms:
    return OutgoingSms(to=f"+45{20000000 + n}", text=text, ref=f"K-2026-001/summons/p{n}/sms")


@pytest.fixture
async def fake() -> AsyncIterator[FakeGatewayApi]:
    async with FakeGatewayApi() as server:
        yield server


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client:
        yield client


def provider(fake: FakeGatewayApi, session: aiohttp.ClientSession, token: str = "gw-token") -> GatewayApiSms:
    return GatewayApiSms(session, base_url=fake.url, token=token, sender="Krisebot", callback_url=CALLBACK)


async def test_one_sms_goes_as_documented(fake: FakeGatewayApi, session: aiohttp.ClientSession) -> None:
    ids = await provider(fake, session).send([sms(1, "“Kvittér” – nu…")])
    assert ids == [str(fake.sent[0].id)]
    assert fake.authorizations == ["Token gw-token"]
    assert fake.requests == [[{
        "sender": "Krisebot", "message": '"Kvittér" - nu...', "recipients": [{"msisdn": 4520000001}],
        "userref": "K-2026-001/summons/p1/sms", "callback_url": CALLBACK,
    }]]


async def test_two_thousand_sms_go_in_two_requests_with_ids_in_order(fake: FakeGatewayApi, session: aiohttp.ClientSession) -> None:
    messages = [sms(n) for n in range(2000)]
    ids = await provider(fake, session).send(messages)
    assert len(fake.requests) == 2000 // CHUNK == 2
    by_ref = {sent.userref: str(sent.id) for sent in fake.sent}
    assert ids == [by_ref[m.ref] for m in messages]
    assert len(set(ids)) == 2000


@pytest.mark.parametrize(("status", "retry_after"), [(503, None), (500, None), (429, 7)])
async def test_overload_and_server_errors_are_transient(
    fake: FakeGatewayApi, session: aiohttp.ClientSession, status: int, retry_after: int | None
) -> None:
    fake.fail_next(status, retry_after=retry_after)
    with pytest.raises(TransientError) as caught:
        await provider(fake, session).send([sms(1)])
    assert caught.type is TransientError and caught.value.retry_after == retry_after
    assert fake.sent == []


async def test_a_wrong_token_is_transient_so_the_backup_takes_over(fake: FakeGatewayApi, session: aiohttp.ClientSession) -> None:
    with pytest.raises(TransientError, match="adgangsnøgle") as caught:
        await provider(fake, session, token="wrong").send([sms(1)])
    assert "wrong" not in caught.value.reason


async def test_a_dropped_connection_and_a_slow_gateway_are_transient(
    fake: FakeGatewayApi, session: aiohttp.ClientSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake.drop_next()
    with pytest.raises(TransientError, match="kan ikke nå"):
        await provider(fake, session).send([sms(1)])
    monkeypatch.setattr("bot.channels.http.TIMEOUT", aiohttp.ClientTimeout(total=0.05))
    fake.delay = 0.5
    with pytest.raises(TransientError, match="svarede ikke"):
        await provider(fake, session).send([sms(1)])


async def test_a_closed_port_is_transient(session: aiohttp.ClientSession) -> None:
    async with FakeGatewayApi() as gone:
        url = gone.url
    with pytest.raises(TransientError):
        await GatewayApiSms(session, base_url=url, token="gw-token", sender="Krisebot").send([sms(1)])


async def test_a_refused_number_is_permanent_and_the_rest_of_the_batch_goes(
    fake: FakeGatewayApi, session: aiohttp.ClientSession
) -> None:
    fake.refuse_number(4520000002)
    with pytest.raises(PartialSend) as caught:
        await provider(fake, session).send([sms(1), sms(2), sms(3)])
    first, refused, third = caught.value.results
    assert isinstance(refused, PermanentError) and "+4520000002" in refused.reason
    assert [first, third] == [str(s.id) for s in fake.sent]
    with pytest.raises(PermanentError):
        await provider(fake, session).send([sms(2)])


async def test_a_batch_failing_in_one_chunk_is_a_partial_send(fake: FakeGatewayApi, session: aiohttp.ClientSession) -> None:
    fake.fail_next(503, retry_after=30)
    with pytest.raises(PartialSend) as caught:
        await provider(fake, session).send([sms(n) for n in range(CHUNK + 5)])
    failed = [r for r in caught.value.results if isinstance(r, TransientError)]
    assert len(failed) in (CHUNK, 5) and caught.value.retry_after == 30
    assert len(fake.sent) == CHUNK + 5 - len(failed)


# -- webhooks ------------------------------------------------------------------------------

SECRET = "gw-webhook-secret-of-32-bytes-at-least"
parse = GatewayApiWebhook(secret=SECRET, keyword="KRISE")


REPORT = {"id": 1, "msisdn": 4520304050, "time": 1, "status": "DELIVERED"}


def signed(claims: dict) -> dict[str, str]:
    return {"X-Gwapi-Signature": jwt.encode(claims, SECRET, algorithm="HS256")}


def test_a_delivery_report_is_read_from_the_verified_claims() -> None:
    claims = {
        "id": 2381703, "msisdn": 4542609045, "time": 1522764062, "status": "UNDELIVERABLE", "error": "Invalid MSISDN",
        "code": "0x0101", "userref": "K-2026-001/triage/cvo/sms", "country_code": "DK", "country_prefix": 45,
    }
    assert parse(CALLBACK, signed(claims), b"{}") == [DeliveryReport(
        provider="gatewayapi", report_id="2381703:UNDELIVERABLE:1522764062", id="2381703",
        ref="K-2026-001/triage/cvo/sms", status=DeliveryStatus.UNDELIVERABLE,
        at=datetime(2018, 4, 3, 14, 1, 2, tzinfo=UTC), detail="UNDELIVERABLE 0x0101 Invalid MSISDN",
    )]


@pytest.mark.parametrize(
    ("status", "expected"),
    [("DELIVERED", DeliveryStatus.DELIVERED), ("EXPIRED", DeliveryStatus.EXPIRED), ("REJECTED", DeliveryStatus.UNDELIVERABLE),
     ("ENROUTE", DeliveryStatus.PENDING), ("BUFFERED", DeliveryStatus.PENDING), ("ACCEPTED", DeliveryStatus.PENDING),
     ("SOMETHING_NEW", DeliveryStatus.PENDING)],
)
def test_gateway_statuses_map_to_delivery_statuses(status: str, expected: DeliveryStatus) -> None:
    claims = {"id": 1, "msisdn": 4520304050, "time": 1, "status": status}
    (report,) = parse(CALLBACK, signed(claims), b"")
    assert isinstance(report, DeliveryReport) and report.status is expected and report.ref is None


def test_an_incoming_sms_loses_its_keyword() -> None:
    claims = {"id": 1000001, "msisdn": 4520304050, "receiver": 451204, "message": "krise 1K", "senttime": 1450000000,
              "webhook_label": "krisebot"}
    assert parse(CALLBACK, signed(claims), b"") == [InboundSms(
        provider="gatewayapi", id="1000001", sender="+4520304050", text="1K",
        received_at=datetime.fromtimestamp(1450000000, UTC), raw="krise 1K",
    )]


def test_the_body_is_ignored_when_it_disagrees_with_the_claims() -> None:
    claims = {"id": 7, "msisdn": 4520304050, "receiver": 451204, "message": "KRISE 1K", "senttime": 1}
    forged = b'{"id": 8, "msisdn": 4599999999, "message": "KRISE 9Z", "receiver": 451204, "senttime": 1}'
    (sms_in,) = parse(CALLBACK, signed(claims), forged)
    assert isinstance(sms_in, InboundSms) and (sms_in.id, sms_in.sender, sms_in.text) == ("7", "+4520304050", "1K")


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({}, 401),
        ({"X-Gwapi-Signature": jwt.encode(REPORT, "wrong-secret-of-32-bytes-at-least", algorithm="HS256")}, 401),
        ({"X-Gwapi-Signature": "not-a-jwt"}, 401),
        ({"X-Gwapi-Signature": jwt.encode(REPORT, SECRET * 2, algorithm="HS512")}, 401),
        ({"X-Gwapi-Signature": jwt.encode(REPORT, None, algorithm="none")}, 401),
        (signed({"msisdn": 4520304050, "time": 1, "status": "DELIVERED"}), 400),
        (signed({"id": "x", "msisdn": 4520304050, "time": 1, "status": "DELIVERED"}), 400),
        (signed({"id": 1, "msisdn": 4520304050, "receiver": 1204, "senttime": 1}), 400),
        (signed({"id": 1, "msisdn": 4520304050, "message": ["1K"], "senttime": 1}), 400),
    ],
    ids=["unsigned", "wrong-secret", "garbage", "other-algorithm", "alg-none", "no-id", "bad-id", "no-message", "message-not-text"],
)
def test_bad_webhooks_are_rejected(headers: dict[str, str], status: int) -> None:
    with pytest.raises(WebhookRejected) as caught:
        parse(CALLBACK, headers, b"{}")
    assert caught.value.status == status


def test_a_replayed_webhook_carries_the_same_ids() -> None:
    headers = signed({"id": 5, "msisdn": 4520304050, "time": 9, "status": "DELIVERED"})
    first, again = parse(CALLBACK, headers, b""), parse(CALLBACK, headers, b"")
    assert first == again
