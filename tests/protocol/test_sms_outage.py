"""Office 365 is down: a whole crisis by SMS alone, and the Teams log thread catching up afterwards.

The real app with a fake Bot Connector and a fake Graph that both answer 503, and a fake
GatewayAPI that takes the SMS and signs the replies. Time is moved by hand.
"""

import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from bot.app import CRISES, SMS_INBOX
from bot.plan import load_plan
from bot.resources import default_plan_path
from tests.fakes.connector import FakeConnector
from tests.fakes.gatewayapi import FakeGatewayApi, SentSms
from tests.fakes.graph import FakeCredential, FakeGraph
from tests.protocol.crisis import Crisis
from tests.protocol.teams import CLAUS, EVERYONE, LOG_CHANNEL, in_channel, installed, register

SENDER = "krisebot@struer.dk"
MOBILES = {"cvo": "20112233", "peter": "20112244", "hjm": "20112255"}
"""The plan gives these people landlines only; the scenario needs them reachable by SMS."""


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 28, 7, 0, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now


def reachable_plan(folder: Path):
    text = default_plan_path().read_text(encoding="utf-8")
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
async def crisis(settings_for, start_bot, connector: FakeConnector, graph: FakeGraph, gateway: FakeGatewayApi,
                 clock: Clock, tmp_path: Path) -> Crisis:
    settings = settings_for(
        graph_tenant_id="5d6a8f1e-0000-4000-8000-5712ae5c0000", graph_client_id="graph-app",
        graph_client_secret="not-a-real-secret", graph_base_url=graph.url, graph_mail_sender=SENDER,
        sms_provider="gatewayapi", gatewayapi_base_url=gateway.url.rstrip("/"), gatewayapi_token=gateway.token,
        gatewayapi_webhook_secret=gateway.webhook_secret, sms_reply_keyword="KRISE", sms_reply_number="1204",
        public_url="https://krisebot.struer.dk",
    )
    bot = await start_bot(settings, reachable_plan(tmp_path), clock=clock, graph_credential=FakeCredential())
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

    def of(self, person: str) -> list[SentSms]:
        number = int(self.crisis.bot.client.app[CRISES].plan.person_by_id[person].mobile.number.lstrip("+"))
        return [sms for sms in self.gateway.sent if sms.msisdn == number]

    def code(self, person: str, letter: str) -> str:
        """The reply to the latest page the person got that offers ``letter`` (``"KRISE 3D"``)."""
        for sms in reversed(self.of(person)):
            found = re.search(rf'"(KRISE \d+{letter})"', sms.message)
            if found:
                return found.group(1)
        raise AssertionError(f"{person} got no SMS offering {letter}: {[s.message for s in self.of(person)]}")

    async def text(self, person: str, message: str) -> None:
        number = int(self.crisis.bot.client.app[CRISES].plan.person_by_id[person].mobile.number.lstrip("+"))
        answer = await self.gateway.inbound(self.url, number, message)
        assert answer.status == 200, answer


async def later(crisis: Crisis, clock: Clock, seconds: float, steps: int = 1) -> None:
    for _ in range(steps):
        clock.now += timedelta(seconds=seconds / steps)
        await crisis.settled()
        await crisis.bot.client.app[SMS_INBOX].drain()


async def test_a_whole_crisis_by_sms_while_office_365_is_down_then_teams_catches_up(
    crisis: Crisis, connector: FakeConnector, graph: FakeGraph, gateway: FakeGatewayApi, clock: Clock
) -> None:
    app = crisis.bot.client.app
    phones = Phones(crisis, gateway)
    connector.down = graph.down = 503

    await phones.text("lak", "KRISE ALARM O365 er nede, ingen kan logge på")
    await later(crisis, clock, 1)
    [state] = app[CRISES].active()
    assert state.deliveries == ("o365",)
    assert any("modtaget" in sms.message for sms in phones.of("lak"))
    assert phones.of("cvo"), "an O365 alarm goes by SMS at once"

    await later(crisis, clock, 30, steps=6)
    down = {(e.payload.dependency, e.payload.open) for e in await crisis.bot.store.events(crisis_id=state.id)
            if e.payload.type == "breaker_changed"}
    assert down == {("connector", True), ("graph", True)}, "Teams and Graph failed often enough to count as down"
    assert len(phones.of("cvo")) == 1, "the IT head got the alarm by SMS once, not again when Teams was counted down"

    await phones.text("cvo", phones.code("cvo", "D"))
    await later(crisis, clock, 1)
    assert app[CRISES].get(state.id).phase.value == "director"
    await phones.text("jesper", phones.code("jesper", "A"))
    await later(crisis, clock, 1)
    assert app[CRISES].get(state.id).phase.value == "activated"
    plan = app[CRISES].plan
    summoned = {role.primary for role in plan.roles if plan.person_by_id[role.primary].mobile}
    assert all(any("indkaldes" in s.message for s in phones.of(p)) for p in summoned)

    silent = plan.role_by_id["okonomi"].primary
    for person in summoned - {silent}:
        await phones.text(person, phones.code(person, "K"))
    await later(crisis, clock, 1)
    timeout, repeat = plan.ack_timeout(plan.role_by_id["okonomi"]), plan.repeat(plan.role_by_id["okonomi"])
    await later(crisis, clock, timeout.total_seconds() * (repeat + 1), steps=repeat + 2)
    deputy = plan.role_by_id["okonomi"].deputies[0]
    assert [s for s in phones.of(deputy) if "indkaldes" in s.message], "the deputy is summoned by SMS"

    await phones.text("jesper", phones.code("jesper", "L"))
    await later(crisis, clock, 1)
    assert not app[CRISES].get(state.id).phase.open

    thread = await crisis.bot.store.thread(crisis_id=state.id)
    assert thread is None, "nothing reached the log channel while Teams was down"

    connector.down = graph.down = None
    await later(crisis, clock, 60, steps=4)

    thread = await crisis.bot.store.thread(crisis_id=state.id)
    assert thread is not None
    events = await crisis.bot.store.events(crisis_id=state.id)
    posts = [text for text in connector.texts(thread.conversation_id)]
    assert len(posts) == len(events), "every event once, none lost or doubled"
    assert all("registreret under udfald" in post for post in posts)
    stamps = [post.split(" · ")[0] for post in posts]
    assert stamps == sorted(stamps)
    sms_lines = [post for post in posts if "Sms fra" in post]
    assert any("KRISE" in line and "udført: aktivér krisestaben" in line for line in sms_lines)
    situation = connector.updates(thread.conversation_id)
    assert situation and "afsluttet" in str(situation[-1]).lower()
    assert LOG_CHANNEL
