"""Response time of ``adaptiveCard/action`` invokes (card taps) under concurrent load.

The real app (``create_app`` on the bundled plan, a new SQLite or PostgreSQL database: ``--engine``,
``benchmarks/engines.py``; authentication off) runs in this process on a free port, with a ``FakeConnector`` as the Bot Connector.
The seven people of the plan install the bot, a log channel is chosen and a handful of
crises are raised and activated, so everyone in the plan has open crises to tap on.

Then each round fires ``--concurrency`` taps at once from a separate client session and
times every answer (request sent to body read): half are ``acknowledge`` on a summons card
(only by people who were paged), half ``add_log_entry`` from the situation card, spread
over the crises and the people, each with a new activity id so none is deduplicated. Every
answer must be HTTP 200 with ``statusCode`` 200 and a card, every log entry must reach the
logbog and no refusal may be sent to a 1:1 chat; anything else is counted and printed.
Between rounds the app's background work (log posts, situation card updates) is drained,
and before each burst the garbage is collected, so each round starts from a quiet state.

The baseline, in the same run, is a bare aiohttp app with one POST handler that parses the
JSON body and returns a small card, hit with the same bodies the same way. Rounds of the
two alternate, after one warm-up round each that is not counted. Prints p50/p90/p99/max of
both, the ratios, and whether the target (docs/benchmarks.md) is met: p99 under 200 ms with
50 concurrent taps.

    .venv/bin/python benchmarks/invoke.py [--concurrency 50] [--rounds 20] [--engine sqlite|postgresql|both]
"""

import argparse
import asyncio
import gc
import itertools
import json
import math
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import ClientSession, TCPConnector, web

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.engines import NAMES, add_engine_option, databases, engines, ratios  # noqa: E402
from bot.app import CRISES, create_app  # noqa: E402
from bot.database_url import DatabaseLocation  # noqa: E402
from bot.core.events import PagePurpose  # noqa: E402
from bot.plan import load_plan  # noqa: E402
from bot.resources import default_plan_path  # noqa: E402
from bot.settings import load_settings  # noqa: E402
from tests.fakes.connector import FakeConnector, RecordedRequest  # noqa: E402
from tests.protocol.teams import CLAUS, EVERYONE, JESPER, TeamsUser, in_channel, installed, register, tap  # noqa: E402

CARD = "application/vnd.microsoft.card.adaptive"
TARGET_P99 = 0.200
OPEN_CRISES = 5
LOG_KINDS = ("handling", "beslutning", "undladelse")

Json = dict[str, Any]


# -- servers ------------------------------------------------------------------------------


async def serve(app: web.Application) -> tuple[web.AppRunner, str]:
    """Start ``app`` on a free port; its runner and the messages URL."""
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    return runner, f"http://127.0.0.1:{runner.addresses[0][1]}/api/messages"


async def bare_card(request: web.Request) -> web.Response:
    """The baseline: parse the activity and answer with a small card."""
    activity = await request.json()
    verb = activity["value"]["action"]["verb"]
    card = {"type": "AdaptiveCard", "version": "1.5", "body": [{"type": "TextBlock", "text": f"OK: {verb}"}]}
    return web.json_response({"statusCode": 200, "type": CARD, "value": card})


def baseline_app() -> web.Application:
    app = web.Application()
    app.router.add_post("/api/messages", bare_card)
    return app


# -- requests -----------------------------------------------------------------------------


async def post(session: ClientSession, url: str, activity: Json) -> Json:
    """Post one activity; the answer's JSON (``{}`` for an empty 201), raising on another status."""
    async with session.post(url, json=activity) as response:
        if response.status not in (200, 201):
            raise RuntimeError(f"{activity['type']} answered {response.status}: {await response.text()}")
        return await response.json() if response.status == 200 else {}


async def timed(session: ClientSession, url: str, body: bytes) -> tuple[float, str | None]:
    """Seconds from sending ``body`` to having read the answer, and what was wrong with it (or None)."""
    started = time.perf_counter()
    async with session.post(url, data=body, headers={"Content-Type": "application/json"}) as response:
        text = await response.text()
    elapsed = time.perf_counter() - started
    if response.status != 200:
        return elapsed, f"HTTP {response.status}: {text[:200]}"
    answer = json.loads(text)
    if answer.get("statusCode") != 200 or answer.get("type") != CARD:
        return elapsed, f"statusCode {answer.get('statusCode')}: {text[:200]}"
    return elapsed, None


async def burst(session: ClientSession, url: str, bodies: list[bytes]) -> list[tuple[float, str | None]]:
    """All ``bodies`` at once, from a collected heap (no pause for the other app's garbage)."""
    gc.collect()
    return await asyncio.gather(*(timed(session, url, body) for body in bodies))


# -- the crisis to tap on -----------------------------------------------------------------


async def prepare(session: ClientSession, url: str, connector: FakeConnector, app: web.Application) -> list[str]:
    """Install the bot for everyone, choose the log channel, raise and activate crises; their ids."""
    crises = app[CRISES]
    register(connector, *EVERYONE)
    for user in EVERYONE:
        await post(session, url, installed(user, connector.url))
    await post(session, url, in_channel(CLAUS, connector.url, "logkanal"))
    for number in range(OPEN_CRISES):
        await post(session, url, tap(
            CLAUS, connector.url, "raise_alarm", source="overvaagning", deliveries="it-infrastruktur",
            description=f"Benchmark-hændelse {number + 1}",
        ))
        await crises.drain()
        crisis_id = crises.active()[-1].id
        await post(session, url, tap(CLAUS, connector.url, "triage_inform_director", crisis=crisis_id, assessment="Alvorligt"))
        await crises.drain()
        await post(session, url, tap(JESPER, connector.url, "director_activate", crisis=crisis_id, meeting_time="09:30", note=""))
        await crises.drain()
    ids = [state.id for state in crises.active()]
    if len(ids) != OPEN_CRISES or any(state.phase != "activated" for state in crises.active()):
        raise RuntimeError(f"set-up failed: {[(s.id, s.phase) for s in crises.active()]}")
    return ids


def summoned(app: web.Application, crisis_ids: list[str]) -> list[TeamsUser]:
    """The Teams users who got a summons card (and so have an acknowledge button)."""
    by_email = {user.upn.lower(): user for user in EVERYONE}
    plan, state = app[CRISES].plan, app[CRISES].get(crisis_ids[0])
    people = dict.fromkeys(page.person for page in state.pages if page.purpose is PagePurpose.SUMMONS)
    return [by_email[plan.person_by_id[person].email.lower()] for person in people]


def tap_bodies(
    count: int, crisis_ids: list[str], paged: list[TeamsUser], service_url: str, serial: itertools.count
) -> list[bytes]:
    """``count`` taps, alternately acknowledge (by a paged person) and add_log_entry (by anyone)."""
    bodies = []
    for _ in range(count):
        n = next(serial)
        crisis_id = crisis_ids[n % len(crisis_ids)]
        if n % 2 == 0:
            activity = tap(paged[(n // 2) % len(paged)], service_url, "acknowledge", crisis=crisis_id)
        else:
            activity = tap(
                EVERYONE[(n // 2) % len(EVERYONE)], service_url, "add_log_entry",
                crisis=crisis_id, kind=LOG_KINDS[n % len(LOG_KINDS)], text=f"Statusopdatering nr. {n}",
            )
        bodies.append(json.dumps(activity).encode())
    return bodies


def said_in_chats(requests: list[RecordedRequest]) -> list[str]:
    """Texts the bot sent to someone's 1:1 chat: during the rounds only refusals would be."""
    chats = {user.chat_id for user in EVERYONE}
    return [r.activity.get("text") or "" for r in requests if r.conversation_id in chats and r.activity]


# -- figures ------------------------------------------------------------------------------


def percentile(sorted_times: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    return sorted_times[max(0, math.ceil(p / 100 * len(sorted_times)) - 1)]


def figures(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)
    return {"p50": percentile(ordered, 50), "p90": percentile(ordered, 90), "p99": percentile(ordered, 99), "max": ordered[-1]}


def row(label: str, values: dict[str, float]) -> str:
    return f"{label:<22}" + "".join(f"{values[key] * 1000:>8.1f}" for key in ("p50", "p90", "p99", "max")) + " ms"


# -- run ----------------------------------------------------------------------------------


@dataclass
class Results:
    times: dict[str, list[float]] = field(default_factory=lambda: {"baseline": [], "krisebot": []})
    errors: list[str] = field(default_factory=list)
    drain_times: list[float] = field(default_factory=list)
    log_taps: int = 0
    connector_calls: int = 0


async def one_round(
    session: ClientSession, urls: dict[str, str], app: web.Application, bodies: list[bytes], results: Results | None
) -> None:
    """The same taps to the baseline, then to Krisebot; then wait for Krisebot's background work."""
    answers = {name: await burst(session, url, bodies) for name, url in urls.items()}
    started = time.perf_counter()
    await app[CRISES].drain()
    if results is None:  # warm-up
        return
    results.drain_times.append(time.perf_counter() - started)
    results.log_taps += sum(b"add_log_entry" in body for body in bodies)
    for name, timings in answers.items():
        results.times[name] += [elapsed for elapsed, _ in timings]
        results.errors += [f"{name}: {error}" for _, error in timings if error]


async def measure(concurrency: int, rounds: int, database: DatabaseLocation) -> tuple[Results, list[TeamsUser]]:
    app = create_app(load_settings(_env_file=None, database=database), load_plan(default_plan_path()))
    async with FakeConnector() as connector:
        bot_runner, bot_url = await serve(app)
        base_runner, base_url = await serve(baseline_app())
        urls = {"baseline": base_url, "krisebot": bot_url}
        try:
            async with ClientSession(connector=TCPConnector(limit=0)) as session:
                crisis_ids = await prepare(session, bot_url, connector, app)
                paged = summoned(app, crisis_ids)
                serial = itertools.count()
                await one_round(session, urls, app, tap_bodies(concurrency, crisis_ids, paged, connector.url, serial), None)
                entries_before = sum(len(app[CRISES].get(crisis_id).log) for crisis_id in crisis_ids)
                calls_before = len(connector.requests)
                results = Results()
                for _ in range(rounds):
                    await one_round(session, urls, app, tap_bodies(concurrency, crisis_ids, paged, connector.url, serial), results)
                calls = connector.requests[calls_before:]
                results.connector_calls = len(calls)
                results.errors += [f"krisebot: said in a 1:1 chat: {text!r}" for text in said_in_chats(calls)]
                entries = sum(len(app[CRISES].get(crisis_id).log) for crisis_id in crisis_ids) - entries_before
                if entries != results.log_taps:
                    results.errors.append(f"krisebot: {entries} new log entries for {results.log_taps} add_log_entry taps")
        finally:
            await base_runner.cleanup()
            await bot_runner.cleanup()
    return results, paged


def report(concurrency: int, rounds: int, results: Results, paged: list[TeamsUser]) -> None:
    base, bot = figures(results.times["baseline"]), figures(results.times["krisebot"])
    drain = sorted(results.drain_times)[len(results.drain_times) // 2]
    print(f"taps: {len(results.times['krisebot'])} per app ({rounds} rounds of {concurrency} concurrent, after 1 warm-up round)")
    print(f"mix:  acknowledge by the {len(paged)} people paged, add_log_entry by all {len(EVERYONE)}, on {OPEN_CRISES} activated crises")
    print(f"{'':<22}{'p50':>8}{'p90':>8}{'p99':>8}{'max':>8}")
    print(row("baseline aiohttp app:", base))
    print(row("krisebot:", bot))
    print(f"ratio to baseline:     p50 x{bot['p50'] / base['p50']:.1f}, p99 x{bot['p99'] / base['p99']:.1f}")
    print(f"background work:       {results.connector_calls / rounds:.0f} Bot Connector calls a round, "
          f"median {drain * 1000:.0f} ms left after the taps were answered")
    print(f"errors: {len(results.errors)}")
    for error in results.errors[:10]:
        print(f"  {error}")
    met = "met" if bot["p99"] < TARGET_P99 else "MISSED"
    print(f"target: p99 < {TARGET_P99 * 1000:.0f} ms with {concurrency} concurrent taps: {met}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=20)
    add_engine_option(parser)
    args = parser.parse_args()
    chosen = engines(args.engine)
    figured: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp, databases(chosen, Path(tmp)) as new_database:
        for engine in chosen:
            results, paged = asyncio.run(measure(args.concurrency, args.rounds, new_database[engine]()))
            print(f"\n{NAMES[engine]}:")
            report(args.concurrency, args.rounds, results, paged)
            bot = figures(results.times["krisebot"])
            figured[engine] = {"krisebot p50": bot["p50"], "krisebot p99": bot["p99"]}
    ratios(figured)


if __name__ == "__main__":
    main()
