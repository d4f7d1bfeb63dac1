"""The SMS webhook routes as the gateways see them: fakes post signed, badly signed, replayed and oversized webhooks."""

import json
import os
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer, make_mocked_request

from bot.channels.sms.base import DeliveryReport, DeliveryStatus, InboundSms, OutgoingSms
from bot.channels.console import ConsoleRequestError
from bot.channels.sms.console import send_reply
from bot.channels.sms.gatewayapi import GatewayApiSms
from bot.channels.sms.providers import sms_routes
from bot.channels.webhooks import MAX_BODY
from bot.metrics import METRICS, Metrics
from bot.settings import Settings, load_settings
from tests.fakes.gatewayapi import FakeGatewayApi
from tests.fakes.twilio import ACCOUNT_SID, FakeTwilio
from tests.protocol.raw_http import request_bytes, send_raw


@dataclass
class RecordingInbox:
    """Keeps what the webhooks handed over; ``fail`` makes it raise (a store that is down)."""

    replies: list[InboundSms] = field(default_factory=list)
    reports: list[DeliveryReport] = field(default_factory=list)
    fail: bool = False

    async def reply(self, sms: InboundSms) -> None:
        if self.fail:
            raise RuntimeError("store down")
        self.replies.append(sms)

    async def report(self, report: DeliveryReport) -> None:
        self.reports.append(report)


@dataclass
class Service:
    url: str
    inbox: RecordingInbox
    metrics: Metrics

    def rejections(self, endpoint: str, status: int) -> float | None:
        labels = {"endpoint": f"/api/sms/{endpoint}", "status": str(status)}
        return self.metrics.registry.get_sample_value("krisebot_webhook_rejections_total", labels)


@pytest.fixture(autouse=True)
def no_outside_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.upper().startswith("KRISEBOT_"):
            monkeypatch.delenv(name)


@pytest.fixture
async def gatewayapi() -> AsyncIterator[FakeGatewayApi]:
    async with FakeGatewayApi() as fake:
        yield fake


@pytest.fixture
async def twilio() -> AsyncIterator[FakeTwilio]:
    async with FakeTwilio() as fake:
        yield fake


@pytest.fixture
async def start() -> AsyncIterator[Callable[..., Any]]:
    servers: list[TestServer] = []

    async def run(settings: Settings) -> Service:
        inbox = RecordingInbox()
        app = web.Application()
        app[METRICS] = Metrics()
        for path, handler in sms_routes(settings, inbox).items():
            app.router.add_post(path, handler)
        server = TestServer(app)
        await server.start_server()
        servers.append(server)
        return Service(str(server.make_url("")).rstrip("/"), inbox, app[METRICS])

    yield run
    for server in servers:
        await server.close()


def gatewayapi_settings(fake: FakeGatewayApi, **overrides: Any) -> Settings:
    return load_settings(
        _env_file=None, sms_provider="gatewayapi", gatewayapi_token=fake.token, gatewayapi_webhook_secret=fake.webhook_secret,
        gatewayapi_base_url=fake.url, sms_reply_keyword="KRISE", sms_reply_number="1204", **overrides,
    )


async def test_a_signed_reply_reaches_the_inbox(gatewayapi: FakeGatewayApi, start: Callable[..., Any]) -> None:
    service = await start(gatewayapi_settings(gatewayapi))
    answer = await gatewayapi.inbound(f"{service.url}/api/sms/gatewayapi", 4520304050, "KRISE 1K")
    assert answer.status == 200
    (reply,) = service.inbox.replies
    assert (reply.provider, reply.sender, reply.text) == ("gatewayapi", "+4520304050", "1K")


async def test_a_replayed_reply_carries_the_same_provider_id(gatewayapi: FakeGatewayApi, start: Callable[..., Any]) -> None:
    service = await start(gatewayapi_settings(gatewayapi))
    url = f"{service.url}/api/sms/gatewayapi"
    claims = gatewayapi.inbound_claims(4520304050, "KRISE 1K")
    assert [(await gatewayapi.post_event(url, claims)).status for _ in range(2)] == [200, 200]
    first, again = service.inbox.replies
    assert first.id == again.id


async def test_a_reply_from_an_unknown_number_is_handed_over_for_the_inbox_to_ignore(
    gatewayapi: FakeGatewayApi, start: Callable[..., Any]
) -> None:
    service = await start(gatewayapi_settings(gatewayapi))
    assert (await gatewayapi.inbound(f"{service.url}/api/sms/gatewayapi", 4599999999, "KRISE 1K")).status == 200
    assert [r.sender for r in service.inbox.replies] == ["+4599999999"]


@pytest.mark.parametrize(
    ("options", "status"),
    [({"signed": False}, 401), ({"secret": "another-secret-of-32-bytes-at-least"}, 401)],
    ids=["unsigned", "wrongly-signed"],
)
async def test_bad_signatures_get_401_and_change_nothing(
    gatewayapi: FakeGatewayApi, start: Callable[..., Any], options: dict[str, Any], status: int
) -> None:
    service = await start(gatewayapi_settings(gatewayapi))
    answer = await gatewayapi.inbound(f"{service.url}/api/sms/gatewayapi", 4520304050, "KRISE 1K", **options)
    assert answer.status == status and "error" in answer.text
    assert service.inbox.replies == [] and service.rejections("gatewayapi", status) == 1


@pytest.mark.parametrize("signature", ["ø" * 28, b"\xff\xfe.\xc3", b"eyJ\x80.eyJ.sig"], ids=["non-ascii", "not-utf8", "bytes-in-jwt"])
@pytest.mark.parametrize("provider", ["gatewayapi", "twilio"])
async def test_signatures_that_are_not_ascii_get_401(
    gatewayapi: FakeGatewayApi, twilio: FakeTwilio, start: Callable[..., Any], provider: str, signature: str | bytes
) -> None:
    settings = gatewayapi_settings(gatewayapi) if provider == "gatewayapi" else twilio_settings(twilio)
    service = await start(settings)
    header = "X-Gwapi-Signature" if provider == "gatewayapi" else "X-Twilio-Signature"
    body = b"MessageSid=SM1&From=%2B4520304050&Body=1K"
    answer = await send_raw(service.url, request_bytes("POST", f"/api/sms/{provider}", {header: signature}, body))
    assert answer.status == 401 and b"ugyldig" in answer.body
    assert service.inbox.replies == [] and service.rejections(provider, 401) == 1


async def test_malformed_and_oversized_webhooks_get_400_and_413(gatewayapi: FakeGatewayApi, start: Callable[..., Any]) -> None:
    service = await start(gatewayapi_settings(gatewayapi))
    url = f"{service.url}/api/sms/gatewayapi"
    assert (await gatewayapi.post_event(url, {"id": 1, "msisdn": 4520304050})).status == 400
    huge = gatewayapi.inbound_claims(4520304050, "KRISE 1K")
    assert (await gatewayapi.post_event(url, huge, body={"padding": "x" * MAX_BODY})).status == 413
    assert service.inbox.replies == []


async def test_a_delivery_report_for_a_sent_sms_reaches_the_inbox(gatewayapi: FakeGatewayApi, start: Callable[..., Any]) -> None:
    service = await start(gatewayapi_settings(gatewayapi))
    async with aiohttp.ClientSession() as session:
        provider = GatewayApiSms(
            session, base_url=gatewayapi.url, token=gatewayapi.token, sender="Krisebot",
            callback_url=f"{service.url}/api/sms/gatewayapi",
        )
        (sms_id,) = await provider.send([OutgoingSms(to="+4520304050", text="Krise", ref="K-2026-001/triage/cvo/sms")])
    assert (await gatewayapi.delivery_report(gatewayapi.sent[0], "DELIVERED")).status == 200
    (report,) = service.inbox.reports
    assert (report.id, report.ref, report.status) == (sms_id, "K-2026-001/triage/cvo/sms", DeliveryStatus.DELIVERED)


async def test_an_inbox_failure_makes_the_gateway_retry(gatewayapi: FakeGatewayApi, start: Callable[..., Any]) -> None:
    service = await start(gatewayapi_settings(gatewayapi))
    service.inbox.fail = True
    assert (await gatewayapi.inbound(f"{service.url}/api/sms/gatewayapi", 4520304050, "KRISE 1K")).status == 503


def twilio_settings(fake: FakeTwilio, **overrides: Any) -> Settings:
    return load_settings(
        _env_file=None, sms_provider="twilio", twilio_account_sid=ACCOUNT_SID, twilio_auth_token=fake.auth_token,
        twilio_base_url=fake.url, public_url="https://krise.example.dk", **overrides,
    )


@pytest.mark.parametrize("port_form", [False, True], ids=["without-port", "with-default-port"])
async def test_twilio_signs_the_public_url_in_either_form(twilio: FakeTwilio, start: Callable[..., Any], port_form: bool) -> None:
    service = await start(twilio_settings(twilio))
    answer = await twilio.inbound(
        f"{service.url}/api/sms/twilio", "+4520304050", "1K",
        signed_url="https://krise.example.dk/api/sms/twilio", port_form=port_form,
    )
    assert (answer.status, answer.text, answer.content_type) == (200, "<Response/>", "text/xml")
    assert [(r.provider, r.text) for r in service.inbox.replies] == [("twilio", "1K")]


async def test_a_twilio_status_callback_verifies_over_its_ref_as_it_was_sent(
    twilio: FakeTwilio, start: Callable[..., Any]
) -> None:
    """Our refs hold '/', sent as %2F: Twilio signs the URL as given, so the check must read the query unaltered."""
    service = await start(twilio_settings(twilio))
    path = "/api/sms/twilio?ref=K-2026-001%2Ftriage%2Fcvo%2Fsms"
    params = {"MessageSid": "SM" + "c" * 32, "MessageStatus": "delivered"}
    answer = await twilio.post_event(service.url + path, params, signed_url="https://krise.example.dk" + path)
    assert answer.status == 200
    (report,) = service.inbox.reports
    assert report.ref == "K-2026-001/triage/cvo/sms"


async def test_twilio_webhooks_signed_over_the_host_alone_are_refused(twilio: FakeTwilio, start: Callable[..., Any]) -> None:
    service = await start(twilio_settings(twilio))
    url = f"{service.url}/api/sms/twilio"
    assert (await twilio.inbound(url, "+4520304050", "1K")).status == 401
    assert (await twilio.inbound(url, "+4520304050", "1K", signed=False)).status == 401
    assert service.inbox.replies == []


async def test_a_backup_provider_gets_its_route_too(gatewayapi: FakeGatewayApi, twilio: FakeTwilio, start: Callable[..., Any]) -> None:
    settings = gatewayapi_settings(
        gatewayapi, sms_backup_provider="twilio", twilio_account_sid=ACCOUNT_SID, twilio_auth_token=twilio.auth_token,
    )
    assert set(sms_routes(settings, RecordingInbox())) == {"/api/sms/gatewayapi", "/api/sms/twilio"}
    assert set(sms_routes(load_settings(_env_file=None), RecordingInbox())) == {"/api/sms/console"}


async def test_a_console_reply_from_the_command_line(start: Callable[..., Any]) -> None:
    service = await start(load_settings(_env_file=None, sms_reply_keyword="KRISE"))
    await send_reply(service.url, "20 30 40 50", "krise 1k")
    (reply,) = service.inbox.replies
    assert (reply.provider, reply.sender, reply.text, reply.raw) == ("console", "+4520304050", "1k", "krise 1k")
    with pytest.raises(ConsoleRequestError, match="ikke et"):
        await send_reply(service.url, "hej", "1K")
    assert len(service.inbox.replies) == 1


async def test_a_console_reply_needs_a_running_service_with_the_console_provider(
    gatewayapi: FakeGatewayApi, start: Callable[..., Any]
) -> None:
    service = await start(gatewayapi_settings(gatewayapi))
    with pytest.raises(ConsoleRequestError, match="console"):
        await send_reply(service.url, "20304050", "1K")
    await gatewayapi.close()
    with pytest.raises(ConsoleRequestError, match="svarer ikke"):
        await send_reply(gatewayapi.url.rstrip("/"), "20304050", "1K")


class _Peer:
    """A transport whose peer is another host."""

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return ("192.0.2.7", 50000) if name == "peername" else default


async def test_the_console_route_is_not_there_for_other_hosts() -> None:
    inbox = RecordingInbox()
    handler = sms_routes(load_settings(_env_file=None), inbox)["/api/sms/console"]
    request = make_mocked_request("POST", "/api/sms/console", transport=_Peer(), app=web.Application())
    response = await handler(request)
    assert response.status == 404 and inbox.replies == []


REPLY = json.dumps({"from": "20304050", "text": "1K"}).encode()


@pytest.mark.parametrize(
    "proxied",
    [
        {"X-Forwarded-For": "203.0.113.9"},
        {"Forwarded": "for=203.0.113.9;proto=https"},
        {"X-Forwarded-Proto": "https"},
        {"X-Real-IP": "203.0.113.9"},
    ],
    ids=["x-forwarded-for", "forwarded", "x-forwarded-proto", "x-real-ip"],
)
async def test_the_console_route_is_not_there_through_a_proxy(start: Callable[..., Any], proxied: dict[str, str]) -> None:
    service = await start(load_settings(_env_file=None))
    async with aiohttp.ClientSession() as session, session.post(
        f"{service.url}/api/sms/console", data=REPLY, headers=proxied
    ) as answer:
        assert answer.status == 404
        assert "direkte fra denne maskine" in (await answer.json())["error"]
    assert service.inbox.replies == []


async def test_the_console_route_is_not_there_with_a_public_url(start: Callable[..., Any]) -> None:
    service = await start(load_settings(_env_file=None, public_url="https://krisebot.struer.dk"))
    with pytest.raises(ConsoleRequestError, match="uden KRISEBOT_PUBLIC_URL"):
        await send_reply(service.url, "20304050", "1K")
    assert service.inbox.replies == []


async def test_nested_json_to_the_console_route_gets_400(start: Callable[..., Any]) -> None:
    service = await start(load_settings(_env_file=None))
    nested = b'{"from": ' * 5000 + b"1" + b"}" * 5000
    async with aiohttp.ClientSession() as session, session.post(f"{service.url}/api/sms/console", data=nested) as answer:
        assert answer.status == 400
        assert '"from" og "text"' in (await answer.json())["error"]
    assert service.inbox.replies == []
