"""SMS around one running Krisebot (test helpers): a plan in which the IT head can get SMS (or, with ``sms_plan``
overridden, the plan as shipped), the people's phones on a fake GatewayAPI, their calls on a fake Twilio
(ringing until a test answers them or lets them ring out), and a clock moved by hand."""

import re
from datetime import timedelta
from pathlib import Path

import pytest

from bot.app import CRISES, SMS_INBOX
from bot.plan import Plan, load_plan
from bot.resources import default_plan_path
from bot.settings import Settings
from tests.clock import Clock
from tests.fakes.connector import FakeConnector
from tests.fakes.gatewayapi import FakeGatewayApi, SentSms
from tests.fakes.graph import FakeCredential, FakeGraph
from tests.fakes.twilio import ACCOUNT_SID
from tests.fakes.twilio_voice import FakeTwilioVoice
from tests.protocol.crisis import Crisis
from tests.protocol.teams import CLAUS, EVERYONE, in_channel, installed, register

SENDER = "krisebot@struer.dk"
PUBLIC_URL = "https://krisebot.struer.dk"
CALLER_ID = "+4596841000"
MOBILES = {"cvo": "20112233", "peter": "20112244", "hjm": "20112255"}
"""The plan gives these people landlines only; the scenario needs them reachable by SMS."""


def reachable_plan(folder: Path, more: str = ""):
    """The bundled plan with ``MOBILES``, and ``more`` plan text after it."""
    text = default_plan_path().read_text(encoding="utf-8") + more
    for person, mobile in MOBILES.items():
        text, found = re.subn(
            rf'(id = "{person}"\n(?:.*\n)*?phones = \[)', rf'\1{{ number = "{mobile}", kind = "mobile" }}, ', text, count=1
        )
        assert found == 1
    path = folder / "plan.toml"
    path.write_text(text, encoding="utf-8")
    return load_plan(path)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def gateway():
    async with FakeGatewayApi() as fake:
        yield fake


@pytest.fixture
async def graph():
    async with FakeGraph() as fake:
        for user in EVERYONE:
            fake.add_user(user.aad_object_id, user.upn.lower(), user.name)
        fake.add_user("mailbox-krisebot", SENDER, "Krisebot")
        yield fake


@pytest.fixture
async def voice():
    async with FakeTwilioVoice() as fake:
        yield fake


@pytest.fixture
def more_settings() -> dict:
    """Settings a test module adds (override the fixture)."""
    return {}


@pytest.fixture
def sms_plan(tmp_path: Path) -> Plan:
    """The plan the crisis runs on: the bundled one with ``MOBILES`` added (a test module may override the fixture,
    e.g. with ``shipped_plan``)."""
    return reachable_plan(tmp_path)


def shipped_plan() -> Plan:
    """The bundled plan as it ships: mobiles for jesper, emilbc, lak and marialouiserj only."""
    return load_plan(default_plan_path())


@pytest.fixture
async def crisis(settings_for, start_bot, connector: FakeConnector, graph: FakeGraph, gateway: FakeGatewayApi,
                 voice: FakeTwilioVoice, clock: Clock, more_settings: dict, sms_plan: Plan) -> Crisis:
    settings = phone_settings(settings_for, graph, gateway, voice, **more_settings)
    return await start_crisis(start_bot, settings, sms_plan, connector, voice, clock)


def phone_settings(settings_for, graph: FakeGraph, gateway: FakeGatewayApi, voice: FakeTwilioVoice, **more) -> Settings:
    """Teams, Graph, SMS on the fake GatewayAPI (replies with ``KRISE`` to 1204) and calls on the fake Twilio."""
    return settings_for(
        graph_tenant_id="5d6a8f1e-0000-4000-8000-5712ae5c0000", graph_client_id="graph-app",
        graph_client_secret="not-a-real-secret", graph_base_url=graph.url, graph_mail_sender=SENDER,
        sms_provider="gatewayapi", gatewayapi_base_url=gateway.url.rstrip("/"), gatewayapi_token=gateway.token,
        gatewayapi_webhook_secret=gateway.webhook_secret, sms_reply_keyword="KRISE", sms_reply_number="1204",
        voice_provider="twilio", voice_caller_id=CALLER_ID, twilio_base_url=voice.url, twilio_account_sid=ACCOUNT_SID,
        twilio_auth_token=voice.auth_token, public_url=PUBLIC_URL, **more,
    )


async def start_crisis(start_bot, settings: Settings, plan: Plan, connector: FakeConnector, voice: FakeTwilioVoice,
                       clock: Clock) -> Crisis:
    """Krisebot on ``settings`` and ``plan``, everyone's app installed and the log channel chosen."""
    bot = await start_bot(settings, plan, clock=clock, graph_credential=FakeCredential())
    voice.serve(PUBLIC_URL, at=str(bot.client.make_url("/")))
    register(connector, *EVERYONE)
    for user in EVERYONE:
        assert (await bot.post(installed(user, connector.url))).status == 201
    assert (await bot.post(in_channel(CLAUS, connector.url, "logkanal"))).status == 201
    return Crisis(bot, connector)


class Phones:
    """The people's phones: what each received from the gateway, and their replies to Krisebot."""

    def __init__(self, crisis: Crisis, gateway: FakeGatewayApi) -> None:
        self.crisis = crisis
        self.gateway = gateway
        self.url = str(crisis.bot.client.make_url("/api/sms/gatewayapi"))

    def number(self, person: str) -> int:
        """The person's mobile as the gateway writes it (digits)."""
        return int(self.crisis.bot.client.app[CRISES].plan.person_by_id[person].mobile.number.lstrip("+"))

    def of(self, person: str) -> list[SentSms]:
        return [sms for sms in self.gateway.sent if sms.msisdn == self.number(person)]

    def code(self, person: str, letter: str) -> str:
        """The reply to the latest page the person got that offers ``letter`` (``"KRISE 3D"``)."""
        for sms in reversed(self.of(person)):
            found = re.search(rf'"(KRISE \d+{letter})"', sms.message)
            if found:
                return found.group(1)
        raise AssertionError(f"{person} got no SMS offering {letter}: {[s.message for s in self.of(person)]}")

    async def text(self, person: str, message: str) -> None:
        answer = await self.gateway.inbound(self.url, self.number(person), message)
        assert answer.status == 200, answer


async def later(crisis: Crisis, clock: Clock, seconds: float, steps: int = 1) -> None:
    for _ in range(steps):
        clock.now += timedelta(seconds=seconds / steps)
        await crisis.settled()
        await crisis.bot.client.app[SMS_INBOX].drain()


