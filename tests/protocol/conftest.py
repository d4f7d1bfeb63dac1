"""The real Krisebot app on a free port, with a fake Bot Connector behind it."""

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.app import STORE, create_app
from bot.clock import Clock, system_clock
from bot.plan import Plan, load_plan
from bot.resources import default_plan_path
from bot.settings import Settings, load_settings
from bot.store import Store
from tests.clock import Clock as HandClock
from tests.fakes.connector import FakeConnector
from tests.fakes.twilio_voice import FakeTwilioVoice
from tests.fakes.graph import RETRY_WAIT_SCALE
from tests.processes import PageConnector
from tests.protocol.teams import CLAUS, EVERYONE, JESPER, OUTSIDER, register


class Krisebot:
    """A running Krisebot as a test sees it: post activities, read the store."""

    def __init__(self, client: TestClient) -> None:
        self.client = client

    @property
    def store(self) -> Store:
        return self.client.app[STORE]

    async def post(self, activity: Any, *, headers: dict[str, str] | None = None, raw: bytes | None = None):
        if raw is not None:
            return await self.client.post("/api/messages", data=raw, headers=headers or {})
        return await self.client.post("/api/messages", json=activity, headers=headers or {})


@pytest.fixture
async def connector() -> AsyncIterator[FakeConnector]:
    async with FakeConnector() as fake:
        register(fake, JESPER, CLAUS, OUTSIDER)
        yield fake


@pytest.fixture
async def page_connector() -> AsyncIterator[PageConnector]:
    """A fake Bot Connector that knows everyone in the plan and stamps when pages arrive (``krisebot serve`` processes
    page through it); what it holds is released before it closes."""
    async with PageConnector() as fake:
        register(fake, *EVERYONE)
        yield fake
        fake.release()


@pytest.fixture
def clock() -> HandClock:
    """A clock the test moves by hand."""
    return HandClock()


@pytest.fixture
async def twilio() -> AsyncIterator[FakeTwilioVoice]:
    """A fake Twilio that takes calls (and SMS)."""
    async with FakeTwilioVoice() as fake:
        yield fake


@pytest.fixture
def settings_for(tmp_path: Path) -> Callable[..., Settings]:
    """Settings on a fresh database in ``tmp_path``; keyword arguments override."""

    def make(**overrides: Any) -> Settings:
        return load_settings(_env_file=None, **{"database": tmp_path / "krisebot.db", **overrides})

    return make


@pytest.fixture
async def start_bot() -> AsyncIterator[Callable[[Settings], Any]]:
    """Start the real app for some settings (and the bundled plan unless given), on ``port`` if given (a
    service that calls back needs the URL before the start); closed after the test.

    Graph retries do not sleep (``RETRY_WAIT_SCALE``) unless ``graph_retry_wait_scale`` is given."""
    clients: list[TestClient] = []

    async def start(
        settings: Settings, plan: Plan | None = None, clock: Clock = system_clock, *, port: int | None = None,
        **options: Any,
    ) -> Krisebot:
        options.setdefault("graph_retry_wait_scale", RETRY_WAIT_SCALE)
        app = create_app(settings, plan or load_plan(default_plan_path()), clock=clock, **options)
        client = TestClient(TestServer(app, port=port))
        await client.start_server()
        clients.append(client)
        return Krisebot(client)

    yield start
    for client in clients:
        await client.close()


@pytest.fixture
async def bot(settings_for, start_bot) -> AsyncIterator[Krisebot]:
    yield await start_bot(settings_for())
