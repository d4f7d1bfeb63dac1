"""The same delivery posted to two real ``krisebot serve`` processes on one PostgreSQL database at once acts once.

A proxy or a provider may send a request again, and to the other instance: a Teams tap is the same activity (its
id is the request's key), an SMS webhook the same signed message (its provider id is). A leads and B follows; both
take requests. Each test posts one delivery to A and B concurrently and asserts, from the logbog and from what the
person got back, that it was acted on once:

- Claus's acknowledgement tap (one activity id) records one Acknowledged; each instance answers him with the same
  card, and his chat gets no refusal;
- Jesper's SMS (one GatewayAPI message id, signed) is kept once and answered once; an ``ALARM`` raises one crisis.
  Both instances are stopped with SIGTERM before the answers are counted: they finish sending what they started.
"""

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiohttp import ClientSession, TCPConnector

from bot.database_url import DatabaseLocation
from bot.plan import load_plan
from bot.resources import default_plan_path
from tests.fakes.gatewayapi import FakeGatewayApi
from tests.processes import PageConnector, Service, wait_until
from tests.protocol.alarms import AUTH, TOKEN, generic
from tests.protocol.sms import gateway  # noqa: F401 (fixture)
from tests.protocol.teams import CLAUS, EVERYONE, Key, installed, tap

PLAN = load_plan(default_plan_path())
JESPER_MOBILE = int(PLAN.person_by_id["jesper"].mobile.number.lstrip("+"))  # as the gateway writes it


@pytest.fixture
def pair(tmp_path: Path, postgres_database: DatabaseLocation, gateway: FakeGatewayApi) -> Iterator[tuple[Service, Service]]:
    """A and B on one PostgreSQL database with the bundled plan, SMS on the fake GatewayAPI; not started."""
    settings = {
        "KRISEBOT_ALARM_TOKEN": TOKEN, "KRISEBOT_SMS_PROVIDER": "gatewayapi",
        "KRISEBOT_GATEWAYAPI_BASE_URL": gateway.url.rstrip("/"), "KRISEBOT_GATEWAYAPI_TOKEN": gateway.token,
        "KRISEBOT_GATEWAYAPI_WEBHOOK_SECRET": gateway.webhook_secret,
        "KRISEBOT_SMS_REPLY_KEYWORD": "KRISE", "KRISEBOT_SMS_REPLY_NUMBER": "1204",
    }
    services = tuple(
        Service(tmp_path, default_plan_path(), postgres_database, instance=name, **settings) for name in ("a", "b")
    )
    yield services[0], services[1]
    for service in services:
        service.stop()


async def started(session: ClientSession, a: Service, b: Service) -> None:
    await a.start(session, leader=True)
    await b.start(session, leader=False)


async def test_one_tap_posted_to_both_instances_at_once_is_one_acknowledgement(
    pair: tuple[Service, Service], page_connector: PageConnector
) -> None:
    a, b, connector = *pair, page_connector
    async with ClientSession(connector=TCPConnector(force_close=True)) as session:
        await started(session, a, b)
        for user in EVERYONE:
            await a.post(session, installed(user, connector.url))
        async with session.post(f"{a.url}/api/alarms", json=generic(), headers=AUTH) as response:
            assert response.status == 202, await response.text()

        def triage() -> list[Key]:
            return [key for key in map(Key.parse, connector.pages()) if key.purpose == "triage"]

        await wait_until(triage, "the triage page to Claus", 10.0, connector, a, b)
        crisis = triage()[0].crisis
        chat_before = len(connector.sent(CLAUS.chat_id))
        acknowledge = tap(CLAUS, connector.url, "acknowledge", crisis=crisis)
        answers = await asyncio.gather(a.post(session, acknowledge), b.post(session, acknowledge))

    acknowledged = [(actor, payload["roles"]) for _, _, actor, _, payload in a.events("acknowledged")]
    assert acknowledged == [("cvo", ["it"])], "one tap, one acknowledgement"
    assert answers[0] == answers[1], "each instance answers Claus with the card as it is after his acknowledgement"
    assert connector.sent(CLAUS.chat_id)[chat_before:] == [], "Claus is told of no refusal (nor of anything else)"


@pytest.mark.parametrize("message, answer", [
    ("KRISE STATUS", "ingen aktiv krise"),
    ("KRISE ALARM Serverne i rådhuset svarer ikke", "er modtaget og sendt til vurdering"),
])
async def test_one_sms_webhook_posted_to_both_instances_at_once_acts_once(
    pair: tuple[Service, Service], gateway: FakeGatewayApi, message: str, answer: str
) -> None:
    a, b = pair
    async with ClientSession(connector=TCPConnector(force_close=True)) as session:
        await started(session, a, b)
        claims = gateway.inbound_claims(JESPER_MOBILE, message)
        posted = await asyncio.gather(*(gateway.post_event(f"{s.url}/api/sms/gatewayapi", claims) for s in (a, b)))
    assert [p.status for p in posted] == [200, 200], posted
    await asyncio.gather(a.terminate(), b.terminate())

    kept = [(actor, payload["text"]) for _, _, actor, _, payload in a.events("sms_received")]
    assert kept == [("jesper", message)], "the SMS is kept once"
    raised = a.events("alarm_raised")
    assert len(raised) == (1 if "ALARM" in message else 0), raised
    answers = [sms.message for sms in gateway.sent if sms.msisdn == JESPER_MOBILE]
    assert len(answers) == 1 and answer in answers[0], answers
