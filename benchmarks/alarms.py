"""Answer time of ``POST /api/alarms`` (monitoring webhooks): target under 100 ms.

The real app (``create_app`` on the bundled plan, a new SQLite database, an alarm token and a
rate limit high enough not to interfere) runs in this process on a free port, with a
``FakeConnector`` as the Bot Connector and the people of the plan installed, so every new
crisis's triage page really goes out, behind the answer. The baseline, in the same run, is a bare aiohttp app with one POST handler that
parses the JSON body and answers 202.

Each round posts, one after the other, ``--per-round`` Alertmanager bodies (one alert each):
half new alerts (a new crisis, the IT head paged), half repeats of the round's earlier ones
(joined: a logbog line). The time is from sending the body to having read the answer. After
each round the app's background work is drained (pages sent, log lines mirrored), so a
round starts from a quiet state. Prints p50/p90/p99/max of both and whether the target is met.

    .venv/bin/python benchmarks/alarms.py [--rounds 10] [--per-round 20]
"""

import argparse
import asyncio
import copy
import json
import sys
import tempfile
import time
from pathlib import Path

from aiohttp import ClientSession, web

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.invoke import figures, row, serve  # noqa: E402
from bot.app import CRISES, PAGER, create_app  # noqa: E402
from bot.plan import load_plan  # noqa: E402
from bot.resources import default_plan_path  # noqa: E402
from bot.settings import load_settings  # noqa: E402
from tests.fakes.connector import FakeConnector  # noqa: E402
from tests.protocol.alarms import AUTH, TOKEN, alertmanager  # noqa: E402
from tests.protocol.teams import EVERYONE, installed, register  # noqa: E402

TARGET_P99 = 0.100


async def bare_accept(request: web.Request) -> web.Response:
    """The baseline: parse the body and answer 202."""
    body = await request.json()
    return web.json_response({"crisis": None, "status": body["status"]}, status=202)


def bodies(round_number: int, count: int) -> list[bytes]:
    """New alerts and repeats of them, alternately."""
    out = []
    for n in range(count):
        body = copy.deepcopy(alertmanager())
        body["alerts"][0]["fingerprint"] = f"bench-{round_number}-{n // 2}"
        out.append(json.dumps(body).encode())
    return out


async def timed(session: ClientSession, url: str, body: bytes) -> tuple[float, int]:
    started = time.perf_counter()
    async with session.post(url, data=body, headers={"Content-Type": "application/json", **AUTH}) as response:
        await response.read()
    return time.perf_counter() - started, response.status


async def measure(rounds: int, per_round: int, database: Path) -> tuple[dict[str, list[float]], list[str], int]:
    app = create_app(load_settings(_env_file=None, database=database, alarm_token=TOKEN, alarm_rate_limit=10000), load_plan(default_plan_path()))
    base = web.Application()
    base.router.add_post("/api/alarms", bare_accept)
    times: dict[str, list[float]] = {"baseline": [], "krisebot": []}
    errors: list[str] = []
    async with FakeConnector() as connector:
        bot_runner, messages = await serve(app)
        base_runner, _ = await serve(base)
        urls = {
            "baseline": f"http://127.0.0.1:{base_runner.addresses[0][1]}/api/alarms",
            "krisebot": messages.replace("/api/messages", "/api/alarms"),
        }
        try:
            async with ClientSession() as session:
                register(connector, *EVERYONE)
                for user in EVERYONE:
                    async with session.post(messages, json=installed(user, connector.url)) as response:
                        await response.read()
                for number in range(rounds + 1):  # round 0 warms up and is not counted
                    for name, url in urls.items():
                        for body in bodies(number, per_round):
                            elapsed, status = await timed(session, url, body)
                            if status != 202:
                                errors.append(f"{name}: HTTP {status}")
                            if number:
                                times[name].append(elapsed)
                    await app[CRISES].drain()
                    await app[PAGER].settle()
                    await app[CRISES].drain()
                crises = len(app[CRISES].all())
        finally:
            await base_runner.cleanup()
            await bot_runner.cleanup()
    return times, errors, crises


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--per-round", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        times, errors, crises = asyncio.run(measure(args.rounds, args.per_round, Path(tmp) / "krisebot.db"))
    base, bot = figures(times["baseline"]), figures(times["krisebot"])
    print(f"alarms: {len(times['krisebot'])} per app ({args.rounds} rounds of {args.per_round}, half new, half repeats)")
    print(f"crises opened: {crises}")
    print(f"{'':<22}{'p50':>8}{'p90':>8}{'p99':>8}{'max':>8}")
    print(row("baseline aiohttp app:", base))
    print(row("krisebot:", bot))
    print(f"ratio to baseline:     p50 x{bot['p50'] / base['p50']:.1f}, p99 x{bot['p99'] / base['p99']:.1f}")
    print(f"errors: {len(errors)}")
    for error in errors[:10]:
        print(f"  {error}")
    met = "met" if bot["p99"] < TARGET_P99 else "MISSED"
    print(f"target: p99 < {TARGET_P99 * 1000:.0f} ms: {met}")


if __name__ == "__main__":
    main()
