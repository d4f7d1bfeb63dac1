"""The voice webhook routes on a real aiohttp server, with a desk that records what it is told and says a fixed script."""

import os
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.channels.voice.base import Ask, CallAnswer, CallUpdate, KeyPress, Prompt
from bot.channels.voice.providers import voice_routes
from bot.clock import Clock, system_clock
from bot.metrics import METRICS, Metrics
from bot.settings import Settings
from tests.serve import free_port

INTRO = "Krise K-2026-001: <test> & øvelse. Mød op i krisestaben."
ASK = "Tryk 1 for at kvittere, 2 hvis du ikke kan komme."
MINUTES = "Tast minutter, og afslut med firkant."


@dataclass
class RecordingDesk:
    """A CallDesk: a person is asked for 1 or 2; 3 asks for a number of up to 3 digits, which ends the call; any other
    key asks again (the next round); a machine hears one line."""

    answers: list[CallAnswer] = field(default_factory=list)
    presses: list[KeyPress] = field(default_factory=list)
    updates: list[CallUpdate] = field(default_factory=list)
    fail: bool = False

    def called(self) -> bool:
        return bool(self.answers or self.presses or self.updates)

    async def answered(self, answer: CallAnswer) -> Prompt:
        if self.fail:
            raise RuntimeError("store down")
        self.answers.append(answer)
        if answer.machine:
            return Prompt(say=("Dette er Krisebot. Ring til vagtcentralen.",))
        return Prompt(say=(INTRO, ASK), gather=True, round=1)

    async def pressed(self, keys: KeyPress) -> Prompt:
        self.presses.append(keys)
        if keys.ask is Ask.NUMBER:
            return Prompt(say=(f"Tak. Du tastede {keys.digits}.",))
        if keys.digits == "3":
            return Prompt(say=(MINUTES,), gather=True, ask=Ask.NUMBER, digits=3)
        if keys.digits == "1":
            return Prompt(say=("Tak. Du er registreret som på vej.",))
        if keys.digits == "2":
            return Prompt(say=("Tak. Vi finder en anden.",))
        return Prompt(say=("Det forstod jeg ikke.", ASK), gather=True, round=keys.round + 1)

    async def progressed(self, update: CallUpdate) -> None:
        self.updates.append(update)


@dataclass
class Service:
    url: str
    desk: RecordingDesk
    metrics: Metrics

    def rejections(self, path: str, status: int) -> float | None:
        labels = {"endpoint": path, "status": str(status)}
        return self.metrics.registry.get_sample_value("krisebot_webhook_rejections_total", labels)


@pytest.fixture(autouse=True)
def no_outside_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.upper().startswith("KRISEBOT_"):
            monkeypatch.delenv(name)


@pytest.fixture
async def start() -> AsyncIterator[Callable[..., Any]]:
    """``await start(lambda public_url: settings)``: the voice routes of those settings on a free port, which the
    settings get as their public URL (as a provider's service would call them)."""
    servers: list[TestServer] = []

    async def run(settings_for: Callable[[str], Settings], *, clock: Clock = system_clock) -> Service:
        port = free_port()
        settings = settings_for(f"http://127.0.0.1:{port}")
        desk = RecordingDesk()
        app = web.Application()
        app[METRICS] = Metrics()
        for path, handler in voice_routes(settings, desk, clock=clock).items():
            app.router.add_post(path, handler)
        server = TestServer(app, port=port)
        await server.start_server()
        servers.append(server)
        return Service(f"http://127.0.0.1:{port}", desk, app[METRICS])

    yield run
    for server in servers:
        await server.close()
