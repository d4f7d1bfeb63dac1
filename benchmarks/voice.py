"""Phone calls: how soon the first call of an alarm is requested, and how evenly a wave of calls is paced.

The real app (``create_app``, a new SQLite database each run, authentication off) runs in this
process on a free port, with ``KRISEBOT_VOICE_PROVIDER=twilio`` pointed at ``FakeTwilioVoice``
from the tests (its address as ``KRISEBOT_TWILIO_BASE_URL``, the fake's account sid and token, a
caller id, and the app's own address as ``KRISEBOT_PUBLIC_URL`` so the fake's signed webhooks
reach it). The fake notes when each Calls API request reaches its handler (``perf_counter``);
it runs on an event loop in a thread of its own, so a busy app loop does not delay the note. The Bot Connector (``FakeConnector``) and Microsoft Graph (``FakeGraph``, feed
and mail configured, an Entra credential) answer every request 503; SMS goes to the console.

(a) First call. The bundled plan, unchanged. An Alertmanager alert naming Office 365 is posted
to ``POST /api/alarms`` with the alarm token; measured: from sending it to the fake receiving the
call to the IT head. ``--runs`` runs, a new app and database each. Target: within 1 s.

(b) Pacing. The synthetic plan of ``benchmarks/sms.py`` with ``--roles`` roles (each primary
with a mobile), and ``KRISEBOT_VOICE_CALLS_PER_SECOND`` set to each of ``--rates``. The same
alarm; the IT head's call is picked up through the fake and answered with key 2 (inform the
director), the director's with key 2 (activate): the summons wave then calls every primary at
once, through the pager's pacer. Measured: the gaps between the arrivals of the wave's calls at
the fake, against ``1/rate``. Target: no gap shorter than ``1/rate`` (less ``JITTER`` for the
clocks) and every gap within 10 % of it.

    .venv/bin/python benchmarks/voice.py [--runs 5] [--rates 1,5] [--roles 25]
"""

import argparse
import asyncio
import copy
import sys
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Coroutine
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import aiohttp
from aiohttp import web

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.invoke import percentile  # noqa: E402
from benchmarks.sms import MAILBOX, synthetic, until  # noqa: E402
from bot.app import create_app  # noqa: E402
from bot.plan import load_plan  # noqa: E402
from bot.plan.models import Plan  # noqa: E402
from bot.plan.phones import to_e164  # noqa: E402
from bot.resources import default_plan_path  # noqa: E402
from bot.settings import load_settings  # noqa: E402
from tests.fakes.connector import FakeConnector  # noqa: E402
from tests.fakes.graph import FakeCredential, FakeGraph  # noqa: E402
from tests.fakes.twilio import ACCOUNT_SID  # noqa: E402
from tests.fakes.twilio_voice import FakeCall, FakeTwilioVoice  # noqa: E402
from tests.protocol.alarms import AUTH, TOKEN, alertmanager  # noqa: E402
from tests.protocol.teams import EVERYONE, installed, register  # noqa: E402
from tests.serve import free_port  # noqa: E402

CALLER_ID = "+4578787878"
FIRST_CALL_TARGET = 1.0
TOLERANCE = 0.10
JITTER = 0.005
"""Seconds a gap may fall short of ``1/rate`` and still count as kept: the clocks' jitter, not a faster pace."""
QUIET = 3
"""The wave is over when no call came for this many gaps."""


class TimedTwilio(FakeTwilioVoice):
    """FakeTwilioVoice noting when each Calls API request reaches it (``perf_counter``)."""

    def __init__(self) -> None:
        super().__init__()
        self.arrivals: list[float] = []

    async def _calls(self, request: web.Request) -> web.Response:
        self.arrivals.append(time.perf_counter())
        return await super()._calls(request)


T = TypeVar("T")


class OwnLoop:
    """An event loop in a thread of its own, for the fake Twilio: a busy app loop cannot delay what it notes."""

    def __init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    async def __aenter__(self) -> "OwnLoop":
        self._thread.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()
        self._loop.close()

    async def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Run ``coroutine`` on this loop and wait for it from the caller's."""
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coroutine, self._loop))


@dataclass
class Service:
    url: str
    twilio: TimedTwilio
    twilio_loop: OwnLoop
    plan: Plan

    def call_to(self, person: str) -> FakeCall | None:
        numbers = {to_e164(phone.number) for phone in self.plan.person_by_id[person].phones}
        return next((call for call in self.twilio.calls if call.to in numbers), None)


@asynccontextmanager
async def service(plan: Plan, database: Path, rate: float) -> AsyncIterator[Service]:
    """The app with Twilio voice, on a port known before it starts; the people of the bundled plan have
    installed the bot, then the Bot Connector and Graph answer every request 503."""
    twilio = TimedTwilio()
    async with FakeConnector() as connector, FakeGraph() as graph, OwnLoop() as twilio_loop:
        await twilio_loop.run(twilio.start())
        for user in EVERYONE:
            graph.add_user(user.aad_object_id, user.upn.lower(), user.name)
        graph.add_user("mailbox", MAILBOX, "Krisebot")
        register(connector, *EVERYONE)
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        settings = load_settings(
            _env_file=None, database=database, alarm_token=TOKEN,
            graph_tenant_id="t", graph_client_id="c", graph_client_secret="s", graph_base_url=graph.url,
            graph_mail_sender=MAILBOX, voice_provider="twilio", twilio_base_url=twilio.url,
            twilio_account_sid=ACCOUNT_SID, twilio_auth_token=twilio.auth_token, voice_caller_id=CALLER_ID,
            public_url=url, voice_calls_per_second=rate,
        )
        runner = web.AppRunner(create_app(settings, plan, graph_credential=FakeCredential()), access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        try:
            async with aiohttp.ClientSession() as session:
                for user in EVERYONE:
                    async with session.post(f"{url}/api/messages", json=installed(user, connector.url)) as response:
                        await response.read()
            connector.down = graph.down = 503
            yield Service(url, twilio, twilio_loop, plan)
        finally:
            await runner.cleanup()
            await twilio_loop.run(twilio.close())


async def alarm(session: aiohttp.ClientSession, url: str) -> float:
    """Post an Office 365 alert; the perf_counter time it was sent."""
    started = time.perf_counter()
    async with session.post(f"{url}/api/alarms", json=copy.deepcopy(alertmanager()), headers=AUTH) as response:
        await response.read()
        if response.status != 202:
            raise RuntimeError(f"POST /api/alarms answered {response.status}")
    return started


async def first_call(tmp: Path, run: int) -> float:
    """(a): seconds from posting the alarm to the fake Twilio receiving the IT head's call."""
    async with service(load_plan(default_plan_path()), tmp / f"first-{run}.db", 1.0) as bot:
        async with aiohttp.ClientSession() as session:
            sent = await alarm(session, bot.url)
            await until(lambda: bot.call_to("cvo") is not None, "the IT head's call")
        return bot.twilio.arrivals[0] - sent


async def press(bot: Service, person: str, key: str) -> None:
    """``person`` picks up their call and presses ``key``."""
    await until(lambda: bot.call_to(person) is not None, f"the call to {person}")
    call = bot.call_to(person)
    assert call is not None
    picked_up = await bot.twilio_loop.run(bot.twilio.answer(call))
    pressed = await bot.twilio_loop.run(bot.twilio.press(call, key))
    if (picked_up.status, pressed.status) != (200, 200):
        raise RuntimeError(f"{person}'s call: the webhooks answered {picked_up.status} and {pressed.status}")


async def wave(tmp: Path, rate: float, roles: int) -> list[float]:
    """(b): the arrival times at the fake of the summons wave's calls."""
    async with service(synthetic(roles), tmp / f"wave-{rate}.db", rate) as bot:
        async with aiohttp.ClientSession() as session:
            await alarm(session, bot.url)
        await press(bot, "cvo", "2")
        await press(bot, "jesper", "2")
        first = len(bot.twilio.arrivals)
        gap = 1 / rate
        await until(lambda: len(bot.twilio.arrivals) > first, "the first call of the summons wave")
        while time.perf_counter() - bot.twilio.arrivals[-1] < QUIET * gap:
            await asyncio.sleep(gap / 10)
        return bot.twilio.arrivals[first:]


def report_first(times: list[float]) -> None:
    ordered = sorted(times)
    met = "MET" if ordered[-1] <= FIRST_CALL_TARGET else "MISSED"
    print(f"(a) first call of an O365 alarm, bundled plan: {len(times)} runs (a new app and database each)")
    print(f"    alarm posted -> Calls API request at the fake: p50 {percentile(ordered, 50) * 1000:.1f} ms, "
          f"max {ordered[-1] * 1000:.1f} ms  (runs: {', '.join(f'{t * 1000:.0f}' for t in times)})")
    print(f"    target <= {FIRST_CALL_TARGET:.0f} s: {met}")


def report_wave(rate: float, arrivals: list[float]) -> None:
    gap = 1 / rate
    gaps = [b - a for a, b in zip(arrivals, arrivals[1:])]
    print(f"    {rate:g} call/s (1/rate {gap * 1000:.0f} ms): {len(arrivals)} calls in {(arrivals[-1] - arrivals[0]):.2f} s")
    if not gaps:
        print("    no gaps: MISSED")
        return
    low, mean, high = min(gaps), sum(gaps) / len(gaps), max(gaps)
    print("      gaps  " + "  ".join(f"{name} {value * 1000:7.1f} ms ({value / gap - 1:+.1%})"
                                      for name, value in (("min", low), ("mean", mean), ("max", high))))
    never_faster = low >= gap - JITTER
    within = all(abs(g - gap) <= TOLERANCE * gap for g in gaps)
    outside = sum(1 for g in gaps if abs(g - gap) > TOLERANCE * gap)
    met = "MET" if never_faster and within and len(arrivals) >= 20 else "MISSED"
    print(f"      never faster than 1/rate (-{JITTER * 1000:.0f} ms): {'yes' if never_faster else 'no'}; "
          f"gaps outside ±{TOLERANCE:.0%}: {outside} of {len(gaps)}; at least 20 calls: "
          f"{'yes' if len(arrivals) >= 20 else 'no'}: {met}")


async def main(runs: int, rates: list[float], roles: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        firsts = [await first_call(tmp, run) for run in range(runs)]
        waves = {rate: await wave(tmp, rate, roles) for rate in rates}
    print("Twilio voice at a fake Calls API on a thread of its own; Bot Connector and Graph answer 503; SMS to the console")
    report_first(firsts)
    print(f"(b) summons wave, synthetic plan with {roles} roles: gaps between the calls at the fake")
    for rate, arrivals in waves.items():
        report_wave(rate, arrivals)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--rates", default="1,5", help="calls per second, comma separated")
    parser.add_argument("--roles", type=int, default=25)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.runs, [float(r) for r in arguments.rates.split(",")], arguments.roles))
